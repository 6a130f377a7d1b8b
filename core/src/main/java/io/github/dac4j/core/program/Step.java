package io.github.dac4j.core.program;

import io.github.dac4j.core.FrameSink;
import io.github.dac4j.core.SampleSink;

import java.util.Arrays;

/**
 * What the ops of one step read at run time: which streams run, where the step starts, how many frames it holds,
 * which streams have ended and where, and the host side of the step's input and output (codes in and samples out
 * for decoding; audio in and codes out for encoding). One instance serves every
 * step of a session; the session moves it on. Streams advance in lockstep, so one {@code start} serves all.
 */
public final class Step {
    /** Marks a stream that has not ended. */
    static final long OPEN = Long.MAX_VALUE;

    private final int streams;
    private final long[] length;
    private final long[] emitted;
    private long start;
    private int frames;
    private int[] codes = new int[0];
    private int codebooks;
    private SampleSink sink;
    private float[] audio = new float[0];
    private int[] encoded = new int[0];
    private FrameSink frameSink;

    /** A step state for {@code streams} streams, all open, at frame 0. */
    public Step(int streams) {
        this.streams = streams;
        this.length = new long[streams];
        this.emitted = new long[streams];
        reset();
    }

    /** Back to frame 0 with every stream open and nothing emitted. */
    public void reset() {
        start = 0;
        frames = 0;
        Arrays.fill(length, OPEN);
        Arrays.fill(emitted, 0);
    }

    /** Streams the ops run on, {@code [0, streams)}. */
    public int streams() { return streams; }

    /** Frames before this step, per stream. */
    public long start() { return start; }

    /** Frames in this step. */
    public int frames() { return frames; }

    /** True once stream b has ended. */
    public boolean ended(int b) { return length[b] != OPEN; }

    /** Frames of stream b once it has ended. */
    public long length(int b) { return length[b]; }

    /** This step's codes, {@code [streams, codebooks, frames]} row-major on the host (zeros for ended streams). */
    public int[] codes() { return codes; }

    /** Codebooks of this step's codes (at least 1: an all-zero flush step reads codebook 0). */
    public int codebooks() { return codebooks; }

    /** Ends stream b at the frames pushed so far; its later input is zero padding. */
    public void end(int b) { end(b, start); }

    /**
     * Ends stream b after {@code length} frames, at least the frames pushed so far: a step that runs a stream's last
     * frames and its flush together ends it before it runs. Its input from there on is zero padding.
     */
    public void end(int b, long length) {
        if (length < start) throw new IllegalArgumentException("stream " + b + " cannot end at frame " + length + ", before " + start);
        if (!ended(b)) this.length[b] = length;
    }

    /** Sets up the next step: {@code frames} frames whose codes are {@code codes} ({@code [streams, codebooks, frames]}). */
    public void begin(int frames, int[] codes, int codebooks, SampleSink sink) {
        this.frames = frames;
        this.codes = codes;
        this.codebooks = codebooks;
        this.sink = sink;
    }

    /**
     * Sets up the next encoding step: {@code frames} frames of audio {@code [streams, frames * hop]}, their codes to be
     * written to {@code encoded} ({@code [streams, codebooks, frames]}) and handed with their latents to {@code sink}.
     */
    public void beginEncode(int frames, float[] audio, int[] encoded, int codebooks, FrameSink sink) {
        this.frames = frames;
        this.audio = audio;
        this.encoded = encoded;
        this.codebooks = codebooks;
        this.frameSink = sink;
    }

    /** This step's audio, {@code [streams, frames * hop]} row-major on the host (zeros past a stream's end). */
    public float[] audio() { return audio; }

    /** Where this step's codes go on the host, {@code [streams, codebooks, frames]}. */
    public int[] encoded() { return encoded; }

    /** Moves past the step just run. */
    public void advance() { start += frames; }

    /** Samples (or other outputs) handed to stream b so far. */
    public long emitted(int b) { return emitted[b]; }

    /**
     * Output rows of {@code stage} this step must compute: all of them while a stream is open; once all have ended,
     * only up to the last valid output position of the longest (the flush at the end computes each stage's tail).
     */
    public int neededOutputRows(Stage stage) {
        int all = stage.outputRows(frames);
        long first = stage.firstOutput(start), needed = 0;
        for (int b = 0; b < streams; b++) {
            if (!ended(b)) return all;
            needed = Math.max(needed, stage.outputLength(length[b]) - first);
        }
        return (int) Math.max(0, Math.min(needed, all));
    }

    /**
     * Leading output rows of {@code stage} this step need not compute: those before position 0 in every stream (the
     * first steps' warm-up, as deep as the stage's delay), which {@link MaskRows} zeroes and nothing else reads. In a
     * whole-sequence decode they are about a tenth of the rows; at most {@code outputRows(frames)}.
     */
    public int skippedOutputRows(Stage stage) {
        return (int) Math.min(stage.outputRows(frames), Math.max(0, -stage.firstOutput(start)));
    }

    /**
     * Hands each stream's valid outputs of this step to the sample sink: rows {@code [row, row + count)} of
     * {@code buffer} hold output positions {@code [first, first + count)}; those in {@code [emitted, length)} go out, in
     * order.
     */
    void emit(ArenaBuffer buffer, long first, int count, Stage stage) {
        handOut(first, count, stage, (b, from, row, n) -> sink.accept(b, from, buffer, row, n));
    }

    /** As {@link #emit}, for frames: their codes from {@link #encoded()}, their latents in {@code latents}. */
    void emitFrames(ArenaBuffer latents, long first, int count, Stage stage) {
        handOut(first, count, stage, (b, from, row, n) -> frameSink.accept(b, from, encoded, codebooks, frames, latents, row, n));
    }

    /** A range of one stream's outputs: positions {@code [from, from + count)} at step rows {@code [row, row + count)}. */
    private interface Range {
        void accept(int stream, long from, int row, int count);
    }

    /** The part of positions {@code [first, first + count)} each stream has not handed out yet and that lies before its end. */
    private void handOut(long first, int count, Stage stage, Range out) {
        for (int b = 0; b < streams; b++) {
            long end = ended(b) ? stage.outputLength(length[b]) : OPEN;
            long from = Math.max(emitted[b], first);
            long to = Math.min(end, first + count);
            if (to <= from) continue;
            out.accept(b, from, (int) (from - first), (int) (to - from));
            emitted[b] = to;
        }
    }

    /** True once every stream has ended and handed out all {@code stage}'s outputs. */
    public boolean drained(Stage stage) {
        for (int b = 0; b < streams; b++) {
            if (!ended(b) || emitted[b] < stage.outputLength(length[b])) return false;
        }
        return true;
    }
}
