package io.github.dac4j.bench;

import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.weights.DacConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BuildPairs gives each build a class loader of its own, which decodes what the library decodes. */
class BuildPairsTest {
    @Test void eachBuildDecodesInItsOwnLoader() throws Exception {
        // from the benchmarks jar the rest comes from the jar itself; from the test's classes, name it
        String core = location(Decoder.class), classPath = String.join(java.io.File.pathSeparator, core, location(DacConfig.class),
                location(com.fasterxml.jackson.databind.ObjectMapper.class), location(com.fasterxml.jackson.core.JsonFactory.class),
                location(com.fasterxml.jackson.annotation.JsonProperty.class));
        Supplier<float[]> a = BuildPairs.open(classPath, "small", 5, 0), b = BuildPairs.open(classPath, "small", 5, 0);
        assertNotSame(a.getClass(), b.getClass(), "one loader for both builds");
        assertNotSame(Decoder.class.getClassLoader(), a.getClass().getClassLoader(), "the runner came from the test's loader");
        assertTrue(a.toString().contains("core from " + Path.of(core).toUri().toURL()), a.toString());

        DacConfig c = DacConfig.small();
        float[] expected;
        try (Decoder d = Decoder.open(BenchModels.random(c, 1), DecoderOptions.defaults().withDevice("cpu").withStepFrames(0))) {
            expected = d.decode(BenchModels.codes(c, 1, 5, 7))[0];
        }
        float[] got = a.get();
        assertEquals(expected.length, got.length);
        assertArrayEquals(expected, got, "the same samples as the library in this loader");
        assertArrayEquals(got, b.get());
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
