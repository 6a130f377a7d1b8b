package io.github.dac4j.weights;

import java.util.Arrays;

/**
 * A named float32 tensor held on the heap, row-major.
 *
 * @param name   the tensor's full name, e.g. {@code decoder.conv1.weight}
 * @param shape  dimensions, outermost first; their product must equal {@code data.length}
 * @param data   the elements in row-major order (held, not copied)
 */
public record Tensor(String name, int[] shape, float[] data) {
    public Tensor {
        long n = 1;
        for (int d : shape) n *= d;
        if (n != data.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " holds " + n + " elements, data has " + data.length);
        }
    }

    /** Size of dimension i. */
    public int dim(int i) { return shape[i]; }

    /** Number of dimensions. */
    public int rank() { return shape.length; }

    /** The shape as text, {@code [1536, 1024, 7]}. */
    public String shapeText() { return Arrays.toString(shape); }
}
