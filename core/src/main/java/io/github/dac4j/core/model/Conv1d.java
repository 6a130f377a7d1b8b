package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * Conv1d: {@code x:[L, inChannels] -> [(L + 2 padding - span - 1) / stride + 1, outChannels]},
 * {@code y[t, o] = bias[o] + sum_{c, j} weight[o, c, j] * x[t*stride + j*dilation - padding, c]}. The decoder's and the
 * encoder's "same" convolutions have stride 1 and padding {@code (kernel - 1) * dilation / 2}; the encoder's
 * downsampling ones kernel 2s, stride s, padding ceil(s/2).
 *
 * @param name        the checkpoint name of the layer, e.g. {@code decoder.block.2.res_unit3.conv1}
 * @param weight      row-major {@code [outChannels, inChannels, kernel]} float32 (weight norm already folded)
 * @param bias        {@code [outChannels]} float32
 * @param outChannels output channels (weight dimension 0)
 * @param inChannels  input channels (weight dimension 1)
 * @param kernel      taps per channel: 7, or 1 for a residual unit's {@code conv2}
 * @param dilation    spacing of the taps in rows (1, 3 or 9 in residual units, else 1)
 * @param stride      rows between consecutive outputs' windows (1, or s in the encoder's downsampling layers)
 * @param padding     zero rows before the first input row (and, for "same" convolutions, after the last)
 */
public record Conv1d(String name, float[] weight, float[] bias, int outChannels, int inChannels, int kernel, int dilation,
                     int stride, int padding) {

    /** A "same" convolution: stride 1, padding {@code (kernel - 1) * dilation / 2}. */
    public Conv1d(String name, float[] weight, float[] bias, int outChannels, int inChannels, int kernel, int dilation) {
        this(name, weight, bias, outChannels, inChannels, kernel, dilation, 1, (kernel - 1) * dilation / 2);
    }

    /** Loads {@code <prefix>.weight [out, in, kernel]} and {@code <prefix>.bias [out]}: a "same" convolution. */
    public static Conv1d load(Weights w, String prefix, int out, int in, int kernel, int dilation) throws WeightsException {
        return new Conv1d(w.fullName(prefix), w.get(prefix + ".weight", out, in, kernel).data(),
                w.get(prefix + ".bias", out).data(), out, in, kernel, dilation);
    }

    /**
     * Loads a downsampling convolution, kernel 2s, stride s, padding ceil(s/2): {@code <prefix>.weight [out, in, 2s]}
     * and {@code <prefix>.bias [out]}.
     */
    public static Conv1d loadStrided(Weights w, String prefix, int out, int in, int stride) throws WeightsException {
        return new Conv1d(w.fullName(prefix), w.get(prefix + ".weight", out, in, 2 * stride).data(),
                w.get(prefix + ".bias", out).data(), out, in, 2 * stride, 1, stride, (stride + 1) / 2);
    }

    /** Input columns one output column reads beyond itself: (kernel - 1) * dilation. */
    public int span() { return (kernel - 1) * dilation; }

    /** Weights and biases: {@code out * in * kernel + out}. */
    public long parameters() { return weight.length + bias.length; }
}
