package io.github.dac4j.core;

/**
 * Figures of the last decode ({@link Decoder#lastStats()}, and {@code dac decode --stats}).
 *
 * @param backend     {@code cpu} or {@code cuda}
 * @param precision   the activations' element type
 * @param device      the device in words, e.g. {@code "CPU, 2 threads, float32, vector kernels"}
 * @param batch       streams decoded together
 * @param frames      code frames per stream
 * @param samples     output samples per stream: {@code frames * hop}
 * @param audioSeconds {@code samples / sampleRate}
 * @param chunkFrames frames per decode step that ran (for a whole-sequence decode, frames plus the look-ahead)
 * @param loadMs      milliseconds to load the weights and open the decoder
 * @param decodeMs    milliseconds of this decode, from the first code in to the last sample out
 * @param weightsBytes bytes of the backend's prepared weights (shared between CPU backends on one model)
 * @param peakBytes   activation bytes the step's plan touches (the arena's high-water mark), beyond the weights
 * @param arenaBytes  bytes of arena held by the backend
 * @param haloFrames  look-ahead frames the graph needs (10 for 44.1 kHz)
 */
public record DecodeStats(String backend, Precision precision, String device, int batch, long frames, long samples,
                          double audioSeconds, int chunkFrames, int haloFrames, double loadMs, double decodeMs,
                          long weightsBytes, long arenaBytes, long peakBytes) {}
