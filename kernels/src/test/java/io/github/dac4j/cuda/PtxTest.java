package io.github.dac4j.cuda;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The committed PTX loads on CUDA 12 drivers and has every kernel the Java code launches. No GPU needed. */
class PtxTest {
    private static String ptx() {
        byte[] z = Kernels.ptx();
        assertEquals(0, z[z.length - 1], "NUL-terminated for cuModuleLoadData");
        return new String(z, 0, z.length - 1, StandardCharsets.US_ASCII);
    }

    @Test
    void versionAndTargetAreOldEnoughForCuda12Drivers() {
        String ptx = ptx();
        Matcher v = Pattern.compile("(?m)^\\.version\\s+(\\d+)\\.(\\d+)").matcher(ptx);
        assertTrue(v.find(), "no .version line");
        int major = Integer.parseInt(v.group(1)), minor = Integer.parseInt(v.group(2));
        assertTrue(major < 8 || (major == 8 && minor == 0), ".version " + major + "." + minor + " is newer than 8.0");
        Matcher t = Pattern.compile("(?m)^\\.target\\s+sm_(\\d+)").matcher(ptx);
        assertTrue(t.find(), "no .target line");
        assertTrue(Integer.parseInt(t.group(1)) <= 75, ".target sm_" + t.group(1) + " is newer than sm_75");
        assertTrue(ptx.contains(".address_size 64"));
    }

    @Test
    void everyLaunchedKernelIsAnEntry() {
        Set<String> entries = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(").matcher(ptx());
        while (m.find()) entries.add(m.group(1));
        for (String name : Kernels.NAMES) assertTrue(entries.contains(name), name + " is not an .entry of the PTX; entries: " + entries);
    }

    @Test
    void noApproximateTranscendentals() {
        // the fp32 path must be accurate to ~1e-6: sin/cos/ex2/tanh .approx would not be
        String ptx = ptx();
        for (String op : new String[] {"sin.approx", "cos.approx", "ex2.approx", "tanh.approx", "div.approx", "div.full"}) {
            assertTrue(!ptx.contains(op), "PTX uses " + op);
        }
    }
}
