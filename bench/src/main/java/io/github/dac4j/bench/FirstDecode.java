package io.github.dac4j.bench;

import io.github.dac4j.core.Backend;
import io.github.dac4j.core.Backends;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.CodebookSum;
import io.github.dac4j.core.program.Conv;
import io.github.dac4j.core.program.ConvTranspose;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.Quantize;
import io.github.dac4j.core.program.ScratchPolicy;
import io.github.dac4j.core.program.UploadAudio;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Where a first decode's extra time goes: a decoder opened as a user opens it (from the checkpoint, the kernels'
 * warm-up beside the load), on a backend that forwards every call to the CPU backend and times it; then the same
 * codes decoded a few times. Prints each decode's time, and the calls (an op's convolution, {@code allocate}, the
 * codebook sums, ...) that took the first decode longest against the last one, with what they took at open.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.github.dac4j.bench.FirstDecode \
 *     --weights bench/target/onnx/dac44.safetensors --frames 86
 * </pre>
 *
 * One JVM per measurement: only its first decode is a first decode. Compare runs with {@code LibraryTimings}, whose
 * fresh JVMs give the spread.
 */
@Command(name = "FirstDecode", mixinStandardHelpOptions = true,
        description = "Time each backend call of a decoder's first decodes after open, against a later one.")
public final class FirstDecode implements Callable<Integer> {
    @Option(names = "--weights", description = "Checkpoint to open (as a user does). Default: the random-weight model of --model.")
    Path weights;

    @Option(names = "--model", defaultValue = "44khz", description = "Without --weights: 44khz, 24khz or 16khz. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--frames", defaultValue = "86", description = "Frames per decode. Default: ${DEFAULT-VALUE}.")
    int frames;

    @Option(names = "--step", defaultValue = "0", description = "Frames per step; 0 decodes whole. Default: ${DEFAULT-VALUE}.")
    int step;

    @Option(names = "--decodes", defaultValue = "6", description = "Decodes after open (at least 2). Default: ${DEFAULT-VALUE}.")
    int decodes;

    @Option(names = "--threads", defaultValue = "2", description = "CPU worker threads. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--top", defaultValue = "15", description = "Calls listed. Default: ${DEFAULT-VALUE}.")
    int top;

    /**
     * What one run measured.
     *
     * @param openMillis   {@code Decoder.open} (from the file when one was given)
     * @param decodeMillis each decode's wall time, in order
     * @param calls        per call (label), its milliseconds at open (index 0) and in each decode (1..decodes)
     */
    public record Result(double openMillis, double[] decodeMillis, Map<String, double[]> calls) {}

    /** Runs it. */
    public static void main(String[] args) { System.exit(new CommandLine(new FirstDecode()).execute(args)); }

    @Override public Integer call() throws Exception {
        if (decodes < 2) throw new CommandLine.ParameterException(new CommandLine(this), "--decodes must be at least 2");
        System.setProperty("dac4j.cpu.threads", Integer.toString(threads));
        DacConfig config = weights == null ? DacConfig.preset(model) : null;
        Result r = measure(weights, config, frames, step, decodes);
        System.out.printf(Locale.ROOT, "open %.0f ms; decodes of %d frames (%s): ", r.openMillis(), frames, step == 0 ? "whole" : step + "-frame steps");
        for (double d : r.decodeMillis()) System.out.printf(Locale.ROOT, "%.0f ", d);
        System.out.printf(Locale.ROOT, "ms%nfirst / last decode %.2f%n", r.decodeMillis()[0] / r.decodeMillis()[decodes - 1]);
        double prepare = r.calls().getOrDefault("prepare", new double[1])[0], allocate = r.calls().getOrDefault("allocate", new double[1])[0];
        double warmUp = r.calls().values().stream().mapToDouble(t -> t[0]).sum() - prepare - allocate;
        System.out.printf(Locale.ROOT, "at open: prepare %.0f ms, allocate %.0f ms, the warm-up decode's other calls %.0f ms%n%n", prepare, allocate, warmUp);
        System.out.printf(Locale.ROOT, "| call | at open (ms) | first decode | second | last | first - last |%n|---|---:|---:|---:|---:|---:|%n");
        List<Map.Entry<String, double[]>> rows = new ArrayList<>(r.calls().entrySet());
        rows.sort((a, b) -> Double.compare(b.getValue()[1] - b.getValue()[decodes], a.getValue()[1] - a.getValue()[decodes]));
        for (Map.Entry<String, double[]> e : rows.subList(0, Math.min(top, rows.size()))) {
            double[] t = e.getValue();
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %.1f |%n", e.getKey(), t[0], t[1], t[2], t[decodes], t[1] - t[decodes]);
        }
        return 0;
    }

    /**
     * Opens a decoder on a timed CPU backend (from {@code checkpoint} with the warm-up started first, as
     * {@code Decoder.open(path)} does, else the random-weight model of {@code config}) and decodes random codes of
     * {@code frames} frames {@code decodes} times.
     */
    public static Result measure(Path checkpoint, DacConfig config, int frames, int step, int decodes) throws Exception {
        Timed timed = new Timed(Backends.open("cpu", null).backend(), decodes + 1);
        DacModel model = checkpoint == null ? BenchModels.random(config, DecodeBenchmark.WEIGHTS_SEED) : null;
        long start = System.nanoTime();
        if (checkpoint != null) {
            Backends.warmUp("cpu");   // as Decoder.open(path): the kernels' warm-up beside the load
            model = DacModel.load(DacCheckpoint.loadDecoder(checkpoint));
        }
        double[] decodeMillis = new double[decodes];
        double openMillis;
        try (Decoder decoder = Decoder.open(model, DecoderOptions.defaults().withStepFrames(step), timed, true)) {
            openMillis = (System.nanoTime() - start) / 1e6;
            int[][][] codes = BenchModels.codes(model.config(), 1, frames, DecodeBenchmark.CODES_SEED);
            for (int i = 0; i < decodes; i++) {
                timed.column = i + 1;
                long t0 = System.nanoTime();
                decoder.decode(codes);
                decodeMillis[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return new Result(openMillis, decodeMillis, timed.calls);
    }

    /** Forwards every call and adds its time to the current column of its label's row. */
    static final class Timed implements Backend {
        final Backend inner;
        final int columns;
        final Map<String, double[]> calls = new LinkedHashMap<>();
        int column;   // 0: at open; i: decode i

        Timed(Backend inner, int columns) {
            this.inner = inner;
            this.columns = columns;
        }

        private void add(String label, long start) {
            calls.computeIfAbsent(label, k -> new double[columns])[column] += (System.nanoTime() - start) / 1e6;
        }

        @Override public String name() { return inner.name(); }
        @Override public Precision precision() { return inner.precision(); }
        @Override public String device() { return inner.device(); }
        @Override public String kernels() { return inner.kernels(); }
        @Override public int warmUpFrames() { return inner.warmUpFrames(); }
        @Override public int activationBytes() { return inner.activationBytes(); }
        @Override public ScratchPolicy scratch() { return inner.scratch(); }
        @Override public long weightBytes() { return inner.weightBytes(); }
        @Override public long arenaBytes() { return inner.arenaBytes(); }
        @Override public void close() { inner.close(); }

        @Override public void prepare(DacModel model) {
            long t = System.nanoTime();
            inner.prepare(model);
            add("prepare", t);
        }

        @Override public void prepare(EncoderModel encoder) { inner.prepare(encoder); }

        @Override public void allocate(Program program) {
            long t = System.nanoTime();
            inner.allocate(program);
            add("allocate", t);
        }

        @Override public void codebookSum(CodebookSum op, int streams, int[] codes, int codebooks, int n) {
            long t = System.nanoTime();
            inner.codebookSum(op, streams, codes, codebooks, n);
            add("codebook sums", t);
        }

        @Override public void uploadAudio(UploadAudio op, int streams, float[] audio, int rows) { inner.uploadAudio(op, streams, audio, rows); }

        @Override public void quantize(Quantize op, int streams, int n, int frames, int[] codes) { inner.quantize(op, streams, n, frames, codes); }

        @Override public void conv(Conv op, int streams, long position, int skip, int n) {
            long t = System.nanoTime();
            inner.conv(op, streams, position, skip, n);
            add(op.label(), t);
        }

        @Override public void convTranspose(ConvTranspose op, int streams, long position, int skip, int n) {
            long t = System.nanoTime();
            inner.convTranspose(op, streams, position, skip, n);
            add(op.label(), t);
        }

        @Override public void copyRows(int streams, ArenaBuffer src, int srcRow, ArenaBuffer dst, int dstRow, int rows) {
            long t = System.nanoTime();
            inner.copyRows(streams, src, srcRow, dst, dstRow, rows);
            add("copy rows", t);
        }

        @Override public void zeroRows(ArenaBuffer dst, int stream, int fromRow, int rows) {
            long t = System.nanoTime();
            inner.zeroRows(dst, stream, fromRow, rows);
            add("zero rows", t);
        }

        @Override public void read(ArenaBuffer src, int stream, int fromRow, int rows, float[] dst, int dstOffset) {
            long t = System.nanoTime();
            inner.read(src, stream, fromRow, rows, dst, dstOffset);
            add("read samples", t);
        }
    }
}
