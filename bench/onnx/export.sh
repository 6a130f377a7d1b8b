#!/bin/sh
# Makes bench/target/onnx/dac44.onnx, the ONNX Runtime peer's model for OrtDecodeBenchmark and LibraryTimings:
# the DAC decoder of the random-weight 44.1 kHz checkpoint that DecodeBenchmark decodes (DacSynth, seed 42).
#
#   bench/onnx/export.sh            # from the repository root or anywhere; about a minute
#
# Needs python3 with torch and onnx (Debian: apt-get install -y python3-torch python3-onnx, for /usr/bin/python3;
# PYTHON=... picks another interpreter). Steps, each checked:
#   1. dac synth --preset 44khz --seed 42: the checkpoint (217 MB, kept if present);
#   2. dac decode of 40 random frames with the Java decoder (--raw-out), as a reference;
#   3. export_decoder.py: the torch decoder must match the fixtures in core/src/test/resources/fixtures and the
#      Java decoder's samples to 1e-5, then it writes the ONNX graph (codes [B, 9, T] int64 -> samples [B, 1, 512 T]).
# Not part of the build or the tests: CI has no torch.
set -eu
cd "$(dirname -- "$0")/../.."
python=${PYTHON:-/usr/bin/python3}
out=bench/target/onnx

if ! "$python" -c 'import torch, onnx, numpy' 2>/dev/null; then
  echo "export.sh: $python lacks torch, onnx or numpy (Debian: apt-get install -y python3-torch python3-onnx)" >&2
  exit 2
fi
mkdir -p "$out"
if [ ! -f "$out/dac44.safetensors" ]; then
  ./dac synth --preset 44khz --seed 42 --out "$out/dac44.safetensors"
fi
"$python" -c "import numpy as np; np.save('$out/check.codes.npy', np.random.default_rng(3).integers(0, 1024, (1, 9, 40)).astype(np.int64))"
rm -f "$out/check.expected.npy"
./dac decode --device cpu --weights "$out/dac44.safetensors" --codes "$out/check.codes.npy" \
    --out "$out/check.wav" --raw-out "$out/check.expected.npy"
"$python" bench/onnx/export_decoder.py --weights "$out/dac44.safetensors" --out "$out/dac44.onnx" \
    --fixtures core/src/test/resources/fixtures \
    --check-codes "$out/check.codes.npy" --check-expected "$out/check.expected.npy"
