/**
 * The float32 CPU backend, the default where no GPU works: {@link io.github.dac4j.core.cpu.CpuBackend}.
 * Ops run on a fixed pool of workers with Vector API kernels when the JVM has {@code jdk.incubator.vector}, else
 * plain-Java ones; each output element is summed in one fixed order, so streaming equals whole decoding bit for bit.
 * See docs/CPU-BACKEND.md.
 */
package io.github.dac4j.core.cpu;
