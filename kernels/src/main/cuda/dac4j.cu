// dac4j's own GPU kernels: everything cuDNN does not do. Compiled to PTX (.version 7.0, .target sm_75) by
// kernels/scripts/build-ptx.sh with clang's CUDA front end and LLVM's NVPTX back end, without the CUDA headers:
// the few builtins used are declared below. The same file compiles as plain C++ for the host (DAC4J_HOST), so the
// math routines can be checked against libm on a machine without a GPU (build-ptx.sh --check).
//
// Layout: activations are time-major per stream, [streams, rows, channels]; a "view" is rows [row0, row0 + rows)
// of every stream, so element (b, r, c) of a view sits at base + b * streamStride + r * channels + c, and the
// elements of one stream's view are contiguous. Kernels take the view's first element as the pointer and the
// stream stride in elements. fp16 values are carried as raw 16-bit integers and converted with cvt instructions.
// All arithmetic is float32; every output element is computed by one thread from its own inputs only, in a fixed
// order, so results do not depend on the launch shape (position independence, needed for exact streaming).

#ifdef DAC4J_HOST
#include <math.h>
#include <stdint.h>
#define DEVICE static inline
typedef uint16_t half_bits;
static inline float dac4j_fmaf(float a, float b, float c) { return fmaf(a, b, c); }
static inline float dac4j_rintf(float a) { return rintf(a); }
static inline float dac4j_fabsf(float a) { return fabsf(a); }
static inline double dac4j_rint(double a) { return rint(a); }
static inline double dac4j_fma(double a, double b, double c) { return fma(a, b, c); }
#else
#define DEVICE __attribute__((device)) static inline
#define GLOBAL extern "C" __attribute__((global))
typedef unsigned short half_bits;
typedef long long int64_t;
typedef int int32_t;
DEVICE float dac4j_fmaf(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
DEVICE float dac4j_rintf(float a) { return __builtin_rintf(a); }
DEVICE float dac4j_fabsf(float a) { return __builtin_fabsf(a); }
DEVICE double dac4j_rint(double a) { return __builtin_rint(a); }
DEVICE double dac4j_fma(double a, double b, double c) { return __builtin_fma(a, b, c); }

// cvt.f32.f16 is exact; cvt.rn.f16.f32 rounds to nearest even, as the host-side conversion in weights-loader Halves.java does.
DEVICE float h2f(half_bits h) {
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
}
DEVICE half_bits f2h(float f) {
    half_bits h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
}

// Grid-stride loop over [0, count): any grid size gives the same per-element results.
DEVICE int64_t first_index() {
    return (int64_t) __nvvm_read_ptx_sreg_ctaid_x() * __nvvm_read_ptx_sreg_ntid_x() + __nvvm_read_ptx_sreg_tid_x();
}
DEVICE int64_t grid_stride() {
    return (int64_t) __nvvm_read_ptx_sreg_nctaid_x() * __nvvm_read_ptx_sreg_ntid_x();
}
#endif

// |sin(a)| to about 1 ulp in float32 (the sign does not matter: Snake squares it).
// Reduction a = j * pi/2 + r with a three-part Cody-Waite split of pi/2 (exact products through fma) for
// |a| <= 105615, in double for larger |a|; then the sine or cosine polynomial on |r| <= pi/4 by the quadrant.
// Written out because the PTX is built without libdevice, and sin.approx is too coarse for the fp32 path.
DEVICE float dac4j_abs_sin(float a) {
    float j, r;
    if (dac4j_fabsf(a) <= 105615.0f) {
        j = dac4j_rintf(a * 0.636619772f);
        r = dac4j_fmaf(j, -1.57079601e+00f, a);
        r = dac4j_fmaf(j, -3.13916473e-07f, r);
        r = dac4j_fmaf(j, -5.39030253e-15f, r);
    } else {
        double jd = dac4j_rint((double) a * 0.63661977236758134);
        double rd = dac4j_fma(jd, -1.5707963267948966e+00, (double) a);
        rd = dac4j_fma(jd, -6.123233995736766e-17, rd);
        j = (float) (jd - 4.0 * dac4j_rint(jd * 0.25));   // only the quadrant matters
        r = (float) rd;
    }
    float s = r * r, p;
    int quadrant = (int) j;
    if (quadrant & 1) {
        p = 2.44677067e-5f;
        p = dac4j_fmaf(p, s, -1.38877297e-3f);
        p = dac4j_fmaf(p, s, 4.16666567e-2f);
        p = dac4j_fmaf(p, s, -5.00000000e-1f);
        p = dac4j_fmaf(p, s, 1.0f);
    } else {
        p = 2.86567956e-6f;
        p = dac4j_fmaf(p, s, -1.98559923e-4f);
        p = dac4j_fmaf(p, s, 8.33338592e-3f);
        p = dac4j_fmaf(p, s, -1.66666672e-1f);
        p = p * s;
        p = dac4j_fmaf(p, r, r);
    }
    return dac4j_fabsf(p);
}

// Snake: x + inverse * sin(alpha * x)^2, inverse = 1 / (alpha + 1e-9) precomputed in float32 on the host.
DEVICE float dac4j_snake(float x, float alpha, float inverse) {
    float s = dac4j_abs_sin(alpha * x);
    return dac4j_fmaf(inverse, s * s, x);
}

// exp(a) for 0 <= a <= 20, a few ulp: a = k ln2 + r, |r| <= ln2/2, degree-7 Taylor polynomial, scaled by 2^k.
DEVICE float dac4j_exp_small(float a) {
    float k = dac4j_rintf(a * 1.44269502f);
    float r = dac4j_fmaf(k, -6.93145752e-1f, a);
    r = dac4j_fmaf(k, -1.42860677e-6f, r);
    float p = 1.98412698e-4f;              // 1/7!
    p = dac4j_fmaf(p, r, 1.38888889e-3f);  // 1/6!
    p = dac4j_fmaf(p, r, 8.33333333e-3f);  // 1/5!
    p = dac4j_fmaf(p, r, 4.16666667e-2f);  // 1/4!
    p = dac4j_fmaf(p, r, 1.66666667e-1f);  // 1/3!
    p = dac4j_fmaf(p, r, 0.5f);
    p = dac4j_fmaf(p, r, 1.0f);
    p = dac4j_fmaf(p, r, 1.0f);
    float scale = 1.0f;
    for (int i = 0; i < (int) k; i++) scale *= 2.0f;   // k <= 29: exact powers of two
    return p * scale;
}

// tanh in float32 to a few ulp: odd Taylor series below 0.625 (terms shrink by ~0.16 each), else
// 1 - 2 / (exp(2|x|) + 1), which has no cancellation there; +-1 beyond 9.
DEVICE float dac4j_tanh(float x) {
    float a = dac4j_fabsf(x), t;
    if (a >= 9.0f) {
        t = 1.0f;
    } else if (a < 0.625f) {
        float s = a * a;
        // Taylor coefficients of x^25 .. x^3 (2^2n (2^2n - 1) B_2n / (2n)!); the x^27 term is below 4e-11 relative.
        float p = 1.59189051e-5f;
        p = dac4j_fmaf(p, s, -3.92783239e-5f);
        p = dac4j_fmaf(p, s, 9.69153796e-5f);
        p = dac4j_fmaf(p, s, -2.39129114e-4f);
        p = dac4j_fmaf(p, s, 5.90027441e-4f);
        p = dac4j_fmaf(p, s, -1.45583439e-3f);
        p = dac4j_fmaf(p, s, 3.59212804e-3f);
        p = dac4j_fmaf(p, s, -8.86323553e-3f);
        p = dac4j_fmaf(p, s, 2.18694885e-2f);
        p = dac4j_fmaf(p, s, -5.39682540e-2f);
        p = dac4j_fmaf(p, s, 1.33333333e-1f);
        p = dac4j_fmaf(p, s, -3.33333333e-1f);
        t = dac4j_fmaf(p * s, a, a);
    } else {
        t = 1.0f - 2.0f / (dac4j_exp_small(2.0f * a) + 1.0f);
    }
    return x < 0.0f ? -t : t;
}

#ifndef DAC4J_HOST

// ---- Snake prologue: a strided view -> a packed scratch tensor [streams, rows, channels] ----
// count = streams * rows * channels; element e of stream b = e / viewElems is at src + b * srcStride + e % viewElems.

GLOBAL void dac4j_snake_f16(const half_bits* src, int64_t srcStride, half_bits* dst, const float* alpha,
                            const float* inverse, int64_t viewElems, int channels, int64_t count) {
    for (int64_t e = first_index(); e < count; e += grid_stride()) {
        int64_t b = e / viewElems, i = e - b * viewElems;
        int c = (int) (i % channels);
        dst[e] = f2h(dac4j_snake(h2f(src[b * srcStride + i]), alpha[c], inverse[c]));
    }
}

GLOBAL void dac4j_snake_f32(const float* src, int64_t srcStride, float* dst, const float* alpha,
                            const float* inverse, int64_t viewElems, int channels, int64_t count) {
    for (int64_t e = first_index(); e < count; e += grid_stride()) {
        int64_t b = e / viewElems, i = e - b * viewElems;
        int c = (int) (i % channels);
        dst[e] = dac4j_snake(src[b * srcStride + i], alpha[c], inverse[c]);
    }
}

// ---- Epilogue, in place on the convolution's output view: y = act(residual + (bias + y)) ----
// The order of the sums is the CPU backend's: bias first, then the convolution, then the residual.
// residual may be null (hasResidual = 0); doTanh selects act = tanh, else identity.

GLOBAL void dac4j_epilogue_f16(half_bits* y, int64_t yStride, const half_bits* residual, int64_t residualStride,
                               int hasResidual, const float* bias, int doTanh, int64_t viewElems, int channels,
                               int64_t count) {
    for (int64_t e = first_index(); e < count; e += grid_stride()) {
        int64_t b = e / viewElems, i = e - b * viewElems;
        int c = (int) (i % channels);
        half_bits* p = y + b * yStride + i;
        float v = bias[c] + h2f(*p);
        if (hasResidual) v = h2f(residual[b * residualStride + i]) + v;
        *p = f2h(doTanh ? dac4j_tanh(v) : v);
    }
}

GLOBAL void dac4j_epilogue_f32(float* y, int64_t yStride, const float* residual, int64_t residualStride,
                               int hasResidual, const float* bias, int doTanh, int64_t viewElems, int channels,
                               int64_t count) {
    for (int64_t e = first_index(); e < count; e += grid_stride()) {
        int64_t b = e / viewElems, i = e - b * viewElems;
        int c = (int) (i % channels);
        float* p = y + b * yStride + i;
        float v = bias[c] + *p;
        if (hasResidual) v = residual[b * residualStride + i] + v;
        *p = doTanh ? dac4j_tanh(v) : v;
    }
}

// ---- Codebook gather-and-sum: codes [streams, codebooks, n] (int32) -> out view [streams, n, latent] ----
// tables: [codebooks, size, latent], contiguous. Summed in float32 in codebook order, as on the CPU.

GLOBAL void dac4j_codebook_sum_f16(const int32_t* codes, const half_bits* tables, half_bits* out, int64_t outStride,
                                   int codebooks, int n, int latent, int size, int64_t count) {
    for (int64_t e = first_index(); e < count; e += grid_stride()) {
        int64_t perStream = (int64_t) n * latent;
        int64_t b = e / perStream, i = e - b * perStream;
        int t = (int) (i / latent), o = (int) (i - (int64_t) t * latent);
        float acc = 0.0f;
        for (int k = 0; k < codebooks; k++) {
            int code = codes[(b * codebooks + k) * n + t];
            float v = h2f(tables[((int64_t) k * size + code) * latent + o]);
            acc = k == 0 ? v : acc + v;
        }
        out[b * outStride + i] = f2h(acc);
    }
}

GLOBAL void dac4j_codebook_sum_f32(const int32_t* codes, const float* tables, float* out, int64_t outStride,
                                   int codebooks, int n, int latent, int size, int64_t count) {
    for (int64_t e = first_index(); e < count; e += grid_stride()) {
        int64_t perStream = (int64_t) n * latent;
        int64_t b = e / perStream, i = e - b * perStream;
        int t = (int) (i / latent), o = (int) (i - (int64_t) t * latent);
        float acc = 0.0f;
        for (int k = 0; k < codebooks; k++) {
            int code = codes[(b * codebooks + k) * n + t];
            float v = tables[((int64_t) k * size + code) * latent + o];
            acc = k == 0 ? v : acc + v;
        }
        out[b * outStride + i] = acc;
    }
}

// ---- Casts between fp16 and fp32, contiguous ----

GLOBAL void dac4j_cast_f16_f32(const half_bits* src, float* dst, int64_t count) {
    for (int64_t e = first_index(); e < count; e += grid_stride()) dst[e] = h2f(src[e]);
}

GLOBAL void dac4j_cast_f32_f16(const float* src, half_bits* dst, int64_t count) {
    for (int64_t e = first_index(); e < count; e += grid_stride()) dst[e] = f2h(src[e]);
}


// ---- Residual vector quantization, one block of 256 threads per (stream, frame): a grid of streams * n blocks ----
// latents view [streams, n, latent] (stride latentsStride per stream) -> codes [streams, codebooks, frames] (int32),
// the first n frames. Per codebook k, as transformers' DacVectorQuantize: e = in_proj_k(r) (inProj [K, dim, latent],
// inBias [K, dim], float32), normalised; the codebook row (unitBook [K, size, dim], rows already normalised) with the
// largest -(|e|^2 - 2 e.c) + |c|^2 wins, the lowest index on ties; r -= tables[k, code] ([K, size, latent], float32).
// Sums run in a fixed order for a given launch (tree reductions over the block), so streamed and whole encodes agree.
#define QUANTIZE_THREADS 256
#define QUANTIZE_MAX_LATENT 1024
#define QUANTIZE_MAX_DIM 32

DEVICE void quantize_frame(float* r, const float* inProj, const float* inBias, const float* unitBook, const float* tables,
                           int32_t* codes, int codebooks, int frames, int latent, int dim, int size, int64_t b, int t) {
    __attribute__((shared)) float part[QUANTIZE_THREADS];
    __attribute__((shared)) int index[QUANTIZE_THREADS];
    __attribute__((shared)) float e[QUANTIZE_MAX_DIM];
    __attribute__((shared)) float l2;
    int tid = (int) __nvvm_read_ptx_sreg_tid_x();
    for (int k = 0; k < codebooks; k++) {
        for (int j = 0; j < dim; j++) {
            const float* w = inProj + ((int64_t) k * dim + j) * latent;
            float acc = 0.0f;
            for (int c = tid; c < latent; c += QUANTIZE_THREADS) acc = dac4j_fmaf(w[c], r[c], acc);
            part[tid] = acc;
            __nvvm_bar_sync(0);
            for (int half = QUANTIZE_THREADS / 2; half > 0; half /= 2) {
                if (tid < half) part[tid] += part[tid + half];
                __nvvm_bar_sync(0);
            }
            if (tid == 0) e[j] = inBias[k * dim + j] + part[0];
            __nvvm_bar_sync(0);
        }
        if (tid == 0) {
            float sum = 0.0f;
            for (int j = 0; j < dim; j++) sum = dac4j_fmaf(e[j], e[j], sum);
            float norm = __builtin_sqrtf(sum);
            if (norm < 1e-12f) norm = 1e-12f;
            float unit = 0.0f;
            for (int j = 0; j < dim; j++) {
                e[j] = e[j] / norm;
                unit = dac4j_fmaf(e[j], e[j], unit);
            }
            l2 = unit;
        }
        __nvvm_bar_sync(0);
        float best = -3.0e38f;
        int bestIndex = 0x7fffffff;
        for (int c = tid; c < size; c += QUANTIZE_THREADS) {
            const float* row = unitBook + ((int64_t) k * size + c) * dim;
            float dot = 0.0f, cc = 0.0f;
            for (int j = 0; j < dim; j++) {
                dot = dac4j_fmaf(e[j], row[j], dot);
                cc = dac4j_fmaf(row[j], row[j], cc);
            }
            float score = -(l2 - 2.0f * dot) + cc;
            if (score > best) { best = score; bestIndex = c; }
        }
        part[tid] = best;
        index[tid] = bestIndex;
        __nvvm_bar_sync(0);
        for (int half = QUANTIZE_THREADS / 2; half > 0; half /= 2) {
            if (tid < half) {
                float o = part[tid + half];
                int oi = index[tid + half];
                if (o > part[tid] || (o == part[tid] && oi < index[tid])) { part[tid] = o; index[tid] = oi; }
            }
            __nvvm_bar_sync(0);
        }
        int code = index[0];
        if (tid == 0) codes[(b * codebooks + k) * frames + t] = code;
        const float* row = tables + ((int64_t) k * size + code) * latent;
        for (int c = tid; c < latent; c += QUANTIZE_THREADS) r[c] -= row[c];
        __nvvm_bar_sync(0);
    }
}

GLOBAL void dac4j_quantize_f16(const half_bits* latents, int64_t latentsStride, const float* inProj, const float* inBias,
                               const float* unitBook, const float* tables, int32_t* codes, int codebooks, int streams, int n,
                               int frames, int latent, int dim, int size) {
    __attribute__((shared)) float r[QUANTIZE_MAX_LATENT];
    if ((int64_t) __nvvm_read_ptx_sreg_ctaid_x() >= (int64_t) streams * n) return;
    int64_t b = __nvvm_read_ptx_sreg_ctaid_x() / n;
    int t = (int) (__nvvm_read_ptx_sreg_ctaid_x() % n);
    for (int c = (int) __nvvm_read_ptx_sreg_tid_x(); c < latent; c += QUANTIZE_THREADS) r[c] = h2f(latents[b * latentsStride + (int64_t) t * latent + c]);
    __nvvm_bar_sync(0);
    quantize_frame(r, inProj, inBias, unitBook, tables, codes, codebooks, frames, latent, dim, size, b, t);
}

GLOBAL void dac4j_quantize_f32(const float* latents, int64_t latentsStride, const float* inProj, const float* inBias,
                               const float* unitBook, const float* tables, int32_t* codes, int codebooks, int streams, int n,
                               int frames, int latent, int dim, int size) {
    __attribute__((shared)) float r[QUANTIZE_MAX_LATENT];
    if ((int64_t) __nvvm_read_ptx_sreg_ctaid_x() >= (int64_t) streams * n) return;
    int64_t b = __nvvm_read_ptx_sreg_ctaid_x() / n;
    int t = (int) (__nvvm_read_ptx_sreg_ctaid_x() % n);
    for (int c = (int) __nvvm_read_ptx_sreg_tid_x(); c < latent; c += QUANTIZE_THREADS) r[c] = latents[b * latentsStride + (int64_t) t * latent + c];
    __nvvm_bar_sync(0);
    quantize_frame(r, inProj, inBias, unitBook, tables, codes, codebooks, frames, latent, dim, size, b, t);
}

#endif
