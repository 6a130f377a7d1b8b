package io.github.dac4j.cuda;

import io.github.dac4j.core.Act;
import io.github.dac4j.core.Backend;
import io.github.dac4j.core.model.Quantizer;
import io.github.dac4j.core.plan.BufferRequest;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.core.plan.PlannedBuffer;

import java.util.ArrayList;
import java.util.List;

/** Test plumbing: hand-made arenas, and writing host data into any backend's arena through its ops. */
final class ArenaIO {
    private ArenaIO() {}

    /** A plan of back-to-back buffers (256-byte aligned) with the given shapes [streams, rows, channels]. */
    static MemoryPlan plan(int elementBytes, long workspaceBytes, Object... namesAndShapes) {
        List<PlannedBuffer> buffers = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < namesAndShapes.length; i += 2) {
            String name = (String) namesAndShapes[i];
            int[] shape = (int[]) namesAndShapes[i + 1];
            int eb = name.equals("codes") ? 4 : elementBytes;
            long bytes = (long) shape[0] * shape[1] * shape[2] * eb;
            buffers.add(new PlannedBuffer(new BufferRequest(name, bytes, 0, 1, shape, "test"), offset));
            offset = (offset + bytes + 255) / 256 * 256;
        }
        if (workspaceBytes > 0) {
            buffers.add(new PlannedBuffer(new BufferRequest("workspace", workspaceBytes, 0, 1, new int[] {1, 1, (int) workspaceBytes}, "test"), offset));
            offset += workspaceBytes;
        }
        return new MemoryPlan(buffers, offset, offset);
    }

    static Act act(MemoryPlan plan, String name) {
        PlannedBuffer b = plan.get(name);
        int[] s = b.request().shape();
        return new Act(name, b.offset(), s[0], s[1], s[2]);
    }

    /**
     * Writes {@code data} ({@code [streams, rows, channels]}, all rows of the buffer) into {@code dst} with the
     * backend's own codebook gather: one table row per (stream, row), one code pointing at it. The backend must
     * have been prepared with a model whose quantizer is {@code q}.
     */
    static int[] identityCodes(int streams, int rows) {
        int[] codes = new int[streams * rows];
        for (int i = 0; i < codes.length; i++) codes[i] = i;
        return codes;
    }

    /** A one-codebook quantizer whose table is {@code data} viewed as [size, channels]. */
    static Quantizer table(float[] data, int channels) {
        return new Quantizer(new float[][] {data}, data.length / channels, channels, 0);
    }

    /** Reads all rows of every stream of {@code a}. */
    static float[] readAll(Backend be, Act a) {
        float[] out = new float[(int) a.elements()];
        for (int b = 0; b < a.streams(); b++) be.read(a, b, 0, a.rows(), out, b * a.rows() * a.channels());
        return out;
    }
}
