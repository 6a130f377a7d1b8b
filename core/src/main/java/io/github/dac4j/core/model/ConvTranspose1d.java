package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * ConvTranspose1d with kernel 2s, stride s, padding s/2 (s even): {@code x:[N, inChannels] -> [s*N, outChannels]}.
 * Uncropped position {@code u = t + s/2} of output t receives {@code weight[c, o, u - i*s] * x[i, c]} from the two
 * inputs {@code i} with {@code 0 <= u - i*s < 2s}.
 *
 * @param weight row-major {@code [inChannels, outChannels, 2 * stride]}, as PyTorch stores it
 */
public record ConvTranspose1d(String name, float[] weight, float[] bias, int inChannels, int outChannels, int stride) {

    public static ConvTranspose1d load(Weights w, String prefix, int in, int out, int stride) throws WeightsException {
        return new ConvTranspose1d(w.fullName(prefix), w.get(prefix + ".weight", in, out, 2 * stride).data(),
                w.get(prefix + ".bias", out).data(), in, out, stride);
    }

    public int kernel() { return 2 * stride; }

    /** Cropped on each side of the full output: ceil(s / 2). */
    public int padding() { return (stride + 1) / 2; }

    public long parameters() { return weight.length + bias.length; }
}
