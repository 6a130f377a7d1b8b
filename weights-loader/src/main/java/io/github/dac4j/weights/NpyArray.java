package io.github.dac4j.weights;

/**
 * An array read from a {@code .npy} file: C order, little-endian. Exactly one of the data arrays is set:
 * {@code longs} for int64/int32, {@code floats} for float32/float16.
 *
 * @param dtype   the element type as stored in the file: I64, I32, F32 or F16
 * @param shape   dimensions, outermost first; empty for a scalar
 * @param longs   the elements widened to {@code long} for an integer array; null for a float array
 * @param floats  the elements as float32 (float16 widened exactly) for a float array; null for an integer array
 */
public record NpyArray(DType dtype, long[] shape, long[] longs, float[] floats) {
    /** Number of dimensions. */
    public int rank() { return shape.length; }

    /** True for int64 and int32 arrays. */
    public boolean isInteger() { return longs != null; }
}
