package io.github.dac4j.core.cpu;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the CPU backend shares an op among its workers: every output row and channel in exactly one task, tiles the
 * kernels' tile holds, and, where the kernels split by output channels, full tiles with the channels shared out
 * when there are too few tiles for two tasks per worker.
 */
class SplitTest {
    /** Kernels that split output channels at 32 and pair rows at 2 taps, like the Vector API ones, without needing the module. */
    static final class Grouped extends WarmUpTest.Counting {
        @Override int channelGroup() { return 32; }
        @Override int rowBlock() { return 12; }
        @Override boolean pairsRows(int k, int cout) { return k == 2 && cout > 1; }
    }

    @Test void coversEveryRowAndChannelOnce() {
        List<Supplier<Kernels>> kinds = List.of(Grouped::new, JavaKernels::new);
        int[][] ops = { // n, streams, cin, cout, span
            {86, 1, 1024, 1536, 6}, {16, 1, 1024, 1536, 6}, {688, 1, 768, 768, 54}, {44032, 1, 96, 96, 0},
            {1, 1, 96, 1, 6}, {17, 3, 40, 50, 2}, {128, 2, 1536, 768, 2}, {5, 1, 64, 33, 0}, {96, 1, 64, 64, 1},
            {95, 2, 64, 64, 1}, {1, 1, 64, 64, 1}, {2, 1, 64, 64, 1}, {688, 9, 768, 768, 6},
        };
        for (Supplier<Kernels> kind : kinds) {
            for (int threads : new int[] {1, 2, 3, 8}) {
                try (CpuBackend backend = new CpuBackend(threads, kind)) {
                    Kernels k = kind.get();
                    for (int[] op : ops) {
                        int n = op[0], streams = op[1], cin = op[2], cout = op[3], span = op[4];
                        boolean paired = k.pairsRows(span + 1, cout);
                        CpuBackend.Split s = backend.split(n, streams, cin, cout, span, paired);
                        String what = k.name() + " " + threads + " threads, op " + java.util.Arrays.toString(op) + ": " + s;
                        int block = k.rowBlock() * (paired ? 2 : 1), reach = paired ? n + 1 : n;
                        assertEquals(paired, s.paired(), what);
                        assertTrue(s.rows() % block == 0 && s.rows() + span <= k.maxLoadRows(cin), what);
                        assertTrue(s.tiles() * s.rows() >= reach && (s.tiles() - 1) * s.rows() < reach, what);
                        assertTrue(s.groups() * s.width() >= cout && (s.groups() - 1) * s.width() < cout, what);
                        for (int position : new int[] {0, 1, 6, 7}) {
                            int shift = s.shift(position);
                            assertEquals(paired ? position % 2 : 0, shift, what);
                            boolean[] covered = new boolean[streams * n * cout];
                            for (int task = 0; task < s.tasks(streams); task++) {
                                int first = s.firstRow(task, shift), end = s.endRow(task, shift, n);
                                // a paired tile starts at an even position, or at row 0
                                assertTrue(first >= end || !paired || first == 0 || (position + first) % 2 == 0, what + ", task " + task);
                                assertTrue(end - first <= s.rows(), what + ", task " + task);
                                for (int t = first; t < end; t++) {
                                    for (int o = s.fromChannel(task); o < s.toChannel(task); o++) {
                                        int cell = (s.stream(task) * n + t) * cout + o;
                                        assertTrue(!covered[cell], what + ": row " + t + ", channel " + o + " in two tasks");
                                        covered[cell] = true;
                                    }
                                }
                            }
                            for (int cell = 0; cell < covered.length; cell++) assertTrue(covered[cell], what + ", position " + position + ": cell " + cell + " in no task");
                        }
                        if (k.channelGroup() == 0) {
                            assertEquals(1, s.groups(), what);
                        } else {
                            assertTrue(s.width() % k.channelGroup() == 0 || s.width() >= cout, what);
                            // full tiles: no more tiles than the rows need
                            int fit = (k.maxLoadRows(cin) - span) / block * block;
                            assertEquals((reach + fit - 1) / fit, s.tiles(), what);
                            int panels = (cout + 31) / 32;
                            assertTrue(s.tasks(streams) >= Math.min(2 * threads, streams * s.tiles() * panels) || cout == 1, what);
                        }
                    }
                }
            }
        }
    }
}
