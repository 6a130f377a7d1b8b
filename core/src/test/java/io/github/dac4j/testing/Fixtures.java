package io.github.dac4j.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dac4j.weights.Npy;
import io.github.dac4j.weights.NpyArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The PyTorch reference fixtures (copied from ../shared/fixtures into core's test resources, the one copy in the
 * repository): every case of {@code cases.json}, its checkpoint, codes and expected samples. Other modules' tests
 * find them through {@code -Ddac4j.fixtures=DIR}, or from their working directory.
 */
public final class Fixtures {
    private Fixtures() {}

    /** One decoder case of {@code cases.json}. */
    public record Case(String name, Path weights, Path codes, Path expected, JsonNode json) {
        /** The codes, {@code [B][K][T]}. */
        public int[][][] codeArray() { return Fixtures.codes(read(codes)); }

        /** The expected samples, {@code [B, 1, S]} flattened. */
        public NpyArray expectedArray() { return read(expected); }
    }

    /**
     * One case of {@code encoder-cases.json}: a checkpoint with the encoder, a 16-bit mono WAV of
     * {@code inputSamples} samples (to be right-padded with zeros to {@code paddedSamples}, a multiple of {@code hop}),
     * and the reference latents {@code [1, latent, T]} and codes {@code [1, K, T]}.
     */
    public record EncoderCase(String name, Path weights, Path audio, Path latents, Path codes, int hop, int inputSamples,
                              int paddedSamples) {
        /** The WAV's samples as floats ({@code pcm / 32768}), right-padded with zeros to {@code paddedSamples}. */
        public float[] paddedAudio() {
            float[] pcm = pcm16(audio);
            if (pcm.length != inputSamples) throw new IllegalStateException(audio + ": " + pcm.length + " samples, cases say " + inputSamples);
            return java.util.Arrays.copyOf(pcm, paddedSamples);
        }

        /** The reference latents, {@code [1, latent, T]}. */
        public NpyArray latentArray() { return read(latents); }

        /** The reference codes, {@code [K][T]} of the one stream. */
        public int[][] codeArray() { return Fixtures.codes(read(codes))[0]; }
    }

    /** Every case of {@code encoder-cases.json}, in order. */
    public static List<EncoderCase> encoderCases() {
        Path dir = dir();
        try {
            List<EncoderCase> list = new ArrayList<>();
            for (JsonNode c : new ObjectMapper().readTree(dir.resolve("encoder-cases.json").toFile())) {
                String weights = c.get("weights").asText();
                list.add(new EncoderCase(weights.replace(".safetensors", ""), dir.resolve(weights), dir.resolve(c.get("audio").asText()),
                        dir.resolve(c.get("latents").asText()), dir.resolve(c.get("codes").asText()), c.get("hop").asInt(),
                        c.get("input_samples").asInt(), c.get("padded_samples").asInt()));
            }
            return list;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The samples of a 16-bit PCM mono WAV as {@code pcm / 32768} (soundfile's scaling), for the fixtures only: the
     * command line's reader (cli's {@code WavReader}) covers every other format.
     */
    public static float[] pcm16(Path wav) {
        try {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Files.readAllBytes(wav)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.position(12);
            while (b.remaining() >= 8) {
                int id = b.getInt(), size = b.getInt();
                if (id == 0x61746164) { // "data"
                    float[] out = new float[size / 2];
                    for (int i = 0; i < out.length; i++) out[i] = b.getShort() / 32768f;
                    return out;
                }
                b.position(b.position() + size + (size & 1));
            }
            throw new IllegalStateException(wav + ": no data chunk");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixtures folder: {@code -Ddac4j.fixtures}, else core's test resources seen from the working directory. */
    public static Path dir() {
        String given = System.getProperty("dac4j.fixtures");
        if (given != null) return Path.of(given);
        for (String candidate : new String[] {"src/test/resources/fixtures", "../core/src/test/resources/fixtures", "core/src/test/resources/fixtures"}) {
            Path p = Path.of(candidate);
            if (Files.isRegularFile(p.resolve("cases.json"))) return p;
        }
        throw new IllegalStateException("fixtures not found from " + Path.of("").toAbsolutePath() + ": pass -Ddac4j.fixtures=DIR");
    }

    /** Every case of {@code cases.json}, in order. */
    public static List<Case> decoderCases() {
        Path dir = dir();
        try {
            JsonNode cases = new ObjectMapper().readTree(dir.resolve("cases.json").toFile());
            List<Case> list = new ArrayList<>();
            for (JsonNode c : cases) {
                String weights = c.get("weights").asText();
                list.add(new Case(weights.replace(".safetensors", ""), dir.resolve(weights), dir.resolve(c.get("codes").asText()),
                        dir.resolve(c.get("expected").asText()), c));
            }
            return list;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Integer codes {@code [B, K, T]} as {@code codes[b][k][t]}. */
    public static int[][][] codes(NpyArray a) {
        long[] s = a.shape();
        int streams = (int) s[0], books = (int) s[1], frames = (int) s[2];
        long[] flat = a.longs();
        int[][][] codes = new int[streams][books][frames];
        for (int b = 0; b < streams; b++)
            for (int k = 0; k < books; k++)
                for (int t = 0; t < frames; t++) codes[b][k][t] = Math.toIntExact(flat[(b * books + k) * frames + t]);
        return codes;
    }

    private static NpyArray read(Path file) {
        try {
            return Npy.read(file);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
