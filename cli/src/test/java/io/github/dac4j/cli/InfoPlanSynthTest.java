package io.github.dac4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dac4j.core.BackendUnavailableException;
import io.github.dac4j.core.Backends;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.cuda.CudaSizing;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.github.dac4j.cli.Cli.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dac info}, {@code dac plan} and {@code dac synth}. */
class InfoPlanSynthTest {
    @TempDir Path dir;

    @Test
    void infoText() throws Exception {
        Cli.Result r = Cli.run("info", "--weights", fixture("small-s21.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        DacCheckpoint c = DacCheckpoint.load(fixture("small-s21.safetensors"));
        assertTrue(r.out().contains("weight_g/weight_v"), r.out());
        assertTrue(r.out().contains("F32"), r.out());
        assertTrue(r.out().contains(String.format("%,d", c.parameterCount())), r.out());
        assertTrue(r.out().contains("strides [4, 4, 2]"), r.out());
    }

    @Test
    void infoJson() throws Exception {
        Cli.Result r = Cli.run("info", "--weights", fixture("tiny-s12.safetensors").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        DacCheckpoint c = DacCheckpoint.load(fixture("tiny-s12.safetensors"));
        assertEquals("weight_norm", j.get("layout").asText());
        assertEquals("F32", j.get("dtype").asText());
        assertEquals(c.parameterCount(), j.get("parameters").asLong());
        assertTrue(c.parameterCount() > 0);
        assertEquals(c.storedBytes(), j.get("stored_bytes").asLong());
        JsonNode k = j.get("config");
        assertEquals(16, k.get("latent_dim").asInt());
        assertEquals(32, k.get("decoder_dim").asInt());
        assertEquals(3, k.get("n_codebooks").asInt());
        assertEquals(8, k.get("hop").asInt());
    }

    /** A checkpoint with an encoder: the decode path counted apart from it, and the encoder shown. */
    @Test
    void infoCountsTheDecodePathApartFromTheEncoder() throws Exception {
        Path w = fixture("enc-tiny-s51.safetensors");
        DacCheckpoint full = DacCheckpoint.load(w), decodePath = DacCheckpoint.loadDecoder(w);
        assertTrue(full.encoder() != null && full.tensors().size() > decodePath.tensors().size());
        Cli.Result text = Cli.run("info", "--weights", w.toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("tensors       " + decodePath.tensors().size() + " (decode path)"), text.out());
        assertTrue(text.out().contains("encoder       width " + full.encoder().width()), text.out());
        JsonNode j = new ObjectMapper().readTree(Cli.run("info", "--weights", w.toString(), "--json").out());
        assertEquals(decodePath.tensors().size(), j.get("tensors").asInt());
        assertEquals(full.tensors().size() - decodePath.tensors().size(), j.get("encoder").get("tensors").asInt());
        long encoderParameters = full.tensors().values().stream().mapToLong(t -> t.data().length).sum()
                - decodePath.tensors().values().stream().mapToLong(t -> t.data().length).sum();
        assertEquals(encoderParameters, j.get("encoder").get("parameters").asLong());

        // and one without: the line says why
        Cli.Result none = Cli.run("info", "--weights", fixture("small-s21.safetensors").toString());
        assertTrue(none.out().contains("encoder       none: "), none.out());
        JsonNode k = new ObjectMapper().readTree(Cli.run("info", "--weights", fixture("small-s21.safetensors").toString(), "--json").out());
        assertTrue(k.get("encoder").isNull() && k.get("encoder_missing").asText().contains("encoder"), k.toString());
    }

    /** The arena {@code dac plan} prints is the one a CPU decoder with the same options allocates. */
    @ParameterizedTest
    @CsvSource({"--chunk-frames=86,1", "--chunk-frames=5,2", "--chunk-frames=1,3", "--memory-budget=256KiB,1", "--memory-budget=1MiB,2"})
    void planArenaEqualsTheDecoders(String stepOption, int batch) throws Exception {
        Path w = fixture("small-s21.safetensors");
        Cli.Result r = Cli.run("plan", "--weights", w.toString(), stepOption, "--batch", "" + batch);
        assertEquals(0, r.code(), r.err());
        DecoderOptions o = DecoderOptions.defaults().withDevice("cpu").withBatch(batch);
        String value = stepOption.split("=")[1];
        o = stepOption.startsWith("--chunk") ? o.withStepFrames(Integer.parseInt(value)) : o.withMemoryBudget(Sizes.parse(value));
        try (Decoder d = Decoder.open(w, o)) {
            assertEquals(d.plan().arenaBytes(), arena(r.out()), r.out());
        }
    }

    @Test
    void planWholeSequenceEqualsTheDecoderAfterADecode() throws Exception {
        Path w = fixture("small-s21.safetensors");
        Cli.Result r = Cli.run("plan", "--weights", w.toString(), "--chunk-frames", "0", "--frames", "40");
        assertEquals(0, r.code(), r.err());
        int[][][] codes = new int[1][4][40];
        Random random = new Random(7);
        for (int[] row : codes[0]) for (int t = 0; t < row.length; t++) row[t] = random.nextInt(64);
        try (Decoder d = Decoder.open(w, DecoderOptions.defaults().withDevice("cpu").withStepFrames(0))) {
            d.decode(codes);
            assertEquals(d.plan().arenaBytes(), arena(r.out()), r.out());
        }
    }

    /** fp16 plans for CUDA: 2-byte activations plus the CUDA backend's per-op scratch, without opening a GPU. */
    @Test
    void planForTheGpuIncludesItsWorkspace() throws Exception {
        Path w = fixture("small-s21.safetensors");
        Cli.Result r = Cli.run("plan", "--weights", w.toString(), "--precision", "fp16", "--chunk-frames", "20", "--batch", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        DacModel model = DacModel.load(DacCheckpoint.load(w));
        Program program = Program.decoder(model).streams(2).stepFrames(20).activationBytes(2).scratch(CudaSizing.scratch()).build();
        long workspace = program.plan().buffers().stream().filter(b -> b.name().contains("@")).mapToLong(b -> b.request().bytes()).sum();
        assertTrue(workspace > 0);
        assertEquals("cuda", j.get("device").asText());
        assertEquals(workspace, j.get("workspace_bytes").asLong());
        assertEquals(program.plan().arenaBytes(), j.get("arena_bytes").asLong());
        assertEquals(program.ops().size(), j.get("ops").size(), "every op listed");
        long fp32 = new ObjectMapper().readTree(Cli.run("plan", "--weights", w.toString(), "--chunk-frames", "20", "--batch", "2", "--json").out())
                .get("arena_bytes").asLong();
        assertTrue(fp32 != j.get("arena_bytes").asLong(), "fp16 must plan differently from fp32");
        boolean gpu;
        try {
            Backends.open("cuda", Precision.FP16).backend().close();
            gpu = true;
        } catch (BackendUnavailableException e) {
            gpu = false;
        }
        if (gpu) { // where a GPU exists, the plan must be the one the CUDA decoder allocates
            try (Decoder d = Decoder.open(model, DecoderOptions.defaults().withDevice("cuda").withPrecision(Precision.FP16).withStepFrames(20).withBatch(2))) {
                assertEquals(d.plan().arenaBytes(), j.get("arena_bytes").asLong());
            }
        }
    }

    @Test
    void planJsonListsEveryBuffer() throws Exception {
        Path w = fixture("tiny-s12.safetensors");
        Cli.Result r = Cli.run("plan", "--weights", w.toString(), "--chunk-frames", "12", "--batch", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        try (Decoder d = Decoder.open(w, DecoderOptions.defaults().withDevice("cpu").withStepFrames(12).withBatch(2))) {
            MemoryPlan plan = d.plan();
            assertEquals(plan.arenaBytes(), j.get("arena_bytes").asLong());
            assertEquals(plan.buffers().size(), j.get("buffers").size());
            for (int i = 0; i < plan.buffers().size(); i++) {
                JsonNode b = j.get("buffers").get(i);
                var p = plan.buffers().get(i);
                assertEquals(p.name(), b.get("name").asText());
                assertEquals(p.offset(), b.get("offset").asLong());
                assertEquals(p.request().bytes(), b.get("bytes").asLong());
                assertEquals(p.request().firstUse(), b.get("first_op").asInt());
                assertEquals(p.request().lastUse(), b.get("last_op").asInt());
                assertEquals(p.request().shape().length, b.get("shape").size());
                assertTrue(b.has("producer"));
            }
        }
        assertEquals(12, j.get("step_frames").asInt());
    }

    @Test
    void planReportsTheLargestStepThatFits() throws Exception {
        Path w = fixture("small-s21.safetensors");
        Cli.Result r = Cli.run("plan", "--weights", w.toString(), "--memory-budget", "300000", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        int step = j.get("step_frames").asInt();
        assertTrue(j.get("arena_bytes").asLong() <= 300000);
        Cli.Result next = Cli.run("plan", "--weights", w.toString(), "--chunk-frames", "" + (step + 1), "--json");
        assertTrue(new ObjectMapper().readTree(next.out()).get("arena_bytes").asLong() > 300000, "one frame more must not fit");
    }

    @Test
    void synthThenInfoRoundTrip() throws Exception {
        Path w = dir.resolve("tiny-f16.safetensors");
        Cli.Result s = Cli.run("synth", "--preset", "tiny", "--seed", "5", "--dtype", "f16", "--layout", "folded", "--out", w.toString());
        assertEquals(0, s.code(), s.err());
        Cli.Result r = Cli.run("info", "--weights", w.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("folded", j.get("layout").asText());
        assertEquals("F16", j.get("dtype").asText());
        assertEquals(DacConfig.tiny(), DacCheckpoint.load(w).config());
        assertArrayEquals(new String[] {"tiny-f16.safetensors"}, Cli.list(dir), "no temporary files left behind");
        // The output gets the mode any new file gets here (umask), not a private temporary file's 0600.
        Path plain = java.nio.file.Files.createFile(dir.resolve("plain"));
        try {
            assertEquals(java.nio.file.Files.getPosixFilePermissions(plain), java.nio.file.Files.getPosixFilePermissions(w));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to compare
        }
    }

    @Test
    void synthRejectsUnknownPreset() throws Exception {
        Cli.Result r = Cli.run("synth", "--preset", "huge", "--out", dir.resolve("x.safetensors").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--preset"), r.err());
        assertArrayEquals(new String[0], Cli.list(dir));
    }

    static long arena(String planText) {
        Matcher m = Pattern.compile("arena bytes: (\\d+)").matcher(planText);
        assertTrue(m.find(), planText);
        return Long.parseLong(m.group(1));
    }
}
