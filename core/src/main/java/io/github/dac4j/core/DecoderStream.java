package io.github.dac4j.core;


import io.github.dac4j.core.program.ArenaBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * A streaming decode of a batch of streams that advance together: push code frames as they are generated,
 * receive the samples the look-ahead allows, {@link #finish()} to flush the rest. The concatenated output of a
 * stream equals the whole-sequence decode of its codes, whatever the push sizes.
 *
 * <pre>{@code
 * try (DecoderStream s = decoder.stream(1)) {
 *     for (int[][] frames : generator) out.write(s.push(new int[][][] {frames})[0]);
 *     out.write(s.finish()[0]);
 * }
 * }</pre>
 */
public final class DecoderStream implements AutoCloseable {
    private final Decoder decoder;
    private final DecodeSession session;
    private final int streams;
    private boolean closed;
    private long start = System.nanoTime();

    DecoderStream(Decoder decoder, DecodeSession session, int streams) {
        this.decoder = decoder;
        this.session = session;
        this.streams = streams;
    }

    /** Streams of this session, {@code B} of every push. */
    public int streams() { return streams; }

    /** Frames pushed so far. */
    public long frames() { return session.frames(); }

    /**
     * Pushes {@code codes[b][k][t]}: the next frames of every stream still open (null for a finished one), the
     * same number of frames and codebooks for all. Returns each stream's new samples (possibly none).
     * Bad codes are rejected before anything changes.
     */
    public float[][] push(int[][][] codes) {
        Collector c = new Collector();
        push(codes, c);
        return c.result();
    }

    /**
     * As {@link #push(int[][][])}, handing the new samples to {@code sink} where they lie in the backend's arena
     * instead of returning new arrays: for callers that copy them into their own buffers (a ring buffer, device
     * memory) with no allocation per push. Each stream's positions continue where the last push left them.
     */
    public void push(int[][][] codes, SampleSink sink) {
        checkOpen();
        if (sink == null) throw new IllegalArgumentException("sink must not be null");
        if (codes == null || codes.length != streams) {
            throw new IllegalArgumentException("codes: expected " + streams + " streams, got " + (codes == null ? 0 : codes.length));
        }
        int n = Codes.check(codes, decoder.config(), true, true);
        for (int b = 0; b < streams; b++) {
            if (codes[b] == null && !session.finished(b)) throw new IllegalArgumentException("codes: stream " + b + " is open but has no codes");
            if (codes[b] != null && session.finished(b) && n > 0) throw new IllegalArgumentException("codes: stream " + b + " is finished");
        }
        try {
            session.advance(codes, Codes.codebooks(codes), 0, n, sink);
        } catch (RuntimeException e) {
            close(); // the histories are undefined after a failed step
            throw e;
        }
    }

    /** Ends stream b: its remaining samples arrive with later pushes, or with {@link #finish()}. */
    public void finish(int stream) {
        checkOpen();
        session.finish(stream);
    }

    /** Ends every stream and returns each one's remaining samples; the stream is closed afterwards. */
    public float[][] finish() {
        Collector c = new Collector();
        finish(c);
        return c.result();
    }

    /** As {@link #finish()}, handing the remaining samples to {@code sink} (see {@link #push(int[][][], SampleSink)}). */
    public void finish(SampleSink sink) {
        checkOpen();
        if (sink == null) throw new IllegalArgumentException("sink must not be null");
        for (int b = 0; b < streams; b++) session.finish(b);
        try {
            session.drain(sink);
            decoder.recordStats(decoder.stats(streams, session.frames(), (System.nanoTime() - start) / 1e6));
        } finally {
            close();
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("this stream is closed");
    }

    /** Abandons the stream; the decoder can be used again. */
    @Override public void close() {
        if (!closed) {
            closed = true;
            decoder.streamClosed();
        }
    }

    /** Gathers each stream's samples of one push. */
    private final class Collector implements SampleSink {
        private final List<List<float[]>> parts = new ArrayList<>();

        Collector() {
            for (int b = 0; b < streams; b++) parts.add(new ArrayList<>());
        }

        @Override public void accept(int stream, long position, ArenaBuffer samples, int fromRow, int count) {
            float[] chunk = new float[count];
            decoder.backend().read(samples, stream, fromRow, count, chunk, 0);
            parts.get(stream).add(chunk);
        }

        float[][] result() {
            float[][] out = new float[streams][];
            for (int b = 0; b < streams; b++) {
                int total = parts.get(b).stream().mapToInt(a -> a.length).sum();
                out[b] = new float[total];
                int at = 0;
                for (float[] p : parts.get(b)) {
                    System.arraycopy(p, 0, out[b], at, p.length);
                    at += p.length;
                }
            }
            return out;
        }
    }
}
