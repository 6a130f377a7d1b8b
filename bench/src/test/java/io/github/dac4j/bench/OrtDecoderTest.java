package io.github.dac4j.bench;

import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.weights.Npy;
import io.github.dac4j.weights.NpyArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX Runtime peer on a small model: the tiny-s12 fixture's decoder exported by bench/onnx/export_decoder.py
 * (test resources; no torch here). It must give the PyTorch reference's samples, and dac4j's, to 1e-5 (float32),
 * for a batch of two streams: the benchmark's setup check relies on this adapter laying the codes out right.
 */
class OrtDecoderTest {
    static final double FP32_TOLERANCE = 1e-5;

    @TempDir Path dir;

    static Path resource(String name) throws URISyntaxException {
        return Path.of(OrtDecoderTest.class.getResource("/onnx/" + name).toURI());
    }

    /** codes {@code [B, K, T]} from an int64 .npy. */
    static int[][][] codes(Path file) throws Exception {
        NpyArray a = Npy.read(file);
        int b = (int) a.shape()[0], k = (int) a.shape()[1], t = (int) a.shape()[2];
        int[][][] codes = new int[b][k][t];
        for (int i = 0; i < b; i++) for (int j = 0; j < k; j++) for (int x = 0; x < t; x++) {
            codes[i][j][x] = Math.toIntExact(a.longs()[(i * k + j) * t + x]);
        }
        return codes;
    }

    @Test
    void matchesTheReferenceAndDac4j() throws Exception {
        int[][][] codes = codes(resource("tiny-s12.codes.npy"));
        assertEquals(2, codes.length, "the case must have two streams to check the batch layout");
        NpyArray expectedArray = Npy.read(resource("tiny-s12.expected.npy"));
        int length = (int) expectedArray.shape()[2];
        float[][] expected = new float[codes.length][length];
        for (int b = 0; b < codes.length; b++) System.arraycopy(expectedArray.floats(), b * length, expected[b], 0, length);

        float[][] ours;
        try (Decoder decoder = Decoder.open(resource("tiny-s12.safetensors"), DecoderOptions.defaults().withDevice("cpu").withBatch(codes.length))) {
            ours = decoder.decode(codes);
        }
        for (int threads : new int[] {1, 2}) {
            try (OrtDecoder ort = OrtDecoder.open(resource("tiny-s12.onnx"), threads)) {
                assertTrue(ort.description().startsWith("onnxruntime 1.20.0, " + threads + " intra-op thread"), ort.description());
                float[][] peer = ort.decode(codes);
                double toReference = OrtDecoder.relativeError(peer, expected), toDac4j = OrtDecoder.relativeError(peer, ours);
                assertTrue(toReference <= FP32_TOLERANCE, "against the reference: " + toReference);
                assertTrue(toDac4j <= FP32_TOLERANCE, "against dac4j: " + toDac4j);
                // Each stream on its own as well: a swapped or shifted batch would show in one of them.
                for (int b = 0; b < codes.length; b++) {
                    double e = OrtDecoder.relativeError(new float[][] {peer[b]}, new float[][] {expected[b]});
                    assertTrue(e <= FP32_TOLERANCE, "stream " + b + ": " + e);
                }
            }
        }
    }

    @Test
    void aMissingModelSaysHowToMakeIt() {
        Path missing = dir.resolve("dac44.onnx");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OrtDecoder.open(missing, 1));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("bench/onnx/export.sh"), e.getMessage());
    }

    @Test
    void relativeErrorRejectsNanAndShapeMismatch() {
        float[][] ref = {{1, 2, 3}};
        assertEquals(0, OrtDecoder.relativeError(new float[][] {{1, 2, 3}}, ref));
        assertEquals(Math.sqrt(1.0 / 14), OrtDecoder.relativeError(new float[][] {{1, 2, 4}}, ref), 1e-15);
        assertTrue(Double.isNaN(OrtDecoder.relativeError(new float[][] {{1, Float.NaN, 3}}, ref)));
        assertEquals(Double.POSITIVE_INFINITY, OrtDecoder.relativeError(new float[][] {{1, 2}}, ref));
        assertEquals(Double.POSITIVE_INFINITY, OrtDecoder.relativeError(new float[][] {{1, 2, 3}, {1, 2, 3}}, ref));
    }
}
