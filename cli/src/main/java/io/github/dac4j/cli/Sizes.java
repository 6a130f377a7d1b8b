package io.github.dac4j.cli;

import picocli.CommandLine;

import java.math.BigDecimal;
import java.util.Locale;

/** Parses byte sizes: {@code 1000000}, {@code 512KiB}, {@code 64MiB}, {@code 1GiB}, {@code 1.5GB}, {@code 64M}. */
final class Sizes implements CommandLine.ITypeConverter<Long> {

    @Override public Long convert(String text) {
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** Bytes for a size; binary units (KiB, MiB, GiB, and K, M, G) are powers of 1024, KB, MB, GB powers of 1000. */
    static long parse(String text) {
        String t = text.strip();
        int i = 0;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) i++;
        if (i == 0) throw new IllegalArgumentException("'" + text + "' is not a size (try 64MiB, 512KiB, 1GiB or a byte count)");
        String unit = t.substring(i).strip().toLowerCase(Locale.ROOT);
        long scale = switch (unit) {
            case "", "b" -> 1L;
            case "k", "kib" -> 1L << 10;
            case "m", "mib" -> 1L << 20;
            case "g", "gib" -> 1L << 30;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            default -> throw new IllegalArgumentException("unknown unit '" + t.substring(i).strip() + "' in size '" + text
                    + "' (use B, KiB, MiB, GiB, KB, MB or GB)");
        };
        BigDecimal bytes;
        try {
            bytes = new BigDecimal(t.substring(0, i)).multiply(BigDecimal.valueOf(scale));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size");
        }
        if (bytes.signum() <= 0 || bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("size '" + text + "' must be between 1 byte and 8 EiB");
        }
        return bytes.longValue();
    }

    /** A size for people: {@code 63.2 MiB}. */
    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1L << 20) return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        if (bytes < 1L << 30) return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
        return String.format(Locale.ROOT, "%.2f GiB", bytes / 1073741824.0);
    }
}
