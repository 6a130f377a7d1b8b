/*
 * without-avx512: an LD_PRELOAD library that makes a process see this CPU without AVX-512 (nor AMX), so that
 * HotSpot's JIT and ONNX Runtime's MLAS both pick their AVX2 code, as on an AVX2 machine (docs/BENCHMARKS.md, "An
 * AVX2 machine on an AVX-512 one"). Neither has a switch of its own for this: each asks the CPUID instruction.
 *
 * How: Linux's CPUID faulting (arch_prctl ARCH_SET_CPUID, 0; the "cpuid_fault" flag in /proc/cpuinfo) makes every
 * CPUID of this thread, and of the threads and children it creates, fault with SIGSEGV. The handler below runs the
 * real CPUID (faulting off for that instant), clears the AVX-512 and AMX feature bits, writes the registers back and
 * steps over the instruction. Any other SIGSEGV goes to the handler installed before this one, or kills the process
 * as it would have. A JVM keeps this handler and calls it for the faults that are not its own (HotSpot's
 * UseSignalChaining, on by default, saves handlers installed before it starts), so ONNX Runtime's CPUIDs, asked long
 * after the JVM's start, are answered too. Written for this project (bench/cpuid/without-avx512.sh runs a command
 * under it).
 *
 * What it cannot hide: XGETBV (the OS still saves ZMM state) and glibc's own choices, made before this library
 * loads. Both only matter to code that would pick AVX-512 without asking CPUID, and HotSpot and MLAS ask it.
 *
 * At exit it prints how many CPUID instructions it answered (DAC4J_CPUID_QUIET=1 keeps it silent).
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <cpuid.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

static struct sigaction previous;
static atomic_long answered;

/* Leaf 7, subleaf 0: the AVX-512 family in EBX, ECX and EDX, and AMX in EDX; subleaf 1: AVX512_BF16 in EAX. */
#define EBX7_AVX512 ((1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 30) | (1u << 31))
#define ECX7_AVX512 ((1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14))
#define EDX7_AVX512 ((1u << 2) | (1u << 3) | (1u << 8) | (1u << 23))
#define EDX7_AMX ((1u << 22) | (1u << 24) | (1u << 25))
#define EAX71_AVX512 (1u << 5)

static void answer(unsigned leaf, unsigned sub, unsigned r[4]) {
    syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);
    __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
    syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);
    if (leaf == 7 && sub == 0) {
        r[1] &= ~EBX7_AVX512;
        r[2] &= ~ECX7_AVX512;
        r[3] &= ~(EDX7_AVX512 | EDX7_AMX);
    } else if (leaf == 7 && sub == 1) {
        r[0] &= ~EAX71_AVX512;
    }
}

static void on_segv(int sig, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    greg_t *g = uc->uc_mcontext.gregs;
    const unsigned char *ip = (const unsigned char *) g[REG_RIP];
    /* a CPUID fault is a general protection fault: si_code SI_KERNEL, and the instruction at RIP is 0F A2 */
    if (info->si_code == SI_KERNEL && ip[0] == 0x0f && ip[1] == 0xa2) {
        unsigned r[4];
        answer((unsigned) g[REG_RAX], (unsigned) g[REG_RCX], r);
        g[REG_RAX] = r[0];
        g[REG_RBX] = r[1];
        g[REG_RCX] = r[2];
        g[REG_RDX] = r[3];
        g[REG_RIP] += 2;
        atomic_fetch_add(&answered, 1);
        return;
    }
    if (previous.sa_flags & SA_SIGINFO) {
        previous.sa_sigaction(sig, info, context);
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
    } else {
        signal(sig, SIG_DFL);   /* returning re-runs the faulting instruction, now fatal as usual */
    }
}

static void report(void) {
    const char *quiet = getenv("DAC4J_CPUID_QUIET");
    if (quiet == NULL || strcmp(quiet, "1") != 0) {
        fprintf(stderr, "without-avx512: answered %ld CPUID instructions without AVX-512 (pid %d)\n",
                atomic_load(&answered), (int) getpid());
    }
}

__attribute__((constructor)) static void start(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &previous) != 0) {
        perror("without-avx512: sigaction");
        _exit(2);
    }
    if (syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) != 0) {
        perror("without-avx512: CPUID faulting (arch_prctl ARCH_SET_CPUID) is not available on this machine");
        _exit(2);
    }
    atexit(report);
}
