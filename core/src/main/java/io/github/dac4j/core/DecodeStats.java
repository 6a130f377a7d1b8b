package io.github.dac4j.core;

/**
 * Figures of the last decode ({@link Decoder#lastStats()}, and {@code dac decode --stats}).
 *
 * @param backend           {@code cpu} or {@code cuda}
 * @param precision         the activations' element type
 * @param device            the device in words, e.g. {@code "CPU, 2 threads, float32, vector kernels (512-bit, 12 x 32)"}
 * @param kernels           the CPU kernels that ran, {@code vector}, {@code java} or {@code reference}; null on the GPU
 * @param batch             streams decoded together
 * @param frames            code frames per stream
 * @param samples           output samples per stream ({@link Decoder#samples(long)})
 * @param audioSeconds      {@code samples / sampleRate}
 * @param stepFrames        frames per decode step that ran (for a whole-sequence decode, frames plus the look-ahead)
 * @param lookaheadFrames   look-ahead frames the graph needs (10 for 44.1 kHz)
 * @param loadMs            milliseconds to load the weights and open the decoder
 * @param decodeMs          milliseconds of this decode, from the first code in to the last sample out
 * @param weightsBytes      bytes of the backend's prepared weights (shared between CPU backends on one model)
 * @param arenaBytes        bytes of arena the backend holds (at least the plan's; more if an earlier plan was larger)
 * @param plannedArenaBytes bytes of arena the step's plan lays out: the high-water mark of the activations
 * @param liveBytes         the largest total of buffer bytes live during one op: a lower bound for any plan
 */
public record DecodeStats(String backend, Precision precision, String device, String kernels, int batch, long frames, long samples,
                          double audioSeconds, int stepFrames, int lookaheadFrames, double loadMs, double decodeMs,
                          long weightsBytes, long arenaBytes, long plannedArenaBytes, long liveBytes) {}
