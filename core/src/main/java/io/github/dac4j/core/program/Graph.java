package io.github.dac4j.core.program;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A chain of layers run as streaming stages, with its ends: a head op that brings the step's input from the host
 * into the first stage's window, and tail ops that take the last stage's output. The step between the ends is the
 * same for every graph: per layer, restore-history, compute, mask (of its output), save-history.
 */
abstract class Graph {
    private final List<Stage> stages = new ArrayList<>();
    private final List<Layer> layers = new ArrayList<>();

    Graph(Stage source) { stages.add(source); }

    /** Appends a layer; returns its stage, the next layer's input. */
    final Stage add(Layer layer) {
        layers.add(layer);
        stages.add(layer.stage());
        return layer.stage();
    }

    /** The source stage, then one per layer. */
    final List<Stage> stages() { return List.copyOf(stages); }

    final List<Layer> layers() { return List.copyOf(layers); }

    final Stage output() { return stages.get(stages.size() - 1); }

    /** Codebooks of the codes the graph reads or writes. */
    abstract int codebooks();

    /** The buffer the last stage writes, e.g. {@code samples}. */
    abstract String outputName();

    /** The op that fills the first stage's new input rows, {@code [row, ...)} of {@code in}, from the host. */
    abstract Op head(Buffers b, ArenaBuffer in, int row, int streams, int stepFrames);

    /** The ops that take the last stage's output from {@code out}. */
    abstract List<Op> tail(Buffers b, ArenaBuffer out, int streams, int stepFrames);

    /**
     * The ops of one step of up to {@code stepFrames} frames for {@code streams} streams, on buffers declared in
     * {@code b}: {@code in.<stage>} (history rows, then the new input rows, which the stage before writes in place),
     * {@code hist.<stage>}, {@code tmp.<stage>} for residual units, and the ends' own buffers. Windows of one width
     * get one capacity, the largest among them: the windows of successive residual units differ by a few history
     * rows, and equal sizes let each reuse the hole the one before left (without this the 44.1 kHz decoder's arena is
     * a third larger than its largest live set).
     */
    final List<Op> ops(Buffers b, int streams, int stepFrames) {
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
        Stage output = output();
        ArenaBuffer out = b.activations(outputName(), streams, output.outputRows(stepFrames), output.outChannels());

        List<Op> ops = new ArrayList<>();
        Stage first = layers.get(0).stage();
        ops.add(head(b, in.get(0), first.history(), streams, stepFrames));
        ops.add(new MaskRows(stages.get(0), in.get(0), first.history()));
        for (int i = 0; i < layers.size(); i++) {
            Stage s = layers.get(i).stage();
            boolean last = i + 1 == layers.size();
            ArenaBuffer next = last ? out : in.get(i + 1);
            int nextRow = last ? 0 : layers.get(i + 1).stage().history();
            ops.add(new RestoreHistory(s, hist.get(i), in.get(i)));
            ops.addAll(layers.get(i).compute(in.get(i), tmp.get(i), next, nextRow));
            if (!last) ops.add(new MaskRows(s, next, nextRow));   // outputs past an end are never handed out
            ops.add(new SaveHistory(s, in.get(i), hist.get(i)));
        }
        ops.addAll(tail(b, out, streams, stepFrames));
        return ops;
    }
}
