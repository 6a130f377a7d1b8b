package io.github.dac4j.cli;

import io.github.dac4j.weights.DType;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.weights.Layout;
import io.github.dac4j.weights.ModelFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code dac synth}: a random-weight checkpoint with a real configuration, for tests and benchmarks without downloads. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a random-weight DAC checkpoint (safetensors) of a preset configuration, optionally with its encoder "
                + "and a Hugging Face config.json beside it.")
final class SynthCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--preset", required = true, paramLabel = "16khz|24khz|44khz|tiny|small",
            description = "16khz, 24khz or 44khz (the published models' shapes: strides 8,5,4,2 with 12 or 32 codebooks, or 8,8,4,2 "
                    + "with 9; ~217 MB at f32), tiny or small (fixture-sized).")
    String preset;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "W.safetensors",
            description = "Output file, or an existing folder to write model.safetensors (and config.json) into.")
    Path out;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|f16|bf16", description = "Stored dtype. Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--layout", defaultValue = "weight-norm", paramLabel = "folded|weight-norm",
            description = "folded (.weight) or weight-norm (.weight_g/.weight_v). Default: ${DEFAULT-VALUE}.")
    String layout;

    @Option(names = "--with-config", description = "Also write config.json beside the weights, as transformers' DacConfig writes it "
            + "(sampling_rate: 16000, 24000 or 44100 for the published shapes, else 44100).")
    boolean withConfig;

    @Option(names = "--with-encoder", description = "Also write the encoder and each quantizer's in_proj (HF names, the shapes the "
            + "preset's real model has), as a real checkpoint holds them.")
    boolean withEncoder;

    @Option(names = "--verbose", description = "Print stack traces on errors.")
    boolean verbose;

    @Override public Integer call() throws Exception {
        DacConfig config = preset(preset);
        DType d = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32", "fp32", "float32" -> DType.F32;
            case "f16", "fp16", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new CliError("--dtype", "unknown dtype '" + dtype + "' (expected f32, f16 or bf16)");
        };
        Layout l = switch (layout.toLowerCase(Locale.ROOT)) {
            case "folded" -> Layout.FOLDED;
            case "weight-norm", "weight_norm", "weightnorm" -> Layout.WEIGHT_NORM;
            default -> throw new CliError("--layout", "unknown layout '" + layout + "' (expected folded or weight-norm)");
        };
        Path weights = Files.isDirectory(out) ? out.resolve(ModelFiles.WEIGHTS_NAME) : out;
        try (AtomicOutputs outputs = new AtomicOutputs()) {
            Path temp = outputs.add(weights);
            Path configTemp = withConfig ? outputs.add(weights.resolveSibling(ModelFiles.CONFIG_NAME)) : null;
            DacSynth.write(config, seed, d, l, withEncoder, temp);
            if (configTemp != null) DacSynth.writeConfigJson(config, d, configTemp);
            outputs.commit();
        }
        return 0;
    }

    static DacConfig preset(String name) {
        try {
            return DacConfig.preset(name);
        } catch (IllegalArgumentException e) {
            throw new CliError("--preset", e.getMessage(), e);
        }
    }
}
