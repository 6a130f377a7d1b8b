package io.github.dac4j.core;

import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.ResidualUnit;
import io.github.dac4j.core.model.Snake;

import java.util.ArrayList;
import java.util.List;

/**
 * One streaming layer of the decoder: a windowed op that turns {@code n} new input rows, read together with
 * the {@code history} rows kept from the step before, into {@code n * up} output rows.
 * If the new input rows hold positions {@code [p, p + n)}, the outputs hold {@code [p * up - shift, ...)}:
 * each layer delays its output by its right padding, which is how far it must look ahead.
 *
 * <pre>
 * CONV1      decoder.conv1                     [T, latent] -> [T, C0]       history 6,  shift 3
 * TRANSPOSED decoder.block.B.snake1, conv_t1   [T, C] -> [s*T, C/2]         history 2,  shift s (one input row)
 * RESIDUAL   decoder.block.B.res_unitR         [T, C] -> [T, C]             history 6d, shift 3d
 * FINAL      decoder.snake1, conv2, tanh       [T, C_last] -> [T, 1]        history 6,  shift 3
 * </pre>
 */
record Stage(Kind kind, String name, int inChannels, int outChannels, int history, int rate, int up, int shift,
             Conv1d conv, Snake prologue, ConvTranspose1d convT, ResidualUnit unit) {

    enum Kind { CONV1, TRANSPOSED, RESIDUAL, FINAL }

    /** The model's layers as stages, in order. {@code rate} is input rows per code frame. */
    static List<Stage> of(DacModel model) {
        List<Stage> stages = new ArrayList<>();
        Conv1d conv1 = model.conv1();
        stages.add(new Stage(Kind.CONV1, "conv1", conv1.inChannels(), conv1.outChannels(), conv1.span(), 1, 1,
                conv1.padding(), conv1, null, null, null));
        int rate = 1;
        for (int b = 0; b < model.blocks().length; b++) {
            DecoderBlock block = model.blocks()[b];
            ConvTranspose1d t = block.convT1();
            int s = t.stride();
            stages.add(new Stage(Kind.TRANSPOSED, "block." + b + ".conv_t1", t.inChannels(), t.outChannels(), 2, rate, s, s,
                    null, block.snake1(), t, null));
            rate *= s;
            for (int r = 0; r < block.resUnits().length; r++) {
                ResidualUnit u = block.resUnits()[r];
                stages.add(new Stage(Kind.RESIDUAL, "block." + b + ".res_unit" + (r + 1), t.outChannels(), t.outChannels(),
                        u.conv1().span(), rate, 1, u.conv1().padding(), null, null, null, u));
            }
        }
        Conv1d conv2 = model.conv2();
        stages.add(new Stage(Kind.FINAL, "conv2", conv2.inChannels(), conv2.outChannels(), conv2.span(), rate, 1,
                conv2.padding(), conv2, model.snake1(), null, null));
        return List.copyOf(stages);
    }
}
