package io.github.dac4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.weights.DType;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.weights.Layout;
import io.github.dac4j.weights.SafeTensors;
import io.github.dac4j.weights.SampleRateSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static io.github.dac4j.cli.Cli.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Codes in every dtype and order numpy writes, {@code --codebooks} with 32 codebooks, and {@code synth}'s presets. */
class CodesAndPresetsTest {
    @TempDir Path dir;

    private float[] decodeRaw(Path weights, Path codes, String... extra) throws Exception {
        Path raw = Files.createTempFile(dir, "raw", ".npy");
        String[] base = {"decode", "--weights", weights.toString(), "--codes", codes.toString(),
                "--out", dir.resolve("o.wav").toString(), "--raw-out", raw.toString(), "--device", "cpu"};
        String[] args = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), r.err());
        return Cli.floats(raw);
    }

    /** int64/int32/int16/uint16 in C and Fortran order (written by numpy) give the int64 C-order file's samples exactly. */
    @ParameterizedTest
    @ValueSource(strings = {"int64.F", "int32.C", "int32.F", "int16.C", "int16.F", "uint16.C", "uint16.F"})
    void everyDtypeAndOrderDecodesTheSame(String variant) throws Exception {
        Path weights = fixture("tiny-s12.safetensors");
        float[] reference = decodeRaw(weights, fixture("tiny-s12.codes.npy"));
        float[] out = decodeRaw(weights, fixture("codes/tiny-s12.codes." + variant + ".npy"));
        assertArrayEquals(reference, out, variant);
        double err = Cli.relativeError(out, Cli.floats(fixture("tiny-s12.expected.npy")));
        assertTrue(err <= 1e-5, "relative error " + err);
    }

    /** A [K, T] Fortran-order uint16 file is one stream: stream 1 of the [2, K, T] file. */
    @Test
    void rankTwoFortranUint16() throws Exception {
        Path weights = fixture("tiny-s12.safetensors");
        float[] both = decodeRaw(weights, fixture("tiny-s12.codes.npy"));
        float[] one = decodeRaw(weights, fixture("codes/tiny-s12.codes.uint16.F.rank2.npy"));
        assertArrayEquals(Arrays.copyOfRange(both, both.length / 2, both.length), one);
    }

    @Test
    void otherIntegerTypesStayOneLineErrors() throws Exception {
        Path bytes = dir.resolve("u8.npy");
        byte[] header = "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 4), }\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + header.length + 12).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length).put(header);
        Files.write(bytes, b.array());
        Cli.Result r = Cli.run("decode", "--weights", fixture("tiny-s12.safetensors").toString(), "--codes", bytes.toString(),
                "--out", dir.resolve("x.wav").toString(), "--device", "cpu");
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().length, r.err());
        assertTrue(r.err().contains("u8.npy") && r.err().contains("unsupported dtype '|u1'"), r.err());
    }

    /** {@code --codebooks K} with a 32-codebook model (the 24 kHz model's count), from uint16 codes as descript saves them. */
    @Test
    void fewerCodebooksOfThirtyTwo() throws Exception {
        DacConfig config = DacConfig.fromShapes(16, 32, new int[] {4, 2}, 32, 1024, 4);
        Path weights = dir.resolve("k32.safetensors");
        DacSynth.write(config, 9, DType.F32, Layout.FOLDED, weights);
        int[][][] codes = DacSynth.codes(config, 1, 32, 19, 5);
        Path npy = dir.resolve("k32.npy");
        writeUint16(npy, codes[0]);
        for (int k : new int[] {32, 12, 1}) {
            float[] cli = decodeRaw(weights, npy, "--codebooks", "" + k);
            int[][][] first = {Arrays.copyOf(codes[0], k)};
            try (Decoder d = Decoder.open(weights, DecoderOptions.defaults().withDevice("cpu"))) {
                assertArrayEquals(d.decode(first)[0], cli, k + " codebooks");
            }
        }
        Cli.Result r = Cli.run("decode", "--weights", weights.toString(), "--codes", npy.toString(), "--out", dir.resolve("x.wav").toString(),
                "--device", "cpu", "--codebooks", "33");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--codebooks 33 but the file has 32 codebooks"), r.err());
    }

    /** uint16 [K, T], C order. */
    private static void writeUint16(Path file, int[][] codes) throws Exception {
        int k = codes.length, t = codes[0].length;
        String dict = "{'descr': '<u2', 'fortran_order': False, 'shape': (" + k + ", " + t + "), }";
        int total = 10 + dict.length() + 1, padded = (total + 63) / 64 * 64;
        byte[] header = (dict + " ".repeat(padded - total) + "\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + header.length + 2 * k * t).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length).put(header);
        for (int[] row : codes) for (int v : row) b.putShort((short) v);
        Files.write(file, b.array());
    }

    /**
     * The 24 kHz preset with config.json into a folder, and the 16 kHz one without: each loads with the real shapes
     * and its rate (config.json's, or the shapes'). bf16 and folded to halve the bytes written (~106 MB each).
     */
    @Test
    void publishedPresetsLoadWithTheirConfigAndRate() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("dac24"));
        Cli.Result s = Cli.run("synth", "--preset", "24khz", "--with-config", "--dtype", "bf16", "--layout", "folded", "--out", folder.toString());
        assertEquals(0, s.code(), s.err());
        assertArrayEquals(new String[] {"config.json", "model.safetensors"}, Cli.list(folder));
        DacConfig c24 = DacCheckpoint.load(folder).config();
        assertEquals(DacConfig.dac24khz(), c24);
        assertEquals(SampleRateSource.CONFIG_JSON, c24.sampleRateSource());
        JsonNode info = new ObjectMapper().readTree(Cli.run("info", "--weights", folder.toString(), "--json").out());
        assertEquals(24_000, info.get("config").get("sample_rate").asInt());
        assertEquals("config.json", info.get("config").get("sample_rate_source").asText());
        assertEquals("[8,5,4,2]", info.get("config").get("strides").toString());
        assertEquals(32, info.get("config").get("n_codebooks").asInt());

        Path file = dir.resolve("dac16.safetensors");
        s = Cli.run("synth", "--preset", "16khz", "--dtype", "bf16", "--layout", "folded", "--out", file.toString());
        assertEquals(0, s.code(), s.err());
        DacConfig c16 = DacCheckpoint.load(file).config();
        assertEquals(DacConfig.dac16khz(), c16);
        assertEquals(16_000, c16.sampleRate());
        assertEquals(SampleRateSource.SHAPES, c16.sampleRateSource());
    }

    /** --with-encoder adds the encoder and in_proj; the decode path is unchanged and still loads. */
    @Test
    void synthWithEncoder() throws Exception {
        Path plain = dir.resolve("plain.safetensors"), full = Files.createDirectories(dir.resolve("enc")).resolve("full.safetensors");
        assertEquals(0, Cli.run("synth", "--preset", "small", "--seed", "2", "--out", plain.toString()).code());
        Cli.Result s = Cli.run("synth", "--preset", "small", "--seed", "2", "--with-encoder", "--with-config", "--out", full.toString());
        assertEquals(0, s.code(), s.err());
        try (SafeTensors st = SafeTensors.open(full)) {
            assertArrayEquals(new long[] {8, 1, 7}, st.info("encoder.conv1.weight_v").shape());
            assertArrayEquals(new long[] {64, 32, 8}, st.info("encoder.block.2.conv1.weight_v").shape());
            assertArrayEquals(new long[] {8, 64, 1}, st.info("quantizer.quantizers.3.in_proj.weight_v").shape());
        }
        DacCheckpoint a = DacCheckpoint.load(plain), b = DacCheckpoint.load(full);
        for (String name : a.tensors().keySet()) assertArrayEquals(a.tensors().get(name).data(), b.tensors().get(name).data(), name);
        JsonNode config = new ObjectMapper().readTree(full.resolveSibling("config.json").toFile());
        assertEquals("[2,4,4]", config.get("downsampling_ratios").toString());
        assertEquals(8, config.get("encoder_hidden_size").asInt());
        assertEquals(SampleRateSource.CONFIG_JSON, b.config().sampleRateSource());
        assertEquals(SampleRateSource.DEFAULT, a.config().sampleRateSource());
    }
}
