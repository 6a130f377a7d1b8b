package io.github.dac4j.core;


import java.util.Arrays;

/**
 * Runs a {@link StepProgram} on a backend for a batch of streams that advance together, one step of at most
 * {@code stepFrames} frames at a time. Holds each stream's position and length; the histories live in the
 * backend's arena.
 *
 * <p>Exactness: every layer's input rows whose position lies before the start or past the end of a stream are
 * zeroed after they are produced, which is exactly the zero padding a whole-sequence decode sees. So every
 * output sample is the same function of the same inputs however the frames were split into steps.
 */
final class StreamSession {
    private final StepProgram program;
    private final Backend backend;
    private final int streams;
    private final int hop;
    /** Frames pushed so far (the same for every stream: they advance in lockstep). */
    private long frames;
    /** Per stream: frames in the stream once finished, else Long.MAX_VALUE. */
    private final long[] length;
    /** Per stream: samples handed out so far. */
    private final long[] emitted;
    private final int[] codesStaging;

    StreamSession(StepProgram program, Backend backend, int streams) {
        if (streams > program.streams) {
            throw new IllegalArgumentException("batch " + streams + " exceeds the decoder's batch capacity " + program.streams);
        }
        this.program = program;
        this.backend = backend;
        this.streams = streams;
        this.hop = program.model.config().hop();
        this.length = new long[streams];
        this.emitted = new long[streams];
        this.codesStaging = new int[program.streams * program.model.config().nCodebooks() * program.stepFrames];
        reset();
    }

    /** Zeroes the histories and positions, as for a new sequence. */
    void reset() {
        frames = 0;
        Arrays.fill(length, Long.MAX_VALUE);
        Arrays.fill(emitted, 0);
        for (Stage s : program.stages) {
            Act h = program.act(StepProgram.hist(s));
            for (int b = 0; b < streams; b++) backend.zeroRows(h, b, 0, s.history());
        }
    }

    int streams() { return streams; }

    /** Frames pushed so far. */
    long frames() { return frames; }

    /** True once stream b has been finished. */
    boolean finished(int b) { return length[b] != Long.MAX_VALUE; }

    /**
     * Runs steps over {@code n} frames whose codes are {@code codes[b][k][offset + t]}, {@code t < n} (null rows for finished
     * streams), appending new samples to {@code out[b]}. Codes must already be validated.
     */
    void advance(int[][][] codes, int codebooks, int offset, int n, SampleSink out) {
        int done = 0;
        while (done < n) {
            int step = Math.min(program.stepFrames, n - done);
            runStep(codes, codebooks, offset + done, step, out);
            done += step;
        }
    }

    /** Marks stream b finished at the frames pushed so far. */
    void finish(int b) {
        if (!finished(b)) length[b] = frames;
    }

    /** Pushes zero frames until every stream's samples are all out; every stream must be finished. */
    void drain(SampleSink out) {
        while (!allEmitted()) runStep(null, 0, 0, Math.min(program.stepFrames, program.lookaheadFrames()), out);
    }

    private boolean allEmitted() {
        for (int b = 0; b < streams; b++) if (!finished(b) || emitted[b] < length[b] * hop) return false;
        return true;
    }

    /** The step: quantizer, then each stage's restore, compute (and mask), save; then hand out samples. */
    private void runStep(int[][][] codes, int codebooks, int offset, int n, SampleSink out) {
        int K = Math.max(codebooks, 1);
        Arrays.fill(codesStaging, 0);
        if (codes != null) {
            for (int b = 0; b < streams; b++) {
                if (codes[b] == null || finished(b)) continue;
                for (int k = 0; k < codebooks; k++) System.arraycopy(codes[b][k], offset, codesStaging, (b * K + k) * n, n);
            }
        }
        java.util.List<Stage> stages = program.stages;
        Stage first = stages.get(0);
        Act firstIn = program.act(StepProgram.in(first));
        backend.codebookSum(program.model.quantizer(), streams, codesStaging, codebooks == 0 ? 1 : codebooks, n,
                program.act("codes"), firstIn, first.history());
        mask(firstIn, first.history(), frames, n, 1);

        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            Act in = program.act(StepProgram.in(s));
            Act hist = program.act(StepProgram.hist(s));
            int rows = n * s.rate();
            backend.copyRows(streams, hist, 0, in, 0, s.history());
            boolean last = i + 1 == stages.size();
            Act next = last ? program.act("samples") : program.act(StepProgram.in(stages.get(i + 1)));
            int nextRow = last ? 0 : stages.get(i + 1).history();
            long firstPosition = (frames * s.rate() - program.delayIn[i]) * s.up() - s.shift();
            long rateOut = (long) s.rate() * s.up();
            int compute = rowsToCompute(firstPosition, rows, s.up(), rateOut);
            if (compute > 0) {
                switch (s.kind()) {
                    case CONV1 -> backend.conv(s.conv(), null, streams, in, 0, next, nextRow, compute, null, 0, false);
                    case TRANSPOSED -> backend.convTranspose(s.convT(), s.prologue(), streams, in, 0, next, nextRow, compute);
                    case RESIDUAL -> {
                        Act tmp = program.act(StepProgram.tmp(s));
                        backend.conv(s.unit().conv1(), s.unit().snake1(), streams, in, 0, tmp, 0, compute, null, 0, false);
                        backend.conv(s.unit().conv2(), s.unit().snake2(), streams, tmp, 0, next, nextRow, compute,
                                in, s.unit().conv1().padding(), false);
                    }
                    case FINAL -> backend.conv(s.conv(), s.prologue(), streams, in, 0, next, 0, compute, null, 0, true);
                }
            }
            if (!last) mask(next, nextRow, firstPosition, rows * s.up(), rateOut); // also zeroes the rows not computed
            backend.copyRows(streams, in, rows, hist, 0, s.history());
        }
        frames += n;
        emit(n, out);
    }

    /**
     * Input rows of a stage whose outputs some stream still needs. Outputs at or past every stream's end would only
     * be zeroed (or, for samples, dropped), so the flush at the end of a sequence computes just each stage's delayed
     * tail (about 1 % less work for a 1 s decode at 44.1 kHz).
     */
    private int rowsToCompute(long firstPosition, int rows, int up, long rateOut) {
        long needed = 0;
        for (int b = 0; b < streams; b++) {
            if (!finished(b)) return rows;
            needed = Math.max(needed, length[b] * rateOut - firstPosition);
        }
        needed = Math.max(0, Math.min(needed, (long) rows * up));
        return (int) ((needed + up - 1) / up);
    }

    /** Zeroes rows [row, row + count) at positions [firstPosition, ...) that lie outside [0, length * rate). */
    private void mask(Act act, int row, long firstPosition, int count, long rate) {
        for (int b = 0; b < streams; b++) {
            long end = length[b] == Long.MAX_VALUE ? Long.MAX_VALUE : length[b] * rate;
            long before = Math.min(count, Math.max(0, -firstPosition));
            if (before > 0) backend.zeroRows(act, b, row, (int) before);
            if (end != Long.MAX_VALUE) {
                long from = Math.max(before, end - firstPosition);
                if (from < count) backend.zeroRows(act, b, row + (int) from, (int) (count - from));
            }
        }
    }

    /** Hands out the samples of this step that lie in [emitted, length * hop). */
    private void emit(int n, SampleSink out) {
        Act samples = program.act("samples");
        long firstPosition = (frames - n) * hop - program.outputDelay;
        int count = n * hop;
        for (int b = 0; b < streams; b++) {
            long end = finished(b) ? length[b] * hop : Long.MAX_VALUE;
            long from = Math.max(emitted[b], firstPosition);
            long to = Math.min(end, firstPosition + count);
            if (to <= from) continue;
            out.accept(b, from, samples, (int) (from - firstPosition), (int) (to - from));
            emitted[b] = to;
        }
    }
}
