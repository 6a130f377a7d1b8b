package io.github.dac4j.core;

import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.testing.Fixtures;
import io.github.dac4j.testing.Numerics;
import io.github.dac4j.testing.Pushes;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.NpyArray;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU encoder against the PyTorch reference (float64 latents and codes of encoder-cases.json): latents within
 * 1e-5 relative error, every code equal; and streaming (steps of 1, 3 and 16 frames, random sample counts per push)
 * bit-identical to a whole encode.
 */
class EncoderTest {
    static final double FP32_TOLERANCE = 1e-5;

    @TestFactory
    List<DynamicTest> everyEncoderCaseMatchesTheReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Fixtures.EncoderCase c : Fixtures.encoderCases()) tests.add(DynamicTest.dynamicTest(c.weights().getFileName().toString(), () -> check(c)));
        assertEquals(3, tests.size());
        return tests;
    }

    private static void check(Fixtures.EncoderCase c) throws Exception {
        EncoderModel model = EncoderModel.load(DacCheckpoint.load(c.weights()));
        assertEquals(c.hop(), model.hop());
        float[] audio = Fixtures.pcm16(c.audio());
        assertEquals(c.inputSamples(), audio.length);
        NpyArray latents = c.latentArray();
        int[][] codes = c.codeArray();
        int frames = (int) latents.shape()[2], latent = (int) latents.shape()[1];
        assertEquals(c.paddedSamples(), frames * model.hop());
        Encoding whole;
        try (Encoder e = Encoder.open(model, EncoderOptions.defaults().withDevice("cpu"))) {
            whole = e.encode(new float[][] {audio});
        }
        assertEquals(frames, whole.frames(0));
        float[] got = new float[latent * frames];
        for (int ch = 0; ch < latent; ch++) System.arraycopy(whole.latents()[0][ch], 0, got, ch * frames, frames);
        double err = Numerics.relativeError(got, latents.floats());
        assertTrue(err <= FP32_TOLERANCE, "latents: relative error " + err);
        for (int k = 0; k < codes.length; k++) assertArrayEquals(codes[k], whole.codes()[0][k], "codebook " + k);

        for (int step : new int[] {1, 3, 16}) {
            try (Encoder e = Encoder.open(model, EncoderOptions.defaults().withDevice("cpu").withStepFrames(step))) {
                assertSame(whole, e.encode(new float[][] {audio}), "step " + step);
                assertSame(whole, Pushes.encodeInRandomPushes(e, audio, new SplittableRandom(step)), "step " + step + ", random pushes");
            }
        }
    }

    static void assertSame(Encoding expected, Encoding got, String what) {
        assertEquals(expected.frames(0), got.frames(0), what + ": frames");
        for (int k = 0; k < expected.codes()[0].length; k++) assertArrayEquals(expected.codes()[0][k], got.codes()[0][k], what + ": codebook " + k);
        for (int c = 0; c < expected.latents()[0].length; c++) assertArrayEquals(expected.latents()[0][c], got.latents()[0][c], what + ": latent " + c);
    }

    @Test
    void badInputIsRejectedAndTheEncoderStaysUsable() throws Exception {
        EncoderModel model = EncoderModel.load(DacCheckpoint.load(Fixtures.dir().resolve("enc-tiny-s51.safetensors")));
        try (Encoder e = Encoder.open(model, EncoderOptions.defaults().withDevice("cpu").withStepFrames(4))) {
            float[] audio = new float[100];
            for (int i = 0; i < audio.length; i++) audio[i] = (float) Math.sin(i * 0.3);
            Encoding before = e.encode(new float[][] {audio});
            assertMessage(() -> e.encode(new float[][] {new float[0]}), "zero samples");
            float[] nan = audio.clone();
            nan[7] = Float.NaN;
            assertMessage(() -> e.encode(new float[][] {nan}), "sample 7 of stream 0 is NaN");
            assertMessage(() -> e.encode(new float[][] {audio, audio}), "exceed the encoder's batch capacity 1");
            assertSame(before, e.encode(new float[][] {audio}), "after errors");
        }
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> Encoder.open(model, EncoderOptions.defaults().withDevice("cpu").withCodebooks(4)));
        assertTrue(tooMany.getMessage().contains("but the model has 3"), tooMany.getMessage());
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
    }
}
