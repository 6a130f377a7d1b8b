package io.github.dac4j.core.program;

import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.ResidualUnit;

import java.util.List;

/**
 * The decoder as layers, in the checkpoint's order:
 * <pre>
 * codebook-sum   quantizer                         codes:[K, n]        -> [n, latent]
 * conv           decoder.conv1                     [n + 6, latent]     -> [n, C0]
 * conv-transpose decoder.block.B.snake1, conv_t1   [n r + 2, C]        -> [n r s, C/2]
 * conv x 2       decoder.block.B.res_unitR         [n r + 6d, C]       -> [n r, C]
 * conv           decoder.snake1, conv2, tanh       [n hop + 6, C_last] -> [n hop, 1]
 * emit-samples
 * </pre>
 */
final class DecoderGraph extends Graph {
    private final DacModel model;

    private DecoderGraph(DacModel model) {
        super(Stage.source("quantizer", model.quantizer().latent(), 1));
        this.model = model;
        Stage at = stages().get(0);
        Conv1d conv1 = model.conv1();
        at = add(new Layer.ConvLayer(Stage.sameConv(at, "conv1", conv1.outChannels(), conv1.span(), conv1.padding()), conv1, null, false));
        for (int b = 0; b < model.blocks().length; b++) {
            DecoderBlock block = model.blocks()[b];
            var t = block.convT1();
            at = add(new Layer.UpsampleLayer(Stage.upsample(at, "block." + b + ".conv_t1", t.outChannels(), t.stride(), t.padding()),
                    block.snake1(), t));
            for (int r = 0; r < block.resUnits().length; r++) {
                ResidualUnit u = block.resUnits()[r];
                at = add(new Layer.ResidualLayer(Stage.sameConv(at, "block." + b + ".res_unit" + (r + 1), t.outChannels(),
                        u.conv1().span(), u.conv1().padding()), u));
            }
        }
        Conv1d conv2 = model.conv2();
        add(new Layer.ConvLayer(Stage.sameConv(at, "conv2", conv2.outChannels(), conv2.span(), conv2.padding()), conv2, model.snake1(), true));
    }

    static DecoderGraph of(DacModel model) { return new DecoderGraph(model); }

    @Override int codebooks() { return model.quantizer().codebooks(); }

    @Override String outputName() { return "samples"; }

    @Override Op head(Buffers b, ArenaBuffer in, int row, int streams, int stepFrames) {
        return new CodebookSum(model.quantizer(), b.int32("codes", streams, codebooks(), stepFrames), in, row);
    }

    @Override List<Op> tail(Buffers b, ArenaBuffer out, int streams, int stepFrames) {
        return List.of(new EmitSamples(output(), out));
    }
}
