package io.github.dac4j.weights;

/** How a checkpoint stores its convolution weights and names its tensors (docs/MODEL.md). */
public enum Layout {
    /** Plain {@code .weight}: weight norm already folded (what the HF conversion writes). */
    FOLDED("folded .weight"),
    /** {@code .weight_g} and {@code .weight_v}: old-style weight norm. */
    WEIGHT_NORM("weight_g/weight_v"),
    /** {@code .parametrizations.weight.original0/original1}: torch parametrizations weight norm. */
    PARAMETRIZATIONS("parametrizations.weight.original0/original1"),
    /** Original descript names ({@code decoder.model.N...}), possibly under a prefix, weight norm g/v. */
    ORIGINAL("original descript names");

    private final String description;

    Layout(String description) { this.description = description; }

    /** A short human-readable form, as {@code dac info} prints it: {@code "weight_g/weight_v"}. */
    public String description() { return description; }
}
