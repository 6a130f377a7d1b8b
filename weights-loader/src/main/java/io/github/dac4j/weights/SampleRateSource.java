package io.github.dac4j.weights;

/**
 * Where a model's sample rate came from. Checkpoints do not store it, so it is taken from the first source that
 * has it: the user ({@code --sample-rate}, {@code DecoderOptions.withSampleRate}), which overrides the others; the
 * {@code config.json} beside the weights; the published model whose shapes these are; else 44,100 Hz by default.
 */
public enum SampleRateSource {
    /** {@code sampling_rate} in the Hugging Face {@code config.json} beside the weights. */
    CONFIG_JSON("config.json"),
    /** The published model with this hop and number of codebooks (see {@link SampleRates#published}). */
    SHAPES("shapes"),
    /** Stated by the user or the caller: {@code --sample-rate}, {@code DecoderOptions}, a constructor argument. */
    USER("user"),
    /** None of the above had it: {@link SampleRates#FALLBACK} (44,100 Hz), which may well be wrong for this model. */
    DEFAULT("default");

    private final String label;

    SampleRateSource(String label) { this.label = label; }

    /** A short lowercase label for output: {@code config.json}, {@code shapes}, {@code user} or {@code default}. */
    public String label() { return label; }
}
