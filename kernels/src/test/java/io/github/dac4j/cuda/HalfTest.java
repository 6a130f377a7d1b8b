package io.github.dac4j.cuda;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host-side binary16 conversions: exact on every half value, nearest-even rounding on floats. */
class HalfTest {
    @Test
    void everyHalfRoundTripsExactly() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Half.toFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(f))));
                continue;
            }
            assertEquals(h, Half.fromFloat(f) & 0xffff, "half 0x" + Integer.toHexString(h) + " = " + f);
        }
    }

    @Test
    void knownValues() {
        assertEquals(0x3c00, Half.fromFloat(1f) & 0xffff);
        assertEquals(0xc000, Half.fromFloat(-2f) & 0xffff);
        assertEquals(0x7bff, Half.fromFloat(65504f) & 0xffff);
        assertEquals(0x7c00, Half.fromFloat(65520f) & 0xffff);     // rounds up past the largest finite
        assertEquals(0x0001, Half.fromFloat(0x1p-24f) & 0xffff);    // smallest subnormal
        assertEquals(0x0000, Half.fromFloat(0x1p-26f) & 0xffff);    // below half of it
        assertEquals(0x3c00, Half.fromFloat(1f + 0x1p-11f) & 0xffff); // tie: to even (down)
        assertEquals(0x3c02, Half.fromFloat(1f + 3 * 0x1p-11f) & 0xffff); // tie: to even (up)
        assertEquals(0.33325195f, Half.toFloat(Half.fromFloat(1 / 3f)));
    }

    @Test
    void randomFloatsRoundToTheNearestHalf() {
        SplittableRandom rnd = new SplittableRandom(17);
        for (int i = 0; i < 200_000; i++) {
            float f = (float) ((rnd.nextDouble() * 2 - 1) * Math.pow(2, rnd.nextInt(-30, 17)));
            float h = Half.toFloat(Half.fromFloat(f));
            float up = Half.toFloat((short) (Half.fromFloat(f) + 1)), down = Half.toFloat((short) (Half.fromFloat(f) - 1));
            if (Float.isInfinite(h)) {
                assertTrue(Math.abs(f) >= 65520f, f + " -> " + h);   // 65520 is the midpoint past 65504
                continue;
            }
            double err = Math.abs((double) h - f);
            if (Float.isFinite(up)) assertTrue(err <= Math.abs((double) up - f), f + " -> " + h);
            if (Float.isFinite(down)) assertTrue(err <= Math.abs((double) down - f), f + " -> " + h);
        }
    }
}
