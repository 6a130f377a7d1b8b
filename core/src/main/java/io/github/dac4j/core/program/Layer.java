package io.github.dac4j.core.program;

import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.ResidualUnit;
import io.github.dac4j.core.model.Snake;

import java.util.List;

/** One layer of a graph: its stage timing and the ops that compute its output rows from its window. */
sealed interface Layer {
    Stage stage();

    /** True if it needs a buffer of its input's shape for an inner activation ({@code tmp.<stage>}). */
    default boolean needsTemp() { return false; }

    /** {@code in:[history + n * inRate, cin] -> out rows [outRow, outRow + n * outRate)}. */
    List<Op> compute(ArenaBuffer in, ArenaBuffer tmp, ArenaBuffer out, int outRow);

    /** {@code prologue}, "same" conv, optional tanh: decoder.conv1, decoder.snake1 + conv2 + tanh. */
    record ConvLayer(Stage stage, Conv1d conv, Snake prologue, boolean tanh) implements Layer {
        @Override public List<Op> compute(ArenaBuffer in, ArenaBuffer tmp, ArenaBuffer out, int outRow) {
            return List.of(new Conv(stage, conv, prologue, in, out, outRow, null, 0, tanh));
        }
    }

    /** decoder.block.B.snake1 + conv_t1: upsampling by the stride. */
    record UpsampleLayer(Stage stage, Snake snake, ConvTranspose1d conv) implements Layer {
        @Override public List<Op> compute(ArenaBuffer in, ArenaBuffer tmp, ArenaBuffer out, int outRow) {
            return List.of(new ConvTranspose(stage, conv, snake, in, out, outRow));
        }
    }

    /** encoder.block.N.snake1 + conv1: kernel 2s, stride s, downsampling by s. */
    record DownsampleLayer(Stage stage, Snake snake, Conv1d conv) implements Layer {
        @Override public List<Op> compute(ArenaBuffer in, ArenaBuffer tmp, ArenaBuffer out, int outRow) {
            return List.of(Conv.of(stage, conv, snake, in, out, outRow));
        }
    }

    /**
     * {@code x + conv2(snake2(conv1(snake1(x))))}: conv1 into {@code tmp}, then conv2 adds the residual, which for
     * output row t is window row {@code t + padding} of the same window (no delay buffer needed).
     */
    record ResidualLayer(Stage stage, ResidualUnit unit) implements Layer {
        @Override public boolean needsTemp() { return true; }

        @Override public List<Op> compute(ArenaBuffer in, ArenaBuffer tmp, ArenaBuffer out, int outRow) {
            return List.of(
                    Conv.of(stage, unit.conv1(), unit.snake1(), in, tmp, 0),
                    new Conv(stage, unit.conv2(), unit.snake2(), tmp, out, outRow, in, unit.conv1().padding(), false));
        }
    }
}
