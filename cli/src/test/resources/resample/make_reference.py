"""scipy's resample_poly of a short chirp, for ResamplerQualityTest: jdsp's Resample must compute the same filter and
alignment. Writes chirp-<from>.npy (float32 input) and chirp-<from>-to-<to>.npy (scipy's output, float32).
Run: python3 make_reference.py (numpy, scipy; these files were made with scipy 1.17.1)."""
from math import gcd

import numpy as np
from scipy.signal import resample_poly

for src, dst in [(48000, 44100), (16000, 44100), (44100, 16000)]:
    n = 3000
    t = np.arange(n) / src
    x = (0.5 * np.sin(2 * np.pi * (50 * t + 0.45 * min(src, dst) / (2 * n / src) * t * t))).astype(np.float32)
    g = gcd(src, dst)
    y = resample_poly(x.astype(np.float64), dst // g, src // g, window=("kaiser", 5.0))
    np.save(f"chirp-{src}.npy", x)
    np.save(f"chirp-{src}-to-{dst}.npy", y.astype(np.float32))
