package io.github.dac4j.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds a safetensors file from float tensors (stored as F32, F16 or BF16) and writes it atomically. */
public final class SafeTensorsWriter {
    private record Entry(String name, DType dtype, long[] shape, float[] data) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a tensor; {@code dtype} is how it is stored (F32, F16 or BF16, rounded to nearest even). */
    public SafeTensorsWriter put(String name, DType dtype, long[] shape, float[] data) {
        if (!dtype.isFloating()) throw new IllegalArgumentException(name + ": only float tensors are written, not " + dtype);
        long n = 1;
        for (long d : shape) n *= d;
        if (n != data.length) throw new IllegalArgumentException(name + ": shape holds " + n + " elements, data has " + data.length);
        entries.add(new Entry(name, dtype, shape.clone(), data));
        return this;
    }

    /** Sets a {@code __metadata__} string (the same key again replaces its value). */
    public SafeTensorsWriter putMetadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Writes the file: complete, or not at all. */
    public void write(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype.name());
            var shape = t.putArray("shape");
            for (long d : e.shape) shape.add(d);
            long bytes = (long) e.data.length * e.dtype.bytes();
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] text = json.writeValueAsBytes(header);
        int padded = (text.length + 7) / 8 * 8; // the format's alignment: pad the header with spaces
        byte[] headerBytes = new byte[padded];
        System.arraycopy(text, 0, headerBytes, 0, text.length);
        java.util.Arrays.fill(headerBytes, text.length, padded, (byte) ' ');
        AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : entries) {
                for (float v : e.data) {
                    if (chunk.remaining() < 4) flush(chunk, out);
                    switch (e.dtype) {
                        case F32 -> chunk.putFloat(v);
                        case F16 -> chunk.putShort(Halves.floatToHalf(v));
                        case BF16 -> chunk.putShort(Halves.floatToBf16(v));
                        default -> throw new IllegalStateException();
                    }
                }
            }
            flush(chunk, out);
        });
    }

    private static void flush(ByteBuffer chunk, java.io.OutputStream out) throws IOException {
        out.write(chunk.array(), 0, chunk.position());
        chunk.clear();
    }

}
