package io.github.dac4j.cuda;

import io.github.dac4j.weights.Halves;
import io.github.dac4j.core.Act;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.cpu.CpuBackend;
import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.Quantizer;
import io.github.dac4j.core.model.ResidualUnit;
import io.github.dac4j.core.model.Snake;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.core.plan.PlannedBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each op of the CUDA backend (and each PTX kernel) against the CPU backend's op on fresh random inputs, in
 * fp32 (relative error at most 1e-5) and fp16 (at most 5e-3). The CPU gets the GPU's input as read back, so fp16 input rounding is shared.
 * Skipped without a GPU.
 */
class CudaOpsTest {
    private static final int STREAMS = 2;

    @BeforeEach
    void gpu() { Gpu.assume(); }

    /** A model holding just these layers (and quantizer), so that prepare() uploads or packs them. */
    static DacModel modelOf(Quantizer q, Conv1d conv, ConvTranspose1d convT, Snake snake) {
        DecoderBlock[] blocks = convT == null ? new DecoderBlock[0] : new DecoderBlock[] {new DecoderBlock(snake, convT, new ResidualUnit[0])};
        return new DacModel(null, q, conv, blocks, snake, conv);
    }

    /** The same plan for both backends except for the element size. */
    static MemoryPlan plan(Precision p, Object... buffers) {
        return ArenaIO.plan(p.bytes(), 8L << 20, buffers);
    }

    /** Runs {@code op} on both backends over the same (GPU-rounded) inputs; returns {gpu, cpu} contents of {@code result}. */
    private static float[][] both(Precision p, DacModel model, Object[] buffers, String[] inputs, float[][] data, String result, Op op) {
        MemoryPlan gpuPlan = plan(p, buffers), cpuPlan = plan(Precision.FP32, buffers);
        try (CudaBackend gpu = new CudaBackend(p, 0); CpuBackend cpu = new CpuBackend(2)) {
            gpu.prepare(model);
            cpu.prepare(model);
            gpu.allocate(gpuPlan);
            cpu.allocate(cpuPlan);
            for (PlannedBuffer b : gpuPlan.buffers()) {
                if (b.name().equals("workspace") || b.name().equals("codes")) continue;
                Act g = ArenaIO.act(gpuPlan, b.name()), c = ArenaIO.act(cpuPlan, b.name());
                for (int s = 0; s < g.streams(); s++) {
                    gpu.zeroRows(g, s, 0, g.rows());
                    cpu.zeroRows(c, s, 0, c.rows());
                }
            }
            for (int i = 0; i < inputs.length; i++) {
                Act g = ArenaIO.act(gpuPlan, inputs[i]);
                gpu.write(g, data[i]);
                float[] rounded = ArenaIO.readAll(gpu, g);
                CudnnGeometryTest.write(cpu, cpuPlan, inputs[i], rounded, g.channels());
            }
            op.run(gpu, gpuPlan);
            op.run(cpu, cpuPlan);
            return new float[][] {ArenaIO.readAll(gpu, ArenaIO.act(gpuPlan, result)), ArenaIO.readAll(cpu, ArenaIO.act(cpuPlan, result))};
        }
    }

    @FunctionalInterface
    interface Op {
        void run(io.github.dac4j.core.Backend backend, MemoryPlan plan);
    }

    private static void assertClose(Precision p, float[][] gpuCpu, String what) {
        double err = TestModels.relativeError(gpuCpu[0], gpuCpu[1]);
        System.out.printf("%s %s: relative error %.3g%n", p, what, err);
        assertTrue(err <= Gpu.tolerance(p), p + " " + what + ": relative error " + err);
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void convolutionWithSnakeResidualAndTanh(Precision p) {
        for (int[] s : new int[][] {{64, 64, 7, 9}, {48, 48, 1, 1}, {40, 24, 7, 3}, {32, 1, 7, 1}}) {
            int cin = s[0], cout = s[1], k = s[2], d = s[3], n = 37, span = (k - 1) * d, inRows = n + span + 5;
            long seed = new SplittableRandom().nextLong();   // fresh inputs each run; printed on failure below
            Conv1d conv = new Conv1d("test.conv", TestModels.random(seed, cout * cin * k, 1 / Math.sqrt(cin * k)),
                    TestModels.random(seed + 1, cout, 0.1), cout, cin, k, d);
            Snake snake = CudnnGeometryTest.snake(cin, seed + 2);
            DacModel model = modelOf(ArenaIO.table(new float[cin], cin), conv, null, snake);
            Object[] buffers = {"in", new int[] {STREAMS, inRows, cin}, "res", new int[] {STREAMS, n + 3, cout},
                    "out", new int[] {STREAMS, n + 6, cout}, "codes", new int[] {1, STREAMS, inRows}};
            float[][] data = {TestModels.random(seed + 3, STREAMS * inRows * cin, 2), TestModels.random(seed + 4, STREAMS * (n + 3) * cout, 1)};
            for (int variant = 0; variant < 3; variant++) {
                boolean withSnake = variant != 1, withResidual = variant != 2, tanh = variant == 2;
                float[][] r = both(p, model, buffers, new String[] {"in", "res"}, data, "out", (be, plan) ->
                        be.conv(conv, withSnake ? snake : null, STREAMS, ArenaIO.act(plan, "in"), 3, ArenaIO.act(plan, "out"), 2, n,
                                withResidual ? ArenaIO.act(plan, "res") : null, 1, tanh));
                assertClose(p, r, "conv " + cin + "->" + cout + " k" + k + " d" + d + " snake " + withSnake + " residual "
                        + withResidual + " tanh " + tanh + " (seed " + seed + ")");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void transposedConvolution(Precision p) {
        for (int stride : new int[] {2, 4, 8}) {
            int cin = 64, cout = 32, n = 29, inRows = n + 2 + 4;
            long seed = new SplittableRandom().nextLong();
            ConvTranspose1d conv = new ConvTranspose1d("test.conv_t", TestModels.random(seed, cin * cout * 2 * stride, 1 / Math.sqrt(cout * 2.0 * stride)),
                    TestModels.random(seed + 1, cout, 0.1), cin, cout, stride);
            Snake snake = CudnnGeometryTest.snake(cin, seed + 2);
            Conv1d dummy = new Conv1d("test.conv1", new float[cin], new float[1], 1, cin, 1, 1);
            DacModel model = modelOf(ArenaIO.table(new float[cin], cin), dummy, conv, snake);
            Object[] buffers = {"in", new int[] {STREAMS, inRows, cin}, "out", new int[] {STREAMS, n * stride + 5, cout},
                    "codes", new int[] {1, STREAMS, inRows}};
            float[][] r = both(p, model, buffers, new String[] {"in"}, new float[][] {TestModels.random(seed + 3, STREAMS * inRows * cin, 2)},
                    "out", (be, plan) -> be.convTranspose(conv, snake, STREAMS, ArenaIO.act(plan, "in"), 2, ArenaIO.act(plan, "out"), 3, n));
            assertClose(p, r, "conv_t stride " + stride + " (seed " + seed + ")");
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void codebookSumCopyRowsAndZeroRows(Precision p) {
        int codebooks = 3, size = 50, latent = 24, n = 17;
        long seed = new SplittableRandom().nextLong();
        float[][] tables = new float[codebooks][];
        for (int k = 0; k < codebooks; k++) tables[k] = TestModels.random(seed + k, size * latent, 1);
        Quantizer q = new Quantizer(tables, size, latent, 0);
        int[] codes = new int[STREAMS * codebooks * n];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < codes.length; i++) codes[i] = rnd.nextInt(size);
        Conv1d dummy = new Conv1d("test.conv1", new float[latent], new float[1], 1, latent, 1, 1);
        DacModel model = modelOf(q, dummy, null, CudnnGeometryTest.snake(latent, seed));
        Object[] buffers = {"z", new int[] {STREAMS, n + 4, latent}, "copy", new int[] {STREAMS, n + 2, latent},
                "codes", new int[] {STREAMS, codebooks, n}};
        float[][] r = both(p, model, buffers, new String[0], new float[0][], "copy", (be, plan) -> {
            Act z = ArenaIO.act(plan, "z"), copy = ArenaIO.act(plan, "copy");
            be.codebookSum(q, STREAMS, codes, codebooks, n, ArenaIO.act(plan, "codes"), z, 3);
            be.copyRows(STREAMS, z, 2, copy, 1, n);
            be.zeroRows(copy, 1, 5, 4);
        });
        assertClose(p, r, "codebook sum + copy + zero (seed " + seed + ")");
        for (int c = 0; c < latent; c++) assertEquals(0f, r[0][((n + 2) + 6) * latent + c], "zeroed row");
    }

    @Test
    void castKernelsRoundLikeTheHost() {
        int n = 4099;
        MemoryPlan plan = ArenaIO.plan(4, 0, "a", new int[] {1, n, 1}, "h", new int[] {1, n, 1}, "b", new int[] {1, n, 1});
        try (CudaBackend gpu = new CudaBackend(Precision.FP32, 0)) {
            gpu.allocate(plan);
            float[] x = TestModels.random(new SplittableRandom().nextLong(), n, 70000);   // past fp16's range too
            for (int i = 0; i < 40; i++) x[i] = (float) Math.scalb(1.0 + i / 7.0, -30 + i);  // subnormals .. large
            gpu.write(ArenaIO.act(plan, "a"), x);
            Kernels.launch(gpu.kernels().castFloatToHalf, gpu.stream(), n, gpu.address(ArenaIO.act(plan, "a"), 0),
                    gpu.address(ArenaIO.act(plan, "h"), 0), (long) n);
            Kernels.launch(gpu.kernels().castHalfToFloat, gpu.stream(), n, gpu.address(ArenaIO.act(plan, "h"), 0),
                    gpu.address(ArenaIO.act(plan, "b"), 0), (long) n);
            float[] back = ArenaIO.readAll(gpu, ArenaIO.act(plan, "b"));
            for (int i = 0; i < n; i++) {
                assertEquals(Halves.halfToFloat(Halves.floatToHalf(x[i])), back[i], "element " + i + " = " + x[i]);
            }
        }
    }
}
