package io.github.dac4j.core.program;

import io.github.dac4j.core.Backend;

import java.util.List;

/**
 * Zeroes the rows of a stage's output that lie outside each stream: before position 0 (the warm-up of the first
 * steps) and at or past the stream's valid length once it has ended. This is exactly the zero padding a whole
 * sequence sees, which makes streaming exact. The stage's outputs of this step are rows
 * {@code [row, row + outputRows(n))} of {@code buffer}; rows a flush step did not compute lie past every end and
 * are zeroed too.
 *
 * @param stage  the stage whose output this is
 * @param buffer where the output lies (the next stage's input window)
 * @param row    the row of the step's first output
 */
public record MaskRows(Stage stage, ArenaBuffer buffer, int row) implements Op {
    @Override public String label() { return "mask " + stage.name(); }

    @Override public List<ArenaBuffer> reads() { return List.of(); }

    @Override public List<ArenaBuffer> writes() { return List.of(buffer); }

    @Override public void run(Backend backend, Step step) {
        long first = stage.firstOutput(step.start());
        int count = stage.outputRows(step.frames()), before = step.skippedOutputRows(stage);
        for (int b = 0; b < step.streams(); b++) {
            if (before > 0) backend.zeroRows(buffer, b, row, before);
            if (step.ended(b)) {
                long from = Math.max(before, stage.outputLength(step.length(b)) - first);
                if (from < count) backend.zeroRows(buffer, b, row + (int) from, (int) (count - from));
            }
        }
    }
}
