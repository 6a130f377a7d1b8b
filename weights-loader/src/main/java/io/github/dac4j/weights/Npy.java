package io.github.dac4j.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * NumPy's {@code .npy} format, versions 1.0 to 3.0: magic {@code \x93NUMPY}, version, header length, a Python dict
 * literal {@code {'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }}, then the data. Read: little-endian
 * int64, int32, int16, uint16, float32 and float16, in C or Fortran order (Fortran order is reordered to C order on
 * reading). Written: float32 and int64, C order.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER = 1 << 20;

    private Npy() {}

    /**
     * Reads a whole file onto the heap, in C order: int64/int32/int16/uint16 into {@link NpyArray#longs()},
     * float32/float16 into {@link NpyArray#floats()}.
     *
     * @throws WeightsException if the file is missing, malformed, big-endian or of another dtype, or its size does
     *         not match the header
     */
    public static NpyArray read(Path file) throws WeightsException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 10) throw new WeightsException(file, null, "not a .npy file: " + size + " bytes");
            ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            head.limit((int) Math.min(12, size));
            SafeTensors.readFully(ch, head, 0, file);
            for (int i = 0; i < MAGIC.length; i++) {
                if (head.get(i) != MAGIC[i]) throw new WeightsException(file, null, "not a .npy file (bad magic)");
            }
            int major = head.get(6);
            long headerLength;
            int prefix;
            if (major == 1) {
                headerLength = head.getShort(8) & 0xffff;
                prefix = 10;
            } else if (major == 2 || major == 3) {
                if (size < 12) throw new WeightsException(file, null, "truncated .npy header");
                headerLength = head.getInt(8) & 0xffffffffL;
                prefix = 12;
            } else {
                throw new WeightsException(file, null, "unsupported .npy version " + major + "." + head.get(7));
            }
            if (headerLength > MAX_HEADER || prefix + headerLength > size) {
                throw new WeightsException(file, null, "header length " + headerLength + " runs past the end of the file (" + size + " bytes)");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            SafeTensors.readFully(ch, headerBytes, prefix, file);
            Header h = Header.parse(file, new String(headerBytes.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
            long elements = 1;
            for (long d : h.shape) {
                try {
                    elements = Math.multiplyExact(elements, d);
                } catch (ArithmeticException e) {
                    throw new WeightsException(file, null, "shape overflows");
                }
            }
            long dataStart = prefix + headerLength;
            long bytes;
            try {
                bytes = Math.multiplyExact(elements, h.dtype.bytes());
            } catch (ArithmeticException e) {
                throw new WeightsException(file, null, "shape overflows");
            }
            if (dataStart + bytes != size) {
                throw new WeightsException(file, null, "shape " + java.util.Arrays.toString(h.shape) + " of " + h.descr + " needs " + bytes
                        + " data bytes, the file has " + (size - dataStart));
            }
            if (elements > Integer.MAX_VALUE - 8) throw new WeightsException(file, null, elements + " elements do not fit a Java array");
            ByteBuffer data = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
            SafeTensors.readFully(ch, data, dataStart, file);
            data.rewind(); // bulk views start at the position, which reading moved to the end
            int n = (int) elements;
            // Element i of the file is element order[i] of the C-order array (the identity for a C-order file).
            int[] order = h.fortran ? fortranToC(h.shape) : null;
            return switch (h.dtype) {
                case I64 -> { long[] v = new long[n]; data.asLongBuffer().get(v); yield ints(h, reorder(v, order)); }
                case I32 -> { long[] v = new long[n]; for (int i = 0; i < n; i++) v[i] = data.getInt(4 * i); yield ints(h, reorder(v, order)); }
                case I16 -> { long[] v = new long[n]; for (int i = 0; i < n; i++) v[i] = data.getShort(2 * i); yield ints(h, reorder(v, order)); }
                case U16 -> { long[] v = new long[n]; for (int i = 0; i < n; i++) v[i] = data.getShort(2 * i) & 0xffff; yield ints(h, reorder(v, order)); }
                case F32 -> { float[] v = new float[n]; data.asFloatBuffer().get(v); yield new NpyArray(DType.F32, h.shape, null, reorder(v, order)); }
                case F16 -> { float[] v = new float[n]; for (int i = 0; i < n; i++) v[i] = Halves.halfToFloat(data.getShort(2 * i)); yield new NpyArray(DType.F16, h.shape, null, reorder(v, order)); }
                default -> throw new WeightsException(file, null, "unsupported dtype " + h.descr);
            };
        } catch (NoSuchFileException e) {
            throw new WeightsException(file, null, "no such file");
        } catch (WeightsException e) {
            throw e;
        } catch (IOException | SecurityException e) {
            throw new WeightsException(file, null, "cannot read: " + e.getMessage());
        }
    }

    private static NpyArray ints(Header h, long[] values) { return new NpyArray(h.dtype, h.shape, values, null); }

    /**
     * For a Fortran-order array of {@code shape} (first index fastest), the C-order position (last index fastest) of
     * each element in file order: {@code order[f] = c}.
     */
    private static int[] fortranToC(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        int[] order = new int[(int) n];
        int rank = shape.length;
        long[] cStride = new long[rank];
        for (int k = rank - 1, s = 1; k >= 0; s *= (int) shape[k], k--) cStride[k] = s;
        int[] index = new int[rank]; // the multi-index of file element f, counted first dimension fastest
        long c = 0;
        for (int f = 0; f < n; f++) {
            order[f] = (int) c;
            for (int k = 0; k < rank; k++) {
                if (++index[k] < shape[k]) { c += cStride[k]; break; }
                c -= cStride[k] * (shape[k] - 1);
                index[k] = 0;
            }
        }
        return order;
    }

    private static long[] reorder(long[] v, int[] order) {
        if (order == null) return v;
        long[] out = new long[v.length];
        for (int f = 0; f < v.length; f++) out[order[f]] = v[f];
        return out;
    }

    private static float[] reorder(float[] v, int[] order) {
        if (order == null) return v;
        float[] out = new float[v.length];
        for (int f = 0; f < v.length; f++) out[order[f]] = v[f];
        return out;
    }

    /** Writes a float32 array {@code shape} atomically (version 1.0, C order, little-endian). */
    public static void writeFloat32(Path file, long[] shape, float[] data) throws IOException {
        checkCount(shape, data.length);
        write(file, "<f4", shape, (buf, k) -> buf.putFloat(data[k]), data.length, 4);
    }

    /** Writes an int64 array {@code shape} atomically. */
    public static void writeInt64(Path file, long[] shape, long[] data) throws IOException {
        checkCount(shape, data.length);
        write(file, "<i8", shape, (buf, k) -> buf.putLong(data[k]), data.length, 8);
    }

    private static void checkCount(long[] shape, int count) {
        long n = 1;
        for (long d : shape) n *= d;
        if (n != count) throw new IllegalArgumentException("shape holds " + n + " elements, data has " + count);
    }

    private interface Put { void put(ByteBuffer buf, int index); }

    private static void write(Path file, String descr, long[] shape, Put put, int count, int elementBytes) throws IOException {
        StringBuilder tuple = new StringBuilder("(");
        for (int k = 0; k < shape.length; k++) tuple.append(shape[k]).append(shape.length == 1 || k + 1 < shape.length ? ", " : "");
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tuple.toString().replaceAll(", $", ",") + "), }";
        int total = 10 + dict.length() + 1;
        int padded = (total + 63) / 64 * 64; // numpy aligns the data to 64 bytes
        String header = dict + " ".repeat(padded - total) + "\n";
        AtomicFiles.write(file, out -> {
            ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
            out.write(head.array());
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < count; k++) {
                if (buf.remaining() < elementBytes) { out.write(buf.array(), 0, buf.position()); buf.clear(); }
                put.put(buf, k);
            }
            out.write(buf.array(), 0, buf.position());
        });
    }

    /** The parsed header dict. */
    private record Header(String descr, DType dtype, long[] shape, boolean fortran) {
        static Header parse(Path file, String text) throws WeightsException {
            Map<String, Object> dict = new DictParser(file, text).parse();
            Object descr = dict.get("descr"), fortran = dict.get("fortran_order"), shape = dict.get("shape");
            if (!(descr instanceof String d)) throw new WeightsException(file, null, "header has no 'descr' string");
            if (!(fortran instanceof Boolean f)) throw new WeightsException(file, null, "header has no 'fortran_order' boolean");
            if (!(shape instanceof long[] s)) throw new WeightsException(file, null, "header has no 'shape' tuple");
            DType dtype = switch (d) {
                case "<i8" -> DType.I64;
                case "<i4" -> DType.I32;
                case "<i2" -> DType.I16;
                case "<u2" -> DType.U16;
                case "<f4" -> DType.F32;
                case "<f2" -> DType.F16;
                default -> throw new WeightsException(file, null, "unsupported dtype '" + d + "' (int64, int32, int16, uint16, float32, float16, little-endian)");
            };
            return new Header(d, dtype, s, f);
        }
    }

    /** A strict parser for the one dict form .npy headers use: string keys; string, boolean or int-tuple values. */
    private static final class DictParser {
        private final Path file;
        private final String s;
        private int i;

        DictParser(Path file, String s) { this.file = file; this.s = s; }

        Map<String, Object> parse() throws WeightsException {
            Map<String, Object> out = new HashMap<>();
            skip();
            expect('{');
            while (true) {
                skip();
                if (peek() == '}') { i++; break; }
                String key = string();
                skip();
                expect(':');
                skip();
                if (out.put(key, value()) != null) throw error("duplicate key '" + key + "'");
                skip();
                if (peek() == ',') { i++; continue; }
                skip();
                expect('}');
                break;
            }
            skip();
            if (i != s.length()) throw error("trailing characters after the dict");
            return out;
        }

        private Object value() throws WeightsException {
            char c = peek();
            if (c == '\'' || c == '"') return string();
            if (s.startsWith("True", i)) { i += 4; return Boolean.TRUE; }
            if (s.startsWith("False", i)) { i += 5; return Boolean.FALSE; }
            if (c == '(') return tuple();
            throw error("unexpected value at offset " + i);
        }

        private long[] tuple() throws WeightsException {
            expect('(');
            List<Long> dims = new ArrayList<>();
            while (true) {
                skip();
                if (peek() == ')') { i++; break; }
                int start = i;
                while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
                if (start == i || i - start > 18) throw error("shape holds something that is not a non-negative integer");
                dims.add(Long.parseLong(s.substring(start, i)));
                if (dims.size() > 32) throw error("shape has too many dimensions");
                skip();
                if (peek() == ',') { i++; continue; }
                expect(')');
                break;
            }
            long[] out = new long[dims.size()];
            for (int k = 0; k < out.length; k++) out[k] = dims.get(k);
            return out;
        }

        private String string() throws WeightsException {
            char q = peek();
            if (q != '\'' && q != '"') throw error("expected a quoted key at offset " + i);
            int end = s.indexOf(q, i + 1);
            if (end < 0) throw error("unterminated string");
            String v = s.substring(i + 1, end);
            i = end + 1;
            return v;
        }

        private void skip() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }

        private char peek() throws WeightsException {
            if (i >= s.length()) throw error("header ends early");
            return s.charAt(i);
        }

        private void expect(char c) throws WeightsException {
            if (peek() != c) throw error("expected '" + c + "' at offset " + i);
            i++;
        }

        private WeightsException error(String problem) { return new WeightsException(file, null, "malformed .npy header: " + problem); }
    }
}
