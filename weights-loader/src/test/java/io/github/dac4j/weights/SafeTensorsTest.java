package io.github.dac4j.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

class SafeTensorsTest {
    @TempDir Path dir;

    @Test
    void writerAndReaderRoundTripEveryFloatType() throws Exception {
        SplittableRandom rnd = new SplittableRandom();
        float[] data = new float[3 * 5 * 7];
        for (int i = 0; i < data.length; i++) data[i] = (float) rnd.nextGaussian();
        Path file = dir.resolve("rt.safetensors");
        new SafeTensorsWriter().put("a", DType.F32, new long[] {3, 5, 7}, data).put("b", DType.F16, new long[] {105}, data)
                .put("c", DType.BF16, new long[] {7, 15}, data).putMetadata("format", "pt").write(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(java.util.List.of("a", "b", "c"), java.util.List.copyOf(st.tensors().keySet()));
            assertEquals("pt", st.metadata().get("format"));
            assertArrayEquals(data, st.readFloat("a"));
            float[] half = st.readFloat("b"), bf = st.readFloat("c");
            for (int i = 0; i < data.length; i++) {
                assertEquals(data[i], half[i], Math.abs(data[i]) * 0x1p-11 + 0x1p-24);
                assertEquals(data[i], bf[i], Math.abs(data[i]) * 0x1p-8);
            }
            assertArrayEquals(new long[] {7, 15}, st.info("c").shape());
        }
        assertEquals(0, Files.list(dir).filter(p -> p.toString().endsWith(".tmp")).count(), "no temporary file left");
        Path plain = dir.resolve("plain");
        Files.createFile(plain);
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file), "the umask's mode, like any new file");
        }
    }

    @Test
    void readsIntegerTensors() throws Exception {
        Path file = dir.resolve("ints.safetensors");
        byte[] data = ByteBuffer.allocate(8 * 2 + 4 * 3).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).putLong(1L << 40).putInt(7).putInt(-8).putInt(9).array();
        write(file, "{\"x\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},\"y\":{\"dtype\":\"I32\",\"shape\":[3],\"data_offsets\":[16,28]}}", data);
        try (SafeTensors st = SafeTensors.open(file)) {
            assertArrayEquals(new long[] {-5, 1L << 40}, st.readLong("x"));
            assertArrayEquals(new long[] {7, -8, 9}, st.readLong("y"));
            assertBad(() -> st.readFloat("x"), "'x'", "not a float type");
            assertBad(() -> st.readFloat("nope"), "'nope'", "missing");
        }
    }

    /** Every validation rule: a WeightsException naming the file (and the tensor), never another exception. */
    @Test
    void hostileFilesAreRejectedWithTheFileAndTensorNamed() throws Exception {
        String ok = "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        expectBad(ok.getBytes(StandardCharsets.UTF_8), 8, Long.MAX_VALUE, null, "not plausible");
        expectBad(ok.getBytes(StandardCharsets.UTF_8), 8, 1L << 30, null, "not plausible");
        expectBad(ok.getBytes(StandardCharsets.UTF_8), 8, 4000, null, "past the end of the file");
        expectBad("{\"t\":{".getBytes(StandardCharsets.UTF_8), 0, -1, null, "malformed JSON");
        expectBad("[1,2]".getBytes(StandardCharsets.UTF_8), 0, -1, null, "not a JSON object");
        expectBad("{\"t\":5}".getBytes(StandardCharsets.UTF_8), 0, -1, "t", "not an object");
        expectBad(h("F64", "[2]", "[0,8]"), 8, -1, "t", "unsupported dtype 'F64'");
        expectBad(h("F32", "[-2]", "[0,8]"), 8, -1, "t", "not a non-negative integer");
        expectBad(h("F32", "[4294967296,4294967296,4294967296]", "[0,8]"), 8, -1, "t", "overflows");
        expectBad(h("F32", "[2]", "[0]"), 8, -1, "t", "not a pair");
        expectBad(h("F32", "[2]", "[8,0]"), 8, -1, "t", "begin after end");
        expectBad(h("F32", "[2]", "[0,800]"), 8, -1, "t", "past the data section");
        expectBad(h("F32", "[3]", "[0,8]"), 8, -1, "t", "needs 12");
        expectBad(h("F32", "\"x\"", "[0,8]"), 8, -1, "t", "shape");
        expectBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}"
                .getBytes(StandardCharsets.UTF_8), 12, -1, "b", "overlaps tensor 'a'");
        expectBad("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}"
                .getBytes(StandardCharsets.UTF_8), 16, -1, "b", "overlaps tensor 'a'");
        expectBad("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"
                .getBytes(StandardCharsets.UTF_8), 8, -1, null, "Duplicate field 't'");
        expectBad("{\"__metadata__\":{\"k\":1}}".getBytes(StandardCharsets.UTF_8), 0, -1, null, "not a string");
        Path tiny = dir.resolve("short.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertBad(() -> SafeTensors.open(tiny), "short.safetensors", "shorter than the 8-byte header length");
        assertBad(() -> SafeTensors.open(dir.resolve("absent.safetensors")), "absent.safetensors", "no such file");
    }

    private static byte[] h(String dtype, String shape, String offsets) {
        return ("{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}}").getBytes(StandardCharsets.UTF_8);
    }

    /** A file with this header and {@code dataBytes} random bytes; {@code declared} overrides the header length. */
    private void expectBad(byte[] header, int dataBytes, long declared, String tensor, String problem) throws Exception {
        Path file = dir.resolve("bad.safetensors");
        byte[] data = new byte[dataBytes];
        new SplittableRandom().nextBytes(data);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declared >= 0 ? declared : header.length).put(header).put(data);
        Files.write(file, b.array());
        WeightsException e = assertBad(() -> {
            try (SafeTensors st = SafeTensors.open(file)) {
                for (String name : st.tensors().keySet()) st.readFloat(name);
            }
        }, "bad.safetensors", problem);
        if (tensor != null) assertTrue(e.getMessage().contains("tensor '" + tensor + "'"), e.getMessage());
        assertEquals(tensor, e.tensor());
    }

    static WeightsException assertBad(org.junit.jupiter.api.function.Executable call, String file, String problem) {
        WeightsException e = assertThrows(WeightsException.class, call);
        assertTrue(e.getMessage().contains(file), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(problem), "message '" + e.getMessage() + "' lacks '" + problem + "'");
        assertFalse(e.getMessage().contains("\n"), "one line");
        return e;
    }

    private static void write(Path file, String header, byte[] data) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Files.write(file, ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).put(data).array());
    }
}
