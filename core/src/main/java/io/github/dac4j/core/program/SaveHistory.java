package io.github.dac4j.core.program;

import io.github.dac4j.core.Backend;

import java.util.List;

/**
 * {@code in rows [n * inRate, n * inRate + history) -> history}: the last rows of a stage's window, kept for the next
 * step (they are the first rows of its window).
 *
 * @param stage   the stage whose window this is
 * @param in      the stage's input window
 * @param history where the rows are kept
 */
public record SaveHistory(Stage stage, ArenaBuffer in, ArenaBuffer history) implements Op {
    @Override public String label() { return "save-history " + stage.name(); }

    @Override public List<ArenaBuffer> reads() { return List.of(in); }

    @Override public List<ArenaBuffer> writes() { return List.of(history); }

    @Override public void run(Backend backend, Step step) {
        if (stage.history() > 0) backend.copyRows(step.streams(), in, stage.inputRows(step.frames()), history, 0, stage.history());
    }
}
