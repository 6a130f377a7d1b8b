package io.github.dac4j.cli;

import io.github.dac4j.weights.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dac encode} of audio at another rate than the model's: resampled first, or refused naming both rates. */
class ResamplingCommandTest {
    @TempDir Path dir;

    /** The fixture's 325 samples at 44,100 Hz written at 48,000 Hz: resampled to ceil(325 * 147 / 160) = 299, padded to 304 (hop 8). */
    @Test
    void anotherRateIsResampledToTheModels() throws Exception {
        String weights = Cli.fixture("enc-tiny-s51.safetensors").toString();
        short[] samples = EncodeCommandTest.samples(Cli.fixture("enc-tiny-s51.wav"));
        Path wav = Files.write(dir.resolve("at48k.wav"), EncodeCommandTest.wav16(1, 48_000, samples));
        Path out = dir.resolve("codes.npy");
        Cli.Result r = Cli.run("encode", "--weights", weights, "--audio", wav.toString(), "--out", out.toString(), "--device", "cpu", "--verbose");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("resampled") && r.err().contains("48000 Hz"), r.err());
        assertArrayEquals(new long[] {1, 3, 304 / 8}, Npy.read(out).shape());
    }

    @Test
    void aPairItDoesNotConvertIsRefusedNamingBothRates() throws Exception {
        String weights = Cli.fixture("enc-tiny-s51.safetensors").toString();
        short[] samples = EncodeCommandTest.samples(Cli.fixture("enc-tiny-s51.wav"));
        Path wav = Files.write(dir.resolve("odd-rate.wav"), EncodeCommandTest.wav16(1, 44_056, samples));
        Path out = dir.resolve("codes.npy");
        Cli.Result r = Cli.run("encode", "--weights", weights, "--audio", wav.toString(), "--out", out.toString(), "--device", "cpu");
        assertEquals(2, r.code(), r.err());
        String[] lines = r.errLines();
        String last = lines[lines.length - 1];
        assertTrue(last.contains("odd-rate.wav: cannot resample 44,056 Hz to 44,100 Hz"), last);
        assertFalse(r.err().contains("\tat "), "no stack trace");
        assertFalse(Files.exists(out), "no output");
    }
}
