package io.github.dac4j.cli;

import io.github.dac4j.core.BackendUnavailableException;
import io.github.dac4j.core.Backends;
import io.github.dac4j.core.Precision;
import io.github.dac4j.weights.Npy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.github.dac4j.cli.Cli.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Bad input: exit 2, one line on stderr naming the file (or option) and the problem, no stack trace, no output. */
class BadInputTest {
    @TempDir Path dir;
    Path in, out;
    final Random random = new Random(0xBAD);

    @BeforeEach
    void dirs() throws Exception {
        in = Files.createDirectory(dir.resolve("in"));
        out = Files.createDirectory(dir.resolve("out"));
    }

    /** Runs a small-model decode with these replacements and checks the failure. */
    private Cli.Result decodeFails(String weights, String codes, String mentions, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("decode", "--weights", weights, "--codes", codes,
                "--out", out.resolve("o.wav").toString(), "--raw-out", out.resolve("o.npy").toString(),
                "--stats", out.resolve("s.json").toString()));
        args.addAll(Arrays.asList(extra));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().length, "one line: " + r.err());
        assertTrue(r.err().startsWith("dac: "), r.err());
        assertTrue(r.err().contains(mentions), "should mention " + mentions + ": " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertArrayEquals(new String[0], Cli.list(out), "no output file");
        return r;
    }

    private String weights() { return fixture("small-s21.safetensors").toString(); }

    private String codes() { return fixture("small-s21.codes.npy").toString(); }

    /** Random valid codes for the small model, with a shape of our choosing. */
    private Path codesFile(String name, long... shape) throws Exception {
        long n = 1;
        for (long d : shape) n *= d;
        long[] v = new long[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = random.nextInt(64);
        Path p = in.resolve(name);
        Npy.writeInt64(p, shape, v);
        return p;
    }

    @Test
    void missingWeights() throws Exception {
        decodeFails(in.resolve("nope.safetensors").toString(), codes(), "nope.safetensors");
    }

    @Test
    void corruptSafetensors() throws Exception {
        Path bad = in.resolve("corrupt.safetensors");
        byte[] junk = new byte[4096];
        random.nextBytes(junk);
        Files.write(bad, junk);
        decodeFails(bad.toString(), codes(), "corrupt.safetensors");
    }

    @Test
    void truncatedSafetensors() throws Exception {
        Path bad = in.resolve("truncated.safetensors");
        byte[] all = Files.readAllBytes(fixture("small-s21.safetensors"));
        Files.write(bad, Arrays.copyOf(all, all.length / 2));
        decodeFails(bad.toString(), codes(), "truncated.safetensors");
    }

    @Test
    void codesOutOfRange() throws Exception {
        long[] v = Npy.read(fixture("small-s21.codes.npy")).longs();
        v[77] = 64; // the small model has 64 entries per codebook
        Path p = in.resolve("range.npy");
        Npy.writeInt64(p, new long[] {1, 4, 64}, v);
        decodeFails(weights(), p.toString(), "range.npy");
    }

    @Test
    void codesThatDoNotFitInt() throws Exception {
        long[] v = Npy.read(fixture("small-s21.codes.npy")).longs();
        v[3] = 1L << 33; // would wrap to 0 if cast blindly
        Path p = in.resolve("huge.npy");
        Npy.writeInt64(p, new long[] {1, 4, 64}, v);
        decodeFails(weights(), p.toString(), "huge.npy");
    }

    @Test
    void negativeCodes() throws Exception {
        long[] v = Npy.read(fixture("small-s21.codes.npy")).longs();
        v[5] = -1;
        Path p = in.resolve("negative.npy");
        Npy.writeInt64(p, new long[] {1, 4, 64}, v);
        decodeFails(weights(), p.toString(), "negative.npy");
    }

    @Test
    void codesOfRankOne() throws Exception {
        decodeFails(weights(), codesFile("rank1.npy", 20).toString(), "rank1.npy");
    }

    @Test
    void codesOfRankFour() throws Exception {
        decodeFails(weights(), codesFile("rank4.npy", 1, 1, 4, 20).toString(), "rank4.npy");
    }

    @Test
    void codesWithZeroFrames() throws Exception {
        decodeFails(weights(), codesFile("empty.npy", 1, 4, 0).toString(), "empty.npy");
    }

    @Test
    void moreCodebooksThanTheModel() throws Exception {
        decodeFails(weights(), codesFile("five.npy", 1, 5, 16).toString(), "five.npy");
    }

    @Test
    void codebooksOptionAboveTheFile() throws Exception {
        decodeFails(weights(), codesFile("three.npy", 3, 16).toString(), "three.npy", "--codebooks", "4");
    }

    @Test
    void floatCodes() throws Exception {
        float[] v = new float[4 * 16];
        for (int i = 0; i < v.length; i++) v[i] = random.nextInt(64);
        Path p = in.resolve("float.npy");
        Npy.writeFloat32(p, new long[] {1, 4, 16}, v);
        decodeFails(weights(), p.toString(), "float.npy");
    }

    @Test
    void missingCodes() throws Exception {
        decodeFails(weights(), in.resolve("absent.npy").toString(), "absent.npy");
    }

    @Test
    void unknownDevice() throws Exception {
        decodeFails(weights(), codes(), "--device", "--device", "tpu");
    }

    @Test
    void fp16OnTheCpu() throws Exception {
        Cli.Result r = decodeFails(weights(), codes(), "fp16", "--device", "cpu", "--precision", "fp16");
        assertTrue(r.err().contains("--precision") || r.err().contains("--device"), r.err());
    }

    @Test
    void unknownPrecision() throws Exception {
        decodeFails(weights(), codes(), "--precision", "--precision", "fp8");
    }

    @Test
    void cudaWithoutAGpuSuggestsTheCpu() throws Exception {
        boolean cudaWorks;
        try {
            Backends.open("cuda", Precision.FP16).backend().close();
            cudaWorks = true;
        } catch (BackendUnavailableException e) {
            cudaWorks = false;
        }
        assumeTrue(!cudaWorks, "a GPU is present: nothing to refuse");
        decodeFails(weights(), codes(), "--device cpu", "--device", "cuda");
    }

    @Test
    void budgetBelowTheSmallestStep() throws Exception {
        decodeFails(weights(), codes(), "--memory-budget", "--device", "cpu", "--memory-budget", "1KiB");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--memory-budget=lots", "--memory-budget=12XB", "--chunk-frames=-3", "--codebooks=-1", "--no-such-option"})
    void badOptions(String option) throws Exception {
        String name = option.split("=")[0];
        decodeFails(weights(), codes(), name, "--device", "cpu", option);
    }

    @Test
    void outputDirectoryMissing() throws Exception {
        Cli.Result r = Cli.run("decode", "--weights", weights(), "--codes", codes(), "--out", dir.resolve("nowhere/o.wav").toString(), "--device", "cpu");
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().length, r.err());
        assertTrue(r.err().contains("o.wav"), r.err());
    }

    @Test
    void usageErrorsExitTwo() {
        for (String[] args : new String[][] {{}, {"decode"}, {"decode", "--weights", "w"}, {"nonsense"}, {"info"}, {"plan", "--weights"}}) {
            Cli.Result r = Cli.run(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.errLines().length, String.join(" ", args) + ": " + r.err());
        }
    }

    @Test
    void verbosePrintsTheStackTrace() throws Exception {
        Cli.Result r = Cli.run("info", "--weights", in.resolve("nope.safetensors").toString(), "--verbose");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void helpExitsZero() {
        Cli.Result r = Cli.run("decode", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--memory-budget"), r.out());
    }
}
