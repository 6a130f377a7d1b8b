package io.github.dac4j.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the incubating Vector API, at the JVM's preferred vector width: L float lanes (16 with AVX-512, 8 with
 * AVX2, 4 with NEON). The input tile is loaded transposed, {@code tile[c * TILE + u]} (channel c, row u), so that the
 * rows a micro-kernel broadcasts sit next to each other at constant offsets: the micro-kernel holds R time rows x 2L
 * output channels in 2R vector accumulators and streams over (tap, input channel), one 2L-channel weight row (two
 * vectors) and R broadcasts per step; R is 12 where the CPU has 32 vector registers (AVX-512, NEON) and 4 where it
 * has 16 (AVX2), so that the accumulators, the weights and the broadcasts stay in registers. Weights are packed
 * at load into panels of 2L output channels, {@code [cout/2L][k * cin][2L]} (zero-padded), after the bias padded to a
 * multiple of 2L. A tile's R-row blocks are computed together, tap by tap and 128 input channels at a time, so that
 * each chunk of weights is read from L1 by every block ({@link #rowBlocks}, v10). Each output is bias, then fma over
 * (tap, channel) in order, in the R-row, the 4-row and the one-channel variants alike, so neither the row blocking,
 * the channel chunks, the tiling nor the vector width ever changes a result: an AVX2 machine gives the same bits as an
 * AVX-512 one.
 *
 * <p>The 7-tap convolutions run in the Winograd form F(2, 7) (v13): two output rows from 8 products per input channel
 * instead of 14, on the same micro-kernels over pairs of rows; rows pair up by their sequence position, so streaming
 * stays bit-identical. The 2-tap ones (a transposed convolution's phases, the encoder's downsampling layers) likewise
 * in F(2, 2), 3 products instead of 4 (v15). {@code vector-direct} ({@link #VectorKernels(boolean)}) computes them
 * directly instead.
 *
 * <p>Why this shape (docs/CPU-BACKEND.md, v6): with the rows of a row-major tile 8 row pointers were live in the
 * loop, and C2 spilled them; on a core with two 512-bit FMA units the spills and index arithmetic, not the FMAs,
 * set the pace. The transposed tile needs one index for all rows, and its constant row stride lets C2 prove the
 * broadcasts in bounds once per loop.
 *
 * <p>Only loaded when the JVM resolves {@code jdk.incubator.vector} (see {@link Kernels#vectorAvailable()}), and
 * chosen by default only where {@link #unsuited()} finds nothing against it.
 */
final class VectorKernels extends Kernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length(), PANEL = 2 * L, TAIL_ROWS = 4;
    /** Rows of the micro-kernel: 12 (24 accumulators) with 32 vector registers, 4 (8 accumulators) with 16. */
    private static final int ROWS = VectorMachine.registers(L) >= 32 ? 12 : 4;
    /**
     * Whether the tile is loaded with gathers: x86 has them from AVX2 on; elsewhere C2 may not compile them (NEON has
     * none), and an uncompiled gather costs far more than the element-by-element copy.
     */
    private static final boolean GATHER = L >= 8 && VectorMachine.x86();
    /**
     * Floats per channel in the transposed tile: the most input rows a tile holds. A compile-time constant, so that
     * C2 hoists the bounds checks of the broadcasts out of the channel loop.
     */
    static final int TILE = 128;

    private float[] tile = new float[0];
    private final int[] rowAt = new int[L];   // gather offsets of L rows: r * xStride
    /** Accumulators of the 4-row tail and of the one-channel conv. */
    private final float[] acc = new float[TAIL_ROWS * PANEL];
    /** Input channels per chunk in {@link #rowBlocks}: 128 x 2L weights (16 KB with AVX-512) stay in L1 across a tile's row blocks. */
    static final int CHANNEL_CHUNK = 128;
    /** Accumulators of every R-row block of a tile, {@code [block * R + row][2L]}. */
    private final float[] blockAcc = new float[(TILE - TAIL_ROWS) / ROWS * ROWS * PANEL];

    /** Whether the 7-tap convolutions run in the Winograd form (the default) or directly ({@code vector-direct}). */
    private final boolean winograd;

    /** The kernels with the Winograd form of the 7-tap convolutions. */
    VectorKernels() { this(true); }

    /** The kernels, with the 7-tap convolutions in the Winograd form or, for comparison, computed directly. */
    VectorKernels(boolean winograd) { this.winograd = winograd; }

    @Override String name() { return winograd ? "vector" : "vector-direct"; }

    /** The vector width and micro-kernel, for the device line: e.g. {@code 512-bit, 12 x 32}. */
    @Override String shape() { return S.vectorBitSize() + "-bit, " + ROWS + " x " + PANEL; }

    /**
     * Why these kernels would run slower than the plain-Java ones in this JVM, or null if nothing speaks against
     * them: a preferred vector of fewer than 4 floats, or no fused multiply-add in the JIT's code (where the Vector
     * API's {@code fma} falls back to {@link Math#fma} lane by lane; before AVX2 on x86).
     */
    static String unsuited() { return UNSUITED; }

    // fixed for the JVM's life, like the species: asked once, not at every backend's creation
    private static final String UNSUITED = L < 4 ? "the JVM's preferred vector holds " + L + " floats"
            : !VectorMachine.fusedMultiplyAdd() ? "the JIT has no fused multiply-add on this CPU (UseFMA is off)" : null;

    @Override int rowBlock() { return ROWS; }

    @Override boolean pairsRows(int k, int cout) { return winograd(k, cout); }

    /** Rows of a tile, less the up to three rows the 4-row tail reads past the last row it stores. */
    @Override int maxLoadRows(int cin) { return TILE - TAIL_ROWS; }

    private static int padded(int cout) { return (cout + PANEL - 1) / PANEL * PANEL; }

    @Override float[] pack(float[] wkco, float[] bias, int k, int cin, int cout) {
        if (winograd(k, cout)) return pack(new Strided(wkco, 0, cin * cout, cout, 1), bias, k, cin, cout);
        int pad = padded(cout), kk = k * cin;
        float[] p = new float[pad + kk * pad];
        System.arraycopy(bias, 0, p, 0, cout);
        for (int q = 0; q < pad / PANEL; q++) {
            int o0 = q * PANEL, width = Math.min(PANEL, cout - o0), panel = pad + q * kk * PANEL;
            for (int i = 0; i < kk; i++) System.arraycopy(wkco, i * cout + o0, p, panel + i * PANEL, width);
        }
        return p;
    }

    /**
     * The panels straight from the loaded weights, without the {@code [k, cin, cout]} copy: per panel, input channel
     * by channel, the panel's output channels of each tap (the source rows of a panel's 2L output channels stay in
     * cache while the channels advance). At open, the 44.1 kHz decoder's packing in 0.53 s instead of 0.9
     * (docs/CPU-BACKEND.md, "Time to first audio").
     */
    @Override float[] pack(Strided source, float[] bias, int k, int cin, int cout) {
        if (winograd(k, cout)) return packWinograd(source, bias, k, cin, cout);
        int pad = padded(cout), kk = k * cin;
        float[] p = new float[pad + kk * pad];
        System.arraycopy(bias, 0, p, 0, cout);
        float[] w = source.w();
        int js = source.tapStride(), cs = source.cinStride(), os = source.coutStride();
        for (int q = 0; q < pad / PANEL; q++) {
            int o0 = q * PANEL, width = Math.min(PANEL, cout - o0), panel = pad + q * kk * PANEL;
            for (int c = 0; c < cin; c++) {
                for (int j = 0; j < k; j++) {
                    int d = panel + (j * cin + c) * PANEL, from = source.base() + j * js + c * cs + o0 * os;
                    for (int o = 0; o < width; o++) p[d + o] = w[from + o * os];
                }
            }
        }
        return p;
    }

    @Override void reserve(int cin) {
        // L floats past the last channel: the one-channel conv's last vector reads up to 15 rows past the tile's end
        if (tile.length < cin * TILE + L) tile = new float[cin * TILE + L];
    }

    // load: x:[rows, cin] (row stride xStride) -> tile:[cin][TILE], through Snake if alpha != null
    @Override void load(float[] x, int xOff, int xStride, int rows, int cin, float[] alpha, float[] inverse) {
        if (rows > maxLoadRows(cin)) throw new IllegalArgumentException(rows + " rows exceed the tile's " + maxLoadRows(cin));
        reserve(cin);
        loads++;   // a new tile: the transform of the last one is stale
        float[] tile = this.tile;
        // L rows at a time, one gather per channel, so that each channel's L values are written to one cache line
        // (2.5x faster than element by element); then the last rows element by element (all of them without gathers)
        int[] rowAt = this.rowAt;
        if (GATHER && rowAt[1] != xStride) for (int r = 0; r < L; r++) rowAt[r] = r * xStride;
        int full = GATHER ? rows / L * L : 0;
        for (int u0 = 0; u0 < full; u0 += L) {
            int src = xOff + u0 * xStride;
            for (int c = 0; c < cin; c++) FloatVector.fromArray(S, x, src + c, rowAt, 0).intoArray(tile, c * TILE + u0);
        }
        for (int c = 0; c < cin && full < rows; c++) {
            int src = xOff + full * xStride + c, dst = c * TILE + full;
            for (int r = 0; r < rows - full; r++) tile[dst + r] = x[src + r * xStride];
        }
        if (alpha != null) {
            for (int c = 0; c < cin; c++) snake(tile, c * TILE, rows, alpha[c], inverse[c]);
        }
    }

    /**
     * Snake in place over {@code rows} values of one channel from {@code at}: {@code v + inverse * sin(alpha * v)^2}.
     * In whole vectors: the last one also runs over the values past {@code rows} up to a multiple of L, which lie in
     * the channel's own {@link #TILE} floats (a multiple of L) and are never stored from. A lane-by-lane tail instead
     * (up to 15 values of a 124-row tile with AVX-512) took twice the vectors' time: Snake alone 0.63-0.69 of the time
     * with AVX-512, 0.79-0.85 with AVX2 (docs/CPU-BACKEND.md, v14). A vector with an argument beyond
     * {@link #SIN_LIMIT} (or NaN) goes lane by lane through {@link #snakeOne} instead, so no mask outlives its test: C2
     * on JDK 17 boxed a mask kept for a lane-by-lane fix-up on every vector once that path had run (950 MB per second
     * of audio). Lane for lane the same operations as {@link Kernels#sinSquared}: the same bits either way.
     */
    private static void snake(float[] t, int at, int rows, float alpha, float inverse) {
        for (int u = 0; u < rows; u += L) {
            FloatVector v = FloatVector.fromArray(S, t, at + u);
            FloatVector a = v.mul(alpha);
            if (!a.abs().compare(VectorOperators.LE, SIN_LIMIT).allTrue()) {
                for (int l = 0; l < L; l++) t[at + u + l] = snakeOne(t[at + u + l], alpha, inverse);
                continue;
            }
            // the lanes of Kernels.sinSquared, operation for operation
            FloatVector kq = a.mul(INV_PI).add(ROUND).sub(ROUND).neg();
            FloatVector r = kq.fma(FloatVector.broadcast(S, PI_A), a);
            r = kq.fma(FloatVector.broadcast(S, PI_B), r);
            r = kq.fma(FloatVector.broadcast(S, PI_C), r);
            FloatVector r2 = r.mul(r);
            FloatVector p = r2.fma(S13, S11);
            p = r2.fma(p, FloatVector.broadcast(S, S9));
            p = r2.fma(p, FloatVector.broadcast(S, S7));
            p = r2.fma(p, FloatVector.broadcast(S, S5));
            p = r2.fma(p, FloatVector.broadcast(S, S3));
            FloatVector sn = r.mul(r2).fma(p, r);
            v.add(sn.mul(sn).mul(inverse)).intoArray(t, at + u);
        }
    }

    private static float snakeOne(float v, float alpha, float inverse) {
        float a = alpha * v, sq;
        if (Math.abs(a) <= SIN_LIMIT) {
            sq = sinSquared(a);
        } else {
            float s = (float) Math.sin(a);
            sq = s * s;
        }
        return v + inverse * sq;
    }

    @Override int channelGroup() { return PANEL; }

    @Override void convLoaded(int first, int d, int k, int cin, int cout, float[] w, int wOff,
                              float[] y, int yOff, int yStride, float[] res, int resOff, int resStride, boolean tanh, int n,
                              long position) {
        convLoaded(first, d, k, cin, cout, w, wOff, y, yOff, yStride, res, resOff, resStride, tanh, n, position, 0, cout);
    }

    // the panels of output channels [from, to): each output computed as by the whole call
    @Override void convLoaded(int first, int d, int k, int cin, int cout, float[] w, int wOff, float[] y, int yOff, int yStride,
                              float[] res, int resOff, int resStride, boolean tanh, int n, long position, int from, int to) {
        if (cout == 1) {
            convOneChannel(first, d, k, cin, w, wOff, y, yOff, yStride, res, resOff, resStride, tanh, n);
            return;
        }
        if (winograd(k, cout)) {
            int pairs = transform(first, d, k, cin, n, position);
            int qEnd = (to + PANEL - 1) / PANEL;
            int group = panelGroup(k + 1, cin);
            for (int q0 = from / PANEL; q0 < qEnd; q0 += group) {
                int panels = Math.min(group, qEnd - q0);
                products(q0, panels, k + 1, pairs, cin, cout, w, wOff);
                for (int g = 0; g < panels; g++) combine(k, q0 + g, g, pairs, d, n, cout, w, wOff, y, yOff, yStride, res, resOff, resStride, tanh);
            }
            return;
        }
        int blocks = n / ROWS;
        for (int q = from / PANEL; q < (to + PANEL - 1) / PANEL; q++) {
            rowBlocks(q, blocks, first, d, k, cin, cout, w, wOff, y, yOff, yStride, res, resOff, resStride, tanh);
            for (int t = blocks * ROWS; t < n; t += TAIL_ROWS) rows4(q, t, first, d, k, cin, cout, w, wOff, y, yOff, yStride, res, resOff, resStride, tanh, n);
        }
    }

    /**
     * The first {@code blocks} R-row blocks of panel q (output channels {@code [2L q, 2L q + 2L)}): bias, then tap by
     * tap, {@link #CHANNEL_CHUNK} input channels at a time, every block in turn, so that a chunk of weights (128 x 2L
     * floats, 16 KB with AVX-512) serves all the tile's row blocks from L1 instead of streaming the panel from L2 once per block
     * (about 10 % faster on every layer: docs/CPU-BACKEND.md, v10); {@link #blockAcc} keeps each block's accumulators
     * between chunks. Each output is still bias, then tap by tap, channel by channel.
     */
    private void rowBlocks(int q, int blocks, int first, int d, int k, int cin, int cout, float[] w, int wOff,
                           float[] y, int yOff, int yStride, float[] res, int resOff, int resStride, boolean tanh) {
        float[] acc = blockAcc;
        int o0 = q * PANEL, panel = wOff + padded(cout) + q * k * cin * PANEL, width = Math.min(PANEL, cout - o0);
        for (int r = 0; r < blocks * ROWS; r++) System.arraycopy(w, wOff + o0, acc, r * PANEL, PANEL);
        for (int j = 0; j < k; j++) {
            for (int c0 = 0; c0 < cin; c0 += CHANNEL_CHUNK) {
                int kc = Math.min(CHANNEL_CHUNK, cin - c0), wj = panel + (j * cin + c0) * PANEL;
                // one flat loop per call: C2 keeps the accumulators in registers only through a single loop
                for (int b = 0; b < blocks; b++) {
                    int u0 = first + b * ROWS + j * d + c0 * TILE, ai = b * ROWS * PANEL;
                    if (ROWS == 12) tap12(tile, u0, kc, w, wj, acc, ai);   // a constant: C2 keeps one of the two
                    else tap4(tile, u0, kc, w, wj, acc, ai);
                }
            }
        }
        for (int r = 0; r < blocks * ROWS; r++) {
            store(acc, r * PANEL, y, yOff + r * yStride + o0, res, resOff + r * resStride + o0, tanh, width);
        }
    }

    // rows4: the last rows four at a time; rows past n are computed from rows the tile holds, and not stored
    private void rows4(int q, int t, int first, int d, int k, int cin, int cout, float[] w, int wOff,
                       float[] y, int yOff, int yStride, float[] res, int resOff, int resStride, boolean tanh, int n) {
        float[] acc = this.acc;
        int o0 = q * PANEL, panel = wOff + padded(cout) + q * k * cin * PANEL, width = Math.min(PANEL, cout - o0);
        for (int r = 0; r < TAIL_ROWS; r++) System.arraycopy(w, wOff + o0, acc, r * PANEL, PANEL);
        for (int j = 0; j < k; j++) tap4(tile, first + t + j * d, cin, w, panel + j * cin * PANEL, acc, 0);
        for (int r = 0; r < Math.min(TAIL_ROWS, n - t); r++) {
            store(acc, r * PANEL, y, yOff + (t + r) * yStride + o0, res, resOff + (t + r) * resStride + o0, tanh, width);
        }
    }

    /**
     * {@code acc[ai + row * 2L + o] += sum over c < cin of tile[c][u0 + row] * w[c][o]} for 12 rows and {@code o < 2L}, channel
     * by channel, in 24 vector accumulators (row a..l, half 0/1): for CPUs with 32 vector registers. Two channels per trip: C2 does not unroll a loop this large itself, and the
     * trip's own cost (index updates, the bounds checks on the weights) is then shared by 48 fused multiply-adds.
     */
    private static void tap12(float[] x, int u0, int cin, float[] w, int wi, float[] acc, int ai) {
        FloatVector a0 = FloatVector.fromArray(S, acc, ai + 0 * L), a1 = FloatVector.fromArray(S, acc, ai + 1 * L),
                b0 = FloatVector.fromArray(S, acc, ai + 2 * L), b1 = FloatVector.fromArray(S, acc, ai + 3 * L),
                c0 = FloatVector.fromArray(S, acc, ai + 4 * L), c1 = FloatVector.fromArray(S, acc, ai + 5 * L),
                d0 = FloatVector.fromArray(S, acc, ai + 6 * L), d1 = FloatVector.fromArray(S, acc, ai + 7 * L),
                e0 = FloatVector.fromArray(S, acc, ai + 8 * L), e1 = FloatVector.fromArray(S, acc, ai + 9 * L),
                f0 = FloatVector.fromArray(S, acc, ai + 10 * L), f1 = FloatVector.fromArray(S, acc, ai + 11 * L),
                g0 = FloatVector.fromArray(S, acc, ai + 12 * L), g1 = FloatVector.fromArray(S, acc, ai + 13 * L),
                h0 = FloatVector.fromArray(S, acc, ai + 14 * L), h1 = FloatVector.fromArray(S, acc, ai + 15 * L),
                i0 = FloatVector.fromArray(S, acc, ai + 16 * L), i1 = FloatVector.fromArray(S, acc, ai + 17 * L),
                j0 = FloatVector.fromArray(S, acc, ai + 18 * L), j1 = FloatVector.fromArray(S, acc, ai + 19 * L),
                k0 = FloatVector.fromArray(S, acc, ai + 20 * L), k1 = FloatVector.fromArray(S, acc, ai + 21 * L),
                l0 = FloatVector.fromArray(S, acc, ai + 22 * L), l1 = FloatVector.fromArray(S, acc, ai + 23 * L);
        int c = 0;
        for (; c + 2 <= cin; c += 2) {
            {
                int wc = wi + c * PANEL, xc = u0 + c * TILE;
                FloatVector w0 = FloatVector.fromArray(S, w, wc), w1 = FloatVector.fromArray(S, w, wc + L);
                FloatVector v = FloatVector.broadcast(S, x[xc]); a0 = w0.fma(v, a0); a1 = w1.fma(v, a1);
                v = FloatVector.broadcast(S, x[xc + 1]); b0 = w0.fma(v, b0); b1 = w1.fma(v, b1);
                v = FloatVector.broadcast(S, x[xc + 2]); c0 = w0.fma(v, c0); c1 = w1.fma(v, c1);
                v = FloatVector.broadcast(S, x[xc + 3]); d0 = w0.fma(v, d0); d1 = w1.fma(v, d1);
                v = FloatVector.broadcast(S, x[xc + 4]); e0 = w0.fma(v, e0); e1 = w1.fma(v, e1);
                v = FloatVector.broadcast(S, x[xc + 5]); f0 = w0.fma(v, f0); f1 = w1.fma(v, f1);
                v = FloatVector.broadcast(S, x[xc + 6]); g0 = w0.fma(v, g0); g1 = w1.fma(v, g1);
                v = FloatVector.broadcast(S, x[xc + 7]); h0 = w0.fma(v, h0); h1 = w1.fma(v, h1);
                v = FloatVector.broadcast(S, x[xc + 8]); i0 = w0.fma(v, i0); i1 = w1.fma(v, i1);
                v = FloatVector.broadcast(S, x[xc + 9]); j0 = w0.fma(v, j0); j1 = w1.fma(v, j1);
                v = FloatVector.broadcast(S, x[xc + 10]); k0 = w0.fma(v, k0); k1 = w1.fma(v, k1);
                v = FloatVector.broadcast(S, x[xc + 11]); l0 = w0.fma(v, l0); l1 = w1.fma(v, l1);
            }
            {
                int wc = wi + (c + 1) * PANEL, xc = u0 + (c + 1) * TILE;
                FloatVector w0 = FloatVector.fromArray(S, w, wc), w1 = FloatVector.fromArray(S, w, wc + L);
                FloatVector v = FloatVector.broadcast(S, x[xc]); a0 = w0.fma(v, a0); a1 = w1.fma(v, a1);
                v = FloatVector.broadcast(S, x[xc + 1]); b0 = w0.fma(v, b0); b1 = w1.fma(v, b1);
                v = FloatVector.broadcast(S, x[xc + 2]); c0 = w0.fma(v, c0); c1 = w1.fma(v, c1);
                v = FloatVector.broadcast(S, x[xc + 3]); d0 = w0.fma(v, d0); d1 = w1.fma(v, d1);
                v = FloatVector.broadcast(S, x[xc + 4]); e0 = w0.fma(v, e0); e1 = w1.fma(v, e1);
                v = FloatVector.broadcast(S, x[xc + 5]); f0 = w0.fma(v, f0); f1 = w1.fma(v, f1);
                v = FloatVector.broadcast(S, x[xc + 6]); g0 = w0.fma(v, g0); g1 = w1.fma(v, g1);
                v = FloatVector.broadcast(S, x[xc + 7]); h0 = w0.fma(v, h0); h1 = w1.fma(v, h1);
                v = FloatVector.broadcast(S, x[xc + 8]); i0 = w0.fma(v, i0); i1 = w1.fma(v, i1);
                v = FloatVector.broadcast(S, x[xc + 9]); j0 = w0.fma(v, j0); j1 = w1.fma(v, j1);
                v = FloatVector.broadcast(S, x[xc + 10]); k0 = w0.fma(v, k0); k1 = w1.fma(v, k1);
                v = FloatVector.broadcast(S, x[xc + 11]); l0 = w0.fma(v, l0); l1 = w1.fma(v, l1);
            }
        }
        if (c < cin) {
            int wc = wi + c * PANEL, xc = u0 + c * TILE;
            FloatVector w0 = FloatVector.fromArray(S, w, wc), w1 = FloatVector.fromArray(S, w, wc + L);
            FloatVector v = FloatVector.broadcast(S, x[xc]); a0 = w0.fma(v, a0); a1 = w1.fma(v, a1);
            v = FloatVector.broadcast(S, x[xc + 1]); b0 = w0.fma(v, b0); b1 = w1.fma(v, b1);
            v = FloatVector.broadcast(S, x[xc + 2]); c0 = w0.fma(v, c0); c1 = w1.fma(v, c1);
            v = FloatVector.broadcast(S, x[xc + 3]); d0 = w0.fma(v, d0); d1 = w1.fma(v, d1);
            v = FloatVector.broadcast(S, x[xc + 4]); e0 = w0.fma(v, e0); e1 = w1.fma(v, e1);
            v = FloatVector.broadcast(S, x[xc + 5]); f0 = w0.fma(v, f0); f1 = w1.fma(v, f1);
            v = FloatVector.broadcast(S, x[xc + 6]); g0 = w0.fma(v, g0); g1 = w1.fma(v, g1);
            v = FloatVector.broadcast(S, x[xc + 7]); h0 = w0.fma(v, h0); h1 = w1.fma(v, h1);
            v = FloatVector.broadcast(S, x[xc + 8]); i0 = w0.fma(v, i0); i1 = w1.fma(v, i1);
            v = FloatVector.broadcast(S, x[xc + 9]); j0 = w0.fma(v, j0); j1 = w1.fma(v, j1);
            v = FloatVector.broadcast(S, x[xc + 10]); k0 = w0.fma(v, k0); k1 = w1.fma(v, k1);
            v = FloatVector.broadcast(S, x[xc + 11]); l0 = w0.fma(v, l0); l1 = w1.fma(v, l1);
        }
        a0.intoArray(acc, ai + 0 * L); a1.intoArray(acc, ai + 1 * L); b0.intoArray(acc, ai + 2 * L); b1.intoArray(acc, ai + 3 * L);
        c0.intoArray(acc, ai + 4 * L); c1.intoArray(acc, ai + 5 * L); d0.intoArray(acc, ai + 6 * L); d1.intoArray(acc, ai + 7 * L);
        e0.intoArray(acc, ai + 8 * L); e1.intoArray(acc, ai + 9 * L); f0.intoArray(acc, ai + 10 * L); f1.intoArray(acc, ai + 11 * L);
        g0.intoArray(acc, ai + 12 * L); g1.intoArray(acc, ai + 13 * L); h0.intoArray(acc, ai + 14 * L); h1.intoArray(acc, ai + 15 * L);
        i0.intoArray(acc, ai + 16 * L); i1.intoArray(acc, ai + 17 * L); j0.intoArray(acc, ai + 18 * L); j1.intoArray(acc, ai + 19 * L);
        k0.intoArray(acc, ai + 20 * L); k1.intoArray(acc, ai + 21 * L); l0.intoArray(acc, ai + 22 * L); l1.intoArray(acc, ai + 23 * L);
    }

    /**
     * {@code acc[ai + row * 2L + o] += sum over c < cin of tile[c][u0 + row] * w[c][o]} for 4 rows in 8 vector
     * accumulators: the micro-kernel where the CPU has 16 vector registers (AVX2: with 6 rows C2 spilled weights and
     * accumulators to the stack, with 5 it ran 10 % slower), and the last rows of a tile everywhere. One channel per
     * trip: two (as in {@link #tap12}) measured the same here.
     */
    private static void tap4(float[] x, int u0, int cin, float[] w, int wi, float[] acc, int ai) {
        FloatVector a0 = FloatVector.fromArray(S, acc, ai + 0 * L), a1 = FloatVector.fromArray(S, acc, ai + 1 * L),
                b0 = FloatVector.fromArray(S, acc, ai + 2 * L), b1 = FloatVector.fromArray(S, acc, ai + 3 * L),
                c0 = FloatVector.fromArray(S, acc, ai + 4 * L), c1 = FloatVector.fromArray(S, acc, ai + 5 * L),
                d0 = FloatVector.fromArray(S, acc, ai + 6 * L), d1 = FloatVector.fromArray(S, acc, ai + 7 * L);
        for (int c = 0; c < cin; c++) {
            int wc = wi + c * PANEL, xc = u0 + c * TILE;
            FloatVector w0 = FloatVector.fromArray(S, w, wc), w1 = FloatVector.fromArray(S, w, wc + L);
            FloatVector v = FloatVector.broadcast(S, x[xc]); a0 = w0.fma(v, a0); a1 = w1.fma(v, a1);
            v = FloatVector.broadcast(S, x[xc + 1]); b0 = w0.fma(v, b0); b1 = w1.fma(v, b1);
            v = FloatVector.broadcast(S, x[xc + 2]); c0 = w0.fma(v, c0); c1 = w1.fma(v, c1);
            v = FloatVector.broadcast(S, x[xc + 3]); d0 = w0.fma(v, d0); d1 = w1.fma(v, d1);
        }
        a0.intoArray(acc, ai + 0 * L); a1.intoArray(acc, ai + 1 * L); b0.intoArray(acc, ai + 2 * L); b1.intoArray(acc, ai + 3 * L);
        c0.intoArray(acc, ai + 4 * L); c1.intoArray(acc, ai + 5 * L); d0.intoArray(acc, ai + 6 * L); d1.intoArray(acc, ai + 7 * L);
    }

    // ---- the Winograd forms: F(2, 7) for the 7-tap convolutions, F(2, 2) for the 2-tap ones ----

    /**
     * Products per pair of rows, the most of the two forms: F(2, 7) takes one at each of its points 0, 1, -1, 2, -2,
     * 1/2, -1/2 and infinity; F(2, 2) one at 0, 1 and infinity ({@code k + 1} in both).
     */
    private static final int POINTS = 8;

    /**
     * Panels whose products are computed together, from one pass over the transformed tile of {@code points} planes:
     * 8 where that tile is over 1 MB, half of L2 (of the models' widths: F(2, 7) from 384 input channels, as before
     * v15, and F(2, 2) from 768; F(2, 7) at 256 channels is exactly 1 MB and stays ungrouped). There the
     * transformed tile and the weights streaming past it outgrow L2, and a pass per panel read the tile from L3 once
     * for each 2L output channels; a group reads each chunk of it once for 8 panels, with their products (0.25-0.5 MB)
     * kept meanwhile. Smaller tiles stay in L2, and there the bigger products buffer only cost L1 hits
     * (docs/CPU-BACKEND.md, v14 and v15).
     */
    private static int panelGroup(int points, int cin) { return (long) points * cin * TILE * Float.BYTES > 1 << 20 ? 8 : 1; }

    /**
     * G of F(2, 7), {@code [8][7]}: the weights' transform {@code U = G w}, applied at packing in double. With B^T (in
     * {@link #transform}) and A^T (in {@link #combine}) it gives {@code y = A^T [(G w) . (B^T x)]}, the correlation of
     * 8 input rows with 7 taps, 2 outputs: Lavin and Gray's construction, with the Lagrange denominators moved into G so
     * that B^T has small integers and A^T powers of two. Derived and checked in exact arithmetic (docs/CPU-BACKEND.md, v13).
     */
    private static final double[][] G7 = {
            {1 / 4.0, 0, 0, 0, 0, 0, 0},
            {1 / 18.0, 1 / 18.0, 1 / 18.0, 1 / 18.0, 1 / 18.0, 1 / 18.0, 1 / 18.0},
            {1 / 18.0, -1 / 18.0, 1 / 18.0, -1 / 18.0, 1 / 18.0, -1 / 18.0, 1 / 18.0},
            {1 / 360.0, 1 / 180.0, 1 / 90.0, 1 / 45.0, 2 / 45.0, 4 / 45.0, 8 / 45.0},
            {1 / 360.0, -1 / 180.0, 1 / 90.0, -1 / 45.0, 2 / 45.0, -4 / 45.0, 8 / 45.0},
            {16 / 45.0, 8 / 45.0, 4 / 45.0, 2 / 45.0, 1 / 45.0, 1 / 90.0, 1 / 180.0},
            {16 / 45.0, -8 / 45.0, 4 / 45.0, -2 / 45.0, 1 / 45.0, -1 / 90.0, 1 / 180.0},
            {0, 0, 0, 0, 0, 0, 1 / 4.0}};

    /**
     * G of F(2, 2), {@code [3][2]} (v15): rows t and t + d of {@code w0 x_t + w1 x_(t+d)} from three products,
     * {@code m0 = (x0 - x1) w0}, {@code m1 = x1 (w0 + w1)}, {@code m2 = (x2 - x1) w1}: {@code y0 = m0 + m1},
     * {@code y1 = m1 + m2}. A transposed convolution's phases and the encoder's downsampling layers are 2-tap
     * convolutions: a quarter fewer multiplications.
     */
    private static final double[][] G2 = {{1, 0}, {1, 1}, {0, 1}};

    /**
     * Whether a stride-1 convolution of {@code k} taps to {@code cout} channels runs in a Winograd form here: F(2, 7)
     * and F(2, 2), at every vector width, so that every width gives the same bits. A transposed convolution's tile
     * alone, F(2, 2) ran 1.08-1.28x the direct form's speed at AVX2; at AVX-512 1.03-1.21x on the wide layers and
     * either way on the narrow ones (docs/CPU-BACKEND.md, v15).
     */
    private boolean winograd(int k, int cout) { return winograd && (k == 7 || k == 2) && cout > 1; }

    private float[] transformed = new float[0];   // V = B^T x: [k + 1][cin][TILE], pair p at column p
    private final int[] pairAt = new int[TILE];    // the first row of each pair
    private final int[] firstAt = new int[TILE];   // where each pair's x0 is read: its first row, or x1's row where x0 is not needed
    private final int[] lastAt = new int[TILE];    // where its x_k is read: b + k d, or x_(k-1)'s row where x_k is not needed
    private float[] products = new float[0];   // M = sum over c of U V, per panel of a group: [panel][POINTS][pair][2L]
    private final float[] staged = new float[GATHER ? 0 : 4 * TILE];      // without gathers: up to four input rows of the pairs
    /**
     * What {@link #transformed} holds: the transform of the tile of load {@code transformedLoad} for these arguments, or
     * nothing (load -1). A transposed convolution's phases that read the same window rows share it.
     */
    private int loads, transformedLoad = -1, transformedFirst, transformedD, transformedK, transformedCin, transformedN, transformedPairs;
    private long transformedPosition;

    /**
     * The panels of U = G w, {@code [k + 1][cin][cout]} laid out as {@link #pack} lays out k + 1 taps, straight from the
     * loaded weights as in {@link #pack(Strided, float[], int, int, int)}: each U element a sum in double over the k
     * taps, rounded once. For the 44.1 kHz decoder's 7-tap layers 0.26-0.47 s at open, against 0.17-0.31 s for the
     * direct form's panels (through a {@code [8, cin, cout]} copy and a second pass it took 0.6-0.7 s).
     */
    private static float[] packWinograd(Strided source, float[] bias, int k, int cin, int cout) {
        double[][] g = k == 7 ? G7 : G2;
        int pad = padded(cout), points = k + 1, kk = points * cin;
        float[] p = new float[pad + kk * pad];
        System.arraycopy(bias, 0, p, 0, cout);
        double[] taps = new double[k];
        for (int q = 0; q < pad / PANEL; q++) {
            int o0 = q * PANEL, width = Math.min(PANEL, cout - o0), panel = pad + q * kk * PANEL;
            for (int c = 0; c < cin; c++) {
                for (int o = 0; o < width; o++) {
                    for (int j = 0; j < k; j++) taps[j] = source.at(j, c, o0 + o);
                    for (int i = 0; i < points; i++) {
                        double sum = 0;
                        for (int j = 0; j < k; j++) sum += g[i][j] * taps[j];
                        p[panel + (i * cin + c) * PANEL + o] = (float) sum;
                    }
                }
            }
        }
        return p;
    }

    /**
     * Pairs up output rows {@code [0, n)}: row t goes with row t + d when its sequence position {@code position + t}
     * lies in the first half of a period of 2d, so that a row is computed as the same member of the same pair in
     * every tile and every step. Fills {@link #pairAt} with the first rows b of the pairs that hold a wanted row
     * ({@code b} may be negative: then only b + d is wanted) and returns their count.
     */
    private int pairs(int k, int d, int n, long position) {
        int period = 2 * d, phase = (int) Math.floorMod(position, (long) period), count = 0;
        for (int b = -d; b < n; b++) {
            if ((phase + b + period) % period < d && (b >= 0 || b + d < n)) {
                pairAt[count] = b;
                firstAt[count] = b >= 0 ? b : b + d;
                lastAt[count++] = b + d < n ? b + k * d : b + (k - 1) * d;
            }
        }
        // the last vector of pairs reads whole: the columns past the count repeat the last pair, and are not used
        for (int p = count; p < (count + L - 1) / L * L; p++) {
            pairAt[p] = pairAt[count - 1];
            firstAt[p] = firstAt[count - 1];
            lastAt[p] = lastAt[count - 1];
        }
        return count;
    }

    /** The transformed tile and the products of a Winograd convolution of {@code cin} input channels, allocated now rather than in a decode. */
    @Override void reserve(int k, int cin, int cout) {
        if (winograd(k, cout)) reserveTransformed(k + 1, cin);
    }

    private void reserveTransformed(int points, int cin) {
        if (transformed.length < points * cin * TILE) {
            transformed = new float[points * cin * TILE];
            transformedLoad = -1;
        }
        int group = panelGroup(points, cin);
        if (products.length < group * POINTS * TILE * PANEL) products = new float[group * POINTS * TILE * PANEL];
    }

    /**
     * V = B^T x, {@code tile:[cin][TILE] -> transformed:[k + 1][cin][TILE]}: for each pair (b, b + d) the k + 1 input
     * rows {@code first + b + j d}, j &lt;= k, of each channel, transformed; L pairs at a time, their rows gathered. B^T's
     * row 0 alone reads x0 and feeds only the product m0, which only the pair's first row takes (A^T); x_k likewise
     * feeds only the second row. So where one row of a pair is not wanted, its extra input (outside the tile, or past
     * the rows loaded) is read from a row inside instead: that changes only the row not stored. Pairs the rows first
     * ({@link #pairs}); returns the pairs' count. Both skipped where {@link #transformed} already holds this transform
     * (the same tile, window rows and pairs: the pair tables are then those of the last call too).
     */
    private int transform(int first, int d, int k, int cin, int n, long position) {
        if (transformedLoad == loads && transformedFirst == first && transformedD == d && transformedK == k
                && transformedCin == cin && transformedN == n && transformedPosition == position) {
            return transformedPairs;
        }
        int pairs = pairs(k, d, n, position);
        // reserved at prepare; a first decode that grew it here had its compiled code thrown away (C2 had never seen it)
        reserveTransformed(k + 1, cin);
        if (k == 2) {
            transform2(first, d, cin, pairs);
        } else {
            // B^T:  [4 0 -21 0 21 0 -4 0], [0 -4 -4 17 17 -4 -4 0], [0 4 -4 -17 17 4 -4 0], [0 2 1 -10 -5 8 4 0],
            //       [0 -2 1 10 -5 -8 4 0], [0 4 8 -5 -10 1 2 0], [0 -4 8 5 -10 -1 2 0], [0 -4 0 21 0 -21 0 4]
            // = the even inputs' part e and the odd inputs' part o of rows 1 and 2 (e + o, e - o), 3 and 4, 5 and 6. In
            // two passes of four gathers each: with all eight in one loop C2 stops inlining (NodeCountInliningCutoff),
            // and a gather left as a call allocates its vector
            transformEven(first, d, cin, pairs);
            transformOdd(first, d, cin, pairs);
        }
        transformedLoad = loads;
        transformedFirst = first;
        transformedD = d;
        transformedK = k;
        transformedCin = cin;
        transformedN = n;
        transformedPosition = position;
        transformedPairs = pairs;
        return pairs;
    }

    /** B^T of F(2, 2), {@code [1 -1 0], [0 1 0], [0 -1 1]}: V0 = x0 - x1, V1 = x1, V2 = x2 - x1. */
    private void transform2(int first, int d, int cin, int pairs) {
        int plane = cin * TILE, vectors = (pairs + L - 1) / L * L;
        float[] x = tile, v = transformed, st = staged;
        for (int c = 0; c < cin; c++) {
            int row = c * TILE, u = row + first;
            if (!GATHER) stage(x, u, d, 2, F2_ROWS, vectors);
            for (int p = 0; p < vectors; p += L) {
                FloatVector x0 = rows(x, u, firstAt, p, st, 0), x1 = rows(x, u + d, pairAt, p, st, 1),
                        x2 = rows(x, u, lastAt, p, st, 2);
                int at = row + p;
                x0.sub(x1).intoArray(v, at);
                x1.intoArray(v, plane + at);
                x2.sub(x1).intoArray(v, 2 * plane + at);
            }
        }
    }

    /** Rows 0 of V, and the even parts e1, e3, e5 into the planes of rows 1, 3 and 5 for {@link #transformOdd}. */
    private void transformEven(int first, int d, int cin, int pairs) {
        int plane = cin * TILE, vectors = (pairs + L - 1) / L * L;
        float[] x = tile, v = transformed, st = staged;
        for (int c = 0; c < cin; c++) {
            int row = c * TILE, u = row + first;
            if (!GATHER) stage(x, u, d, 7, F7_EVEN_ROWS, vectors);
            for (int p = 0; p < vectors; p += L) {
                FloatVector x0 = rows(x, u, firstAt, p, st, 0), x2 = rows(x, u + 2 * d, pairAt, p, st, 1),
                        x4 = rows(x, u + 4 * d, pairAt, p, st, 2), x6 = rows(x, u + 6 * d, pairAt, p, st, 3);
                int at = row + p;
                x0.sub(x6).mul(4f).add(x4.sub(x2).mul(21f)).intoArray(v, at);
                x4.mul(17f).sub(x2.add(x6).mul(4f)).intoArray(v, plane + at);
                x2.sub(x4.mul(5f)).add(x6.mul(4f)).intoArray(v, 3 * plane + at);
                x2.mul(4f).sub(x4.mul(5f)).add(x6).mul(2f).intoArray(v, 5 * plane + at);
            }
        }
    }

    /** Rows 1 to 7 of V: the odd parts o1, o3, o5 with the even parts {@link #transformEven} left, and row 7. */
    private void transformOdd(int first, int d, int cin, int pairs) {
        int plane = cin * TILE, vectors = (pairs + L - 1) / L * L;
        float[] x = tile, v = transformed, st = staged;
        for (int c = 0; c < cin; c++) {
            int row = c * TILE, u = row + first;
            if (!GATHER) stage(x, u, d, 7, F7_ODD_ROWS, vectors);
            for (int p = 0; p < vectors; p += L) {
                FloatVector x1 = rows(x, u + d, pairAt, p, st, 0), x3 = rows(x, u + 3 * d, pairAt, p, st, 1),
                        x5 = rows(x, u + 5 * d, pairAt, p, st, 2), x7 = rows(x, u, lastAt, p, st, 3);
                int at = row + p;
                FloatVector o1 = x3.mul(17f).sub(x1.add(x5).mul(4f)), e1 = FloatVector.fromArray(S, v, plane + at);
                e1.add(o1).intoArray(v, plane + at);
                e1.sub(o1).intoArray(v, 2 * plane + at);
                FloatVector o3 = x1.sub(x3.mul(5f)).add(x5.mul(4f)).mul(2f), e3 = FloatVector.fromArray(S, v, 3 * plane + at);
                e3.add(o3).intoArray(v, 3 * plane + at);
                e3.sub(o3).intoArray(v, 4 * plane + at);
                FloatVector o5 = x1.mul(4f).sub(x3.mul(5f)).add(x5), e5 = FloatVector.fromArray(S, v, 5 * plane + at);
                e5.add(o5).intoArray(v, 5 * plane + at);
                e5.sub(o5).intoArray(v, 6 * plane + at);
                x7.sub(x1).mul(4f).add(x3.sub(x5).mul(21f)).intoArray(v, 7 * plane + at);
            }
        }
    }

    /** The input rows j each transform pass reads, slot by slot: F(2, 2)'s, and F(2, 7)'s even and odd ones. */
    private static final int[] F2_ROWS = {0, 1, 2}, F7_EVEN_ROWS = {0, 2, 4, 6}, F7_ODD_ROWS = {1, 3, 5, 7};

    /**
     * The input rows of L pairs, one per pair: row {@code map[p + l]} from {@code x[at]}, gathered where the CPU has
     * gathers ({@link #GATHER}); elsewhere the {@code slot}-th of the rows {@link #stage} copied into {@link #staged}
     * (NEON has no gather, and one the JIT does not compile costs far more than the copy). Same values either way.
     */
    private static FloatVector rows(float[] x, int at, int[] map, int p, float[] staged, int slot) {
        return GATHER ? FloatVector.fromArray(S, x, at, map, p) : FloatVector.fromArray(S, staged, slot * TILE + p);
    }

    /**
     * Without gathers: the input rows {@code js} that one transform pass of F(2, k) reads, of the first {@code vectors}
     * pairs of the channel at {@code u}, copied into {@link #staged}, slot by slot.
     */
    private void stage(float[] x, int u, int d, int k, int[] js, int vectors) {
        float[] st = staged;
        for (int slot = 0; slot < js.length; slot++) {
            int j = js[slot];
            int[] map = j == 0 ? firstAt : j == k ? lastAt : pairAt;
            int from = u + (j == 0 || j == k ? 0 : j * d);
            for (int p = 0; p < vectors; p++) st[slot * TILE + p] = x[from + map[p]];
        }
    }

    /**
     * M for the panels {@code [q0, q0 + panels)}: {@code products[g][i][p][o] = sum over c < cin of transformed[i][c][p] *
     * U[i][c][2L (q0 + g) + o]}, channel by channel from 0, for every point i &lt; {@code points}: for F(2, 7) 8 products
     * per pair and channel where the direct form takes 14, for F(2, 2) 3 where it takes 4. The same micro-kernels and
     * channel chunks as {@link #rowBlocks}, over pairs instead of rows; each chunk of a point's transformed tile serves
     * every panel of the group before the next ({@link #panelGroup}).
     */
    private void products(int q0, int panels, int points, int pairs, int cin, int cout, float[] w, int wOff) {
        float[] v = transformed, m = products;
        // R-row blocks, the last one past the pairs where more than 8 are left (rows independent: the extra ones are not
        // used); up to 8 left run in 4-row tails (a 4-row call takes about a third of a 12-row one's time). A
        // transposed conv's tiles of 120 rows have 60 or 61 pairs: 61 took 72 rows' time
        int rest = pairs % ROWS, blocks = pairs / ROWS + (rest > 0 && (ROWS == TAIL_ROWS || rest > 2 * TAIL_ROWS) ? 1 : 0);
        int rows = Math.max(blocks * ROWS, (pairs + TAIL_ROWS - 1) / TAIL_ROWS * TAIL_ROWS);
        int kk = points * cin * PANEL, panel0 = wOff + padded(cout) + q0 * kk;
        for (int i = 0; i < points; i++) {
            int vi = i * cin * TILE;
            for (int g = 0; g < panels; g++) {
                int set = (g * POINTS + i) * TILE * PANEL;
                java.util.Arrays.fill(m, set, set + rows * PANEL, 0f);
            }
            for (int c0 = 0; c0 < cin; c0 += CHANNEL_CHUNK) {
                int kc = Math.min(CHANNEL_CHUNK, cin - c0), vc = vi + c0 * TILE;
                for (int g = 0; g < panels; g++) {
                    int set = (g * POINTS + i) * TILE * PANEL;
                    int wc = panel0 + g * kk + (i * cin + c0) * PANEL;
                    for (int b = 0; b < blocks; b++) {
                        if (ROWS == 12) tap12(v, vc + b * ROWS, kc, w, wc, m, set + b * ROWS * PANEL);
                        else tap4x2(v, vc + b * ROWS, kc, w, wc, m, set + b * ROWS * PANEL);
                    }
                    for (int t = blocks * ROWS; t < pairs; t += TAIL_ROWS) tap4(v, vc + t, kc, w, wc, m, set + t * PANEL);
                }
            }
        }
    }

    /**
     * y = A^T M for panel q, plus bias, then the residual and tanh as in {@link #store}. F(2, 7): row b of a pair is
     * {@code bias + m0 + m1 + ... + m6}, row b + d is {@code bias + m1 - m2 + 2 m3 - 2 m4 + m5 / 2 - m6 / 2 + m7}; F(2, 2):
     * {@code bias + m0 + m1} and {@code bias + m1 + m2}; in that order, each stored only where wanted, {@code [0, n)}.
     */
    private void combine(int k, int q, int g, int pairs, int d, int n, int cout, float[] w, int wOff, float[] y, int yOff, int yStride,
                         float[] res, int resOff, int resStride, boolean tanh) {
        float[] m = products, out = acc;
        int o0 = q * PANEL, width = Math.min(PANEL, cout - o0), plane = TILE * PANEL;
        for (int p = 0; p < pairs; p++) {
            for (int h = 0; h < PANEL; h += L) {
                int at = g * POINTS * plane + p * PANEL + h;
                FloatVector bias = FloatVector.fromArray(S, w, wOff + o0 + h);
                FloatVector m0 = FloatVector.fromArray(S, m, at), m1 = FloatVector.fromArray(S, m, plane + at),
                        m2 = FloatVector.fromArray(S, m, 2 * plane + at);
                if (k == 2) {
                    bias.add(m0).add(m1).intoArray(out, h);
                    bias.add(m1).add(m2).intoArray(out, PANEL + h);
                    continue;
                }
                FloatVector m3 = FloatVector.fromArray(S, m, 3 * plane + at), m4 = FloatVector.fromArray(S, m, 4 * plane + at),
                        m5 = FloatVector.fromArray(S, m, 5 * plane + at), m6 = FloatVector.fromArray(S, m, 6 * plane + at);
                bias.add(m0).add(m1).add(m2).add(m3).add(m4).add(m5).add(m6).intoArray(out, h);
                bias.add(m1).sub(m2).add(m3.mul(2f)).sub(m4.mul(2f)).add(m5.mul(0.5f)).sub(m6.mul(0.5f))
                        .add(FloatVector.fromArray(S, m, 7 * plane + at)).intoArray(out, PANEL + h);
            }
            int b = pairAt[p];
            if (b >= 0) store(out, 0, y, yOff + b * yStride + o0, res, resOff + b * resStride + o0, tanh, width);
            if (b + d < n) store(out, PANEL, y, yOff + (b + d) * yStride + o0, res, resOff + (b + d) * resStride + o0, tanh, width);
        }
    }

    /**
     * {@link #tap4} with two channels per trip (an odd last one alone), the same sums in the same order: the Winograd
     * products' micro-kernel at AVX2. There it made whole decodes 2-5 % faster (pairs in one JVM: 0.970, 0.979, 0.951;
     * docs/CPU-BACKEND.md, v13); for the direct convolutions it did not (1.019 here, 1.04 in the sixth session), so
     * they keep the one-channel loop.
     */
    private static void tap4x2(float[] x, int u0, int cin, float[] w, int wi, float[] acc, int ai) {
        FloatVector a0 = FloatVector.fromArray(S, acc, ai + 0 * L), a1 = FloatVector.fromArray(S, acc, ai + 1 * L),
                b0 = FloatVector.fromArray(S, acc, ai + 2 * L), b1 = FloatVector.fromArray(S, acc, ai + 3 * L),
                c0 = FloatVector.fromArray(S, acc, ai + 4 * L), c1 = FloatVector.fromArray(S, acc, ai + 5 * L),
                d0 = FloatVector.fromArray(S, acc, ai + 6 * L), d1 = FloatVector.fromArray(S, acc, ai + 7 * L);
        int c = 0;
        for (; c + 2 <= cin; c += 2) {
            int wc = wi + c * PANEL, xc = u0 + c * TILE;
            FloatVector w0 = FloatVector.fromArray(S, w, wc), w1 = FloatVector.fromArray(S, w, wc + L);
            FloatVector v = FloatVector.broadcast(S, x[xc]); a0 = w0.fma(v, a0); a1 = w1.fma(v, a1);
            v = FloatVector.broadcast(S, x[xc + 1]); b0 = w0.fma(v, b0); b1 = w1.fma(v, b1);
            v = FloatVector.broadcast(S, x[xc + 2]); c0 = w0.fma(v, c0); c1 = w1.fma(v, c1);
            v = FloatVector.broadcast(S, x[xc + 3]); d0 = w0.fma(v, d0); d1 = w1.fma(v, d1);
            w0 = FloatVector.fromArray(S, w, wc + PANEL); w1 = FloatVector.fromArray(S, w, wc + PANEL + L);
            v = FloatVector.broadcast(S, x[xc + TILE]); a0 = w0.fma(v, a0); a1 = w1.fma(v, a1);
            v = FloatVector.broadcast(S, x[xc + TILE + 1]); b0 = w0.fma(v, b0); b1 = w1.fma(v, b1);
            v = FloatVector.broadcast(S, x[xc + TILE + 2]); c0 = w0.fma(v, c0); c1 = w1.fma(v, c1);
            v = FloatVector.broadcast(S, x[xc + TILE + 3]); d0 = w0.fma(v, d0); d1 = w1.fma(v, d1);
        }
        a0.intoArray(acc, ai + 0 * L); a1.intoArray(acc, ai + 1 * L); b0.intoArray(acc, ai + 2 * L); b1.intoArray(acc, ai + 3 * L);
        c0.intoArray(acc, ai + 4 * L); c1.intoArray(acc, ai + 5 * L); d0.intoArray(acc, ai + 6 * L); d1.intoArray(acc, ai + 7 * L);
        // an odd last channel: tap4 adds it next, in order (the decoder's channel counts are even)
        if (c < cin) tap4(x, u0 + c * TILE, 1, w, wi + c * PANEL, acc, ai);
    }

    /**
     * One output channel (the decoder's last conv, 96 -> 1): L rows per vector, straight from the transposed tile,
     * instead of one channel padded to a 32-channel panel. Same order per output: bias, then fma over (tap, channel).
     */
    private void convOneChannel(int first, int d, int k, int cin, float[] w, int wOff,
                                float[] y, int yOff, int yStride, float[] res, int resOff, int resStride, boolean tanh, int n) {
        float[] x = tile;
        float bias = w[wOff];
        int panel = wOff + PANEL;   // padded(1) = PANEL: the bias row, then weight (j, c) at panel + (j * cin + c) * PANEL
        int t = 0;
        for (; t + L <= n; t += L) {
            FloatVector.broadcast(S, bias).intoArray(acc, 0);
            // one flat loop per tap, as in tap12: a vector carried through nested loops is boxed on the heap
            for (int j = 0; j < k; j++) tapRows(x, first + t + j * d, cin, w, panel + j * cin * PANEL, acc);
            for (int r = 0; r < L; r++) store(acc, r, y, yOff + (t + r) * yStride, res, resOff + (t + r) * resStride, tanh, 1);
        }
        if (t < n) {
            // the last rows in one vector too: rows past n are computed from whatever the tile holds there, and not stored
            FloatVector.broadcast(S, bias).intoArray(acc, 0);
            for (int j = 0; j < k; j++) tapRows(x, first + t + j * d, cin, w, panel + j * cin * PANEL, acc);
            for (int r = 0; r < n - t; r++) store(acc, r, y, yOff + (t + r) * yStride, res, resOff + (t + r) * resStride, tanh, 1);
        }
    }

    /** {@code acc[L rows] += sum over c < cin of tile[c][u0 + row] * w[c * PANEL]}, channel by channel. */
    private static void tapRows(float[] x, int u0, int cin, float[] w, int wi, float[] acc) {
        FloatVector a = FloatVector.fromArray(S, acc, 0);
        for (int c = 0; c < cin; c++) a = FloatVector.broadcast(S, w[wi + c * PANEL]).fma(FloatVector.fromArray(S, x, u0 + c * TILE), a);
        a.intoArray(acc, 0);
    }

    /**
     * One row's accumulators, {@code acc[at, at + width)}, to y, plus the residual (res + acc, as the reference adds)
     * and tanh. Takes the array, not vectors: vectors passed to a call C2 does not inline are boxed on the heap
     * (that was 750 MB of garbage per second of audio).
     */
    private static void store(float[] acc, int at, float[] y, int d, float[] res, int r, boolean tanh, int width) {
        if (width == PANEL && !tanh) {
            FloatVector a0 = FloatVector.fromArray(S, acc, at), a1 = FloatVector.fromArray(S, acc, at + L);
            if (res != null) {
                a0 = FloatVector.fromArray(S, res, r).add(a0);
                a1 = FloatVector.fromArray(S, res, r + L).add(a1);
            }
            a0.intoArray(y, d);
            a1.intoArray(y, d + L);
            return;
        }
        for (int o = 0; o < width; o++) {
            float v = acc[at + o];
            if (res != null) v = res[r + o] + v;
            y[d + o] = tanh ? (float) Math.tanh(v) : v;
        }
    }
}
