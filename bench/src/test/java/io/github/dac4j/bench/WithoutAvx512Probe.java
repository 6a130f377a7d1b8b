package io.github.dac4j.bench;

import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link WithoutAvx512Test}: prints what this JVM and its libraries chose from the CPU's
 * features (HotSpot's UseAVX, dac4j's kernels), decodes the tiny-s12 case with dac4j and ONNX Runtime (whose MLAS asks
 * CPUID after the JVM has installed its signal handlers), and throws and catches null pointer exceptions in compiled
 * code (HotSpot's implicit null checks are SIGSEGVs it handles itself).
 */
public final class WithoutAvx512Probe {
    private WithoutAvx512Probe() { }

    public static void main(String[] args) throws Exception {
        var hotspot = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
        System.out.println("UseAVX=" + hotspot.getVMOption("UseAVX").getValue());
        Path dir = Path.of(args[0]);
        int[][][] codes = OrtDecoderTest.codes(dir.resolve("tiny-s12.codes.npy"));
        float[][] ours;
        try (Decoder decoder = Decoder.open(dir.resolve("tiny-s12.safetensors"), DecoderOptions.defaults().withDevice("cpu").withBatch(codes.length))) {
            System.out.println("device=" + decoder.device());
            ours = decoder.decode(codes);
        }
        try (OrtDecoder ort = OrtDecoder.open(dir.resolve("tiny-s12.onnx"), 1)) {
            System.out.println("ort-error=" + OrtDecoder.relativeError(ort.decode(codes), ours));
        }
        int thrown = 0, length = 0;
        for (int i = 0; i < 200_000; i++) {
            try {
                length += (i % 1000 == 0 ? null : "x").length();   // one null in a thousand: 200 exceptions
            } catch (NullPointerException e) {
                thrown++;
            }
        }
        System.out.println("null-checks=" + thrown + "/" + length);
    }
}
