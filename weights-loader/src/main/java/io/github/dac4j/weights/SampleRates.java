package io.github.dac4j.weights;

import java.util.Locale;
import java.util.OptionalInt;

/**
 * Sample rates: the published DAC models' rates by their shapes (DAC-DECODER.md, "The three published models"),
 * the fallback, and the range a rate must lie in.
 */
public final class SampleRates {
    /** The rate used when nothing says otherwise: the 44.1 kHz model's, the one Zonos uses. */
    public static final int FALLBACK = 44_100;
    /** The lowest rate accepted from any source, in Hz (below telephone audio's 8 kHz, so nothing real is refused). */
    public static final int MIN = 1_000;
    /** The highest rate accepted from any source, in Hz (the highest rate audio interfaces offer). */
    public static final int MAX = 768_000;

    private SampleRates() {}

    /**
     * The rate of the published model with this hop and number of codebooks: hop 512 with 9 codebooks is
     * 44,100 Hz, hop 320 with 12 is 16,000, hop 320 with 32 is 24,000; empty for any other shape.
     */
    public static OptionalInt published(int hop, int codebooks) {
        if (hop == 512 && codebooks == 9) return OptionalInt.of(44_100);
        if (hop == 320 && codebooks == 12) return OptionalInt.of(16_000);
        if (hop == 320 && codebooks == 32) return OptionalInt.of(24_000);
        return OptionalInt.empty();
    }

    /** Whether {@code hz} is within {@link #MIN} and {@link #MAX}. */
    public static boolean plausible(long hz) { return hz >= MIN && hz <= MAX; }

    /** What is wrong with {@code hz}, for an error message: {@code "must be between 1,000 and 768,000 Hz, got 0"}. */
    public static String problem(long hz) {
        return String.format(Locale.ROOT, "must be between %,d and %,d Hz, got %d", MIN, MAX, hz);
    }
}
