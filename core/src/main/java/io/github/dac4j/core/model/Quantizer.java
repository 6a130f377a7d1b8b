package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * {@code quantizer.quantizers.K}: codes {@code [K, T] -> z:[T, latent]},
 * {@code z[t] = sum_k out_proj_k(codebook_k[codes[k, t]])}. Each lookup-and-projection is folded at load into
 * a table {@code [codebookSize, latent]}, so decoding is a gather and a sum: the same products as the reference,
 * computed once instead of once per frame.
 *
 * @param tables       one {@code [codebookSize, latent]} row-major float32 table per codebook:
 *                     {@code table[c] = out_proj.weight * codebook.weight[c] + out_proj.bias}
 * @param codebookSize entries per codebook: valid codes are {@code [0, codebookSize)}
 * @param latent       width of {@code z}, the rows of each {@code out_proj} (1024 for 44.1 kHz)
 * @param parameters   the checkpoint's quantizer parameters, counted before the fold (codebooks,
 *                     {@code out_proj} weights and biases)
 */
public record Quantizer(float[][] tables, int codebookSize, int latent, long parameters) {

    /**
     * Loads, for each {@code k < codebooks}, {@code quantizers.k.codebook.weight [size, dim]},
     * {@code quantizers.k.out_proj.weight [latent, dim, 1]} and {@code quantizers.k.out_proj.bias [latent]},
     * and folds them into a table (accumulated in double, stored as float32).
     *
     * @throws WeightsException if a tensor is missing or has another shape
     */
    public static Quantizer load(Weights w, int codebooks, int size, int dim, int latent) throws WeightsException {
        float[][] tables = new float[codebooks][];
        long parameters = 0;
        for (int k = 0; k < codebooks; k++) {
            Weights q = w.prefix("quantizers." + k);
            float[] codebook = q.get("codebook.weight", size, dim).data();
            float[] proj = q.get("out_proj.weight", latent, dim, 1).data();
            float[] bias = q.get("out_proj.bias", latent).data();
            parameters += codebook.length + proj.length + bias.length;
            tables[k] = table(codebook, proj, bias, size, dim, latent);
        }
        return new Quantizer(tables, size, latent, parameters);
    }

    /**
     * {@code table[c, o] = (float) (sum_{j < dim} proj[o, j] * codebook[c, j] + bias[o])}, the sum in double (done once,
     * let it be as exact as it can), j in order. Output channels are the inner loop, each with its own sum, so the JIT
     * vectorizes it (Java never fuses the multiply and the add): the same bits as one dot product per output, about
     * ten times faster, which a cold first open notices (docs/CPU-BACKEND.md, "Time to first audio").
     */
    static float[] table(float[] codebook, float[] proj, float[] bias, int size, int dim, int latent) {
        double[] projT = new double[dim * latent];   // [dim, latent]
        for (int o = 0; o < latent; o++) for (int j = 0; j < dim; j++) projT[j * latent + o] = proj[o * dim + j];
        float[] table = new float[size * latent];
        double[] acc = new double[latent];
        for (int c = 0; c < size; c++) {
            java.util.Arrays.fill(acc, 0);
            for (int j = 0; j < dim; j++) {
                double e = codebook[c * dim + j];
                for (int o = 0; o < latent; o++) acc[o] += projT[j * latent + o] * e;
            }
            for (int o = 0; o < latent; o++) table[c * latent + o] = (float) (acc[o] + bias[o]);
        }
        return table;
    }

    /** Codebooks K, the rows of the codes this quantizer reads. */
    public int codebooks() { return tables.length; }
}
