package io.github.dac4j.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The harness's parsing of its measuring JVMs' result lines and the ranges it prints. */
class LibraryTimingsTest {
    @Test
    void parsesResultLinesAndPrintsRanges() {
        Map<String, Double> a = LibraryTimings.parse("jvm_ms=41.0 open_ms=2500.25 first_ms=5100.0 warm_ms=3900.5");
        Map<String, Double> b = LibraryTimings.parse("jvm_ms=40.0 open_ms=2400.75 first_ms=4800.0 warm_ms=3700.0");
        assertEquals(List.of("jvm_ms", "open_ms", "first_ms", "warm_ms"), List.copyOf(a.keySet()));
        assertEquals(2500.25, a.get("open_ms"));
        assertEquals("2401-2500", LibraryTimings.range(List.of(a, b), "open_ms"));
        assertEquals("4800-5100", LibraryTimings.range(List.of(b, a), "first_ms"));
        assertEquals("5100", LibraryTimings.range(List.of(a), "first_ms"));
    }

    @Test
    void pairsTheEnginesRunByRun() {
        Map<String, Double> ours1 = LibraryTimings.parse("open_ms=1000 first_ms=3000 warm_ms=2000");
        Map<String, Double> ours2 = LibraryTimings.parse("open_ms=1000 first_ms=3000 warm_ms=3000");
        Map<String, Double> peer1 = LibraryTimings.parse("open_ms=500 first_ms=1500 warm_ms=1000");
        Map<String, Double> peer2 = LibraryTimings.parse("open_ms=500 first_ms=1500 warm_ms=3000");
        Map<String, List<Map<String, Double>>> results = Map.of("dac4j", List.of(ours1, ours2), "ort", List.of(peer1, peer2));
        assertEquals("1.00-2.00", LibraryTimings.pairedRatio(results, "warm_ms"));
        assertEquals("2.00", LibraryTimings.pairedRatio(results, "open_ms", "first_ms"));
    }

    @Test
    void quantilesInterpolateBetweenOrderStatistics() {
        double[] values = {4, 1, 3, 2, 5};
        assertEquals(3, LibraryTimings.quantile(values, 0.5));
        assertEquals(2, LibraryTimings.quantile(values, 0.25));
        assertEquals(1, LibraryTimings.quantile(values, 0));
        assertEquals(5, LibraryTimings.quantile(values, 1));
        assertEquals(2.5, LibraryTimings.quantile(new double[] {3, 2}, 0.5));
        assertEquals(4, values[0], "the input is left as it was");
    }
}
