package io.github.dac4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link WavReader}: every accepted format read exactly, and every bad file refused in one line naming it. */
class WavReaderTest {
    @TempDir Path dir;
    final SplittableRandom random = new SplittableRandom(0x3A7);

    /** A WAV file's parts, so that each test changes only what it is about. */
    static final class WavBytes {
        int tag = 1, channels = 1, rate = 44_100, bits = 16, blockAlign = -1;
        boolean extensible;
        int subformat = 1;
        byte[] guidTail = {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71};
        byte[] data = new byte[0];
        long dataSize = -1;
        boolean oddChunkFirst, dataBeforeFmt, noData;

        byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer fmt = ByteBuffer.allocate(extensible ? 40 : 16).order(ByteOrder.LITTLE_ENDIAN);
            int align = blockAlign >= 0 ? blockAlign : channels * bits / 8;
            fmt.putShort((short) (extensible ? 0xFFFE : tag)).putShort((short) channels).putInt(rate).putInt(rate * align)
                    .putShort((short) align).putShort((short) bits);
            if (extensible) fmt.putShort((short) 22).putShort((short) bits).putInt(0).putShort((short) subformat).put(guidTail);
            write(out, "RIFF", 0, null);
            out.writeBytes("WAVE".getBytes(StandardCharsets.US_ASCII));
            if (oddChunkFirst) write(out, "LIST", 3, new byte[] {1, 2, 3, 0}); // odd size, one pad byte
            if (dataBeforeFmt) write(out, "data", data.length, data);
            write(out, "fmt ", fmt.capacity(), fmt.array());
            if (!noData && !dataBeforeFmt) write(out, "data", dataSize >= 0 ? dataSize : data.length, data);
            byte[] all = out.toByteArray();
            ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putInt(4, all.length - 8);
            return all;
        }

        private static void write(ByteArrayOutputStream out, String id, long size, byte[] body) {
            out.writeBytes(id.getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) size).array());
            if (body != null) out.writeBytes(body);
        }
    }

    private Path file(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** Interleaved little-endian integers of {@code bits} bits. */
    private static byte[] ints(long[] values, int bits) {
        ByteBuffer b = ByteBuffer.allocate(values.length * bits / 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) for (int i = 0; i < bits / 8; i++) b.put((byte) (v >> (8 * i)));
        return b.array();
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 24, 32})
    void integerPcmIsScaledByTwoToTheBitsMinusOne(int bits) throws Exception {
        long full = 1L << (bits - 1);
        long[] values = new long[4000];
        values[0] = -full;           // -1 exactly
        values[1] = full - 1;        // just below 1
        values[2] = 0;
        values[3] = full / 2;        // 0.5
        for (int i = 4; i < values.length; i++) values[i] = random.nextLong(-full, full);
        for (int channels : new int[] {1, 2, 5}) {
            WavBytes w = new WavBytes();
            w.bits = bits;
            w.channels = channels;
            w.data = ints(values, bits);
            WavReader.Audio a = WavReader.read(file("pcm" + bits + ".wav", w.bytes()));
            assertEquals(44_100, a.sampleRate());
            assertEquals(bits + "-bit integer PCM", a.format());
            assertEquals(channels, a.channels().length);
            assertEquals(values.length / channels, a.frames());
            for (int i = 0; i < a.frames() * channels; i++) {
                assertEquals((float) (values[i] / (double) full), a.channels()[i % channels][i / channels], bits + " bits, sample " + i);
            }
            assertEquals(-1f, a.channels()[0][0]);
        }
    }

    @Test
    void float32IsReadAsStored() throws Exception {
        float[] values = new float[3000];
        for (int i = 0; i < values.length; i++) values[i] = (float) (random.nextDouble() * 3 - 1.5); // beyond [-1, 1] is kept
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        WavBytes w = new WavBytes();
        w.tag = 3;
        w.bits = 32;
        w.channels = 3;
        w.rate = 22_050;
        w.data = b.array();
        WavReader.Audio a = WavReader.read(file("float.wav", w.bytes()));
        assertEquals(22_050, a.sampleRate());
        assertEquals("32-bit float", a.format());
        for (int c = 0; c < 3; c++) for (int i = 0; i < 1000; i++) assertEquals(values[3 * i + c], a.channels()[c][i]);
    }

    /** WAVE_FORMAT_EXTENSIBLE with the PCM and IEEE float subformats reads as the plain tags do; other chunks are skipped. */
    @Test
    void extensibleAndOtherChunks() throws Exception {
        long[] values = new long[600];
        for (int i = 0; i < values.length; i++) values[i] = random.nextLong(-(1L << 23), 1L << 23);
        WavBytes plain = new WavBytes();
        plain.bits = 24;
        plain.channels = 2;
        plain.data = ints(values, 24);
        WavBytes ext = new WavBytes();
        ext.bits = 24;
        ext.channels = 2;
        ext.data = plain.data;
        ext.extensible = true;
        ext.oddChunkFirst = true;
        WavReader.Audio a = WavReader.read(file("plain.wav", plain.bytes())), b = WavReader.read(file("ext.wav", ext.bytes()));
        assertArrayEquals(a.channels(), b.channels());
        assertEquals(a.format(), b.format());

        WavBytes floats = new WavBytes();
        floats.extensible = true;
        floats.subformat = 3;
        floats.bits = 32;
        floats.data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.25f).putFloat(-2f).array();
        assertArrayEquals(new float[] {0.25f, -2f}, WavReader.read(file("extfloat.wav", floats.bytes())).channels()[0]);
    }

    /** A streaming writer's data size of 0xFFFFFFFF means "to the end of the file". */
    @Test
    void unknownDataSizeReadsToTheEnd() throws Exception {
        WavBytes w = new WavBytes();
        w.data = ints(new long[] {100, -200, 300}, 16);
        w.dataSize = 0xFFFF_FFFFL;
        assertArrayEquals(new float[] {100 / 32768f, -200 / 32768f, 300 / 32768f}, WavReader.read(file("stream.wav", w.bytes())).channels()[0]);
    }

    /** The encoder fixture's WAV (16-bit mono, written by the PyTorch reference's tooling), and what dac decode writes. */
    @Test
    void realFiles() throws Exception {
        WavReader.Audio fixture = WavReader.read(Cli.fixture("enc-tiny-s51.wav"));
        assertEquals(44_100, fixture.sampleRate());
        assertEquals(325, fixture.frames());
        assertEquals(1, fixture.channels().length);
        float[] samples = {0.5f, -0.25f, 1f, -1f, 0f, 0.123f};
        Path written = dir.resolve("written.wav");
        Wav.write(written, samples, samples.length, 24_000);
        WavReader.Audio back = WavReader.read(written);
        assertEquals(24_000, back.sampleRate());
        for (int i = 0; i < samples.length; i++) assertEquals(Wav.pcm16(samples[i]) / 32768f, back.channels()[0][i]);
    }

    @Test
    void badFilesAreRefusedInOneLineNamingTheFile() throws Exception {
        byte[] junk = new byte[1000];
        random.nextBytes(junk);
        bad("junk.bin", junk, "not a WAV file (no RIFF/WAVE header)");
        bad("text.wav", "hello, this is not audio at all".getBytes(StandardCharsets.US_ASCII), "not a WAV file");
        bad("tiny.wav", new byte[] {'R', 'I', 'F', 'F'}, "not a WAV file: 4 bytes, shorter than a RIFF header");
        byte[] rf64 = new WavBytes().bytes();
        rf64[0] = 'R';
        rf64[1] = 'F';
        rf64[2] = '6';
        rf64[3] = '4';
        bad("rf64.wav", rf64, "unsupported format: RF64 WAV");

        WavBytes empty = new WavBytes();
        bad("empty.wav", empty.bytes(), "no samples: the data chunk is empty");

        WavBytes ok = new WavBytes();
        ok.channels = 2;
        ok.data = ints(new long[] {1, 2, 3, 4, 5, 6}, 16);
        byte[] whole = ok.bytes();
        bad("cut.wav", java.util.Arrays.copyOf(whole, whole.length - 4), "truncated WAV file: the data chunk declares 12 bytes, 8 follow");
        bad("header-cut.wav", java.util.Arrays.copyOf(whole, 40), "truncated WAV file: a chunk header is cut off at byte 36");
        bad("fmt-cut.wav", java.util.Arrays.copyOf(whole, 30), "truncated WAV file: the 'fmt' chunk declares 16 bytes, 10 follow");
        WavBytes midFrame = new WavBytes();
        midFrame.channels = 2;
        midFrame.data = ints(new long[] {1, 2, 3}, 16);
        bad("midframe.wav", midFrame.bytes(), "truncated WAV file: the data ends inside a frame (6 bytes, frames of 4)");
        WavBytes noData = new WavBytes();
        noData.noData = true;
        bad("nodata.wav", noData.bytes(), "truncated WAV file: no data chunk");
        WavBytes early = new WavBytes();
        early.data = ints(new long[] {1, 2}, 16);
        early.dataBeforeFmt = true;
        bad("early.wav", early.bytes(), "the data chunk comes before the fmt chunk");

        String accepted = "(dac reads 16-, 24- and 32-bit integer PCM and 32-bit float WAV)";
        WavBytes u8 = new WavBytes();
        u8.bits = 8;
        u8.data = new byte[] {1, 2, 3};
        bad("u8.wav", u8.bytes(), "unsupported format: 8-bit integer PCM " + accepted);
        WavBytes f64 = new WavBytes();
        f64.tag = 3;
        f64.bits = 64;
        f64.data = new byte[16];
        bad("f64.wav", f64.bytes(), "unsupported format: 64-bit float " + accepted);
        WavBytes alaw = new WavBytes();
        alaw.tag = 6;
        alaw.bits = 8;
        alaw.data = new byte[4];
        bad("alaw.wav", alaw.bytes(), "unsupported format: WAVE format tag 0x0006 (not PCM or IEEE float)");
        WavBytes odd = new WavBytes();
        odd.extensible = true;
        odd.guidTail = new byte[14];
        odd.data = new byte[4];
        bad("oddguid.wav", odd.bytes(), "unsupported format: a WAVE_FORMAT_EXTENSIBLE subformat that is not PCM or IEEE float");
        WavBytes align = new WavBytes();
        align.blockAlign = 3;
        align.data = new byte[6];
        bad("align.wav", align.bytes(), "block align 3 for 1 channels of 16 bits");
        WavBytes nan = new WavBytes();
        nan.tag = 3;
        nan.bits = 32;
        nan.data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.5f).putFloat(Float.NaN).array();
        bad("nan.wav", nan.bytes(), "sample 1 of channel 0 is NaN (not a finite number)");
        WavBytes zeroRate = new WavBytes();
        zeroRate.rate = 0;
        zeroRate.data = new byte[2];
        bad("rate.wav", zeroRate.bytes(), "a sample rate of 0 Hz");
    }

    private void bad(String name, byte[] bytes, String problem) throws Exception {
        Path p = file(name, bytes);
        CliError e = assertThrows(CliError.class, () -> WavReader.read(p));
        assertTrue(e.getMessage().startsWith(p + ": "), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(problem), "'" + e.getMessage() + "' lacks '" + problem + "'");
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertEquals(2, Main.exitCode(e), "exit code 2");
    }
}
