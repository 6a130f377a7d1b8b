package io.github.dac4j.core.plan;

/**
 * A buffer one decode step needs: its size and the steps of the schedule during which it is live,
 * first and last inclusive. What it holds and who uses it are for readers of the plan.
 *
 * @param name      unique name, e.g. {@code "in.block.2.res_unit1"}
 * @param bytes     size in bytes (> 0)
 * @param firstUse  index of the first op that writes or reads it
 * @param lastUse   index of the last op that reads it (>= firstUse)
 * @param shape     the logical shape, for reports ({@code [B, rows, C]})
 * @param producer  the op that fills it, for reports
 */
public record BufferRequest(String name, long bytes, int firstUse, int lastUse, int[] shape, String producer) {
    public BufferRequest {
        if (bytes <= 0) throw new IllegalArgumentException(name + ": size must be positive, got " + bytes);
        if (firstUse < 0 || lastUse < firstUse) throw new IllegalArgumentException(name + ": lifetime [" + firstUse + ", " + lastUse + "]");
    }

    /** True if this buffer and {@code other} are live during a common op. */
    public boolean overlapsInTime(BufferRequest other) {
        return firstUse <= other.lastUse && other.firstUse <= lastUse;
    }
}
