package io.github.dac4j.core;

import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.ScratchPolicy;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.SampleRateSource;
import io.github.dac4j.weights.WeightsException;

import java.nio.file.Path;

/**
 * Decodes DAC codes {@code [B, K, T]} to samples {@code [B, hop * T]}, whole or streamed, exactly: every way of
 * splitting the frames into steps gives the samples of a whole-sequence decode. One decoder holds one backend
 * and one arena, sized once for its largest step and reused for every step and call.
 *
 * <p>Thread safety: a decoder is not thread-safe; use one per thread (or guard it with a lock). To run N decoders
 * without N copies of the weights, load the model once ({@code DacModel.load}) and open every decoder on it
 * ({@link #open(DacModel, DecoderOptions)}): the model is immutable and never copied, and CPU backends on one
 * model share one packed copy of its weights. Each decoder has its own arena. On the GPU each CUDA backend
 * uploads its own copy of the weights (sharing device weights is not implemented yet).
 */
public final class Decoder implements AutoCloseable {
    /** Progress of a decode: frames done out of frames in all (including the look-ahead flush). */
    @FunctionalInterface
    public interface Progress {
        /** Called after each step, and once at the end with {@code framesDone == framesTotal}. */
        void update(long framesDone, long framesTotal);
    }

    private final DacModel model;
    private final DecoderOptions options;
    private final Backend backend;
    private final String note;
    /** Milliseconds the open took: loading (when opened from a file), preparing the backend, the warm-up decode. */
    private double loadMs;
    private final boolean closeBackend;
    private final io.github.dac4j.core.program.Stage output;
    private Program program;
    private DecodeSession session;
    private DecodeStats lastStats;
    private boolean sessionOpen;

    private Decoder(DacModel model, DecoderOptions options, Backend backend, String note, boolean closeBackend) {
        this.model = model;
        this.options = options;
        this.backend = backend;
        this.note = note;
        this.closeBackend = closeBackend;
        this.output = Program.decoderOutput(model);
    }

    /**
     * Loads a checkpoint (a {@code .safetensors} file, or a model folder with {@code model.safetensors} and
     * {@code config.json}: see {@link DacCheckpoint#load}) and opens a decoder on it.
     */
    public static Decoder open(Path checkpoint, DecoderOptions options) throws WeightsException {
        long start = System.nanoTime();
        Backends.warmUp(options.device());   // the CPU kernels' JIT warm-up runs while the file is read
        DacModel model = DacModel.load(DacCheckpoint.loadDecoder(checkpoint));
        return open(model, options, start);
    }

    /** Opens a decoder on an already loaded model (shared, never copied on the heap). */
    public static Decoder open(DacModel model, DecoderOptions options) {
        return open(model, options, System.nanoTime());
    }

    /**
     * Opens a decoder on a backend the caller made (for instance a CUDA backend on the caller's own context,
     * stream and memory). The decoder does not take ownership: {@link #close()} leaves the backend open, and so
     * does a failure here. Same as {@code open(model, options, backend, false)}.
     */
    public static Decoder open(DacModel model, DecoderOptions options, Backend backend) {
        return open(model, options, backend, false);
    }

    /**
     * Opens a decoder on a backend the caller made. {@code options.device()} is not used; {@code options.precision()},
     * if set, must be the backend's. The weights are prepared on the backend and, when the options name a step or
     * a budget, its arena is sized now, so an arena that cannot be had fails here.
     *
     * <p>A backend serves one decoder at a time (the decoder's arena and histories live in it); open the next
     * decoder on it only after the previous one is closed.
     *
     * @param closeBackend true: {@link #close()} closes the backend, and so does a failure here (ownership passes
     *                     to the decoder); false: the caller keeps it and closes it after the decoder
     */
    public static Decoder open(DacModel model, DecoderOptions options, Backend backend, boolean closeBackend) {
        if (model == null || options == null || backend == null) throw new IllegalArgumentException("model, options and backend must not be null");
        if (options.precision() != null && options.precision() != backend.precision()) {
            if (closeBackend) backend.close();
            throw new IllegalArgumentException("options ask for " + options.precision() + " but the " + backend.name()
                    + " backend runs " + backend.precision());
        }
        return open(model, options, new Backends.Selection(backend, ""), System.nanoTime(), closeBackend);
    }

    private static Decoder open(DacModel model, DecoderOptions options, long start) {
        return open(model, options, Backends.open(options.device(), options.precision()), start, true);
    }

    private static Decoder open(DacModel model, DecoderOptions options, Backends.Selection selection, long start, boolean closeBackend) {
        Backend backend = selection.backend();
        try {
            backend.prepare(model);
            Decoder d = new Decoder(model, options, backend, selection.note(), closeBackend);
            if (options.stepped()) d.useProgram(d.stepFramesFor(0));
            d.warmUp(backend.warmUpFrames());
            d.loadMs = (System.nanoTime() - start) / 1e6;
            return d;
        } catch (RuntimeException e) {
            if (closeBackend) backend.close();
            throw e;
        }
    }

    /**
     * Decodes {@code frames} frames of code 0 and forgets them (see {@link Backend#warmUpFrames}); the stats stay
     * empty. Decoding whole sequences, it first has the backend allocate for a second of them (the plan of the
     * default step, which the decoder does not adopt: its plans stay those of the lengths it decodes), so that
     * decodes of up to a second find the arena there: where a virtual machine backs fresh memory lazily, touching
     * the 54 MB of a 1-s decode of the 44.1 kHz model took a first decode 150 ms (docs/CPU-BACKEND.md, "Issue 16 on
     * an AMD EPYC").
     */
    private void warmUp(int frames) {
        if (frames <= 0) return;
        if (!options.stepped()) backend.allocate(build(stepFramesFor(DecoderOptions.DEFAULT_STEP_FRAMES)));
        decode(new int[1][model.config().nCodebooks()][frames]);
        lastStats = null;
    }

    /**
     * The model's configuration: hop, codebooks, and the sample rate this decoder's output has (the options' if they
     * set one, with {@link io.github.dac4j.weights.SampleRateSource#USER}; else the model's).
     */
    public DacConfig config() {
        DacConfig c = model.config();
        return options.sampleRate() > 0 ? c.withSampleRate(options.sampleRate(), SampleRateSource.USER) : c;
    }

    /**
     * The output's sample rate in Hz, to write with the samples: {@link DecoderOptions#sampleRate()} if set, else the
     * model's ({@code config.json} beside the weights, else the published model's with these shapes, else 44,100 Hz).
     */
    public int sampleRate() { return options.sampleRate() > 0 ? options.sampleRate() : model.config().sampleRate(); }

    /** Where {@link #sampleRate()} came from; {@link SampleRateSource#DEFAULT} means nothing said, and 44,100 Hz is a guess. */
    public SampleRateSource sampleRateSource() {
        return options.sampleRate() > 0 ? SampleRateSource.USER : model.config().sampleRateSource();
    }

    /** The model this decoder runs (shared, not copied). */
    public DacModel model() { return model; }

    /** The options it was opened with. */
    public DecoderOptions options() { return options; }

    /** {@code cpu} or {@code cuda}. */
    public String backendName() { return backend.name(); }

    /** The precision of its backend's activations. */
    public Precision precision() { return backend.precision(); }

    /** The device in words. */
    public String device() { return backend.device(); }

    /** Empty, or why {@code auto} did not pick the GPU. */
    public String note() { return note; }

    /**
     * Samples a sequence of {@code frames} frames decodes to: {@code hop * frames}, less a few for models with an odd
     * stride ({@code 320 * frames - 8} for the 16 and 24 kHz models, whose stride-5 layer gives 5L - 1 rows).
     */
    public long samples(long frames) { return output.outputLength(frames); }

    /** Frames of look-ahead of this decoder's model; see {@link #lookaheadFrames(DacModel)}. */
    public int lookaheadFrames() { return Program.decoderLookaheadFrames(model); }

    /**
     * Frames per decode step: the configured step, or the largest step that fits the memory budget; 0 when
     * decoding whole sequences in one step.
     */
    public int stepFrames() {
        return options.stepped() ? program(1).stepFrames() : 0;
    }

    /** The memory plan of the current step program (the one the last decode used, or the configured one). */
    public MemoryPlan plan() { return program(1).plan(); }

    /** The current step program: its ops and their buffers (the one the last decode used, or the configured one). */
    public Program program() { return program(1); }

    /** Statistics of the last completed decode, or null. */
    public DecodeStats lastStats() { return lastStats; }

    /** Decodes {@code codes[b][k][t]} (all streams the same K and T) to {@code [B][samples(T)]} samples. */
    public float[][] decode(int[][][] codes) { return decode(codes, null); }

    /** As {@link #decode(int[][][])}, reporting progress after each step. */
    public float[][] decode(int[][][] codes, Progress progress) {
        int frames = Codes.check(codes, model.config(), false, false);
        float[][] out = new float[codes.length][(int) Math.min(Integer.MAX_VALUE, samples(frames))];
        decodeInto(codes, out, progress);
        return out;
    }

    /** Decodes into caller arrays {@code out[b]}, each at least {@link #samples(long) samples(T)} long, from index 0. */
    public void decodeInto(int[][][] codes, float[][] out, Progress progress) {
        int frames = Codes.check(codes, model.config(), false, false);
        checkOutputs(codes.length, out.length, frames, b -> out[b] == null ? -1 : out[b].length);
        run(codes, frames, (b, position, samples, row, count) -> backend.read(samples, b, row, count, out[b], (int) position), progress);
    }

    /**
     * Decodes into caller buffers {@code out[b]} (heap or direct), written from their current positions, which
     * advance by {@link #samples(long) samples(T)}. Each must have that many elements remaining.
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

    /**
     * Decodes, handing every piece of output to {@code sink} instead of copying it to the host: for callers that
     * move the samples themselves (a CUDA program copying them into its own device memory, for instance).
     * {@code sink.accept(stream, position, samples, fromRow, count)} is called once per stream and step with
     * rows {@code [fromRow, fromRow + count)} of the arena buffer {@code samples} of {@link #backend()}, which hold
     * samples {@code [position, position + count)} of that stream. Over the whole decode each stream's positions
     * cover {@code [0, samples(T))} once, in order.
     *
     * <p>The rows are valid only during the call: the next step overwrites them. The step's ops have been issued
     * but, on an asynchronous backend, not necessarily finished: read them with {@link Backend#read} (which waits)
     * or with work ordered after them on the backend's device queue.
     */
    public void decodeInto(int[][][] codes, SampleSink sink, Progress progress) {
        if (sink == null) throw new IllegalArgumentException("sink must not be null");
        int frames = Codes.check(codes, model.config(), false, false);
        run(codes, frames, sink, progress);
    }

    private void checkOutputs(int streams, int outputs, int frames, java.util.function.IntUnaryOperator capacity) {
        long samplesPerStream = samples(frames);
        if (outputs < streams) throw new IllegalArgumentException("output has " + outputs + " streams, codes have " + streams);
        for (int b = 0; b < streams; b++) {
            if (capacity.applyAsInt(b) < samplesPerStream) {
                throw new IllegalArgumentException("output " + b + " must hold " + samplesPerStream + " samples");
            }
        }
    }

    /** The whole decode as steps over one session, handing samples to {@code sink}. */
    private void run(int[][][] codes, int frames, SampleSink sink, Progress progress) {
        ensureIdle();
        int streams = codes.length;
        int step = stepFramesFor(frames);
        useProgram(step);
        DecodeSession s = session(streams);
        long start = System.nanoTime();
        long total = frames + (long) program.lookaheadFrames();
        boolean completed = false;
        try {
            for (int done = 0; done < frames; ) {
                int n = Math.min(step, frames - done);
                if (done + n == frames) s.advanceLast(codes, Codes.codebooks(codes), done, n, sink);
                else s.advance(codes, Codes.codebooks(codes), done, n, sink);
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
        if (!options.stepped()) useProgram(DecoderOptions.DEFAULT_STEP_FRAMES);
        sessionOpen = true;
        return new DecoderStream(this, session(streams), streams);
    }

    void streamClosed() {
        sessionOpen = false;
        session = null;
    }

    /**
     * The backend this decoder runs on, for backend-specific extensions (such as copying output with
     * {@link #decodeInto(int[][][], SampleSink, Progress)}). Do not close it, or run ops on it outside
     * such a callback, while the decoder is in use.
     */
    public Backend backend() { return backend; }

    private void ensureIdle() {
        if (sessionOpen) throw new IllegalStateException("a stream is open on this decoder: finish or close it first");
    }

    /** Frames per step for a sequence of {@code frames} on this decoder's backend. */
    private int stepFramesFor(int frames) {
        return stepFrames(model, options, backend.activationBytes(), backend.scratch(), frames);
    }

    /**
     * The frames per step a decode of {@code frames} frames runs in: {@link #plannedStepFrames}, or for whole-sequence
     * decoding the sequence plus its look-ahead flush. Every caller that sizes an arena ahead of a decode uses this.
     *
     * @param activationBytes the backend's bytes per activation element
     * @param scratch         the backend's scratch requests ({@link Backend#scratch()})
     */
    public static int stepFrames(DacModel model, DecoderOptions options, int activationBytes, ScratchPolicy scratch, int frames) {
        int planned = plannedStepFrames(model, options, activationBytes, scratch);
        return planned > 0 ? planned : frames + Program.decoderLookaheadFrames(model);
    }

    /**
     * The frames per step a decoder with these options plans for, known before any codes: the largest step whose
     * arena fits the memory budget, else the configured step; 0 when each sequence is decoded whole (the step is
     * then the sequence's frames plus the look-ahead). For sizing memory ahead of a decoder (a caller-provided arena).
     *
     * @param activationBytes the backend's bytes per activation element
     * @param scratch         the backend's scratch requests ({@link Backend#scratch()})
     * @throws IllegalArgumentException if not even a 1-frame step fits the budget
     */
    public static int plannedStepFrames(DacModel model, DecoderOptions options, int activationBytes, ScratchPolicy scratch) {
        if (options.memoryBudget() <= 0) return options.stepFrames();
        java.util.function.IntToLongFunction arena = frames -> Program.decoder(model).streams(options.batch()).stepFrames(frames)
                .activationBytes(activationBytes).scratch(scratch).build().plan().arenaBytes();
        long budget = options.memoryBudget(), smallest = arena.applyAsLong(1);
        if (smallest > budget) {
            throw new IllegalArgumentException("memory budget of " + budget + " bytes is below the smallest step's arena ("
                    + smallest + " bytes for 1 frame)");
        }
        int lo = 1, hi = 1 << 16;   // the arena grows with the step: bisect for the largest that fits
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (arena.applyAsLong(mid) <= budget) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /**
     * Frames of look-ahead of a model: the samples of frame f are final once frame f + lookahead has been pushed
     * (10 for the 44.1 kHz model). The last {@code lookahead} frames' samples come out at the end of a stream.
     */
    public static int lookaheadFrames(DacModel model) { return Program.decoderLookaheadFrames(model); }

    private Program program(int stepFrames) {
        if (program == null) useProgram(stepFrames);
        return program;
    }

    /** Plans for {@code stepFrames} (keeping a larger existing program) and makes the arena fit. */
    private void useProgram(int stepFrames) {
        if (program != null && program.stepFrames() >= stepFrames && program.streams() >= options.batch()) return;
        Program p = build(stepFrames);
        backend.allocate(p);
        program = p;
        session = null;
    }

    /** The step program of {@code stepFrames} frames for this decoder's batch and backend. */
    private Program build(int stepFrames) {
        return Program.decoder(model).streams(options.batch()).stepFrames(stepFrames)
                .activationBytes(backend.activationBytes()).scratch(backend.scratch()).build();
    }

    private DecodeSession session(int streams) {
        if (streams > options.batch()) {
            throw new IllegalArgumentException("batch " + streams + " exceeds the decoder's batch capacity " + options.batch()
                    + " (set it with DecoderOptions.withBatch)");
        }
        if (session == null || session.streams() != streams) session = new DecodeSession(program, backend, streams);
        else session.reset();
        return session;
    }

    DecodeStats stats(int streams, long frames, double decodeMs) {
        long samples = samples(frames);
        return new DecodeStats(backend.name(), backend.precision(), backend.device(), backend.kernels(), streams, frames, samples,
                samples / (double) sampleRate(), program.stepFrames(), program.lookaheadFrames(), loadMs, decodeMs,
                backend.weightBytes(), backend.arenaBytes(), program.plan().arenaBytes(), program.plan().liveBytes());
    }

    void recordStats(DecodeStats stats) { this.lastStats = stats; }

    /** Closes the backend if this decoder owns it (see {@link #open(DacModel, DecoderOptions, Backend, boolean)}). */
    @Override public void close() {
        if (closeBackend) backend.close();
    }
}
