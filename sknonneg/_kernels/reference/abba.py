"""Plain NumPy twins of the numba kernels in ``sknonneg._kernels.abba``.

Slow and allocating, written for clarity; the tests hold every kernel equal to its
twin in float32 and float64. Same signatures (``n_chunks`` and the partial buffers
are accepted and ignored), same outputs.
"""

import numpy as np

from ..codes import ABBA_ACTIVATION_CODES, CAPPED_LEAKY_RELU, FIRST, IDENTITY, INNER, TANH
from .support import _csr, _flush


def activate(t, activation, slope, cap):
    """R(t), element-wise, in float64."""
    t = np.asarray(t, dtype=np.float64)
    if activation == TANH:
        return np.tanh(t)
    if activation == CAPPED_LEAKY_RELU:
        outside = np.sign(t) * (cap + slope * (np.abs(t) - cap))
        return np.where(np.abs(t) <= cap, t, outside)
    if activation == IDENTITY:
        return t.copy()
    raise ValueError(f"unknown activation code {activation!r}; expected one of "
                     f"{ABBA_ACTIVATION_CODES}")


def derivative_from_output(y, activation, slope, cap):
    """R'(t) written with y = R(t)."""
    y = np.asarray(y, dtype=np.float64)
    if activation == TANH:
        return 1.0 - y * y
    if activation == CAPPED_LEAKY_RELU:
        return np.where(np.abs(y) < cap, 1.0, slope)
    if activation == IDENTITY:
        return np.ones_like(y)
    raise ValueError(f"unknown activation code {activation!r}; expected one of "
                     f"{ABBA_ACTIVATION_CODES}")


def _store(x, z, sum_out, diff_out):
    sum_out[...] = _flush(x + z)
    diff_out[...] = _flush(x - z)


def abba_input_forward(inputs, coef_diff, intercept_u, intercept_v, activation, slope,
                       cap, n_chunks, sum_out, diff_out):
    t = (inputs @ coef_diff).astype(np.float64)
    x = activate(t + intercept_u, activation, slope, cap)
    z = activate(intercept_v - t, activation, slope, cap)
    _store(x, z, sum_out, diff_out)


def csr_abba_input_forward(data, indices, indptr, coef_diff, intercept_u, intercept_v,
                           activation, slope, cap, n_chunks, sum_out, diff_out):
    inputs = _csr(data, indices, indptr, coef_diff.shape[0])
    abba_input_forward(inputs, coef_diff, intercept_u, intercept_v, activation, slope,
                       cap, n_chunks, sum_out, diff_out)


def abba_forward(sum_in, diff_in, coef_sum, coef_diff, intercept_u, intercept_v,
                 activation, slope, cap, n_chunks, sum_out, diff_out):
    p = (sum_in @ coef_sum).astype(np.float64) / 2
    q = (diff_in @ coef_diff).astype(np.float64) / 2
    x = activate(p + q + intercept_u, activation, slope, cap)
    z = activate(p - q + intercept_v, activation, slope, cap)
    _store(x, z, sum_out, diff_out)


def abba_backprop(delta_sum, coef_sum, delta_diff, coef_diff, sum_act, diff_act,
                  activation, slope, cap, use_sum, n_chunks, partial_sums,
                  delta_sum_out, delta_diff_out, sums_out):
    g_d = (delta_diff @ coef_diff.T).astype(np.float64)
    g_s = (delta_sum @ coef_sum.T).astype(np.float64) if use_sum else np.zeros_like(g_d)
    s = sum_act.astype(np.float64)
    d = diff_act.astype(np.float64)
    du = (g_s + g_d) * derivative_from_output((s + d) / 2, activation, slope, cap)
    dv = (g_s - g_d) * derivative_from_output((s - d) / 2, activation, slope, cap)
    delta_sum_out[...] = _flush((du + dv) / 2)
    delta_diff_out[...] = _flush((du - dv) / 2)
    sums_out[0] = delta_sum_out.sum(axis=0, dtype=np.float64)
    sums_out[1] = delta_diff_out.sum(axis=0, dtype=np.float64)


def abba_gram(sum_in, diff_in, delta_sum, delta_diff, n_chunks, partial_sum,
              partial_diff, grad_sum_out, grad_diff_out):
    grad_sum_out[...] = sum_in.T @ delta_sum
    grad_diff_out[...] = diff_in.T @ delta_diff


def abba_load_layer(coef_a, coef_b, scale, with_sum, sum_out, diff_out):
    if with_sum:
        sum_out[...] = scale * (coef_a + coef_b)
    diff_out[...] = scale * (coef_a - coef_b)


def abba_coef_grad(grad_sum, grad_diff, coef_a, coef_b, role, scale, l2, grad_a_out,
                   grad_b_out):
    gd = grad_diff.astype(np.float64)
    if role == INNER:
        ga, gb = grad_sum + gd, grad_sum - gd
    else:
        ga = 2.0 * gd if role == FIRST else 0.5 * gd
        gb = -ga
    grad_a_out[...] = scale * ga + 2.0 * l2 * coef_a
    grad_b_out[...] = scale * gb + 2.0 * l2 * coef_b
    return (float(l2 * ((coef_a ** 2).sum() + (coef_b ** 2).sum())),
            float((ga * coef_a).sum() + (gb * coef_b).sum()))
