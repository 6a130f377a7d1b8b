package io.github.dac4j.core.program;

import io.github.dac4j.core.Backend;
import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.Snake;

import java.util.ArrayList;
import java.util.List;

/**
 * A valid convolution over a stage's window: for {@code n} output rows it reads input rows
 * {@code [0, (n - 1) * stride + span + 1)} of {@code in} and writes rows {@code [outRow, outRow + n)} of {@code out}:
 * {@code out[b, outRow + t, o] = act(bias[o] + sum_{j, c} W[o, c, j] * pre(in[b, t*stride + j*d, c]) + residual[b, residualRow + t, o])}
 * with {@code pre} = the Snake {@code prologue} (identity when null), the residual term only when {@code residual} is
 * not null, and {@code act} = tanh when {@code tanh}, else identity. {@code x:[(n - 1) s + span + 1, cin] -> [n, cout]}
 * (s = 1 but in the encoder's downsampling layers).
 *
 * @param stage       the stage whose outputs it computes ({@link Step#neededOutputRows} gives n, {@link Step#skippedOutputRows} the rows before
 *                    every start, which need not be computed)
 * @param conv        the layer's weights
 * @param prologue    Snake applied to the input, or null
 * @param in          the window
 * @param out         the output buffer
 * @param outRow      first row written
 * @param residual    added to the result, or null
 * @param residualRow row of {@code residual} that goes with output row 0
 * @param tanh        apply tanh last
 */
public record Conv(Stage stage, Conv1d conv, Snake prologue, ArenaBuffer in, ArenaBuffer out, int outRow,
                   ArenaBuffer residual, int residualRow, boolean tanh) implements Op {

    /** A convolution without residual or tanh. */
    public static Conv of(Stage stage, Conv1d conv, Snake prologue, ArenaBuffer in, ArenaBuffer out, int outRow) {
        return new Conv(stage, conv, prologue, in, out, outRow, null, 0, false);
    }

    @Override public String label() { return "conv " + conv.name(); }

    @Override public List<ArenaBuffer> reads() {
        List<ArenaBuffer> r = new ArrayList<>(List.of(in));
        if (residual != null) r.add(residual);
        return r;
    }

    @Override public List<ArenaBuffer> writes() { return List.of(out); }

    @Override public void run(Backend backend, Step step) {
        int n = rows(step), skip = skippedRows(step);
        if (n > skip) backend.conv(this, step.streams(), stage.firstOutput(step.start()), skip, n);
    }

    /** Output rows {@code [0, n)} of this op in {@code step}. */
    public int rows(Step step) { return step.neededOutputRows(stage); }

    /** Leading rows of those that need not be computed: they lie before every stream's start. */
    public int skippedRows(Step step) { return Math.min(rows(step), step.skippedOutputRows(stage)); }
}
