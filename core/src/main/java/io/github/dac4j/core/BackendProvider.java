package io.github.dac4j.core;

import java.util.Optional;

/**
 * A kind of backend, found with {@link java.util.ServiceLoader}: core names no device library; the CUDA
 * backend registers itself from the {@code kernels} module.
 */
public interface BackendProvider {

    /** {@code cpu} or {@code cuda}. */
    String name();

    /** Preference for {@code --device auto}: the highest usable one wins. */
    int priority();

    /** Empty if this backend can run here; else one line saying what is missing. */
    Optional<String> unavailableReason();

    /** A new backend instance. */
    Backend create(Precision precision);

    /**
     * Starts in the background what {@link #create} and the first prepare will wait for (the CPU backend: the JIT
     * warm-up of its kernels), so that it overlaps the caller's own work, such as reading a checkpoint; returns at
     * once. By default nothing.
     */
    default void warmUp() {}
}
