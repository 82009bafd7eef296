"""The losses of the output layer, one row at a time: the hook of the output kernels.

A kernel that ends in a loss (``dense.linear_loss_grad``,
``dense.linear_sigmoid_loss_backprop``) takes the loss's integer ``code`` and calls
``_loss_rows`` per block of rows: given ``logits_out[i]`` holding ``inputs[i] @
coef``, a row adds the intercept, writes ``delta_out[i] = scale * sw_i *
dloss_i/dlogits`` and returns ``sw_i * loss_i``. The branch on the code is per
block of rows, outside the loops over rows.

The targets have one layout for every loss (``sknonneg._engine.losses``): a
C-contiguous float64 matrix, whose one column holds the class indices for
``SOFTMAX_NLL`` (exact in float64). So each output kernel is compiled once per input
kind and dtype, not once more per kind of targets: a second target type doubled the
signatures of the fused kernels, 5-25 CPU-seconds of compilation each.

Adding a loss here (a fused variant) is a row function, a code and a branch; until a
benchmark shows it pays, a loss can instead use the engine's generic path.
"""

import math

import numpy as np

from .support import (CACHE, _LOG_FLUSH, _OPTIONS, _as_type_of, _exp, _flush, _sigmoid,
                      njit)

__all__ = ["SOFTMAX_NLL", "LOGISTIC_NLL", "SQUARED_ERROR", "SIGMOID_SQUARED_ERROR"]

from .codes import LOGISTIC_NLL, SIGMOID_SQUARED_ERROR, SOFTMAX_NLL, SQUARED_ERROR


@njit(inline="always", cache=CACHE)
def _softmax_nll_row(i, intercept, y, sample_weight, scale, logits_out, delta_out):
    """Row ``i`` of a softmax output whose ``logits_out[i]`` holds ``inputs[i] @
    coef``, the class index in ``y[i, 0]``: adds the intercept, writes
    ``delta_out[i]``; returns ``sw_i nll_i``."""
    n_classes = logits_out.shape[1]
    log_flush = _as_type_of(logits_out, _LOG_FLUSH)
    zero = _as_type_of(logits_out, 0.0)
    zmax = _as_type_of(logits_out, -np.inf)
    for k in range(n_classes):
        v = logits_out[i, k] + intercept[k]
        logits_out[i, k] = v
        zmax = max(zmax, v)
    sum_exp = 0.0
    for k in range(n_classes):
        shifted = logits_out[i, k] - zmax
        # A select, not a branch around exp: see _sigmoid.
        e = _exp(max(shifted, log_flush))
        sum_exp += e if shifted > log_flush else 0.0
    log_sum = math.log(sum_exp)
    # (logit - max) - log_sum, not logit - (max + log_sum): max + log_sum is rounded
    # to the magnitude of the largest logit (in float32 always; in float64 the
    # log-sum vanished from logits of about 1e16).
    log_sum_typed = _as_type_of(logits_out, log_sum)
    label = np.int64(y[i, 0])
    w = _as_type_of(logits_out, sample_weight[i] * scale)
    for k in range(n_classes):
        log_p = (logits_out[i, k] - zmax) - log_sum_typed
        p = _exp(max(log_p, log_flush))
        delta_out[i, k] = _flush(w * p) if log_p > log_flush else zero
    # Two plain loops around the label, not a select in the loop above (which timed
    # 25-45% slower there, 10 classes, on a loaded machine).
    others = 0.0
    for k in range(label):
        others += delta_out[i, k]
    for k in range(label + 1, n_classes):
        others += delta_out[i, k]
    # The true class's delta is w (p - 1) = -(the other classes' deltas), written
    # so: w p - w is exactly 0 once p rounds to 1 (in float32 from a logit margin of
    # about 17), which left a confidently right row's deltas summing to w (1 - p) > 0,
    # a systematic bias of the intercept's and weights' gradients. Now a row sums to
    # 0 up to the rounding of the one sum.
    delta_out[i, label] = _as_type_of(logits_out, -others)
    return sample_weight[i] * ((float(zmax) - float(logits_out[i, label])) + log_sum)


@njit(inline="always", cache=CACHE)
def _logistic_nll_row(i, intercept, y, sample_weight, scale, logits_out, delta_out):
    """Row ``i`` of independent sigmoid outputs (``y`` a 0/1 indicator matrix),
    as ``_softmax_nll_row``."""
    row = 0.0
    w = sample_weight[i] * scale
    for k in range(logits_out.shape[1]):
        t = logits_out[i, k] + intercept[k]
        logits_out[i, k] = t
        target = y[i, k]
        row += max(t, 0.0) - target * t
        if -abs(t) > _LOG_FLUSH:
            row += math.log1p(math.exp(-abs(t)))
        delta_out[i, k] = _flush(_as_type_of(logits_out, w * (_sigmoid(t) - target)))
    return sample_weight[i] * row


@njit(inline="always", cache=CACHE)
def _squared_error_row(i, intercept, y, sample_weight, scale, logits_out, delta_out):
    """Row ``i`` of a linear output with the squared error ``(t - y)^2 / 2`` summed
    over outputs (``y`` a float matrix), as ``_softmax_nll_row``. One pass, its sum
    kept in it: nothing in it is costly enough for the two passes of
    ``_sigmoid_squared_error_row`` to pay (they made a wide linear decoder's fused
    kernel 9% slower, ``benchmarks/results/loss_rows_paired.md``)."""
    row = 0.0
    w = sample_weight[i] * scale
    for k in range(logits_out.shape[1]):
        t = logits_out[i, k] + intercept[k]
        logits_out[i, k] = t
        residual = t - y[i, k]
        row += 0.5 * residual * residual
        delta_out[i, k] = _flush(_as_type_of(logits_out, w * residual))
    return sample_weight[i] * row


@njit(inline="always", cache=CACHE)
def _sigmoid_squared_error_row(i, intercept, y, sample_weight, scale, logits_out,
                               delta_out, residual_out):
    """Row ``i`` of a sigmoid output with the squared error ``(p - y)^2 / 2``, ``p =
    sigmoid(t)``, summed over outputs (an autoencoder's sigmoid decoder), as
    ``_softmax_nll_row``; the delta is ``(p - y) p (1 - p)``; ``residual_out``
    (float64, one per output) is scratch (``_loss_rows``)."""
    w = sample_weight[i] * scale
    for k in range(logits_out.shape[1]):
        t = logits_out[i, k] + intercept[k]
        logits_out[i, k] = t
        p = _sigmoid(t)
        residual = p - y[i, k]
        residual_out[k] = residual
        delta_out[i, k] = _flush(_as_type_of(logits_out, w * residual * p * (1.0 - p)))
    return sample_weight[i] * _half_sum_of_squares(residual_out, logits_out.shape[1])


@njit(inline="always", cache=CACHE)
def _half_sum_of_squares(residuals, n):
    """``sum_k residuals[k]^2 / 2`` over ``k < n``, in order. A second pass, so that
    the first, which holds the sigmoid and the deltas, has no running sum and
    vectorizes: with the sum in it, the sigmoid decoder's loss rows ran scalar, 13 ns
    an element, two thirds of a Reuters autoencoder's fused kernel besides its
    products. Each term is written as before (``0.5 * r * r`` added to the sum), so
    the loss is the same to the bit."""
    row = 0.0
    for k in range(n):
        row += 0.5 * residuals[k] * residuals[k]
    return row


# numba's NumPy error model: with Python's, every division (the sigmoid's) carries a
# zero-division check that keeps the loop over outputs scalar. No division here can
# have a zero divisor (``_sigmoid``'s is at least 1). A function of its own, so that
# the other losses' rows are compiled exactly as before.
@njit(**dict(_OPTIONS, error_model="numpy"))
def _sigmoid_squared_error_rows(start, stop, intercept, y, sample_weight, scale,
                                logits_out, delta_out):
    """``_loss_rows`` of ``SIGMOID_SQUARED_ERROR``."""
    # One scratch row per block of rows (one allocation per call, not per row).
    residuals = np.empty(logits_out.shape[1], dtype=np.float64)
    total = 0.0
    for i in range(start, stop):
        total += _sigmoid_squared_error_row(i, intercept, y, sample_weight, scale,
                                            logits_out, delta_out, residuals)
    return total


# Called, not inlined, once per block of rows: the four rows inlined into each output
# kernel made numba's compilation of the parallel ones 1.7x longer (a parfor's
# analyses grow with the size of its loop body); called, they are compiled once per
# dtype for every output kernel and flavour. A call per row cost 7-17% of
# ``linear_loss_grad``'s time; one per block costs nothing measurable. Compiled with
# the kernels' options (``support._OPTIONS``).
@njit(**_OPTIONS)
def _loss_rows(loss, start, stop, intercept, y, sample_weight, scale, logits_out,
               delta_out):
    """Rows ``start:stop`` of the loss with code ``loss`` (see the module docstring);
    returns ``sum_i sw_i loss_i`` over them, added in row order."""
    total = 0.0
    if loss == SOFTMAX_NLL:
        for i in range(start, stop):
            total += _softmax_nll_row(i, intercept, y, sample_weight, scale, logits_out,
                                      delta_out)
    elif loss == SQUARED_ERROR:
        for i in range(start, stop):
            total += _squared_error_row(i, intercept, y, sample_weight, scale,
                                        logits_out, delta_out)
    elif loss == SIGMOID_SQUARED_ERROR:
        total = _sigmoid_squared_error_rows(start, stop, intercept, y, sample_weight,
                                            scale, logits_out, delta_out)
    elif loss == LOGISTIC_NLL:
        for i in range(start, stop):
            total += _logistic_nll_row(i, intercept, y, sample_weight, scale,
                                       logits_out, delta_out)
    else:
        # An unknown code (a loss whose branch is missing) computes no loss: NaN,
        # loss and deltas, never another loss's values (the engine refuses such a
        # code before a kernel sees it: ``check_loss_code``).
        total = np.nan
        for i in range(start, stop):
            for k in range(delta_out.shape[1]):
                delta_out[i, k] = np.nan
    return total
