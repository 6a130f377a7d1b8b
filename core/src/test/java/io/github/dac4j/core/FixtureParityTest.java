package io.github.dac4j.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dac4j.testing.Numerics;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.Npy;
import io.github.dac4j.weights.NpyArray;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every case of the fixtures (random-weight checkpoints in every layout, decoded by an independent PyTorch
 * reference in float64, stored as float32): the CPU decoder matches each to {@code ||out - ref|| / ||ref|| <= 1e-5}.
 * Fixtures copied from ../shared/fixtures; see src/test/resources/fixtures/README.md.
 */
class FixtureParityTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    static final double TOLERANCE = 1e-5;

    @TestFactory
    List<DynamicTest> everyCaseMatchesTheReference() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(FIXTURES.resolve("cases.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases) {
            tests.add(DynamicTest.dynamicTest(c.get("weights").asText(), () -> check(c)));
        }
        assertTrue(tests.size() >= 12, "cases.json lists the nine layout cases, two odd-stride ones and hf16/: " + tests.size());
        return tests;
    }

    private static void check(JsonNode c) throws Exception {
        DacCheckpoint ckpt = DacCheckpoint.load(FIXTURES.resolve(c.get("weights").asText()));
        assertEquals(c.get("dtype").asText(), ckpt.storedDtype().name());
        if (c.has("config")) {
            JsonNode k = c.get("config");
            int[] rates = new int[k.get("rates").size()];
            for (int i = 0; i < rates.length; i++) rates[i] = k.get("rates").get(i).asInt();
            assertEquals(new DacConfig(k.get("latent_dim").asInt(), k.get("decoder_dim").asInt(), rates, k.get("n_codebooks").asInt(),
                    k.get("codebook_size").asInt(), k.get("codebook_dim").asInt(), 44_100), ckpt.config());
        }
        NpyArray codesArray = Npy.read(FIXTURES.resolve(c.get("codes").asText()));
        NpyArray expected = Npy.read(FIXTURES.resolve(c.get("expected").asText()));
        int[][][] codes = toCodes(codesArray);
        int streams = codes.length, samples = (int) expected.shape()[2];
        if (c.has("samples")) assertEquals(c.get("samples").asInt(), samples, "cases.json's sample count");
        try (Decoder d = Decoder.open(io.github.dac4j.core.model.DacModel.load(ckpt), DecoderOptions.defaults().withDevice("cpu").withBatch(streams))) {
            float[][] out = d.decode(codes);
            assertEquals(samples, d.samples(codes[0][0].length), "samples of " + codes[0][0].length + " frames");
            for (int b = 0; b < streams; b++) {
                assertEquals(samples, out[b].length);
                double err = Numerics.relativeError(out[b], java.util.Arrays.copyOfRange(expected.floats(), b * samples, (b + 1) * samples));
                assertTrue(err <= TOLERANCE, c.get("weights").asText() + " stream " + b + ": relative error " + err);
            }
        }
    }

    static int[][][] toCodes(NpyArray a) {
        long[] s = a.shape();
        int B = (int) s[0], K = (int) s[1], T = (int) s[2];
        int[][][] codes = new int[B][K][T];
        for (int b = 0; b < B; b++) for (int k = 0; k < K; k++) for (int t = 0; t < T; t++) codes[b][k][t] = (int) a.longs()[(b * K + k) * T + t];
        return codes;
    }
}
