package io.github.dac4j.core;

import io.github.dac4j.core.program.Program;

import java.util.Arrays;

/** A {@link StreamSession} of a decoder: each step's input is codes, staged as {@code [streams, K, n]}. */
final class DecodeSession extends StreamSession {
    private final int[] codesStaging;

    DecodeSession(Program program, Backend backend, int streams) {
        super(program, backend, streams);
        this.codesStaging = new int[program.streams() * program.codebooks() * program.stepFrames()];
        reset();
    }

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

    /**
     * As {@link #advance} for the last {@code n} frames of every stream, which end there. Where the program's step
     * holds them and the flush after them ({@code n + lookahead <= stepFrames}; always when decoding whole), they run
     * as one step, the streams ended before it runs: each layer then computes its tail with the rest instead of in
     * flush steps of a few rows each, and a whole-sequence decode reads each weight once. {@link #drain} afterwards
     * runs whatever is left.
     */
    void advanceLast(int[][][] codes, int codebooks, int offset, int n, SampleSink out) {
        int frames = n + program.lookaheadFrames();
        if (frames > program.stepFrames()) {
            advance(codes, codebooks, offset, n, out);
            return;
        }
        stage(codes, codebooks, offset, n, frames);
        for (int b = 0; b < step.streams(); b++) step.end(b, step.start() + n);
        step.begin(frames, codesStaging, Math.max(codebooks, 1), out);
        runStep();
    }

    /** Pushes zero frames until every stream's samples are all out; every stream must be finished. */
    void drain(SampleSink out) {
        while (!drained()) runStep(null, 0, 0, flushFrames(), out);
    }

    /** One step: the codes staged as {@code [streams, K, n]} (zeros for ended streams and flushes), then every op. */
    private void runStep(int[][][] codes, int codebooks, int offset, int n, SampleSink out) {
        stage(codes, codebooks, offset, n, n);
        step.begin(n, codesStaging, Math.max(codebooks, 1), out);
        runStep();
    }

    /** Stages {@code n} frames of each open stream's codes from {@code offset} as {@code [streams, K, frames]}, zeros elsewhere. */
    private void stage(int[][][] codes, int codebooks, int offset, int n, int frames) {
        int k = Math.max(codebooks, 1);
        Arrays.fill(codesStaging, 0);
        if (codes == null) return;
        for (int b = 0; b < step.streams(); b++) {
            if (codes[b] == null || step.ended(b)) continue;
            for (int i = 0; i < codebooks; i++) System.arraycopy(codes[b][i], offset, codesStaging, (b * k + i) * frames, n);
        }
    }
}
