package io.github.dac4j.bench;

import io.github.dac4j.core.SampleSink;
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
     * A one-stream step of the first stream's {@code codes} (all {@code frames} at once) amid a stream, after as many
     * frames before it: every op computes all its rows, none skipped as warm-up or past an end. For replaying single
     * ops of a decoder's step program; the samples it would emit go nowhere.
     */
    public static Step steadyStep(DacConfig c, int[][][] codes, int frames) {
        Step step = step(c, codes, frames, 0);
        step.advance();   // the same frames and codes, now after as many frames
        return step;
    }

    /**
     * The one step of a whole decode of the first stream's {@code codes}: {@code frames} frames and the
     * {@code lookahead} frames of the flush after them, the stream ending after {@code frames}. Every op computes
     * what a whole decode computes: each valid position once.
     */
    public static Step wholeStep(DacConfig c, int[][][] codes, int frames, int lookahead) {
        Step step = step(c, codes, frames, lookahead);
        step.end(0, frames);
        return step;
    }

    private static final SampleSink NOWHERE = (stream, position, samples, fromRow, count) -> { };

    /** A step from frame 0 of {@code frames} frames of codes and {@code zeros} frames of zeros after them. */
    private static Step step(DacConfig c, int[][][] codes, int frames, int zeros) {
        int width = frames + zeros;
        int[] flat = new int[c.nCodebooks() * width];   // [codebook, frame]
        for (int k = 0; k < c.nCodebooks(); k++) System.arraycopy(codes[0][k], 0, flat, k * width, frames);
        Step step = new Step(1);
        step.begin(width, flat, c.nCodebooks(), NOWHERE);
        return step;
    }

    /** Random codes {@code [streams, codebooks, frames]} in {@code [0, codebookSize)}. */
    public static int[][][] codes(DacConfig c, int streams, int frames, long seed) {
        return DacSynth.codes(c, streams, c.nCodebooks(), frames, seed);
    }
}
