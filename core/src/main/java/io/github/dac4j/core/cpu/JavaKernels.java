package io.github.dac4j.core.cpu;

/**
 * Fast kernels in plain Java 17, for JVMs without the Vector API: the innermost loops run over contiguous output
 * channels so that C2 vectorizes them, and each pass updates 4 time rows with 4 input channels at once so that
 * every accumulator load and store serves 4 fused multiply-adds and every weight load serves 4 rows. Weights
 * stay {@code [k, cin, cout]} followed by the bias. Each output is bias, then {@code fma} over (tap, channel) in
 * order, in every variant below, so the row blocking never changes a result.
 */
final class JavaKernels extends RowMajorKernels {
    private float[] a0 = new float[0], a1 = a0, a2 = a0, a3 = a0;
    private float[] args = new float[0];

    @Override int rowBlock() { return 4; }

    @Override String name() { return "java"; }

    @Override void conv(float[] x, int xOff, int xStride, int tapStride, int k, int cin, int cout, float[] w, int wOff,
                        float[] y, int yOff, int yStride, float[] res, int resOff, int resStride, boolean tanh, int n) {
        if (a0.length < cout) {
            a0 = new float[cout];
            a1 = new float[cout];
            a2 = new float[cout];
            a3 = new float[cout];
        }
        int biasAt = wOff + k * cin * cout, cin4 = cin & ~3;
        int t = 0;
        for (; t + 4 <= n; t += 4) {
            System.arraycopy(w, biasAt, a0, 0, cout);
            System.arraycopy(w, biasAt, a1, 0, cout);
            System.arraycopy(w, biasAt, a2, 0, cout);
            System.arraycopy(w, biasAt, a3, 0, cout);
            for (int j = 0; j < k; j++) {
                int x0 = xOff + t * xStride + j * tapStride, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
                int c = 0;
                for (; c < cin4; c += 4) {
                    int wr = wOff + (j * cin + c) * cout;
                    rows4ch4(w, wr, cout, x, x0 + c, x1 + c, x2 + c, x3 + c);
                }
                for (; c < cin; c++) {
                    int wr = wOff + (j * cin + c) * cout;
                    rows4ch1(w, wr, cout, x[x0 + c], x[x1 + c], x[x2 + c], x[x3 + c]);
                }
            }
            store(a0, y, yOff + t * yStride, res, resOff + t * resStride, tanh, cout);
            store(a1, y, yOff + (t + 1) * yStride, res, resOff + (t + 1) * resStride, tanh, cout);
            store(a2, y, yOff + (t + 2) * yStride, res, resOff + (t + 2) * resStride, tanh, cout);
            store(a3, y, yOff + (t + 3) * yStride, res, resOff + (t + 3) * resStride, tanh, cout);
        }
        for (; t < n; t++) {
            float[] a = a0;
            System.arraycopy(w, biasAt, a, 0, cout);
            for (int j = 0; j < k; j++) {
                int x0 = xOff + t * xStride + j * tapStride;
                for (int c = 0; c < cin; c++) {
                    float xv = x[x0 + c];
                    int wr = wOff + (j * cin + c) * cout;
                    for (int o = 0; o < cout; o++) a[o] = Math.fma(w[wr + o], xv, a[o]);
                }
            }
            store(a, y, yOff + t * yStride, res, resOff + t * resStride, tanh, cout);
        }
    }

    /** Rows 0..3 += channels c..c+3 (weights rows wr, wr + cout, ...), in channel order. */
    private void rows4ch4(float[] w, int wr, int cout, float[] x, int x0, int x1, int x2, int x3) {
        float[] a0 = this.a0, a1 = this.a1, a2 = this.a2, a3 = this.a3;
        float p0 = x[x0], p1 = x[x0 + 1], p2 = x[x0 + 2], p3 = x[x0 + 3];
        float q0 = x[x1], q1 = x[x1 + 1], q2 = x[x1 + 2], q3 = x[x1 + 3];
        float r0 = x[x2], r1 = x[x2 + 1], r2 = x[x2 + 2], r3 = x[x2 + 3];
        float s0 = x[x3], s1 = x[x3 + 1], s2 = x[x3 + 2], s3 = x[x3 + 3];
        int wa = wr, wb = wr + cout, wc = wb + cout, wd = wc + cout;
        for (int o = 0; o < cout; o++) {
            float ea = w[wa + o], eb = w[wb + o], ec = w[wc + o], ed = w[wd + o];
            a0[o] = Math.fma(ed, p3, Math.fma(ec, p2, Math.fma(eb, p1, Math.fma(ea, p0, a0[o]))));
            a1[o] = Math.fma(ed, q3, Math.fma(ec, q2, Math.fma(eb, q1, Math.fma(ea, q0, a1[o]))));
            a2[o] = Math.fma(ed, r3, Math.fma(ec, r2, Math.fma(eb, r1, Math.fma(ea, r0, a2[o]))));
            a3[o] = Math.fma(ed, s3, Math.fma(ec, s2, Math.fma(eb, s1, Math.fma(ea, s0, a3[o]))));
        }
    }

    private void rows4ch1(float[] w, int wr, int cout, float p, float q, float r, float s) {
        float[] a0 = this.a0, a1 = this.a1, a2 = this.a2, a3 = this.a3;
        for (int o = 0; o < cout; o++) {
            float e = w[wr + o];
            a0[o] = Math.fma(e, p, a0[o]);
            a1[o] = Math.fma(e, q, a1[o]);
            a2[o] = Math.fma(e, r, a2[o]);
            a3[o] = Math.fma(e, s, a3[o]);
        }
    }

    private static void store(float[] a, float[] y, int dst, float[] res, int resAt, boolean tanh, int cout) {
        if (res == null && !tanh) {
            System.arraycopy(a, 0, y, dst, cout);
            return;
        }
        for (int o = 0; o < cout; o++) {
            float v = a[o];
            if (res != null) v = res[resAt + o] + v;
            y[dst + o] = tanh ? (float) Math.tanh(v) : v;
        }
    }

    @Override void snake(float[] src, int srcOff, float[] dst, int dstOff, int rows, int c, float[] alpha, float[] inverse) {
        if (args.length < c) args = new float[c];
        float[] a = args;
        for (int i = 0; i < rows; i++) {
            int s = srcOff + i * c, d = dstOff + i * c;
            // one branch-free pass C2 vectorizes, then the rare large arguments again through Math.sin
            for (int ch = 0; ch < c; ch++) {
                float v = src[s + ch];
                float arg = alpha[ch] * v;
                a[ch] = arg;
                dst[d + ch] = v + inverse[ch] * sinSquared(arg);
            }
            for (int ch = 0; ch < c; ch++) {
                if (!(Math.abs(a[ch]) <= SIN_LIMIT)) {
                    float sn = (float) Math.sin(a[ch]);
                    dst[d + ch] = src[s + ch] + inverse[ch] * (sn * sn);
                }
            }
        }
    }
}
