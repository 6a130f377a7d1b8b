package io.github.dac4j.weights;

/** Element types a safetensors or .npy file may hold. Floating types are read as float32. */
public enum DType {
    F32(4), F16(2), BF16(2), I32(4), I64(8);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** Size of one element in bytes. */
    public int bytes() { return bytes; }

    /** True for F32, F16 and BF16. */
    public boolean isFloating() { return this == F32 || this == F16 || this == BF16; }
}
