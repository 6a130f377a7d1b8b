package io.github.dac4j.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Size parsing and the PCM conversion. */
class UnitsTest {
    @Test
    void sizes() {
        assertEquals(64L << 20, Sizes.parse("64MiB"));
        assertEquals(512L << 10, Sizes.parse("512KiB"));
        assertEquals(1L << 30, Sizes.parse("1GiB"));
        assertEquals(1_000_000L, Sizes.parse("1000000"));
        assertEquals(1_500_000_000L, Sizes.parse("1.5GB"));
        assertEquals(64L << 20, Sizes.parse("64m"));
        assertEquals(3L, Sizes.parse("3 B"));
        for (String bad : new String[] {"", "MiB", "-5", "0", "12XB", "1.2.3MiB", "99999999999GiB"}) {
            assertThrows(IllegalArgumentException.class, () -> Sizes.parse(bad), bad);
        }
    }

    @Test
    void pcm16ClipsScalesAndRounds() {
        assertEquals(32767, Wav.pcm16(1f));
        assertEquals(32767, Wav.pcm16(7f));
        assertEquals(-32767, Wav.pcm16(-1f));
        assertEquals(-32767, Wav.pcm16(Float.NEGATIVE_INFINITY));
        assertEquals(0, Wav.pcm16(Float.NaN));
        assertEquals(16384, Wav.pcm16(0.5f)); // 16383.5 rounds up
        assertEquals(3, Wav.pcm16(3.4f / 32767f));
        assertEquals(-3, Wav.pcm16(-3.4f / 32767f));
    }
}
