package io.github.dac4j.weights;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
 * shape and byte range, then the data. The header is validated completely before any data is touched;
 * the data is memory-mapped, region by region, as tensors are read.
 */
public final class SafeTensors implements AutoCloseable {
    /** No real header comes close; a hostile length must not make us allocate gigabytes. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).maxStringLength(1 << 20).maxNumberLength(40).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // two entries of one name: which would be meant?
            .build();

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensors(Path file, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates a file. */
    public static SafeTensors open(Path file) throws WeightsException {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new WeightsException(file, null, "no such file");
        } catch (IOException | SecurityException e) {
            throw new WeightsException(file, null, "cannot open: " + e.getMessage());
        }
        try {
            long size = channel.size();
            if (size < 8) throw new WeightsException(file, null, "not a safetensors file: " + size + " bytes, shorter than the 8-byte header length");
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0, file);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
                throw new WeightsException(file, null, "not a safetensors file: header length " + Long.toUnsignedString(headerLength) + " is not plausible (2 to " + MAX_HEADER_BYTES + " bytes)");
            }
            if (8 + headerLength > size) {
                throw new WeightsException(file, null, "header length " + headerLength + " runs past the end of the file (" + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8, file);
            long dataStart = 8 + headerLength;
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(file, new String(header.array(), StandardCharsets.UTF_8), size - dataStart, metadata);
            return new SafeTensors(file, channel, dataStart, tensors, metadata);
        } catch (WeightsException e) {
            closeQuietly(channel);
            throw e;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new WeightsException(file, null, "cannot read: " + e.getMessage());
        }
    }

    private static Map<String, TensorInfo> parseHeader(Path file, String text, long dataBytes, Map<String, String> metadata) throws WeightsException {
        JsonNode root;
        try {
            root = JsonTrees.read(JSON, text);
        } catch (IOException e) {
            throw new WeightsException(file, null, "malformed JSON header: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) throw new WeightsException(file, null, "header is not a JSON object");
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw new WeightsException(file, null, "__metadata__ is not an object");
                for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) throw new WeightsException(file, null, "__metadata__ value of '" + kv.getKey() + "' is not a string");
                    metadata.put(kv.getKey(), kv.getValue().asText());
                }
                continue;
            }
            tensors.put(name, parseEntry(file, name, v, dataBytes));
        }
        checkNoOverlap(file, tensors);
        return Collections.unmodifiableMap(tensors);
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode v, long dataBytes) throws WeightsException {
        if (!v.isObject()) throw new WeightsException(file, name, "entry is not an object");
        JsonNode dtypeNode = v.get("dtype"), shapeNode = v.get("shape"), offsets = v.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw new WeightsException(file, name, "missing or non-string dtype");
        DType dtype;
        try {
            dtype = DType.valueOf(dtypeNode.asText().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException ex) {
            throw new WeightsException(file, name, "unsupported dtype '" + dtypeNode.asText() + "' (F32, F16, BF16, I64, I32, I16, U16 are read)");
        }
        if (shapeNode == null || !shapeNode.isArray()) throw new WeightsException(file, name, "missing or non-array shape");
        if (shapeNode.size() > 8) throw new WeightsException(file, name, "shape has " + shapeNode.size() + " dimensions");
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw new WeightsException(file, name, "shape dimension " + i + " is not a non-negative integer: " + d);
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException ex) {
                throw new WeightsException(file, name, "shape overflows");
            }
        }
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) throw new WeightsException(file, name, "data_offsets is not a pair");
        for (JsonNode o : offsets) {
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.asLong() < 0) {
                throw new WeightsException(file, name, "data_offsets holds a value that is not a non-negative integer: " + o);
            }
        }
        long begin = offsets.get(0).asLong(), end = offsets.get(1).asLong();
        if (begin > end) throw new WeightsException(file, name, "data_offsets [" + begin + ", " + end + "] begin after end");
        if (end > dataBytes) throw new WeightsException(file, name, "data_offsets end " + end + " is past the data section (" + dataBytes + " bytes)");
        long expected;
        try {
            expected = Math.multiplyExact(elements, dtype.bytes());
        } catch (ArithmeticException ex) {
            throw new WeightsException(file, name, "shape overflows");
        }
        if (end - begin != expected) {
            throw new WeightsException(file, name, "holds " + (end - begin) + " bytes but shape " + java.util.Arrays.toString(shape) + " of " + dtype + " needs " + expected);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void checkNoOverlap(Path file, Map<String, TensorInfo> tensors) throws WeightsException {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo reach = null; // the tensor reaching furthest so far
        for (TensorInfo t : sorted) {
            if (t.end() == t.begin()) continue; // empty tensors occupy nothing
            if (reach != null && t.begin() < reach.end()) {
                throw new WeightsException(file, t.name(), "data overlaps tensor '" + reach.name() + "'");
            }
            if (reach == null || t.end() > reach.end()) reach = t;
        }
    }

    /** The file this was opened from. */
    public Path file() { return file; }

    /** Tensors in header order. */
    public Map<String, TensorInfo> tensors() { return tensors; }

    /** The {@code __metadata__} strings, if any. */
    public Map<String, String> metadata() { return metadata; }

    /** The entry for {@code name}. */
    public TensorInfo info(String name) throws WeightsException {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new WeightsException(file, name, "missing");
        return t;
    }

    /** A float tensor (F32, F16 or BF16) as float32. */
    public float[] readFloat(String name) throws WeightsException {
        TensorInfo t = info(name);
        if (!t.dtype().isFloating()) throw new WeightsException(file, name, "dtype " + t.dtype() + " is not a float type");
        int n = elementCount(t);
        ByteBuffer data = map(t);
        float[] out = new float[n];
        switch (t.dtype()) {
            case F32 -> data.asFloatBuffer().get(out);
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Halves.halfToFloat(data.getShort(2 * i)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Halves.bf16ToFloat(data.getShort(2 * i)); }
            default -> throw new IllegalStateException();
        }
        return out;
    }

    /** An integer tensor (I64, I32, I16 or U16) as long. */
    public long[] readLong(String name) throws WeightsException {
        TensorInfo t = info(name);
        int n = elementCount(t);
        ByteBuffer data = map(t);
        long[] out = new long[n];
        switch (t.dtype()) {
            case I64 -> data.asLongBuffer().get(out);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = data.getInt(4 * i); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = data.getShort(2 * i); }
            case U16 -> { for (int i = 0; i < n; i++) out[i] = data.getShort(2 * i) & 0xffff; }
            default -> throw new WeightsException(file, name, "dtype " + t.dtype() + " is not an integer type");
        }
        return out;
    }

    private int elementCount(TensorInfo t) throws WeightsException {
        long n = t.elements();
        if (n > Integer.MAX_VALUE - 8) throw new WeightsException(file, t.name(), n + " elements do not fit a Java array");
        return (int) n;
    }

    private ByteBuffer map(TensorInfo t) throws WeightsException {
        long length = t.end() - t.begin();
        if (length == 0) return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        try {
            MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), length);
            return m.order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new WeightsException(file, t.name(), "cannot map data: " + e.getMessage());
        }
    }

    @Override public void close() {
        closeQuietly(channel);
    }

    static void readFully(FileChannel ch, ByteBuffer dst, long position, Path file) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, at);
            if (n < 0) throw new WeightsException(file, null, "unexpected end of file");
            at += n;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing a read-only channel: nothing to lose
        }
    }

    static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
