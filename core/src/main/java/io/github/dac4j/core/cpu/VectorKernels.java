package io.github.dac4j.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the incubating Vector API (16 float lanes with AVX-512): a register-blocked micro-kernel that holds
 * 8 time rows x 32 output channels in 16 vector accumulators and streams over (tap, input channel), one
 * broadcast input and two weight vectors per step. Weights are packed at load into panels of 32 output
 * channels, {@code [cout/32][k * cin][32]} (zero-padded), after the bias padded to a multiple of 32. Each output
 * is bias, then fma over (tap, channel) in order, in the 8-row and the 1-row variant alike, so the row blocking
 * never changes a result.
 *
 * <p>Only loaded when the JVM resolves {@code jdk.incubator.vector} (see {@link Kernels#vectorAvailable()}).
 */
final class VectorKernels extends Kernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    private static final int L = 16, PANEL = 2 * L, ROWS = 8;

    private final float[] acc = new float[ROWS * PANEL];

    @Override String name() { return "vector"; }

    private static int padded(int cout) { return (cout + PANEL - 1) / PANEL * PANEL; }

    @Override float[] pack(float[] wkco, float[] bias, int k, int cin, int cout) {
        int pad = padded(cout), kk = k * cin;
        float[] p = new float[pad + kk * pad];
        System.arraycopy(bias, 0, p, 0, cout);
        for (int q = 0; q < pad / PANEL; q++) {
            int o0 = q * PANEL, width = Math.min(PANEL, cout - o0), panel = pad + q * kk * PANEL;
            for (int i = 0; i < kk; i++) System.arraycopy(wkco, i * cout + o0, p, panel + i * PANEL, width);
        }
        return p;
    }

    @Override void conv(float[] x, int xOff, int xStride, int tapStride, int k, int cin, int cout, float[] w, int wOff,
                        float[] y, int yOff, int yStride, float[] res, int resOff, int resStride, boolean tanh, int n) {
        int pad = padded(cout), kk = k * cin;
        for (int q = 0; q < pad / PANEL; q++) {
            int o0 = q * PANEL, panel = wOff + pad + q * kk * PANEL, width = Math.min(PANEL, cout - o0);
            int t = 0;
            for (; t + ROWS <= n; t += ROWS) {
                rows8(x, xOff + t * xStride, xStride, tapStride, k, cin, w, wOff + o0, panel,
                        y, yOff + t * yStride + o0, yStride, res, resOff + t * resStride + o0, resStride, tanh, width);
            }
            for (; t < n; t++) {
                rows1(x, xOff + t * xStride, tapStride, k, cin, w, wOff + o0, panel,
                        y, yOff + t * yStride + o0, res, resOff + t * resStride + o0, tanh, width);
            }
        }
    }

    private void rows8(float[] x, int x0, int xs, int tapStride, int k, int cin, float[] w, int biasAt, int panel,
                       float[] y, int y0, int ys, float[] res, int r0, int rs, boolean tanh, int width) {
        float[] acc = this.acc;
        FloatVector b0 = FloatVector.fromArray(S, w, biasAt), b1 = FloatVector.fromArray(S, w, biasAt + L);
        for (int r = 0; r < ROWS; r++) {
            b0.intoArray(acc, r * PANEL);
            b1.intoArray(acc, r * PANEL + L);
        }
        // one flat loop per tap: C2 keeps the 16 accumulators in registers only through a single loop
        for (int j = 0; j < k; j++) tap8(x, x0 + j * tapStride, xs, cin, w, panel + j * cin * PANEL, acc);
        for (int r = 0; r < ROWS; r++) {
            store(acc, r * PANEL,
                    y, y0 + r * ys, res, r0 + r * rs, tanh, width);
        }
    }

    /** {@code acc[8 rows][32] += sum over c < cin of x[row, c] * w[c][32]}, channel by channel. */
    private static void tap8(float[] x, int p0, int xs, int cin, float[] w, int wi, float[] acc) {
        FloatVector a00 = FloatVector.fromArray(S, acc, 0), a01 = FloatVector.fromArray(S, acc, L),
                a10 = FloatVector.fromArray(S, acc, 2 * L), a11 = FloatVector.fromArray(S, acc, 3 * L),
                a20 = FloatVector.fromArray(S, acc, 4 * L), a21 = FloatVector.fromArray(S, acc, 5 * L),
                a30 = FloatVector.fromArray(S, acc, 6 * L), a31 = FloatVector.fromArray(S, acc, 7 * L),
                a40 = FloatVector.fromArray(S, acc, 8 * L), a41 = FloatVector.fromArray(S, acc, 9 * L),
                a50 = FloatVector.fromArray(S, acc, 10 * L), a51 = FloatVector.fromArray(S, acc, 11 * L),
                a60 = FloatVector.fromArray(S, acc, 12 * L), a61 = FloatVector.fromArray(S, acc, 13 * L),
                a70 = FloatVector.fromArray(S, acc, 14 * L), a71 = FloatVector.fromArray(S, acc, 15 * L);
        int p1 = p0 + xs, p2 = p1 + xs, p3 = p2 + xs, p4 = p3 + xs, p5 = p4 + xs, p6 = p5 + xs, p7 = p6 + xs;
        for (int c = 0; c < cin; c++, wi += PANEL) {
            FloatVector w0 = FloatVector.fromArray(S, w, wi), w1 = FloatVector.fromArray(S, w, wi + L);
            FloatVector v = FloatVector.broadcast(S, x[p0 + c]);
            a00 = w0.fma(v, a00);
            a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(S, x[p1 + c]);
            a10 = w0.fma(v, a10);
            a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(S, x[p2 + c]);
            a20 = w0.fma(v, a20);
            a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(S, x[p3 + c]);
            a30 = w0.fma(v, a30);
            a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(S, x[p4 + c]);
            a40 = w0.fma(v, a40);
            a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(S, x[p5 + c]);
            a50 = w0.fma(v, a50);
            a51 = w1.fma(v, a51);
            v = FloatVector.broadcast(S, x[p6 + c]);
            a60 = w0.fma(v, a60);
            a61 = w1.fma(v, a61);
            v = FloatVector.broadcast(S, x[p7 + c]);
            a70 = w0.fma(v, a70);
            a71 = w1.fma(v, a71);
        }
        a00.intoArray(acc, 0);
        a01.intoArray(acc, L);
        a10.intoArray(acc, 2 * L);
        a11.intoArray(acc, 3 * L);
        a20.intoArray(acc, 4 * L);
        a21.intoArray(acc, 5 * L);
        a30.intoArray(acc, 6 * L);
        a31.intoArray(acc, 7 * L);
        a40.intoArray(acc, 8 * L);
        a41.intoArray(acc, 9 * L);
        a50.intoArray(acc, 10 * L);
        a51.intoArray(acc, 11 * L);
        a60.intoArray(acc, 12 * L);
        a61.intoArray(acc, 13 * L);
        a70.intoArray(acc, 14 * L);
        a71.intoArray(acc, 15 * L);
    }

    private void rows1(float[] x, int x0, int tapStride, int k, int cin, float[] w, int biasAt, int panel,
                       float[] y, int y0, float[] res, int r0, boolean tanh, int width) {
        float[] acc = this.acc;
        System.arraycopy(w, biasAt, acc, 0, PANEL);
        for (int j = 0; j < k; j++) tap1(x, x0 + j * tapStride, cin, w, panel + j * cin * PANEL, acc);
        store(acc, 0, y, y0, res, r0, tanh, width);
    }

    /** {@code acc[1 row][32] += sum over c < cin of x[c] * w[c][32]}, channel by channel. */
    private static void tap1(float[] x, int p0, int cin, float[] w, int wi, float[] acc) {
        FloatVector a0 = FloatVector.fromArray(S, acc, 0), a1 = FloatVector.fromArray(S, acc, L);
        for (int c = 0; c < cin; c++, wi += PANEL) {
            FloatVector v = FloatVector.broadcast(S, x[p0 + c]);
            a0 = FloatVector.fromArray(S, w, wi).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, wi + L).fma(v, a1);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, L);
    }

    /**
     * One row's 32 accumulators, {@code acc[at, at + 32)}, to y, plus the residual (res + acc, as the reference adds)
     * and tanh. Takes the array, not vectors: vectors passed to a call C2 does not inline are boxed on the heap
     * (that was 750 MB of garbage per second of audio).
     */
    private void store(float[] acc, int at, float[] y, int d, float[] res, int r, boolean tanh, int width) {
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

    @Override void snake(float[] src, int srcOff, float[] dst, int dstOff, int rows, int c, float[] alpha, float[] inverse) {
        int c16 = c - c % L;
        for (int i = 0; i < rows; i++) {
            int s = srcOff + i * c, d = dstOff + i * c;
            int ch = 0;
            for (; ch < c16; ch += L) {
                FloatVector v = FloatVector.fromArray(S, src, s + ch);
                FloatVector a = FloatVector.fromArray(S, alpha, ch).mul(v);
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
                v.add(FloatVector.fromArray(S, inverse, ch).mul(sn.mul(sn))).intoArray(dst, d + ch);
                VectorMask<Float> large = a.abs().compare(VectorOperators.LE, SIN_LIMIT).not();
                if (large.anyTrue()) {
                    for (int l = 0; l < L; l++) {
                        if (large.laneIsSet(l)) {
                            float sl = (float) Math.sin(alpha[ch + l] * src[s + ch + l]);
                            dst[d + ch + l] = src[s + ch + l] + inverse[ch + l] * (sl * sl);
                        }
                    }
                }
            }
            for (; ch < c; ch++) {
                float v = src[s + ch], a = alpha[ch] * v;
                float sq;
                if (Math.abs(a) <= SIN_LIMIT) {
                    sq = sinSquared(a);
                } else {
                    float sl = (float) Math.sin(a);
                    sq = sl * sl;
                }
                dst[d + ch] = v + inverse[ch] * sq;
            }
        }
    }
}
