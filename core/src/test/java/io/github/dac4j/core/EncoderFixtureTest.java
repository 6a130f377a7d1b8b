package io.github.dac4j.core;

import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.testing.Fixtures;
import io.github.dac4j.testing.Numerics;
import io.github.dac4j.weights.DacCheckpoint;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every encoder case of the PyTorch reference fixtures: the float64 {@link ReferenceEncoder} and the plain float32
 * {@link Float32Encoder} (from the {@link EncoderModel} records) give its latents and codes.
 */
class EncoderFixtureTest {

    @Test
    void everyCaseIsCounted() {
        assertEquals(3, Fixtures.encoderCases().size());
    }

    @TestFactory
    List<DynamicTest> float64ReferenceMatchesEveryCase() {
        return Fixtures.encoderCases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            DacCheckpoint checkpoint = DacCheckpoint.load(c.weights());
            ReferenceEncoder reference = ReferenceEncoder.unrounded(checkpoint);
            float[] audio = c.paddedAudio();
            double[][] z = reference.latents(audio);
            double[][] rounded = new ReferenceEncoder(checkpoint).latents(audio);
            float[] stored = c.latentArray().floats();
            int latent = z.length, frames = z[0].length;
            assertEquals(c.paddedSamples() / c.hop(), frames);
            double[] flat = new double[latent * frames], flatRounded = new double[latent * frames];
            int roundsToStored = 0;
            for (int ch = 0; ch < latent; ch++)
                for (int t = 0; t < frames; t++) {
                    flat[ch * frames + t] = z[ch][t];
                    flatRounded[ch * frames + t] = rounded[ch][t];
                    if ((float) z[ch][t] == stored[ch * frames + t]) roundsToStored++;
                }
            double error = Numerics.relativeError(stored, flat), roundedError = Numerics.relativeError(stored, flatRounded);
            ReferenceEncoder.Quantized q = reference.quantize(z, checkpoint.config().nCodebooks());
            System.out.printf(Locale.ROOT, "%s: float64 latents against the stored float32: %.2e relative, %d of %d round to the stored value"
                    + " (%.2e with the loader's float32-rounded folded weights); smallest distance margin between a chosen row and the"
                    + " runner-up %.2e%n", c.name(), error, roundsToStored, flat.length, roundedError, q.smallestMargin());
            // The stored latents are float32 roundings of the PyTorch float64 computation: ours round to exactly those values,
            // so what is left is float32's rounding (about 2^-24 / sqrt(3) = 3.4e-8 relative).
            assertEquals(flat.length, roundsToStored, c.name());
            assertTrue(error <= 5e-8, c.name() + ": " + error);
            // The loader folds weight norm in double and stores float32: a relative change of about 6e-8 per weight.
            assertTrue(roundedError <= 2e-7, c.name() + ": " + roundedError);
            assertArrayEquals(q.codes(), new ReferenceEncoder(checkpoint).quantize(rounded, q.codes().length).codes());
            int[][] expected = c.codeArray();
            for (int k = 0; k < expected.length; k++) assertArrayEquals(expected[k], q.codes()[k], c.name() + " codebook " + k);
        })).toList();
    }

    @TestFactory
    List<DynamicTest> float32RecordsGiveTheSameCodes() {
        return Fixtures.encoderCases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            EncoderModel model = EncoderModel.load(DacCheckpoint.load(c.weights()));
            Float32Encoder encoder = new Float32Encoder(model);
            float[][] z = encoder.latents(c.paddedAudio());
            float[] flat = new float[z.length * z[0].length];
            for (int ch = 0; ch < z.length; ch++) System.arraycopy(z[ch], 0, flat, ch * z[0].length, z[0].length);
            double error = Numerics.relativeError(flat, c.latentArray().floats());
            System.out.printf(Locale.ROOT, "%s: float32 latents %.2e relative%n", c.name(), error);
            assertTrue(error <= 1e-5, c.name() + ": " + error);
            int[][] expected = c.codeArray();
            int[][] codes = encoder.quantize(z, expected.length);
            for (int k = 0; k < expected.length; k++) assertArrayEquals(expected[k], codes[k], c.name() + " codebook " + k);
            // The first K codebooks alone give the first K rows: quantization is sequential.
            int[][] two = encoder.quantize(z, 2);
            assertArrayEquals(expected[1], two[1]);
        })).toList();
    }
}
