"""Losses of the output layer, chosen by name (``get_loss``), never by the shape of y.

A loss says how it wants its targets (``prepare_targets``) and reaches the fused
output kernels through its ``code`` (``sknonneg._kernels.losses``), where one row of
logits becomes ``sw_i * loss_i`` and the delta ``scale * sw_i * dloss_i/dlogits``.
A loss with no kernel code (``code = None``) takes the generic path: the objective
computes the logits and calls its ``value_grad``; that is all a new loss needs until
a fused row pays for itself in a benchmark.

For every loss here ``value_grad`` is also written out in NumPy: it documents the
maths, and the tests hold the kernels to it.
"""

import numpy as np
from scipy.special import expit, log_softmax

from .._kernels import LOGISTIC_NLL, SIGMOID_SQUARED_ERROR, SOFTMAX_NLL, SQUARED_ERROR

__all__ = ["Loss", "SoftmaxNLL", "LogisticNLL", "SquaredError", "SigmoidSquaredError",
           "get_loss"]


class Loss:
    """Base class: ``code`` (kernel hook or None), ``prepare_targets``, ``value_grad``."""

    name = None
    code = None

    def prepare_targets(self, y):
        """Targets as a C-contiguous float64 matrix of shape (n_samples, n_outputs):
        the one layout the output kernels take for every loss, so that each is
        compiled once per input kind and dtype (``sknonneg._kernels.losses``)."""
        y = np.asarray(y, dtype=np.float64)
        return np.ascontiguousarray(y.reshape(y.shape[0], -1))

    def value_grad(self, logits, y):
        """``(loss per sample, dloss/dlogits)``, float64, of shapes (n_samples,) and
        (n_samples, n_outputs)."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class SoftmaxNLL(Loss):
    """Softmax with the negative log-likelihood of class indices ``y``:
    ``nll = logsumexp(z) - z[y]``, ``dnll/dz = softmax(z) - onehot(y)``.

    The class indices are prepared as one float64 column (``prepare_targets``: the
    layout of every loss's targets; indices are exact in float64)."""

    name = "softmax"
    code = SOFTMAX_NLL

    def prepare_targets(self, y):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] != 1:
            raise ValueError(f"softmax targets are class indices, one per sample; "
                             f"got an array of shape {y.shape}")
        return super().prepare_targets(y)

    def value_grad(self, logits, y):
        labels = np.asarray(y).reshape(-1).astype(np.intp)
        log_p = log_softmax(logits, axis=1)
        rows = np.arange(logits.shape[0])
        grad = np.exp(log_p)
        grad[rows, labels] -= 1.0
        return -log_p[rows, labels], grad


class LogisticNLL(Loss):
    """Independent sigmoids with the binary cross-entropy of a 0/1 matrix ``y``
    (binary and multilabel), summed over outputs: per entry
    ``max(z, 0) + log1p(exp(-|z|)) - y z``, derivative ``sigmoid(z) - y``."""

    name = "logistic"
    code = LOGISTIC_NLL

    def value_grad(self, logits, y):
        return ((np.logaddexp(0.0, logits) - y * logits).sum(axis=1),
                expit(logits) - y)


class SquaredError(Loss):
    """Half the squared error summed over outputs, ``|z - y|^2 / 2``, derivative
    ``z - y``: for regressors and reconstruction."""

    name = "squared_error"
    code = SQUARED_ERROR

    def value_grad(self, logits, y):
        residual = logits - y
        return 0.5 * (residual ** 2).sum(axis=1), residual


class SigmoidSquaredError(Loss):
    """Half the squared error after a sigmoid, summed over outputs:
    ``|sigmoid(z) - y|^2 / 2``, derivative ``(p - y) p (1 - p)`` with ``p =
    sigmoid(z)``: the reconstruction loss of a sigmoid decoder (inputs in [0, 1],
    NCAE's). Fused (kernel code): the generic NumPy path took 3-5x the time of an
    evaluation on 10k MNIST rows, 64 units."""

    name = "sigmoid_squared_error"
    code = SIGMOID_SQUARED_ERROR

    def value_grad(self, logits, y):
        p = expit(logits)
        residual = p - y
        return 0.5 * (residual ** 2).sum(axis=1), residual * p * (1.0 - p)


_LOSSES = {
    "softmax": SoftmaxNLL,
    "softmax_nll": SoftmaxNLL,
    "logistic": LogisticNLL,
    "logistic_nll": LogisticNLL,
    "squared_error": SquaredError,
    "sigmoid_squared_error": SigmoidSquaredError,
}


def get_loss(loss):
    """The loss named ``loss`` (an estimator's ``output``), or ``loss`` itself if it is
    a ``Loss``."""
    if isinstance(loss, Loss):
        return loss
    try:
        return _LOSSES[loss]()
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss {loss!r}; expected one of "
                         f"{sorted(_LOSSES)} or a Loss") from None
