package io.github.dac4j.cuda;

import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.Npy;
import io.github.dac4j.weights.NpyArray;
import io.github.dac4j.weights.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GPU run's Java harness where there is no GPU: its files (checkpoint, config.json, codes) load, and its benchmark
 * loop and reference decode run on the CPU backend with a small model and write the rows and files the scripts read.
 */
class GpuRunTest {
    @TempDir Path dir;

    @Test
    void prepareWritesALoadableModelFolderAndCodes() throws Exception {
        GpuRun.prepare(dir, DacConfig.small(), 0.2, new double[] {0.5, 1});
        for (String f : List.of("model.safetensors", "config.json", "codes-ref.npy", "codes-0.5s.npy", "codes-1s.npy")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        DacCheckpoint checkpoint = DacCheckpoint.load(dir);
        assertEquals(DacConfig.small().hop(), checkpoint.config().hop());
        try (SafeTensors file = SafeTensors.open(dir.resolve("model.safetensors"))) {
            assertTrue(file.tensors().containsKey("quantizer.quantizers.0.in_proj.weight"), "in_proj written: DacModel loads every key");
            assertTrue(file.tensors().containsKey("decoder.conv1.weight"), "folded names, as DacModel's");
        }
        NpyArray codes = Npy.read(dir.resolve("codes-1s.npy"));
        int frames = GpuRun.frames(DacConfig.small(), 1);
        assertArrayEquals(new long[] {1, DacConfig.small().nCodebooks(), frames}, codes.shape());
        assertTrue(Arrays.stream(codes.longs()).allMatch(c -> c >= 0 && c < DacConfig.small().codebookSize()));
        assertTrue(Arrays.stream(codes.longs()).distinct().count() > 1, "random codes, not all equal");
    }

    @Test
    void benchWritesEveryConfigurationsRows() throws Exception {
        GpuRun.prepare(dir, DacConfig.small(), 0.2, new double[0]);
        Path csv = dir.resolve("results.csv");
        try (GpuRun.Csv out = new GpuRun.Csv(csv)) {
            GpuRun.bench(dir, out, "cpu", new double[] {0.2}, new int[] {1, 2}, System.nanoTime() + 120_000_000_000L);
        }
        List<String> lines = Files.readAllLines(csv);
        assertEquals(GpuRun.Csv.HEADER, lines.get(0));
        for (String mode : List.of("whole", "steps86")) {
            for (int batch : new int[] {1, 2}) {
                String prefix = "bench,dac4j,fp32," + mode + ",";
                String b = "," + batch + ",";
                for (String metric : List.of("warmup_ms", "median_ms", "ms_per_audio_s", "x_realtime", "arena_bytes")) {
                    long n = lines.stream().filter(l -> l.startsWith(prefix) && l.contains(b + metric + ",")).count();
                    assertEquals(1, n, mode + " batch " + batch + " " + metric + " in\n" + String.join("\n", lines));
                }
            }
        }
        assertTrue(lines.stream().noneMatch(l -> l.contains(",error,")), String.join("\n", lines));
        for (String l : lines.subList(1, lines.size())) {
            assertEquals(10, l.replaceAll("\"[^\"]*\"", "q").split(",", -1).length, "ten columns: " + l);
        }
    }

    @Test
    void decodeWritesTheReferenceCodesOutputs() throws Exception {
        GpuRun.prepare(dir, DacConfig.small(), 0.2, new double[0]);
        Path out = dir.resolve("outputs");
        GpuRun.decode(dir, dir.resolve("codes-ref.npy"), out, "cpu");
        NpyArray whole = Npy.read(out.resolve("dac4j-cpu-fp32-whole.npy")), steps = Npy.read(out.resolve("dac4j-cpu-fp32-steps86.npy"));
        int frames = GpuRun.frames(DacConfig.small(), 0.2);
        DacModel model = DacModel.load(DacCheckpoint.load(dir));
        long samples;
        try (Decoder d = Decoder.open(model, DecoderOptions.defaults().withDevice("cpu"))) {
            samples = d.samples(frames);
        }
        assertArrayEquals(new long[] {1, samples}, whole.shape());
        assertArrayEquals(whole.floats(), steps.floats(), "the CPU backend streams bit-identically");
    }
}
