package io.github.dac4j.core;

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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Synthesized checkpoints load with the right structure, both layouts agree, and the output is not saturated. */
class SynthTest {
    @Test
    void synthesizedModelsAreUsableAudio(@TempDir Path dir) throws Exception {
        for (DacConfig config : new DacConfig[] {DacConfig.small(), DacConfig.dac44khz()}) {
            Path file = dir.resolve("m.safetensors");
            DacSynth.write(config, 1, DType.F32, Layout.FOLDED, file);
            DacCheckpoint ckpt = DacCheckpoint.load(file);
            assertEquals(config, ckpt.config());
            DacModel model = DacModel.load(ckpt);
            int frames = config.equals(DacConfig.dac44khz()) ? 6 : 40;
            try (Decoder d = Decoder.open(model, DecoderOptions.defaults().withDevice("cpu"))) {
                float[] out = d.decode(DacSynth.codes(config, 1, config.nCodebooks(), frames, 3))[0];
                double sum = 0;
                int saturated = 0;
                for (float v : out) {
                    sum += v * v;
                    if (Math.abs(v) > 0.99f) saturated++;
                    assertTrue(Float.isFinite(v));
                }
                double rms = Math.sqrt(sum / out.length);
                System.out.printf("synth %s: rms %.4f, saturated %.4f%n", config, rms, saturated / (double) out.length);
                assertTrue(rms > 1e-3 && rms < 0.6, config + ": rms " + rms);
                assertTrue(saturated < out.length / 100, config + ": " + saturated + " of " + out.length + " samples saturated");
            }
        }
    }

    @Test
    void weightNormLayoutMeansTheSameWeights(@TempDir Path dir) throws Exception {
        DacSynth.write(DacConfig.tiny(), 5, DType.F32, Layout.FOLDED, dir.resolve("a.safetensors"));
        DacSynth.write(DacConfig.tiny(), 5, DType.F32, Layout.WEIGHT_NORM, dir.resolve("b.safetensors"));
        DacCheckpoint a = DacCheckpoint.load(dir.resolve("a.safetensors")), b = DacCheckpoint.load(dir.resolve("b.safetensors"));
        assertEquals(Layout.WEIGHT_NORM, b.layout());
        assertEquals(a.tensors().keySet(), b.tensors().keySet());
        for (String name : a.tensors().keySet()) {
            float[] x = a.tensors().get(name).data(), y = b.tensors().get(name).data();
            for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], 1e-6 * Math.max(1, Math.abs(x[i])), name);
        }
        assertArrayEquals(a.tensors().get("decoder.conv2.bias").data(), b.tensors().get("decoder.conv2.bias").data());
    }
}
