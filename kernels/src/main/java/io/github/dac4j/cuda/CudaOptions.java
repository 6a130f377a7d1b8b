package io.github.dac4j.cuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * Where a {@link CudaBackend} runs, for programs that live in their own CUDA world (as TensorRT users do: their
 * context, their stream, their memory). Immutable; start from {@link #defaults()} and change with {@code with...}.
 * Every handle stays the caller's: the backend never destroys, releases or frees it.
 *
 * <pre>{@code
 * CudaOptions o = CudaOptions.defaults().withStream(myStream).withArenaMemory(myBuffer, myBufferBytes);
 * }</pre>
 *
 * @param context     the context to run in, or null: the context of {@code stream} if one is given, else device
 *                    {@code device}'s primary context (retained while the backend is open)
 * @param stream      the stream every op is enqueued on, or null for the backend's own stream. With the caller's
 *                    stream, decoding needs no device synchronization: work the caller enqueues after a decode
 *                    sees its output. A handle of 0 is the legacy default stream and is accepted.
 * @param device      device ordinal, used only when neither a context nor a stream is given
 * @param arenaMemory device memory for the arena (as TensorRT's {@code setDeviceMemory}), or null to let the
 *                    backend allocate it. It must stay allocated while the backend is open.
 * @param arenaBytes  bytes at {@code arenaMemory} (0 when it is null); a plan needing more fails with a clear
 *                    message. Size it with {@link CudaBackend#requiredArenaBytes}.
 */
public record CudaOptions(CUcontext context, CUstream stream, int device, CUdeviceptr arenaMemory, long arenaBytes) {

    public CudaOptions {
        if (device < 0) throw new IllegalArgumentException("CUDA device ordinal must be >= 0, got " + device);
        if (context != null && context.equals(new CUcontext())) {
            throw new IllegalArgumentException("CUDA context is a null handle; leave it unset for the device's primary context");
        }
        if (arenaMemory == null && arenaBytes != 0) {
            throw new IllegalArgumentException("arena size " + arenaBytes + " given without arena memory");
        }
        if (arenaMemory != null) {
            if (arenaMemory.equals(new CUdeviceptr())) {
                throw new IllegalArgumentException("arena memory is a null device pointer: allocate it (cuMemAlloc) first");
            }
            if (arenaBytes <= 0) throw new IllegalArgumentException("arena size must be > 0 bytes, got " + arenaBytes);
        }
    }

    /** The primary context of device 0, the backend's own stream, the backend's own arena. */
    public static CudaOptions defaults() { return new CudaOptions(null, null, 0, null, 0); }

    /** Runs in {@code c} (not null; leave unset for the primary context). */
    public CudaOptions withContext(CUcontext c) {
        if (c == null) throw new IllegalArgumentException("CUDA context must not be null; leave it unset for the device's primary context");
        return new CudaOptions(c, stream, device, arenaMemory, arenaBytes);
    }

    /** Enqueues every op on {@code s} (not null; leave unset for the backend's own stream). */
    public CudaOptions withStream(CUstream s) {
        if (s == null) throw new IllegalArgumentException("CUDA stream must not be null; leave it unset for the backend's own stream");
        return new CudaOptions(context, s, device, arenaMemory, arenaBytes);
    }

    /** Device ordinal for the primary context (ignored when a context or stream is given). */
    public CudaOptions withDevice(int ordinal) { return new CudaOptions(context, stream, ordinal, arenaMemory, arenaBytes); }

    /** The arena lives in {@code bytes} bytes of the caller's device memory at {@code memory}; the backend allocates none. */
    public CudaOptions withArenaMemory(CUdeviceptr memory, long bytes) {
        if (memory == null) throw new IllegalArgumentException("arena memory must not be null");
        return new CudaOptions(context, stream, device, memory, bytes);
    }

    /** True when the caller provides the arena. */
    public boolean callerArena() { return arenaMemory != null; }
}
