package io.github.dac4j.cuda;

import io.github.dac4j.core.Precision;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** GPU test support: skip cleanly where the CUDA backend cannot run, run for real where it can. */
final class Gpu {
    private Gpu() {}

    /** fp32 on the GPU against a float32 or float64 reference. */
    static final double FP32_TOLERANCE = 1e-5;
    /** fp16 activations and weights, fp32 accumulation: about 11 bits per rounding. */
    static final double FP16_TOLERANCE = 5e-3;

    static double tolerance(Precision p) { return p == Precision.FP16 ? FP16_TOLERANCE : FP32_TOLERANCE; }

    /** Skips the calling test unless the CUDA backend is usable here. */
    static void assume() {
        var reason = new CudaBackendProvider().unavailableReason();
        assumeTrue(reason.isEmpty(), () -> "no GPU: " + reason.orElse(""));
    }
}
