package io.github.dac4j.cuda;

import io.github.dac4j.weights.Halves;
import io.github.dac4j.core.Act;
import io.github.dac4j.core.Backend;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.Quantizer;
import io.github.dac4j.core.model.ResidualUnit;
import io.github.dac4j.core.model.Snake;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.core.plan.PlannedBuffer;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUpointer_attribute;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnConvolutionBwdDataAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnTensorDescriptor;
import jcuda.runtime.cudaStream_t;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static jcuda.jcudnn.cudnnConvolutionMode.CUDNN_CROSS_CORRELATION;
import static jcuda.jcudnn.cudnnDataType.CUDNN_DATA_FLOAT;
import static jcuda.jcudnn.cudnnDataType.CUDNN_DATA_HALF;
import static jcuda.jcudnn.cudnnMathType.CUDNN_FMA_MATH;
import static jcuda.jcudnn.cudnnMathType.CUDNN_TENSOR_OP_MATH;
import static jcuda.jcudnn.cudnnStatus.CUDNN_STATUS_SUCCESS;
import static jcuda.jcudnn.cudnnTensorFormat.CUDNN_TENSOR_NHWC;

/**
 * The CUDA backend: one primary context, one stream, one cuDNN handle on that stream, one arena.
 * Activations are fp16 ({@link Precision#FP16}) or fp32 in the arena, time-major {@code [streams, rows, channels]},
 * which is cuDNN's NHWC with H = 1, N = streams, W = rows: a window of rows of every stream is one strided tensor.
 *
 * <ul>
 *   <li>{@code conv}: Snake prologue (own kernel, fp32 math) into workspace scratch, then
 *       {@code cudnnConvolutionForward} straight into the output view, then one epilogue kernel for
 *       bias + residual + tanh, in place.</li>
 *   <li>{@code convTranspose}: Snake into scratch, then {@code cudnnConvolutionBackwardData} with padding
 *       {@code s + s/2}, whose output rows are exactly the phase contract's rows (no cropping), then bias.</li>
 *   <li>{@code codebookSum}: codes copied to the arena's {@code codes} buffer, one gather-and-sum kernel.</li>
 * </ul>
 * Weights are uploaded once: conv filters in the activation precision, repacked to NHWC filters; bias, Snake
 * alpha and inverse in fp32; codebook tables in the activation precision. Accumulation is fp32 everywhere.
 *
 * <p>Embedding ({@link #create(Precision, CudaOptions)}): the backend can run in the caller's context, enqueue on
 * the caller's stream and keep its arena in the caller's memory. Synchronization: the only waits are in
 * {@link #read} (a sync of this backend's stream, so that the data returned is finished), in {@link #allocate} when
 * an arena it allocated itself must grow (rare: once per larger plan; never with a caller's arena), in
 * {@link #synchronize} and in {@link #close} (before freeing what queued work may still read). The codes of each
 * step go up through pinned host memory with {@code cuMemcpyHtoDAsync}, ordered on the stream. Weights are
 * uploaded once, synchronously, in {@link #prepare}.
 *
 * <p>Not thread-safe (as {@link Backend} requires of no backend); each call makes the context current, so a
 * backend may move between threads. It serves one decoder at a time and holds its own device copy of the weights.
 */
public final class CudaBackend implements Backend {
    /** cuDNN workspace bounds: at least this much, whatever the step. */
    static final long CUDNN_WORKSPACE_MIN = 4L << 20;
    /** cuDNN workspace bounds: never more than this much; algorithms needing more are skipped. */
    static final long CUDNN_WORKSPACE_MAX = 32L << 20;
    private static final int ALGORITHMS = 8;     // >= CUDNN_CONVOLUTION_{FWD,BWD_DATA}_ALGO_COUNT
    private static final int MAX_CACHED_SHAPES = 1024;

    /** Arenas this class allocated with cuMemAlloc, for tests that check a caller's arena is used instead. */
    static final AtomicLong ARENA_ALLOCATIONS = new AtomicLong();

    private final Precision precision;
    private final int elementBytes;
    private final int dataType;
    private final CUdevice device = new CUdevice();
    private CUcontext context;
    private CUstream stream;
    private final cudnnHandle cudnn = new cudnnHandle();
    private String deviceName = "?";
    private boolean contextRetained, streamCreated, cudnnCreated;
    /** The arena is the caller's ({@link CudaOptions#arenaMemory()}): never allocated, grown or freed here. */
    private boolean callerArena;

    /** Pinned host staging of the codes, two slots used in turn; an event marks each slot's upload done. */
    private final Pointer[] codesHost = {new Pointer(), new Pointer()};
    private final CUevent[] codesUploaded = {new CUevent(), new CUevent()};
    private final boolean[] codesPending = new boolean[2];
    private long codesHostBytes;
    private int codesSlot;
    private boolean eventsCreated;
    /** Pinned host staging for {@link #read} and {@link #write}. */
    private Pointer host = new Pointer();
    private long hostBytes;
    private Kernels kernels;

    /** Device copies of weights, by model record (identity). */
    private final Map<Object, CUdeviceptr> weights = new IdentityHashMap<>();
    private final List<CUdeviceptr> allocations = new ArrayList<>();
    private long weightBytes;
    private DacModel model;

    private CUdeviceptr arena;
    private long arenaBytes;
    /** The plan's workspace buffer: [Snake scratch | cuDNN workspace]. */
    private long scratchOffset, scratchBytes, cudnnOffset, cudnnBytes;

    private final Map<ShapeKey, ConvShape> shapes = new HashMap<>();
    private boolean closed;

    private static final Pointer ONE = Pointer.to(new float[] {1f});
    private static final Pointer ZERO = Pointer.to(new float[] {0f});

    /** Opens device {@code ordinal}: retains its primary context, creates the stream and the cuDNN handle, loads the PTX. */
    public CudaBackend(Precision precision, int ordinal) {
        this(precision, CudaOptions.defaults().withDevice(ordinal));
    }

    /**
     * A backend in the caller's CUDA world: the context, stream and arena memory of {@code options} (each
     * defaulting to the backend's own). Open a decoder on it with
     * {@link Decoder#open(DacModel, DecoderOptions, Backend, boolean)}. The caller's handles and memory are never
     * destroyed or freed; {@link #close()} frees only what the backend made.
     *
     * @throws IllegalArgumentException if the stream belongs to another context than the one given, or the arena
     *                                  memory is not 256-byte aligned device memory of that size in this context
     */
    public static CudaBackend create(Precision precision, CudaOptions options) {
        return new CudaBackend(precision, options);
    }

    private CudaBackend(Precision precision, CudaOptions options) {
        if (precision == null) throw new IllegalArgumentException("precision must not be null (fp16 or fp32)");
        if (options == null) throw new IllegalArgumentException("CUDA options must not be null (CudaOptions.defaults())");
        this.precision = precision;
        this.elementBytes = precision.bytes();
        this.dataType = precision == Precision.FP16 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
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
                CUcontext primary = new CUcontext();
                JCudaDriver.cuDeviceGet(device, options.device());
                JCudaDriver.cuDevicePrimaryCtxRetain(primary, device);
                context = primary;
                contextRetained = true;
            }
            JCudaDriver.cuCtxSetCurrent(context);
            JCudaDriver.cuCtxGetDevice(device);
            if (given != null) {
                stream = given;
            } else {
                CUstream own = new CUstream();
                JCudaDriver.cuStreamCreate(own, 0);   // blocking: ordered with the legacy stream's synchronous weight uploads
                stream = own;
                streamCreated = true;
            }
            if (options.callerArena()) useCallerArena(options.arenaMemory(), options.arenaBytes());
            JCudaDriver.cuEventCreate(codesUploaded[0], CUevent_flags.CU_EVENT_DISABLE_TIMING);
            JCudaDriver.cuEventCreate(codesUploaded[1], CUevent_flags.CU_EVENT_DISABLE_TIMING);
            eventsCreated = true;
            cudnnCheck(JCudnn.cudnnCreate(cudnn), "cudnnCreate");
            cudnnCreated = true;
            cudnnCheck(JCudnn.cudnnSetStream(cudnn, new cudaStream_t(stream)), "cudnnSetStream");
            kernels = new Kernels(precision);
            byte[] name = new byte[256];
            JCudaDriver.cuDeviceGetName(name, name.length, device);
            int len = 0;
            while (len < name.length && name[len] != 0) len++;
            deviceName = new String(name, 0, len, StandardCharsets.US_ASCII).trim();
        } catch (RuntimeException | LinkageError e) {
            close();
            throw e;
        }
    }

    /** Checks that the caller's arena is 256-byte aligned device memory of at least {@code bytes} in this context. */
    private void useCallerArena(CUdeviceptr memory, long bytes) {
        long[] address = new long[1], start = new long[1], size = new long[1];
        try {
            JCudaDriver.cuPointerGetAttribute(Pointer.to(address), CUpointer_attribute.CU_POINTER_ATTRIBUTE_DEVICE_POINTER, memory);
            JCudaDriver.cuPointerGetAttribute(Pointer.to(start), CUpointer_attribute.CU_POINTER_ATTRIBUTE_RANGE_START_ADDR, memory);
            JCudaDriver.cuPointerGetAttribute(Pointer.to(size), CUpointer_attribute.CU_POINTER_ATTRIBUTE_RANGE_SIZE, memory);
        } catch (CudaException e) {
            throw new IllegalArgumentException("arena memory is not device memory of this context (" + CudaProbe.oneLine(e) + ")", e);
        }
        // the planner aligns buffers to 256 bytes from the arena's start; cuDNN and the kernels rely on that
        if (address[0] % 256 != 0) {
            throw new IllegalArgumentException("arena memory must be 256-byte aligned (cuMemAlloc's pointers are), its address is "
                    + address[0] % 256 + " bytes past a multiple of 256");
        }
        long left = start[0] + size[0] - address[0];
        if (bytes > left) {
            throw new IllegalArgumentException("arena of " + bytes + " bytes runs past the end of its allocation (" + left + " bytes from that address)");
        }
        arena = memory;
        arenaBytes = bytes;
        callerArena = true;
    }

    /**
     * The exact arena, in bytes, that a decoder with {@code options} plans on a CUDA backend, known before any GPU
     * is touched: give a caller's arena ({@link CudaOptions#withArenaMemory}) at least this much. The step is the
     * decoder's own choice ({@link Decoder#plannedStepFrames}): the memory budget's largest step, else the chunk;
     * the precision is {@code options.precision()}, or fp16 (the CUDA default) when unset.
     *
     * @throws IllegalArgumentException when the options decode whole sequences (chunk 0, no budget): that arena
     *                                  depends on the length; use {@link #requiredArenaBytes(DacModel, DecoderOptions, int)}
     */
    public static long requiredArenaBytes(DacModel model, DecoderOptions options) {
        Precision p = precisionOf(options);
        int step = Decoder.plannedStepFrames(model, options, p.bytes(), f -> workspaceBytesFor(model, options.batch(), f, p));
        if (step == 0) {
            throw new IllegalArgumentException("chunk frames 0 decodes each sequence whole, so its arena depends on the length: "
                    + "use requiredArenaBytes(model, options, frames), or set a chunk or a memory budget");
        }
        return arenaBytesFor(model, options.batch(), step, p);
    }

    /**
     * As {@link #requiredArenaBytes(DacModel, DecoderOptions)}, for decodes of sequences of up to {@code frames}
     * frames: with a chunk or budget the same number; when decoding whole sequences, the arena of a step of
     * {@code frames} plus the look-ahead. ({@code Decoder.stream} on a whole-sequence decoder plans
     * {@link DecoderOptions#DEFAULT_CHUNK_FRAMES}-frame steps.)
     */
    public static long requiredArenaBytes(DacModel model, DecoderOptions options, int frames) {
        if (frames < 1) throw new IllegalArgumentException("frames must be >= 1, got " + frames);
        Precision p = precisionOf(options);
        int step = Decoder.stepFrames(model, options, p.bytes(), f -> workspaceBytesFor(model, options.batch(), f, p), frames);
        return arenaBytesFor(model, options.batch(), step, p);
    }

    private static long arenaBytesFor(DacModel model, int streams, int step, Precision p) {
        return Decoder.planFor(model, streams, step, p.bytes(), workspaceBytesFor(model, streams, step, p)).arenaBytes();
    }

    private static Precision precisionOf(DecoderOptions options) {
        return options.precision() == null ? Precision.FP16 : options.precision();
    }

    @Override public String name() { return "cuda"; }

    @Override public Precision precision() { return precision; }

    @Override public String device() {
        String d = CudaProbe.description();
        return deviceName + ", " + precision + (d.isEmpty() ? "" : ", " + d);
    }

    // ---------------------------------------------------------------- workspace policy

    @Override public long workspaceBytes(DacModel model, int streams, int stepFrames) {
        return workspaceBytesFor(model, streams, stepFrames, precision);
    }

    /**
     * The workspace this backend asks the planner for, computable without a GPU (so {@code dac plan} on a CPU
     * machine shows what the GPU will allocate): Snake scratch, then the cuDNN workspace.
     * <ul>
     *   <li>scratch = max over the layers with a Snake prologue of (history + stepFrames * rate) * channels *
     *       streams * elementBytes, rounded up to 256 bytes: the pre-activated input window of the largest op;</li>
     *   <li>cuDNN = scratch clamped to [4 MiB, 32 MiB]: algorithms whose workspace is larger are skipped.</li>
     * </ul>
     */
    public static long workspaceBytesFor(DacModel model, int streams, int stepFrames, Precision p) {
        long scratch = snakeScratchBytes(model, streams, stepFrames, p);
        return scratch + cudnnWorkspaceBytes(scratch);
    }

    static long snakeScratchBytes(DacModel model, int streams, int stepFrames, Precision p) {
        long rows = 0, largest = 0;
        int rate = 1;
        for (DecoderBlock b : model.blocks()) {
            ConvTranspose1d t = b.convT1();
            largest = Math.max(largest, (2L + (long) stepFrames * rate) * t.inChannels());
            rate *= t.stride();
            for (ResidualUnit u : b.resUnits()) {
                largest = Math.max(largest, ((long) u.conv1().span() + (long) stepFrames * rate) * u.conv1().inChannels());
            }
        }
        Conv1d last = model.conv2();
        largest = Math.max(largest, ((long) last.span() + (long) stepFrames * rate) * last.inChannels());
        rows = largest * streams * p.bytes();
        return (rows + 255) / 256 * 256;
    }

    static long cudnnWorkspaceBytes(long scratchBytes) {
        return Math.min(CUDNN_WORKSPACE_MAX, Math.max(CUDNN_WORKSPACE_MIN, scratchBytes));
    }

    // ---------------------------------------------------------------- weights

    @Override public void prepare(DacModel model) {
        current();
        if (this.model == model) return;
        freeWeights();
        this.model = model;
        Quantizer q = model.quantizer();
        float[] tables = new float[q.codebooks() * q.codebookSize() * q.latent()];
        for (int k = 0; k < q.codebooks(); k++) System.arraycopy(q.tables()[k], 0, tables, k * q.codebookSize() * q.latent(), q.codebookSize() * q.latent());
        weights.put(q, uploadActivationType(tables));
        putConv(model.conv1());
        for (DecoderBlock b : model.blocks()) {
            putSnake(b.snake1());
            ConvTranspose1d t = b.convT1();
            weights.put(t, uploadActivationType(filterNhwc(t)));
            weights.put(t.bias(), upload(t.bias()));
            for (ResidualUnit u : b.resUnits()) {
                putSnake(u.snake1());
                putConv(u.conv1());
                putSnake(u.snake2());
                putConv(u.conv2());
            }
        }
        putSnake(model.snake1());
        putConv(model.conv2());
        orderAfterUploads();
    }

    /**
     * The weights went up with synchronous copies on the legacy default stream, whose last DMA may still be in
     * flight when they return; a caller's non-blocking stream is not ordered after that stream. An event recorded
     * there and waited for on {@link #stream()} orders every later op after the uploads, without a host wait.
     */
    private void orderAfterUploads() {
        CUevent uploaded = new CUevent();
        JCudaDriver.cuEventCreate(uploaded, CUevent_flags.CU_EVENT_DISABLE_TIMING);
        try {
            JCudaDriver.cuEventRecord(uploaded, new CUstream());   // handle 0: the legacy default stream
            JCudaDriver.cuStreamWaitEvent(stream, uploaded, 0);
        } finally {
            JCudaDriver.cuEventDestroy(uploaded);   // allowed while a wait is pending: released when it completes
        }
    }

    private void putConv(Conv1d c) {
        weights.put(c, uploadActivationType(filterNhwc(c)));
        weights.put(c.bias(), upload(c.bias()));
    }

    private void putSnake(Snake s) {
        weights.put(s.alpha(), upload(s.alpha()));
        weights.put(s.inverse(), upload(s.inverse()));
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
     * ConvTranspose1d weight {@code [in, out, 2s]} -> the filter of the forward convolution whose data gradient
     * it is, NHWC {@code [K = in, H = 1, W = 2s, C = out]}: {@code f[(i * 2s + m) * out + o] = W[i, o, m]}.
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
        return precision == Precision.FP16 ? upload(Halves.floatsToHalves(data)) : upload(data);
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

    private CUdeviceptr alloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        JCudaDriver.cuMemAlloc(p, Math.max(bytes, 1));
        allocations.add(p);
        weightBytes += bytes;
        return p;
    }

    private CUdeviceptr weight(Object key) {
        CUdeviceptr p = weights.get(key);
        if (p == null) throw new IllegalStateException("weights of this layer were not prepared on the GPU: call prepare(model) first");
        return p;
    }

    @Override public long weightBytes() { return weightBytes; }

    // ---------------------------------------------------------------- arena

    @Override public void allocate(MemoryPlan plan) {
        current();
        if (callerArena) {
            if (plan.arenaBytes() > arenaBytes) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "the plan needs an arena of %d bytes (%.1f MiB) but the caller's arena holds %d bytes: "
                                + "provide CudaBackend.requiredArenaBytes(model, options[, frames]) bytes, or use a smaller chunk or memory budget",
                        plan.arenaBytes(), plan.arenaBytes() / 1048576.0, arenaBytes));
            }
        }
        long need = Math.max(plan.arenaBytes(), 256);
        if (!callerArena && (arena == null || arenaBytes < need)) {
            long old = arenaBytes;
            JCudaDriver.cuStreamSynchronize(stream);
            freeArena();
            try {
                arena = mallocOrNull(need);
            } finally {
                if (arena != null) {
                    arenaBytes = need;
                } else if (old > 0) {
                    arena = mallocOrNull(old);   // what was just freed fits again: the backend stays usable
                    arenaBytes = arena == null ? 0 : old;
                }
            }
            if (arena == null) {
                long[] free = new long[1], total = new long[1];
                JCudaDriver.cuMemGetInfo(free, total);
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "the GPU arena of %.1f MiB does not fit (%.1f MiB free of %.1f MiB on %s): use a smaller --chunk-frames or --memory-budget",
                        need / 1048576.0, free[0] / 1048576.0, total[0] / 1048576.0, deviceName));
            }
        }
        PlannedBuffer ws = plan.byName().get("workspace");
        if (ws == null) {
            scratchOffset = scratchBytes = cudnnOffset = cudnnBytes = 0;
            return;
        }
        long scratch = 0;
        PlannedBuffer samples = plan.byName().get("samples");
        if (model != null && samples != null) {
            int streams = samples.request().shape()[0];
            int frames = samples.request().shape()[1] / model.config().hop();
            scratch = snakeScratchBytes(model, streams, frames, precision);
        }
        if (scratch == 0 || scratch >= ws.request().bytes()) scratch = ws.request().bytes() / 2 / 256 * 256;
        scratchOffset = ws.offset();
        scratchBytes = scratch;
        cudnnOffset = ws.offset() + scratch;
        cudnnBytes = ws.request().bytes() - scratch;
    }

    /** cuMemAlloc, or null when the device is out of memory. */
    private static CUdeviceptr mallocOrNull(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        try {
            JCudaDriver.cuMemAlloc(p, bytes);
            ARENA_ALLOCATIONS.incrementAndGet();
            return p;
        } catch (CudaException e) {
            if (String.valueOf(e.getMessage()).contains("CUDA_ERROR_OUT_OF_MEMORY")) return null;
            throw e;
        }
    }

    @Override public long arenaBytes() { return arenaBytes; }

    /** Device address of row {@code row} of stream 0 of {@code a}. */
    private CUdeviceptr at(Act a, int row) {
        if (arena == null) throw new IllegalStateException("no arena: call allocate(plan) first");
        return arena.withByteOffset(a.offset() + (long) row * a.channels() * elementBytes);
    }

    /** Elements between the same row of consecutive streams. */
    private static long streamStride(Act a) { return (long) a.rows() * a.channels(); }

    // ---------------------------------------------------------------- ops

    @Override public void codebookSum(Quantizer q, int streams, int[] codes, int codebooks, int n, Act staging, Act out, int outRow) {
        if (n == 0 || streams == 0) return;
        current();
        long count = (long) streams * codebooks * n;
        if (count > staging.elements()) throw new IllegalStateException("codes do not fit the staging buffer " + staging.name());
        CUdeviceptr codesAt = arena.withByteOffset(staging.offset());
        uploadCodes(codes, count, codesAt);
        int latent = q.latent();
        Kernels.launch(kernels.codebookSum, stream, (long) streams * n * latent,
                codesAt, weight(q), at(out, outRow), streamStride(out), codebooks, n, latent, q.codebookSize(),
                (long) streams * n * latent);
    }

    /**
     * Copies {@code count} codes to the device without waiting for the stream: through a pinned host slot, with
     * an asynchronous copy on the stream (so the device staging buffer is reused in stream order). Two slots are
     * used in turn; before refilling one, the host waits for that slot's previous upload only (an event), which
     * has long finished unless the device is two steps behind.
     */
    private void uploadCodes(int[] codes, long count, CUdeviceptr codesAt) {
        long bytes = 4 * count;
        if (codesHostBytes < bytes) {
            for (int i = 0; i < 2; i++) {
                if (codesPending[i]) JCudaDriver.cuEventSynchronize(codesUploaded[i]);
                codesPending[i] = false;
                if (codesHostBytes > 0) JCudaDriver.cuMemFreeHost(codesHost[i]);
            }
            codesHostBytes = 0;
            long size = Math.max(bytes, 4096);
            for (int i = 0; i < 2; i++) {
                codesHost[i] = new Pointer();
                JCudaDriver.cuMemAllocHost(codesHost[i], size);
            }
            codesHostBytes = size;
        }
        int slot = codesSlot;
        codesSlot ^= 1;
        if (codesPending[slot]) JCudaDriver.cuEventSynchronize(codesUploaded[slot]);
        codesHost[slot].getByteBuffer(0, bytes).order(ByteOrder.nativeOrder()).asIntBuffer().put(codes, 0, (int) count);
        JCudaDriver.cuMemcpyHtoDAsync(codesAt, codesHost[slot], bytes, stream);
        JCudaDriver.cuEventRecord(codesUploaded[slot], stream);
        codesPending[slot] = true;
    }

    /** Pinned host memory of at least {@code bytes}, for the synchronous {@link #read} and {@link #write}. */
    private Pointer hostStage(long bytes) {
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

    @Override public void conv(Conv1d conv, Snake prologue, int streams, Act in, int inRow, Act out, int outRow, int n,
                               Act residual, int residualRow, boolean tanh) {
        if (n == 0 || streams == 0) return;
        current();
        int cin = conv.inChannels(), cout = conv.outChannels();
        int window = n + conv.span();
        CUdeviceptr x;
        long xStride;
        if (prologue != null) {
            x = snake(prologue, streams, in, inRow, window);
            xStride = (long) window * cin;
        } else {
            x = at(in, inRow);
            xStride = streamStride(in);
        }
        Geometry g = Geometry.forward(conv, n);
        ConvShape s = shape(new ShapeKey(false, cin, cout, conv.kernel(), g, streams, xStride, streamStride(out)));
        cudnnCheck(JCudnn.cudnnConvolutionForward(cudnn, ONE, s.x, x, s.w, weight(conv), s.conv, s.algorithm,
                arena.withByteOffset(cudnnOffset), s.workspace, ZERO, s.y, at(out, outRow)), "cudnnConvolutionForward " + conv.name());
        long count = (long) streams * n * cout;
        Kernels.launch(kernels.epilogue, stream, count,
                at(out, outRow), streamStride(out),
                residual == null ? (Object) 0L : at(residual, residualRow), residual == null ? 0L : streamStride(residual),
                residual == null ? 0 : 1, weight(conv.bias()), tanh ? 1 : 0, (long) n * cout, cout, count);
    }

    @Override public void convTranspose(ConvTranspose1d conv, Snake prologue, int streams, Act in, int inRow, Act out, int outRow, int n) {
        if (n == 0 || streams == 0) return;
        current();
        int cin = conv.inChannels(), cout = conv.outChannels();
        Geometry g = Geometry.transposed(conv, n);
        CUdeviceptr dy;
        long dyStride;
        if (prologue != null) {
            dy = snake(prologue, streams, in, inRow, g.inW());
            dyStride = (long) g.inW() * cin;
        } else {
            dy = at(in, inRow);
            dyStride = streamStride(in);
        }
        ConvShape s = shape(new ShapeKey(true, cin, cout, conv.kernel(), g, streams, dyStride, streamStride(out)));
        cudnnCheck(JCudnn.cudnnConvolutionBackwardData(cudnn, ONE, s.w, weight(conv), s.x, dy, s.conv, s.algorithm,
                arena.withByteOffset(cudnnOffset), s.workspace, ZERO, s.y, at(out, outRow)), "cudnnConvolutionBackwardData " + conv.name());
        long count = (long) streams * g.outW() * cout;
        Kernels.launch(kernels.epilogue, stream, count, at(out, outRow), streamStride(out), 0L, 0L, 0,
                weight(conv.bias()), 0, (long) g.outW() * cout, cout, count);
    }

    /** Snake over rows [row, row + rows) of every stream of {@code in} into the packed scratch [streams, rows, C]. */
    private CUdeviceptr snake(Snake s, int streams, Act in, int row, int rows) {
        long elements = (long) streams * rows * in.channels();
        if (elements * elementBytes > scratchBytes) {
            throw new IllegalStateException("Snake scratch of " + scratchBytes + " bytes is too small for " + elements
                    + " elements of " + in.name() + ": the plan was made for a smaller step");
        }
        CUdeviceptr dst = arena.withByteOffset(scratchOffset);
        Kernels.launch(kernels.snake, stream, elements, at(in, row), streamStride(in), dst, weight(s.alpha()), weight(s.inverse()),
                (long) rows * in.channels(), in.channels(), elements);
        return dst;
    }

    @Override public void copyRows(int streams, Act src, int srcRow, Act dst, int dstRow, int rows) {
        if (rows == 0) return;
        current();
        long bytes = (long) rows * src.channels() * elementBytes;
        for (int b = 0; b < streams; b++) {
            JCudaDriver.cuMemcpyDtoDAsync(at(dst, dstRow).withByteOffset(b * streamStride(dst) * elementBytes),
                    at(src, srcRow).withByteOffset(b * streamStride(src) * elementBytes), bytes, stream);
        }
    }

    @Override public void zeroRows(Act dst, int stream, int fromRow, int rows) {
        if (rows == 0) return;
        current();
        // all-zero bits are +0 in fp16 and fp32
        JCudaDriver.cuMemsetD8Async(at(dst, fromRow).withByteOffset(stream * streamStride(dst) * elementBytes), (byte) 0,
                (long) rows * dst.channels() * elementBytes, this.stream);
    }

    @Override public void read(Act src, int stream, int fromRow, int rows, float[] dst, int dstOffset) {
        if (rows == 0) return;
        current();
        int count = rows * src.channels();
        long bytes = (long) count * elementBytes;
        CUdeviceptr from = at(src, fromRow).withByteOffset(stream * streamStride(src) * elementBytes);
        Pointer h = hostStage(bytes);
        // ordered after the ops on this backend's stream (not the legacy stream, which a caller's non-blocking
        // stream would not wait for); the one stream sync of a decode: read returns finished data
        JCudaDriver.cuMemcpyDtoHAsync(h, from, bytes, this.stream);
        JCudaDriver.cuStreamSynchronize(this.stream);
        ByteBuffer b = h.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
        if (precision == Precision.FP32) {
            b.asFloatBuffer().get(dst, dstOffset, count);
        } else {
            ShortBuffer s = b.asShortBuffer();
            for (int i = 0; i < count; i++) dst[dstOffset + i] = Halves.halfToFloat(s.get(i));
        }
    }

    /**
     * {@code samples:[streams, rows, 1]} rows {@code [fromRow, fromRow + count)} of one stream -> {@code count}
     * float32 values at {@code dst} on the device, enqueued on the stream (no host round trip, no wait): a copy in
     * fp32, the {@code dac4j_cast_f16_f32} kernel in fp16.
     */
    void copyToDevice(Act src, int stream, int fromRow, int count, CUdeviceptr dst) {
        if (count == 0) return;
        current();
        long elements = (long) count * src.channels();
        CUdeviceptr from = at(src, fromRow).withByteOffset(stream * streamStride(src) * elementBytes);
        if (precision == Precision.FP32) JCudaDriver.cuMemcpyDtoDAsync(dst, from, 4L * elements, this.stream);
        else Kernels.launch(kernels.castHalfToFloat, this.stream, elements, from, dst, elements);
    }

    /**
     * Writes host floats ({@code [streams, rows, channels]}, the whole buffer) into {@code dst}, rounded to the
     * activation precision. For tests and tools: the decoder itself only writes codes.
     */
    void write(Act dst, float[] data) {
        current();
        if (data.length != dst.elements()) throw new IllegalArgumentException(dst.name() + " holds " + dst.elements() + " elements, got " + data.length);
        long bytes = (long) data.length * elementBytes;
        JCudaDriver.cuStreamSynchronize(stream);   // the staging buffer may still feed an earlier copy
        Pointer h = hostStage(bytes);
        ByteBuffer b = h.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
        if (precision == Precision.FP32) b.asFloatBuffer().put(data);
        else b.asShortBuffer().put(Halves.floatsToHalves(data));
        JCudaDriver.cuMemcpyHtoDAsync(at(dst, 0), h, bytes, stream);
        JCudaDriver.cuStreamSynchronize(stream);
    }

    /** For tests that launch kernels themselves. */
    Kernels kernels() { return kernels; }

    /** The stream every op is enqueued on: the caller's ({@link CudaOptions#stream()}) or the backend's own. */
    public CUstream stream() { return stream; }

    /** The context the backend runs in. */
    public CUcontext context() { return context; }

    /** True when ops go to the caller's stream rather than one the backend created. */
    public boolean callerStream() { return !streamCreated; }

    /** Device address of row {@code row} of stream 0 of {@code a}, for tests. */
    CUdeviceptr address(Act a, int row) {
        current();
        return at(a, row);
    }

    /** Waits for every op issued so far on {@link #stream()} (with a caller's stream: the caller's work too). */
    public void synchronize() {
        current();
        JCudaDriver.cuStreamSynchronize(stream);
    }

    // ---------------------------------------------------------------- cuDNN shapes

    /**
     * The 1-D geometry of one cuDNN call, as 2-D with H = 1: input width, output width, and the W padding,
     * stride and dilation of the convolution descriptor. For a transposed layer "input" is the data gradient's
     * source (the window, {@code dy}) and "output" the result ({@code dx}).
     */
    record Geometry(int inW, int outW, int padW, int strideW, int dilationW) {

        /** Valid convolution over a window of n + span rows: n outputs, no padding (the window holds the halo). */
        static Geometry forward(Conv1d c, int n) {
            return new Geometry(n + c.span(), n, 0, 1, c.dilation());
        }

        /**
         * The transposed layer as the data gradient of a stride-s convolution with padding P = s + p (p = s/2):
         * window row i with tap m reaches output x = i*s + m - P, so output q*s + r gets window row q+1 through
         * tap r + p, row q through r + p + s and row q+2 through r + p - s: the phase contract, with n + 2 window
         * rows giving exactly n*s outputs ((n*s + 2P - 2s) / s + 1 = n + 2), nothing to crop.
         */
        static Geometry transposed(ConvTranspose1d c, int n) {
            int s = c.stride(), p = c.padding();
            if (2 * p != s) throw new IllegalArgumentException(c.name() + ": the CUDA backend needs padding s/2, got stride " + s + " padding " + p);
            return new Geometry(n + 2, n * s, s + p, s, 1);
        }
    }

    private record ShapeKey(boolean transposed, int cin, int cout, int kernel, Geometry g, int streams, long inStride, long outStride) {}

    /** Descriptors and the chosen algorithm of one shape. For a transposed shape, x = dy and y = dx. */
    private static final class ConvShape {
        final cudnnTensorDescriptor x = new cudnnTensorDescriptor(), y = new cudnnTensorDescriptor();
        final cudnnFilterDescriptor w = new cudnnFilterDescriptor();
        final cudnnConvolutionDescriptor conv = new cudnnConvolutionDescriptor();
        int algorithm;
        long workspace;

        void destroy() {
            JCudnn.cudnnDestroyTensorDescriptor(x);
            JCudnn.cudnnDestroyTensorDescriptor(y);
            JCudnn.cudnnDestroyFilterDescriptor(w);
            JCudnn.cudnnDestroyConvolutionDescriptor(conv);
        }
    }

    private ConvShape shape(ShapeKey k) {
        ConvShape s = shapes.get(k);
        if (s != null) return s;
        if (shapes.size() >= MAX_CACHED_SHAPES) clearShapes();
        s = new ConvShape();
        cudnnCheck(JCudnn.cudnnCreateTensorDescriptor(s.x), "cudnnCreateTensorDescriptor");
        cudnnCheck(JCudnn.cudnnCreateTensorDescriptor(s.y), "cudnnCreateTensorDescriptor");
        cudnnCheck(JCudnn.cudnnCreateFilterDescriptor(s.w), "cudnnCreateFilterDescriptor");
        cudnnCheck(JCudnn.cudnnCreateConvolutionDescriptor(s.conv), "cudnnCreateConvolutionDescriptor");
        try {
            Geometry g = k.g();
            // x: cin channels (a forward input, or a transposed layer's window dy); y: cout channels (output, or dx).
            int inC = k.cin(), outC = k.cout();
            // NHWC views: N = streams (stride = a stream's rows * C), H = 1, W = rows (stride C), C (stride 1).
            cudnnCheck(JCudnn.cudnnSetTensor4dDescriptorEx(s.x, dataType, k.streams(), inC, 1, g.inW(),
                    intStride(k.inStride()), 1, g.inW() * inC, inC), "cudnnSetTensor4dDescriptorEx (input)");
            cudnnCheck(JCudnn.cudnnSetTensor4dDescriptorEx(s.y, dataType, k.streams(), outC, 1, g.outW(),
                    intStride(k.outStride()), 1, g.outW() * outC, outC), "cudnnSetTensor4dDescriptorEx (output)");
            // Forward: filter [K = cout, C = cin]; transposed: the forward conv maps dx (cout) to dy (cin): [K = cin, C = cout].
            int fk = k.transposed() ? k.cin() : k.cout(), fc = k.transposed() ? k.cout() : k.cin();
            cudnnCheck(JCudnn.cudnnSetFilter4dDescriptor(s.w, dataType, CUDNN_TENSOR_NHWC, fk, fc, 1, k.kernel()), "cudnnSetFilter4dDescriptor");
            cudnnCheck(JCudnn.cudnnSetConvolution2dDescriptor(s.conv, 0, g.padW(), 1, g.strideW(), 1, g.dilationW(),
                    CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor");
            // fp16: tensor cores with fp32 accumulation; fp32: plain FMA, so that no TF32 rounding creeps in.
            int math = precision == Precision.FP16 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH;
            cudnnCheck(JCudnn.cudnnSetConvolutionMathType(s.conv, math), "cudnnSetConvolutionMathType");
            chooseAlgorithm(k, s, math);
        } catch (RuntimeException e) {
            s.destroy();
            throw e;
        }
        shapes.put(k, s);
        return s;
    }

    /** The heuristics' best algorithm whose workspace fits the cuDNN part of the arena's workspace. */
    private void chooseAlgorithm(ShapeKey k, ConvShape s, int math) {
        int[] returned = new int[1];
        String what = (k.transposed() ? "backward-data" : "forward") + " " + k;
        if (!k.transposed()) {
            cudnnConvolutionFwdAlgoPerf[] perf = new cudnnConvolutionFwdAlgoPerf[ALGORITHMS];
            for (int i = 0; i < perf.length; i++) perf[i] = new cudnnConvolutionFwdAlgoPerf();
            cudnnCheck(JCudnn.cudnnGetConvolutionForwardAlgorithm_v7(cudnn, s.x, s.w, s.conv, s.y, ALGORITHMS, returned, perf),
                    "cudnnGetConvolutionForwardAlgorithm_v7");
            for (int i = 0; i < returned[0]; i++) {
                cudnnConvolutionFwdAlgoPerf p = perf[i];
                if (p.status != CUDNN_STATUS_SUCCESS || p.memory > cudnnBytes || !mathAllowed(p.mathType)) continue;
                cudnnCheck(JCudnn.cudnnSetConvolutionMathType(s.conv, precision == Precision.FP16 ? p.mathType : math), "cudnnSetConvolutionMathType");
                long[] ws = new long[1];
                if (JCudnn.cudnnGetConvolutionForwardWorkspaceSize(cudnn, s.x, s.w, s.conv, s.y, p.algo, ws) != CUDNN_STATUS_SUCCESS
                        || ws[0] > cudnnBytes) continue;
                s.algorithm = p.algo;
                s.workspace = ws[0];
                return;
            }
        } else {
            cudnnConvolutionBwdDataAlgoPerf[] perf = new cudnnConvolutionBwdDataAlgoPerf[ALGORITHMS];
            for (int i = 0; i < perf.length; i++) perf[i] = new cudnnConvolutionBwdDataAlgoPerf();
            cudnnCheck(JCudnn.cudnnGetConvolutionBackwardDataAlgorithm_v7(cudnn, s.w, s.x, s.conv, s.y, ALGORITHMS, returned, perf),
                    "cudnnGetConvolutionBackwardDataAlgorithm_v7");
            for (int i = 0; i < returned[0]; i++) {
                cudnnConvolutionBwdDataAlgoPerf p = perf[i];
                if (p.status != CUDNN_STATUS_SUCCESS || p.memory > cudnnBytes || !mathAllowed(p.mathType)) continue;
                cudnnCheck(JCudnn.cudnnSetConvolutionMathType(s.conv, precision == Precision.FP16 ? p.mathType : math), "cudnnSetConvolutionMathType");
                long[] ws = new long[1];
                if (JCudnn.cudnnGetConvolutionBackwardDataWorkspaceSize(cudnn, s.w, s.x, s.conv, s.y, p.algo, ws) != CUDNN_STATUS_SUCCESS
                        || ws[0] > cudnnBytes) continue;
                s.algorithm = p.algo;
                s.workspace = ws[0];
                return;
            }
        }
        throw new IllegalStateException("cuDNN offers no " + what + " algorithm within a workspace of " + cudnnBytes + " bytes");
    }

    /** fp32 must not run on tensor cores (TF32 would round the inputs to 10 mantissa bits). */
    private boolean mathAllowed(int mathType) {
        return precision == Precision.FP16 || mathType != CUDNN_TENSOR_OP_MATH;
    }

    private void clearShapes() {
        for (ConvShape s : shapes.values()) s.destroy();
        shapes.clear();
    }

    /** cuDNN's 4-D descriptors take int strides: a stream of more than 2^31 elements needs a smaller step. */
    private static int intStride(long stride) {
        if (stride > Integer.MAX_VALUE) {
            throw new IllegalStateException("a stream of " + stride + " elements exceeds cuDNN's int strides: use a smaller --chunk-frames");
        }
        return (int) stride;
    }

    private static void cudnnCheck(int status, String what) {
        if (status != CUDNN_STATUS_SUCCESS) {
            String text;
            try {
                text = JCudnn.cudnnGetErrorString(status);   // cuDNN 9's own names; the 11.7 jar's table is cuDNN 8's
            } catch (Throwable t) {
                text = "status " + status;
            }
            throw new IllegalStateException(what + " failed: " + text);
        }
    }

    // ---------------------------------------------------------------- lifetime

    private void current() {
        if (closed) throw new IllegalStateException("the CUDA backend is closed");
        JCudaDriver.cuCtxSetCurrent(context);
    }

    private void freeArena() {
        if (arena != null && !callerArena) JCudaDriver.cuMemFree(arena);
        arena = null;
        arenaBytes = 0;
    }

    private void freeHostStaging() {
        for (int i = 0; i < 2; i++) {
            if (codesHostBytes > 0) JCudaDriver.cuMemFreeHost(codesHost[i]);
            if (eventsCreated) JCudaDriver.cuEventDestroy(codesUploaded[i]);
        }
        codesHostBytes = 0;
        eventsCreated = false;
        if (hostBytes > 0) JCudaDriver.cuMemFreeHost(host);
        hostBytes = 0;
    }

    private void freeWeights() {
        for (CUdeviceptr p : allocations) JCudaDriver.cuMemFree(p);
        allocations.clear();
        weights.clear();
        weightBytes = 0;
        model = null;
    }

    /**
     * Waits for the stream (queued ops may still read the weights and the arena), then frees the weights, its own
     * arena, the pinned staging, the descriptors, the module and the cuDNN handle, destroys its own stream and
     * releases the primary context if it retained it. A caller's context, stream and arena memory are left alone.
     * Idempotent.
     */
    @Override public void close() {
        if (closed) return;
        closed = true;
        if (context == null) return;
        try {
            JCudaDriver.cuCtxSetCurrent(context);
            if (stream != null) JCudaDriver.cuStreamSynchronize(stream);
        } finally {
            try {
                clearShapes();
                freeArena();
                freeWeights();
                freeHostStaging();
                if (kernels != null) kernels.close();
                if (cudnnCreated) JCudnn.cudnnDestroy(cudnn);
                if (streamCreated) JCudaDriver.cuStreamDestroy(stream);
            } finally {
                if (contextRetained) JCudaDriver.cuDevicePrimaryCtxRelease(device);
            }
        }
    }
}
