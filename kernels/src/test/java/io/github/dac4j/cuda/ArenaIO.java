package io.github.dac4j.cuda;

import io.github.dac4j.core.Backend;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.Quantizer;
import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.Buffers;
import io.github.dac4j.core.program.CodebookSum;
import io.github.dac4j.core.program.Op;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.ScratchPolicy;
import io.github.dac4j.core.program.Stage;

import java.util.List;
import java.util.function.Function;

/** Test plumbing: programs of single ops on declared buffers, and host data into and out of any backend's arena. */
final class ArenaIO {
    private ArenaIO() {}

    /** The program of {@code ops} for a backend of {@code p}, with the CUDA backend's scratch when {@code cuda}. */
    static Program program(Precision p, boolean cuda, Function<Buffers, List<Op>> ops) {
        return Program.of(ops).activationBytes(p.bytes()).scratch(cuda ? CudaSizing.scratch() : ScratchPolicy.NONE).build();
    }

    /** The stage of a layer whose window is {@code history + rows} input rows of {@code cin} and that writes {@code outRows} rows. */
    static Stage window(int cin, int cout, int rows, int history, int padding) {
        return Stage.sameConv(Stage.source("test.input", cin, rows), "test", cout, history, padding);
    }

    /**
     * Writes {@code data} ({@code [streams, rows, channels]}, every row of the buffer) into {@code dst}: with
     * {@link CudaBackend#write} on the GPU, else through the backend's own codebook gather (one table row per
     * (stream, row), one code pointing at it), which the CPU backend reads straight from the host.
     */
    static void write(Backend be, ArenaBuffer dst, float[] data) {
        if (be instanceof CudaBackend gpu) {
            gpu.write(dst, data);
            return;
        }
        int rows = dst.streams() * dst.rows();
        ArenaBuffer flat = new ArenaBuffer(dst.name(), dst.offset(), 1, rows, dst.channels());
        be.codebookSum(new CodebookSum(table(data, dst.channels()), flat, flat, 0), 1, identityCodes(rows), 1, rows);
    }

    static int[] identityCodes(int n) {
        int[] codes = new int[n];
        for (int i = 0; i < n; i++) codes[i] = i;
        return codes;
    }

    /** A one-codebook quantizer whose table is {@code data} viewed as [size, channels]. */
    static Quantizer table(float[] data, int channels) {
        return new Quantizer(new float[][] {data}, data.length / channels, channels, 0);
    }

    /** Reads all rows of every stream of {@code a}. */
    static float[] readAll(Backend be, ArenaBuffer a) {
        float[] out = new float[(int) a.elements()];
        for (int b = 0; b < a.streams(); b++) be.read(a, b, 0, a.rows(), out, b * a.rows() * a.channels());
        return out;
    }
}
