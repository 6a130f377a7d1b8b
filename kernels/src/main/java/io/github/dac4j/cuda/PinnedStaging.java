package io.github.dac4j.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.nio.ByteOrder;

/**
 * Pinned host memory between the JVM and the device: two slots for each step's input (codes, or audio), uploaded
 * without waiting for the stream, and one buffer for reads and writes that wait.
 */
final class PinnedStaging implements AutoCloseable {
    private final CUstream stream;
    /** Input staging, two slots used in turn; an event marks each slot's upload done. */
    private final Pointer[] codes = {new Pointer(), new Pointer()};
    private final CUevent[] uploaded = {new CUevent(), new CUevent()};
    private final boolean[] pending = new boolean[2];
    private long codesBytes;
    private int slot;
    /** For {@link #host(long)}: synchronous reads and writes. */
    private Pointer host = new Pointer();
    private long hostBytes;

    PinnedStaging(CUstream stream) {
        this.stream = stream;
        JCudaDriver.cuEventCreate(uploaded[0], CUevent_flags.CU_EVENT_DISABLE_TIMING);
        try {
            JCudaDriver.cuEventCreate(uploaded[1], CUevent_flags.CU_EVENT_DISABLE_TIMING);
        } catch (RuntimeException e) {
            JCudaDriver.cuEventDestroy(uploaded[0]);
            throw e;
        }
    }

    /**
     * Copies {@code count} codes to {@code dst} on the stream without waiting for it: through a pinned slot, with an
     * asynchronous copy, so the device buffer is reused in stream order. Before refilling a slot the host waits for
     * that slot's previous upload only, which has long finished unless the device is two steps behind.
     */
    void uploadCodes(int[] values, int count, CUdeviceptr dst) {
        upload(4L * count, dst, b -> b.asIntBuffer().put(values, 0, count));
    }

    /** As {@link #uploadCodes}, for {@code count} floats from {@code values[offset]}, rounded to fp16 when {@code half}. */
    void uploadFloats(float[] values, int offset, int count, boolean half, CUdeviceptr dst) {
        if (half) {
            upload(2L * count, dst, b -> {
                var shorts = b.asShortBuffer();
                for (int i = 0; i < count; i++) shorts.put(i, io.github.dac4j.weights.Halves.floatToHalf(values[offset + i]));
            });
        } else {
            upload(4L * count, dst, b -> b.asFloatBuffer().put(values, offset, count));
        }
    }

    private void upload(long bytes, CUdeviceptr dst, java.util.function.Consumer<java.nio.ByteBuffer> fill) {
        if (codesBytes < bytes) {
            for (int i = 0; i < 2; i++) {
                if (pending[i]) JCudaDriver.cuEventSynchronize(uploaded[i]);
                pending[i] = false;
                if (codesBytes > 0) JCudaDriver.cuMemFreeHost(codes[i]);
            }
            codesBytes = 0;
            long size = Math.max(bytes, 4096);
            for (int i = 0; i < 2; i++) {
                codes[i] = new Pointer();
                JCudaDriver.cuMemAllocHost(codes[i], size);
            }
            codesBytes = size;
        }
        int s = slot;
        slot ^= 1;
        if (pending[s]) JCudaDriver.cuEventSynchronize(uploaded[s]);
        fill.accept(codes[s].getByteBuffer(0, bytes).order(ByteOrder.nativeOrder()));
        JCudaDriver.cuMemcpyHtoDAsync(dst, codes[s], bytes, stream);
        JCudaDriver.cuEventRecord(uploaded[s], stream);
        pending[s] = true;
    }

    /** Pinned host memory of at least {@code bytes}, for a synchronous read or write (the caller orders it). */
    Pointer host(long bytes) {
        if (hostBytes < bytes) {
            if (hostBytes > 0) JCudaDriver.cuMemFreeHost(host);
            hostBytes = 0;
            host = new Pointer();
            long size = Math.max(bytes, 1 << 16);
            JCudaDriver.cuMemAllocHost(host, size);
            hostBytes = size;
        }
        return host;
    }

    /** Frees the pinned memory and the events; the caller has synchronized the stream. */
    @Override public void close() {
        for (int i = 0; i < 2; i++) {
            if (codesBytes > 0) JCudaDriver.cuMemFreeHost(codes[i]);
            JCudaDriver.cuEventDestroy(uploaded[i]);
        }
        codesBytes = 0;
        if (hostBytes > 0) JCudaDriver.cuMemFreeHost(host);
        hostBytes = 0;
    }
}
