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

    private final float[] tmp = new float[PANEL];

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
        FloatVector b0 = FloatVector.fromArray(S, w, biasAt), b1 = FloatVector.fromArray(S, w, biasAt + L);
        FloatVector a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1,
                a40 = b0, a41 = b1, a50 = b0, a51 = b1, a60 = b0, a61 = b1, a70 = b0, a71 = b1;
        int wi = panel;
        for (int j = 0; j < k; j++) {
            int p0 = x0 + j * tapStride, p1 = p0 + xs, p2 = p1 + xs, p3 = p2 + xs, p4 = p3 + xs, p5 = p4 + xs,
                    p6 = p5 + xs, p7 = p6 + xs;
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
        }
        store(a00, a01, y, y0, res, r0, tanh, width);
        store(a10, a11, y, y0 + ys, res, r0 + rs, tanh, width);
        store(a20, a21, y, y0 + 2 * ys, res, r0 + 2 * rs, tanh, width);
        store(a30, a31, y, y0 + 3 * ys, res, r0 + 3 * rs, tanh, width);
        store(a40, a41, y, y0 + 4 * ys, res, r0 + 4 * rs, tanh, width);
        store(a50, a51, y, y0 + 5 * ys, res, r0 + 5 * rs, tanh, width);
        store(a60, a61, y, y0 + 6 * ys, res, r0 + 6 * rs, tanh, width);
        store(a70, a71, y, y0 + 7 * ys, res, r0 + 7 * rs, tanh, width);
    }

    private void rows1(float[] x, int x0, int tapStride, int k, int cin, float[] w, int biasAt, int panel,
                       float[] y, int y0, float[] res, int r0, boolean tanh, int width) {
        FloatVector a0 = FloatVector.fromArray(S, w, biasAt), a1 = FloatVector.fromArray(S, w, biasAt + L);
        int wi = panel;
        for (int j = 0; j < k; j++) {
            int p0 = x0 + j * tapStride;
            for (int c = 0; c < cin; c++, wi += PANEL) {
                FloatVector v = FloatVector.broadcast(S, x[p0 + c]);
                a0 = FloatVector.fromArray(S, w, wi).fma(v, a0);
                a1 = FloatVector.fromArray(S, w, wi + L).fma(v, a1);
            }
        }
        store(a0, a1, y, y0, res, r0, tanh, width);
    }

    /** One row's 32 accumulators to y, plus the residual (res + acc, as the reference adds) and tanh. */
    private void store(FloatVector a0, FloatVector a1, float[] y, int d, float[] res, int r, boolean tanh, int width) {
        if (width == PANEL && !tanh) {
            if (res != null) {
                a0 = FloatVector.fromArray(S, res, r).add(a0);
                a1 = FloatVector.fromArray(S, res, r + L).add(a1);
            }
            a0.intoArray(y, d);
            a1.intoArray(y, d + L);
            return;
        }
        a0.intoArray(tmp, 0);
        a1.intoArray(tmp, L);
        for (int o = 0; o < width; o++) {
            float v = tmp[o];
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
