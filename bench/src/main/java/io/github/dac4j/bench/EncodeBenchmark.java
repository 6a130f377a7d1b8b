package io.github.dac4j.bench;

import io.github.dac4j.core.BackendUnavailableException;
import io.github.dac4j.core.Encoder;
import io.github.dac4j.core.EncoderOptions;
import io.github.dac4j.core.Encoding;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Time to encode 1 s of 44.1 kHz audio (86 frames of 512 samples, band-limited noise) with the encoder of a random
 * 44.1 kHz-shaped checkpoint ({@code dac synth --preset 44khz --with-encoder}), in {@code stepFrames}-frame steps. Run
 * it beside {@code DecodeBenchmark} to compare encode and decode time per second of audio in one run:
 * <pre>java -jar bench/target/benchmarks.jar 'EncodeBenchmark|DecodeBenchmark' -p threads=2 -p chunkFrames=86</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "--add-modules=jdk.incubator.vector"})
public class EncodeBenchmark {
    /** Frames encoded per call: 86 frames of 512 samples = 1 s at 44.1 kHz. */
    public static final int FRAMES = 86;

    /** {@code cpu} or {@code cuda} (skipped with a one-line reason where no GPU works). */
    @Param({"cpu"})
    public String device;

    /** Activation precision, {@code fp32} or {@code fp16}; empty for the device's own. */
    @Param({""})
    public String precision;

    /** CPU worker threads (ignored by the GPU). */
    @Param({"2"})
    public int threads;

    /** Frames per encode step. */
    @Param({"86"})
    public int stepFrames;

    private Encoder encoder;
    private float[][] audio;

    /** Opens an encoder on a random 44.1 kHz-shaped model with encoder (or throws {@link BenchmarkSkipped}) and encodes once. */
    @Setup(Level.Trial)
    public void setUp() throws WeightsException {
        System.setProperty("dac4j.cpu.threads", Integer.toString(threads));
        DacConfig c = DacConfig.dac44khz();
        EncoderModel model = EncoderModel.load(DacSynth.checkpointWithEncoder(c, 42));
        EncoderOptions options = EncoderOptions.defaults().withDevice(device).withStepFrames(stepFrames)
                .withPrecision(precision.isBlank() ? null : Precision.parse(precision));
        try {
            encoder = Encoder.open(model, options);
        } catch (BackendUnavailableException e) {
            throw new BenchmarkSkipped("device=" + device + " cannot run here: " + e.getMessage());
        }
        audio = new float[1][FRAMES * c.hop()];
        SplittableRandom rnd = new SplittableRandom(7);
        float smooth = 0;
        for (int i = 0; i < audio[0].length; i++) {
            smooth = 0.9f * smooth + 0.1f * (float) (rnd.nextDouble() * 2 - 1);   // low-passed noise, speech-like level
            audio[0][i] = 0.5f * smooth;
        }
        encoder.encode(audio);
        ArenaProfiler.clear();
        ArenaProfiler.record(encoder.backend().arenaBytes(), encoder.plan().arenaBytes(), encoder.backend().weightBytes());
        ArenaProfiler.recordAudio((double) FRAMES * c.hop() / c.sampleRate());
    }

    /** Closes the encoder. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (encoder != null) encoder.close();
    }

    /** The codes and latents come back to the host, so a GPU encode is timed to completion. */
    @Benchmark
    public Encoding encode86() { return encoder.encode(audio); }
}
