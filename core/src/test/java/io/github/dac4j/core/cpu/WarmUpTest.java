package io.github.dac4j.core.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The warm-up runs once per implementation and JVM (a later start awaits the first), can be switched off, and ends within its time limit. */
class WarmUpTest {
    private static final AtomicInteger NAMES = new AtomicInteger();

    /** The reference kernels under a name of their own, counting the convolutions they run. */
    static class Counting extends RowMajorKernels {
        final String name = "counting-" + NAMES.incrementAndGet();
        final ReferenceKernels ref = new ReferenceKernels();
        int convs;

        @Override String name() { return name; }

        @Override int rowBlock() { return 1; }

        @Override boolean warmsUp() { return true; }

        @Override void conv(float[] x, int xOff, int xStride, int tapStride, int k, int cin, int cout, float[] packed, int wOff,
                            float[] y, int yOff, int yStride, float[] res, int resOff, int resStride, boolean tanh, int n) {
            convs++;
            ref.conv(x, xOff, xStride, tapStride, k, cin, cout, packed, wOff, y, yOff, yStride, res, resOff, resStride, tanh, n);
        }

        @Override void snake(float[] src, int srcOff, float[] dst, int dstOff, int rows, int c, float[] alpha, float[] inverse) {
            ref.snake(src, srcOff, dst, dstOff, rows, c, alpha, inverse);
        }
    }

    @Test void runsOncePerImplementation() throws Exception {
        Counting kernels = new Counting();
        Thread first = WarmUp.start(() -> kernels);
        assertNotNull(first);
        WarmUp.await(first);
        int convs = kernels.convs;
        assertTrue(convs > 0, "the warm-up ran no convolution");
        // a second start (a decoder opened after an early warm-up, say) gets the first one's thread to await
        assertSame(first, WarmUp.start(() -> kernels), "a second warm-up of the same implementation");
        assertEquals(convs, kernels.convs);
    }

    @Test void aWarmUpStartedEarlyIsAwaitedNotRepeated() throws Exception {
        Counting kernels = new Counting();
        Thread early = WarmUp.start(() -> kernels);
        Thread later = WarmUp.start(() -> kernels);   // as prepare does while the early one may still run
        assertSame(early, later);
        WarmUp.await(later);
        assertTrue(!early.isAlive() && kernels.convs > 0);
    }

    @Test void theReferenceKernelsAreNotWarmedUp() {
        assertNull(WarmUp.start(ReferenceKernels::new));
    }

    @Test void canBeSwitchedOff() {
        String before = System.getProperty(WarmUp.PROPERTY);
        System.setProperty(WarmUp.PROPERTY, "false");
        try {
            Counting kernels = new Counting();
            assertNull(WarmUp.start(() -> kernels));
            assertEquals(0, kernels.convs);
        } finally {
            if (before == null) System.clearProperty(WarmUp.PROPERTY); else System.setProperty(WarmUp.PROPERTY, before);
        }
    }

    @Test void endsWithinItsLimit() {
        long t0 = System.nanoTime();
        WarmUp.Report r = WarmUp.run(new Counting(), 50_000_000L);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(r.rounds() >= 1);
        assertTrue(millis < 2_000, "took " + millis + " ms"); // the limit, plus at most one round and one probe
        assertTrue(r.endMillis() <= millis);
    }
}
