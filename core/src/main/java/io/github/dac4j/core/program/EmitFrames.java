package io.github.dac4j.core.program;

import io.github.dac4j.core.Backend;

import java.util.List;

/**
 * Hands each stream's new valid frames to the step's frame sink: this step's frame positions
 * {@code [first, first + n)}, of which those not yet handed out and before the stream's end, with their codes (the
 * step's host codes) and latents (rows of {@code latents}).
 *
 * @param stage   the last stage
 * @param latents the latents buffer, {@code [streams, stepFrames, latent]}
 */
public record EmitFrames(Stage stage, ArenaBuffer latents) implements Op {
    @Override public String label() { return "emit-frames"; }

    @Override public List<ArenaBuffer> reads() { return List.of(latents); }

    @Override public List<ArenaBuffer> writes() { return List.of(); }

    @Override public void run(Backend backend, Step step) {
        step.emitFrames(latents, stage.firstOutput(step.start()), stage.outputRows(step.frames()), stage);
    }
}
