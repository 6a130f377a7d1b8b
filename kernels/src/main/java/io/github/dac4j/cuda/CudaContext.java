package io.github.dac4j.cuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.nio.charset.StandardCharsets;

/**
 * Where a backend runs: a context (the caller's, the caller's stream's, or device N's primary context, retained) and
 * a stream (the caller's, or one of its own). Every call of the backend first makes the context current, so a
 * backend may move between threads. Closing releases only what was made here.
 */
final class CudaContext implements AutoCloseable {
    final CUcontext context;
    final CUstream stream;
    final String deviceName;
    private final CUdevice device;
    private final boolean retained, ownStream;

    private CudaContext(CUcontext context, CUstream stream, boolean retained, boolean ownStream, CUdevice device, String name) {
        this.context = context;
        this.stream = stream;
        this.retained = retained;
        this.ownStream = ownStream;
        this.device = device;
        this.deviceName = name;
    }

    /**
     * Opens the context and stream {@code options} name.
     *
     * @throws IllegalArgumentException if the stream belongs to another context than the one given
     */
    static CudaContext open(CudaOptions options) {
        JCudaDriver.setExceptionsEnabled(true);
        JCudaDriver.cuInit(0);
        CUdevice device = new CUdevice();
        CUcontext context;
        boolean retained = false;
        CUstream given = options.stream();
        if (given != null && !given.equals(new CUstream())) {
            CUcontext of = new CUcontext();
            JCudaDriver.cuStreamGetCtx(given, of);
            if (options.context() != null && !of.equals(options.context())) {
                throw new IllegalArgumentException("the CUDA stream belongs to another context than the one given");
            }
            context = options.context() != null ? options.context() : of;
        } else if (options.context() != null) {
            context = options.context();
        } else {
            context = new CUcontext();
            JCudaDriver.cuDeviceGet(device, options.device());
            JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
            retained = true;
        }
        try {
            JCudaDriver.cuCtxSetCurrent(context);
            JCudaDriver.cuCtxGetDevice(device);
            CUstream stream = given;
            if (stream == null) {
                stream = new CUstream();
                JCudaDriver.cuStreamCreate(stream, 0);   // blocking: ordered with the legacy stream's synchronous weight uploads
            }
            byte[] name = new byte[256];
            JCudaDriver.cuDeviceGetName(name, name.length, device);
            int len = 0;
            while (len < name.length && name[len] != 0) len++;
            return new CudaContext(context, stream, retained, given == null, device,
                    new String(name, 0, len, StandardCharsets.US_ASCII).trim());
        } catch (RuntimeException | LinkageError e) {
            if (retained) JCudaDriver.cuDevicePrimaryCtxRelease(device);
            throw e;
        }
    }

    /** Makes the context current on this thread. */
    void makeCurrent() { JCudaDriver.cuCtxSetCurrent(context); }

    /** Waits for every op issued so far on the stream. */
    void synchronize() {
        makeCurrent();
        JCudaDriver.cuStreamSynchronize(stream);
    }

    /** True when ops go to the caller's stream. */
    boolean callerStream() { return !ownStream; }

    /** Destroys its own stream and releases the primary context if it retained it; the caller's handles stay. */
    @Override public void close() {
        try {
            if (ownStream) JCudaDriver.cuStreamDestroy(stream);
        } finally {
            if (retained) JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }
    }
}
