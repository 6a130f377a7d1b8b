package io.github.dac4j.cuda;

import io.github.dac4j.core.program.ArenaBuffer;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUpointer_attribute;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.util.Locale;

/**
 * The device memory a backend's plans are laid out in: its own (allocated, grown when a plan needs more) or the
 * caller's ({@link CudaOptions#withArenaMemory}: never allocated, grown or freed here).
 */
final class CudaArena implements AutoCloseable {
    private final String deviceName;
    private final boolean callerOwned;
    private CUdeviceptr base;
    private long bytes;

    private CudaArena(String deviceName, CUdeviceptr base, long bytes, boolean callerOwned) {
        this.deviceName = deviceName;
        this.base = base;
        this.bytes = bytes;
        this.callerOwned = callerOwned;
    }

    /** An arena the backend allocates itself, empty until the first {@link #ensure}. */
    static CudaArena own(String deviceName) { return new CudaArena(deviceName, null, 0, false); }

    /**
     * The caller's memory, checked: 256-byte aligned (the planner aligns every buffer to 256 bytes from the arena's
     * start; cuDNN and the kernels rely on that) device memory of this context, {@code size} bytes of it left.
     */
    static CudaArena caller(String deviceName, CUdeviceptr memory, long size) {
        long[] address = new long[1], start = new long[1], range = new long[1];
        try {
            JCudaDriver.cuPointerGetAttribute(Pointer.to(address), CUpointer_attribute.CU_POINTER_ATTRIBUTE_DEVICE_POINTER, memory);
            JCudaDriver.cuPointerGetAttribute(Pointer.to(start), CUpointer_attribute.CU_POINTER_ATTRIBUTE_RANGE_START_ADDR, memory);
            JCudaDriver.cuPointerGetAttribute(Pointer.to(range), CUpointer_attribute.CU_POINTER_ATTRIBUTE_RANGE_SIZE, memory);
        } catch (CudaException e) {
            throw new IllegalArgumentException("arena memory is not device memory of this context (" + CudaProbe.oneLine(e) + ")", e);
        }
        if (address[0] % 256 != 0) {
            throw new IllegalArgumentException("arena memory must be 256-byte aligned (cuMemAlloc's pointers are), its address is "
                    + address[0] % 256 + " bytes past a multiple of 256");
        }
        long left = start[0] + range[0] - address[0];
        if (size > left) {
            throw new IllegalArgumentException("arena of " + size + " bytes runs past the end of its allocation (" + left + " bytes from that address)");
        }
        return new CudaArena(deviceName, memory, size, true);
    }

    /** True when the memory is the caller's. */
    boolean callerOwned() { return callerOwned; }

    /** Bytes held. */
    long bytes() { return bytes; }

    /**
     * Makes the arena at least {@code need} bytes. An own arena grows (after {@code stream} has finished with the old
     * one, whose contents are lost); when the larger one does not fit, the old size is allocated again, so the
     * backend keeps running what it ran, and the error says what was free. A caller's arena never grows.
     *
     * @throws IllegalStateException if the arena cannot hold {@code need} bytes
     */
    void ensure(long need, CUstream stream) {
        if (callerOwned) {
            if (need > bytes) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "the plan needs an arena of %d bytes (%.1f MiB) but the caller's arena holds %d bytes: "
                                + "provide CudaSizing.requiredArenaBytes(model, options[, frames]) bytes, or use a smaller step or memory budget",
                        need, need / 1048576.0, bytes));
            }
            return;
        }
        need = Math.max(need, 256);
        if (base != null && bytes >= need) return;
        long old = bytes;
        JCudaDriver.cuStreamSynchronize(stream);
        free();
        base = mallocOrNull(need);
        if (base != null) {
            bytes = need;
            return;
        }
        long[] free = new long[1], total = new long[1];
        JCudaDriver.cuMemGetInfo(free, total);
        if (old > 0) {
            base = mallocOrNull(old);   // what was just freed fits again: the backend stays usable at its old plan
            bytes = base == null ? 0 : old;
        }
        throw new IllegalStateException(String.format(Locale.ROOT,
                "the GPU arena of %.1f MiB does not fit (%.1f MiB free of %.1f MiB on %s): use a smaller --chunk-frames or --memory-budget",
                need / 1048576.0, free[0] / 1048576.0, total[0] / 1048576.0, deviceName));
    }

    /** cuMemAlloc, or null when the device is out of memory. */
    private static CUdeviceptr mallocOrNull(long size) {
        CUdeviceptr p = new CUdeviceptr();
        try {
            JCudaDriver.cuMemAlloc(p, size);
            return p;
        } catch (CudaException e) {
            if (String.valueOf(e.getMessage()).contains("CUDA_ERROR_OUT_OF_MEMORY")) return null;
            throw e;
        }
    }

    /** Device address of row {@code row} of stream {@code stream} of {@code a}, elements of {@code elementBytes}. */
    CUdeviceptr at(ArenaBuffer a, int stream, int row, int elementBytes) {
        return at(a.offset() + ((long) stream * a.streamStride() + (long) row * a.channels()) * elementBytes);
    }

    /** Device address {@code offset} bytes into the arena. */
    CUdeviceptr at(long offset) {
        if (base == null) throw new IllegalStateException("no arena: call allocate(program) first");
        return base.withByteOffset(offset);
    }

    /** Frees an own arena (the caller has synchronized the stream); leaves a caller's memory alone. */
    @Override public void close() { free(); }

    private void free() {
        if (base != null && !callerOwned) JCudaDriver.cuMemFree(base);
        if (!callerOwned) {
            base = null;
            bytes = 0;
        }
    }
}
