"""Dense layers: products fused with the activation, the loss and their derivatives.

Every kernel here splits the rows of its batch into ``n_chunks`` blocks, one per
numba thread (conventions in ``sknonneg._kernels.support``). The output kernels take
the loss as a code (``sknonneg._kernels.losses``), a hidden layer's
activation-sparsity penalty as its per-unit term ``activity_coef``: the hooks through
which ``sknonneg._engine`` reaches them.

A hidden layer computes ``a = f(gain * (x W + b))``, ``f`` given by its code
(``activation_code``, ``sknonneg._kernels.codes``): ``LOGISTIC`` (the sigmoid),
``TANH``, ``RELU`` (``max(t, 0)``) or ``IDENTITY``. A kernel taking the code has
two compiled variants (``support.PerActivation``): one for the logistic alone (the
code written for the sigmoid: its element maps ``_logistic_activate`` and
``_logistic_backprop_value``, passed to the helpers, are all that is typed and
compiled), and one that reads the code at run time for the others (``_activate``,
``_backprop_value``); a fit compiles the one its activation needs. Each activation is
non-decreasing, and its derivative is read off the output, so the backward pass
keeps no pre-activation: ``f'(t) * gain`` is ``gain a (1 - a)``, ``gain (1 - a^2)``,
``gain [a > 0]`` and ``gain``.

The kernel names still say "sigmoid", the activation they were written for.
"""

import numpy as np
from numba import prange, types
from numba.extending import overload

from .codes import IDENTITY, LOGISTIC, RELU, TANH
from .losses import _loss_rows
from .reductions import _reduce_chunks, _reduce_chunks_serial
from .support import (CACHE, _as_type_of, _chunk, _csr_rows_product, _flush, _sigmoid,
                      _tanh, flavours, njit)

__all__ = [
    "linear_sigmoid_forward", "linear_sigmoid_forward_serial",
    "linear_loss_grad", "linear_loss_grad_serial",
    "sigmoid_backprop", "sigmoid_backprop_serial",
    "linear_sigmoid_loss_backprop", "linear_sigmoid_loss_backprop_serial",
]


@njit(inline="always", cache=CACHE)
def _activate(t, activation_code):
    """The hidden activation ``f(t)`` of code ``activation_code``, in the floating
    type of ``t``; values below ``FLUSH`` written as zeros."""
    if activation_code == LOGISTIC:
        return _sigmoid(t)
    if activation_code == TANH:
        return _flush(_tanh(t))
    if activation_code == RELU:
        return _flush(max(t, _as_type_of(t, 0.0)))
    if activation_code == IDENTITY:
        return _flush(t)
    # An unknown code (an activation whose branch is missing) is no activation: NaN,
    # never another one's values (the layers refuse such a code before a kernel).
    return _as_type_of(t, np.nan)


@njit(inline="always", cache=CACHE)
def _backprop_value(upstream, a, gain, activation_code):
    """``upstream * gain * f'(t)`` written with ``a = f(t)`` (see the module
    docstring); the logistic product in the order it has always been computed."""
    one = _as_type_of(a, 1.0)
    if activation_code == LOGISTIC:
        return upstream * gain * a * (one - a)
    if activation_code == TANH:
        return upstream * gain * (one - a * a)
    if activation_code == RELU:
        return upstream * gain if a > _as_type_of(a, 0.0) else _as_type_of(a, 0.0)
    if activation_code == IDENTITY:
        return upstream * gain
    return _as_type_of(a, np.nan)


@njit(inline="always", cache=CACHE)
def _logistic_activate(t, activation_code):
    """``_activate`` of the logistic variant: the sigmoid, whatever the code."""
    return _sigmoid(t)


@njit(inline="always", cache=CACHE)
def _logistic_backprop_value(upstream, a, gain, activation_code):
    """``_backprop_value`` of the logistic variant."""
    return upstream * gain * a * (_as_type_of(a, 1.0) - a)


# The element maps a kernel passes to its helpers: the general ones, read the code at
# run time; the logistic variant of each kernel sees them rebound to the sigmoid's
# (``support.PerActivation``), so that it compiles nothing else.
_ACTIVATE, _BACKPROP_VALUE = _activate, _backprop_value
LOGISTIC_MAPS = {"_ACTIVATE": _logistic_activate,
                 "_BACKPROP_VALUE": _logistic_backprop_value}


@njit(inline="always", cache=CACHE)
def _sigmoid_rows(start, stop, intercept, gain, activate, activation_code,
                  sample_weight, activity_out, activation_out):
    """Rows ``start:stop`` of ``activation_out`` (holding ``inputs @ coef``) become
    ``f(gain * (. + intercept))``, ``f`` of code ``activation_code``; ``sum_i
    sample_weight[i] * a_ij`` is added to ``activity_out[j]`` (float64, one per unit).

    The total is kept per unit, not per row: a running sum over a row is a
    floating-point reduction, which keeps the loop scalar (about 5x slower for the
    sigmoid of 60k x 150 values).
    """
    n_units = activation_out.shape[1]
    for i in range(start, stop):
        w = sample_weight[i]
        for j in range(n_units):
            a = activate(gain * (activation_out[i, j] + intercept[j]), activation_code)
            activation_out[i, j] = a
            activity_out[j] += w * a


def _linear_sigmoid_forward(inputs, coef, intercept, gain, activation_code,
                            sample_weight, n_chunks, partial_activity, activation_out):
    """activation_out = f(gain * (inputs @ coef + intercept)), ``f`` of code
    ``activation_code`` (module docstring).

    Returns ``sum_i sample_weight[i] * sum_j activation_out[i, j]``, the weighted
    total activation that the sparsity penalty needs, at no second pass;
    ``partial_activity`` (float64, shape (n_chunks, n_units)) holds its per-chunk,
    per-unit parts.
    """
    n_samples, n_units = activation_out.shape
    gain = _as_type_of(activation_out, gain)
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        if start < stop:
            np.dot(inputs[start:stop], coef, activation_out[start:stop])
        partial_activity[c, :] = 0.0
        _sigmoid_rows(start, stop, intercept, gain, _ACTIVATE, activation_code,
                      sample_weight, partial_activity[c], activation_out)
    return partial_activity.sum()


def _linear_loss_grad(inputs, coef, intercept, y, loss, sample_weight, scale, n_chunks,
                      logits_out, delta_out):
    """Output layer and its loss: ``logits = inputs @ coef + intercept``, written in
    ``logits_out``; ``delta_out = dLoss/dlogits``; returns ``sum_i sw_i loss_i``.

    ``y`` is a float64 matrix for every loss (``sknonneg._kernels.losses``), one
    column of class indices for the softmax. ``loss`` is the code of the loss:
    softmax with negative log-likelihood of the class indices ``y[:, 0]``, with the
    log-sum-exp taken after subtracting the max, ``nll = lse - logits[y]`` and
    ``delta = scale * sw_i * (softmax(logits) - onehot(y))``; independent sigmoids
    with binary cross-entropy for a 0/1 indicator matrix ``y``: per entry, with t
    the logit, ``nll = max(t, 0) + log1p(exp(-|t|)) - y t`` (never overflows),
    ``delta = scale * sw_i * (sigmoid(t) - y)``; the squared error
    ``(t - y)^2 / 2``, ``delta = scale * sw_i * (t - y)``; the squared error after a
    sigmoid, ``(p - y)^2 / 2`` with ``p = sigmoid(t)``,
    ``delta = scale * sw_i * (p - y) p (1 - p)``.

    The loss rows come from ``losses.py`` (``_loss_rows``), and numba's disk cache
    checks the time stamp of this file only: a change to a loss row needs a change
    here too.
    """
    n_samples = logits_out.shape[0]
    total = 0.0
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        if start == stop:
            continue
        np.dot(inputs[start:stop], coef, logits_out[start:stop])
        total += _loss_rows(loss, start, stop, intercept, y, sample_weight, scale,
                            logits_out, delta_out)
    return total



@njit(inline="always", cache=CACHE)
def _sigmoid_backprop_rows(block_start, block_stop, upstream, activation, gain,
                           backprop_value, activation_code, activity_coef,
                           sample_weight, delta_out):
    """Rows ``block_start:block_stop`` of ``delta_out = (upstream + activity_coef *
    sw_i) * gain * f'``, ``upstream`` holding ``delta @ coef.T`` for the block and
    ``f'`` read off ``a = activation`` (``_backprop_value``); ``delta_out`` may be
    ``activation`` itself."""
    for i in range(block_start, block_stop):
        extra = _as_type_of(delta_out, activity_coef * sample_weight[i])
        row = upstream[i - block_start]
        for j in range(delta_out.shape[1]):
            delta_out[i, j] = _flush(backprop_value(row[j] + extra, activation[i, j],
                                                    gain, activation_code))


def _sigmoid_backprop(delta, coef, activation, gain, activation_code, activity_coef,
                      sample_weight, n_chunks, scratch, delta_out):
    """Backpropagation through a hidden layer into its pre-activations.

    delta_out = (delta @ coef.T + activity_coef * sw_i) * gain * f'(t), where
    ``delta`` is dLoss/d(pre-activation) of the layer above, ``coef`` that layer's
    weights, ``a = f(t)`` = ``activation`` this layer's output (``f'`` is read off
    it: ``gain * a * (1 - a)`` for the sigmoid, see the module docstring), and
    ``activity_coef * sw_i`` the derivative of the normalised activation-sparsity
    penalty.

    ``delta_out`` may be ``activation`` itself: the backward pass needs a layer's
    activations no more once this has run, so the objective overwrites them (one
    buffer per hidden layer instead of two: 72 MB less at 60k x 150 in float64, and
    as many fewer page faults on the first evaluation). ``delta @ coef.T`` goes to
    ``scratch`` (shape (n_chunks, block_rows, n_units)) a block of rows at a time
    and is combined from there while the block is in cache; one pass over
    ``delta_out`` instead of three (about a quarter less time on 60k x 150,
    float64).
    """
    n_samples = delta_out.shape[0]
    block_rows = scratch.shape[1]
    coef_T = coef.T
    gain = _as_type_of(delta_out, gain)
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        for block_start in range(start, stop, block_rows):
            block_stop = min(stop, block_start + block_rows)
            upstream = scratch[c, :block_stop - block_start]
            np.dot(delta[block_start:block_stop], coef_T, upstream)
            _sigmoid_backprop_rows(block_start, block_stop, upstream, activation, gain,
                                   _BACKPROP_VALUE, activation_code, activity_coef,
                                   sample_weight, delta_out)


@njit(inline="always", cache=CACHE)
def _sigmoid_output_backprop_block(block_start, block_stop, c, intercept, out_coef,
                                   out_intercept, y, loss, sample_weight, scale, gain,
                                   activate, backprop_value, activation_code,
                                   activity_coef, scratch,
                                   activity_out, partial_out_coef,
                                   partial_out_intercept, hidden_out, logits_out,
                                   delta_out):
    """Rows ``block_start:block_stop`` of ``hidden_out`` (holding ``inputs @ coef``)
    through the rest of a one-hidden-layer pass, while they are in cache: the
    activation (its weighted total added to ``activity_out``), the output layer and
    its loss (returns ``sum_i sw_i loss_i`` over the block), the output layer's
    weight gradient added to chunk ``c``'s partial sums (``partial_out_coef[c]``,
    stored transposed, as ``gram_colsum`` does), and the backpropagated delta
    written over the activations."""
    n_units = hidden_out.shape[1]
    n_outputs = logits_out.shape[1]
    n_rows = block_stop - block_start
    _sigmoid_rows(block_start, block_stop, intercept, gain, activate, activation_code,
                  sample_weight, activity_out, hidden_out)
    hidden = hidden_out[block_start:block_stop]
    np.dot(hidden, out_coef, logits_out[block_start:block_stop])
    block_loss = _loss_rows(loss, block_start, block_stop, out_intercept, y,
                            sample_weight, scale, logits_out, delta_out)
    delta = delta_out[block_start:block_stop]
    # The block's output-weight gradient goes through the scratch (at least
    # n_outputs rows, see backprop_scratch) before the scratch takes the upstream
    # gradient below.
    gram = scratch[c, :n_outputs]
    np.dot(delta.T, hidden, gram)
    partial = partial_out_coef[c].reshape((n_outputs, n_units))
    for k in range(n_outputs):
        for j in range(n_units):
            partial[k, j] += gram[k, j]
        for i in range(n_rows):
            partial_out_intercept[c, k] += delta[i, k]
    upstream = scratch[c, :n_rows]
    np.dot(delta, out_coef.T, upstream)
    _sigmoid_backprop_rows(block_start, block_stop, upstream, hidden_out, gain,
                           backprop_value, activation_code, activity_coef,
                           sample_weight, hidden_out)
    return block_loss


def _hidden_block_product(inputs, block_start, block_stop, coef, hidden_out):
    """``hidden_out[block] = inputs[block] @ coef`` for rows ``block_start:block_stop``:
    BLAS for a dense ``inputs``; for a CSR one, given as ``(data, indices, indptr)``,
    each stored value adds a row of ``coef`` (``_add_scaled_rows``), so ``coef`` may
    have padded rows. Chosen when the kernel is compiled."""


@overload(_hidden_block_product, inline="always")
def _hidden_block_product_overload(inputs, block_start, block_stop, coef, hidden_out):
    if isinstance(inputs, types.Array):
        def dense(inputs, block_start, block_stop, coef, hidden_out):
            np.dot(inputs[block_start:block_stop], coef,
                   hidden_out[block_start:block_stop])
        return dense

    def sparse(inputs, block_start, block_stop, coef, hidden_out):
        data, indices, indptr = inputs
        _csr_rows_product(data, indices, indptr, block_start, block_stop, coef, hidden_out)
    return sparse


@njit(inline="always", cache=CACHE)
def _sigmoid_loss_backprop_chunk(c, start, stop, inputs, coef, intercept, out_coef,
                                 out_intercept, y, loss, sample_weight, scale, gain,
                                 activate, backprop_value, activation_code,
                                 activity_coef, scratch,
                                 partial_activity, partial_out_coef,
                                 partial_out_intercept, hidden_out, logits_out,
                                 delta_out):
    """Chunk ``c`` (rows ``start:stop``) of ``linear_sigmoid_loss_backprop``, block
    by block; returns its data loss."""
    partial_activity[c, :] = 0.0
    partial_out_coef[c, :, :] = 0.0
    partial_out_intercept[c, :] = 0.0
    chunk_loss = 0.0
    for block_start in range(start, stop, scratch.shape[1]):
        block_stop = min(stop, block_start + scratch.shape[1])
        _hidden_block_product(inputs, block_start, block_stop, coef, hidden_out)
        chunk_loss += _sigmoid_output_backprop_block(
            block_start, block_stop, c, intercept, out_coef, out_intercept, y, loss,
            sample_weight, scale, gain, activate, backprop_value, activation_code,
            activity_coef, scratch,
            partial_activity[c], partial_out_coef, partial_out_intercept, hidden_out,
            logits_out, delta_out)
    return chunk_loss


def _linear_sigmoid_loss_backprop(inputs, coef, intercept, out_coef, out_intercept, y,
                                  loss, sample_weight, scale, gain, activation_code,
                                  activity_coef, n_chunks, scratch, partial_activity,
                                  partial_out_coef, partial_out_intercept,
                                  out_coef_grad_out, out_intercept_grad_out, hidden_out,
                                  logits_out, delta_out):
    """The last hidden layer, the output layer and their backward pass up to the
    hidden pre-activations, in one pass over blocks of rows.

    ``inputs``: a dense array, or a CSR matrix as the tuple ``(data, indices,
    indptr)`` (whose ``coef`` may have padded rows, as in
    ``csr_linear_sigmoid_forward``); the kernel is compiled for each.

    Computes what ``linear_sigmoid_forward``, ``linear_loss_grad``, ``gram_colsum``
    (output layer) and ``sigmoid_backprop`` compute one after the other, but each
    block of ``scratch.shape[1]`` rows goes through all four while it is in cache:
    the activations are read from memory once instead of four times (one 60k
    MNIST evaluation, 150 units, CSR input: 0.88x the time in float64, 0.89x in
    float32).

    On return ``hidden_out`` holds dLoss/d(pre-activation) of the hidden layer
    (the activations are overwritten block by block, as in ``sigmoid_backprop``),
    ``logits_out`` the logits, ``delta_out`` dLoss/dlogits, and
    ``out_coef_grad_out``, ``out_intercept_grad_out`` the output layer's gradient.
    Returns ``(sum_i sw_i loss_i, sum_i sw_i sum_j a_ij)``: the data loss and the
    weighted total activation. ``partial_activity`` (float64), ``partial_out_coef``
    (n_chunks blocks of n_outputs x n_units values, stored transposed) and
    ``partial_out_intercept`` are per-chunk sums.
    """
    gain = _as_type_of(hidden_out, gain)
    total = 0.0
    for c in prange(n_chunks):
        start, stop = _chunk(hidden_out.shape[0], n_chunks, c)
        total += _sigmoid_loss_backprop_chunk(
            c, start, stop, inputs, coef, intercept, out_coef, out_intercept, y, loss,
            sample_weight, scale, gain, _ACTIVATE, _BACKPROP_VALUE, activation_code,
            activity_coef, scratch,
            partial_activity, partial_out_coef, partial_out_intercept, hidden_out,
            logits_out, delta_out)
    _reduce_chunks(n_chunks, partial_out_coef, partial_out_intercept, out_coef_grad_out,
                   out_intercept_grad_out, out_coef.shape[0], out_coef.shape[1], True)
    return total, partial_activity.sum()


linear_sigmoid_forward, linear_sigmoid_forward_serial = flavours(
    _linear_sigmoid_forward, per_activation=LOGISTIC_MAPS)
linear_loss_grad, linear_loss_grad_serial = flavours(_linear_loss_grad)
sigmoid_backprop, sigmoid_backprop_serial = flavours(_sigmoid_backprop,
                                                     per_activation=LOGISTIC_MAPS)
linear_sigmoid_loss_backprop, linear_sigmoid_loss_backprop_serial = flavours(
    _linear_sigmoid_loss_backprop, {"_reduce_chunks": _reduce_chunks_serial},
    per_activation=LOGISTIC_MAPS)
