"""Numba kernels of ABBA layers: two products per layer, fused with the activation.

An ABBA layer maps a pair of states ``(x, z)`` (each of shape (n_samples, n_in)) to
``(R(u), R(v))`` with ``u = x A + z B + b_u`` and ``v = x B + z A + b_v``, that is the
block matrix ``[[A, B], [B, A]]`` (row-vector convention) applied to ``[x, z]``. Four
products written so; two in the coordinates ``s = x + z``, ``d = x - z``::

    P = s (A + B),    Q = d (A - B),    u = (P + Q) / 2 + b_u,    v = (P - Q) / 2 + b_v

(``x A + z B = ((s + d) A + (s - d) B) / 2``). So every layer's output is stored as its
sum and difference ``(s, d) = (R(u) + R(v), R(u) - R(v))``: the next layer's two
products read them directly, and so do the weight gradients ``s^T delta_P``,
``d^T delta_Q`` (computed together by ``abba_gram``). The first layer sees the
doubled input ``[x, -x]``, that is ``s = 0`` and ``d = 2 x``: one product
``t = x (A - B)``, then ``u = t + b_u``, ``v = -t + b_v``.

The backward pass mirrors it. With ``g_s = dL/ds``, ``g_d = dL/dd`` of a layer's
output (``g_s = delta_P' (A' + B')^T``, ``g_d = delta_Q' (A' - B')^T`` from the layer
above, two products), ``dL/dx = g_s + g_d`` and ``dL/dz = g_s - g_d``; through the
activation ``delta_u = dL/dx R'(u)``, ``delta_v = dL/dz R'(v)``; and into this layer's
products ``delta_P = (delta_u + delta_v) / 2``, ``delta_Q = (delta_u - delta_v) / 2``.
``R'`` is read off the stored outputs (``x = (s + d) / 2``, ``z = (s - d) / 2``), so
no pre-activation is kept.

Activations (all odd, so their centre of symmetry is the origin and eq. (11)-(12) of
Vasilescu et al. (2024) reduce to ``b_v = -b_u`` in the equivalence with a signed
network), by code: ``IDENTITY``; ``TANH``, ``R' = 1 - R^2``; ``CAPPED_LEAKY_RELU``,
eq. (20): ``t`` for ``|t| <= cap``, else ``sign(t) (cap + slope (|t| - cap))``,
``R' = 1`` inside and ``slope`` outside (read off the output: ``|R| < cap`` inside).

Conventions are those of ``sknonneg._kernels.support`` (read its docstring): rows split into
``n_chunks`` blocks, one per numba thread, each doing its single-threaded BLAS
products and then the element-wise map while the block is in cache; results written
into ``*_out`` buffers, nothing allocated; values below ``FLUSH`` written as zeros;
every kernel compiled as ``<name>`` (parallel, cached on disk) and ``<name>_serial``.
``sknonneg._kernels.reference.abba`` holds the NumPy twin of each kernel. Launches are
counted: a thread launch costs little on an idle machine but a scheduling quantum
when the cores are shared, so column sums are fused into the backward kernel and an
inner layer's two weight gradients share one kernel.
"""

import numpy as np
from numba import prange

from .codes import CAPPED_LEAKY_RELU, FIRST, IDENTITY, INNER, LAST, TANH
from .support import (CACHE, _csr_rows_product, _as_type_of, _chunk, _flush, _tanh,
                      flavours, njit, serial_only)

__all__ = [
    "IDENTITY", "TANH", "CAPPED_LEAKY_RELU", "FIRST", "INNER", "LAST",
    "abba_input_forward", "abba_input_forward_serial",
    "csr_abba_input_forward", "csr_abba_input_forward_serial",
    "abba_forward", "abba_forward_serial",
    "abba_backprop", "abba_backprop_serial",
    "abba_gram", "abba_gram_serial",
    "abba_load_layer", "abba_coef_grad",
]



@njit(inline="always", cache=CACHE)
def _activate(t, activation, slope, cap):
    """R(t); ``slope`` and ``cap`` in the floating type of ``t``."""
    if activation == TANH:
        return _tanh(t)
    if activation == CAPPED_LEAKY_RELU:
        if t > cap:
            return cap + slope * (t - cap)
        if t < -cap:
            return -cap + slope * (t + cap)
        return t
    if activation == IDENTITY:
        return t
    # An unknown code is no activation: NaN, never another one's values.
    return _as_type_of(t, np.nan)


@njit(inline="always", cache=CACHE)
def _derivative_from_output(y, activation, slope, cap):
    """R'(t) from y = R(t): the stored outputs suffice for the backward pass."""
    one = _as_type_of(y, 1.0)
    if activation == TANH:
        return one - y * y
    if activation == CAPPED_LEAKY_RELU:
        # Strict: with slope == 0 every t beyond the cap maps to exactly +-cap.
        return one if abs(y) < cap else slope
    if activation == IDENTITY:
        return one
    return _as_type_of(y, np.nan)


@njit(inline="always", cache=CACHE)
def _input_activation_rows(start, stop, intercept_u, intercept_v, activation, slope,
                           cap, sum_out, diff_out):
    """Rows ``start:stop`` of ``diff_out`` (holding ``t = inputs @ coef_diff``):
    ``x = R(t + b_u)``, ``z = R(-t + b_v)``; writes ``sum_out = x + z``,
    ``diff_out = x - z``."""
    n_units = diff_out.shape[1]
    slope = _as_type_of(diff_out, slope)
    cap = _as_type_of(diff_out, cap)
    for i in range(start, stop):
        for j in range(n_units):
            t = diff_out[i, j]
            x = _activate(t + intercept_u[j], activation, slope, cap)
            z = _activate(intercept_v[j] - t, activation, slope, cap)
            sum_out[i, j] = _flush(x + z)
            diff_out[i, j] = _flush(x - z)


def _abba_input_forward(inputs, coef_diff, intercept_u, intercept_v, activation, slope,
                        cap, n_chunks, sum_out, diff_out):
    """First layer on the doubled input: t = inputs @ coef_diff,
    ``x = R(t + b_u)``, ``z = R(-t + b_v)``; writes ``sum_out = x + z``,
    ``diff_out = x - z``."""
    n_samples = diff_out.shape[0]
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        if start == stop:
            continue
        np.dot(inputs[start:stop], coef_diff, diff_out[start:stop])
        _input_activation_rows(start, stop, intercept_u, intercept_v, activation, slope,
                               cap, sum_out, diff_out)


def _csr_abba_input_forward(data, indices, indptr, coef_diff, intercept_u, intercept_v,
                            activation, slope, cap, n_chunks, sum_out, diff_out):
    """As ``abba_input_forward`` for CSR ``inputs`` given by its three arrays (the
    product as in ``csr_linear_sigmoid_forward``)."""
    n_samples, n_units = diff_out.shape
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        _csr_rows_product(data, indices, indptr, start, stop, coef_diff, diff_out)
        _input_activation_rows(start, stop, intercept_u, intercept_v, activation, slope,
                               cap, sum_out, diff_out)


def _abba_forward(sum_in, diff_in, coef_sum, coef_diff, intercept_u, intercept_v,
                  activation, slope, cap, n_chunks, sum_out, diff_out):
    """Inner ABBA layer: P = sum_in @ coef_sum, Q = diff_in @ coef_diff,
    ``x = R((P + Q) / 2 + b_u)``, ``z = R((P - Q) / 2 + b_v)``; writes
    ``sum_out = x + z``, ``diff_out = x - z``."""
    n_samples, n_units = diff_out.shape
    half = _as_type_of(diff_out, 0.5)
    slope = _as_type_of(diff_out, slope)
    cap = _as_type_of(diff_out, cap)
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        if start == stop:
            continue
        np.dot(sum_in[start:stop], coef_sum, sum_out[start:stop])
        np.dot(diff_in[start:stop], coef_diff, diff_out[start:stop])
        for i in range(start, stop):
            for j in range(n_units):
                p = half * sum_out[i, j]
                q = half * diff_out[i, j]
                x = _activate(p + q + intercept_u[j], activation, slope, cap)
                z = _activate(p - q + intercept_v[j], activation, slope, cap)
                sum_out[i, j] = _flush(x + z)
                diff_out[i, j] = _flush(x - z)


def _abba_backprop(delta_sum, coef_sum, delta_diff, coef_diff, sum_act, diff_act,
                   activation, slope, cap, use_sum, n_chunks, partial_sums,
                   delta_sum_out, delta_diff_out, sums_out):
    """Backpropagation through an ABBA layer into its two products.

    ``delta_sum``, ``delta_diff`` are dL/dP, dL/dQ of the layer above and
    ``coef_sum``, ``coef_diff`` its ``A + B``, ``A - B``; ``sum_act``, ``diff_act``
    this layer's outputs. With ``g_s = delta_sum @ coef_sum.T`` (zero when
    ``use_sum`` is false: the output layer reads only ``d``) and ``g_d = delta_diff @
    coef_diff.T``: ``delta_u = (g_s + g_d) R'(x)``, ``delta_v = (g_s - g_d) R'(z)``;
    writes ``delta_sum_out = (delta_u + delta_v) / 2`` and ``delta_diff_out =
    (delta_u - delta_v) / 2``, this layer's dL/dP and dL/dQ, and their column sums
    into ``sums_out[0]``, ``sums_out[1]`` (the intercepts' gradients need them; each
    chunk adds into ``partial_sums[c]`` of shape (2, n_units), reduced at the end, so
    no second pass and no second thread launch).
    """
    n_samples, n_units = delta_diff_out.shape
    half = _as_type_of(delta_diff_out, 0.5)
    slope = _as_type_of(delta_diff_out, slope)
    cap = _as_type_of(delta_diff_out, cap)
    coef_sum_T = coef_sum.T
    coef_diff_T = coef_diff.T
    for c in prange(n_chunks):
        for j in range(n_units):
            partial_sums[c, 0, j] = 0.0
            partial_sums[c, 1, j] = 0.0
        start, stop = _chunk(n_samples, n_chunks, c)
        if start == stop:
            continue
        if use_sum:
            np.dot(delta_sum[start:stop], coef_sum_T, delta_sum_out[start:stop])
        else:
            delta_sum_out[start:stop] = 0.0
        np.dot(delta_diff[start:stop], coef_diff_T, delta_diff_out[start:stop])
        for i in range(start, stop):
            for j in range(n_units):
                g_s = delta_sum_out[i, j]
                g_d = delta_diff_out[i, j]
                s = sum_act[i, j]
                d = diff_act[i, j]
                du = (g_s + g_d) * _derivative_from_output(half * (s + d), activation,
                                                           slope, cap)
                dv = (g_s - g_d) * _derivative_from_output(half * (s - d), activation,
                                                           slope, cap)
                dp = _flush(half * (du + dv))
                dq = _flush(half * (du - dv))
                delta_sum_out[i, j] = dp
                delta_diff_out[i, j] = dq
                partial_sums[c, 0, j] += dp
                partial_sums[c, 1, j] += dq
    for j in range(n_units):
        total_p = 0.0
        total_q = 0.0
        for c in range(n_chunks):
            total_p += partial_sums[c, 0, j]
            total_q += partial_sums[c, 1, j]
        sums_out[0, j] = total_p
        sums_out[1, j] = total_q


def _abba_gram(sum_in, diff_in, delta_sum, delta_diff, n_chunks, partial_sum,
               partial_diff, grad_sum_out, grad_diff_out):
    """``grad_sum_out = sum_in.T @ delta_sum`` and ``grad_diff_out = diff_in.T @
    delta_diff``: an inner layer's two weight gradients, dL/d(A + B) and dL/d(A - B).

    Each chunk of rows writes its partial products (buffers of shape (n_chunks,
    n_in, n_out)); one parallel loop then adds both up.
    """
    n_samples = delta_sum.shape[0]
    n_in, n_out = grad_sum_out.shape
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        if start == stop:
            partial_sum[c, :, :] = 0.0
            partial_diff[c, :, :] = 0.0
            continue
        np.dot(sum_in[start:stop].T, delta_sum[start:stop], partial_sum[c])
        np.dot(diff_in[start:stop].T, delta_diff[start:stop], partial_diff[c])
    for r in prange(n_in):
        for j in range(n_out):
            total_s = 0.0
            total_d = 0.0
            for c in range(n_chunks):
                total_s += partial_sum[c, r, j]
                total_d += partial_diff[c, r, j]
            grad_sum_out[r, j] = total_s
            grad_diff_out[r, j] = total_d




def _abba_load_layer(coef_a, coef_b, scale, with_sum, sum_out, diff_out):
    """``sum_out = scale (A + B)`` (when ``with_sum``), ``diff_out = scale (A - B)``:
    the float64 blocks of ``theta`` to the compute buffers in one pass."""
    n_in, n_out = coef_a.shape
    for r in range(n_in):
        for j in range(n_out):
            a = coef_a[r, j]
            b = coef_b[r, j]
            if with_sum:
                sum_out[r, j] = scale * (a + b)
            diff_out[r, j] = scale * (a - b)


def _abba_coef_grad(grad_sum, grad_diff, coef_a, coef_b, role, scale, l2, grad_a_out,
                    grad_b_out):
    """Gradient of a layer's blocks ``A``, ``B`` from those of its products.

    With ``G_S = dL/d(A + B)`` and ``G_D = dL/d(A - B)`` of the (scaled) products:
    ``G_A = G_S + G_D``, ``G_B = G_S - G_D`` (``INNER``); ``G_A = -G_B = 2 G_D`` for
    the ``FIRST`` layer, whose ``A - B`` meets ``x`` where the kernels hold ``d =
    2x``; ``G_A = -G_B = G_D / 2`` for the ``LAST`` one, whose buffer holds ``(A -
    B) / 2``. Writes ``grad_*_out = scale G + 2 l2 W`` and returns ``(l2 ||A, B||^2,
    <G_A, A> + <G_B, B>)``, the second for the chain rule through the Lipschitz
    scale.
    """
    n_in, n_out = coef_a.shape
    penalty = 0.0
    inner = 0.0
    for r in range(n_in):
        for j in range(n_out):
            gd = grad_diff[r, j]
            if role == INNER:
                gs = grad_sum[r, j]
                ga = gs + gd
                gb = gs - gd
            elif role == FIRST:
                ga = 2.0 * gd
                gb = -ga
            else:
                ga = 0.5 * gd
                gb = -ga
            a = coef_a[r, j]
            b = coef_b[r, j]
            inner += ga * a + gb * b
            penalty += a * a + b * b
            grad_a_out[r, j] = scale * ga + 2.0 * l2 * a
            grad_b_out[r, j] = scale * gb + 2.0 * l2 * b
    return l2 * penalty, inner


abba_input_forward, abba_input_forward_serial = flavours(_abba_input_forward)
csr_abba_input_forward, csr_abba_input_forward_serial = flavours(
    _csr_abba_input_forward)
abba_forward, abba_forward_serial = flavours(_abba_forward)
abba_backprop, abba_backprop_serial = flavours(_abba_backprop)
abba_gram, abba_gram_serial = flavours(_abba_gram)
abba_load_layer = serial_only(_abba_load_layer)
abba_coef_grad = serial_only(_abba_coef_grad)
