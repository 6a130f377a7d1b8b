package io.github.dac4j.bench;

import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.ResidualUnit;
import io.github.dac4j.weights.DacConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpTimes times every op of the program once per run, and its arithmetic adds up to the decoder's. */
class OpTimesTest {
    @Test
    void everyOpTimedAndTheArithmeticAddsUp() {
        DacConfig c = DacConfig.small();
        DacModel model = BenchModels.random(c, 3);
        int frames = 11;
        List<OpTimes.OpTime> times = OpTimes.measure(model, frames, 2);

        // the decoder's multiply-adds, layer by layer: conv1 at T rows, each block's transposed conv (2 of its 2s
        // taps per output row) and residual units at the block's rows, conv2 at the output's rows
        long rows = frames;
        double expected = 2.0 * rows * model.conv1().kernel() * model.conv1().inChannels() * model.conv1().outChannels();
        for (DecoderBlock b : model.blocks()) {
            rows *= b.convT1().stride();
            expected += 2.0 * rows * 2 * b.convT1().inChannels() * b.convT1().outChannels();
            for (ResidualUnit u : b.resUnits()) {
                expected += 2.0 * rows * u.conv1().kernel() * u.conv1().inChannels() * u.conv1().outChannels();
                expected += 2.0 * rows * u.conv2().kernel() * u.conv2().inChannels() * u.conv2().outChannels();
            }
        }
        expected += 2.0 * rows * model.conv2().kernel() * model.conv2().inChannels() * model.conv2().outChannels();

        double flops = times.stream().mapToDouble(OpTimes.OpTime::flops).sum();
        assertEquals(expected, flops, 1e-9 * expected);
        assertTrue(times.stream().anyMatch(t -> t.label().equals("conv decoder.conv1")), times.toString());
        for (OpTimes.OpTime t : times) {
            assertTrue(t.millis() >= 0 && t.millis() < 60_000, t.toString());
            assertTrue(Double.isFinite(t.gflops()) && t.gflops() >= 0, t.toString());
        }
    }

    @Test
    void withThePeakEachPassIsSetAgainstThePeakMeasuredAroundIt() {
        List<OpTimes.Pass> passes = new java.util.ArrayList<>();
        List<OpTimes.OpTime> times = OpTimes.measure(BenchModels.random(DacConfig.small(), 3), 5, 3, passes::add);
        assertEquals(3, passes.size());
        double best = times.stream().mapToDouble(OpTimes.OpTime::millis).sum();
        for (OpTimes.Pass p : passes) {
            assertTrue(Double.isFinite(p.peakGflops()) && p.peakGflops() > 1, p.toString());
            assertTrue(p.millis() >= best * (1 - 1e-9), "a pass is no faster than the sum of each op's best: " + p + " against " + best);
        }
    }

    @Test
    void bestAgainstBestSetsTheOpsBestsAgainstTheHighestPeak() {
        // 2 GFLOP in 15.5 ms (129 GFLOP/s, the mask counting its time) against peaks of 100 and 200 GFLOP/s: 65 % of the higher
        List<OpTimes.OpTime> times = List.of(new OpTimes.OpTime("conv a", 10, 1.5e9), new OpTimes.OpTime("conv b", 5, 0.5e9),
                new OpTimes.OpTime("mask a", 0.5, 0));
        List<OpTimes.Pass> passes = List.of(new OpTimes.Pass(100, 40), new OpTimes.Pass(200, 30));
        assertEquals(2e9 / 1e6 / 15.5 / 200, OpTimes.bestAgainstBest(times, passes), 1e-12);
    }
}
