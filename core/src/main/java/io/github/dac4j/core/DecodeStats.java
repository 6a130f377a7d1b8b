package io.github.dac4j.core;

/**
 * Figures of the last decode.
 *
 * @param peakBytes   activation bytes the step's plan touches (the arena's high-water mark), beyond the weights
 * @param arenaBytes  bytes of arena held by the backend
 * @param haloFrames  look-ahead frames the graph needs (10 for 44.1 kHz)
 */
public record DecodeStats(String backend, Precision precision, String device, int batch, long frames, long samples,
                          double audioSeconds, int chunkFrames, int haloFrames, double loadMs, double decodeMs,
                          long weightsBytes, long arenaBytes, long peakBytes) {}
