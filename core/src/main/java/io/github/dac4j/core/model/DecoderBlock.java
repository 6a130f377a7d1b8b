package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * {@code decoder.block.B}: {@code x:[T, C] -> snake1 -> conv_t1 (stride s) -> res_unit1..3 : [s*T, C/2]}.
 */
public record DecoderBlock(Snake snake1, ConvTranspose1d convT1, ResidualUnit[] resUnits) {
    /** Dilations of res_unit1, res_unit2, res_unit3. */
    public static final int[] DILATIONS = {1, 3, 9};

    public static DecoderBlock load(Weights w, int inChannels, int stride) throws WeightsException {
        int out = inChannels / 2;
        ResidualUnit[] units = new ResidualUnit[DILATIONS.length];
        for (int r = 0; r < units.length; r++) {
            units[r] = ResidualUnit.load(w.prefix("res_unit" + (r + 1)), out, DILATIONS[r]);
        }
        return new DecoderBlock(Snake.load(w, "snake1", inChannels), ConvTranspose1d.load(w, "conv_t1", inChannels, out, stride), units);
    }

    public int stride() { return convT1.stride(); }

    public long parameters() {
        long n = snake1.channels() + convT1.parameters();
        for (ResidualUnit u : resUnits) n += u.parameters();
        return n;
    }
}
