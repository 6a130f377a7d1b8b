package io.github.dac4j.core.program;

import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.EncoderBlock;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.core.model.ResidualUnit;

import java.util.List;

/**
 * The encoder as layers, in the checkpoint's order (the decoder's ops, with strided convolutions):
 * <pre>
 * upload-audio  audio:[n hop] (host)              -> [n hop, 1]
 * conv          encoder.conv1                     [n hop + 6, 1]    -> [n hop, C0]
 * conv x 2      encoder.block.N.res_unitR         [n r + 6d, C]     -> [n r, C]
 * conv          encoder.block.N.snake1, conv1     [n r + s + m, C]  -> [n r / s, 2C]   (kernel 2s, stride s)
 * conv          encoder.snake1, conv2             [n + 2, C_last]   -> [n, latent]
 * quantize      quantizer                         [n, latent]       -> codes [K, n]
 * emit-frames
 * </pre>
 */
final class EncoderGraph extends Graph {
    private final EncoderModel model;

    private EncoderGraph(EncoderModel model) {
        super(Stage.source("audio", 1, model.hop()));
        this.model = model;
        Stage at = stages().get(0);
        Conv1d conv1 = model.conv1();
        at = add(new Layer.ConvLayer(Stage.sameConv(at, "conv1", conv1.outChannels(), conv1.span(), conv1.padding()), conv1, null, false));
        for (int n = 0; n < model.blocks().length; n++) {
            EncoderBlock block = model.blocks()[n];
            for (int r = 0; r < block.resUnits().length; r++) {
                ResidualUnit u = block.resUnits()[r];
                at = add(new Layer.ResidualLayer(Stage.sameConv(at, "block." + n + ".res_unit" + (r + 1), u.conv1().outChannels(),
                        u.conv1().span(), u.conv1().padding()), u));
            }
            Conv1d down = block.conv1();
            at = add(new Layer.DownsampleLayer(Stage.downsample(at, "block." + n + ".conv1", down.outChannels(), down.stride(), down.padding()),
                    block.snake1(), down));
        }
        Conv1d conv2 = model.conv2();
        add(new Layer.ConvLayer(Stage.sameConv(at, "conv2", conv2.outChannels(), conv2.span(), conv2.padding()), conv2, model.snake1(), false));
    }

    static EncoderGraph of(EncoderModel model) { return new EncoderGraph(model); }

    @Override int codebooks() { return model.quantizer().codebooks(); }

    @Override String outputName() { return "latents"; }

    @Override Op head(Buffers b, ArenaBuffer in, int row, int streams, int stepFrames) {
        return new UploadAudio(stages().get(0), in, row);
    }

    @Override List<Op> tail(Buffers b, ArenaBuffer out, int streams, int stepFrames) {
        return List.of(new Quantize(output(), model.quantizer(), out, b.int32("codes", streams, codebooks(), stepFrames)),
                new EmitFrames(output(), out));
    }
}
