#!/usr/bin/env python3
"""Plain-Python (standard library only) helpers of the GPU run (scripts/gpu/run-all.sh).

  report.py failures SEEN_FILE REPORT_DIR...   distinct test failures in JUnit XML reports, each printed once
                                              (type and first line of the message, how many tests, which); the
                                              keys already in SEEN_FILE are not printed again, new ones are added
  report.py symbols JNI_LIB TARGET_LIB PREFIX  the JNI library's undefined symbols starting with PREFIX that
                                              TARGET_LIB does not define (nm -D where nm exists, else the ELF
                                              .dynsym read here)
  report.py summary WORK OUT_MD               summary.md from WORK/results.csv, WORK/stages.tsv, WORK/failures.txt
                                              and the cuDNN choices printed in WORK/logs/test-*.log
  report.py brief SUMMARY_MD                  its main table, goals, stages and failures, at most 9,000 characters
                                              (the device tool returns the last 12,000 characters of output)
"""
import csv
import glob
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET


# ---------------------------------------------------------------- failures

def failures(seen_file, dirs, show=5):
    seen = {}   # key -> tests, in first-seen order
    if os.path.exists(seen_file):
        for line in open(seen_file, encoding="utf-8"):
            key, _, tests = (line.rstrip("\n").split("\t") + ["", ""])[:3]
            seen[key] = [t for t in tests.split(", ") if t]
    found = {}
    for d in dirs:
        for xml in glob.glob(os.path.join(d, "*.xml")):
            try:
                root = ET.parse(xml).getroot()
            except ET.ParseError as e:
                found.setdefault("unreadable report " + os.path.basename(xml), []).append(str(e))
                continue
            for case in root.iter("testcase"):
                for kind in ("failure", "error"):
                    for f in case.findall(kind):
                        message = (f.get("message") or "").strip().splitlines()
                        first = message[0] if message else ""
                        key = "%s: %s" % (f.get("type") or kind, first[:300])
                        found.setdefault(key, []).append("%s.%s" % (case.get("classname", "").split(".")[-1], case.get("name")))
    new = [k for k in found if k not in seen]
    for key, tests in found.items():
        seen.setdefault(key, []).extend(tests)
    with open(seen_file, "w", encoding="utf-8") as out:
        for key, tests in seen.items():
            out.write("%s\t%d\t%s\n" % (key, len(tests), ", ".join(tests[:4]) + (" ..." if len(tests) > 4 else "")))
    for key in new[:show]:
        tests = found[key]
        print("  FAILURE x%d: %s\n     in %s%s" % (len(tests), key, ", ".join(tests[:3]), " ..." if len(tests) > 3 else ""))
    if len(new) > show:
        print("  ... and %d more distinct failure(s): failures.txt" % (len(new) - show))
    repeated = len(found) - len(new)
    if repeated:
        print("  (%d failure(s) already printed above; full stack traces in the XML reports)" % repeated)


# ---------------------------------------------------------------- symbols

def dynsym(path):
    """(defined, undefined) dynamic symbol names of an ELF64 little-endian shared library."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("%s: not an ELF64 little-endian file" % path)
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    defined, undefined = set(), set()
    for s in sections:
        if s[1] != 11:   # SHT_DYNSYM
            continue
        strtab = sections[s[6]]
        offset, size, entsize = s[4], s[5], s[9] or 24
        for i in range(1, size // entsize):
            name_off, info, other, shndx, value, sym_size = struct.unpack_from("<IBBHQQ", data, offset + i * entsize)
            start = strtab[4] + name_off
            name = data[start:data.index(b"\0", start)].decode("ascii", "replace")
            if name:
                (undefined if shndx == 0 else defined).add(name)
    return defined, undefined


def nm_symbols(path, which):
    out = subprocess.run(["nm", "-D", which, path], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


def symbols(jni, target, prefix):
    if shutil.which("nm"):
        how = "nm -D"
        undefined = nm_symbols(jni, "--undefined-only")
        defined = nm_symbols(target, "--defined-only")
    else:
        how = "ELF .dynsym (no nm here)"
        undefined = dynsym(jni)[1]
        defined = dynsym(target)[0]
    wanted = sorted(s for s in undefined if s.startswith(prefix))
    missing = [s for s in wanted if s not in defined]
    print("symbols (%s): %s needs %d %s* symbols; %s defines %d of them%s" % (
        how, os.path.basename(jni), len(wanted), prefix, os.path.basename(target), len(wanted) - len(missing),
        "" if not missing else "; MISSING %d: %s" % (len(missing), " ".join(missing))))
    return 0 if not missing else 1


# ---------------------------------------------------------------- summary

def rows(work):
    path = os.path.join(work, "results.csv")
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f) if r.get("stage") != "stage"]


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def pick(rs, **want):
    """Rows whose fields equal every given value; audio_s is compared to within 0.5 s."""
    out = []
    for r in rs:
        ok = True
        for k, v in want.items():
            if k == "audio_s":
                a = num(r.get("audio_s"))
                ok = a is not None and abs(a - v) < 0.5
            else:
                ok = r.get(k) == v
            if not ok:
                break
        if ok:
            out.append(r)
    return out


def value(rs, **want):
    found = pick(rs, **want)
    return num(found[-1]["value"]) if found else None


def fmt_ms(v):
    return "-" if v is None else "%.2f ms" % v


def fmt_mib(v):
    return "-" if v is None else "%.1f MiB" % (v / 2 ** 20)


def fmt_err(v):
    return "-" if v is None else ("NaN" if v != v else "%.2e" % v)


def summary(work, out_md):
    rs = rows(work)
    stages = []
    stages_file = os.path.join(work, "stages.tsv")
    if os.path.exists(stages_file):
        stages = [line.rstrip("\n").split("\t") for line in open(stages_file, encoding="utf-8") if line.strip()]
    lines = ["# dac4j GPU run", ""]
    if os.path.exists(os.path.join(work, "environment.txt")):
        lines += ["```"] + [l.rstrip() for l in open(os.path.join(work, "environment.txt"), encoding="utf-8")
                            if not l.startswith("LD_LIBRARY_PATH")][:14] + ["```", ""]
    # the one table: dac4j against the peer at the peer's longest length
    peer_rows = pick(rs, stage="peer", metric="median_ms")
    impl = peer_rows[0]["impl"] if peer_rows else (pick(rs, stage="peer")[0]["impl"] if pick(rs, stage="peer") else "DacModel")
    lengths = sorted({num(r["audio_s"]) for r in peer_rows}) or [30.0]
    length = lengths[-1]
    lines += ["## dac4j against %s, %.3g s of audio, batch 1" % (impl, length), "",
              "| implementation | precision | mode | time per second of audio | x realtime | peak device memory | activation memory | relative error vs float64 |",
              "|---|---|---|---|---|---|---|---|"]
    for prec in ("fp16", "fp32"):
        weights = value(rs, stage="bench", impl="dac4j", precision=prec, metric="weight_bytes")
        for mode in ("whole", "steps86"):
            ms = value(rs, stage="bench", impl="dac4j", precision=prec, mode=mode, audio_s=length, batch="1", metric="ms_per_audio_s")
            xr = value(rs, stage="bench", impl="dac4j", precision=prec, mode=mode, audio_s=length, batch="1", metric="x_realtime")
            arena = value(rs, stage="bench", impl="dac4j", precision=prec, mode=mode, audio_s=length, batch="1", metric="arena_bytes")
            err = value(rs, stage="accuracy", impl="dac4j", precision=prec, mode=mode, metric="rel_error_vs_float64")
            peak = None if arena is None or weights is None else arena + weights
            lines.append("| dac4j | %s | %s | %s | %s | %s | %s | %s |" % (
                prec, mode, fmt_ms(ms), "-" if xr is None else "%.1f" % xr, fmt_mib(peak), fmt_mib(arena), fmt_err(err)))
    for prec, label in (("fp32", "fp32, TF32 off"), ("autocast_fp16", "autocast float16")):
        ms = value(rs, stage="peer", precision=prec, audio_s=length, metric="ms_per_audio_s")
        xr = value(rs, stage="peer", precision=prec, audio_s=length, metric="x_realtime")
        peak = value(rs, stage="peer", precision=prec, audio_s=length, metric="peak_bytes")
        act = value(rs, stage="peer", precision=prec, audio_s=length, metric="activation_bytes")
        err = value(rs, stage="peer", precision=prec, metric="rel_error_vs_float64")
        lines.append("| %s | %s | whole | %s | %s | %s | %s | %s |" % (
            impl, label, fmt_ms(ms), "-" if xr is None else "%.1f" % xr, fmt_mib(peak), fmt_mib(act), fmt_err(err)))
    pw, pd = value(rs, stage="peer", metric="weight_bytes"), value(rs, stage="peer", metric="decode_weight_bytes")
    ref_len = next((r["audio_s"] for r in pick(rs, stage="accuracy") + pick(rs, stage="peer", metric="rel_error_vs_float64")), "?")
    weights_note = fmt_mib(pw) if pw == pd else "%s, of which %s decode: the encoder stays on the device, as when the model is loaded whole" % (
        fmt_mib(pw), fmt_mib(pd))
    lines += ["", "dac4j peak = its device weights + arena (what it allocates); activation memory = the arena. %s peak = "
              "torch.cuda.max_memory_allocated, its weights included (%s); activations = that minus the memory allocated "
              "before the decode. Errors: ||out - ref|| / ||ref|| against a float64 CPU decode of the same codes (%s s of audio)." % (
                  impl, weights_note, ref_len), ""]
    lines += goals(rs, length, impl)
    # every stage
    lines += ["## Stages", "", "| stage | status | seconds | detail |", "|---|---|---|---|"]
    for s in stages:
        s = (s + ["", "", "", ""])[:4]
        lines.append("| %s | %s | %s | %s |" % (s[0], s[1], s[2], s[3].replace("|", "/")[:200]))
    lines.append("")
    # the benchmark matrix
    bench = pick(rs, stage="bench", metric="ms_per_audio_s")
    if bench or pick(rs, stage="bench"):
        lines += ["## Decode benchmark (dac4j, CUDA backend, synchronised wall time, median)", "",
                  "| precision | mode | audio s | batch | ms per audio s | x realtime | warm-up ms | arena | note |", "|---|---|---|---|---|---|---|---|---|"]
        keys = []
        for r in pick(rs, stage="bench"):
            k = (r["precision"], r["mode"], r["audio_s"], r["batch"])
            if r["mode"] and k not in keys:
                keys.append(k)
        for p, m, a, b in keys:
            sel = dict(stage="bench", precision=p, mode=m, batch=b)
            same = [r for r in pick(rs, **sel) if r["audio_s"] == a]
            get = lambda metric: next((num(r["value"]) for r in same if r["metric"] == metric), None)
            note = "; ".join(r["note"] for r in same if r["metric"] in ("error", "not_run") or "NON-FINITE" in r["note"])
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                p, m, a, b, "-" if get("ms_per_audio_s") is None else "%.3f" % get("ms_per_audio_s"),
                "-" if get("x_realtime") is None else "%.1f" % get("x_realtime"),
                "-" if get("warmup_ms") is None else "%.0f" % get("warmup_ms"), fmt_mib(get("arena_bytes")), note[:120]))
        lines.append("")
    mem = pick(rs, stage="memory")
    if mem:
        lines += ["## Device memory", "", "| precision | mode | batch | metric | value | note |", "|---|---|---|---|---|---|"]
        for r in mem:
            lines.append("| %s | %s | %s | %s | %s %s | %s |" % (r["precision"], r["mode"], r["batch"], r["metric"], r["value"], r["unit"], r["note"][:150]))
        lines.append("")
    errs = pick(rs, metric="rel_error_vs_float64")
    if errs:
        lines += ["## Accuracy against the float64 reference", "", "| who | precision | mode | audio s | relative error | note |", "|---|---|---|---|---|---|"]
        for r in errs:
            lines.append("| %s | %s | %s | %s | %s | %s |" % (r["impl"], r["precision"], r["mode"], r["audio_s"], fmt_err(num(r["value"])), r["note"]))
        lines.append("")
    lines += cudnn_choices(work)
    lines += test_errors(work)
    fails = os.path.join(work, "failures.txt")
    if os.path.exists(fails) and os.path.getsize(fails):
        lines += ["## Distinct test failures (each once; full traces in logs.tar.xz)", ""]
        entries = [l for l in open(fails, encoding="utf-8") if l.strip()]
        for line in entries[:15]:
            key, count, tests = (line.rstrip("\n").split("\t") + ["", ""])[:3]
            lines.append("- x%s `%s` (%s)" % (count, key[:300].replace("`", "'"), tests))
        if len(entries) > 15:
            lines.append("- ... %d more in failures.txt" % (len(entries) - 15))
        lines.append("")
    with open(out_md, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def goals(rs, length, impl):
    """The issue's goals, each met / NOT met / no data, with its numbers."""
    out = ["## Goals", ""]

    def line(text, ok, numbers):
        out.append("- %s: %s (%s)" % (text, "no data" if ok is None else ("met" if ok else "NOT met"), numbers))

    ours = value(rs, stage="bench", impl="dac4j", precision="fp16", mode="whole", audio_s=30, batch="1", metric="median_ms")
    theirs = value(rs, stage="peer", precision="autocast_fp16", audio_s=30, metric="median_ms")
    ratio = None if not ours or not theirs else theirs / ours
    line("fp16 decode of 30 s at >= 1.5x %s under autocast" % impl, None if ratio is None else ratio >= 1.5,
         "-" if ratio is None else "%.2fx: %.1f ms against %.1f ms" % (ratio, ours, theirs))
    arenas = [num(r["value"]) for r in pick(rs, stage="bench", impl="dac4j", mode="steps86", metric="arena_bytes", batch="1")]
    worst = max(arenas) if arenas else None
    line("activation memory <= 64 MiB at 86-frame steps, any length (batch 1)", None if worst is None else worst <= 64 * 2 ** 20,
         "largest arena %s over %d lengths" % (fmt_mib(worst), len(arenas)))
    for prec, tol in (("fp16", 5e-3), ("fp32", 1e-5)):
        errs = [num(r["value"]) for r in pick(rs, stage="accuracy", precision=prec, metric="rel_error_vs_float64") if "cuda" in r["note"]]
        e = max(errs, key=lambda x: float("inf") if x != x else x) if errs else None
        line("%s error <= %g against the reference" % (prec, tol), None if e is None else (e == e and e <= tol), "worst %s" % fmt_err(e))
    overheads = []
    for prec in ("fp16", "fp32"):
        for r in pick(rs, stage="bench", impl="dac4j", precision=prec, mode="whole", metric="median_ms"):
            steps = value(rs, stage="bench", impl="dac4j", precision=prec, mode="steps86", audio_s=num(r["audio_s"]), batch=r["batch"], metric="median_ms")
            if steps and num(r["value"]) and num(r["audio_s"]) >= 9:
                overheads.append((steps / num(r["value"]) - 1, "%s %ss x%s" % (prec, r["audio_s"], r["batch"])))
    o = max(overheads) if overheads else None
    line("streaming overhead <= 5 % (86-frame steps against whole, >= 10 s)", None if o is None else o[0] <= 0.05,
         "-" if o is None else "worst %+.1f %% (%s)" % (100 * o[0], o[1]))
    lost = value(rs, stage="memory", metric="free_lost_after_cycles")
    cycles = value(rs, stage="memory", metric="cycles_done")
    line("free device memory back to its baseline after 100 cycles (within 4 MiB)",
         None if lost is None or (cycles or 0) < 100 else lost <= 4 * 2 ** 20,
         "-" if lost is None else "%d bytes lost over %d cycles of the 44.1 kHz model" % (lost, cycles or 0))
    out.append("")
    return out


def cudnn_choices(work):
    """Counts of the algorithm and math type cuDNN chose per shape (-Ddac4j.cuda.verbose=true lines)."""
    counts, refused = {}, []
    for log in sorted(glob.glob(os.path.join(work, "logs", "*.log"))):
        for line in open(log, encoding="utf-8", errors="replace"):
            m = re.search(r"dac4j cudnn: Key\[transposed=(\w+).*-> algorithm (\d+), math (\w+)", line)
            if m:
                key = ("backward-data" if m.group(1) == "true" else "forward", m.group(2), m.group(3))
                counts[key] = counts.get(key, 0) + 1
            if "cuDNN offers no" in line and len(refused) < 5:
                refused.append(line.strip()[:400])
    if not counts and not refused:
        return []
    out = ["## cuDNN's choices (shapes, over all test and run logs)", "", "| direction | algorithm | math | shapes |", "|---|---|---|---|"]
    for (d, a, m), n in sorted(counts.items()):
        out.append("| %s | %s | %s | %d |" % (d, a, m, n))
    out += [""] + ["- refused: `%s`" % r.replace("`", "'") for r in refused] + [""]
    return out


def test_errors(work):
    """The largest relative error each GPU test class printed, per precision, and every streaming line."""
    worst, streaming = {}, []
    for log in sorted(glob.glob(os.path.join(work, "logs", "test-*.log"))):
        cls = os.path.basename(log)[5:-4]
        for line in open(log, encoding="utf-8", errors="replace"):
            m = re.search(r"(FP16|FP32)\b.*?relative error ([0-9.eE+-]+|NaN)", line)
            if not m:
                continue
            e = float("nan") if m.group(2) == "NaN" else float(m.group(2))
            k = (cls, m.group(1))
            if k not in worst or e != e or e > worst[k][0]:
                worst[k] = (e, line.strip()[:200])
            if "streaming vs whole" in line:
                streaming.append(line.strip()[:250])
    if not worst:
        return []
    out = ["## Relative errors printed by the GPU tests (largest per class and precision)", "", "| class | precision | largest | line |", "|---|---|---|---|"]
    for (cls, p), (e, line) in sorted(worst.items()):
        out.append("| %s | %s | %s | %s |" % (cls, p, fmt_err(e), line.replace("|", "/")))
    if streaming:
        out += ["", "Streaming against whole decoding on the GPU:", ""] + ["- " + s for s in streaming]
    return out + [""]


def brief(summary_md):
    keep, out = False, []
    for line in open(summary_md, encoding="utf-8"):
        if line.startswith("## "):
            keep = line.startswith(("## dac4j against", "## Goals", "## Stages", "## Distinct"))
        if keep:
            out.append(line.rstrip("\n"))
    text = "\n".join(out)
    print(text if len(text) <= 9000 else text[:9000] + "\n... (cut: see summary.md)")


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    cmd = argv[1]
    if cmd == "failures":
        failures(argv[2], argv[3:])
    elif cmd == "symbols":
        return symbols(argv[2], argv[3], argv[4])
    elif cmd == "summary":
        summary(argv[2], argv[3])
    elif cmd == "brief":
        brief(argv[2])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
