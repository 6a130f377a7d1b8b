package io.github.dac4j.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** 16-bit PCM mono WAV files. */
final class Wav {
    private Wav() {}

    /** Header bytes before the samples. */
    static final int HEADER_BYTES = 44;

    /**
     * Writes {@code samples[0, count)} as 16-bit PCM mono: each sample clipped to [-1, 1], scaled by 32767 and
     * rounded to the nearest integer (NaN becomes 0).
     */
    static void write(Path file, float[] samples, int count, int sampleRate) throws IOException {
        long dataBytes = 2L * count;
        if (dataBytes + HEADER_BYTES - 8 > 0xFFFF_FFFFL) throw new CliError(file, "audio too long for one WAV file (over 4 GiB)");
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.put(new byte[] {'R', 'I', 'F', 'F'}).putInt((int) (36 + dataBytes)).put(new byte[] {'W', 'A', 'V', 'E'});
        h.put(new byte[] {'f', 'm', 't', ' '}).putInt(16).putShort((short) 1).putShort((short) 1) // PCM, mono
                .putInt(sampleRate).putInt(sampleRate * 2).putShort((short) 2).putShort((short) 16);
        h.put(new byte[] {'d', 'a', 't', 'a'}).putInt((int) dataBytes);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(h.array());
            byte[] chunk = new byte[1 << 16];
            for (int i = 0; i < count; ) {
                int n = Math.min(chunk.length / 2, count - i);
                for (int j = 0; j < n; j++) {
                    short s = pcm16(samples[i + j]);
                    chunk[2 * j] = (byte) s;
                    chunk[2 * j + 1] = (byte) (s >> 8);
                }
                out.write(chunk, 0, 2 * n);
                i += n;
            }
        }
    }

    /** One sample to 16-bit PCM: clip to [-1, 1], times 32767, round half up. */
    static short pcm16(float x) {
        float c = Math.max(-1f, Math.min(1f, x)); // NaN passes through both and rounds to 0 below
        return (short) Math.round(c * 32767f);
    }
}
