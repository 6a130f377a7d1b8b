package io.github.dac4j.core.program;

import io.github.dac4j.core.plan.MemoryPlan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link Buffers} of one program: recording shapes while drafting, then handing out the plan's placed views. */
final class BufferSet implements Buffers {
    /** A buffer's shape {@code [streams, rows, channels]}, element size (0: the activations') and whether it persists. */
    record Spec(int[] shape, int elementBytes, boolean persistent) {}

    private final Map<String, Spec> specs;
    private final MemoryPlan plan;

    private BufferSet(Map<String, Spec> specs, MemoryPlan plan) {
        this.specs = specs;
        this.plan = plan;
    }

    /** Records shapes; views are unplaced. */
    static BufferSet draft() { return new BufferSet(new LinkedHashMap<>(), null); }

    /** The same buffers at the plan's offsets; a buffer the draft did not declare is an error. */
    BufferSet placed(MemoryPlan plan) { return new BufferSet(specs, plan); }

    @Override public ArenaBuffer activations(String name, int streams, int rows, int channels) {
        return get(name, new Spec(new int[] {streams, rows, channels}, 0, false));
    }

    @Override public ArenaBuffer persistent(String name, int streams, int rows, int channels) {
        return get(name, new Spec(new int[] {streams, rows, channels}, 0, true));
    }

    @Override public ArenaBuffer int32(String name, int streams, int rows, int channels) {
        return get(name, new Spec(new int[] {streams, rows, channels}, 4, false));
    }

    private ArenaBuffer get(String name, Spec spec) {
        Spec known = specs.get(name);
        if (known == null) {
            if (plan != null) throw new IllegalStateException("buffer " + name + " was not declared while drafting");
            specs.put(name, spec);
        } else if (!Arrays.equals(known.shape(), spec.shape()) || known.elementBytes() != spec.elementBytes()
                || known.persistent() != spec.persistent()) {
            throw new IllegalStateException("buffer " + name + " declared twice with different shapes");
        }
        int[] s = spec.shape();
        long offset = plan == null ? -1 : plan.get(name).offset();
        return new ArenaBuffer(name, offset, s[0], s[1], s[2]);
    }

    boolean persistent(String name) { return specs.get(name).persistent(); }

    int[] shape(String name) { return specs.get(name).shape().clone(); }

    long bytes(String name, int activationBytes) {
        Spec s = specs.get(name);
        long bytes = (long) s.shape()[0] * s.shape()[1] * s.shape()[2] * (s.elementBytes() > 0 ? s.elementBytes() : activationBytes);
        return Math.max(bytes, 1);
    }

    /** The persistent buffers, placed. */
    List<ArenaBuffer> histories() {
        List<ArenaBuffer> list = new ArrayList<>();
        for (var e : specs.entrySet()) {
            if (e.getValue().persistent()) list.add(get(e.getKey(), e.getValue()));
        }
        return List.copyOf(list);
    }
}
