package io.github.dac4j.core.model;

import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.weights.Weights;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The codebook tables, folded with output channels innermost, equal one double dot product per output bit for bit; a
 * loaded quantizer computes their rows as they are asked for.
 */
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

    /**
     * A loaded quantizer computes the rows a step's codes read when asked ({@code tablesFor}), no others, and each one
     * as the whole table has it; {@code tables()} then completes them.
     */
    @Test void rowsComputedWhenFirstAskedForAreTheWholeTablesRows() throws Exception {
        DacConfig c = DacConfig.small();
        Weights w = DacSynth.checkpoint(c, 5).weights().prefix("quantizer");
        int size = c.codebookSize(), latent = c.latentDim();
        float[][] whole = Quantizer.load(w, c.nCodebooks(), size, c.codebookDim(), latent).tables();
        Quantizer lazy = Quantizer.load(w, c.nCodebooks(), size, c.codebookDim(), latent);
        SplittableRandom rnd = new SplittableRandom(System.nanoTime());
        int streams = 2, books = 2, n = 3;
        int[] codes = new int[streams * books * n];
        for (int i = 0; i < codes.length; i++) codes[i] = rnd.nextInt(size);
        float[][] part = lazy.tablesFor(codes, streams, books, n);
        java.util.Set<Integer> asked = new java.util.HashSet<>();
        for (int b = 0; b < streams; b++) {
            for (int t = 0; t < n; t++) {
                int code = codes[b * books * n + t];   // codebook 0
                asked.add(code);
                assertArrayEquals(java.util.Arrays.copyOfRange(whole[0], code * latent, (code + 1) * latent),
                        java.util.Arrays.copyOfRange(part[0], code * latent, (code + 1) * latent), "row " + code);
            }
        }
        for (int code = 0; code < size; code++) {
            if (asked.contains(code)) continue;
            for (int o = 0; o < latent; o++) assertEquals(0f, part[0][code * latent + o], "row " + code + " was not asked for");
            break;
        }
        for (int code = 0; code < size; code++) assertEquals(0f, part[books][code * latent], "codebook " + books + " was not asked for");
        float[][] completed = lazy.tables();
        for (int k = 0; k < whole.length; k++) assertArrayEquals(whole[k], completed[k], "codebook " + k);
        assertEquals(4L * whole.length * size * latent, lazy.tableBytes());
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * (1 + rnd.nextInt(100)));
        return a;
    }
}
