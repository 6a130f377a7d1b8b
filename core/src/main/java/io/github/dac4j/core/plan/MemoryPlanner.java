package io.github.dac4j.core.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Places buffers in one arena from their sizes and lifetimes, as ggml's graph allocator does: walk the
 * schedule op by op; before op i, free what died after op i - 1; give each buffer first used at op i the
 * best-fitting block of an address-ordered free list (lowest offset on ties), growing the arena at its end
 * when nothing fits. Freed blocks coalesce with their neighbours. A pure function: no device, no state.
 */
public final class MemoryPlanner {
    /** Every offset is a multiple of this: cuDNN and vector loads want aligned pointers. */
    public static final long ALIGNMENT = 256;

    private MemoryPlanner() {}

    /** The plan for these requests. Names must be unique. */
    public static MemoryPlan plan(List<BufferRequest> requests) {
        int ops = requests.stream().mapToInt(BufferRequest::lastUse).max().orElse(-1) + 1;
        List<List<Integer>> bornAt = new ArrayList<>();
        List<List<Integer>> diesAfter = new ArrayList<>();
        for (int i = 0; i < ops; i++) { bornAt.add(new ArrayList<>()); diesAfter.add(new ArrayList<>()); }
        for (int i = 0; i < requests.size(); i++) {
            bornAt.get(requests.get(i).firstUse()).add(i);
            diesAfter.get(requests.get(i).lastUse()).add(i);
        }
        // Larger buffers first within an op: they are the hardest to place.
        for (List<Integer> born : bornAt) born.sort(Comparator.comparingLong((Integer i) -> -requests.get(i).bytes()));

        long[] offsets = new long[requests.size()];
        FreeList free = new FreeList();
        long live = 0, maxLive = 0;
        for (int op = 0; op < ops; op++) {
            if (op > 0) {
                for (int i : diesAfter.get(op - 1)) {
                    free.release(offsets[i], align(requests.get(i).bytes()));
                    live -= requests.get(i).bytes();
                }
            }
            for (int i : bornAt.get(op)) {
                offsets[i] = free.take(align(requests.get(i).bytes()));
                live += requests.get(i).bytes();
            }
            maxLive = Math.max(maxLive, live);
        }
        List<PlannedBuffer> planned = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) planned.add(new PlannedBuffer(requests.get(i), offsets[i]));
        return new MemoryPlan(List.copyOf(planned), free.end(), maxLive);
    }

    static long align(long bytes) { return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT; }

    /** Free blocks ordered by address, plus the arena's current end. */
    private static final class FreeList {
        private final List<long[]> blocks = new ArrayList<>(); // {offset, size}, sorted by offset, never adjacent
        private long end;

        long end() { return end; }

        long take(long size) {
            int best = -1;
            for (int i = 0; i < blocks.size(); i++) {
                long s = blocks.get(i)[1];
                if (s >= size && (best < 0 || s < blocks.get(best)[1])) best = i;
            }
            if (best >= 0) {
                long[] b = blocks.get(best);
                long offset = b[0];
                if (b[1] == size) blocks.remove(best); else { b[0] += size; b[1] -= size; }
                return offset;
            }
            // Nothing fits: grow the arena, reusing a free block that touches the end.
            if (!blocks.isEmpty() && last()[0] + last()[1] == end) {
                long[] tail = blocks.remove(blocks.size() - 1);
                end = tail[0] + size;
                return tail[0];
            }
            long offset = end;
            end += size;
            return offset;
        }

        void release(long offset, long size) {
            int i = 0;
            while (i < blocks.size() && blocks.get(i)[0] < offset) i++;
            blocks.add(i, new long[] {offset, size});
            if (i + 1 < blocks.size() && offset + size == blocks.get(i + 1)[0]) {
                blocks.get(i)[1] += blocks.remove(i + 1)[1];
            }
            if (i > 0 && blocks.get(i - 1)[0] + blocks.get(i - 1)[1] == offset) {
                blocks.get(i - 1)[1] += blocks.remove(i)[1];
            }
        }

        private long[] last() { return blocks.get(blocks.size() - 1); }
    }
}
