package io.github.dac4j.core;

import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DType;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.weights.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Compiles every ```java block of the README into one class and runs each example: the README cannot rot. */
class ReadmeExamplesTest {
    private static final String IMPORTS = String.join("\n",
            "import io.github.dac4j.core.*;", "import io.github.dac4j.core.model.*;", "import io.github.dac4j.core.plan.*;", "import io.github.dac4j.core.program.*;",
            "import io.github.dac4j.weights.*;", "import java.nio.file.*;", "import java.util.*;");

    /** The README's stand-in for "whatever collects your audio". */
    private static final String HELPER = """
            static final class FloatArrayBuilder {
                private float[] data = new float[0];
                void add(float[] more) {
                    float[] joined = java.util.Arrays.copyOf(data, data.length + more.length);
                    System.arraycopy(more, 0, joined, data.length, more.length);
                    data = joined;
                }
                float[] toArray() { return data; }
            }
            """;

    @Test
    void readmeExamplesCompileAndRun(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        while (m.find()) blocks.add(m.group(1));
        assertEquals(4, blocks.size(), "the README's java examples");

        Path src = dir.resolve("ReadmeExamples.java");
        Files.writeString(src, IMPORTS + "\npublic class ReadmeExamples {\n" + HELPER + String.join("\n", blocks) + "\n}\n");
        String classpath = String.join(File.pathSeparator, location(Decoder.class), location(DacCheckpoint.class));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, null, errors, "-classpath", classpath, "-d", dir.toString(), src.toString());
        assertEquals(0, rc, "README examples do not compile:\n" + errors);

        Path weights = dir.resolve("tiny.safetensors");
        DacSynth.write(DacConfig.tiny(), 3, DType.F32, Layout.FOLDED, weights);
        int[][][] codes = DacSynth.codes(DacConfig.tiny(), 1, 3, 23, 5);
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Class<?> examples = loader.loadClass("ReadmeExamples");
            float[][] whole = (float[][]) method(examples, "decodeWhole").invoke(null, weights, codes);
            assertEquals(23 * DacConfig.tiny().hop(), whole[0].length);

            List<int[][]> frames = new ArrayList<>();
            for (int t = 0; t < 23; t += 5) {
                int n = Math.min(5, 23 - t);
                int[][] part = new int[3][];
                for (int k = 0; k < 3; k++) part[k] = java.util.Arrays.copyOfRange(codes[0][k], t, t + n);
                frames.add(part);
            }
            float[] streamed = (float[]) method(examples, "streamFrames").invoke(null, weights, frames);
            assertArrayEquals(whole[0], streamed, "the streaming example gives the whole decode's samples");

            Path withEncoder = dir.resolve("tiny-encoder.safetensors");
            DacSynth.write(DacConfig.tiny(), 3, DType.F32, Layout.FOLDED, true, withEncoder);
            float[][] audio = {new float[5 * DacConfig.tiny().hop() + 3]};
            for (int i = 0; i < audio[0].length; i++) audio[0][i] = (float) Math.sin(0.05 * i);
            int[][][] encoded = (int[][][]) method(examples, "encodeWhole").invoke(null, withEncoder, audio);
            assertEquals(3, encoded[0].length);
            assertEquals(6, encoded[0][0].length, "5 frames and 3 samples: 6 frames, the last one padded");

            long arena = (long) method(examples, "arenaBytes").invoke(null, weights);
            long expected = io.github.dac4j.core.program.Program.decoder(DacModel.load(DacCheckpoint.load(weights)))
                    .stepFrames(86).activationBytes(2).build().plan().arenaBytes();
            assertEquals(expected, arena);
            assertTrue(arena > 0);
        }
    }

    private static Method method(Class<?> c, String name) {
        for (Method m : c.getDeclaredMethods()) if (m.getName().equals(name)) { m.setAccessible(true); return m; }
        throw new AssertionError("README lost its example " + name);
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
