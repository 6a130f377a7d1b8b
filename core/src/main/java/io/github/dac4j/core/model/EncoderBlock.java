package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * {@code encoder.block.N}: {@code x:[L, C] -> res_unit1..3 -> snake1 -> conv1 (kernel 2s, stride s) : [L / s, 2C]}.
 *
 * @param resUnits {@code encoder.block.N.res_unit1..3}, in order, with dilations 1, 3, 9, over C channels
 * @param snake1   {@code encoder.block.N.snake1}, over C channels
 * @param conv1    {@code encoder.block.N.conv1}: C -> 2C channels, kernel 2s, stride s, padding ceil(s/2)
 */
public record EncoderBlock(ResidualUnit[] resUnits, Snake snake1, Conv1d conv1) {

    /**
     * Loads the block under {@code w}, a view such as {@code encoder.block.2}, for {@code channels} C and
     * {@code stride} s.
     *
     * @throws WeightsException if a tensor is missing or has another shape
     */
    public static EncoderBlock load(Weights w, int channels, int stride) throws WeightsException {
        ResidualUnit[] units = new ResidualUnit[DecoderBlock.DILATIONS.length];
        for (int r = 0; r < units.length; r++) units[r] = ResidualUnit.load(w.prefix("res_unit" + (r + 1)), channels, DecoderBlock.DILATIONS[r]);
        return new EncoderBlock(units, Snake.load(w, "snake1", channels), Conv1d.loadStrided(w, "conv1", 2 * channels, channels, stride));
    }

    /** The downsampling factor s. */
    public int stride() { return conv1.stride(); }

    /** Parameters of the residual units, the Snake and the strided convolution. */
    public long parameters() {
        long n = snake1.channels() + conv1.parameters();
        for (ResidualUnit u : resUnits) n += u.parameters();
        return n;
    }
}
