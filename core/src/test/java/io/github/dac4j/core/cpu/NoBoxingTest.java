package io.github.dac4j.core.cpu;

import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DType;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.weights.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Compiled Vector API kernels allocate nothing: a decode on one worker (the calling thread) allocates its output and
 * a few small objects, not a box per vector. C2 on JDK 17 boxes vectors it cannot keep in registers (a vector carried
 * through nested loops, a mask kept for later, a vector passed to a call it does not inline), silently: twice so
 * far it cost hundreds of MB per second of audio. Decodes repeat until the JIT has compiled the kernels.
 *
 * <p>Runs in a JVM of its own (core/pom.xml), as a user's does: the first decoder's warm-up, then decodes. After the
 * whole suite in one JVM on a heavily loaded machine it once found 264 MB per decode (docs/CPU-BACKEND.md, open).
 */
class NoBoxingTest {
    @Test
    void aCompiledDecodeAllocatesLittleMoreThanItsOutput(@TempDir Path dir) throws Exception {
        assumeTrue(Kernels.vectorAvailable(), "the Vector API kernels need --add-modules jdk.incubator.vector");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        DacConfig config = DacConfig.small();
        Path file = dir.resolve("m.safetensors");
        DacSynth.write(config, 3, DType.F32, Layout.FOLDED, file);
        DacModel model = DacModel.load(DacCheckpoint.load(file));
        int[][][] codes = DacSynth.codes(config, 1, config.nCodebooks(), 64, 9);
        long outputBytes = 4L * 64 * config.hop();
        long least = Long.MAX_VALUE;
        DecoderOptions options = DecoderOptions.defaults().withDevice("cpu").withStepFrames(0);
        try (Decoder d = Decoder.open(model, options, CpuBackends.with("vector", 1), true)) {
            for (int i = 0; i < 200 && least > outputBytes + (256 << 10); i++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                d.decode(codes);
                least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
            }
        }
        // boxing would allocate about 80 bytes per vector operation: megabytes for this decode
        assertTrue(least <= outputBytes + (256 << 10), "a decode allocated " + least + " bytes for " + outputBytes + " of output");
    }
}
