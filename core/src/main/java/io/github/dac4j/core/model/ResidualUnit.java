package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * {@code decoder.block.B.res_unitR}: {@code x:[T, C] -> x + conv2(snake2(conv1(snake1(x)))) : [T, C]};
 * conv1 kernel 7 with dilation 1, 3 or 9, conv2 kernel 1.
 */
public record ResidualUnit(Snake snake1, Conv1d conv1, Snake snake2, Conv1d conv2) {

    public static ResidualUnit load(Weights w, int channels, int dilation) throws WeightsException {
        return new ResidualUnit(
                Snake.load(w, "snake1", channels),
                Conv1d.load(w, "conv1", channels, channels, 7, dilation),
                Snake.load(w, "snake2", channels),
                Conv1d.load(w, "conv2", channels, channels, 1, 1));
    }

    public int dilation() { return conv1.dilation(); }

    public long parameters() {
        return snake1.channels() + conv1.parameters() + snake2.channels() + conv2.parameters();
    }
}
