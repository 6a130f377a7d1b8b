package io.github.dac4j.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed PTX loads on CUDA 12 drivers, and every typed launch method of {@link PtxKernels} passes exactly the
 * parameters its entries declare, in number and width (a 32-bit int where the kernel reads 64 bits would read garbage
 * on the GPU). No GPU needed.
 */
class PtxTest {
    private static String ptx() {
        byte[] z = PtxKernels.ptx();
        assertEquals(0, z[z.length - 1], "NUL-terminated for the driver");
        return new String(z, 0, z.length - 1, StandardCharsets.US_ASCII);
    }

    /** Each entry's parameter widths in order, from {@code .param .u64 name_param_0, ...}. */
    static Map<String, List<String>> entries(String ptx) {
        Map<String, List<String>> entries = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)").matcher(ptx);
        while (m.find()) {
            List<String> params = new ArrayList<>();
            Matcher p = Pattern.compile("\\.param\\s+\\.(\\w+)").matcher(m.group(2));
            while (p.find()) params.add(p.group(1));
            entries.put(m.group(1), params);
        }
        return entries;
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
    void everyLaunchMethodMatchesItsEntriesParameterByParameter() {
        Map<String, List<String>> entries = entries(ptx());
        int checked = 0;
        for (Method m : PtxKernels.class.getDeclaredMethods()) {
            PtxKernels.Entry entry = m.getAnnotation(PtxKernels.Entry.class);
            if (entry == null) continue;
            Class<?>[] types = m.getParameterTypes();
            assertEquals(CUstream.class, types[0], m.getName() + ": the stream comes first");
            List<String> widths = new ArrayList<>();
            for (int i = 1; i < types.length; i++) {
                Class<?> t = types[i];
                widths.add(t == CUdeviceptr.class || t == long.class ? "u64" : t == int.class ? "u32" : "unsupported " + t.getSimpleName());
            }
            for (String name : entry.value()) {
                assertTrue(entries.containsKey(name), name + " (launched by " + m.getName() + ") is not an .entry of the PTX: " + entries.keySet());
                assertEquals(entries.get(name), widths, m.getName() + " passes " + widths + " to " + name + ", which declares " + entries.get(name));
                checked++;
            }
        }
        assertTrue(checked >= 7, "only " + checked + " entries are launched");
    }

    @Test
    void noApproximateTranscendentals() {
        // the fp32 path must be accurate to ~1e-6: sin/cos/ex2/tanh .approx would not be
        String ptx = ptx();
        for (String op : new String[] {"sin.approx", "cos.approx", "ex2.approx", "tanh.approx", "div.approx", "div.full"}) {
            assertFalse(ptx.contains(op), "PTX uses " + op);
        }
    }
}
