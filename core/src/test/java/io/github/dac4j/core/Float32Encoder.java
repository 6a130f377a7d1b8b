package io.github.dac4j.core;

import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.EncoderBlock;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.core.model.ResidualQuantizer;
import io.github.dac4j.core.model.ResidualUnit;
import io.github.dac4j.core.model.Snake;

/**
 * The encoder in plain float32 from the {@link EncoderModel} records, every sum in its natural order (bias, then input
 * channel, then tap): what a float32 backend computes, with no blocking or vectorisation. It checks the records against
 * {@link ReferenceEncoder} and shows that float32 arithmetic gives the reference's codes on the fixtures.
 */
final class Float32Encoder {
    private final EncoderModel m;

    Float32Encoder(EncoderModel model) { this.m = model; }

    /** audio [L] (a multiple of the hop) -> z [latent][L / hop]. */
    float[][] latents(float[] audio) {
        float[][] x = conv(m.conv1(), new float[][] {audio.clone()});
        for (EncoderBlock b : m.blocks()) {
            for (ResidualUnit u : b.resUnits()) {
                float[][] y = conv(u.conv2(), snake(u.snake2(), conv(u.conv1(), snake(u.snake1(), x))));
                for (int ch = 0; ch < x.length; ch++) for (int t = 0; t < x[ch].length; t++) y[ch][t] += x[ch][t];
                x = y;
            }
            x = conv(b.conv1(), snake(b.snake1(), x));
        }
        return conv(m.conv2(), snake(m.snake1(), x));
    }

    /**
     * Codes [books][T] of z [latent][T]: per codebook e = in_proj(r), e / max(||e||, 1e-12), the normalised row with the
     * smallest {@code |e|^2 - 2 e.c + |c|^2} (PyTorch's expanded distance; the first of equals), r -= table[code].
     */
    int[][] quantize(float[][] z, int books) {
        ResidualQuantizer q = m.quantizer();
        int T = z[0].length, dim = q.dim(), size = q.codebookSize(), latent = q.latent();
        float[][] r = new float[latent][];
        for (int i = 0; i < latent; i++) r[i] = z[i].clone();
        int[][] codes = new int[books][T];
        for (int k = 0; k < books; k++) {
            float[][] e = conv(q.inProj()[k], r);
            float[] rows = q.normalized()[k], table = q.decode().tables()[k];
            for (int t = 0; t < T; t++) {
                float sum = 0;
                for (int j = 0; j < dim; j++) sum += e[j][t] * e[j][t];
                float norm = Math.max((float) Math.sqrt(sum), 1e-12f), e2 = 0;
                float[] en = new float[dim];
                for (int j = 0; j < dim; j++) { en[j] = e[j][t] / norm; e2 += en[j] * en[j]; }
                int best = 0;
                float bestDist = Float.POSITIVE_INFINITY;
                for (int i = 0; i < size; i++) {
                    float dot = 0, c2 = 0;
                    for (int j = 0; j < dim; j++) { dot += en[j] * rows[i * dim + j]; c2 += rows[i * dim + j] * rows[i * dim + j]; }
                    float dist = e2 - 2 * dot + c2;
                    if (dist < bestDist) { bestDist = dist; best = i; }
                }
                codes[k][t] = best;
                for (int o = 0; o < latent; o++) r[o][t] -= table[best * latent + o];
            }
        }
        return codes;
    }

    private static float[][] snake(Snake s, float[][] x) {
        float[][] y = new float[x.length][x[0].length];
        for (int ch = 0; ch < x.length; ch++) for (int t = 0; t < x[ch].length; t++) y[ch][t] = s.apply(x[ch][t], ch);
        return y;
    }

    /** x:[C_in][L] -> [C_out][(L + 2 padding - span - 1) / stride + 1], zero padding. */
    private static float[][] conv(Conv1d c, float[][] x) {
        int L = x[0].length, outLength = (L + 2 * c.padding() - c.span() - 1) / c.stride() + 1, k = c.kernel(), in = c.inChannels();
        float[][] y = new float[c.outChannels()][outLength];
        for (int o = 0; o < c.outChannels(); o++)
            for (int t = 0; t < outLength; t++) {
                float acc = c.bias()[o];
                for (int ci = 0; ci < in; ci++)
                    for (int j = 0; j < k; j++) {
                        int src = t * c.stride() + j * c.dilation() - c.padding();
                        if (src >= 0 && src < L) acc += c.weight()[(o * in + ci) * k + j] * x[ci][src];
                    }
                y[o][t] = acc;
            }
        return y;
    }
}
