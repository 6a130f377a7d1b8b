package io.github.dac4j.weights;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random-weight DAC checkpoints with the real structure and HF names, for tests and benchmarks (the real weights
 * cannot be downloaded everywhere), in memory or written to safetensors (optionally with the encoder, and a
 * {@code config.json}); and random codes. Deterministic for a
 * seed: the file {@link #write} writes holds the model {@link #checkpoint} returns. Weights are drawn as PyTorch
 * initialises convolutions (uniform in +-1/sqrt(fan_in)), Snake alphas in [0.5, 1.5), codebooks standard normal.
 * That alone keeps the tanh output unsaturated: RMS about 0.09 for the 44.1 kHz shape and 0.17 for {@code small},
 * no sample beyond 0.99 (core's SynthTest checks it).
 */
public final class DacSynth {
    private DacSynth() {}

    /** The model in memory: folded layout, float32, no file. */
    public static DacCheckpoint checkpoint(DacConfig c, long seed) {
        Map<String, Tensor> t = tensors(c, seed);
        long params = t.values().stream().mapToLong(x -> x.data().length).sum();
        return new DacCheckpoint(null, c, Layout.FOLDED, DType.F32, t, params, 4 * params);
    }

    /**
     * The model in memory with its encoder and each quantizer's {@code in_proj} too (the shapes transformers derives
     * from the decoder's); the decode-path tensors are {@link #checkpoint(DacConfig, long)}'s.
     */
    public static DacCheckpoint checkpointWithEncoder(DacConfig c, long seed) {
        Map<String, Tensor> t = tensors(c, seed);
        long params = t.values().stream().mapToLong(x -> x.data().length).sum();
        Map<String, Tensor> all = new LinkedHashMap<>(t);
        all.putAll(SynthEncoder.tensors(c, seed));
        return new DacCheckpoint(null, c, new EncoderConfig(encoderWidth(c), encoderStrides(c)), Layout.FOLDED, DType.F32, all,
                params, 4 * params);
    }

    /** Codes {@code [streams][codebooks][frames]}, uniform in {@code [0, codebookSize)}. */
    public static int[][][] codes(DacConfig c, int streams, int codebooks, int frames, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][][] codes = new int[streams][codebooks][frames];
        for (int[][] s : codes) for (int[] row : s) for (int i = 0; i < frames; i++) row[i] = rnd.nextInt(c.codebookSize());
        return codes;
    }

    /**
     * Writes the model {@link #checkpoint} would return, atomically.
     *
     * @param dtype  F32, F16 or BF16
     * @param layout FOLDED ({@code .weight}) or WEIGHT_NORM ({@code .weight_g}/{@code .weight_v}, with {@code g = ||v||})
     */
    public static void write(DacConfig c, long seed, DType dtype, Layout layout, Path out) throws IOException {
        write(c, seed, dtype, layout, false, out);
    }

    /**
     * As {@link #write(DacConfig, long, DType, Layout, Path)}, with the encoder's tensors and each quantizer's
     * {@code in_proj} as well when {@code withEncoder} is true (HF names, the shapes transformers derives from the
     * decoder's: see {@link #encoderStrides} and {@link #encoderWidth}). The decode-path tensors are the same either way.
     */
    public static void write(DacConfig c, long seed, DType dtype, Layout layout, boolean withEncoder, Path out) throws IOException {
        if (layout != Layout.FOLDED && layout != Layout.WEIGHT_NORM) {
            throw new IllegalArgumentException("synth writes the folded or weight-norm layout, not " + layout.description());
        }
        if (!dtype.isFloating()) throw new IllegalArgumentException("synth writes F32, F16 or BF16, not " + dtype);
        Map<String, Tensor> all = new LinkedHashMap<>(tensors(c, seed));
        if (withEncoder) all.putAll(SynthEncoder.tensors(c, seed));
        SafeTensorsWriter writer = new SafeTensorsWriter();
        for (Tensor t : all.values()) {
            long[] shape = java.util.Arrays.stream(t.shape()).asLongStream().toArray();
            boolean conv = t.name().endsWith(".weight") && t.rank() == 3;
            if (layout == Layout.WEIGHT_NORM && conv) {
                String base = t.name().substring(0, t.name().length() - ".weight".length());
                writer.put(base + ".weight_g", dtype, new long[] {shape[0], 1, 1}, norms(t));
                writer.put(base + ".weight_v", dtype, shape, t.data());
            } else {
                writer.put(t.name(), dtype, shape, t.data());
            }
        }
        writer.putMetadata("format", "pt").putMetadata("dac4j.synth", "seed " + seed + ", " + c + (withEncoder ? ", with encoder" : ""));
        writer.write(out);
    }

    /**
     * Writes the Hugging Face {@code config.json} of a model with configuration {@code c} stored in {@code dtype}, as
     * transformers' {@code DacConfig} writes it (its keys, sorted), atomically: {@code sampling_rate} is
     * {@code c.sampleRate()}; {@link DacCheckpoint#load} reads it back from beside the weights.
     */
    public static void writeConfigJson(DacConfig c, DType dtype, Path out) throws IOException {
        DacConfigJson.write(out, c, dtype);
    }

    /** The encoder's strides: the decoder's reversed, as transformers derives them ({2, 4, 8, 8} for 44.1 kHz). */
    public static int[] encoderStrides(DacConfig c) {
        int[] up = c.strides(), down = new int[up.length];
        for (int i = 0; i < up.length; i++) down[i] = up[up.length - 1 - i];
        return down;
    }

    /** The encoder's first width: the latent halved once per block, as transformers derives it (64 for every published model). */
    public static int encoderWidth(DacConfig c) { return c.latentDim() >> c.blocks(); }

    /** ||w|| over every dimension but 0: with g = that and v = w, weight norm gives back w. */
    private static float[] norms(Tensor w) {
        int rows = w.dim(0), per = w.data().length / rows;
        float[] g = new float[rows];
        for (int i = 0; i < rows; i++) {
            double sum = 0;
            for (int j = 0; j < per; j++) sum += (double) w.data()[i * per + j] * w.data()[i * per + j];
            g[i] = (float) Math.sqrt(sum);
        }
        return g;
    }

    private static Map<String, Tensor> tensors(DacConfig c, long seed) {
        Builder b = new Builder(new SplittableRandom(seed));
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
        return b.tensors;
    }

    /** Draws the tensors: each call takes the next values of one random stream. */
    static final class Builder {
        final SplittableRandom rnd;
        final Map<String, Tensor> tensors = new LinkedHashMap<>();

        Builder(SplittableRandom rnd) { this.rnd = rnd; }

        /** Conv1d [out, in, k]: fan_in = in * k. */
        void conv(String name, int out, int in, int k) {
            double bound = 1 / Math.sqrt((double) in * k);
            put(name + ".weight", uniform(out * in * k, bound), out, in, k);
            put(name + ".bias", uniform(out, bound), out);
        }

        /** ConvTranspose1d [in, out, k]: PyTorch's fan_in is out * k. */
        void convTranspose(String name, int in, int out, int k) {
            double bound = 1 / Math.sqrt((double) out * k);
            put(name + ".weight", uniform(in * out * k, bound), in, out, k);
            put(name + ".bias", uniform(out, bound), out);
        }

        void snake(String name, int channels) {
            float[] alpha = new float[channels];
            for (int i = 0; i < channels; i++) alpha[i] = (float) (0.5 + rnd.nextDouble());
            put(name + ".alpha", alpha, 1, channels, 1);
        }

        void gaussian(String name, int rows, int cols) {
            float[] a = new float[rows * cols];
            for (int i = 0; i < a.length; i++) {
                double u = 1 - rnd.nextDouble(), v = rnd.nextDouble();
                a[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
            }
            put(name, a, rows, cols);
        }

        private void put(String name, float[] data, int... shape) { tensors.put(name, new Tensor(name, shape, data)); }

        float[] uniform(int n, double bound) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            return a;
        }
    }
}
