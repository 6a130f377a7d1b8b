package io.github.dac4j.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The files of a model, from what a user names with {@code --weights}: either a {@code .safetensors} file, or a
 * Hugging Face model folder holding {@code model.safetensors} (and usually {@code config.json}). The
 * {@code config.json} is the one beside the weights file, in both cases.
 *
 * @param weights    the safetensors file
 * @param configJson the {@code config.json} beside it, or null where there is none
 */
public record ModelFiles(Path weights, Path configJson) {
    /** The weights' name inside a Hugging Face model folder. */
    public static final String WEIGHTS_NAME = "model.safetensors";
    /** The configuration's name beside the weights. */
    public static final String CONFIG_NAME = "config.json";

    /**
     * Resolves a weights file or a model folder. Only a folder's layout is checked here: the files are read later,
     * and a missing weights file is reported then.
     *
     * @throws WeightsException naming the folder, if it has no {@code model.safetensors}
     */
    public static ModelFiles resolve(Path weightsOrFolder) throws WeightsException {
        Path weights = weightsOrFolder;
        if (Files.isDirectory(weightsOrFolder)) {
            weights = weightsOrFolder.resolve(WEIGHTS_NAME);
            if (!Files.isRegularFile(weights)) {
                throw new WeightsException(weightsOrFolder, null, "a folder without " + WEIGHTS_NAME + " (a model folder holds "
                        + WEIGHTS_NAME + " and " + CONFIG_NAME + ")" + otherWeights(weightsOrFolder));
            }
        }
        // A missing or unreadable weights file is reported when it is opened, as any file is.
        Path folder = weights.getParent();
        Path config = folder == null ? Path.of(CONFIG_NAME) : folder.resolve(CONFIG_NAME);
        if (!Files.exists(config)) config = null;
        return new ModelFiles(weights, config);
    }

    /** A hint naming a safetensors file the folder does hold, if any. */
    private static String otherWeights(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).findFirst()
                    .map(p -> "; it holds " + p.getFileName() + ", which can be named itself").orElse("");
        } catch (IOException | SecurityException e) {
            return "";
        }
    }
}
