package io.github.dac4j.core.program;

/**
 * The timing of one layer run as a streaming stage. A step of {@code n} frames brings {@code n * inRate} new input
 * rows, which the stage reads after the {@code history} rows it kept from the step before, and it writes
 * {@code n * outRate} output rows. Every layer delays its output by how far it must look ahead, so in the step that
 * starts after {@code start} frames the first new input row holds position {@code start * inRate - inDelay} and the
 * first output row position {@code start * outRate - outDelay}. A sequence of {@code T} frames has
 * {@code T * outRate - outTrim} valid output positions (an odd-stride transposed convolution gives {@code s L - 1}
 * rows for L inputs, so the outputs after it fall short of a multiple of the frame rate).
 *
 * <pre>
 * same conv        kernel span S, left padding P     history S,      outDelay = inDelay + (S - P)
 * upsample by s    snake, ConvTranspose1d(2s, s, p)  history 2,      outDelay = s * inDelay + s,   outTrim = s * inTrim + 2p - s
 * downsample by s  snake, Conv1d(2s, stride s, p)    history s + m,  outDelay = (inDelay + s - p + m) / s
 * </pre>
 * ({@code m = (p - inDelay) mod s} aligns the window so that each output's taps start on a window row.)
 *
 * @param name        the layer's name in plans, e.g. {@code block.2.res_unit1}
 * @param inChannels  channels of an input row
 * @param outChannels channels of an output row
 * @param history     input rows kept from one step for the next
 * @param inRate      input rows per frame
 * @param outRate     output rows per frame
 * @param inDelay     delay of the input, in input rows
 * @param outDelay    delay of the output, in output rows
 * @param outTrim     output positions a sequence lacks against {@code frames * outRate}
 */
public record Stage(String name, int inChannels, int outChannels, int history, int inRate, int outRate,
                    long inDelay, long outDelay, long outTrim) {

    /** The start of a graph: {@code rate} rows of {@code channels} per frame, no delay. */
    public static Stage source(String name, int channels, int rate) {
        return new Stage(name, channels, channels, 0, rate, rate, 0, 0, 0);
    }

    /**
     * A "same" convolution (stride 1) after {@code before}: output t reads input {@code [t - padding, t - padding + span]}.
     * {@code x:[T, inChannels] -> [T, outChannels]}.
     */
    public static Stage sameConv(Stage before, String name, int outChannels, int span, int padding) {
        int rate = before.outRate;
        return new Stage(name, before.outChannels, outChannels, span, rate, rate, before.outDelay,
                before.outDelay + (span - padding), before.outTrim);
    }

    /**
     * A transposed convolution of kernel 2s, stride s, padding p after {@code before}, computed as s phases over a
     * 3-row window. {@code x:[L, inChannels] -> [s L + s - 2p, outChannels]}.
     */
    public static Stage upsample(Stage before, String name, int outChannels, int stride, int padding) {
        return new Stage(name, before.outChannels, outChannels, 2, before.outRate, before.outRate * stride,
                before.outDelay, before.outDelay * stride + stride, before.outTrim * stride + 2L * padding - stride);
    }

    /**
     * A convolution of kernel 2s, stride s, padding p after {@code before} (the encoder's downsampling):
     * {@code x:[L, inChannels] -> [L / s, outChannels]} for L a multiple of s. The rate must divide by s.
     */
    public static Stage downsample(Stage before, String name, int outChannels, int stride, int padding) {
        if (before.outRate % stride != 0) {
            throw new IllegalArgumentException(name + ": " + before.outRate + " rows per frame do not divide by stride " + stride);
        }
        if (before.outTrim != 0) throw new IllegalArgumentException(name + ": a downsampling stage needs whole frames of input");
        long m = Math.floorMod(padding - before.outDelay, stride);
        return new Stage(name, before.outChannels, outChannels, (int) (stride + m), before.outRate, before.outRate / stride,
                before.outDelay, (before.outDelay + stride - padding + m) / stride, 0);
    }

    /** New input rows of a step of {@code frames} frames. */
    public int inputRows(int frames) { return frames * inRate; }

    /** Output rows of a step of {@code frames} frames. */
    public int outputRows(int frames) { return frames * outRate; }

    /** Position of the first new input row of the step that starts after {@code start} frames. */
    public long firstInput(long start) { return start * inRate - inDelay; }

    /** Position of the first output row of the step that starts after {@code start} frames. */
    public long firstOutput(long start) { return start * outRate - outDelay; }

    /** Valid output positions of a sequence of {@code frames} frames, {@code [0, outputLength)}. */
    public long outputLength(long frames) { return frames * outRate - outTrim; }
}
