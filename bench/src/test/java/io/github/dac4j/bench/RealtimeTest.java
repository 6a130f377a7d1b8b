package io.github.dac4j.bench;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The profiler's seconds of audio per second, from a score in any of JMH's modes and units. */
class RealtimeTest {
    @Test
    void convertsEveryModeAndUnit() {
        double audio = 86 * 512 / 44100.0;
        assertEquals(audio / 0.9, ArenaProfiler.realtime(900, Mode.AverageTime, TimeUnit.MILLISECONDS, audio), 1e-12);
        assertEquals(audio / 0.9, ArenaProfiler.realtime(0.9, Mode.SingleShotTime, TimeUnit.SECONDS, audio), 1e-12);
        assertEquals(audio / 0.9, ArenaProfiler.realtime(900_000, Mode.SampleTime, TimeUnit.MICROSECONDS, audio), 1e-9);
        assertEquals(audio * 2, ArenaProfiler.realtime(2, Mode.Throughput, TimeUnit.SECONDS, audio), 1e-12);
        assertEquals(audio * 2, ArenaProfiler.realtime(0.002, Mode.Throughput, TimeUnit.MILLISECONDS, audio), 1e-12);
        assertTrue(Double.isNaN(ArenaProfiler.realtime(1, Mode.All, TimeUnit.SECONDS, audio)));
    }
}
