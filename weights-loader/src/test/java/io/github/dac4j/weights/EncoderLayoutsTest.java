package io.github.dac4j.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import static io.github.dac4j.weights.SafeTensorsTest.assertBad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The encoder and {@code in_proj} in every layout the decoder is read in (folded, weight_g/weight_v, parametrizations,
 * descript's original names under a prefix, F16), each folded weight the nearest float to the reference's fold in
 * double, and {@link DacCheckpoint#requireEncoder()} naming the first tensor missing or misshapen while the decode path
 * stays as it is without an encoder. (EncoderLoadingTest has the basics.)
 */
class EncoderLayoutsTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    static final Path REFERENCE = Path.of("src/test/resources/synth-encoder");
    @TempDir Path dir;

    /** The PyTorch reference's odd-stride checkpoint: every encoder weight the nearest float to its fold in double. */
    @Test
    void everyFoldedEncoderWeightIsTheNearestFloat() throws Exception {
        DacCheckpoint odd = DacCheckpoint.load(REFERENCE.resolve("enc-odd-s53.safetensors"));
        assertEquals(new EncoderConfig(8, new int[] {2, 4, 5}), odd.requireEncoder());
        assertEquals(odd.config().hop(), odd.encoder().hop());

        // Every stored g/v pair, folded here in double: the loader's float32 weights are its rounding.
        try (SafeTensors st = SafeTensors.open(REFERENCE.resolve("enc-odd-s53.safetensors"))) {
            int convs = 0;
            for (String name : st.tensors().keySet()) {
                if (!name.endsWith(".weight_v") || !(name.startsWith("encoder.") || name.contains(".in_proj."))) continue;
                String base = name.substring(0, name.length() - ".weight_v".length());
                float[] v = st.readFloat(name), g = st.readFloat(base + ".weight_g");
                float[] loaded = odd.tensors().get(base + ".weight").data();
                int per = v.length / g.length;
                for (int o = 0; o < g.length; o++) {
                    double norm = 0;
                    for (int j = 0; j < per; j++) norm += (double) v[o * per + j] * v[o * per + j];
                    for (int j = 0; j < per; j++) {
                        double w = (double) g[o] * v[o * per + j] / Math.sqrt(norm);
                        assertEquals((float) w, loaded[o * per + j], base); // the nearest float
                    }
                }
                assertArrayEquals(st.readFloat(base + ".bias"), odd.tensors().get(base + ".bias").data(), base);
                convs++;
            }
            // conv1, 3 blocks of (3 units x 2 convs + the strided conv), conv2, and 6 in_proj.
            assertEquals(1 + 3 * 7 + 1 + 6, convs);
        }
    }

    /**
     * small-s31 in each of its decoder layouts, with a random encoder added in the same layout (and naming): the
     * encoder tensors load back to what was written, within the layout's rounding.
     */
    @Test
    void everyLayoutLoadsTheSameEncoder() throws Exception {
        DacConfig small = DacConfig.small();
        Map<String, Tensor> encoder = SynthEncoder.tensors(small, 11);
        Map<String, Double> tolerance = Map.of("folded", 0.0, "parametrized", 1e-6, "original", 1e-6, "f16", 1e-3);
        for (var layout : tolerance.entrySet()) {
            Path file = withEncoder("small-s31." + layout.getKey() + ".safetensors", encoder, layout.getKey());
            DacCheckpoint c = DacCheckpoint.load(file);
            assertEquals(new EncoderConfig(8, new int[] {2, 4, 4}), c.requireEncoder(), layout.getKey());
            for (Tensor t : encoder.values()) {
                Tensor loaded = c.tensors().get(t.name());
                assertArrayEquals(t.shape(), loaded.shape(), layout.getKey() + " " + t.name());
                double err = relative(loaded.data(), t.data());
                assertTrue(err <= layout.getValue(), layout.getKey() + " " + t.name() + ": " + err);
            }
            assertEquals(decodePath(c).size() + encoder.size(), c.tensors().size(), layout.getKey());
        }
    }

    /** What {@link DacSynth#checkpointWithEncoder} holds is what the file it writes loads to. */
    @Test
    void synthInMemoryIsWhatItsFileLoadsTo() throws Exception {
        Path file = dir.resolve("synth.safetensors");
        DacSynth.write(DacConfig.small(), 5, DType.F32, Layout.WEIGHT_NORM, true, file);
        DacCheckpoint loaded = DacCheckpoint.load(file), memory = DacSynth.checkpointWithEncoder(DacConfig.small(), 5);
        assertEquals(memory.encoder(), loaded.encoder());
        assertEquals(memory.tensors().keySet(), loaded.tensors().keySet());
        for (var e : memory.tensors().entrySet()) {
            assertTrue(relative(loaded.tensors().get(e.getKey()).data(), e.getValue().data()) <= 1e-6, e.getKey());
        }
        assertEquals(DacSynth.checkpoint(DacConfig.small(), 5).parameterCount(), loaded.parameterCount(), "the decode path's count");
    }

    @Test
    void theFirstMissingOrMisshapenEncoderTensorIsNamed() throws Exception {
        Map<String, Tensor> encoder = SynthEncoder.tensors(DacConfig.small(), 3);
        Path noUnit = write("small-s31.folded.safetensors", encoder, n -> n.equals("encoder.block.1.res_unit2.conv1.weight") ? null : n);
        DacCheckpoint lacking = DacCheckpoint.load(noUnit);
        assertBad(lacking::requireEncoder, "with.safetensors", "tensor 'encoder.block.1.res_unit2.conv1.weight': missing");
        assertNull(lacking.encoder());
        assertEquals(decodePath(DacCheckpoint.load(FIXTURES.resolve("small-s31.folded.safetensors"))).keySet(), lacking.tensors().keySet(),
                "decoding is as without an encoder: no half encoder among the tensors");
        Path noInProj = write("small-s31.folded.safetensors", encoder, n -> n.startsWith("quantizer.quantizers.3.in_proj") ? null : n);
        assertBad(DacCheckpoint.load(noInProj)::requireEncoder, "with.safetensors", "tensor 'quantizer.quantizers.3.in_proj.weight': missing");

        Map<String, Tensor> odd = new LinkedHashMap<>(encoder);
        odd.put("encoder.block.2.conv1.weight", new Tensor("encoder.block.2.conv1.weight", new int[] {64, 32, 7}, new float[64 * 32 * 7]));
        Path oddKernel = write("small-s31.folded.safetensors", odd, n -> n);
        assertBad(DacCheckpoint.load(oddKernel)::requireEncoder, "with.safetensors", "tensor 'encoder.block.2.conv1.weight': kernel 7 is not twice a stride");
        odd.put("encoder.block.2.conv1.weight", new Tensor("encoder.block.2.conv1.weight", new int[] {64, 32, 6}, new float[64 * 32 * 6]));
        Path otherHop = write("small-s31.folded.safetensors", odd, n -> n);
        assertBad(DacCheckpoint.load(otherHop)::requireEncoder, "with.safetensors", "strides [2, 4, 3] give hop 24 where the decoder's give 32");

        Map<String, Tensor> narrow = new LinkedHashMap<>(encoder);
        narrow.put("encoder.block.0.res_unit3.snake2.alpha", new Tensor("encoder.block.0.res_unit3.snake2.alpha", new int[] {1, 7, 1}, new float[7]));
        Path misshapen = write("small-s31.folded.safetensors", narrow, n -> n);
        assertBad(DacCheckpoint.load(misshapen)::requireEncoder, "with.safetensors",
                "tensor 'encoder.block.0.res_unit3.snake2.alpha': shape [1, 7, 1] where [1, 8, 1] was expected");
    }

    /** Under descript's names a missing tensor is named as the file would store it. */
    @Test
    void originalNamesAreReportedAsStoredInTheFile() throws Exception {
        Map<String, Tensor> encoder = SynthEncoder.tensors(DacConfig.small(), 3);
        Path full = withEncoder("small-s31.original.safetensors", encoder, "original");
        assertEquals(Layout.ORIGINAL, DacCheckpoint.load(full).layout());
        assertEquals(new EncoderConfig(8, new int[] {2, 4, 4}), DacCheckpoint.load(full).requireEncoder());
        Path lacking = dir.resolve("lacking.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(full)) {
            for (TensorInfo t : st.tensors().values()) {
                if (t.name().equals("model.encoder.block.2.block.1.block.3.weight_v")) continue; // block 1, res_unit2, conv2
                w.put(t.name(), DType.F32, t.shape(), st.readFloat(t.name()));
            }
        }
        w.write(lacking);
        assertBad(DacCheckpoint.load(lacking)::requireEncoder, "lacking.safetensors", "tensor 'model.encoder.block.2.block.1.block.3.weight'");
    }

    /** The decoder file {@code base} plus {@code encoder} written in {@code layout}'s form and naming. */
    private Path withEncoder(String base, Map<String, Tensor> encoder, String layout) throws Exception {
        String prefix = layout.equals("original") ? "model." : "";
        DType dtype = layout.equals("f16") ? DType.F16 : DType.F32;
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(FIXTURES.resolve(base))) {
            for (TensorInfo t : st.tensors().values()) {
                if (t.name().contains("encoder.") || t.name().contains("in_proj")) continue; // the fixture's partial encoder
                w.put(t.name(), t.dtype(), t.shape(), st.readFloat(t.name()));
            }
        }
        for (Tensor t : encoder.values()) {
            String name = layout.equals("original") ? descriptName(t.name()) : t.name();
            long[] shape = java.util.Arrays.stream(t.shape()).asLongStream().toArray();
            boolean conv = name.endsWith(".weight") && t.rank() == 3;
            if (!conv || layout.equals("folded")) {
                w.put(prefix + name, dtype, shape, t.data());
                continue;
            }
            String b = prefix + name.substring(0, name.length() - ".weight".length());
            float[] g = rowNorms(t);
            boolean parametrized = layout.equals("parametrized");
            w.put(b + (parametrized ? ".parametrizations.weight.original0" : ".weight_g"), dtype, new long[] {shape[0], 1, 1}, g);
            w.put(b + (parametrized ? ".parametrizations.weight.original1" : ".weight_v"), dtype, shape, t.data());
        }
        Path out = dir.resolve(layout + "-with-encoder.safetensors");
        w.write(out);
        return out;
    }

    /** The folded decoder file {@code base} plus {@code encoder} (folded), each name passed through {@code rename} (null drops it). */
    private Path write(String base, Map<String, Tensor> encoder, UnaryOperator<String> rename) throws Exception {
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(FIXTURES.resolve(base))) {
            for (TensorInfo t : st.tensors().values()) {
                if (!t.name().contains("encoder.") && !t.name().contains("in_proj")) w.put(t.name(), DType.F32, t.shape(), st.readFloat(t.name()));
            }
        }
        for (Tensor t : encoder.values()) {
            String name = rename.apply(t.name());
            if (name != null) w.put(name, DType.F32, java.util.Arrays.stream(t.shape()).asLongStream().toArray(), t.data());
        }
        Path out = dir.resolve("with.safetensors");
        w.write(out);
        return out;
    }

    /**
     * HF name to descript's, written out from docs/MODEL.md independently of the loader, for small's three blocks:
     * {@code encoder.block.0} = conv1, {@code encoder.block.{n+1}.block.{0,1,2}} = residual units
     * ({@code .block.{0..3}} = snake1, conv1, snake2, conv2), {@code .block.3} = snake, {@code .block.4} = strided
     * conv, {@code encoder.block.4} = snake, {@code encoder.block.5} = conv2. The quantizer's names are the same.
     */
    private static String descriptName(String hf) {
        if (!hf.startsWith("encoder.")) return hf;
        String[] p = hf.split("\\.");
        String leaf = p[p.length - 1];
        if (hf.startsWith("encoder.conv1.")) return "encoder.block.0." + leaf;
        if (hf.startsWith("encoder.snake1.")) return "encoder.block.4." + leaf;
        if (hf.startsWith("encoder.conv2.")) return "encoder.block.5." + leaf;
        int n = Integer.parseInt(p[2]);
        String block = "encoder.block." + (n + 1) + ".block.";
        if (p[3].equals("snake1")) return block + "3." + leaf;
        if (p[3].equals("conv1")) return block + "4." + leaf;
        int unit = p[3].charAt(p[3].length() - 1) - '1';
        int layer = java.util.List.of("snake1", "conv1", "snake2", "conv2").indexOf(p[4]);
        return block + unit + ".block." + layer + "." + leaf;
    }

    /** g = ||w|| per output channel: weight norm with v = w gives w back. */
    private static float[] rowNorms(Tensor w) {
        int rows = w.dim(0), per = w.data().length / rows;
        float[] g = new float[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int j = 0; j < per; j++) s += (double) w.data()[i * per + j] * w.data()[i * per + j];
            g[i] = (float) Math.sqrt(s);
        }
        return g;
    }

    /** The checkpoint's decode-path tensors: all but the encoder's and the in_proj layers. */
    private static Map<String, Tensor> decodePath(DacCheckpoint c) {
        Map<String, Tensor> m = new java.util.TreeMap<>(c.tensors());
        m.keySet().removeIf(n -> n.startsWith("encoder.") || n.contains(".in_proj."));
        return m;
    }

    private static double relative(float[] out, float[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < out.length; i++) {
            if (!Float.isFinite(out[i])) return Double.NaN;
            num += ((double) out[i] - ref[i]) * ((double) out[i] - ref[i]);
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }
}
