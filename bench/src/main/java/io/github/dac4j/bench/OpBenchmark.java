package io.github.dac4j.bench;

import io.github.dac4j.core.Backend;
import io.github.dac4j.core.BackendUnavailableException;
import io.github.dac4j.core.Backends;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.CodebookSum;
import io.github.dac4j.core.program.Conv;
import io.github.dac4j.core.program.ConvTranspose;
import io.github.dac4j.core.program.Op;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.Step;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
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

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The decoder's hot kernels, one op per benchmark, through the {@link Backend} interface, at the 44.1 kHz
 * model's widths and at the row counts of one decode step of {@code frames} code frames (86 frames = 1 s):
 *
 * <pre>
 * conv7_d1_768, conv7_d3_768, conv7_d9_768   block.0.res_unitR.conv1 with snake1 prologue: [8n + 6d, 768] -> [8n, 768]
 * conv1_res_768                              block.0.res_unit1.conv2 with snake2 prologue, + residual: [8n, 768] -> [8n, 768]
 * convT_s8_1536to768                         block.0.snake1 + conv_t1, stride 8: [n + 2, 1536] -> [8n, 768]
 * convT_s2_192to96                           block.3.snake1 + conv_t1, stride 2: [256n + 2, 192] -> [512n, 96]
 * codebook_9x1024                            quantizer: codes [9, n] -> [n, 1024]
 * </pre>
 *
 * Each is the op of the decoder's own step program ({@link Program}), run as a step runs it: a decoder of a random
 * model with the real shapes ({@link BenchModels}) decodes {@code frames} frames once, which leaves real activations
 * in every buffer, then the benchmark re-runs the one op on them. Each invocation runs the op and then reads one
 * output row back, which waits for a GPU stream to finish: the time is the op's, end to end.
 *
 * <p>A backend that cannot run here (CUDA without a GPU) is skipped: its setup throws {@link BenchmarkSkipped}
 * with one line saying why; JMH prints it, reports no score for it and runs the rest. Pass
 * {@code -p backend=cpu} to leave it out altogether.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx6g", "--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class OpBenchmark {
    /** Benchmark names of the ops, and their labels in the decoder's step program. */
    private static final Map<String, String> LABELS = Map.of(
            "conv7_d1_768", "conv decoder.block.0.res_unit1.conv1",
            "conv7_d3_768", "conv decoder.block.0.res_unit2.conv1",
            "conv7_d9_768", "conv decoder.block.0.res_unit3.conv1",
            "conv1_res_768", "conv decoder.block.0.res_unit1.conv2",
            "convT_s8_1536to768", "conv-transpose decoder.block.0.conv_t1",
            "convT_s2_192to96", "conv-transpose decoder.block.3.conv_t1",
            "codebook_9x1024", "codebook-sum quantizer");

    /** Which backend runs the op. */
    @Param({"cpu", "cuda"})
    public String backend;

    /** Which op; see the class comment for shapes. */
    @Param({"conv7_d1_768", "conv7_d3_768", "conv7_d9_768", "conv1_res_768", "convT_s8_1536to768", "convT_s2_192to96",
            "codebook_9x1024"})
    public String op;

    /** Code frames of the step the op belongs to: 86 is one second of 44.1 kHz audio. */
    @Param({"86"})
    public int frames;

    /** Activation precision, {@code fp32} or {@code fp16}; empty for the backend's own (fp32 CPU, fp16 GPU). */
    @Param({""})
    public String precision;

    private Backend device;
    private Decoder decoder;
    private Op target;
    private Step step;
    private ArenaBuffer out;
    private int lastRow;
    private final float[] sink = new float[1024];

    /**
     * Opens the backend (or throws {@link BenchmarkSkipped}), decodes {@code frames} frames of a random 44.1 kHz-shaped
     * model once in one step, finds the op in the step program, and records the arena and weight bytes for
     * {@link ArenaProfiler}.
     */
    @Setup(Level.Trial)
    public void setUp() {
        Precision p = precision.isBlank() ? null : Precision.parse(precision);
        try {
            device = Backends.open(backend, p).backend();
        } catch (BackendUnavailableException e) {
            throw new BenchmarkSkipped("backend=" + backend + " cannot run here: " + e.getMessage());
        }
        DacConfig config = DacConfig.dac44khz();
        DacModel model = BenchModels.random(config, 2026);
        decoder = Decoder.open(model, DecoderOptions.defaults().withStepFrames(frames), device, true);
        int[][][] codes = DacSynth.codes(config, 1, config.nCodebooks(), frames, 7);
        decoder.decode(codes);   // every buffer now holds real activations of order one
        Program program = decoder.program();
        String label = LABELS.get(op);
        if (label == null) throw new IllegalArgumentException("unknown op '" + op + "'");
        target = program.ops().stream().filter(o -> o.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no op " + label + " in the step program"));
        step = BenchModels.steadyStep(config, codes, frames);
        if (target instanceof Conv c) {
            out = c.out();
            lastRow = c.outRow() + c.stage().outputRows(frames) - 1;
        } else if (target instanceof ConvTranspose t) {
            out = t.out();
            lastRow = t.outRow() + t.stage().outputRows(frames) - 1;
        } else if (target instanceof CodebookSum q) {
            out = q.out();
            lastRow = q.outRow() + frames - 1;
        }
        ArenaProfiler.clear();
        ArenaProfiler.record(device.arenaBytes(), program.plan().arenaBytes(), device.weightBytes());
    }

    /** Runs the op once and reads its last output row back (so a GPU op is timed to completion); returns that row. */
    @Benchmark
    public float[] op() {
        target.run(device, step);
        // read() returns finished data: on a GPU it waits for the stream, so the op's whole time is measured.
        device.read(out, 0, lastRow, 1, sink, 0);
        return sink;
    }

    /** Closes the decoder and its backend. */
    @TearDown(Level.Trial)
    public void tearDown() {
        // No ArenaProfiler.clear() here: JMH tears the trial down before the profiler reads the last iteration.
        if (decoder != null) decoder.close();
        else if (device != null) device.close();
    }
}
