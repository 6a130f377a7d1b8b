package io.github.dac4j.core;

import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.plan.BufferRequest;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.core.plan.MemoryPlanner;
import io.github.dac4j.core.plan.PlannedBuffer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The schedule of one decode step of up to {@code stepFrames} frames for up to {@code streams} streams, its
 * buffers, and their places in one arena. Built once per (streams, stepFrames); replayed for every step.
 *
 * <p>Buffers: {@code in.<stage>} holds a stage's history rows followed by its new input rows (the producer
 * writes straight after the history, so nothing is copied but the history); {@code hist.<stage>} keeps the
 * history between steps; {@code tmp.<stage>} is a residual unit's inner activation; {@code codes} stages the
 * codes on the device; {@code samples} receives the output; {@code workspace} is the backend's scratch.
 */
final class StepProgram {
    final DacModel model;
    final List<Stage> stages;
    final int streams;
    final int stepFrames;
    final int activationBytes;
    /** Cumulative delay, in each stage's input rows, of the stage's first new input row. */
    final long[] delayIn;
    /** Delay of the output samples: output position = frames * hop - outputDelay. */
    final long outputDelay;
    final MemoryPlan plan;
    private final Map<String, Act> acts = new LinkedHashMap<>();

    /** Ops touch buffers in this order; the planner reads lifetimes from it. */
    private final List<String> schedule = new ArrayList<>();

    StepProgram(DacModel model, Backend backend, int streams, int stepFrames) {
        this(model, streams, stepFrames, backend.activationBytes(), backend.workspaceBytes(model, streams, stepFrames));
    }

    /** A program planned without a backend: for {@code dac plan} and studies. */
    StepProgram(DacModel model, int streams, int stepFrames, int activationBytes, long workspaceBytes) {
        if (streams < 1) throw new IllegalArgumentException("batch must be at least 1, got " + streams);
        if (stepFrames < 1) throw new IllegalArgumentException("step must be at least 1 frame, got " + stepFrames);
        this.model = model;
        this.stages = Stage.of(model);
        this.streams = streams;
        this.stepFrames = stepFrames;
        this.activationBytes = activationBytes;
        this.delayIn = new long[stages.size()];
        this.outputDelay = delays(stages, delayIn);
        this.plan = MemoryPlanner.plan(requests(workspaceBytes));
        for (PlannedBuffer b : plan.buffers()) {
            int[] shape = b.request().shape();
            acts.put(b.name(), new Act(b.name(), b.offset(), shape[0], shape[1], shape[2]));
        }
    }

    /**
     * The largest step, in frames, whose arena fits {@code budget} bytes (the arena grows with the step).
     *
     * @param workspaceBytes the backend's scratch for a step of so many frames
     * @throws IllegalArgumentException if not even a 1-frame step fits
     */
    static int largestStepWithin(DacModel model, int streams, int activationBytes,
                                        java.util.function.IntToLongFunction workspaceBytes, long budget) {
        java.util.function.IntToLongFunction arena = frames ->
                new StepProgram(model, streams, frames, activationBytes, workspaceBytes.applyAsLong(frames)).plan().arenaBytes();
        long smallest = arena.applyAsLong(1);
        if (smallest > budget) {
            throw new IllegalArgumentException("memory budget of " + budget + " bytes is below the smallest step's arena ("
                    + smallest + " bytes for 1 frame)");
        }
        int lo = 1, hi = 1 << 16;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (arena.applyAsLong(mid) <= budget) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    /** The arena layout of one step. */
    MemoryPlan plan() { return plan; }

    int streams() { return streams; }

    int stepFrames() { return stepFrames; }

    /** Frames of look-ahead the graph needs: the output of frame f is complete once frame f + this has been pushed. */
    int lookaheadFrames() { return framesFor(outputDelay, model); }

    /** The same, from the graph alone: no plan, no backend. */
    static int lookaheadFrames(DacModel model) {
        List<Stage> stages = Stage.of(model);
        return framesFor(delays(stages, new long[stages.size()]), model);
    }

    private static int framesFor(long delaySamples, DacModel model) {
        int hop = model.config().hop();
        return (int) ((delaySamples + hop - 1) / hop);
    }

    /**
     * Each stage's delay, in its input rows, of its first new input row (into {@code delayIn}), and the delay of the
     * output in samples: each stage delays by its right padding, {@code D <- D * up + shift}.
     */
    private static long delays(List<Stage> stages, long[] delayIn) {
        long delay = 0;
        for (int i = 0; i < stages.size(); i++) {
            delayIn[i] = delay;
            Stage s = stages.get(i);
            delay = delay * s.up() + s.shift();
        }
        return delay;
    }

    /** Delay of the output in samples. */
    long outputDelaySamples() { return outputDelay; }

    Act act(String name) {
        Act a = acts.get(name);
        if (a == null) throw new IllegalStateException("no buffer " + name);
        return a;
    }

    static String in(Stage s) { return "in." + s.name(); }

    static String hist(Stage s) { return "hist." + s.name(); }

    static String tmp(Stage s) { return "tmp." + s.name(); }

    /** Sizes and lifetimes, from walking the step's ops in the order {@link StreamSession} runs them. */
    private List<BufferRequest> requests(long workspaceBytes) {
        Map<String, int[]> life = new LinkedHashMap<>();   // name -> {first, last}
        Map<String, int[]> shapes = new LinkedHashMap<>();
        Map<String, Integer> elementBytes = new LinkedHashMap<>();
        Map<String, String> producers = new LinkedHashMap<>();
        int[] op = {0};
        java.util.function.BiConsumer<String, String> use = (name, producer) -> {
            life.computeIfAbsent(name, k -> new int[] {op[0], op[0]})[1] = op[0];
            producers.putIfAbsent(name, producer);
        };
        int codebooks = model.config().nCodebooks();
        shapes.put("codes", new int[] {streams, codebooks, stepFrames});
        elementBytes.put("codes", 4);
        // Activations of one width get one capacity, the largest among them: the inputs of successive residual
        // units differ by a few history rows, and equal sizes let each reuse the hole the one before left
        // (without this the arena is a third larger than the largest live set at 44.1 kHz).
        Map<Integer, Integer> rowsForWidth = new java.util.HashMap<>();
        for (Stage s : stages) rowsForWidth.merge(s.inChannels(), s.history() + stepFrames * s.rate(), Math::max);
        for (Stage s : stages) {
            int rows = rowsForWidth.get(s.inChannels());
            shapes.put(in(s), new int[] {streams, rows, s.inChannels()});
            shapes.put(hist(s), new int[] {streams, s.history(), s.inChannels()});
            if (s.kind() == Stage.Kind.RESIDUAL) shapes.put(tmp(s), new int[] {streams, rows, s.inChannels()});
        }
        int hop = model.config().hop();
        shapes.put("samples", new int[] {streams, stepFrames * hop, 1});

        // op 0: codes -> in.conv1
        use.accept("codes", "host codes");
        use.accept(in(stages.get(0)), "quantizer (codebook sum)");
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            String next = i + 1 < stages.size() ? in(stages.get(i + 1)) : "samples";
            op[0]++; // restore history
            use.accept(hist(s), "history of " + s.name());
            use.accept(in(s), "");
            op[0]++; // compute
            use.accept(in(s), "");
            if (s.kind() == Stage.Kind.RESIDUAL) {
                use.accept(tmp(s), s.name() + ".conv1");
                op[0]++;
                use.accept(tmp(s), "");
                use.accept(in(s), "");
            }
            use.accept(next, s.name());
            op[0]++; // save history
            use.accept(in(s), "");
            use.accept(hist(s), "");
        }
        op[0]++; // read samples
        use.accept("samples", "");
        int last = op[0];
        List<BufferRequest> requests = new ArrayList<>();
        for (var e : life.entrySet()) {
            String name = e.getKey();
            int[] shape = shapes.get(name);
            long bytes = (long) shape[0] * shape[1] * shape[2] * elementBytes.getOrDefault(name, activationBytes);
            boolean persistent = name.startsWith("hist.");   // kept from step to step
            int first = persistent ? 0 : e.getValue()[0];
            int end = persistent ? last : e.getValue()[1];
            requests.add(new BufferRequest(name, Math.max(bytes, 1), first, end, shape, producers.get(name)));
        }
        if (workspaceBytes > 0) {
            requests.add(new BufferRequest("workspace", workspaceBytes, 0, last, new int[] {1, 1, (int) Math.min(Integer.MAX_VALUE, workspaceBytes)}, "backend scratch"));
        }
        return requests;
    }
}
