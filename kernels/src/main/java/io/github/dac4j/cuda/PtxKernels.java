package io.github.dac4j.cuda;

import io.github.dac4j.core.Precision;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;
import jcuda.driver.JITOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The project's own kernels, from the PTX shipped as a resource ({@code dac4j.ptx}, built by
 * {@code kernels/scripts/build-ptx.sh} from {@code kernels/src/main/cuda/dac4j.cu}) and JIT-compiled by the driver.
 * All are grid-stride loops over a count of elements, launched with 256 threads per block. Each has one typed launch
 * method whose parameters, after the stream, are the kernel's, in order and of the same widths ({@link CUdeviceptr}
 * and {@code long}: 64 bits; {@code int}: 32 bits); {@code PtxTest} checks every {@link Entry} against the PTX.
 */
final class PtxKernels implements AutoCloseable {
    /** Resource path of the PTX. */
    static final String PTX = "/io/github/dac4j/cuda/dac4j.ptx";

    /** The PTX entries a launch method runs (one per precision where there are two). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface Entry {
        /** Entry names, e.g. {@code dac4j_snake_f16}. */
        String[] value();
    }

    private static final int THREADS = 256;
    /** Enough blocks to fill any current GPU; the loops stride over the rest. */
    private static final long MAX_BLOCKS = 1 << 16;
    private static final int LOG_BYTES = 16 << 10;

    private final CUmodule module = new CUmodule();
    private final CUfunction snake, epilogue, codebookSum, castHalfToFloat, quantize;
    /** Threads of a quantize block, and the largest latent width its shared memory holds (dac4j.cu). */
    static final int QUANTIZE_THREADS = 256, QUANTIZE_MAX_LATENT = 1024, QUANTIZE_MAX_DIM = 32;
    private boolean loaded;

    /** Loads the module (the driver JIT-compiles it for this GPU) and finds the entries of {@code precision}. */
    PtxKernels(Precision precision) {
        load(module);
        loaded = true;
        String suffix = precision == Precision.FP16 ? "_f16" : "_f32";
        snake = function("dac4j_snake" + suffix);
        epilogue = function("dac4j_epilogue" + suffix);
        codebookSum = function("dac4j_codebook_sum" + suffix);
        castHalfToFloat = function("dac4j_cast_f16_f32");
        quantize = function("dac4j_quantize" + suffix);
    }

    /**
     * {@code cuModuleLoadDataJIT} with the JIT's error and info logs: a PTX the driver rejects (a too new ISA version,
     * a register limit) fails with the JIT's own words instead of a bare status.
     */
    static void load(CUmodule module) {
        JITOptions jit = new JITOptions();
        jit.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[LOG_BYTES]);
        jit.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, LOG_BYTES);
        jit.putBytes(CUjit_option.CU_JIT_INFO_LOG_BUFFER, new byte[LOG_BYTES]);
        jit.putInt(CUjit_option.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, LOG_BYTES);
        try {
            JCudaDriver.cuModuleLoadDataJIT(module, Pointer.to(ptx()), jit);
        } catch (CudaException e) {
            String log = jit.getString(CUjit_option.CU_JIT_ERROR_LOG_BUFFER);
            throw new IllegalStateException("the driver rejected dac4j.ptx: " + CudaProbe.oneLine(e)
                    + (log == null || log.isBlank() ? "" : "; JIT log: " + log.trim().replace('\n', ' ')), e);
        }
    }

    /** The PTX text, NUL-terminated as the driver wants it. */
    static byte[] ptx() {
        try (InputStream in = PtxKernels.class.getResourceAsStream(PTX)) {
            if (in == null) throw new IllegalStateException("resource " + PTX + " missing from the dac4j-kernels jar");
            byte[] text = in.readAllBytes();
            byte[] z = new byte[text.length + 1];
            System.arraycopy(text, 0, z, 0, text.length);
            return z;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + PTX, e);
        }
    }

    private CUfunction function(String name) {
        CUfunction f = new CUfunction();
        JCudaDriver.cuModuleGetFunction(f, module, name);
        return f;
    }

    /**
     * Snake over a strided view into packed scratch: {@code src:[streams, viewElems] (stride srcStride) -> dst:[streams, viewElems]},
     * {@code dst = x + inverse[c] * sin(alpha[c] * x)^2}, c = element % channels; count = streams * viewElems.
     */
    @Entry({"dac4j_snake_f16", "dac4j_snake_f32"})
    void snake(CUstream stream, CUdeviceptr src, long srcStride, CUdeviceptr dst, CUdeviceptr alpha, CUdeviceptr inverse,
               long viewElems, int channels, long count) {
        launch(snake, stream, count, Pointer.to(src), at(srcStride), Pointer.to(dst), Pointer.to(alpha), Pointer.to(inverse),
                at(viewElems), at(channels), at(count));
    }

    /**
     * In place on a convolution's output view, {@code y:[streams, viewElems] (stride yStride)}:
     * {@code y = act(residual + (bias[c] + y))}, the residual term only when {@code hasResidual} is 1 (residual may
     * then be null), act = tanh when {@code doTanh} is 1.
     */
    @Entry({"dac4j_epilogue_f16", "dac4j_epilogue_f32"})
    void epilogue(CUstream stream, CUdeviceptr y, long yStride, CUdeviceptr residual, long residualStride, int hasResidual,
                  CUdeviceptr bias, int doTanh, long viewElems, int channels, long count) {
        launch(epilogue, stream, count, Pointer.to(y), at(yStride), pointerOrNull(residual), at(residualStride),
                at(hasResidual), Pointer.to(bias), at(doTanh), at(viewElems), at(channels), at(count));
    }

    /**
     * {@code codes:[streams, codebooks, n] int32 -> out:[streams, n, latent] (stride outStride)},
     * {@code out[b, t, :] = sum_k tables[k, codes[b, k, t], :]}, tables {@code [codebooks, size, latent]}.
     */
    @Entry({"dac4j_codebook_sum_f16", "dac4j_codebook_sum_f32"})
    void codebookSum(CUstream stream, CUdeviceptr codes, CUdeviceptr tables, CUdeviceptr out, long outStride, int codebooks,
                     int n, int latent, int size, long count) {
        launch(codebookSum, stream, count, Pointer.to(codes), Pointer.to(tables), Pointer.to(out), at(outStride),
                at(codebooks), at(n), at(latent), at(size), at(count));
    }

    /** {@code src:[count] fp16 -> dst:[count] fp32}, contiguous. */
    @Entry("dac4j_cast_f16_f32")
    void castHalfToFloat(CUstream stream, CUdeviceptr src, CUdeviceptr dst, long count) {
        launch(castHalfToFloat, stream, count, Pointer.to(src), Pointer.to(dst), at(count));
    }

    /**
     * Residual vector quantization of {@code n} frames per stream, one block per (stream, frame), {@code streams * n} blocks:
     * {@code latents:[streams, n, latent] (stride latentsStride) -> codes [streams, codebooks, frames]} (int32, the first n
     * of each row), with in_proj {@code [K, dim, latent]}, its bias {@code [K, dim]}, the normalised codebooks
     * {@code [K, size, dim]} and the tables {@code [K, size, latent]}, all float32.
     */
    @Entry({"dac4j_quantize_f16", "dac4j_quantize_f32"})
    void quantize(CUstream stream, CUdeviceptr latents, long latentsStride, CUdeviceptr inProj, CUdeviceptr inBias,
                  CUdeviceptr unitBook, CUdeviceptr tables, CUdeviceptr codes, int codebooks, int streams, int n, int frames,
                  int latent, int dim, int size) {
        if (latent > QUANTIZE_MAX_LATENT || dim > QUANTIZE_MAX_DIM) {
            throw new IllegalArgumentException("the quantize kernel holds latents of up to " + QUANTIZE_MAX_LATENT + " and codebook entries of up to "
                    + QUANTIZE_MAX_DIM + ", got " + latent + " and " + dim);
        }
        int blocks = Math.multiplyExact(streams, n);
        JCudaDriver.cuLaunchKernel(quantize, blocks, 1, 1, QUANTIZE_THREADS, 1, 1, 0, stream, Pointer.to(
                Pointer.to(latents), at(latentsStride), Pointer.to(inProj), Pointer.to(inBias), Pointer.to(unitBook),
                Pointer.to(tables), Pointer.to(codes), at(codebooks), at(streams), at(n), at(frames), at(latent), at(dim), at(size)), null);
    }

    private static Pointer at(long value) { return Pointer.to(new long[] {value}); }

    private static Pointer at(int value) { return Pointer.to(new int[] {value}); }

    private static Pointer pointerOrNull(CUdeviceptr p) { return p == null ? at(0L) : Pointer.to(p); }

    private static void launch(CUfunction f, CUstream stream, long count, Pointer... params) {
        if (count <= 0) return;
        int blocks = (int) Math.min(MAX_BLOCKS, (count + THREADS - 1) / THREADS);
        JCudaDriver.cuLaunchKernel(f, blocks, 1, 1, THREADS, 1, 1, 0, stream, Pointer.to(params), null);
    }

    @Override public void close() {
        if (loaded) {
            loaded = false;
            JCudaDriver.cuModuleUnload(module);
        }
    }
}
