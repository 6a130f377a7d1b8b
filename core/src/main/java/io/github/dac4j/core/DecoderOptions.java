package io.github.dac4j.core;

import io.github.dac4j.weights.SampleRates;

/**
 * How a {@link Decoder} runs. Immutable; change with the {@code with...} methods.
 *
 * @param device        {@code auto} (the GPU when one works, else the CPU), {@code cpu} or {@code cuda}
 * @param precision     activation precision, or null for the backend's own: fp16 on the GPU, fp32 on the CPU
 * @param stepFrames    frames per decode step; 0 decodes a whole sequence in one step (memory grows with length)
 * @param memoryBudget  if > 0, bytes the arena may use: the largest step whose plan fits is chosen, overriding stepFrames
 * @param batch         streams decoded together: the arena is sized for this many
 * @param sampleRate    if > 0, the output's sample rate in Hz, overriding the model's (its config.json's or its
 *                      shapes'): see {@link Decoder#sampleRate()}; 0 keeps the model's
 */
public record DecoderOptions(String device, Precision precision, int stepFrames, long memoryBudget, int batch, int sampleRate) {
    /** One second of audio at 44.1 kHz: the arena stays a few tens of MB and the overhead under 2 %. */
    public static final int DEFAULT_STEP_FRAMES = 86;

    /**
     * Checks the options: a negative step or budget, a batch below 1, or a sample rate that is neither 0 nor within
     * {@link SampleRates#MIN} and {@link SampleRates#MAX}, is an {@link IllegalArgumentException}.
     */
    public DecoderOptions {
        if (stepFrames < 0) throw new IllegalArgumentException("step frames must be >= 0, got " + stepFrames);
        if (memoryBudget < 0) throw new IllegalArgumentException("memory budget must be >= 0, got " + memoryBudget);
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (sampleRate != 0 && !SampleRates.plausible(sampleRate)) {
            throw new IllegalArgumentException("sample rate " + SampleRates.problem(sampleRate) + " (or 0 for the model's)");
        }
    }

    /** Options at the model's own sample rate. */
    public DecoderOptions(String device, Precision precision, int stepFrames, long memoryBudget, int batch) {
        this(device, precision, stepFrames, memoryBudget, batch, 0);
    }

    /** auto device, the backend's precision, 86-frame steps, no budget, batch 1, the model's sample rate. */
    public static DecoderOptions defaults() { return new DecoderOptions("auto", null, DEFAULT_STEP_FRAMES, 0, 1, 0); }

    /** True when a step size is known before any codes (a step or a budget); false when each sequence is decoded whole. */
    public boolean stepped() { return memoryBudget > 0 || stepFrames > 0; }

    /** These options on device {@code d}: {@code auto}, {@code cpu} or {@code cuda}. */
    public DecoderOptions withDevice(String d) { return new DecoderOptions(d, precision, stepFrames, memoryBudget, batch, sampleRate); }

    /** These options at precision {@code p} (null: the backend's own). */
    public DecoderOptions withPrecision(Precision p) { return new DecoderOptions(device, p, stepFrames, memoryBudget, batch, sampleRate); }

    /** These options with {@code f} frames per step (0: whole sequences in one step). */
    public DecoderOptions withStepFrames(int f) { return new DecoderOptions(device, precision, f, memoryBudget, batch, sampleRate); }

    /** These options with an arena budget of {@code bytes} (0: none; a budget overrides the step). */
    public DecoderOptions withMemoryBudget(long bytes) { return new DecoderOptions(device, precision, stepFrames, bytes, batch, sampleRate); }

    /** These options with a batch capacity of {@code b} streams. */
    public DecoderOptions withBatch(int b) { return new DecoderOptions(device, precision, stepFrames, memoryBudget, b, sampleRate); }

    /**
     * These options with the output at {@code hz} Hz whatever the model says (0: the model's rate, from its
     * config.json or its shapes). For a model whose rate is not known otherwise.
     */
    public DecoderOptions withSampleRate(int hz) { return new DecoderOptions(device, precision, stepFrames, memoryBudget, batch, hz); }
}
