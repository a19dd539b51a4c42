#!/usr/bin/env python3
"""Fit R(t) ~ (ln(1+t) - t)/t^2 on t in [sqrt(1/2) - 1, sqrt(2) - 1] (the mantissa range of
front.h's tenLog10) as a degree-7 polynomial, weighted so that the error of ln(1+t) = t + t^2 R(t)
is (nearly) minimax: least squares with Lawson-style reweighting. Prints the coefficients (t^0..t^7)
and the max error of ln before float32 rounding. Run with /usr/bin/python3 (numpy)."""
import numpy as np

DEG = 7
lo, hi = np.sqrt(0.5) - 1, np.sqrt(2) - 1


def r_exact(t):
    t = np.asarray(t, dtype=np.float64)
    out = np.empty_like(t)
    small = np.abs(t) < 1e-4
    ts = t[small]
    out[small] = -0.5 + ts / 3 - ts**2 / 4 + ts**3 / 5  # series where the quotient cancels badly
    tl = t[~small]
    out[~small] = (np.log1p(tl) - tl) / tl**2
    return out


x = np.linspace(lo, hi, 20001)
w = x**2  # error of ln = t^2 * error of R
V = np.vander(x, DEG + 1, increasing=True)
W = np.ones_like(x)
for _ in range(50):
    c, *_ = np.linalg.lstsq(V * (w * W)[:, None], r_exact(x) * w * W, rcond=None)
    err = np.abs((V @ c - r_exact(x)) * w)
    W = W * (err / err.max()) ** 0.5 + 1e-12
print('coefficients t^0..t^%d:' % DEG, ', '.join('%.9e' % v for v in c))
print('max |error of ln(1+t)|: %.3g' % np.abs((V @ c - r_exact(x)) * w).max())
