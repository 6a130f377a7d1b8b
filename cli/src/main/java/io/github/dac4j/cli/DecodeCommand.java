package io.github.dac4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.dac4j.core.Backends;
import io.github.dac4j.core.DecodeStats;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.Npy;
import io.github.dac4j.weights.SampleRateSource;
import io.github.dac4j.weights.SampleRates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code dac decode}: codes (.npy) to 16-bit WAV files, optionally float32 samples (.npy) and statistics (JSON). */
@Command(name = "decode", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Decode codes [B, K, T] or [K, T] (.npy: int64, int32, int16 or uint16, C or Fortran order) to 16-bit PCM "
                + "mono WAV, one file per stream, at the model's sample rate.")
final class DecodeCommand implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec CommandSpec spec;

    @Option(names = "--weights", required = true, paramLabel = "W", description = Main.WEIGHTS_HELP)
    Path weights;

    @Option(names = "--codes", required = true, paramLabel = "C.npy",
            description = "Codes, [B, K, T] or [K, T]: int64, int32, int16 or uint16 (as descript saves them), C or Fortran order.")
    Path codes;

    @Option(names = "--out", required = true, paramLabel = "out.wav",
            description = "WAV output; with B > 1, one file per stream: out-0.wav, out-1.wav, ...")
    Path out;

    @Option(names = "--raw-out", paramLabel = "out.npy", description = "Also write the float32 samples [B, 1, S] as .npy.")
    Path rawOut;

    @Option(names = "--codebooks", paramLabel = "K", description = "Use only the first K codebooks.")
    int codebooks;

    @Option(names = "--sample-rate", paramLabel = "HZ",
            description = "The output's sample rate, overriding config.json's and the one the model's shapes imply "
                    + "(44100 for hop 512 with 9 codebooks, 16000 for hop 320 with 12, 24000 for hop 320 with 32).")
    Integer sampleRate;

    @Mixin
    DeviceOptions target;

    @Option(names = "--chunk-frames", paramLabel = "N", defaultValue = "" + DecoderOptions.DEFAULT_STEP_FRAMES,
            description = "Frames per decode step; 0 decodes the whole sequence in one step. Default: ${DEFAULT-VALUE}.")
    int chunkFrames;

    @Option(names = "--memory-budget", paramLabel = "SIZE", converter = Sizes.class,
            description = "Arena bytes allowed (64MiB, 512KiB, 1GiB, 1000000): picks the largest step that fits.")
    Long memoryBudget;

    @Option(names = "--batch-stats", description = "Per-stream figures (RMS, peak, fraction near clipping) on stderr and in --stats.")
    boolean batchStats;

    @Option(names = "--stats", paramLabel = "stats.json", description = "Write decode statistics as JSON.")
    Path stats;

    @Option(names = "--verbose", description = "Say more on stderr; print stack traces on errors.")
    boolean verbose;

    @Override public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (codebooks < 0) throw new CliError("--codebooks", "must be at least 1, got " + codebooks);
        if (chunkFrames < 0) throw new CliError("--chunk-frames", "must be >= 0, got " + chunkFrames);
        if (sampleRate != null && !SampleRates.plausible(sampleRate)) throw new CliError("--sample-rate", SampleRates.problem(sampleRate));
        // Option mistakes fail before the weights are read (seconds for the real model).
        Precision p = target.check();

        long loadStart = System.nanoTime();
        Backends.warmUp(target.device);   // the CPU kernels' JIT warm-up runs while the weights are read
        DacModel model = DacModel.load(DacCheckpoint.loadDecoder(weights));
        int[][][] codeArray = CodesFile.read(codes, model.config(), codebooks);
        int batch = codeArray.length;
        int frames = codeArray[0][0].length;

        try (AtomicOutputs outputs = new AtomicOutputs()) {
            // Reserve every output before decoding: an unwritable path fails in a second, not after the decode.
            List<Path> wavTargets = wavPaths(out, batch);
            List<Path> wavTemps = new ArrayList<>();
            for (Path t : wavTargets) wavTemps.add(outputs.add(t));
            Path rawTemp = rawOut == null ? null : outputs.add(rawOut);
            Path statsTemp = stats == null ? null : outputs.add(stats);

            DecoderOptions options = DecoderOptions.defaults().withDevice(target.device).withPrecision(p)
                    .withStepFrames(chunkFrames).withBatch(batch).withSampleRate(sampleRate == null ? 0 : sampleRate);
            if (memoryBudget != null) options = options.withMemoryBudget(memoryBudget);
            try (Decoder decoder = openDecoder(model, options)) {
                double loadMs = (System.nanoTime() - loadStart) / 1e6;
                if (!decoder.note().isEmpty()) err.println("dac: " + decoder.note());
                if (decoder.sampleRateSource() == SampleRateSource.DEFAULT) err.println("dac: " + rateGuess(weights, decoder.config()));
                if (target.auto() || verbose) {
                    err.println("dac: decoding on " + decoder.backendName() + ", " + decoder.precision() + ": " + decoder.device());
                }
                if (vectorHintApplies(decoder.backend().kernels())) err.println("dac: hint: " + VECTOR_HINT);
                Progress progress = main.terminal
                        ? new Progress(err, main.progressAfterNanos, model.config().hop(), decoder.sampleRate()) : null;
                float[][] samples;
                try {
                    samples = decoder.decode(codeArray, progress);
                } catch (IllegalArgumentException e) {
                    // The decoder checks codes again; anything it rejects is the codes file's problem.
                    throw new CliError(codes, Main.oneLine(e.getMessage()).replaceFirst("^codes: ", ""), e);
                } finally {
                    if (progress != null) progress.finish();
                }
                DecodeStats s = decoder.lastStats();
                int rate = decoder.sampleRate();
                int length = (int) decoder.samples(frames);
                for (int b = 0; b < batch; b++) Wav.write(wavTemps.get(b), samples[b], length, rate);
                if (rawTemp != null) writeRaw(rawTemp, samples, length);
                List<Map<String, Object>> streams = batchStats ? streamFigures(samples, length) : null;
                if (statsTemp != null) writeStats(statsTemp, s, loadMs, decoder.config(), streams);
                if (streams != null) {
                    for (int b = 0; b < batch; b++) {
                        Map<String, Object> f = streams.get(b);
                        err.printf(java.util.Locale.ROOT, "dac: stream %d: %d samples, rms %.4f, peak %.4f, |x| > 0.99: %.3f%%%n", b,
                                f.get("samples"), f.get("rms"), f.get("peak"), 100 * (double) f.get("near_clip_fraction"));
                    }
                }
                if (verbose) {
                    err.printf(java.util.Locale.ROOT, "dac: %d stream(s), %d frames, %.2f s of audio at %d Hz (%s) in %.0f ms (load %.0f ms, step %d frames, arena %s)%n",
                            batch, frames, s.audioSeconds(), rate, decoder.sampleRateSource().label(), s.decodeMs(), loadMs, s.stepFrames(),
                            Sizes.human(s.arenaBytes()));
                }
            }
            outputs.commit();
        }
        return 0;
    }

    /** The one line saying that nothing gave the model's rate, so the output is at 44,100 Hz and may play at the wrong speed. */
    static String rateGuess(Path weights, DacConfig c) {
        return String.format(Locale.ROOT, "%s: no sampling_rate in a config.json beside it, and hop %d with %d codebooks is not a published model: "
                + "writing %,d Hz, which may be wrong (give the rate with --sample-rate)", weights, c.hop(), c.nCodebooks(), c.sampleRate());
    }

    /**
     * Whether to print {@link #VECTOR_HINT}: the CPU runs its plain-Java kernels because the JVM was not asked for the
     * Vector API module (it resolves it only when asked). Not where the module is there and the kernels still chose
     * plain Java (a CPU without fused multiply-adds): the launcher would not help.
     */
    static boolean vectorHintApplies(String kernels) {
        return "java".equals(kernels) && ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty();
    }

    /** What plain {@code java -jar dac.jar} users are told when the CPU runs its plain-Java kernels. */
    static final String VECTOR_HINT = "the CPU decodes several times faster with the Vector API: run ./dac (the launcher),"
            + " or java --add-modules jdk.incubator.vector -jar dac.jar ...";


    /** Opens the decoder, turning option problems (unknown device, fp16 on the CPU, tiny budget) into usage errors. */
    static Decoder openDecoder(DacModel model, DecoderOptions options) {
        try {
            return Decoder.open(model, options);
        } catch (IllegalArgumentException e) {
            String msg = Main.oneLine(e.getMessage());
            String option = msg.contains("budget") ? "--memory-budget" : msg.contains("precision") || msg.contains("fp16") ? "--precision" : "--device";
            throw new CliError(option, msg, e);
        }
    }

    static Precision parsePrecision(String text) {
        if (text == null) return null;
        try {
            return Precision.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CliError("--precision", e.getMessage(), e);
        }
    }

    /** {@code out.wav} for one stream; {@code out-0.wav, out-1.wav, ...} for several. */
    static List<Path> wavPaths(Path out, int batch) {
        if (batch == 1) return List.of(out);
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        List<Path> paths = new ArrayList<>();
        for (int b = 0; b < batch; b++) paths.add(out.resolveSibling(stem + "-" + b + ext));
        return paths;
    }

    private static void writeRaw(Path file, float[][] samples, int length) throws java.io.IOException {
        long total = (long) samples.length * length;
        if (total > Integer.MAX_VALUE - 16) throw new CliError(file, "too many samples for one .npy (" + total + ")");
        float[] flat = new float[(int) total];
        for (int b = 0; b < samples.length; b++) System.arraycopy(samples[b], 0, flat, b * length, length);
        Npy.writeFloat32(file, new long[] {samples.length, 1, length}, flat);
    }

    /** Every figure of {@link DecodeStats}, snake_case, plus the realtime factor and the output's rate, hop and rate source. */
    static Map<String, Object> statsMap(DecodeStats s, double loadMs, DacConfig config) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", s.backend());
        m.put("precision", s.precision().toString());
        m.put("device", s.device());
        m.put("kernels", s.kernels());
        m.put("batch", s.batch());
        m.put("frames", s.frames());
        m.put("samples", s.samples());
        m.put("sample_rate", config.sampleRate());
        m.put("sample_rate_source", config.sampleRateSource().label());
        m.put("hop", config.hop());
        m.put("audio_seconds", s.audioSeconds());
        m.put("step_frames", s.stepFrames());
        m.put("lookahead_frames", s.lookaheadFrames());
        m.put("load_ms", loadMs);
        m.put("decode_ms", s.decodeMs());
        m.put("weights_bytes", s.weightsBytes());
        m.put("arena_bytes", s.arenaBytes());
        m.put("planned_arena_bytes", s.plannedArenaBytes());
        m.put("live_bytes", s.liveBytes());
        // the names of release 0.1's first sessions, kept for one release: chunk_frames, halo_frames, peak_bytes
        m.put("chunk_frames", s.stepFrames());
        m.put("halo_frames", s.lookaheadFrames());
        m.put("peak_bytes", s.plannedArenaBytes());
        m.put("realtime_factor", s.decodeMs() > 0 ? s.audioSeconds() / (s.decodeMs() / 1000.0) : 0.0);
        return m;
    }

    private static void writeStats(Path file, DecodeStats s, double loadMs, DacConfig config, List<Map<String, Object>> streams)
            throws java.io.IOException {
        Map<String, Object> m = statsMap(s, loadMs, config);
        if (streams != null) m.put("streams", streams);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), m);
    }

    /** Per-stream figures: RMS, peak and the fraction of samples with |x| > 0.99 (near clipping). */
    static List<Map<String, Object>> streamFigures(float[][] samples, int length) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (float[] s : samples) {
            double sum = 0, peak = 0;
            long loud = 0;
            for (int i = 0; i < length; i++) {
                double x = s[i];
                sum += x * x;
                peak = Math.max(peak, Math.abs(x));
                if (Math.abs(x) > 0.99) loud++;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("samples", length);
            m.put("rms", Math.sqrt(sum / length));
            m.put("peak", peak);
            m.put("near_clip_fraction", loud / (double) length);
            list.add(m);
        }
        return list;
    }
}
