package io.github.dac4j.cuda;

import io.github.dac4j.core.Precision;
import io.github.dac4j.core.cpu.CpuBackend;
import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.ResidualUnit;
import io.github.dac4j.core.model.Snake;
import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.Conv;
import io.github.dac4j.core.program.ConvTranspose;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.testing.Numerics;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No GPU needed: the filter repacking and the descriptor geometry the CUDA backend hands cuDNN, run through a
 * plain-Java model of cuDNN's documented semantics (NHWC tensors, cross-correlation, data gradient as the
 * adjoint), must reproduce the CPU backend's ops. This checks the index work (the NHWC filter layouts, the
 * transposed layer's padding of s + ceil(s/2) with nothing to crop, odd strides included); what it cannot check is
 * cuDNN itself.
 */
class CudnnGeometryTest {
    /** Same products, different summation order: float32 rounding only. */
    static final double TOLERANCE = 1e-5;

    @Test
    void forwardConvolutionWithSnakeResidualAndTanh() {
        for (int[] shape : new int[][] {{24, 16, 7, 3}, {8, 8, 1, 1}, {12, 1, 7, 1}, {16, 24, 7, 9}}) {
            int cin = shape[0], cout = shape[1], k = shape[2], d = shape[3];
            for (boolean tanh : new boolean[] {false, true}) checkConv(cin, cout, k, d, tanh, 31L * cin + k + d);
        }
    }

    private static void checkConv(int cin, int cout, int k, int d, boolean tanh, long seed) {
        int streams = 2, n = 19, span = (k - 1) * d, inRows = n + span + 2;
        Conv1d conv = new Conv1d("test.conv", Numerics.random(seed, cout * cin * k, 0.3), Numerics.random(seed + 1, cout, 0.1), cout, cin, k, d);
        Snake snake = snake(cin, seed + 2);
        float[] x = Numerics.random(seed + 3, streams * inRows * cin, 2.0);
        int resRow = 2, resRows = n + 5;
        float[] res = Numerics.random(seed + 4, streams * resRows * cout, 1.0);
        Program program = ArenaIO.program(Precision.FP32, false, b -> List.of(new Conv(ArenaIO.window(cin, cout, n, span, span / 2), conv, snake,
                b.activations("in", streams, inRows, cin), b.activations("out", streams, n + 4, cout), 1,
                b.activations("res", streams, resRows, cout), resRow, tanh)));
        float[] cpuOut;
        try (CpuBackend cpu = new CpuBackend(1)) {
            cpu.prepare(modelOf(conv, null, snake));
            cpu.allocate(program);
            ArenaIO.write(cpu, program.buffer("in"), x);
            ArenaIO.write(cpu, program.buffer("res"), res);
            ArenaIO.write(cpu, program.buffer("out"), new float[streams * (n + 4) * cout]);
            cpu.conv((Conv) program.ops().get(0), streams, 0, 0, n);
            cpuOut = ArenaIO.readAll(cpu, program.buffer("out"));
        }
        // the model of the GPU path: Snake kernel -> cudnnConvolutionForward (geometry, NHWC filter) -> epilogue
        Cudnn.Geometry g = Cudnn.Geometry.forward(conv, n);
        assertEquals(n + span, g.inW());
        float[] filter = DeviceWeights.filterNhwc(conv);
        float[] expected = new float[streams * (n + 4) * cout];
        for (int b = 0; b < streams; b++) {
            float[] window = new float[g.inW() * cin];
            for (int t = 0; t < g.inW(); t++)
                for (int c = 0; c < cin; c++) window[t * cin + c] = snake.apply(x[(b * inRows + t) * cin + c], c);
            float[] y = forward(window, g, filter, cin, cout, k);
            for (int t = 0; t < n; t++)
                for (int o = 0; o < cout; o++) {
                    float v = conv.bias()[o] + y[t * cout + o];
                    v = res[(b * resRows + resRow + t) * cout + o] + v;
                    expected[(b * (n + 4) + 1 + t) * cout + o] = tanh ? (float) Math.tanh(v) : v;
                }
        }
        double err = Numerics.relativeError(expected, cpuOut);
        assertTrue(err <= TOLERANCE, "conv " + cin + "->" + cout + " k" + k + " d" + d + ": relative error " + err);
    }

    @Test
    void transposedConvolutionIsTheDataGradientWithPaddingStridePlusHalfStride() {
        for (int s : new int[] {2, 3, 4, 5, 8}) {
            int cin = 16, cout = 8, streams = 2, n = 11, inRows = n + 2 + 1;
            long seed = 100 + s;
            ConvTranspose1d conv = new ConvTranspose1d("test.conv_t", Numerics.random(seed, cin * cout * 2 * s, 0.3),
                    Numerics.random(seed + 1, cout, 0.1), cin, cout, s);
            Snake snake = snake(cin, seed + 2);
            float[] x = Numerics.random(seed + 3, streams * inRows * cin, 2.0);
            int outRows = n * s + 3;
            Program program = ArenaIO.program(Precision.FP32, false, b -> List.of(new ConvTranspose(
                    io.github.dac4j.core.program.Stage.upsample(io.github.dac4j.core.program.Stage.source("test.input", cin, n), "test", cout, s, conv.padding()),
                    conv, snake, b.activations("in", streams, inRows, cin), b.activations("out", streams, outRows, cout), 2)));
            float[] cpuOut;
            try (CpuBackend cpu = new CpuBackend(1)) {
                cpu.prepare(modelOf(new Conv1d("test.conv1", new float[cin], new float[1], 1, cin, 1, 1), conv, snake));
                cpu.allocate(program);
                ArenaIO.write(cpu, program.buffer("in"), x);
                ArenaIO.write(cpu, program.buffer("out"), new float[streams * outRows * cout]);
                cpu.convTranspose((ConvTranspose) program.ops().get(0), streams, 0, 0, n);
                cpuOut = ArenaIO.readAll(cpu, program.buffer("out"));
            }
            Cudnn.Geometry g = Cudnn.Geometry.transposed(conv, n);
            assertEquals(n + 2, g.inW());
            assertEquals(n * s, g.outW());
            // cuDNN's own shape rule for the forward convolution dx -> dy must give the window length back
            assertEquals(g.inW(), (g.outW() + 2 * g.padW() - 2 * s) / g.strideW() + 1);
            float[] filter = DeviceWeights.filterNhwc(conv);
            float[] expected = new float[streams * outRows * cout];
            for (int b = 0; b < streams; b++) {
                float[] dy = new float[g.inW() * cin];
                for (int t = 0; t < g.inW(); t++)
                    for (int c = 0; c < cin; c++) dy[t * cin + c] = snake.apply(x[(b * inRows + t) * cin + c], c);
                float[] dx = backwardData(dy, g, filter, cin, cout, 2 * s);
                for (int t = 0; t < g.outW(); t++)
                    for (int o = 0; o < cout; o++) expected[(b * outRows + 2 + t) * cout + o] = conv.bias()[o] + dx[t * cout + o];
            }
            double err = Numerics.relativeError(expected, cpuOut);
            assertTrue(err <= TOLERANCE, "stride " + s + ": relative error " + err);
        }
    }

    /** cuDNN forward, cross-correlation, NHWC, H = 1: y[t, o] = sum_{j, c} f[o, j, c] * x[t*stride + j*dil - pad, c]. */
    static float[] forward(float[] x, Cudnn.Geometry g, float[] f, int cin, int cout, int k) {
        float[] y = new float[g.outW() * cout];
        for (int t = 0; t < g.outW(); t++)
            for (int o = 0; o < cout; o++) {
                double acc = 0;
                for (int j = 0; j < k; j++) {
                    int src = t * g.strideW() + j * g.dilationW() - g.padW();
                    if (src < 0 || src >= g.inW()) continue;
                    for (int c = 0; c < cin; c++) acc += (double) f[(o * k + j) * cin + c] * x[src * cin + c];
                }
                y[t * cout + o] = (float) acc;
            }
        return y;
    }

    /**
     * cuDNN backward data: the adjoint of the forward convolution dx -> dy whose filter is [K = cin, C = cout]:
     * dx[u, c] = sum over (i, m) with i*stride + m*dil - pad = u of f[kk, m, c] * dy[i, kk].
     */
    static float[] backwardData(float[] dy, Cudnn.Geometry g, float[] f, int cin, int cout, int k) {
        double[] dx = new double[g.outW() * cout];
        for (int i = 0; i < g.inW(); i++)
            for (int m = 0; m < k; m++) {
                int u = i * g.strideW() + m * g.dilationW() - g.padW();
                if (u < 0 || u >= g.outW()) continue;
                for (int kk = 0; kk < cin; kk++)
                    for (int c = 0; c < cout; c++) dx[u * cout + c] += (double) f[(kk * k + m) * cout + c] * dy[i * cin + kk];
            }
        float[] out = new float[dx.length];
        for (int i = 0; i < dx.length; i++) out[i] = (float) dx[i];
        return out;
    }

    static Snake snake(int channels, long seed) {
        float[] alpha = Numerics.random(seed, channels, 0.5);
        float[] inverse = new float[channels];
        for (int c = 0; c < channels; c++) {
            alpha[c] += 1.0f;
            inverse[c] = 1f / (alpha[c] + 1e-9f);
        }
        return new Snake("test.snake", alpha, inverse);
    }

    /** A model holding just these layers, so that a backend's prepare() packs them. */
    static DacModel modelOf(Conv1d conv, ConvTranspose1d convT, Snake snake) {
        DecoderBlock[] blocks = convT == null ? new DecoderBlock[0] : new DecoderBlock[] {new DecoderBlock(snake, convT, new ResidualUnit[0])};
        return new DacModel(null, ArenaIO.table(new float[conv.inChannels()], conv.inChannels()), conv, blocks, snake, conv);
    }
}
