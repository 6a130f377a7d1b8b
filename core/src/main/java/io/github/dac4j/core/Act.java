package io.github.dac4j.core;

/**
 * An activation buffer in a backend's arena, time-major per stream: {@code [streams, rows, channels]}.
 * Element {@code (b, r, c)} lives at byte {@code offset + ((b * rows + r) * channels + c) * elementBytes}.
 * {@code rows} is the buffer's capacity per stream; an op touches a range of them.
 *
 * @param name     the plan's name for it, for messages
 * @param offset   byte offset in the arena
 * @param streams  batch capacity
 * @param rows     rows per stream
 * @param channels channels per row
 */
public record Act(String name, long offset, int streams, int rows, int channels) {

    /** Index of element (b, r, c) in units of elements from the arena's start. */
    public long index(int elementBytes, int b, int r, int c) {
        return offset / elementBytes + ((long) b * rows + r) * channels + c;
    }

    /** Elements this buffer holds. */
    public long elements() { return (long) streams * rows * channels; }
}
