package io.github.dac4j.core.program;

import io.github.dac4j.core.Backend;

import java.util.List;

/**
 * {@code history:[streams, rows, C] -> in rows [0, rows)}: the rows a stage kept from the step before go in front of
 * its new input rows, so the stage reads one contiguous window.
 *
 * @param stage   the stage whose window this is
 * @param history the kept rows
 * @param in      the stage's input window
 */
public record RestoreHistory(Stage stage, ArenaBuffer history, ArenaBuffer in) implements Op {
    @Override public String label() { return "restore-history " + stage.name(); }

    @Override public List<ArenaBuffer> reads() { return List.of(history); }

    @Override public List<ArenaBuffer> writes() { return List.of(in); }

    @Override public void run(Backend backend, Step step) {
        if (stage.history() > 0) backend.copyRows(step.streams(), history, 0, in, 0, stage.history());
    }
}
