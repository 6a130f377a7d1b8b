package io.github.dac4j.core.plan;

/** A buffer with its place in the arena: bytes [offset, offset + request.bytes()). */
public record PlannedBuffer(BufferRequest request, long offset) {
    public long end() { return offset + request.bytes(); }

    public String name() { return request.name(); }

    /** True if the two byte ranges share a byte. */
    public boolean overlapsInSpace(PlannedBuffer other) {
        return offset < other.end() && other.offset < end();
    }
}
