package io.github.dac4j.core;

import java.util.Locale;

/** The element type of activations (and weights) on a backend. Accumulation is always float32. */
public enum Precision {
    /** IEEE 754 binary32: the CPU backend's, and the reference. */
    FP32(4),
    /** IEEE 754 binary16, with float32 accumulation: the GPU's default (half the memory of fp32). */
    FP16(2);

    private final int bytes;

    Precision(int bytes) { this.bytes = bytes; }

    /** Bytes per activation element. */
    public int bytes() { return bytes; }

    /** Parses {@code fp32} or {@code fp16}, case-insensitively. */
    public static Precision parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "fp32", "float32", "f32" -> FP32;
            case "fp16", "float16", "f16", "half" -> FP16;
            default -> throw new IllegalArgumentException("unknown precision '" + text + "' (expected fp32 or fp16)");
        };
    }

    @Override public String toString() { return name().toLowerCase(Locale.ROOT); }
}
