package io.github.dac4j.cuda;

import io.github.dac4j.core.Backend;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.cpu.CpuBackend;
import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.Quantizer;
import io.github.dac4j.core.model.ResidualUnit;
import io.github.dac4j.core.model.Snake;
import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.Buffers;
import io.github.dac4j.core.program.CodebookSum;
import io.github.dac4j.core.program.Conv;
import io.github.dac4j.core.program.ConvTranspose;
import io.github.dac4j.core.program.Op;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.Stage;
import io.github.dac4j.testing.Numerics;
import io.github.dac4j.weights.Halves;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each op of the CUDA backend (and each PTX kernel) against the CPU backend's op on fresh random inputs, in
 * fp32 (relative error at most 1e-5) and fp16 (at most 5e-3). The CPU gets the GPU's input as read back, so fp16
 * input rounding is shared. Skipped without a GPU.
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

    /**
     * Runs the program's ops with {@code run} on both backends over the same (GPU-rounded) inputs, every other buffer
     * zeroed first; returns {gpu, cpu} contents of {@code result}.
     */
    private static float[][] both(Precision p, DacModel model, Function<Buffers, List<Op>> ops, String[] inputs, float[][] data,
                                  String result, BiConsumer<Backend, Program> run) {
        Program gpuProgram = ArenaIO.program(p, true, ops), cpuProgram = ArenaIO.program(Precision.FP32, false, ops);
        try (CudaBackend gpu = new CudaBackend(p, 0); CpuBackend cpu = new CpuBackend(2)) {
            gpu.prepare(model);
            cpu.prepare(model);
            gpu.allocate(gpuProgram);
            cpu.allocate(cpuProgram);
            for (var b : gpuProgram.plan().buffers()) {
                if (b.name().contains("@")) continue;   // scratch
                ArenaBuffer g = gpuProgram.buffer(b.name()), c = cpuProgram.buffer(b.name());
                for (int s = 0; s < g.streams(); s++) {
                    gpu.zeroRows(g, s, 0, g.rows());
                    cpu.zeroRows(c, s, 0, c.rows());
                }
            }
            for (int i = 0; i < inputs.length; i++) {
                ArenaBuffer g = gpuProgram.buffer(inputs[i]);
                gpu.write(g, data[i]);
                ArenaIO.write(cpu, cpuProgram.buffer(inputs[i]), ArenaIO.readAll(gpu, g));
            }
            run.accept(gpu, gpuProgram);
            run.accept(cpu, cpuProgram);
            return new float[][] {ArenaIO.readAll(gpu, gpuProgram.buffer(result)), ArenaIO.readAll(cpu, cpuProgram.buffer(result))};
        }
    }

    private static void assertClose(Precision p, float[][] gpuCpu, String what) {
        double err = Numerics.relativeError(gpuCpu[0], gpuCpu[1]);
        System.out.printf("%s %s: relative error %.3g%n", p, what, err);
        assertTrue(err <= Gpu.tolerance(p), p + " " + what + ": relative error " + err);
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void convolutionWithSnakeResidualAndTanh(Precision p) {
        for (int[] s : new int[][] {{64, 64, 7, 9}, {48, 48, 1, 1}, {40, 24, 7, 3}, {32, 1, 7, 1}, {12, 12, 7, 1}, {24, 24, 7, 3}}) {
            int cin = s[0], cout = s[1], k = s[2], d = s[3], n = 37, span = (k - 1) * d, inRows = n + span + 5;
            long seed = new SplittableRandom().nextLong();   // fresh inputs each run; printed on failure below
            Conv1d conv = new Conv1d("test.conv", Numerics.random(seed, cout * cin * k, 1 / Math.sqrt(cin * k)),
                    Numerics.random(seed + 1, cout, 0.1), cout, cin, k, d);
            Snake snake = CudnnGeometryTest.snake(cin, seed + 2);
            DacModel model = modelOf(ArenaIO.table(new float[cin], cin), conv, null, snake);
            float[][] data = {Numerics.random(seed + 3, STREAMS * inRows * cin, 2), Numerics.random(seed + 4, STREAMS * (n + 3) * cout, 1)};
            for (int variant = 0; variant < 3; variant++) {
                boolean withSnake = variant != 1, withResidual = variant != 2, tanh = variant == 2;
                Function<Buffers, List<Op>> ops = b -> List.of(new Conv(ArenaIO.window(cin, cout, n, span, span / 2), conv,
                        withSnake ? snake : null, b.activations("in", STREAMS, inRows, cin), b.activations("out", STREAMS, n + 6, cout), 2,
                        withResidual ? b.activations("res", STREAMS, n + 3, cout) : null, 1, tanh));
                float[][] r = both(p, model, ops, withResidual ? new String[] {"in", "res"} : new String[] {"in"}, data, "out",
                        (be, program) -> be.conv((Conv) program.ops().get(0), STREAMS, 0, 0, n));
                assertClose(p, r, "conv " + cin + "->" + cout + " k" + k + " d" + d + " snake " + withSnake + " residual "
                        + withResidual + " tanh " + tanh + " (seed " + seed + ")");
            }
        }
    }

    /** One stream (cuDNN sees a packed N stride), a window of width 1 (k = 1, n = 1), one output channel. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void shapesCudnnMayRefuse(Precision p) {
        for (int[] s : new int[][] {{16, 1, 1, 1}, {12, 12, 1, 1}, {24, 1, 7, 1}}) {
            int cin = s[0], cout = s[1], k = s[2], n = s[3], span = k - 1, inRows = n + span;
            long seed = new SplittableRandom().nextLong();
            Conv1d conv = new Conv1d("test.conv", Numerics.random(seed, cout * cin * k, 1 / Math.sqrt(cin * k)),
                    Numerics.random(seed + 1, cout, 0.1), cout, cin, k, 1);
            DacModel model = modelOf(ArenaIO.table(new float[cin], cin), conv, null, CudnnGeometryTest.snake(cin, seed + 2));
            Function<Buffers, List<Op>> ops = b -> List.of(Conv.of(ArenaIO.window(cin, cout, n, span, span / 2), conv, null,
                    b.activations("in", 1, inRows + 3, cin), b.activations("out", 1, n, cout), 0));
            float[][] r = both(p, model, ops, new String[] {"in"}, new float[][] {Numerics.random(seed + 3, (inRows + 3) * cin, 2)}, "out",
                    (be, program) -> be.conv((Conv) program.ops().get(0), 1, 0, 0, n));
            assertClose(p, r, "one stream conv " + cin + "->" + cout + " k" + k + " n" + n + " (seed " + seed + ")");
        }
    }

    /**
     * Two streams whose buffers hold more rows than the window (cuDNN sees a non-packed N stride) with a window of
     * width 1, one output channel, and 12 or 24 channels (fp16 rows only 8-byte aligned).
     */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void shapesCudnnMayRefuseWithTwoStreams(Precision p) {
        for (int[] s : new int[][] {{16, 1, 1, 1}, {12, 12, 7, 1}, {24, 24, 1, 1}, {24, 1, 7, 5}}) {
            int cin = s[0], cout = s[1], k = s[2], n = s[3], span = k - 1, inRows = n + span;
            long seed = new SplittableRandom().nextLong();
            Conv1d conv = new Conv1d("test.conv", Numerics.random(seed, cout * cin * k, 1 / Math.sqrt(cin * k)),
                    Numerics.random(seed + 1, cout, 0.1), cout, cin, k, 1);
            DacModel model = modelOf(ArenaIO.table(new float[cin], cin), conv, null, CudnnGeometryTest.snake(cin, seed + 2));
            Function<Buffers, List<Op>> ops = b -> List.of(Conv.of(ArenaIO.window(cin, cout, n, span, span / 2), conv, null,
                    b.activations("in", STREAMS, inRows + 3, cin), b.activations("out", STREAMS, n + 2, cout), 0));
            float[][] r = both(p, model, ops, new String[] {"in"}, new float[][] {Numerics.random(seed + 3, STREAMS * (inRows + 3) * cin, 2)},
                    "out", (be, program) -> be.conv((Conv) program.ops().get(0), STREAMS, 0, 0, n));
            assertClose(p, r, "two streams conv " + cin + "->" + cout + " k" + k + " n" + n + " (seed " + seed + ")");
        }
    }

    /**
     * Transposed layers at the edges: a window of one input row (n = 1), 24 -> 12 and 12 -> 24 channels (fp16 rows
     * only 8-byte aligned), odd stride 5, one and two streams, buffers larger than the window (non-packed N stride).
     */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void transposedShapesCudnnMayRefuse(Precision p) {
        for (int[] s : new int[][] {{24, 12, 2, 1, 1}, {24, 12, 8, 1, 2}, {12, 24, 4, 3, 1}, {16, 8, 5, 1, 2}, {24, 12, 2, 6, 2}}) {
            checkTransposed(p, s[0], s[1], s[2], s[3], s[4], "conv_t " + s[0] + "->" + s[1] + " stride " + s[2] + " n" + s[3] + " streams " + s[4]);
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void transposedConvolution(Precision p) {
        for (int stride : new int[] {2, 4, 5, 8}) checkTransposed(p, 64, 32, stride, 29, STREAMS, "conv_t stride " + stride);
    }

    /** Snake + a transposed convolution {@code cin -> cout} of {@code stride} over n rows, on both backends, fresh random inputs. */
    private void checkTransposed(Precision p, int cin, int cout, int stride, int n, int streams, String what) {
        int inRows = n + 2 + 4;
        long seed = new SplittableRandom().nextLong();
        ConvTranspose1d conv = new ConvTranspose1d("test.conv_t", Numerics.random(seed, cin * cout * 2 * stride, 1 / Math.sqrt(cout * 2.0 * stride)),
                Numerics.random(seed + 1, cout, 0.1), cin, cout, stride);
        Snake snake = CudnnGeometryTest.snake(cin, seed + 2);
        Conv1d dummy = new Conv1d("test.conv1", new float[cin], new float[1], 1, cin, 1, 1);
        DacModel model = modelOf(ArenaIO.table(new float[cin], cin), dummy, conv, snake);
        Function<Buffers, List<Op>> ops = b -> List.of(new ConvTranspose(
                Stage.upsample(Stage.source("test.input", cin, n), "test", cout, stride, conv.padding()), conv, snake,
                b.activations("in", streams, inRows, cin), b.activations("out", streams, n * stride + 5, cout), 3));
        float[][] r = both(p, model, ops, new String[] {"in"}, new float[][] {Numerics.random(seed + 3, streams * inRows * cin, 2)},
                "out", (be, program) -> be.convTranspose((ConvTranspose) program.ops().get(0), streams, 0, 0, n));
        assertClose(p, r, what + " (seed " + seed + ")");
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void codebookSumCopyRowsAndZeroRows(Precision p) {
        int codebooks = 3, size = 50, latent = 24, n = 17;
        long seed = new SplittableRandom().nextLong();
        float[][] tables = new float[codebooks][];
        for (int k = 0; k < codebooks; k++) tables[k] = Numerics.random(seed + k, size * latent, 1);
        Quantizer q = new Quantizer(tables, size, latent, 0);
        int[] codes = new int[STREAMS * codebooks * n];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < codes.length; i++) codes[i] = rnd.nextInt(size);
        Conv1d dummy = new Conv1d("test.conv1", new float[latent], new float[1], 1, latent, 1, 1);
        DacModel model = modelOf(q, dummy, null, CudnnGeometryTest.snake(latent, seed));
        Function<Buffers, List<Op>> ops = b -> List.of(new CodebookSum(q, b.int32("codes", STREAMS, codebooks, n),
                b.activations("z", STREAMS, n + 4, latent), 3), new CodebookSum(q, b.int32("codes", STREAMS, codebooks, n),
                b.activations("copy", STREAMS, n + 2, latent), 0));
        float[][] r = both(p, model, ops, new String[0], new float[0][], "copy", (be, program) -> {
            ArenaBuffer z = program.buffer("z"), copy = program.buffer("copy");
            be.codebookSum((CodebookSum) program.ops().get(0), STREAMS, codes, codebooks, n);
            be.copyRows(STREAMS, z, 2, copy, 1, n);
            be.zeroRows(copy, 1, 5, 4);
        });
        assertClose(p, r, "codebook sum + copy + zero (seed " + seed + ")");
        for (int c = 0; c < latent; c++) assertEquals(0f, r[0][((n + 2) + 6) * latent + c], "zeroed row");
    }

    /** fp16 samples go to a caller's float32 device buffer through the cast kernel: rounded as the host rounds. */
    @Test
    void castKernelRoundsLikeTheHost() {
        int n = 4099;
        Program program = ArenaIO.program(Precision.FP16, true, b -> List.of(new CodebookSum(ArenaIO.table(new float[1], 1),
                b.int32("codes", 1, 1, 1), b.activations("h", 1, n, 1), 0)));
        try (CudaBackend gpu = new CudaBackend(Precision.FP16, 0)) {
            gpu.allocate(program);
            float[] x = Numerics.random(new SplittableRandom().nextLong(), n, 70000);   // past fp16's range too
            for (int i = 0; i < 40; i++) x[i] = (float) Math.scalb(1.0 + i / 7.0, -30 + i);  // subnormals .. large
            ArenaBuffer h = program.buffer("h");
            gpu.write(h, x);
            jcuda.driver.CUdeviceptr out = new jcuda.driver.CUdeviceptr();
            jcuda.driver.JCudaDriver.cuMemAlloc(out, 4L * n);
            try {
                gpu.copyToDevice(h, 0, 0, n, out);
                gpu.synchronize();
                float[] back = new float[n];
                jcuda.driver.JCudaDriver.cuMemcpyDtoH(jcuda.Pointer.to(back), out, 4L * n);
                for (int i = 0; i < n; i++) {
                    assertEquals(Halves.halfToFloat(Halves.floatToHalf(x[i])), back[i], "element " + i + " = " + x[i]);
                }
            } finally {
                jcuda.driver.JCudaDriver.cuMemFree(out);
            }
        }
    }
}
