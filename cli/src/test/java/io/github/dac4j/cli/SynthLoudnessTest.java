package io.github.dac4j.cli;

import io.github.dac4j.weights.Npy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Synthesized checkpoints must give usable audio for benchmarks: not saturated by the final tanh (under 1 % of
 * samples beyond 0.99) and not silent (RMS above 1e-3). The 44khz case writes 217 MB and decodes 4 frames.
 */
class SynthLoudnessTest {
    @TempDir Path dir;

    @ParameterizedTest
    @CsvSource({"small,4,64,48", "44khz,9,1024,4"})
    void decodedAudioIsNeitherSaturatedNorSilent(String preset, int codebooks, int codebookSize, int frames) throws Exception {
        Path w = dir.resolve(preset + ".safetensors");
        Cli.Result s = Cli.run("synth", "--preset", preset, "--seed", "3", "--out", w.toString());
        assertEquals(0, s.code(), s.err());

        Random random = new Random(11);
        long[] codes = new long[codebooks * frames];
        for (int i = 0; i < codes.length; i++) codes[i] = random.nextInt(codebookSize);
        Path c = dir.resolve("codes.npy");
        Npy.writeInt64(c, new long[] {1, codebooks, frames}, codes);
        Path raw = dir.resolve("raw.npy");
        Cli.Result r = Cli.run("decode", "--weights", w.toString(), "--codes", c.toString(), "--out", dir.resolve("o.wav").toString(),
                "--raw-out", raw.toString(), "--device", "cpu", "--chunk-frames", "0");
        assertEquals(0, r.code(), r.err());

        float[] x = Npy.read(raw).floats();
        double sum = 0;
        long loud = 0;
        for (float v : x) {
            assertTrue(Float.isFinite(v));
            sum += (double) v * v;
            if (Math.abs(v) > 0.99f) loud++;
        }
        double rms = Math.sqrt(sum / x.length), nearClip = loud / (double) x.length;
        System.out.printf("synth %s: %d samples, rms %.4f, |x| > 0.99: %.3f%%%n", preset, x.length, rms, 100 * nearClip);
        assertTrue(nearClip < 0.01, preset + ": " + 100 * nearClip + " % of samples beyond 0.99 (rms " + rms + ")");
        assertTrue(rms > 1e-3, preset + ": rms " + rms);
    }
}
