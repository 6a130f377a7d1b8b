package io.github.dac4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads WAV files for encoding: integer PCM of 16, 24 or 32 bits, or 32-bit IEEE float, as a plain format tag or
 * {@code WAVE_FORMAT_EXTENSIBLE}, any number of channels (each becomes one stream of a batch). Samples become
 * float32 as soundfile (and so descript) reads them: integers divided by 2^(bits - 1), floats as stored. Every problem
 * is a {@link CliError} naming the file: not a WAV, truncated, no samples, an unsupported format, a non-finite sample.
 */
final class WavReader {
    private WavReader() {}

    /** Files above this are refused before reading: one Java array holds the whole file. */
    static final long MAX_BYTES = Integer.MAX_VALUE - 64;

    private static final int PCM = 1, IEEE_FLOAT = 3, EXTENSIBLE = 0xFFFE;
    /** The last 14 bytes of every {@code KSDATAFORMAT_SUBTYPE_*} GUID; its first two bytes are the format tag. */
    private static final byte[] GUID_TAIL = {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71};
    /** A data chunk size meaning "to the end of the file", as streaming writers leave it. */
    private static final long UNKNOWN_SIZE = 0xFFFF_FFFFL;

    /**
     * The audio of a WAV file.
     *
     * @param sampleRate frames per second, as the file states it
     * @param format     what the file stored, for messages: {@code "16-bit integer PCM"}
     * @param channels   {@code channels[c][i]}: sample i of channel c, as float32 (integers scaled to [-1, 1))
     */
    record Audio(int sampleRate, String format, float[][] channels) {
        /** Samples per channel. */
        int frames() { return channels[0].length; }
    }

    /** The fmt chunk's fields that matter. */
    private record Format(int tag, int channels, int sampleRate, int blockAlign, int bits) {
        String describe() { return bits + "-bit " + (tag == IEEE_FLOAT ? "float" : "integer PCM"); }
    }

    /** Reads the whole file; see the class comment for what is accepted and refused. */
    static Audio read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) throw new CliError(file, String.format(Locale.ROOT, "a WAV file of %,d bytes is more than one read can hold (2 GiB); split it", size));
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 12) throw new CliError(file, "not a WAV file: " + b.remaining() + " bytes, shorter than a RIFF header");
        String riff = tag(b, 0), wave = tag(b, 8);
        if (riff.equals("RF64") || riff.equals("RIFX")) throw new CliError(file, "unsupported format: " + riff + " WAV (dac reads RIFF WAV files)");
        if (!riff.equals("RIFF") || !wave.equals("WAVE")) throw new CliError(file, "not a WAV file (no RIFF/WAVE header)");

        Format format = null;
        int pos = 12;
        while (pos < b.limit()) {
            if (b.limit() - pos < 8) throw truncated(file, "a chunk header is cut off at byte " + pos);
            String id = tag(b, pos);
            long declared = Integer.toUnsignedLong(b.getInt(pos + 4));
            int body = pos + 8;
            long available = b.limit() - body;
            if (id.equals("data")) {
                if (format == null) throw new CliError(file, "not a valid WAV file: the data chunk comes before the fmt chunk");
                long bytes = declared == UNKNOWN_SIZE ? available : declared;
                if (bytes > available) throw truncated(file, String.format(Locale.ROOT, "the data chunk declares %,d bytes, %,d follow", bytes, available));
                return samples(file, format, b, body, (int) bytes);
            }
            if (declared > available) throw truncated(file, String.format(Locale.ROOT, "the '%s' chunk declares %,d bytes, %,d follow", id.strip(), declared, available));
            if (id.equals("fmt ")) format = format(file, b, body, (int) declared);
            pos = (int) (body + declared + (declared & 1)); // chunks are padded to an even size
        }
        throw format == null ? new CliError(file, "not a valid WAV file: no fmt chunk") : truncated(file, "no data chunk");
    }

    private static Format format(Path file, ByteBuffer b, int at, int size) {
        if (size < 16) throw truncated(file, "the fmt chunk has " + size + " bytes, fewer than 16");
        int tag = Short.toUnsignedInt(b.getShort(at));
        int channels = Short.toUnsignedInt(b.getShort(at + 2));
        long rate = Integer.toUnsignedLong(b.getInt(at + 4));
        int blockAlign = Short.toUnsignedInt(b.getShort(at + 12));
        int bits = Short.toUnsignedInt(b.getShort(at + 14));
        if (tag == EXTENSIBLE) {
            if (size < 40) throw truncated(file, "a WAVE_FORMAT_EXTENSIBLE fmt chunk of " + size + " bytes, fewer than 40");
            byte[] tail = new byte[GUID_TAIL.length];
            b.get(at + 26, tail);
            int sub = Short.toUnsignedInt(b.getShort(at + 24));
            if (!java.util.Arrays.equals(tail, GUID_TAIL)) throw unsupported(file, "a WAVE_FORMAT_EXTENSIBLE subformat that is not PCM or IEEE float");
            tag = sub; // the container's bits are what is stored; valid bits below them are zero-padded at the bottom
        }
        if (tag != PCM && tag != IEEE_FLOAT) throw unsupported(file, String.format(Locale.ROOT, "WAVE format tag 0x%04X (not PCM or IEEE float)", tag));
        if (channels == 0) throw new CliError(file, "not a valid WAV file: 0 channels");
        if (rate == 0 || rate > Integer.MAX_VALUE) throw new CliError(file, "not a valid WAV file: a sample rate of " + rate + " Hz");
        Format f = new Format(tag, channels, (int) rate, blockAlign, bits);
        boolean supported = tag == PCM ? bits == 16 || bits == 24 || bits == 32 : bits == 32;
        if (!supported) throw unsupported(file, f.describe());
        if (blockAlign != channels * (bits / 8)) {
            throw new CliError(file, "not a valid WAV file: block align " + blockAlign + " for " + channels + " channels of " + bits + " bits");
        }
        return f;
    }

    /** data bytes -> channels[c][i], frame-interleaved. */
    private static Audio samples(Path file, Format f, ByteBuffer b, int at, int bytes) {
        if (bytes == 0) throw new CliError(file, "no samples: the data chunk is empty");
        if (bytes % f.blockAlign() != 0) {
            throw truncated(file, String.format(Locale.ROOT, "the data ends inside a frame (%,d bytes, frames of %d)", bytes, f.blockAlign()));
        }
        int frames = bytes / f.blockAlign(), width = f.bits() / 8;
        float[][] channels = new float[f.channels()][frames];
        int p = at;
        for (int i = 0; i < frames; i++) {
            for (int c = 0; c < f.channels(); c++, p += width) {
                float x = switch (width) {
                    case 2 -> b.getShort(p) / 32768f;
                    case 3 -> ((b.get(p) & 0xFF) | (b.get(p + 1) & 0xFF) << 8 | b.get(p + 2) << 16) / 8388608f; // sign from the top byte
                    default -> f.tag() == IEEE_FLOAT ? b.getFloat(p) : (float) (b.getInt(p) / 2147483648.0);
                };
                if (!Float.isFinite(x)) throw new CliError(file, "sample " + i + " of channel " + c + " is " + x + " (not a finite number)");
                channels[c][i] = x;
            }
        }
        return new Audio(f.sampleRate(), f.describe(), channels);
    }

    private static String tag(ByteBuffer b, int at) {
        byte[] t = new byte[4];
        b.get(at, t);
        return new String(t, StandardCharsets.ISO_8859_1);
    }

    private static CliError truncated(Path file, String detail) { return new CliError(file, "truncated WAV file: " + detail); }

    private static CliError unsupported(Path file, String what) {
        return new CliError(file, "unsupported format: " + what + " (dac reads 16-, 24- and 32-bit integer PCM and 32-bit float WAV)");
    }
}
