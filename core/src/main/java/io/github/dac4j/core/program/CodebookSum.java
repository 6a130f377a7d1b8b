package io.github.dac4j.core.program;

import io.github.dac4j.core.Backend;
import io.github.dac4j.core.model.Quantizer;

import java.util.List;

/**
 * The quantizer's decode side: {@code codes:[streams, K, n] -> out rows [outRow, outRow + n)},
 * {@code out[b, outRow + t, :] = sum_{k < K} table_k[codes[b, k, t], :]}. The codes come from the host (the step's),
 * staged in {@code codes} on the device.
 *
 * @param quantizer the folded codebook tables
 * @param codes     device staging for the step's codes, int32 {@code [streams, K, stepFrames]}
 * @param out       the first stage's input buffer
 * @param outRow    first row written: after that stage's history
 */
public record CodebookSum(Quantizer quantizer, ArenaBuffer codes, ArenaBuffer out, int outRow) implements Op {
    @Override public String label() { return "codebook-sum quantizer"; }

    @Override public List<ArenaBuffer> reads() { return List.of(codes); }

    @Override public List<ArenaBuffer> writes() { return List.of(codes, out); }

    @Override public void run(Backend backend, Step step) {
        if (step.frames() > 0) backend.codebookSum(this, step.streams(), step.codes(), step.codebooks(), step.frames());
    }
}
