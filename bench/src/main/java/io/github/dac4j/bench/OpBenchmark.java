package io.github.dac4j.bench;

import io.github.dac4j.core.Act;
import io.github.dac4j.core.Backend;
import io.github.dac4j.core.BackendUnavailableException;
import io.github.dac4j.core.Backends;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.Quantizer;
import io.github.dac4j.core.model.ResidualUnit;
import io.github.dac4j.core.plan.BufferRequest;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.core.plan.MemoryPlanner;
import io.github.dac4j.core.plan.PlannedBuffer;
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

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
 * Weights are random (the real shapes, {@link BenchModels}); inputs are filled once with finite values of
 * order one by the backend's own codebook sum, so no denormals and no zeros. Each invocation runs the op and
 * then reads one output row back, which waits for a GPU stream to finish: the time is the op's, end to end.
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
    private Runnable run;
    private Act out;
    private int lastRow;
    private MemoryPlan lastPlan;
    private final float[] sink = new float[1024];

    /**
     * Opens the backend (or throws {@link BenchmarkSkipped}), prepares a random 44.1 kHz-shaped model, plans and fills
     * the op's buffers, and records the arena and weight bytes for {@link ArenaProfiler}.
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
        device.prepare(model);

        int n = frames;
        DecoderBlock first = model.blocks()[0];
        DecoderBlock last = model.blocks()[model.blocks().length - 1];
        Quantizer q = model.quantizer();
        List<BufferRequest> requests = new ArrayList<>();
        switch (op) {
            case "conv7_d1_768", "conv7_d3_768", "conv7_d9_768" -> {
                ResidualUnit u = unit(first, op.charAt(7) - '0');
                Conv1d c = u.conv1();
                int rows = n * first.stride();
                request(requests, "in", rows + c.span(), c.inChannels(), q);
                request(requests, "out", rows, c.outChannels(), q);
                Layout l = layout(requests, q);
                Act in = l.act("in");
                out = l.act("out");
                lastRow = rows - 1;
                run = () -> device.conv(c, u.snake1(), 1, in, 0, out, 0, rows, null, 0, false);
            }
            case "conv1_res_768" -> {
                ResidualUnit u = first.resUnits()[0];
                Conv1d c = u.conv2();
                int rows = n * first.stride();
                request(requests, "in", rows, c.inChannels(), q);
                request(requests, "residual", rows, c.outChannels(), q);
                request(requests, "out", rows, c.outChannels(), q);
                Layout l = layout(requests, q);
                Act in = l.act("in"), residual = l.act("residual");
                out = l.act("out");
                lastRow = rows - 1;
                run = () -> device.conv(c, u.snake2(), 1, in, 0, out, 0, rows, residual, 0, false);
            }
            case "convT_s8_1536to768", "convT_s2_192to96" -> {
                DecoderBlock b = op.startsWith("convT_s8") ? first : last;
                ConvTranspose1d t = b.convT1();
                // Input rows per step at this block: n frames times the product of the strides before it.
                int inRows = n * config.hop();
                for (int i = model.blocks().length - 1; i >= 0; i--) {
                    inRows /= model.blocks()[i].stride();
                    if (model.blocks()[i] == b) break;
                }
                int rowsIn = inRows;
                request(requests, "in", rowsIn + 2, t.inChannels(), q);
                request(requests, "out", rowsIn * t.stride(), t.outChannels(), q);
                Layout l = layout(requests, q);
                Act in = l.act("in");
                out = l.act("out");
                lastRow = rowsIn * t.stride() - 1;
                run = () -> device.convTranspose(t, b.snake1(), 1, in, 0, out, 0, rowsIn);
            }
            case "codebook_9x1024" -> {
                request(requests, "out", n, q.latent(), q);
                requests.add(new BufferRequest("codes", 4L * q.codebooks() * n, 0, 0, new int[] {1, q.codebooks(), n}, "host codes"));
                Layout l = layout(requests, q);
                out = l.act("out");
                lastRow = n - 1;
                int[] codes = randomCodes(q, q.codebooks(), n, 7);
                Act staging = l.act("codes");
                run = () -> device.codebookSum(q, 1, codes, q.codebooks(), n, staging, out, 0);
            }
            default -> throw new IllegalArgumentException("unknown op '" + op + "'");
        }
        ArenaProfiler.clear();
        ArenaProfiler.record(device.arenaBytes(), lastPlan.arenaBytes(), device.weightBytes());
    }

    /** Runs the op once and reads its last output row back (so a GPU op is timed to completion); returns that row. */
    @Benchmark
    public float[] op() {
        run.run();
        // read() returns finished data: on a GPU it waits for the stream, so the op's whole time is measured.
        device.read(out, 0, lastRow, 1, sink, 0);
        return sink;
    }

    /** Closes the backend and what it holds. */
    @TearDown(Level.Trial)
    public void tearDown() {
        // No ArenaProfiler.clear() here: JMH tears the trial down before the profiler reads the last iteration.
        if (device != null) device.close();
    }

    /** Buffers by name, placed in one arena the backend holds, inputs filled. */
    private record Layout(List<Act> acts) {
        Act act(String name) {
            for (Act a : acts) if (a.name().equals(name)) return a;
            throw new IllegalStateException("no buffer " + name);
        }
    }

    private static ResidualUnit unit(DecoderBlock b, int dilation) {
        for (ResidualUnit u : b.resUnits()) if (u.dilation() == dilation) return u;
        throw new IllegalArgumentException("no residual unit with dilation " + dilation);
    }

    /**
     * Asks for a {@code [1, rows, channels]} buffer, its rows rounded up so that its elements are whole rows of
     * the quantizer's latent width: the fill below views it as {@code [.., latent]} rows.
     */
    private void request(List<BufferRequest> requests, String name, int rows, int channels, Quantizer q) {
        long elements = (long) rows * channels;
        long fillRows = (elements + q.latent() - 1) / q.latent();
        long bytes = fillRows * q.latent() * device.activationBytes();
        // Lifetime [0, 0] for all: every buffer is live at once, so none overlaps another.
        requests.add(new BufferRequest(name, bytes, 0, 0, new int[] {1, rows, channels}, "bench"));
    }

    /**
     * Plans the buffers, makes the backend's arena fit, and fills every activation buffer with finite values of
     * order one: the backend's codebook sum of random codes written through a {@code [rows, latent]} view of the
     * buffer's memory. That is the one op that takes data from the host, so the fill works on every backend.
     */
    private Layout layout(List<BufferRequest> requests, Quantizer q) {
        int maxFillRows = 0;
        for (BufferRequest r : requests) {
            if (!r.name().equals("codes")) maxFillRows = (int) Math.max(maxFillRows, r.bytes() / device.activationBytes() / q.latent());
        }
        requests.add(new BufferRequest("fill.codes", 4L * q.codebooks() * maxFillRows, 0, 0,
                new int[] {1, q.codebooks(), maxFillRows}, "host codes"));
        MemoryPlan plan = MemoryPlanner.plan(requests);
        device.allocate(plan);
        lastPlan = plan;
        List<Act> acts = new ArrayList<>();
        for (PlannedBuffer b : plan.buffers()) {
            int[] s = b.request().shape();
            acts.add(new Act(b.name(), b.offset(), s[0], s[1], s[2]));
        }
        Layout layout = new Layout(acts);
        Act staging = layout.act("fill.codes");
        long seed = 1;
        for (PlannedBuffer b : plan.buffers()) {
            if (b.name().endsWith("codes")) continue;
            int rows = (int) (b.request().bytes() / device.activationBytes() / q.latent());
            Act view = new Act(b.name() + ".fill", b.offset(), 1, rows, q.latent());
            device.codebookSum(q, 1, randomCodes(q, q.codebooks(), rows, seed++), q.codebooks(), rows, staging, view, 0);
        }
        return layout;
    }

    private static int[] randomCodes(Quantizer q, int codebooks, int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] codes = new int[codebooks * n];
        for (int i = 0; i < codes.length; i++) codes[i] = rnd.nextInt(q.codebookSize());
        return codes;
    }
}
