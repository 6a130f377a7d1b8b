package io.github.dac4j.core;

/**
 * A streaming encode of a batch of streams that advance together: push audio as it arrives (any number of samples,
 * the same for every open stream), receive the codes and latents of every frame whose input is complete and whose
 * look-ahead has arrived, {@link #finish()} to pad the last frame with zeros and flush the rest. The concatenated
 * output of a stream equals the whole encode of its samples, whatever the push sizes.
 */
public final class EncoderStream implements AutoCloseable {
    private final Encoder encoder;
    private final EncodeSession session;
    private final int streams, hop;
    /** Samples of the frame in progress, per stream (fewer than hop). */
    private final float[][] partial;
    private int partialCount;
    private boolean closed;

    EncoderStream(Encoder encoder, EncodeSession session, int streams) {
        this.encoder = encoder;
        this.session = session;
        this.streams = streams;
        this.hop = encoder.hop();
        this.partial = new float[streams][hop];
    }

    /** Streams of this session, {@code B} of every push. */
    public int streams() { return streams; }

    /** Samples pushed so far per open stream. */
    public long samples() { return session.frames() * hop + partialCount; }

    /**
     * Pushes the next samples of every stream still open ({@code audio[b]}, all the same length; null for a finished
     * one). Returns the frames this push made final (possibly none). Bad input is rejected before anything changes.
     */
    public Encoding push(float[][] audio) {
        Encoder.Collector c = encoder.new Collector(streams, 16);
        push(audio, c);
        return c.result();
    }

    /** As {@link #push(float[][])}, handing the final frames to {@code sink}. */
    public void push(float[][] audio, FrameSink sink) {
        checkOpen();
        if (sink == null) throw new IllegalArgumentException("sink must not be null");
        if (audio == null || audio.length != streams) {
            throw new IllegalArgumentException("audio: expected " + streams + " streams, got " + (audio == null ? 0 : audio.length));
        }
        int length = -1;
        for (int b = 0; b < streams; b++) {
            if (audio[b] == null) {
                if (!session.finished(b)) throw new IllegalArgumentException("audio: stream " + b + " is open but has no samples");
                continue;
            }
            if (session.finished(b) && audio[b].length > 0) throw new IllegalArgumentException("audio: stream " + b + " is finished");
            if (length >= 0 && audio[b].length != length) {
                throw new IllegalArgumentException("audio: streams of one push must have the same length, got " + length + " and " + audio[b].length);
            }
            length = audio[b].length;
            Encoder.checkFinite(audio[b], 0, audio[b].length, b);
        }
        if (length <= 0) return;
        try {
            // complete the frame in progress, then whole frames straight from the caller's arrays, then keep the rest
            int used = 0;
            if (partialCount > 0) {
                used = Math.min(hop - partialCount, length);
                for (int b = 0; b < streams; b++) if (audio[b] != null) System.arraycopy(audio[b], 0, partial[b], partialCount, used);
                partialCount += used;
                if (partialCount < hop) return;
                session.advance(partial, 0, 1, sink);
                partialCount = 0;
            }
            int whole = (length - used) / hop;
            session.advance(audio, used, whole, sink);
            int rest = length - used - whole * hop;
            for (int b = 0; b < streams; b++) if (audio[b] != null) System.arraycopy(audio[b], used + whole * hop, partial[b], 0, rest);
            partialCount = rest;
        } catch (RuntimeException e) {
            close();   // the histories are undefined after a failed step
            throw e;
        }
    }

    /** Ends every stream: pads its frame in progress with zeros and returns each one's remaining frames; then closes. */
    public Encoding finish() {
        Encoder.Collector c = encoder.new Collector(streams, 16);
        finish(c);
        return c.result();
    }

    /** As {@link #finish()}, handing the remaining frames to {@code sink}. */
    public void finish(FrameSink sink) {
        checkOpen();
        if (sink == null) throw new IllegalArgumentException("sink must not be null");
        try {
            if (partialCount > 0) {
                for (int b = 0; b < streams; b++) java.util.Arrays.fill(partial[b], partialCount, hop, 0f);
                session.advance(partial, 0, 1, sink);
                partialCount = 0;
            }
            for (int b = 0; b < streams; b++) session.finish(b);
            session.drain(sink);
        } finally {
            close();
        }
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("this stream is closed");
    }

    /** Abandons the stream; the encoder can be used again. */
    @Override public void close() {
        if (!closed) {
            closed = true;
            encoder.streamClosed();
        }
    }
}
