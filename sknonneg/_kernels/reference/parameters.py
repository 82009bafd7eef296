"""Plain NumPy twins of the numba kernels in ``sknonneg._kernels.parameters``.

Written for clarity and allocating; the engine runs them on small problems
(``sknonneg._kernels.flavour_for``: they compile nothing), and the tests hold every
kernel equal to its twin in float32 and float64. Same signatures (``n_chunks`` and
the partial buffers are accepted and ignored), same outputs.
"""

import numpy as np

from ..codes import ADAM_GRAD_CAP


def l2_penalty_grad_to(coef, l2, grad_out, copy_out):
    coef = coef[:, :grad_out.shape[1]]
    grad_out += 2.0 * l2 * coef
    copy_out[...] = grad_out
    return float(l2 * np.sum(coef.astype(np.float64) ** 2))


def projected_adam_step(theta, grad, m, v, lower, upper, learning_rate, beta_1, beta_2,
                        epsilon):
    # The cap is beyond float32's range: a float32 gradient's clip casts it to inf
    # (NumPy warns of the overflow) and leaves the gradient as the kernel does,
    # whose clipped float64 value rounds back to the same float32 one.
    with np.errstate(over="ignore"):
        grad = np.clip(grad, -ADAM_GRAD_CAP, ADAM_GRAD_CAP)
    m *= beta_1
    m += (1 - beta_1) * grad
    v *= beta_2
    v += (1 - beta_2) * grad * grad
    theta -= learning_rate * m / (np.sqrt(v) + epsilon)
    if lower.shape[0]:
        rows = theta.reshape(lower.shape[0], -1)
        np.clip(rows, lower[:, None], upper[:, None], out=rows)
