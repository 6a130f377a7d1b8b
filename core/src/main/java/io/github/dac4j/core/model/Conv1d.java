package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * Conv1d with "same" padding: {@code x:[T, inChannels] -> [T, outChannels]},
 * {@code y[t, o] = bias[o] + sum_{c, j} weight[o, c, j] * x[t + j*dilation - padding, c]}.
 *
 * @param weight row-major {@code [outChannels, inChannels, kernel]} (weight norm already folded)
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

    public long parameters() { return weight.length + bias.length; }
}
