package io.github.dac4j.cuda;

/**
 * IEEE 754 binary16 conversions on the host (Java 17 has no {@code Float.floatToFloat16}): weights go to the
 * GPU in fp16, fp16 activations come back as float32. Rounding is to nearest, ties to even, as {@code cvt.rn.f16.f32}.
 */
final class Half {
    private Half() {}

    /** float32 -> binary16 bits, round to nearest even; overflow gives infinity, NaN stays NaN. */
    static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        int e = exp - 127 + 15;
        if (e >= 0x1f) return (short) (sign | 0x7c00);
        if (e <= 0) {
            if (e < -10) return (short) sign;                 // below half the smallest subnormal: +-0
            mant |= 0x800000;                                 // the implicit bit
            int shift = 14 - e;                               // 14..24
            int half = mant >>> shift;
            int rest = mant & ((1 << shift) - 1), midpoint = 1 << (shift - 1);
            if (rest > midpoint || (rest == midpoint && (half & 1) != 0)) half++;
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) half++;   // may carry into the exponent: right
        return (short) (sign | half);
    }

    /** binary16 bits -> float32, exactly. */
    static float toFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            float v = mant * 0x1p-24f;                        // subnormal (or zero): exact in float32
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Each element converted with {@link #fromFloat}. */
    static short[] fromFloats(float[] a) {
        short[] h = new short[a.length];
        for (int i = 0; i < a.length; i++) h[i] = fromFloat(a[i]);
        return h;
    }
}
