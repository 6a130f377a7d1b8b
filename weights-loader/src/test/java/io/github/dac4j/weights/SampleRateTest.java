package io.github.dac4j.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.github.dac4j.weights.SafeTensorsTest.assertBad;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sample rate from config.json beside the weights, else the shapes, else 44,100 Hz; model folders; config.json checks. */
class SampleRateTest {
    static final Path SMALL = Path.of("src/test/resources/fixtures/small-s31.folded.safetensors");
    @TempDir Path dir;

    /** A model folder: the small fixture as model.safetensors and the config.json synth writes for it at {@code hz}. */
    private Path folder(int hz) throws Exception {
        Path f = Files.createDirectories(dir.resolve("model"));
        Files.copy(SMALL, f.resolve("model.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        DacSynth.writeConfigJson(DacConfig.small().withSampleRate(hz, SampleRateSource.USER), DType.F32, f.resolve("config.json"));
        return f;
    }

    /** The folder's config.json with one field replaced (a JSON literal), or removed where {@code json} is null. */
    private Path withField(String field, String json) throws Exception {
        Path f = folder(22_050);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = (ObjectNode) mapper.readTree(f.resolve("config.json").toFile());
        if (json == null) root.remove(field); else root.set(field, mapper.readTree(json));
        mapper.writeValue(f.resolve("config.json").toFile(), root);
        return f;
    }

    @Test
    void configJsonGivesTheRateThroughTheFolderAndTheFile() throws Exception {
        Path f = folder(22_050);
        for (Path p : new Path[] {f, f.resolve("model.safetensors")}) {
            DacCheckpoint c = DacCheckpoint.load(p);
            assertEquals(22_050, c.config().sampleRate(), p.toString());
            assertEquals(SampleRateSource.CONFIG_JSON, c.config().sampleRateSource(), p.toString());
            assertEquals(f.resolve("model.safetensors"), c.file());
            assertEquals(DacConfig.small().withSampleRate(22_050, SampleRateSource.USER), c.config(), "same shapes");
        }
        assertEquals(new ModelFiles(f.resolve("model.safetensors"), f.resolve("config.json")), ModelFiles.resolve(f));
    }

    @Test
    void withoutConfigJsonTheShapesDecideElse44100() throws Exception {
        DacCheckpoint c = DacCheckpoint.load(SMALL);
        assertEquals(44_100, c.config().sampleRate());
        assertEquals(SampleRateSource.DEFAULT, c.config().sampleRateSource());
        assertEquals(null, ModelFiles.resolve(SMALL).configJson());
        // A config.json without sampling_rate says nothing about the rate either.
        c = DacCheckpoint.load(withField("sampling_rate", null));
        assertEquals(SampleRateSource.DEFAULT, c.config().sampleRateSource());
        // A config.json with fields as floats and JSON nulls is read as transformers would.
        c = DacCheckpoint.load(withField("n_codebooks", "4.0"));
        assertEquals(22_050, c.config().sampleRate());
        c = DacCheckpoint.load(withField("hop_length", "null"));
        assertEquals(22_050, c.config().sampleRate());
    }

    @Test
    void publishedShapesGiveTheirRates() {
        assertEquals(44_100, DacConfig.dac44khz().sampleRate());
        assertEquals(24_000, DacConfig.dac24khz().sampleRate());
        assertEquals(16_000, DacConfig.dac16khz().sampleRate());
        for (DacConfig c : new DacConfig[] {DacConfig.dac44khz(), DacConfig.dac24khz(), DacConfig.dac16khz()}) {
            assertEquals(SampleRateSource.SHAPES, c.sampleRateSource(), c.toString());
        }
        assertEquals(512, DacConfig.dac44khz().hop());
        assertEquals(320, DacConfig.dac24khz().hop());
        assertEquals(32, DacConfig.dac24khz().nCodebooks());
        assertEquals(12, DacConfig.dac16khz().nCodebooks());
        assertEquals(SampleRateSource.DEFAULT, DacConfig.tiny().sampleRateSource());
        // Hop 320 with another number of codebooks is no published model.
        assertEquals(SampleRateSource.DEFAULT, DacConfig.fromShapes(1024, 1536, new int[] {8, 5, 4, 2}, 9, 1024, 8).sampleRateSource());
        assertThrows(IllegalArgumentException.class, () -> DacConfig.small().withSampleRate(0, SampleRateSource.USER));
        assertThrows(IllegalArgumentException.class, () -> DacConfig.small().withSampleRate(10_000_000, SampleRateSource.USER));
    }

    /** Every field that describes the shapes is checked, and a disagreement names config.json and the field. */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "hop_length; 64; hop_length is 64, but the weights' strides [4, 4, 2] give a hop of 32",
            "upsampling_ratios; [4, 2, 4]; upsampling_ratios is [4, 2, 4], but the weights' decoder strides are [4, 4, 2]",
            "downsampling_ratios; [2, 4, 8]; downsampling_ratios [2, 4, 8] give a hop of 64",
            "n_codebooks; 9; n_codebooks is 9, but the weights hold 4 codebooks",
            "codebook_size; 1024; codebook_size is 1024, but",
            "codebook_dim; 4; codebook_dim is 4, but",
            "hidden_size; 1024; hidden_size is 1024, but the weights' latent (out_proj rows) is 64",
            "decoder_hidden_size; 1536; decoder_hidden_size is 1536, but",
            "sampling_rate; 0; sampling_rate must be between 1,000 and 768,000 Hz, got 0",
            "sampling_rate; -16000; sampling_rate must be between",
            "sampling_rate; 100000000000; sampling_rate must be between",
            "sampling_rate; '\"16k\"'; sampling_rate is not an integer: \"16k\"",
            "sampling_rate; 16000.5; sampling_rate is not an integer: 16000.5",
            "n_codebooks; '[4]'; n_codebooks is not an integer",
            "upsampling_ratios; 4; upsampling_ratios is not a list of integers",
            "upsampling_ratios; '[4, 4, -2]'; upsampling_ratios is not a list of positive integers",
            "model_type; '\"bert\"'; model_type is 'bert', not 'dac'",
    })
    void disagreementsAndBadFieldsNameTheField(String field, String json, String problem) throws Exception {
        Path f = withField(field, json);
        assertBad(() -> DacCheckpoint.load(f), f.resolve("config.json").toString(), problem);
    }

    @Test
    void malformedConfigJsonIsOneLine() throws Exception {
        Path f = folder(16_000);
        Files.writeString(f.resolve("config.json"), "{\"sampling_rate\": 16000,\n\"hop_length\": ");
        assertBad(() -> DacCheckpoint.load(f), "config.json", "not valid JSON");
        Files.writeString(f.resolve("config.json"), "[16000]");
        assertBad(() -> DacCheckpoint.load(f), "config.json", "not a JSON object");
    }

    @Test
    void aFolderWithoutModelSafetensorsIsNamed() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertBad(() -> DacCheckpoint.load(empty), "empty", "a folder without model.safetensors");
        Files.copy(SMALL, empty.resolve("dac.safetensors"));
        WeightsException e = assertBad(() -> DacCheckpoint.load(empty), "empty", "it holds dac.safetensors");
        assertTrue(e.getMessage().startsWith(empty.toString()), e.getMessage());
        assertBad(() -> DacCheckpoint.load(dir.resolve("absent")), "absent", "no such file");
    }

    /** What synth writes is what transformers writes: the keys of DAC-DECODER.md among them, and Python's json layout. */
    @Test
    void writtenConfigJsonHasTheHfKeys() throws Exception {
        Path file = dir.resolve("config.json");
        DacSynth.writeConfigJson(DacConfig.dac24khz(), DType.BF16, file);
        var root = new ObjectMapper().readTree(file.toFile());
        assertEquals(24_000, root.get("sampling_rate").asInt());
        assertEquals(320, root.get("hop_length").asInt());
        assertEquals(32, root.get("n_codebooks").asInt());
        assertEquals("[8,5,4,2]", root.get("upsampling_ratios").toString());
        assertEquals("[2,4,5,8]", root.get("downsampling_ratios").toString());
        assertEquals(64, root.get("encoder_hidden_size").asInt());
        assertEquals(1024, root.get("hidden_size").asInt());
        assertEquals(1536, root.get("decoder_hidden_size").asInt());
        assertEquals("dac", root.get("model_type").asText());
        assertEquals("bfloat16", root.get("torch_dtype").asText());
        String text = Files.readString(file);
        assertTrue(text.startsWith("{\n  \"architectures\": [\n    \"DacModel\"\n  ],\n  \"codebook_dim\": 8,\n"), text);
    }
}
