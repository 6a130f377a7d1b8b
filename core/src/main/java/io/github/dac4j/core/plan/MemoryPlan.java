package io.github.dac4j.core.plan;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Offsets for every buffer of one decode step inside one arena.
 *
 * @param buffers     every buffer with its offset, in request order
 * @param arenaBytes  bytes the arena must have: the end of the highest buffer
 * @param liveBytes   the largest total of (unaligned) bytes live during one op: a lower bound for any plan
 */
public record MemoryPlan(List<PlannedBuffer> buffers, long arenaBytes, long liveBytes) {

    /** Buffers by name. */
    public Map<String, PlannedBuffer> byName() {
        return buffers.stream().collect(Collectors.toMap(PlannedBuffer::name, Function.identity()));
    }

    /** The buffer called {@code name}. */
    public PlannedBuffer get(String name) {
        for (PlannedBuffer b : buffers) if (b.name().equals(name)) return b;
        throw new IllegalArgumentException("no buffer named " + name);
    }

    /** A human-readable table: one line per buffer, then the totals. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-34s %-22s %14s %14s %9s  %s%n", "buffer", "shape", "offset", "bytes", "live", "producer"));
        for (PlannedBuffer b : buffers) {
            BufferRequest r = b.request();
            sb.append(String.format("%-34s %-22s %14d %14d %4d-%-4d  %s%n", r.name(), java.util.Arrays.toString(r.shape()),
                    b.offset(), r.bytes(), r.firstUse(), r.lastUse(), r.producer()));
        }
        sb.append(String.format("arena %d bytes (%.2f MiB), largest simultaneously live set %d bytes%n",
                arenaBytes, arenaBytes / 1048576.0, liveBytes));
        return sb.toString();
    }
}
