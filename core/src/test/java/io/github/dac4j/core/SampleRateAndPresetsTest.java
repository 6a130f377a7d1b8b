package io.github.dac4j.core;

import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.weights.DacCheckpoint;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import io.github.dac4j.weights.SampleRateSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decoder's sample rate (the model's, or the options'), the published presets, and 32 codebooks. */
class SampleRateAndPresetsTest {
    static final double FP32_TOLERANCE = 1e-5;

    private static DecoderOptions cpu() { return DecoderOptions.defaults().withDevice("cpu"); }

    @Test
    void optionsOverrideTheModelsRate() throws Exception {
        DacModel model = DacModel.load(DacSynth.checkpoint(DacConfig.small(), 1));
        int[][][] codes = DacSynth.codes(DacConfig.small(), 1, 4, 12, 2);
        try (Decoder d = Decoder.open(model, cpu())) {
            assertEquals(44_100, d.sampleRate());
            assertEquals(SampleRateSource.DEFAULT, d.sampleRateSource());
            d.decode(codes);
            assertEquals(12 * 32 / 44_100.0, d.lastStats().audioSeconds(), 1e-12);
        }
        try (Decoder d = Decoder.open(model, cpu().withSampleRate(22_050))) {
            assertEquals(22_050, d.sampleRate());
            assertEquals(SampleRateSource.USER, d.sampleRateSource());
            assertEquals(22_050, d.config().sampleRate());
            assertEquals(SampleRateSource.USER, d.config().sampleRateSource());
            assertEquals(DacConfig.small().hop(), d.config().hop());
            d.decode(codes);
            assertEquals(12 * 32 / 22_050.0, d.lastStats().audioSeconds(), 1e-12);
        }
        assertEquals(SampleRateSource.DEFAULT, model.config().sampleRateSource(), "the shared model is left as it was");
        for (int bad : new int[] {-1, 999, 768_001, Integer.MAX_VALUE}) {
            var e = assertThrows(IllegalArgumentException.class, () -> cpu().withSampleRate(bad), "" + bad);
            assertTrue(e.getMessage().contains("got " + bad), e.getMessage());
        }
        assertEquals(0, cpu().withSampleRate(16_000).withSampleRate(0).sampleRate());
        assertEquals(16_000, cpu().withSampleRate(16_000).withBatch(2).withStepFrames(5).sampleRate(), "kept by the other withers");
    }

    /** The published models' shapes, synthesised in memory: the model code accepts them, at their rates. */
    @Test
    void publishedPresetsLoadWithTheirRates() throws Exception {
        DacConfig[] presets = {DacConfig.dac16khz(), DacConfig.dac24khz(), DacConfig.dac44khz()};
        int[] rates = {16_000, 24_000, 44_100};
        for (int i = 0; i < presets.length; i++) {
            DacCheckpoint ckpt = DacSynth.checkpoint(presets[i], 1);
            DacModel model = DacModel.load(ckpt);
            assertEquals(presets[i].nCodebooks(), model.quantizer().codebooks());
            assertEquals(presets[i].blocks(), model.blocks().length);
            assertEquals(presets[i].stride(1), model.blocks()[1].stride(), presets[i].toString());
            assertEquals(rates[i], model.config().sampleRate());
            assertEquals(SampleRateSource.SHAPES, model.config().sampleRateSource());
        }
    }

    /** 32 codebooks (the 24 kHz model's) of 1024 entries, decoded with all of them and with the first 12. */
    @Test
    void thirtyTwoCodebooksAllOrFewer() throws Exception {
        DacConfig config = DacConfig.fromShapes(64, 96, new int[] {4, 4, 2}, 32, 1024, 8);
        DacCheckpoint ckpt = DacSynth.checkpoint(config, 8);
        DacModel model = DacModel.load(ckpt);
        ReferenceDecoder reference = new ReferenceDecoder(ckpt);
        for (int books : new int[] {32, 12, 1}) {
            int[][][] codes = DacSynth.codes(config, 1, books, 21, books);
            double[] ref = reference.decode(codes[0]);
            for (int chunk : new int[] {0, 5}) {
                try (Decoder d = Decoder.open(model, cpu().withStepFrames(chunk))) {
                    double err = io.github.dac4j.testing.Numerics.relativeError(d.decode(codes)[0], ref);
                    assertTrue(err <= FP32_TOLERANCE, books + " codebooks, chunk " + chunk + ": relative error " + err);
                }
            }
        }
        int[][][] twelve = DacSynth.codes(config, 1, 12, 21, 3);
        try (Decoder whole = Decoder.open(model, cpu().withStepFrames(0)); Decoder streamed = Decoder.open(model, cpu().withStepFrames(4));
             DecoderStream s = streamed.stream(1)) {
            float[] all = whole.decode(twelve)[0];
            float[] out = new float[all.length];
            int at = 0;
            for (int t = 0; t < 21; t += 6) {
                int n = Math.min(6, 21 - t);
                int[][][] part = new int[1][12][];
                for (int k = 0; k < 12; k++) part[0][k] = java.util.Arrays.copyOfRange(twelve[0][k], t, t + n);
                float[] got = s.push(part)[0];
                System.arraycopy(got, 0, out, at, got.length);
                at += got.length;
            }
            float[] tail = s.finish()[0];
            System.arraycopy(tail, 0, out, at, tail.length);
            assertEquals(all.length, at + tail.length);
            assertArrayEquals(all, out, "streamed 12 of 32 codebooks, bit-identical to whole");
        }
    }
}
