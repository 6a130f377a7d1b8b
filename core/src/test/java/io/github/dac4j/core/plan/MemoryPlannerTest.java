package io.github.dac4j.core.plan;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Properties of the planner on random schedules: it is a pure function of sizes and lifetimes. */
class MemoryPlannerTest {
    private static final SplittableRandom SEEDS = new SplittableRandom();

    @RepeatedTest(300)
    void liveBuffersNeverOverlapAndPeakIsAtLeastTheLiveSet() {
        long seed = SEEDS.nextLong();
        SplittableRandom rnd = new SplittableRandom(seed);
        int ops = 1 + rnd.nextInt(40), count = 1 + rnd.nextInt(60);
        List<BufferRequest> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int first = rnd.nextInt(ops), last = first + rnd.nextInt(ops - first);
            long bytes = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(300) : 1 + rnd.nextLong(1 << 20);
            requests.add(new BufferRequest("b" + i, bytes, first, last, new int[] {1, 1, 1}, "op" + first));
        }
        MemoryPlan plan = MemoryPlanner.plan(requests);
        List<PlannedBuffer> placed = plan.buffers();
        assertEquals(count, placed.size());
        for (int i = 0; i < count; i++) {
            PlannedBuffer a = placed.get(i);
            assertEquals(0, a.offset() % MemoryPlanner.ALIGNMENT, "seed " + seed + ": " + a.name() + " misaligned");
            assertTrue(a.end() <= plan.arenaBytes(), "seed " + seed + ": " + a.name() + " past the arena");
            for (int j = i + 1; j < count; j++) {
                PlannedBuffer b = placed.get(j);
                if (a.request().overlapsInTime(b.request())) {
                    assertFalse(a.overlapsInSpace(b), "seed " + seed + ": " + a + " and " + b + " are live together and overlap");
                }
            }
        }
        for (int op = 0; op < ops; op++) {
            long live = 0;
            for (BufferRequest r : requests) if (r.firstUse() <= op && op <= r.lastUse()) live += r.bytes();
            assertTrue(plan.arenaBytes() >= live, "seed " + seed + ": arena " + plan.arenaBytes() + " below live " + live + " at op " + op);
            assertTrue(plan.liveBytes() >= live, "seed " + seed + ": reported live set too small");
        }
    }

    @Test
    void reusesMemoryOfDeadBuffers() {
        // a -> b -> c in a chain: c can take a's place once a is dead.
        List<BufferRequest> chain = List.of(
                new BufferRequest("a", 1000, 0, 1, new int[] {1, 1, 1}, "op0"),
                new BufferRequest("b", 1000, 1, 2, new int[] {1, 1, 1}, "op1"),
                new BufferRequest("c", 1000, 2, 3, new int[] {1, 1, 1}, "op2"));
        MemoryPlan plan = MemoryPlanner.plan(chain);
        assertEquals(2 * MemoryPlanner.align(1000), plan.arenaBytes());
        assertEquals(plan.get("a").offset(), plan.get("c").offset());
    }

    @Test
    void bestFitPrefersTheSmallestHole() {
        // op 0 places (largest first) hole1 @0, keep1 @4096, hole2 @7168, keep2 @8192; after op 0 the holes are
        // [0, 4096) and [7168, 8192), kept apart by keep1. A 1000-byte buffer at op 1 fits the second best.
        List<BufferRequest> r = List.of(
                new BufferRequest("hole1", 4096, 0, 0, new int[] {1, 1, 1}, ""),
                new BufferRequest("keep1", 3000, 0, 3, new int[] {1, 1, 1}, ""),
                new BufferRequest("hole2", 1000, 0, 0, new int[] {1, 1, 1}, ""),
                new BufferRequest("keep2", 900, 0, 3, new int[] {1, 1, 1}, ""),
                new BufferRequest("fits", 1000, 1, 2, new int[] {1, 1, 1}, ""));
        MemoryPlan plan = MemoryPlanner.plan(r);
        assertEquals(7168, plan.get("hole2").offset());
        assertEquals(plan.get("hole2").offset(), plan.get("fits").offset(), "the 1024-byte hole fits best");
        assertEquals(9216, plan.arenaBytes());
    }
}
