package io.github.dac4j.core.cpu;

import io.github.dac4j.core.Backend;
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
import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.CodebookSum;
import io.github.dac4j.core.program.Conv;
import io.github.dac4j.core.program.ConvTranspose;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.Quantize;
import io.github.dac4j.core.program.UploadAudio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The float32 CPU backend: the arena is one {@code float[]}, ops are loops over output rows split into tiles
 * across a fixed pool of workers, each tile run by a {@link Kernels} implementation (the Vector API when the JVM
 * has it, else plain Java). Each output element is summed in one fixed order (bias, then tap by tap, channel by
 * channel), whatever the tile, the step or the thread, so streaming is bit-identical to whole decoding.
 */
public final class CpuBackend implements Backend {
    private final WorkerPool workers;
    private final Kernels[] kernels;
    private final Supplier<Kernels> kernelFactory;
    private PackedWeights weights;
    /** A downsampling layer's Snake alphas and inverses, repeated stride times (its tiles hold stride rows per row). */
    private final Map<Snake, float[][]> repeated = new IdentityHashMap<>();
    /** Per worker, for the quantizer: a frame's residual, then its projection. */
    private float[][] quantizeScratch = new float[0][];
    private float[] arena = new float[0];

    /**
     * A CPU backend with {@code threads} workers (at least one), running the fastest kernels this JVM has: the
     * Vector API ones with {@code --add-modules jdk.incubator.vector} (where the CPU has fused multiply-adds), else
     * plain Java (property {@code dac4j.cpu.kernels} forces one). Results do not depend on the thread count.
     */
    public CpuBackend(int threads) { this(threads, Kernels.best()); }

    CpuBackend(int threads, Supplier<Kernels> kernelFactory) {
        this.kernelFactory = kernelFactory;
        this.workers = new WorkerPool(threads);
        this.kernels = new Kernels[workers.threads()];
        for (int w = 0; w < kernels.length; w++) kernels[w] = kernelFactory.get();
    }

    @Override public String name() { return "cpu"; }

    @Override public Precision precision() { return Precision.FP32; }

    @Override public String device() {
        return "CPU, " + workers.threads() + " thread" + (workers.threads() == 1 ? "" : "s") + ", float32, "
                + kernels() + " kernels" + (kernels[0].shape().isEmpty() ? "" : " (" + kernels[0].shape() + ")");
    }

    @Override public String kernels() { return kernels[0].name(); }

    /**
     * One frame where the kernels warm up ({@link WarmUp}): that warm-up gets the kernels compiled; a decode of one
     * frame also loads and links what calls them (the step program and its planner, the per-op lambdas, the worker
     * threads), which a first decode otherwise pays for (docs/CPU-BACKEND.md, "Issue 16 on an AMD EPYC").
     */
    @Override public int warmUpFrames() { return WarmUp.wanted(kernels[0]) ? 1 : 0; }

    /**
     * Packs the weights, or reuses the packing another CPU backend made of the same model (see {@link PackedWeights}).
     * Each worker's kernels keep their own input tile, bounded whatever the sequence length. The first backend of a
     * JVM also warms its kernels up ({@link WarmUp}) on a thread of its own while the weights are packed, so that its
     * first decode runs compiled code.
     */
    @Override public void prepare(DacModel model) {
        int maxIn = model.conv1().inChannels();
        for (DecoderBlock b : model.blocks()) maxIn = Math.max(maxIn, b.convT1().inChannels());
        for (Kernels k : kernels) k.reserve(maxIn);
        check(model.conv1());
        check(model.conv2());
        for (DecoderBlock b : model.blocks()) {
            ConvTranspose1d t = b.convT1();
            for (Kernels k : kernels) k.reserve(2, t.inChannels(), t.outChannels());   // its phases: 2-tap convolutions
            for (ResidualUnit u : b.resUnits()) {
                check(u.conv1());
                check(u.conv2());
            }
        }
        Thread warmUp = WarmUp.start(kernelFactory);
        try {
            weights = PackedWeights.of(model, kernels[0]);
        } finally {
            WarmUp.await(warmUp);
        }
    }

    /**
     * Packs the encoder's weights (or reuses another CPU backend's packing of the same encoder). A downsampling
     * convolution (kernel 2s, stride s) runs as a 2-tap convolution over rows of s input rows each ({@link #conv}), so
     * its tiles hold {@code s * C} channels and its Snake's alphas repeat s times.
     */
    @Override public void prepare(EncoderModel encoder) {
        int maxIn = encoder.conv2().inChannels();
        List<Conv1d> convs = new ArrayList<>(List.of(encoder.conv1(), encoder.conv2()));
        for (EncoderBlock b : encoder.blocks()) {
            maxIn = Math.max(maxIn, b.conv1().stride() * b.conv1().inChannels());
            convs.add(b.conv1());
            for (ResidualUnit u : b.resUnits()) convs.addAll(List.of(u.conv1(), u.conv2()));
            repeated.put(b.snake1(), new float[][] {repeat(b.snake1().alpha(), b.conv1().stride()), repeat(b.snake1().inverse(), b.conv1().stride())});
        }
        for (Kernels k : kernels) k.reserve(maxIn);
        for (Conv1d c : convs) check(c);
        Thread warmUp = WarmUp.start(kernelFactory);
        try {
            weights = PackedWeights.of(encoder, kernels[0]);
        } finally {
            WarmUp.await(warmUp);
        }
        ResidualQuantizer q = encoder.quantizer();
        quantizeScratch = new float[workers.threads()][q.latent() + q.dim()];
        q.decode().tables();   // quantizing reads any row of the tables: compute them all now, at open
    }

    private static float[] repeat(float[] a, int times) {
        float[] r = new float[a.length * times];
        for (int i = 0; i < times; i++) System.arraycopy(a, 0, r, i * a.length, a.length);
        return r;
    }

    /**
     * A tile must hold a convolution's span plus at least one row block (a strided one: in rows of s input rows). Also
     * has the kernels reserve what else the convolution needs.
     */
    private void check(Conv1d conv) {
        int s = conv.stride(), cin = s * conv.inChannels(), span = conv.span() / s / classes(conv);
        if (s > 1 && (conv.dilation() != 1 || conv.kernel() % s != 0)) {
            throw new IllegalArgumentException(conv.name() + ": a strided convolution needs dilation 1 and a kernel that is a multiple of its stride");
        }
        for (Kernels k : kernels) k.reserve(conv.kernel() / s, cin, conv.outChannels());
        int room = kernels[0].maxLoadRows(cin) - span;
        if (room < kernels[0].rowBlock()) {
            throw new IllegalArgumentException("a convolution spanning " + (span + 1) + " rows is wider than the "
                    + kernels[0].name() + " kernels' tile of " + kernels[0].maxLoadRows(cin) + " rows");
        }
    }

    /** The packed weights in use, shared with every CPU backend on the same model (null before {@link #prepare}). */
    PackedWeights weights() { return weights; }

    /** For output phase r: {tap applied to its first window row ({@link #firstWindowRow}), tap applied to the next row}. */
    static int[] phaseTaps(int r, int s, int pad) {
        return r + pad < s ? new int[] {r + pad + s, r + pad} : new int[] {r + pad, r + pad - s};
    }

    /** For output phase r: the first window row it reads, 0 or 1. */
    static int firstWindowRow(int r, int s, int pad) { return r + pad < s ? 0 : 1; }

    /** Bytes of the prepared weights; shared with every other CPU backend prepared with the same model. */
    @Override public long weightBytes() { return weights == null ? 0 : weights.bytes(); }

    @Override public void allocate(Program program) {
        long bytes = program.plan().arenaBytes(), floats = (bytes + 3) / 4;
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("arena of " + bytes + " bytes is larger than a Java array; use a smaller step");
        }
        if (arena.length < floats) arena = new float[(int) floats];
    }

    @Override public long arenaBytes() { return 4L * arena.length; }

    private static int base(ArenaBuffer a, int b, int row) { return (int) a.index(4, b, row, 0); }

    /**
     * How an op's output rows per stream and {@code cout} channels split into tasks, {@code streams * tiles
     * * groups} of them: tiles of {@code rows} output rows (a multiple of the kernels' row block), each in
     * {@code groups} runs of {@code width} output channels. Every worker should get two tasks. Kernels that can
     * ({@link Kernels#channelGroup()}) keep tiles as full as the tile holds and share out the output channels when
     * there are too few tiles: an op of few rows and many weights (the first layers, or any layer at small steps) then
     * reads each weight once, not once per worker. Other kernels cut smaller tiles. Where the kernels pair rows
     * ({@code paired}, {@link Kernels#pairsRows}), tiles are multiples of two row blocks and start at even sequence
     * positions ({@link #shift}), so that they hold whole blocks of pairs. The split never changes a result.
     */
    record Split(int cout, int rows, int tiles, int groups, int width, boolean paired) {
        int tasks(int streams) { return streams * tiles * groups; }

        /** The stream task {@code task} works on (tasks run group by group within a tile, tile by tile in a stream). */
        int stream(int task) { return task / groups / tiles; }

        /**
         * How many rows early a stream's tile grid starts, given the sequence position of its row 0: in a paired split
         * one where that position is odd (so that the first tile is a row short, and every later one starts at an even
         * position), else none.
         */
        int shift(long position) { return paired ? (int) Math.floorMod(position, 2L) : 0; }

        /** A task's first output row, in a stream whose grid starts {@code shift} rows early. */
        int firstRow(int task, int shift) { return Math.max(0, task / groups % tiles * rows - shift); }

        /** One past its last output row, in such a stream of {@code n} rows (no more than the split was made for): none if at most {@link #firstRow}. */
        int endRow(int task, int shift, int n) { return Math.min(n, (task / groups % tiles + 1) * rows - shift); }

        /** Its first output channel. */
        int fromChannel(int task) { return task % groups * width; }

        /** One past its last output channel. */
        int toChannel(int task) { return Math.min(cout, fromChannel(task) + width); }
    }

    Split split(int n, int streams, int cin, int cout, int span, boolean paired) {
        int block = kernels[0].rowBlock(), group = kernels[0].channelGroup(), wanted = 2 * workers.threads();
        int room = kernels[0].maxLoadRows(cin) - span;
        paired = paired && room >= 2 * block;
        if (paired) block *= 2;
        int fit = room / block * block, reach = paired ? n + 1 : n;   // a paired grid may start a row early
        int tiles = ceilDiv(reach, fit);
        if (group > 0 && cout > 1) {
            int rows = ceilDiv(ceilDiv(reach, tiles), block) * block;
            int groups = Math.min(ceilDiv(cout, group), Math.max(1, ceilDiv(wanted, streams * tiles)));
            int width = ceilDiv(ceilDiv(cout, groups), group) * group;
            return new Split(cout, rows, tiles, ceilDiv(cout, width), width, paired);
        }
        int perStream = ceilDiv(wanted, streams);
        int rows = Math.max(block, Math.min(fit, ceilDiv(ceilDiv(reach, perStream), block) * block));
        return new Split(cout, rows, ceilDiv(reach, rows), 1, cout, paired);
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    @Override public void codebookSum(CodebookSum op, int streams, int[] codes, int codebooks, int n) {
        Quantizer q = op.quantizer();
        ArenaBuffer out = op.out();
        int outRow = op.outRow(), latent = q.latent();
        float[][] tables = q.tablesFor(codes, streams, codebooks, n);   // the rows these codes read, computed on first use
        workers.forEach(streams * n, (worker, task) -> {
            int b = task / n, t = task % n;
            int dst = base(out, b, outRow + t);
            for (int k = 0; k < codebooks; k++) {
                int row = codes[(b * codebooks + k) * n + t] * latent;
                float[] table = tables[k];
                if (k == 0) System.arraycopy(table, row, arena, dst, latent);
                else add(table, row, arena, dst, latent);
            }
        });
    }

    /**
     * {@code dst[to + i] += src[from + i]} for {@code i < n}: a codebook's row into a frame's sum. A method of its own
     * so that the warm-up ({@link WarmUp}) gets it compiled: in a lambda it ran interpreted through a first decode's
     * first hundreds of frames.
     */
    static void add(float[] src, int from, float[] dst, int to, int n) {
        for (int i = 0; i < n; i++) dst[to + i] += src[from + i];
    }

    // audio:[streams, rows] (host) -> out rows [outRow, outRow + rows), one channel
    @Override public void uploadAudio(UploadAudio op, int streams, float[] audio, int rows) {
        for (int b = 0; b < streams; b++) System.arraycopy(audio, b * rows, arena, base(op.out(), b, op.outRow()), rows * op.out().channels());
    }

    /**
     * latents:[streams, n, latent] -> codes [streams, K, frames] (the first n of each row), frame by frame on the workers. Each frame is summed in
     * one fixed order, in double (the reference's distances are float64; double keeps near-ties where they are).
     */
    @Override public void quantize(Quantize op, int streams, int n, int frames, int[] codes) {
        ResidualQuantizer q = op.quantizer();
        int latent = q.latent(), dim = q.dim(), size = q.codebookSize(), books = q.codebooks();
        float[][] decodeTables = q.decode().tables();
        workers.forEach(streams * n, (worker, task) -> {
            int b = task / n, t = task % n;
            float[] r = quantizeScratch[worker];   // [0, latent): the residual; [latent, latent + dim): e
            System.arraycopy(arena, base(op.latents(), b, t), r, 0, latent);
            for (int k = 0; k < books; k++) {
                float[] w = q.inProj()[k].weight(), bias = q.inProj()[k].bias();
                double l2 = 0;
                for (int j = 0; j < dim; j++) {
                    double e = bias[j];
                    for (int c = 0; c < latent; c++) e += (double) w[j * latent + c] * r[c];
                    r[latent + j] = (float) e;
                    l2 += e * e;
                }
                double norm = Math.max(Math.sqrt(l2), 1e-12);
                l2 = 0;
                for (int j = 0; j < dim; j++) {
                    double e = r[latent + j] / norm;
                    r[latent + j] = (float) e;
                    l2 += (double) r[latent + j] * r[latent + j];
                }
                float[] book = q.normalized()[k];
                int best = 0;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < size; c++) {
                    double dot = 0, cc = 0;
                    for (int j = 0; j < dim; j++) {
                        double v = book[c * dim + j];
                        dot += r[latent + j] * v;
                        cc += v * v;
                    }
                    double score = -(l2 - 2 * dot) + cc;   // transformers' decode_latents, term for term
                    if (score > bestScore) {
                        bestScore = score;
                        best = c;
                    }
                }
                codes[(b * books + k) * frames + t] = best;
                float[] table = decodeTables[k];
                for (int c = 0; c < latent; c++) r[c] -= table[best * latent + c];
            }
        });
    }

    /**
     * conv: {@code x:[(n - 1) * stride + span + 1, cin] -> [n, cout]}. A strided convolution (kernel 2s, stride s,
     * dilation 1) is the 2-tap convolution over "rows" of s consecutive input rows, {@code [n + 1, s * cin] -> [n, cout]}:
     * the same memory, the same weights in the same order (tap j = J s + r, then channel), so the same sums. A dilated
     * one (dilation d) is d undilated ones, one per residue class: output rows {@code t = r (mod d)} read only input
     * rows {@code r (mod d)} ({@link #classes}). Only rows {@code [skip, n)} are computed: a row's sums do not depend
     * on which rows run beside it.
     */
    @Override public void conv(Conv op, int streams, long position, int skip, int n) {
        Conv1d conv = op.conv();
        Snake prologue = op.prologue();
        ArenaBuffer in = op.in(), out = op.out(), residual = op.residual();
        int outRow = op.outRow(), residualRow = op.residualRow();
        boolean tanh = op.tanh();
        int s = conv.stride();
        int cin = s * conv.inChannels(), cout = conv.outChannels(), k = conv.kernel() / s;
        int classes = classes(conv), d = conv.dilation() / classes, span = (k - 1) * d, m = n - skip;
        float[] alpha = prologue == null ? null : s == 1 ? prologue.alpha() : repeated.get(prologue)[0];
        float[] inverse = prologue == null ? null : s == 1 ? prologue.inverse() : repeated.get(prologue)[1];
        float[] w = weights.of(conv);
        // each (stream, class) a stream of its own to the split: ceilDiv(m, classes) rows, the later classes a row fewer
        Split split = split(ceilDiv(m, classes), streams * classes, cin, cout, span, kernels[0].pairsRows(k, cout) && d == 1);
        workers.forEach(split.tasks(streams * classes), (worker, task) -> {
            int b = split.stream(task) / classes, r = split.stream(task) % classes;
            int shift = split.shift(Math.floorDiv(position + skip + r, classes));   // the position of the class's row 0
            int i0 = split.firstRow(task, shift), rows = split.endRow(task, shift, ceilDiv(m - r, classes)) - i0;
            if (rows <= 0) return;
            int t0 = skip + r + i0 * classes;   // the task's first output row; then every classes-th row
            Kernels kern = kernels[worker];
            kern.load(arena, base(in, b, 0) + t0 * cin, classes * cin, rows + span, cin, alpha, inverse);
            int res = residual == null ? 0 : base(residual, b, residualRow + t0);
            kern.convLoaded(0, d, k, cin, cout, w, 0, arena, base(out, b, outRow + t0), classes * cout,
                    residual == null ? null : arena, res, classes * cout, tanh, rows, Math.floorDiv(position + t0, classes),
                    split.fromChannel(task), split.toChannel(task));
        });
    }

    /**
     * The residue classes a convolution runs in: its dilation d where it has one (and stride 1), else 1. Class r's
     * rows, every d-th from r, make an undilated convolution whose span is k - 1 rows instead of (k - 1) d, so that a
     * tile is not mostly halo: of a 124-row tile, dilation 9 kept 60 output rows; a class's tile keeps 96 at AVX-512
     * and 112 at AVX2, whole blocks of pairs, at every dilation (docs/CPU-BACKEND.md, v16). The sums are the same: a row's taps, channels and order do not change, and the Winograd form pairs
     * class rows i and i + 1 exactly where it paired rows t and t + d (its position {@code floor((position + t) / d)}).
     */
    static int classes(Conv1d conv) { return conv.stride() == 1 && conv.kernel() > 1 ? conv.dilation() : 1; }

    // convTranspose: x:[n + 2, cin] -> [n * s, cout], phase r of output row q*s + r a 2-tap conv; input rows [skip, n)
    @Override public void convTranspose(ConvTranspose op, int streams, long position, int skip, int n) {
        ConvTranspose1d conv = op.conv();
        Snake prologue = op.prologue();
        ArenaBuffer in = op.in(), out = op.out();
        int outRow = op.outRow();
        int cin = conv.inChannels(), cout = conv.outChannels(), s = conv.stride(), pad = conv.padding();
        float[] w = weights.of(conv);
        int phaseLength = w.length / s;
        Split split = split(n - skip, streams, cin, cout, 2, kernels[0].pairsRows(2, cout));
        int shift = split.shift(position + skip);
        workers.forEach(split.tasks(streams), (worker, task) -> {
            int b = split.stream(task), first = split.firstRow(task, shift), rows = split.endRow(task, shift, n - skip) - first;
            if (rows <= 0) return;
            int q0 = skip + first;
            Kernels kern = kernels[worker];
            kern.load(arena, base(in, b, 0) + q0 * cin, cin, rows + 2, cin,
                    prologue == null ? null : prologue.alpha(), prologue == null ? null : prologue.inverse());
            for (int r = 0; r < s; r++) {
                kern.convLoaded(firstWindowRow(r, s, pad), 1, 2, cin, cout, w, r * phaseLength, arena, base(out, b, outRow + q0 * s + r),
                        s * cout, null, 0, 0, false, rows, position + q0, split.fromChannel(task), split.toChannel(task));
            }
        });
    }
    @Override public void copyRows(int streams, ArenaBuffer src, int srcRow, ArenaBuffer dst, int dstRow, int rows) {
        if (rows == 0) return;
        for (int b = 0; b < streams; b++) {
            System.arraycopy(arena, base(src, b, srcRow), arena, base(dst, b, dstRow), rows * src.channels());
        }
    }

    @Override public void zeroRows(ArenaBuffer dst, int stream, int fromRow, int rows) { fillRows(dst, stream, fromRow, rows, 0f); }

    /** Sets rows {@code [fromRow, fromRow + rows)} of one stream to {@code value} (tests poison rows with NaN). */
    void fillRows(ArenaBuffer dst, int stream, int fromRow, int rows, float value) {
        int from = base(dst, stream, fromRow);
        Arrays.fill(arena, from, from + rows * dst.channels(), value);
    }

    @Override public void read(ArenaBuffer src, int stream, int fromRow, int rows, float[] dst, int dstOffset) {
        System.arraycopy(arena, base(src, stream, fromRow), dst, dstOffset, rows * src.channels());
    }

    @Override public void close() {
        workers.close();
        arena = new float[0];
        weights = null;
    }
}
