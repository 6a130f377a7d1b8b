package io.github.dac4j.cli;

import io.github.dac4j.core.Decoder;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * One updating stderr line, {@code decoding: 37% (1234/3400 frames, 2.1x realtime)}, shown only on a terminal
 * and only once a decode has run a while, so that short decodes and redirected output stay clean.
 */
final class Progress implements Decoder.Progress {
    private final PrintWriter err;
    private final long startNanos = System.nanoTime();
    private final long afterNanos;
    private final double secondsPerFrame;
    private long lastPrint;
    private boolean shown;

    Progress(PrintWriter err, long afterNanos, int hop, int sampleRate) {
        this.err = err;
        this.afterNanos = afterNanos;
        this.secondsPerFrame = hop / (double) sampleRate;
    }

    @Override public void update(long framesDone, long framesTotal) {
        long now = System.nanoTime();
        long elapsed = now - startNanos;
        boolean last = framesDone >= framesTotal;
        if (elapsed < afterNanos) return;
        if (!last && shown && now - lastPrint < 100_000_000L) return; // ten updates a second is plenty
        lastPrint = now;
        shown = true;
        double realtime = framesDone * secondsPerFrame / Math.max(1e-9, elapsed / 1e9);
        err.print(String.format(Locale.ROOT, "\rdecoding: %d%% (%d/%d frames, %.1fx realtime)",
                framesTotal == 0 ? 100 : framesDone * 100 / framesTotal, framesDone, framesTotal, realtime));
        err.flush();
    }

    /** Ends the line if one was shown. */
    void finish() {
        if (shown) {
            err.println();
            err.flush();
        }
    }
}
