package io.github.dac4j.weights;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A weights, codes or array file that cannot be used. The message is one line naming the file,
 * the tensor where there is one, and the problem: {@code "w.safetensors: tensor 'decoder.conv1.weight': shape [3, 4] where [96, 64, 7] was expected"}.
 */
public class WeightsException extends IOException {
    private final transient Path file;
    private final String tensor;

    /**
     * A problem with {@code file} (null for in-memory data) and, unless {@code tensor} is null, with that tensor;
     * {@code problem} is the one-line description that ends the message.
     */
    public WeightsException(Path file, String tensor, String problem) {
        super(format(file, tensor, problem));
        this.file = file;
        this.tensor = tensor;
    }

    /** As {@link #WeightsException(Path, String, String)}, keeping the exception that caused it. */
    public WeightsException(Path file, String tensor, String problem, Throwable cause) {
        this(file, tensor, problem);
        initCause(cause);
    }

    /** The file at fault; may be null for in-memory data. */
    public Path file() { return file; }

    /** The tensor at fault, or null when the problem is with the file as a whole. */
    public String tensor() { return tensor; }

    private static String format(Path file, String tensor, String problem) {
        String where = file == null ? "<memory>" : file.toString();
        return tensor == null ? where + ": " + problem : where + ": tensor '" + tensor + "': " + problem;
    }
}
