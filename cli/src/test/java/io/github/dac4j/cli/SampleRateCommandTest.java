package io.github.dac4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.dac4j.weights.DType;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.weights.Layout;
import io.github.dac4j.weights.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.github.dac4j.cli.Cli.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WAV's sample rate from each source (config.json, the shapes, --sample-rate, the 44,100 Hz fallback with its
 * stderr line), model folders in every command, config.json disagreements and bad rates (exit 2, one line).
 */
class SampleRateCommandTest {
    static final double FP32_TOLERANCE = 1e-5;
    @TempDir Path dir;

    private Path hf16() { return fixture("hf16"); }

    /** Decodes on the CPU with extra options; returns the result, the WAV, the float samples and the stats. */
    private record Decoded(Cli.Result result, WavFile wav, float[] raw, JsonNode stats) {}

    private Decoded decode(Path weights, Path codes, String... extra) throws Exception {
        Path out = Files.createTempDirectory(dir, "out");
        List<String> args = new ArrayList<>(List.of("decode", "--weights", weights.toString(), "--codes", codes.toString(),
                "--out", out.resolve("o.wav").toString(), "--raw-out", out.resolve("o.npy").toString(),
                "--stats", out.resolve("s.json").toString(), "--device", "cpu"));
        args.addAll(Arrays.asList(extra));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return new Decoded(r, WavFile.read(out.resolve("o.wav")), Cli.floats(out.resolve("o.npy")),
                new ObjectMapper().readTree(out.resolve("s.json").toFile()));
    }

    /** hf16 through its folder and through its file: config.json's 16,000 Hz, and the reference's samples. */
    @ParameterizedTest
    @ValueSource(strings = {"", "model.safetensors"})
    void configJsonRateThroughTheFolder(String inside) throws Exception {
        Path weights = inside.isEmpty() ? hf16() : hf16().resolve(inside);
        Decoded d = decode(weights, hf16().resolve("codes.npy"));
        assertEquals(16_000, d.wav().sampleRate());
        assertEquals(2 * 16_000, d.wav().byteRate());
        assertEquals(800, d.wav().samples().length);
        assertEquals("", d.result().messages(), "a known rate says nothing");
        assertEquals(16_000, d.stats().get("sample_rate").asInt());
        assertEquals("config.json", d.stats().get("sample_rate_source").asText());
        assertEquals(32, d.stats().get("hop").asInt());
        assertEquals(800 / 16_000.0, d.stats().get("audio_seconds").asDouble(), 1e-12);
        double err = Cli.relativeError(d.raw(), Cli.floats(hf16().resolve("expected.npy")));
        assertTrue(err <= FP32_TOLERANCE, "relative error " + err);
    }

    @Test
    void optionOverridesConfigJson() throws Exception {
        Decoded d = decode(hf16(), hf16().resolve("codes.npy"), "--sample-rate", "22050");
        assertEquals(22_050, d.wav().sampleRate());
        assertEquals(2 * 22_050, d.wav().byteRate());
        assertEquals("user", d.stats().get("sample_rate_source").asText());
        assertEquals(800 / 22_050.0, d.stats().get("audio_seconds").asDouble(), 1e-12);
    }

    /** No config.json and shapes of no published model: 44,100 Hz, and one line on stderr that says so. */
    @Test
    void fallbackSaysSoInOneLine() throws Exception {
        Decoded d = decode(fixture("small-s21.safetensors"), fixture("small-s21.codes.npy"));
        assertEquals(44_100, d.wav().sampleRate());
        assertEquals("default", d.stats().get("sample_rate_source").asText());
        String[] lines = d.result().messageLines();
        assertEquals(1, lines.length, d.result().err());
        assertTrue(lines[0].startsWith("dac: ") && lines[0].contains("small-s21.safetensors") && lines[0].contains("44,100 Hz")
                && lines[0].contains("--sample-rate"), lines[0]);
        // With the rate given there is nothing to say.
        Decoded given = decode(fixture("small-s21.safetensors"), fixture("small-s21.codes.npy"), "--sample-rate", "44100");
        assertEquals("", given.result().messages());
        assertEquals("user", given.stats().get("sample_rate_source").asText());
    }

    /**
     * The shapes decide where no config.json does: hop 320 (even strides 10, 8, 4, a tiny width) with 12 codebooks is
     * the 16 kHz model's hop and codebooks, with 32 the 24 kHz model's.
     */
    @ParameterizedTest
    @CsvSource({"12,16000", "32,24000", "9,44100"})
    void shapesGiveTheRate(int codebooks, int rate) throws Exception {
        int[] strides = codebooks == 9 ? new int[] {8, 8, 4, 2} : new int[] {10, 8, 4};
        DacConfig config = DacConfig.fromShapes(16, 32, strides, codebooks, 32, 4);
        Path w = dir.resolve("m" + codebooks + ".safetensors");
        DacSynth.write(config, 4, DType.F32, Layout.FOLDED, w);
        Path codes = dir.resolve("c" + codebooks + ".npy");
        long[] v = new long[codebooks * 3];
        for (int i = 0; i < v.length; i++) v[i] = (i * 7) % 32;
        Npy.writeInt64(codes, new long[] {1, codebooks, 3}, v);
        Decoded d = decode(w, codes);
        assertEquals(rate, d.wav().sampleRate());
        assertEquals("shapes", d.stats().get("sample_rate_source").asText());
        assertEquals("", d.result().messages());
    }

    @Test
    void infoShowsTheRateTheHopAndTheSource() throws Exception {
        Cli.Result r = Cli.run("info", "--weights", hf16().toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(hf16().resolve("model.safetensors").toString(), j.get("file").asText());
        assertEquals(hf16().resolve("config.json").toString(), j.get("config_json").asText());
        assertEquals(Files.size(hf16().resolve("model.safetensors")), j.get("file_bytes").asLong());
        JsonNode k = j.get("config");
        assertEquals(16_000, k.get("sample_rate").asInt());
        assertEquals("config.json", k.get("sample_rate_source").asText());
        assertEquals(32, k.get("hop").asInt());
        Cli.Result text = Cli.run("info", "--weights", hf16().toString());
        assertTrue(text.out().contains("sample rate   16,000 Hz, from config.json"), text.out());
        Cli.Result small = Cli.run("info", "--weights", fixture("small-s21.safetensors").toString());
        assertTrue(small.out().contains("sample rate   44,100 Hz, from nowhere"), small.out());
    }

    @Test
    void planTakesTheFolder() throws Exception {
        Cli.Result folder = Cli.run("plan", "--weights", hf16().toString(), "--chunk-frames", "9");
        Cli.Result file = Cli.run("plan", "--weights", hf16().resolve("model.safetensors").toString(), "--chunk-frames", "9");
        assertEquals(0, folder.code(), folder.err());
        assertEquals(file.out(), folder.out());
        assertTrue(folder.out().contains("arena bytes: "), folder.out());
    }

    /** hf16 copied to a folder of our own with one config.json field replaced (a JSON literal). */
    private Path hf16With(String field, String json) throws Exception {
        Path f = Files.createDirectories(dir.resolve("in").resolve(field));
        Files.copy(hf16().resolve("model.safetensors"), f.resolve("model.safetensors"));
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = (ObjectNode) mapper.readTree(hf16().resolve("config.json").toFile());
        root.set(field, mapper.readTree(json));
        mapper.writeValue(f.resolve("config.json").toFile(), root);
        return f;
    }

    private Cli.Result fails(String... args) throws Exception {
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().length, "one line: " + r.err());
        assertTrue(r.err().startsWith("dac: "), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        return r;
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"hop_length; 64", "upsampling_ratios; [2, 4, 4]", "n_codebooks; 9", "sampling_rate; 0"})
    void configJsonDisagreementsAreOneLineErrors(String field, String json) throws Exception {
        Path model = hf16With(field, json);
        Path out = Files.createDirectories(dir.resolve("out"));
        for (String command : new String[] {"decode", "info", "plan"}) {
            List<String> args = new ArrayList<>(List.of(command, "--weights", model.toString()));
            if (command.equals("decode")) {
                args.addAll(List.of("--codes", hf16().resolve("codes.npy").toString(), "--out", out.resolve("o.wav").toString(), "--device", "cpu"));
            }
            Cli.Result r = fails(args.toArray(String[]::new));
            assertTrue(r.err().contains(model.resolve("config.json").toString()) && r.err().contains(field), command + ": " + r.err());
        }
        assertArrayEquals(new String[0], Cli.list(out), "no output");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-16000", "999", "768001", "2147483647", "99999999999", "16k", ""})
    void badSampleRatesAreOneLineErrors(String rate) throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Cli.Result r = fails("decode", "--weights", hf16().toString(), "--codes", hf16().resolve("codes.npy").toString(),
                "--out", out.resolve("o.wav").toString(), "--device", "cpu", "--sample-rate", rate);
        assertTrue(r.err().contains("--sample-rate"), r.err());
        assertArrayEquals(new String[0], Cli.list(out), "no output");
    }

    @Test
    void aFolderWithoutModelSafetensors() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Cli.Result r = fails("info", "--weights", empty.toString());
        assertTrue(r.err().contains(empty.toString()) && r.err().contains("model.safetensors"), r.err());
    }
}
