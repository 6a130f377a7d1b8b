package io.github.dac4j.core;

/**
 * Encoded frames of a batch of streams: what {@link Encoder#encode} returns for whole streams, and what
 * {@link EncoderStream#push} returns for the frames a push made final.
 *
 * @param codes   {@code codes[b][k][t]}: codebook k's code of frame t of stream b
 * @param latents {@code latents[b][c][t]}: the encoder's output z (before quantization), channel c of frame t,
 *                as numpy's {@code [B, latent, T]}
 */
public record Encoding(int[][][] codes, float[][][] latents) {
    /** Frames of stream b. */
    public int frames(int stream) { return codes[stream].length == 0 ? 0 : codes[stream][0].length; }
}
