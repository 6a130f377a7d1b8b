package io.github.dac4j.core;

/**
 * How an {@link Encoder} runs. Immutable; change with the {@code with...} methods.
 *
 * @param device     {@code auto} (the GPU when one works, else the CPU), {@code cpu} or {@code cuda}
 * @param precision  activation precision, or null for the backend's own: fp16 on the GPU, fp32 on the CPU
 * @param stepFrames frames per encode step (the arena is sized for it; it does not grow with the audio's length)
 * @param batch      streams encoded together (channels of one file, or several files)
 * @param codebooks  codebooks to encode with, the first K; 0 for all the model has
 */
public record EncoderOptions(String device, Precision precision, int stepFrames, int batch, int codebooks) {
    /** One second of audio at 44.1 kHz per step. */
    public static final int DEFAULT_STEP_FRAMES = 86;

    /** Checks the options: a step or batch below 1, or a negative codebook count, is an {@link IllegalArgumentException}. */
    public EncoderOptions {
        if (stepFrames < 1) throw new IllegalArgumentException("step frames must be >= 1, got " + stepFrames);
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (codebooks < 0) throw new IllegalArgumentException("codebooks must be >= 1 (or 0 for all), got " + codebooks);
    }

    /** auto device, the backend's precision, 86-frame steps, batch 1, every codebook. */
    public static EncoderOptions defaults() { return new EncoderOptions("auto", null, DEFAULT_STEP_FRAMES, 1, 0); }

    /** These options on device {@code d}: {@code auto}, {@code cpu} or {@code cuda}. */
    public EncoderOptions withDevice(String d) { return new EncoderOptions(d, precision, stepFrames, batch, codebooks); }

    /** These options at precision {@code p} (null: the backend's own). */
    public EncoderOptions withPrecision(Precision p) { return new EncoderOptions(device, p, stepFrames, batch, codebooks); }

    /** These options with {@code f} frames per step. */
    public EncoderOptions withStepFrames(int f) { return new EncoderOptions(device, precision, f, batch, codebooks); }

    /** These options with a batch capacity of {@code b} streams. */
    public EncoderOptions withBatch(int b) { return new EncoderOptions(device, precision, stepFrames, b, codebooks); }

    /** These options encoding with the first {@code k} codebooks (0: all). */
    public EncoderOptions withCodebooks(int k) { return new EncoderOptions(device, precision, stepFrames, batch, k); }
}
