package io.github.dac4j.cuda;

import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.testing.Numerics;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.program.CodebookSum;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.weights.DacConfig;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device memory: nothing leaks across open/decode/close, and an arena that cannot fit fails clearly. Skipped without a GPU. */
class CudaMemoryTest {
    @BeforeEach
    void gpu() { Gpu.assume(); }

    /** Free device memory, seen through the primary context (which the caller keeps retained). */
    private static long free() {
        long[] free = new long[1], total = new long[1];
        JCudaDriver.cuMemGetInfo(free, total);
        return free[0];
    }

    @Test
    void hundredOpenDecodeCloseCyclesReturnToBaseline() throws Exception {
        DacConfig config = DacConfig.small();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, 41));
        int[][][] codes = DacSynth.codes(config, 2, config.nCodebooks(), 20, 42);
        CUdevice device = new CUdevice();
        CUcontext context = new CUcontext();
        JCudaDriver.setExceptionsEnabled(true);
        JCudaDriver.cuInit(0);
        JCudaDriver.cuDeviceGet(device, 0);
        // Keep the primary context alive for the whole test: without this it would be destroyed at each close,
        // and cuMemGetInfo would see a fresh context every time (cuDNN's lazily loaded kernels included).
        JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        try {
            JCudaDriver.cuCtxSetCurrent(context);
            DecoderOptions options = DecoderOptions.defaults().withDevice("cuda").withBatch(2).withStepFrames(8);
            // warm-up of both precisions: cuDNN loads each precision's kernels once, lazily; unwarmed fp32 would look like a leak
            for (Precision p : Precision.values()) {
                try (Decoder d = Decoder.open(model, options.withPrecision(p))) { d.decode(codes); }
            }
            JCudaDriver.cuCtxSetCurrent(context);
            long baseline = free();
            for (int i = 0; i < 100; i++) {
                try (Decoder d = Decoder.open(model, options.withPrecision(i % 2 == 0 ? Precision.FP16 : Precision.FP32))) {
                    d.decode(codes);
                }
            }
            JCudaDriver.cuCtxSetCurrent(context);
            long after = free();
            System.out.printf("free device memory: baseline %d, after 100 cycles %d (difference %d bytes)%n", baseline, after, baseline - after);
            // a leak of one arena or one weight set per cycle would be > 100 x 100 KiB
            assertTrue(after >= baseline - (4L << 20), "device memory leaked: " + (baseline - after) + " bytes over 100 cycles");
        } finally {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }
    }

    /**
     * Serving several decoders on one GPU: backends on one context and model hold one device copy of the weights,
     * freed with the last of them. Prints the figure.
     */
    @Test
    void decodersOnOneContextShareOneCopyOfTheWeights() throws Exception {
        DacConfig config = DacConfig.small();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, 45));
        int[][][] codes = DacSynth.codes(config, 1, config.nCodebooks(), 12, 46);
        DecoderOptions options = DecoderOptions.defaults().withDevice("cuda").withPrecision(Precision.FP16).withStepFrames(8);
        CUdevice device = new CUdevice();
        CUcontext context = new CUcontext();
        JCudaDriver.cuInit(0);
        JCudaDriver.cuDeviceGet(device, 0);
        JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        try {
            float[] alone;
            try (Decoder d = Decoder.open(model, options)) { alone = d.decode(codes)[0]; }
            JCudaDriver.cuCtxSetCurrent(context);
            long before = free();
            try (Decoder a = Decoder.open(model, options); Decoder b = Decoder.open(model, options); Decoder c = Decoder.open(model, options)) {
                CudaBackend first = (CudaBackend) a.backend();
                assertEquals(3, first.weightSharers(), "three backends, one copy");
                JCudaDriver.cuCtxSetCurrent(context);
                long used = before - free();
                System.out.printf("weights sharing: 3 decoders hold %d bytes of device memory, one copy of the weights is %d bytes%n",
                        used, first.weightBytes());
                assertTrue(used < 2 * first.weightBytes() + 3 * (a.plan().arenaBytes() + (64L << 20)), "used " + used);
                for (Decoder d : new Decoder[] {a, b, c}) assertArrayEquals(alone, d.decode(codes)[0], "same samples on a shared copy");
                b.close();
                assertEquals(2, first.weightSharers());
            }
        } finally {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }
    }

    @Test
    void anArenaTooBigFailsClearlyAndTheBackendStaysUsable() throws Exception {
        DacConfig config = DacConfig.tiny();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, 43));
        int[][][] codes = DacSynth.codes(config, 1, config.nCodebooks(), 9, 44);
        float[] cpu;
        try (Decoder d = Decoder.open(model, DecoderOptions.defaults().withDevice("cpu").withStepFrames(4))) {
            cpu = d.decode(codes)[0];
        }
        try (CudaBackend gpu = new CudaBackend(Precision.FP32, 0);
             Decoder d = Decoder.open(model, DecoderOptions.defaults().withStepFrames(4), gpu)) {
            long arena = gpu.arenaBytes();
            long[] free = new long[1], total = new long[1];
            JCudaDriver.cuMemGetInfo(free, total);
            int rows = (int) ((total[0] + (1L << 30)) / 4 / 1024 + 1);
            Program huge = ArenaIO.program(Precision.FP32, true, b -> List.of(new CodebookSum(ArenaIO.table(new float[1024], 1024),
                    b.int32("codes", 1, 1, 1), b.activations("huge", 1, rows, 1024), 0)));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> gpu.allocate(huge));
            System.out.println("too big: " + e.getMessage());
            assertTrue(e.getMessage().contains("--chunk-frames") && e.getMessage().contains("--memory-budget"), e.getMessage());
            assertTrue(gpu.arenaBytes() >= arena, "the old arena is back");
            double err = Numerics.relativeError(d.decode(codes)[0], cpu);
            assertTrue(err <= Gpu.FP32_TOLERANCE, "after the failed allocation: relative error " + err);
        }
    }

    @Test
    void closeIsIdempotentAndOpsAfterCloseFailClearly() {
        CudaBackend gpu = new CudaBackend(Precision.FP16, 0);
        gpu.close();
        gpu.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, gpu::synchronize);
        assertTrue(e.getMessage().contains("closed"));
    }
}
