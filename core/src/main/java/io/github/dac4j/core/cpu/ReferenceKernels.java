package io.github.dac4j.core.cpu;

/**
 * The obviously correct kernels: plain loops, weights as {@code [k, cin, cout]}, one multiply and one add per
 * term, {@code Math.sin} for Snake. The tests hold the fast kernels to these; {@code dac4j.cpu.kernels=reference}
 * runs the decoder on them.
 */
final class ReferenceKernels extends RowMajorKernels {
    private float[] acc = new float[0];

    @Override int rowBlock() { return 1; }

    @Override boolean warmsUp() { return false; }

    @Override String name() { return "reference"; }

    @Override void conv(float[] x, int xOff, int xStride, int tapStride, int k, int cin, int cout, float[] w, int wOff,
                        float[] y, int yOff, int yStride, float[] res, int resOff, int resStride, boolean tanh, int n) {
        if (acc.length < cout) acc = new float[cout];
        int biasAt = wOff + k * cin * cout;
        for (int t = 0; t < n; t++) {
            System.arraycopy(w, biasAt, acc, 0, cout);
            for (int j = 0; j < k; j++) {
                int xr = xOff + t * xStride + j * tapStride;
                for (int c = 0; c < cin; c++) {
                    float xv = x[xr + c];
                    int wr = wOff + (j * cin + c) * cout;
                    for (int o = 0; o < cout; o++) acc[o] += w[wr + o] * xv;
                }
            }
            int dst = yOff + t * yStride;
            for (int o = 0; o < cout; o++) {
                float v = acc[o];
                if (res != null) v = res[resOff + t * resStride + o] + v;
                y[dst + o] = tanh ? (float) Math.tanh(v) : v;
            }
        }
    }

    @Override void snake(float[] src, int srcOff, float[] dst, int dstOff, int rows, int c, float[] alpha, float[] inverse) {
        for (int i = 0; i < rows * c; i++) {
            int ch = i % c;
            float v = src[srcOff + i];
            float sn = (float) Math.sin(alpha[ch] * v);
            dst[dstOff + i] = v + inverse[ch] * (sn * sn);
        }
    }
}
