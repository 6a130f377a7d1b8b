package io.github.dac4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.dac4j.core.Backends;
import io.github.dac4j.core.Encoder;
import io.github.dac4j.core.EncoderOptions;
import io.github.dac4j.core.Encoding;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code dac encode}: a WAV file to codes (.npy int64 {@code [B, K, T]}), optionally latents and statistics. */
@Command(name = "encode", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Encode a WAV file (16/24/32-bit PCM or 32-bit float; each channel one stream) to codes [B, K, T] (.npy int64).")
final class EncodeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--weights", required = true, paramLabel = "W", description = Main.WEIGHTS_HELP + " It must hold the encoder.")
    Path weights;

    @Option(names = "--audio", required = true, paramLabel = "IN.wav", description = "The audio; at the model's sample rate, or resampled to it.")
    Path audio;

    @Option(names = "--out", required = true, paramLabel = "CODES.npy", description = "Codes, int64 [B, K, T].")
    Path out;

    @Option(names = "--latents-out", paramLabel = "Z.npy", description = "Also write the latents z, float32 [B, latent, T].")
    Path latentsOut;

    @Option(names = "--chunk-frames", paramLabel = "N", defaultValue = "" + EncoderOptions.DEFAULT_STEP_FRAMES,
            description = "Frames per encode step (the arena is sized for it). Default: ${DEFAULT-VALUE}.")
    int chunkFrames;

    @Option(names = "--codebooks", paramLabel = "K", description = "Encode with the first K codebooks only.")
    int codebooks;

    @Mixin
    DeviceOptions target;

    @Option(names = "--stats", paramLabel = "stats.json", description = "Write encode statistics as JSON.")
    Path stats;

    @Option(names = "--verbose", description = "Say more on stderr; print stack traces on errors.")
    boolean verbose;

    @Override public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (codebooks < 0) throw new CliError("--codebooks", "must be at least 1, got " + codebooks);
        if (chunkFrames < 1) throw new CliError("--chunk-frames", "must be at least 1 for encoding, got " + chunkFrames);
        Precision p = target.check();
        // The audio first: a bad WAV fails in milliseconds, not after the weights are read.
        WavReader.Audio wav = WavReader.read(audio);
        long loadStart = System.nanoTime();
        Backends.warmUp(target.device);   // the CPU kernels' JIT warm-up runs while the weights are read
        EncoderModel model = EncoderModel.load(DacCheckpoint.load(weights));
        if (codebooks > model.quantizer().codebooks()) {
            throw new CliError("--codebooks", codebooks + " but the model has " + model.quantizer().codebooks() + " codebooks");
        }
        int rate = model.config().sampleRate();
        float[][] channels = wav.channels();
        if (wav.sampleRate() != rate) {
            channels = Resampling.resample(audio, channels, wav.sampleRate(), rate);
            if (verbose) err.printf(Locale.ROOT, "dac: resampled %s from %d Hz to %d Hz%n", audio, wav.sampleRate(), rate);
        }
        int batch = channels.length;
        try (AtomicOutputs outputs = new AtomicOutputs()) {
            Path codesTemp = outputs.add(out);
            Path latentsTemp = latentsOut == null ? null : outputs.add(latentsOut);
            Path statsTemp = stats == null ? null : outputs.add(stats);
            EncoderOptions options = EncoderOptions.defaults().withDevice(target.device).withPrecision(p).withStepFrames(chunkFrames)
                    .withBatch(batch).withCodebooks(codebooks);
            try (Encoder encoder = Encoder.open(model, options)) {
                double loadMs = (System.nanoTime() - loadStart) / 1e6;
                if (!encoder.note().isEmpty()) err.println("dac: " + encoder.note());
                if (target.auto() || verbose) {
                    err.println("dac: encoding on " + encoder.backendName() + ": " + encoder.device());
                }
                if (DecodeCommand.vectorHintApplies(encoder.backend().kernels())) err.println("dac: hint: " + DecodeCommand.VECTOR_HINT);
                long start = System.nanoTime();
                Encoding e = encoder.encode(channels);
                double encodeMs = (System.nanoTime() - start) / 1e6;
                int frames = e.frames(0), books = encoder.codebooks(), latent = model.quantizer().latent();
                long[] codes = new long[batch * books * frames];
                for (int b = 0; b < batch; b++)
                    for (int k = 0; k < books; k++)
                        for (int t = 0; t < frames; t++) codes[(b * books + k) * frames + t] = e.codes()[b][k][t];
                Npy.writeInt64(codesTemp, new long[] {batch, books, frames}, codes);
                if (latentsTemp != null) {
                    float[] z = new float[batch * latent * frames];
                    for (int b = 0; b < batch; b++)
                        for (int c = 0; c < latent; c++) System.arraycopy(e.latents()[b][c], 0, z, (b * latent + c) * frames, frames);
                    Npy.writeFloat32(latentsTemp, new long[] {batch, latent, frames}, z);
                }
                double seconds = channels[0].length / (double) rate;
                if (statsTemp != null) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("backend", encoder.backendName());
                    m.put("device", encoder.device());
                    m.put("kernels", encoder.backend().kernels());
                    m.put("batch", batch);
                    m.put("input_sample_rate", wav.sampleRate());
                    m.put("input_format", wav.format());
                    m.put("sample_rate", rate);
                    m.put("hop", encoder.hop());
                    m.put("samples", channels[0].length);
                    m.put("frames", frames);
                    m.put("codebooks", books);
                    m.put("step_frames", chunkFrames);
                    m.put("lookahead_frames", encoder.lookaheadFrames());
                    m.put("audio_seconds", seconds);
                    m.put("load_ms", loadMs);
                    m.put("encode_ms", encodeMs);
                    m.put("realtime_factor", encodeMs > 0 ? seconds / (encodeMs / 1000) : 0.0);
                    m.put("arena_bytes", encoder.backend().arenaBytes());
                    m.put("planned_arena_bytes", encoder.plan().arenaBytes());
                    m.put("weights_bytes", encoder.backend().weightBytes());
                    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(statsTemp.toFile(), m);
                }
                if (verbose) {
                    err.printf(Locale.ROOT, "dac: %d stream(s), %.2f s of audio at %d Hz -> %d frames x %d codebooks in %.0f ms (load %.0f ms)%n",
                            batch, seconds, rate, frames, books, encodeMs, loadMs);
                }
            }
            outputs.commit();
        }
        return 0;
    }
}
