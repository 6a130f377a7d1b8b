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

    public DecoderOptions {
        if (chunkFrames < 0) throw new IllegalArgumentException("chunk frames must be >= 0, got " + chunkFrames);
        if (memoryBudget < 0) throw new IllegalArgumentException("memory budget must be >= 0, got " + memoryBudget);
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
    }

    /** auto device, the backend's precision, 86-frame steps, no budget, batch 1. */
    public static DecoderOptions defaults() { return new DecoderOptions("auto", null, DEFAULT_CHUNK_FRAMES, 0, 1); }

    public DecoderOptions withDevice(String d) { return new DecoderOptions(d, precision, chunkFrames, memoryBudget, batch); }

    public DecoderOptions withPrecision(Precision p) { return new DecoderOptions(device, p, chunkFrames, memoryBudget, batch); }

    public DecoderOptions withChunkFrames(int f) { return new DecoderOptions(device, precision, f, memoryBudget, batch); }

    public DecoderOptions withMemoryBudget(long bytes) { return new DecoderOptions(device, precision, chunkFrames, bytes, batch); }

    public DecoderOptions withBatch(int b) { return new DecoderOptions(device, precision, chunkFrames, memoryBudget, b); }
}
