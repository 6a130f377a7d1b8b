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
            float[] table = new float[size * latent];
            for (int c = 0; c < size; c++) {
                for (int o = 0; o < latent; o++) {
                    double acc = 0; // double: the fold is done once, let it be as exact as it can
                    for (int j = 0; j < dim; j++) acc += (double) proj[o * dim + j] * codebook[c * dim + j];
                    table[c * latent + o] = (float) (acc + bias[o]);
                }
            }
            tables[k] = table;
        }
        return new Quantizer(tables, size, latent, parameters);
    }

    /** Codebooks K, the rows of the codes this quantizer reads. */
    public int codebooks() { return tables.length; }
}
