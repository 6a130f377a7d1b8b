package io.github.dac4j.core.program;

import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.core.plan.BufferRequest;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.core.plan.MemoryPlanner;
import io.github.dac4j.core.plan.PlannedBuffer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One step of a graph as data: the ops in order, every buffer they read and write placed in one arena, and the
 * backend's scratch. Built once per (model, streams, stepFrames) and replayed for every step: a step is
 * {@code for (Op op : ops()) op.run(backend, step)}. Buffer lifetimes come from the ops themselves (the first and
 * last op that touches each), so there is one schedule, not a second one for the planner; histories, which carry
 * from one step to the next, live for the whole step.
 *
 * <p>Buffers: {@code in.<stage>} holds a stage's history rows followed by its new input rows (the stage before writes
 * straight after the history, so only the history is copied); {@code hist.<stage>} keeps the history between steps;
 * {@code tmp.<stage>} is a residual unit's inner activation; {@code codes} stages the codes on the device;
 * {@code samples} (decoder) or {@code latents} (encoder) receives the output; {@code <scratch>@<op>} is backend scratch
 * live during one op.
 */
public final class Program {
    private final List<Stage> stages;
    private final List<Op> ops;
    private final MemoryPlan plan;
    private final List<Map<String, ArenaBuffer>> scratch;
    private final List<ArenaBuffer> histories;
    private final int codebooks, streams, stepFrames, activationBytes, lookaheadFrames;

    private Program(List<Stage> stages, List<Op> ops, MemoryPlan plan, List<Map<String, ArenaBuffer>> scratch,
                    List<ArenaBuffer> histories, int codebooks, int streams, int stepFrames, int activationBytes) {
        this.stages = stages;
        this.ops = ops;
        this.plan = plan;
        this.scratch = scratch;
        this.histories = histories;
        this.codebooks = codebooks;
        this.streams = streams;
        this.stepFrames = stepFrames;
        this.activationBytes = activationBytes;
        this.lookaheadFrames = stages.isEmpty() ? 0 : lookaheadFrames(output());
    }

    /** The decoder of {@code model} as a step program; set the shape on the builder, then {@link Builder#build()}. */
    public static Builder decoder(DacModel model) { return of(DecoderGraph.of(model)); }

    /** The encoder of {@code model} as a step program (audio to latents and codes), the same ops with strided convolutions. */
    public static Builder encoder(EncoderModel model) { return of(EncoderGraph.of(model)); }

    private static Builder of(Graph graph) { return new Builder(graph::ops, graph.stages(), graph.codebooks()); }

    /**
     * A program of the ops {@code ops} builds on the buffers it declares (for tools and tests that run single ops on a
     * backend): planned like a decoder's step, with no stages.
     */
    public static Builder of(Function<Buffers, List<Op>> ops) {
        return new Builder((buffers, streams, stepFrames) -> ops.apply(buffers), List.of(), 0);
    }

    /** Builds the ops of a step of some shape on declared buffers. */
    @FunctionalInterface
    interface OpFunction {
        List<Op> ops(Buffers buffers, int streams, int stepFrames);
    }

    /** A program's shape: streams, frames per step, activation size, backend scratch; then {@link #build()}. */
    public static final class Builder {
        private final OpFunction function;
        private final List<Stage> stages;
        private final int codebooks;
        private int streams = 1, stepFrames = 1, activationBytes = 4;
        private ScratchPolicy scratch = ScratchPolicy.NONE;

        private Builder(OpFunction function, List<Stage> stages, int codebooks) {
            this.function = function;
            this.stages = stages;
            this.codebooks = codebooks;
        }

        /** Streams decoded together (the batch capacity); default 1. */
        public Builder streams(int streams) { this.streams = streams; return this; }

        /** Frames per step; default 1. */
        public Builder stepFrames(int stepFrames) { this.stepFrames = stepFrames; return this; }

        /** Bytes per activation element: 4 for fp32 (default), 2 for fp16. */
        public Builder activationBytes(int bytes) { this.activationBytes = bytes; return this; }

        /** The backend's scratch requests; default none. */
        public Builder scratch(ScratchPolicy policy) { this.scratch = policy; return this; }

        /** Builds the ops and plans their buffers. */
        public Program build() {
            if (streams < 1) throw new IllegalArgumentException("batch must be at least 1, got " + streams);
            if (stepFrames < 1) throw new IllegalArgumentException("step must be at least 1 frame, got " + stepFrames);
            if (activationBytes < 1) throw new IllegalArgumentException("activation bytes must be at least 1, got " + activationBytes);
            return Program.build(this);
        }
    }

    /**
     * Frames of look-ahead of a model's decoder, from the graph alone: the samples of frame f are final once frame
     * {@code f + lookahead} has been pushed (10 for the 44.1 kHz model).
     */
    public static int decoderLookaheadFrames(DacModel model) { return lookaheadFrames(decoderOutput(model)); }

    /** The last stage of a model's decoder: its outputs are the samples ({@code outputLength(T)} of them for T frames). */
    public static Stage decoderOutput(DacModel model) { return DecoderGraph.of(model).output(); }

    /**
     * Frames of look-ahead of an encoder, from the graph alone: the codes of frame f are final once the audio of frame
     * {@code f + lookahead} has been pushed.
     */
    public static int encoderLookaheadFrames(EncoderModel model) { return lookaheadFrames(EncoderGraph.of(model).output()); }

    private static int lookaheadFrames(Stage output) {
        return (int) ((output.outDelay() + output.outRate() - 1) / output.outRate());
    }

    /** Builds the ops twice: once on unplaced buffers to read the lifetimes, once on the buffers the plan placed. */
    private static Program build(Builder b) {
        BufferSet draft = BufferSet.draft();
        List<Op> drafts = b.function.ops(draft, b.streams, b.stepFrames);
        Map<String, int[]> life = new LinkedHashMap<>();   // name -> {first op, last op}
        Map<String, String> producers = new LinkedHashMap<>();
        for (int i = 0; i < drafts.size(); i++) {
            Op op = drafts.get(i);
            int at = i;
            for (List<ArenaBuffer> touched : List.of(op.reads(), op.writes())) {
                for (ArenaBuffer buffer : touched) life.computeIfAbsent(buffer.name(), k -> new int[] {at, at})[1] = at;
            }
            for (ArenaBuffer buffer : op.writes()) producers.putIfAbsent(buffer.name(), op.label());
        }
        int last = drafts.size() - 1;
        List<BufferRequest> requests = new ArrayList<>();
        for (var e : life.entrySet()) {
            String name = e.getKey();
            boolean persistent = draft.persistent(name);   // kept from step to step
            requests.add(new BufferRequest(name, draft.bytes(name, b.activationBytes), persistent ? 0 : e.getValue()[0],
                    persistent ? last : e.getValue()[1], draft.shape(name), producers.getOrDefault(name, "")));
        }
        List<List<ScratchPolicy.Scratch>> scratchRequests = new ArrayList<>();
        for (int i = 0; i < drafts.size(); i++) {
            List<ScratchPolicy.Scratch> list = b.scratch.scratch(drafts.get(i), b.stepFrames, b.activationBytes);
            scratchRequests.add(list);
            for (ScratchPolicy.Scratch s : list) {
                requests.add(new BufferRequest(s.name() + "@" + i, s.bytes(), i, i,
                        new int[] {1, 1, (int) Math.min(Integer.MAX_VALUE, s.bytes())}, "scratch of op " + i + " " + drafts.get(i).label()));
            }
        }
        MemoryPlan plan = MemoryPlanner.plan(requests);
        BufferSet placed = draft.placed(plan);
        List<Op> ops = b.function.ops(placed, b.streams, b.stepFrames);
        List<Map<String, ArenaBuffer>> scratch = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Map<String, ArenaBuffer> views = new LinkedHashMap<>();
            for (ScratchPolicy.Scratch s : scratchRequests.get(i)) {
                PlannedBuffer p = plan.get(s.name() + "@" + i);
                views.put(s.name(), new ArenaBuffer(p.name(), p.offset(), 1, 1, (int) Math.min(Integer.MAX_VALUE, s.bytes())));
            }
            scratch.add(Map.copyOf(views));
        }
        return new Program(b.stages, List.copyOf(ops), plan, List.copyOf(scratch), placed.histories(),
                b.codebooks, b.streams, b.stepFrames, b.activationBytes);
    }

    /** The ops of one step, in order. */
    public List<Op> ops() { return ops; }

    /** The stages, from the source (the quantizer) to the output; none for a program of single ops. */
    public List<Stage> stages() { return stages; }

    /** The last stage: its outputs are the samples. */
    public Stage output() { return stages.get(stages.size() - 1); }

    /** Every buffer's place in the arena, and the arena's size. */
    public MemoryPlan plan() { return plan; }

    /** The scratch the backend asked for op number {@code op}, by request name (empty if none). */
    public Map<String, ArenaBuffer> scratch(int op) { return scratch.get(op); }

    /** The placed buffer called {@code name} (for tools and tests; ops hold their buffers already). */
    public ArenaBuffer buffer(String name) {
        PlannedBuffer p = plan.get(name);
        int[] s = p.request().shape();
        return new ArenaBuffer(name, p.offset(), s[0], s[1], s[2]);
    }

    /** The buffers that carry rows from one step to the next; all zero at the start of a sequence. */
    public List<ArenaBuffer> histories() { return histories; }

    /** Codebooks of the model: the codes of a step are at most {@code [streams, codebooks, stepFrames]}. */
    public int codebooks() { return codebooks; }

    /** Streams the program was built for (the batch capacity). */
    public int streams() { return streams; }

    /** Frames per step it was built for (the largest step it runs). */
    public int stepFrames() { return stepFrames; }

    /** Bytes per activation element it was planned for. */
    public int activationBytes() { return activationBytes; }

    /** Frames of look-ahead: the samples of frame f are final once frame {@code f + lookaheadFrames} is in. */
    public int lookaheadFrames() { return lookaheadFrames; }

    /** The ops, one per line, with the buffers each reads and writes: what {@code dac plan} prints. */
    public String listing() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            sb.append(String.format("%4d  %-48s %s -> %s%s%n", i, op.label(), names(op.reads()), names(op.writes()),
                    scratch.get(i).isEmpty() ? "" : "  scratch " + String.join(", ", scratch.get(i).keySet())));
        }
        return sb.toString();
    }

    private static String names(List<ArenaBuffer> buffers) {
        if (buffers.isEmpty()) return "-";
        List<String> names = new ArrayList<>();
        for (ArenaBuffer b : buffers) names.add(b.name());
        return String.join(", ", names);
    }
}
