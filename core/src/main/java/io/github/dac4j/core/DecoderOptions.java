package io.github.dac4j.core;

/**
 * How a {@link Decoder} runs. Immutable; change with the {@code with...} methods.
 *
 * @param device        {@code auto} (the GPU when one works, else the CPU), {@code cpu} or {@code cuda}
 * @param precision     activation precision, or null for the backend's own: fp16 on the GPU, fp32 on the CPU
 * @param chunkFrames   frames per decode step; 0 decodes a whole sequence in one step (memory grows with length)
 * @param memoryBudget  if > 0, bytes the arena may use: the largest step whose plan fits is chosen, overriding chunkFrames
 * @param batch         streams decoded together: the arena is sized for this many
 */
public record DecoderOptions(String device, Precision precision, int chunkFrames, long memoryBudget, int batch) {
    /** One second of audio at 44.1 kHz: the arena stays a few tens of MB and the overhead under 2 %. */
    public static final int DEFAULT_CHUNK_FRAMES = 86;

    /** Checks the options: a negative chunk or budget, or a batch below 1, is an {@link IllegalArgumentException}. */
    public DecoderOptions {
        if (chunkFrames < 0) throw new IllegalArgumentException("chunk frames must be >= 0, got " + chunkFrames);
        if (memoryBudget < 0) throw new IllegalArgumentException("memory budget must be >= 0, got " + memoryBudget);
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
    }

    /** auto device, the backend's precision, 86-frame steps, no budget, batch 1. */
    public static DecoderOptions defaults() { return new DecoderOptions("auto", null, DEFAULT_CHUNK_FRAMES, 0, 1); }

    /** These options on device {@code d}: {@code auto}, {@code cpu} or {@code cuda}. */
    public DecoderOptions withDevice(String d) { return new DecoderOptions(d, precision, chunkFrames, memoryBudget, batch); }

    /** These options at precision {@code p} (null: the backend's own). */
    public DecoderOptions withPrecision(Precision p) { return new DecoderOptions(device, p, chunkFrames, memoryBudget, batch); }

    /** These options with {@code f} frames per step (0: whole sequences in one step). */
    public DecoderOptions withChunkFrames(int f) { return new DecoderOptions(device, precision, f, memoryBudget, batch); }

    /** These options with an arena budget of {@code bytes} (0: none; a budget overrides the chunk). */
    public DecoderOptions withMemoryBudget(long bytes) { return new DecoderOptions(device, precision, chunkFrames, bytes, batch); }

    /** These options with a batch capacity of {@code b} streams. */
    public DecoderOptions withBatch(int b) { return new DecoderOptions(device, precision, chunkFrames, memoryBudget, b); }
}
