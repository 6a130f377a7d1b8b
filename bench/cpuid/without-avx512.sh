#!/bin/sh
# Runs a command as if this CPU had no AVX-512: every CPUID its processes execute answers without the AVX-512 and
# AMX feature bits, so HotSpot's JIT (UseAVX=2, 256-bit vectors, 16 registers) and ONNX Runtime's MLAS both take
# their AVX2 code, as on an AVX2 desktop or a Zen 3. See bench/cpuid/without-avx512.c for how, and docs/BENCHMARKS.md
# ("An AVX2 machine on an AVX-512 one") for what it is for.
#
#   bench/cpuid/without-avx512.sh bench/onnx/compare.sh
#   bench/cpuid/without-avx512.sh java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
#       io.github.dac4j.bench.OpTimes --frames 86 --threads 2 --peak
#
# Needs gcc (builds bench/target/cpuid/libwithout-avx512.so on first use) and Linux's CPUID faulting (the cpuid_fault
# flag: Intel CPUs from Ivy Bridge on, also under KVM; AMD from Zen 3 on). A JVM chains to the library's SIGSEGV
# handler by itself (HotSpot's UseSignalChaining, on by default, keeps handlers installed before the JVM's own).
# Each process prints at exit how many CPUID instructions it answered (DAC4J_CPUID_QUIET=1: silent).
set -eu
if [ $# -eq 0 ]; then echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; fi
here=$(cd "$(dirname -- "$0")" && pwd)
lib=$here/../target/cpuid/libwithout-avx512.so

flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
case " $flags " in
  *" avx512f "*) ;;
  *) echo "without-avx512.sh: this CPU has no AVX-512 already; running the command as it is" >&2; exec "$@" ;;
esac
case " $flags " in
  *" cpuid_fault "*) ;;
  *) echo "without-avx512.sh: this CPU or kernel has no CPUID faulting (no cpuid_fault in /proc/cpuinfo)" >&2; exit 2 ;;
esac

if [ ! -f "$lib" ] || [ "$here/without-avx512.c" -nt "$lib" ]; then
  mkdir -p "$(dirname -- "$lib")"
  gcc -O2 -Wall -Wextra -shared -fPIC -o "$lib" "$here/without-avx512.c"
fi

LD_PRELOAD="$(cd "$(dirname -- "$lib")" && pwd)/libwithout-avx512.so${LD_PRELOAD:+:$LD_PRELOAD}" exec "$@"
