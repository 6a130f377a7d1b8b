package io.github.dac4j.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dac4j.core.cpu.CpuBackends;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.Npy;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Golden outputs: the SHA-256 of the samples of every fixture case, with every CPU kernel implementation, decoded
 * whole and streamed in pushes of 1, 7, 16 and random frames, equals the hash recorded in
 * {@code golden/outputs.properties}. Refactoring must not change a single bit; a change of arithmetic (a new kernel
 * summation order) re-records the hashes on purpose, in a commit that says why:
 * {@code ./mvnw -pl core test -Dtest=GoldenOutputsTest -Ddac4j.golden.write=core/src/test/resources/golden/outputs.properties}.
 */
class GoldenOutputsTest {
    private static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    private static final String RECORDED = "/golden/outputs.properties";
    private static final String[] MODES = {"whole", "push1", "push7", "push16", "pushRandom"};

    @TestFactory
    List<DynamicTest> everyCaseEveryKernelEveryStepGivesTheRecordedSamples() throws Exception {
        Properties recorded = new Properties();
        try (InputStream in = GoldenOutputsTest.class.getResourceAsStream(RECORDED)) {
            if (in != null) recorded.load(in);
        }
        String write = System.getProperty("dac4j.golden.write");
        TreeMap<String, String> found = new TreeMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        JsonNode cases = new ObjectMapper().readTree(FIXTURES.resolve("cases.json").toFile());
        for (JsonNode c : cases) {
            String name = c.get("weights").asText().replace(".safetensors", "").replace('/', '.');
            for (String kernels : CpuBackends.available()) {
                tests.add(DynamicTest.dynamicTest(name + " " + kernels, () -> {
                    DacModel model = DacModel.load(DacCheckpoint.load(FIXTURES.resolve(c.get("weights").asText())));
                    int[][][] codes = FixtureParityTest.toCodes(Npy.read(FIXTURES.resolve(c.get("codes").asText())));
                    String whole = null;
                    for (String mode : MODES) {
                        String key = name + "." + kernels + "." + mode;
                        String hash = hash(decode(model, codes, kernels, mode));
                        found.put(key, hash);
                        if (whole == null) whole = hash;
                        assertEquals(whole, hash, key + ": streamed samples differ from the whole decode's");
                        if (write == null) {
                            assertNotNull(recorded.getProperty(key), "no recorded hash for " + key);
                            assertEquals(recorded.getProperty(key), hash, key);
                        }
                    }
                }));
            }
        }
        if (write != null) {
            tests.add(DynamicTest.dynamicTest("write " + write, () -> {
                StringBuilder sb = new StringBuilder("# SHA-256 of the float32 samples (little-endian bits), stream by stream; see GoldenOutputsTest\n");
                found.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
                Files.writeString(Path.of(write).toAbsolutePath(), sb.toString());
            }));
        }
        return tests;
    }

    private static float[][] decode(DacModel model, int[][][] codes, String kernels, String mode) {
        int streams = codes.length;
        DecoderOptions options = DecoderOptions.defaults().withDevice("cpu").withBatch(streams)
                .withStepFrames(mode.equals("whole") ? 0 : 16);
        try (Decoder d = Decoder.open(model, options, CpuBackends.with(kernels, 2), true)) {
            if (mode.equals("whole")) return d.decode(codes);
            int push = switch (mode) { case "push1" -> 1; case "push7" -> 7; case "push16" -> 16; default -> 0; };
            SplittableRandom rnd = new SplittableRandom(streams * 31L + codes[0][0].length);
            int frames = codes[0][0].length;
            List<List<float[]>> parts = new ArrayList<>();
            for (int b = 0; b < streams; b++) parts.add(new ArrayList<>());
            try (DecoderStream s = d.stream(streams)) {
                for (int t = 0; t < frames; ) {
                    int n = Math.min(frames - t, push > 0 ? push : 1 + rnd.nextInt(20));
                    int[][][] part = new int[streams][codes[0].length][];
                    for (int b = 0; b < streams; b++)
                        for (int k = 0; k < codes[b].length; k++) part[b][k] = java.util.Arrays.copyOfRange(codes[b][k], t, t + n);
                    float[][] got = s.push(part);
                    for (int b = 0; b < streams; b++) parts.get(b).add(got[b]);
                    t += n;
                }
                float[][] rest = s.finish();
                for (int b = 0; b < streams; b++) parts.get(b).add(rest[b]);
            }
            float[][] out = new float[streams][];
            for (int b = 0; b < streams; b++) {
                out[b] = new float[parts.get(b).stream().mapToInt(a -> a.length).sum()];
                int at = 0;
                for (float[] p : parts.get(b)) { System.arraycopy(p, 0, out[b], at, p.length); at += p.length; }
            }
            return out;
        }
    }

    static String hash(float[][] samples) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (float[] stream : samples) {
            ByteBuffer bytes = ByteBuffer.allocate(4 * stream.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(stream);
            sha.update(bytes.array());
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
