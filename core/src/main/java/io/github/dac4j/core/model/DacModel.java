package io.github.dac4j.core.model;

import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * The decode path of a DAC checkpoint, laid out as its tensor names are:
 * {@code quantizer -> decoder.conv1 -> decoder.block.0..N-1 -> decoder.snake1 -> decoder.conv2 -> tanh}.
 * Codes {@code [K, T]} become samples {@code [hop * T]}. Immutable: one model may serve many decoders.
 *
 * @param config    the configuration the tensors were loaded against
 * @param quantizer {@code quantizer}: codes to {@code z:[T, latentDim]}, with its lookups and projections folded
 * @param conv1     {@code decoder.conv1}: {@code [decoderDim, latentDim, 7]}
 * @param blocks    {@code decoder.block.0..N-1}, in order; block b maps {@code channels(b)} to {@code channels(b + 1)}
 * @param snake1    {@code decoder.snake1}, over the last width {@code channels(N)} (96 for 44.1 kHz)
 * @param conv2     {@code decoder.conv2}: {@code [1, channels(N), 7]}, to one channel of samples before tanh
 */
public record DacModel(DacConfig config, Quantizer quantizer, Conv1d conv1, DecoderBlock[] blocks, Snake snake1, Conv1d conv2) {

    /**
     * Builds the model from a loaded checkpoint's folded, HF-named tensors: {@code quantizer.quantizers.*} and every
     * {@code decoder.*} tensor on the decode path, with the shapes its {@link DacCheckpoint#config()} implies.
     *
     * @throws WeightsException if a tensor is missing or has another shape
     */
    public static DacModel load(DacCheckpoint checkpoint) throws WeightsException {
        DacConfig c = checkpoint.config();
        Weights w = checkpoint.weights();
        Quantizer quantizer = Quantizer.load(w.prefix("quantizer"), c.nCodebooks(), c.codebookSize(), c.codebookDim(), c.latentDim());
        Weights d = w.prefix("decoder");
        Conv1d conv1 = Conv1d.load(d, "conv1", c.decoderDim(), c.latentDim(), 7, 1);
        DecoderBlock[] blocks = new DecoderBlock[c.blocks()];
        for (int b = 0; b < blocks.length; b++) {
            blocks[b] = DecoderBlock.load(d.prefix("block." + b), c.channels(b), c.stride(b));
        }
        int last = c.channels(c.blocks());
        return new DacModel(c, quantizer, conv1, blocks, Snake.load(d, "snake1", last), Conv1d.load(d, "conv2", 1, last, 7, 1));
    }

    /** Decode-path parameters, counted before the quantizer fold (54,247,777 for 44.1 kHz). */
    public long parameters() {
        long n = quantizer.parameters() + conv1.parameters() + snake1.channels() + conv2.parameters();
        for (DecoderBlock b : blocks) n += b.parameters();
        return n;
    }
}
