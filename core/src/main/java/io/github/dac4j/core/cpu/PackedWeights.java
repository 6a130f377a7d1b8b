package io.github.dac4j.core.cpu;

import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.EncoderBlock;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.core.model.ResidualUnit;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A model's convolution weights in one kernel implementation's layout. Immutable once built, and shared: every
 * CPU backend prepared with the same {@link DacModel} (or {@link EncoderModel}) and kernels uses one copy, so N decoders on one loaded
 * model hold one packed copy of the weights, not N. The cache holds models and packings weakly: a packing lives
 * as long as an open backend uses it, and is made again if a decoder opens on the model after all have closed.
 *
 * <p>Models are compared as records: two {@code DacModel}s are equal only if they hold the same weight arrays, so
 * a model loaded twice from one file gets two copies; load once and share the model instead.
 */
final class PackedWeights {
    private static final Map<Object, Map<String, WeakReference<PackedWeights>>> SHARED = new WeakHashMap<>();

    /** Keyed by the conv records (equal records hold the same arrays); values as {@link Kernels#pack} makes them. */
    private final Map<Object, float[]> packed = new HashMap<>();
    private final long bytes;

    /** The packed weights of a decoder for {@code kernels}: built on first use, then shared. */
    static PackedWeights of(DacModel model, Kernels kernels) {
        List<Object> layers = new ArrayList<>(List.of(model.conv1()));
        for (DecoderBlock b : model.blocks()) {
            layers.add(b.convT1());
            for (ResidualUnit u : b.resUnits()) layers.addAll(List.of(u.conv1(), u.conv2()));
        }
        layers.add(model.conv2());
        return shared(model, kernels, layers, model.quantizer().tableBytes() / 4);
    }

    /** The packed weights of an encoder for {@code kernels} (its in_proj layers are used as loaded). */
    static PackedWeights of(EncoderModel model, Kernels kernels) {
        List<Object> layers = new ArrayList<>(List.of(model.conv1()));
        for (EncoderBlock b : model.blocks()) {
            for (ResidualUnit u : b.resUnits()) layers.addAll(List.of(u.conv1(), u.conv2()));
            layers.add(b.conv1());
        }
        layers.add(model.conv2());
        return shared(model, kernels, layers, 0);
    }

    private static PackedWeights shared(Object model, Kernels kernels, List<Object> layers, long extraFloats) {
        // One lock for all models: packing happens once per model and kernel kind, at open.
        synchronized (SHARED) {
            Map<String, WeakReference<PackedWeights>> byKernels = SHARED.computeIfAbsent(model, m -> new HashMap<>(2));
            WeakReference<PackedWeights> ref = byKernels.get(kernels.name());
            PackedWeights weights = ref == null ? null : ref.get();
            if (weights == null) {
                weights = new PackedWeights(layers, kernels, extraFloats);
                byKernels.put(kernels.name(), new WeakReference<>(weights));
            }
            return weights;
        }
    }

    private PackedWeights(List<Object> layers, Kernels kernels, long extraFloats) {
        for (Object layer : layers) {
            if (layer instanceof Conv1d c) pack(c, kernels);
            else pack((ConvTranspose1d) layer, kernels);
        }
        long floats = extraFloats;
        for (float[] p : packed.values()) floats += p.length;
        this.bytes = 4 * floats;
    }

    /** The packed weights of a convolution of the model. */
    float[] of(Conv1d conv) { return packed.get(conv); }

    /** The packed phases of a transposed convolution of the model, phase r at {@code r * (length / stride)}. */
    float[] of(ConvTranspose1d conv) { return packed.get(conv); }

    /** Bytes of these packed weights plus the quantizer's tables (which are used as loaded). */
    long bytes() { return bytes; }

    /**
     * Conv1d weight [out, in, k] into the kernels' own layout of its [k, in, out]: straight from the weights; a strided
     * convolution through that copy, reshaped.
     */
    private void pack(Conv1d conv, Kernels kernels) {
        int out = conv.outChannels(), in = conv.inChannels(), k = conv.kernel(), s = conv.stride();
        Kernels.Strided weights = new Kernels.Strided(conv.weight(), 0, 1, k, in * k);
        // kernel 2s, stride s: 2 taps over rows of s rows, and [k / s, s * in, out] is the same array as [k, in, out]
        packed.put(conv, s == 1 ? kernels.pack(weights, conv.bias(), k, in, out)
                : kernels.pack(weights.copy(k, in, out), conv.bias(), k / s, s * in, out));
    }

    /**
     * ConvTranspose1d weight [in, out, 2s] -> per phase r, a 2-tap convolution [2, in, out]: the taps applied to
     * the earlier window row, then the later. Phase r reads window rows (0, 1) if {@code r + s/2 < s}, else (1, 2).
     */
    private void pack(ConvTranspose1d conv, Kernels kernels) {
        int in = conv.inChannels(), out = conv.outChannels(), s = conv.stride(), k = conv.kernel(), pad = conv.padding();
        float[] w = conv.weight();
        float[][] phases = new float[s][];
        int total = 0;
        for (int r = 0; r < s; r++) {
            // tap m of the phase: w[(c * out + o) * k + taps[m]]
            int[] taps = CpuBackend.phaseTaps(r, s, pad);
            phases[r] = kernels.pack(new Kernels.Strided(w, taps[0], taps[1] - taps[0], out * k, k), conv.bias(), 2, in, out);
            total += phases[r].length;
        }
        // all phases in one array, phase r at r * (total / s): the packs have equal lengths
        float[] all = new float[total];
        for (int r = 0; r < s; r++) System.arraycopy(phases[r], 0, all, r * phases[0].length, phases[0].length);
        packed.put(conv, all);
    }
}
