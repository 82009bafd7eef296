"""Parameter-sized kernels: far below the cost of a thread launch, serial only."""

import math

from .codes import ADAM_GRAD_CAP
from .support import serial_only

__all__ = ["l2_penalty_grad", "projected_adam_step"]


def _l2_penalty_grad(coef, l2, grad_out):
    """Adds ``2 * l2 * coef`` to ``grad_out`` and returns ``l2 * sum(coef ** 2)``.

    ``coef`` may be wider than ``grad_out`` (the first layer's weights with rows
    padded to whole cache lines, see ``layers.padded_width``): its first
    ``grad_out.shape[1]`` columns are read."""
    n_rows, n_cols = grad_out.shape
    total = 0.0
    for i in range(n_rows):
        for j in range(n_cols):
            w = coef[i, j]
            total += w * w
            grad_out[i, j] += 2.0 * l2 * w
    return l2 * total


def _projected_adam_step(theta, grad, m, v, lower, upper, learning_rate, beta_1,
                         beta_2, epsilon):
    """One Adam step, then the projection onto the bounds, in one pass.

    The parameters are read as ``lower.shape[0]`` rows of equal length, row ``r``
    bounded by ``[lower[r], upper[r]]`` (one row per parameter, or one bound for a
    whole block of weights, or one per input feature: ``layout.Segment``), so no
    bound array of the size of ``theta`` is needed. ``learning_rate`` already
    carries the bias corrections; gradients enter the moments clipped to
    ``+-ADAM_GRAD_CAP``. Updates ``theta``, ``m`` and ``v`` in place. Eight
    NumPy passes over the parameters took as long as the loss and gradient of a
    128-row MNIST batch; this is one.
    """
    n_rows = lower.shape[0]
    if n_rows == 0:
        return
    row_len = theta.shape[0] // n_rows
    for r in range(n_rows):
        low, high = lower[r], upper[r]
        for i in range(r * row_len, (r + 1) * row_len):
            g = min(max(grad[i], -ADAM_GRAD_CAP), ADAM_GRAD_CAP)
            m[i] = beta_1 * m[i] + (1.0 - beta_1) * g
            v[i] = beta_2 * v[i] + (1.0 - beta_2) * g * g
            t = theta[i] - learning_rate * m[i] / (math.sqrt(v[i]) + epsilon)
            theta[i] = min(max(t, low), high)


l2_penalty_grad = serial_only(_l2_penalty_grad)
projected_adam_step = serial_only(_projected_adam_step)
