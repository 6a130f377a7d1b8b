package io.github.dac4j.weights;

/** Element types a safetensors or .npy file may hold. Floating types are read as float32. */
public enum DType {
    /** IEEE 754 binary32, 4 bytes. */
    F32(4),
    /** IEEE 754 binary16 (half precision), 2 bytes; widened to float32 exactly. */
    F16(2),
    /** bfloat16, 2 bytes: the top half of a float32's bits; widened to float32 exactly. */
    BF16(2),
    /** Signed 32-bit integer, 4 bytes; read as {@code long}. */
    I32(4),
    /** Signed 64-bit integer, 8 bytes. */
    I64(8),
    /** Signed 16-bit integer, 2 bytes; read as {@code long}. */
    I16(2),
    /** Unsigned 16-bit integer, 2 bytes (descript saves its codes so); read as {@code long}. */
    U16(2);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** Size of one element in bytes. */
    public int bytes() { return bytes; }

    /** True for F32, F16 and BF16. */
    public boolean isFloating() { return this == F32 || this == F16 || this == BF16; }
}
