package io.github.dac4j.core;

import io.github.dac4j.core.cpu.CpuBackend;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.ScratchPolicy;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedding API on the CPU: a caller's backend, ownership, the sample callback, the planned step. */
class EmbeddingTest {
    private static final DacConfig CONFIG = DacConfig.small();

    private static DacModel model(long seed) throws Exception { return DacModel.load(DacSynth.checkpoint(CONFIG, seed)); }

    @Test
    void callerBackendDecodesBitIdenticallyAndStaysOpen() throws Exception {
        DacModel model = model(31);
        int[][][] codes = DacSynth.codes(CONFIG, 2, CONFIG.nCodebooks(), 29, 404);
        DecoderOptions options = DecoderOptions.defaults().withDevice("cpu").withBatch(2).withStepFrames(7);
        float[][] expected;
        try (Decoder d = Decoder.open(model, options)) {
            expected = d.decode(codes);
        }
        CountingBackend backend = new CountingBackend(new CpuBackend(1));
        try (Decoder d = Decoder.open(model, options, backend)) {
            assertSame(backend, d.backend());
            float[][] out = d.decode(codes);
            for (int b = 0; b < 2; b++) assertArrayEquals(expected[b], out[b], "stream " + b);
        }
        assertEquals(0, backend.closes, "the decoder must not close a backend it does not own");
        // the same backend serves a second decoder after the first is closed
        try (Decoder d = Decoder.open(model, options, backend)) {
            assertArrayEquals(expected[1], d.decode(codes)[1]);
        }
        backend.close();
        assertEquals(1, backend.closes);
    }

    @Test
    void ownedBackendIsClosedWithTheDecoderAndOnFailure() throws Exception {
        DacModel model = model(32);
        CountingBackend owned = new CountingBackend(new CpuBackend(1));
        Decoder.open(model, DecoderOptions.defaults(), owned, true).close();
        assertEquals(1, owned.closes);

        CountingBackend failing = new CountingBackend(new CpuBackend(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Decoder.open(model, DecoderOptions.defaults().withPrecision(Precision.FP16), failing, true));
        assertEquals("options ask for fp16 but the cpu backend runs fp32", e.getMessage());
        assertEquals(1, failing.closes, "an owned backend is closed when open fails");

        CountingBackend kept = new CountingBackend(new CpuBackend(1));
        assertThrows(IllegalArgumentException.class,
                () -> Decoder.open(model, DecoderOptions.defaults().withMemoryBudget(1000), kept, false));
        assertEquals(0, kept.closes, "a caller's backend stays open when open fails");
        kept.close();
    }

    @Test
    void sampleCallbackSeesEverySampleOnceInOrder() throws Exception {
        DacModel model = model(33);
        int frames = 23, hop = CONFIG.hop();
        int[][][] codes = DacSynth.codes(CONFIG, 2, CONFIG.nCodebooks(), frames, 405);
        try (Decoder d = Decoder.open(model, DecoderOptions.defaults().withDevice("cpu").withBatch(2).withStepFrames(5))) {
            float[][] expected = d.decode(codes);
            float[][] got = new float[2][hop * frames];
            long[] next = new long[2];
            List<Integer> calls = new ArrayList<>();
            d.decodeInto(codes, (stream, position, samples, fromRow, count) -> {
                assertEquals(next[stream], position, "stream " + stream + " continues where it stopped");
                d.backend().read(samples, stream, fromRow, count, got[stream], (int) position);
                next[stream] += count;
                calls.add(count);
            }, null);
            assertTrue(calls.size() > 2, "several steps: " + calls);
            for (int b = 0; b < 2; b++) {
                assertEquals((long) hop * frames, next[b]);
                assertArrayEquals(expected[b], got[b], "stream " + b);
            }
        }
    }

    /** Streaming into the caller's buffer through a sink: random push sizes, one stream ending early, same samples. */
    @Test
    void streamingIntoASinkGivesTheWholeDecode() throws Exception {
        DacModel model = model(35);
        int hop = CONFIG.hop();
        int[] lengths = {31, 18};
        int[][][] codes = {DacSynth.codes(CONFIG, 1, CONFIG.nCodebooks(), lengths[0], 406)[0],
                DacSynth.codes(CONFIG, 1, CONFIG.nCodebooks(), lengths[1], 407)[0]};
        DecoderOptions options = DecoderOptions.defaults().withDevice("cpu").withBatch(2).withStepFrames(6);
        try (Decoder d = Decoder.open(model, options)) {
            float[][] got = {new float[hop * lengths[0]], new float[hop * lengths[1]]};
            long[] next = new long[2];
            SampleSink sink = (stream, position, samples, fromRow, count) -> {
                assertEquals(next[stream], position, "stream " + stream + " continues where it stopped");
                d.backend().read(samples, stream, fromRow, count, got[stream], (int) position);
                next[stream] += count;
            };
            java.util.SplittableRandom random = new java.util.SplittableRandom(408);
            try (DecoderStream s = d.stream(2)) {
                for (int t = 0; t < lengths[0]; ) {
                    // random push sizes that land exactly on stream 1's end, which it then finishes
                    int n = Math.min(1 + random.nextInt(9), (t < lengths[1] ? lengths[1] : lengths[0]) - t);
                    int[][][] push = {slice(codes[0], t, n), t < lengths[1] ? slice(codes[1], t, n) : null};
                    s.push(push, sink);
                    t += n;
                    if (t == lengths[1]) s.finish(1);
                }
                s.finish(sink);
            }
            for (int b = 0; b < 2; b++) {
                try (Decoder whole = Decoder.open(model, options.withBatch(1).withStepFrames(0))) {
                    float[] expected = whole.decode(new int[][][] {codes[b]})[0];
                    assertEquals(expected.length, next[b], "stream " + b + ": every sample once");
                    assertArrayEquals(expected, got[b], "stream " + b);
                }
            }
            assertThrows(IllegalArgumentException.class, () -> d.stream(1).push(new int[][][] {codes[0]}, null));
        }
    }

    private static int[][] slice(int[][] codes, int from, int n) {
        int[][] part = new int[codes.length][];
        for (int k = 0; k < codes.length; k++) part[k] = java.util.Arrays.copyOfRange(codes[k], from, from + n);
        return part;
    }

    @Test
    void plannedStepFramesIsTheDecodersChoice() throws Exception {
        DacModel model = model(34);
        DecoderOptions chunk = DecoderOptions.defaults().withDevice("cpu").withStepFrames(12).withBatch(3);
        assertEquals(12, Decoder.plannedStepFrames(model, chunk, 4, ScratchPolicy.NONE));
        assertEquals(0, Decoder.plannedStepFrames(model, chunk.withStepFrames(0), 4, ScratchPolicy.NONE));
        long budget = Program.decoder(model).streams(3).stepFrames(40).build().plan().arenaBytes();
        DecoderOptions budgeted = chunk.withMemoryBudget(budget);
        int step = Decoder.plannedStepFrames(model, budgeted, 4, ScratchPolicy.NONE);
        assertTrue(step >= 40, "a budget of the 40-frame arena allows at least 40 frames, got " + step);
        try (Decoder d = Decoder.open(model, budgeted)) {
            assertEquals(step, d.stepFrames());
            assertEquals(Program.decoder(model).streams(3).stepFrames(step).build().plan().arenaBytes(), d.plan().arenaBytes());
        }
    }

    /** A backend that counts close() calls. */
    static final class CountingBackend extends ForwardingBackend {
        int closes;

        CountingBackend(Backend inner) { super(inner); }

        @Override public void close() {
            closes++;
            inner.close();
        }
    }
}
