package io.github.dac4j.core.cpu;

import io.github.dac4j.core.Backend;
import io.github.dac4j.core.BackendProvider;
import io.github.dac4j.core.Precision;

import java.util.Optional;

/** The CPU backend: always available, float32 only, one worker per core. */
public final class CpuBackendProvider implements BackendProvider {
    @Override public String name() { return "cpu"; }

    @Override public int priority() { return 0; }

    @Override public Optional<String> unavailableReason() { return Optional.empty(); }

    @Override public Backend create(Precision precision) {
        if (precision != Precision.FP32) {
            throw new IllegalArgumentException("the CPU backend computes in fp32; fp16 needs --device cuda");
        }
        return new CpuBackend(threads());
    }

    /**
     * Starts the JIT warm-up of the kernels this JVM's CPU backends run ({@link WarmUp}) on a thread of its own. The
     * first CPU backend's prepare awaits it; started before a checkpoint is read, it runs while the file is read.
     * Once per JVM; {@code dac4j.cpu.warmup=false} skips it.
     */
    @Override public void warmUp() { WarmUp.start(Kernels.best()); }

    /** Workers: the {@code dac4j.cpu.threads} system property, else one per available core. */
    static int threads() {
        int cores = Runtime.getRuntime().availableProcessors();
        String property = System.getProperty("dac4j.cpu.threads");
        if (property == null || property.isBlank()) return cores;
        try {
            int n = Integer.parseInt(property.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("dac4j.cpu.threads must be a positive integer, got '" + property + "'");
    }
}
