"""Plain NumPy twins of the numba kernels in ``sknonneg._kernels.dense``.

Written for clarity and allocating; the engine runs them on small problems
(``sknonneg._kernels.flavour_for``: they compile nothing), and the tests hold every
kernel equal to its twin in float32 and float64. Same signatures (``n_chunks`` and
the partial buffers are accepted and ignored), same outputs.
"""

import numpy as np
from scipy.special import expit, log_softmax

from ..codes import (DENSE_ACTIVATION_CODES, IDENTITY, LOGISTIC, LOGISTIC_NLL,
                     LOSS_CODES, RELU, SIGMOID_SQUARED_ERROR, SOFTMAX_NLL, SQUARED_ERROR,
                     TANH)
from .reductions import gram_colsum
from .support import _csr, _flush


def _activate(t, activation_code):
    """The hidden activation ``f(t)`` of code ``activation_code``, in float64."""
    if activation_code == LOGISTIC:
        return expit(t)
    if activation_code == TANH:
        return np.tanh(t)
    if activation_code == RELU:
        return np.maximum(t, 0.0)
    if activation_code == IDENTITY:
        return t
    raise ValueError(f"unknown activation code {activation_code!r}; expected one of "
                     f"{DENSE_ACTIVATION_CODES}")


def _backprop_value(upstream, a, gain, activation_code):
    """``upstream * gain * f'(t)`` written with ``a = f(t)``, in float64."""
    if activation_code == LOGISTIC:
        return upstream * gain * a * (1.0 - a)
    if activation_code == TANH:
        return upstream * gain * (1.0 - a * a)
    if activation_code == RELU:
        return np.where(a > 0.0, upstream * gain, 0.0)
    if activation_code == IDENTITY:
        return upstream * gain
    raise ValueError(f"unknown activation code {activation_code!r}; expected one of "
                     f"{DENSE_ACTIVATION_CODES}")


def linear_sigmoid_forward(inputs, coef, intercept, gain, activation_code, sample_weight,
                           n_chunks, partial_activity, activation_out):
    z = (inputs @ coef).astype(np.float64) + intercept
    activation_out[...] = _flush(_activate(gain * z, activation_code))
    return float(sample_weight @ activation_out.sum(axis=1, dtype=np.float64))


def linear_loss_grad(inputs, coef, intercept, y, loss, sample_weight, scale, n_chunks,
                     logits_out, delta_out):
    logits = (inputs @ coef).astype(np.float64) + intercept
    logits_out[...] = logits
    if loss == SOFTMAX_NLL:  # class indices, one column of float64
        labels = y[:, 0].astype(np.intp)
        log_p = log_softmax(logits, axis=1)
        rows = np.arange(logits.shape[0])
        grad = np.exp(log_p)
        # The true class's p - 1 as minus the other classes' p, as the kernel
        # writes it (p - 1 is exactly 0 once p rounds to 1).
        grad[rows, labels] = 0.0
        grad[rows, labels] = -grad.sum(axis=1)
        value = -log_p[rows, labels]
    elif loss == LOGISTIC_NLL:  # independent sigmoids, indicator matrix
        grad = expit(logits) - y
        value = (np.logaddexp(0.0, logits) - y * logits).sum(axis=1)
    elif loss == SIGMOID_SQUARED_ERROR:  # sigmoid outputs, squared error
        p = expit(logits)
        residual = p - y
        grad = residual * p * (1.0 - p)
        value = 0.5 * (residual ** 2).sum(axis=1)
    elif loss == SQUARED_ERROR:  # linear outputs, squared error
        grad = logits - y
        value = 0.5 * (grad ** 2).sum(axis=1)
    else:  # never another loss's values (the numba kernels return NaN)
        raise ValueError(f"unknown loss code {loss!r}; expected one of {LOSS_CODES}")
    delta_out[...] = _flush(scale * sample_weight[:, None] * grad)
    return float(sample_weight @ value)


def sigmoid_backprop(delta, coef, activation, gain, activation_code, activity_coef,
                     sample_weight, n_chunks, scratch, delta_out):
    a = activation.astype(np.float64)
    upstream = (delta @ coef.T).astype(np.float64) + activity_coef * sample_weight[:, None]
    delta_out[...] = _flush(_backprop_value(upstream, a, gain, activation_code))


def linear_sigmoid_loss_backprop(inputs, coef, intercept, out_coef, out_intercept, y,
                                 loss, sample_weight, scale, gain, activation_code,
                                 activity_coef, n_chunks, scratch, partial_activity,
                                 partial_out_coef, partial_out_intercept,
                                 out_coef_grad_out, out_intercept_grad_out, hidden_out,
                                 logits_out, delta_out):
    if isinstance(inputs, tuple):  # CSR as (data, indices, indptr), rows maybe padded
        inputs = _csr(*inputs, coef.shape[0])
        coef = coef[:, :intercept.shape[0]]
    activity = linear_sigmoid_forward(inputs, coef, intercept, gain, activation_code,
                                      sample_weight, 1, None, hidden_out)
    value = linear_loss_grad(hidden_out, out_coef, out_intercept, y, loss, sample_weight,
                             scale, 1, logits_out, delta_out)
    gram_colsum(hidden_out, delta_out, 1, None, None, out_coef_grad_out,
                out_intercept_grad_out)
    sigmoid_backprop(delta_out, out_coef, hidden_out, gain, activation_code,
                     activity_coef, sample_weight, 1, None, hidden_out)
    return value, activity
