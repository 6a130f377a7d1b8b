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
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The float32 CPU backend: the arena is one {@code float[]}, ops are loops over output rows split into tiles
 * across a fixed pool of workers. Each output element is summed in one fixed order (bias, then tap by tap,
 * channel by channel), whatever the tile, the step or the thread, so streaming is bit-identical to whole decoding.
 */
public final class CpuBackend implements Backend {
    /** Output rows per task: small enough to balance two cores, large enough to amortise the Snake halo. */
    static final int TILE = 32;

    private final WorkerPool workers;
    private final Map<Object, float[]> packed = new IdentityHashMap<>();
    private float[][] scratch;   // per worker: pre-activated input rows of one tile
    private float[][] accumulators;
    private float[] arena = new float[0];
    private long weightBytes;

    public CpuBackend(int threads) { this.workers = new WorkerPool(threads); }

    @Override public String name() { return "cpu"; }

    @Override public Precision precision() { return Precision.FP32; }

    @Override public String device() {
        return "CPU, " + workers.threads() + " thread" + (workers.threads() == 1 ? "" : "s") + ", float32";
    }

    @Override public long workspaceBytes(DacModel model, int streams, int stepFrames) { return 0; }

    @Override public void prepare(DacModel model) {
        int maxIn = model.conv1().inChannels(), maxOut = model.conv1().outChannels(), maxSpan = model.conv1().span();
        pack(model.conv1());
        for (DecoderBlock b : model.blocks()) {
            pack(b.convT1());
            maxIn = Math.max(maxIn, b.convT1().inChannels());
            for (ResidualUnit u : b.resUnits()) {
                pack(u.conv1());
                pack(u.conv2());
                maxSpan = Math.max(maxSpan, u.conv1().span());
            }
        }
        pack(model.conv2());
        long tables = 0;
        for (float[] t : model.quantizer().tables()) tables += t.length;
        weightBytes = 4 * (tables + packed.values().stream().mapToLong(a -> a.length).sum());
        scratch = new float[workers.threads()][(TILE + maxSpan + 2) * maxIn];
        accumulators = new float[workers.threads()][Math.max(maxOut, maxIn)];
    }

    /** Conv1d weight [out, in, k] -> [k, in, out], so the innermost loop runs over contiguous outputs. */
    private void pack(Conv1d conv) {
        int out = conv.outChannels(), in = conv.inChannels(), k = conv.kernel();
        float[] w = conv.weight(), p = new float[w.length];
        for (int o = 0; o < out; o++)
            for (int c = 0; c < in; c++)
                for (int j = 0; j < k; j++) p[(j * in + c) * out + o] = w[(o * in + c) * k + j];
        packed.put(conv, p);
    }

    /**
     * ConvTranspose1d weight [in, out, 2s] -> per phase r, two [in, out] matrices: the one applied to the
     * earlier window row, then the later. Phase r reads window rows (0, 1) if r + s/2 < s, else (1, 2).
     */
    private void pack(ConvTranspose1d conv) {
        int in = conv.inChannels(), out = conv.outChannels(), s = conv.stride(), k = conv.kernel(), pad = conv.padding();
        float[] w = conv.weight(), p = new float[s * 2 * in * out];
        for (int r = 0; r < s; r++) {
            int[] taps = phaseTaps(r, s, pad);
            for (int m = 0; m < 2; m++)
                for (int c = 0; c < in; c++)
                    for (int o = 0; o < out; o++) p[((r * 2 + m) * in + c) * out + o] = w[(c * out + o) * k + taps[m]];
        }
        packed.put(conv, p);
    }

    /** For output phase r: {first window row, tap applied to it, tap applied to the next row}. */
    static int[] phaseTaps(int r, int s, int pad) {
        return r + pad < s ? new int[] {r + pad + s, r + pad, 0} : new int[] {r + pad, r + pad - s, 1};
    }

    @Override public long weightBytes() { return weightBytes; }

    @Override public void allocate(MemoryPlan plan) {
        long floats = (plan.arenaBytes() + 3) / 4;
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("arena of " + plan.arenaBytes() + " bytes is larger than a Java array; use a smaller step");
        }
        if (arena.length < floats) arena = new float[(int) floats];
    }

    @Override public long arenaBytes() { return 4L * arena.length; }

    private static int base(Act a, int b, int row) { return (int) a.index(4, b, row, 0); }

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

    @Override public void conv(Conv1d conv, Snake prologue, int streams, Act in, int inRow, Act out, int outRow, int n,
                               Act residual, int residualRow, boolean tanh) {
        int cin = conv.inChannels(), cout = conv.outChannels(), k = conv.kernel(), d = conv.dilation(), span = conv.span();
        float[] w = packed.get(conv), bias = conv.bias();
        int tiles = (n + TILE - 1) / TILE;
        workers.forEach(streams * tiles, (worker, task) -> {
            int b = task / tiles, t0 = (task % tiles) * TILE, t1 = Math.min(n, t0 + TILE);
            float[] x = preActivate(worker, prologue, in, b, inRow + t0, t1 - t0 + span);
            float[] acc = accumulators[worker];
            for (int t = t0; t < t1; t++) {
                System.arraycopy(bias, 0, acc, 0, cout);
                for (int j = 0; j < k; j++) {
                    int xr = (t - t0 + j * d) * cin;
                    for (int c = 0; c < cin; c++) {
                        float xv = x[xr + c];
                        int wr = (j * cin + c) * cout;
                        for (int o = 0; o < cout; o++) acc[o] += w[wr + o] * xv;
                    }
                }
                int dst = base(out, b, outRow + t);
                int res = residual == null ? -1 : base(residual, b, residualRow + t);
                for (int o = 0; o < cout; o++) {
                    float v = acc[o];
                    if (res >= 0) v = arena[res + o] + v;
                    arena[dst + o] = tanh ? (float) Math.tanh(v) : v;
                }
            }
        });
    }

    @Override public void convTranspose(ConvTranspose1d conv, Snake prologue, int streams, Act in, int inRow, Act out, int outRow, int n) {
        int cin = conv.inChannels(), cout = conv.outChannels(), s = conv.stride(), pad = conv.padding();
        float[] w = packed.get(conv), bias = conv.bias();
        int tiles = (n + TILE - 1) / TILE;
        workers.forEach(streams * tiles, (worker, task) -> {
            int b = task / tiles, q0 = (task % tiles) * TILE, q1 = Math.min(n, q0 + TILE);
            float[] x = preActivate(worker, prologue, in, b, inRow + q0, q1 - q0 + 2);
            float[] acc = accumulators[worker];
            for (int q = q0; q < q1; q++) {
                for (int r = 0; r < s; r++) {
                    int firstRow = phaseTaps(r, s, pad)[2];
                    System.arraycopy(bias, 0, acc, 0, cout);
                    for (int m = 0; m < 2; m++) {
                        int xr = (q - q0 + firstRow + m) * cin;
                        for (int c = 0; c < cin; c++) {
                            float xv = x[xr + c];
                            int wr = ((r * 2 + m) * cin + c) * cout;
                            for (int o = 0; o < cout; o++) acc[o] += w[wr + o] * xv;
                        }
                    }
                    System.arraycopy(acc, 0, arena, base(out, b, outRow + q * s + r), cout);
                }
            }
        });
    }

    /** Rows [row, row + rows) of stream b, through the Snake prologue if any, into the worker's scratch. */
    private float[] preActivate(int worker, Snake prologue, Act in, int b, int row, int rows) {
        float[] x = scratch[worker];
        int c = in.channels(), src = base(in, b, row), len = rows * c;
        if (prologue == null) {
            System.arraycopy(arena, src, x, 0, len);
        } else {
            float[] alpha = prologue.alpha(), inverse = prologue.inverse();
            for (int i = 0; i < len; i++) {
                int ch = i % c;
                float v = arena[src + i];
                float sn = (float) Math.sin(alpha[ch] * v);
                x[i] = v + inverse[ch] * (sn * sn);
            }
        }
        return x;
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
        packed.clear();
    }
}
