package io.github.dac4j.core;

/**
 * How a {@link Decoder} runs. Immutable; change with the {@code with...} methods.
 *
 * @param device        {@code auto} (the GPU when one works, else the CPU), {@code cpu} or {@code cuda}
 * @param precision     activation precision, or null for the backend's own: fp16 on the GPU, fp32 on the CPU
 * @param stepFrames    frames per decode step; 0 decodes a whole sequence in one step (memory grows with length)
 * @param memoryBudget  if > 0, bytes the arena may use: the largest step whose plan fits is chosen, overriding stepFrames
 * @param batch         streams decoded together: the arena is sized for this many
 */
public record DecoderOptions(String device, Precision precision, int stepFrames, long memoryBudget, int batch) {
    /** One second of audio at 44.1 kHz: the arena stays a few tens of MB and the overhead under 2 %. */
    public static final int DEFAULT_STEP_FRAMES = 86;

    /** Checks the options: a negative step or budget, or a batch below 1, is an {@link IllegalArgumentException}. */
    public DecoderOptions {
        if (stepFrames < 0) throw new IllegalArgumentException("step frames must be >= 0, got " + stepFrames);
        if (memoryBudget < 0) throw new IllegalArgumentException("memory budget must be >= 0, got " + memoryBudget);
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
    }

    /** auto device, the backend's precision, 86-frame steps, no budget, batch 1. */
    public static DecoderOptions defaults() { return new DecoderOptions("auto", null, DEFAULT_STEP_FRAMES, 0, 1); }

    /** True when a step size is known before any codes (a step or a budget); false when each sequence is decoded whole. */
    public boolean stepped() { return memoryBudget > 0 || stepFrames > 0; }

    /** These options on device {@code d}: {@code auto}, {@code cpu} or {@code cuda}. */
    public DecoderOptions withDevice(String d) { return new DecoderOptions(d, precision, stepFrames, memoryBudget, batch); }

    /** These options at precision {@code p} (null: the backend's own). */
    public DecoderOptions withPrecision(Precision p) { return new DecoderOptions(device, p, stepFrames, memoryBudget, batch); }

    /** These options with {@code f} frames per step (0: whole sequences in one step). */
    public DecoderOptions withStepFrames(int f) { return new DecoderOptions(device, precision, f, memoryBudget, batch); }

    /** These options with an arena budget of {@code bytes} (0: none; a budget overrides the step). */
    public DecoderOptions withMemoryBudget(long bytes) { return new DecoderOptions(device, precision, stepFrames, bytes, batch); }

    /** These options with a batch capacity of {@code b} streams. */
    public DecoderOptions withBatch(int b) { return new DecoderOptions(device, precision, stepFrames, memoryBudget, b); }
}
