package io.github.dac4j.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static io.github.dac4j.weights.SafeTensorsTest.assertBad;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DacCheckpointTest {
    static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    @TempDir Path dir;

    @Test
    void everyLayoutLoadsToTheSameEffectiveWeights() throws Exception {
        DacCheckpoint folded = DacCheckpoint.load(FIXTURES.resolve("small-s31.folded.safetensors"));
        assertEquals(Layout.FOLDED, folded.layout());
        DacConfig expected = new DacConfig(64, 96, new int[] {4, 4, 2}, 4, 64, 8, 44_100);
        assertEquals(expected, folded.config());
        assertEquals(folded.tensors().values().stream().mapToLong(t -> t.data().length).sum(), folded.parameterCount());
        Map<String, Layout> layouts = Map.of("parametrized", Layout.PARAMETRIZATIONS, "original", Layout.ORIGINAL,
                "f16", Layout.WEIGHT_NORM, "bf16", Layout.WEIGHT_NORM);
        for (var e : layouts.entrySet()) {
            DacCheckpoint c = DacCheckpoint.load(FIXTURES.resolve("small-s31." + e.getKey() + ".safetensors"));
            assertEquals(e.getValue(), c.layout(), e.getKey());
            assertEquals(expected, c.config(), e.getKey());
            assertEquals(folded.tensors().keySet(), c.tensors().keySet(), e.getKey());
            double tolerance = switch (e.getKey()) { case "f16" -> 1e-3; case "bf16" -> 8e-3; default -> 1e-6; };
            for (String name : folded.tensors().keySet()) {
                float[] a = folded.tensors().get(name).data(), b = c.tensors().get(name).data();
                double num = 0, den = 0;
                for (int i = 0; i < a.length; i++) { num += (a[i] - b[i]) * (double) (a[i] - b[i]); den += (double) a[i] * a[i]; }
                assertTrue(Math.sqrt(num / den) <= tolerance, e.getKey() + " " + name + ": " + Math.sqrt(num / den));
            }
        }
        assertEquals(DType.F16, DacCheckpoint.load(FIXTURES.resolve("small-s31.f16.safetensors")).storedDtype());
        assertEquals(DType.BF16, DacCheckpoint.load(FIXTURES.resolve("small-s31.bf16.safetensors")).storedDtype());
        DacCheckpoint tiny = DacCheckpoint.load(FIXTURES.resolve("tiny-s11.safetensors"));
        assertEquals(Layout.WEIGHT_NORM, tiny.layout());
        assertEquals(DacConfig.tiny(), tiny.config());
    }

    /** Weight norm folds bit for bit as {@code (float) (v * (double) g / sqrt(sum of v^2 in double))}, whatever loop form computes it. */
    @Test
    void weightNormFoldsExactlyAsTheOneLineFormula() throws Exception {
        Path file = FIXTURES.resolve("tiny-s11.safetensors");
        DacCheckpoint c = DacCheckpoint.load(file);
        int checked = 0;
        try (SafeTensors st = SafeTensors.open(file)) {
            for (TensorInfo t : st.tensors().values()) {
                if (!t.name().endsWith(".weight_v")) continue;
                String base = t.name().substring(0, t.name().length() - ".weight_v".length());
                float[] v = st.readFloat(t.name()), g = st.readFloat(base + ".weight_g");
                int per = v.length / g.length;
                float[] expected = new float[v.length];
                for (int i = 0; i < g.length; i++) {
                    double sum = 0;
                    for (int j = 0; j < per; j++) sum += (double) v[i * per + j] * v[i * per + j];
                    double scale = g[i] / Math.sqrt(sum);
                    for (int j = 0; j < per; j++) expected[i * per + j] = (float) (v[i * per + j] * scale);
                }
                Tensor loaded = c.tensors().get(base + ".weight");
                assertTrue(loaded != null, base);
                assertTrue(java.util.Arrays.equals(expected, loaded.data()), base + ": folded weights differ from the formula");
                checked++;
            }
        }
        assertTrue(checked >= 10, "only " + checked + " weight-normed tensors checked");
    }

    /** Rewrites the folded fixture without one tensor, or with one reshaped, and loads it. */
    private Path variant(String drop, String reshape, long[] newShape) throws Exception {
        Path out = dir.resolve("variant.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(FIXTURES.resolve("small-s31.folded.safetensors"))) {
            for (TensorInfo t : st.tensors().values()) {
                if (t.name().equals(drop)) continue;
                float[] data = st.readFloat(t.name());
                long[] shape = t.shape();
                if (t.name().equals(reshape)) {
                    shape = newShape;
                    long n = 1;
                    for (long d : shape) n *= d;
                    data = java.util.Arrays.copyOf(data, (int) n);
                }
                w.put(t.name(), DType.F32, shape, data);
            }
        }
        w.write(out);
        return out;
    }

    @Test
    void missingAndMisshapedTensorsAreReportedByName() throws Exception {
        Path missing = variant("decoder.block.1.res_unit2.conv1.weight", null, null);
        assertBad(() -> DacCheckpoint.load(missing), "variant.safetensors", "tensor 'decoder.block.1.res_unit2.conv1.weight': missing");
        Path alpha = variant(null, "decoder.block.2.res_unit3.snake2.alpha", new long[] {1, 11, 1});
        assertBad(() -> DacCheckpoint.load(alpha), "variant.safetensors",
                "tensor 'decoder.block.2.res_unit3.snake2.alpha': shape [1, 11, 1] where [1, 12, 1] was expected");
        Path bias = variant(null, "decoder.conv1.bias", new long[] {95});
        assertBad(() -> DacCheckpoint.load(bias), "variant.safetensors", "tensor 'decoder.conv1.bias': shape [95]");
        Path oddKernel = variant(null, "decoder.block.0.conv_t1.weight", new long[] {96, 48, 7});
        assertBad(() -> DacCheckpoint.load(oddKernel), "variant.safetensors", "kernel 7 is not twice a stride");
        Path odd = variant(null, "decoder.block.0.conv_t1.weight", new long[] {96, 48, 6});
        assertEquals(3, DacCheckpoint.load(odd).config().stride(0), "an odd stride (the 16 and 24 kHz models have 5) loads");
        Path noQuantizer = variant("quantizer.quantizers.0.codebook.weight", null, null);
        assertBad(() -> DacCheckpoint.load(noQuantizer), "variant.safetensors", "not a DAC checkpoint");
    }

    /** Odd strides load (the 16 and 24 kHz models have a 5): kernel 6 is stride 3. */
    @Test
    void oddStridesLoad() throws Exception {
        Path odd = variant(null, "decoder.block.0.conv_t1.weight", new long[] {96, 48, 6});
        DacConfig c = DacCheckpoint.load(odd).config();
        assertEquals(java.util.List.of(3, 4, 2), java.util.Arrays.stream(c.strides()).boxed().toList());
        assertEquals(24, c.hop());
        assertEquals(SampleRateSource.DEFAULT, c.sampleRateSource());
    }

    @Test
    void originalNamesAreReportedAsStoredInTheFile() throws Exception {
        Path out = dir.resolve("orig.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(FIXTURES.resolve("small-s31.original.safetensors"))) {
            for (TensorInfo t : st.tensors().values()) {
                if (t.name().equals("model.decoder.model.2.block.3.block.1.weight_v")) continue;
                w.put(t.name(), DType.F32, t.shape(), st.readFloat(t.name()));
            }
        }
        w.write(out);
        assertBad(() -> DacCheckpoint.load(out), "orig.safetensors", "tensor 'model.decoder.model.2.block.3.block.1.weight'");
    }
}
