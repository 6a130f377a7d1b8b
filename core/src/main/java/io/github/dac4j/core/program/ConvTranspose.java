package io.github.dac4j.core.program;

import io.github.dac4j.core.Backend;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.Snake;

import java.util.List;

/**
 * A transposed convolution (kernel 2s, stride s, padding p = ceil(s/2)) as s phases over a 3-row window: input rows
 * {@code [0, n + 2)} of {@code in} (the row before, n rows, the row after) give output rows
 * {@code [outRow, outRow + n*s)}; output row {@code q*s + r} reads input rows {@code q + {0, 1, 2}} through taps
 * {@code r + p + s}, {@code r + p}, {@code r + p - s}, where those lie in {@code [0, 2s)}. {@code pre} = the Snake
 * {@code prologue}, applied to the input. {@code x:[n + 2, cin] -> [n*s, cout]}.
 *
 * @param stage    the stage whose outputs it computes
 * @param conv     the layer's weights
 * @param prologue Snake applied to the input, or null
 * @param in       the window
 * @param out      the output buffer
 * @param outRow   first row written
 */
public record ConvTranspose(Stage stage, ConvTranspose1d conv, Snake prologue, ArenaBuffer in, ArenaBuffer out, int outRow)
        implements Op {
    @Override public String label() { return "conv-transpose " + conv.name(); }

    @Override public List<ArenaBuffer> reads() { return List.of(in); }

    @Override public List<ArenaBuffer> writes() { return List.of(out); }

    @Override public void run(Backend backend, Step step) {
        int n = rows(step), skip = skippedRows(step);
        if (n > skip) backend.convTranspose(this, step.streams(), Math.floorDiv(stage.firstOutput(step.start()), conv.stride()), skip, n);
    }

    /** Input rows {@code [0, n)} of this op in {@code step}, each giving {@code stride} output rows. */
    public int rows(Step step) { return (step.neededOutputRows(stage) + conv.stride() - 1) / conv.stride(); }

    /** Leading input rows of those that need not be computed: all their outputs lie before every stream's start. */
    public int skippedRows(Step step) { return Math.min(rows(step), step.skippedOutputRows(stage) / conv.stride()); }
}
