package io.github.dac4j.core.program;

/**
 * A buffer of one step in a backend's arena, time-major per stream: {@code [streams, rows, channels]}.
 * Element {@code (b, r, c)} lives at byte {@code offset + ((b * rows + r) * channels + c) * elementBytes}, where the
 * element size is the backend's activation size (the {@code codes} buffer holds int32). {@code rows} is the buffer's
 * capacity per stream; an op touches a range of them.
 *
 * @param name     the plan's name for it, e.g. {@code in.block.2.res_unit1}
 * @param offset   byte offset in the arena, a multiple of the planner's alignment
 * @param streams  batch capacity
 * @param rows     rows per stream
 * @param channels channels per row
 */
public record ArenaBuffer(String name, long offset, int streams, int rows, int channels) {

    /** Index of element (b, r, c) in units of elements from the arena's start. */
    public long index(int elementBytes, int b, int r, int c) {
        return offset / elementBytes + ((long) b * rows + r) * channels + c;
    }

    /** Elements between the same row of consecutive streams: {@code rows * channels}. */
    public long streamStride() { return (long) rows * channels; }

    /** Elements this buffer holds. */
    public long elements() { return (long) streams * rows * channels; }
}
