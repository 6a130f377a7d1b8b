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
    /** Kernels that split output channels at 32, like the Vector API ones, without needing the module. */
    static final class Grouped extends WarmUpTest.Counting {
        @Override int channelGroup() { return 32; }
        @Override int rowBlock() { return 12; }
    }

    @Test void coversEveryRowAndChannelOnce() {
        List<Supplier<Kernels>> kinds = List.of(Grouped::new, JavaKernels::new);
        int[][] ops = { // n, streams, cin, cout, span
            {86, 1, 1024, 1536, 6}, {16, 1, 1024, 1536, 6}, {688, 1, 768, 768, 54}, {44032, 1, 96, 96, 0},
            {1, 1, 96, 1, 6}, {17, 3, 40, 50, 2}, {128, 2, 1536, 768, 2}, {5, 1, 64, 33, 0},
        };
        for (Supplier<Kernels> kind : kinds) {
            for (int threads : new int[] {1, 2, 3, 8}) {
                try (CpuBackend backend = new CpuBackend(threads, kind)) {
                    Kernels k = kind.get();
                    for (int[] op : ops) {
                        int n = op[0], streams = op[1], cin = op[2], cout = op[3], span = op[4];
                        CpuBackend.Split s = backend.split(n, streams, cin, cout, span);
                        String what = k.name() + " " + threads + " threads, op " + java.util.Arrays.toString(op) + ": " + s;
                        assertTrue(s.rows() % k.rowBlock() == 0 && s.rows() + span <= k.maxLoadRows(cin), what);
                        assertTrue(s.tiles() * s.rows() >= n && (s.tiles() - 1) * s.rows() < n, what);
                        assertTrue(s.groups() * s.width() >= cout && (s.groups() - 1) * s.width() < cout, what);
                        boolean[] covered = new boolean[streams * n * cout];
                        for (int task = 0; task < s.tasks(streams); task++) {
                            for (int t = s.firstRow(task); t < s.firstRow(task) + s.rowCount(task); t++) {
                                for (int o = s.fromChannel(task); o < s.toChannel(task); o++) {
                                    int cell = (s.stream(task) * n + t) * cout + o;
                                    assertTrue(!covered[cell], what + ": row " + t + ", channel " + o + " in two tasks");
                                    covered[cell] = true;
                                }
                            }
                        }
                        for (int cell = 0; cell < covered.length; cell++) assertTrue(covered[cell], what + ": cell " + cell + " in no task");
                        if (k.channelGroup() == 0) {
                            assertEquals(1, s.groups(), what);
                        } else {
                            assertTrue(s.width() % k.channelGroup() == 0 || s.width() >= cout, what);
                            // full tiles: no more tiles than the rows need
                            int fit = (k.maxLoadRows(cin) - span) / k.rowBlock() * k.rowBlock();
                            assertEquals((n + fit - 1) / fit, s.tiles(), what);
                            int panels = (cout + 31) / 32;
                            assertTrue(s.tasks(streams) >= Math.min(2 * threads, streams * s.tiles() * panels) || cout == 1, what);
                        }
                    }
                }
            }
        }
    }
}
