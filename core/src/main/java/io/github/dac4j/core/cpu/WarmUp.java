package io.github.dac4j.core.cpu;

import io.github.dac4j.core.model.Quantizer;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Gets a kernel implementation's code compiled before the first decode: runs tiny convolutions of every kind the
 * decoder uses (Snake prologue, 7 taps at dilations 1 and 9, 1x1 with a residual, the 2-tap phases of a transposed
 * convolution, one output channel with tanh, odd and even channel counts, tails of rows) until a probe runs at
 * compiled speed and the JIT has gone quiet.
 *
 * <p>Why: without it the first decode runs the kernels interpreted, then through C1 (which boxes every Vector API
 * vector) for a second or more, and C2 compiles the long-running loops twice (on-stack replacement, then the
 * method) while the decode competes with the compiler for the cores (docs/CPU-BACKEND.md, "The first decode").
 * What gets a method compiled is how often it is called, not how much it computes: tiny inputs reach the JIT's
 * thresholds after little slow work and get each method compiled once. Done once per JVM and implementation;
 * {@code dac4j.cpu.warmup=false} skips it, and the one-frame decode a decoder runs at open
 * ({@link CpuBackend#warmUpFrames}).
 */
final class WarmUp {
    /** System property: {@code false} skips the warm-up. */
    static final String PROPERTY = "dac4j.cpu.warmup";
    /** Give up after this long whatever happened (a JVM without C2, say): the decode is then merely slow at first. */
    static final long LIMIT_NANOS = 4_000_000_000L;
    /** The JIT counts as quiet when no compilation has finished for this long. */
    static final long QUIET_NANOS = 150_000_000L;
    /** A probe at this speed (GFLOP/s) or more ran compiled code: C2 runs it at 30 and more, C1 at well under 1. */
    static final double COMPILED_FLOPS_PER_NANO = 8;
    /** Rounds between probes. */
    static final int PROBE_EVERY = 32;

    /** The warm-up started for each implementation in this JVM (finished or not), by {@link Kernels#name()}. */
    private static final Map<String, Thread> STARTED = new ConcurrentHashMap<>();

    private WarmUp() {}

    /**
     * Starts warming up a fresh instance of the implementation {@code factory} makes, on a thread of its own, unless
     * the implementation {@linkplain Kernels#warmsUp does not gain} or the property says not to; the caller goes on
     * (loading or packing weights, say) and then calls {@link #await}. Once per JVM and implementation: a later call
     * returns the thread the first one started (so a warm-up begun before the checkpoint was read is awaited, not
     * repeated). Returns the thread, or null when there is nothing to wait for.
     */
    static Thread start(Supplier<Kernels> factory) {
        Kernels kernels = factory.get();
        if (!wanted(kernels)) return null;
        return STARTED.computeIfAbsent(kernels.name(), name -> {
            Thread t = new Thread(() -> run(kernels, LIMIT_NANOS), "dac4j-cpu-warmup");
            t.setDaemon(true);
            t.start();
            return t;
        });
    }

    /** Whether {@code kernels} gain from a warm-up and the property does not say no. */
    static boolean wanted(Kernels kernels) {
        return kernels.warmsUp() && !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
    }

    /** Waits for a warm-up {@link #start} began (nothing if null); an interrupt stops the wait, not the warm-up. */
    static void await(Thread warmUp) {
        if (warmUp == null) return;
        try {
            warmUp.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What a warm-up did: rounds run, and the milliseconds until the probe ran compiled (-1: never) and until it ended. */
    record Report(int rounds, long compiledMillis, long endMillis) {}

    /**
     * Rounds of tiny convolutions until the probe runs at compiled speed and then the JIT goes quiet (no compilation
     * finished for {@link #QUIET_NANOS}: the methods around the kernels, compiled after them, are done too), or the
     * time is up.
     */
    static Report run(Kernels kernels, long limitNanos) {
        Quantizer.warmUp();   // the codebook tables' row fold, which a first decode runs for each new code
        Shapes s = new Shapes(kernels);
        LongSupplier jitMillis = jitMillis();
        long start = System.nanoTime(), compiled = -1, lastJit = -1, quietSince = 0;
        for (int round = 1; ; round++) {
            s.round(kernels);
            long now = System.nanoTime();
            if (now - start > limitNanos) return new Report(round, compiled, (now - start) / 1_000_000);
            if (compiled < 0) {
                if (round % PROBE_EVERY != 0) continue;
                long t0 = System.nanoTime();
                s.probe(kernels);
                now = System.nanoTime();
                if (Shapes.PROBE_FLOPS < COMPILED_FLOPS_PER_NANO * (now - t0)) continue;
                compiled = (now - start) / 1_000_000;
                if (jitMillis == null) return new Report(round, compiled, compiled);
            }
            long jit = jitMillis.getAsLong();
            if (jit != lastJit) {
                lastJit = jit;
                quietSince = now;
            } else if (now - quietSince >= QUIET_NANOS) {
                return new Report(round, compiled, (now - start) / 1_000_000);
            }
        }
    }

    /** Milliseconds the JIT has spent compiling so far, or null where the JVM does not say. */
    private static LongSupplier jitMillis() {
        try {
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit::getTotalCompilationTime : null;
        } catch (LinkageError | RuntimeException e) { // a runtime without java.management
            return null;
        }
    }

    /** Inputs and packed weights of the warm-up's convolutions, random and of order one. */
    private static final class Shapes {
        /** Multiply-adds times two of one probe: a 1x1 convolution, 256 -> 32 channels, 12 rows. */
        static final double PROBE_FLOPS = 2.0 * 12 * 256 * 32;

        final SplittableRandom rnd = new SplittableRandom(11);
        final float[] x = random(66 * 256, 2.0), res = random(24 * 32, 1.0), y = new float[24 * 64];
        final float[] alpha = new float[256], inverse = new float[256];
        final float[] w7, w9, w7wide, w7groups, w1, w2, wOne, wProbe;

        Shapes(Kernels k) {
            for (int c = 0; c < alpha.length; c++) {
                alpha[c] = 0.5f + (float) rnd.nextDouble();
                inverse[c] = 1 / (alpha[c] + 1e-9f);
            }
            x[1] = 1e6f; // Snake's large-argument branch, so that the compiled code has it too
            w7 = pack(k, 7, 3, 40);
            w9 = pack(k, 7, 2, 32);
            w7wide = pack(k, 7, 130, 32);
            w7groups = pack(k, 7, 384, 64);
            w1 = pack(k, 1, 4, 32);
            w2 = pack(k, 2, 4, 32);
            wOne = pack(k, 7, 4, 1);
            wProbe = pack(k, 1, 256, 32);
        }

        // Each load reads x:[rows, cin]; each conv writes y:[n, cout] from the loaded tile.
        void round(Kernels k) {
            // the 7-tap ones at positions where the first rows pair with rows before the tile (the Winograd form's
            // edges) and the last rows with rows after it
            k.load(x, 0, 3, 22, 3, alpha, inverse);
            k.convLoaded(0, 1, 7, 3, 40, w7, 0, y, 0, 40, null, 0, 0, false, 16, 1);           // 7 taps, odd cin, row tail, partial panel
            k.load(x, 0, 2, 66, 2, alpha, inverse);
            k.convLoaded(0, 9, 7, 2, 32, w9, 0, y, 0, 32, null, 0, 0, false, 12, 5);           // dilation 9
            k.load(x, 0, 4, 24, 4, null, null);
            k.convLoaded(0, 1, 1, 4, 32, w1, 0, y, 0, 32, res, 0, 32, false, 12, 0);           // 1x1 + residual
            k.convLoaded(1, 1, 2, 4, 32, w2, 0, y, 0, 64, null, 0, 0, false, 12, 0);           // a transposed conv's phase,
            k.convLoaded(1, 1, 2, 4, 32, w2, 0, y, 32, 64, null, 0, 0, false, 12, 0);          // one on the same transform,
            k.convLoaded(0, 1, 2, 4, 32, w2, 0, y, 0, 64, null, 0, 0, false, 12, 0);           // one from the other rows
            k.convLoaded(0, 1, 7, 4, 1, wOne, 0, y, 0, 1, null, 0, 0, true, 17, 0);            // one output channel with tanh
            // paths a decode takes and the calls above do not: C2 compiles a path it never saw as a trap, and the
            // first decode would pay for the deoptimization and a recompilation (seen with -XX:+PrintCompilation)
            k.load(x, 0, 4, 32, 4, alpha, inverse);                                            // a multiple of 16 rows: no row tail
            k.convLoaded(0, 1, 1, 4, 32, w1, 0, y, 0, 32, res, 0, 32, false, 14, 0);           // 1x1 + residual, a 2-row tail
            k.load(x, 0, 130, 42, 130, alpha, inverse);
            k.convLoaded(0, 3, 7, 130, 32, w7wide, 0, y, 0, 32, null, 0, 0, false, 24, 0);     // two 128-channel chunks
            k.load(x, 0, 384, 20, 384, null, null);
            k.convLoaded(0, 1, 7, 384, 64, w7groups, 0, y, 0, 64, null, 0, 0, false, 14, 3);   // Winograd panels in groups
            CpuBackend.add(x, 0, y, 0, y.length);                                             // a codebook row into a frame's sum
        }

        void probe(Kernels k) {
            k.load(x, 0, 256, 12, 256, null, null);
            k.convLoaded(0, 1, 1, 256, 32, wProbe, 0, y, 0, 32, null, 0, 0, false, 12, 0);
        }

        private float[] pack(Kernels k, int taps, int cin, int cout) {
            return k.pack(random(taps * cin * cout, 1 / Math.sqrt(taps * cin)), random(cout, 0.1), taps, cin, cout);
        }

        private float[] random(int n, double scale) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
            return a;
        }
    }
}
