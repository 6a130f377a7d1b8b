package io.github.dac4j.cli;

import io.github.dac4j.core.Precision;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;

/** {@code --device} and {@code --precision}, shared by {@code dac decode} and {@code dac encode} (a picocli mixin). */
final class DeviceOptions {
    @Option(names = "--device", paramLabel = "auto|cpu|cuda", defaultValue = "auto",
            description = "auto (the GPU when one works, else the CPU), cpu or cuda. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--precision", paramLabel = "fp32|fp16", description = "Activation precision; default fp16 on cuda, fp32 on cpu.")
    String precision;

    /**
     * Checks {@code --device} (auto, cpu or cuda) against {@code --precision} (fp16 needs cuda) before anything is
     * read, and returns the precision, null when not given.
     */
    Precision check() {
        Precision p = DecodeCommand.parsePrecision(precision);
        if (!List.of("auto", "cpu", "cuda").contains(device.toLowerCase(Locale.ROOT))) {
            throw new CliError("--device", "unknown device '" + device + "' (expected auto, cpu or cuda)");
        }
        if (device.equalsIgnoreCase("cpu") && p == Precision.FP16) {
            throw new CliError("--precision", "the CPU backend computes in fp32; fp16 needs --device cuda");
        }
        return p;
    }

    /** Whether the device was left to {@code auto}: then the commands say on stderr which one ran. */
    boolean auto() { return device.equalsIgnoreCase("auto"); }
}
