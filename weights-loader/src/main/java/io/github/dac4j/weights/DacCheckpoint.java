package io.github.dac4j.weights;

import java.nio.file.Path;
import java.util.Map;

/**
 * A DAC checkpoint, loaded from safetensors in any layout docs/MODEL.md lists, with weight norm folded
 * ({@code W = g v / ||v||}, per output channel for Conv1d, per input channel for ConvTranspose1d) and tensors renamed
 * to the HF names ({@code decoder.block.0.conv_t1.weight}): the decode path always, and the encoder with each
 * quantizer's {@code in_proj} when the file has them ({@link #encoder()}). Every tensor is checked against the
 * configuration inferred from the shapes.
 */
public final class DacCheckpoint {
    private final Path file;
    private final DacConfig config;
    private final EncoderConfig encoder;
    private final WeightsException noEncoder;
    private final Layout layout;
    private final DType storedDtype;
    private final Map<String, Tensor> tensors;
    private final long parameterCount;
    private final long storedBytes;

    /**
     * A checkpoint from tensors that are already folded and HF-named, as {@link #load} and {@link DacSynth#checkpoint}
     * make them; nothing is checked here. The map is copied, the tensors are not. {@code file} may be null.
     */
    public DacCheckpoint(Path file, DacConfig config, Layout layout, DType storedDtype, Map<String, Tensor> tensors,
                         long parameterCount, long storedBytes) {
        this(file, config, null, layout, storedDtype, tensors, parameterCount, storedBytes);
    }

    /**
     * As the constructor with an encoder; when {@code encoder} is null, {@code noEncoder} says why for
     * {@link #requireEncoder()} (null: a generic "no encoder").
     */
    DacCheckpoint(Path file, DacConfig config, EncoderConfig encoder, WeightsException noEncoder, Layout layout, DType storedDtype,
                  Map<String, Tensor> tensors, long parameterCount, long storedBytes) {
        this(file, config, encoder, layout, storedDtype, tensors, parameterCount, storedBytes, noEncoder);
    }

    /**
     * As {@link #DacCheckpoint(Path, DacConfig, Layout, DType, Map, long, long)}, with an encoder ({@code encoder}
     * not null: the map holds its tensors too). The counts and bytes are the decode path's.
     */
    public DacCheckpoint(Path file, DacConfig config, EncoderConfig encoder, Layout layout, DType storedDtype,
                         Map<String, Tensor> tensors, long parameterCount, long storedBytes) {
        this(file, config, encoder, layout, storedDtype, tensors, parameterCount, storedBytes, null);
    }

    private DacCheckpoint(Path file, DacConfig config, EncoderConfig encoder, Layout layout, DType storedDtype,
                          Map<String, Tensor> tensors, long parameterCount, long storedBytes, WeightsException noEncoder) {
        this.file = file;
        this.config = config;
        this.encoder = encoder;
        this.noEncoder = encoder != null ? null
                : noEncoder != null ? noEncoder : new WeightsException(file, "encoder.conv1.weight", "missing: the checkpoint holds no encoder");
        this.layout = layout;
        this.storedDtype = storedDtype;
        this.tensors = Map.copyOf(tensors);
        this.parameterCount = parameterCount;
        this.storedBytes = storedBytes;
    }

    /**
     * Loads and validates a checkpoint: a {@code .safetensors} file, or a Hugging Face model folder holding
     * {@code model.safetensors} ({@link ModelFiles}). The sample rate is the {@code sampling_rate} of the
     * {@code config.json} beside the weights, whose other fields must agree with the shapes; else the published
     * model's with these shapes; else 44,100 Hz ({@link DacConfig#sampleRateSource()} says which).
     *
     * @throws WeightsException a one-line message naming the file, the tensor or config.json field, and the problem
     */
    public static DacCheckpoint load(Path weightsOrFolder) throws WeightsException {
        return DacCheckpointLoader.load(weightsOrFolder, true);
    }

    /**
     * As {@link #load}, but reads the decode path only: the quantizer's codebooks and {@code out_proj}, and the
     * decoder. A checkpoint with an encoder (descript's and Hugging Face's hold one) loads faster and in less memory
     * this way when only decoding; {@link #encoder()} is then null and {@link #requireEncoder()} says to use
     * {@link #load}. The decode-path tensors are the same as {@link #load}'s.
     *
     * @throws WeightsException a one-line message naming the file, the tensor or config.json field, and the problem
     */
    public static DacCheckpoint loadDecoder(Path weightsOrFolder) throws WeightsException {
        return DacCheckpointLoader.load(weightsOrFolder, false);
    }

    /**
     * The encoder's configuration, or null when the file holds no whole encoder (it still decodes) or was loaded with
     * {@link #loadDecoder}.
     */
    public EncoderConfig encoder() { return encoder; }

    /**
     * The encoder's configuration.
     *
     * @throws WeightsException naming the file and the first encoder tensor missing or mis-shaped, when there is none
     */
    public EncoderConfig requireEncoder() throws WeightsException {
        if (encoder == null) throw noEncoder;
        return encoder;
    }

    /** The safetensors file it was loaded from; null for a checkpoint built in memory ({@link DacSynth#checkpoint}). */
    public Path file() { return file; }

    /** The configuration, as inferred from the tensor shapes when loaded. */
    public DacConfig config() { return config; }

    /** How the file stored and named its weights; {@link #tensors()} are folded and HF-named whatever it was. */
    public Layout layout() { return layout; }

    /** The dtype the decode-path tensors were stored in (F32, F16 or BF16). */
    public DType storedDtype() { return storedDtype; }

    /** Canonical (HF-named, folded) tensors: the decode path, and the encoder when there is one. */
    public Map<String, Tensor> tensors() { return tensors; }

    /**
     * Whether a canonical tensor name is on the decode path (the quantizer's codebooks and {@code out_proj}, the
     * decoder), not the encoder's nor a quantizer's {@code in_proj}, which only encoding reads: what {@link #loadDecoder}
     * loads of what {@link #load} loads.
     */
    public static boolean onDecodePath(String name) { return !name.startsWith("encoder.") && !name.contains(".in_proj."); }

    /** Parameters on the decode path after folding (54,247,777 for the 44.1 kHz model). */
    public long parameterCount() { return parameterCount; }

    /** Bytes the decode-path tensors occupy in the file as stored. */
    public long storedBytes() { return storedBytes; }

    /** The root view for model code: {@code weights().prefix("decoder")}. */
    public Weights weights() { return new Weights(file, tensors, ""); }
}
