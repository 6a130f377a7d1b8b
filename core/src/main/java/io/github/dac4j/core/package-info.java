/**
 * The decoder: DAC codes {@code [B, K, T]} to samples {@code [B, samples(T)]}, whole or streamed, in one planned arena.
 *
 * <p>For applications: {@link io.github.dac4j.core.Decoder} (open, decode, decodeInto, stream, plan),
 * {@link io.github.dac4j.core.DecoderOptions}, {@link io.github.dac4j.core.DecoderStream},
 * {@link io.github.dac4j.core.DecodeStats} and {@link io.github.dac4j.core.Precision}.
 *
 * <p>For backend implementers (the service-provider interface): {@link io.github.dac4j.core.Backend} runs the ops of a
 * {@link io.github.dac4j.core.program.Program} on {@link io.github.dac4j.core.program.ArenaBuffer} views of its arena, {@link io.github.dac4j.core.BackendProvider} registers it
 * with {@link java.util.ServiceLoader}, and {@link io.github.dac4j.core.Backends} finds and opens one by device
 * name. Applications use these only to hand a decoder a backend they made, or to read samples where they lie
 * ({@link io.github.dac4j.core.SampleSink}).
 */
package io.github.dac4j.core;
