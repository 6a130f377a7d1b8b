package io.github.dac4j.bench;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bench/cpuid/without-avx512.sh: a JVM under it takes its AVX2 code (UseAVX=2, dac4j's 256-bit kernels), ONNX
 * Runtime's CPUID questions are answered too (asked after the JVM installed its handlers), the JVM's own SIGSEGVs
 * still reach it, and the results are unchanged. Runs where the tool can: Linux on an AVX-512 CPU with CPUID
 * faulting and gcc (this project's usual machine); skipped elsewhere.
 */
class WithoutAvx512Test {
    private static final Path SCRIPT = Path.of("cpuid/without-avx512.sh").toAbsolutePath();

    @BeforeAll
    static void toolCanRun() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        assumeTrue(Files.isReadable(cpuinfo), "not Linux");
        String flags = Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("flags")).findFirst().orElse("") + " ";
        assumeTrue(flags.contains(" avx512f "), "no AVX-512 to hide on this CPU");
        assumeTrue(flags.contains(" cpuid_fault "), "no CPUID faulting on this CPU or kernel");
        assumeTrue(java.util.stream.Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "gcc"))), "no gcc to build the library");
    }

    record Run(String out, String err) {
        String value(String key) {
            Matcher m = Pattern.compile("^" + key + "=(.*)$", Pattern.MULTILINE).matcher(out);
            assertTrue(m.find(), key + " missing from: " + out + err);
            return m.group(1).trim();
        }

        /** The CPUID instructions the library answered in the probe's JVM (its line at exit). */
        long answered() {
            Matcher m = Pattern.compile("answered (\\d+) CPUID").matcher(err);
            assertTrue(m.find(), "no count in: " + err);
            return Long.parseLong(m.group(1));
        }
    }

    @TempDir Path dir;

    private Run probe(boolean withoutAvx512) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        if (withoutAvx512) command.add(SCRIPT.toString());
        command.addAll(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), WithoutAvx512Probe.class.getName(),
                OrtDecoderTest.resource("tiny-s12.onnx").getParent().toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().remove("DAC4J_CPUID_QUIET");
        Path out = dir.resolve(withoutAvx512 + ".out"), err = dir.resolve(withoutAvx512 + ".err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe did not finish");
        Run run = new Run(Files.readString(out), Files.readString(err));
        assertEquals(0, p.exitValue(), "probe failed: " + run);
        return run;
    }

    @Test
    void aJvmUnderItTakesItsAvx2CodeAndStillWorks() throws Exception {
        Run plain = probe(false), masked = probe(true);
        assertEquals("3", plain.value("UseAVX"), "control: the JVM uses AVX-512 here without the tool");
        assertTrue(plain.value("device").contains("512-bit"), plain.out());

        assertEquals("2", masked.value("UseAVX"));
        assertTrue(masked.value("device").contains("(256-bit, 4 x 16)"), masked.out());
        assertTrue(masked.answered() > 0, masked.err());
        for (Run r : List.of(plain, masked)) {
            assertTrue(Double.parseDouble(r.value("ort-error")) <= OrtDecoderTest.FP32_TOLERANCE, r.out());
            assertEquals("200/199800", r.value("null-checks"), "the JVM's own SIGSEGVs must still reach it");
        }
    }
}
