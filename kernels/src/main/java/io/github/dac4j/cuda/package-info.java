/**
 * The CUDA backend: {@link io.github.dac4j.cuda.CudaBackend} runs the decoder in fp16 or fp32 through JCuda and
 * JCudnn plus the project's PTX kernels, in one device arena. {@link io.github.dac4j.cuda.CudaOptions} lets it work
 * in the caller's CUDA context, stream and memory; {@link io.github.dac4j.cuda.CudaDecoding} decodes into a
 * caller's device buffer. Registered for {@code --device cuda|auto} by {@link io.github.dac4j.cuda.CudaBackendProvider}.
 * See docs/CUDA.md for what has been verified on a GPU.
 */
package io.github.dac4j.cuda;
