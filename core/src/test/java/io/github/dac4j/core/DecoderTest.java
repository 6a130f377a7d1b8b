package io.github.dac4j.core;

import io.github.dac4j.testing.Numerics;
import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CPU decoder against the float64 reference, and streaming against whole decoding, on random models. */
class DecoderTest {
    /** float32 arithmetic against float64: sums of ~10^3-10^4 products keep about 6 digits. */
    static final double FP32_TOLERANCE = 1e-5;

    static DecoderOptions cpu() { return DecoderOptions.defaults().withDevice("cpu"); }

    @Test
    void matchesFloat64ReferenceOnTinyAndSmall() throws Exception {
        for (DacConfig config : new DacConfig[] {DacConfig.tiny(), DacConfig.small()}) {
            DacCheckpoint ckpt = DacSynth.checkpoint(config, 7);
            int[][][] codes = DacSynth.codes(config, 2, config.nCodebooks(), 13, 11);
            try (Decoder d = Decoder.open(DacModel.load(ckpt), cpu().withBatch(2).withStepFrames(0))) {
                float[][] out = d.decode(codes);
                ReferenceDecoder ref = new ReferenceDecoder(ckpt);
                for (int b = 0; b < 2; b++) {
                    double err = Numerics.relativeError(out[b], ref.decode(codes[b]));
                    assertTrue(err <= FP32_TOLERANCE, config + " stream " + b + ": relative error " + err);
                }
            }
        }
    }

    @Test
    void fewerCodebooksThanTheModelHas() throws Exception {
        DacConfig config = DacConfig.small();
        DacCheckpoint ckpt = DacSynth.checkpoint(config, 3);
        int[][][] codes = DacSynth.codes(config, 1, 2, 9, 5);
        try (Decoder d = Decoder.open(DacModel.load(ckpt), cpu())) {
            double err = Numerics.relativeError(d.decode(codes)[0], new ReferenceDecoder(ckpt).decode(codes[0]));
            assertTrue(err <= FP32_TOLERANCE, "relative error " + err);
        }
    }

    @Test
    void chunkedAndStreamedAreBitIdenticalToWhole() throws Exception {
        DacConfig config = DacConfig.small();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, 21));
        int frames = 37;
        int[][][] codes = DacSynth.codes(config, 1, config.nCodebooks(), frames, 99);
        float[] whole;
        try (Decoder d = Decoder.open(model, cpu().withStepFrames(0))) {
            whole = d.decode(codes)[0];
        }
        for (int chunk : new int[] {1, 5, 16, 64}) {
            try (Decoder d = Decoder.open(model, cpu().withStepFrames(chunk))) {
                assertArrayEquals(whole, d.decode(codes)[0], "chunk " + chunk);
            }
        }
        SplittableRandom rnd = new SplittableRandom(4);
        int[][] patterns = {{1}, {7}, {16}, {}};
        for (int[] pattern : patterns) {
            try (Decoder d = Decoder.open(model, cpu().withStepFrames(16))) {
                float[] streamed = streamInPushes(d, codes[0], pattern, rnd);
                assertArrayEquals(whole, streamed, "pushes of " + (pattern.length == 0 ? "random sizes" : pattern[0]));
            }
        }
    }

    /** Pushes codes[k][*] in pushes of pattern[0] frames (random 1..20 if the pattern is empty). */
    static float[] streamInPushes(Decoder d, int[][] codes, int[] pattern, SplittableRandom rnd) {
        int frames = codes[0].length;
        float[] out = new float[(int) d.samples(frames)];
        int at = 0;
        try (DecoderStream s = d.stream(1)) {
            for (int t = 0; t < frames; ) {
                int n = Math.min(frames - t, pattern.length == 0 ? 1 + rnd.nextInt(20) : pattern[0]);
                int[][] part = new int[codes.length][];
                for (int k = 0; k < codes.length; k++) part[k] = java.util.Arrays.copyOfRange(codes[k], t, t + n);
                float[] got = s.push(new int[][][] {part})[0];
                System.arraycopy(got, 0, out, at, got.length);
                at += got.length;
                t += n;
            }
            float[] rest = s.finish()[0];
            System.arraycopy(rest, 0, out, at, rest.length);
            at += rest.length;
        }
        assertEquals(out.length, at, "samples out");
        return out;
    }

    @Test
    void latencyIsTheLookahead() throws Exception {
        DacModel model = DacModel.load(DacSynth.checkpoint(DacConfig.small(), 1));
        try (Decoder d = Decoder.open(model, cpu())) {
            int hop = d.config().hop(), lookahead = d.lookaheadFrames();
            int frames = 40;
            int[][][] codes = DacSynth.codes(d.config(), 1, 4, frames, 2);
            try (DecoderStream s = d.stream(1)) {
                long out = 0;
                for (int t = 0; t < frames; t++) {
                    out += s.push(new int[][][] {slice(codes[0], t, 1)})[0].length;
                    long pushed = t + 1;
                    // Frame f is complete once f + lookahead frames are in, and nothing of frame f + 1 is out before that.
                    assertTrue(out >= Math.max(0, pushed - lookahead) * hop, "after " + pushed + " frames only " + out + " samples");
                    assertTrue(out <= Math.max(0, pushed - lookahead + 1) * hop, "after " + pushed + " frames already " + out + " samples");
                }
            }
        }
    }

    /** The 44.1 kHz graph: 10 frames of look-ahead (docs/MODEL.md), and streaming exact at full width. */
    @Test
    void dac44khzShapedModel() throws Exception {
        DacConfig config = DacConfig.dac44khz();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, 44));
        assertEquals(54_247_777L, model.parameters());
        int[][][] codes = DacSynth.codes(config, 1, 9, 12, 8);
        float[] whole;
        try (Decoder d = Decoder.open(model, cpu().withStepFrames(0))) {
            assertEquals(10, d.lookaheadFrames());
            whole = d.decode(codes)[0];
        }
        try (Decoder d = Decoder.open(model, cpu().withStepFrames(4))) {
            assertArrayEquals(whole, streamInPushes(d, codes[0], new int[] {5}, new SplittableRandom(1)));
        }
    }

    /**
     * The 24 kHz graph (strides 8, 5, 4, 2, 32 codebooks): 320 T - 8 samples, 11 frames of look-ahead, streaming exact
     * at full width, with all 32 codebooks and with the first 4.
     */
    @Test
    void dac24khzShapedModel() throws Exception {
        DacConfig config = new DacConfig(1024, 1536, new int[] {8, 5, 4, 2}, 32, 1024, 8, 24_000);
        DacModel model = DacModel.load(DacSynth.checkpoint(config, 24));
        for (int codebooks : new int[] {32, 4}) {
            int[][][] codes = DacSynth.codes(config, 1, codebooks, 13, 9);
            float[] whole;
            try (Decoder d = Decoder.open(model, cpu().withStepFrames(0))) {
                assertEquals(11, d.lookaheadFrames());
                whole = d.decode(codes)[0];
                assertEquals(320 * 13 - 8, whole.length);
            }
            try (Decoder d = Decoder.open(model, cpu().withStepFrames(3))) {
                assertArrayEquals(whole, streamInPushes(d, codes[0], new int[] {2}, new SplittableRandom(1)), codebooks + " codebooks");
            }
        }
    }

    @Test
    void batchStreamsMayFinishEarly() throws Exception {
        DacConfig config = DacConfig.tiny();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, 5));
        int[][][] a = DacSynth.codes(config, 1, 3, 40, 1), b = DacSynth.codes(config, 1, 3, 17, 2);
        float[] wholeA, wholeB;
        try (Decoder d = Decoder.open(model, cpu().withStepFrames(0))) {
            wholeA = d.decode(a)[0];
            wholeB = d.decode(b)[0];
        }
        try (Decoder d = Decoder.open(model, cpu().withBatch(2).withStepFrames(6))) {
            float[][] acc = {new float[0], new float[0]};
            try (DecoderStream s = d.stream(2)) {
                for (int t = 0; t < 40; t += 4) {
                    int[][][] push = new int[2][][];
                    push[0] = slice(a[0], t, 4);
                    push[1] = t < 16 ? slice(b[0], t, 4) : t == 16 ? slice(b[0], 16, 1) : null;
                    if (t == 16) {
                        // stream 1 has 1 frame left: push it alone is not possible in lockstep, so push 1 frame of both
                        float[][] got = s.push(new int[][][] {slice(a[0], 16, 1), slice(b[0], 16, 1)});
                        append(acc, got);
                        s.finish(1);
                        got = s.push(new int[][][] {slice(a[0], 17, 3), null});
                        append(acc, got);
                        continue;
                    }
                    append(acc, s.push(push));
                }
                append(acc, s.finish());
            }
            assertArrayEquals(wholeA, acc[0]);
            assertArrayEquals(wholeB, acc[1]);
        }
    }

    private static int[][] slice(int[][] codes, int from, int n) {
        int[][] out = new int[codes.length][];
        for (int k = 0; k < codes.length; k++) out[k] = java.util.Arrays.copyOfRange(codes[k], from, from + n);
        return out;
    }

    private static void append(float[][] acc, float[][] got) {
        for (int b = 0; b < acc.length; b++) {
            float[] joined = java.util.Arrays.copyOf(acc[b], acc[b].length + got[b].length);
            System.arraycopy(got[b], 0, joined, acc[b].length, got[b].length);
            acc[b] = joined;
        }
    }

    @Test
    void badCodesAreClearErrorsAndLeaveTheDecoderUsable() throws Exception {
        DacConfig config = DacConfig.tiny();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, 5));
        try (Decoder d = Decoder.open(model, cpu())) {
            int[][][] good = DacSynth.codes(config, 1, 3, 8, 1);
            float[] before = d.decode(good)[0];
            int[][][] outOfRange = DacSynth.codes(config, 1, 3, 8, 1);
            outOfRange[0][2][5] = 32;
            assertMessage(() -> d.decode(outOfRange), "value 32 at [0, 2, 5] is outside [0, 32)");
            int[][][] negative = DacSynth.codes(config, 1, 3, 8, 1);
            negative[0][0][0] = -1;
            assertMessage(() -> d.decode(negative), "outside");
            assertMessage(() -> d.decode(DacSynth.codes(config, 1, 4, 8, 1)), "4 codebooks but the model has 3");
            assertMessage(() -> d.decode(new int[][][] {{new int[0], new int[0]}}), "zero frames");
            assertMessage(() -> d.decode(new int[0][][]), "no streams");
            assertMessage(() -> d.decode(new int[][][] {{{1, 2}, {1}}}), "has 1 frames, expected 2");
            assertMessage(() -> d.decode(DacSynth.codes(config, 2, 3, 8, 1)), "exceeds the decoder's batch capacity 1");
            assertArrayEquals(before, d.decode(good)[0], "the decoder still decodes the same after errors");
        }
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
        assertFalse(e.getMessage().contains("\n"), "one line");
    }
}
