package io.github.dac4j.core.program;

import java.util.List;

/**
 * The arena scratch a backend needs beside an op's own buffers (the CUDA backend's Snake output and cuDNN workspace,
 * for instance), computable without a device so that a plan made anywhere is the plan the device allocates. Each
 * request is live during its op only, so the planner lets the scratch of different ops share bytes.
 */
@FunctionalInterface
public interface ScratchPolicy {
    /** No scratch: the CPU backend keeps its per-thread scratch on the heap. */
    ScratchPolicy NONE = (op, stepFrames, activationBytes) -> List.of();

    /**
     * The scratch {@code op} needs in a program of {@code stepFrames}-frame steps, for activations of
     * {@code activationBytes} each: enough for the largest step.
     */
    List<Scratch> scratch(Op op, int stepFrames, int activationBytes);

    /**
     * One scratch request.
     *
     * @param name  what it is for, unique among one op's requests, e.g. {@code snake} or {@code cudnn}
     * @param bytes its size (> 0)
     */
    record Scratch(String name, long bytes) {
        /** Checks the size. */
        public Scratch {
            if (bytes <= 0) throw new IllegalArgumentException("scratch " + name + ": size must be positive, got " + bytes);
        }
    }
}
