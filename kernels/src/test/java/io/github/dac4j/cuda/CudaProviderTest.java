package io.github.dac4j.cuda;

import io.github.dac4j.core.BackendProvider;
import io.github.dac4j.core.BackendUnavailableException;
import io.github.dac4j.core.Backends;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The provider's behaviour on a machine without a usable GPU (skipped where a GPU works). */
class CudaProviderTest {

    @Test
    void registeredWithServiceLoaderAboveTheCpu() {
        BackendProvider first = Backends.providers().get(0);
        assertEquals("cuda", first.name());
        assertEquals(10, first.priority());
        assertTrue(Backends.providers().stream().anyMatch(p -> p.name().equals("cpu")));
    }

    @Test
    void reasonIsOneLineAndNeverThrows() {
        Optional<String> reason = new CudaBackendProvider().unavailableReason();
        assumeTrue(reason.isPresent(), "a GPU is usable here");
        String r = reason.get();
        System.out.println("cuda unavailable: " + r);
        assertFalse(r.isBlank());
        assertFalse(r.contains("\n") || r.contains("\r"), "one line: " + r);
        assertTrue(r.length() <= 240, "short: " + r);
        assertTrue(r.contains("CUDA") || r.contains("cuDNN"), "names what is missing: " + r);
        // asking again gives the same answer and still does not throw
        assertEquals(reason, new CudaBackendProvider().unavailableReason());
    }

    @Test
    void namedCudaFailsWithAHintAndAutoFallsBackToTheCpu() {
        Optional<String> reason = new CudaBackendProvider().unavailableReason();
        assumeTrue(reason.isPresent(), "a GPU is usable here");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.open("cuda", null));
        assertTrue(e.getMessage().contains("--device cpu"), e.getMessage());
        assertTrue(e.getMessage().contains(reason.get()), e.getMessage());
        Backends.Selection s = Backends.open("auto", null);
        try {
            assertEquals("cpu", s.backend().name());
            assertTrue(s.note().contains(reason.get()), s.note());
        } finally {
            s.backend().close();
        }
        assertThrows(BackendUnavailableException.class, () -> new CudaBackendProvider().create(io.github.dac4j.core.Precision.FP16));
    }
}
