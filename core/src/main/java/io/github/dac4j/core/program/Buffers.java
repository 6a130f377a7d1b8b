package io.github.dac4j.core.program;

/**
 * Declares the buffers of a program while its ops are built: each call names a buffer and its shape
 * {@code [streams, rows, channels]} and returns its view. A program's op function is called twice, first on
 * unplaced views (offset -1) so that the planner can read every buffer's lifetime from the ops, then on the views the
 * plan placed; it must declare the same buffers both times. Asking again for a name returns the same buffer.
 */
public interface Buffers {
    /** A buffer of activations (the backend's element size), live from the first op that touches it to the last. */
    ArenaBuffer activations(String name, int streams, int rows, int channels);

    /** A buffer of activations kept from one step to the next (a history): live for the whole step. */
    ArenaBuffer persistent(String name, int streams, int rows, int channels);

    /** A buffer of int32 elements (codes). */
    ArenaBuffer int32(String name, int streams, int rows, int channels);
}
