package io.github.dac4j.testing;

import java.util.SplittableRandom;

/** The error measure every numerical test is judged by, and random inputs. Shared through core's test jar. */
public final class Numerics {
    private Numerics() {}

    /** ||out - ref|| / ||ref|| in double; NaN or infinity anywhere gives NaN, which fails every {@code <=} check. */
    public static double relativeError(float[] out, float[] ref) {
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

    /** The same against a float64 reference. */
    public static double relativeError(float[] out, double[] ref) {
        if (out.length != ref.length) throw new IllegalArgumentException("lengths " + out.length + " and " + ref.length);
        double num = 0, den = 0;
        for (int i = 0; i < out.length; i++) {
            if (!Float.isFinite(out[i])) return Double.NaN;
            double d = out[i] - ref[i];
            num += d * d;
            den += ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    /** Uniform random floats in [-bound, bound): fresh per seed, never all zeros. */
    public static float[] random(long seed, int n, double bound) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        return a;
    }
}
