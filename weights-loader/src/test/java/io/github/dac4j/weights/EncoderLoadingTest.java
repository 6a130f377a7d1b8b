package io.github.dac4j.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The encoder and the quantizers' {@code in_proj} load with the decoder when the file has them, in every layout, with
 * the configuration read off the shapes; a file without them still loads for decoding.
 */
class EncoderLoadingTest {
    private static final Path DIR = Path.of("src/test/resources/synth-encoder");

    @TempDir Path tmp;

    @Test
    void fixturesWithEncoderLoadItsShapesAndFoldedWeights() throws Exception {
        DacCheckpoint tiny = DacCheckpoint.load(DIR.resolve("enc-tiny-s51.safetensors"));
        assertEquals(new EncoderConfig(4, new int[] {2, 4}), tiny.encoder());
        DacCheckpoint odd = DacCheckpoint.load(DIR.resolve("enc-odd-s53.safetensors"));
        assertEquals(new EncoderConfig(8, new int[] {2, 4, 5}), odd.encoder());
        assertArrayEquals(new int[] {64, 32, 10}, odd.tensors().get("encoder.block.2.conv1.weight").shape());
        assertArrayEquals(new int[] {8, 64, 1}, odd.tensors().get("quantizer.quantizers.5.in_proj.weight").shape());
        // weight norm folded per output channel: each row of the folded weight has the norm g
        try (SafeTensors st = SafeTensors.open(DIR.resolve("enc-odd-s53.safetensors"))) {
            float[] g = st.readFloat("encoder.block.1.conv1.weight_g");
            float[] w = odd.tensors().get("encoder.block.1.conv1.weight").data();
            int per = w.length / g.length;
            for (int o = 0; o < g.length; o++) {
                double sum = 0;
                for (int j = 0; j < per; j++) sum += (double) w[o * per + j] * w[o * per + j];
                assertEquals(Math.abs(g[o]), Math.sqrt(sum), 1e-5 * Math.abs(g[o]), "row " + o);
            }
        }
        long decodeOnly = DacCheckpoint.load(Path.of("src/test/resources/fixtures/small-s31.parametrized.safetensors")).parameterCount();
        assertTrue(decodeOnly > 0);
    }

    /** loadDecoder reads the same decode path and nothing of the encoder, and says how to get it. */
    @Test
    void loadDecoderLeavesTheEncoderOut() throws Exception {
        for (String name : new String[] {"enc-tiny-s51.safetensors", "enc-odd-s53.safetensors"}) {
            Path file = DIR.resolve(name);
            DacCheckpoint full = DacCheckpoint.load(file), decoder = DacCheckpoint.loadDecoder(file);
            assertNotNull(full.encoder());
            assertNull(decoder.encoder());
            assertEquals(full.config(), decoder.config());
            assertEquals(full.layout(), decoder.layout());
            Map<String, Tensor> all = full.tensors(), decodePath = decoder.tensors();
            assertTrue(decodePath.keySet().stream().noneMatch(k -> k.startsWith("encoder.") || k.contains(".in_proj.")), name);
            assertTrue(all.keySet().stream().anyMatch(k -> k.startsWith("encoder.")), name);
            for (Map.Entry<String, Tensor> t : all.entrySet()) {
                boolean encoderOnly = t.getKey().startsWith("encoder.") || t.getKey().contains(".in_proj.");
                assertEquals(!encoderOnly, decodePath.containsKey(t.getKey()), t.getKey());
                assertEquals(!encoderOnly, DacCheckpoint.onDecodePath(t.getKey()), t.getKey());
                if (!encoderOnly) assertArrayEquals(t.getValue().data(), decodePath.get(t.getKey()).data(), t.getKey());
            }
            assertEquals(full.parameterCount(), decoder.parameterCount(), name);   // both count the decode path
            WeightsException e = assertThrows(WeightsException.class, decoder::requireEncoder);
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains("DacCheckpoint.load"), e.getMessage());
        }
    }

    @Test
    void aCheckpointWithoutEncoderHasNoneAndSaysWhatIsMissing() throws Exception {
        DacCheckpoint none = DacCheckpoint.load(Path.of("src/test/resources/fixtures/small-s31.parametrized.safetensors"));
        assertNull(none.encoder());
        WeightsException e = assertThrows(WeightsException.class, none::requireEncoder);
        assertTrue(e.getMessage().contains("small-s31.parametrized.safetensors") && e.getMessage().contains("encoder.conv1"), e.getMessage());
        // a few stray encoder tensors (the folded fixture keeps encoder.conv1 and one in_proj) do not stop decoding
        DacCheckpoint stray = DacCheckpoint.load(Path.of("src/test/resources/fixtures/small-s31.folded.safetensors"));
        assertNull(stray.encoder());
        assertTrue(stray.tensors().keySet().stream().noneMatch(k -> k.startsWith("encoder.")), "no half encoder in the tensors");
        e = assertThrows(WeightsException.class, stray::requireEncoder);
        assertTrue(e.getMessage().contains("encoder.block.0.conv1"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    /** The same encoder under descript's original names (prefix {@code model.}) loads to the same tensors. */
    @Test
    void originalDescriptNamesLoadToTheSameTensors() throws Exception {
        Path hf = DIR.resolve("enc-odd-s53.safetensors");
        DacCheckpoint expected = DacCheckpoint.load(hf);
        Path original = tmp.resolve("original.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(hf)) {
            for (TensorInfo t : st.tensors().values()) w.put("model." + originalName(t.name(), 3), DType.F32, t.shape(), st.readFloat(t.name()));
        }
        w.write(original);
        DacCheckpoint loaded = DacCheckpoint.load(original);
        assertEquals(Layout.ORIGINAL, loaded.layout());
        assertEquals(expected.encoder(), loaded.encoder());
        for (Map.Entry<String, Tensor> e : expected.tensors().entrySet()) {
            Tensor t = loaded.tensors().get(e.getKey());
            assertNotNull(t, e.getKey());
            assertArrayEquals(e.getValue().data(), t.data(), e.getKey());
        }
    }

    @Test
    void anEncoderWhoseStridesDisagreeWithTheDecoderIsRefusedByNameWhenAskedFor() throws Exception {
        Path hf = DIR.resolve("enc-tiny-s51.safetensors");
        Path bad = tmp.resolve("bad.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(hf)) {
            for (TensorInfo t : st.tensors().values()) {
                if (t.name().equals("encoder.block.1.conv1.weight_v")) w.put(t.name(), DType.F32, new long[] {16, 8, 6}, new float[16 * 8 * 6]);
                else w.put(t.name(), DType.F32, t.shape(), st.readFloat(t.name()));
            }
        }
        w.write(bad);
        DacCheckpoint loaded = DacCheckpoint.load(bad);   // still decodes
        assertNull(loaded.encoder());
        WeightsException e = assertThrows(WeightsException.class, loaded::requireEncoder);
        assertTrue(e.getMessage().contains("bad.safetensors") && e.getMessage().contains("hop 6 where the decoder's give 8"), e.getMessage());
    }

    /** HF name -> descript's, for a model with {@code blocks} encoder blocks (the decoder's numbering too). */
    static String originalName(String hf, int blocks) {
        String[] p = hf.split("\\.");
        if (hf.startsWith("encoder.")) {
            if (p[1].equals("conv1")) return "encoder.block.0." + tail(p, 2);
            if (p[1].equals("snake1")) return "encoder.block." + (blocks + 1) + "." + tail(p, 2);
            if (p[1].equals("conv2")) return "encoder.block." + (blocks + 2) + "." + tail(p, 2);
            int n = Integer.parseInt(p[2]);
            String head = "encoder.block." + (n + 1) + ".block.";
            if (p[3].equals("snake1")) return head + "3." + tail(p, 4);
            if (p[3].equals("conv1")) return head + "4." + tail(p, 4);
            int r = Integer.parseInt(p[3].substring("res_unit".length()));
            return head + (r - 1) + ".block." + layer(p[4]) + "." + tail(p, 5);
        }
        if (hf.startsWith("decoder.")) {
            if (p[1].equals("conv1")) return "decoder.model.0." + tail(p, 2);
            if (p[1].equals("snake1")) return "decoder.model." + (blocks + 1) + "." + tail(p, 2);
            if (p[1].equals("conv2")) return "decoder.model." + (blocks + 2) + "." + tail(p, 2);
            int b = Integer.parseInt(p[2]);
            String head = "decoder.model." + (b + 1) + ".block.";
            if (p[3].equals("snake1")) return head + "0." + tail(p, 4);
            if (p[3].equals("conv_t1")) return head + "1." + tail(p, 4);
            int r = Integer.parseInt(p[3].substring("res_unit".length()));
            return head + (r + 1) + ".block." + layer(p[4]) + "." + tail(p, 5);
        }
        return hf;
    }

    private static int layer(String name) {
        return switch (name) { case "snake1" -> 0; case "conv1" -> 1; case "snake2" -> 2; default -> 3; };
    }

    private static String tail(String[] p, int from) { return String.join(".", java.util.Arrays.copyOfRange(p, from, p.length)); }
}
