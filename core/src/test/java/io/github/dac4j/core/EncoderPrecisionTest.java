package io.github.dac4j.core;

import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.testing.Numerics;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Beyond the fixtures: random models (the small shape, and an odd stride as in the 16 and 24 kHz models) on random
 * audio, float32 ({@link Float32Encoder}, from the records) against float64 ({@link ReferenceEncoder}, the same
 * weights): latents within 1e-5, and every code equal where no search is a near-tie in float64.
 */
class EncoderPrecisionTest {
    /**
     * A float64 margin this large cannot flip in float32: a distance between unit vectors of dimension 8 is off by at
     * most about 1e-6 there. Seen: 9.2e-5 to 6.9e-4 for these seeds.
     */
    static final double DECIDED = 1e-5;

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void float32GivesFloat64sCodesOnRandomModels(int seed) throws Exception {
        DacConfig config = seed % 2 == 0 ? DacConfig.small() : DacConfig.fromShapes(64, 96, new int[] {5, 4, 2}, 6, 64, 8);
        DacCheckpoint checkpoint = DacSynth.checkpointWithEncoder(config, 40 + seed);
        EncoderModel model = EncoderModel.load(checkpoint);
        float[] audio = Numerics.random(70 + seed, 37 * model.hop(), 0.8);
        ReferenceEncoder reference = new ReferenceEncoder(checkpoint);
        double[][] z64 = reference.latents(audio);
        ReferenceEncoder.Quantized q64 = reference.quantize(z64, config.nCodebooks());
        Float32Encoder f32 = new Float32Encoder(model);
        float[][] z32 = f32.latents(audio);
        int[][] codes32 = f32.quantize(z32, config.nCodebooks());
        double err = Numerics.relativeError(flatten(z32), flatten(z64));
        System.out.printf(Locale.ROOT, "seed %d (%s): float32 latents %.2e from float64; smallest float64 margin %.2e%n",
                seed, config, err, q64.smallestMargin());
        assertTrue(err <= 1e-5, "latents: " + err);
        assertTrue(q64.smallestMargin() > DECIDED, "a near-tie makes this seed unfit for an equality check: " + q64.smallestMargin());
        for (int k = 0; k < codes32.length; k++) assertArrayEquals(q64.codes()[k], codes32[k], "codebook " + k);
    }

    private static float[] flatten(float[][] x) {
        float[] f = new float[x.length * x[0].length];
        for (int c = 0; c < x.length; c++) System.arraycopy(x[c], 0, f, c * x[0].length, x[0].length);
        return f;
    }

    private static double[] flatten(double[][] x) {
        double[] f = new double[x.length * x[0].length];
        for (int c = 0; c < x.length; c++) System.arraycopy(x[c], 0, f, c * x[0].length, x[0].length);
        return f;
    }
}
