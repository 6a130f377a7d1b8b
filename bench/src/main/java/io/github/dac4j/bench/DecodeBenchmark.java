package io.github.dac4j.bench;

import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DType;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.Layout;
import io.github.dac4j.weights.Tensor;
import io.github.dac4j.weights.WeightsException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Time to decode 86 frames (1 s of 44.1 kHz audio) on the CPU backend with a 44.1 kHz-shaped model of random
 * weights: whole (chunkFrames 0) and streamed in 16- or 86-frame steps, batch 1, 1 or 2 worker threads.
 * The decoder costs 138.5 GFLOP per second of audio, so effective GFLOP/s = 138.5 / (seconds per decode).
 *
 * <pre>java -cp "$(cat cp.txt):bench/target/classes" org.openjdk.jmh.Main DecodeBenchmark</pre>
 * (the fork adds {@code --add-modules=jdk.incubator.vector}; {@code -p kernels=java} measures the fallback).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "--add-modules=jdk.incubator.vector"})
public class DecodeBenchmark {
    /** Frames decoded per call: 86 frames of 512 samples = 1 s at 44.1 kHz. */
    public static final int FRAMES = 86;

    @Param({"1", "2"})
    public int threads;

    @Param({"0", "16", "86"})
    public int chunkFrames;

    /** CPU kernels: {@code auto} (the Vector API ones when the module is resolved), {@code vector}, {@code java}, {@code reference}. */
    @Param({"auto"})
    public String kernels;

    private Decoder decoder;
    private int[][][] codes;

    @Setup(Level.Trial)
    public void setUp() throws WeightsException {
        System.setProperty("dac4j.cpu.threads", Integer.toString(threads));
        if (!kernels.equals("auto")) System.setProperty("dac4j.cpu.kernels", kernels);
        DacConfig c = DacConfig.dac44khz();
        DacModel model = DacModel.load(randomCheckpoint(c, 42));
        decoder = Decoder.open(model, DecoderOptions.defaults().withDevice("cpu").withChunkFrames(chunkFrames).withBatch(1));
        SplittableRandom rnd = new SplittableRandom(7);
        codes = new int[1][c.nCodebooks()][FRAMES];
        for (int[] row : codes[0]) for (int t = 0; t < FRAMES; t++) row[t] = rnd.nextInt(c.codebookSize());
        decoder.decode(codes); // sizes the arena before timing
    }

    @TearDown(Level.Trial)
    public void tearDown() { decoder.close(); }

    @Benchmark
    public float[][] decode86() { return decoder.decode(codes); }

    /** A folded checkpoint of config c with uniform random weights of the usual fan-in scale (as core's tests build). */
    static DacCheckpoint randomCheckpoint(DacConfig c, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (int k = 0; k < c.nCodebooks(); k++) {
            String q = "quantizer.quantizers." + k + ".";
            put(t, q + "codebook.weight", uniform(rnd, c.codebookSize() * c.codebookDim(), 1.0), c.codebookSize(), c.codebookDim());
            conv(t, rnd, q + "out_proj", c.latentDim(), c.codebookDim(), 1);
        }
        conv(t, rnd, "decoder.conv1", c.decoderDim(), c.latentDim(), 7);
        for (int b = 0; b < c.blocks(); b++) {
            int in = c.channels(b), out = in / 2, s = c.stride(b);
            String p = "decoder.block." + b + ".";
            snake(t, rnd, p + "snake1", in);
            put(t, p + "conv_t1.weight", uniform(rnd, in * out * 2 * s, 1 / Math.sqrt(out * 2.0 * s)), in, out, 2 * s);
            put(t, p + "conv_t1.bias", uniform(rnd, out, 0.1), out);
            for (int r = 1; r <= 3; r++) {
                String u = p + "res_unit" + r + ".";
                snake(t, rnd, u + "snake1", out);
                conv(t, rnd, u + "conv1", out, out, 7);
                snake(t, rnd, u + "snake2", out);
                conv(t, rnd, u + "conv2", out, out, 1);
            }
        }
        int last = c.channels(c.blocks());
        snake(t, rnd, "decoder.snake1", last);
        conv(t, rnd, "decoder.conv2", 1, last, 7);
        long params = t.values().stream().mapToLong(x -> x.data().length).sum();
        return new DacCheckpoint(null, c, Layout.FOLDED, DType.F32, t, params, 4 * params);
    }

    private static void conv(Map<String, Tensor> t, SplittableRandom rnd, String name, int out, int in, int k) {
        double bound = 1 / Math.sqrt(in * (double) k);
        put(t, name + ".weight", uniform(rnd, out * in * k, bound), out, in, k);
        put(t, name + ".bias", uniform(rnd, out, bound), out);
    }

    private static void snake(Map<String, Tensor> t, SplittableRandom rnd, String name, int channels) {
        float[] alpha = new float[channels];
        for (int i = 0; i < channels; i++) alpha[i] = (float) (0.5 + rnd.nextDouble());
        put(t, name + ".alpha", alpha, 1, channels, 1);
    }

    private static void put(Map<String, Tensor> t, String name, float[] data, int... shape) {
        t.put(name, new Tensor(name, shape, data));
    }

    private static float[] uniform(SplittableRandom rnd, int n, double bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        return a;
    }
}
