package io.github.dac4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The benchmarks' peer: a DAC decoder exported to ONNX ({@code bench/onnx/export.sh}) run by ONNX Runtime's Java
 * API on the CPU. Codes {@code [B, K, T]} int64 in, samples {@code [B, 1, hop * T]} float32 out, whole sequences
 * only (the graph has no streaming state).
 *
 * <p>The session runs as a user would set it up for a fixed thread budget: {@code threads} intra-op threads, one
 * inter-op thread, sequential execution, every graph optimisation; everything else at ONNX Runtime's defaults.
 */
public final class OrtDecoder implements AutoCloseable {
    /** Where {@code bench/onnx/export.sh} writes the 44.1 kHz model, relative to the repository root. */
    public static final String DEFAULT_MODEL = "bench/target/onnx/dac44.onnx";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String input;
    private final int threads;

    private OrtDecoder(OrtEnvironment env, OrtSession session, int threads) throws OrtException {
        this.env = env;
        this.session = session;
        this.input = session.getInputNames().iterator().next();
        this.threads = threads;
    }

    /**
     * Opens an ONNX Runtime session on {@code model} with {@code threads} intra-op threads.
     *
     * @throws IllegalArgumentException the file does not exist (the message says how to make it)
     * @throws OrtException             ONNX Runtime cannot load it
     */
    public static OrtDecoder open(Path model, int threads) throws OrtException {
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException(model + ": no ONNX model there; bench/onnx/export.sh makes it");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return new OrtDecoder(env, env.createSession(model.toString(), options), threads);
        }
    }

    /** ONNX Runtime's version and this session's threads, for logs: {@code "onnxruntime 1.20.0, 2 intra-op threads"}. */
    public String description() {
        return "onnxruntime " + env.getVersion() + ", " + threads + " intra-op thread" + (threads == 1 ? "" : "s");
    }

    /** Decodes {@code codes[b][k][t]} to {@code samples[b][hop * T]}. */
    public float[][] decode(int[][][] codes) throws OrtException {
        int batch = codes.length, books = codes[0].length, frames = codes[0][0].length;
        // codes:[B, K, T] int32 -> one row-major int64 buffer, as the graph's input wants it.
        LongBuffer flat = LongBuffer.allocate(batch * books * frames);
        for (int[][] stream : codes) for (int[] row : stream) for (int c : row) flat.put(c);
        flat.flip();
        try (OnnxTensor in = OnnxTensor.createTensor(env, flat, new long[] {batch, books, frames});
             OrtSession.Result result = session.run(Map.of(input, in))) {
            OnnxTensor out = (OnnxTensor) result.get(0);
            long[] shape = out.getInfo().getShape(); // [B, 1, S]
            int length = Math.toIntExact(shape[2]);
            FloatBuffer samples = out.getFloatBuffer();
            float[][] audio = new float[batch][length];
            for (float[] stream : audio) samples.get(stream);
            return audio;
        }
    }

    /**
     * {@code ||out - ref|| / ||ref||} over every stream, in double; infinite when the shapes differ, NaN when
     * {@code out} holds a NaN (so {@code !(error <= tolerance)} rejects both).
     */
    public static double relativeError(float[][] out, float[][] ref) {
        if (out.length != ref.length) return Double.POSITIVE_INFINITY;
        double diff = 0, norm = 0;
        for (int b = 0; b < ref.length; b++) {
            if (out[b].length != ref[b].length) return Double.POSITIVE_INFINITY;
            for (int i = 0; i < ref[b].length; i++) {
                double d = (double) out[b][i] - ref[b][i];
                diff += d * d;
                norm += (double) ref[b][i] * ref[b][i];
            }
        }
        return Math.sqrt(diff / norm);
    }

    /** Closes the session (the environment is process-wide and stays). */
    @Override public void close() throws OrtException {
        session.close();
    }
}
