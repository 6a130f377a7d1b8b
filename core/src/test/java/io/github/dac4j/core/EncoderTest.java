package io.github.dac4j.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.testing.Fixtures;
import io.github.dac4j.testing.Numerics;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.Npy;
import io.github.dac4j.weights.NpyArray;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
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
    List<DynamicTest> everyEncoderCaseMatchesTheReference() throws Exception {
        JsonNode cases = new ObjectMapper().readTree(Fixtures.dir().resolve("encoder-cases.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases) tests.add(DynamicTest.dynamicTest(c.get("weights").asText(), () -> check(c)));
        assertEquals(3, tests.size());
        return tests;
    }

    private static void check(JsonNode c) throws Exception {
        Path dir = Fixtures.dir();
        EncoderModel model = EncoderModel.load(DacCheckpoint.load(dir.resolve(c.get("weights").asText())));
        assertEquals(c.get("hop").asInt(), model.hop());
        float[] audio = wav(dir.resolve(c.get("audio").asText()));
        assertEquals(c.get("input_samples").asInt(), audio.length);
        NpyArray latents = Npy.read(dir.resolve(c.get("latents").asText()));
        int[][][] codes = Fixtures.codes(Npy.read(dir.resolve(c.get("codes").asText())));
        int frames = (int) latents.shape()[2], latent = (int) latents.shape()[1];
        assertEquals(c.get("padded_samples").asInt(), frames * model.hop());
        Encoding whole;
        try (Encoder e = Encoder.open(model, EncoderOptions.defaults().withDevice("cpu"))) {
            whole = e.encode(new float[][] {audio});
        }
        assertEquals(frames, whole.frames(0));
        float[] got = new float[latent * frames];
        for (int ch = 0; ch < latent; ch++) System.arraycopy(whole.latents()[0][ch], 0, got, ch * frames, frames);
        double err = Numerics.relativeError(got, latents.floats());
        assertTrue(err <= FP32_TOLERANCE, "latents: relative error " + err);
        for (int k = 0; k < codes[0].length; k++) assertArrayEquals(codes[0][k], whole.codes()[0][k], "codebook " + k);

        for (int step : new int[] {1, 3, 16}) {
            try (Encoder e = Encoder.open(model, EncoderOptions.defaults().withDevice("cpu").withStepFrames(step))) {
                assertSame(whole, e.encode(new float[][] {audio}), "step " + step);
                assertSame(whole, streamed(e, audio, new SplittableRandom(step)), "step " + step + ", random pushes");
            }
        }
    }

    /** Pushes of 1 to 3 hops of samples, at random. */
    static Encoding streamed(Encoder e, float[] audio, SplittableRandom rnd) {
        List<Encoding> parts = new ArrayList<>();
        try (EncoderStream s = e.stream(1)) {
            for (int at = 0; at < audio.length; ) {
                int n = Math.min(audio.length - at, 1 + rnd.nextInt(3 * e.hop()));
                parts.add(s.push(new float[][] {java.util.Arrays.copyOfRange(audio, at, at + n)}));
                at += n;
            }
            parts.add(s.finish());
        }
        int books = e.codebooks(), latent = e.model().quantizer().latent();
        int frames = parts.stream().mapToInt(p -> p.frames(0)).sum();
        int[][][] codes = new int[1][books][frames];
        float[][][] latents = new float[1][latent][frames];
        int at = 0;
        for (Encoding p : parts) {
            int n = p.frames(0);
            for (int k = 0; k < books; k++) System.arraycopy(p.codes()[0][k], 0, codes[0][k], at, n);
            for (int c = 0; c < latent; c++) System.arraycopy(p.latents()[0][c], 0, latents[0][c], at, n);
            at += n;
        }
        return new Encoding(codes, latents);
    }

    static void assertSame(Encoding expected, Encoding got, String what) {
        assertEquals(expected.frames(0), got.frames(0), what + ": frames");
        for (int k = 0; k < expected.codes()[0].length; k++) assertArrayEquals(expected.codes()[0][k], got.codes()[0][k], what + ": codebook " + k);
        for (int c = 0; c < expected.latents()[0].length; c++) assertArrayEquals(expected.latents()[0][c], got.latents()[0][c], what + ": latent " + c);
    }

    /** A 16-bit mono WAV as floats, sample / 32768. */
    static float[] wav(Path file) throws Exception {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            byte[] bytes = in.readAllBytes();
            ByteBuffer b = ByteBuffer.wrap(bytes).order(in.getFormat().isBigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[bytes.length / 2];
            for (int i = 0; i < out.length; i++) out[i] = b.getShort(2 * i) / 32768f;
            return out;
        }
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
