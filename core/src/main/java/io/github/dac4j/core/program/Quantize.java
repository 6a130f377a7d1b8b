package io.github.dac4j.core.program;

import io.github.dac4j.core.Backend;
import io.github.dac4j.core.model.ResidualQuantizer;

import java.util.List;

/**
 * Residual vector quantization of this step's latents ({@link ResidualQuantizer}): rows {@code [0, n)} of
 * {@code latents} -> the step's host codes {@code [streams, K, n]}; the latents stay as they are. Each frame's codes
 * depend on that frame's latents only, in a fixed order of sums, so streaming gives the codes of a whole encode.
 *
 * @param stage     the last stage (its outputs are the latents, one row per frame)
 * @param quantizer in_proj, normalised codebooks and tables
 * @param latents   {@code [streams, stepFrames, latent]}
 * @param codes     device room for the codes, int32 {@code [streams, K, stepFrames]} (a device backend computes there)
 */
public record Quantize(Stage stage, ResidualQuantizer quantizer, ArenaBuffer latents, ArenaBuffer codes) implements Op {
    @Override public String label() { return "quantize quantizer"; }

    @Override public List<ArenaBuffer> reads() { return List.of(latents); }

    @Override public List<ArenaBuffer> writes() { return List.of(codes); }

    @Override public void run(Backend backend, Step step) {
        int n = step.neededOutputRows(stage);
        if (n > 0) backend.quantize(this, step.streams(), n, step.frames(), step.encoded());
    }
}
