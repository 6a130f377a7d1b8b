package io.github.dac4j.weights;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a random-weight DAC checkpoint with the real structure and HF names, for tests and benchmarks (the real
 * weights cannot be downloaded everywhere). Deterministic for a seed. Weights are drawn as PyTorch initialises
 * convolutions (uniform in +-1/sqrt(fan_in)), Snake alphas in [0.5, 1.5), codebooks standard normal. That alone
 * keeps the tanh output unsaturated: RMS about 0.09 for the 44.1 kHz shape and 0.17 for {@code small}, no sample
 * beyond 0.99 (core's SynthTest checks it).
 */
public final class DacSynth {
    private DacSynth() {}

    /**
     * @param dtype  F32, F16 or BF16
     * @param layout FOLDED ({@code .weight}) or WEIGHT_NORM ({@code .weight_g}/{@code .weight_v}, with {@code g = ||v||})
     */
    public static void write(DacConfig c, long seed, DType dtype, Layout layout, Path out) throws IOException {
        if (layout != Layout.FOLDED && layout != Layout.WEIGHT_NORM) {
            throw new IllegalArgumentException("synth writes the folded or weight-norm layout, not " + layout.description());
        }
        if (!dtype.isFloating()) throw new IllegalArgumentException("synth writes F32, F16 or BF16, not " + dtype);
        Builder b = new Builder(new SplittableRandom(seed), dtype, layout);
        for (int k = 0; k < c.nCodebooks(); k++) {
            String q = "quantizer.quantizers." + k;
            b.gaussian(q + ".codebook.weight", c.codebookSize(), c.codebookDim());
            b.conv(q + ".out_proj", c.latentDim(), c.codebookDim(), 1);
        }
        b.conv("decoder.conv1", c.decoderDim(), c.latentDim(), 7);
        for (int blk = 0; blk < c.blocks(); blk++) {
            int in = c.channels(blk), ch = in / 2, s = c.stride(blk);
            String p = "decoder.block." + blk;
            b.snake(p + ".snake1", in);
            b.convTranspose(p + ".conv_t1", in, ch, 2 * s);
            for (int r = 1; r <= 3; r++) {
                String u = p + ".res_unit" + r;
                b.snake(u + ".snake1", ch);
                b.conv(u + ".conv1", ch, ch, 7);
                b.snake(u + ".snake2", ch);
                b.conv(u + ".conv2", ch, ch, 1);
            }
        }
        int last = c.channels(c.blocks());
        b.snake("decoder.snake1", last);
        b.conv("decoder.conv2", 1, last, 7);
        b.writer.putMetadata("format", "pt").putMetadata("dac4j.synth", "seed " + seed + ", " + c);
        b.writer.write(out);
    }

    private static final class Builder {
        final SplittableRandom rnd;
        final DType dtype;
        final Layout layout;
        final SafeTensorsWriter writer = new SafeTensorsWriter();

        Builder(SplittableRandom rnd, DType dtype, Layout layout) {
            this.rnd = rnd;
            this.dtype = dtype;
            this.layout = layout;
        }

        /** Conv1d [out, in, k]: fan_in = in * k. */
        void conv(String name, int out, int in, int k) {
            double bound = 1 / Math.sqrt((double) in * k);
            weight(name, uniform(out * in * k, bound), out, in, k);
            writer.put(name + ".bias", dtype, new long[] {out}, uniform(out, bound));
        }

        /** ConvTranspose1d [in, out, k]: PyTorch's fan_in is out * k. */
        void convTranspose(String name, int in, int out, int k) {
            double bound = 1 / Math.sqrt((double) out * k);
            weight(name, uniform(in * out * k, bound), in, out, k);
            writer.put(name + ".bias", dtype, new long[] {out}, uniform(out, bound));
        }

        /** Folded, or as g and v with g = ||v|| per dim-0 slice, so both layouts mean the same weight. */
        private void weight(String name, float[] w, int d0, int d1, int k) {
            if (layout == Layout.FOLDED) {
                writer.put(name + ".weight", dtype, new long[] {d0, d1, k}, w);
                return;
            }
            int per = d1 * k;
            float[] g = new float[d0];
            for (int i = 0; i < d0; i++) {
                double sum = 0;
                for (int j = 0; j < per; j++) sum += (double) w[i * per + j] * w[i * per + j];
                g[i] = (float) Math.sqrt(sum);
            }
            writer.put(name + ".weight_g", dtype, new long[] {d0, 1, 1}, g);
            writer.put(name + ".weight_v", dtype, new long[] {d0, d1, k}, w);
        }

        void snake(String name, int channels) {
            float[] alpha = new float[channels];
            for (int i = 0; i < channels; i++) alpha[i] = (float) (0.5 + rnd.nextDouble());
            writer.put(name + ".alpha", dtype, new long[] {1, channels, 1}, alpha);
        }

        void gaussian(String name, int rows, int cols) {
            float[] a = new float[rows * cols];
            for (int i = 0; i < a.length; i++) {
                double u = 1 - rnd.nextDouble(), v = rnd.nextDouble();
                a[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
            }
            writer.put(name, dtype, new long[] {rows, cols}, a);
        }

        float[] uniform(int n, double bound) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            return a;
        }
    }
}
