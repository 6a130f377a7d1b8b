package io.github.dac4j.cli;

import java.nio.file.Path;

/**
 * Sample-rate conversion of the audio {@code dac encode} reads, by {@link Resampler} (scipy's {@code resample_poly}
 * through jdsp; its measured quality is in docs/ENCODER.md). A pair of rates it does not convert is refused with one
 * line naming the file and both rates.
 */
final class Resampling {
    private Resampling() {}

    /** {@code channels} at {@code from} Hz, at {@code to} Hz: {@code ceil(L to / from)} samples each. */
    static float[][] resample(Path file, float[][] channels, int from, int to) {
        Resampler resampler;
        try {
            resampler = Resampler.between(from, to);
        } catch (IllegalArgumentException e) {
            throw new CliError(file, e.getMessage(), e);
        }
        float[][] out = new float[channels.length][];
        for (int c = 0; c < channels.length; c++) out[c] = resampler.apply(channels[c]);
        return out;
    }
}
