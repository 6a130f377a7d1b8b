// Host check of the device math in dac4j.cu (compiled with -DDAC4J_HOST): |sin|, Snake and tanh in float32
// against libm in double, over a sweep of arguments. Run by kernels/scripts/build-ptx.sh --check; no GPU needed.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include "../../main/cuda/dac4j.cu"

static double ulp_err(float got, double want) {
    double ulp = std::ldexp(1.0, std::ilogb(std::fmax(std::fabs(want), 1e-30)) - 23);
    return std::fabs(got - want) / ulp;
}

int main() {
    double worstSin = 0, worstTanh = 0, worstSinAbs = 0;
    float atSin = 0, atTanh = 0;
    // sin: dense near zero, then up to 2e5 (past the Cody-Waite limit, into the double path)
    for (int i = -2000000; i <= 2000000; i++) {
        float a = i * 1e-4f;
        float b = i * 0.0731f;
        for (float x : {a, b}) {
            double want = std::fabs(std::sin((double) x));
            float got = dac4j_abs_sin(x);
            double abs = std::fabs(got - want);
            if (abs > worstSinAbs) worstSinAbs = abs;
            if (want > 1e-3) {
                double u = ulp_err(got, want);
                if (u > worstSin) { worstSin = u; atSin = x; }
            }
        }
    }
    for (int i = -1200000; i <= 1200000; i++) {
        float x = i * 1e-5f;
        double want = std::tanh((double) x);
        float got = dac4j_tanh(x);
        double u = ulp_err(got, want);
        if (u > worstTanh) { worstTanh = u; atTanh = x; }
    }
    std::printf("abs_sin: worst %.2f ulp (at %g), worst absolute error %.3g\n", worstSin, atSin, worstSinAbs);
    std::printf("tanh:    worst %.2f ulp (at %g)\n", worstTanh, atTanh);
    bool ok = worstSin <= 4 && worstTanh <= 4 && worstSinAbs <= 1e-6;
    std::printf("%s\n", ok ? "math check passed" : "math check FAILED");
    return ok ? 0 : 1;
}
