package io.github.dac4j.testing;

import io.github.dac4j.core.Encoder;
import io.github.dac4j.core.EncoderStream;
import io.github.dac4j.core.Encoding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Streaming the way a caller does: samples pushed in pieces of random sizes, the parts joined again. */
public final class Pushes {
    private Pushes() {}

    /** One stream of {@code audio} through {@code e.stream(1)} in pushes of 1 to 3 hops of samples, at random; the joined result. */
    public static Encoding encodeInRandomPushes(Encoder e, float[] audio, SplittableRandom rnd) {
        List<Encoding> parts = new ArrayList<>();
        try (EncoderStream s = e.stream(1)) {
            for (int at = 0; at < audio.length; ) {
                int n = Math.min(audio.length - at, 1 + rnd.nextInt(3 * e.hop()));
                parts.add(s.push(new float[][] {Arrays.copyOfRange(audio, at, at + n)}));
                at += n;
            }
            parts.add(s.finish());
        }
        int books = e.codebooks(), latent = e.model().quantizer().latent();
        int frames = parts.stream().mapToInt(p -> p.frames(0)).sum();
        int[][][] codes = new int[1][books][frames];
        float[][][] latents = new float[1][latent][frames];
        int at = 0;
        for (Encoding p : parts) {
            int n = p.frames(0);
            for (int k = 0; k < books; k++) System.arraycopy(p.codes()[0][k], 0, codes[0][k], at, n);
            for (int c = 0; c < latent; c++) System.arraycopy(p.latents()[0][c], 0, latents[0][c], at, n);
            at += n;
        }
        return new Encoding(codes, latents);
    }
}
