package io.github.dac4j.weights;

/**
 * One entry of a safetensors header: dtype, shape and byte range [begin, end) within the data section.
 *
 * @param name   the tensor's name as the header spells it
 * @param dtype  the element type as stored
 * @param shape  dimensions, outermost first; empty for a scalar
 * @param begin  offset of the first byte, counted from the start of the data section (just after the header)
 * @param end    offset one past the last byte, likewise; {@code end - begin} is {@code elements() * dtype.bytes()}
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
    /** Number of elements: the product of the shape (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
