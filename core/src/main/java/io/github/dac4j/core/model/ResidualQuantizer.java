package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * The quantizer's encode side, {@code quantizer.quantizers.K}: residual vector quantization of latents,
 * {@code z:[T, latent] -> codes [K, T]}. Per frame, with {@code r = z}, for each codebook k in order:
 * {@code e = in_proj_k(r)}; normalise {@code e} and every codebook row to unit length; {@code code_k} = the row with
 * the largest {@code -(|e|^2 - 2 e.c) + |c|^2} (transformers' {@code DacVectorQuantize.decode_latents}, term for term;
 * the first on ties); {@code r -= table_k[code_k]} (out_proj of the unnormalised row: the decode side's folded table).
 *
 * @param inProj     {@code quantizers.k.in_proj}: {@code [dim, latent, 1]}, one per codebook
 * @param normalized {@code quantizers.k.codebook.weight [size, dim]} with each row divided by its L2 norm, row-major
 * @param decode     the decode side: {@code table_k[c] = out_proj_k(codebook_k[c])}
 */
public record ResidualQuantizer(Conv1d[] inProj, float[][] normalized, Quantizer decode) {

    /**
     * Loads {@code quantizers.k.in_proj} and {@code quantizers.k.codebook.weight} under {@code w} (the view
     * {@code quantizer}) for every codebook of {@code decode}.
     *
     * @throws WeightsException if a tensor is missing or has another shape
     */
    public static ResidualQuantizer load(Weights w, Quantizer decode, int dim) throws WeightsException {
        int books = decode.codebooks(), size = decode.codebookSize();
        Conv1d[] inProj = new Conv1d[books];
        float[][] normalized = new float[books][];
        for (int k = 0; k < books; k++) {
            Weights q = w.prefix("quantizers." + k);
            inProj[k] = Conv1d.load(q, "in_proj", dim, decode.latent(), 1, 1);
            float[] codebook = q.get("codebook.weight", size, dim).data();
            float[] unit = new float[codebook.length];
            for (int c = 0; c < size; c++) {
                double sum = 0;   // F.normalize: x / max(||x||, 1e-12), the norm in float32 as PyTorch computes it
                for (int j = 0; j < dim; j++) sum += (double) codebook[c * dim + j] * codebook[c * dim + j];
                float norm = Math.max((float) Math.sqrt(sum), 1e-12f);
                for (int j = 0; j < dim; j++) unit[c * dim + j] = codebook[c * dim + j] / norm;
            }
            normalized[k] = unit;
        }
        return new ResidualQuantizer(inProj, normalized, decode);
    }

    /** Codebooks K. */
    public int codebooks() { return inProj.length; }

    /** Width of a codebook entry. */
    public int dim() { return inProj[0].outChannels(); }

    /** Entries per codebook. */
    public int codebookSize() { return decode.codebookSize(); }

    /** Width of the latents. */
    public int latent() { return decode.latent(); }
}
