package io.github.dac4j.core;

import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.CodebookSum;
import io.github.dac4j.core.program.Conv;
import io.github.dac4j.core.program.ConvTranspose;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.Quantize;
import io.github.dac4j.core.program.ScratchPolicy;
import io.github.dac4j.core.program.UploadAudio;

/**
 * What a device must do to run a step {@link Program}. Core owns the graph, the ops and the memory plan; a backend
 * owns one arena laid out by that plan and runs the ops on {@link ArenaBuffer} views of it (each op's contract is on
 * its record: {@link CodebookSum}, {@link Conv}, {@link ConvTranspose}). Every op works on streams
 * {@code [0, streams)} of its buffers. Ops are issued in order; a backend may run them asynchronously as long as
 * {@link #read} returns finished data.
 *
 * <p>Exactness contract: the value an op writes for one output element must not depend on {@code n}, on the rows
 * around it, or on how a sequence was split into steps, so that streaming equals whole decoding.
 */
public interface Backend extends AutoCloseable {

    /** Short name: {@code cpu}, {@code cuda}. */
    String name();

    /** The element type of activations and weights on the device. */
    Precision precision();

    /** The device in words, for logs and stats. */
    String device();

    /**
     * The CPU kernels this backend runs, {@code vector}, {@code java} or {@code reference} (as {@link #device()} ends
     * with), for stats and hints; null for a backend without them (the GPU).
     */
    default String kernels() { return null; }

    /**
     * Frames of code 0 that a decoder opening on this backend decodes once and throws away (and frames of silence
     * that an encoder encodes), so that its first real decode runs code already loaded, linked and compiled (the
     * decoder's and this backend's classes, lambdas, worker threads; a JIT's tier-ups); 0, the default, for none. A
     * decoder of whole sequences first has the backend {@linkplain #allocate allocate} for a one-second decode, so
     * that decodes of up to a second allocate nothing. The CPU backend asks for one frame.
     */
    default int warmUpFrames() { return 0; }

    /** Bytes per activation element in the arena. */
    default int activationBytes() { return precision().bytes(); }

    /**
     * The arena scratch this backend asks for beside each op's buffers (none by default), computable without a
     * device: the planner places it, and {@link Program#scratch(int)} gives its views.
     */
    default ScratchPolicy scratch() { return ScratchPolicy.NONE; }

    /** Converts and uploads the model's weights; called once, before {@link #allocate}. */
    void prepare(DacModel model);

    /** Converts and uploads an encoder's weights (the decode path's are {@link #prepare(DacModel)}'s); before {@link #allocate}. */
    void prepare(EncoderModel encoder);

    /** Bytes the prepared weights occupy on the device. */
    long weightBytes();

    /**
     * Takes the program it will run: provides an arena of at least {@code program.plan().arenaBytes()} bytes (reusing
     * the current one if it is large enough) and prepares whatever it keeps per op (descriptors, algorithms).
     * A failure leaves the backend as it was, still able to run the program it had.
     */
    void allocate(Program program);

    /** Bytes of arena currently held (at least the plan's {@code arenaBytes}; more if an earlier plan was larger). */
    long arenaBytes();

    /** Runs {@code op} for {@code n} frames of {@code streams} streams; {@code codes} is {@code [streams, codebooks, n]} on the host, validated. */
    void codebookSum(CodebookSum op, int streams, int[] codes, int codebooks, int n);

    /** Runs {@code op} for {@code rows} rows of {@code streams} streams; {@code audio} is {@code [streams, rows]} on the host. */
    void uploadAudio(UploadAudio op, int streams, float[] audio, int rows);

    /**
     * Runs {@code op} for the first {@code n} frames of a step of {@code frames} frames of {@code streams} streams,
     * writing the codes to the host, {@code codes[(b * K + k) * frames + t]}, {@code t < n}.
     */
    void quantize(Quantize op, int streams, int n, int frames, int[] codes);

    /**
     * Runs {@code op} for output rows {@code [skip, n)} of {@code streams} streams. Rows {@code [0, skip)} lie before
     * every stream's start, where the program zeroes them afterwards: a backend may leave them as they are (the CPU
     * backend does; that is a first step's warm-up not computed) or compute them. {@code position} is the sequence
     * position of output row 0 (negative in the first steps), the same for every stream: a backend whose sums depend on
     * where a row lies (the CPU backend's Winograd form pairs rows by position) keeps streaming exact with it.
     */
    void conv(Conv op, int streams, long position, int skip, int n);

    /**
     * Runs {@code op} for input rows {@code [skip, n)} (output rows {@code [skip * stride, n * stride)}) of
     * {@code streams} streams; the output rows before {@code skip * stride} may be left as they are, as for
     * {@link #conv}. {@code position} is the sequence position of input row 0 in input rows (its first output row's
     * position over the stride, rounded down): the CPU backend pairs the rows of each phase by it, as {@link #conv}'s.
     */
    void convTranspose(ConvTranspose op, int streams, long position, int skip, int n);

    /** Copies rows {@code [srcRow, srcRow + rows)} of every stream to {@code dst} rows from {@code dstRow}. */
    void copyRows(int streams, ArenaBuffer src, int srcRow, ArenaBuffer dst, int dstRow, int rows);

    /** Zeroes rows {@code [fromRow, fromRow + rows)} of one stream. */
    void zeroRows(ArenaBuffer dst, int stream, int fromRow, int rows);

    /** Copies {@code rows * channels} elements of one stream, from row {@code fromRow}, to float32 on the host. */
    void read(ArenaBuffer src, int stream, int fromRow, int rows, float[] dst, int dstOffset);

    /** Returns every byte this backend holds (weights, arena, handles). Idempotent. */
    @Override void close();
}
