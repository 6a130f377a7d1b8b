package io.github.dac4j.cli;

import java.nio.file.Path;

/**
 * Sample-rate conversion of the audio {@code dac encode} reads. Until a resampler whose quality is measured and
 * good enough is wired in, audio at another rate than the model's is refused with one line naming both rates.
 */
final class Resampling {
    private Resampling() {}

    /** {@code channels} at {@code from} Hz, at {@code to} Hz. */
    static float[][] resample(Path file, float[][] channels, int from, int to) {
        throw new CliError(file, "the audio is at " + from + " Hz and the model runs at " + to
                + " Hz: resample it to " + to + " Hz first (dac does not resample yet)");
    }
}
