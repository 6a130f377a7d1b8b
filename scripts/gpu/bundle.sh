#!/usr/bin/env bash
# Packs what the CUDA tests need on a bare GPU machine (no Maven, no network, maybe no Java) into bundle/:
#   bundle/lib/          dac4j jars + runtime and test dependency jars (JCuda, JCudnn natives, JUnit)
#   bundle/tools/        junit-platform-console-standalone-1.11.4.jar
#   bundle/test-classes/ the kernels module's test classes and resources (fixtures included)
#   bundle/jre/          a jlinked Java 17 runtime, used only if the GPU machine has no java >= 17
# Run from anywhere: bash scripts/gpu/bundle.sh ; then on the GPU machine: bash scripts/gpu/run-all.sh
# (with the device tool: carry ["bundle"]). The bundle must stay <= 64 MiB; this script fails if it does not.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/bundle"
cd "$root"
MVN="${MVN:-mvn}"
rm -rf "$out"
mkdir -p "$out/lib" "$out/tools" "$out/test-classes"

# Build the modules (jars land in each module's target/; nothing is installed into ~/.m2) and copy their runtime
# dependencies in the same reactor run (outside it, Maven cannot resolve the uninstalled dac4j modules).
# JUnit needs no jars of its own: the console launcher bundles the platform and the Jupiter engine.
"$MVN" -q -pl kernels -am -DskipTests package dependency:copy-dependencies -DincludeScope=runtime \
    -DexcludeGroupIds=io.github.dac4j -DoutputDirectory="$out/lib"
for m in weights-loader core kernels; do
  cp "$m"/target/dac4j-*-0.1.0-SNAPSHOT.jar "$out/lib/"
done
cp core/target/dac4j-core-0.1.0-SNAPSHOT-tests.jar "$out/lib/"   # test helpers the kernels tests extend
rm -f "$out"/lib/*-sources.jar "$out"/lib/*-javadoc.jar
"$MVN" -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4 \
    -DoutputDirectory="$out/tools" -N
cp -r kernels/target/test-classes/. "$out/test-classes/"

# A runtime for machines without Java 17: the modules the jars need (jdeps), plus what JCuda and JUnit use
# reflectively or at run time.
modules="$(jdeps --multi-release 17 --ignore-missing-deps --print-module-deps \
    --class-path "$out/lib/*:$out/tools/*" "$out"/lib/dac4j-*.jar "$out/test-classes" 2>/dev/null || true)"
# java.desktop (~17 MiB) comes only from Jackson's optional java.beans support, which it skips when absent.
modules="$(echo "${modules:+$modules,}java.base,java.logging,java.management,jdk.unsupported,java.xml" | tr ',' '\n' \
    | grep -vx 'java.desktop' | sort -u | paste -sd, -)"
jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 --output "$out/jre"

cp "$root/scripts/gpu/run-all.sh" "$out/"
size=$(du -sb "$out" | cut -f1)
printf 'bundle: %s, %.1f MiB (limit 64 MiB); runtime modules: %s\n' "$out" "$(echo "$size / 1048576" | bc -l)" "$modules"
du -sh "$out"/* | sort -h
if [ "$size" -gt $((64 * 1024 * 1024)) ]; then echo "bundle is larger than 64 MiB" >&2; exit 1; fi
