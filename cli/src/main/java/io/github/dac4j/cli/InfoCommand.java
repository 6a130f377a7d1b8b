package io.github.dac4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.ModelFiles;
import io.github.dac4j.weights.SampleRateSource;
import io.github.dac4j.weights.SampleRates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code dac info}: what a checkpoint holds, after loading and checking it. */
@Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show a checkpoint's layout, stored dtype, configuration, sample rate (and where it came from), "
                + "decode-path parameters and bytes, and its encoder if it holds one.")
final class InfoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--weights", required = true, paramLabel = "W", description = Main.WEIGHTS_HELP)
    Path weights;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Option(names = "--verbose", description = "Print stack traces on errors.")
    boolean verbose;

    @Override public Integer call() throws Exception {
        ModelFiles files = ModelFiles.resolve(weights);
        DacCheckpoint c = DacCheckpoint.load(weights);
        DacConfig k = c.config();
        // the checkpoint's tensors hold the encoder's too when it has one: count the decode path apart
        long decodeTensors = c.tensors().keySet().stream().filter(DacCheckpoint::onDecodePath).count();
        long encoderTensors = c.tensors().size() - decodeTensors;
        long encoderParameters = c.tensors().entrySet().stream().filter(e -> !DacCheckpoint.onDecodePath(e.getKey()))
                .mapToLong(e -> e.getValue().data().length).sum();
        String noEncoder = c.encoder() != null ? null : noEncoder(c);
        long fileBytes = Files.size(c.file());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", c.file().toString());
            m.put("config_json", files.configJson() == null ? null : files.configJson().toString());
            m.put("layout", c.layout().name().toLowerCase(java.util.Locale.ROOT));
            m.put("layout_description", c.layout().description());
            m.put("dtype", c.storedDtype().name());
            m.put("config", configMap(k));
            m.put("parameters", c.parameterCount());
            m.put("tensors", decodeTensors);
            m.put("stored_bytes", c.storedBytes());
            m.put("file_bytes", fileBytes);
            if (c.encoder() != null) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("width", c.encoder().width());
                e.put("strides", c.encoder().strides());
                e.put("parameters", encoderParameters);
                e.put("tensors", encoderTensors);
                m.put("encoder", e);
            } else {
                m.put("encoder", null);
                m.put("encoder_missing", noEncoder);
            }
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
        } else {
            out.printf("file          %s%n", c.file());
            if (files.configJson() != null) out.printf("config.json   %s%n", files.configJson());
            out.printf("layout        %s (%s)%n", c.layout().name().toLowerCase(java.util.Locale.ROOT), c.layout().description());
            out.printf("dtype         %s%n", c.storedDtype());
            out.printf("config        %s%n", k);
            out.printf(Locale.ROOT, "sample rate   %,d Hz, from %s; hop %d samples, %.2f frames per second%n", k.sampleRate(),
                    rateSource(k.sampleRateSource()), k.hop(), k.sampleRate() / (double) k.hop());
            out.printf("parameters    %,d (decode path)%n", c.parameterCount());
            out.printf("tensors       %d (decode path)%n", decodeTensors);
            out.printf("bytes         %,d stored decode path (%s), %,d file%n", c.storedBytes(), Sizes.human(c.storedBytes()), fileBytes);
            if (c.encoder() != null) {
                out.printf("encoder       width %d, strides %s, %,d parameters in %d tensors (with the quantizers' in_proj): "
                        + "dac encode can use it%n", c.encoder().width(), java.util.Arrays.toString(c.encoder().strides()),
                        encoderParameters, encoderTensors);
            } else {
                out.printf("encoder       none: %s%n", noEncoder);
            }
        }
        out.flush();
        return 0;
    }

    /** Why the checkpoint has no usable encoder, without the file name the output already shows. */
    private static String noEncoder(DacCheckpoint c) {
        try {
            c.requireEncoder();
            return "";
        } catch (io.github.dac4j.weights.WeightsException e) {
            String prefix = e.file() == null ? "" : e.file() + ": ";
            return e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
        }
    }

    static Map<String, Object> configMap(DacConfig k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("latent_dim", k.latentDim());
        m.put("decoder_dim", k.decoderDim());
        m.put("strides", k.strides());
        m.put("n_codebooks", k.nCodebooks());
        m.put("codebook_size", k.codebookSize());
        m.put("codebook_dim", k.codebookDim());
        m.put("hop", k.hop());
        m.put("sample_rate", k.sampleRate());
        m.put("sample_rate_source", k.sampleRateSource().label());
        return m;
    }

    /** Where a rate came from, in words. */
    static String rateSource(SampleRateSource s) {
        return switch (s) {
            case CONFIG_JSON -> "config.json (sampling_rate)";
            case SHAPES -> "the shapes (a published DAC model's hop and codebooks)";
            case USER -> "the user";
            case DEFAULT -> String.format(Locale.ROOT, "nowhere (no sampling_rate in a config.json beside the weights, and not a "
                    + "published model's shapes), so %,d Hz by default: decode --sample-rate sets it", SampleRates.FALLBACK);
        };
    }
}
