package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * ConvTranspose1d with kernel 2s, stride s, padding s/2 (s even): {@code x:[N, inChannels] -> [s*N, outChannels]}.
 * Uncropped position {@code u = t + s/2} of output t receives {@code weight[c, o, u - i*s] * x[i, c]} from the two
 * inputs {@code i} with {@code 0 <= u - i*s < 2s}.
 *
 * @param name        the checkpoint name of the layer, e.g. {@code decoder.block.2.conv_t1}
 * @param weight      row-major {@code [inChannels, outChannels, 2 * stride]} float32, as PyTorch stores it
 *                    (weight norm already folded, per input channel)
 * @param bias        {@code [outChannels]} float32
 * @param inChannels  input channels (weight dimension 0)
 * @param outChannels output channels (weight dimension 1): {@code inChannels / 2} in DAC's blocks
 * @param stride      the upsampling factor s, even (8, 8, 4, 2 for 44.1 kHz)
 */
public record ConvTranspose1d(String name, float[] weight, float[] bias, int inChannels, int outChannels, int stride) {

    /**
     * Loads {@code <prefix>.weight [in, out, 2 * stride]} and {@code <prefix>.bias [out]}.
     *
     * @throws WeightsException if either is missing or has another shape
     */
    public static ConvTranspose1d load(Weights w, String prefix, int in, int out, int stride) throws WeightsException {
        return new ConvTranspose1d(w.fullName(prefix), w.get(prefix + ".weight", in, out, 2 * stride).data(),
                w.get(prefix + ".bias", out).data(), in, out, stride);
    }

    /** Taps per channel: 2s. */
    public int kernel() { return 2 * stride; }

    /** Cropped on each side of the full output: ceil(s / 2). */
    public int padding() { return (stride + 1) / 2; }

    /** Weights and biases: {@code in * out * 2s + out}. */
    public long parameters() { return weight.length + bias.length; }
}
