package io.github.dac4j.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.CountDownLatch;

/**
 * The FMA peak of this machine as this JVM reaches it, for "of peak" figures measured in the same minute as the
 * ops ({@link OpTimes} {@code --peak}): each thread runs 16 independent chains of fused multiply-adds on the widest
 * float vectors (16 lanes with AVX-512), held in registers, enough to cover the FMA latency on two units. The Java
 * twin of {@code bench/peak/fma_peak.c}; needs {@code --add-modules jdk.incubator.vector}.
 */
final class FmaPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 16;
    /** Iterations per call: 16 chains x 16 lanes x 2 flops x 1M = 0.5 GFLOP, a few milliseconds. */
    private static final int ITERATIONS = 1 << 20;

    private FmaPeak() { }

    /**
     * GFLOP/s of {@code threads} threads running the chains together: the best of four windows of about
     * {@code millis / 4} ms each, against the wall clock from the first thread's start to the last one's end (2 flops
     * per lane per FMA). The best, because a peak is what the units can give; a window the JIT or a neighbour slowed is
     * not it.
     */
    static double gflops(int threads, long millis) throws InterruptedException {
        warmUp();
        int calls = Math.max(1, (int) (millis / 4 / 4.0));  // a call is 0.54 GFLOP: about 4 ms at 140 GFLOP/s
        double best = 0;
        for (int w = 0; w < 4; w++) best = Math.max(best, window(threads, calls));
        return best;
    }

    private static boolean warm;

    /**
     * Short calls for 0.3 s, once per JVM: C2 compiles {@link #chains} as a method before any window is timed (long
     * calls first got an on-stack-replacement compilation, thrown away and redone about a second later, 20-30 %
     * slower until then).
     */
    private static synchronized void warmUp() {
        if (warm) return;
        float s = 0;
        for (long end = System.nanoTime() + 300_000_000L; System.nanoTime() < end; ) s += chains(1 << 12);
        if (Float.isNaN(s)) throw new IllegalStateException("the chains gave NaN");
        warm = true;
    }

    /** GFLOP/s of {@code threads} threads making {@code calls} calls each, started together. */
    private static double window(int threads, int calls) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        Thread[] workers = new Thread[threads];
        float[] sink = new float[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                float s = 0;
                for (int c = 0; c < calls; c++) s += chains(ITERATIONS);
                sink[id] = s;
            }, "fma-peak-" + t);
            workers[t].start();
        }
        long t0 = System.nanoTime();
        start.countDown();
        for (Thread w : workers) w.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (Float.isNaN(sink[0])) throw new IllegalStateException("the chains gave NaN");
        return 2.0 * S.length() * CHAINS * (double) ITERATIONS * calls * threads / seconds / 1e9;
    }

    /** {@code iterations} rounds of 16 independent FMA chains, one flat loop (C2 keeps the vectors in registers). */
    private static float chains(int iterations) {
        FloatVector b = FloatVector.broadcast(S, 0.999999f), c = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(S, 0f), a1 = FloatVector.broadcast(S, 1f), a2 = FloatVector.broadcast(S, 2f),
                a3 = FloatVector.broadcast(S, 3f), a4 = FloatVector.broadcast(S, 4f), a5 = FloatVector.broadcast(S, 5f),
                a6 = FloatVector.broadcast(S, 6f), a7 = FloatVector.broadcast(S, 7f), a8 = FloatVector.broadcast(S, 8f),
                a9 = FloatVector.broadcast(S, 9f), a10 = FloatVector.broadcast(S, 10f), a11 = FloatVector.broadcast(S, 11f),
                a12 = FloatVector.broadcast(S, 12f), a13 = FloatVector.broadcast(S, 13f), a14 = FloatVector.broadcast(S, 14f),
                a15 = FloatVector.broadcast(S, 15f);
        for (int i = 0; i < iterations; i++) {
            a0 = a0.fma(b, c); a1 = a1.fma(b, c); a2 = a2.fma(b, c); a3 = a3.fma(b, c);
            a4 = a4.fma(b, c); a5 = a5.fma(b, c); a6 = a6.fma(b, c); a7 = a7.fma(b, c);
            a8 = a8.fma(b, c); a9 = a9.fma(b, c); a10 = a10.fma(b, c); a11 = a11.fma(b, c);
            a12 = a12.fma(b, c); a13 = a13.fma(b, c); a14 = a14.fma(b, c); a15 = a15.fma(b, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .add(a12).add(a13).add(a14).add(a15).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
