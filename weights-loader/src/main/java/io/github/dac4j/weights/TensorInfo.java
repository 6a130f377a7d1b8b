package io.github.dac4j.weights;

/** One entry of a safetensors header: dtype, shape and byte range [begin, end) within the data section. */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
    /** Number of elements: the product of the shape (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
