package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * Snake, per channel: {@code y = x + inverse[c] * sin(alpha[c] * x)^2}, {@code x:[T, C] -> [T, C]}.
 * {@code inverse = 1 / (alpha + 1e-9)} is computed here once in float32: in fp16 the epsilon would vanish.
 * Snake(0) = 0, so it commutes with zero padding.
 *
 * @param name    the checkpoint name of the layer, e.g. {@code decoder.block.2.snake1}
 * @param alpha   {@code [C]} float32, the checkpoint's {@code <name>.alpha} ({@code [1, C, 1]}) flattened
 * @param inverse {@code [C]} float32, {@code 1 / (alpha + 1e-9)}
 */
public record Snake(String name, float[] alpha, float[] inverse) {

    /**
     * Loads {@code <prefix>.alpha [1, channels, 1]} and computes {@link #inverse()}.
     *
     * @throws WeightsException if it is missing or has another shape
     */
    public static Snake load(Weights w, String prefix, int channels) throws WeightsException {
        float[] alpha = w.get(prefix + ".alpha", 1, channels, 1).data();
        float[] inverse = new float[channels];
        for (int c = 0; c < channels; c++) inverse[c] = 1f / (alpha[c] + 1e-9f);
        return new Snake(w.fullName(prefix), alpha, inverse);
    }

    /** Channels C; also its parameter count. */
    public int channels() { return alpha.length; }

    /** The reference formula, in float32 as the backends evaluate it. */
    public float apply(float x, int c) {
        float s = (float) Math.sin(alpha[c] * x);
        return x + inverse[c] * (s * s);
    }
}
