package io.github.dac4j.core.plan;

/**
 * A buffer with its place in the arena: bytes [offset, offset + request.bytes()).
 *
 * @param request the buffer asked for: name, size and lifetime
 * @param offset  its first byte in the arena, a multiple of {@link MemoryPlanner#ALIGNMENT}
 */
public record PlannedBuffer(BufferRequest request, long offset) {
    /** One past its last byte: {@code offset + request.bytes()}, unaligned. */
    public long end() { return offset + request.bytes(); }

    /** The request's name, e.g. {@code "in.conv1"}. */
    public String name() { return request.name(); }

    /** True if the two byte ranges share a byte. */
    public boolean overlapsInSpace(PlannedBuffer other) {
        return offset < other.end() && other.offset < end();
    }
}
