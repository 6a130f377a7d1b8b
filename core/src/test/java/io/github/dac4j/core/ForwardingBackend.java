package io.github.dac4j.core;

import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.EncoderModel;
import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.CodebookSum;
import io.github.dac4j.core.program.Conv;
import io.github.dac4j.core.program.ConvTranspose;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.Quantize;
import io.github.dac4j.core.program.UploadAudio;
import io.github.dac4j.core.program.ScratchPolicy;

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
    @Override public ScratchPolicy scratch() { return inner.scratch(); }
    @Override public void prepare(DacModel model) { inner.prepare(model); }
    @Override public void prepare(EncoderModel encoder) { inner.prepare(encoder); }
    @Override public void uploadAudio(UploadAudio op, int streams, float[] audio, int rows) { inner.uploadAudio(op, streams, audio, rows); }
    @Override public void quantize(Quantize op, int streams, int n, int frames, int[] codes) { inner.quantize(op, streams, n, frames, codes); }
    @Override public long weightBytes() { return inner.weightBytes(); }
    @Override public void allocate(Program program) { inner.allocate(program); }
    @Override public long arenaBytes() { return inner.arenaBytes(); }
    @Override public void codebookSum(CodebookSum op, int streams, int[] codes, int codebooks, int n) { inner.codebookSum(op, streams, codes, codebooks, n); }
    @Override public void conv(Conv op, int streams, long position, int skip, int n) { inner.conv(op, streams, position, skip, n); }
    @Override public void convTranspose(ConvTranspose op, int streams, long position, int skip, int n) { inner.convTranspose(op, streams, position, skip, n); }
    @Override public void copyRows(int streams, ArenaBuffer src, int srcRow, ArenaBuffer dst, int dstRow, int rows) { inner.copyRows(streams, src, srcRow, dst, dstRow, rows); }
    @Override public void zeroRows(ArenaBuffer dst, int stream, int fromRow, int rows) { inner.zeroRows(dst, stream, fromRow, rows); }
    @Override public void read(ArenaBuffer src, int stream, int fromRow, int rows, float[] dst, int dstOffset) { inner.read(src, stream, fromRow, rows, dst, dstOffset); }
    @Override public void close() { inner.close(); }
}
