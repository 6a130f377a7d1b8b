package io.github.dac4j.core.model;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The codebook tables, folded with output channels innermost, equal one double dot product per output bit for bit. */
class QuantizerTableTest {
    @Test void equalsOneDotProductPerOutput() {
        SplittableRandom rnd = new SplittableRandom(System.nanoTime());
        for (int[] shape : new int[][] {{37, 8, 61}, {5, 3, 1}, {64, 8, 1024}}) {
            int size = shape[0], dim = shape[1], latent = shape[2];
            float[] codebook = random(rnd, size * dim), proj = random(rnd, latent * dim), bias = random(rnd, latent);
            float[] table = Quantizer.table(codebook, proj, bias, size, dim, latent);
            for (int c = 0; c < size; c++) {
                for (int o = 0; o < latent; o++) {
                    double acc = 0;
                    for (int j = 0; j < dim; j++) acc += (double) proj[o * dim + j] * codebook[c * dim + j];
                    float expected = (float) (acc + bias[o]);
                    assertFalse(Float.isNaN(table[c * latent + o]));
                    assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(table[c * latent + o]),
                            "entry " + c + ", channel " + o + " of a " + size + " x " + dim + " -> " + latent + " table");
                }
            }
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * (1 + rnd.nextInt(100)));
        return a;
    }
}
