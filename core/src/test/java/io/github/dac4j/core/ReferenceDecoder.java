package io.github.dac4j.core;

import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.Tensor;

import java.util.Map;

/**
 * The decoder written plainly from docs/MODEL.md in float64, channel-major, PyTorch semantics (padded
 * convolutions, ConvTranspose1d then crop), from the checkpoint's raw tensors: an independent check of the
 * folded quantizer, the streaming stages and the backends.
 */
final class ReferenceDecoder {
    private final Map<String, Tensor> w;
    private final DacConfig c;

    ReferenceDecoder(DacCheckpoint checkpoint) {
        this.w = checkpoint.tensors();
        this.c = checkpoint.config();
    }

    /** codes [K][T] -> samples [hop * T]. */
    double[] decode(int[][] codes) {
        int T = codes[0].length;
        double[][] x = new double[c.latentDim()][T];
        for (int k = 0; k < codes.length; k++) {
            String q = "quantizer.quantizers." + k + ".";
            float[] cb = w.get(q + "codebook.weight").data(), pw = w.get(q + "out_proj.weight").data(), pb = w.get(q + "out_proj.bias").data();
            int dim = c.codebookDim();
            for (int o = 0; o < c.latentDim(); o++)
                for (int t = 0; t < T; t++) {
                    double acc = pb[o];
                    for (int j = 0; j < dim; j++) acc += (double) pw[o * dim + j] * cb[codes[k][t] * dim + j];
                    x[o][t] += acc;
                }
        }
        x = conv("decoder.conv1", x, 1);
        for (int b = 0; b < c.blocks(); b++) {
            String p = "decoder.block." + b + ".";
            x = convTranspose(p + "conv_t1", snake(p + "snake1", x), c.stride(b));
            int[] dil = {1, 3, 9};
            for (int r = 0; r < 3; r++) {
                String u = p + "res_unit" + (r + 1) + ".";
                double[][] y = conv(u + "conv2", snake(u + "snake2", conv(u + "conv1", snake(u + "snake1", x), dil[r])), 1);
                for (int ch = 0; ch < x.length; ch++) for (int t = 0; t < x[ch].length; t++) y[ch][t] += x[ch][t];
                x = y;
            }
        }
        double[] out = conv("decoder.conv2", snake("decoder.snake1", x), 1)[0];
        for (int t = 0; t < out.length; t++) out[t] = Math.tanh(out[t]);
        return out;
    }

    private double[][] snake(String name, double[][] x) {
        float[] alpha = w.get(name + ".alpha").data();
        return snake(x, ch -> alpha[ch]);
    }

    /** Snake in double, {@code x + 1 / (alpha + 1e-9) * sin(alpha x)^2} per channel: [C, T] -> [C, T]. */
    static double[][] snake(double[][] x, java.util.function.IntToDoubleFunction alphaOf) {
        double[][] y = new double[x.length][x[0].length];
        for (int ch = 0; ch < x.length; ch++) {
            double alpha = alphaOf.applyAsDouble(ch);
            for (int t = 0; t < x[ch].length; t++) {
                double s = Math.sin(alpha * x[ch][t]);
                y[ch][t] = x[ch][t] + 1 / (alpha + 1e-9) * s * s;
            }
        }
        return y;
    }

    /** Conv1d, padding (k - 1) * d / 2: [C_in, T] -> [C_out, T]. */
    private double[][] conv(String name, double[][] x, int d) {
        Tensor wt = w.get(name + ".weight");
        float[] wd = wt.data(), bias = w.get(name + ".bias").data();
        int out = wt.dim(0), in = wt.dim(1), k = wt.dim(2), T = x[0].length, pad = (k - 1) * d / 2;
        double[][] y = new double[out][T];
        for (int o = 0; o < out; o++)
            for (int t = 0; t < T; t++) {
                double acc = bias[o];
                for (int ci = 0; ci < in; ci++)
                    for (int j = 0; j < k; j++) {
                        int src = t + j * d - pad;
                        if (src >= 0 && src < T) acc += (double) wd[(o * in + ci) * k + j] * x[ci][src];
                    }
                y[o][t] = acc;
            }
        return y;
    }

    /** ConvTranspose1d, kernel 2s, stride s, padding ceil(s/2): [C_in, N] -> [C_out, (N-1)s - 2pad + 2s]. */
    private double[][] convTranspose(String name, double[][] x, int s) {
        Tensor wt = w.get(name + ".weight");
        float[] wd = wt.data(), bias = w.get(name + ".bias").data();
        int in = wt.dim(0), out = wt.dim(1), k = wt.dim(2), N = x[0].length, pad = (s + 1) / 2;
        int full = (N - 1) * s + k, L = full - 2 * pad;
        double[][] y = new double[out][L];
        for (int o = 0; o < out; o++) {
            double[] acc = new double[full];
            for (int ci = 0; ci < in; ci++)
                for (int i = 0; i < N; i++)
                    for (int j = 0; j < k; j++) acc[i * s + j] += (double) wd[(ci * out + o) * k + j] * x[ci][i];
            for (int t = 0; t < L; t++) y[o][t] = bias[o] + acc[t + pad];
        }
        return y;
    }

}
