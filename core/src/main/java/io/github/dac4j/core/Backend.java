package io.github.dac4j.core;

import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.Quantizer;
import io.github.dac4j.core.model.Snake;
import io.github.dac4j.core.plan.MemoryPlan;

/**
 * What a device must do to run the decoder. Core owns the graph, the schedule and the memory plan; a backend
 * owns one arena laid out by that plan and runs these ops on {@link Act} views of it. Every op works on
 * streams {@code [0, streams)} of its views. Ops are issued in order; a backend may run them asynchronously
 * as long as {@link #read} returns finished data.
 *
 * <p>Exactness contract: the value an op writes for one output element must not depend on {@code n}, on the
 * rows around it, or on how a sequence was split into steps, so that streaming equals whole decoding.
 */
public interface Backend extends AutoCloseable {

    /** Short name: {@code cpu}, {@code cuda}. */
    String name();

    /** The element type of activations and weights on the device. */
    Precision precision();

    /** The device in words, for logs and stats. */
    String device();

    /** Bytes per activation element in the arena. */
    default int activationBytes() { return precision().bytes(); }

    /** Scratch bytes this backend needs in the arena for a step of this many streams and frames (0 if none). */
    long workspaceBytes(DacModel model, int streams, int stepFrames);

    /** Converts and uploads the model's weights; called once, before {@link #allocate}. */
    void prepare(DacModel model);

    /** Bytes the prepared weights occupy on the device. */
    long weightBytes();

    /**
     * Provides an arena of at least {@code plan.arenaBytes()} bytes, reusing the current one if it is large
     * enough. The plan's {@code workspace} buffer, if any, is the backend's scratch.
     */
    void allocate(MemoryPlan plan);

    /** Bytes of arena currently held. */
    long arenaBytes();

    /**
     * {@code codes:[streams, codebooks, n] -> out rows [outRow, outRow + n)}:
     * {@code out[b, outRow + t, :] = sum_{k < codebooks} table_k[codes[b, k, t], :]}.
     * Codes are on the host, int32, already validated; {@code staging} is arena room for them.
     */
    void codebookSum(Quantizer q, int streams, int[] codes, int codebooks, int n, Act staging, Act out, int outRow);

    /**
     * Valid convolution over input rows {@code [inRow, inRow + n + conv.span())} into n output rows:
     * {@code out[b, outRow + t, o] = act(bias[o] + sum_{j, c} W[o, c, j] * pre(in[b, inRow + t + j*d, c]) + residual[b, residualRow + t, o])}
     * with {@code pre} = {@code prologue} (Snake) or identity when null, the residual term only when
     * {@code residual} is not null, and {@code act} = tanh when {@code tanh}, else identity.
     */
    void conv(Conv1d conv, Snake prologue, int streams, Act in, int inRow, Act out, int outRow, int n,
              Act residual, int residualRow, boolean tanh);

    /**
     * Transposed convolution (stride s, kernel 2s, padding s/2) as s phases over a 3-row window:
     * input rows {@code [inRow, inRow + n + 2)} (the row before, n rows, the row after) give output rows
     * {@code [outRow, outRow + n*s)}; output row {@code q*s + r} reads input rows {@code inRow + q + {0,1,2}}
     * through taps {@code r + s/2 + s}, {@code r + s/2}, {@code r + s/2 - s} where those lie in {@code [0, 2s)}.
     * {@code pre} = {@code prologue} (Snake) applied to the input.
     */
    void convTranspose(ConvTranspose1d conv, Snake prologue, int streams, Act in, int inRow, Act out, int outRow, int n);

    /** Copies rows {@code [srcRow, srcRow + rows)} of every stream to {@code dst} rows from {@code dstRow}. */
    void copyRows(int streams, Act src, int srcRow, Act dst, int dstRow, int rows);

    /** Zeroes rows {@code [fromRow, fromRow + rows)} of one stream. */
    void zeroRows(Act dst, int stream, int fromRow, int rows);

    /** Copies {@code rows * channels} elements of one stream, from row {@code fromRow}, to float32 on the host. */
    void read(Act src, int stream, int fromRow, int rows, float[] dst, int dstOffset);

    /** Returns every byte this backend holds (weights, arena, handles). Idempotent. */
    @Override void close();
}
