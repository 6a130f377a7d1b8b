package io.github.dac4j.weights;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HalvesTest {
    @Test
    void everyHalfRoundTripsExactly() {
        for (int h = 0; h < 65536; h++) {
            float f = Halves.halfToFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Halves.halfToFloat(Halves.floatToHalf(f))));
                continue;
            }
            assertEquals(h, Halves.floatToHalf(f) & 0xffff, "half 0x" + Integer.toHexString(h));
        }
        assertEquals(65504f, Halves.halfToFloat((short) 0x7bff));
        assertEquals(0x1p-24f, Halves.halfToFloat((short) 1));
        assertEquals(Float.NEGATIVE_INFINITY, Halves.halfToFloat((short) 0xfc00));
    }

    @Test
    void floatToHalfRoundsToNearestEven() {
        SplittableRandom rnd = new SplittableRandom();
        for (int i = 0; i < 200_000; i++) {
            float f = (float) ((rnd.nextDouble() * 2 - 1) * Math.pow(2, rnd.nextInt(-26, 17)));
            if (Math.abs(f) >= 65520f) continue; // rounds to infinity, which stands for 2^16 here
            int h = Halves.floatToHalf(f) & 0xffff;
            double got = Halves.halfToFloat((short) h);
            // No half value is nearer to f than the one chosen.
            for (int n : new int[] {h - 1, h + 1}) {
                if (n < 0 || n > 0xffff || ((n ^ h) & 0x8000) != 0) continue;
                double other = Halves.halfToFloat((short) n);
                if (Double.isInfinite(other) || Double.isNaN(other)) continue;
                assertTrue(Math.abs(got - f) <= Math.abs(other - f), f + " -> " + got + " but " + other + " is nearer");
            }
        }
        assertEquals(Float.POSITIVE_INFINITY, Halves.halfToFloat(Halves.floatToHalf(65520f)), "the midpoint to 2^16 rounds up");
        assertEquals(65504f, Halves.halfToFloat(Halves.floatToHalf(65519f)));
        assertEquals(2048f, Halves.halfToFloat(Halves.floatToHalf(2049f)), "ties go to even");
    }

    @Test
    void bf16RoundsToNearestEven() {
        SplittableRandom rnd = new SplittableRandom();
        for (int i = 0; i < 100_000; i++) {
            float f = (float) rnd.nextGaussian();
            float back = Halves.bf16ToFloat(Halves.floatToBf16(f));
            assertTrue(Math.abs(back - f) <= Math.abs(f) * 0x1p-8f, f + " -> " + back);
        }
        assertEquals(1.0f, Halves.bf16ToFloat(Halves.floatToBf16(1.00390625f)), "tie to even");
        assertTrue(Float.isNaN(Halves.bf16ToFloat(Halves.floatToBf16(Float.NaN))));
    }
}
