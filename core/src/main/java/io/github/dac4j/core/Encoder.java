package io.github.dac4j.core;

import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.WeightsException;

import java.nio.file.Path;

/**
 * Encodes audio {@code [B, L]} at the model's sample rate to DAC codes {@code [B, K, T]} and latents
 * {@code [B, latent, T]}, {@code T = ceil(L / hop)} (the audio right-padded with zeros to whole frames, as descript
 * does), whole or streamed, exactly: any split of the samples gives the codes and latents of a whole encode. The
 * encoder is the decoder's machinery run the other way: a step program of the same ops (strided convolutions and a
 * codebook search added) in one planned arena, sized once for the step, however long the audio.
 *
 * <p>Not thread-safe; use one per thread, all on one loaded {@link EncoderModel}.
 */
public final class Encoder implements AutoCloseable {
    private final EncoderModel model;
    private final EncoderOptions options;
    private final Backend backend;
    private final String note;
    private final boolean closeBackend;
    private final Program program;
    private final int codebooks;
    private EncodeSession session;
    private boolean sessionOpen;

    private Encoder(EncoderModel model, EncoderOptions options, Backend backend, String note, boolean closeBackend) {
        if (options.codebooks() > model.quantizer().codebooks()) {
            throw new IllegalArgumentException("codebooks " + options.codebooks() + " but the model has " + model.quantizer().codebooks());
        }
        this.model = model;
        this.options = options;
        this.backend = backend;
        this.note = note;
        this.closeBackend = closeBackend;
        this.codebooks = options.codebooks() == 0 ? model.quantizer().codebooks() : options.codebooks();
        backend.prepare(model);
        this.program = Program.encoder(model).streams(options.batch()).stepFrames(options.stepFrames())
                .activationBytes(backend.activationBytes()).scratch(backend.scratch()).build();
        backend.allocate(program);
        // silence, encoded once and forgotten, where the backend asks (Backend#warmUpFrames): the first real encode
        // then runs code already loaded, linked and compiled (first encodes of 1 s took 1.3-1.4x a warm one without)
        int warmUp = backend.warmUpFrames();
        if (warmUp > 0) encode(new float[1][warmUp * model.hop()]);
    }

    /**
     * Loads a checkpoint (a {@code .safetensors} file or a model folder) and opens an encoder on it.
     *
     * @throws WeightsException if the file cannot be read or holds no encoder (one line naming the file and the
     *                          first encoder tensor missing)
     */
    public static Encoder open(Path checkpoint, EncoderOptions options) throws WeightsException {
        Backends.warmUp(options.device());   // the CPU kernels' JIT warm-up runs while the file is read
        return open(EncoderModel.load(DacCheckpoint.load(checkpoint)), options);
    }

    /** Opens an encoder on an already loaded model (shared, never copied), on the best backend of {@code options.device()}. */
    public static Encoder open(EncoderModel model, EncoderOptions options) {
        if (model == null || options == null) throw new IllegalArgumentException("model and options must not be null");
        Backends.Selection selection = Backends.open(options.device(), options.precision());
        return open(model, options, selection.backend(), selection.note(), true);
    }

    /**
     * Opens an encoder on a backend the caller made; {@code closeBackend} as for
     * {@link Decoder#open(io.github.dac4j.core.model.DacModel, DecoderOptions, Backend, boolean)}.
     */
    public static Encoder open(EncoderModel model, EncoderOptions options, Backend backend, boolean closeBackend) {
        if (model == null || options == null || backend == null) throw new IllegalArgumentException("model, options and backend must not be null");
        return open(model, options, backend, "", closeBackend);
    }

    private static Encoder open(EncoderModel model, EncoderOptions options, Backend backend, String note, boolean closeBackend) {
        try {
            return new Encoder(model, options, backend, note, closeBackend);
        } catch (RuntimeException e) {
            if (closeBackend) backend.close();
            throw e;
        }
    }

    /** The model. */
    public EncoderModel model() { return model; }

    /** Samples per frame. */
    public int hop() { return model.hop(); }

    /** The sample rate the audio must have (the model's). */
    public int sampleRate() { return model.config().sampleRate(); }

    /** Codebooks K of the codes this encoder returns. */
    public int codebooks() { return codebooks; }

    /** Frames of look-ahead: the codes of frame f are final once the audio of frame {@code f + lookaheadFrames()} is in. */
    public int lookaheadFrames() { return program.lookaheadFrames(); }

    /** The step program: its ops and their plan. */
    public Program program() { return program; }

    /** The memory plan of a step. */
    public MemoryPlan plan() { return program.plan(); }

    /** {@code cpu} or {@code cuda}. */
    public String backendName() { return backend.name(); }

    /** The device in words. */
    public String device() { return backend.device(); }

    /** Empty, or why {@code auto} did not pick the GPU. */
    public String note() { return note; }

    /** The backend (for reading latents in a {@link FrameSink}). */
    public Backend backend() { return backend; }

    /** Frames that {@code samples} samples encode to: {@code ceil(samples / hop)}. */
    public long frames(long samples) { return (samples + hop() - 1) / hop(); }

    /**
     * Encodes whole streams {@code audio[b]} (all the same length, at least one sample, finite). The encoder stays
     * usable after a rejected input.
     */
    public Encoding encode(float[][] audio) {
        int frames = checkAudio(audio);
        Collector c = new Collector(audio.length, frames);
        encode(audio, c);
        return c.result();
    }

    /** As {@link #encode(float[][])}, handing each stream's frames to {@code sink} as they become final. */
    public void encode(float[][] audio, FrameSink sink) {
        if (sink == null) throw new IllegalArgumentException("sink must not be null");
        ensureIdle();
        checkAudio(audio);
        int whole = audio[0].length / hop();
        EncodeSession s = session(audio.length);
        boolean completed = false;
        try {
            s.advance(audio, 0, whole, sink);
            int rest = audio[0].length - whole * hop();
            if (rest > 0) {   // the last frame, right-padded with zeros
                float[][] tail = new float[audio.length][hop()];
                for (int b = 0; b < audio.length; b++) System.arraycopy(audio[b], whole * hop(), tail[b], 0, rest);
                s.advance(tail, 0, 1, sink);
            }
            for (int b = 0; b < audio.length; b++) s.finish(b);
            s.drain(sink);
            completed = true;
        } finally {
            if (!completed) session = null;   // histories are undefined after a failed step
        }
    }

    /**
     * Starts a streaming encode of {@code streams} streams (at most the batch capacity). One stream session at a time;
     * finish or close it before encoding again.
     */
    public EncoderStream stream(int streams) {
        ensureIdle();
        EncodeSession s = session(streams);
        sessionOpen = true;
        return new EncoderStream(this, s, streams);
    }

    void streamClosed() {
        sessionOpen = false;
        session = null;
    }

    private void ensureIdle() {
        if (sessionOpen) throw new IllegalStateException("a stream is open on this encoder: finish or close it first");
    }

    private EncodeSession session(int streams) {
        if (streams > options.batch()) {
            throw new IllegalArgumentException("batch " + streams + " exceeds the encoder's batch capacity " + options.batch()
                    + " (set it with EncoderOptions.withBatch)");
        }
        if (session == null || session.streams() != streams) session = new EncodeSession(program, backend, streams, hop());
        else session.reset();
        return session;
    }

    /** Checks whole streams; returns their frames. */
    private int checkAudio(float[][] audio) {
        if (audio == null || audio.length == 0) throw new IllegalArgumentException("audio: no streams");
        if (audio.length > options.batch()) {
            throw new IllegalArgumentException("audio: " + audio.length + " streams exceed the encoder's batch capacity " + options.batch()
                    + " (set it with EncoderOptions.withBatch)");
        }
        for (int b = 0; b < audio.length; b++) {
            if (audio[b] == null) throw new IllegalArgumentException("audio: stream " + b + " is null");
            if (audio[b].length != audio[0].length) {
                throw new IllegalArgumentException("audio: stream " + b + " has " + audio[b].length + " samples, stream 0 has " + audio[0].length);
            }
            checkFinite(audio[b], 0, audio[b].length, b);
        }
        if (audio[0].length == 0) throw new IllegalArgumentException("audio: zero samples");
        return (int) frames(audio[0].length);
    }

    static void checkFinite(float[] samples, int from, int to, int stream) {
        for (int i = from; i < to; i++) {
            if (!Float.isFinite(samples[i])) throw new IllegalArgumentException("audio: sample " + i + " of stream " + stream + " is " + samples[i]);
        }
    }

    /** Closes the backend if this encoder owns it. */
    @Override public void close() {
        if (closeBackend) backend.close();
    }

    /** Gathers each stream's frames: codes (the first K codebooks) and latents, channel-major. */
    final class Collector implements FrameSink {
        private int[][][] codes;
        private float[][][] latents;
        private final int[] filled;
        private float[] rows = new float[0];

        /** For {@code streams} streams of about {@code frames} frames each (it grows if more come). */
        Collector(int streams, int frames) {
            int latent = model.quantizer().latent();
            codes = new int[streams][codebooks][frames];
            latents = new float[streams][latent][frames];
            filled = new int[streams];
        }

        @Override public void accept(int stream, long position, int[] stepCodes, int stepCodebooks, int n, ArenaBuffer z, int fromRow, int count) {
            int at = filled[stream], latent = z.channels();
            if (at + count > codes[stream][0].length) grow(stream, at + count);
            for (int k = 0; k < codebooks; k++) {
                System.arraycopy(stepCodes, (stream * stepCodebooks + k) * n + fromRow, codes[stream][k], at, count);
            }
            if (rows.length < count * latent) rows = new float[count * latent];
            backend.read(z, stream, fromRow, count, rows, 0);
            for (int t = 0; t < count; t++)
                for (int c = 0; c < latent; c++) latents[stream][c][at + t] = rows[t * latent + c];
            filled[stream] = at + count;
        }

        private void grow(int stream, int frames) {
            int size = Math.max(frames, 2 * codes[stream][0].length);
            for (int k = 0; k < codebooks; k++) codes[stream][k] = java.util.Arrays.copyOf(codes[stream][k], size);
            for (int c = 0; c < latents[stream].length; c++) latents[stream][c] = java.util.Arrays.copyOf(latents[stream][c], size);
        }

        /** The frames gathered, trimmed to what each stream got. */
        Encoding result() {
            for (int b = 0; b < codes.length; b++) {
                int n = filled[b];
                if (codes[b][0].length == n) continue;
                for (int k = 0; k < codebooks; k++) codes[b][k] = java.util.Arrays.copyOf(codes[b][k], n);
                for (int c = 0; c < latents[b].length; c++) latents[b][c] = java.util.Arrays.copyOf(latents[b][c], n);
            }
            return new Encoding(codes, latents);
        }
    }
}
