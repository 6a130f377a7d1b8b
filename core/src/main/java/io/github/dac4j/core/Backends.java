package io.github.dac4j.core;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/** Finds backends on the class path and opens the one a device name asks for. */
public final class Backends {
    private Backends() {}

    /**
     * A backend opened for a device name, with a note for the user when {@code auto} had to fall back.
     *
     * @param backend the opened backend; the caller owns it
     * @param note empty, or one line such as "no usable GPU (libcuda.so.1 not found): decoding on the CPU"
     */
    public record Selection(Backend backend, String note) {}

    /** Every provider on the class path, highest priority first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return list;
    }

    /**
     * Opens a backend for {@code device} ({@code auto}, {@code cpu} or {@code cuda}) at {@code precision}
     * (null: the backend's natural precision, fp16 on a GPU and fp32 on the CPU).
     *
     * @throws BackendUnavailableException if the named device cannot run here
     * @throws IllegalArgumentException    for an unknown device name or an unsupported precision
     */
    public static Selection open(String device, Precision precision) {
        String name = device == null ? "auto" : device.toLowerCase(Locale.ROOT);
        List<BackendProvider> providers = providers();
        if (name.equals("auto")) {
            StringBuilder skipped = new StringBuilder();
            for (BackendProvider p : providers) {
                Optional<String> reason = p.unavailableReason();
                if (reason.isEmpty()) {
                    try {
                        Backend b = p.create(precisionFor(p, precision));
                        String note = skipped.isEmpty() ? "" : "no usable GPU (" + skipped + "): decoding on the " + p.name().toUpperCase(Locale.ROOT);
                        return new Selection(b, note);
                    } catch (BackendUnavailableException | IllegalArgumentException e) {
                        if (p.name().equals("cpu")) throw e;
                        append(skipped, p.name() + ": " + e.getMessage());
                    }
                } else {
                    append(skipped, reason.get());
                }
            }
            throw new BackendUnavailableException("no backend can run here: " + skipped);
        }
        for (BackendProvider p : providers) {
            if (!p.name().equals(name)) continue;
            Optional<String> reason = p.unavailableReason();
            if (reason.isPresent()) {
                throw new BackendUnavailableException(name + " is unavailable: " + reason.get() + "; --device cpu works");
            }
            return new Selection(p.create(precisionFor(p, precision)), "");
        }
        if (name.equals("cuda")) {
            throw new BackendUnavailableException("cuda is unavailable: the CUDA backend (dac4j-kernels) is not on the class path; --device cpu works");
        }
        throw new IllegalArgumentException("unknown device '" + device + "' (expected auto, cpu or cuda)");
    }

    /**
     * Starts, in the background, what opening a backend for {@code device} will wait for ({@link BackendProvider#warmUp}
     * of the provider {@link #open} would choose: for the CPU, the JIT warm-up of its kernels). Call it before reading
     * a checkpoint, so that the two overlap ({@link Decoder#open(java.nio.file.Path, DecoderOptions)} does); it
     * returns at once, and opening works the same without it.
     */
    public static void warmUp(String device) {
        String name = device == null ? "auto" : device.toLowerCase(Locale.ROOT);
        for (BackendProvider p : providers()) {
            if (!name.equals("auto") && !p.name().equals(name)) continue;
            boolean usable = p.unavailableReason().isEmpty();
            if (usable) p.warmUp();
            if (usable || !name.equals("auto")) return;   // auto: the first usable one, as open picks
        }
    }

    private static Precision precisionFor(BackendProvider p, Precision asked) {
        if (asked != null) return asked;
        return p.name().equals("cpu") ? Precision.FP32 : Precision.FP16;
    }

    private static void append(StringBuilder sb, String text) {
        if (!sb.isEmpty()) sb.append("; ");
        sb.append(text);
    }
}
