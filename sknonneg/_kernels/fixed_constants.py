"""Constants of the monotone ``exp`` of ``fixed`` and of its NumPy twin, importable
without numba (see ``sknonneg._kernels.fixed`` for the argument)."""

import math

__all__ = ["EXP_K_EPS_32", "EXP_K_EPS_64", "EXP_RANGE_32", "EXP_RANGE_64", "INV_LN2", "LN2_HI_32", "LN2_HI_64",
           "LN2_LO_32", "LN2_LO_64", "LOG_FLUSH", "TAYLOR_32", "TAYLOR_64"]

from .codes import FLUSH

LOG_FLUSH = math.log(FLUSH)
INV_LN2 = 1.4426950408889634
# fdlibm's split of ln2: ``k * LN2_HI`` is exact for |k| < 2^20 (float64), 2^11
# (float32).
LN2_HI_64, LN2_LO_64 = 6.93147180369123816490e-01, 1.90821492927058770002e-10
LN2_HI_32, LN2_LO_32 = 0.693359375, -2.12194440e-4
# Taylor coefficients 1/n! of exp on [0, ln2]: degree 16 (float64), 9 (float32), the
# truncation below 0.1 ulp.
TAYLOR_64 = tuple(1.0 / math.factorial(n) for n in range(17))
TAYLOR_32 = TAYLOR_64[:10]
# Arguments where exp and its factor 2^k stay normal and finite.
EXP_RANGE_64 = (-708.0, 709.0)
EXP_RANGE_32 = (-87.0, 88.0)
# Added to fl(x / ln2) before its floor: more than its rounding error (|x / ln2| <=
# 1023: 2.3e-13 in float64; <= 127: 1.5e-5 in float32), so that the floor is never
# too small; the one-too-large case is corrected in ``_exp``.
EXP_K_EPS_64 = 2.0 ** -40
EXP_K_EPS_32 = 2.0 ** -15
