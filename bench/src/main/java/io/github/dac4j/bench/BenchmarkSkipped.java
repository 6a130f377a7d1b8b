package io.github.dac4j.bench;

/**
 * Thrown from a benchmark's setup when its backend cannot run on this machine (no GPU, no CUDA backend on the
 * class path). JMH then reports that one parameter combination as failed, with this one-line message and no
 * score, and goes on with the others: a skipped benchmark never produces a number. The stack trace is left
 * out on purpose: the message is the whole story.
 */
public final class BenchmarkSkipped extends RuntimeException {
    /** A skip with its one-line reason, e.g. {@code "backend=cuda cannot run here: ..."}; no stack trace is recorded. */
    public BenchmarkSkipped(String message) {
        super(message, null, false, false);
    }

    @Override public String toString() { return "SKIPPED: " + getMessage(); }
}
