package io.github.dac4j.core;

import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.weights.DacConfig;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arena is sized once and reused; memory does not grow with length or with the number of decodes. */
class ArenaTest {
    static DecoderOptions cpu() { return DecoderOptions.defaults().withDevice("cpu"); }

    @Test
    void peakIsIndependentOfLengthAtAGivenStep() throws Exception {
        DacConfig config = DacConfig.small();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, 1));
        try (Decoder d = Decoder.open(model, cpu().withStepFrames(16))) {
            long arena = d.plan().arenaBytes();
            d.decode(DacSynth.codes(config, 1, 4, 40, 1));
            DecodeStats shortStats = d.lastStats();
            d.decode(DacSynth.codes(config, 1, 4, 900, 2));
            DecodeStats longStats = d.lastStats();
            assertEquals(shortStats.plannedArenaBytes(), longStats.plannedArenaBytes());
            assertEquals(shortStats.arenaBytes(), longStats.arenaBytes());
            assertEquals(arena, longStats.plannedArenaBytes());
            assertEquals(16, longStats.stepFrames());
        }
        try (Decoder d = Decoder.open(model, cpu().withStepFrames(0))) {
            d.decode(DacSynth.codes(config, 1, 4, 40, 1));
            long shortPeak = d.lastStats().plannedArenaBytes();
            d.decode(DacSynth.codes(config, 1, 4, 400, 1));
            assertTrue(d.lastStats().plannedArenaBytes() > 5 * shortPeak, "whole-sequence memory grows with length");
        }
    }

    @Test
    void memoryBudgetPicksTheLargestStepThatFits() throws Exception {
        DacModel model = DacModel.load(DacSynth.checkpoint(DacConfig.small(), 1));
        long budget = 2L << 20;
        try (Decoder d = Decoder.open(model, cpu().withMemoryBudget(budget))) {
            int step = d.stepFrames();
            assertTrue(d.plan().arenaBytes() <= budget);
            assertTrue(step > 1, "a 2 MiB budget fits more than one frame");
            long fits = Program.decoder(model).stepFrames(step).build().plan().arenaBytes();
            long next = Program.decoder(model).stepFrames(step + 1).build().plan().arenaBytes();
            assertTrue(fits <= budget && next > budget, "step " + step + " is the largest that fits: " + fits + " / " + next);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Decoder.open(model, cpu().withMemoryBudget(1000)));
        assertTrue(e.getMessage().contains("below the smallest step"), e.getMessage());
    }

    @Test
    void thousandDecodesOfVaryingLengthKeepHeapAndArenaFlat() throws Exception {
        DacConfig config = DacConfig.tiny();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, 9));
        SplittableRandom rnd = new SplittableRandom(3);
        try (Decoder d = Decoder.open(model, cpu().withStepFrames(8))) {
            long arena = d.plan().arenaBytes();
            long heapAfterWarmup = 0;
            for (int i = 0; i < 1000; i++) {
                int frames = 1 + rnd.nextInt(30);
                if (i % 97 == 0) {
                    int[][][] bad = DacSynth.codes(config, 1, 3, frames, i);
                    bad[0][1][0] = 999;
                    assertThrows(IllegalArgumentException.class, () -> d.decode(bad));
                }
                float[] out = d.decode(DacSynth.codes(config, 1, 3, frames, i))[0];
                assertEquals(frames * config.hop(), out.length);
                assertEquals(arena, d.lastStats().arenaBytes(), "arena reused at decode " + i);
                if (i == 100) heapAfterWarmup = usedHeap();
            }
            long growth = usedHeap() - heapAfterWarmup;
            assertTrue(growth < 16L << 20, "heap grew by " + growth + " bytes over 900 decodes");
        }
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void decodesIntoCallerBuffersAndArrays() throws Exception {
        DacConfig config = DacConfig.tiny();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, 4));
        int[][][] codes = DacSynth.codes(config, 2, 3, 19, 4);
        try (Decoder d = Decoder.open(model, cpu().withBatch(2).withStepFrames(5))) {
            float[][] expected = d.decode(codes);
            java.nio.FloatBuffer[] buffers = {
                    java.nio.ByteBuffer.allocateDirect(4 * (expected[0].length + 3)).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer(),
                    java.nio.FloatBuffer.allocate(expected[1].length)};
            buffers[0].position(3);
            d.decodeInto(codes, buffers, null);
            for (int b = 0; b < 2; b++) {
                float[] got = new float[expected[b].length];
                buffers[b].flip();
                buffers[b].position(b == 0 ? 3 : 0);
                buffers[b].get(got);
                assertArrayEquals(expected[b], got);
            }
            float[][] arrays = {new float[expected[0].length], new float[expected[1].length + 10]};
            long[] lastProgress = new long[2];
            d.decodeInto(codes, arrays, (done, total) -> { lastProgress[0] = done; lastProgress[1] = total; });
            assertArrayEquals(expected[0], arrays[0]);
            assertEquals(lastProgress[1], lastProgress[0], "progress reaches its total");
            IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                    () -> d.decodeInto(codes, new float[][] {new float[10], new float[10]}, null));
            assertTrue(small.getMessage().contains("must hold"), small.getMessage());
        }
    }
}
