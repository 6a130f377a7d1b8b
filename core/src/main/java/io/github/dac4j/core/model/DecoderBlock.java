package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * {@code decoder.block.B}: {@code x:[T, C] -> snake1 -> conv_t1 (stride s) -> res_unit1..3 : [s*T, C/2]}.
 *
 * @param snake1   {@code decoder.block.B.snake1}, over the C input channels
 * @param convT1   {@code decoder.block.B.conv_t1}: C -> C/2 channels, upsampling by s
 * @param resUnits {@code decoder.block.B.res_unit1..3}, in order, with dilations {@link #DILATIONS}, over C/2 channels
 */
public record DecoderBlock(Snake snake1, ConvTranspose1d convT1, ResidualUnit[] resUnits) {
    /** Dilations of res_unit1, res_unit2, res_unit3. */
    public static final int[] DILATIONS = {1, 3, 9};

    /**
     * Loads {@code snake1}, {@code conv_t1} and {@code res_unit1..3} under {@code w}, a view such as
     * {@code decoder.block.2}; {@code inChannels} is C, {@code stride} is s.
     *
     * @throws WeightsException if a tensor is missing or has another shape
     */
    public static DecoderBlock load(Weights w, int inChannels, int stride) throws WeightsException {
        int out = inChannels / 2;
        ResidualUnit[] units = new ResidualUnit[DILATIONS.length];
        for (int r = 0; r < units.length; r++) {
            units[r] = ResidualUnit.load(w.prefix("res_unit" + (r + 1)), out, DILATIONS[r]);
        }
        return new DecoderBlock(Snake.load(w, "snake1", inChannels), ConvTranspose1d.load(w, "conv_t1", inChannels, out, stride), units);
    }

    /** The upsampling factor s: output rows per input row. */
    public int stride() { return convT1.stride(); }

    /** Parameters of the Snakes, the transposed convolution and the three residual units. */
    public long parameters() {
        long n = snake1.channels() + convT1.parameters();
        for (ResidualUnit u : resUnits) n += u.parameters();
        return n;
    }
}
