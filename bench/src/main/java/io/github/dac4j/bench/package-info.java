/**
 * Benchmarks and memory studies, on random weights with the real 44.1 kHz shapes
 * ({@link io.github.dac4j.bench.BenchModels}), so no checkpoint download is needed.
 *
 * <p>JMH suites: {@link io.github.dac4j.bench.OpBenchmark} times the decoder's hot kernels one op at a time through
 * the backend interface, and {@link io.github.dac4j.bench.DecodeBenchmark} times a 1 s or 3 s decode end to end,
 * whole or streamed. {@link io.github.dac4j.bench.OrtDecodeBenchmark} times the same decode by ONNX Runtime
 * ({@link io.github.dac4j.bench.OrtDecoder}) on an ONNX export of the same model (bench/onnx/export.sh), and
 * {@link io.github.dac4j.bench.LibraryTimings} measures both from a library user's side in fresh JVMs: cold open and
 * first decode, warm decode, time to first audio. {@link io.github.dac4j.bench.ArenaProfiler} adds arena and peak bytes beside the time, and a
 * backend that cannot run here is skipped with a {@link io.github.dac4j.bench.BenchmarkSkipped} instead of failing the
 * run. {@link io.github.dac4j.bench.MemoryStudy} is a standalone program charting planned and measured activation
 * memory against audio length and step size. See docs/BENCHMARKS.md for how to run them.
 */
package io.github.dac4j.bench;
