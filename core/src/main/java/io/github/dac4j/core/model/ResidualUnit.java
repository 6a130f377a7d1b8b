package io.github.dac4j.core.model;

import io.github.dac4j.weights.Weights;
import io.github.dac4j.weights.WeightsException;

/**
 * {@code decoder.block.B.res_unitR}: {@code x:[T, C] -> x + conv2(snake2(conv1(snake1(x)))) : [T, C]};
 * conv1 kernel 7 with dilation 1, 3 or 9, conv2 kernel 1.
 *
 * @param snake1 {@code decoder.block.B.res_unitR.snake1}, over C channels
 * @param conv1  {@code decoder.block.B.res_unitR.conv1}: {@code [C, C, 7]}, dilated
 * @param snake2 {@code decoder.block.B.res_unitR.snake2}, over C channels
 * @param conv2  {@code decoder.block.B.res_unitR.conv2}: {@code [C, C, 1]}
 */
public record ResidualUnit(Snake snake1, Conv1d conv1, Snake snake2, Conv1d conv2) {

    /**
     * Loads {@code snake1}, {@code conv1}, {@code snake2} and {@code conv2} under {@code w}, a view such as
     * {@code decoder.block.2.res_unit3}, for {@code channels} C and {@code conv1}'s {@code dilation}.
     *
     * @throws WeightsException if a tensor is missing or has another shape
     */
    public static ResidualUnit load(Weights w, int channels, int dilation) throws WeightsException {
        return new ResidualUnit(
                Snake.load(w, "snake1", channels),
                Conv1d.load(w, "conv1", channels, channels, 7, dilation),
                Snake.load(w, "snake2", channels),
                Conv1d.load(w, "conv2", channels, channels, 1, 1));
    }

    /** {@code conv1}'s dilation (1, 3 or 9): its window spans {@code 6 * dilation + 1} rows. */
    public int dilation() { return conv1.dilation(); }

    /** Parameters of both Snakes and both convolutions. */
    public long parameters() {
        return snake1.channels() + conv1.parameters() + snake2.channels() + conv2.parameters();
    }
}
