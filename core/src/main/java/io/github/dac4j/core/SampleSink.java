package io.github.dac4j.core;

import io.github.dac4j.core.program.ArenaBuffer;

/**
 * Receives decoded samples where they are, on the backend's device, instead of having them copied to the host:
 * for callers that move samples themselves (a CUDA program copying them into its own device memory, for
 * instance). See {@link Decoder#decodeInto(int[][][], SampleSink, Decoder.Progress)}.
 */
@FunctionalInterface
public interface SampleSink {
    /**
     * A stream's next {@code count} samples, the first at sample {@code position} of the stream, in rows
     * {@code [fromRow, fromRow + count)} of the arena buffer {@code samples}, to be read with {@link Backend#read}
     * or by work queued after them on the backend's device. Valid only during the call.
     *
     * @param stream   the stream, {@code 0 <= stream < B}
     * @param position the stream's sample index of the first of these samples
     * @param samples  the arena buffer holding them, one channel
     * @param fromRow  the buffer row of the first sample
     * @param count    how many samples
     */
    void accept(int stream, long position, ArenaBuffer samples, int fromRow, int count);
}
