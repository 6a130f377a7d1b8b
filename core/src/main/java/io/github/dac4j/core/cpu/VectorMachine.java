package io.github.dac4j.core.cpu;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;

/**
 * What the CPU and the JIT offer the Vector API kernels, from the architecture and HotSpot's flags (which say what
 * the JIT found on the CPU, or what {@code -XX:UseAVX}, {@code -XX:MaxVectorSize} or {@code -XX:-UseFMA} narrowed it
 * to). On a JVM without HotSpot's diagnostic bean the answers fall back to the architecture alone.
 */
final class VectorMachine {
    private VectorMachine() {}

    private static final String ARCH = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);

    /** True on x86-64. */
    static boolean x86() { return ARCH.equals("amd64") || ARCH.equals("x86_64"); }

    /**
     * Vector registers the JIT allocates, given the preferred vector's float lanes: 32 on x86 with AVX-512 in use
     * ({@code UseAVX} 3: EVEX encodes 32, also for 256-bit vectors; where the flag cannot be read, 16 lanes tell) and on
     * AArch64 (NEON and SVE); 16 on x86 otherwise (AVX2 and older) and elsewhere.
     */
    static int registers(int lanes) {
        if (x86()) return flag("UseAVX").map(Integer::parseInt).orElse(lanes >= 16 ? 3 : 0) >= 3 ? 32 : 16;
        return ARCH.equals("aarch64") ? 32 : 16;
    }

    /** Whether C2 emits fused multiply-adds ({@code UseFMA}); assumed so where the flag cannot be read. */
    static boolean fusedMultiplyAdd() {
        return flag("UseFMA").map(Boolean::parseBoolean).orElse(true);
    }

    /** A HotSpot flag's value, if this JVM has the flag and the bean that reads it. */
    private static Optional<String> flag(String name) {
        try {
            return Optional.of(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption(name).getValue());
        } catch (RuntimeException | LinkageError e) {   // no such flag, no bean, or no jdk.management module
            return Optional.empty();
        }
    }
}
