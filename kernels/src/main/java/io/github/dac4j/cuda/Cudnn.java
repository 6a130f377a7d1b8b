package io.github.dac4j.cuda;

import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.Conv1d;
import io.github.dac4j.core.model.ConvTranspose1d;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcudnn.JCudnn;
import jcuda.jcudnn.cudnnConvolutionBwdDataAlgoPerf;
import jcuda.jcudnn.cudnnConvolutionDescriptor;
import jcuda.jcudnn.cudnnConvolutionFwdAlgoPerf;
import jcuda.jcudnn.cudnnFilterDescriptor;
import jcuda.jcudnn.cudnnHandle;
import jcuda.jcudnn.cudnnTensorDescriptor;
import jcuda.runtime.cudaStream_t;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static jcuda.jcudnn.cudnnConvolutionMode.CUDNN_CROSS_CORRELATION;
import static jcuda.jcudnn.cudnnDataType.CUDNN_DATA_FLOAT;
import static jcuda.jcudnn.cudnnDataType.CUDNN_DATA_HALF;
import static jcuda.jcudnn.cudnnMathType.CUDNN_DEFAULT_MATH;
import static jcuda.jcudnn.cudnnMathType.CUDNN_FMA_MATH;
import static jcuda.jcudnn.cudnnMathType.CUDNN_TENSOR_OP_MATH;
import static jcuda.jcudnn.cudnnStatus.CUDNN_STATUS_NOT_SUPPORTED;
import static jcuda.jcudnn.cudnnStatus.CUDNN_STATUS_SUCCESS;
import static jcuda.jcudnn.cudnnTensorFormat.CUDNN_TENSOR_NHWC;

/**
 * cuDNN on one stream: a handle, and per convolution shape its descriptors and algorithm, chosen once. 1-D layers are
 * 2-D with H = 1 in NHWC: activations {@code [N = streams, H = 1, W = rows, C]}, a stream's rows strided by the
 * buffer's capacity, so a window of rows of every stream is one tensor. fp16 runs on tensor cores with fp32
 * accumulation; fp32 runs plain FMA (no TF32 rounding). Set {@code -Ddac4j.cuda.verbose=true} to print each shape's
 * choice on stderr.
 */
final class Cudnn implements AutoCloseable {
    private static final Pointer ONE = Pointer.to(new float[] {1f});
    private static final Pointer ZERO = Pointer.to(new float[] {0f});
    private static final int MAX_CACHED_SHAPES = 1024;
    private static final boolean VERBOSE = Boolean.getBoolean("dac4j.cuda.verbose");

    private final cudnnHandle handle = new cudnnHandle();
    private final Precision precision;
    private final int dataType;
    private final Map<Key, Shape> shapes = new HashMap<>();
    private boolean created;

    Cudnn(CUstream stream, Precision precision) {
        this.precision = precision;
        this.dataType = precision == Precision.FP16 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
        check(JCudnn.cudnnCreate(handle), "cudnnCreate");
        created = true;
        try {
            check(JCudnn.cudnnSetStream(handle, new cudaStream_t(stream)), "cudnnSetStream");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The 1-D geometry of one cuDNN call, as 2-D with H = 1: input width, output width, and the W padding, stride and
     * dilation of the convolution descriptor. For a transposed layer "input" is the data gradient's source (the
     * window, {@code dy}) and "output" the result ({@code dx}).
     */
    record Geometry(int inW, int outW, int padW, int strideW, int dilationW) {

        /**
         * Valid convolution over a window of {@code (n - 1) * stride + span + 1} rows: n outputs, no padding (the window
         * holds the halo); the stride is 1 but in the encoder's downsampling layers.
         */
        static Geometry forward(Conv1d c, int n) {
            return new Geometry((n - 1) * c.stride() + c.span() + 1, n, 0, c.stride(), c.dilation());
        }

        /**
         * The transposed layer as the data gradient of a stride-s convolution with padding P = s + p (p = ceil(s/2)):
         * window row i with tap m reaches output x = i*s + m - P, so output q*s + r gets window row q+1 through tap
         * r + p, row q through r + p + s and row q+2 through r + p - s: the phase contract, odd s included. n + 2
         * window rows give exactly n*s outputs: floor((n*s + 2P - 2s) / s) + 1 = n + 2 for s/2 {@literal <=} p {@literal <} s.
         */
        static Geometry transposed(ConvTranspose1d c, int n) {
            int s = c.stride();
            return new Geometry(n + 2, n * s, s + c.padding(), s, 1);
        }
    }

    /** One call's shape: direction, channels, kernel, geometry, streams and the streams' strides in elements. */
    record Key(boolean transposed, int cin, int cout, int kernel, Geometry g, int streams, long inStride, long outStride) {}

    /** Descriptors and the chosen algorithm of one shape. For a transposed shape, x = dy and y = dx. */
    static final class Shape {
        final cudnnTensorDescriptor x = new cudnnTensorDescriptor(), y = new cudnnTensorDescriptor();
        final cudnnFilterDescriptor w = new cudnnFilterDescriptor();
        final cudnnConvolutionDescriptor conv = new cudnnConvolutionDescriptor();
        int algorithm, math;
        long workspace;

        private void destroy() {
            JCudnn.cudnnDestroyTensorDescriptor(x);
            JCudnn.cudnnDestroyTensorDescriptor(y);
            JCudnn.cudnnDestroyFilterDescriptor(w);
            JCudnn.cudnnDestroyConvolutionDescriptor(conv);
        }
    }

    /** {@code y = conv(x, w)} for a forward shape, with {@code workspaceBytes} at {@code workspace}. */
    void forward(Key k, CUdeviceptr x, CUdeviceptr w, CUdeviceptr y, CUdeviceptr workspace, long workspaceBytes, String what) {
        Shape s = shape(k, workspaceBytes);
        check(JCudnn.cudnnConvolutionForward(handle, ONE, s.x, x, s.w, w, s.conv, s.algorithm, workspace, s.workspace, ZERO, s.y, y),
                "cudnnConvolutionForward " + what);
    }

    /** {@code dx = conv^T(dy, w)} for a transposed shape: the transposed layer's output from its window. */
    void backwardData(Key k, CUdeviceptr dy, CUdeviceptr w, CUdeviceptr dx, CUdeviceptr workspace, long workspaceBytes, String what) {
        Shape s = shape(k, workspaceBytes);
        check(JCudnn.cudnnConvolutionBackwardData(handle, ONE, s.w, w, s.x, dy, s.conv, s.algorithm, workspace, s.workspace, ZERO, s.y, dx),
                "cudnnConvolutionBackwardData " + what);
    }

    /** The descriptors and algorithm of {@code k}, made and chosen on first use. */
    Shape shape(Key k, long workspaceBytes) {
        Shape s = shapes.get(k);
        if (s != null) return s;
        if (shapes.size() >= MAX_CACHED_SHAPES) clear();
        s = new Shape();
        check(JCudnn.cudnnCreateTensorDescriptor(s.x), "cudnnCreateTensorDescriptor");
        check(JCudnn.cudnnCreateTensorDescriptor(s.y), "cudnnCreateTensorDescriptor");
        check(JCudnn.cudnnCreateFilterDescriptor(s.w), "cudnnCreateFilterDescriptor");
        check(JCudnn.cudnnCreateConvolutionDescriptor(s.conv), "cudnnCreateConvolutionDescriptor");
        try {
            Geometry g = k.g();
            // x: cin channels (a forward input, or a transposed layer's window dy); y: cout channels (output, or dx).
            describe(s.x, k.streams(), k.cin(), g.inW(), k.inStride(), "input");
            describe(s.y, k.streams(), k.cout(), g.outW(), k.outStride(), "output");
            // Forward: filter [K = cout, C = cin]; transposed: the forward conv maps dx (cout) to dy (cin): [K = cin, C = cout].
            int fk = k.transposed() ? k.cin() : k.cout(), fc = k.transposed() ? k.cout() : k.cin();
            check(JCudnn.cudnnSetFilter4dDescriptor(s.w, dataType, CUDNN_TENSOR_NHWC, fk, fc, 1, k.kernel()), "cudnnSetFilter4dDescriptor");
            check(JCudnn.cudnnSetConvolution2dDescriptor(s.conv, 0, g.padW(), 1, g.strideW(), 1, g.dilationW(),
                    CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor");
            choose(k, s, workspaceBytes);
        } catch (RuntimeException e) {
            s.destroy();
            throw e;
        }
        shapes.put(k, s);
        if (VERBOSE) {
            System.err.printf("dac4j cudnn: %s -> algorithm %d, math %s, workspace %d bytes%n", k, s.algorithm, mathName(s.math), s.workspace);
        }
        return s;
    }

    /**
     * NHWC {@code [streams, 1, width, channels]} with the streams {@code streamStride} elements apart; a single stream
     * is described packed (its N stride cannot matter, and cuDNN may refuse a non-packed one).
     */
    private void describe(cudnnTensorDescriptor d, int streams, int channels, int width, long streamStride, String what) {
        long nStride = streams == 1 ? (long) width * channels : streamStride;
        check(JCudnn.cudnnSetTensor4dDescriptorEx(d, dataType, streams, channels, 1, width,
                intStride(nStride), 1, width * channels, channels), "cudnnSetTensor4dDescriptorEx (" + what + ")");
    }

    /**
     * The first algorithm of the heuristics' list (best first) that runs in {@code workspaceBytes} at the math type
     * this precision wants: tensor-op math for fp16, falling back to default math only if no algorithm supports it;
     * FMA math for fp32. The math type is set on the descriptor before asking, because JCudnn never writes the
     * {@code mathType} of the returned entries back (it reads 0); the list is sized by cuDNN's own maximum count.
     */
    private void choose(Key k, Shape s, long workspaceBytes) {
        int[] maths = precision == Precision.FP16 ? new int[] {CUDNN_TENSOR_OP_MATH, CUDNN_DEFAULT_MATH} : new int[] {CUDNN_FMA_MATH};
        List<String> entries = new ArrayList<>();
        for (int math : maths) {
            check(JCudnn.cudnnSetConvolutionMathType(s.conv, math), "cudnnSetConvolutionMathType");
            int[] max = new int[1], returned = new int[1];
            long[] ws = new long[1];
            int[] algos, statuses;
            long[] memories;
            if (!k.transposed()) {
                check(JCudnn.cudnnGetConvolutionForwardAlgorithmMaxCount(handle, max), "cudnnGetConvolutionForwardAlgorithmMaxCount");
                cudnnConvolutionFwdAlgoPerf[] perf = new cudnnConvolutionFwdAlgoPerf[Math.max(1, max[0])];
                for (int i = 0; i < perf.length; i++) perf[i] = new cudnnConvolutionFwdAlgoPerf();
                check(JCudnn.cudnnGetConvolutionForwardAlgorithm_v7(handle, s.x, s.w, s.conv, s.y, perf.length, returned, perf),
                        "cudnnGetConvolutionForwardAlgorithm_v7");
                algos = new int[returned[0]];
                statuses = new int[returned[0]];
                memories = new long[returned[0]];
                for (int i = 0; i < returned[0]; i++) { algos[i] = perf[i].algo; statuses[i] = perf[i].status; memories[i] = perf[i].memory; }
            } else {
                check(JCudnn.cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, max), "cudnnGetConvolutionBackwardDataAlgorithmMaxCount");
                cudnnConvolutionBwdDataAlgoPerf[] perf = new cudnnConvolutionBwdDataAlgoPerf[Math.max(1, max[0])];
                for (int i = 0; i < perf.length; i++) perf[i] = new cudnnConvolutionBwdDataAlgoPerf();
                check(JCudnn.cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, s.w, s.x, s.conv, s.y, perf.length, returned, perf),
                        "cudnnGetConvolutionBackwardDataAlgorithm_v7");
                algos = new int[returned[0]];
                statuses = new int[returned[0]];
                memories = new long[returned[0]];
                for (int i = 0; i < returned[0]; i++) { algos[i] = perf[i].algo; statuses[i] = perf[i].status; memories[i] = perf[i].memory; }
            }
            boolean unsupported = true;
            for (int i = 0; i < algos.length; i++) {
                entries.add(mathName(math) + "/" + algos[i] + ":" + statusName(statuses[i]) + ":" + memories[i]);
                if (statuses[i] != CUDNN_STATUS_SUCCESS) continue;
                int status = k.transposed()
                        ? JCudnn.cudnnGetConvolutionBackwardDataWorkspaceSize(handle, s.w, s.x, s.conv, s.y, algos[i], ws)
                        : JCudnn.cudnnGetConvolutionForwardWorkspaceSize(handle, s.x, s.w, s.conv, s.y, algos[i], ws);
                if (status != CUDNN_STATUS_NOT_SUPPORTED) unsupported = false;
                if (status != CUDNN_STATUS_SUCCESS || ws[0] > workspaceBytes) continue;
                s.algorithm = algos[i];
                s.math = math;
                s.workspace = ws[0];
                return;
            }
            if (!unsupported) break;   // the math type is supported, the workspace is what failed: no fallback
        }
        throw new IllegalStateException("cuDNN offers no " + (k.transposed() ? "backward-data" : "forward") + " algorithm for " + k
                + " (row alignment " + alignment(k) + " bytes) within a workspace of " + workspaceBytes + " bytes; heuristics (math/algo:status:memory): "
                + String.join(" ", entries));
    }

    /** The largest power of two (up to 16) dividing the bytes of a row of either tensor: tensor cores want 16. */
    private int alignment(Key k) {
        int bytes = precision.bytes();
        long rowBytes = (long) Math.min(Integer.lowestOneBit(k.cin()), Integer.lowestOneBit(k.cout())) * bytes;
        return (int) Math.min(16, rowBytes);
    }

    private static String mathName(int math) {
        return switch (math) {
            case CUDNN_TENSOR_OP_MATH -> "TENSOR_OP";
            case CUDNN_FMA_MATH -> "FMA";
            case CUDNN_DEFAULT_MATH -> "DEFAULT";
            default -> "math" + math;
        };
    }

    /** cuDNN's own name of a status (the 11.7 jar's table is cuDNN 8's). */
    static String statusName(int status) {
        try {
            return JCudnn.cudnnGetErrorString(status);
        } catch (Throwable t) {
            return "status " + status;
        }
    }

    static void check(int status, String what) {
        if (status != CUDNN_STATUS_SUCCESS) throw new IllegalStateException(what + " failed: " + statusName(status));
    }

    /** cuDNN's 4-D descriptors take int strides: a stream of more than 2^31 elements needs a smaller step. */
    private static int intStride(long stride) {
        if (stride > Integer.MAX_VALUE) {
            throw new IllegalStateException("a stream of " + stride + " elements exceeds cuDNN's int strides: use a smaller --chunk-frames");
        }
        return (int) stride;
    }

    @Override public void close() {
        clear();
        if (created) JCudnn.cudnnDestroy(handle);
        created = false;
    }

    private void clear() {
        for (Shape s : shapes.values()) s.destroy();
        shapes.clear();
    }
}
