package io.github.dac4j.weights;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A view of a checkpoint's canonical (HF-named, weight-norm-folded) tensors under a prefix, so that model code
 * reads like the checkpoint: {@code weights.prefix("decoder.block.0").get("conv_t1.weight", 1536, 768, 16)}.
 */
public final class Weights {
    private final Path file;
    private final Map<String, Tensor> tensors;
    private final String prefix;

    /**
     * A view of {@code tensors} (keyed by full canonical name, held, not copied) under {@code prefix}, {@code ""} for
     * the root; {@code file} is named in errors and may be null for a checkpoint built in memory.
     */
    public Weights(Path file, Map<String, Tensor> tensors, String prefix) {
        this.file = file;
        this.tensors = tensors;
        this.prefix = prefix;
    }

    /** The view under {@code prefix + "." + name}. */
    public Weights prefix(String name) {
        return new Weights(file, tensors, prefix.isEmpty() ? name : prefix + "." + name);
    }

    /** The full name that {@code name} resolves to here. */
    public String fullName(String name) { return prefix.isEmpty() ? name : prefix + "." + name; }

    /** True if the tensor is present. */
    public boolean has(String name) { return tensors.containsKey(fullName(name)); }

    /**
     * The tensor {@code name} under this prefix, checked against the expected shape.
     *
     * @throws WeightsException naming the file and the tensor, if it is missing or has another shape
     */
    public Tensor get(String name, int... expectedShape) throws WeightsException {
        String full = fullName(name);
        Tensor t = tensors.get(full);
        if (t == null) throw new WeightsException(file, full, "missing");
        if (expectedShape.length > 0 && !Arrays.equals(t.shape(), expectedShape)) {
            throw new WeightsException(file, full, "shape " + t.shapeText() + " where " + Arrays.toString(expectedShape) + " was expected");
        }
        return t;
    }
}
