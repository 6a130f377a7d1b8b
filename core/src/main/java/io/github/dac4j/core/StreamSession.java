package io.github.dac4j.core;

import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.Op;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.Step;

import java.util.Arrays;

/**
 * Runs a {@link Program} on a backend for a batch of streams that advance together, one step of at most
 * {@code stepFrames} frames at a time: stages the step's codes, then runs the ops. The streams' positions and
 * lengths are in the {@link Step}; the histories live in the backend's arena.
 *
 * <p>Exactness: every stage's input rows whose position lies before the start or past the end of a stream are
 * zeroed after they are produced ({@link io.github.dac4j.core.program.MaskRows}), which is exactly the zero padding a
 * whole-sequence decode sees. So every output sample is the same function of the same inputs however the frames were
 * split into steps.
 */
final class StreamSession {
    private final Program program;
    private final Backend backend;
    private final Step step;
    private final int[] codesStaging;

    StreamSession(Program program, Backend backend, int streams) {
        if (streams > program.streams()) {
            throw new IllegalArgumentException("batch " + streams + " exceeds the decoder's batch capacity " + program.streams());
        }
        this.program = program;
        this.backend = backend;
        this.step = new Step(streams);
        this.codesStaging = new int[program.streams() * program.codebooks() * program.stepFrames()];
        reset();
    }

    /** Zeroes the histories and positions, as for a new sequence. */
    void reset() {
        step.reset();
        for (ArenaBuffer h : program.histories()) {
            for (int b = 0; b < step.streams(); b++) backend.zeroRows(h, b, 0, h.rows());
        }
    }

    int streams() { return step.streams(); }

    /** Frames pushed so far. */
    long frames() { return step.start(); }

    /** True once stream b has been finished. */
    boolean finished(int b) { return step.ended(b); }

    /**
     * Runs steps over {@code n} frames whose codes are {@code codes[b][k][offset + t]}, {@code t < n} (null rows for
     * finished streams), handing new samples to {@code out}. Codes must already be validated.
     */
    void advance(int[][][] codes, int codebooks, int offset, int n, SampleSink out) {
        for (int done = 0; done < n; ) {
            int frames = Math.min(program.stepFrames(), n - done);
            runStep(codes, codebooks, offset + done, frames, out);
            done += frames;
        }
    }

    /** Marks stream b finished at the frames pushed so far. */
    void finish(int b) { step.end(b); }

    /** Pushes zero frames until every stream's samples are all out; every stream must be finished. */
    void drain(SampleSink out) {
        int frames = Math.min(program.stepFrames(), program.lookaheadFrames());
        while (!step.drained(program.output())) runStep(null, 0, 0, frames, out);
    }

    /** One step: the codes staged as {@code [streams, K, n]}, then every op in order. */
    private void runStep(int[][][] codes, int codebooks, int offset, int n, SampleSink out) {
        int k = Math.max(codebooks, 1);
        Arrays.fill(codesStaging, 0);
        if (codes != null) {
            for (int b = 0; b < step.streams(); b++) {
                if (codes[b] == null || step.ended(b)) continue;
                for (int i = 0; i < codebooks; i++) System.arraycopy(codes[b][i], offset, codesStaging, (b * k + i) * n, n);
            }
        }
        step.begin(n, codesStaging, k, out);
        for (Op op : program.ops()) op.run(backend, step);
        step.advance();
    }
}
