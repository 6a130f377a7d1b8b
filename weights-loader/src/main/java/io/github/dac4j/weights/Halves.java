package io.github.dac4j.weights;

/**
 * Exact conversions between float32 and 16-bit floats (IEEE binary16, bfloat16), round to nearest even as
 * {@code cvt.rn.f16.f32} does: for safetensors data and for weights sent to a GPU in fp16.
 */
public final class Halves {
    private Halves() {}

    /** IEEE 754 binary16 -> float32, exact for every value including subnormals, infinities and NaN. */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16, exp = (bits >>> 10) & 0x1f, mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp != 0) return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
        if (mant == 0) return Float.intBitsToFloat(sign);
        float v = mant * 0x1p-24f; // subnormal: mant * 2^-24, exact in float32
        return sign == 0 ? v : -v;
    }

    /** float32 -> binary16, round to nearest even, overflow to infinity, NaN kept NaN. */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff, mant = bits & 0x7fffff;
        if (exp == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        int e = exp - 127 + 15;
        if (e >= 0x1f) return (short) (sign | 0x7c00);
        if (e <= 0) {
            if (e < -10) return (short) sign;
            mant |= 0x800000;
            int shift = 14 - e;
            int half = mant >>> shift, rest = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
            if (rest > mid || (rest == mid && (half & 1) != 0)) half++;
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) half++; // may carry into the exponent: correct
        return (short) (sign | half);
    }

    /** bfloat16 -> float32, exact for every value: the 16 bits become the top half of the float32. */
    public static float bf16ToFloat(short b) { return Float.intBitsToFloat((b & 0xffff) << 16); }

    /** float32 -> bfloat16, round to nearest even, NaN kept NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** Each element through {@link #floatToHalf}. */
    public static short[] floatsToHalves(float[] a) {
        short[] h = new short[a.length];
        for (int i = 0; i < a.length; i++) h[i] = floatToHalf(a[i]);
        return h;
    }
}
