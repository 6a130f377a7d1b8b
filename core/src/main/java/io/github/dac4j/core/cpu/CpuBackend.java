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

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The float32 CPU backend: the arena is one {@code float[]}, ops are loops over output rows split into tiles
 * across a fixed pool of workers, each tile run by a {@link Kernels} implementation (the Vector API when the JVM
 * has it, else plain Java). Each output element is summed in one fixed order (bias, then tap by tap, channel by
 * channel), whatever the tile, the step or the thread, so streaming is bit-identical to whole decoding.
 */
public final class CpuBackend implements Backend {
    /**
     * Pre-activated input floats per tile (about 256 KB, so a tile's input stays in the 2 MB L2 while every
     * output channel panel sweeps it); tiles shrink to this for wide layers, so the scratch never grows with
     * the sequence length.
     */
    static final int TILE_FLOATS = 1 << 16;

    private final WorkerPool workers;
    private final Kernels[] kernels;
    private PackedWeights weights;
    private float[][] scratch;   // per worker: pre-activated input rows of one tile
    private float[] arena = new float[0];

    /**
     * A CPU backend with {@code threads} workers (at least one), running the fastest kernels this JVM has: the
     * Vector API ones with {@code --add-modules jdk.incubator.vector}, else plain Java (property {@code dac4j.cpu.kernels}
     * forces one). Results do not depend on the thread count.
     */
    public CpuBackend(int threads) { this(threads, Kernels.best()); }

    CpuBackend(int threads, Supplier<Kernels> kernelFactory) {
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

    /** Packs the weights, or reuses the packing another CPU backend made of the same model (see {@link PackedWeights}). */
    @Override public void prepare(DacModel model) {
        int maxIn = model.conv1().inChannels(), maxSpan = Math.max(model.conv1().span(), model.conv2().span());
        for (DecoderBlock b : model.blocks()) {
            maxIn = Math.max(maxIn, b.convT1().inChannels());
            for (ResidualUnit u : b.resUnits()) maxSpan = Math.max(maxSpan, u.conv1().span());
        }
        weights = PackedWeights.of(model, kernels[0]);
        scratch = new float[workers.threads()][TILE_FLOATS + (maxSpan + 2 + 8) * maxIn];
    }

    /** Packs the encoder's weights (or reuses another CPU backend's packing of the same encoder). */
    @Override public void prepare(EncoderModel encoder) {
        int maxIn = encoder.conv2().inChannels(), maxSpan = Math.max(encoder.conv1().span(), encoder.conv2().span());
        for (EncoderBlock b : encoder.blocks()) {
            maxIn = Math.max(maxIn, b.conv1().inChannels());
            maxSpan = Math.max(maxSpan, b.conv1().span());
            for (ResidualUnit u : b.resUnits()) maxSpan = Math.max(maxSpan, u.conv1().span());
        }
        weights = PackedWeights.of(encoder, kernels[0]);
        ResidualQuantizer q = encoder.quantizer();
        scratch = new float[workers.threads()][Math.max(TILE_FLOATS + (maxSpan + 2 + 8) * maxIn, 2 * q.latent() + q.dim())];
    }

    /** The packed weights in use, shared with every CPU backend on the same model (null before {@link #prepare}). */
    PackedWeights weights() { return weights; }

    /** For output phase r: {first window row, tap applied to it, tap applied to the next row}. */
    static int[] phaseTaps(int r, int s, int pad) {
        return r + pad < s ? new int[] {r + pad + s, r + pad, 0} : new int[] {r + pad, r + pad - s, 1};
    }

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
     * Output rows per task: as many as keep the tile's input under {@link #TILE_FLOATS}, but no more than gives
     * every worker two tasks; a multiple of 8 (the kernels' row block). The tiling never changes a result.
     */
    private int tileRows(int n, int streams, int cin, int span, int stride) {
        int fit = Math.max(8, ((TILE_FLOATS / cin - span) / stride) & ~7);
        int perStream = (2 * workers.threads() + streams - 1) / streams;
        int share = ((n + perStream - 1) / perStream + 7) & ~7;
        return Math.max(8, Math.min(fit, share));
    }

    @Override public void codebookSum(CodebookSum op, int streams, int[] codes, int codebooks, int n) {
        Quantizer q = op.quantizer();
        ArenaBuffer out = op.out();
        int outRow = op.outRow(), latent = q.latent();
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
        workers.forEach(streams * n, (worker, task) -> {
            int b = task / n, t = task % n;
            float[] r = scratch[worker];   // [0, latent): the residual; [latent, latent + dim): e
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
                float[] table = q.decode().tables()[k];
                for (int c = 0; c < latent; c++) r[c] -= table[best * latent + c];
            }
        });
    }

    // conv: x:[(n - 1) * stride + span + 1, cin] -> [n, cout]
    @Override public void conv(Conv op, int streams, int n) {
        Conv1d conv = op.conv();
        Snake prologue = op.prologue();
        ArenaBuffer in = op.in(), out = op.out(), residual = op.residual();
        int inRow = 0, outRow = op.outRow(), residualRow = op.residualRow();
        boolean tanh = op.tanh();
        int cin = conv.inChannels(), cout = conv.outChannels(), k = conv.kernel(), d = conv.dilation(), span = conv.span();
        int stride = conv.stride();
        float[] w = weights.of(conv);
        int tile = tileRows(n, streams, cin, span, stride);
        int tiles = (n + tile - 1) / tile;
        workers.forEach(streams * tiles, (worker, task) -> {
            int b = task / tiles, t0 = (task % tiles) * tile, rows = Math.min(n, t0 + tile) - t0;
            float[] x = arena;
            int xOff = base(in, b, inRow + t0 * stride);
            if (prologue != null) {
                x = scratch[worker];
                kernels[worker].snake(arena, xOff, x, 0, (rows - 1) * stride + span + 1, cin, prologue.alpha(), prologue.inverse());
                xOff = 0;
            }
            int res = residual == null ? 0 : base(residual, b, residualRow + t0);
            kernels[worker].conv(x, xOff, stride * cin, d * cin, k, cin, cout, w, 0, arena, base(out, b, outRow + t0), cout,
                    residual == null ? null : arena, res, cout, tanh, rows);
        });
    }

    // convTranspose: x:[n + 2, cin] -> [n * s, cout], phase r of output row q*s + r a 2-tap conv
    @Override public void convTranspose(ConvTranspose op, int streams, int n) {
        ConvTranspose1d conv = op.conv();
        Snake prologue = op.prologue();
        ArenaBuffer in = op.in(), out = op.out();
        int inRow = 0, outRow = op.outRow();
        int cin = conv.inChannels(), cout = conv.outChannels(), s = conv.stride(), pad = conv.padding();
        float[] w = weights.of(conv);
        int phaseLength = w.length / s;
        int tile = tileRows(n, streams, cin, 2, 1);
        int tiles = (n + tile - 1) / tile;
        workers.forEach(streams * tiles, (worker, task) -> {
            int b = task / tiles, q0 = (task % tiles) * tile, rows = Math.min(n, q0 + tile) - q0;
            float[] x = arena;
            int xOff = base(in, b, inRow + q0);
            if (prologue != null) {
                x = scratch[worker];
                kernels[worker].snake(arena, xOff, x, 0, rows + 2, cin, prologue.alpha(), prologue.inverse());
                xOff = 0;
            }
            for (int r = 0; r < s; r++) {
                int firstRow = phaseTaps(r, s, pad)[2];
                kernels[worker].conv(x, xOff + firstRow * cin, cin, cin, 2, cin, cout, w, r * phaseLength,
                        arena, base(out, b, outRow + q0 * s + r), s * cout, null, 0, 0, false, rows);
            }
        });
    }
    @Override public void copyRows(int streams, ArenaBuffer src, int srcRow, ArenaBuffer dst, int dstRow, int rows) {
        if (rows == 0) return;
        for (int b = 0; b < streams; b++) {
            System.arraycopy(arena, base(src, b, srcRow), arena, base(dst, b, dstRow), rows * src.channels());
        }
    }

    @Override public void zeroRows(ArenaBuffer dst, int stream, int fromRow, int rows) {
        int from = base(dst, stream, fromRow);
        Arrays.fill(arena, from, from + rows * dst.channels(), 0f);
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
