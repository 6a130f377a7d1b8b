package io.github.dac4j.cli;

import io.github.dac4j.weights.Npy;
import io.github.dac4j.weights.NpyArray;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Runs the CLI in-process and reads fixtures: the helpers every CLI test shares. */
final class Cli {
    private Cli() {}

    /** What one command line did. */
    record Result(int code, String out, String err) {
        /** The non-empty lines of stderr. */
        String[] errLines() { return err.lines().filter(l -> !l.isBlank()).toArray(String[]::new); }

        /**
         * stderr without the Vector API hint, which depends on how this test JVM was started rather than on the
         * command (DecodeCommandTest checks the hint itself).
         */
        String messages() {
            return err.lines().filter(l -> !l.startsWith("dac: hint: ")).map(l -> l + "\n").reduce("", String::concat);
        }

        /** The non-empty lines of {@link #messages()}. */
        String[] messageLines() { return messages().lines().filter(l -> !l.isBlank()).toArray(String[]::new); }
    }

    static Result run(String... args) { return run(new Main(), args); }

    static Result run(Main main, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(main, args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A file under {@code src/test/resources/fixtures}. */
    static Path fixture(String name) {
        try {
            var url = Cli.class.getResource("/fixtures/" + name);
            if (url == null) throw new IllegalStateException("missing test fixture " + name);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static float[] floats(Path npy) throws IOException {
        NpyArray a = Npy.read(npy);
        return a.floats();
    }

    /** ||out - ref|| / ||ref|| (the shared measure: NaN anywhere fails every {@code <=} check). */
    static double relativeError(float[] out, float[] ref) { return io.github.dac4j.testing.Numerics.relativeError(out, ref); }

    /** File names in a directory, sorted. */
    static String[] list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }
}
