package io.github.dac4j.bench;

import io.github.dac4j.weights.DacConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FirstDecode times every backend call at open and in each decode, and the calls add up to no more than the decodes. */
class FirstDecodeTest {
    @Test
    void everyCallTimedAtOpenAndPerDecode() throws Exception {
        FirstDecode.Result r = FirstDecode.measure(null, DacConfig.small(), 11, 0, 3);
        assertEquals(3, r.decodeMillis().length);
        Map<String, double[]> calls = r.calls();
        double[] conv1 = calls.get("conv decoder.conv1");
        assertTrue(conv1 != null && conv1.length == 4, calls.keySet().toString());
        for (int d = 1; d <= 3; d++) {
            assertTrue(conv1[d] > 0, "conv1 timed in decode " + d);
            double sum = 0;
            for (double[] t : calls.values()) sum += t[d];
            assertTrue(sum <= r.decodeMillis()[d - 1] * (1 + 1e-9), "decode " + d + ": calls " + sum + " ms in a decode of " + r.decodeMillis()[d - 1]);
        }
        // the backend prepared at open, and a whole decoder's one-second arena allocated there (the warm-up)
        assertTrue(calls.get("prepare")[0] > 0 && calls.get("prepare")[1] == 0, "prepare at open only");
        double[] allocate = calls.get("allocate");
        assertTrue(allocate[0] > 0, "an arena allocated at open");
        assertTrue(conv1[0] > 0, "the warm-up decode at open ran conv1");
        assertTrue(r.openMillis() >= allocate[0] + calls.get("prepare")[0], "open covers its calls");
    }
}
