package io.github.dac4j.weights;

/**
 * An array read from a {@code .npy} file: C order, little-endian. Exactly one of the data arrays is set:
 * {@code longs} for int64/int32, {@code floats} for float32/float16.
 */
public record NpyArray(DType dtype, long[] shape, long[] longs, float[] floats) {
    /** Number of dimensions. */
    public int rank() { return shape.length; }

    /** True for int64 and int32 arrays. */
    public boolean isInteger() { return longs != null; }
}
