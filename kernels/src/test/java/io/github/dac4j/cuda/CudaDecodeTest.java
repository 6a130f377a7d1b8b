package io.github.dac4j.cuda;

import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.testing.Fixtures;
import io.github.dac4j.testing.Numerics;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.DecoderStream;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole decodes on the GPU: the fixtures' references, the CPU backend on a 44.1 kHz-shaped model, streaming. Skipped without a GPU. */
class CudaDecodeTest {
    /**
     * Streaming against whole decoding on the GPU is not bit-identical: cuDNN may choose another algorithm (another
     * order of sums) for a step's row count than for the whole sequence's. How far apart the two may be is not guessed
     * here: each is held to the accuracy every GPU decode must have against the CPU backend's float32 result r
     * ({@link Gpu#tolerance}), and the distance between them follows from the triangle inequality,
     * ||a - b|| {@literal <=} ||a - r|| + ||r - b||, so at most twice that (up to ||r|| against ||b||, which the same bound makes
     * equal to within the tolerance). Every error is printed, so the first GPU run shows the real figures.
     */
    static double streamingTolerance(Precision p) { return 2 * Gpu.tolerance(p) * (1 + Gpu.tolerance(p)); }

    @BeforeEach
    void gpu() { Gpu.assume(); }

    static DecoderOptions cuda(Precision p) { return DecoderOptions.defaults().withDevice("cuda").withPrecision(p); }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void everyFixtureMatchesItsReference(Precision p) throws Exception {
        List<Fixtures.Case> cases = Fixtures.decoderCases();
        assertFalse(cases.isEmpty(), "cases.json lists no case");
        for (Fixtures.Case c : cases) {
            int[][][] codes = c.codeArray();
            float[] expected = c.expectedArray().floats();
            DacModel model = DacModel.load(DacCheckpoint.load(c.weights()));
            try (Decoder d = Decoder.open(model, cuda(p).withBatch(codes.length).withStepFrames(0))) {
                assertEquals("cuda", d.backendName());
                float[][] out = d.decode(codes);
                int samples = out[0].length;
                assertEquals(expected.length, codes.length * samples, c.name() + ": samples");
                for (int b = 0; b < codes.length; b++) {
                    float[] ref = new float[samples];
                    System.arraycopy(expected, b * samples, ref, 0, samples);
                    double err = Numerics.relativeError(out[b], ref);
                    System.out.printf("%s %s stream %d: relative error %.3g%n", p, c.name(), b, err);
                    assertTrue(err <= Gpu.tolerance(p), p + " " + c.name() + " stream " + b + ": relative error " + err);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void random44kHzModelMatchesTheCpuBackend(Precision p) throws Exception {
        DacConfig config = DacConfig.dac44khz();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, new SplittableRandom().nextLong()));
        int[][][] codes = DacSynth.codes(config, 2, config.nCodebooks(), 12, new SplittableRandom().nextLong());
        float[][] cpu;
        try (Decoder d = Decoder.open(model, DecoderOptions.defaults().withDevice("cpu").withBatch(2).withStepFrames(0))) {
            cpu = d.decode(codes);
        }
        try (Decoder d = Decoder.open(model, cuda(p).withBatch(2).withStepFrames(0))) {
            float[][] gpu = d.decode(codes);
            System.out.println(d.device() + ": " + d.lastStats());
            for (int b = 0; b < 2; b++) {
                double err = Numerics.relativeError(gpu[b], cpu[b]);
                System.out.printf("%s 44.1 kHz random model, stream %d: relative error %.3g%n", p, b, err);
                assertTrue(err <= Gpu.tolerance(p), p + " stream " + b + ": relative error " + err);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void streamingMatchesWholeDecodingOnTheGpu(Precision p) throws Exception {
        DacConfig config = DacConfig.small();
        DacModel model = DacModel.load(DacSynth.checkpoint(config, new SplittableRandom().nextLong()));
        int frames = 53;
        int[][][] codes = DacSynth.codes(config, 1, config.nCodebooks(), frames, new SplittableRandom().nextLong());
        float[] cpu, whole;
        try (Decoder d = Decoder.open(model, DecoderOptions.defaults().withDevice("cpu").withStepFrames(0))) {
            cpu = d.decode(codes)[0];
        }
        try (Decoder d = Decoder.open(model, cuda(p).withStepFrames(0))) {
            whole = d.decode(codes)[0];
        }
        judge(p, "whole", whole, cpu, null);
        for (int chunk : new int[] {1, 7, 16}) {
            try (Decoder d = Decoder.open(model, cuda(p).withStepFrames(chunk))) {
                judge(p, "chunk " + chunk, d.decode(codes)[0], cpu, whole);
            }
        }
        try (Decoder d = Decoder.open(model, cuda(p).withStepFrames(16))) {
            float[] out = new float[frames * config.hop()];
            SplittableRandom rnd = new SplittableRandom(5);
            int at = 0, written = 0;
            try (DecoderStream s = d.stream(1)) {
                while (at < frames) {
                    int n = Math.min(frames - at, 1 + rnd.nextInt(20));
                    int[][][] push = new int[1][config.nCodebooks()][n];
                    for (int k = 0; k < config.nCodebooks(); k++) System.arraycopy(codes[0][k], at, push[0][k], 0, n);
                    for (float[] piece : s.push(push)) { System.arraycopy(piece, 0, out, written, piece.length); written += piece.length; }
                    at += n;
                }
                for (float[] piece : s.finish()) { System.arraycopy(piece, 0, out, written, piece.length); written += piece.length; }
            }
            assertEquals(out.length, written);
            judge(p, "random pushes", out, cpu, whole);
        }
    }

    /** Prints {@code out}'s error against the CPU result and against the whole GPU decode, and judges both (see {@link #streamingTolerance}). */
    private static void judge(Precision p, String what, float[] out, float[] cpu, float[] whole) {
        double vsCpu = Numerics.relativeError(out, cpu);
        String line = String.format("%s %s: relative error %.3g against the CPU backend", p, what, vsCpu);
        if (whole != null) {
            double vsWhole = Numerics.relativeError(out, whole);
            line += String.format(", streaming vs whole relative error %.3g%s", vsWhole,
                    java.util.Arrays.equals(out, whole) ? " (bit-identical)" : "");
            assertTrue(vsWhole <= streamingTolerance(p), line + " > " + streamingTolerance(p));
        }
        System.out.println(line);
        assertTrue(vsCpu <= Gpu.tolerance(p), line + " > " + Gpu.tolerance(p));
    }
}
