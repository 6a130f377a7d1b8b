package io.github.dac4j.core.cpu;

import io.github.dac4j.testing.Numerics;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast kernels against {@link ReferenceKernels} on fresh random inputs: relative error
 * {@code ||fast - ref|| / ||ref|| <= 1e-5} (fp32, different rounding only), odd channel counts, n = 1, 2, 17, ... 150,
 * strided rows, leading rows skipped, random tiles, a residual, tanh, a Snake prologue; and each fast kernel's rows
 * independent of the rows around them.
 */
class KernelsTest {
    private static final double TOLERANCE = 1e-5;
    private final SplittableRandom rnd = new SplittableRandom(System.nanoTime());

    /**
     * The fast kernels this JVM runs: plain Java always, the Vector API ones (with the Winograd form and without) when
     * the module is resolved.
     */
    private static List<Supplier<Kernels>> fast() {
        List<Supplier<Kernels>> list = new ArrayList<>();
        list.add(JavaKernels::new);
        if (Kernels.vectorAvailable()) {
            list.add(Kernels.vectorFactory(true));
            list.add(Kernels.vectorFactory(false));
        }
        return list;
    }

    private float[] random(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return a;
    }


    /**
     * The convolution of rows of {@code x} through the kernel's {@code load} and {@code convLoaded}, as the backend
     * runs it: tiles of at most {@code chunk} output rows, each loaded with {@code first} leading rows it skips; output
     * row 0 at sequence {@code position}.
     */
    static void conv(Kernels kern, float[] x, int xOff, int xStride, int first, int d, int k, int cin, int cout, float[] packed,
                     int wOff, float[] y, int yOff, int yStride, float[] res, int resOff, int resStride, boolean tanh, int n,
                     long position, float[] alpha, float[] inverse, int chunk) {
        int span = (k - 1) * d;
        chunk = Math.min(chunk, kern.maxLoadRows(cin) - span - first);
        for (int t0 = 0; t0 < n; t0 += chunk) {
            int rows = Math.min(chunk, n - t0);
            kern.load(x, xOff + t0 * xStride, xStride, first + rows + span, cin, alpha, inverse);
            kern.convLoaded(first, d, k, cin, cout, packed, wOff, y, yOff + t0 * yStride, yStride,
                    res, resOff + t0 * resStride, resStride, tanh, rows, position + t0);
        }
    }

    /** One case: k taps of dilation d, cin -> cout, n rows, with extra room in the row strides. */
    private void checkConv(Kernels fast, int k, int d, int cin, int cout, int n, boolean residual, boolean tanh, boolean snake) {
        int span = (k - 1) * d, xStride = cin + rnd.nextInt(3), yStride = cout + rnd.nextInt(3), xOff = rnd.nextInt(5), yOff = rnd.nextInt(5);
        int first = rnd.nextInt(3);
        float[] x = random(xOff + (first + n + span) * xStride, 2.0);
        float[] wkco = random(k * cin * cout, 1 / Math.sqrt(k * cin)), bias = random(cout, 0.1);
        float[] res = residual ? random(3 + n * cout, 1.0) : null;
        float[] alpha = null, inverse = null;
        if (snake) { // the tile goes through Snake as it is loaded, as the backend does before a conv
            alpha = random(cin, 1.0);
            inverse = new float[cin];
            for (int c = 0; c < cin; c++) {
                alpha[c] = 0.5f + Math.abs(alpha[c]);
                inverse[c] = 1 / (alpha[c] + 1e-9f);
            }
        }
        ReferenceKernels ref = new ReferenceKernels();
        float[] yr = random(yOff + n * yStride, 1.0), yf = yr.clone();
        int wOff = 7;
        float[] pr = shift(ref.pack(wkco, bias, k, cin, cout), wOff), pf = shift(fast.pack(wkco, bias, k, cin, cout), wOff);
        int chunk = 1 + rnd.nextInt(Math.max(1, n));
        long position = rnd.nextInt(100) - 50;
        conv(ref, x, xOff, xStride, first, d, k, cin, cout, pr, wOff, yr, yOff, yStride, res, 3, cout, tanh, n, position, alpha, inverse, n);
        conv(fast, x, xOff, xStride, first, d, k, cin, cout, pf, wOff, yf, yOff, yStride, res, 3, cout, tanh, n, position, alpha, inverse, chunk);
        double e = Numerics.relativeError(yf, yr);
        assertTrue(e <= TOLERANCE, fast.name() + " k" + k + " d" + d + " " + cin + "->" + cout + " n" + n + ": error " + e);
        // the padding between rows is left alone
        for (int t = 0; t < n; t++) for (int o = cout; o < yStride; o++) assertEquals(yr[yOff + t * yStride + o], yf[yOff + t * yStride + o]);
    }

    private static float[] shift(float[] a, int by) {
        float[] s = new float[a.length + by];
        System.arraycopy(a, 0, s, by, a.length);
        return s;
    }

    /** Packing straight from the loaded weights gives the array packing their [k, cin, cout] copy gives, in every layout. */
    @Test void packingFromTheLoadedWeightsEqualsPackingTheirCopy() {
        List<Supplier<Kernels>> all = new ArrayList<>(fast());
        all.add(ReferenceKernels::new);
        int[][] shapes = {{7, 5, 33}, {1, 40, 32}, {2, 3, 1}, {7, 96, 64}, {2, 17, 70}};
        for (Supplier<Kernels> factory : all) {
            Kernels kern = factory.get();
            for (int[] shape : shapes) {
                int k = shape[0], cin = shape[1], cout = shape[2];
                // a Conv1d's [out, in, k], and two taps of a transposed convolution's [in, out, 2s] read backwards
                float[] conv = random(cout * cin * k, 1), convT = random(cin * cout * 8, 1), bias = random(cout, 1);
                for (Kernels.Strided source : List.of(new Kernels.Strided(conv, 0, 1, k, cin * k),
                        new Kernels.Strided(convT, 5, -4, cout * 8, 8))) {
                    int taps = source.w() == conv ? k : 2;
                    float[] copy = new float[taps * cin * cout];
                    for (int j = 0; j < taps; j++)
                        for (int c = 0; c < cin; c++)
                            for (int o = 0; o < cout; o++) copy[(j * cin + c) * cout + o] = source.at(j, c, o);
                    assertArrayEquals(kern.pack(copy, bias, taps, cin, cout), kern.pack(source, bias, taps, cin, cout),
                            kern.name() + " " + taps + "x" + cin + "x" + cout);
                }
            }
        }
    }

    @Test void convolutionsMatchTheReference() {
        int[][] cases = { // k, d, cin, cout, n
            {7, 1, 96, 96, 17}, {7, 9, 17, 33, 2}, {1, 1, 5, 1, 1}, {2, 1, 40, 17, 17}, {7, 3, 64, 32, 9},
            {1, 1, 33, 65, 16}, {7, 1, 96, 1, 17}, {3, 2, 1, 16, 24}, {2, 1, 48, 96, 1}, {7, 1, 31, 47, 40},
            {7, 9, 24, 40, 150}, {1, 1, 16, 32, 12}, {2, 1, 41, 64, 25}, {7, 1, 96, 1, 45}, {7, 3, 7, 3, 131},
            // more input channels than the vector kernels' 128-channel chunks (rowBlocks), ending inside a vector or not
            {7, 3, 150, 40, 30}, {1, 1, 257, 33, 13}, {2, 1, 256, 64, 20}, {7, 1, 130, 1, 21},
            // as many input channels as the decoder's wider layers: the Winograd form's error grows with the sums
            {7, 1, 768, 40, 24}, {7, 9, 384, 33, 20},
            // from 384 input channels the Winograd products run 8 panels at a time: a whole group and a part of one
            {7, 3, 384, 280, 14}, {2, 1, 384, 280, 14},
        };
        for (Supplier<Kernels> f : fast()) {
            for (int[] c : cases) {
                for (int variant = 0; variant < 4; variant++) {
                    checkConv(f.get(), c[0], c[1], c[2], c[3], c[4], variant == 1, variant == 2, variant == 3);
                }
            }
        }
    }

    /**
     * Workers may share an op by output channels ({@code CpuBackend.split}): each run of channels, computed alone,
     * gives the bits of the whole call, and writes nothing outside its channels.
     */
    @Test void channelRunsGiveTheBitsOfTheWholeCall() {
        for (Supplier<Kernels> f : fast()) {
            Kernels kern = f.get();
            int group = kern.channelGroup();
            if (group == 0) continue;   // computes every channel at once
            for (int[] c : new int[][] {{7, 1, 40, 3 * group + 5, 29}, {1, 1, 96, 2 * group, 13}, {2, 1, 17, 5 * group, 40},
                    {7, 1, 384, 9 * group + 5, 21}}) {   // the last: panels in groups of 8 in the whole call, of 2 in the runs
                int k = c[0], d = c[1], cin = c[2], cout = c[3], n = c[4], span = (k - 1) * d;
                float[] x = random((n + span) * cin, 2.0), packed = kern.pack(random(k * cin * cout, 0.1), random(cout, 0.1), k, cin, cout);
                float[] res = random(n * cout, 1.0), whole = random(n * cout, 1.0), runs = whole.clone();
                kern.load(x, 0, cin, n + span, cin, null, null);
                long position = rnd.nextInt(40) - 20;
                kern.convLoaded(0, d, k, cin, cout, packed, 0, whole, 0, cout, res, 0, cout, false, n, position);
                for (int from = 0; from < cout; from += 2 * group) {
                    int to = Math.min(cout, from + 2 * group);
                    float[] before = runs.clone();
                    kern.convLoaded(0, d, k, cin, cout, packed, 0, runs, 0, cout, res, 0, cout, false, n, position, from, to);
                    for (int t = 0; t < n; t++) {
                        for (int o = 0; o < cout; o++) {
                            if (o < from || o >= to) assertEquals(before[t * cout + o], runs[t * cout + o], "wrote outside its channels");
                        }
                    }
                }
                for (int i = 0; i < whole.length; i++) {
                    assertEquals(Float.floatToIntBits(whole[i]), Float.floatToIntBits(runs[i]), kern.name() + " " + java.util.Arrays.toString(c) + " at " + i);
                }
            }
        }
    }

    /**
     * Streaming needs this: the value of a row must not depend on where the row sits in the range computed, only on
     * its sequence position (by which the Winograd form pairs rows), for every dilation of the decoder.
     */
    @Test void rowsDoNotDependOnTheirNeighbours() {
        for (int[] kd : new int[][] {{7, 1}, {7, 3}, {7, 9}, {2, 1}}) {   // the 2-tap ones: a transposed conv's phases
            int k = kd[0], d = kd[1], cin = 40, cout = 50, n = 29, span = (k - 1) * d;
            long position = rnd.nextInt(60) - 30;
            float[] x = random((n + span) * cin, 2.0), wkco = random(k * cin * cout, 0.1), bias = random(cout, 0.1);
            for (Supplier<Kernels> f : fast()) {
                Kernels kern = f.get();
                float[] w = kern.pack(wkco, bias, k, cin, cout);
                float[] whole = new float[n * cout];
                conv(kern, x, 0, cin, 0, d, k, cin, cout, w, 0, whole, 0, cout, null, 0, 0, false, n, position, null, null, n);
                for (int from = 0; from < n; from += 1 + rnd.nextInt(11)) {
                    int rows = 1 + rnd.nextInt(n - from);
                    float[] part = new float[rows * cout];
                    conv(kern, x, from * cin, cin, 0, d, k, cin, cout, w, 0, part, 0, cout, null, 0, 0, false, rows,
                            position + from, null, null, 1 + rnd.nextInt(rows));
                    float[] expect = java.util.Arrays.copyOfRange(whole, from * cout, (from + rows) * cout);
                    assertArrayEquals(expect, part, kern.name() + " k" + k + " d" + d + ": rows " + from + ".." + (from + rows));
                }
            }
        }
    }

    /**
     * A transposed convolution runs its phases on one loaded tile, each a 2-tap convolution from window row 0 or 1: each
     * phase gives the bits it gives alone on a fresh load (the vector kernels keep one transform of the tile for the
     * phases that read the same rows).
     */
    @Test void phasesOfOneTileGiveTheirOwnBits() {
        int cin = 24, cout = 40, n = 30, k = 2;
        int[] firsts = {0, 0, 1, 1, 0};
        float[] x = random((n + 2) * cin, 2.0);
        long position = rnd.nextInt(40) - 20;
        for (Supplier<Kernels> f : fast()) {
            Kernels kern = f.get();
            float[][] w = new float[firsts.length][], alone = new float[firsts.length][n * cout];
            for (int r = 0; r < firsts.length; r++) {
                w[r] = kern.pack(random(k * cin * cout, 0.2), random(cout, 0.1), k, cin, cout);
                kern.load(x, 0, cin, n + 2, cin, null, null);
                kern.convLoaded(firsts[r], 1, k, cin, cout, w[r], 0, alone[r], 0, cout, null, 0, 0, false, n, position);
            }
            kern.load(x, 0, cin, n + 2, cin, null, null);
            for (int r = 0; r < firsts.length; r++) {
                float[] shared = new float[n * cout];
                kern.convLoaded(firsts[r], 1, k, cin, cout, w[r], 0, shared, 0, cout, null, 0, 0, false, n, position);
                assertArrayEquals(alone[r], shared, kern.name() + " phase " + r);
            }
        }
    }

    /** Snake as a tile is loaded, read back through a 1x1 identity convolution (which adds only exact zeros). */
    @Test void snakeMatchesTheReferenceIncludingLargeArguments() {
        int c = 37, rows = 21;
        float[] alpha = random(c, 1.0), inverse = new float[c];
        for (int i = 0; i < c; i++) {
            alpha[i] = 0.5f + Math.abs(alpha[i]) * 3;
            inverse[i] = 1 / (alpha[i] + 1e-9f);
        }
        float[] x = random(2 + rows * c, 50.0);
        x[5] = 3e5f;    // past 65536 (the limit until v15), within the polynomial's range reduction
        x[c + 20] = -1e7f;   // beyond it (|alpha x| > 2^22): Math.sin
        x[17 * c + 3] = 4e6f; // in a vector of 16 rows; beyond or within, as alpha falls
        float[] identity = new float[c * c];
        for (int i = 0; i < c; i++) identity[i * c + i] = 1;
        float[] ref = new float[rows * c];
        new ReferenceKernels().snake(x, 2, ref, 0, rows, c, alpha, inverse);
        for (Supplier<Kernels> f : fast()) {
            Kernels kern = f.get();
            float[] out = new float[rows * c];
            conv(kern, x, 2, c, 0, 1, 1, c, c, kern.pack(identity, new float[c], 1, c, c), 0, out, 0, c, null, 0, 0, false, rows,
                    0, alpha, inverse, rows);
            for (int i = 0; i < ref.length; i++) {
                assertEquals(ref[i], out[i], 1e-5 * Math.max(1, Math.abs(ref[i])), kern.name() + " element " + i);
            }
        }
    }

    @Test void sineSquaredIsAccurate() {
        for (int i = 0; i < 100_000; i++) {
            float a = (float) ((rnd.nextDouble() * 2 - 1) * (i % 2 == 0 ? 10 : Kernels.SIN_LIMIT));
            double s = Math.sin(a);
            assertEquals(s * s, Kernels.sinSquared(a), 2e-6, "sin^2(" + a + ")");
        }
    }

    /** Without --add-modules jdk.incubator.vector the backend runs on the plain-Java kernels. */
    @Test void fallsBackWithoutTheVectorModule() {
        boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertEquals(module && Kernels.vectorAvailable(), Kernels.vectorAvailable());
        String expected = Kernels.vectorAvailable() && Kernels.vectorUnsuited() == null ? "vector" : "java";
        assertEquals(expected, Kernels.best().get().name());
        String old = System.getProperty(Kernels.PROPERTY);
        try {
            System.setProperty(Kernels.PROPERTY, "java");
            assertEquals("java", Kernels.best().get().name());
            System.setProperty(Kernels.PROPERTY, "reference");
            assertEquals("reference", Kernels.best().get().name());
            // the backend names them, as its device description does (stats and the CLI's hint read kernels())
            try (CpuBackend cpu = new CpuBackend(1)) {
                assertEquals("reference", cpu.kernels());
                assertTrue(cpu.device().endsWith(", reference kernels"), cpu.device());
            }
            System.setProperty(Kernels.PROPERTY, "fast");
            assertThrows(IllegalArgumentException.class, Kernels::best);
            if (!Kernels.vectorAvailable()) {
                System.setProperty(Kernels.PROPERTY, "vector");
                assertThrows(IllegalStateException.class, Kernels::best);
            }
        } finally {
            if (old == null) System.clearProperty(Kernels.PROPERTY); else System.setProperty(Kernels.PROPERTY, old);
        }
    }

    /**
     * The Vector API kernels take the JVM's preferred width, and a micro-kernel of 12 rows where the JIT has 32 vector
     * registers, 4 where it has 16. core/pom.xml runs this class again under {@code -XX:UseAVX=2},
     * {@code -XX:MaxVectorSize=16} and {@code -XX:-UseFMA}, naming what each must give in
     * {@code dac4j.test.vector-shape} and {@code dac4j.test.best-kernels}; the kernel tests above then check every
     * shape's results against the reference.
     */
    @Test void vectorKernelsFollowTheJvmsVectors() {
        String best = System.getProperty("dac4j.test.best-kernels"), shape = System.getProperty("dac4j.test.vector-shape");
        if (best != null && Kernels.vectorAvailable()) assertEquals(best, Kernels.best().get().name());
        if (!Kernels.vectorAvailable()) return;
        String actual;
        try (CpuBackend cpu = CpuBackends.with("vector", 1)) {
            actual = cpu.device();
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(".*, vector kernels \\((\\d+)-bit, (\\d+) x (\\d+)\\)").matcher(actual);
        assertTrue(m.matches(), actual);
        int bits = Integer.parseInt(m.group(1)), rows = Integer.parseInt(m.group(2)), panel = Integer.parseInt(m.group(3));
        assertEquals(2 * bits / 32, panel, actual);   // two vectors of output channels
        assertTrue(rows == 12 || rows == 4, actual);
        // "256:4": 256-bit vectors and 4 rows; "128": 128-bit vectors, the rows as the machine's registers allow
        if (shape != null) assertEquals(shape, shape.contains(":") ? bits + ":" + rows : String.valueOf(bits), actual);
    }
}
