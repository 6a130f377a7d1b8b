package io.github.dac4j.bench;

import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.program.Step;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.weights.WeightsException;


/**
 * Models with random weights and the real structure, built in memory, and random codes: benchmarks and memory
 * studies need the 44.1 kHz shapes, not the trained values, and must not depend on a downloaded checkpoint.
 * The weights are {@link DacSynth}'s: PyTorch's initialisation, which keeps activations in a realistic range.
 */
public final class BenchModels {
    private BenchModels() {}

    /** Seconds of audio in {@code frames} frames of model {@code c}. */
    public static double seconds(DacConfig c, int frames) { return (double) frames * c.hop() / c.sampleRate(); }

    /** A decoder model of configuration {@code c} with random weights drawn from {@code seed}. */
    public static DacModel random(DacConfig c, long seed) {
        try {
            return DacModel.load(DacSynth.checkpoint(c, seed));
        } catch (WeightsException e) {
            // The tensors are made here with the shapes the model asks for: a mismatch is a bug in this class.
            throw new IllegalStateException("random checkpoint does not fit the model: " + e.getMessage(), e);
        }
    }

    /**
     * A one-stream step of the first stream's {@code codes} (all {@code frames} at once), for replaying single ops of
     * a decoder's step program; the samples it would emit go nowhere.
     */
    public static Step step(DacConfig c, int[][][] codes, int frames) {
        int[] flat = new int[c.nCodebooks() * frames];   // [codebook, frame]
        for (int k = 0; k < c.nCodebooks(); k++) System.arraycopy(codes[0][k], 0, flat, k * frames, frames);
        Step step = new Step(1);
        step.begin(frames, flat, c.nCodebooks(), (stream, position, samples, fromRow, count) -> { });
        return step;
    }

    /** Random codes {@code [streams, codebooks, frames]} in {@code [0, codebookSize)}. */
    public static int[][][] codes(DacConfig c, int streams, int frames, long seed) {
        return DacSynth.codes(c, streams, c.nCodebooks(), frames, seed);
    }
}
