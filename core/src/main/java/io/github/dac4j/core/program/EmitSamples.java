package io.github.dac4j.core.program;

import io.github.dac4j.core.Backend;

import java.util.List;

/**
 * Hands each stream's new valid samples to the step's sink, where they lie in {@code samples}: this step's output
 * positions {@code [first, first + n * hop)}, of which those not yet handed out and before the stream's end.
 *
 * @param stage   the last stage (its outputs are the samples)
 * @param samples the samples buffer, {@code [streams, stepFrames * hop, 1]}
 */
public record EmitSamples(Stage stage, ArenaBuffer samples) implements Op {
    @Override public String label() { return "emit-samples"; }

    @Override public List<ArenaBuffer> reads() { return List.of(samples); }

    @Override public List<ArenaBuffer> writes() { return List.of(); }

    @Override public void run(Backend backend, Step step) {
        step.emit(samples, stage.firstOutput(step.start()), stage.outputRows(step.frames()), stage);
    }
}
