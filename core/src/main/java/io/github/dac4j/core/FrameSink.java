package io.github.dac4j.core;

import io.github.dac4j.core.program.ArenaBuffer;

/**
 * Receives encoded frames as they become final: their codes on the host and their latents where they lie in the
 * backend's arena. See {@link Encoder} and {@link EncoderStream}.
 */
@FunctionalInterface
public interface FrameSink {
    /**
     * A stream's next {@code count} frames, the first at frame {@code position} of the stream. The code of codebook k
     * for frame {@code position + t} is {@code codes[(stream * codebooks + k) * n + fromRow + t]}; its latents are row
     * {@code fromRow + t} of {@code latents} (read them with {@link Backend#read}). Valid only during the call.
     *
     * @param stream    the stream, {@code 0 <= stream < B}
     * @param position  the frame index of the first of these frames
     * @param codes     the step's codes, {@code [streams, codebooks, n]}
     * @param codebooks codebooks K of {@code codes}
     * @param n         frames of the step ({@code codes}' last dimension)
     * @param latents   the arena buffer of the step's latents, {@code [streams, rows, latent]}
     * @param fromRow   the step row of the first of these frames
     * @param count     how many frames
     */
    void accept(int stream, long position, int[] codes, int codebooks, int n, ArenaBuffer latents, int fromRow, int count);
}
