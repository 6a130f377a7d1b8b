package io.github.dac4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** A parsed 16-bit PCM WAV file, for checking what the CLI wrote. */
record WavFile(int channels, int sampleRate, int bitsPerSample, int byteRate, int blockAlign, int riffSize, short[] samples) {
    static WavFile read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        expect(b, "RIFF");
        int riffSize = b.getInt();
        expect(b, "WAVE");
        expect(b, "fmt ");
        if (b.getInt() != 16) throw new AssertionError("fmt chunk size");
        if (b.getShort() != 1) throw new AssertionError("not PCM");
        int channels = b.getShort(), rate = b.getInt(), byteRate = b.getInt(), align = b.getShort(), bits = b.getShort();
        expect(b, "data");
        int dataBytes = b.getInt();
        if (dataBytes != b.remaining()) throw new AssertionError("data size " + dataBytes + " but " + b.remaining() + " bytes follow");
        short[] s = new short[dataBytes / 2];
        b.asShortBuffer().get(s);
        return new WavFile(channels, rate, bits, byteRate, align, riffSize, s);
    }

    private static void expect(ByteBuffer b, String tag) {
        byte[] t = new byte[4];
        b.get(t);
        if (!new String(t, java.nio.charset.StandardCharsets.US_ASCII).equals(tag)) throw new AssertionError("expected " + tag);
    }
}
