package io.github.dac4j.weights;

import java.util.Arrays;
import java.util.Locale;

/**
 * A DAC decoder's configuration, as inferred from a checkpoint's shapes (see docs/MODEL.md), with its sample rate
 * and where that rate came from (checkpoints do not store it; see {@link SampleRateSource}).
 *
 * @param latentDim     rows of each codebook's out_proj: the latent width (1024 for 44.1 kHz)
 * @param decoderDim    rows of decoder.conv1: the width of the first stage (1536)
 * @param strides       upsampling stride of each block, conv_t1 kernel / 2 ({8, 8, 4, 2})
 * @param nCodebooks    codebooks present (9)
 * @param codebookSize  entries per codebook (1024)
 * @param codebookDim   width of each codebook entry (8)
 * @param sampleRate    output sample rate in Hz, within {@link SampleRates#MIN} and {@link SampleRates#MAX}
 * @param sampleRateSource where {@code sampleRate} came from
 */
public record DacConfig(int latentDim, int decoderDim, int[] strides, int nCodebooks, int codebookSize,
                        int codebookDim, int sampleRate, SampleRateSource sampleRateSource) {

    /**
     * Checks the rate and copies the strides.
     *
     * @throws IllegalArgumentException if the rate is outside {@link SampleRates#MIN} and {@link SampleRates#MAX}
     *         or the source is null
     */
    public DacConfig {
        if (sampleRateSource == null) throw new IllegalArgumentException("sample rate source must not be null");
        if (!SampleRates.plausible(sampleRate)) throw new IllegalArgumentException("sample rate " + SampleRates.problem(sampleRate));
        strides = strides.clone();
    }

    /** A configuration whose rate the caller states ({@link SampleRateSource#USER}). */
    public DacConfig(int latentDim, int decoderDim, int[] strides, int nCodebooks, int codebookSize, int codebookDim, int sampleRate) {
        this(latentDim, decoderDim, strides, nCodebooks, codebookSize, codebookDim, sampleRate, SampleRateSource.USER);
    }

    /**
     * A configuration with the rate its shapes imply: the published model's ({@link SampleRates#published},
     * {@link SampleRateSource#SHAPES}), else {@link SampleRates#FALLBACK} ({@link SampleRateSource#DEFAULT}).
     */
    public static DacConfig fromShapes(int latentDim, int decoderDim, int[] strides, int nCodebooks, int codebookSize, int codebookDim) {
        var published = SampleRates.published(hop(strides), nCodebooks);
        return new DacConfig(latentDim, decoderDim, strides, nCodebooks, codebookSize, codebookDim,
                published.orElse(SampleRates.FALLBACK), published.isPresent() ? SampleRateSource.SHAPES : SampleRateSource.DEFAULT);
    }

    /**
     * A configuration by name: {@code 44khz}, {@code 24khz} and {@code 16khz} (the published models; also
     * {@code dac44khz}, {@code 44k}, {@code 44.1khz} and the like), {@code tiny} and {@code small} (the fixtures' shapes).
     *
     * @throws IllegalArgumentException for any other name, listing the names
     */
    public static DacConfig preset(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "44khz", "dac44khz", "44k", "44.1khz" -> dac44khz();
            case "24khz", "dac24khz", "24k" -> dac24khz();
            case "16khz", "dac16khz", "16k" -> dac16khz();
            case "tiny" -> tiny();
            case "small" -> small();
            default -> throw new IllegalArgumentException("unknown preset '" + name + "' (expected 16khz, 24khz, 44khz, tiny or small)");
        };
    }

    /** The real 44.1 kHz model's configuration: strides 8, 8, 4, 2 and 9 codebooks, 44,100 Hz. */
    public static DacConfig dac44khz() { return fromShapes(1024, 1536, new int[] {8, 8, 4, 2}, 9, 1024, 8); }

    /** The real 24 kHz model's configuration: strides 8, 5, 4, 2 and 32 codebooks, 24,000 Hz. */
    public static DacConfig dac24khz() { return fromShapes(1024, 1536, new int[] {8, 5, 4, 2}, 32, 1024, 8); }

    /** The real 16 kHz model's configuration: strides 8, 5, 4, 2 and 12 codebooks, 16,000 Hz. */
    public static DacConfig dac16khz() { return fromShapes(1024, 1536, new int[] {8, 5, 4, 2}, 12, 1024, 8); }

    /** Fixture-sized: latent 16, width 32, strides [4, 2], 3 codebooks of 32 x 4; 44,100 Hz by default. */
    public static DacConfig tiny() { return fromShapes(16, 32, new int[] {4, 2}, 3, 32, 4); }

    /** Fixture-sized: latent 64, width 96, strides [4, 4, 2], 4 codebooks of 64 x 8; 44,100 Hz by default. */
    public static DacConfig small() { return fromShapes(64, 96, new int[] {4, 4, 2}, 4, 64, 8); }

    @Override public int[] strides() { return strides.clone(); }

    /** This configuration at another sample rate, and where that rate came from. */
    public DacConfig withSampleRate(int hz, SampleRateSource source) {
        return new DacConfig(latentDim, decoderDim, strides, nCodebooks, codebookSize, codebookDim, hz, source);
    }

    /** Number of upsampling blocks. */
    public int blocks() { return strides.length; }

    /** Stride of block i. */
    public int stride(int block) { return strides[block]; }

    /**
     * Samples per code frame: the product of the strides (512). With an odd stride a decode of T frames gives a few
     * samples fewer than hop * T (DAC-DECODER.md, "Odd strides").
     */
    public int hop() { return hop(strides); }

    private static int hop(int[] strides) {
        int h = 1;
        for (int s : strides) h *= s;
        return h;
    }

    /** Channels entering block i (decoderDim / 2^i); channels(blocks()) is the last stage's width. */
    public int channels(int stage) { return decoderDim >> stage; }

    /** Equal shapes and sample rate; where the rate came from is not compared. */
    @Override public boolean equals(Object o) {
        return o instanceof DacConfig c && c.latentDim == latentDim && c.decoderDim == decoderDim
                && Arrays.equals(c.strides, strides) && c.nCodebooks == nCodebooks
                && c.codebookSize == codebookSize && c.codebookDim == codebookDim && c.sampleRate == sampleRate;
    }

    @Override public int hashCode() { return Arrays.hashCode(strides) * 31 + latentDim * 17 + decoderDim; }

    @Override public String toString() {
        return "latent " + latentDim + ", width " + decoderDim + ", strides " + Arrays.toString(strides) + ", "
                + nCodebooks + " codebooks of " + codebookSize + " x " + codebookDim + ", hop " + hop() + ", "
                + String.format(Locale.ROOT, "%,d Hz (%s)", sampleRate, sampleRateSource.label());
    }
}
