package io.github.dac4j.core;

import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.EncoderConfig;
import io.github.dac4j.weights.SafeTensors;
import io.github.dac4j.weights.Tensor;
import io.github.dac4j.weights.WeightsException;

import java.util.HashMap;
import java.util.Map;

/**
 * The encoder written plainly from docs/MODEL.md ("Encoding") in float64, channel-major, PyTorch semantics (zero-padded
 * convolutions with stride and dilation), from the checkpoint's raw tensors: an independent check of the encoder's
 * records, streaming programs and backends, as {@link ReferenceDecoder} is for decoding.
 */
final class ReferenceEncoder {
    private static final int[] DILATIONS = {1, 3, 9};
    private final Map<String, Tensor> shapes;
    private final Map<String, double[]> values = new HashMap<>();
    private final EncoderConfig c;

    /** With the checkpoint's tensors as loaded: weight norm folded in double and rounded to float32. */
    ReferenceEncoder(DacCheckpoint checkpoint) {
        this.shapes = checkpoint.tensors();
        this.c = checkpoint.encoder();
        if (c == null) throw new IllegalArgumentException("the checkpoint has no encoder");
        for (Tensor t : shapes.values()) {
            double[] d = new double[t.data().length];
            for (int i = 0; i < d.length; i++) d[i] = t.data()[i];
            values.put(t.name(), d);
        }
    }

    /**
     * With weight norm folded in double from the file's own g and v and kept in double, as a float64 PyTorch model
     * computes it; for files with HF names ({@code .weight_g}/{@code .weight_v} or plain tensors).
     */
    static ReferenceEncoder unrounded(DacCheckpoint checkpoint) throws WeightsException {
        ReferenceEncoder r = new ReferenceEncoder(checkpoint);
        try (SafeTensors st = SafeTensors.open(checkpoint.file())) {
            for (Tensor t : checkpoint.tensors().values()) {
                String base = t.name().endsWith(".weight") ? t.name().substring(0, t.name().length() - ".weight".length()) : null;
                if (base == null || !st.tensors().containsKey(base + ".weight_v")) continue;
                float[] g = st.readFloat(base + ".weight_g"), v = st.readFloat(base + ".weight_v");
                int per = v.length / g.length;
                double[] w = new double[v.length];
                for (int o = 0; o < g.length; o++) {
                    double sum = 0;
                    for (int j = 0; j < per; j++) sum += (double) v[o * per + j] * v[o * per + j];
                    for (int j = 0; j < per; j++) w[o * per + j] = g[o] * (double) v[o * per + j] / Math.sqrt(sum);
                }
                r.values.put(t.name(), w);
            }
        }
        return r;
    }

    /** audio [L] (L a multiple of the hop) -> z [latent][L / hop]. */
    double[][] latents(float[] audio) {
        double[][] x = new double[1][audio.length];
        for (int i = 0; i < audio.length; i++) x[0][i] = audio[i];
        x = conv("encoder.conv1", x, 1, 1, 3);
        for (int n = 0; n < c.blocks(); n++) {
            String p = "encoder.block." + n + ".";
            for (int r = 0; r < 3; r++) {
                String u = p + "res_unit" + (r + 1) + ".";
                double[][] y = conv(u + "conv2", snake(u + "snake2", conv(u + "conv1", snake(u + "snake1", x), DILATIONS[r], 1, 3 * DILATIONS[r])), 1, 1, 0);
                for (int ch = 0; ch < x.length; ch++) for (int t = 0; t < x[ch].length; t++) y[ch][t] += x[ch][t];
                x = y;
            }
            int s = c.stride(n);
            x = conv(p + "conv1", snake(p + "snake1", x), 1, s, (s + 1) / 2);
        }
        return conv("encoder.conv2", snake("encoder.snake1", x), 1, 1, 1);
    }

    /** The result of quantizing z: codes [K][T], and per code the float64 distance between its row and the runner-up's. */
    record Quantized(int[][] codes, double smallestMargin) {}

    /**
     * Residual vector quantization of z [latent][T] with the first {@code books} codebooks: e = in_proj(r), normalise e
     * and the rows, the row with the smallest squared distance (the first of equals), r -= out_proj(codebook[code]).
     */
    Quantized quantize(double[][] z, int books) {
        int T = z[0].length, dim = shapes.get("quantizer.quantizers.0.codebook.weight").dim(1);
        double[][] r = new double[z.length][];
        for (int i = 0; i < z.length; i++) r[i] = z[i].clone();
        int[][] codes = new int[books][T];
        double margin = Double.POSITIVE_INFINITY;
        for (int k = 0; k < books; k++) {
            String q = "quantizer.quantizers." + k + ".";
            double[][] e = conv(q + "in_proj", r, 1, 1, 0);
            double[] cb = values.get(q + "codebook.weight");
            int size = cb.length / dim;
            double[][] rows = new double[size][dim];
            for (int i = 0; i < size; i++) {
                double norm = 0;
                for (int j = 0; j < dim; j++) norm += cb[i * dim + j] * cb[i * dim + j];
                norm = Math.max(Math.sqrt(norm), 1e-12);
                for (int j = 0; j < dim; j++) rows[i][j] = cb[i * dim + j] / norm;
            }
            double[] pw = values.get(q + "out_proj.weight"), pb = values.get(q + "out_proj.bias");
            for (int t = 0; t < T; t++) {
                double[] en = new double[dim];
                double norm = 0;
                for (int j = 0; j < dim; j++) norm += e[j][t] * e[j][t];
                norm = Math.max(Math.sqrt(norm), 1e-12);
                for (int j = 0; j < dim; j++) en[j] = e[j][t] / norm;
                int best = -1;
                double bestDist = Double.POSITIVE_INFINITY, second = Double.POSITIVE_INFINITY;
                for (int i = 0; i < size; i++) {
                    double dist = 0;
                    for (int j = 0; j < dim; j++) dist += (en[j] - rows[i][j]) * (en[j] - rows[i][j]);
                    if (dist < bestDist) { second = bestDist; bestDist = dist; best = i; }
                    else if (dist < second) second = dist;
                }
                codes[k][t] = best;
                margin = Math.min(margin, second - bestDist);
                for (int o = 0; o < r.length; o++) {
                    double acc = pb[o];
                    for (int j = 0; j < dim; j++) acc += pw[o * dim + j] * cb[best * dim + j];
                    r[o][t] -= acc;
                }
            }
        }
        return new Quantized(codes, margin);
    }

    private double[][] snake(String name, double[][] x) {
        double[] alpha = values.get(name + ".alpha");
        return ReferenceDecoder.snake(x, ch -> alpha[ch]);
    }

    /** Conv1d with zero padding {@code pad} on both sides: [C_in, L] -> [C_out, (L + 2 pad - (k - 1) d - 1) / stride + 1]. */
    private double[][] conv(String name, double[][] x, int d, int stride, int pad) {
        Tensor wt = shapes.get(name + ".weight");
        double[] wd = values.get(name + ".weight"), bias = values.get(name + ".bias");
        int out = wt.dim(0), in = wt.dim(1), k = wt.dim(2), L = x[0].length;
        int outLength = (L + 2 * pad - (k - 1) * d - 1) / stride + 1;
        double[][] y = new double[out][outLength];
        for (int o = 0; o < out; o++)
            for (int t = 0; t < outLength; t++) {
                double acc = bias[o];
                for (int ci = 0; ci < in; ci++)
                    for (int j = 0; j < k; j++) {
                        int src = t * stride + j * d - pad;
                        if (src >= 0 && src < L) acc += wd[(o * in + ci) * k + j] * x[ci][src];
                    }
                y[o][t] = acc;
            }
        return y;
    }
}
