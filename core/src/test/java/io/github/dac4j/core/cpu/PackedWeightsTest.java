package io.github.dac4j.core.cpu;

import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The thread-safety contract's weight sharing: decoders on one loaded model hold one packed copy of its weights. */
class PackedWeightsTest {
    private static final DacConfig CONFIG = DacConfig.small();

    @Test
    void backendsOnOneModelShareOnePackedCopy() throws Exception {
        DacModel model = DacModel.load(DacSynth.checkpoint(CONFIG, 61));
        try (CpuBackend a = new CpuBackend(1); CpuBackend b = new CpuBackend(2)) {
            a.prepare(model);
            b.prepare(model);
            assertSame(a.weights(), b.weights());
            assertTrue(a.weightBytes() > 4L * model.parameters() / 2, "weights counted: " + a.weightBytes());
            assertEquals(a.weightBytes(), b.weightBytes());
        }
    }

    @Test
    void aModelLoadedTwiceAndAnotherKernelLayoutGetTheirOwnCopies() throws Exception {
        DacCheckpoint checkpoint = DacSynth.checkpoint(CONFIG, 62);
        DacModel first = DacModel.load(checkpoint), second = DacModel.load(checkpoint);
        try (CpuBackend a = new CpuBackend(1, ReferenceKernels::new); CpuBackend b = new CpuBackend(1, ReferenceKernels::new);
             CpuBackend c = new CpuBackend(1, JavaKernels::new)) {
            a.prepare(first);
            b.prepare(second);
            c.prepare(first);
            assertNotSame(a.weights(), b.weights(), "a second load holds its own arrays, so its own packing");
            assertNotSame(a.weights(), c.weights(), "each kernel implementation has its own layout");
        }
    }

    /** Four decoders, one per thread, on one model: one packed copy, and each thread's output bit-identical to a lone decode. */
    @Test
    void decodersOnSeveralThreadsShareWeightsAndStayExact() throws Exception {
        // the expected samples from a model of their own, so that the shared one's codebook rows are first computed
        // while the threads decode (Quantizer computes them on first use)
        DacModel model = DacModel.load(DacSynth.checkpoint(CONFIG, 63)), reference = DacModel.load(DacSynth.checkpoint(CONFIG, 63));
        DecoderOptions options = DecoderOptions.defaults().withDevice("cpu").withStepFrames(5);
        int threads = 4;
        List<int[][][]> inputs = new ArrayList<>();
        List<float[][]> expected = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            inputs.add(DacSynth.codes(CONFIG, 1, CONFIG.nCodebooks(), 17 + i, 640 + i));
            try (Decoder d = Decoder.open(reference, options)) { expected.add(d.decode(inputs.get(i))); }
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<PackedWeights>> shared = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int[][][] codes = inputs.get(i);
                float[][] want = expected.get(i);
                shared.add(pool.submit(() -> {
                    try (Decoder d = Decoder.open(model, options)) {
                        for (int round = 0; round < 5; round++) assertArrayEquals(want[0], d.decode(codes)[0]);
                        return ((CpuBackend) d.backend()).weights();
                    }
                }));
            }
            PackedWeights first = shared.get(0).get();
            for (Future<PackedWeights> f : shared) assertSame(first, f.get());
        } finally {
            pool.shutdownNow();
        }
    }
}
