package io.github.dac4j.core.cpu;

/**
 * The inner loops of the CPU backend: a convolution over time rows and the Snake activation. One instance per
 * worker (it may hold scratch). Every implementation computes each output element in one fixed way whatever the row
 * count, the row's place in the tile or the caller's tiling (directly: bias, then tap by tap, input channel by input
 * channel; the vector kernels' Winograd form: by the row's sequence position), so streaming stays bit-identical to
 * whole decoding with any one implementation. Implementations differ from each other by rounding only (fused
 * multiply-adds, the polynomial sine, the Winograd transforms).
 */
abstract class Kernels {
    /**
     * System property that forces one implementation: {@code reference}, {@code java}, {@code vector} or
     * {@code vector-direct} (the vector kernels without the Winograd form: the direct sums' tighter rounding).
     */
    static final String PROPERTY = "dac4j.cpu.kernels";

    /** Short name for logs: {@code reference}, {@code java}, {@code vector}, {@code vector-direct}. */
    abstract String name();

    /** What else the device line should say about these kernels (the vector width, say); empty by default. */
    String shape() { return ""; }

    /**
     * Packs a convolution's weights, given as {@code wkco:[k, cin, cout]} (tap, input channel, output channel),
     * and its bias {@code [cout]} into this implementation's layout. Done once, at load. By default: the weights as
     * given, followed by the bias.
     */
    float[] pack(float[] wkco, float[] bias, int k, int cin, int cout) {
        float[] p = java.util.Arrays.copyOf(wkco, k * cin * cout + cout);
        System.arraycopy(bias, 0, p, k * cin * cout, cout);
        return p;
    }

    /**
     * Where a convolution's weights lie as loaded: element (tap j, input channel c, output channel o) at
     * {@code w[base + j * tapStride + c * cinStride + o * coutStride]} (a Conv1d's {@code [out, in, k]} is
     * {@code (0, 1, k, in * k)}; a phase of a transposed one reads two taps of {@code [in, out, 2s]}).
     */
    record Strided(float[] w, int base, int tapStride, int cinStride, int coutStride) {
        float at(int j, int c, int o) { return w[base + j * tapStride + c * cinStride + o * coutStride]; }

        /** The {@code [k, cin, cout]} copy of these weights, channel by channel (k sequential write streams). */
        float[] copy(int k, int cin, int cout) {
            float[] wkco = new float[k * cin * cout];
            for (int c = 0; c < cin; c++)
                for (int o = 0; o < cout; o++)
                    for (int j = 0; j < k; j++) wkco[(j * cin + c) * cout + o] = at(j, c, o);
            return wkco;
        }
    }

    /**
     * {@link #pack(float[], float[], int, int, int)} of the weights {@code source} points at: the same array as packing
     * their {@code [k, cin, cout]} copy. By default it makes that copy; an implementation may write its layout
     * straight from the source (at open, the copy and a second pass cost as much as the reading).
     */
    float[] pack(Strided source, float[] bias, int k, int cin, int cout) {
        return pack(source.copy(k, cin, cout), bias, k, cin, cout);
    }

    /**
     * Loads an input tile: rows {@code u} in [0, rows) of {@code x}, row u at {@code x[xOff + u * xStride + c]} for
     * c in [0, cin), through Snake when {@code alpha} is not null ({@code v + inverse[c] * sin(alpha[c] * v)^2}), into
     * this worker's own tile, in this implementation's layout. {@code rows} must not exceed {@link #maxLoadRows}.
     */
    abstract void load(float[] x, int xOff, int xStride, int rows, int cin, float[] alpha, float[] inverse);

    /**
     * A convolution of the loaded tile, {@code tile:[first + n + (k - 1) * d, cin] -> y:[n, cout]}:
     * {@code y[t, o] = act(bias[o] + sum_{j < k} sum_{c < cin} W[j, c, o] * tile[first + t + j * d, c] + res[t, o])}
     * for t in [0, n), o in [0, cout), summed in exactly that order (the vector kernels' Winograd form instead sums
     * as {@code VectorKernels} says, by each row's {@code position}), where {@code y[t, o] = y[yOff + t * yStride + o]},
     * {@code res[t, o] = res[resOff + t * resStride + o]} (no residual term when {@code res} is null) and act = tanh
     * when {@code tanh}, else identity. {@code packed} holds, from {@code wOff}, what {@link #pack} made. The rows read
     * must lie in the loaded ones; {@code y} must not overlap {@code res} rows still to be read. {@code position} is the
     * sequence position of output row 0: a kernel that computes a row differently by where it lies (the Winograd form
     * pairs rows by position) computes it the same in every tile that holds it, so streaming stays bit-identical.
     */
    abstract void convLoaded(int first, int d, int k, int cin, int cout, float[] packed, int wOff,
                             float[] y, int yOff, int yStride, float[] res, int resOff, int resStride, boolean tanh, int n,
                             long position);

    /**
     * {@link #convLoaded} for the output channels {@code [from, to)} only, so that workers can share an op of few
     * rows by its output channels instead of each reading every weight for a few rows: {@code from} a multiple of
     * {@link #channelGroup()}, {@code to} one too or {@code cout}. Each output is computed exactly as by the whole
     * call. By default the whole range only.
     */
    void convLoaded(int first, int d, int k, int cin, int cout, float[] packed, int wOff, float[] y, int yOff, int yStride,
                    float[] res, int resOff, int resStride, boolean tanh, int n, long position, int from, int to) {
        if (from != 0 || to != cout) throw new UnsupportedOperationException(name() + " kernels compute every output channel at once");
        convLoaded(first, d, k, cin, cout, packed, wOff, y, yOff, yStride, res, resOff, resStride, tanh, n, position);
    }

    /** The output channels {@link #convLoaded(int, int, int, int, int, float[], int, float[], int, int, float[], int, int, boolean, int, long, int, int)} splits at; 0: no split. */
    int channelGroup() { return 0; }

    /** Makes room for tiles of up to {@code cin} channels now, so that no later {@link #load} allocates. */
    abstract void reserve(int cin);

    /**
     * Makes room now for whatever else a stride-1 convolution of {@code k} taps, {@code cin -> cout}, needs beyond the
     * tile (the Winograd form's transformed tile), so that no decode allocates it. Nothing by default.
     */
    void reserve(int k, int cin, int cout) {}

    /** The most rows {@link #load} takes at {@code cin} channels. */
    abstract int maxLoadRows(int cin);

    /** Whether a decoder's first decode gains from a {@link WarmUp}: not for the reference kernels (tests only). */
    boolean warmsUp() { return true; }

    /** The kernel's row block: tiles that are multiples of it waste nothing. */
    abstract int rowBlock();

    /**
     * Whether {@link #convLoaded} pairs output rows t and t + 1 by their sequence position for a {@code k}-tap
     * convolution to {@code cout} channels at dilation 1 (the Winograd form, a row at an even position with the next):
     * then a tile of 2 {@link #rowBlock()} m rows that starts at an even position holds m blocks of whole pairs, and
     * one that starts at an odd position a pair for a lone row at each end. No by default.
     */
    boolean pairsRows(int k, int cout) { return false; }

    /** The fastest implementation this JVM runs (or the one {@value #PROPERTY} names), as a per-worker factory. */
    static java.util.function.Supplier<Kernels> best() {
        String forced = System.getProperty(PROPERTY);
        if (forced != null && !forced.isBlank()) {
            switch (forced.trim()) {
                case "reference": return ReferenceKernels::new;
                case "java": return JavaKernels::new;
                case "vector", "vector-direct":
                    if (!vectorAvailable()) {
                        throw new IllegalStateException(PROPERTY + "=" + forced.trim() + " needs the JVM option --add-modules jdk.incubator.vector");
                    }
                    return vectorFactory(forced.trim().equals("vector"));
                default:
                    throw new IllegalArgumentException(PROPERTY + " must be reference, java, vector or vector-direct, got '" + forced + "'");
            }
        }
        return vectorAvailable() && vectorUnsuited() == null ? vectorFactory(true) : JavaKernels::new;
    }

    /**
     * Why the Vector API kernels, though available, would be slower than the plain-Java ones here (no fused
     * multiply-add, vectors of fewer than 4 floats), or null. Call only when {@link #vectorAvailable()}.
     */
    static String vectorUnsuited() {
        try {
            return (String) Class.forName(VECTOR_CLASS).getDeclaredMethod("unsuited").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot ask the Vector API kernels: " + e, e);
        }
    }

    /**
     * True when the incubating Vector API is resolved in this JVM ({@code --add-modules jdk.incubator.vector})
     * and the class built on it is on the class path. The class is only loaded after this check, so a JVM
     * without the module never touches it.
     */
    static boolean vectorAvailable() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
        try {
            Class.forName(VECTOR_CLASS, false, Kernels.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static final String VECTOR_CLASS = "io.github.dac4j.core.cpu.VectorKernels";

    /**
     * The Vector API kernels, with the Winograd forms of the 7-tap and 2-tap convolutions or without
     * ({@code vector-direct}). Call only when {@link #vectorAvailable()}.
     */
    static java.util.function.Supplier<Kernels> vectorFactory(boolean winograd) {
        return () -> {
            try {
                return (Kernels) Class.forName(VECTOR_CLASS).getDeclaredConstructor(boolean.class).newInstance(winograd);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot create the Vector API kernels: " + e, e);
            }
        };
    }

    // ---- the polynomial sine shared by the fast implementations ----

    /**
     * |alpha * v| above this goes to Math.sin. Up to 2^22 the range reduction below stays as accurate as near 0 (2.9e-7
     * at worst against Math.sin, squared): {@code a - k PI_A} is exact there, and {@code k} far below the 2^22 that
     * {@link #ROUND} allows. It was 65536 until v15: the synthetic checkpoint's late Snakes have a few arguments above
     * that, and Math.sin's slow path for them took 6 % of a decode (docs/CPU-BACKEND.md).
     */
    static final float SIN_LIMIT = 4194304f;
    static final float INV_PI = (float) (1 / Math.PI);
    /** pi split in three floats (Cody-Waite) so that k * pi is subtracted with little rounding. */
    static final float PI_A = (float) Math.PI;
    static final float PI_B = (float) (Math.PI - PI_A);
    static final float PI_C = (float) (Math.PI - PI_A - PI_B);
    /** 1.5 * 2^23: adding and subtracting it rounds a float below 2^22 to the nearest integer. */
    static final float ROUND = 12582912f;
    /** Taylor coefficients of {@code sin(r) = r (1 + r^2 (S3 + r^2 (S5 + ...)))}, {@code |r| <= pi/2}: error below 1e-9. */
    static final float S3 = (float) (-1.0 / 6), S5 = (float) (1.0 / 120), S7 = (float) (-1.0 / 5040),
            S9 = (float) (1.0 / 362880), S11 = (float) (-1.0 / 39916800), S13 = (float) (1.0 / 6227020800.0);

    /** {@code sin(a)^2} via {@code sin^2(a) = sin^2(a - k pi)}, {@code k = round(a / pi)}; valid for {@code |a| <= SIN_LIMIT}. */
    static float sinSquared(float a) {
        float k = (a * INV_PI + ROUND) - ROUND;
        float r = Math.fma(-k, PI_A, a);
        r = Math.fma(-k, PI_B, r);
        r = Math.fma(-k, PI_C, r);
        float r2 = r * r;
        float p = Math.fma(r2, S13, S11);
        p = Math.fma(r2, p, S9);
        p = Math.fma(r2, p, S7);
        p = Math.fma(r2, p, S5);
        p = Math.fma(r2, p, S3);
        float s = Math.fma(r * r2, p, r);
        return s * s;
    }
}
