package io.github.dac4j.core.program;

import io.github.dac4j.core.Backend;

import java.util.List;

/**
 * One operation of a step program. A step is {@code for (Op op : program.ops()) op.run(backend, step)}; the planner
 * reads each buffer's lifetime from the ops that read and write it, in this order, so the schedule exists once.
 * Every op works on streams {@code [0, step.streams())} of its buffers.
 */
public sealed interface Op permits CodebookSum, UploadAudio, RestoreHistory, Conv, ConvTranspose, MaskRows, SaveHistory,
        EmitSamples, Quantize, EmitFrames {

    /** What it does and to which layer, for plans and logs: {@code conv decoder.block.0.res_unit1.conv1}. */
    String label();

    /** The buffers it reads. */
    List<ArenaBuffer> reads();

    /** The buffers it writes. */
    List<ArenaBuffer> writes();

    /** Issues it on {@code backend} for {@code step}. */
    void run(Backend backend, Step step);
}
