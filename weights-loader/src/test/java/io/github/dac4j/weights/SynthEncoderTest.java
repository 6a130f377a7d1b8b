package io.github.dac4j.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code DacSynth} with the encoder: the tensor names and shapes of the PyTorch reference's encoder checkpoints. */
class SynthEncoderTest {
    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"enc-tiny-s51", "enc-odd-s53"})
    void namesAndShapesAreTheReferences(String fixture) throws Exception {
        Path reference = Path.of("src/test/resources/synth-encoder/" + fixture + ".safetensors");
        DacConfig config = DacCheckpoint.load(reference).config();
        Path ours = dir.resolve("ours.safetensors");
        DacSynth.write(config, 7, DType.F32, Layout.WEIGHT_NORM, true, ours);
        Map<String, String> expected = shapes(reference), actual = shapes(ours);
        assertTrue(expected.keySet().stream().anyMatch(n -> n.startsWith("encoder.block.")), "the reference has an encoder");
        assertEquals(expected, actual);
    }

    /** The encoder is drawn from a stream of its own: the decode path is the same with and without it. */
    @Test
    void theDecodePathDoesNotChange() throws Exception {
        DacSynth.write(DacConfig.small(), 3, DType.F32, Layout.FOLDED, false, dir.resolve("a.safetensors"));
        DacSynth.write(DacConfig.small(), 3, DType.F32, Layout.FOLDED, true, dir.resolve("b.safetensors"));
        DacCheckpoint a = DacCheckpoint.load(dir.resolve("a.safetensors")), b = DacCheckpoint.load(dir.resolve("b.safetensors"));
        for (String name : a.tensors().keySet()) assertArrayEquals(a.tensors().get(name).data(), b.tensors().get(name).data(), name);
        assertTrue(shapes(dir.resolve("b.safetensors")).containsKey("encoder.conv2.weight"));
        assertEquals(a.parameterCount(), b.parameterCount(), "the decode path's parameters");
        assertEquals(null, a.encoder());
        assertEquals(new EncoderConfig(DacSynth.encoderWidth(DacConfig.small()), DacSynth.encoderStrides(DacConfig.small())), b.encoder());
        assertTrue(b.tensors().keySet().containsAll(a.tensors().keySet()));
        assertTrue(b.tensors().containsKey("encoder.conv2.weight") && b.tensors().containsKey("quantizer.quantizers.0.in_proj.weight"));
    }

    /** The published models' encoders, in memory: DAC-DECODER.md, "The encoder". */
    @Test
    void publishedShapes() {
        for (DacConfig c : new DacConfig[] {DacConfig.dac44khz(), DacConfig.dac24khz(), DacConfig.dac16khz()}) {
            Map<String, Tensor> t = SynthEncoder.tensors(c, 1);
            int last = c.stride(0); // the encoder's last stride is the decoder's first
            assertArrayEquals(new int[] {64, 1, 7}, t.get("encoder.conv1.weight").shape());
            assertArrayEquals(new int[] {128, 64, 4}, t.get("encoder.block.0.conv1.weight").shape());
            assertArrayEquals(new int[] {256, 128, 8}, t.get("encoder.block.1.conv1.weight").shape());
            assertArrayEquals(new int[] {512, 256, 2 * c.stride(1)}, t.get("encoder.block.2.conv1.weight").shape(), c.toString());
            assertArrayEquals(new int[] {1024, 512, 2 * last}, t.get("encoder.block.3.conv1.weight").shape());
            assertArrayEquals(new int[] {512, 512, 7}, t.get("encoder.block.3.res_unit3.conv1.weight").shape());
            assertArrayEquals(new int[] {1, 1024, 1}, t.get("encoder.snake1.alpha").shape());
            assertArrayEquals(new int[] {1024, 1024, 3}, t.get("encoder.conv2.weight").shape());
            int k = c.nCodebooks() - 1;
            assertArrayEquals(new int[] {8, 1024, 1}, t.get("quantizer.quantizers." + k + ".in_proj.weight").shape());
            assertEquals(null, t.get("quantizer.quantizers." + c.nCodebooks() + ".in_proj.weight"));
        }
        assertArrayEquals(new int[] {2, 4, 5, 8}, DacSynth.encoderStrides(DacConfig.dac24khz()));
        assertArrayEquals(new int[] {2, 4, 8, 8}, DacSynth.encoderStrides(DacConfig.dac44khz()));
    }

    private static Map<String, String> shapes(Path file) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (SafeTensors st = SafeTensors.open(file)) {
            for (TensorInfo t : st.tensors().values()) m.put(t.name(), Arrays.toString(t.shape()));
        }
        return m;
    }
}
