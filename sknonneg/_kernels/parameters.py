"""Parameter-sized kernels: far below the cost of a thread launch, serial only."""

import math

from .codes import ADAM_GRAD_CAP
from .support import NUMPY_ERRORS_OPTIONS, serial_only

__all__ = ["l2_penalty_grad_to", "projected_adam_step"]


def _l2_penalty_grad_to(coef, l2, grad_out, copy_out):
    """Adds ``2 * l2 * coef`` to ``grad_out``, writes each updated value also to
    ``copy_out`` and returns ``l2 * sum(coef ** 2)``.

    ``coef`` may be wider than ``grad_out`` (the first layer's weights with rows
    padded to whole cache lines, see ``layers.padded_width``): its first
    ``grad_out.shape[1]`` columns are read. ``copy_out`` is of ``grad_out``'s
    shape, in its own dtype: the float64 gradient block of the objective (for a
    ``grad_out`` in float32, or a split layer's ``coef_pos``), or ``grad_out``
    itself (a float64 fit's unsplit layer, whose gradient is written in place).

    The copy rides in the shadow of the sum of squares, whose order (and so whose
    latency, one addition after another) is fixed: one pass over the weights
    instead of two (measured in ``doc/engine.md``, "Kernels"), and no slower than
    the update alone where ``copy_out`` is ``grad_out`` (the one kernel of the L2
    penalty's gradient: a second one without the copy was the same loop)."""
    n_rows, n_cols = grad_out.shape
    total = 0.0
    for i in range(n_rows):
        for j in range(n_cols):
            w = coef[i, j]
            total += w * w
            grad_out[i, j] += 2.0 * l2 * w
            copy_out[i, j] = grad_out[i, j]
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

    Vectorised by the compiler (4 parameters an instruction with AVX2): each row
    is taken as views indexed from 0, the moments are written from locals, and
    the kernel is compiled with numba's ``error_model="numpy"`` (a division by
    zero gives IEEE's inf or nan, as the NumPy twin's, instead of numba's
    ZeroDivisionError check, a branch that kept the loop scalar; the divisor
    ``sqrt(v) + epsilon`` is never zero for ``epsilon > 0``). The same operations
    on every parameter: the same values, bit for bit (measured in
    ``doc/engine.md``, "Kernels").
    """
    n_rows = lower.shape[0]
    if n_rows == 0:
        return
    row_len = theta.shape[0] // n_rows
    for r in range(n_rows):
        low, high = lower[r], upper[r]
        start = r * row_len
        theta_r = theta[start:start + row_len]
        grad_r = grad[start:start + row_len]
        m_r = m[start:start + row_len]
        v_r = v[start:start + row_len]
        for i in range(row_len):
            g = min(max(grad_r[i], -ADAM_GRAD_CAP), ADAM_GRAD_CAP)
            m_i = beta_1 * m_r[i] + (1.0 - beta_1) * g
            v_i = beta_2 * v_r[i] + (1.0 - beta_2) * g * g
            m_r[i] = m_i
            v_r[i] = v_i
            t = theta_r[i] - learning_rate * m_i / (math.sqrt(v_i) + epsilon)
            theta_r[i] = min(max(t, low), high)


l2_penalty_grad_to = serial_only(_l2_penalty_grad_to)
projected_adam_step = serial_only(_projected_adam_step, options=NUMPY_ERRORS_OPTIONS)
