package io.github.dac4j.core;

import io.github.dac4j.core.cpu.CpuBackend;
import io.github.dac4j.core.cpu.CpuBackends;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.core.program.Conv;
import io.github.dac4j.core.program.ConvTranspose;
import io.github.dac4j.core.program.Stage;
import io.github.dac4j.testing.Pushes;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rows a step skips (outputs before position 0 in every stream, {@link io.github.dac4j.core.program.Step#skippedOutputRows})
 * are never read: with them filled with NaN instead of computed, decodes and encodes, whole and streamed, give the
 * same bits as a backend that computes every row. And nothing is computed twice or for nothing: over a decode each
 * convolution computes each of its stage's valid positions once and, but for a transposed convolution's last input
 * row, no other; decoding whole, in one call.
 */
class SkippedRowsTest {
    /** Computes every row, as before rows were skipped. */
    static final class EveryRow extends ForwardingBackend {
        EveryRow(Backend inner) { super(inner); }

        @Override public void conv(Conv op, int streams, long position, int skip, int n) { inner.conv(op, streams, position, 0, n); }

        @Override public void convTranspose(ConvTranspose op, int streams, long position, int skip, int n) { inner.convTranspose(op, streams, position, 0, n); }
    }

    /** Fills the skipped rows with NaN, and counts the rows each convolution computes. */
    static final class Poisoning extends ForwardingBackend {
        final CpuBackend cpu;
        final Map<String, Long> rows = new HashMap<>();
        final Map<String, Stage> stages = new HashMap<>();
        final Map<String, Integer> calls = new HashMap<>();

        Poisoning(CpuBackend cpu) { super(cpu); this.cpu = cpu; }

        @Override public void conv(Conv op, int streams, long position, int skip, int n) {
            for (int b = 0; b < streams; b++) CpuBackends.fill(cpu, op.out(), b, op.outRow(), skip, Float.NaN);
            count(op.label(), op.stage(), n - skip);
            inner.conv(op, streams, position, skip, n);
        }

        @Override public void convTranspose(ConvTranspose op, int streams, long position, int skip, int n) {
            int s = op.conv().stride();
            for (int b = 0; b < streams; b++) CpuBackends.fill(cpu, op.out(), b, op.outRow(), skip * s, Float.NaN);
            count(op.label(), op.stage(), (n - skip) * s);
            inner.convTranspose(op, streams, position, skip, n);
        }

        private void count(String label, Stage stage, int computed) {
            rows.merge(label, (long) computed, Long::sum);
            stages.put(label, stage);
            calls.merge(label, 1, Integer::sum);
        }
    }

    @Test
    void decodesSkipRowsThatNothingReads() throws Exception {
        for (DacConfig config : new DacConfig[] {DacConfig.small(), new DacConfig(16, 64, new int[] {5, 3}, 3, 16, 4, 44_100)}) {
            DacModel model = DacModel.load(DacSynth.checkpoint(config, 5));
            int frames = 23;
            int[][][] codes = DacSynth.codes(config, 2, config.nCodebooks(), frames, 6);
            for (int step : new int[] {0, 1, 4, 9}) {
                DecoderOptions options = DecoderOptions.defaults().withDevice("cpu").withBatch(2).withStepFrames(step);
                float[][] expected;
                try (Decoder d = Decoder.open(model, options, new EveryRow(new CpuBackend(2)), true)) {
                    expected = d.decode(codes);
                }
                Poisoning poisoning = new Poisoning(new CpuBackend(2));
                try (Decoder d = Decoder.open(model, options, poisoning, true)) {
                    float[][] got = d.decode(codes);
                    for (int b = 0; b < 2; b++) {
                        for (float v : got[b]) assertFalse(Float.isNaN(v), config + ", step " + step + ": NaN in stream " + b);
                        assertArrayEquals(expected[b], got[b], config + ", step " + step + ", stream " + b);
                    }
                    // each convolution computed every valid position of its stage once, and no position twice
                    for (var e : poisoning.rows.entrySet()) {
                        Stage stage = poisoning.stages.get(e.getKey());
                        long valid = stage.outputLength(frames);
                        String what = config + ", step " + step + ": " + e.getKey();
                        if (e.getKey().startsWith("conv-transpose")) {
                            assertTrue(e.getValue() >= valid && e.getValue() < valid + 2L * stage.outRate() / stage.inRate(), what + " computed " + e.getValue() + " rows for " + valid);
                        } else {
                            assertEquals(valid, e.getValue(), what + ": rows computed");
                        }
                        // decoding whole, the last frames and the flush are one step: each weight is read once
                        if (step == 0) assertEquals(1, poisoning.calls.get(e.getKey()), what + ": calls");
                    }
                }
            }
        }
    }

    @Test
    void encodesSkipRowsThatNothingReads() throws Exception {
        DacConfig config = DacConfig.small();
        EncoderModel model = EncoderModel.load(DacSynth.checkpointWithEncoder(config, 8));
        SplittableRandom rnd = new SplittableRandom(9);
        float[] audio = new float[model.hop() * 17 + 5];
        for (int i = 0; i < audio.length; i++) audio[i] = (float) (0.5 * Math.sin(i * 0.05) + 0.1 * (rnd.nextDouble() - 0.5));
        for (int step : new int[] {64, 2, 5}) {
            EncoderOptions options = EncoderOptions.defaults().withDevice("cpu").withStepFrames(step);
            Encoding expected;
            try (Encoder e = Encoder.open(model, options, new EveryRow(new CpuBackend(2)), true)) {
                expected = e.encode(new float[][] {audio});
            }
            try (Encoder e = Encoder.open(model, options, new Poisoning(new CpuBackend(2)), true)) {
                EncoderTest.assertSame(expected, e.encode(new float[][] {audio}), "step " + step);
                EncoderTest.assertSame(expected, Pushes.encodeInRandomPushes(e, audio, new SplittableRandom(step)), "step " + step + ", random pushes");
            }
        }
    }
}
