package io.github.dac4j.bench;

import io.github.dac4j.core.DecodeStats;
import io.github.dac4j.core.Decoder;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A JMH profiler that reports, beside the time, the memory a benchmark's decoder or op holds:
 * {@code ·arena.bytes} (bytes of arena the backend holds) and {@code ·peak.bytes} (bytes the step's plan touches,
 * the activation high-water mark), and {@code ·weights.bytes} when known. Use it with
 * {@code -prof io.github.dac4j.bench.ArenaProfiler}.
 *
 * <p>Benchmarks publish their figures with {@link #record(Decoder)} or {@link #record(long, long, long)} from
 * their setup (or after a decode), calling {@link #clear()} first. Not in their trial tear-down: JMH tears the trial
 * down before this profiler reads the last iteration, whose figures would be lost. The profiler runs in the
 * benchmark's JVM and reads what was published there; a benchmark that publishes nothing gets no extra rows.
 */
public final class ArenaProfiler implements InternalProfiler {
    private static volatile long arenaBytes = -1;
    private static volatile long peakBytes = -1;
    private static volatile long weightBytes = -1;
    private static volatile double audioSeconds = -1;

    /** JMH makes one with this constructor for {@code -prof io.github.dac4j.bench.ArenaProfiler}. */
    public ArenaProfiler() {}

    /** Publishes a decoder's figures: those of its last decode, else its current plan's. */
    public static void record(Decoder decoder) {
        DecodeStats stats = decoder.lastStats();
        if (stats != null) record(stats.arenaBytes(), stats.plannedArenaBytes(), stats.weightsBytes());
        else record(-1, decoder.plan().arenaBytes(), -1);
    }

    /**
     * Publishes figures directly; a negative value means unknown and is not reported.
     *
     * @param arena   bytes of arena the backend holds
     * @param peak    bytes the plan touches
     * @param weights bytes of prepared weights on the device
     */
    public static void record(long arena, long peak, long weights) {
        arenaBytes = arena;
        peakBytes = peak;
        weightBytes = weights;
    }

    /** Publishes the seconds of audio one benchmark operation decodes, for the {@code audio.realtime} result. */
    public static void recordAudio(double seconds) { audioSeconds = seconds; }

    /** Forgets the published figures, so a later benchmark in the same JVM (-f 0) does not report them. */
    public static void clear() {
        record(-1, -1, -1);
        audioSeconds = -1;
    }

    /** Seconds of audio decoded per second of wall time, from the iteration's own score; NaN if it cannot tell. */
    static double realtime(double score, Mode mode, java.util.concurrent.TimeUnit unit, double audioPerOp) {
        double unitSeconds = unit.toNanos(1) / 1e9;
        return switch (mode) {
            case AverageTime, SingleShotTime, SampleTime -> audioPerOp / (score * unitSeconds);
            case Throughput -> audioPerOp * score / unitSeconds;
            default -> Double.NaN;
        };
    }

    @Override public String getDescription() { return "dac4j: arena and peak activation bytes of the benchmark's plan"; }

    @Override public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {}

    @Override public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                                 IterationResult result) {
        List<Result> out = new ArrayList<>();
        // MAX: the figures are sizes, constant over iterations; averaging would only blur a change mid-run.
        if (arenaBytes >= 0) out.add(new ScalarResult("arena.bytes", arenaBytes, "bytes", AggregationPolicy.MAX));
        if (peakBytes >= 0) out.add(new ScalarResult("peak.bytes", peakBytes, "bytes", AggregationPolicy.MAX));
        if (weightBytes >= 0) out.add(new ScalarResult("weights.bytes", weightBytes, "bytes", AggregationPolicy.MAX));
        if (audioSeconds > 0) {
            double x = realtime(result.getPrimaryResult().getScore(), benchmarkParams.getMode(), benchmarkParams.getTimeUnit(), audioSeconds);
            if (!Double.isNaN(x)) out.add(new ScalarResult("audio.realtime", x, "audio s/s", AggregationPolicy.AVG));
        }
        return out;
    }
}
