/**
 * The DAC decode path as immutable float32 records named and nested as the checkpoint's tensors are:
 * {@link io.github.dac4j.core.model.DacModel} loads a {@code DacCheckpoint} into a
 * {@link io.github.dac4j.core.model.Quantizer} (codebook lookups and projections folded into tables), the
 * {@link io.github.dac4j.core.model.DecoderBlock}s with their {@link io.github.dac4j.core.model.ResidualUnit}s, and
 * the layers {@link io.github.dac4j.core.model.Conv1d}, {@link io.github.dac4j.core.model.ConvTranspose1d} and
 * {@link io.github.dac4j.core.model.Snake}. The records hold weights and shapes only; backends compute with them.
 */
package io.github.dac4j.core.model;
