package io.github.dac4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.dac4j.weights.Npy;
import io.github.dac4j.weights.NpyArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.github.dac4j.cli.Cli.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dac encode}: the reference's codes and latents from a WAV, channels as streams, a round trip, one-line errors. */
class EncodeCommandTest {
    @TempDir Path dir;

    @Test
    void encodesTheFixtureToTheReferenceCodesAndLatents() throws Exception {
        Path codes = dir.resolve("codes.npy"), z = dir.resolve("z.npy"), stats = dir.resolve("stats.json");
        Cli.Result r = Cli.run("encode", "--weights", fixture("enc-tiny-s51.safetensors").toString(), "--audio", fixture("enc-tiny-s51.wav").toString(),
                "--out", codes.toString(), "--latents-out", z.toString(), "--stats", stats.toString(), "--device", "cpu", "--chunk-frames", "7");
        assertEquals(0, r.code(), r.err());
        NpyArray got = Npy.read(codes), ref = Npy.read(fixture("enc-tiny-s51.codes.npy"));
        assertArrayEquals(ref.shape(), got.shape());
        assertArrayEquals(ref.longs(), got.longs(), "codes");
        NpyArray latents = Npy.read(z), refLatents = Npy.read(fixture("enc-tiny-s51.latents.npy"));
        assertArrayEquals(refLatents.shape(), latents.shape());
        double err = Cli.relativeError(latents.floats(), refLatents.floats());
        assertTrue(err <= 1e-5, "latents: relative error " + err);
        JsonNode s = new ObjectMapper().readTree(stats.toFile());
        for (String f : new String[] {"frames", "codebooks", "hop", "sample_rate", "encode_ms", "arena_bytes", "lookahead_frames"}) {
            assertTrue(s.has(f), "stats lack " + f);
        }
        assertEquals(ref.shape()[2], s.get("frames").asLong());

        // the codes decode, and the round trip keeps its shapes: T frames -> hop * T samples
        Path wav = dir.resolve("back.wav"), raw = dir.resolve("back.npy");
        Cli.Result d = Cli.run("decode", "--weights", fixture("enc-tiny-s51.safetensors").toString(), "--codes", codes.toString(),
                "--out", wav.toString(), "--raw-out", raw.toString(), "--device", "cpu");
        assertEquals(0, d.code(), d.err());
        assertArrayEquals(new long[] {1, 1, ref.shape()[2] * 8}, Npy.read(raw).shape());
    }

    @Test
    void eachChannelIsAStreamEncodedAsItsOwnFile() throws Exception {
        short[] left = samples(Path.of(fixture("enc-tiny-s51.wav").toString()));
        short[] right = new short[left.length];
        for (int i = 0; i < left.length; i++) right[i] = (short) (left[left.length - 1 - i] / 2);
        Path stereo = dir.resolve("stereo.wav");
        Files.write(stereo, wav16(2, 44_100, left, right));
        Path monoRight = dir.resolve("right.wav");
        Files.write(monoRight, wav16(1, 44_100, right));
        Path both = dir.resolve("both.npy"), one = dir.resolve("one.npy");
        String w = fixture("enc-tiny-s51.safetensors").toString();
        assertEquals(0, Cli.run("encode", "--weights", w, "--audio", stereo.toString(), "--out", both.toString(), "--device", "cpu").code());
        assertEquals(0, Cli.run("encode", "--weights", w, "--audio", monoRight.toString(), "--out", one.toString(), "--device", "cpu").code());
        NpyArray b = Npy.read(both), o = Npy.read(one);
        assertEquals(2, b.shape()[0]);
        long perStream = b.shape()[1] * b.shape()[2];
        long[] second = java.util.Arrays.copyOfRange(b.longs(), (int) perStream, (int) (2 * perStream));
        assertArrayEquals(o.longs(), second, "channel 1 encodes as the same audio alone");
        NpyArray ref = Npy.read(fixture("enc-tiny-s51.codes.npy"));
        assertArrayEquals(ref.longs(), java.util.Arrays.copyOf(b.longs(), (int) perStream), "channel 0");
    }

    @Test
    void planShowsTheEncodersStepAndTheArenaItAllocates() throws Exception {
        Path w = fixture("enc-tiny-s51.safetensors");
        Cli.Result r = Cli.run("plan", "--weights", w.toString(), "--encoder", "--chunk-frames", "5", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("encoder", j.get("program").asText());
        String ops = j.get("ops").toString();
        assertTrue(ops.contains("upload-audio") && ops.contains("quantize quantizer") && ops.contains("emit-frames"), ops);
        var model = io.github.dac4j.core.model.EncoderModel.load(io.github.dac4j.weights.DacCheckpoint.load(w));
        try (var e = io.github.dac4j.core.Encoder.open(model, io.github.dac4j.core.EncoderOptions.defaults().withDevice("cpu").withStepFrames(5))) {
            assertEquals(e.plan().arenaBytes(), j.get("arena_bytes").asLong());
        }
        Cli.Result noEncoder = Cli.run("plan", "--weights", fixture("small-s21.safetensors").toString(), "--encoder");
        assertEquals(2, noEncoder.code());
        assertTrue(noEncoder.err().contains("encoder"), noEncoder.err());
    }

    @Test
    void badInputIsOneLineExitTwoAndNoOutput() throws Exception {
        Path out = dir.resolve("codes.npy");
        String w = fixture("enc-tiny-s51.safetensors").toString(), wav = fixture("enc-tiny-s51.wav").toString();
        // a checkpoint without the encoder
        check(Cli.run("encode", "--weights", fixture("small-s21.safetensors").toString(), "--audio", wav, "--out", out.toString()),
                "small-s21.safetensors", "encoder");
        // not a WAV
        Path text = dir.resolve("notes.wav");
        Files.writeString(text, "not audio at all");
        check(Cli.run("encode", "--weights", w, "--audio", text.toString(), "--out", out.toString()), "notes.wav", "not a WAV");
        // zero samples
        Path empty = dir.resolve("empty.wav");
        Files.write(empty, wav16(1, 44_100, new short[0]));
        check(Cli.run("encode", "--weights", w, "--audio", empty.toString(), "--out", out.toString()), "empty.wav", "sample");
        // a rate dac cannot convert
        Path other = dir.resolve("other.wav");
        Files.write(other, wav16(1, 8_000, samples(Path.of(wav))));
        Cli.Result r = Cli.run("encode", "--weights", w, "--audio", other.toString(), "--out", out.toString(), "--device", "cpu");
        if (r.code() != 0) check(r, "other.wav", "8000 Hz");
        else assertTrue(Files.exists(out), "resampled and encoded");
        Files.deleteIfExists(out);
        // too many codebooks
        check(Cli.run("encode", "--weights", w, "--audio", wav, "--out", out.toString(), "--codebooks", "9"), "--codebooks", "has 3");
    }

    private void check(Cli.Result r, String... parts) throws Exception {
        assertEquals(2, r.code(), r.err());
        String[] lines = r.errLines();
        String last = lines[lines.length - 1];
        for (String p : parts) assertTrue(last.contains(p), "'" + last + "' lacks '" + p + "'");
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
        assertEquals(0, Cli.list(dir).length == 0 ? 0 : java.util.Arrays.stream(Cli.list(dir)).filter(n -> n.endsWith(".npy")).count(),
                "no output left: " + String.join(", ", Cli.list(dir)));
    }

    /** The 16-bit samples of a canonical mono WAV. */
    static short[] samples(Path wav) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(wav)).order(ByteOrder.LITTLE_ENDIAN);
        int size = b.getInt(40);
        short[] s = new short[size / 2];
        for (int i = 0; i < s.length; i++) s[i] = b.getShort(44 + 2 * i);
        return s;
    }

    /** A 16-bit PCM WAV of the given channels (interleaved). */
    static byte[] wav16(int channels, int rate, short[]... data) {
        int frames = data[0].length, bytes = frames * channels * 2;
        ByteBuffer b = ByteBuffer.allocate(44 + bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + bytes).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16).putShort((short) 1)
                .putShort((short) channels).putInt(rate).putInt(rate * channels * 2).putShort((short) (channels * 2)).putShort((short) 16)
                .put("data".getBytes()).putInt(bytes);
        for (int i = 0; i < frames; i++) for (short[] ch : data) b.putShort(ch[i]);
        return b.array();
    }
}
