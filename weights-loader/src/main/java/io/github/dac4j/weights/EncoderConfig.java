package io.github.dac4j.weights;

import java.util.Arrays;

/**
 * A DAC encoder's configuration, as inferred from a checkpoint's shapes (docs/MODEL.md, "Encoding"): its first width
 * and the stride of each block. Block n maps {@code channels(n)} to {@code channels(n + 1)} channels, dividing the
 * rows by {@code stride(n)}.
 *
 * @param width   rows of {@code encoder.conv1}: the first width (64 for the published models)
 * @param strides the downsampling stride of each block, kernel / 2 of {@code encoder.block.n.conv1} ({2, 4, 8, 8})
 */
public record EncoderConfig(int width, int[] strides) {
    /** Copies the strides. */
    public EncoderConfig {
        strides = strides.clone();
    }

    @Override public int[] strides() { return strides.clone(); }

    /** Number of downsampling blocks. */
    public int blocks() { return strides.length; }

    /** Stride of block n. */
    public int stride(int block) { return strides[block]; }

    /** Channels entering block n ({@code width * 2^n}); {@code channels(blocks())} is the last width. */
    public int channels(int block) { return width << block; }

    /** Samples per frame: the product of the strides. */
    public int hop() {
        int h = 1;
        for (int s : strides) h *= s;
        return h;
    }

    @Override public boolean equals(Object o) {
        return o instanceof EncoderConfig c && c.width == width && Arrays.equals(c.strides, strides);
    }

    @Override public int hashCode() { return width * 31 + Arrays.hashCode(strides); }

    @Override public String toString() { return "encoder width " + width + ", strides " + Arrays.toString(strides); }
}
