package io.github.dac4j.weights;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz targets for the two parsers that read untrusted files. The only acceptable failure is a
 * {@link WeightsException}; anything else (an index, arithmetic or allocation error) is a finding.
 *
 * <p>{@code mvn test} replays the committed corpus under
 * {@code src/test/resources/io/github/dac4j/weights/ParsersFuzzTestInputs/<method>/} (regression mode).
 * To fuzz: {@code JAZZER_FUZZ=1 ./mvnw -pl weights-loader test -Dtest=ParsersFuzzTest#safetensors} (each target
 * stops after {@code maxDuration}); new crashing inputs land in that folder: fix, then commit them.
 */
class ParsersFuzzTest {
    private static final Path SCRATCH = scratch();

    private static Path scratch() {
        try {
            Path dir = Files.createTempDirectory("dac4j-fuzz");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "120s")
    void safetensors(byte[] input) throws IOException {
        Path file = SCRATCH.resolve("input.safetensors");
        Files.write(file, input);
        try (SafeTensors st = SafeTensors.open(file)) {
            for (TensorInfo t : st.tensors().values()) {
                if (t.dtype().isFloating()) st.readFloat(t.name()); else st.readLong(t.name());
            }
        } catch (WeightsException expected) {
            // a clear rejection is the right answer to a bad file
        }
        try {
            DacCheckpoint.load(file);
        } catch (WeightsException expected) {
            // most inputs are not DAC checkpoints
        }
    }

    @FuzzTest(maxDuration = "120s")
    void npy(byte[] input) throws IOException {
        Path file = SCRATCH.resolve("input.npy");
        Files.write(file, input);
        try {
            Npy.read(file);
        } catch (WeightsException expected) {
            // a clear rejection is the right answer to a bad file
        }
    }
}
