package io.github.dac4j.core;

import io.github.dac4j.core.cpu.CpuBackends;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DType;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.weights.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Every worker count from 1 to the cores here (at least 4) gives the same bits, with every kernel implementation,
 * whole and in 7-frame steps: the count changes how rows are split into tiles and which worker runs a tile, never
 * the order in which an output is summed.
 */
class ThreadCountTest {
    @Test
    void everyThreadCountGivesTheSameSamples(@TempDir Path dir) throws Exception {
        DacConfig config = DacConfig.small();
        Path file = dir.resolve("m.safetensors");
        DacSynth.write(config, 7, DType.F32, Layout.FOLDED, file);
        DacModel model = DacModel.load(DacCheckpoint.load(file));
        int[][][] codes = DacSynth.codes(config, 2, config.nCodebooks(), 37, 5);
        int most = Math.max(4, Runtime.getRuntime().availableProcessors());
        for (String kernels : CpuBackends.available()) {
            float[][] one = null, oneStreamed = null;
            for (int threads = 1; threads <= most; threads++) {
                float[][] whole = decode(model, codes, kernels, threads, 0);
                float[][] streamed = decode(model, codes, kernels, threads, 7);
                if (one == null) {
                    one = whole;
                    oneStreamed = streamed;
                }
                for (int b = 0; b < codes.length; b++) {
                    assertArrayEquals(one[b], whole[b], kernels + ", " + threads + " threads, stream " + b);
                    assertArrayEquals(oneStreamed[b], streamed[b], kernels + ", " + threads + " threads, 7-frame steps, stream " + b);
                }
            }
        }
    }

    private static float[][] decode(DacModel model, int[][][] codes, String kernels, int threads, int chunk) {
        DecoderOptions options = DecoderOptions.defaults().withDevice("cpu").withBatch(codes.length).withStepFrames(chunk);
        try (Decoder d = Decoder.open(model, options, CpuBackends.with(kernels, threads), true)) {
            return d.decode(codes);
        }
    }
}
