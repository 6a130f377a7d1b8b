#!/usr/bin/env bash
# Packs what the one-shot GPU run needs on a bare GPU machine (no Maven, no network, maybe no Java) into bundle/
# (gitignored), for the device tool: run(command: "bash bundle/run-all.sh", carry: ["bundle"], timeout_s: 600).
#   bundle/lib/           dac4j jars (weights-loader, core, kernels; core's test jar without its fixtures, which the
#                         run reads from the repository's core/src/test/resources/fixtures) and the runtime
#                         dependencies: Jackson, JCuda, JCudnn, jcuda-natives repacked with libJCudaDriver only
#                         (the runtime, NVRTC and nvPTXCompiler libraries are never loaded), jcudnn-natives
#   bundle/tools/         junit-platform-console-standalone (JUnit's launcher and engines)
#   bundle/test-classes/  the kernels module's test classes: the GPU tests, NativeSmoke, GpuRun
#   bundle/jre.tar.xz     a jlinked Java 17 runtime, unpacked on the GPU machine only where no java >= 17 is found
#   bundle/run-all.sh, peer.py, report.py   the run, its PyTorch peer, its report
# The device tool carries the tracked files of the checkout (plus untracked files that git does not ignore) and the
# carried bundle/, at most 64 MiB together: this script measures both and fails over the limit.
# Usage, from the checkout the session runs from: bash scripts/gpu/bundle.sh   (MVN=... to use another Maven)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/bundle"
cd "$root"
MVN="${MVN:-$root/mvnw}"
LIMIT=$((64 * 1024 * 1024))
rm -rf "$out"
mkdir -p "$out/lib" "$out/tools" "$out/test-classes"

# Build (jars in each module's target/; nothing installed into ~/.m2) and copy the runtime dependencies in the same
# reactor run (outside it, Maven cannot resolve the uninstalled dac4j modules). Tests are compiled, not run.
"$MVN" -B -ntp -q -pl kernels -am -DskipTests package dependency:copy-dependencies -DincludeScope=runtime \
    -DexcludeGroupIds=io.github.dac4j -DoutputDirectory="$out/lib"
"$MVN" -B -ntp -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4 \
    -DoutputDirectory="$out/tools" -N
for m in weights-loader core kernels; do cp "$m"/target/dac4j-"$m"-0.1.0-SNAPSHOT.jar "$out/lib/"; done
cp core/target/dac4j-core-0.1.0-SNAPSHOT-tests.jar "$out/lib/"   # test helpers the kernels tests use (Fixtures, Numerics)
rm -f "$out"/lib/*-sources.jar "$out"/lib/*-javadoc.jar
cp -r kernels/target/test-classes/. "$out/test-classes/"

# Drops entries from a jar (a zip): names matching any of the given regular expressions.
strip_jar() {
  python3 - "$@" <<'EOF'
import re, shutil, sys, zipfile
jar, patterns = sys.argv[1], [re.compile(p) for p in sys.argv[2:]]
tmp = jar + ".tmp"
with zipfile.ZipFile(jar) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
    for item in src.infolist():
        if not any(p.search(item.filename) for p in patterns):
            dst.writestr(item, src.read(item.filename))
shutil.move(tmp, jar)
EOF
}
# JCudaDriver is the only JCuda library the backend loads (JCudnn loads its own): 9.5 MB -> 0.4 MB.
strip_jar "$out"/lib/jcuda-natives-*-linux-x86_64.jar '^lib/libJ(NvPTXCompiler|Nvrtc|CudaRuntime)-'
# The fixtures travel once, in the tracked tree (core/src/test/resources/fixtures, found with -Ddac4j.fixtures).
strip_jar "$out"/lib/dac4j-core-0.1.0-SNAPSHOT-tests.jar '^(fixtures|golden)/'

# A runtime for machines without Java 17: the modules the jars need (jdeps), plus what is used reflectively or at
# run time: jdk.zipfs (JUnit reads jars as file systems), jdk.unsupported (JCuda), java.management and java.logging
# (JUnit). java.desktop (~17 MiB) comes only from Jackson's optional
# java.beans support, which it skips when absent. Uncompressed modules xz-compress far better than jlink's own zip.
modules="$(jdeps --multi-release 17 --ignore-missing-deps --print-module-deps \
    --class-path "$out/lib/*:$out/tools/*" "$out"/lib/dac4j-*.jar "$out/test-classes" 2>/dev/null || true)"
modules="$(echo "${modules:+$modules,}java.base,java.logging,java.management,jdk.unsupported,java.xml,jdk.zipfs" | tr ',' '\n' \
    | grep -vx 'java.desktop' | sort -u | paste -sd, -)"
jre="$(mktemp -d)/jre"
jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=0 --output "$jre"
tar -C "$(dirname "$jre")" -cf - jre | xz -9e -T0 > "$out/jre.tar.xz"
rm -rf "$(dirname "$jre")"

cp scripts/gpu/run-all.sh scripts/gpu/peer.py scripts/gpu/report.py "$out/"

# What a device call carries: the tracked files and untracked files git does not ignore, plus bundle/.
tree_bytes=$( (git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s -- 2>/dev/null || true) \
    | awk '{s += $1} END {print s + 0}')   # (a tracked file deleted from the tree counts nothing)
bundle_bytes=$(du -sb "$out" | cut -f1)
total=$((tree_bytes + bundle_bytes))
mib() { echo "$1" | awk '{printf "%.1f MiB", $1 / 1048576}'; }
echo "bundle: $out"
du -sh "$out"/* | sort -h
echo "runtime modules: $modules"
echo "device call: tracked tree $(mib "$tree_bytes") + bundle $(mib "$bundle_bytes") = $(mib "$total") (limit 64 MiB)"
if [ "$total" -gt "$LIMIT" ]; then echo "bundle.sh: the tree and bundle together exceed the device tool's 64 MiB" >&2; exit 1; fi
