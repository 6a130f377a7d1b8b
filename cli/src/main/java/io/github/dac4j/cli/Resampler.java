package io.github.dac4j.cli;

import com.github.psambit9791.jdsp.signal.Resample;
import io.github.dac4j.weights.SampleRates;

import java.util.Locale;

/**
 * Sample-rate conversion for encoding, by jdsp's {@code Resample}: scipy's {@code resample_poly} (upsample by
 * {@code up}, a zero-phase Kaiser-windowed sinc low-pass of {@code 20 max(up, down) + 1} taps cut at the lower Nyquist,
 * downsample by {@code down}; zeros beyond both ends), {@code up / down} the rates' reduced ratio. Its quality against the
 * exact band-limited answer is measured in docs/ENCODER.md and bounded by {@code ResamplerQualityTest}: below -55 dB
 * from 0 to 0.8 of the lower Nyquist frequency. The JDK's own converter was measured and not taken (see there).
 *
 * <p>jdsp works on one array whose upsampled length must fit an {@code int}, so long audio is converted in blocks
 * aligned to whole periods of the ratio, each with enough input on both sides for the filter: every output sample is
 * the one a single call over the whole signal gives.
 */
final class Resampler {
    /** scipy's default window, {@code ('kaiser', 5.0)}. */
    static final double KAISER_BETA = 5.0;
    /** The largest {@code up} or {@code down} converted; rarer ratios (44,056 to 44,100 Hz: 11,014 / 11,025) are refused. */
    static final int MAX_FACTOR = 4096;
    /** Input samples per block, about; a multiple of {@code down} is taken. */
    static final int BLOCK = 1 << 18;

    private final int from, to, up, down, block;

    private Resampler(int from, int to, int block) {
        this.from = from;
        this.to = to;
        int g = gcd(from, to);
        this.up = to / g;
        this.down = from / g;
        this.block = Math.max(1, block / down) * down;
    }

    /**
     * A converter from {@code from} Hz to {@code to} Hz.
     *
     * @throws IllegalArgumentException naming both rates, if either is outside {@link SampleRates#MIN} to
     *         {@link SampleRates#MAX} or their reduced ratio has a factor above {@link #MAX_FACTOR}
     */
    static Resampler between(int from, int to) { return between(from, to, BLOCK); }

    /** As {@link #between(int, int)} with blocks of about {@code block} input samples (tests use small ones). */
    static Resampler between(int from, int to, int block) {
        String rates = String.format(Locale.ROOT, "cannot resample %,d Hz to %,d Hz: ", from, to);
        if (!SampleRates.plausible(from) || !SampleRates.plausible(to)) {
            throw new IllegalArgumentException(rates + "rates " + SampleRates.problem(SampleRates.plausible(from) ? to : from));
        }
        Resampler r = new Resampler(from, to, block);
        if (Math.max(r.up, r.down) > MAX_FACTOR) {
            throw new IllegalArgumentException(rates + String.format(Locale.ROOT, "their ratio %d/%d has a factor above %d, "
                    + "which the resampler does not convert with its measured quality; convert the file to %,d Hz first", r.up, r.down, MAX_FACTOR, to));
        }
        return r;
    }

    /** Output samples for {@code n} input samples: {@code ceil(n up / down)}, as resample_poly gives. */
    long outputLength(long n) { return (n * up + down - 1) / down; }

    /** The signal at the new rate: {@code x[n] -> y[ceil(n up / down)]}; the same array if the rates are equal. */
    float[] apply(float[] x) {
        if (from == to) return x;
        int n = x.length;
        float[] y = new float[Math.toIntExact(outputLength(n))];
        // Input samples on each side that one output sample reads: the filter's half-length, rounded up to a whole period.
        long halfLength = 10L * Math.max(up, down) / up + 2;
        int margin = (int) ((halfLength + down - 1) / down) * down;
        Resample resample = new Resample(up, down, KAISER_BETA, "constant", 0);
        for (int start = 0; start < n; start += block) {
            int end = Math.min(n, start + block);
            double[] segment = new double[end - start + 2 * margin];
            for (int i = Math.max(0, start - margin); i < Math.min(n, end + margin); i++) segment[i - start + margin] = x[i];
            double[] out = resample.resampleSignal(segment);
            int first = (int) ((long) margin * up / down), outStart = (int) ((long) start * up / down);
            int count = (int) (Math.min(outputLength(end), y.length) - outStart);
            for (int j = 0; j < count; j++) y[outStart + j] = (float) out[first + j];
        }
        return y;
    }

    private static int gcd(int a, int b) { return b == 0 ? a : gcd(b, a % b); }
}
