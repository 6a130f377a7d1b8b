#!/bin/sh
# dac4j against ONNX Runtime on this machine, everything docs/BENCHMARKS.md's table needs, in one run:
#   1. JMH, warm: DecodeBenchmark and OrtDecodeBenchmark, whole decodes of 86 and 258 frames, THREADS threads;
#   2. LibraryTimings: cold open + first decode, warm best and median of 3, time to first audio, fresh JVMs, engines
#      alternating; then both engines in one JVM, PAIRS pairs of warm decodes, the ratio pair by pair;
#   3. the command line, wall time of `dac decode` on 258 frames: ./dac (Vector API) and plain java -jar.
# Machine, JDK, date and load average are printed before and after.
#
#   bench/onnx/compare.sh                                            # JDK on the PATH (or $JAVA_HOME)
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 bench/onnx/compare.sh  # another JDK
#
# Needs bench/target/benchmarks.jar (./mvnw -B -ntp package -DskipTests) and bench/onnx/export.sh's files.
# THREADS (2), FRAMES (86,258), RUNS (3), PAIRS (10) and JMH_OPTS (-f 1 -wi 2 -i 5 -w 1s -r 1s) override the defaults.
set -eu
cd "$(dirname -- "$0")/../.."
if [ -n "${JAVA_HOME:-}" ]; then java=$JAVA_HOME/bin/java; else java=$(command -v java); fi
threads=${THREADS:-2}
frames=${FRAMES:-86,258}
runs=${RUNS:-3}
pairs=${PAIRS:-10}
jmh_opts=${JMH_OPTS:--f 1 -wi 2 -i 5 -w 1s -r 1s}
out=bench/target/onnx
for f in bench/target/benchmarks.jar "$out/dac44.onnx" "$out/dac44.safetensors"; do
  if [ ! -f "$f" ]; then echo "compare.sh: $f: missing (./mvnw -B -ntp package -DskipTests; bench/onnx/export.sh)" >&2; exit 2; fi
done

echo "## $(date -u '+%Y-%m-%d %H:%M UTC'), $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs"
"$java" -version 2>&1 | head -2
echo "load before: $(cat /proc/loadavg)"

echo; echo "## 1. JMH, warm"
# shellcheck disable=SC2086 # JMH_OPTS is a list of options
"$java" -jar bench/target/benchmarks.jar 'DecodeBenchmark|OrtDecodeBenchmark' -jvm "$java" $jmh_opts \
    -p threads="$threads" -p chunkFrames=0 -p frames="$frames" -p onnx="$out/dac44.onnx"
echo "load: $(cat /proc/loadavg)"

echo; echo "## 2. LibraryTimings, fresh JVMs"
"$java" -cp bench/target/benchmarks.jar io.github.dac4j.bench.LibraryTimings --threads "$threads" --frames "$frames" --runs "$runs" --pairs "$pairs"
echo "load: $(cat /proc/loadavg)"

echo; echo "## 3. dac decode, 258 frames, whole, wall time of the command"
"$java" -jar cli/target/dac.jar --version >/dev/null 2>&1 || ./mvnw -B -ntp -q -pl cli -am package -DskipTests
if [ ! -f "$out/cli258.codes.npy" ]; then
  "${PYTHON:-/usr/bin/python3}" -c "import numpy as np; np.save('$out/cli258.codes.npy', np.random.default_rng(5).integers(0, 1024, (1, 9, 258)).astype(np.int64))"
fi
for how in launcher plain; do
  rm -f "$out/cli.wav" "$out/cli-$how.json"
  start=$(date +%s%N)
  if [ $how = launcher ]; then
    JAVA_HOME=$(dirname -- "$(dirname -- "$java")") DAC_JAVA_OPTS="-Ddac4j.cpu.threads=$threads" ./dac decode --device cpu \
        --chunk-frames 0 --weights "$out/dac44.safetensors" --codes "$out/cli258.codes.npy" --out "$out/cli.wav" --stats "$out/cli-$how.json" 2>/dev/null
  else
    "$java" "-Ddac4j.cpu.threads=$threads" -jar cli/target/dac.jar decode --device cpu \
        --chunk-frames 0 --weights "$out/dac44.safetensors" --codes "$out/cli258.codes.npy" --out "$out/cli.wav" --stats "$out/cli-$how.json" 2>/dev/null
  fi
  end=$(date +%s%N)
  echo "$how: $(( (end - start) / 1000000 )) ms wall; $(tr -d '\n ' < "$out/cli-$how.json" | sed 's/.*"kernels":"\([a-z]*\)".*"load_ms":\([0-9]*\).*"decode_ms":\([0-9]*\).*/kernels \1, load_ms \2, decode_ms \3/')"
done
echo "load after: $(cat /proc/loadavg)"
