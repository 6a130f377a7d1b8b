#!/usr/bin/env python3
"""The PyTorch side of the GPU run (scripts/gpu/run-all.sh, stages 6 and 7).

  peer.py reference MODEL_DIR CODES.npy REF.npz [--budget S] [--threads N]
        the float64 CPU decode every output is judged by, of the first frames of CODES that fit the budget: a short
        probe decode (0.2 s of audio) is saved first, then as many frames as the probe's speed says fit in S seconds
        of decoding (all of CODES at most). REF.npz holds 'codes' (the frames decoded) and 'ref' (float64 [B, S]);
        it is replaced atomically, so a reference stopped early still leaves the probe's
  peer.py codes REF.npz OUT.npy                    the reference's codes, for dac4j to decode the same frames
  peer.py peer MODEL_DIR CSV REF.npz --codes F1,F2,...
        DacModel on the GPU (fp32 with TF32 off, and under torch.autocast(float16) as Zonos runs it): time (CUDA
        events), torch.cuda.max_memory_allocated, error against the reference
  peer.py compare REF.npz CSV RATE OUT.npy...      dac4j's outputs against the reference
  peer.py selfcheck FIXTURES_DIR                   the fallback decoder against the reference fixtures

The model is transformers' DacModel (from_pretrained of MODEL_DIR: model.safetensors + config.json; the load fails if
any decoder or quantizer key is missing). Where transformers is not installed (Debian's python3-torch on a CPU machine,
for the dry run) the model is PlainDac below, a plain-torch DAC decoder written from the same layer definitions, and
every row says so ("plain-torch fallback"): it is checked against the reference fixtures first (selfcheck), but it is
not DacModel, and its timings say nothing about DacModel's.

CSV rows: stage,impl,precision,mode,audio_s,batch,metric,value,unit,note (the Java side writes the same columns).
Relative error: ||out - ref|| / ||ref|| over all samples, in float64 (NaN if anything is not finite).
"""
import contextlib
import csv
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HEADER = "stage,impl,precision,mode,audio_s,batch,metric,value,unit,note".split(",")


class Csv:
    def __init__(self, path):
        fresh = not os.path.exists(path) or os.path.getsize(path) == 0
        self.f = open(path, "a", newline="")
        self.w = csv.writer(self.f, lineterminator="\n")
        if fresh:
            self.w.writerow(HEADER)

    def row(self, stage, impl, precision, mode, audio_s, batch, metric, value, unit="", note=""):
        v = value if isinstance(value, str) else ("%d" % value if float(value).is_integer() and abs(value) < 1e15 else "%.6g" % value)
        self.w.writerow([stage, impl, precision, mode, "%.3f" % audio_s, batch, metric, v, unit, note])
        self.f.flush()


def relative_error(out, ref):
    out = np.asarray(out, dtype=np.float64).reshape(-1)
    ref = np.asarray(ref, dtype=np.float64).reshape(-1)
    if out.shape != ref.shape:
        raise ValueError("lengths %d and %d" % (out.size, ref.size))
    if not np.all(np.isfinite(out)):
        return float("nan")
    return float(np.sqrt(np.sum((out - ref) ** 2) / np.sum(ref ** 2)))


# ---------------------------------------------------------------- the fallback: a plain-torch DAC decoder

def read_safetensors(path):
    """name -> float32 numpy array, for F32/F16/BF16 tensors (the safetensors format: u64 header length, JSON, data)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = data[start:end]
        dtype = info["dtype"]
        if dtype == "F32":
            a = np.frombuffer(raw, dtype="<f4")
        elif dtype == "F16":
            a = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif dtype == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif dtype == "F64":
            a = np.frombuffer(raw, dtype="<f8")
        else:
            continue   # codes-sized integer tensors and the like: not weights
        tensors[name] = a.reshape(info["shape"])
    return tensors


def fold_weight_norm(t):
    """weight = g * v / ||v|| (norm over every dimension but 0) for weight_g/weight_v and parametrizations names."""
    out = dict(t)
    pairs = [(".weight_g", ".weight_v"), (".parametrizations.weight.original0", ".parametrizations.weight.original1")]
    for name in list(t):
        for g_suffix, v_suffix in pairs:
            if name.endswith(g_suffix):
                base = name[: -len(g_suffix)]
                g, v = t[name].astype(np.float64), t[base + v_suffix].astype(np.float64)
                norm = np.sqrt(np.sum(v ** 2, axis=tuple(range(1, v.ndim)), keepdims=True))
                out[base + ".weight"] = (g.reshape(norm.shape) * v / norm).astype(np.float32)
    return out


class PlainDac(torch.nn.Module):
    """DAC's decoder from codes, HF names: quantizer.quantizers.k.{codebook,out_proj}, decoder.{conv1,block.i,snake1,conv2}."""

    def __init__(self, tensors):
        super().__init__()
        t = fold_weight_norm(tensors)
        self.p = torch.nn.ParameterDict()
        for name, a in t.items():
            if name.startswith(("decoder.", "quantizer.")) and not any(s in name for s in ("weight_g", "weight_v", "original0", "original1")):
                self.p[name.replace(".", "__")] = torch.nn.Parameter(torch.from_numpy(np.array(a)), requires_grad=False)
        self.books = sum(1 for n in t if n.startswith("quantizer.quantizers.") and n.endswith(".codebook.weight"))
        self.blocks = sum(1 for n in t if n.startswith("decoder.block.") and n.endswith(".conv_t1.weight"))
        self.strides = [t["decoder.block.%d.conv_t1.weight" % i].shape[2] // 2 for i in range(self.blocks)]

    def w(self, name):
        return self.p[name.replace(".", "__")]

    @staticmethod
    def snake(x, alpha):
        alpha = alpha.reshape(1, -1, 1)
        return x + (alpha + 1e-9).reciprocal() * torch.sin(alpha * x).pow(2)

    def conv(self, x, name, padding=0, dilation=1):
        return F.conv1d(x, self.w(name + ".weight"), self.w(name + ".bias"), padding=padding, dilation=dilation)

    def decode(self, codes):
        """codes [B, K, T] (long) -> samples [B, T * hop]."""
        z = 0
        for k in range(codes.shape[1]):
            q = "quantizer.quantizers.%d" % k
            e = F.embedding(codes[:, k, :], self.w(q + ".codebook.weight")).transpose(1, 2)
            z = z + self.conv(e, q + ".out_proj")
        x = self.conv(z, "decoder.conv1", padding=3)
        for i, s in enumerate(self.strides):
            b = "decoder.block.%d" % i
            x = self.snake(x, self.w(b + ".snake1.alpha"))
            x = F.conv_transpose1d(x, self.w(b + ".conv_t1.weight"), self.w(b + ".conv_t1.bias"), stride=s, padding=math.ceil(s / 2))
            for r, d in ((1, 1), (2, 3), (3, 9)):
                u = "%s.res_unit%d" % (b, r)
                y = self.conv(self.snake(x, self.w(u + ".snake1.alpha")), u + ".conv1", padding=3 * d, dilation=d)
                y = self.conv(self.snake(y, self.w(u + ".snake2.alpha")), u + ".conv2")
                crop = (x.shape[-1] - y.shape[-1]) // 2
                x = (x[..., crop:x.shape[-1] - crop] if crop > 0 else x) + y
        x = self.snake(x, self.w("decoder.snake1.alpha"))
        return torch.tanh(self.conv(x, "decoder.conv2", padding=3))[:, 0, :]


# ---------------------------------------------------------------- the model

def load_model(model_dir):
    """(model, label): transformers' DacModel, else the plain-torch fallback."""
    try:
        import transformers
        from transformers import DacModel
    except ImportError as e:
        weights = os.path.join(model_dir, "model.safetensors") if os.path.isdir(model_dir) else model_dir
        return PlainDac(read_safetensors(weights)).eval(), "plain-torch fallback (transformers missing: %s)" % e
    model, info = DacModel.from_pretrained(model_dir, output_loading_info=True)
    missing = [k for k in info.get("missing_keys", []) if k.startswith(("decoder.", "quantizer."))]
    if missing:
        raise SystemExit("DacModel: %d decoder/quantizer keys are missing from %s: %s" % (len(missing), model_dir, missing[:12]))
    other = list(info.get("missing_keys", [])) + list(info.get("unexpected_keys", []))
    if other:
        print("DacModel load: %d other missing/unexpected keys (not on the decode path): %s" % (len(other), other[:6]))
    return model.eval(), "transformers %s DacModel" % transformers.__version__


def decode(model, codes):
    with torch.no_grad():
        if isinstance(model, PlainDac):
            return model.decode(codes)
        return model.decode(audio_codes=codes).audio_values


def load_codes(path):
    return torch.from_numpy(np.load(path).astype(np.int64))


# ---------------------------------------------------------------- subcommands

def save_reference(path, codes, ref):
    tmp = path + ".tmp.npz"
    np.savez(tmp, codes=codes, ref=ref)
    os.replace(tmp, path)


def reference(model_dir, codes_file, out_file, budget, threads):
    torch.set_num_threads(threads)
    model, label = load_model(model_dir)
    model = model.double()
    codes = load_codes(codes_file)
    frames = codes.shape[2]
    probe = min(frames, 17)   # 0.2 s at 44.1 kHz
    t = time.perf_counter()
    out = decode(model, codes[:, :, :probe]).numpy().astype(np.float64)
    took = time.perf_counter() - t
    save_reference(out_file, codes[:, :, :probe].numpy(), out)
    print("reference probe: %s, float64 on the CPU (%d threads): %d frames in %.1f s" % (label, torch.get_num_threads(), probe, took))
    fit = min(frames, int(budget / (took / probe)))
    if fit > probe:
        t = time.perf_counter()
        out = decode(model, codes[:, :, :fit]).numpy().astype(np.float64)
        save_reference(out_file, codes[:, :, :fit].numpy(), out)
        print("reference: %d frames -> %s samples in %.1f s (budget %.0f s)" % (fit, tuple(out.shape), time.perf_counter() - t, budget))
    else:
        print("reference: the probe's %d frames (a longer decode would not fit %.0f s)" % (probe, budget))


def export_codes(ref_file, out_file):
    np.save(out_file, np.load(ref_file)["codes"])


def peer(model_dir, csv_file, ref_file, codes_files, rate):
    table = Csv(csv_file)
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    if not cuda:
        torch.set_num_threads(os.cpu_count() or 1)
    model, label = load_model(model_dir)
    impl = "DacModel" if label.startswith("transformers") else "plain-torch-fallback"
    torch.backends.cudnn.allow_tf32 = False        # fp32 means fp32: no TF32 rounding in convolutions or matmuls
    torch.backends.cuda.matmul.allow_tf32 = False
    env = "%s; torch %s, CUDA %s, cuDNN %s, device %s" % (
        label, torch.__version__, torch.version.cuda, torch.backends.cudnn.version() if cuda else "-",
        torch.cuda.get_device_name(0) if cuda else "cpu (%d threads)" % torch.get_num_threads())
    print("peer:", env)
    table.row("peer", impl, "", "", 0, 1, "environment", 0, "", env)
    model = model.float().to(device)
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    decoding = weights if isinstance(model, PlainDac) else sum(
        p.numel() * p.element_size() for n, p in model.named_parameters() if n.startswith(("decoder.", "quantizer.")))
    table.row("peer", impl, "fp32", "", 0, 1, "weight_bytes", weights, "B",
              "every parameter on the device" + (", encoder included" if impl == "DacModel" else ""))
    table.row("peer", impl, "fp32", "", 0, 1, "decode_weight_bytes", decoding, "B", "the decoder's and quantizer's parameters")
    saved = np.load(ref_file)
    ref, ref_codes = saved["ref"], torch.from_numpy(saved["codes"].astype(np.int64))
    hop = ref.shape[-1] / ref_codes.shape[2]
    variants = [("fp32", contextlib.nullcontext)]
    if cuda:
        variants.append(("autocast_fp16", lambda: torch.autocast("cuda", dtype=torch.float16)))
    else:
        table.row("peer", impl, "autocast_fp16", "whole", 0, 1, "not_run", 0, "", "torch.autocast(float16) needs CUDA")
    for name, ctx in variants:
        codes = ref_codes.to(device)
        with ctx():
            out = decode(model, codes)
        err = relative_error(out.float().cpu().numpy(), ref)
        audio = ref.shape[-1] / rate
        table.row("peer", impl, name, "whole", audio, codes.shape[0], "rel_error_vs_float64", err, "", "")
        print("peer %s: relative error %.3g against the float64 reference (%.2f s of audio)" % (name, err, audio))
        for f in codes_files:
            codes = load_codes(f).to(device)
            audio = codes.shape[2] * hop / rate
            try:
                timing(table, impl, name, model, codes, ctx, audio, cuda)
            except RuntimeError as e:   # out of memory, cuDNN refusing: one line, go on
                table.row("peer", impl, name, "whole", audio, codes.shape[0], "error", 0, "", str(e).splitlines()[0][:300])
                print("peer %s %.1f s: %s" % (name, audio, str(e).splitlines()[0][:300]))
                if cuda:
                    torch.cuda.empty_cache()


def timing(table, impl, name, model, codes, ctx, audio, cuda):
    batch = codes.shape[0]
    t = time.perf_counter()
    with ctx():
        decode(model, codes)
    if cuda:
        torch.cuda.synchronize()
    warm = (time.perf_counter() - t) * 1000
    if cuda:
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    times = []
    while (sum(times) < 1000 or len(times) < 2) and len(times) < 10:
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            with ctx():
                decode(model, codes)
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t = time.perf_counter()
            with ctx():
                decode(model, codes)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    median = times[len(times) // 2]
    table.row("peer", impl, name, "whole", audio, batch, "warmup_ms", warm, "ms", "")
    table.row("peer", impl, name, "whole", audio, batch, "median_ms", median, "ms", "%d timed decodes, %s" % (len(times), "CUDA events" if cuda else "wall time"))
    table.row("peer", impl, name, "whole", audio, batch, "min_ms", times[0], "ms", "")
    table.row("peer", impl, name, "whole", audio, batch, "ms_per_audio_s", median / (audio * batch), "ms", "median time / (seconds x batch)")
    table.row("peer", impl, name, "whole", audio, batch, "x_realtime", audio * batch * 1000 / median, "x", "")
    line = "peer %s %.1f s x%d: warm-up %.0f ms, median %.1f ms" % (name, audio, batch, warm, median)
    if cuda:
        peak = torch.cuda.max_memory_allocated()
        table.row("peer", impl, name, "whole", audio, batch, "peak_bytes", peak, "B", "torch.cuda.max_memory_allocated (weights included)")
        table.row("peer", impl, name, "whole", audio, batch, "activation_bytes", peak - base, "B", "max_memory_allocated - memory_allocated before the decode")
        line += ", peak %.1f MiB (activations %.1f MiB)" % (peak / 2 ** 20, (peak - base) / 2 ** 20)
    print(line)


def compare(ref_file, csv_file, rate, outputs):
    table = Csv(csv_file)
    ref = np.load(ref_file)["ref"]
    for f in outputs:
        parts = os.path.basename(f)[:-4].split("-")   # dac4j-<device>-<precision>-<mode>.npy
        device, precision, mode = parts[1], parts[2], parts[3]
        out = np.load(f)
        err = relative_error(out, ref)
        table.row("accuracy", "dac4j", precision, mode, ref.shape[-1] / rate, ref.shape[0], "rel_error_vs_float64", err, "", "device " + device)
        print("accuracy dac4j %s %s %s: relative error %.3g against the float64 reference" % (device, precision, mode, err))


def selfcheck(fixtures):
    """The fallback decoder in float64 against the PyTorch reference fixtures (which are float32: about 1e-7)."""
    cases = json.load(open(os.path.join(fixtures, "cases.json")))
    worst = 0.0
    for c in cases:
        if c["layout"].startswith("original"):
            continue   # descript's own names: the fallback reads HF names only
        model = PlainDac(read_safetensors(os.path.join(fixtures, c["weights"]))).double()
        codes = load_codes(os.path.join(fixtures, c["codes"]))
        with torch.no_grad():
            out = model.decode(codes).numpy()
        expected = np.load(os.path.join(fixtures, c["expected"])).reshape(out.shape)
        err = relative_error(out, expected)
        worst = max(worst, err) if not math.isnan(err) else float("nan")
        print("selfcheck %-40s relative error %.3g" % (c["weights"], err))
    ok = worst <= 1e-5
    print("selfcheck: worst %.3g, %s (tolerance 1e-5)" % (worst, "ok" if ok else "FAILED"))
    return ok


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd, args = argv[1], argv[2:]
    opts = {k: v for k, v in zip(args, args[1:]) if k.startswith("--")}
    if cmd == "reference":
        reference(args[0], args[1], args[2], float(opts.get("--budget", "120")), int(opts.get("--threads", os.cpu_count() or 1)))
    elif cmd == "codes":
        export_codes(args[0], args[1])
    elif cmd == "peer":
        peer(args[0], args[1], args[2], [f for f in opts.get("--codes", "").split(",") if f], float(opts.get("--rate", "44100")))
    elif cmd == "compare":
        compare(args[0], args[1], float(args[2]), args[3:])
    elif cmd == "selfcheck":
        return 0 if selfcheck(args[0]) else 1
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
