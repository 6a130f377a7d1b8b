package io.github.dac4j.core.cpu;

/** Test access to CPU backends with a named kernel implementation ({@code reference}, {@code java}, {@code vector}, {@code vector-direct}). */
public final class CpuBackends {
    private CpuBackends() {}

    /** The implementations this JVM can run: reference and java always, vector and vector-direct when the module is resolved. */
    public static java.util.List<String> available() {
        return Kernels.vectorAvailable() ? java.util.List.of("reference", "java", "vector", "vector-direct") : java.util.List.of("reference", "java");
    }

    /** A backend of {@code threads} workers running the {@code kernels} implementation. */
    public static CpuBackend with(String kernels, int threads) {
        String before = System.getProperty(Kernels.PROPERTY);
        System.setProperty(Kernels.PROPERTY, kernels);
        try {
            return new CpuBackend(threads, Kernels.best());
        } finally {
            if (before == null) System.clearProperty(Kernels.PROPERTY); else System.setProperty(Kernels.PROPERTY, before);
        }
    }

    /** Sets rows {@code [fromRow, fromRow + rows)} of one stream of {@code dst} in {@code backend}'s arena to {@code value}. */
    public static void fill(CpuBackend backend, io.github.dac4j.core.program.ArenaBuffer dst, int stream, int fromRow, int rows, float value) {
        backend.fillRows(dst, stream, fromRow, rows, value);
    }
}
