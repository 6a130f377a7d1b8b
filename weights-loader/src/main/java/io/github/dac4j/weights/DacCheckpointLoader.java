package io.github.dac4j.weights;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a DAC checkpoint in any layout: finds the prefix and the naming (HF or original descript), the form
 * of the convolution weights (folded, weight_g/weight_v, parametrizations), infers the configuration from the
 * shapes, then loads every decode-path tensor under its HF name, folding weight norm, and checks its shape.
 */
final class DacCheckpointLoader {
    private static final String CODEBOOK0 = "quantizer.quantizers.0.codebook.weight";

    private DacCheckpointLoader() {}

    /** Loads a safetensors file or a model folder; the sample rate comes from config.json beside it, else the shapes. */
    static DacCheckpoint load(Path weightsOrFolder, boolean withEncoder) throws WeightsException {
        ModelFiles files = ModelFiles.resolve(weightsOrFolder);
        try (SafeTensors st = SafeTensors.open(files.weights())) {
            return new Reader(st, files.configJson()).read(withEncoder);
        }
    }

    /** One load: the file, its prefix and naming, and the tensors read so far. */
    private static final class Reader {
        private final SafeTensors st;
        private final Path file;
        private final Path configJson;
        private final String prefix;
        private final boolean original;
        private final Map<String, Tensor> out = new LinkedHashMap<>();
        private final Map<DType, Integer> dtypes = new HashMap<>();
        private long storedBytes;
        private Layout form;

        /** {@code configJson}: the config.json beside the weights, or null. */
        Reader(SafeTensors st, Path configJson) throws WeightsException {
            this.st = st;
            this.file = st.file();
            this.configJson = configJson;
            String found = null;
            for (String name : st.tensors().keySet()) {
                if (name.endsWith(CODEBOOK0)) {
                    found = name.substring(0, name.length() - CODEBOOK0.length());
                    break;
                }
            }
            if (found == null) {
                throw new WeightsException(file, null, "not a DAC checkpoint: no tensor named *" + CODEBOOK0 + " among " + st.tensors().size() + " tensors");
            }
            this.prefix = found;
            this.original = st.tensors().containsKey(prefix + "decoder.model.0.weight_v")
                    || st.tensors().containsKey(prefix + "decoder.model.0.weight")
                    || st.tensors().containsKey(prefix + "decoder.model.0.parametrizations.weight.original1");
        }

        /** The checkpoint; its encoder too when {@code withEncoder} and the file holds one. */
        DacCheckpoint read(boolean withEncoder) throws WeightsException {
            // Configuration from the shapes.
            TensorInfo codebook = st.info(prefix + CODEBOOK0);
            if (codebook.shape().length != 2) throw new WeightsException(file, codebook.name(), "shape " + text(codebook.shape()) + " is not [size, dim]");
            int size = dim(codebook, 0), dim = dim(codebook, 1);
            int codebooks = 0;
            while (st.tensors().containsKey(prefix + "quantizer.quantizers." + codebooks + ".codebook.weight")) codebooks++;
            int latent = dim(weightShape(source("quantizer.quantizers.0.out_proj")), 0);
            TensorInfo conv1 = weightShape(source("decoder.conv1"));
            int width = dim(conv1, 0);
            int blocks = 0;
            while (has(source("decoder.block." + blocks + ".conv_t1"))) blocks++;
            if (blocks == 0) throw new WeightsException(file, source("decoder.block.0.conv_t1") + ".weight", "missing: no decoder blocks");
            int[] strides = new int[blocks];
            for (int b = 0; b < blocks; b++) {
                TensorInfo t = weightShape(source("decoder.block." + b + ".conv_t1"));
                if (t.shape().length != 3) throw new WeightsException(file, t.name(), "shape " + text(t.shape()) + " is not [in, out, kernel]");
                int kernel = dim(t, 2);
                if (kernel % 2 != 0) throw new WeightsException(file, t.name(), "kernel " + kernel + " is not twice a stride");
                strides[b] = kernel / 2; // odd strides too: 5 in the 16 and 24 kHz models
            }
            if (width % (1 << blocks) != 0) throw new WeightsException(file, conv1.name(), "width " + width + " does not halve " + blocks + " times");
            DacConfig config = DacConfig.fromShapes(latent, width, strides, codebooks, size, dim);
            // The rate of config.json beside the weights, after checking it describes these shapes; else the shapes'.
            if (configJson != null) config = DacConfigJson.apply(configJson, config);

            // Every decode-path tensor, renamed, folded and checked.
            for (int k = 0; k < codebooks; k++) {
                String q = "quantizer.quantizers." + k;
                plain(q + ".codebook.weight", size, dim);
                conv(q + ".out_proj", latent, dim, 1);
            }
            conv("decoder.conv1", width, latent, 7);
            for (int b = 0; b < blocks; b++) {
                String p = "decoder.block." + b;
                int in = config.channels(b), c = in / 2;
                plain(p + ".snake1.alpha", 1, in, 1);
                conv(p + ".conv_t1", in, c, 2 * strides[b]);
                for (int r = 1; r <= 3; r++) {
                    String u = p + ".res_unit" + r;
                    plain(u + ".snake1.alpha", 1, c, 1);
                    conv(u + ".conv1", c, c, 7);
                    plain(u + ".snake2.alpha", 1, c, 1);
                    conv(u + ".conv2", c, c, 1);
                }
            }
            int last = config.channels(blocks);
            plain("decoder.snake1.alpha", 1, last, 1);
            conv("decoder.conv2", 1, last, 7);

            long parameters = out.values().stream().mapToLong(t -> t.data().length).sum();
            long decodeBytes = storedBytes;
            DType stored = dtypes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(DType.F32);
            Layout layout = original ? Layout.ORIGINAL : form;
            // The encoder when the file has a whole one; stray encoder tensors (some conversions keep a few) do not stop
            // decoding: asking for the encoder then names what is missing.
            EncoderConfig encoder = null;
            WeightsException noEncoder = new WeightsException(file, source("encoder.conv1") + ".weight", "missing: the file holds no encoder");
            if (!withEncoder) {
                noEncoder = new WeightsException(file, null, "loaded for decoding only (DacCheckpoint.loadDecoder): load it with DacCheckpoint.load to encode");
            } else if (has(source("encoder.conv1"))) {
                Map<String, Tensor> decodePath = new LinkedHashMap<>(out);
                try {
                    encoder = readEncoder(config);
                    noEncoder = null;
                } catch (WeightsException e) {
                    out.clear();
                    out.putAll(decodePath);
                    noEncoder = e;
                }
            }
            return new DacCheckpoint(file, config, encoder, noEncoder, layout, stored, out, parameters, decodeBytes);
        }

        /**
         * The encoder and each quantizer's {@code in_proj}, renamed, folded and checked like the decoder: the configuration
         * from the shapes (width = encoder.conv1 rows, each stride = kernel / 2 of a block's strided conv).
         */
        private EncoderConfig readEncoder(DacConfig decoder) throws WeightsException {
            TensorInfo first = weightShape(source("encoder.conv1"));
            int width = dim(first, 0), blocks = 0;
            while (has(source("encoder.block." + blocks + ".conv1"))) blocks++;
            if (blocks == 0) throw new WeightsException(file, source("encoder.block.0.conv1") + ".weight", "missing: an encoder without blocks");
            int[] strides = new int[blocks];
            for (int n = 0; n < blocks; n++) {
                TensorInfo t = weightShape(source("encoder.block." + n + ".conv1"));
                int kernel = dim(t, 2);
                if (kernel % 2 != 0) throw new WeightsException(file, t.name(), "kernel " + kernel + " is not twice a stride");
                strides[n] = kernel / 2;
            }
            EncoderConfig c = new EncoderConfig(width, strides);
            if (c.hop() != decoder.hop()) {
                throw new WeightsException(file, first.name(), "the encoder's strides " + java.util.Arrays.toString(strides) + " give hop "
                        + c.hop() + " where the decoder's give " + decoder.hop());
            }
            int latent = decoder.latentDim();
            conv("encoder.conv1", width, 1, 7);
            for (int n = 0; n < blocks; n++) {
                String p = "encoder.block." + n;
                int ch = c.channels(n);
                for (int r = 1; r <= 3; r++) {
                    String u = p + ".res_unit" + r;
                    plain(u + ".snake1.alpha", 1, ch, 1);
                    conv(u + ".conv1", ch, ch, 7);
                    plain(u + ".snake2.alpha", 1, ch, 1);
                    conv(u + ".conv2", ch, ch, 1);
                }
                plain(p + ".snake1.alpha", 1, ch, 1);
                conv(p + ".conv1", 2 * ch, ch, 2 * strides[n]);
            }
            int last = c.channels(blocks);
            plain("encoder.snake1.alpha", 1, last, 1);
            conv("encoder.conv2", latent, last, 3);
            for (int k = 0; k < decoder.nCodebooks(); k++) conv("quantizer.quantizers." + k + ".in_proj", decoder.codebookDim(), latent, 1);
            return c;
        }

        /** A tensor stored as is (codebooks, alphas): loaded under its HF name. */
        private void plain(String canonical, int... shape) throws WeightsException {
            String name = source(canonical);
            out.put(canonical, new Tensor(canonical, shape, read(name, shape)));
        }

        /** A convolution's weight (in whatever form) and bias. */
        private void conv(String canonical, int d0, int d1, int k) throws WeightsException {
            String base = source(canonical);
            int[] shape = {d0, d1, k};
            float[] weight;
            if (st.tensors().containsKey(base + ".weight")) {
                noteForm(Layout.FOLDED);
                weight = read(base + ".weight", shape);
            } else if (st.tensors().containsKey(base + ".weight_v")) {
                noteForm(Layout.WEIGHT_NORM);
                weight = fold(base + ".weight_g", base + ".weight_v", shape);
            } else if (st.tensors().containsKey(base + ".parametrizations.weight.original1")) {
                noteForm(Layout.PARAMETRIZATIONS);
                weight = fold(base + ".parametrizations.weight.original0", base + ".parametrizations.weight.original1", shape);
            } else {
                throw new WeightsException(file, base + ".weight", "missing (nor weight_g/weight_v, nor parametrizations.weight.original0/1)");
            }
            out.put(canonical + ".weight", new Tensor(canonical + ".weight", shape, weight));
            int bias = biasLength(canonical, d0, d1);
            out.put(canonical + ".bias", new Tensor(canonical + ".bias", new int[] {bias}, read(base + ".bias", bias)));
        }

        /** ConvTranspose1d's bias has its output channels (dim 1); Conv1d's its dim 0. */
        private static int biasLength(String canonical, int d0, int d1) { return canonical.endsWith("conv_t1") ? d1 : d0; }

        /** Weight norm: {@code W = g v / ||v||}, the norm over every dimension but 0 (input channels for conv_t1). */
        private float[] fold(String gName, String vName, int[] shape) throws WeightsException {
            float[] v = read(vName, shape);
            TensorInfo gi = st.info(gName);
            if (gi.elements() != shape[0]) throw new WeightsException(file, gName, "shape " + text(gi.shape()) + " where [" + shape[0] + ", 1, 1] was expected");
            float[] g = read(gName, null);
            int rows = shape[0], per = v.length / rows;
            // In place (v is this call's own copy, and a second array of the weights' size costs a cold load 10 %),
            // four rows at a time through a double copy, with the same products, sums and roundings as the one-line
            // v[j] = (float) (v[j] * (g / sqrt(sum of v^2))): C2 on JDK 17 compiles that line into about 4 ns a weight
            // (200 ms of a 44.1 kHz load), the float-to-double conversion apart into about 1.2 (JDK 25: 0.5 and 0.7);
            // and each row's sum is a chain of dependent additions, which four rows side by side keep the adder busy with.
            double[] rows4 = new double[4 * per];
            for (int i0 = 0; i0 < rows; i0 += 4) {
                int n = Math.min(4, rows - i0), at = i0 * per;
                for (int j = 0; j < n * per; j++) rows4[j] = v[at + j];
                // with fewer than four rows left, the copy's last rows are stale: summed, never used
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int j = 0; j < per; j++) {
                    double a = rows4[j], b = rows4[per + j], c = rows4[2 * per + j], d = rows4[3 * per + j];
                    s0 += a * a;
                    s1 += b * b;
                    s2 += c * c;
                    s3 += d * d;
                }
                double[] sums = {s0, s1, s2, s3};
                for (int r = 0; r < n; r++) {
                    double scale = g[i0 + r] / Math.sqrt(sums[r]);
                    for (int j = r * per; j < (r + 1) * per; j++) v[at + j] = (float) (rows4[j] * scale);
                }
            }
            return v;
        }

        /** Reads a float tensor, checking its shape when one is given. */
        private float[] read(String name, int... shape) throws WeightsException {
            TensorInfo t = st.tensors().get(name);
            if (t == null) throw new WeightsException(file, name, "missing");
            if (!t.dtype().isFloating()) throw new WeightsException(file, name, "dtype " + t.dtype() + " where a float type was expected");
            if (shape != null && !sameShape(t.shape(), shape)) {
                throw new WeightsException(file, name, "shape " + text(t.shape()) + " where " + java.util.Arrays.toString(shape) + " was expected");
            }
            dtypes.merge(t.dtype(), 1, Integer::sum);
            storedBytes += t.end() - t.begin();
            return st.readFloat(name);
        }

        private void noteForm(Layout f) {
            if (form == null) form = f;
        }

        private boolean has(String base) {
            return st.tensors().containsKey(base + ".weight") || st.tensors().containsKey(base + ".weight_v")
                    || st.tensors().containsKey(base + ".parametrizations.weight.original1");
        }

        /** The info of a conv's weight (or of v, whose shape is the weight's). */
        private TensorInfo weightShape(String base) throws WeightsException {
            for (String suffix : List.of(".weight", ".weight_v", ".parametrizations.weight.original1")) {
                TensorInfo t = st.tensors().get(base + suffix);
                if (t != null) return t;
            }
            throw new WeightsException(file, base + ".weight", "missing");
        }

        /** HF name -> the name in this file (prefix, and the original descript numbering when it is used). */
        private String source(String canonical) {
            if (original && canonical.startsWith("encoder.")) return prefix + "encoder." + originalEncoderName(canonical.substring("encoder.".length()));
            if (!original || !canonical.startsWith("decoder.")) return prefix + canonical;
            String rest = canonical.substring("decoder.".length());
            String mapped;
            if (rest.startsWith("conv1")) {
                mapped = "model.0" + rest.substring("conv1".length());
            } else if (rest.startsWith("block.")) {
                String[] parts = rest.split("\\.", 4); // block, B, layer, tail
                int b = Integer.parseInt(parts[1]);
                String layer = parts[2], tail = parts.length > 3 ? "." + parts[3] : "";
                String head = "model." + (b + 1) + ".block.";
                mapped = switch (layer) {
                    case "snake1" -> head + "0" + tail;
                    case "conv_t1" -> head + "1" + tail;
                    default -> { // res_unitR.{snake1, conv1, snake2, conv2}.tail
                        int r = Integer.parseInt(layer.substring("res_unit".length()));
                        String[] sub = parts[3].split("\\.", 2);
                        int index = switch (sub[0]) { case "snake1" -> 0; case "conv1" -> 1; case "snake2" -> 2; default -> 3; };
                        yield head + (r + 1) + ".block." + index + (sub.length > 1 ? "." + sub[1] : "");
                    }
                };
            } else {
                int blocks = 0;
                while (st.tensors().containsKey(prefix + "decoder.model." + (blocks + 1) + ".block.0.alpha")) blocks++;
                mapped = rest.startsWith("snake1")
                        ? "model." + (blocks + 1) + rest.substring("snake1".length())
                        : "model." + (blocks + 2) + rest.substring("conv2".length());
            }
            return prefix + "decoder." + mapped;
        }

        /**
         * descript's encoder numbering: {@code block.0} = conv1, {@code block.{n+1}.block.{0,1,2}} = res_unit1..3 (each
         * {@code .block.{0,1,2,3}} = snake1, conv1, snake2, conv2), {@code .block.3} = the block's Snake,
         * {@code .block.4} = its strided conv, {@code block.{N+1}} = the last Snake, {@code block.{N+2}} = conv2.
         */
        private String originalEncoderName(String rest) {
            if (rest.startsWith("conv1")) return "block.0" + rest.substring("conv1".length());
            if (rest.startsWith("block.")) {
                String[] parts = rest.split("\\.", 4); // block, n, layer, tail
                int n = Integer.parseInt(parts[1]);
                String layer = parts[2], tail = parts.length > 3 ? "." + parts[3] : "";
                String head = "block." + (n + 1) + ".block.";
                return switch (layer) {
                    case "snake1" -> head + "3" + tail;
                    case "conv1" -> head + "4" + tail;
                    default -> { // res_unitR.{snake1, conv1, snake2, conv2}.tail
                        int r = Integer.parseInt(layer.substring("res_unit".length()));
                        String[] sub = parts[3].split("\\.", 2);
                        int index = switch (sub[0]) { case "snake1" -> 0; case "conv1" -> 1; case "snake2" -> 2; default -> 3; };
                        yield head + (r - 1) + ".block." + index + (sub.length > 1 ? "." + sub[1] : "");
                    }
                };
            }
            int blocks = 0;
            while (st.tensors().containsKey(prefix + "encoder.block." + (blocks + 1) + ".block.3.alpha")) blocks++;
            return rest.startsWith("snake1")
                    ? "block." + (blocks + 1) + rest.substring("snake1".length())
                    : "block." + (blocks + 2) + rest.substring("conv2".length());
        }

        private int dim(TensorInfo t, int i) throws WeightsException {
            if (t.shape().length <= i) throw new WeightsException(file, t.name(), "shape " + text(t.shape()) + " has no dimension " + i);
            long d = t.shape()[i];
            if (d < 1 || d > 1 << 20) throw new WeightsException(file, t.name(), "dimension " + i + " of " + d + " is not plausible");
            return (int) d;
        }

        private static boolean sameShape(long[] a, int[] b) {
            if (a.length != b.length) return false;
            for (int i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
            return true;
        }

        private static String text(long[] shape) { return java.util.Arrays.toString(shape); }
    }
}
