package io.github.dac4j.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static io.github.dac4j.weights.SafeTensorsTest.assertBad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class NpyTest {
    @TempDir Path dir;

    @Test
    void roundTripsFloat32AndInt64() throws Exception {
        SplittableRandom rnd = new SplittableRandom();
        float[] f = new float[2 * 1 * 37];
        for (int i = 0; i < f.length; i++) f[i] = (float) rnd.nextGaussian();
        long[] l = new long[9 * 13];
        for (int i = 0; i < l.length; i++) l[i] = rnd.nextLong();
        Npy.writeFloat32(dir.resolve("f.npy"), new long[] {2, 1, 37}, f);
        Npy.writeInt64(dir.resolve("l.npy"), new long[] {l.length}, l);
        NpyArray a = Npy.read(dir.resolve("f.npy")), b = Npy.read(dir.resolve("l.npy"));
        assertArrayEquals(new long[] {2, 1, 37}, a.shape());
        assertArrayEquals(f, a.floats());
        assertArrayEquals(new long[] {l.length}, b.shape());
        assertArrayEquals(l, b.longs());
    }

    @Test
    void readsTheFixtureCodes() throws Exception {
        NpyArray codes = Npy.read(Path.of("src/test/resources/fixtures/tiny-s12.codes.npy"));
        assertEquals(DType.I64, codes.dtype());
        assertEquals(3, codes.rank());
        assertEquals(2, codes.shape()[0]);
        assertEquals(3, codes.shape()[1]);
        for (long v : codes.longs()) assertEquals(true, v >= 0 && v < 32, "code " + v);
        NpyArray expected = Npy.read(Path.of("src/test/resources/fixtures/tiny-s11.expected.npy"));
        assertEquals(DType.F32, expected.dtype());
        assertEquals(expected.shape()[2], expected.floats().length);
    }

    @Test
    void readsInt32AndVersion2Headers() throws Exception {
        Path file = dir.resolve("i.npy");
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(3).putInt(-1).putInt(70000);
        write(file, 2, "{'shape': (3,), 'fortran_order': False, 'descr': '<i4'}", data.array());
        NpyArray a = Npy.read(file);
        assertArrayEquals(new long[] {3, -1, 70000}, a.longs());
    }

    /** numpy's own files: every dtype read in C and Fortran order gives the C-order values 0..29 of arange. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"int64,I64", "int32,I32", "int16,I16", "uint16,U16", "float32,F32", "float16,F16"})
    void readsEveryDtypeInCAndFortranOrder(String numpyName, DType dtype) throws Exception {
        for (String order : new String[] {"C", "F"}) {
            NpyArray a = Npy.read(Path.of("src/test/resources/npy/arange-2x3x5." + numpyName + "." + order + ".npy"));
            assertEquals(dtype, a.dtype(), order);
            assertArrayEquals(new long[] {2, 3, 5}, a.shape(), order);
            for (int i = 0; i < 30; i++) {
                double v = a.isInteger() ? a.longs()[i] : a.floats()[i];
                assertEquals(i, v, order + " element " + i);
            }
        }
    }

    /** Fortran order of other ranks (1, 2, 4 and a zero dimension), against the index arithmetic written out. */
    @Test
    void fortranOrderOfOtherShapes() throws Exception {
        for (long[] shape : new long[][] {{7}, {4, 3}, {2, 3, 1, 4}, {3, 0, 2}}) {
            int n = 1;
            for (long d : shape) n *= (int) d;
            ByteBuffer data = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
            // File element f holds the C-order index of its multi-index (decoded first dimension fastest).
            for (int f = 0; f < n; f++) {
                long rest = f, c = 0;
                long[] index = new long[shape.length];
                for (int k = 0; k < shape.length; k++) { index[k] = rest % shape[k]; rest /= shape[k]; }
                for (int k = 0; k < shape.length; k++) c = c * shape[k] + index[k];
                data.putLong(c);
            }
            Path file = dir.resolve("f.npy");
            String tuple = java.util.Arrays.toString(shape).replace('[', '(').replace(']', shape.length == 1 ? ',' : ')') + (shape.length == 1 ? ")" : "");
            write(file, 1, "{'descr': '<i8', 'fortran_order': True, 'shape': " + tuple + ", }", data.array());
            NpyArray a = Npy.read(file);
            for (int i = 0; i < n; i++) assertEquals(i, a.longs()[i], java.util.Arrays.toString(shape) + " element " + i);
        }
    }

    @Test
    void int16AndUint16KeepTheirSigns() throws Exception {
        Path file = dir.resolve("s.npy");
        byte[] bytes = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f, 0, (byte) 0x80};
        write(file, 1, "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }", bytes);
        assertArrayEquals(new long[] {-1, 32767, -32768}, Npy.read(file).longs());
        write(file, 1, "{'descr': '<u2', 'fortran_order': False, 'shape': (3,), }", bytes);
        assertArrayEquals(new long[] {65535, 32767, 32768}, Npy.read(file).longs());
    }

    @Test
    void badFilesAreRejectedWithTheFileNamed() throws Exception {
        Path file = dir.resolve("bad.npy");
        byte[] eight = new byte[8];
        write(file, 1, "{'descr': '<i8', 'fortran_order': 1, 'shape': (1,), }", eight);
        assertBad(() -> Npy.read(file), "bad.npy", "malformed .npy header");
        write(file, 1, "{'descr': '>u2', 'fortran_order': False, 'shape': (4,), }", eight);
        assertBad(() -> Npy.read(file), "bad.npy", "unsupported dtype '>u2'");
        write(file, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (8,), }", eight);
        assertBad(() -> Npy.read(file), "bad.npy", "unsupported dtype '|u1'");
        write(file, 1, "{'descr': '>i8', 'fortran_order': False, 'shape': (1,), }", eight);
        assertBad(() -> Npy.read(file), "bad.npy", "unsupported dtype '>i8'");
        write(file, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", eight);
        assertBad(() -> Npy.read(file), "bad.npy", "unsupported dtype '<f8'");
        write(file, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", eight);
        assertBad(() -> Npy.read(file), "bad.npy", "needs 16 data bytes, the file has 8");
        write(file, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (-1,), }", eight);
        assertBad(() -> Npy.read(file), "bad.npy", "malformed .npy header");
        write(file, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }", eight);
        assertBad(() -> Npy.read(file), "bad.npy", "overflows");
        write(file, 1, "{'descr': '<i8', 'fortran_order': False}", eight);
        assertBad(() -> Npy.read(file), "bad.npy", "no 'shape' tuple");
        write(file, 1, "{'descr': '<i8' 'x'}", eight);
        assertBad(() -> Npy.read(file), "bad.npy", "malformed .npy header");
        Files.write(file, "PK\u0003\u0004not npy at all".getBytes(StandardCharsets.ISO_8859_1));
        assertBad(() -> Npy.read(file), "bad.npy", "bad magic");
        byte[] lying = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) 0xff, (byte) 0xff, '{', '}'};
        Files.write(file, lying);
        assertBad(() -> Npy.read(file), "bad.npy", "past the end of the file");
        assertBad(() -> Npy.read(dir.resolve("none.npy")), "none.npy", "no such file");
    }

    static void write(Path file, int version, String dict, byte[] data) throws Exception {
        byte[] h = dict.getBytes(StandardCharsets.ISO_8859_1);
        int prefix = version == 1 ? 10 : 12;
        ByteBuffer b = ByteBuffer.allocate(prefix + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
        if (version == 1) b.putShort((short) h.length); else b.putInt(h.length);
        b.put(h).put(data);
        Files.write(file, b.array());
    }
}
