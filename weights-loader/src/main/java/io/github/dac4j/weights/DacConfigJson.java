package io.github.dac4j.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Hugging Face {@code config.json} of a DAC model (transformers' {@code DacConfig}): read beside the weights for
 * the sample rate, and checked against the shapes, so that a config.json of another model is never trusted; and
 * written beside synthetic checkpoints, with the keys transformers writes.
 */
final class DacConfigJson {
    /** Reads config.json: Jackson's defaults (its writing still goes through an ObjectMapper). */
    private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();

    private DacConfigJson() {}

    /**
     * {@code shapes} with the rate of {@code file}'s {@code sampling_rate} if it has one, after checking every
     * field that describes the shapes ({@code hop_length}, {@code upsampling_ratios}, {@code downsampling_ratios},
     * {@code n_codebooks}, {@code codebook_size}, {@code codebook_dim}, {@code hidden_size},
     * {@code decoder_hidden_size}) against them. Absent fields are not checked; {@code shapes} is returned as is
     * when the file has no {@code sampling_rate}.
     *
     * @throws WeightsException naming {@code file} and the first field that disagrees, is malformed or implausible
     */
    static DacConfig apply(Path file, DacConfig shapes) throws WeightsException {
        JsonNode root = parse(file);
        JsonNode type = root.get("model_type");
        if (type != null && !type.isNull() && !"dac".equals(type.asText())) {
            throw new WeightsException(file, null, "model_type is '" + type.asText() + "', not 'dac': this is not a DAC model's config.json");
        }
        Fields f = new Fields(file, root);
        int[] strides = shapes.strides();
        f.expect("hop_length", shapes.hop(), "the weights' strides " + Arrays.toString(strides) + " give a hop of " + shapes.hop());
        f.expect("upsampling_ratios", strides, "the weights' decoder strides are " + Arrays.toString(strides));
        int[] down = f.ints("downsampling_ratios");
        if (down != null && product(down) != shapes.hop()) {
            throw f.error("downsampling_ratios", Arrays.toString(down) + " give a hop of " + product(down) + ", but the weights' strides "
                    + Arrays.toString(strides) + " give " + shapes.hop());
        }
        f.expect("n_codebooks", shapes.nCodebooks(), "the weights hold " + shapes.nCodebooks() + " codebooks");
        f.expect("codebook_size", shapes.codebookSize(), "the weights' codebooks have " + shapes.codebookSize() + " entries");
        f.expect("codebook_dim", shapes.codebookDim(), "the weights' codebook entries have " + shapes.codebookDim() + " values");
        f.expect("hidden_size", shapes.latentDim(), "the weights' latent (out_proj rows) is " + shapes.latentDim());
        f.expect("decoder_hidden_size", shapes.decoderDim(), "the weights' decoder.conv1 has " + shapes.decoderDim() + " rows");
        Long rate = f.integer("sampling_rate");
        if (rate == null) return shapes;
        if (!SampleRates.plausible(rate)) throw f.error("sampling_rate", SampleRates.problem(rate));
        return shapes.withSampleRate(rate.intValue(), SampleRateSource.CONFIG_JSON);
    }

    /**
     * Writes the config.json transformers' {@code DacConfig} would write for this model (its keys, sorted, indented
     * by two): the encoder's shapes follow from the decoder's as transformers derives them
     * ({@code downsampling_ratios} the reverse of {@code upsampling_ratios}, {@code encoder_hidden_size} the latent
     * halved once per block).
     */
    static void write(Path file, DacConfig c, DType dtype) throws IOException {
        Map<String, Object> m = new TreeMap<>();
        m.put("architectures", new String[] {"DacModel"});
        m.put("codebook_dim", c.codebookDim());
        m.put("codebook_loss_weight", 1.0);
        m.put("codebook_size", c.codebookSize());
        m.put("commitment_loss_weight", 0.25);
        m.put("decoder_hidden_size", c.decoderDim());
        m.put("downsampling_ratios", DacSynth.encoderStrides(c));
        m.put("encoder_hidden_size", DacSynth.encoderWidth(c));
        m.put("hidden_size", c.latentDim());
        m.put("hop_length", c.hop());
        m.put("model_type", "dac");
        m.put("n_codebooks", c.nCodebooks());
        m.put("quantizer_dropout", 0.0);
        m.put("sampling_rate", c.sampleRate());
        m.put("torch_dtype", switch (dtype) { case F16 -> "float16"; case BF16 -> "bfloat16"; default -> "float32"; });
        m.put("upsampling_ratios", c.strides());
        // Python's json.dumps(indent=2), as transformers calls it: two-space indents, one list item a line, "key": value.
        DefaultIndenter indent = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        printer.indentObjectsWith(indent);
        printer.indentArraysWith(indent);
        byte[] text = (new ObjectMapper().writer(printer).writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(text));
    }

    private static JsonNode parse(Path file) throws WeightsException {
        JsonNode root;
        try {
            root = JsonTrees.read(JSON, Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new WeightsException(file, null, "not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""), e);
        } catch (NoSuchFileException e) {
            throw new WeightsException(file, null, "no such file", e);
        } catch (IOException | SecurityException e) {
            throw new WeightsException(file, null, "cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new WeightsException(file, null, "not a JSON object");
        return root;
    }

    private static long product(int[] a) {
        long p = 1;
        for (int x : a) p *= x;
        return p;
    }

    /** Typed access to the fields, each error naming the file and the field. */
    private record Fields(Path file, JsonNode root) {
        WeightsException error(String field, String problem) {
            return new WeightsException(file, null, field + " " + problem);
        }

        /** An integer field, or null where it is absent or JSON null. */
        Long integer(String field) throws WeightsException {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) return null;
            if (!n.isNumber() || !integral(n)) throw error(field, "is not an integer: " + n);
            return n.asLong();
        }

        /** An array of integers, or null where it is absent or JSON null. */
        int[] ints(String field) throws WeightsException {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) return null;
            if (!n.isArray()) throw error(field, "is not a list of integers: " + n);
            int[] out = new int[n.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode e = n.get(i);
                if (!e.isNumber() || !integral(e) || e.asLong() < 1 || e.asLong() > 1 << 20) {
                    throw error(field, "is not a list of positive integers: " + n);
                }
                out[i] = e.asInt();
            }
            return out;
        }

        void expect(String field, int expected, String why) throws WeightsException {
            Long v = integer(field);
            if (v != null && v != expected) throw error(field, "is " + v + ", but " + why);
        }

        void expect(String field, int[] expected, String why) throws WeightsException {
            int[] v = ints(field);
            if (v != null && !Arrays.equals(v, expected)) throw error(field, "is " + Arrays.toString(v) + ", but " + why);
        }

        private static boolean integral(JsonNode n) {
            if (n.isIntegralNumber()) return n.canConvertToLong();
            double d = n.asDouble();
            return d == Math.rint(d) && Math.abs(d) < 1e15; // 16000.0 is an integer too
        }
    }
}
