package io.github.dac4j.core.cpu;

import io.github.dac4j.core.Act;
import io.github.dac4j.core.Backend;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.Quantizer;
import io.github.dac4j.core.model.ResidualUnit;
import io.github.dac4j.core.model.Snake;
import io.github.dac4j.core.plan.MemoryPlan;

import java.util.Arrays;
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
    private float[] arena = new float[0];

    /**
     * A CPU backend with {@code threads} workers (at least one), running the fastest kernels this JVM has: the
     * Vector API ones with {@code --add-modules jdk.incubator.vector}, else plain Java (property {@code dac4j.cpu.kernels}
     * forces one). Results do not depend on the thread count.
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
                + kernels[0].name() + " kernels";
    }

    @Override public long workspaceBytes(DacModel model, int streams, int stepFrames) { return 0; }

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

    /** A tile must hold a convolution's span plus at least one row block. */
    private void check(Conv1d conv) {
        int room = kernels[0].maxLoadRows(conv.inChannels()) - conv.span();
        if (room < kernels[0].rowBlock()) {
            throw new IllegalArgumentException("a convolution spanning " + (conv.span() + 1) + " rows is wider than the "
                    + kernels[0].name() + " kernels' tile of " + kernels[0].maxLoadRows(conv.inChannels()) + " rows");
        }
    }

    /** The packed weights in use, shared with every CPU backend on the same model (null before {@link #prepare}). */
    PackedWeights weights() { return weights; }

    /** For output phase r: {first window row, tap applied to it, tap applied to the next row}. */
    static int[] phaseTaps(int r, int s, int pad) {
        return r + pad < s ? new int[] {r + pad + s, r + pad, 0} : new int[] {r + pad, r + pad - s, 1};
    }

    /** Bytes of the prepared weights; shared with every other CPU backend prepared with the same model. */
    @Override public long weightBytes() { return weights == null ? 0 : weights.bytes(); }

    @Override public void allocate(MemoryPlan plan) {
        long floats = (plan.arenaBytes() + 3) / 4;
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("arena of " + plan.arenaBytes() + " bytes is larger than a Java array; use a smaller step");
        }
        if (arena.length < floats) arena = new float[(int) floats];
    }

    @Override public long arenaBytes() { return 4L * arena.length; }

    private static int base(Act a, int b, int row) { return (int) a.index(4, b, row, 0); }

    /**
     * Output rows per task: as many as the kernels' tile holds beside the {@code span} extra input rows, but no more
     * than gives every worker two tasks; a multiple of the kernels' row block. The tiling never changes a result.
     */
    private int tileRows(int n, int streams, int cin, int span) {
        int block = kernels[0].rowBlock();
        int fit = (kernels[0].maxLoadRows(cin) - span) / block * block;
        int perStream = (2 * workers.threads() + streams - 1) / streams;
        int share = ((n + perStream - 1) / perStream + block - 1) / block * block;
        return Math.max(block, Math.min(fit, share));
    }

    @Override public void codebookSum(Quantizer q, int streams, int[] codes, int codebooks, int n, Act staging, Act out, int outRow) {
        int latent = q.latent();
        float[][] tables = q.tables();
        workers.forEach(streams * n, (worker, task) -> {
            int b = task / n, t = task % n;
            int dst = base(out, b, outRow + t);
            for (int k = 0; k < codebooks; k++) {
                int row = codes[(b * codebooks + k) * n + t] * latent;
                float[] table = tables[k];
                if (k == 0) System.arraycopy(table, row, arena, dst, latent);
                else for (int o = 0; o < latent; o++) arena[dst + o] += table[row + o];
            }
        });
    }

    // conv: x:[rows n + span, cin] -> [n, cout]
    @Override public void conv(Conv1d conv, Snake prologue, int streams, Act in, int inRow, Act out, int outRow, int n,
                               Act residual, int residualRow, boolean tanh) {
        int cin = conv.inChannels(), cout = conv.outChannels(), k = conv.kernel(), d = conv.dilation(), span = conv.span();
        float[] w = weights.of(conv);
        int tile = tileRows(n, streams, cin, span);
        int tiles = (n + tile - 1) / tile;
        workers.forEach(streams * tiles, (worker, task) -> {
            int b = task / tiles, t0 = (task % tiles) * tile, rows = Math.min(n, t0 + tile) - t0;
            Kernels kern = kernels[worker];
            kern.load(arena, base(in, b, inRow + t0), cin, rows + span, cin,
                    prologue == null ? null : prologue.alpha(), prologue == null ? null : prologue.inverse());
            int res = residual == null ? 0 : base(residual, b, residualRow + t0);
            kern.convLoaded(0, d, k, cin, cout, w, 0, arena, base(out, b, outRow + t0), cout,
                    residual == null ? null : arena, res, cout, tanh, rows);
        });
    }

    // convTranspose: x:[n + 2, cin] -> [n * s, cout], phase r of output row q*s + r a 2-tap conv
    @Override public void convTranspose(ConvTranspose1d conv, Snake prologue, int streams, Act in, int inRow, Act out, int outRow, int n) {
        int cin = conv.inChannels(), cout = conv.outChannels(), s = conv.stride(), pad = conv.padding();
        float[] w = weights.of(conv);
        int phaseLength = w.length / s;
        int tile = tileRows(n, streams, cin, 2);
        int tiles = (n + tile - 1) / tile;
        workers.forEach(streams * tiles, (worker, task) -> {
            int b = task / tiles, q0 = (task % tiles) * tile, rows = Math.min(n, q0 + tile) - q0;
            Kernels kern = kernels[worker];
            kern.load(arena, base(in, b, inRow + q0), cin, rows + 2, cin,
                    prologue == null ? null : prologue.alpha(), prologue == null ? null : prologue.inverse());
            for (int r = 0; r < s; r++) {
                kern.convLoaded(phaseTaps(r, s, pad)[2], 1, 2, cin, cout, w, r * phaseLength,
                        arena, base(out, b, outRow + q0 * s + r), s * cout, null, 0, 0, false, rows);
            }
        });
    }
    @Override public void copyRows(int streams, Act src, int srcRow, Act dst, int dstRow, int rows) {
        if (rows == 0) return;
        for (int b = 0; b < streams; b++) {
            System.arraycopy(arena, base(src, b, srcRow), arena, base(dst, b, dstRow), rows * src.channels());
        }
    }

    @Override public void zeroRows(Act dst, int stream, int fromRow, int rows) {
        int from = base(dst, stream, fromRow);
        Arrays.fill(arena, from, from + rows * dst.channels(), 0f);
    }

    @Override public void read(Act src, int stream, int fromRow, int rows, float[] dst, int dstOffset) {
        System.arraycopy(arena, base(src, stream, fromRow), dst, dstOffset, rows * src.channels());
    }

    @Override public void close() {
        workers.close();
        arena = new float[0];
        weights = null;
    }
}
