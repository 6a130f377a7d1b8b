package io.github.dac4j.core;

import io.github.dac4j.weights.DacConfig;

/** Checks codes before anything is decoded, so bad input never reaches a backend or leaves a half-done step. */
final class Codes {
    private Codes() {}

    /**
     * Checks {@code codes[b][k][t]}: at least one stream, 1 to nCodebooks codebooks, the same number of
     * codebooks and frames in every non-null stream, values in {@code [0, codebookSize)}.
     *
     * @param allowNull    whether a stream may be null (a finished stream in a streaming push)
     * @param allowEmpty   whether zero frames are allowed (a push of nothing)
     * @return the number of frames
     * @throws IllegalArgumentException with a one-line description of the first problem
     */
    static int check(int[][][] codes, DacConfig config, boolean allowNull, boolean allowEmpty) {
        if (codes == null || codes.length == 0) throw new IllegalArgumentException("codes: no streams (batch 0)");
        int frames = -1, books = -1;
        for (int b = 0; b < codes.length; b++) {
            int[][] stream = codes[b];
            if (stream == null) {
                if (allowNull) continue;
                throw new IllegalArgumentException("codes: stream " + b + " is null");
            }
            if (stream.length == 0) throw new IllegalArgumentException("codes: stream " + b + " has no codebooks");
            if (stream.length > config.nCodebooks()) {
                throw new IllegalArgumentException("codes: " + stream.length + " codebooks but the model has " + config.nCodebooks());
            }
            if (books >= 0 && stream.length != books) {
                throw new IllegalArgumentException("codes: stream " + b + " has " + stream.length + " codebooks, stream 0 has " + books);
            }
            books = stream.length;
            for (int k = 0; k < stream.length; k++) {
                int[] row = stream[k];
                if (row == null) throw new IllegalArgumentException("codes: stream " + b + " codebook " + k + " is null");
                if (frames >= 0 && row.length != frames) {
                    throw new IllegalArgumentException("codes: stream " + b + " codebook " + k + " has " + row.length + " frames, expected " + frames);
                }
                frames = row.length;
                for (int t = 0; t < row.length; t++) {
                    if (row[t] < 0 || row[t] >= config.codebookSize()) {
                        throw new IllegalArgumentException("codes: value " + row[t] + " at [" + b + ", " + k + ", " + t
                                + "] is outside [0, " + config.codebookSize() + ")");
                    }
                }
            }
        }
        if (frames < 0) frames = 0;
        if (frames == 0 && !allowEmpty) throw new IllegalArgumentException("codes: zero frames");
        return frames;
    }

    /** Codebooks of the first non-null stream, 0 if none. */
    static int codebooks(int[][][] codes) {
        for (int[][] s : codes) if (s != null) return s.length;
        return 0;
    }
}
