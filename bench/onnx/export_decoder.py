#!/usr/bin/python3
"""Export the DAC decoder of a safetensors checkpoint to ONNX: codes [B, K, T] int64 -> samples [B, 1, hop*T] float32.

The decoder is written here in plain torch from the checkpoint's tensors (docs: /work/shared/docs/DAC-DECODER.md,
the project's contract), so nothing but python3-torch, python3-onnx and numpy is needed: Debian's
`apt-get install -y python3-torch python3-onnx` for /usr/bin/python3. The safetensors file is read with json + numpy.

Before exporting, the same torch code decodes the project's fixtures (PyTorch reference outputs of an independent
implementation) in float64 and float32 and must match them; it exits 1 otherwise. After exporting, the ONNX graph is
checked with onnx.checker. ONNX Runtime's own output is compared with dac4j's by OrtDecodeBenchmark at setup.

    /usr/bin/python3 bench/onnx/export_decoder.py --weights dac44.safetensors --out dac44.onnx \
        --fixtures core/src/test/resources/fixtures

Not part of the build or the tests (CI has no torch); bench/onnx/export.sh runs it with the benchmark's defaults.
"""
import argparse
import json
import math
import os
import re
import sys

import numpy as np
import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------------- safetensors reading

_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    """All tensors of a safetensors file as float32/int numpy arrays (BF16 widened exactly to float32)."""
    with open(path, "rb") as f:
        header_len = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(header_len))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        shape = tuple(info["shape"])
        dtype = info["dtype"]
        if dtype == "BF16":
            # bf16 is the top half of a float32: shift it back up.
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            array = bits.view(np.float32)
        elif dtype in _DTYPES:
            array = np.frombuffer(raw, dtype=np.dtype(_DTYPES[dtype]).newbyteorder("<"))
        else:
            raise SystemExit(f"{path}: tensor {name} has dtype {dtype}, which this script does not read")
        array = array.reshape(shape)
        tensors[name] = array.astype(np.float32) if array.dtype in (np.float16,) else array
    return tensors


def folded_weights(tensors, path):
    """Effective .weight tensors for every convolution: weight norm (old style or parametrizations) folded in."""
    out = {}
    for name, t in tensors.items():
        if name.endswith(".weight_g") or name.endswith(".parametrizations.weight.original0"):
            base = name[: -len(".weight_g")] if name.endswith(".weight_g") else name[: -len(".parametrizations.weight.original0")]
            v = tensors[base + (".weight_v" if name.endswith(".weight_g") else ".parametrizations.weight.original1")]
            v64 = v.astype(np.float64)
            # W = g * v / ||v||, the norm over every dimension except dim 0.
            norm = np.sqrt((v64 ** 2).reshape(v64.shape[0], -1).sum(axis=1)).reshape(-1, *([1] * (v64.ndim - 1)))
            out[base + ".weight"] = (t.astype(np.float64) * v64 / norm).astype(np.float32)
        elif name.endswith(".weight_v") or name.endswith(".parametrizations.weight.original1"):
            continue
        else:
            out[name] = t
    if not any(k.startswith("decoder.conv1.") for k in out):
        raise SystemExit(f"{path}: no decoder.conv1 tensors: only the Hugging Face layout (decoder.block.N...) is read here")
    return out


# ------------------------------------------------------------------------------------------------------ the decoder

class DacDecoder(torch.nn.Module):
    """The DAC decoder graph (quantizer lookup + projections, conv1, blocks, Snake, conv2, tanh) from named tensors."""

    def __init__(self, weights):
        super().__init__()
        names = weights.keys()
        self.n_codebooks = 1 + max(int(m.group(1)) for n in names if (m := re.match(r"quantizer\.quantizers\.(\d+)\.", n)))
        self.n_blocks = 1 + max(int(m.group(1)) for n in names if (m := re.match(r"decoder\.block\.(\d+)\.", n)))
        self.params = torch.nn.ParameterDict()
        for name, t in weights.items():
            if name.startswith("decoder.") or (name.startswith("quantizer.") and ".in_proj." not in name):
                self.params[name.replace(".", "__")] = torch.nn.Parameter(torch.from_numpy(np.array(t)), requires_grad=False)
        self.strides = [self.p(f"decoder.block.{b}.conv_t1.weight").shape[2] // 2 for b in range(self.n_blocks)]
        self.hop = math.prod(self.strides)
        self.codebook_size = self.p("quantizer.quantizers.0.codebook.weight").shape[0]

    def p(self, name):
        return self.params[name.replace(".", "__")]

    @staticmethod
    def snake(x, alpha):
        # x:[B, C, L] -> [B, C, L]; alpha:[1, C, 1]. As transformers' Snake1d.
        return x + (alpha + 1e-9).reciprocal() * torch.sin(alpha * x).pow(2)

    def conv(self, x, name, padding=0, dilation=1):
        return F.conv1d(x, self.p(name + ".weight"), self.p(name + ".bias"), padding=padding, dilation=dilation)

    def forward(self, codes):
        # codes:[B, K, T] int64 -> z:[B, latent, T]: sum over codebooks of out_proj(codebook[codes]).
        z = 0
        for k in range(self.n_codebooks):
            e = F.embedding(codes[:, k, :], self.p(f"quantizer.quantizers.{k}.codebook.weight"))  # [B, T, dim]
            z = z + self.conv(e.transpose(1, 2), f"quantizer.quantizers.{k}.out_proj")
        x = self.conv(z, "decoder.conv1", padding=3)  # [B, latent, T] -> [B, width, T]
        for b, s in enumerate(self.strides):
            pre = f"decoder.block.{b}"
            x = self.snake(x, self.p(pre + ".snake1.alpha"))
            # [B, C, L] -> [B, C/2, s*L]: kernel 2s, stride s, padding ceil(s/2), no output padding.
            x = F.conv_transpose1d(x, self.p(pre + ".conv_t1.weight"), self.p(pre + ".conv_t1.bias"),
                                   stride=s, padding=math.ceil(s / 2))
            for r, d in zip((1, 2, 3), (1, 3, 9)):
                u = f"{pre}.res_unit{r}"
                y = self.snake(x, self.p(u + ".snake1.alpha"))
                y = self.conv(y, u + ".conv1", padding=3 * d, dilation=d)  # k7, same length
                y = self.snake(y, self.p(u + ".snake2.alpha"))
                x = x + self.conv(y, u + ".conv2")  # 1x1
        x = self.snake(x, self.p("decoder.snake1.alpha"))
        return torch.tanh(self.conv(x, "decoder.conv2", padding=3))  # [B, 96, L] -> [B, 1, L]


def relative_error(out, ref):
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if out.shape != ref.shape:
        return float("inf")
    return float(np.linalg.norm(out - ref) / np.linalg.norm(ref))


def check_fixtures(folder):
    """Decodes every *.expected.npy case in folder whose weights this script reads; returns the worst float32 error."""
    cases = sorted(f[: -len(".expected.npy")] for f in os.listdir(folder) if f.endswith(".expected.npy"))
    if not cases:
        raise SystemExit(f"{folder}: no *.expected.npy fixture cases")
    worst = 0.0
    checked = 0
    for case in cases:
        weights_path = os.path.join(folder, case + ".safetensors")
        codes_path = os.path.join(folder, re.sub(r"\.(bf16|f16|folded|parametrized|original)$", "", case) + ".codes.npy")
        if not os.path.exists(weights_path) or not os.path.exists(codes_path):
            continue
        tensors = read_safetensors(weights_path)
        if not any(k.startswith("decoder.conv1.") for k in tensors):
            print(f"  {case}: skipped (original descript names)")
            continue
        model = DacDecoder(folded_weights(tensors, weights_path))
        codes = torch.from_numpy(np.load(codes_path).astype(np.int64))
        if codes.shape[1] != model.n_codebooks:
            raise SystemExit(f"{codes_path}: {codes.shape[1]} codebooks, the model has {model.n_codebooks}")
        expected = np.load(os.path.join(folder, case + ".expected.npy"))
        with torch.no_grad():
            e64 = relative_error(model.double()(codes).numpy(), expected)
            e32 = relative_error(model.float()(codes).numpy(), expected)
        print(f"  {case}: codes {tuple(codes.shape)}, relative error float64 {e64:.2e}, float32 {e32:.2e}")
        # The reference ran in float64 and was stored as float32: float64 here leaves only that rounding.
        if not (e64 <= 1e-6 and e32 <= 1e-5):
            raise SystemExit(f"{case}: the torch decoder does not match the fixture (float64 {e64:.2e}, float32 {e32:.2e})")
        worst = max(worst, e32)
        checked += 1
    if checked == 0:
        raise SystemExit(f"{folder}: no fixture case could be read")
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", required=True, help="DAC checkpoint (.safetensors, Hugging Face names)")
    parser.add_argument("--out", required=True, help="ONNX file to write")
    parser.add_argument("--fixtures", help="folder of fixture cases (*.safetensors, *.codes.npy, *.expected.npy) to check first")
    parser.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17, the highest torch 1.13 writes)")
    parser.add_argument("--check-codes", help="codes .npy [B, K, T] to decode with --weights and compare with --check-expected")
    parser.add_argument("--check-expected", help="float32 samples .npy [B, 1, S], e.g. dac decode --raw-out")
    args = parser.parse_args()

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    if args.fixtures:
        print(f"checking the torch decoder against the fixtures in {args.fixtures}:")
        worst = check_fixtures(args.fixtures)
        print(f"  worst float32 relative error {worst:.2e} (limit 1e-5)")

    tensors = folded_weights(read_safetensors(args.weights), args.weights)
    model = DacDecoder(tensors).float().eval()
    print(f"{args.weights}: {model.n_codebooks} codebooks, strides {model.strides}, hop {model.hop}, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters")

    if args.check_codes:
        codes = torch.from_numpy(np.load(args.check_codes).astype(np.int64))
        with torch.no_grad():
            err = relative_error(model(codes).numpy(), np.load(args.check_expected))
        print(f"  against {args.check_expected}: relative error {err:.2e} (limit 1e-5)")
        if not err <= 1e-5:
            raise SystemExit(f"{args.check_expected}: the torch decoder differs from it by {err:.2e}")

    example = torch.randint(0, model.codebook_size, (1, model.n_codebooks, 20), dtype=torch.int64, generator=torch.Generator().manual_seed(0))
    tmp = args.out + ".tmp"
    with torch.no_grad():
        torch.onnx.export(model, (example,), tmp, input_names=["codes"], output_names=["samples"],
                          dynamic_axes={"codes": {0: "batch", 2: "frames"}, "samples": {0: "batch", 2: "samples"}},
                          opset_version=args.opset, do_constant_folding=True)
    import onnx
    onnx.checker.check_model(tmp)
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out):,} bytes): codes [B, {model.n_codebooks}, T] int64 -> samples [B, 1, {model.hop} T]")


if __name__ == "__main__":
    try:
        main()
    except SystemExit as e:
        if isinstance(e.code, str):
            print(f"export_decoder.py: {e.code}", file=sys.stderr)
            sys.exit(1)
        raise
