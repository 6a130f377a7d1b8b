package io.github.dac4j.cuda;

import io.github.dac4j.core.Decoder;
import jcuda.driver.CUdeviceptr;

/**
 * Decoding into the caller's device memory, with no host round trip: for programs that feed the audio to more GPU
 * work (a vocoder's post-filter, a loss, an encoder). Open the decoder on a {@link CudaBackend}
 * ({@code Decoder.open(model, options, CudaBackend.create(precision, cudaOptions), true)}, or
 * {@code --device cuda}).
 */
public final class CudaDecoding {
    private CudaDecoding() {}

    /**
     * Decodes {@code codes[b][k][t]} to float32 samples {@code [B, samples(T)]}, row-major and contiguous, written to
     * the device memory at {@code out}: sample i of stream b at byte {@code 4 * (b * hop * T + i)}. Each step's
     * samples are copied (fp32) or converted (fp16, {@code dac4j_cast_f16_f32}) on the device, in stream order.
     *
     * <p>When this returns, the work is enqueued on {@link CudaBackend#stream()}. With a caller's stream
     * ({@link CudaOptions#withStream}) nothing is waited for: work the caller enqueues on that stream next sees
     * the samples. With the backend's own stream this waits for it, so the samples are finished on return.
     *
     * @param capacityBytes bytes available at {@code out}: at least {@code 4 * B * samples(T)} ({@link Decoder#samples(long)})
     * @throws IllegalArgumentException if the decoder does not run on CUDA, {@code out} is null, the output does
     *                                  not fit, or the codes are bad (checked before anything runs)
     */
    public static void decodeToDevice(Decoder decoder, int[][][] codes, CUdeviceptr out, long capacityBytes) {
        if (decoder == null) throw new IllegalArgumentException("decoder must not be null");
        if (!(decoder.backend() instanceof CudaBackend cuda)) {
            throw new IllegalArgumentException("decodeToDevice needs a decoder on the CUDA backend; this one runs on " + decoder.backendName());
        }
        if (out == null || out.equals(new CUdeviceptr())) throw new IllegalArgumentException("output is a null device pointer");
        if (capacityBytes < 0) throw new IllegalArgumentException("output capacity must be >= 0 bytes, got " + capacityBytes);
        long perStream = decoder.samples(frames(codes));
        int streams = codes == null ? 0 : codes.length;
        long need = 4L * streams * perStream;
        if (capacityBytes < need) {
            throw new IllegalArgumentException("output holds " + capacityBytes + " bytes; " + streams + " streams of "
                    + perStream + " float32 samples need " + need);
        }
        decoder.decodeInto(codes, (stream, position, samples, fromRow, count) ->
                cuda.copyToDevice(samples, stream, fromRow, count, out.withByteOffset(4L * (stream * perStream + position))), null);
        if (!cuda.callerStream()) cuda.synchronize();
    }

    /** Frames of the first stream, or 0 when the codes are too malformed to tell (the decoder then says why). */
    private static int frames(int[][][] codes) {
        if (codes == null || codes.length == 0 || codes[0] == null || codes[0].length == 0 || codes[0][0] == null) return 0;
        return codes[0][0].length;
    }
}
