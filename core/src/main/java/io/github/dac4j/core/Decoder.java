package io.github.dac4j.core;

import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.core.stream.StepProgram;
import io.github.dac4j.core.stream.StreamSession;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.WeightsException;

import java.nio.file.Path;

/**
 * Decodes DAC codes {@code [B, K, T]} to samples {@code [B, hop * T]}, whole or streamed, exactly: every way of
 * splitting the frames into steps gives the samples of a whole-sequence decode. One decoder holds one backend
 * and one arena, sized once for its largest step and reused for every step and call.
 *
 * <p>Not thread-safe: use one decoder per thread. Decoders may share one {@link DacModel} (the weights on the
 * heap are immutable); each backend holds its own prepared copy.
 */
public final class Decoder implements AutoCloseable {
    /** Progress of a decode: frames done out of frames in all (including the look-ahead flush). */
    @FunctionalInterface
    public interface Progress {
        void update(long framesDone, long framesTotal);
    }

    private final DacModel model;
    private final DecoderOptions options;
    private final Backend backend;
    private final String note;
    private final double loadMs;
    private StepProgram program;
    private StreamSession session;
    private DecodeStats lastStats;
    private boolean sessionOpen;

    private Decoder(DacModel model, DecoderOptions options, Backend backend, String note, double loadMs) {
        this.model = model;
        this.options = options;
        this.backend = backend;
        this.note = note;
        this.loadMs = loadMs;
    }

    /** Loads a checkpoint and opens a decoder on it. */
    public static Decoder open(Path checkpoint, DecoderOptions options) throws WeightsException {
        long start = System.nanoTime();
        DacModel model = DacModel.load(DacCheckpoint.load(checkpoint));
        return open(model, options, start);
    }

    /** Opens a decoder on an already loaded model (shared, never copied on the heap). */
    public static Decoder open(DacModel model, DecoderOptions options) {
        return open(model, options, System.nanoTime());
    }

    private static Decoder open(DacModel model, DecoderOptions options, long start) {
        Backends.Selection selection = Backends.open(options.device(), options.precision());
        Backend backend = selection.backend();
        try {
            backend.prepare(model);
            Decoder d = new Decoder(model, options, backend, selection.note(), (System.nanoTime() - start) / 1e6);
            if (options.memoryBudget() > 0 || options.chunkFrames() > 0) d.useProgram(d.chosenStep(0));
            return d;
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    public DacConfig config() { return model.config(); }

    public DacModel model() { return model; }

    public DecoderOptions options() { return options; }

    /** {@code cpu} or {@code cuda}. */
    public String backendName() { return backend.name(); }

    public Precision precision() { return backend.precision(); }

    /** The device in words. */
    public String device() { return backend.device(); }

    /** Empty, or why {@code auto} did not pick the GPU. */
    public String note() { return note; }

    /** Frames of look-ahead: samples of frame f are out once frame f + lookahead has been pushed. */
    public int lookaheadFrames() { return program(1).lookaheadFrames(); }

    /**
     * Frames per decode step: the configured chunk, or the largest step that fits the memory budget; 0 when
     * decoding whole sequences in one step.
     */
    public int stepFrames() {
        return options.memoryBudget() > 0 || options.chunkFrames() > 0 ? program(1).stepFrames() : 0;
    }

    /** The memory plan of the current step program (the one the last decode used, or the configured one). */
    public MemoryPlan plan() { return program(1).plan(); }

    /** Statistics of the last completed decode, or null. */
    public DecodeStats lastStats() { return lastStats; }

    /** Decodes {@code codes[b][k][t]} (all streams the same K and T) to {@code [B][hop * T]} samples. */
    public float[][] decode(int[][][] codes) { return decode(codes, null); }

    /** As {@link #decode(int[][][])}, reporting progress after each step. */
    public float[][] decode(int[][][] codes, Progress progress) {
        int frames = Codes.check(codes, model.config(), false, false);
        float[][] out = new float[codes.length][(int) Math.min(Integer.MAX_VALUE, (long) frames * model.config().hop())];
        decodeInto(codes, out, progress);
        return out;
    }

    /** Decodes into caller arrays {@code out[b]}, each at least {@code hop * T} long, from index 0. */
    public void decodeInto(int[][][] codes, float[][] out, Progress progress) {
        int frames = Codes.check(codes, model.config(), false, false);
        checkOutputs(codes.length, out.length, frames, b -> out[b] == null ? -1 : out[b].length);
        run(codes, frames, (b, position, samples, row, count) -> backend.read(samples, b, row, count, out[b], (int) position), progress);
    }

    /**
     * Decodes into caller buffers {@code out[b]} (heap or direct), written from their current positions, which
     * advance by {@code hop * T}. Each must have that many elements remaining.
     */
    public void decodeInto(int[][][] codes, java.nio.FloatBuffer[] out, Progress progress) {
        int frames = Codes.check(codes, model.config(), false, false);
        checkOutputs(codes.length, out.length, frames, b -> out[b] == null ? -1 : out[b].remaining());
        run(codes, frames, (b, position, samples, row, count) -> {
            if (staging.length < count) staging = new float[count];
            backend.read(samples, b, row, count, staging, 0);
            out[b].put(staging, 0, count);
        }, progress);
    }

    private float[] staging = new float[0];

    private void checkOutputs(int streams, int outputs, int frames, java.util.function.IntUnaryOperator capacity) {
        long samplesPerStream = (long) frames * model.config().hop();
        if (outputs < streams) throw new IllegalArgumentException("output has " + outputs + " streams, codes have " + streams);
        for (int b = 0; b < streams; b++) {
            if (capacity.applyAsInt(b) < samplesPerStream) {
                throw new IllegalArgumentException("output " + b + " must hold " + samplesPerStream + " samples");
            }
        }
    }

    /** The whole decode as steps over one session, handing samples to {@code sink}. */
    private void run(int[][][] codes, int frames, StreamSession.SampleSink sink, Progress progress) {
        ensureIdle();
        int streams = codes.length;
        int step = chosenStep(frames);
        useProgram(step);
        StreamSession s = session(streams);
        long start = System.nanoTime();
        long total = frames + (long) program.lookaheadFrames();
        boolean completed = false;
        try {
            for (int done = 0; done < frames; ) {
                int n = Math.min(step, frames - done);
                s.advance(codes, Codes.codebooks(codes), done, n, sink);
                done += n;
                if (progress != null) progress.update(done, total);
            }
            for (int b = 0; b < streams; b++) s.finish(b);
            s.drain(sink);
            if (progress != null) progress.update(total, total);
            completed = true;
        } finally {
            if (!completed) session = null; // histories are undefined after a failed step: start afresh next time
        }
        lastStats = stats(streams, frames, (System.nanoTime() - start) / 1e6);
    }

    /**
     * Starts a streaming decode of {@code streams} streams (at most the batch capacity). Only one stream session
     * may be open on a decoder at a time; close or finish it before decoding again.
     */
    public DecoderStream stream(int streams) {
        ensureIdle();
        if (options.chunkFrames() == 0 && options.memoryBudget() == 0) useProgram(DecoderOptions.DEFAULT_CHUNK_FRAMES);
        sessionOpen = true;
        return new DecoderStream(this, session(streams), streams);
    }

    void streamClosed() {
        sessionOpen = false;
        session = null;
    }

    Backend backend() { return backend; }

    private void ensureIdle() {
        if (sessionOpen) throw new IllegalStateException("a stream is open on this decoder: finish or close it first");
    }

    /** Frames per step: the budget's choice, the configured chunk, or the whole sequence plus its flush. */
    private int chosenStep(int frames) {
        if (options.memoryBudget() > 0) return stepForBudget(options.memoryBudget());
        if (options.chunkFrames() > 0) return options.chunkFrames();
        return frames + program(1).lookaheadFrames();
    }

    /** The largest step whose plan fits the budget. */
    private int stepForBudget(long budget) {
        return StepProgram.largestStepWithin(model, options.batch(), backend.activationBytes(),
                frames -> backend.workspaceBytes(model, options.batch(), frames), budget);
    }

    private StepProgram program(int stepFrames) {
        if (program == null) useProgram(stepFrames);
        return program;
    }

    /** Plans for {@code stepFrames} (keeping a larger existing program) and makes the arena fit. */
    private void useProgram(int stepFrames) {
        if (program != null && program.stepFrames() >= stepFrames && program.streams() >= options.batch()) return;
        StepProgram p = new StepProgram(model, backend, options.batch(), stepFrames);
        backend.allocate(p.plan());
        program = p;
        session = null;
    }

    private StreamSession session(int streams) {
        if (streams > options.batch()) {
            throw new IllegalArgumentException("batch " + streams + " exceeds the decoder's batch capacity " + options.batch()
                    + " (set it with DecoderOptions.withBatch)");
        }
        if (session == null || session.streams() != streams) session = new StreamSession(program, backend, streams);
        else session.reset();
        return session;
    }

    DecodeStats stats(int streams, long frames, double decodeMs) {
        long samples = frames * model.config().hop();
        return new DecodeStats(backend.name(), backend.precision(), backend.device(), streams, frames, samples,
                samples / (double) model.config().sampleRate(), program.stepFrames(), program.lookaheadFrames(), loadMs, decodeMs,
                backend.weightBytes(), backend.arenaBytes(), program.plan().arenaBytes());
    }

    void recordStats(DecodeStats stats) { this.lastStats = stats; }

    @Override public void close() {
        backend.close();
    }
}
