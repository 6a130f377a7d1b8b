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
        System.setProperty("dac4j.cpu.threads", Integer.toString(threads));
        DacConfig c = DacConfig.preset(model);
        List<OpTime> times = measure(BenchModels.random(c, DecodeBenchmark.WEIGHTS_SEED), frames, runs);
        double total = 0, flops = 0;
        System.out.printf(Locale.ROOT, "| op | ms | GFLOP | GFLOP/s |%n|---|---:|---:|---:|%n");
        for (OpTime t : times) {
            total += t.millis();
            flops += t.flops();
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.1f |%n", t.label(), t.millis(), t.flops() / 1e9, t.gflops());
        }
        System.out.printf(Locale.ROOT, "%s model, %d frames, %d thread(s): %d ops, sum of best times %.1f ms, %.1f GFLOP, %.1f GFLOP/s%n",
                model, frames, threads, times.size(), total, flops / 1e9, flops / 1e6 / total);
        return 0;
    }

    /**
     * The best time of each op of a whole decode of {@code frames} frames of {@code model} on the CPU backend (threads
     * from {@code dac4j.cpu.threads}), over {@code runs} passes, in program order.
     */
    public static List<OpTime> measure(DacModel model, int frames, int runs) {
        Backend cpu = Backends.open("cpu", null).backend();
        try (Decoder decoder = Decoder.open(model, DecoderOptions.defaults().withStepFrames(0), cpu, true)) {
            DacConfig c = model.config();
            int[][][] codes = BenchModels.codes(c, 1, frames, DecodeBenchmark.CODES_SEED);
            for (int i = 0; i < 3; i++) decoder.decode(codes);   // compiled kernels, and real activations everywhere
            Step step = BenchModels.wholeStep(c, codes, frames, decoder.program().lookaheadFrames());
            List<Op> ops = decoder.program().ops();
            double[] best = new double[ops.size()];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            for (int r = 0; r < runs; r++) {
                for (int i = 0; i < ops.size(); i++) {
                    long t0 = System.nanoTime();
                    ops.get(i).run(cpu, step);
                    best[i] = Math.min(best[i], (System.nanoTime() - t0) / 1e6);
                }
            }
            List<OpTime> times = new ArrayList<>();
            for (int i = 0; i < ops.size(); i++) times.add(new OpTime(ops.get(i).label(), best[i], flops(ops.get(i), step)));
            return times;
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
