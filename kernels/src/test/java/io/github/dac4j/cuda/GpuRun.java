package io.github.dac4j.cuda;

import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DType;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.weights.Layout;
import io.github.dac4j.weights.ModelFiles;
import io.github.dac4j.weights.Npy;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Java side of the one-shot GPU run ({@code scripts/gpu/run-all.sh}), one JVM per subcommand, every result a row
 * of a CSV ({@code stage,impl,precision,mode,audio_s,batch,metric,value,unit,note}, appended and flushed row by row,
 * so a run stopped at its time limit keeps what it measured):
 * <ul>
 *   <li>{@code prepare dir=D ref_seconds=3 peer_seconds=1,10,30}: the random-weight 44.1 kHz checkpoint (folded
 *       {@code .weight} names, encoder and {@code in_proj} included, as transformers' {@code DacModel} loads it) with
 *       its {@code config.json}, and int64 codes files ({@code codes-ref.npy}, {@code codes-<s>s.npy}) that the
 *       PyTorch peer decodes too. No GPU needed.</li>
 *   <li>{@code bench dir=D csv=F seconds=1,10,30,60 batches=1,8 deadline_s=N}: decode time with the public
 *       {@link Decoder} API on the CUDA backend, fp16 and fp32, whole sequences and 86-frame steps, after a warm-up
 *       decode; synchronised wall time ({@code decodeInto} returns host samples).</li>
 *   <li>{@code memory dir=D csv=F cycles=100 deadline_s=N}: free device memory before and after, the arena against
 *       {@link CudaBackend#requiredArenaBytes} and the plan, open/decode/close cycles, weight sharing.</li>
 *   <li>{@code decode dir=D codes=F out=DIR device=cuda|cpu}: the reference codes decoded fp16/fp32, whole and in
 *       86-frame steps, written as float32 {@code .npy} for the comparison with the float64 reference.</li>
 * </ul>
 * A subcommand that needs a GPU where there is none prints why and exits with status 3 (the stage is "skipped").
 */
public final class GpuRun {
    private GpuRun() {}

    static final long MODEL_SEED = 2026, CODES_SEED = 15;
    static final int STEP_FRAMES = DecoderOptions.DEFAULT_STEP_FRAMES;
    static final int NO_GPU = 3;

    /** Runs one subcommand; see the class comment. */
    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: GpuRun prepare|bench|memory|decode key=value...");
            System.exit(2);
        }
        Map<String, String> a = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq < 1) throw new IllegalArgumentException("expected key=value, got " + args[i]);
            a.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Path dir = Path.of(a.getOrDefault("dir", "."));
        long deadline = System.nanoTime() + (long) (Double.parseDouble(a.getOrDefault("deadline_s", "600")) * 1e9);
        switch (args[0]) {
            case "prepare" -> prepare(dir, DacConfig.preset(a.getOrDefault("preset", "44khz")), Double.parseDouble(a.getOrDefault("ref_seconds", "3")),
                    doubles(a.getOrDefault("peer_seconds", "1,10,30")));
            case "bench" -> {
                String device = a.getOrDefault("device", "cuda");
                if (device.equals("cuda")) requireGpu();
                try (Csv csv = new Csv(Path.of(a.get("csv")))) {
                    bench(dir, csv, device, doubles(a.getOrDefault("seconds", "1,10,30,60")), ints(a.getOrDefault("batches", "1,8")), deadline);
                }
            }
            case "memory" -> {
                requireGpu();
                try (Csv csv = new Csv(Path.of(a.get("csv")))) {
                    memory(dir, csv, Integer.parseInt(a.getOrDefault("cycles", "100")), deadline);
                }
            }
            case "decode" -> {
                String device = a.getOrDefault("device", "cuda");
                if (device.equals("cuda")) requireGpu();
                decode(dir, Path.of(a.get("codes")), Path.of(a.get("out")), device);
            }
            default -> {
                System.err.println("unknown subcommand " + args[0]);
                System.exit(2);
            }
        }
    }

    private static void requireGpu() {
        var reason = new CudaBackendProvider().unavailableReason();
        if (reason.isPresent()) {
            System.out.println("skipped: no GPU: " + reason.get());
            System.exit(NO_GPU);
        }
    }

    // ------------------------------------------------------------------ prepare

    /** Frames of about {@code seconds} of audio at the model's rate (86 per second at 44.1 kHz). */
    static int frames(DacConfig c, double seconds) {
        return Math.max(1, (int) Math.round(seconds * c.sampleRate() / c.hop()));
    }


    static void prepare(Path dir, DacConfig c, double refSeconds, double[] peerSeconds) throws IOException {
        Files.createDirectories(dir);
        Path weights = dir.resolve(ModelFiles.WEIGHTS_NAME);
        long t0 = System.nanoTime();
        if (!Files.isRegularFile(weights)) {
            DacSynth.write(c, MODEL_SEED, DType.F32, Layout.FOLDED, true, weights);
            DacSynth.writeConfigJson(c, DType.F32, dir.resolve(ModelFiles.CONFIG_NAME));
        }
        System.out.printf(Locale.ROOT, "checkpoint %s: %.1f MB (seed %d, folded, with encoder), %.1f s%n", weights,
                Files.size(weights) / 1e6, MODEL_SEED, (System.nanoTime() - t0) / 1e9);
        writeCodes(c, dir.resolve("codes-ref.npy"), 1, frames(c, refSeconds), CODES_SEED);
        for (double s : peerSeconds) writeCodes(c, dir.resolve(String.format(Locale.ROOT, "codes-%ss.npy", trim(s))), 1, frames(c, s), CODES_SEED + 1);
    }

    private static void writeCodes(DacConfig c, Path file, int streams, int frames, long seed) throws IOException {
        int[][][] codes = DacSynth.codes(c, streams, c.nCodebooks(), frames, seed);
        long[] flat = new long[streams * c.nCodebooks() * frames];
        int i = 0;
        for (int[][] s : codes) for (int[] row : s) for (int v : row) flat[i++] = v;
        Npy.writeInt64(file, new long[] {streams, c.nCodebooks(), frames}, flat);
        System.out.printf(Locale.ROOT, "codes %s: [%d, %d, %d]%n", file.getFileName(), streams, c.nCodebooks(), frames);
    }

    // ------------------------------------------------------------------ bench

    static DecoderOptions cuda(Precision p) { return on("cuda", p); }

    static DecoderOptions on(String device, Precision p) { return DecoderOptions.defaults().withDevice(device).withPrecision(p); }

    /** The device's primary context, retained for the whole run so that cuMemGetInfo sees one context throughout. */
    static final class Context implements AutoCloseable {
        final CUdevice device = new CUdevice();
        final CUcontext context = new CUcontext();

        Context() {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            JCudaDriver.cuDeviceGet(device, 0);
            JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
            JCudaDriver.cuCtxSetCurrent(context);
        }

        /** Free device memory, bytes; 0 without a context (the CPU backend, in tests of this harness). */
        static long free(Context ctx) { return ctx == null ? 0 : ctx.free(); }

        /** Free device memory, bytes. */
        long free() {
            JCudaDriver.cuCtxSetCurrent(context);
            long[] free = new long[1], total = new long[1];
            JCudaDriver.cuMemGetInfo(free, total);
            return free[0];
        }

        @Override public void close() { JCudaDriver.cuDevicePrimaryCtxRelease(device); }
    }

    /**
     * Every configuration, most wanted first, so that a run cut short by its deadline still has them: 30 s at batch
     * 1 (the table against the PyTorch peer), then the other lengths at batch 1, then the larger batches; within each,
     * fp16 and fp32, whole and in 86-frame steps.
     */
    static void bench(Path dir, Csv csv, String device, double[] seconds, int[] batches, long deadline) throws Exception {
        DacModel model = DacModel.load(DacCheckpoint.load(dir));
        DacConfig c = model.config();
        boolean gpu = device.equals("cuda");
        Precision[] precisions = gpu ? new Precision[] {Precision.FP16, Precision.FP32} : new Precision[] {Precision.FP32};
        List<double[]> order = new ArrayList<>();   // {seconds, batch}
        for (int b : batches) {
            for (double sec : seconds) if (sec == 30 && b == batches[0]) order.add(new double[] {sec, b});
            for (double sec : seconds) if (sec != 30 || b != batches[0]) order.add(new double[] {sec, b});
        }
        Map<String, String> lastError = new HashMap<>();
        Map<String, Integer> repeated = new HashMap<>();
        List<Decoder> holders = new ArrayList<>();
        try (Context ctx = gpu ? new Context() : null) {
            try {
                // a decoder held open per precision keeps its device weights resident (shared per context and model):
                // each configuration then measures its own arena and time, not a weight upload
                for (Precision p : precisions) {
                    try {
                        Decoder holder = Decoder.open(model, on(device, p).withStepFrames(STEP_FRAMES));
                        holders.add(holder);
                        csv.row("bench", "dac4j", p, "", 0, 1, "weight_bytes", holder.backend().weightBytes(), "B", holder.device());
                    } catch (RuntimeException e) {
                        csv.row("bench", "dac4j", p, "", 0, 1, "error", 0, "", "opening the weight holder: " + e.getClass().getSimpleName()
                                + ": " + CudaProbe.oneLine(e));
                    }
                }
                for (double[] config : order) {
                    for (Precision p : precisions) {
                        for (boolean whole : new boolean[] {true, false}) {
                            String mode = whole ? "whole" : "steps" + STEP_FRAMES, group = p + mode;
                            double sec = config[0];
                            int b = (int) config[1];
                            if (System.nanoTime() > deadline) {
                                csv.row("bench", "dac4j", p, mode, sec, b, "not_run", 0, "", "stage deadline reached");
                            } else if (repeated.getOrDefault(group, 0) >= 2) {
                                csv.row("bench", "dac4j", p, mode, sec, b, "not_run", 0, "", "skipped after the same error twice");
                            } else {
                                String error = benchOne(ctx, csv, model, c, device, p, whole, mode, sec, b, deadline);
                                repeated.put(group, error == null ? 0 : error.equals(lastError.get(group)) ? repeated.getOrDefault(group, 0) + 1 : 1);
                                lastError.put(group, error);
                            }
                        }
                    }
                }
            } finally {
                for (Decoder h : holders) h.close();
            }
        }
    }

    /** One configuration: warm-up, then timed decodes. Returns the error's one-line message, or null. */
    private static String benchOne(Context ctx, Csv csv, DacModel model, DacConfig c, String device, Precision p, boolean whole,
                                   String mode, double s, int b, long deadline) {
        int frames = frames(c, s);
        double audio = (double) frames * c.hop() / c.sampleRate();
        DecoderOptions options = on(device, p).withBatch(b).withStepFrames(whole ? 0 : STEP_FRAMES);
        long required = CudaBackend.requiredArenaBytes(model, options, frames);
        long free0 = Context.free(ctx);
        if (ctx != null && required > free0 - (1L << 30)) {
            csv.row("bench", "dac4j", p, mode, audio, b, "not_run", required, "B",
                    String.format(Locale.ROOT, "arena %.1f GiB > free %.1f GiB - 1 GiB", required / 1073741824.0, free0 / 1073741824.0));
            return null;
        }
        int[][][] codes = DacSynth.codes(c, b, c.nCodebooks(), frames, CODES_SEED + b);
        try (Decoder d = Decoder.open(model, options)) {
            float[][] out = new float[b][(int) d.samples(frames)];
            long t = System.nanoTime();
            d.decodeInto(codes, out, null);   // allocates the arena and chooses each shape's cuDNN algorithm
            double warm = (System.nanoTime() - t) / 1e6;
            long held = free0 - Context.free(ctx);
            List<Double> ms = new ArrayList<>();
            double total = 0;
            // at least two timed decodes and one second, at most ten or three seconds (then one is enough)
            while ((total < 1000 || ms.size() < 2) && ms.size() < 10 && total < 3000 && System.nanoTime() < deadline) {
                t = System.nanoTime();
                d.decodeInto(codes, out, null);
                double one = (System.nanoTime() - t) / 1e6;
                ms.add(one);
                total += one;
            }
            boolean finite = true;
            for (float[] o : out) for (float v : o) if (!Float.isFinite(v)) { finite = false; break; }
            String note = finite ? "" : "NON-FINITE SAMPLES";
            csv.row("bench", "dac4j", p, mode, audio, b, "warmup_ms", warm, "ms", note);
            if (!ms.isEmpty()) {
                double[] sorted = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                double median = sorted[sorted.length / 2];
                csv.row("bench", "dac4j", p, mode, audio, b, "median_ms", median, "ms", sorted.length + " timed decodes");
                csv.row("bench", "dac4j", p, mode, audio, b, "min_ms", sorted[0], "ms", "");
                csv.row("bench", "dac4j", p, mode, audio, b, "ms_per_audio_s", median / (audio * b), "ms", "median time / (seconds x batch)");
                csv.row("bench", "dac4j", p, mode, audio, b, "x_realtime", audio * b * 1000 / median, "x", "");
            }
            csv.row("bench", "dac4j", p, mode, audio, b, "arena_bytes", d.backend().arenaBytes(), "B", "CUDA plan " + required);
            if (ctx != null) {
                csv.row("bench", "dac4j", p, mode, audio, b, "device_bytes", held, "B",
                        "cuMemGetInfo: free before open - free after the first decode (weights already resident)");
            }
            System.out.printf(Locale.ROOT, "bench %s %-8s %5.1f s x%d: warm-up %.0f ms, median %s, arena %.1f MiB %s%n", p, mode, audio, b, warm,
                    ms.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f ms", ms.stream().mapToDouble(Double::doubleValue).sorted().toArray()[ms.size() / 2]),
                    d.backend().arenaBytes() / 1048576.0, note);
            return null;
        } catch (RuntimeException | OutOfMemoryError e) {
            String line = CudaProbe.oneLine(e);
            csv.row("bench", "dac4j", p, mode, audio, b, "error", 0, "", e.getClass().getSimpleName() + ": " + line);
            System.out.printf(Locale.ROOT, "bench %s %s %.1f s x%d: %s: %s%n", p, mode, audio, b, e.getClass().getSimpleName(), line);
            return line;
        }
    }

    // ------------------------------------------------------------------ memory

    static void memory(Path dir, Csv csv, int cycles, long deadline) throws Exception {
        DacModel model = DacModel.load(DacCheckpoint.load(dir));
        DacConfig c = model.config();
        int[][][] second = DacSynth.codes(c, 1, c.nCodebooks(), frames(c, 1), CODES_SEED);
        int[][][] minute = DacSynth.codes(c, 1, c.nCodebooks(), frames(c, 60), CODES_SEED);
        try (Context ctx = new Context()) {
            long base = ctx.free();
            csv.row("memory", "dac4j", null, "", 0, 1, "free_at_start", base, "B", "primary context retained, nothing allocated");
            for (Precision p : Precision.values()) {
                for (int batch : new int[] {1, 8}) {
                    DecoderOptions options = cuda(p).withBatch(batch).withStepFrames(STEP_FRAMES);
                    long required = CudaBackend.requiredArenaBytes(model, options);
                    long before = ctx.free();
                    try (Decoder d = Decoder.open(model, options)) {
                        d.decode(batch == 1 ? second : DacSynth.codes(c, batch, c.nCodebooks(), frames(c, 1), CODES_SEED));
                        long arena = d.backend().arenaBytes(), planned = d.plan().arenaBytes();
                        String mode = "steps" + STEP_FRAMES;
                        csv.row("memory", "dac4j", p, mode, 1, batch, "arena_bytes", arena, "B",
                                (arena == required && arena == planned ? "equal to" : "DIFFERS FROM") + " requiredArenaBytes " + required + " and plan " + planned);
                        csv.row("memory", "dac4j", p, mode, 1, batch, "weight_bytes", d.backend().weightBytes(), "B", "");
                        csv.row("memory", "dac4j", p, mode, 1, batch, "device_bytes", before - ctx.free(), "B", "free before open - free after a 1 s decode");
                        if (batch == 1) {
                            d.decode(minute);
                            csv.row("memory", "dac4j", p, mode, 60, 1, "arena_bytes", d.backend().arenaBytes(), "B",
                                    d.backend().arenaBytes() == arena ? "unchanged after a 60 s decode" : "GREW after a 60 s decode");
                        }
                        System.out.printf(Locale.ROOT, "memory %s batch %d: arena %d (required %d, plan %d), weights %d, device %d bytes%n",
                                p, batch, arena, required, planned, d.backend().weightBytes(), before - ctx.free());
                    } catch (RuntimeException e) {
                        csv.row("memory", "dac4j", p, "steps" + STEP_FRAMES, 1, batch, "error", 0, "", e.getClass().getSimpleName() + ": " + CudaProbe.oneLine(e));
                        System.out.println("memory " + p + " batch " + batch + ": " + CudaProbe.oneLine(e));
                    }
                    csv.row("memory", "dac4j", p, "steps" + STEP_FRAMES, 1, batch, "released_bytes_missing", before - ctx.free(), "B",
                            "free before open - free after close (on first use this includes kernels loaded lazily, which stay)");
                }
            }
            // open/decode/close cycles, both precisions warmed up above: free memory must come back to its baseline
            long baseline = ctx.free();
            int done = 0;
            try {
                for (; done < cycles && System.nanoTime() < deadline; done++) {
                    try (Decoder d = Decoder.open(model, cuda(done % 2 == 0 ? Precision.FP16 : Precision.FP32).withStepFrames(STEP_FRAMES))) {
                        d.decode(second);
                    }
                }
            } catch (RuntimeException e) {
                csv.row("memory", "dac4j", null, "cycles", 1, 1, "error", done, "cycles", CudaProbe.oneLine(e));
            }
            long after = ctx.free();
            csv.row("memory", "dac4j", null, "cycles", 1, 1, "cycles_done", done, "", "open/decode 1 s/close, fp16 and fp32 in turn");
            csv.row("memory", "dac4j", null, "cycles", 1, 1, "free_lost_after_cycles", baseline - after, "B",
                    baseline - after <= (4L << 20) ? "back to baseline (within 4 MiB)" : "NOT back to baseline");
            System.out.printf(Locale.ROOT, "memory: %d cycles, free before %d, after %d (lost %d bytes)%n", done, baseline, after, baseline - after);
            // three decoders on one context and model: one device copy of the weights
            long before = ctx.free();
            DecoderOptions options = cuda(Precision.FP16).withStepFrames(STEP_FRAMES);
            try (Decoder x = Decoder.open(model, options); Decoder y = Decoder.open(model, options); Decoder z = Decoder.open(model, options)) {
                for (Decoder d : new Decoder[] {x, y, z}) d.decode(second);
                csv.row("memory", "dac4j", Precision.FP16, "shared", 1, 3, "device_bytes", before - ctx.free(), "B",
                        "3 decoders; one weight copy " + x.backend().weightBytes() + " B, arena " + x.backend().arenaBytes() + " B each, "
                                + ((CudaBackend) x.backend()).weightSharers() + " sharers");
            } catch (RuntimeException e) {
                csv.row("memory", "dac4j", Precision.FP16, "shared", 1, 3, "error", 0, "", CudaProbe.oneLine(e));
            }
        }
    }

    // ------------------------------------------------------------------ decode

    static void decode(Path dir, Path codesFile, Path out, String device) throws Exception {
        DacModel model = DacModel.load(DacCheckpoint.load(dir));
        int[][][] codes = io.github.dac4j.testing.Fixtures.codes(Npy.read(codesFile));
        Files.createDirectories(out);
        Precision[] precisions = device.equals("cuda") ? new Precision[] {Precision.FP16, Precision.FP32} : new Precision[] {Precision.FP32};
        for (Precision p : precisions) {
            for (int step : new int[] {0, STEP_FRAMES}) {
                String name = String.format(Locale.ROOT, "dac4j-%s-%s-%s.npy", device, p.name().toLowerCase(Locale.ROOT), step == 0 ? "whole" : "steps" + step);
                DecoderOptions options = DecoderOptions.defaults().withDevice(device).withPrecision(p).withBatch(codes.length).withStepFrames(step);
                try (Decoder d = Decoder.open(model, options)) {
                    float[][] samples = d.decode(codes);
                    float[] flat = new float[samples.length * samples[0].length];
                    for (int b = 0; b < samples.length; b++) System.arraycopy(samples[b], 0, flat, b * samples[0].length, samples[0].length);
                    Npy.writeFloat32(out.resolve(name), new long[] {samples.length, samples[0].length}, flat);
                    System.out.println("wrote " + name + " (" + d.device() + ")");
                } catch (RuntimeException e) {
                    System.out.println("decode " + name + ": " + e.getClass().getSimpleName() + ": " + CudaProbe.oneLine(e));
                }
            }
        }
    }

    // ------------------------------------------------------------------ plumbing

    /** The run's CSV: one row per measurement, flushed at once. */
    static final class Csv implements AutoCloseable {
        static final String HEADER = "stage,impl,precision,mode,audio_s,batch,metric,value,unit,note";
        private final PrintWriter out;

        Csv(Path file) throws IOException {
            boolean fresh = !Files.exists(file) || Files.size(file) == 0;
            out = new PrintWriter(Files.newBufferedWriter(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
            if (fresh) out.println(HEADER);
        }

        void row(String stage, String impl, Precision p, String mode, double audioSeconds, int batch, String metric, double value,
                 String unit, String note) {
            String v = value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : String.format(Locale.ROOT, "%.6g", value);
            out.println(String.join(",", stage, impl, p == null ? "" : p.name().toLowerCase(Locale.ROOT), mode,
                    String.format(Locale.ROOT, "%.3f", audioSeconds), Integer.toString(batch), metric, v, unit, quote(note)));
            out.flush();
        }

        private static String quote(String s) {
            return s.contains(",") || s.contains("\"") ? '"' + s.replace("\"", "\"\"") + '"' : s;
        }

        @Override public void close() { out.close(); }
    }

    private static String trim(double s) {
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

    private static double[] doubles(String list) {
        return Arrays.stream(list.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    private static int[] ints(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
