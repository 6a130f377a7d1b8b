package io.github.dac4j.cli;

import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.Npy;
import io.github.dac4j.weights.NpyArray;
import io.github.dac4j.weights.WeightsException;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Codes from a .npy file as numpy writes them: int64, int32, int16 or uint16 (descript saves its codes as uint16),
 * C or Fortran order, {@code [B, K, T]} or {@code [K, T]} (one stream).
 */
final class CodesFile {
    private CodesFile() {}

    /**
     * Reads and checks codes against a model before anything is decoded, so every problem names the file.
     *
     * @param codebooks the first this many codebooks are used; 0 for all in the file
     * @return {@code codes[b][k][t]}
     */
    static int[][][] read(Path file, DacConfig config, int codebooks) throws WeightsException {
        NpyArray a = Npy.read(file);
        if (!a.isInteger()) {
            throw new CliError(file, "codes must be int64, int32, int16 or uint16, the file holds " + a.dtype()
                    + (a.dtype().isFloating() ? " (float codes: convert them to integers first)" : ""));
        }
        long[] shape = shape(a);
        if (shape.length != 2 && shape.length != 3) {
            throw new CliError(file, "codes must have shape [B, K, T] or [K, T], the file has rank " + shape.length + " "
                    + Arrays.toString(shape));
        }
        long batch = shape.length == 3 ? shape[0] : 1;
        long books = shape[shape.length - 2];
        long frames = shape[shape.length - 1];
        if (batch == 0) throw new CliError(file, "codes have batch 0 (shape " + Arrays.toString(shape) + ")");
        if (books == 0) throw new CliError(file, "codes have no codebooks (shape " + Arrays.toString(shape) + ")");
        if (frames == 0) throw new CliError(file, "codes have zero frames (shape " + Arrays.toString(shape) + ")");
        if (codebooks > books) throw new CliError(file, "--codebooks " + codebooks + " but the file has " + books + " codebooks");
        int use = codebooks > 0 ? codebooks : (int) books;
        if (use > config.nCodebooks()) {
            throw new CliError(file, "codes use " + use + " codebooks but the model has " + config.nCodebooks()
                    + (codebooks > 0 ? "" : " (choose fewer with --codebooks)"));
        }
        if (frames > Integer.MAX_VALUE / Math.max(1, config.hop())) {
            throw new CliError(file, frames + " frames is more than one decode can hold; split the codes");
        }
        long[] values = a.longs();
        int[][][] codes = new int[(int) batch][use][(int) frames];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < use; k++) {
                int[] row = codes[b][k];
                long base = ((long) b * books + k) * frames;
                for (int t = 0; t < frames; t++) {
                    long v = values[(int) (base + t)];
                    if (v < 0 || v >= config.codebookSize()) {
                        throw new CliError(file, "code " + v + " at [" + b + ", " + k + ", " + t + "] is outside [0, "
                                + config.codebookSize() + ") (the model's codebook size)");
                    }
                    row[t] = (int) v;
                }
            }
        }
        return codes;
    }

    private static long[] shape(NpyArray a) {
        return a.shape().clone();
    }
}
