package io.github.dac4j.bench;

import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.DecoderStream;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.Npy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * How a library user meets the decoder, dac4j against ONNX Runtime, each measurement in a fresh JVM (cold JIT):
 * <ul>
 *   <li><b>cold open + first decode</b>: open the decoder from the checkpoint file ({@code Decoder.open(path, ...)},
 *       which reads it while the CPU kernels warm up) or create the session (ONNX Runtime), then decode {@code frames} frames whole, timed;</li>
 *   <li><b>warm</b>: in the same JVM after that first (untimed, for this figure) decode, the best and the median of three
 *       more, and the slowest over the median: how much warm decodes of one JVM differ, the noise in first / median;</li>
 *   <li><b>paired</b>: a fresh JVM holding both engines (two: one opening dac4j first, one ONNX Runtime), warmed up,
 *       then {@code --pairs} pairs of warm decodes, the
 *       engines taking turns (and turns at going first); the ratio of each pair, dac4j over ONNX Runtime, is measured
 *       seconds apart, so a shared machine's changing load falls on both alike; the table gives its median and
 *       quartiles;</li>
 *   <li><b>time to first audio</b> (dac4j): open from the file with 16-frame steps, push the first 16 frames and time
 *       until that push returns its samples (16 frames less the 10-frame look-ahead).</li>
 * </ul>
 * Each case runs {@code --runs} times in fresh JVMs, the engines taking turns; the table gives the range. The JVMs are this one's
 * {@code java} with {@code --add-modules jdk.incubator.vector -Xmx6g -Ddac4j.cpu.threads=N}, plus {@code --jvm-arg}s.
 * The first decodes of both engines are written to a temporary folder and compared: the run fails if they differ
 * by more than {@value OrtDecodeBenchmark#TOLERANCE} (relative), so the two engines are known to compute the same thing.
 *
 * <pre>
 * bench/onnx/export.sh     # bench/target/onnx/dac44.onnx and dac44.safetensors
 * java -cp bench/target/benchmarks.jar io.github.dac4j.bench.LibraryTimings --threads 2 --frames 86,258
 * </pre>
 */
@Command(name = "LibraryTimings", mixinStandardHelpOptions = true, sortOptions = false,
        description = "dac4j against ONNX Runtime from a library: cold open + first decode, warm decode, time to first audio.")
public final class LibraryTimings implements Callable<Integer> {
    @Option(names = "--threads", defaultValue = "2", description = "CPU threads for both engines. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--frames", split = ",", defaultValue = "86,258", description = "Frames per decode. Default: ${DEFAULT-VALUE}.")
    List<Integer> frames;

    @Option(names = "--runs", defaultValue = "3", description = "Fresh JVMs per case. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--pairs", defaultValue = "10",
            description = "Pairs of warm decodes in the paired JVM (both engines); 0 skips it. Default: ${DEFAULT-VALUE}.")
    int pairs;

    @Option(names = "--engines", split = ",", defaultValue = "dac4j,ort", description = "dac4j, ort or both. Default: ${DEFAULT-VALUE}.")
    List<String> engines;

    @Option(names = "--weights", defaultValue = "bench/target/onnx/dac44.safetensors",
            description = "Checkpoint dac4j loads. Default: ${DEFAULT-VALUE}.")
    Path weights;

    @Option(names = "--onnx", defaultValue = OrtDecoder.DEFAULT_MODEL, description = "Its ONNX export. Default: ${DEFAULT-VALUE}.")
    Path onnx;

    @Option(names = "--first-audio-frames", defaultValue = "16",
            description = "Frames of the first push for the time to first audio; 0 skips it. Default: ${DEFAULT-VALUE}.")
    int firstAudioFrames;

    @Option(names = "--jvm-arg", description = "Extra option for the measuring JVMs (repeatable), e.g. -Xlog:jit*=debug.")
    List<String> jvmArgs = new ArrayList<>();

    @Option(names = "--child", hidden = true, description = "Internal: run one measurement in this JVM (decode or first-audio).")
    String child;

    @Option(names = "--engine", hidden = true, description = "Internal: the child's engine.")
    String engine;

    @Option(names = "--samples-out", hidden = true, description = "Internal: where the child writes its first decode.")
    Path samplesOut;

    /** Runs the measurements (or, with the internal {@code --child}, one of them) and prints the table. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new LibraryTimings()).execute(args));
    }

    @Override public Integer call() throws Exception {
        if (child != null) return runChild();
        for (String e : engines) {
            if (!e.equals("dac4j") && !e.equals("ort")) throw new CommandLine.ParameterException(
                    new CommandLine(this), "--engines: unknown engine '" + e + "' (dac4j or ort)");
        }
        if (engines.contains("dac4j") && !Files.isRegularFile(weights)) {
            System.err.println("LibraryTimings: " + weights + ": no checkpoint there; bench/onnx/export.sh makes it");
            return 2;
        }
        if (engines.contains("ort") && !Files.isRegularFile(onnx)) {
            System.err.println("LibraryTimings: " + onnx + ": no ONNX model there; bench/onnx/export.sh makes it");
            return 2;
        }
        Path tmp = Files.createTempDirectory("library-timings");
        System.out.printf(Locale.ROOT, "# %s, JVM %s (%s), %d threads, %d fresh JVMs per case, %s%n",
                cpuModel(), System.getProperty("java.vm.version"), System.getProperty("java.home"), threads, runs, Instant.now());
        System.out.println();
        System.out.println("| engine | frames | cold open (ms) | first decode (ms) | warm, best of 3 (ms) | first / warm | warm, median of 3 (ms) | first / median warm | slowest / median warm |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        Map<Integer, Path> dac4jSamples = new LinkedHashMap<>(), ortSamples = new LinkedHashMap<>();
        List<String> pairs = new ArrayList<>();
        for (int f : frames) {
            // The engines take turns run by run, so a shared machine's changing load falls on both alike.
            Map<String, List<Map<String, Double>>> results = new LinkedHashMap<>();
            for (int r = 0; r < runs; r++) {
                for (String e : engines) {
                    Path samples = r == 0 ? tmp.resolve(e + "-" + f + ".npy") : null;
                    results.computeIfAbsent(e, k -> new ArrayList<>()).add(spawn("decode", e, f, samples));
                    if (samples != null) (e.equals("dac4j") ? dac4jSamples : ortSamples).put(f, samples);
                }
            }
            results.forEach((e, list) -> System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |%n",
                    e.equals("ort") ? "ONNX Runtime" : "dac4j", f, range(list, "open_ms"), range(list, "first_ms"),
                    range(list, "warm_ms"), ratioRange(list, "warm_ms"), range(list, "warm_median_ms"), ratioRange(list, "warm_median_ms"),
                    span(list.stream().mapToDouble(m -> m.get("warm_max_ms") / m.get("warm_median_ms")).toArray(), "%.2f")));
            if (results.size() == 2) pairs.add(String.format(Locale.ROOT, "%d frames: dac4j / ONNX Runtime, run by run: warm %s,"
                    + " first decode %s, cold open + first decode %s", f, pairedRatio(results, "warm_ms"),
                    pairedRatio(results, "first_ms"), pairedRatio(results, "open_ms", "first_ms")));
        }
        System.out.println();
        pairs.forEach(System.out::println);
        if (engines.size() == 2 && this.pairs > 0) {
            System.out.println();
            System.out.println("| both engines in one JVM, warm: opened first | frames | pairs | dac4j, median (ms) | ONNX Runtime, median (ms) "
                    + "| dac4j / ONNX Runtime, pair by pair: median | quartiles | range |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
            for (int f : frames) {
                // a JVM each way round: of two decoders in one JVM, the one opened first can run faster (docs/CPU-BACKEND.md)
                for (String first : List.of("dac4j", "ort")) {
                    Map<String, Double> r = spawn("paired", first + "-first", f, null);
                    System.out.printf(Locale.ROOT, "| %s | %d | %d | %.0f | %.0f | %.2f | %.2f-%.2f | %.2f-%.2f |%n",
                            first.equals("ort") ? "ONNX Runtime" : "dac4j", f, this.pairs, r.get("dac4j_ms"), r.get("ort_ms"),
                            r.get("ratio_median"), r.get("ratio_q1"), r.get("ratio_q3"), r.get("ratio_min"), r.get("ratio_max"));
                }
            }
        }
        if (engines.contains("dac4j") && firstAudioFrames > 0) {
            List<Map<String, Double>> results = new ArrayList<>();
            for (int r = 0; r < runs; r++) results.add(spawn("first-audio", "dac4j", firstAudioFrames, null));
            System.out.println();
            System.out.println("| dac4j, time to first audio | open from the file (ms) | first push of " + firstAudioFrames
                    + " frames (ms) | total (ms) | samples out | JVM start to main (ms) |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            System.out.printf(Locale.ROOT, "| %d fresh JVMs | %s | %s | %s | %s | %s |%n", runs, range(results, "open_ms"), range(results, "push_ms"), range(results, "total_ms"),
                    range(results, "samples"), range(results, "jvm_ms"));
        }
        boolean agree = true;
        for (int f : frames) {
            if (!dac4jSamples.containsKey(f) || !ortSamples.containsKey(f)) continue;
            float[][] ours = {Npy.read(dac4jSamples.get(f)).floats()}, peer = {Npy.read(ortSamples.get(f)).floats()};
            double error = OrtDecoder.relativeError(peer, ours);
            System.out.printf(Locale.ROOT, "%n%d frames: ONNX Runtime against dac4j, relative error %.2e (limit %.0e)", f, error,
                    OrtDecodeBenchmark.TOLERANCE);
            agree &= error <= OrtDecodeBenchmark.TOLERANCE;
        }
        System.out.println();
        try (var files = Files.list(tmp)) {
            for (Path p : (Iterable<Path>) files::iterator) Files.delete(p);
        }
        Files.delete(tmp);
        if (!agree) {
            System.err.println("LibraryTimings: the engines' samples differ: is " + onnx + " the export of " + weights + "?");
            return 1;
        }
        return 0;
    }

    /** Runs one measurement in a fresh JVM and returns the figures it printed on its {@code RESULT} line. */
    private Map<String, Double> spawn(String mode, String e, int f, Path samples) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx6g", "-Ddac4j.cpu.threads=" + threads));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), LibraryTimings.class.getName(),
                "--child", mode, "--engine", e, "--frames", Integer.toString(f), "--threads", Integer.toString(threads),
                "--weights", weights.toString(), "--onnx", onnx.toString(), "--pairs", Integer.toString(pairs)));
        if (samples != null) cmd.addAll(List.of("--samples-out", samples.toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, Double> figures = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) figures = parse(line.substring(7));
                else System.err.println(line);
            }
        }
        int code = p.waitFor();
        if (code != 0 || figures == null) throw new IllegalStateException(mode + " " + e + " " + f + " frames: the JVM exited " + code);
        return figures;
    }

    static Map<String, Double> parse(String line) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String kv : line.trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), Double.parseDouble(kv.substring(eq + 1)));
        }
        return m;
    }

    /** {@code "min-max"} of one figure over the runs (one value when they agree to the printed digit). */
    static String range(List<Map<String, Double>> results, String key) {
        return span(results.stream().mapToDouble(m -> m.get(key)).toArray(), "%.0f");
    }

    /** The range over runs of the first decode's time over {@code warmKey}'s. */
    private static String ratioRange(List<Map<String, Double>> results, String warmKey) {
        return span(results.stream().mapToDouble(m -> m.get("first_ms") / m.get(warmKey)).toArray(), "%.2f");
    }

    /** The range over runs of dac4j's figure (the sum of {@code keys}) over ONNX Runtime's in the same run. */
    static String pairedRatio(Map<String, List<Map<String, Double>>> results, String... keys) {
        List<Map<String, Double>> ours = results.get("dac4j"), peer = results.get("ort");
        double[] ratios = new double[ours.size()];
        for (int r = 0; r < ours.size(); r++) {
            double a = 0, b = 0;
            for (String k : keys) {
                a += ours.get(r).get(k);
                b += peer.get(r).get(k);
            }
            ratios[r] = a / b;
        }
        return span(ratios, "%.2f");
    }

    /** {@code "min-max"} of {@code values} in {@code format}, one value when both print alike. */
    private static String span(double[] values, String format) {
        double min = java.util.Arrays.stream(values).min().orElse(Double.NaN), max = java.util.Arrays.stream(values).max().orElse(Double.NaN);
        String lo = String.format(Locale.ROOT, format, min), hi = String.format(Locale.ROOT, format, max);
        return lo.equals(hi) ? lo : lo + "-" + hi;
    }

    /** The CPU model from /proc/cpuinfo, else the OS architecture. */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException ignored) {
            // Not Linux: fall through.
        }
        return System.getProperty("os.arch");
    }

    // ------------------------------------------------------------------------------------ inside a measuring JVM

    private int runChild() throws Exception {
        double jvmMs = ProcessHandle.current().info().startInstant()
                .map(s -> (System.currentTimeMillis() - s.toEpochMilli()) * 1.0).orElse(Double.NaN);
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("jvm_ms", jvmMs);
        if (child.equals("decode") && engine.equals("ort")) ortDecode(figures);
        else if (child.equals("decode")) dac4jDecode(figures);
        else if (child.equals("paired")) paired(figures);
        else if (child.equals("first-audio")) dac4jFirstAudio(figures);
        else throw new IllegalArgumentException("--child: decode or first-audio, got " + child);
        StringBuilder line = new StringBuilder("RESULT");
        figures.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
        System.out.println(line);
        return 0;
    }

    private static double msSince(long start) { return (System.nanoTime() - start) / 1e6; }

    private void dac4jDecode(Map<String, Double> figures) throws Exception {
        long start = System.nanoTime();
        // as a user opens it: from the file, so that the kernels' warm-up runs while the file is read
        try (Decoder decoder = Decoder.open(weights, DecoderOptions.defaults().withDevice("cpu").withStepFrames(0))) {
            figures.put("open_ms", msSince(start));
            System.err.println("dac4j: " + decoder.device());
            int[][][] codes = BenchModels.codes(decoder.config(), 1, frames.get(0), DecodeBenchmark.CODES_SEED);
            timeDecodes(figures, () -> decoder.decode(codes));
        }
    }

    private void ortDecode(Map<String, Double> figures) throws Exception {
        long start = System.nanoTime();
        try (OrtDecoder ort = OrtDecoder.open(onnx, threads)) {
            figures.put("open_ms", msSince(start));
            System.err.println(ort.description());
            int[][][] codes = BenchModels.codes(DacConfig.dac44khz(), 1, frames.get(0), DecodeBenchmark.CODES_SEED);
            timeDecodes(figures, () -> ort.decode(codes));
        }
    }

    /** A decode that may throw ONNX Runtime's checked exception. */
    interface Decode {
        float[][] run() throws Exception;
    }

    /** The first decode, timed; then the best and the median of three more; the first one's samples go to {@code --samples-out}. */
    private void timeDecodes(Map<String, Double> figures, Decode decode) throws Exception {
        long start = System.nanoTime();
        float[][] first = decode.run();
        figures.put("first_ms", msSince(start));
        double[] warm = new double[3];
        for (int i = 0; i < warm.length; i++) warm[i] = time(decode);
        figures.put("warm_ms", quantile(warm, 0));
        figures.put("warm_median_ms", quantile(warm, 0.5));
        figures.put("warm_max_ms", quantile(warm, 1));   // the spread of warm decodes: the first / median ratio's noise
        if (samplesOut != null) Npy.writeFloat32(samplesOut, new long[] {1, 1, first[0].length}, first[0]);
    }

    /**
     * Both engines in this JVM: two untimed decodes each, then {@code pairs} pairs of timed ones, the engines taking
     * turns at going first; each pair's ratio, dac4j over ONNX Runtime.
     */
    private void paired(Map<String, Double> figures) throws Exception {
        int f = frames.get(0);
        boolean ortFirst = engine.equals("ort-first");
        try (OrtDecoder before = ortFirst ? OrtDecoder.open(onnx, threads) : null;
             Decoder decoder = Decoder.open(weights, DecoderOptions.defaults().withDevice("cpu").withStepFrames(0));
             OrtDecoder after = ortFirst ? null : OrtDecoder.open(onnx, threads)) {
            OrtDecoder ort = ortFirst ? before : after;
            System.err.println("paired (" + engine + "): dac4j " + decoder.device() + "; " + ort.description());
            int[][][] codes = BenchModels.codes(decoder.config(), 1, f, DecodeBenchmark.CODES_SEED);
            Decode ours = () -> decoder.decode(codes), peer = () -> ort.decode(codes);
            for (int i = 0; i < 2; i++) {
                ours.run();
                peer.run();
            }
            double[][] ms = timedPairs(ours, peer, pairs);
            double[] oursMs = ms[0], peerMs = ms[1], ratios = new double[pairs];
            for (int i = 0; i < pairs; i++) ratios[i] = oursMs[i] / peerMs[i];
            figures.put("dac4j_ms", quantile(oursMs, 0.5));
            figures.put("ort_ms", quantile(peerMs, 0.5));
            figures.put("ratio_median", quantile(ratios, 0.5));
            figures.put("ratio_q1", quantile(ratios, 0.25));
            figures.put("ratio_q3", quantile(ratios, 0.75));
            figures.put("ratio_min", quantile(ratios, 0));
            figures.put("ratio_max", quantile(ratios, 1));
        }
    }

    /**
     * {@code pairs} pairs of timed runs of {@code a} and {@code b}, measured seconds apart and taking turns at going
     * first (a shared machine's changing load then falls on both alike): {milliseconds of a, of b}, pair by pair.
     */
    static double[][] timedPairs(Decode a, Decode b, int pairs) throws Exception {
        double[][] ms = new double[2][pairs];
        for (int i = 0; i < pairs; i++) {
            boolean aFirst = i % 2 == 0;
            double first = time(aFirst ? a : b), second = time(aFirst ? b : a);
            ms[0][i] = aFirst ? first : second;
            ms[1][i] = aFirst ? second : first;
        }
        return ms;
    }

    private static double time(Decode decode) throws Exception {
        long start = System.nanoTime();
        decode.run();
        return msSince(start);
    }

    /** The {@code q} quantile of {@code values}, interpolating between order statistics. */
    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at), hi = (int) Math.ceil(at);
        return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
    }

    private void dac4jFirstAudio(Map<String, Double> figures) throws Exception {
        long start = System.nanoTime();
        int pushFrames = frames.get(0);
        try (Decoder decoder = Decoder.open(weights, DecoderOptions.defaults().withDevice("cpu").withStepFrames(pushFrames))) {
            figures.put("open_ms", msSince(start));
            int[][][] codes = BenchModels.codes(decoder.config(), 1, pushFrames, DecodeBenchmark.CODES_SEED);
            long pushStart = System.nanoTime();
            float[][] samples;
            try (DecoderStream stream = decoder.stream(1)) {
                samples = stream.push(codes);
                figures.put("push_ms", msSince(pushStart));
                figures.put("total_ms", msSince(start));
            }
            if (samples[0].length == 0) throw new IllegalStateException("the first push of " + pushFrames + " frames gave no samples");
            figures.put("samples", (double) samples[0].length);
        }
    }
}
