package io.github.dac4j.bench;

import io.github.dac4j.core.Backend;
import io.github.dac4j.core.Backends;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.program.Conv;
import io.github.dac4j.core.program.ConvTranspose;
import io.github.dac4j.core.program.Op;
import io.github.dac4j.core.program.Step;
import io.github.dac4j.weights.DacConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Where a decode's time goes: every op of the step program of one whole decode, timed on its own, with its
 * arithmetic and GFLOP/s. A decoder decodes the frames a few times (warm-up, and real activations in every
 * buffer), then the ops run in program order {@code --runs} times on the decode's one step (the frames and the flush
 * after them, each valid position once); each op's best time is kept.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.github.dac4j.bench.OpTimes --frames 86 --threads 1
 * </pre>
 *
 * <p>With {@code --peak}, the FMA peak on as many threads ({@link FmaPeak}) is measured before and after each pass,
 * and each pass's arithmetic over its time is set against the mean of the two, the peak of the same moment: on a machine shared with
 * others, whose speed moves by tens of percent between minutes, that ratio holds still where the two measured
 * minutes apart would not.
 */
@Command(name = "OpTimes", mixinStandardHelpOptions = true,
        description = "Time every op of a whole decode of a random-weight published model on the CPU.")
public final class OpTimes implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "44khz", description = "44khz, 24khz or 16khz. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--frames", defaultValue = "86", description = "Frames decoded in one step. Default: ${DEFAULT-VALUE}.")
    int frames;

    @Option(names = "--threads", defaultValue = "1", description = "CPU worker threads. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--runs", defaultValue = "5", description = "Passes over the ops; each op's best counts. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--peak", description = "Measure the FMA peak around each pass and give each pass's share of it.")
    boolean peak;

    /**
     * One op's best time and its arithmetic.
     *
     * @param label  the op's label in the program ({@code conv decoder.block.0.res_unit1.conv1})
     * @param millis its best time over the runs
     * @param flops  multiply-adds times two of one whole step (0 for ops that do no arithmetic)
     */
    public record OpTime(String label, double millis, double flops) {
        /** GFLOP/s of the best run (0 without arithmetic). */
        public double gflops() { return flops == 0 ? 0 : flops / 1e6 / millis; }
    }

    /** Runs it. */
    public static void main(String[] args) { System.exit(new CommandLine(new OpTimes()).execute(args)); }

    @Override public Integer call() {
        if (peak && ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            System.err.println("OpTimes: --peak runs on the Vector API: start java with --add-modules jdk.incubator.vector");
            return 2;
        }
        System.setProperty("dac4j.cpu.threads", Integer.toString(threads));
        DacConfig c = DacConfig.preset(model);
        List<Pass> passes = new ArrayList<>();
        List<OpTime> times = measure(BenchModels.random(c, DecodeBenchmark.WEIGHTS_SEED), frames, runs,
                peak ? passes::add : null);
        double total = 0, flops = 0;
        System.out.printf(Locale.ROOT, "| op | ms | GFLOP | GFLOP/s |%n|---|---:|---:|---:|%n");
        for (OpTime t : times) {
            total += t.millis();
            flops += t.flops();
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.1f |%n", t.label(), t.millis(), t.flops() / 1e9, t.gflops());
        }
        System.out.printf(Locale.ROOT, "%s model, %d frames, %d thread(s): %d ops, sum of best times %.1f ms, %.1f GFLOP, %.1f GFLOP/s%n",
                model, frames, threads, times.size(), total, flops / 1e9, flops / 1e6 / total);
        if (peak) {
            double[] shares = new double[passes.size()];
            for (int i = 0; i < shares.length; i++) {
                Pass p = passes.get(i);
                shares[i] = flops / 1e6 / p.millis() / p.peakGflops();
                System.out.printf(Locale.ROOT, "pass %d: FMA peak around it %.1f GFLOP/s, the ops %.1f ms (%.1f GFLOP/s): %.0f %% of it%n",
                        i + 1, p.peakGflops(), p.millis(), flops / 1e6 / p.millis(), 100 * shares[i]);
            }
            System.out.printf(Locale.ROOT, "share of the FMA peak measured around it, pass by pass: median %.0f %%, quartiles %.0f-%.0f %% (%d passes)%n",
                    100 * LibraryTimings.quantile(shares, 0.5), 100 * LibraryTimings.quantile(shares, 0.25),
                    100 * LibraryTimings.quantile(shares, 0.75), shares.length);
            System.out.printf(Locale.ROOT, "best against best: the sum of each op's best time against the highest peak around a pass, %.0f %%%n",
                    100 * bestAgainstBest(times, passes));
        }
        return 0;
    }

    /**
     * The arithmetic at each op's best time over the highest FMA peak measured around a pass: each op at its best
     * moment against the machine at its best. Looser than the pass-by-pass share, which a burst of a neighbour's load
     * during a pass lowers; on a quiet machine the two agree.
     */
    static double bestAgainstBest(List<OpTime> times, List<Pass> passes) {
        double millis = times.stream().mapToDouble(OpTime::millis).sum(), flops = times.stream().mapToDouble(OpTime::flops).sum();
        double peak = passes.stream().mapToDouble(Pass::peakGflops).max().orElseThrow();
        return flops / 1e6 / millis / peak;
    }

    /**
     * One pass over the ops with {@code --peak}.
     *
     * @param peakGflops the FMA peak on as many threads: the mean of those measured just before and just after
     * @param millis     the pass's time, the sum of its ops' times
     */
    record Pass(double peakGflops, double millis) { }

    /**
     * The best time of each op of a whole decode of {@code frames} frames of {@code model} on the CPU backend (threads
     * from {@code dac4j.cpu.threads}), over {@code runs} passes, in program order.
     */
    public static List<OpTime> measure(DacModel model, int frames, int runs) { return measure(model, frames, runs, null); }

    /** {@link #measure(DacModel, int, int)}, measuring the FMA peak around each pass and handing each pass to {@code passes} when not null. */
    static List<OpTime> measure(DacModel model, int frames, int runs, java.util.function.Consumer<Pass> passes) {
        Backend cpu = Backends.open("cpu", null).backend();
        try (Decoder decoder = Decoder.open(model, DecoderOptions.defaults().withStepFrames(0), cpu, true)) {
            DacConfig c = model.config();
            int[][][] codes = BenchModels.codes(c, 1, frames, DecodeBenchmark.CODES_SEED);
            for (int i = 0; i < 3; i++) decoder.decode(codes);   // compiled kernels, and real activations everywhere
            Step step = BenchModels.wholeStep(c, codes, frames, decoder.program().lookaheadFrames());
            List<Op> ops = decoder.program().ops();
            double[] best = new double[ops.size()];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            int threads = Integer.getInteger("dac4j.cpu.threads", Runtime.getRuntime().availableProcessors());
            double before = passes == null ? 0 : peakGflops(threads);
            for (int r = 0; r < runs; r++) {
                double pass = 0;
                for (int i = 0; i < ops.size(); i++) {
                    long t0 = System.nanoTime();
                    ops.get(i).run(cpu, step);
                    double ms = (System.nanoTime() - t0) / 1e6;
                    best[i] = Math.min(best[i], ms);
                    pass += ms;
                }
                if (passes != null) {
                    double after = peakGflops(threads);
                    passes.accept(new Pass((before + after) / 2, pass));
                    before = after;
                }
            }
            List<OpTime> times = new ArrayList<>();
            for (int i = 0; i < ops.size(); i++) times.add(new OpTime(ops.get(i).label(), best[i], flops(ops.get(i), step)));
            return times;
        }
    }

    private static double peakGflops(int threads) {
        try {
            return FmaPeak.gflops(threads, 400);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring the FMA peak", e);
        }
    }

    /** Multiply-adds times two of the rows {@code op} computes in {@code step}: rows x taps x cin x cout. */
    static double flops(Op op, Step step) {
        if (op instanceof Conv c) {
            var w = c.conv();
            return 2.0 * (c.rows(step) - c.skippedRows(step)) * w.kernel() * w.inChannels() * w.outChannels();
        }
        if (op instanceof ConvTranspose t) {   // each input row gives stride output rows, each from 2 of the kernel's 2s taps
            var w = t.conv();
            return 2.0 * (t.rows(step) - t.skippedRows(step)) * w.stride() * 2 * w.inChannels() * w.outChannels();
        }
        return 0;
    }
}
