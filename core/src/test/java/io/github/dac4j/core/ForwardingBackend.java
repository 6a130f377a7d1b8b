package io.github.dac4j.core;

import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.Quantizer;
import io.github.dac4j.core.model.Snake;
import io.github.dac4j.core.plan.MemoryPlan;

/**
 * A backend that passes every call to another: tests override the calls they count or change. Shared with the
 * kernels module's tests through core's test jar.
 */
public class ForwardingBackend implements Backend {
    /** The backend every call goes to. */
    protected final Backend inner;

    /** Forwards to {@code inner}. */
    public ForwardingBackend(Backend inner) { this.inner = inner; }

    @Override public String name() { return inner.name(); }
    @Override public Precision precision() { return inner.precision(); }
    @Override public String device() { return inner.device(); }
    @Override public long workspaceBytes(DacModel model, int streams, int stepFrames) { return inner.workspaceBytes(model, streams, stepFrames); }
    @Override public void prepare(DacModel model) { inner.prepare(model); }
    @Override public long weightBytes() { return inner.weightBytes(); }
    @Override public void allocate(MemoryPlan plan) { inner.allocate(plan); }
    @Override public long arenaBytes() { return inner.arenaBytes(); }
    @Override public void codebookSum(Quantizer q, int streams, int[] codes, int codebooks, int n, Act staging, Act out, int outRow) {
        inner.codebookSum(q, streams, codes, codebooks, n, staging, out, outRow);
    }
    @Override public void conv(Conv1d conv, Snake prologue, int streams, Act in, int inRow, Act out, int outRow, int n,
                               Act residual, int residualRow, boolean tanh) {
        inner.conv(conv, prologue, streams, in, inRow, out, outRow, n, residual, residualRow, tanh);
    }
    @Override public void convTranspose(ConvTranspose1d conv, Snake prologue, int streams, Act in, int inRow, Act out, int outRow, int n) {
        inner.convTranspose(conv, prologue, streams, in, inRow, out, outRow, n);
    }
    @Override public void copyRows(int streams, Act src, int srcRow, Act dst, int dstRow, int rows) { inner.copyRows(streams, src, srcRow, dst, dstRow, rows); }
    @Override public void zeroRows(Act dst, int stream, int fromRow, int rows) { inner.zeroRows(dst, stream, fromRow, rows); }
    @Override public void read(Act src, int stream, int fromRow, int rows, float[] dst, int dstOffset) { inner.read(src, stream, fromRow, rows, dst, dstOffset); }
    @Override public void close() { inner.close(); }
}
