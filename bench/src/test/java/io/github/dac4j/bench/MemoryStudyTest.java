package io.github.dac4j.bench;

import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DacConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plan part of {@link MemoryStudy} on a small configuration: nothing is decoded, so it runs in a second. */
class MemoryStudyTest {
    private static final double[] LENGTHS = {1, 2, 5, 10, 60};
    private static final int[] STEPS = {4, 16};

    /** The build points java.io.tmpdir at target/tmp (see the parent pom); @TempDir needs it to exist. */
    @BeforeAll
    static void tmpdir() throws Exception {
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    }

    @Test
    void wholeSequenceMemoryGrowsWithLengthWhileStreamingMemoryStaysConstant(@TempDir Path dir) throws Exception {
        DacModel model = BenchModels.random(DacConfig.small(), 5);
        Precision[] precisions = {Precision.FP32, Precision.FP16};
        List<MemoryStudy.PlanRow> rows = MemoryStudy.planStudy(model, LENGTHS, STEPS, precisions);
        assertEquals(LENGTHS.length * (1 + STEPS.length) * precisions.length, rows.size());

        for (Precision p : precisions) {
            List<MemoryStudy.PlanRow> whole = rows.stream().filter(r -> r.precision() == p && r.mode().equals("whole")).toList();
            assertEquals(LENGTHS.length, whole.size());
            for (int i = 1; i < whole.size(); i++) {
                assertTrue(whole.get(i).arenaBytes() > whole.get(i - 1).arenaBytes(),
                        "whole-sequence arena must grow with length: " + whole.get(i - 1) + " then " + whole.get(i));
            }
            // 60 s against 1 s: the arena scales about with the frames (the history rows are a small constant).
            double ratio = whole.get(whole.size() - 1).arenaBytes() / (double) whole.get(0).arenaBytes();
            assertTrue(ratio > 20, "60 s should need far more than 1 s, ratio " + ratio);
            for (int step : STEPS) {
                List<Long> arenas = rows.stream().filter(r -> r.precision() == p && r.mode().equals("stream") && r.stepFrames() == step)
                        .map(MemoryStudy.PlanRow::arenaBytes).distinct().toList();
                assertEquals(1, arenas.size(), "streaming arena at a " + step + "-frame step must not depend on length: " + arenas);
                assertTrue(arenas.get(0) > 0);
            }
        }
        // fp16 elements are half the bytes of fp32 ones, so every fp16 arena is smaller than its fp32 twin.
        for (int i = 0; i < rows.size() / 2; i++) {
            assertTrue(rows.get(rows.size() / 2 + i).arenaBytes() < rows.get(i).arenaBytes(), "fp16 vs fp32 at row " + i);
        }

        Path csv = dir.resolve("memory-vs-length.csv");
        MemoryStudy.writePlanCsv(rows, csv);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("seconds,frames,mode,step_frames,precision,element_bytes,arena_bytes,live_bytes", lines.get(0));
        assertEquals(rows.size() + 1, lines.size());
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            assertEquals(8, f.length, line);
            assertTrue(f[2].equals("whole") || f[2].equals("stream"), line);
            assertTrue(f[4].equals("fp32") || f[4].equals("fp16"), line);
            assertEquals(f[4].equals("fp32") ? "4" : "2", f[5], line);
            assertTrue(Long.parseLong(f[6]) >= Long.parseLong(f[7]), "arena below the live set: " + line);
        }
    }

    @Test
    void framesRoundUpToWholeCodeFrames() {
        DacConfig c = DacConfig.dac44khz();
        assertEquals(87, MemoryStudy.framesFor(c, 1));      // 44100 / 512 = 86.13
        assertEquals(5168, MemoryStudy.framesFor(c, 60));
        assertEquals(1, MemoryStudy.framesFor(c, 512.0 / 44100));
    }

    @Test
    void profilerReportsWhatWasPublishedAndNothingAfterClear() {
        ArenaProfiler profiler = new ArenaProfiler();
        ArenaProfiler.record(4096, 2048, 1 << 20);
        var results = profiler.afterIteration(null, null, null);
        assertEquals(List.of("arena.bytes", "peak.bytes", "weights.bytes"), results.stream().map(r -> r.getLabel()).toList());
        assertEquals(2048.0, results.stream().filter(r -> r.getLabel().equals("peak.bytes")).findFirst().orElseThrow().getScore());
        ArenaProfiler.clear();
        assertTrue(profiler.afterIteration(null, null, null).isEmpty());
    }
}
