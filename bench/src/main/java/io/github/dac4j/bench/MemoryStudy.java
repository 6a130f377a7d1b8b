package io.github.dac4j.bench;

import io.github.dac4j.core.DecodeStats;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.weights.DacConfig;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How much activation memory the decoder needs, and what streaming costs in time:
 *
 * <ol>
 *   <li><b>plan</b> ({@code memory-vs-length.csv/.png}): the planned arena of a 44.1 kHz-shaped model against
 *       audio length, 1 s to 10 min, for whole-sequence decoding (one step of frames + look-ahead) and for
 *       streaming steps of 16, 86 and 256 frames, at fp32 and fp16 element sizes. Computed from
 *       {@code Program.decoder(model).stepFrames(S).activationBytes(bytes).build()} without running anything (no backend workspace).</li>
 *   <li><b>measure</b> ({@code time-vs-step.csv/.png}): real decodes of one short random input on the chosen
 *       device at steps 1, 4, 16, 43, 86, 172 frames and whole, with time and the decode's {@code peak_bytes}.</li>
 *   <li><b>check</b> ({@code length-check.csv}): real decodes of 10 s and 60 s of audio at one fixed step, to show
 *       with measured figures, not only the plan, that {@code peak_bytes} does not grow with the length. On a
 *       slow CPU, {@code --check-config small} runs it on the fixture-sized model (same graph, narrower).</li>
 *   <li><b>sharing</b> ({@code --sharing}, {@code weights-sharing.csv}): the Java heap held by 1, 2, 4 open CPU
 *       decoders of the 44.1 kHz model, all on one loaded model against each on its own model (what opening each
 *       from a path does). Run it alone, with a heap large enough for the unshared case ({@code -Xmx6g}).</li>
 * </ol>
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.github.dac4j.bench.MemoryStudy --out docs/memory [--device cpu] [--precision fp32]
 *      [--seconds 1] [--check-seconds 10,60] [--check-step 86] [--check-config dac44khz|small] [--plan-only] [--replot]
 * java -Xmx6g -cp bench/target/benchmarks.jar io.github.dac4j.bench.MemoryStudy --out docs/memory --sharing
 * </pre>
 * Weights are random with the real shapes ({@link BenchModels}): memory and time do not depend on their values.
 */
public final class MemoryStudy {
    /** Audio lengths of the plan study, in seconds: 1 s to 10 min. */
    static final double[] LENGTHS = {1, 2, 5, 10, 20, 30, 60, 120, 300, 600};
    /** Streaming step sizes of the plan study, in frames (86 frames = 1 s at 44.1 kHz). */
    static final int[] STREAM_STEPS = {16, 86, 256};
    /** Step sizes of the measured study; 0 stands for the whole sequence in one step. */
    static final int[] MEASURED_STEPS = {1, 4, 16, 43, 86, 172, 0};

    /** Columns of {@code memory-vs-length.csv}. */
    static final String PLAN_HEADER = "seconds,frames,mode,step_frames,precision,element_bytes,arena_bytes,live_bytes";
    /** Columns of {@code time-vs-step.csv}. */
    static final String MEASURE_HEADER = "step,step_frames,seconds,frames,device,precision,decode_ms,realtime_factor,peak_bytes,arena_bytes";
    /** Columns of {@code weights-sharing.csv}. */
    static final String SHARING_HEADER = "models,decoders,heap_bytes,heap_bytes_per_decoder,weight_bytes,arena_bytes";
    /** Decoder counts of the sharing study. */
    static final int[] SHARING_COUNTS = {1, 2, 4};

    /** Columns of {@code length-check.csv}. */
    static final String CHECK_HEADER = "config,seconds,frames,step_frames,device,precision,decode_ms,peak_bytes,arena_bytes,finite";

    private MemoryStudy() {}

    /** One point of the plan study. {@code mode} is {@code whole} or {@code stream}. */
    record PlanRow(double seconds, long frames, String mode, int stepFrames, Precision precision, long arenaBytes, long liveBytes) {
        String csv() {
            return String.format(Locale.ROOT, "%s,%d,%s,%d,%s,%d,%d,%d", num(seconds), frames, mode, stepFrames, precision,
                    precision.bytes(), arenaBytes, liveBytes);
        }
    }

    /** One measured decode. {@code stepFrames} is the step actually used (frames + look-ahead for whole). */
    record Measured(String step, int stepFrames, double seconds, long frames, String device, Precision precision,
                    double decodeMs, long peakBytes, long arenaBytes, boolean finite) {}

    /**
     * Runs the studies the options select (see the class comment), writing CSV and PNG files under {@code --out}.
     * Exits with status 1 when the length check fails (peak or arena bytes differ, or a sample is not finite),
     * 2 on a usage error.
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Map<String, String> a = parse(args);
        Path out = Path.of(require(a, "out"));
        String device = a.getOrDefault("device", "cpu");
        Precision precision = a.containsKey("precision") ? Precision.parse(a.get("precision")) : null;
        double seconds = Double.parseDouble(a.getOrDefault("seconds", "1"));
        double[] checkSeconds = Arrays.stream(a.getOrDefault("check-seconds", "10,60").split(",")).mapToDouble(Double::parseDouble).toArray();
        int checkStep = Integer.parseInt(a.getOrDefault("check-step", "86"));
        String checkConfig = a.getOrDefault("check-config", "dac44khz");
        Files.createDirectories(out);
        if (a.containsKey("replot")) {
            stepCharts(readMeasured(out.resolve("time-vs-step.csv")), out);
            System.out.println("redrew the step charts from " + out.resolve("time-vs-step.csv"));
            return;
        }

        DacConfig config = DacConfig.dac44khz();
        if (a.containsKey("encoder")) {
            encoderCheck(device, precision, checkSeconds, checkStep, out.resolve("encoder-check.csv"));
            return;
        }
        if (a.containsKey("sharing")) {
            List<String> rows = new ArrayList<>();
            for (boolean shared : new boolean[] {true, false}) for (int n : SHARING_COUNTS) rows.add(heldBy(config, n, shared));
            writeLines(out.resolve("weights-sharing.csv"), SHARING_HEADER, rows);
            System.out.println("wrote " + out.resolve("weights-sharing.csv"));
            return;
        }
        long t0 = System.nanoTime();
        DacModel model = BenchModels.random(config, 2026);
        System.out.printf(Locale.ROOT, "model: %s, %,d parameters, random weights (%.1f s to build)%n", config, model.parameters(),
                (System.nanoTime() - t0) / 1e9);

        List<PlanRow> plan = planStudy(model, LENGTHS, STREAM_STEPS, new Precision[] {Precision.FP32, Precision.FP16});
        writePlanCsv(plan, out.resolve("memory-vs-length.csv"));
        planChart(plan, out.resolve("memory-vs-length.png"));
        System.out.println("wrote " + out.resolve("memory-vs-length.csv") + " and .png");
        if (a.containsKey("plan-only")) return;

        List<Measured> measured = measureSteps(model, device, precision, seconds);
        writeLines(out.resolve("time-vs-step.csv"), MEASURE_HEADER, measured.stream().map(m -> String.format(Locale.ROOT,
                "%s,%d,%s,%d,%s,%s,%.1f,%.4f,%d,%d", m.step, m.stepFrames, num(m.seconds), m.frames, m.device, m.precision,
                m.decodeMs, m.seconds / (m.decodeMs / 1000), m.peakBytes, m.arenaBytes)).toList());
        stepCharts(measured, out);
        System.out.println("wrote " + out.resolve("time-vs-step.csv") + " and .png");

        // The check decodes minutes of audio: on a slow CPU, --check-config small runs it on a fixture-sized model.
        if (!List.of("dac44khz", "dac24khz", "dac16khz", "small").contains(checkConfig)) {
            usage("--check-config must be dac44khz, dac24khz, dac16khz or small, got '" + checkConfig + "'");
        }
        DacModel checkModel = checkConfig.equals("dac44khz") ? model : BenchModels.random(DacConfig.preset(checkConfig), 2026);
        System.out.println("length check on the " + checkConfig + " model: " + checkModel.config());
        List<Measured> check = new ArrayList<>();
        for (double s : checkSeconds) check.add(decode(checkModel, device, precision, checkStep, s, String.valueOf(checkStep)));
        writeLines(out.resolve(checkConfig.equals("dac44khz") ? "length-check.csv" : "length-check-" + checkConfig + ".csv"), CHECK_HEADER, check.stream().map(m -> String.format(Locale.ROOT,
                "%s,%s,%d,%d,%s,%s,%.1f,%d,%d,%s", checkConfig, num(m.seconds), m.frames, m.stepFrames, m.device, m.precision,
                m.decodeMs, m.peakBytes, m.arenaBytes, m.finite)).toList());
        boolean same = check.stream().mapToLong(Measured::peakBytes).distinct().count() == 1
                && check.stream().mapToLong(Measured::arenaBytes).distinct().count() == 1;
        System.out.println((same ? "OK" : "FAILED") + ": peak_bytes at a " + checkStep + "-frame step for "
                + Arrays.toString(checkSeconds) + " s: " + check.stream().map(m -> String.valueOf(m.peakBytes)).toList());
        if (!same || check.stream().anyMatch(m -> !m.finite)) System.exit(1);
    }

    /**
     * The plan study: for each length and element size, the arena of a whole-sequence step and of each streaming
     * step. Nothing runs: these are the planner's figures.
     */
    static List<PlanRow> planStudy(DacModel model, double[] lengths, int[] streamSteps, Precision[] precisions) {
        DacConfig c = model.config();
        List<PlanRow> rows = new ArrayList<>();
        for (Precision p : precisions) {
            int lookahead = Decoder.lookaheadFrames(model);
            Map<Integer, MemoryPlan> streaming = new LinkedHashMap<>();
            for (int s : streamSteps) streaming.put(s, plan(model, s, p));
            for (double seconds : lengths) {
                long frames = framesFor(c, seconds);
                int whole = Math.toIntExact(frames + lookahead);
                var wp = plan(model, whole, p);
                rows.add(new PlanRow(seconds, frames, "whole", whole, p, wp.arenaBytes(), wp.liveBytes()));
                for (var e : streaming.entrySet()) {
                    var sp = e.getValue();
                    rows.add(new PlanRow(seconds, frames, "stream", e.getKey(), p, sp.arenaBytes(), sp.liveBytes()));
                }
            }
        }
        return rows;
    }

    /** The plan of one stream's step of {@code stepFrames} frames, without backend scratch. */
    private static MemoryPlan plan(DacModel model, int stepFrames, Precision p) {
        return Program.decoder(model).stepFrames(stepFrames).activationBytes(p.bytes()).build().plan();
    }

    static void writePlanCsv(List<PlanRow> rows, Path file) throws IOException {
        writeLines(file, PLAN_HEADER, rows.stream().map(PlanRow::csv).toList());
    }

    /** Code frames for {@code seconds} of audio: whole frames, rounded up. */
    static long framesFor(DacConfig c, double seconds) {
        return (long) Math.ceil(seconds * c.sampleRate() / c.hop() - 1e-9);
    }

    /** Decodes one random input of {@code seconds} at each step size, after one unmeasured warm-up decode. */
    static List<Measured> measureSteps(DacModel model, String device, Precision precision, double seconds) {
        // Warm-up: 16 frames let the JIT compile the kernels before the first measured decode.
        decode(model, device, precision, 16, 16.0 * model.config().hop() / model.config().sampleRate(), "warm-up");
        List<Measured> list = new ArrayList<>();
        for (int step : MEASURED_STEPS) {
            Measured m = decode(model, device, precision, step, seconds, step == 0 ? "whole" : String.valueOf(step));
            if (!m.finite) throw new IllegalStateException("decode at step " + m.step + " gave a non-finite sample");
            list.add(m);
        }
        return list;
    }

    /** One real decode of random codes of {@code seconds} at {@code step} frames (0: whole), with its stats. */
    static Measured decode(DacModel model, String device, Precision precision, int step, double seconds, String label) {
        DacConfig c = model.config();
        int frames = Math.toIntExact(framesFor(c, seconds));
        int[][][] codes = BenchModels.codes(c, 1, frames, 42);
        DecoderOptions options = DecoderOptions.defaults().withDevice(device).withPrecision(precision).withStepFrames(step);
        try (Decoder d = Decoder.open(model, options)) {
            float[][] samples = d.decode(codes);
            DecodeStats s = d.lastStats();
            boolean finite = true;
            for (float v : samples[0]) if (!Float.isFinite(v)) { finite = false; break; }
            System.out.printf(Locale.ROOT, "%-8s step %6d frames, %6.2f s of audio: %9.1f ms (%.3fx real time), peak %,d bytes, arena %,d bytes%s%n",
                    label, s.stepFrames(), seconds, s.decodeMs(), seconds / (s.decodeMs() / 1000), s.plannedArenaBytes(), s.arenaBytes(),
                    finite ? "" : " NON-FINITE");
            return new Measured(label, s.stepFrames(), seconds, frames, s.backend(), s.precision(), s.decodeMs(), s.plannedArenaBytes(),
                    s.arenaBytes(), finite);
        }
    }

    /**
     * The heap held by {@code n} open CPU decoders (86-frame steps, arenas allocated) and their models: on one
     * shared model, or each on a model of its own. One CSV row of {@link #SHARING_HEADER}.
     */
    static String heldBy(DacConfig config, int n, boolean shared) {
        long before = usedHeap();
        List<DacModel> models = new ArrayList<>();
        List<Decoder> decoders = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                if (models.isEmpty() || !shared) models.add(BenchModels.random(config, 2026 + models.size()));
                decoders.add(Decoder.open(models.get(models.size() - 1), DecoderOptions.defaults().withDevice("cpu")));
            }
            long held = usedHeap() - before;
            Decoder last = decoders.get(n - 1);
            String row = String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d", shared ? "one" : "one_per_decoder", n, held, held / n,
                    last.backend().weightBytes(), last.backend().arenaBytes());
            System.out.printf(Locale.ROOT, "%d decoder(s) on %s: heap %,d bytes (%,d per decoder)%n", n,
                    shared ? "one shared model" : "a model each", held, held / n);
            return row;
        } finally {
            decoders.forEach(Decoder::close);
        }
    }

    /** Heap in use after collections: the old generation settles within a few {@code System.gc()} calls. */
    private static long usedHeap() {
        Runtime r = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, r.totalMemory() - r.freeMemory());
        }
        return used;
    }

    // ---- charts --------------------------------------------------------------------------------------------

    private static final Color[] COLORS = {new Color(0xC0392B), new Color(0x2471A3), new Color(0x229954), new Color(0x7D3C98)};

    static void planChart(List<PlanRow> rows, Path png) {
        XYChart chart = new XYChartBuilder().width(1000).height(620)
                .title("DAC 44.1 kHz decoder: planned activation arena vs audio length (batch 1)")
                .xAxisTitle("audio length (s, log scale)").yAxisTitle("arena (MiB, log scale)").build();
        style(chart);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        List<String> modes = new ArrayList<>();
        modes.add("whole");
        for (PlanRow r : rows) if (r.mode.equals("stream") && !modes.contains("stream " + r.stepFrames)) modes.add("stream " + r.stepFrames);
        for (Precision p : rows.stream().map(PlanRow::precision).distinct().toList()) {
            for (int m = 0; m < modes.size(); m++) {
                String mode = modes.get(m);
                List<PlanRow> series = rows.stream().filter(r -> r.precision == p
                        && (mode.equals("whole") ? r.mode.equals("whole") : r.mode.equals("stream") && mode.equals("stream " + r.stepFrames))).toList();
                String name = (mode.equals("whole") ? "whole sequence" : "streaming, " + mode.substring(7) + "-frame steps") + ", " + p;
                XYSeries s = chart.addSeries(name, series.stream().mapToDouble(PlanRow::seconds).toArray(),
                        series.stream().mapToDouble(r -> r.arenaBytes / 1048576.0).toArray());
                s.setLineColor(COLORS[m % COLORS.length]);
                s.setMarkerColor(COLORS[m % COLORS.length]);
                s.setMarker(p == Precision.FP32 ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
                s.setLineStyle(p == Precision.FP32 ? SeriesLines.SOLID : SeriesLines.DASH_DASH);
            }
        }
        save(chart, png);
    }

    /**
     * Two charts of the measured decodes against step size: time (linear seconds) and peak_bytes (log MiB).
     * The whole-sequence decode is its own series: its step (frames + look-ahead) can lie between streaming steps.
     */
    static void stepCharts(List<Measured> rows, Path dir) {
        Measured any = rows.get(0);
        String what = String.format(Locale.ROOT, "%s s of audio, %s %s", num(any.seconds), any.device, any.precision);
        List<Measured> streaming = rows.stream().filter(r -> !r.step.equals("whole"))
                .sorted(java.util.Comparator.comparingInt(Measured::stepFrames)).toList();
        List<Measured> whole = rows.stream().filter(r -> r.step.equals("whole")).toList();

        XYChart time = new XYChartBuilder().width(1000).height(560)
                .title("Decode time vs step size (" + what + ")")
                .xAxisTitle("step (code frames, log scale)").yAxisTitle("decode time (s)").build();
        style(time);
        time.getStyler().setXAxisLogarithmic(true);
        time.getStyler().setYAxisMin(0.0);
        time.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
        addStepSeries(time, "streaming steps", streaming, m -> m.decodeMs / 1000, COLORS[1], true);
        if (!whole.isEmpty()) addStepSeries(time, "whole sequence in one step", whole, m -> m.decodeMs / 1000, COLORS[0], false);
        save(time, dir.resolve("time-vs-step.png"));

        XYChart mem = new XYChartBuilder().width(1000).height(560)
                .title("Peak activation bytes vs step size (" + what + ", measured decodes)")
                .xAxisTitle("step (code frames, log scale)").yAxisTitle("peak_bytes (MiB, log scale)").build();
        style(mem);
        mem.getStyler().setXAxisLogarithmic(true);
        mem.getStyler().setYAxisLogarithmic(true);
        mem.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        addStepSeries(mem, "streaming steps", streaming, m -> m.peakBytes / 1048576.0, COLORS[1], true);
        if (!whole.isEmpty()) addStepSeries(mem, "whole sequence in one step", whole, m -> m.peakBytes / 1048576.0, COLORS[0], false);
        save(mem, dir.resolve("peak-vs-step.png"));
    }

    private static void addStepSeries(XYChart chart, String name, List<Measured> rows, java.util.function.ToDoubleFunction<Measured> y,
                                      Color color, boolean line) {
        XYSeries s = chart.addSeries(name, rows.stream().mapToDouble(Measured::stepFrames).toArray(), rows.stream().mapToDouble(y).toArray());
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setMarker(line ? SeriesMarkers.CIRCLE : SeriesMarkers.DIAMOND);
        s.setLineStyle(line ? SeriesLines.SOLID : SeriesLines.NONE);
    }

    /** Reads back {@code time-vs-step.csv}, to redraw its charts without decoding again ({@code --replot}). */
    static List<Measured> readMeasured(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        if (lines.isEmpty() || !lines.get(0).equals(MEASURE_HEADER)) {
            throw new IOException(csv + ": not a time-vs-step.csv (header must be " + MEASURE_HEADER + ")");
        }
        List<Measured> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            rows.add(new Measured(f[0], Integer.parseInt(f[1]), Double.parseDouble(f[2]), Long.parseLong(f[3]), f[4],
                    Precision.parse(f[5]), Double.parseDouble(f[6]), Long.parseLong(f[8]), Long.parseLong(f[9]), true));
        }
        return rows;
    }

    private static void style(XYChart chart) {
        var s = chart.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotGridLinesColor(new Color(0xDDDDDD));
        s.setLegendBorderColor(new Color(0xBBBBBB));
        s.setDecimalPattern("#,##0.##");
        s.setAntiAlias(true);
    }

    private static void save(XYChart chart, Path png) {
        try {
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
        }
    }

    static final String ENCODER_HEADER = "seconds,frames,step_frames,device,precision,encode_ms,encode_realtime,decode_ms,decode_realtime,"
            + "planned_arena_bytes,arena_bytes,finite";

    /**
     * The encoder's length check: a random 44.1 kHz model with encoder encodes {@code seconds} of band-limited noise
     * at a fixed step, then decodes the codes at the same step, in one run: the planned and held arena (the same for
     * every length) and encode against decode time per second of audio.
     */
    static void encoderCheck(String device, Precision precision, double[] seconds, int step, Path csv) throws Exception {
        DacConfig c = DacConfig.dac44khz();
        var checkpoint = io.github.dac4j.weights.DacSynth.checkpointWithEncoder(c, 2026);
        DacModel model = DacModel.load(checkpoint);
        var encoderModel = io.github.dac4j.core.model.EncoderModel.load(checkpoint, model.quantizer());
        var options = io.github.dac4j.core.EncoderOptions.defaults().withDevice(device).withPrecision(precision).withStepFrames(step);
        List<String> rows = new ArrayList<>();
        java.util.Set<Long> arenas = new java.util.HashSet<>();
        boolean allFinite = true;
        for (double s : seconds) {
            float[] audio = new float[(int) Math.round(s * c.sampleRate())];
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
            float smooth = 0;
            for (int i = 0; i < audio.length; i++) {
                smooth = 0.9f * smooth + 0.1f * (float) (rnd.nextDouble() * 2 - 1);
                audio[i] = 0.5f * smooth;
            }
            try (var encoder = io.github.dac4j.core.Encoder.open(encoderModel, options);
                 Decoder decoder = Decoder.open(model, DecoderOptions.defaults().withDevice(device).withPrecision(precision).withStepFrames(step))) {
                encoder.encode(new float[][] {java.util.Arrays.copyOf(audio, c.hop() * 16)});   // warm-up
                long t = System.nanoTime();
                var e = encoder.encode(new float[][] {audio});
                double encodeMs = (System.nanoTime() - t) / 1e6;
                boolean finite = true;
                for (float[] row : e.latents()[0]) for (float v : row) finite &= Float.isFinite(v);
                decoder.decode(new int[][][] {java.util.Arrays.stream(e.codes()[0]).map(r -> java.util.Arrays.copyOf(r, 16)).toArray(int[][]::new)});
                t = System.nanoTime();
                decoder.decode(e.codes());
                double decodeMs = (System.nanoTime() - t) / 1e6;
                long planned = encoder.plan().arenaBytes(), held = encoder.backend().arenaBytes();
                arenas.add(planned);
                arenas.add(-held);
                allFinite &= finite;
                String row = String.format(Locale.ROOT, "%s,%d,%d,%s,%s,%.1f,%.4f,%.1f,%.4f,%d,%d,%s", num(s), e.frames(0), step,
                        encoder.backendName(), precision == null ? "" : precision, encodeMs, s / (encodeMs / 1000), decodeMs,
                        s / (decodeMs / 1000), planned, held, finite);
                System.out.println(row);
                rows.add(row);
            }
        }
        writeLines(csv, ENCODER_HEADER, rows);
        boolean same = arenas.size() == 2;
        System.out.println((same ? "OK" : "FAILED") + ": the encoder's arena at a " + step + "-frame step is the same for "
                + Arrays.toString(seconds) + " s; wrote " + csv);
        if (!same || !allFinite) System.exit(1);
    }

    // ---- plumbing ------------------------------------------------------------------------------------------

    private static void writeLines(Path file, String header, List<String> lines) throws IOException {
        try (PrintStream ps = new PrintStream(Files.newOutputStream(file), false, "UTF-8")) {
            ps.println(header);
            for (String l : lines) ps.println(l);
        }
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String k = args[i];
            if (!k.startsWith("--")) usage("unexpected argument '" + k + "'");
            k = k.substring(2);
            if (k.equals("plan-only") || k.equals("replot") || k.equals("sharing") || k.equals("encoder")) { m.put(k, "true"); continue; }
            if (!List.of("out", "device", "precision", "seconds", "check-seconds", "check-step", "check-config").contains(k)) usage("unknown option --" + k);
            if (i + 1 >= args.length) usage("--" + k + " needs a value");
            m.put(k, args[++i]);
        }
        return m;
    }

    private static String require(Map<String, String> a, String key) {
        if (!a.containsKey(key)) usage("--" + key + " is required");
        return a.get(key);
    }

    private static void usage(String problem) {
        System.err.println("MemoryStudy: " + problem);
        System.err.println("usage: MemoryStudy --out DIR [--device cpu|cuda|auto] [--precision fp32|fp16] [--seconds 2]"
                + " [--check-seconds 10,60] [--check-step 86] [--check-config dac44khz|dac24khz|dac16khz|small] [--plan-only] [--replot] [--sharing]"
                + " [--encoder]");
        System.exit(2);
    }
}
