package io.github.dac4j.cuda;

import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.testing.Numerics;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DacConfig;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedding API on a GPU: the caller's context, stream and arena memory, and decoding into device memory.
 * Skipped without a GPU; never run yet (2026-11-24: written on a machine without one).
 */
class CudaEmbeddingTest {
    private static final DacConfig CONFIG = DacConfig.small();
    private static final int FRAMES = 27;

    @BeforeEach
    void gpu() { Gpu.assume(); }

    /** The same decode on two CUDA paths: fp32 differs only by cuDNN's choices, fp16 by a rounding here and there. */
    private static double tolerance(Precision p) { return p == Precision.FP32 ? 1e-6 : 1e-3; }

    private static DacModel model(long seed) throws Exception { return DacModel.load(DacSynth.checkpoint(CONFIG, seed)); }

    private static DecoderOptions options(Precision p) {
        return DecoderOptions.defaults().withPrecision(p).withBatch(2).withStepFrames(8);
    }

    /** A program's own CUDA world: a context of its own (not the primary one) and a non-blocking stream in it. */
    private static final class World implements AutoCloseable {
        final CUcontext context = new CUcontext();
        final CUstream stream = new CUstream();

        World() {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            CUdevice device = new CUdevice();
            JCudaDriver.cuDeviceGet(device, 0);
            JCudaDriver.cuCtxCreate(context, 0, device);
            JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
        }

        CUdeviceptr alloc(long bytes) {
            JCudaDriver.cuCtxSetCurrent(context);
            CUdeviceptr p = new CUdeviceptr();
            JCudaDriver.cuMemAlloc(p, bytes);
            return p;
        }

        @Override public void close() {
            JCudaDriver.cuCtxSetCurrent(context);
            JCudaDriver.cuStreamDestroy(stream);
            JCudaDriver.cuCtxDestroy(context);
        }
    }

    private static float[][] defaultPath(DacModel model, Precision p, int[][][] codes) {
        try (Decoder d = Decoder.open(model, options(p).withDevice("cuda"))) {
            return d.decode(codes);
        }
    }

    private static void assertClose(float[][] expected, float[][] got, Precision p, String what) {
        for (int b = 0; b < expected.length; b++) {
            double err = Numerics.relativeError(got[b], expected[b]);
            System.out.printf("%s %s stream %d: relative error %.3g%n", p, what, b, err);
            assertTrue(err <= tolerance(p), p + " " + what + " stream " + b + ": relative error " + err);
        }
    }

    @Test
    void callerContextAndStreamMatchTheDefaultPath() throws Exception {
        DacModel model = model(71);
        int[][][] codes = DacSynth.codes(CONFIG, 2, CONFIG.nCodebooks(), FRAMES, 72);
        for (Precision p : Precision.values()) {
            float[][] expected = defaultPath(model, p, codes);
            try (World w = new World()) {
                CudaOptions[] ways = {
                        CudaOptions.defaults().withContext(w.context).withStream(w.stream),
                        CudaOptions.defaults().withStream(w.stream),   // the context is the stream's
                        CudaOptions.defaults().withContext(w.context)}; // the backend's own stream in the caller's context
                for (CudaOptions o : ways) {
                    try (Decoder d = Decoder.open(model, options(p), CudaBackend.create(p, o), true)) {
                        CudaBackend cuda = (CudaBackend) d.backend();
                        assertEquals(w.context, cuda.context());
                        if (o.stream() != null) assertSame(w.stream, cuda.stream());
                        assertEquals(o.stream() != null, cuda.callerStream());
                        assertClose(expected, d.decode(codes), p, "caller world " + (o.stream() == null ? "own stream" : "caller stream"));
                    }
                }
            }
        }
    }

    @Test
    void callerArenaOfExactlyRequiredBytesIsUsedAndOneByteLessFails() throws Exception {
        DacModel model = model(73);
        int[][][] codes = DacSynth.codes(CONFIG, 2, CONFIG.nCodebooks(), FRAMES, 74);
        for (Precision p : Precision.values()) {
            float[][] expected = defaultPath(model, p, codes);
            long required = CudaBackend.requiredArenaBytes(model, options(p));
            try (World w = new World()) {
                CUdeviceptr memory = w.alloc(required);
                try {
                    CudaOptions o = CudaOptions.defaults().withContext(w.context).withStream(w.stream);
                    try (Decoder d = Decoder.open(model, options(p), CudaBackend.create(p, o.withArenaMemory(memory, required)), true)) {
                        assertTrue(((CudaBackend) d.backend()).callerArena(), "the arena is the caller's memory");
                        assertEquals(required, d.backend().arenaBytes());
                        assertEquals(required, d.plan().arenaBytes());
                        assertClose(expected, d.decode(codes), p, "caller arena");
                        try (var s = d.stream(2)) {   // streaming plans the same step: no growth
                            s.push(codes);
                            s.finish();
                        }
                    }

                    CudaBackend tooSmall = CudaBackend.create(p, o.withArenaMemory(memory, required - 1));
                    try {
                        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Decoder.open(model, options(p), tooSmall, false));
                        assertTrue(e.getMessage().startsWith("the plan needs an arena of " + required + " bytes"), e.getMessage());
                        assertTrue(e.getMessage().contains("but the caller's arena holds " + (required - 1) + " bytes"), e.getMessage());
                    } finally {
                        tooSmall.close();
                    }
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> CudaBackend.create(p, o.withArenaMemory(memory.withByteOffset(16), required - 256)));
                    assertTrue(e.getMessage().startsWith("arena memory must be 256-byte aligned"), e.getMessage());
                } finally {
                    JCudaDriver.cuCtxSetCurrent(w.context);
                    JCudaDriver.cuMemFree(memory);
                }
            }
        }
    }

    @Test
    void decodeToDeviceEqualsTheHostDecode() throws Exception {
        DacModel model = model(75);
        int[][][] codes = DacSynth.codes(CONFIG, 2, CONFIG.nCodebooks(), FRAMES, 76);
        int perStream = FRAMES * CONFIG.hop();
        long bytes = 4L * 2 * perStream;
        for (Precision p : Precision.values()) {
            // on the caller's stream: nothing waited for; the caller syncs its stream
            try (World w = new World();
                 Decoder d = Decoder.open(model, options(p), CudaBackend.create(p, CudaOptions.defaults().withStream(w.stream)), true)) {
                float[][] host = d.decode(codes);
                CUdeviceptr out = w.alloc(bytes);
                try {
                    JCudaDriver.cuMemsetD8Async(out, (byte) 0xff, bytes, w.stream);   // NaN everywhere: unwritten samples fail
                    CudaDecoding.decodeToDevice(d, codes, out, bytes);
                    JCudaDriver.cuStreamSynchronize(w.stream);
                    assertClose(host, split(out, 2, perStream), p, "decodeToDevice, caller stream");
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> CudaDecoding.decodeToDevice(d, codes, out, bytes - 4));
                    assertEquals("output holds " + (bytes - 4) + " bytes; 2 streams of " + perStream + " float32 samples need " + bytes, e.getMessage());
                } finally {
                    JCudaDriver.cuCtxSetCurrent(w.context);
                    JCudaDriver.cuMemFree(out);
                }
            }
            // on the backend's own stream: finished on return
            try (Decoder d = Decoder.open(model, options(p).withDevice("cuda"))) {
                float[][] host = d.decode(codes);
                JCudaDriver.cuCtxSetCurrent(((CudaBackend) d.backend()).context());
                CUdeviceptr out = new CUdeviceptr();
                JCudaDriver.cuMemAlloc(out, bytes);
                try {
                    CudaDecoding.decodeToDevice(d, codes, out, bytes);
                    assertClose(host, split(out, 2, perStream), p, "decodeToDevice, own stream");
                } finally {
                    JCudaDriver.cuMemFree(out);
                }
            }
        }
    }

    /** Device floats [streams, perStream] -> host rows (a synchronous copy on the legacy stream). */
    private static float[][] split(CUdeviceptr out, int streams, int perStream) {
        float[] all = new float[streams * perStream];
        JCudaDriver.cuMemcpyDtoH(Pointer.to(all), out, 4L * all.length);
        float[][] rows = new float[streams][];
        for (int b = 0; b < streams; b++) rows[b] = Arrays.copyOfRange(all, b * perStream, (b + 1) * perStream);
        return rows;
    }

    @Test
    void closeLeavesTheCallersStreamContextAndMemoryAlive() throws Exception {
        DacModel model = model(77);
        int[][][] codes = DacSynth.codes(CONFIG, 2, CONFIG.nCodebooks(), FRAMES, 78);
        Precision p = Precision.FP16;
        long required = CudaBackend.requiredArenaBytes(model, options(p));
        try (World w = new World()) {
            CUdeviceptr arena = w.alloc(required);
            CUdeviceptr probe = w.alloc(4096);
            try {
                CudaOptions o = CudaOptions.defaults().withContext(w.context).withStream(w.stream).withArenaMemory(arena, required);
                try (Decoder d = Decoder.open(model, options(p), CudaBackend.create(p, o), true)) {
                    d.decode(codes);
                }
                // the backend is closed: the caller's handles and memory must still work
                JCudaDriver.cuCtxSetCurrent(w.context);
                JCudaDriver.cuMemsetD32Async(probe, Float.floatToIntBits(1.5f), 1024, w.stream);
                JCudaDriver.cuMemsetD8Async(arena, (byte) 7, required, w.stream);
                JCudaDriver.cuStreamSynchronize(w.stream);
                float[] back = new float[1024];
                JCudaDriver.cuMemcpyDtoH(Pointer.to(back), probe, 4096);
                for (float f : back) assertEquals(1.5f, f);
                byte[] first = new byte[256];
                JCudaDriver.cuMemcpyDtoH(Pointer.to(first), arena, first.length);
                for (byte b : first) assertEquals(7, b);
            } finally {
                JCudaDriver.cuCtxSetCurrent(w.context);
                JCudaDriver.cuMemFree(probe);
                JCudaDriver.cuMemFree(arena);
            }
        }
    }
}
