package io.github.dac4j.cuda;

import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.core.Backend;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.ForwardingBackend;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.cpu.CpuBackend;
import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.Quantizer;
import io.github.dac4j.core.model.Snake;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.ScratchPolicy;
import io.github.dac4j.weights.DacConfig;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedding API's parts that need no GPU: arena sizing and option checks. Runs everywhere. */
class CudaEmbeddingPlanTest {
    private static final DacConfig CONFIG = DacConfig.small();

    private static DacModel model(long seed) {
        try {
            return DacModel.load(DacSynth.checkpoint(CONFIG, seed));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** What {@code dac plan} computes for the CUDA backend: the plan of the step, with CUDA's workspace. */
    private static long byHand(DacModel m, int batch, int step, Precision p) {
        return Program.decoder(m).streams(batch).stepFrames(step).activationBytes(p.bytes()).scratch(CudaSizing.scratch())
                .build().plan().arenaBytes();
    }

    @Test
    void requiredArenaBytesIsThePlanOfTheDecodersStep() {
        DacModel m = model(61);
        DecoderOptions chunk = DecoderOptions.defaults().withBatch(2).withStepFrames(13);
        // unset precision: fp16, the CUDA default
        assertEquals(byHand(m, 2, 13, Precision.FP16), CudaBackend.requiredArenaBytes(m, chunk));
        assertEquals(byHand(m, 2, 13, Precision.FP32), CudaBackend.requiredArenaBytes(m, chunk.withPrecision(Precision.FP32)));
        assertTrue(byHand(m, 2, 13, Precision.FP32) > byHand(m, 2, 13, Precision.FP16), "fp32 needs the bigger arena");

        long budget = byHand(m, 2, 30, Precision.FP16) + 100;
        int step = Decoder.plannedStepFrames(m, DecoderOptions.defaults().withBatch(2).withMemoryBudget(budget), 2, CudaSizing.scratch());
        assertTrue(step >= 30, "step " + step);
        long required = CudaBackend.requiredArenaBytes(m, chunk.withMemoryBudget(budget));
        assertEquals(byHand(m, 2, step, Precision.FP16), required);
        assertTrue(required <= budget);
        // with a chunk or budget the sequence length does not matter
        assertEquals(required, CudaBackend.requiredArenaBytes(m, chunk.withMemoryBudget(budget), 500));

        DecoderOptions whole = chunk.withStepFrames(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CudaBackend.requiredArenaBytes(m, whole));
        assertTrue(e.getMessage().startsWith("step frames 0 decodes each sequence whole"), e.getMessage());
        int lookahead = Decoder.lookaheadFrames(m);
        assertEquals(byHand(m, 2, 40 + lookahead, Precision.FP16), CudaBackend.requiredArenaBytes(m, whole, 40));
    }

    /**
     * The decoder itself, on a CPU backend that plans like the fp32 CUDA backend (its workspace), opened through
     * {@code Decoder.open(model, options, backend)}: the arena it asks for is exactly requiredArenaBytes.
     */
    @Test
    void theDecoderPlansExactlyRequiredArenaBytes() {
        DacModel m = model(62);
        DecoderOptions base = DecoderOptions.defaults().withPrecision(Precision.FP32).withBatch(2);
        int[][][] codes = DacSynth.codes(CONFIG, 2, CONFIG.nCodebooks(), 37, 63);
        for (DecoderOptions o : new DecoderOptions[] {
                base.withStepFrames(9), base.withStepFrames(86), base.withMemoryBudget(byHand(m, 2, 21, Precision.FP32))}) {
            PlansLikeCuda backend = new PlansLikeCuda();
            try (Decoder d = Decoder.open(m, o, backend, true)) {
                d.decode(codes);
                long required = CudaBackend.requiredArenaBytes(m, o);
                assertEquals(required, d.plan().arenaBytes(), o.toString());
                assertEquals(required, backend.largestPlan, o.toString());
            }
        }
        DecoderOptions whole = base.withStepFrames(0);
        PlansLikeCuda backend = new PlansLikeCuda();
        try (Decoder d = Decoder.open(m, whole, backend, true)) {
            d.decode(codes);
            assertEquals(CudaBackend.requiredArenaBytes(m, whole, 37), backend.largestPlan);
        }
    }

    @Test
    void badOptionsSayWhatIsWrongInOneLine() {
        CUdeviceptr unallocated = new CUdeviceptr();
        check("CUDA device ordinal must be >= 0, got -1", () -> CudaOptions.defaults().withDevice(-1));
        check("arena memory must not be null", () -> CudaOptions.defaults().withArenaMemory(null, 1024));
        check("arena memory is a null device pointer: allocate it (cuMemAlloc) first",
                () -> CudaOptions.defaults().withArenaMemory(unallocated, 1024));
        check("arena size 4096 given without arena memory", () -> new CudaOptions(null, null, 0, null, 4096));
        check("CUDA context must not be null; leave it unset for the device's primary context",
                () -> CudaOptions.defaults().withContext(null));
        check("CUDA context is a null handle; leave it unset for the device's primary context",
                () -> CudaOptions.defaults().withContext(new CUcontext()));
        check("CUDA stream must not be null; leave it unset for the backend's own stream",
                () -> CudaOptions.defaults().withStream(null));
        DacModel m = model(64);
        check("frames must be >= 1, got 0", () -> CudaBackend.requiredArenaBytes(m, DecoderOptions.defaults(), 0));
    }

    @Test
    void negativeArenaSizeIsRejectedBeforeTheDeviceIsTouched() {
        check("arena size must be > 0 bytes, got -8", () -> new CudaOptions(null, null, 0, fakePointer(), -8));
        check("arena size must be > 0 bytes, got 0", () -> new CudaOptions(null, null, 0, fakePointer(), 0));
        assertTrue(CudaOptions.defaults().withArenaMemory(fakePointer(), 256).callerArena());
        assertFalse(CudaOptions.defaults().callerArena());
    }

    @Test
    void decodeToDeviceNeedsACudaDecoder() {
        DacModel m = model(65);
        try (Decoder d = Decoder.open(m, DecoderOptions.defaults().withDevice("cpu"))) {
            check("decodeToDevice needs a decoder on the CUDA backend; this one runs on cpu",
                    () -> CudaDecoding.decodeToDevice(d, DacSynth.codes(CONFIG, 1, CONFIG.nCodebooks(), 4, 66), fakePointer(), 1 << 20));
        }
    }

    /**
     * A CUdeviceptr with a non-zero handle, made without a GPU (JCuda sets handles from native code only), for the
     * checks that run before the device is touched. Never dereferenced.
     */
    private static CUdeviceptr fakePointer() {
        CUdeviceptr p = new CUdeviceptr();
        try {
            var f = jcuda.NativePointerObject.class.getDeclaredField("nativePointer");
            f.setAccessible(true);
            f.setLong(p, 0x7f0000000000L);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot fake a device pointer: " + e);
        }
        return p;
    }

    private static void check(String message, Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertEquals(message, x.getMessage());
        assertFalse(x.getMessage().contains("\n"));
    }

    /** The CPU backend, planning with the fp32 CUDA backend's workspace; records the largest plan it was given. */
    static final class PlansLikeCuda extends ForwardingBackend {
        long largestPlan;

        PlansLikeCuda() { super(new CpuBackend(1)); }

        @Override public String device() { return "cpu planning like cuda"; }
        @Override public ScratchPolicy scratch() { return CudaSizing.scratch(); }
        @Override public void allocate(Program program) {
            largestPlan = Math.max(largestPlan, program.plan().arenaBytes());
            inner.allocate(program);
        }
    }
}
