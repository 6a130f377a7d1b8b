package io.github.dac4j.bench;

import io.github.dac4j.core.BackendUnavailableException;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DacConfig;
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

import java.util.concurrent.TimeUnit;

/**
 * Time to decode 86 or 258 frames (1 s or 3 s of 44.1 kHz audio) on the CPU backend with a 44.1 kHz-shaped model
 * of random weights: whole (chunkFrames 0) and streamed in 16- or 86-frame steps, batch 1, 1 or 2 worker threads.
 * The decoder costs 138.5 GFLOP per second of audio, so effective GFLOP/s = 138.5 / (seconds per decode).
 * {@code -p model=24khz -p frames=75} decodes 1 s with the 24 kHz model's shapes instead ({@code 16khz}: 50 frames);
 * {@code -prof io.github.dac4j.bench.ArenaProfiler} reports the real-time factor of each.
 * {@link OrtDecodeBenchmark} decodes the same codes with ONNX Runtime on an export of the same model.
 *
 * <pre>java -jar bench/target/benchmarks.jar DecodeBenchmark</pre>
 * (the fork adds {@code --add-modules=jdk.incubator.vector}; {@code -p kernels=java} measures the fallback). Setup
 * prints the decoder's device, which names the kernels that ran: {@code dac4j: CPU, 2 threads, float32, vector kernels}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "--add-modules=jdk.incubator.vector"})
public class DecodeBenchmark {
    /** DacSynth seed of the model's weights ({@code dac synth --preset 44khz --seed 42} writes the same model). */
    public static final long WEIGHTS_SEED = 42;

    /** Seed of the random codes (uniform over the codebooks). */
    public static final long CODES_SEED = 7;

    /** The published model whose shapes the random weights take: {@code 44khz}, {@code 24khz} or {@code 16khz}. */
    @Param({"44khz"})
    public String model;

    /** Frames decoded per call: 86 frames of 512 samples = 1 s at 44.1 kHz, 258 = 3 s. */
    @Param({"86", "258"})
    public int frames;

    /** Which device decodes: {@code cpu} or {@code cuda} (skipped with a one-line reason where no GPU works). */
    @Param({"cpu"})
    public String device;

    /** Activation precision, {@code fp32} or {@code fp16}; empty for the device's own (fp32 CPU, fp16 GPU). */
    @Param({""})
    public String precision;

    /** CPU worker threads (ignored by the GPU). */
    @Param({"1", "2"})
    public int threads;

    /** Frames per decode step; {@code 0} decodes all {@code frames} in one step. */
    @Param({"0", "16", "86"})
    public int chunkFrames;

    /** CPU kernels: {@code auto} (the Vector API ones when the module is resolved), {@code vector}, {@code java}, {@code reference}. */
    @Param({"auto"})
    public String kernels;

    private Decoder decoder;
    private int[][][] codes;

    /**
     * Sets the CPU thread and kernel properties, opens a decoder on a random model of the chosen shapes (or throws
     * {@link BenchmarkSkipped}), decodes once to size the arena, prints the device (and so the kernels) and records
     * its figures for {@link ArenaProfiler}.
     */
    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("dac4j.cpu.threads", Integer.toString(threads));
        if (!kernels.equals("auto")) System.setProperty("dac4j.cpu.kernels", kernels);
        DacConfig c = DacConfig.preset(model);
        DacModel weights = BenchModels.random(c, WEIGHTS_SEED);
        DecoderOptions options = DecoderOptions.defaults().withDevice(device).withStepFrames(chunkFrames).withBatch(1)
                .withPrecision(precision.isBlank() ? null : Precision.parse(precision));
        try {
            decoder = Decoder.open(weights, options);
        } catch (BackendUnavailableException e) {
            throw new BenchmarkSkipped("device=" + device + " cannot run here: " + e.getMessage());
        }
        codes = BenchModels.codes(c, 1, frames, CODES_SEED);
        decoder.decode(codes); // sizes the arena before timing
        System.out.printf("dac4j: %s; %s model, %d frames = %.3f s of audio%n", decoder.device(), model, frames,
                BenchModels.seconds(c, frames));
        ArenaProfiler.clear(); // figures of an earlier benchmark in this JVM (-f 0) must not leak into this one
        ArenaProfiler.record(decoder);
        ArenaProfiler.recordAudio(BenchModels.seconds(c, frames));
    }

    /** Closes the decoder. */
    @TearDown(Level.Trial)
    public void tearDown() {
        // No ArenaProfiler.clear() here: JMH tears the trial down before the profiler reads the last iteration.
        if (decoder != null) decoder.close();
    }

    /** The samples come back to the host, so a GPU decode is timed to completion (read() waits for the stream). */
    @Benchmark
    public float[][] decode() { return decoder.decode(codes); }
}
