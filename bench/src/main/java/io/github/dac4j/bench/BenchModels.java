package io.github.dac4j.bench;

import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DType;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.Layout;
import io.github.dac4j.weights.Tensor;
import io.github.dac4j.weights.WeightsException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Models with random weights and the real structure, built in memory, and random codes: benchmarks and memory
 * studies need the 44.1 kHz shapes, not the trained values, and must not depend on a downloaded checkpoint.
 * The same recipe as core's test {@code RandomModels} (uniform weights scaled by 1/sqrt(fan-in), so activations
 * stay in a realistic range through the whole decoder).
 */
public final class BenchModels {
    private BenchModels() {}

    /** A decoder model of configuration {@code c} with random weights drawn from {@code seed}. */
    public static DacModel random(DacConfig c, long seed) {
        try {
            return DacModel.load(checkpoint(c, seed));
        } catch (WeightsException e) {
            // The tensors are made here with the shapes the model asks for: a mismatch is a bug in this class.
            throw new IllegalStateException("random checkpoint does not fit the model: " + e.getMessage(), e);
        }
    }

    /** Random codes {@code [streams, codebooks, frames]} in {@code [0, codebookSize)}. */
    public static int[][][] codes(DacConfig c, int streams, int frames, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][][] codes = new int[streams][c.nCodebooks()][frames];
        for (int[][] s : codes) for (int[] row : s) for (int t = 0; t < frames; t++) row[t] = rnd.nextInt(c.codebookSize());
        return codes;
    }

    static DacCheckpoint checkpoint(DacConfig c, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (int k = 0; k < c.nCodebooks(); k++) {
            String q = "quantizer.quantizers." + k + ".";
            put(t, q + "codebook.weight", uniform(rnd, c.codebookSize() * c.codebookDim(), 1.0), c.codebookSize(), c.codebookDim());
            conv(t, rnd, q + "out_proj", c.latentDim(), c.codebookDim(), 1);
        }
        conv(t, rnd, "decoder.conv1", c.decoderDim(), c.latentDim(), 7);
        for (int b = 0; b < c.blocks(); b++) {
            int in = c.channels(b), out = in / 2, s = c.stride(b);
            String p = "decoder.block." + b + ".";
            snake(t, rnd, p + "snake1", in);
            put(t, p + "conv_t1.weight", uniform(rnd, in * out * 2 * s, 1 / Math.sqrt(out * 2.0 * s)), in, out, 2 * s);
            put(t, p + "conv_t1.bias", uniform(rnd, out, 0.1), out);
            for (int r = 1; r <= 3; r++) {
                String u = p + "res_unit" + r + ".";
                snake(t, rnd, u + "snake1", out);
                conv(t, rnd, u + "conv1", out, out, 7);
                snake(t, rnd, u + "snake2", out);
                conv(t, rnd, u + "conv2", out, out, 1);
            }
        }
        int last = c.channels(c.blocks());
        snake(t, rnd, "decoder.snake1", last);
        conv(t, rnd, "decoder.conv2", 1, last, 7);
        long params = t.values().stream().mapToLong(x -> x.data().length).sum();
        return new DacCheckpoint(null, c, Layout.FOLDED, DType.F32, t, params, 4 * params);
    }

    private static void conv(Map<String, Tensor> t, SplittableRandom rnd, String name, int out, int in, int k) {
        double bound = 1 / Math.sqrt(in * (double) k);
        put(t, name + ".weight", uniform(rnd, out * in * k, bound), out, in, k);
        put(t, name + ".bias", uniform(rnd, out, bound), out);
    }

    private static void snake(Map<String, Tensor> t, SplittableRandom rnd, String name, int channels) {
        float[] alpha = new float[channels];
        for (int i = 0; i < channels; i++) alpha[i] = (float) (0.5 + rnd.nextDouble());
        put(t, name + ".alpha", alpha, 1, channels, 1);
    }

    private static void put(Map<String, Tensor> t, String name, float[] data, int... shape) {
        t.put(name, new Tensor(name, shape, data));
    }

    /** n values uniform in [-bound, bound). */
    static float[] uniform(SplittableRandom rnd, int n, double bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        return a;
    }
}
