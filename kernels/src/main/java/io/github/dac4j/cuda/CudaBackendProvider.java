package io.github.dac4j.cuda;

import io.github.dac4j.core.Backend;
import io.github.dac4j.core.BackendProvider;
import io.github.dac4j.core.BackendUnavailableException;
import io.github.dac4j.core.Precision;

import java.util.Optional;

/**
 * The CUDA backend for {@link io.github.dac4j.core.Backends}: preferred over the CPU ({@code priority 10}) when a
 * CUDA driver, a device and cuDNN 9 are all present. Probing never throws and never takes the JVM down: a missing
 * native library is a one-line reason, such as {@code no CUDA driver (libcuda.so.1 not found)}.
 */
public final class CudaBackendProvider implements BackendProvider {
    @Override public String name() { return "cuda"; }

    @Override public int priority() { return 10; }

    @Override public Optional<String> unavailableReason() { return CudaProbe.reason(); }

    /**
     * A new CUDA backend at {@code precision} (fp16 or fp32).
     *
     * @throws BackendUnavailableException if the GPU cannot be set up (no device, the PTX rejected by the driver)
     */
    @Override public Backend create(Precision precision) {
        Optional<String> reason = CudaProbe.reason();
        if (reason.isPresent()) throw new BackendUnavailableException("cuda is unavailable: " + reason.get() + "; --device cpu works");
        try {
            return new CudaBackend(precision, 0);
        } catch (BackendUnavailableException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw new BackendUnavailableException("cuda is unavailable: " + CudaProbe.oneLine(e) + "; --device cpu works", e);
        }
    }
}
