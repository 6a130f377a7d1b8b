package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

import java.util.Arrays;

/**
 * {@code quantizer.quantizers.K}: codes {@code [K, T] -> z:[T, latent]},
 * {@code z[t] = sum_k out_proj_k(codebook_k[codes[k, t]])}. Each lookup-and-projection is folded into a table
 * {@code [codebookSize, latent]}, so decoding is a gather and a sum: the same products as the reference, computed once
 * instead of once per frame. A loaded quantizer computes a table's rows when they are first asked for
 * ({@link #tablesFor}, {@link #tables()}): a decode reads the rows of the codes it meets, and folding all of them,
 * 75 million multiply-adds for the 44.1 kHz model, took 0.2-0.7 s of a cold open. Thread-safe: rows are computed under
 * this quantizer's lock, and a row once computed never changes.
 */
public final class Quantizer {
    /** One {@code [codebookSize, latent]} row-major table per codebook; a row is valid once {@link #computed}. */
    private final float[][] tables;
    private final int codebookSize, latent;
    private final long parameters;
    /** Per codebook, what its rows are folded from; null when the tables were given whole. */
    private final Fold[] folds;
    /** Per codebook and code, whether the row is computed (guarded by this). */
    private final boolean[][] computed;
    /** Whether every row is: true from the start for tables given whole (guarded by this). */
    private boolean complete;
    /** Scratch of one row's sums (guarded by this). */
    private final double[] acc;

    /** The inputs of one codebook's table: {@code codebook [size, dim]}, the projection transposed {@code [dim, latent]} in double, the bias. */
    private record Fold(float[] codebook, double[] projT, float[] bias, int dim) {}

    /**
     * A quantizer of tables given whole.
     *
     * @param tables       one {@code [codebookSize, latent]} row-major float32 table per codebook:
     *                     {@code table[c] = out_proj.weight * codebook.weight[c] + out_proj.bias}
     * @param codebookSize entries per codebook: valid codes are {@code [0, codebookSize)}
     * @param latent       width of {@code z}, the rows of each {@code out_proj} (1024 for 44.1 kHz)
     * @param parameters   the checkpoint's quantizer parameters, counted before the fold (codebooks,
     *                     {@code out_proj} weights and biases)
     */
    public Quantizer(float[][] tables, int codebookSize, int latent, long parameters) {
        this(tables, codebookSize, latent, parameters, null);
    }

    private Quantizer(float[][] tables, int codebookSize, int latent, long parameters, Fold[] folds) {
        this.tables = tables;
        this.codebookSize = codebookSize;
        this.latent = latent;
        this.parameters = parameters;
        this.folds = folds;
        this.complete = folds == null;
        this.computed = folds == null ? null : new boolean[tables.length][codebookSize];
        this.acc = folds == null ? null : new double[latent];
    }

    /**
     * Loads, for each {@code k < codebooks}, {@code quantizers.k.codebook.weight [size, dim]},
     * {@code quantizers.k.out_proj.weight [latent, dim, 1]} and {@code quantizers.k.out_proj.bias [latent]}; their
     * tables (accumulated in double, stored as float32) are computed row by row as they are first asked for.
     *
     * @throws WeightsException if a tensor is missing or has another shape
     */
    public static Quantizer load(Weights w, int codebooks, int size, int dim, int latent) throws WeightsException {
        float[][] tables = new float[codebooks][];
        Fold[] folds = new Fold[codebooks];
        long parameters = 0;
        for (int k = 0; k < codebooks; k++) {
            Weights q = w.prefix("quantizers." + k);
            float[] codebook = q.get("codebook.weight", size, dim).data();
            float[] proj = q.get("out_proj.weight", latent, dim, 1).data();
            float[] bias = q.get("out_proj.bias", latent).data();
            parameters += codebook.length + proj.length + bias.length;
            folds[k] = new Fold(codebook, transposed(proj, dim, latent), bias, dim);
            tables[k] = new float[size * latent];
        }
        return new Quantizer(tables, size, latent, parameters, folds);
    }

    /** Every table whole, {@code [codebookSize, latent]} per codebook (the rows not yet computed are computed first). */
    public synchronized float[][] tables() {
        if (!complete) {
            for (int k = 0; k < tables.length; k++) for (int c = 0; c < codebookSize; c++) compute(k, c);
            complete = true;
        }
        return tables;
    }

    /**
     * The tables with the rows of {@code codes} computed (other rows may not be): codes of the first {@code codebooks}
     * codebooks, {@code codes[(b * codebooks + k) * n + t]} for {@code b < streams}, {@code t < n}, each in
     * {@code [0, codebookSize)}. What a decode step reads; the rows are valid for any thread that starts after this
     * returns (or that calls this too).
     */
    public synchronized float[][] tablesFor(int[] codes, int streams, int codebooks, int n) {
        if (!complete) {
            for (int b = 0; b < streams; b++)
                for (int k = 0; k < codebooks; k++)
                    for (int t = 0; t < n; t++) compute(k, codes[(b * codebooks + k) * n + t]);
        }
        return tables;
    }

    // table k's row c, unless computed already (callers hold the lock)
    private void compute(int k, int c) {
        if (computed[k][c]) return;
        Fold f = folds[k];
        row(f.codebook(), f.projT(), f.bias(), c, f.dim(), latent, acc, tables[k]);
        computed[k][c] = true;
    }

    /** Entries per codebook: valid codes are {@code [0, codebookSize)}. */
    public int codebookSize() { return codebookSize; }

    /** Width of {@code z}, the rows of each {@code out_proj} (1024 for 44.1 kHz). */
    public int latent() { return latent; }

    /** The checkpoint's quantizer parameters, counted before the fold (codebooks, {@code out_proj} weights and biases). */
    public long parameters() { return parameters; }

    /** Codebooks K, the rows of the codes this quantizer reads. */
    public int codebooks() { return tables.length; }

    /** Bytes of the tables, computed or not. */
    public long tableBytes() { return 4L * tables.length * codebookSize * latent; }

    /**
     * {@code table[c, o] = (float) (sum_{j < dim} proj[o, j] * codebook[c, j] + bias[o])}, the sum in double (done once,
     * let it be as exact as it can), j in order: the whole table at once, as {@link #load} computes it row by row.
     */
    static float[] table(float[] codebook, float[] proj, float[] bias, int size, int dim, int latent) {
        double[] projT = transposed(proj, dim, latent), acc = new double[latent];
        float[] table = new float[size * latent];
        for (int c = 0; c < size; c++) row(codebook, projT, bias, c, dim, latent, acc, table);
        return table;
    }

    /**
     * Folds a small table of made-up numbers (256 rows of 64), so that the JIT has compiled the row fold before a
     * first decode folds a model's rows (774 of them in a first 1-s decode of the 44.1 kHz model, whose codebook sums
     * took 15-41 ms with the fold cold: docs/CPU-BACKEND.md, "Issue 16 on an AMD EPYC"). The CPU backend's warm-up
     * calls it on its own thread, beside the checkpoint's load.
     */
    public static void warmUp() {
        int size = 256, dim = 8, latent = 64;
        float[] codebook = new float[size * dim], proj = new float[latent * dim], bias = new float[latent];
        for (int i = 0; i < codebook.length; i++) codebook[i] = (i % 13) / 13f;
        for (int i = 0; i < proj.length; i++) proj[i] = (i % 7) / 7f - 0.5f;
        table(codebook, proj, bias, size, dim, latent);
    }

    /** {@code proj [latent, dim]} as {@code [dim, latent]} in double. */
    private static double[] transposed(float[] proj, int dim, int latent) {
        double[] projT = new double[dim * latent];
        for (int o = 0; o < latent; o++) for (int j = 0; j < dim; j++) projT[j * latent + o] = proj[o * dim + j];
        return projT;
    }

    /**
     * Row c of a table into {@code table[c * latent ...]}. Output channels are the inner loop, each with its own sum, so
     * the JIT vectorizes it (Java never fuses the multiply and the add): the same bits as one dot product per output,
     * about ten times faster (docs/CPU-BACKEND.md, "Time to first audio").
     */
    private static void row(float[] codebook, double[] projT, float[] bias, int c, int dim, int latent, double[] acc, float[] table) {
        Arrays.fill(acc, 0);
        for (int j = 0; j < dim; j++) {
            double e = codebook[c * dim + j];
            for (int o = 0; o < latent; o++) acc[o] += projT[j * latent + o] * e;
        }
        for (int o = 0; o < latent; o++) table[c * latent + o] = (float) (acc[o] + bias[o]);
    }
}
