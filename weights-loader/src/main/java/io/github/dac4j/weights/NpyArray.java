package io.github.dac4j.weights;

/**
 * An array read from a {@code .npy} file, in C order whatever the file's order. Exactly one of the data arrays is
 * set: {@code longs} for int64/int32/int16/uint16, {@code floats} for float32/float16.
 *
 * @param dtype   the element type as stored in the file: I64, I32, I16, U16, F32 or F16
 * @param shape   dimensions, outermost first; empty for a scalar
 * @param longs   the elements widened to {@code long} for an integer array; null for a float array
 * @param floats  the elements as float32 (float16 widened exactly) for a float array; null for an integer array
 */
public record NpyArray(DType dtype, long[] shape, long[] longs, float[] floats) {
    /** Number of dimensions. */
    public int rank() { return shape.length; }

    /** True for integer arrays (int64, int32, int16, uint16). */
    public boolean isInteger() { return longs != null; }
}
