/**
 * Files to named tensors, and DAC checkpoints on top: {@link io.github.dac4j.weights.DacCheckpoint#load} reads a
 * safetensors checkpoint in any layout ({@link io.github.dac4j.weights.Layout}), folds weight norm, renames the
 * tensors to the HF names, infers the {@link io.github.dac4j.weights.DacConfig} from their shapes and checks every
 * decode-path tensor; model code reads them through {@link io.github.dac4j.weights.Weights}.
 *
 * <p>Underneath: {@link io.github.dac4j.weights.SafeTensors} (validated header, memory-mapped data,
 * F32/F16/BF16/I32/I64), {@link io.github.dac4j.weights.SafeTensorsWriter} and {@link io.github.dac4j.weights.Npy}
 * ({@code .npy} v1 to 3). {@link io.github.dac4j.weights.DacSynth} makes random-weight checkpoints with the real
 * structure for tests and benchmarks. A bad file gives a one-line {@link io.github.dac4j.weights.WeightsException}
 * naming the file and the tensor.
 */
package io.github.dac4j.weights;
