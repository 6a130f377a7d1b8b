package io.github.dac4j.core.program;

import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.ResidualUnit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The decoder as layers, in the checkpoint's order, and the ops of one step:
 * <pre>
 * codebook-sum  quantizer                         codes:[K, n]        -> [n, latent]
 * conv          decoder.conv1                     [n + 6, latent]     -> [n, C0]
 * conv-transpose decoder.block.B.snake1, conv_t1  [n r + 2, C]        -> [n r s, C/2]
 * conv x 2      decoder.block.B.res_unitR         [n r + 6d, C]       -> [n r, C]
 * conv          decoder.snake1, conv2, tanh       [n hop + 6, C_last] -> [n hop, 1]
 * emit-samples
 * </pre>
 * each layer's compute framed by restore-history, mask (of its output) and save-history.
 */
final class DecoderGraph {
    private final DacModel model;
    private final List<Stage> stages = new ArrayList<>();
    private final List<Layer> layers = new ArrayList<>();

    private DecoderGraph(DacModel model) {
        this.model = model;
        Stage at = Stage.source("quantizer", model.quantizer().latent(), 1);
        stages.add(at);
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

    private Stage add(Layer layer) {
        layers.add(layer);
        stages.add(layer.stage());
        return layer.stage();
    }

    static DecoderGraph of(DacModel model) { return new DecoderGraph(model); }

    /** The source (quantizer) stage, then one per layer. */
    List<Stage> stages() { return List.copyOf(stages); }

    List<Layer> layers() { return List.copyOf(layers); }

    int codebooks() { return model.quantizer().codebooks(); }

    /**
     * The ops of one step of up to {@code stepFrames} frames for {@code streams} streams, on buffers declared in
     * {@code b}: {@code in.<stage>} (history rows, then the new input rows, which the stage before writes in place),
     * {@code hist.<stage>}, {@code tmp.<stage>} for residual units, {@code codes} and {@code samples}. Windows of one
     * width get one capacity, the largest among them: the windows of successive residual units differ by a few
     * history rows, and equal sizes let each reuse the hole the one before left (without this the 44.1 kHz arena is
     * a third larger than its largest live set).
     */
    List<Op> ops(Buffers b, int streams, int stepFrames) {
        Map<Integer, Integer> rowsForWidth = new HashMap<>();
        for (Layer l : layers) rowsForWidth.merge(l.stage().inChannels(), l.stage().history() + l.stage().inputRows(stepFrames), Math::max);
        List<ArenaBuffer> in = new ArrayList<>(), hist = new ArrayList<>(), tmp = new ArrayList<>();
        for (Layer l : layers) {
            Stage s = l.stage();
            int rows = rowsForWidth.get(s.inChannels());
            in.add(b.activations("in." + s.name(), streams, rows, s.inChannels()));
            hist.add(b.persistent("hist." + s.name(), streams, s.history(), s.inChannels()));
            tmp.add(l.needsTemp() ? b.activations("tmp." + s.name(), streams, rows, s.inChannels()) : null);
        }
        Stage output = stages.get(stages.size() - 1);
        ArenaBuffer codes = b.int32("codes", streams, codebooks(), stepFrames);
        ArenaBuffer samples = b.activations("samples", streams, output.outputRows(stepFrames), output.outChannels());

        List<Op> ops = new ArrayList<>();
        Stage first = layers.get(0).stage();
        ops.add(new CodebookSum(model.quantizer(), codes, in.get(0), first.history()));
        ops.add(new MaskRows(stages.get(0), in.get(0), first.history()));
        for (int i = 0; i < layers.size(); i++) {
            Stage s = layers.get(i).stage();
            boolean last = i + 1 == layers.size();
            ArenaBuffer next = last ? samples : in.get(i + 1);
            int nextRow = last ? 0 : layers.get(i + 1).stage().history();
            ops.add(new RestoreHistory(s, hist.get(i), in.get(i)));
            ops.addAll(layers.get(i).compute(in.get(i), tmp.get(i), next, nextRow));
            if (!last) ops.add(new MaskRows(s, next, nextRow));   // the samples past an end are never handed out
            ops.add(new SaveHistory(s, in.get(i), hist.get(i)));
        }
        ops.add(new EmitSamples(output, samples));
        return ops;
    }
}
