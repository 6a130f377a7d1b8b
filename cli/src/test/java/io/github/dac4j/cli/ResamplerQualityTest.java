package io.github.dac4j.cli;

import io.github.dac4j.weights.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resampler's measured quality (docs/ENCODER.md): a linear sweep from 0 Hz to the lower Nyquist frequency, resampled,
 * against the same analytic sweep evaluated at the output's sample times, which is the exact band-limited answer below
 * that frequency. Also: it is scipy's resample_poly, blocks change nothing, and the rates it refuses.
 */
class ResamplerQualityTest {
    static final double SECONDS = 2;

    /** A sweep of amplitude 0.5 from f0 to f1 Hz over {@link #SECONDS}: its value at time t. */
    static double sweep(double t, double f0, double f1) {
        return 0.5 * Math.sin(2 * Math.PI * (f0 * t + (f1 - f0) * t * t / (2 * SECONDS)));
    }

    /** ||y - ref|| / ||ref|| in dB over the output samples whose time lies in [lo, hi) of the sweep. */
    static double errorDb(float[] y, int rate, double f0, double f1, double lo, double hi) {
        double num = 0, den = 0;
        for (int j = 0; j < y.length; j++) {
            double t = j / (double) rate, at = t / SECONDS;
            if (at < lo || at >= hi) continue;
            double ref = sweep(t, f0, f1);
            num += (y[j] - ref) * (y[j] - ref);
            den += ref * ref;
        }
        return 10 * Math.log10(num / den);
    }

    static float[] sweepAt(int rate, double f0, double f1) {
        float[] x = new float[(int) (SECONDS * rate)];
        for (int i = 0; i < x.length; i++) x[i] = (float) sweep(i / (double) rate, f0, f1);
        return x;
    }

    /**
     * In-band error by the sweep's frequency as a fraction of the lower Nyquist frequency (the first and last 2 % of the
     * time left out: the sweep starts and stops abruptly there). Bounds: -55 dB to 0.8, -45 dB to 0.85; the filter's
     * transition band lies above (measured in docs/ENCODER.md).
     */
    @ParameterizedTest
    @CsvSource({"48000, 44100", "44100, 48000", "44100, 24000", "44100, 16000", "16000, 44100", "22050, 44100",
            "8000, 16000", "96000, 44100", "24000, 16000", "32000, 24000"})
    void aSweepIsResampledWithinTheMeasuredBounds(int from, int to) {
        double nyquist = Math.min(from, to) / 2.0;
        float[] y = Resampler.between(from, to).apply(sweepAt(from, 0, nyquist));
        assertEquals((long) Math.ceil(SECONDS * from * (double) to / from), y.length);
        double low = errorDb(y, to, 0, nyquist, 0.02, 0.5), mid = errorDb(y, to, 0, nyquist, 0.5, 0.8);
        double edge = errorDb(y, to, 0, nyquist, 0.8, 0.85), top = errorDb(y, to, 0, nyquist, 0.9, 0.98);
        String stop = "";
        double leak = Double.NaN;
        if (from / 2.0 >= 1.25 * to / 2.0) { // room for a stop band: 1.2 to 0.98 of the input's Nyquist, which should vanish
            float[] z = Resampler.between(from, to).apply(sweepAt(from, 0.6 * to, 0.98 * from / 2));
            double e = 0;
            int n = 0;
            for (int j = z.length / 50; j < z.length * 49 / 50; j++, n++) e += z[j] * (double) z[j];
            leak = 10 * Math.log10(e / n / 0.125); // against the sweep's power, 0.5^2 / 2
            stop = String.format(Locale.ROOT, ", stop band (1.2 to %.2f of the output's Nyquist) %.1f dB", 0.98 * from / to, leak);
        }
        System.out.printf(Locale.ROOT, "resample %,d -> %,d Hz: in-band error %.1f dB (0-0.5 of Nyquist), %.1f dB (0.5-0.8), %.1f dB (0.8-0.85), %.1f dB (0.9-0.98)%s%n",
                from, to, low, mid, edge, top, stop);
        assertTrue(low <= -55 && mid <= -55, from + " -> " + to + ": " + low + ", " + mid);
        assertTrue(edge <= -45, from + " -> " + to + ": " + edge);
        if (!stop.isEmpty()) assertTrue(leak <= -50, from + " -> " + to + " leaks " + leak);
    }

    /** jdsp's Resample computes scipy's resample_poly(x, up, down, window=('kaiser', 5.0)): files from make_reference.py. */
    @ParameterizedTest
    @CsvSource({"48000, 44100", "16000, 44100", "44100, 16000"})
    void itIsScipysResamplePoly(int from, int to) throws Exception {
        Path dir = Path.of("src/test/resources/resample");
        float[] x = Npy.read(dir.resolve("chirp-" + from + ".npy")).floats();
        float[] expected = Npy.read(dir.resolve("chirp-" + from + "-to-" + to + ".npy")).floats();
        float[] y = Resampler.between(from, to).apply(x);
        assertEquals(expected.length, y.length);
        double num = 0, den = 0;
        for (int i = 0; i < y.length; i++) { num += (y[i] - expected[i]) * (double) (y[i] - expected[i]); den += expected[i] * (double) expected[i]; }
        assertTrue(Math.sqrt(num / den) <= 1e-6, "relative error " + Math.sqrt(num / den));
    }

    /** Long audio goes through jdsp in blocks with margins: the same samples as one call over the whole signal. */
    @Test
    void blocksGiveTheSamplesOfOneCall() {
        SplittableRandom rnd = new SplittableRandom(14);
        float[] x = new float[30_011];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() - 0.5);
        for (int[] rates : new int[][] {{48000, 44100}, {16000, 44100}, {44100, 8000}}) {
            float[] whole = Resampler.between(rates[0], rates[1], Integer.MAX_VALUE / 2).apply(x);
            float[] blocks = Resampler.between(rates[0], rates[1], 1000).apply(x);
            assertArrayEquals(whole, blocks, rates[0] + " -> " + rates[1]);
        }
    }

    @Test
    void equalRatesAreLeftAlone() {
        float[] x = {0.1f, 0.2f};
        assertSame(x, Resampler.between(44100, 44100).apply(x));
    }

    @Test
    void ratesItCannotConvertAreRefusedNamingBoth() {
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class, () -> Resampler.between(44056, 44100));
        assertTrue(odd.getMessage().startsWith("cannot resample 44,056 Hz to 44,100 Hz: their ratio 11025/11014"), odd.getMessage());
        IllegalArgumentException low = assertThrows(IllegalArgumentException.class, () -> Resampler.between(500, 44100));
        assertTrue(low.getMessage().startsWith("cannot resample 500 Hz to 44,100 Hz: rates must be between 1,000 and 768,000 Hz, got 500"), low.getMessage());
    }
}
