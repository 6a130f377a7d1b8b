package io.github.dac4j.core.model;

import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.EncoderConfig;
import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * The encode path of a DAC checkpoint, laid out as its tensor names are:
 * {@code encoder.conv1 -> encoder.block.0..N-1 -> encoder.snake1 -> encoder.conv2 -> quantizer} (residual vector
 * quantization). Audio {@code [hop * T]} becomes latents {@code [T, latent]} and codes {@code [K, T]}. Immutable.
 *
 * @param config    the model's configuration (sample rate, codebooks, latent width)
 * @param shape     the encoder's widths and strides
 * @param conv1     {@code encoder.conv1}: {@code [width, 1, 7]}
 * @param blocks    {@code encoder.block.0..N-1}; block n maps {@code channels(n)} to {@code channels(n + 1)}
 * @param snake1    {@code encoder.snake1}, over the last width
 * @param conv2     {@code encoder.conv2}: {@code [latent, channels(N), 3]}, padding 1
 * @param quantizer the codebooks' encode side ({@code quantizer.quantizers.k.in_proj}, codebooks, tables)
 */
public record EncoderModel(DacConfig config, EncoderConfig shape, Conv1d conv1, EncoderBlock[] blocks, Snake snake1, Conv1d conv2,
                           ResidualQuantizer quantizer) {

    /**
     * Builds the encoder of a loaded checkpoint that has one (its codebook tables folded anew).
     *
     * @throws WeightsException naming the file and the first encoder tensor missing or mis-shaped
     */
    public static EncoderModel load(DacCheckpoint checkpoint) throws WeightsException {
        checkpoint.requireEncoder();
        DacConfig c = checkpoint.config();
        return load(checkpoint, Quantizer.load(checkpoint.weights().prefix("quantizer"), c.nCodebooks(), c.codebookSize(), c.codebookDim(), c.latentDim()));
    }

    /**
     * Builds the encoder of a loaded checkpoint that has one, sharing the decoder's folded codebook tables.
     *
     * @throws WeightsException naming the file and the first encoder tensor missing or mis-shaped (a checkpoint
     *                          without an encoder: see {@link DacCheckpoint#requireEncoder()})
     */
    public static EncoderModel load(DacCheckpoint checkpoint, Quantizer decode) throws WeightsException {
        EncoderConfig c = checkpoint.requireEncoder();
        Weights e = checkpoint.weights().prefix("encoder");
        EncoderBlock[] blocks = new EncoderBlock[c.blocks()];
        for (int n = 0; n < blocks.length; n++) blocks[n] = EncoderBlock.load(e.prefix("block." + n), c.channels(n), c.stride(n));
        int last = c.channels(c.blocks()), latent = checkpoint.config().latentDim();
        return new EncoderModel(checkpoint.config(), c, Conv1d.load(e, "conv1", c.width(), 1, 7, 1), blocks, Snake.load(e, "snake1", last),
                Conv1d.load(e, "conv2", latent, last, 3, 1),
                ResidualQuantizer.load(checkpoint.weights().prefix("quantizer"), decode, checkpoint.config().codebookDim()));
    }

    /** Samples per frame: the product of the strides. */
    public int hop() { return shape.hop(); }

    /** Encode-path parameters (the encoder and the in_proj layers; the codebooks are the decoder's). */
    public long parameters() {
        long n = conv1.parameters() + snake1.channels() + conv2.parameters();
        for (EncoderBlock b : blocks) n += b.parameters();
        for (Conv1d p : quantizer.inProj()) n += p.parameters();
        return n;
    }
}
