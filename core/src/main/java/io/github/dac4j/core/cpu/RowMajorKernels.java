package io.github.dac4j.core.cpu;

/**
 * Kernels that read their input tile as loaded, row by row ({@code tile:[rows, cin]}, row stride {@code cin}): the
 * reference and the plain-Java ones. The tile holds about 256 KB of input (at least 16 rows), so that it stays in
 * L2 while every output channel sweeps it; it grows on first use and is then reused.
 */
abstract class RowMajorKernels extends Kernels {
    /** Input floats per tile: about 256 KB. */
    static final int TILE_FLOATS = 1 << 16;

    private float[] tile = new float[0];

    @Override final int maxLoadRows(int cin) { return Math.max(16, TILE_FLOATS / cin); }

    // maxLoadRows(c) * c <= max(16 c, TILE_FLOATS): room for cin channels is room for fewer
    @Override final void reserve(int cin) {
        int floats = Math.max(16 * cin, TILE_FLOATS);
        if (tile.length < floats) tile = new float[floats];
    }

    @Override final void load(float[] x, int xOff, int xStride, int rows, int cin, float[] alpha, float[] inverse) {
        if (rows > maxLoadRows(cin)) throw new IllegalArgumentException(rows + " rows exceed the tile's " + maxLoadRows(cin));
        reserve(cin);
        for (int u = 0; u < rows; u++) {
            if (alpha == null) System.arraycopy(x, xOff + u * xStride, tile, u * cin, cin);
            else snake(x, xOff + u * xStride, tile, u * cin, 1, cin, alpha, inverse);
        }
    }

    @Override final void convLoaded(int first, int d, int k, int cin, int cout, float[] packed, int wOff,
                                    float[] y, int yOff, int yStride, float[] res, int resOff, int resStride, boolean tanh, int n,
                                    long position) {
        conv(tile, first * cin, cin, d * cin, k, cin, cout, packed, wOff, y, yOff, yStride, res, resOff, resStride, tanh, n);
    }

    /**
     * {@code y[t, o] = act(bias[o] + sum_{j < k} sum_{c < cin} W[j, c, o] * x[t, j, c] + res[t, o])} as in
     * {@link #convLoaded}, over rows of {@code x}: {@code x[t, j, c] = x[xOff + t * xStride + j * tapStride + c]}.
     */
    abstract void conv(float[] x, int xOff, int xStride, int tapStride, int k, int cin, int cout, float[] packed, int wOff,
                       float[] y, int yOff, int yStride, float[] res, int resOff, int resStride, boolean tanh, int n);

    /**
     * Snake, {@code x:[rows, c] -> [rows, c]}: {@code dst[i, ch] = v + inverse[ch] * sin(alpha[ch] * v)^2} with
     * {@code v = src[srcOff + i * c + ch]}, written densely from {@code dst[dstOff]}.
     */
    abstract void snake(float[] src, int srcOff, float[] dst, int dstOff, int rows, int c, float[] alpha, float[] inverse);
}
