package io.github.dac4j.cuda;

import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.program.Conv;
import io.github.dac4j.core.program.ConvTranspose;
import io.github.dac4j.core.program.Op;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.ScratchPolicy;
import io.github.dac4j.core.program.Stage;

import java.util.ArrayList;
import java.util.List;

/**
 * What the CUDA backend asks of the arena, computable without a GPU or the JCuda classes (this class imports none),
 * so that {@code dac plan} on any machine prints the plan the GPU allocates:
 * <ul>
 *   <li>{@code snake}, for each convolution with a Snake prologue: the pre-activated input window,
 *       {@code (history + stepFrames * inRate) * cin * streams} elements, rounded up to 256 bytes;</li>
 *   <li>{@code cudnn}, for each convolution: the cuDNN workspace, the op's input window bytes clamped to
 *       [{@value #CUDNN_WORKSPACE_MIN}, {@value #CUDNN_WORKSPACE_MAX}] bytes; algorithms needing more are skipped.</li>
 * </ul>
 * Each is live during its op only, so the planner lets all of them share the same bytes.
 */
public final class CudaSizing {
    /** cuDNN workspace of an op: at least this many bytes, whatever the step. */
    public static final long CUDNN_WORKSPACE_MIN = 4L << 20;
    /** cuDNN workspace of an op: never more than this many bytes. */
    public static final long CUDNN_WORKSPACE_MAX = 32L << 20;

    private CudaSizing() {}

    /** The CUDA backend's scratch requests. */
    public static ScratchPolicy scratch() { return CudaSizing::scratchOf; }

    private static List<ScratchPolicy.Scratch> scratchOf(Op op, int stepFrames, int activationBytes) {
        List<ScratchPolicy.Scratch> list = new ArrayList<>();
        if (op instanceof Conv c) {
            long window = windowBytes(c.stage(), c.in().streams(), stepFrames, activationBytes);
            if (c.prologue() != null) list.add(new ScratchPolicy.Scratch("snake", align(window)));
            list.add(new ScratchPolicy.Scratch("cudnn", cudnnWorkspaceBytes(window)));
        } else if (op instanceof ConvTranspose t) {
            long window = windowBytes(t.stage(), t.in().streams(), stepFrames, activationBytes);
            if (t.prologue() != null) list.add(new ScratchPolicy.Scratch("snake", align(window)));
            list.add(new ScratchPolicy.Scratch("cudnn", cudnnWorkspaceBytes(window)));
        }
        return list;
    }

    /** Bytes of a stage's input window at the largest step: {@code (history + stepFrames * inRate) * cin * streams * bytes}. */
    static long windowBytes(Stage s, int streams, int stepFrames, int activationBytes) {
        return ((long) s.history() + (long) stepFrames * s.inRate()) * s.inChannels() * streams * activationBytes;
    }

    /** The cuDNN workspace of an op whose input window holds {@code windowBytes}. */
    static long cudnnWorkspaceBytes(long windowBytes) {
        return Math.min(CUDNN_WORKSPACE_MAX, Math.max(CUDNN_WORKSPACE_MIN, align(windowBytes)));
    }

    private static long align(long bytes) { return (bytes + 255) / 256 * 256; }

    /** fp16, the CUDA backend's default, unless the options name a precision. */
    public static Precision precisionOf(DecoderOptions options) {
        return options.precision() == null ? Precision.FP16 : options.precision();
    }

    /**
     * The exact arena, in bytes, that a decoder with {@code options} plans on a CUDA backend, known before any GPU
     * is touched: give a caller's arena ({@link CudaOptions#withArenaMemory}) at least this much. The step is the
     * decoder's own choice ({@link Decoder#plannedStepFrames}).
     *
     * @throws IllegalArgumentException when the options decode whole sequences (step 0, no budget): that arena
     *                                  depends on the length; use {@link #requiredArenaBytes(DacModel, DecoderOptions, int)}
     */
    public static long requiredArenaBytes(DacModel model, DecoderOptions options) {
        Precision p = precisionOf(options);
        int step = Decoder.plannedStepFrames(model, options, p.bytes(), scratch());
        if (step == 0) {
            throw new IllegalArgumentException("step frames 0 decodes each sequence whole, so its arena depends on the length: "
                    + "use requiredArenaBytes(model, options, frames), or set a step or a memory budget");
        }
        return arenaBytes(model, options.batch(), step, p);
    }

    /**
     * As {@link #requiredArenaBytes(DacModel, DecoderOptions)}, for decodes of sequences of up to {@code frames}
     * frames: with a step or budget the same number; when decoding whole sequences, the arena of a step of
     * {@code frames} plus the look-ahead. ({@code Decoder.stream} on a whole-sequence decoder plans
     * {@link DecoderOptions#DEFAULT_STEP_FRAMES}-frame steps.)
     */
    public static long requiredArenaBytes(DacModel model, DecoderOptions options, int frames) {
        if (frames < 1) throw new IllegalArgumentException("frames must be >= 1, got " + frames);
        Precision p = precisionOf(options);
        int step = Decoder.stepFrames(model, options, p.bytes(), scratch(), frames);
        return arenaBytes(model, options.batch(), step, p);
    }

    private static long arenaBytes(DacModel model, int streams, int step, Precision p) {
        return Program.decoder(model).streams(streams).stepFrames(step).activationBytes(p.bytes()).scratch(scratch())
                .build().plan().arenaBytes();
    }
}
