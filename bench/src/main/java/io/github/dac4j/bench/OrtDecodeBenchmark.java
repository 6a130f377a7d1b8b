package io.github.dac4j.bench;

import ai.onnxruntime.OrtException;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
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

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The peer of {@link DecodeBenchmark}: the same codes decoded whole by ONNX Runtime on an ONNX export of the same
 * random-weight 44.1 kHz model ({@code bench/onnx/export.sh} writes {@value OrtDecoder#DEFAULT_MODEL} from
 * DacSynth's seed {@value DecodeBenchmark#WEIGHTS_SEED}, DecodeBenchmark's in-memory model). One command measures both:
 *
 * <pre>java -jar bench/target/benchmarks.jar 'DecodeBenchmark|OrtDecodeBenchmark' -p threads=2 -p chunkFrames=0</pre>
 *
 * <p>Setup checks that ONNX Runtime's samples match dac4j's to {@value #TOLERANCE} relative error (dac4j decoding
 * the same model, here the {@code weights} file or the seed's model) and fails the trial otherwise: a peer that
 * computes something else must not produce a number. Without the ONNX file the trial is skipped with one line
 * saying how to make it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "--add-modules=jdk.incubator.vector"})
public class OrtDecodeBenchmark {
    /** Largest relative error between ONNX Runtime's and dac4j's samples that setup accepts (both float32). */
    public static final double TOLERANCE = 1e-5;

    /** ONNX Runtime intra-op threads (dac4j's DecodeBenchmark: worker threads). */
    @Param({"1", "2"})
    public int threads;

    /** Frames per decode: 86 (1 s of audio) or 258 (3 s). */
    @Param({"86", "258"})
    public int frames;

    /** The ONNX model, relative to the working directory (the repository root). */
    @Param({OrtDecoder.DEFAULT_MODEL})
    public String onnx;

    /** The checkpoint the ONNX model was exported from, for the setup check; empty: DecodeBenchmark's seed-42 model. */
    @Param({""})
    public String weights;

    private OrtDecoder ort;
    private int[][][] codes;

    /** Opens the session (or skips), decodes once with ONNX Runtime and once with dac4j, and compares the samples. */
    @Setup(Level.Trial)
    public void setUp() throws OrtException, WeightsException {
        DacConfig c = DacConfig.dac44khz();
        codes = BenchModels.codes(c, 1, frames, DecodeBenchmark.CODES_SEED);
        try {
            ort = OrtDecoder.open(Path.of(onnx), threads);
        } catch (IllegalArgumentException e) {
            throw new BenchmarkSkipped(e.getMessage());
        }
        float[][] peer = ort.decode(codes);
        System.setProperty("dac4j.cpu.threads", Integer.toString(threads));
        DacModel model = weights.isBlank() ? BenchModels.random(c, DecodeBenchmark.WEIGHTS_SEED)
                : DacModel.load(DacCheckpoint.loadDecoder(Path.of(weights)));
        float[][] ours;
        try (Decoder decoder = Decoder.open(model, DecoderOptions.defaults().withDevice("cpu").withStepFrames(0))) {
            ours = decoder.decode(codes);
        }
        double error = OrtDecoder.relativeError(peer, ours);
        if (!(error <= TOLERANCE)) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s: ONNX Runtime's samples differ from dac4j's by %.3g"
                    + " (relative, limit %.0e): is it the export of the same checkpoint? (bench/onnx/export.sh)", onnx, error, TOLERANCE));
        }
        System.out.printf(Locale.ROOT, "%s, %s; relative error against dac4j %.2e%n", onnx, ort.description(), error);
        ArenaProfiler.clear();
        ArenaProfiler.recordAudio((double) frames * c.hop() / c.sampleRate());
    }

    /** Closes the session. */
    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        if (ort != null) ort.close();
    }

    /** One whole-sequence decode; the samples are copied out of ONNX Runtime's tensor, as a user would. */
    @Benchmark
    public float[][] decode() throws OrtException { return ort.decode(codes); }
}
