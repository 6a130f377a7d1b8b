package io.github.dac4j.cuda;

import io.github.dac4j.core.Precision;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The project's own kernels, loaded from the PTX shipped as a resource ({@code dac4j.ptx}, built by
 * {@code kernels/scripts/build-ptx.sh} from {@code kernels/src/main/cuda/dac4j.cu}) and JIT-compiled by the driver.
 * All are grid-stride loops over a count of elements, launched with 256 threads per block.
 */
final class Kernels implements AutoCloseable {
    /** Resource path of the PTX. */
    static final String PTX = "/io/github/dac4j/cuda/dac4j.ptx";
    /** Every entry point the backend launches: the PTX test checks each is in the file. */
    static final List<String> NAMES = List.of(
            "dac4j_snake_f16", "dac4j_snake_f32",
            "dac4j_epilogue_f16", "dac4j_epilogue_f32",
            "dac4j_codebook_sum_f16", "dac4j_codebook_sum_f32",
            "dac4j_cast_f16_f32", "dac4j_cast_f32_f16");

    private static final int THREADS = 256;
    /** Enough blocks to fill any current GPU; the loops stride over the rest. */
    private static final long MAX_BLOCKS = 1 << 16;

    private final CUmodule module = new CUmodule();
    final CUfunction snake, epilogue, codebookSum, castHalfToFloat, castFloatToHalf;
    private boolean loaded;

    Kernels(Precision precision) {
        JCudaDriver.cuModuleLoadData(module, ptx());
        loaded = true;
        String suffix = precision == Precision.FP16 ? "_f16" : "_f32";
        snake = function("dac4j_snake" + suffix);
        epilogue = function("dac4j_epilogue" + suffix);
        codebookSum = function("dac4j_codebook_sum" + suffix);
        castHalfToFloat = function("dac4j_cast_f16_f32");
        castFloatToHalf = function("dac4j_cast_f32_f16");
    }

    /** The PTX text, NUL-terminated as {@code cuModuleLoadData} wants it. */
    static byte[] ptx() {
        try (InputStream in = Kernels.class.getResourceAsStream(PTX)) {
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
     * Launches {@code f} over {@code count} elements on {@code stream}. Each parameter is a {@link CUdeviceptr}
     * (a device address), a {@link Long} (an int64 or a null pointer as 0L) or an {@link Integer}.
     */
    static void launch(CUfunction f, CUstream stream, long count, Object... params) {
        if (count <= 0) return;
        Pointer[] p = new Pointer[params.length];
        for (int i = 0; i < params.length; i++) {
            Object o = params[i];
            if (o instanceof CUdeviceptr d) p[i] = Pointer.to(d);
            else if (o instanceof Long l) p[i] = Pointer.to(new long[] {l});
            else if (o instanceof Integer n) p[i] = Pointer.to(new int[] {n});
            else throw new IllegalArgumentException("kernel parameter " + i + " of type " + o.getClass());
        }
        int blocks = (int) Math.min(MAX_BLOCKS, (count + THREADS - 1) / THREADS);
        JCudaDriver.cuLaunchKernel(f, blocks, 1, 1, THREADS, 1, 1, 0, stream, Pointer.to(p), null);
    }

    @Override public void close() {
        if (loaded) {
            loaded = false;
            JCudaDriver.cuModuleUnload(module);
        }
    }
}
