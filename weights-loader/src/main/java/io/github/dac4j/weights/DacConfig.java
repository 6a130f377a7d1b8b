package io.github.dac4j.weights;

import java.util.Arrays;

/**
 * A DAC decoder's configuration, as inferred from a checkpoint's shapes (see docs/MODEL.md).
 *
 * @param latentDim     rows of each codebook's out_proj: the latent width (1024 for 44.1 kHz)
 * @param decoderDim    rows of decoder.conv1: the width of the first stage (1536)
 * @param strides       upsampling stride of each block, conv_t1 kernel / 2 ({8, 8, 4, 2})
 * @param nCodebooks    codebooks present (9)
 * @param codebookSize  entries per codebook (1024)
 * @param codebookDim   width of each codebook entry (8)
 * @param sampleRate    output sample rate in Hz; not stored in checkpoints, 44 100 unless told otherwise
 */
public record DacConfig(int latentDim, int decoderDim, int[] strides, int nCodebooks, int codebookSize,
                        int codebookDim, int sampleRate) {

    /** The real 44.1 kHz model's configuration. */
    public static DacConfig dac44khz() { return new DacConfig(1024, 1536, new int[] {8, 8, 4, 2}, 9, 1024, 8, 44_100); }

    /** Fixture-sized: latent 16, width 32, strides [4, 2], 3 codebooks of 32 x 4. */
    public static DacConfig tiny() { return new DacConfig(16, 32, new int[] {4, 2}, 3, 32, 4, 44_100); }

    /** Fixture-sized: latent 64, width 96, strides [4, 4, 2], 4 codebooks of 64 x 8. */
    public static DacConfig small() { return new DacConfig(64, 96, new int[] {4, 4, 2}, 4, 64, 8, 44_100); }

    public DacConfig {
        strides = strides.clone();
    }

    @Override public int[] strides() { return strides.clone(); }

    /** Number of upsampling blocks. */
    public int blocks() { return strides.length; }

    /** Stride of block i. */
    public int stride(int block) { return strides[block]; }

    /** Samples per code frame: the product of the strides (512). */
    public int hop() {
        int h = 1;
        for (int s : strides) h *= s;
        return h;
    }

    /** Channels entering block i (decoderDim / 2^i); channels(blocks()) is the last stage's width. */
    public int channels(int stage) { return decoderDim >> stage; }

    @Override public boolean equals(Object o) {
        return o instanceof DacConfig c && c.latentDim == latentDim && c.decoderDim == decoderDim
                && Arrays.equals(c.strides, strides) && c.nCodebooks == nCodebooks
                && c.codebookSize == codebookSize && c.codebookDim == codebookDim && c.sampleRate == sampleRate;
    }

    @Override public int hashCode() { return Arrays.hashCode(strides) * 31 + latentDim * 17 + decoderDim; }

    @Override public String toString() {
        return "latent " + latentDim + ", width " + decoderDim + ", strides " + Arrays.toString(strides) + ", "
                + nCodebooks + " codebooks of " + codebookSize + " x " + codebookDim + ", hop " + hop() + ", " + sampleRate + " Hz";
    }
}
