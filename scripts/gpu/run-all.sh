#!/usr/bin/env bash
# Runs the CUDA backend's checks on a GPU machine from the bundle made by scripts/gpu/bundle.sh:
#   1. the environment (GPU, driver, java), 2. readelf -V on libcudnn.so.9, 3. a native-load smoke test under
#   LD_BIND_NOW=1, 4. the GPU tests (package io.github.dac4j.cuda) with junit-platform-console-standalone.
# Prints a summary table last. Usage (repository root, bundle/ present): bash scripts/gpu/run-all.sh
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
# The bundle: $BUNDLE, else this script's folder when run as bundle/run-all.sh, else bundle/ of the repository.
if [ -n "${BUNDLE:-}" ]; then b="$BUNDLE"; elif [ -d "$here/lib" ]; then b="$here"; else b="$root/bundle"; fi
[ -d "$b/lib" ] || { echo "no bundle at $b: run scripts/gpu/bundle.sh first (and carry bundle/)" >&2; exit 2; }
declare -a rows
row() { rows+=("$(printf '%-22s %-6s %s' "$1" "$2" "$3")"); }

echo "== environment"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -3
gpu="$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)"
row "gpu" "$([ -n "$gpu" ] && echo ok || echo none)" "${gpu:-nvidia-smi found no GPU}"

# cuDNN 9 / cuBLAS wheels: every nvidia/*/lib folder of the venv goes on LD_LIBRARY_PATH before the JVM starts.
venv="${TORCH_VENV:-/opt/torch/.venv}"
libdirs="$(find "$venv" -path '*nvidia*' -type d -name lib 2>/dev/null | sort -u | paste -sd: -)"
cudnn="$(find "$venv" -name 'libcudnn.so.9*' 2>/dev/null | sort | head -1)"
export LD_LIBRARY_PATH="${libdirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"

java_bin="${DAC4J_JAVA:-}"   # override: DAC4J_JAVA=bundle/jre/bin/java
if [ -z "$java_bin" ] && command -v java >/dev/null; then
  v="$(java -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
  major="${v%%.*}"
  if [ "${major:-0}" -ge 17 ] 2>/dev/null; then java_bin="$(command -v java)"; fi
fi
[ -n "$java_bin" ] || java_bin="$b/jre/bin/java"
echo "java: $java_bin ($("$java_bin" -version 2>&1 | head -1))"
row "java" "ok" "$java_bin"

echo "== readelf -V ${cudnn:-libcudnn.so.9 (not found)}"
if [ -n "$cudnn" ] && command -v readelf >/dev/null; then
  readelf -V "$cudnn" | sed -n '/Version definition/,/^$/p' | head -20
  node="$(readelf -V "$cudnn" | awk '/Name: libcudnn/ {print $NF; exit}')"
  row "readelf libcudnn" "ok" "$cudnn ${node:+(version node $node)}"
else
  row "readelf libcudnn" "FAIL" "libcudnn.so.9 not found under $venv or no readelf"
fi

tmp="$(mktemp -d)"   # JCuda unpacks its natives here: a private folder, never a stale copy
cp="$b/test-classes:$(ls "$b"/lib/*.jar | paste -sd: -)"   # explicit: the console launcher does not expand lib/*
jvm=("$java_bin" -Xmx16g "-Djava.io.tmpdir=$tmp")

echo "== native smoke test (LD_BIND_NOW=1)"
LD_BIND_NOW=1 "${jvm[@]}" -cp "$cp" io.github.dac4j.cuda.NativeSmoke 2>&1 | tee "$tmp/smoke.log"
smoke=${PIPESTATUS[0]}
row "native smoke" "$([ "$smoke" = 0 ] && echo ok || echo FAIL)" "$(grep -E 'SMOKE|cudnnGetVersion' "$tmp/smoke.log" | tail -1 | cut -c1-100)"

echo "== GPU tests"
"${jvm[@]}" -jar "$b"/tools/junit-platform-console-standalone-1.11.4.jar execute \
    --class-path "$cp" --select-package io.github.dac4j.cuda --details=tree --disable-banner \
    --reports-dir "$tmp/reports" 2>&1 | tee "$tmp/tests.log"
tests=${PIPESTATUS[0]}
count() { grep -E "tests $1" "$tmp/tests.log" | grep -oE '[0-9]+' | head -1; }
row "GPU tests" "$([ "$tests" = 0 ] && echo ok || echo FAIL)" \
    "found $(count found), successful $(count successful), failed $(count failed), skipped $(count skipped), aborted (assumption failed: skipped) $(count aborted)"

echo
echo "== relative errors printed by the tests"
grep -E 'relative error|free device memory|too big:' "$tmp/tests.log" | sed 's/^[│├└─ ]*//' | head -80
echo
echo "== summary ($(date -u +%Y-%m-%dT%H:%MZ), $(hostname))"
printf '%-22s %-6s %s\n' "check" "status" "detail"
for r in "${rows[@]}"; do echo "$r"; done
[ "$smoke" = 0 ] && [ "$tests" = 0 ]
