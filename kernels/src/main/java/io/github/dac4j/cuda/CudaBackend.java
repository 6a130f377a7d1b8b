package io.github.dac4j.cuda;

import io.github.dac4j.core.Backend;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.core.model.ResidualQuantizer;
import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.CodebookSum;
import io.github.dac4j.core.program.Conv;
import io.github.dac4j.core.program.ConvTranspose;
import io.github.dac4j.core.program.Op;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.Quantize;
import io.github.dac4j.core.program.UploadAudio;
import io.github.dac4j.core.program.ScratchPolicy;
import io.github.dac4j.core.model.Snake;
import io.github.dac4j.weights.Halves;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The CUDA backend: a thin runner of a step program's ops on parts that each do one job: {@link CudaContext}
 * (context and stream), {@link DeviceWeights} (one device copy of the weights per context and model, shared),
 * {@link CudaArena} (the planned memory), {@link PinnedStaging} (codes up, samples down), {@link Cudnn} (convolutions)
 * and {@link PtxKernels} (Snake, epilogue, codebook sum, casts). Sizing needs no GPU: {@link CudaSizing}.
 * Activations are fp16 ({@link Precision#FP16}) or fp32 in the arena, time-major {@code [streams, rows, channels]}:
 * cuDNN's NHWC with H = 1, N = streams, W = rows.
 *
 * <ul>
 *   <li>{@code conv}: Snake prologue (own kernel, fp32 math) into the op's {@code snake} scratch, then
 *       {@code cudnnConvolutionForward} straight into the output rows, then one epilogue kernel for bias + residual +
 *       tanh, in place.</li>
 *   <li>{@code convTranspose}: Snake into scratch, then {@code cudnnConvolutionBackwardData} with padding
 *       {@code s + ceil(s/2)}, whose output rows are exactly the phase contract's rows (no cropping), then bias.</li>
 *   <li>{@code codebookSum}: codes copied to the arena's {@code codes} buffer, one gather-and-sum kernel.</li>
 * </ul>
 * Accumulation is fp32 everywhere.
 *
 * <p>Embedding ({@link #create(Precision, CudaOptions)}): the backend can run in the caller's context, enqueue on the
 * caller's stream and keep its arena in the caller's memory. The only waits are in {@link #read} (a sync of this
 * backend's stream, so that the data returned is finished), in {@link #allocate} when an arena it allocated itself
 * must grow (once per larger plan; never with a caller's arena), in {@link #synchronize} and in {@link #close}.
 *
 * <p>Not thread-safe; each call makes the context current, so a backend may move between threads. It serves one
 * decoder at a time; backends on one context and model share one device copy of the weights.
 */
public final class CudaBackend implements Backend {
    private final Precision precision;
    private final int elementBytes;
    private final CudaContext cuda;
    private final CudaArena arena;
    private final PinnedStaging staging;
    private final Cudnn cudnn;
    private final PtxKernels kernels;
    private DeviceWeights weights;
    private Object model;
    /** Per convolution op of the current program: its scratch, found once when the program is taken. */
    private Map<Op, Map<String, ArenaBuffer>> scratch = new IdentityHashMap<>();
    private boolean closed;

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
        CudaContext c = CudaContext.open(options);
        CudaArena a = null;
        PinnedStaging p = null;
        Cudnn d = null;
        try {
            a = options.callerArena() ? CudaArena.caller(c.deviceName, options.arenaMemory(), options.arenaBytes()) : CudaArena.own(c.deviceName);
            p = new PinnedStaging(c.stream);
            d = new Cudnn(c.stream, precision);
            this.kernels = new PtxKernels(precision);
        } catch (RuntimeException | LinkageError e) {
            if (d != null) d.close();
            if (p != null) p.close();
            if (a != null) a.close();
            c.close();
            throw e;
        }
        this.cuda = c;
        this.arena = a;
        this.staging = p;
        this.cudnn = d;
    }

    /**
     * The exact arena a decoder with {@code options} plans on a CUDA backend; see
     * {@link CudaSizing#requiredArenaBytes(DacModel, DecoderOptions)}.
     */
    public static long requiredArenaBytes(DacModel model, DecoderOptions options) {
        return CudaSizing.requiredArenaBytes(model, options);
    }

    /** See {@link CudaSizing#requiredArenaBytes(DacModel, DecoderOptions, int)}. */
    public static long requiredArenaBytes(DacModel model, DecoderOptions options, int frames) {
        return CudaSizing.requiredArenaBytes(model, options, frames);
    }

    @Override public String name() { return "cuda"; }

    @Override public Precision precision() { return precision; }

    @Override public String device() {
        String d = CudaProbe.description();
        return cuda.deviceName + ", " + precision + (d.isEmpty() ? "" : ", " + d);
    }

    @Override public ScratchPolicy scratch() { return CudaSizing.scratch(); }

    /** Uploads the model's weights, or shares the copy another backend on this context already holds. */
    @Override public void prepare(DacModel model) { prepareWeights(model); }

    /** Uploads the encoder's weights (the quantizer's encode side in float32), or shares another backend's copy. */
    @Override public void prepare(EncoderModel encoder) { prepareWeights(encoder); }

    private void prepareWeights(Object model) {
        current();
        if (this.model == model) return;
        DeviceWeights next = DeviceWeights.acquire(cuda.context, cuda.stream, model, precision);
        if (weights != null) {
            cuda.synchronize();   // queued ops may still read the old weights
            weights.release();
        }
        weights = next;
        this.model = model;
    }

    @Override public long weightBytes() { return weights == null ? 0 : weights.bytes(); }

    /** Device copies of the weights this backend shares with other backends on its context (1 when it is alone). */
    public int weightSharers() { return weights == null ? 0 : weights.users(); }

    /**
     * Sizes the arena to the program's plan (the old arena stays when that fails), finds each op's scratch, and makes
     * each convolution's cuDNN descriptors and algorithm choice for a full step now, so that a shape cuDNN refuses
     * fails when the decoder opens rather than mid-decode (shorter steps, at the end of a sequence, are chosen when
     * first run).
     */
    @Override public void allocate(Program program) {
        current();
        arena.ensure(program.plan().arenaBytes(), cuda.stream);
        Map<Op, Map<String, ArenaBuffer>> views = new IdentityHashMap<>();
        for (int i = 0; i < program.ops().size(); i++) views.put(program.ops().get(i), program.scratch(i));
        scratch = views;
        int streams = program.streams(), frames = program.stepFrames();
        for (int i = 0; i < program.ops().size(); i++) {
            Op op = program.ops().get(i);
            if (op instanceof Conv c) cudnn.shape(key(c, streams, c.stage().outputRows(frames)), program.scratch(i).get("cudnn").channels());
            if (op instanceof ConvTranspose t) cudnn.shape(key(t, streams, t.stage().inputRows(frames)), program.scratch(i).get("cudnn").channels());
        }
    }

    /** The cuDNN call of a convolution op for n output rows: its input is the Snake scratch (packed) or the window itself. */
    private static Cudnn.Key key(Conv op, int streams, int n) {
        var conv = op.conv();
        long inStride = op.prologue() != null ? (long) Cudnn.Geometry.forward(conv, n).inW() * conv.inChannels() : op.in().streamStride();
        return new Cudnn.Key(false, conv.inChannels(), conv.outChannels(), conv.kernel(), Cudnn.Geometry.forward(conv, n), streams,
                inStride, op.out().streamStride());
    }

    /** The cuDNN call of a transposed convolution op for n input rows. */
    private static Cudnn.Key key(ConvTranspose op, int streams, int n) {
        var conv = op.conv();
        Cudnn.Geometry g = Cudnn.Geometry.transposed(conv, n);
        long inStride = op.prologue() != null ? (long) g.inW() * conv.inChannels() : op.in().streamStride();
        return new Cudnn.Key(true, conv.inChannels(), conv.outChannels(), conv.kernel(), g, streams, inStride, op.out().streamStride());
    }

    @Override public long arenaBytes() { return arena.bytes(); }

    /** True when the arena is the caller's memory ({@link CudaOptions#withArenaMemory}). */
    public boolean callerArena() { return arena.callerOwned(); }

    // ---------------------------------------------------------------- ops

    @Override public void codebookSum(CodebookSum op, int streams, int[] codes, int codebooks, int n) {
        current();
        int count = streams * codebooks * n;
        if (count > op.codes().elements()) throw new IllegalStateException("codes do not fit the staging buffer " + op.codes().name());
        CUdeviceptr codesAt = arena.at(op.codes().offset());
        staging.uploadCodes(codes, count, codesAt);
        var q = op.quantizer();
        long outputs = (long) streams * n * q.latent();
        kernels.codebookSum(cuda.stream, codesAt, weights.of(q), at(op.out(), 0, op.outRow()), op.out().streamStride(),
                codebooks, n, q.latent(), q.codebookSize(), outputs);
    }

    /** Each stream's rows go up through pinned staging, rounded to fp16 on the host when the arena is fp16. */
    @Override public void uploadAudio(UploadAudio op, int streams, float[] audio, int rows) {
        current();
        int count = rows * op.out().channels();
        for (int b = 0; b < streams; b++) {
            staging.uploadFloats(audio, b * count, count, precision == Precision.FP16, at(op.out(), b, op.outRow()));
        }
    }

    /** The quantize kernel writes the codes to the arena's {@code codes} buffer; they come down with one wait. */
    @Override public void quantize(Quantize op, int streams, int n, int frames, int[] codes) {
        current();
        ResidualQuantizer q = op.quantizer();
        int books = q.codebooks();
        CUdeviceptr device = arena.at(op.codes().offset());
        kernels.quantize(cuda.stream, at(op.latents(), 0, 0), op.latents().streamStride(), weights.of(q.inProj()), weights.of(q),
                weights.of(q.normalized()), weights.of(q.decode().tables()), device, books, streams, n, frames, q.latent(), q.dim(),
                q.codebookSize());
        int count = streams * books * frames;
        Pointer h = staging.host(4L * count);
        JCudaDriver.cuMemcpyDtoHAsync(h, device, 4L * count, cuda.stream);
        JCudaDriver.cuStreamSynchronize(cuda.stream);
        h.getByteBuffer(0, 4L * count).order(ByteOrder.nativeOrder()).asIntBuffer().get(codes, 0, count);
    }

    /**
     * Computes every row {@code [0, n)}, the skipped ones too: cuDNN's algorithms are found per row count when the
     * program is allocated, and a shifted range would add shapes for a few rows of the first steps.
     */
    @Override public void conv(Conv op, int streams, long position, int skip, int n) {
        current();
        var conv = op.conv();
        int cin = conv.inChannels(), cout = conv.outChannels();
        int window = (n - 1) * conv.stride() + conv.span() + 1;
        Map<String, ArenaBuffer> s = scratchOf(op);
        CUdeviceptr x = op.prologue() != null ? snake(op.prologue(), streams, op.in(), window, s.get("snake")) : at(op.in(), 0, 0);
        ArenaBuffer ws = s.get("cudnn");
        Cudnn.Key key = key(op, streams, n);
        CUdeviceptr y = at(op.out(), 0, op.outRow());
        cudnn.forward(key, x, weights.of(conv), y, arena.at(ws.offset()), ws.channels(), conv.name());
        ArenaBuffer r = op.residual();
        long count = (long) streams * n * cout;
        kernels.epilogue(cuda.stream, y, op.out().streamStride(), r == null ? null : at(r, 0, op.residualRow()),
                r == null ? 0 : r.streamStride(), r == null ? 0 : 1, weights.of(conv.bias()), op.tanh() ? 1 : 0,
                (long) n * cout, cout, count);
    }

    /** Computes every input row {@code [0, n)}, as {@link #conv} does. */
    @Override public void convTranspose(ConvTranspose op, int streams, long position, int skip, int n) {
        current();
        var conv = op.conv();
        int cout = conv.outChannels();
        Cudnn.Geometry g = Cudnn.Geometry.transposed(conv, n);
        Map<String, ArenaBuffer> s = scratchOf(op);
        CUdeviceptr dy = op.prologue() != null ? snake(op.prologue(), streams, op.in(), g.inW(), s.get("snake")) : at(op.in(), 0, 0);
        ArenaBuffer ws = s.get("cudnn");
        Cudnn.Key key = key(op, streams, n);
        CUdeviceptr dx = at(op.out(), 0, op.outRow());
        cudnn.backwardData(key, dy, weights.of(conv), dx, arena.at(ws.offset()), ws.channels(), conv.name());
        long count = (long) streams * g.outW() * cout;
        kernels.epilogue(cuda.stream, dx, op.out().streamStride(), null, 0, 0, weights.of(conv.bias()), 0,
                (long) g.outW() * cout, cout, count);
    }

    /** Snake over rows [0, rows) of every stream of {@code in} into the packed scratch {@code [streams, rows, C]}. */
    private CUdeviceptr snake(Snake snake, int streams, ArenaBuffer in, int rows, ArenaBuffer scratch) {
        long elements = (long) streams * rows * in.channels();
        if (elements * elementBytes > scratch.channels()) {
            throw new IllegalStateException("Snake scratch of " + scratch.channels() + " bytes is too small for " + elements
                    + " elements of " + in.name() + ": the plan was made for a smaller step");
        }
        CUdeviceptr dst = arena.at(scratch.offset());
        kernels.snake(cuda.stream, at(in, 0, 0), in.streamStride(), dst, weights.of(snake.alpha()), weights.of(snake.inverse()),
                (long) rows * in.channels(), in.channels(), elements);
        return dst;
    }

    private Map<String, ArenaBuffer> scratchOf(Op op) {
        Map<String, ArenaBuffer> s = scratch.get(op);
        if (s == null) throw new IllegalStateException(op.label() + " is not an op of the program this backend took: call allocate(program) first");
        return s;
    }

    @Override public void copyRows(int streams, ArenaBuffer src, int srcRow, ArenaBuffer dst, int dstRow, int rows) {
        if (rows == 0) return;
        current();
        long bytes = (long) rows * src.channels() * elementBytes;
        for (int b = 0; b < streams; b++) JCudaDriver.cuMemcpyDtoDAsync(at(dst, b, dstRow), at(src, b, srcRow), bytes, cuda.stream);
    }

    @Override public void zeroRows(ArenaBuffer dst, int stream, int fromRow, int rows) {
        if (rows == 0) return;
        current();
        // all-zero bits are +0 in fp16 and fp32
        JCudaDriver.cuMemsetD8Async(at(dst, stream, fromRow), (byte) 0, (long) rows * dst.channels() * elementBytes, cuda.stream);
    }

    @Override public void read(ArenaBuffer src, int stream, int fromRow, int rows, float[] dst, int dstOffset) {
        if (rows == 0) return;
        current();
        int count = rows * src.channels();
        long bytes = (long) count * elementBytes;
        Pointer h = staging.host(bytes);
        // ordered after the ops on this backend's stream (not the legacy stream, which a caller's non-blocking
        // stream would not wait for); the one stream sync of a decode: read returns finished data
        JCudaDriver.cuMemcpyDtoHAsync(h, at(src, stream, fromRow), bytes, cuda.stream);
        JCudaDriver.cuStreamSynchronize(cuda.stream);
        ByteBuffer b = h.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
        if (precision == Precision.FP32) {
            b.asFloatBuffer().get(dst, dstOffset, count);
        } else {
            ShortBuffer s = b.asShortBuffer();
            for (int i = 0; i < count; i++) dst[dstOffset + i] = Halves.halfToFloat(s.get(i));
        }
    }

    /**
     * {@code samples:[streams, rows, 1]} rows {@code [fromRow, fromRow + count)} of one stream -> {@code count} float32
     * values at {@code dst} on the device, enqueued on the stream (no host round trip, no wait): a copy in fp32, the
     * {@code dac4j_cast_f16_f32} kernel in fp16.
     */
    void copyToDevice(ArenaBuffer src, int stream, int fromRow, int count, CUdeviceptr dst) {
        if (count == 0) return;
        current();
        long elements = (long) count * src.channels();
        CUdeviceptr from = at(src, stream, fromRow);
        if (precision == Precision.FP32) JCudaDriver.cuMemcpyDtoDAsync(dst, from, 4L * elements, cuda.stream);
        else kernels.castHalfToFloat(cuda.stream, from, dst, elements);
    }

    /**
     * Writes host floats ({@code [streams, rows, channels]}, the whole buffer) into {@code dst}, rounded to the
     * activation precision, and waits: for tools and tests that set activations directly.
     */
    public void write(ArenaBuffer dst, float[] data) {
        current();
        if (data.length != dst.elements()) throw new IllegalArgumentException(dst.name() + " holds " + dst.elements() + " elements, got " + data.length);
        long bytes = (long) data.length * elementBytes;
        JCudaDriver.cuStreamSynchronize(cuda.stream);   // the staging buffer may still feed an earlier copy
        Pointer h = staging.host(bytes);
        ByteBuffer b = h.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
        if (precision == Precision.FP32) b.asFloatBuffer().put(data);
        else b.asShortBuffer().put(Halves.floatsToHalves(data));
        JCudaDriver.cuMemcpyHtoDAsync(at(dst, 0, 0), h, bytes, cuda.stream);
        JCudaDriver.cuStreamSynchronize(cuda.stream);
    }

    /** The stream every op is enqueued on: the caller's ({@link CudaOptions#stream()}) or the backend's own. */
    public CUstream stream() { return cuda.stream; }

    /** The context the backend runs in. */
    public CUcontext context() { return cuda.context; }

    /** True when ops go to the caller's stream rather than one the backend created. */
    public boolean callerStream() { return cuda.callerStream(); }

    /** Device address of row {@code row} of stream {@code stream} of {@code a}, in this backend's arena. */
    public CUdeviceptr address(ArenaBuffer a, int stream, int row) {
        current();
        return at(a, stream, row);
    }

    /** Waits for every op issued so far on {@link #stream()} (with a caller's stream: the caller's work too). */
    public void synchronize() {
        current();
        cuda.synchronize();
    }

    private CUdeviceptr at(ArenaBuffer a, int stream, int row) { return arena.at(a, stream, row, elementBytes); }

    private void current() {
        if (closed) throw new IllegalStateException("the CUDA backend is closed");
        cuda.makeCurrent();
    }

    /**
     * Waits for the stream (queued ops may still read the weights and the arena), then frees its own arena, its share
     * of the weights, the pinned staging, the descriptors, the module and the cuDNN handle, destroys its own stream
     * and releases the primary context if it retained it. A caller's context, stream and arena memory are left
     * alone. Idempotent.
     */
    @Override public void close() {
        if (closed) return;
        closed = true;
        try {
            cuda.synchronize();
        } finally {
            try {
                cudnn.close();
                arena.close();
                if (weights != null) weights.release();
                weights = null;
                staging.close();
                kernels.close();
            } finally {
                cuda.close();
            }
        }
    }
}
