package io.github.dac4j.core;

import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.Op;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.Step;

/**
 * Runs a {@link Program} on a backend for a batch of streams that advance together, one step of at most
 * {@code stepFrames} frames at a time: the subclass stages the step's host input, then every op runs in order. The
 * streams' positions and lengths are in the {@link Step}; the histories live in the backend's arena.
 *
 * <p>Exactness: every stage's input rows whose position lies before the start or past the end of a stream are
 * zeroed after they are produced ({@link io.github.dac4j.core.program.MaskRows}), which is exactly the zero padding a
 * whole sequence sees. So every output is the same function of the same inputs however the input was split into
 * steps.
 */
abstract class StreamSession {
    final Program program;
    final Backend backend;
    final Step step;

    StreamSession(Program program, Backend backend, int streams) {
        if (streams > program.streams()) {
            throw new IllegalArgumentException("batch " + streams + " exceeds the batch capacity " + program.streams());
        }
        this.program = program;
        this.backend = backend;
        this.step = new Step(streams);
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

    /** Marks stream b finished at the frames pushed so far. */
    void finish(int b) { step.end(b); }

    /** Runs the ops of a step whose input {@link #step} has been given ({@code begin...}), then moves past it. */
    final void runStep() {
        for (Op op : program.ops()) op.run(backend, step);
        step.advance();
    }

    /** Frames of the zero steps that flush the pipeline at the end: at most the look-ahead, at most a step. */
    final int flushFrames() { return Math.min(program.stepFrames(), Math.max(1, program.lookaheadFrames())); }

    /** True once every stream has ended and handed out all its outputs. */
    final boolean drained() { return step.drained(program.output()); }
}
