package io.github.dac4j.cuda;

import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;

import java.util.SplittableRandom;

/** Random models and inputs for the GPU tests, and the error measure they are judged by. */
final class TestModels {
    private TestModels() {}

    static DacCheckpoint checkpoint(DacConfig c, long seed) { return DacSynth.checkpoint(c, seed); }

    static int[][][] codes(DacConfig c, int streams, int codebooks, int frames, long seed) {
        return DacSynth.codes(c, streams, codebooks, frames, seed);
    }

    /** ||out - ref|| / ||ref|| in double; NaN or infinity anywhere gives NaN, which fails every {@code <=} check. */
    static double relativeError(float[] out, float[] ref) {
        if (out.length != ref.length) throw new IllegalArgumentException("lengths " + out.length + " and " + ref.length);
        double num = 0, den = 0;
        for (int i = 0; i < out.length; i++) {
            if (!Float.isFinite(out[i])) return Double.NaN;
            double d = (double) out[i] - ref[i];
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    /** Uniform random floats in [-bound, bound), for op tests: fresh per seed, never all zeros. */
    static float[] random(long seed, int n, double bound) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        return a;
    }
}
