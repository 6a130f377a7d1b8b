package io.github.dac4j.core;

import io.github.dac4j.core.program.Program;

import java.util.Arrays;

/** A {@link StreamSession} of an encoder: each step's input is audio, staged as {@code [streams, n * hop]}. */
final class EncodeSession extends StreamSession {
    private final int hop;
    private final float[] audioStaging;
    private final int[] codes;

    EncodeSession(Program program, Backend backend, int streams, int hop) {
        super(program, backend, streams);
        this.hop = hop;
        this.audioStaging = new float[program.streams() * program.stepFrames() * hop];
        this.codes = new int[program.streams() * program.codebooks() * program.stepFrames()];
        reset();
    }

    /**
     * Runs steps over {@code n} whole frames of audio, {@code audio[b][offset + i]} for {@code i < n * hop} (null for
     * finished streams), handing each stream's final frames to {@code out}. The samples must be checked already.
     */
    void advance(float[][] audio, int offset, int n, FrameSink out) {
        for (int done = 0; done < n; ) {
            int frames = Math.min(program.stepFrames(), n - done);
            runStep(audio, offset + done * hop, frames, out);
            done += frames;
        }
    }

    /** Pushes silence until every stream's frames are all out; every stream must be finished. */
    void drain(FrameSink out) {
        while (!drained()) runStep(null, 0, flushFrames(), out);
    }

    private void runStep(float[][] audio, int offset, int n, FrameSink out) {
        int rows = n * hop;
        Arrays.fill(audioStaging, 0, step.streams() * rows, 0f);
        if (audio != null) {
            for (int b = 0; b < step.streams(); b++) {
                if (audio[b] == null || step.ended(b)) continue;
                System.arraycopy(audio[b], offset, audioStaging, b * rows, rows);
            }
        }
        step.beginEncode(n, audioStaging, codes, program.codebooks(), out);
        runStep();
    }
}
