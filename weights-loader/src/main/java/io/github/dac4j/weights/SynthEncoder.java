package io.github.dac4j.weights;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * The random encoder and {@code in_proj} tensors {@link DacSynth} adds with {@code withEncoder}: HF names and the
 * shapes of DAC-DECODER.md, "The encoder" ({@code encoder.conv1 [d, 1, 7]}; per block N at width
 * {@code C = d * 2^N}: three residual units, {@code snake1}, {@code conv1 [2C, C, 2s]}; {@code encoder.snake1};
 * {@code encoder.conv2 [latent, C_last, 3]}; {@code quantizer.quantizers.K.in_proj [codebookDim, latent, 1]}).
 */
final class SynthEncoder {
    /** Mixed into the seed so that the encoder draws from a stream of its own and leaves the decoder's as it was. */
    private static final long ENCODER_STREAM = 0x656E636F646572L; // "encoder"

    private SynthEncoder() {}

    static Map<String, Tensor> tensors(DacConfig c, long seed) {
        int width = DacSynth.encoderWidth(c);
        if (width < 1 || width << c.blocks() != c.latentDim()) {
            throw new IllegalArgumentException("latent " + c.latentDim() + " does not halve " + c.blocks()
                    + " times to an encoder width: no encoder has these shapes");
        }
        int[] strides = DacSynth.encoderStrides(c);
        DacSynth.Builder b = new DacSynth.Builder(new SplittableRandom(seed ^ ENCODER_STREAM));
        b.conv("encoder.conv1", width, 1, 7);                 // audio:[1, L] -> [d, L]
        int ch = width;
        for (int n = 0; n < strides.length; n++, ch *= 2) {
            String p = "encoder.block." + n;
            for (int r = 1; r <= 3; r++) {                    // x:[C, L] -> [C, L]
                String u = p + ".res_unit" + r;
                b.snake(u + ".snake1", ch);
                b.conv(u + ".conv1", ch, ch, 7);
                b.snake(u + ".snake2", ch);
                b.conv(u + ".conv2", ch, ch, 1);
            }
            b.snake(p + ".snake1", ch);
            b.conv(p + ".conv1", 2 * ch, ch, 2 * strides[n]); // x:[C, L] -> [2C, L / s]
        }
        b.snake("encoder.snake1", ch);
        b.conv("encoder.conv2", c.latentDim(), ch, 3);         // x:[C_last, T] -> z:[latent, T]
        for (int k = 0; k < c.nCodebooks(); k++) {
            b.conv("quantizer.quantizers." + k + ".in_proj", c.codebookDim(), c.latentDim(), 1); // r:[latent, T] -> [dim, T]
        }
        return b.tensors;
    }
}
