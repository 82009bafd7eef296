"""The fixed-order forward step of prediction: a row's outputs depend on that row only.

Why. A monotone network (every layer after the first non-negative, the first one's
rows signed) is monotone in exact arithmetic; the computed network is monotone too
if every step is a monotone function of its inputs *as computed*. Rounding is
monotone (``x <= y`` implies ``fl(x) <= fl(y)``), so a sum taken in one fixed order,
``s_k = fl(s_{k-1} + fl(x_k w_k))``, is non-decreasing in every term, and a term is
non-decreasing in ``x_k`` when ``w_k >= 0`` (non-increasing when ``w_k <= 0``). BLAS
(``inputs @ coef``, the products of ``dense``) sums in an order that depends on the
row's place in its batch (edge tiles, chunks, gemv against gemm) and on the number
of threads: on COMPAS, two bit-identical hidden vectors gave logits 4.4e-16 apart,
and moving one feature in its direction lowered a probability by 1.1e-16.

What. For every row and output unit ``j``, in this order and nothing else:

1. ``s = 0``; for ``k = 0, 1, ..., n_in - 1`` with ``x_k != 0``: ``s = fl(s +
   fl(x_k w_kj))`` (a CSR row: its stored values, column order, the same sum);
2. ``t = fl(s + b_j)``;
3. a hidden layer: ``a = f(fl(gain * t))``; the output layer: ``t``.

Skipping ``x_k = 0`` changes no value (``fl(s + 0) = s``), so the dense and the CSR
forms agree bit for bit, and giving a zero input a value ``x_k >= 0`` (``w_k >= 0``)
inserts a term ``>= 0``, which cannot lower the sum. Every operation is a single
IEEE operation on scalars: the kernels are compiled without ``fastmath`` (no
fused multiply-add, no reassociation); only the loop over the output units ``j``,
which carries no sum, is vectorized. Rows are split into chunks as everywhere, and
which chunk or thread computes a row changes nothing. The NumPy twins
(``reference.fixed``) perform the same operations and give the same bits.

The activations, non-decreasing *as computed* (``_exp`` below; the sigmoid and tanh
of ``support`` use a faster ``exp`` whose polynomial is not proven monotone):

- ``_exp``: ``x = k ln2 + r`` with ``k = floor(x / ln2)``, so ``r >= 0``. ``k0 =
  floor(fl(fl(x / ln2) + eps))`` (``eps`` above the product's rounding error, so
  ``k0`` is the floor or one more) is non-decreasing in ``x``, and so is ``r(x, k)
  = fl(fl(x - k ln2_hi) - fl(k ln2_lo))`` for a fixed ``k``; ``k = k0 - [r(x, k0) <
  0]`` is then non-decreasing too (in the stretch of ``x`` where ``k0 = K``, ``k``
  is ``K - 1`` then ``K``), and on a stretch of constant ``k``, ``r = max(r(x, k),
  0)`` is non-decreasing. ``exp(r)`` is a Taylor polynomial with positive coefficients in
  Horner form: each step ``fl(fl(p r) + c)`` has ``p, r >= 0``, so it is
  non-decreasing in ``r``, and its value is ``>= 1``; it is clamped at ``<= 2``.
  Piece ``k`` thus maps into ``[2^k, 2^(k+1)]``, scaling by ``2^k`` is exact, and
  the pieces are ordered: ``exp`` is non-decreasing on the whole range (clamped
  to ``[-708, 709]`` in float64, ``[-87, 88]`` in float32, where ``2^k`` stays
  normal). Degree 16 (float64) and 9 (float32): truncation below 0.1 ulp on
  ``[0, ln2]``.
- sigmoid: ``t`` clamped to ``+-(1 - log(FLUSH))``; ``fl(1 / fl(1 + exp(-t)))``:
  non-increasing ``exp(-t)``, a sum and a reciprocal that reverse the order once
  more; values below ``FLUSH`` flushed to 0 (``x -> x if |x| >= FLUSH else 0`` is
  non-decreasing).
- tanh: ``r = fl(fl(1 - e) / fl(1 + e))`` with ``e = exp(-2 min(|t|, B))``, its
  numerator non-decreasing and denominator non-increasing in ``|t|``; ``-r`` for
  ``t < 0``; flushed.
- relu ``max(t, 0)`` and the identity, flushed.
"""

import numpy as np
from numba import prange
from numba.extending import overload

from .codes import IDENTITY, LOGISTIC, RELU, TANH
from .fixed_constants import (EXP_K_EPS_32, EXP_K_EPS_64, EXP_RANGE_32, EXP_RANGE_64,
                              INV_LN2, LN2_HI_32, LN2_HI_64, LN2_LO_32, LN2_LO_64,
                              LOG_FLUSH, TAYLOR_32, TAYLOR_64)
from .support import (CACHE, EXACT_OPTIONS, _as_type_of, _bits_as_float, _chunk,
                      _flush, flavours, njit)

__all__ = ["fixed_order_product", "fixed_order_product_serial",
           "csr_fixed_order_product", "csr_fixed_order_product_serial",
           "fixed_order_finish"]

# Rows per block of the dense kernel: a block's outputs stay in L1 while every
# input column adds one row of the weights to each of them.
_BLOCK_ROWS = 32


def _exp(x):
    """``exp(x)`` in the floating type of ``x``, non-decreasing as computed (see the
    module docstring); 2 ulp at most."""


@overload(_exp, inline="always")
def _exp_overload(x):
    import numba

    if x == numba.types.float64:
        c = TAYLOR_64
        lo, hi = EXP_RANGE_64

        # Horner written out step by step, here and below: a loop over the
        # coefficients (a tuple indexed at run time) made the sigmoid 2.7x slower.
        def impl(x):
            x = min(max(x, lo), hi)
            k = np.floor(x * INV_LN2 + EXP_K_EPS_64)
            k = k - np.float64((x - k * LN2_HI_64) - k * LN2_LO_64 < 0.0)
            r = max((x - k * LN2_HI_64) - k * LN2_LO_64, 0.0)
            p = c[16]
            p = p * r + c[15]
            p = p * r + c[14]
            p = p * r + c[13]
            p = p * r + c[12]
            p = p * r + c[11]
            p = p * r + c[10]
            p = p * r + c[9]
            p = p * r + c[8]
            p = p * r + c[7]
            p = p * r + c[6]
            p = p * r + c[5]
            p = p * r + c[4]
            p = p * r + c[3]
            p = p * r + c[2]
            p = p * r + c[1]
            p = p * r + c[0]
            return min(p, 2.0) * _bits_as_float((np.int64(k) + 1023) << 52)
        return impl
    if x == numba.types.float32:
        c = tuple(np.float32(v) for v in TAYLOR_32)
        lo, hi = np.float32(EXP_RANGE_32[0]), np.float32(EXP_RANGE_32[1])
        inv_ln2 = np.float32(INV_LN2)
        ln2_hi, ln2_lo = np.float32(LN2_HI_32), np.float32(LN2_LO_32)
        zero, two = np.float32(0.0), np.float32(2.0)
        eps = np.float32(EXP_K_EPS_32)

        def impl(x):
            x = min(max(x, lo), hi)
            k = np.floor(x * inv_ln2 + eps)
            k = k - np.float32((x - k * ln2_hi) - k * ln2_lo < zero)
            r = max((x - k * ln2_hi) - k * ln2_lo, zero)
            p = c[9]
            p = p * r + c[8]
            p = p * r + c[7]
            p = p * r + c[6]
            p = p * r + c[5]
            p = p * r + c[4]
            p = p * r + c[3]
            p = p * r + c[2]
            p = p * r + c[1]
            p = p * r + c[0]
            return min(p, two) * _bits_as_float(np.int32((np.int32(k) + np.int32(127))
                                                         << np.int32(23)))
        return impl


@njit(inline="always", cache=CACHE)
def _activate(t, activation_code):
    """The hidden activation of code ``activation_code`` with the monotone ``_exp``;
    values below ``FLUSH`` written as zeros."""
    one = _as_type_of(t, 1.0)
    if activation_code == LOGISTIC:
        bound = _as_type_of(t, 1.0 - LOG_FLUSH)
        t = min(max(t, -bound), bound)
        return _flush(one / (one + _exp(-t)))
    if activation_code == TANH:
        a = min(abs(t), _as_type_of(t, -0.5 * LOG_FLUSH))
        e = _exp(_as_type_of(t, -2.0) * a)
        r = (one - e) / (one + e)
        return _flush(r if t >= 0 else -r)
    if activation_code == RELU:
        return _flush(max(t, _as_type_of(t, 0.0)))
    if activation_code == IDENTITY:
        return _flush(t)
    return _as_type_of(t, np.nan)  # an unknown code: no activation (see ``dense``)


def _fixed_order_product(inputs, coef, n_chunks, out):
    """``out = inputs @ coef``, each entry summed over ``k`` in order, zeros skipped
    (module docstring); rows in blocks of ``_BLOCK_ROWS``."""
    n_samples, n_units = out.shape
    n_in = inputs.shape[1]
    zero = _as_type_of(out, 0.0)
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        for block_start in range(start, stop, _BLOCK_ROWS):
            block_stop = min(stop, block_start + _BLOCK_ROWS)
            for i in range(block_start, block_stop):
                for j in range(n_units):
                    out[i, j] = zero
            for k in range(n_in):
                row = coef[k]
                for i in range(block_start, block_stop):
                    value = inputs[i, k]
                    if value != zero:
                        for j in range(n_units):
                            out[i, j] += value * row[j]


def _csr_fixed_order_product(data, indices, indptr, coef, n_chunks, out):
    """As ``fixed_order_product`` for a CSR input (sorted column indices, no
    duplicates) given by its three arrays: the same sums, bit for bit."""
    n_samples, n_units = out.shape
    zero = _as_type_of(out, 0.0)
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        for i in range(start, stop):
            for j in range(n_units):
                out[i, j] = zero
            for p in range(indptr[i], indptr[i + 1]):
                value = data[p]
                if value != zero:
                    row = coef[indices[p]]
                    for j in range(n_units):
                        out[i, j] += value * row[j]


def _fixed_order_finish(intercept, gain, activation_code, hidden, n_chunks, out):
    """``out`` (holding the sums ``s``) becomes ``f(gain * (s + b))`` (``hidden``)
    or ``s + b``."""
    gain = _as_type_of(out, gain)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            t = out[i, j] + intercept[j]
            out[i, j] = _activate(gain * t, activation_code) if hidden else t


# Compiled without fastmath: ``support.flavours``' default allows contraction into
# fused multiply-adds.
fixed_order_product, fixed_order_product_serial = flavours(
    _fixed_order_product, options=EXACT_OPTIONS)
csr_fixed_order_product, csr_fixed_order_product_serial = flavours(
    _csr_fixed_order_product, options=EXACT_OPTIONS)
# Element-wise, a small part of the time: one (serial) flavour, half the compiling.
fixed_order_finish = njit(**EXACT_OPTIONS)(_fixed_order_finish)
