package io.github.dac4j.core.program;

import io.github.dac4j.core.Backend;

import java.util.List;

/**
 * The encoder's input: the step's audio from the host, {@code audio:[streams, n * hop] -> out rows [outRow, outRow + n * hop)}
 * of one channel (zeros past a stream's end: the right padding to a whole frame).
 *
 * @param stage  the source stage (audio at {@code hop} rows per frame)
 * @param out    the first stage's input window
 * @param outRow first row written: after that stage's history
 */
public record UploadAudio(Stage stage, ArenaBuffer out, int outRow) implements Op {
    @Override public String label() { return "upload-audio"; }

    @Override public List<ArenaBuffer> reads() { return List.of(); }

    @Override public List<ArenaBuffer> writes() { return List.of(out); }

    @Override public void run(Backend backend, Step step) {
        if (step.frames() > 0) backend.uploadAudio(this, step.streams(), step.audio(), stage.outputRows(step.frames()));
    }
}
