package io.github.dac4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.dac4j.core.cpu.CpuBackend;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.program.CodebookSum;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import org.junit.jupiter.api.Test;

/** The decode a decoder runs at open where its backend asks ({@link Backend#warmUpFrames}): unseen, and the same bits after. */
class DecoderWarmUpTest {
    /** A CPU backend that asks for {@code frames} warm-up frames and counts the codebook sums it runs. */
    static final class Counting extends ForwardingBackend {
        final int frames;
        int codebookSums;

        Counting(int frames) {
            super(new CpuBackend(2));
            this.frames = frames;
        }

        @Override public int warmUpFrames() { return frames; }

        @Override public void codebookSum(CodebookSum op, int streams, int[] codes, int codebooks, int n) {
            codebookSums++;
            super.codebookSum(op, streams, codes, codebooks, n);
        }
    }

    @Test
    void theWarmUpDecodeIsUnseenAndChangesNoBits() throws Exception {
        DacConfig config = DacConfig.small();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, 5));
        int[][][] codes = DacSynth.codes(config, 1, config.nCodebooks(), 37, 8);
        for (int step : new int[] {0, 16}) {
            DecoderOptions options = DecoderOptions.defaults().withStepFrames(step);
            Counting warm = new Counting(1), cold = new Counting(0);
            try (Decoder warmed = Decoder.open(model, options, warm, true); Decoder plain = Decoder.open(model, options, cold, true)) {
                assertTrue(warm.codebookSums > 0, "step " + step + ": a decode at open (one step or, with the flush, a few)");
                assertEquals(0, cold.codebookSums, "step " + step + ": no warm-up asked for, none run");
                assertNull(warmed.lastStats(), "the warm-up leaves no stats");
                long arenaAtOpen = warm.arenaBytes();
                float[][] a = warmed.decode(codes), b = plain.decode(codes);
                assertArrayEquals(b[0], a[0], "step " + step + ": samples after a warm-up");
                if (step == 0) {
                    // whole sequences: the arena of a one-second decode was had at open, and a shorter decode reuses it
                    assertEquals(arenaAtOpen, warm.arenaBytes(), "a 37-frame decode allocates nothing");
                    assertTrue(cold.arenaBytes() < arenaAtOpen, "the 37-frame plan is smaller than the one-second one");
                    assertEquals(cold.arenaBytes(), warmed.plan().arenaBytes(), "the decoder's plan is still the 37 frames' own");
                }
                assertEquals(37, warmed.lastStats().frames());
                try (DecoderStream s = warmed.stream(1)) {
                    assertTrue(s != null, "a stream opens after the warm-up");
                }
            }
        }
    }

    @Test
    void theCpuBackendAsksForOneFrameUnlessTheWarmUpIsOff() {
        try (CpuBackend cpu = new CpuBackend(1)) {
            String before = System.getProperty("dac4j.cpu.warmup");
            try {
                System.clearProperty("dac4j.cpu.warmup");
                assertEquals(1, cpu.warmUpFrames());
                System.setProperty("dac4j.cpu.warmup", "false");
                assertEquals(0, cpu.warmUpFrames());
            } finally {
                if (before == null) System.clearProperty("dac4j.cpu.warmup");
                else System.setProperty("dac4j.cpu.warmup", before);
            }
        }
    }
}
