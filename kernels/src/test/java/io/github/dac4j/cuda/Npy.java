package io.github.dac4j.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Just enough of .npy for the fixtures (little-endian int64 and float32, C order), read from test resources. */
final class Npy {
    private Npy() {}

    record Array(String dtype, int[] shape, ByteBuffer data) {
        long[] longs() {
            if (!dtype.equals("<i8")) throw new IllegalStateException("dtype " + dtype + " is not int64");
            long[] a = new long[data.remaining() / 8];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(a);
            return a;
        }

        float[] floats() {
            if (!dtype.equals("<f4")) throw new IllegalStateException("dtype " + dtype + " is not float32");
            float[] a = new float[data.remaining() / 4];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(a);
            return a;
        }
    }

    static Array read(InputStream in, String name) throws IOException {
        byte[] all = in.readAllBytes();
        if (all.length < 10 || all[0] != (byte) 0x93 || all[1] != 'N') throw new IOException(name + ": not a .npy file");
        int major = all[6];
        int headerLen = major == 1 ? (all[8] & 0xff) | (all[9] & 0xff) << 8 : ByteBuffer.wrap(all, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int start = major == 1 ? 10 : 12;
        String header = new String(all, start, headerLen, StandardCharsets.US_ASCII);
        Matcher d = Pattern.compile("'descr':\\s*'([^']+)'").matcher(header);
        Matcher s = Pattern.compile("'shape':\\s*\\(([^)]*)\\)").matcher(header);
        if (!d.find() || !s.find() || header.contains("'fortran_order': True")) throw new IOException(name + ": unsupported header " + header);
        String[] dims = s.group(1).split(",");
        int rank = 0;
        for (String x : dims) if (!x.isBlank()) rank++;
        int[] shape = new int[rank];
        int i = 0;
        for (String x : dims) if (!x.isBlank()) shape[i++] = Integer.parseInt(x.trim());
        return new Array(d.group(1), shape, ByteBuffer.wrap(all, start + headerLen, all.length - start - headerLen).slice());
    }
}
