package io.github.dac4j.cuda;

import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.EncoderBlock;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.core.model.ResidualQuantizer;
import io.github.dac4j.core.model.Quantizer;
import io.github.dac4j.core.model.ResidualUnit;
import io.github.dac4j.core.model.Snake;
import io.github.dac4j.weights.Halves;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One device copy of a model's weights (a decoder's, or an encoder's) in one context, shared by every CUDA backend
 * that runs that model there at that precision (serving several requests on one GPU costs one copy of the weights, not one per decoder). Counted:
 * the copy is freed when its last backend releases it. Layouts: conv filters in the activation precision, relaid
 * to cuDNN's NHWC filters; bias, Snake alpha and inverse in fp32; codebook tables in the activation precision.
 */
final class DeviceWeights {
    private record Key(CUcontext context, Object model, Precision precision) {
        @Override public boolean equals(Object o) {
            return o instanceof Key k && k.context.equals(context) && k.model == model && k.precision == precision;
        }

        @Override public int hashCode() { return context.hashCode() * 31 + System.identityHashCode(model) * 7 + precision.hashCode(); }
    }

    private static final Map<Key, DeviceWeights> SHARED = new HashMap<>();

    private final Key key;
    private final Map<Object, CUdeviceptr> byLayer = new IdentityHashMap<>();
    private final List<CUdeviceptr> allocations = new ArrayList<>();
    private long bytes;
    private int users;

    private DeviceWeights(Key key) { this.key = key; }

    /**
     * The weights of {@code model} at {@code precision} in {@code context} (current on this thread), uploaded now or
     * shared with the backends that already hold them, and ordered before every later op on {@code stream}.
     */
    static DeviceWeights acquire(CUcontext context, CUstream stream, Object model, Precision precision) {
        Key key = new Key(context, model, precision);
        DeviceWeights w;
        synchronized (SHARED) {
            w = SHARED.get(key);
            if (w == null) {
                w = new DeviceWeights(key);
                try {
                    if (model instanceof DacModel m) w.upload(m);
                    else w.upload((EncoderModel) model);
                } catch (RuntimeException e) {
                    w.free();
                    throw e;
                }
                SHARED.put(key, w);
            }
            w.users++;
        }
        orderAfterUploads(stream);
        return w;
    }

    /** Gives this backend's share back; the last one frees the device memory. The caller has synchronized its stream. */
    void release() {
        synchronized (SHARED) {
            if (--users > 0) return;
            SHARED.remove(key);
            free();
        }
    }

    /** Backends holding this copy (for tests and stats). */
    int users() {
        synchronized (SHARED) {
            return users;
        }
    }

    /** Device bytes of the copy. */
    long bytes() { return bytes; }

    /**
     * The device array of a layer record or weight array of the model ({@code conv}, {@code conv.bias()},
     * {@code snake.alpha()}, ...; for the encoder's quantizer: {@code inProj()}, the quantizer itself for the biases,
     * {@code normalized()}, {@code decode().tables()}).
     */
    CUdeviceptr of(Object layer) {
        CUdeviceptr p = byLayer.get(layer);
        if (p == null) throw new IllegalStateException("weights of this layer were not prepared on the GPU: call prepare(model) first");
        return p;
    }

    private void upload(DacModel model) {
        Quantizer q = model.quantizer();
        float[] tables = new float[q.codebooks() * q.codebookSize() * q.latent()];
        for (int k = 0; k < q.codebooks(); k++) {
            System.arraycopy(q.tables()[k], 0, tables, k * q.codebookSize() * q.latent(), q.codebookSize() * q.latent());
        }
        byLayer.put(q, uploadActivationType(tables));
        putConv(model.conv1());
        for (DecoderBlock b : model.blocks()) {
            putSnake(b.snake1());
            ConvTranspose1d t = b.convT1();
            byLayer.put(t, uploadActivationType(filterNhwc(t)));
            byLayer.put(t.bias(), upload(t.bias()));
            for (ResidualUnit u : b.resUnits()) {
                putSnake(u.snake1());
                putConv(u.conv1());
                putSnake(u.snake2());
                putConv(u.conv2());
            }
        }
        putSnake(model.snake1());
        putConv(model.conv2());
    }

    /**
     * The encoder's convolutions and Snakes as the decoder's; the quantizer's encode side in float32, one contiguous
     * array per part for the quantize kernel: in_proj {@code [K, dim, latent]}, its bias {@code [K, dim]}, the
     * normalised codebooks {@code [K, size, dim]} and the tables {@code [K, size, latent]} (keyed by the arrays of
     * codebook 0).
     */
    private void upload(EncoderModel model) {
        putConv(model.conv1());
        for (EncoderBlock b : model.blocks()) {
            for (ResidualUnit u : b.resUnits()) {
                putSnake(u.snake1());
                putConv(u.conv1());
                putSnake(u.snake2());
                putConv(u.conv2());
            }
            putSnake(b.snake1());
            putConv(b.conv1());
        }
        putSnake(model.snake1());
        putConv(model.conv2());
        ResidualQuantizer q = model.quantizer();
        int books = q.codebooks();
        float[][] weights = new float[books][], biases = new float[books][];
        for (int k = 0; k < books; k++) {
            weights[k] = q.inProj()[k].weight();
            biases[k] = q.inProj()[k].bias();
        }
        byLayer.put(q.inProj(), upload(concat(weights)));
        byLayer.put(q.normalized(), upload(concat(q.normalized())));
        byLayer.put(q.decode().tables(), upload(concat(q.decode().tables())));
        byLayer.put(q, upload(concat(biases)));
    }

    private static float[] concat(float[][] parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private void putConv(Conv1d c) {
        byLayer.put(c, uploadActivationType(filterNhwc(c)));
        byLayer.put(c.bias(), upload(c.bias()));
    }

    private void putSnake(Snake s) {
        byLayer.put(s.alpha(), upload(s.alpha()));
        byLayer.put(s.inverse(), upload(s.inverse()));
    }

    /**
     * Conv1d weight {@code [out, in, k]} -> cuDNN NHWC filter {@code [K = out, H = 1, W = k, C = in]}:
     * {@code f[(o * k + j) * in + c] = W[o, c, j]}.
     */
    static float[] filterNhwc(Conv1d conv) {
        int out = conv.outChannels(), in = conv.inChannels(), k = conv.kernel();
        float[] w = conv.weight(), f = new float[w.length];
        for (int o = 0; o < out; o++)
            for (int c = 0; c < in; c++)
                for (int j = 0; j < k; j++) f[(o * k + j) * in + c] = w[(o * in + c) * k + j];
        return f;
    }

    /**
     * ConvTranspose1d weight {@code [in, out, 2s]} -> the filter of the forward convolution whose data gradient it
     * is, NHWC {@code [K = in, H = 1, W = 2s, C = out]}: {@code f[(i * 2s + m) * out + o] = W[i, o, m]}.
     */
    static float[] filterNhwc(ConvTranspose1d conv) {
        int in = conv.inChannels(), out = conv.outChannels(), k = conv.kernel();
        float[] w = conv.weight(), f = new float[w.length];
        for (int i = 0; i < in; i++)
            for (int o = 0; o < out; o++)
                for (int m = 0; m < k; m++) f[(i * k + m) * out + o] = w[(i * out + o) * k + m];
        return f;
    }

    private CUdeviceptr uploadActivationType(float[] data) {
        return key.precision == Precision.FP16 ? upload(Halves.floatsToHalves(data)) : upload(data);
    }

    private CUdeviceptr upload(float[] data) {
        CUdeviceptr p = alloc(4L * data.length);
        JCudaDriver.cuMemcpyHtoD(p, Pointer.to(data), 4L * data.length);
        return p;
    }

    private CUdeviceptr upload(short[] data) {
        CUdeviceptr p = alloc(2L * data.length);
        JCudaDriver.cuMemcpyHtoD(p, Pointer.to(data), 2L * data.length);
        return p;
    }

    private CUdeviceptr alloc(long size) {
        CUdeviceptr p = new CUdeviceptr();
        JCudaDriver.cuMemAlloc(p, Math.max(size, 1));
        allocations.add(p);
        bytes += size;
        return p;
    }

    private void free() {
        for (CUdeviceptr p : allocations) JCudaDriver.cuMemFree(p);
        allocations.clear();
        byLayer.clear();
        bytes = 0;
    }

    /**
     * The weights went up with synchronous copies on the legacy default stream, whose last DMA may still be in flight
     * when they return; a caller's non-blocking stream is not ordered after that stream. An event recorded there and
     * waited for on {@code stream} orders every later op after the uploads, without a host wait.
     */
    private static void orderAfterUploads(CUstream stream) {
        CUevent uploaded = new CUevent();
        JCudaDriver.cuEventCreate(uploaded, CUevent_flags.CU_EVENT_DISABLE_TIMING);
        try {
            JCudaDriver.cuEventRecord(uploaded, new CUstream());   // handle 0: the legacy default stream
            JCudaDriver.cuStreamWaitEvent(stream, uploaded, 0);
        } finally {
            JCudaDriver.cuEventDestroy(uploaded);   // allowed while a wait is pending: released when it completes
        }
    }
}
