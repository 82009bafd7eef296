"""Plain NumPy twins of ``sknonneg._kernels.fixed``: the same operations in the same
order, so the same bits (the tests hold them equal with ``==``, not a tolerance).

Unlike the other twins, these are also the engine's fixed-order path for small
problems (``flavour_for``): a row's prediction must not depend on the flavour its
batch size picked. ``monotone_expit`` is the monotone sigmoid without flushing, for the
probabilities of a logistic output; ``monotone_exp`` the monotone ``exp``, for the
mean of a log-link output (``loss="poisson"``).
"""

import numpy as np

from ..codes import DENSE_ACTIVATION_CODES, FLUSH, IDENTITY, LOGISTIC, RELU, TANH
from ..fixed_constants import (EXP_K_EPS_32, EXP_K_EPS_64, EXP_RANGE_32, EXP_RANGE_64,
                               INV_LN2, LN2_HI_32, LN2_HI_64, LN2_LO_32, LN2_LO_64,
                               LOG_FLUSH, TAYLOR_32, TAYLOR_64)

__all__ = ["csr_fixed_order_product", "fixed_order_finish", "fixed_order_product",
           "monotone_exp", "monotone_expit"]


def _exp(x):
    """``exp`` of the float32 or float64 array ``x`` as ``fixed._exp`` computes it."""
    f = x.dtype.type
    if x.dtype == np.float64:
        (lo, hi), ln2_hi, ln2_lo, eps, taylor = (EXP_RANGE_64, LN2_HI_64, LN2_LO_64,
                                                 EXP_K_EPS_64, TAYLOR_64)
    else:
        (lo, hi), ln2_hi, ln2_lo, eps, taylor = (EXP_RANGE_32, LN2_HI_32, LN2_LO_32,
                                                 EXP_K_EPS_32, TAYLOR_32)
    x = np.minimum(np.maximum(x, f(lo)), f(hi))
    k = np.floor(x * f(INV_LN2) + f(eps))
    k -= np.where((x - k * f(ln2_hi)) - k * f(ln2_lo) < 0, f(1.0), f(0.0))
    r = np.maximum((x - k * f(ln2_hi)) - k * f(ln2_lo), f(0.0))
    p = np.full_like(x, taylor[-1])
    for c in taylor[-2::-1]:
        p = p * r + f(c)
    # A NaN x (input unchecked under scikit-learn's assume_finite=True) makes a NaN
    # k, whose cast is undefined: the result is NaN whatever the integer, and the
    # caller refuses it. Before, NumPy warned "invalid value encountered in cast"
    # first (the numba kernel casts silently).
    with np.errstate(invalid="ignore"):
        return np.ldexp(np.minimum(p, f(2.0)), k.astype(np.int32))


def _flush(values):
    return np.where(np.abs(values) < values.dtype.type(FLUSH), values.dtype.type(0.0),
                    values)


def _activate(t, activation_code):
    f = t.dtype.type
    if activation_code == LOGISTIC:
        bound = f(1.0 - LOG_FLUSH)
        t = np.minimum(np.maximum(t, -bound), bound)
        return _flush(f(1.0) / (f(1.0) + _exp(-t)))
    if activation_code == TANH:
        e = _exp(f(-2.0) * np.minimum(np.abs(t), f(-0.5 * LOG_FLUSH)))
        r = (f(1.0) - e) / (f(1.0) + e)
        return _flush(np.where(t >= 0, r, -r))
    if activation_code == RELU:
        return _flush(np.maximum(t, f(0.0)))
    if activation_code == IDENTITY:
        return _flush(t)
    raise ValueError(f"unknown activation code {activation_code!r}; expected one of "
                     f"{DENSE_ACTIVATION_CODES}")


def fixed_order_finish(intercept, gain, activation_code, hidden, n_chunks, out):
    t = out + intercept
    out[...] = _activate(out.dtype.type(gain) * t, activation_code) if hidden else t


# Every term at once (add.accumulate) for up to this many outputs (rows x units),
# in chunks of input columns of at most _BLOCK_TERMS terms (a core's cache); above
# it, a loop over the input columns, whose cost per column is then mostly the
# arithmetic rather than Python's (``benchmarks/fixed_order_numpy.py``).
ACCUMULATE_MAX_OUTPUTS = 1024
_BLOCK_TERMS = 1 << 17


def fixed_order_product(inputs, coef, n_chunks, out):
    n_samples, n_in = inputs.shape
    if n_in and out.size <= ACCUMULATE_MAX_OUTPUTS:
        # The terms x_k w_kj of a chunk of columns at once, summed over k by
        # add.accumulate, which adds in order (no pairwise summation), onto the
        # sum carried from the previous chunks, which starts at +0: ((0 + t_0) +
        # t_1) + ..., the kernel's order. A zero x_k that the kernel skips is a
        # term of +-0 here, which changes no such sum (it is never -0, and the
        # weights are finite). Before, small batches took the loop below: 1.9 ms
        # per layer for one row of 784 features.
        step = max(1, _BLOCK_TERMS // max(1, out.size))
        partial = np.zeros_like(out)
        for start in range(0, n_in, step):
            columns = slice(start, start + step)
            terms = inputs[:, columns, None] * coef[None, columns, :]
            np.add(partial, terms[:, 0], out=terms[:, 0])
            np.add.accumulate(terms, axis=1, out=terms)
            partial = terms[:, -1]
        out[...] = partial
        return
    out[...] = 0
    term = np.empty_like(out)
    for k in range(n_in):
        column = inputs[:, k]
        nonzero = column != 0
        if nonzero.any():
            np.multiply(column[:, None], coef[k], out=term)
            np.add(out, term, out=out, where=nonzero[:, None])


def csr_fixed_order_product(data, indices, indptr, coef, n_chunks, out):
    # The p-th stored value of every row at once, p = 0, 1, ...: each row's sum
    # in its stored (column) order.
    out[...] = 0
    counts = np.diff(indptr)
    for p in range(int(counts.max(initial=0))):
        rows = np.flatnonzero(counts > p)
        positions = indptr[rows] + p
        values = data[positions]
        keep = values != 0
        rows, positions, values = rows[keep], positions[keep], values[keep]
        out[rows] = out[rows] + values[:, None] * coef[indices[positions]]


def monotone_exp(z):
    """``exp(z)`` of a float64 (or float32) array, non-decreasing in ``z`` as
    computed (``_exp``: within an ulp of ``np.exp``, clamped to ``[-708, 709]`` in
    float64), for the mean of a log-link output."""
    return _exp(np.asarray(z))


def monotone_expit(z):
    """``1 / (1 + exp(-z))`` with the monotone ``exp``, not flushed: non-decreasing
    in ``z`` as computed, for the probabilities of a logistic output."""
    z = np.asarray(z)
    f = z.dtype.type
    return f(1.0) / (f(1.0) + _exp(-z))
