package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * Conv1d with "same" padding: {@code x:[T, inChannels] -> [T, outChannels]},
 * {@code y[t, o] = bias[o] + sum_{c, j} weight[o, c, j] * x[t + j*dilation - padding, c]}.
 *
 * @param name        the checkpoint name of the layer, e.g. {@code decoder.block.2.res_unit3.conv1}
 * @param weight      row-major {@code [outChannels, inChannels, kernel]} float32 (weight norm already folded)
 * @param bias        {@code [outChannels]} float32
 * @param outChannels output channels (weight dimension 0)
 * @param inChannels  input channels (weight dimension 1)
 * @param kernel      taps per channel: 7, or 1 for a residual unit's {@code conv2}
 * @param dilation    spacing of the taps in rows (1, 3 or 9 in residual units, else 1)
 */
public record Conv1d(String name, float[] weight, float[] bias, int outChannels, int inChannels, int kernel, int dilation) {

    /** Loads {@code <prefix>.weight [out, in, kernel]} and {@code <prefix>.bias [out]}. */
    public static Conv1d load(Weights w, String prefix, int out, int in, int kernel, int dilation) throws WeightsException {
        return new Conv1d(w.fullName(prefix), w.get(prefix + ".weight", out, in, kernel).data(),
                w.get(prefix + ".bias", out).data(), out, in, kernel, dilation);
    }

    /** Columns of zero padding on each side: (kernel - 1) * dilation / 2. */
    public int padding() { return (kernel - 1) * dilation / 2; }

    /** Input columns one output column reads beyond itself: (kernel - 1) * dilation. */
    public int span() { return (kernel - 1) * dilation; }

    /** Weights and biases: {@code out * in * kernel + out}. */
    public long parameters() { return weight.length + bias.length; }
}
