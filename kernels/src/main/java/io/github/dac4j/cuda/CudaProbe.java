package io.github.dac4j.cuda;

import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;
import jcuda.jcudnn.JCudnn;

import java.util.Locale;
import java.util.Optional;

/**
 * Finds out, once per JVM, whether the CUDA backend can run: JCuda's driver natives load (they need
 * {@code libcuda.so.1}), {@code cuInit} finds a device, and JCudnn's natives load (they need {@code libcudnn.so.9}).
 * Every failure is caught, {@link Throwable} included (a missing native library is a {@link LinkageError}), and
 * turned into one line.
 */
final class CudaProbe {
    private CudaProbe() {}

    private static Optional<String> reason;
    private static String description = "";

    /** Empty if the backend can run; else what is missing, in one line. */
    static synchronized Optional<String> reason() {
        if (reason == null) reason = probe();
        return reason;
    }

    /** The driver and cuDNN versions found, for {@code device()} strings; empty before a successful probe. */
    static synchronized String description() { return description; }

    private static Optional<String> probe() {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
        } catch (Throwable t) {
            String text = oneLine(t);
            if (text.contains("libcuda") || t instanceof LinkageError) {
                return Optional.of(text.contains("libcuda")
                        ? "no CUDA driver (libcuda.so.1 not found)"
                        : "no CUDA driver (JCuda driver natives did not load: " + text + ")");
            }
            if (text.contains("CUDA_ERROR_NO_DEVICE")) return Optional.of("no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE)");
            return Optional.of("CUDA driver unusable (cuInit: " + text + ")");
        }
        int[] version = new int[1];
        try {
            int[] count = new int[1];
            JCudaDriver.cuDeviceGetCount(count);
            if (count[0] == 0) return Optional.of("no CUDA device (cuDeviceGetCount = 0)");
            JCudaDriver.cuDriverGetVersion(version);
            CUdevice device = new CUdevice();
            JCudaDriver.cuDeviceGet(device, 0);
        } catch (Throwable t) {
            return Optional.of("no usable CUDA device (" + oneLine(t) + ")");
        }
        long cudnn;
        try {
            cudnn = JCudnn.cudnnGetVersion();
        } catch (Throwable t) {
            String text = oneLine(t);
            return Optional.of(text.contains("libcudnn")
                    ? "cuDNN 9 not found (libcudnn.so.9 not on LD_LIBRARY_PATH)"
                    : "cuDNN natives did not load (" + text + ")");
        }
        if (cudnn < 90000) return Optional.of("cuDNN " + cudnn + " found, the JCudnn natives need cuDNN 9");
        description = String.format(Locale.ROOT, "CUDA driver %d.%d, cuDNN %d.%d.%d", version[0] / 1000, version[0] % 1000 / 10,
                cudnn / 10000, cudnn / 100 % 100, cudnn % 100);
        return Optional.empty();
    }

    /** A throwable's message as one short line (JCuda's native-loading messages span many lines). */
    static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        // the most specific line: the one naming a missing library, else the first
        String pick = null;
        for (String line : m.split("\\R")) {
            String l = line.trim();
            if (l.isEmpty()) continue;
            if (pick == null) pick = l;
            if (l.contains("cannot open shared object file") || l.contains(".so")) { pick = l; break; }
        }
        if (pick == null) pick = t.getClass().getSimpleName();
        return pick.length() > 200 ? pick.substring(0, 200) + "..." : pick;
    }
}
