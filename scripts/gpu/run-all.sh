#!/usr/bin/env bash
# The one-shot GPU run of the CUDA backend, from the bundle that scripts/gpu/bundle.sh makes. On a GPU machine,
# through the device tool: run(command: "bash bundle/run-all.sh", carry: ["bundle"], timeout_s: 600). Here: the same
# command is a dry run (stages that need a GPU say so and go on; the PyTorch stage runs on the CPU).
#
#   bash bundle/run-all.sh [--only STAGE,...]      STAGE: a number or a name below
#     1 env       GPU, driver, cuDNN, Java, Python/torch/transformers versions
#     2 smoke     NativeSmoke under LD_BIND_NOW=1 (natives, versions, PTX JIT with its logs, a backend per precision);
#                 the JCuda/JCudnn natives' undefined cu*/cudnn* symbols against libcuda.so.1 / libcudnn.so.9
#     3 tests     every test class of the kernels module, each GPU class in its own JVM (ops first), under timeout,
#                 cuDNN's log (CUDNN_LOGLEVEL_DBG=2) and the backend's per-shape choices into the logs
#     4 bench     decode time: fp16/fp32, whole and 86-frame steps, 1/10/30/60 s, batch 1 and 8
#     5 memory    free device memory, the arena against requiredArenaBytes, 100 open/decode/close cycles
#     6 peer      transformers' DacModel on the same checkpoint and codes (fp32, autocast fp16), after the float64
#                 CPU reference decode of the reference codes
#     7 accuracy  dac4j's fp16/fp32 GPU outputs against the float64 reference
# Each stage has its own time limit (together 7 minutes on an H100) and a failure never stops the next one.
# Results in $OUT (./out where unset): summary.md, results.csv, failures.txt, environment.txt, logs.tar.xz, refreshed
# after every stage. The work folder ($DAC4J_WORK, default /tmp/dac4j-gpu-run) keeps the generated checkpoint, codes,
# reference and results, so a rerun with --only on the same machine reuses them.
# Environment: DAC4J_JAVA (a java >= 17, or "bundled" for the bundle's runtime), DAC4J_PYTHON (a python with torch),
# TORCH_VENV (default /opt/torch/.venv), DAC4J_TIME_SCALE (multiplies every limit; 3 where there is no GPU).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -n "${BUNDLE:-}" ]; then b="$BUNDLE"; elif [ -d "$here/lib" ]; then b="$here"; else b="$(cd "$here/../.." && pwd)/bundle"; fi
[ -d "$b/lib" ] || { echo "no bundle at $b: run scripts/gpu/bundle.sh first (and carry bundle/)" >&2; exit 2; }
root="$(cd "$b/.." && pwd)"
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="${2:-}"; shift 2 ;;
    --only=*) only="${1#--only=}"; shift ;;
    *) echo "usage: bash bundle/run-all.sh [--only STAGE,...]  (stages 1-7 or env,smoke,tests,bench,memory,peer,accuracy)" >&2; exit 2 ;;
  esac
done
names=(x env smoke tests bench memory peer accuracy)
selected() {   # stage number -> true if it runs
  [ -z "$only" ] && return 0
  local s; for s in ${only//,/ }; do [ "$s" = "$1" ] || [ "$s" = "${names[$1]}" ] && return 0; done; return 1
}

OUT="${OUT:-$root/out}"
work="${DAC4J_WORK:-/tmp/dac4j-gpu-run}"
logs="$work/logs"
mkdir -p "$OUT" "$logs" "$work/model" "$work/outputs"
csv="$work/results.csv"
stages="$work/stages.tsv"
start_all=$(date +%s)
fixtures="$root/core/src/test/resources/fixtures"

# ---------------------------------------------------------------- the machine
venv="${TORCH_VENV:-/opt/torch/.venv}"
libdirs="$(find "$venv" -path '*nvidia*' -type d -name lib 2>/dev/null | sort -u | paste -sd: -)"
export LD_LIBRARY_PATH="${libdirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cudnn="$(find "$venv" -name 'libcudnn.so.9*' 2>/dev/null | sort | head -1)"
[ -n "$cudnn" ] || cudnn="$(ldconfig -p 2>/dev/null | awk '/libcudnn\.so\.9 / {print $NF; exit}')"
libcuda="$(ldconfig -p 2>/dev/null | awk '/libcuda\.so\.1 / {print $NF; exit}')"
for d in /usr/lib/x86_64-linux-gnu /usr/local/nvidia/lib64 /usr/lib64 /usr/local/cuda/compat; do
  [ -z "$libcuda" ] && [ -e "$d/libcuda.so.1" ] && libcuda="$d/libcuda.so.1"
done
gpu="$(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>/dev/null | head -1)"
scale="${DAC4J_TIME_SCALE:-$([ -n "$gpu" ] && echo 1 || echo 3)}"
limit() { echo $(( $1 * scale )); }

# Java: DAC4J_JAVA, else a java >= 17 on the PATH, else the bundle's runtime unpacked into the work folder.
java_bin="${DAC4J_JAVA:-}"
if [ -z "$java_bin" ] && command -v java >/dev/null; then
  v="$(java -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
  [ "${v%%.*}" -ge 17 ] 2>/dev/null && java_bin="$(command -v java)"
fi
if [ -z "$java_bin" ] || [ "$java_bin" = bundled ]; then
  if [ ! -x "$work/jre/bin/java" ]; then
    tar -C "$work" -xJf "$b/jre.tar.xz" 2>/dev/null \
      || python3 -c "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$b/jre.tar.xz" "$work" \
      || echo "cannot unpack $b/jre.tar.xz (no xz, no python3)"
  fi
  java_bin="$work/jre/bin/java"
fi
# Python: DAC4J_PYTHON, else the torch venv, else a python3 that imports torch (the report needs any python3).
py="${DAC4J_PYTHON:-}"
if [ -z "$py" ]; then
  for c in "$venv/bin/python" python3 /usr/bin/python3; do
    if command -v "$c" >/dev/null && "$c" -c "import torch" 2>/dev/null; then py="$(command -v "$c")"; break; fi
  done
fi
report_py="$(command -v python3 || echo "${py:-python3}")"

tmp="$work/tmp"   # JCuda unpacks its natives here: a private folder, never a stale copy from elsewhere
mkdir -p "$tmp"
cp="$b/test-classes:$(ls "$b"/lib/*.jar | paste -sd: -)"   # explicit: the console launcher does not expand lib/*
jvm=("$java_bin" -Xmx12g -XX:+UseParallelGC "-Djava.io.tmpdir=$tmp" "-Ddac4j.fixtures=$fixtures" -Ddac4j.cuda.verbose=true)
export CUDNN_LOGLEVEL_DBG=2 PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1   # no network there

# ---------------------------------------------------------------- plumbing
# record STAGE STATUS SECONDS DETAIL: one line of stages.tsv (the stage's earlier line replaced) and the stage's
# outputs refreshed in $OUT, so a run stopped at any point leaves what it had.
record() {
  { [ -f "$stages" ] && grep -v "^$1	" "$stages"; printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"; } > "$stages.new"
  sort -o "$stages" "$stages.new" && rm -f "$stages.new"
  echo "== $1: $2 (${3} s) $4"
  publish
}
publish() {
  [ -f "$csv" ] && cp "$csv" "$OUT/results.csv"
  [ -f "$work/failures.txt" ] && cp "$work/failures.txt" "$OUT/failures.txt"
  [ -f "$work/environment.txt" ] && cp "$work/environment.txt" "$OUT/environment.txt"
  "$report_py" "$b/report.py" summary "$work" "$OUT/summary.md" >/dev/null 2>"$logs/report.err" || true
  if command -v xz >/dev/null; then tar -C "$work" -cJf "$OUT/logs.tar.xz" logs 2>/dev/null
  else tar -C "$work" -czf "$OUT/logs.tar.gz" logs 2>/dev/null; fi
}
# drop_rows STAGE: a rerun of a stage replaces its rows
drop_rows() { [ -f "$csv" ] && awk -F, -v s="$1" 'NR == 1 || $1 != s' "$csv" > "$csv.new" && mv "$csv.new" "$csv"; }
# jrun NAME LIMIT ARGS...: java under timeout (SIGQUIT first: the JVM prints its threads, then KILL 5 s later), with
# its own hs_err file and cuDNN log. Output in $logs/NAME.log. Returns java's status, 124 on timeout.
jrun() {
  local name="$1" lim="$2"; shift 2
  rm -f "$logs"/hs_err_"${name}"_*.log
  CUDNN_LOGDEST_DBG="$logs/cudnn-$name.log" timeout --signal=QUIT --kill-after=5 "$lim" \
      "${jvm[@]}" "-XX:ErrorFile=$logs/hs_err_${name}_%p.log" "$@" > "$logs/$name.log" 2>&1
  local rc=$?
  [ $rc = 137 ] && rc=124
  if ls "$logs"/hs_err_"${name}"_*.log >/dev/null 2>&1; then
    echo "  JVM CRASHED in $name: $(grep -m1 -A1 'Problematic frame' "$logs"/hs_err_"${name}"_*.log | tail -1)"
  fi
  return $rc
}
since() { echo $(( $(date +%s) - $1 )); }
have_gpu() { [ -n "$gpu" ]; }

# ---------------------------------------------------------------- 1 environment
stage_env() {
  local t=$(date +%s) f="$work/environment.txt"
  {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), host $(hostname), $(uname -m), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "gpu: ${gpu:-none (nvidia-smi found no GPU)}"
    nvidia-smi 2>/dev/null | grep -o 'Driver Version: [0-9.]*.*CUDA Version: [0-9.]*' | head -1
    echo "libcuda.so.1: ${libcuda:-not found}"
    echo "libcudnn.so.9: ${cudnn:-not found}$( [ -n "$cudnn" ] && command -v readelf >/dev/null && readelf -V "$cudnn" 2>/dev/null | awk '/Name: libcudnn/ {printf " (version node %s)", $NF; exit}')"
    echo "cuDNN wheel: $(ls -d "$venv"/lib/python3*/site-packages/nvidia_cudnn*.dist-info 2>/dev/null | xargs -r -n1 basename | head -1)"
    echo "java: $java_bin: $("$java_bin" -version 2>&1 | head -1)"
    echo "python: ${py:-none with torch}$( [ -n "$py" ] && timeout 60 "$py" -c 'import sys, torch
try:
    import transformers; tv = transformers.__version__
except ImportError:
    tv = "not installed"
print(" python %s, torch %s (CUDA %s, cuDNN %s), transformers %s" % (sys.version.split()[0], torch.__version__, torch.version.cuda,
      torch.backends.cudnn.version() if torch.cuda.is_available() else "-", tv))' 2>&1 | tail -1)"
    echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  } > "$f" 2>&1
  sed 's/^/  /' "$f" | grep -v LD_LIBRARY_PATH
  record 1-environment "$(have_gpu && echo ok || echo NOGPU)" "$(since $t)" "${gpu:-no GPU}; java $("$java_bin" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
}

# ---------------------------------------------------------------- 2 native smoke + symbols
stage_smoke() {
  local t=$(date +%s) status detail
  LD_BIND_NOW=1 jrun smoke "$(limit 30)" -cp "$cp" io.github.dac4j.cuda.NativeSmoke
  local rc=$?
  awk '/^(SMOKE|PTX JIT)/ {p = 1; print; next} /^    / && p {print; next} {p = 0}' "$logs/smoke.log" | head -25 | cut -c1-240 | sed 's/^/  /'
  detail="$(grep -E '^SMOKE (OK|FAIL)' "$logs/smoke.log" | tail -1 | cut -c1-160)"
  [ $rc = 124 ] && detail="TIMEOUT; $detail"
  # the JNI libraries of the jars against the libraries they link
  local natives="$work/natives" sym=0 lines=""
  mkdir -p "$natives"
  for j in "$b"/lib/jcuda-natives-*.jar "$b"/lib/jcudnn-natives-*.jar; do
    (cd "$natives" && "$report_py" -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [open(n.split('/')[-1], 'wb').write(z.read(n)) for n in z.namelist() if n.endswith('.so')]" "$j")
  done
  for pair in "libJCudaDriver:cu:${libcuda}" "libJCudnn:cudnn:${cudnn}"; do
    IFS=: read -r lib prefix target <<< "$pair"
    if [ -z "$target" ]; then lines+="  symbols: $lib against ${prefix}: no target library found"$'\n'; continue; fi
    lines+="  $("$report_py" "$b/report.py" symbols "$(ls "$natives/$lib"-*.so | head -1)" "$target" "$prefix" 2>&1 | cut -c1-600)"$'\n'
  done
  printf '%s' "$lines" | tee "$logs/symbols.log"
  grep -q MISSING "$logs/symbols.log" && sym=1
  if [ $rc = 0 ] && [ $sym = 0 ]; then status=ok
  elif ! have_gpu && grep -q 'SMOKE FAIL probe' "$logs/smoke.log"; then status=NOGPU
  else status=FAIL; fi
  record 2-smoke "$status" "$(since $t)" "$detail$( [ $sym = 1 ] && echo '; MISSING SYMBOLS')"
}

# ---------------------------------------------------------------- 3 tests
stage_tests() {
  local t=$(date +%s) budget total=0 failed=0 aborted=0 crashed=0 passed=0 cls lim rc
  budget=$(limit 100)
  rm -rf "$logs"/reports-* "$work/failures.txt"
  # The GPU classes (those that use Gpu.assume: their class files name io/github/dac4j/cuda/Gpu), each in its own
  # JVM, ops first and the classes built on them after (limits in seconds; 25 for a class not listed here); the
  # no-GPU classes last, together in one JVM.
  local gpu_classes=(CudaOpsTest:30 CudaDecodeTest:35 CudaMemoryTest:25 CudaEmbeddingTest:20)
  local others=()
  for f in "$b"/test-classes/io/github/dac4j/cuda/*Test.class; do
    cls="$(basename "$f" .class)"
    case " ${gpu_classes[*]} " in
      *" $cls:"*) ;;
      *) if grep -q 'io/github/dac4j/cuda/Gpu\b' "$f"; then gpu_classes+=("$cls:25"); else others+=(--select-class "io.github.dac4j.cuda.$cls"); fi ;;
    esac
  done
  run_class() {   # name limit selectors...
    local name="$1" lim="$2"; shift 2
    local left=$(( budget - $(since $t) ))
    [ $left -lt 5 ] && { echo "  $name: not run (stage time spent)"; failed=$((failed + 1)); return; }
    [ "$lim" -gt "$left" ] && lim=$left
    local t0=$(date +%s)
    jrun "test-$name" "$lim" -jar "$b"/tools/junit-platform-console-standalone-*.jar execute --class-path "$cp" "$@" \
        --details=tree --disable-banner --disable-ansi-colors --reports-dir "$logs/reports-$name"
    rc=$?
    local log="$logs/test-$name.log"
    n() { grep -E "tests $1 " "$log" | grep -oE '[0-9]+' | head -1; }
    local found=$(n found) ok=$(n successful) bad=$(n failed) skip=$(n aborted)
    total=$((total + ${found:-0})); passed=$((passed + ${ok:-0})); failed=$((failed + ${bad:-0})); aborted=$((aborted + ${skip:-0}))
    local what="${found:-?} tests: ${ok:-?} ok, ${bad:-?} failed, ${skip:-?} skipped (assumption)"
    [ $rc = 124 ] && what="TIMEOUT after ${lim} s; $what" && failed=$((failed + 1))
    ls "$logs"/hs_err_test-"$name"_*.log >/dev/null 2>&1 && crashed=$((crashed + 1))
    [ $rc != 0 ] && [ $rc != 124 ] && [ "${bad:-0}" = 0 ] && [ -z "$found" ] && what="exit $rc: $(grep -m1 -iE 'error|exception' "$log" | cut -c1-200)" && failed=$((failed + 1))
    echo "  $name: $what ($(since $t0) s)"
    "$report_py" "$b/report.py" failures "$work/failures.txt" "$logs/reports-$name" 2>&1 | cut -c1-300 | head -12
    publish
  }
  local spec
  for spec in "${gpu_classes[@]}"; do
    run_class "${spec%%:*}" "$(limit "${spec##*:}")" --select-class "io.github.dac4j.cuda.${spec%%:*}"
  done
  [ ${#others[@]} -gt 0 ] && run_class no-gpu-classes "$(limit 20)" "${others[@]}"
  local status=ok
  [ $failed -gt 0 ] || [ $crashed -gt 0 ] && status=FAIL
  [ $status = ok ] && ! have_gpu && status=NOGPU
  record 3-tests "$status" "$(since $t)" "$total tests: $passed ok, $failed failed, $aborted skipped (no GPU: assumption), $crashed JVM crash(es)"
}

# ---------------------------------------------------------------- the generated checkpoint and codes
ref_seconds="${REF_SECONDS:-$(have_gpu && echo 3 || echo 0.5)}"
peer_seconds="${PEER_SECONDS:-$(have_gpu && echo 1,10,30 || echo 0.5)}"
prepare() {
  local s missing=""
  for s in ref ${peer_seconds//,/s }s; do [ -f "$work/model/codes-$s.npy" ] || missing=1; done
  [ -f "$work/model/model.safetensors" ] && [ -z "$missing" ] && return 0
  local t=$(date +%s)
  jrun prepare "$(limit 40)" -cp "$cp" io.github.dac4j.cuda.GpuRun prepare "dir=$work/model" "ref_seconds=$ref_seconds" "peer_seconds=$peer_seconds"
  local rc=$?
  sed 's/^/  /' "$logs/prepare.log" | tail -5
  record 1-prepare "$([ $rc = 0 ] && echo ok || echo FAIL)" "$(since $t)" "$(head -1 "$logs/prepare.log" | cut -c1-150)"
  return $rc
}

# ---------------------------------------------------------------- 4 bench, 5 memory
stage_java() {   # stage-name log-name limit subcommand args...
  local stage="$1" name="$2" lim="$3" sub="$4"; shift 4
  local t=$(date +%s) status rc
  drop_rows "$name"
  if ! prepare; then record "$stage" FAIL "$(since $t)" "no checkpoint: see logs/prepare.log"; return; fi
  jrun "$name" "$lim" -cp "$cp" io.github.dac4j.cuda.GpuRun "$sub" "dir=$work/model" "csv=$csv" "deadline_s=$((lim - 10))" "$@"
  rc=$?
  grep -vE '^dac4j cudnn:' "$logs/$name.log" | tail -12 | cut -c1-200 | sed 's/^/  /'
  case $rc in
    0) status=ok ;; 3) status=NOGPU ;; 124) status=TIMEOUT ;; *) status=FAIL ;;
  esac
  count() { awk -F, -v s="$name" -v m="$1" '$1 == s && $7 == m' "$csv" 2>/dev/null | wc -l; }
  local errors; errors=$(count error)
  [ "$status" = ok ] && [ "$errors" -gt 0 ] && status=FAIL
  local detail; detail="$(grep -m1 'skipped: no GPU' "$logs/$name.log" | cut -c1-120)"
  [ -z "$detail" ] && detail="$(count median_ms) configurations timed, $(count not_run) not run, $errors error rows$( [ $rc = 124 ] && echo ', TIMEOUT')"
  [ "$name" = memory ] && [ -z "$(grep -m1 'skipped: no GPU' "$logs/$name.log")" ] \
    && detail="$(awk -F, '$1 == "memory" && ($7 == "free_lost_after_cycles" || $7 == "cycles_done") {printf "%s %s; ", $7, $8}' "$csv")$errors error rows"
  record "$stage" "$status" "$(since $t)" "$detail"
}

# ---------------------------------------------------------------- the float64 reference, in the background
# A float64 decode on the CPU is slow (float64 convolutions have no fast CPU kernels in some torch builds): it starts
# right after the checkpoint is made and runs at nice 19 on all but 4 cores while stages 2 and 3 run, is stopped
# (SIGSTOP) during the timed stages 4 and 5, and stage 6 waits for what is left. It saves a short probe decode first
# and then the longest prefix of the reference codes that its budget allows (peer.py reference).
ref="$work/ref.npz"
ref_pid=""
start_reference() {
  [ -f "$ref.done" ] && return 0
  [ -n "$py" ] || return 1
  local threads=$(( $(nproc) > 5 ? $(nproc) - 4 : 1 ))
  rm -f "$ref"
  nice -n 19 "$py" "$b/peer.py" reference "$work/model" "$work/model/codes-ref.npy" "$ref" \
      --budget "$(limit 100)" --threads "$threads" > "$logs/peer-reference.log" 2>&1 &
  ref_pid=$!
  echo "  float64 reference decode started in the background (pid $ref_pid, $threads threads, nice 19)"
}
signal_reference() { [ -n "$ref_pid" ] && kill "-$1" "$ref_pid" 2>/dev/null; return 0; }
# finish_reference SECONDS: waits at most that long, then stops it (the saved probe or prefix stays)
finish_reference() {
  [ -n "$ref_pid" ] || return 0
  signal_reference CONT
  local t=$(date +%s)
  while kill -0 "$ref_pid" 2>/dev/null && [ "$(since $t)" -lt "$1" ]; do sleep 1; done
  kill -0 "$ref_pid" 2>/dev/null && { kill "$ref_pid"; echo "  the reference decode was stopped after waiting $1 s"; }
  wait "$ref_pid" 2>/dev/null && touch "$ref.done"
  ref_pid=""
  grep -E '^reference' "$logs/peer-reference.log" | tail -2 | cut -c1-300 | sed 's/^/  /'
}

# ---------------------------------------------------------------- 6 peer, 7 accuracy
stage_peer() {
  local t=$(date +%s) status=ok detail=""
  drop_rows peer
  if [ -z "$py" ]; then record 6-peer FAIL 0 "no python with torch (DAC4J_PYTHON, $venv)"; return; fi
  if ! prepare; then record 6-peer FAIL "$(since $t)" "no checkpoint: see logs/prepare.log"; return; fi
  if ! "$py" -c "import transformers" 2>/dev/null; then
    timeout "$(limit 20)" "$py" "$b/peer.py" selfcheck "$fixtures" > "$logs/peer-selfcheck.log" 2>&1 || status=FAIL
    tail -1 "$logs/peer-selfcheck.log" | sed 's/^/  /'
    detail="no transformers: the plain-torch fallback, $(tail -1 "$logs/peer-selfcheck.log" | cut -c1-60); "
  fi
  [ -f "$ref.done" ] || [ -n "$ref_pid" ] || start_reference
  local wait_s=$(( $(limit 70) - $(limit 35) - $(since $t) )); [ $wait_s -lt 5 ] && wait_s=5
  finish_reference "$wait_s"
  [ -f "$ref" ] || { status=FAIL; detail+="no float64 reference (logs/peer-reference.log); "; }
  local codes="" s
  for s in ${peer_seconds//,/ }; do codes+="${codes:+,}$work/model/codes-${s}s.npy"; done
  if [ -f "$ref" ]; then
    local left=$(( $(limit 70) - $(since $t) )); [ $left -lt $(limit 30) ] && left=$(limit 30)
    timeout "$left" "$py" "$b/peer.py" peer "$work/model" "$csv" "$ref" --codes "$codes" > "$logs/peer.log" 2>&1
    local rc=$?
    grep -vE '^\s*$' "$logs/peer.log" | tail -12 | cut -c1-300 | sed 's/^/  /'
    [ $rc = 124 ] && { status=TIMEOUT; detail+="timeout; "; }
    [ $rc != 0 ] && [ $rc != 124 ] && { status=FAIL; detail+="$(grep -m1 -E 'Error|error' "$logs/peer.log" | cut -c1-150); "; }
  fi
  record 6-peer "$status" "$(since $t)" "${detail}$(grep -m1 '^reference: ' "$logs/peer-reference.log" | cut -c12-90)"
}

stage_accuracy() {
  local t=$(date +%s) status=ok device=cuda detail=""
  drop_rows accuracy
  if ! prepare; then record 7-accuracy FAIL "$(since $t)" "no checkpoint"; return; fi
  [ -n "$ref_pid" ] && finish_reference 5
  if [ ! -f "$ref" ] || [ -z "$py" ]; then record 7-accuracy FAIL "$(since $t)" "no float64 reference (stage 6) or no python"; return; fi
  if ! have_gpu; then device=cpu; detail="no GPU: dac4j's CPU backend (fp32) checks the comparison path; "; fi
  rm -f "$work"/outputs/dac4j-*.npy
  "$py" "$b/peer.py" codes "$ref" "$work/ref-codes.npy"
  jrun accuracy "$(limit 30)" -cp "$cp" io.github.dac4j.cuda.GpuRun decode "dir=$work/model" "codes=$work/ref-codes.npy" "out=$work/outputs" "device=$device"
  local rc=$?
  grep -vE '^dac4j cudnn:' "$logs/accuracy.log" | tail -6 | cut -c1-200 | sed 's/^/  /'
  [ $rc != 0 ] && { status=FAIL; detail+="decode exit $rc; "; }
  if ls "$work"/outputs/dac4j-*.npy >/dev/null 2>&1; then
    "$py" "$b/peer.py" compare "$ref" "$csv" 44100 "$work"/outputs/dac4j-*.npy 2>&1 | tee "$logs/compare.log" | sed 's/^/  /'
  else status=FAIL; detail+="no dac4j output; "; fi
  [ "$status" = ok ] && ! have_gpu && status=NOGPU
  record 7-accuracy "$status" "$(since $t)" "$detail"
}

# ---------------------------------------------------------------- the run
echo "dac4j GPU run: bundle $b, work $work, out $OUT, time scale $scale, stages ${only:-all}"
selected 1 && stage_env
if selected 6 || selected 7; then prepare && start_reference; fi
selected 2 && stage_smoke
selected 3 && stage_tests
signal_reference STOP   # nothing else on the CPUs while dac4j is timed
selected 4 && stage_java 4-bench bench "$(limit 85)" bench "seconds=${BENCH_SECONDS:-1,10,30,60}" "batches=${BENCH_BATCHES:-1,8}"
selected 5 && stage_java 5-memory memory "$(limit 50)" memory "cycles=${CYCLES:-100}"
signal_reference CONT
selected 6 && stage_peer
selected 7 && stage_accuracy
finish_reference 0
publish
echo
echo "== summary ($(since "$start_all") s; every table in $OUT/summary.md, rows in results.csv, logs in logs.tar.xz)"
"$report_py" "$b/report.py" brief "$OUT/summary.md"
