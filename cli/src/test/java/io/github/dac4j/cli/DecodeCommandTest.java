package io.github.dac4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.weights.Npy;
import io.github.dac4j.weights.NpyArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.github.dac4j.cli.Cli.fixture;
import static io.github.dac4j.cli.Cli.relativeError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dac decode} against the PyTorch reference outputs of the fixtures. */
class DecodeCommandTest {
    /** fp32 decode vs the float64 reference stored as float32 (fixtures README). */
    static final double FP32_TOLERANCE = 1e-5;

    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"--chunk-frames=86", "--chunk-frames=0", "--chunk-frames=5", "--memory-budget=160KiB"})
    void smallMatchesReference(String stepOption) throws Exception {
        Path wav = dir.resolve("out.wav"), raw = dir.resolve("out.npy");
        Cli.Result r = Cli.run("decode", "--weights", fixture("small-s21.safetensors").toString(),
                "--codes", fixture("small-s21.codes.npy").toString(), "--out", wav.toString(), "--raw-out", raw.toString(),
                "--device", "cpu", stepOption);
        assertEquals(0, r.code(), r.err());

        NpyArray out = Npy.read(raw);
        assertArrayEquals(new long[] {1, 1, 64 * 32}, out.shape());
        float[] ref = Cli.floats(fixture("small-s21.expected.npy"));
        double err = relativeError(out.floats(), ref);
        assertTrue(err <= FP32_TOLERANCE, "relative error " + err);

        WavFile w = WavFile.read(wav);
        assertEquals(1, w.channels());
        assertEquals(44_100, w.sampleRate());
        assertEquals(16, w.bitsPerSample());
        assertEquals(2 * 44_100, w.byteRate());
        assertEquals(2, w.blockAlign());
        assertEquals(64 * 32, w.samples().length);
        assertEquals(36 + 2 * w.samples().length, w.riffSize());
        float[] samples = out.floats();
        for (int i = 0; i < samples.length; i++) {
            long expected = Math.round(Math.max(-1, Math.min(1, samples[i])) * 32767.0);
            assertEquals(expected, w.samples()[i], 1, "sample " + i); // float vs double rounding may differ at .5
        }
        assertArrayEquals(new String[] {"out.npy", "out.wav"}, Cli.list(dir), "no temporary files left behind");
    }

    @Test
    void batchWritesOneSuffixedWavPerStream() throws Exception {
        Path raw = dir.resolve("raw.npy");
        Cli.Result r = Cli.run("decode", "--weights", fixture("tiny-s12.safetensors").toString(),
                "--codes", fixture("tiny-s12.codes.npy").toString(), "--out", dir.resolve("speech.wav").toString(),
                "--raw-out", raw.toString(), "--device", "cpu", "--chunk-frames", "7");
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(new String[] {"raw.npy", "speech-0.wav", "speech-1.wav"}, Cli.list(dir));

        NpyArray out = Npy.read(raw);
        assertArrayEquals(new long[] {2, 1, 37 * 8}, out.shape());
        double err = relativeError(out.floats(), Cli.floats(fixture("tiny-s12.expected.npy")));
        assertTrue(err <= FP32_TOLERANCE, "relative error " + err);
        for (int b = 0; b < 2; b++) {
            WavFile w = WavFile.read(dir.resolve("speech-" + b + ".wav"));
            assertEquals(37 * 8, w.samples().length);
            float x = out.floats()[b * 296 + 100];
            assertEquals(Math.round(Math.max(-1, Math.min(1, x)) * 32767.0), w.samples()[100], 1);
        }
    }

    @Test
    void codebooksUsesTheFirstK() throws Exception {
        Path raw = dir.resolve("k2.npy");
        Cli.Result r = Cli.run("decode", "--weights", fixture("small-s21.safetensors").toString(),
                "--codes", fixture("small-s21.codes.npy").toString(), "--out", dir.resolve("k2.wav").toString(),
                "--raw-out", raw.toString(), "--device", "cpu", "--codebooks", "2");
        assertEquals(0, r.code(), r.err());

        long[] all = Npy.read(fixture("small-s21.codes.npy")).longs();
        int[][][] firstTwo = new int[1][2][64];
        for (int k = 0; k < 2; k++) for (int t = 0; t < 64; t++) firstTwo[0][k][t] = (int) all[k * 64 + t];
        float[] expected;
        try (Decoder d = Decoder.open(fixture("small-s21.safetensors"), DecoderOptions.defaults().withDevice("cpu"))) {
            expected = d.decode(firstTwo)[0];
        }
        float[] out = Npy.read(raw).floats();
        assertTrue(relativeError(out, expected) <= FP32_TOLERANCE, "relative error " + relativeError(out, expected));
        // Dropping codebooks must change the audio, or the option did nothing.
        assertTrue(relativeError(out, Cli.floats(fixture("small-s21.expected.npy"))) > 1e-2);
    }

    @Test
    void statsJsonHasEveryField() throws Exception {
        Path stats = dir.resolve("stats.json");
        Cli.Result r = Cli.run("decode", "--weights", fixture("tiny-s12.safetensors").toString(),
                "--codes", fixture("tiny-s12.codes.npy").toString(), "--out", dir.resolve("o.wav").toString(),
                "--device", "cpu", "--chunk-frames", "9", "--stats", stats.toString(), "--batch-stats");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(stats.toFile());
        for (String f : List.of("backend", "precision", "device", "kernels", "batch", "frames", "samples", "audio_seconds", "chunk_frames",
                "halo_frames", "load_ms", "decode_ms", "weights_bytes", "arena_bytes", "peak_bytes", "realtime_factor")) {
            assertTrue(j.has(f), "stats lack " + f + ": " + j);
        }
        assertEquals("cpu", j.get("backend").asText());
        assertEquals("fp32", j.get("precision").asText());
        assertEquals(2, j.get("batch").asInt());
        assertEquals(37, j.get("frames").asLong());
        assertEquals(37 * 8, j.get("samples").asLong());
        assertEquals(37 * 8 / 44100.0, j.get("audio_seconds").asDouble(), 1e-12);
        assertEquals(9, j.get("chunk_frames").asInt());
        assertTrue(j.get("halo_frames").asInt() > 0);
        assertTrue(j.get("decode_ms").asDouble() > 0);
        assertTrue(j.get("weights_bytes").asLong() > 0);
        assertTrue(j.get("peak_bytes").asLong() > 0 && j.get("arena_bytes").asLong() >= j.get("peak_bytes").asLong());
        assertEquals(j.get("audio_seconds").asDouble() / (j.get("decode_ms").asDouble() / 1000), j.get("realtime_factor").asDouble(), 1e-9);
        assertEquals(2, j.get("streams").size());
        assertTrue(j.get("streams").get(1).get("rms").asDouble() > 1e-3);
        assertEquals(2, r.err().lines().filter(l -> l.startsWith("dac: stream ")).count(), r.err());
        // This test JVM resolves the Vector API module only if its command line asked for it (cli's surefire does not).
        String expectedKernels = vectorResolved() ? "vector" : "java";
        assertEquals(expectedKernels, j.get("kernels").asText(), j.toString());
        assertTrue(j.get("device").asText().contains(", " + expectedKernels + " kernels"), j.toString());
    }

    /** Plain {@code java -jar}: whatever the options, one line says how to get the fast kernels when they are not running. */
    @Test
    void plainJavaKernelsPrintOneHintLine() {
        Cli.Result r = Cli.run("decode", "--weights", fixture("tiny-s12.safetensors").toString(),
                "--codes", fixture("tiny-s12.codes.npy").toString(), "--out", dir.resolve("o.wav").toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        long hints = r.err().lines().filter(l -> l.startsWith("dac: hint: ")).count();
        if (vectorResolved()) {
            assertEquals(0, hints, r.err());
        } else {
            assertEquals(1, hints, r.err());
            assertTrue(r.err().contains("./dac") && r.err().contains("--add-modules jdk.incubator.vector"), r.err());
        }
    }

    private static boolean vectorResolved() { return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(); }

    @Test
    void progressLineOnATerminal() throws Exception {
        Main main = new Main();
        main.terminal = true;
        main.progressAfterNanos = 0; // show from the first step
        Cli.Result r = Cli.run(main, "decode", "--weights", fixture("tiny-s12.safetensors").toString(),
                "--codes", fixture("tiny-s12.codes.npy").toString(), "--out", dir.resolve("o.wav").toString(),
                "--device", "cpu", "--chunk-frames", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().matches("(?s).*\rdecoding: 100% \\(\\d+/\\d+ frames, [0-9.]+x realtime\\)\n.*"), r.err());
    }

    @Test
    void noProgressWhenNotATerminal() throws Exception {
        Main main = new Main();
        main.terminal = false;
        main.progressAfterNanos = 0;
        Cli.Result r = Cli.run(main, "decode", "--weights", fixture("tiny-s12.safetensors").toString(),
                "--codes", fixture("tiny-s12.codes.npy").toString(), "--out", dir.resolve("o.wav").toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("decoding:"), r.err());
    }

    @Test
    void autoSaysWhichDevice() throws Exception {
        Cli.Result r = Cli.run("decode", "--weights", fixture("tiny-s12.safetensors").toString(),
                "--codes", fixture("tiny-s12.codes.npy").toString(), "--out", dir.resolve("o.wav").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("dac: decoding on "), r.err());
    }

    @Test
    void existingOutputIsKeptWhenDecodeFails() throws Exception {
        Path wav = dir.resolve("keep.wav");
        Files.writeString(wav, "old");
        Cli.Result r = Cli.run("decode", "--weights", fixture("small-s21.safetensors").toString(),
                "--codes", fixture("small-s21.codes.npy").toString(), "--out", wav.toString(), "--device", "cpu",
                "--stats", dir.resolve("missing-dir/stats.json").toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().length, r.err());
        assertTrue(r.err().contains("stats.json"), r.err());
        assertEquals("old", Files.readString(wav));
        assertArrayEquals(new String[] {"keep.wav"}, Cli.list(dir));
    }

    @Test
    void wavPathsGetBatchSuffixes() {
        assertEquals(List.of(Path.of("a/out.wav")), DecodeCommand.wavPaths(Path.of("a/out.wav"), 1));
        assertEquals(List.of(Path.of("a/out-0.wav"), Path.of("a/out-1.wav")), DecodeCommand.wavPaths(Path.of("a/out.wav"), 2));
        assertEquals(List.of(Path.of("x.y/o-0"), Path.of("x.y/o-1")), DecodeCommand.wavPaths(Path.of("x.y/o"), 2));
        assertNotEquals(DecodeCommand.wavPaths(Path.of("o.wav"), 3).get(2), Path.of("o.wav"));
    }
}
