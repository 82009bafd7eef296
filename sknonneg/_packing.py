"""Map a list of dense layers to and from one flat float64 vector ``theta``.

A layer ``l`` has ``coef`` of shape ``(n_in, n_out)`` and a free ``intercept`` of
shape ``(n_out,)``. Each coef carries a sign constraint per input row (``+1``: >= 0,
``-1``: <= 0, ``0``: free); a constraint on the whole block is the same value on
every row. The constraints become the ``bounds`` of L-BFGS-B.

L1 is exact here. On a bounded weight ``|w|`` is linear (``w`` or ``-w``), so the
penalty is the linear function ``c @ theta``, smooth for L-BFGS-B. A free weight with
an L1 penalty is split into ``w = w_pos - w_neg`` with ``w_pos, w_neg >= 0``; then
``|w| = w_pos + w_neg`` at every optimum and the penalty is again linear. So the L1
term of the objective is ``l1_linear @ theta`` with gradient ``l1_linear``, whatever
the constraints, and no sub-gradient ever reaches the optimizer.
"""

import numpy as np

__all__ = ["ParameterLayout"]


class ParameterLayout:
    """Where each layer's parameters live in ``theta``, their bounds and L1 weights.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_features, n_hidden_1, ..., n_outputs]``.
    coef_signs : list of ndarray of shape (n_in,), dtype int8
        Sign constraint per input row of every coef: +1, -1 or 0 (free).
    l1 : sequence of float
        L1 penalty per weight layer.
    """

    def __init__(self, layer_sizes, coef_signs, l1):
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.n_layers = len(self.layer_sizes) - 1
        self.coef_signs = [np.asarray(s, dtype=np.int8) for s in coef_signs]
        self.l1 = [float(v) for v in l1]
        # A free entry with L1 needs the split form; the whole layer then uses it so
        # the layout stays two dense blocks.
        self.split = [
            bool(self.l1[i] > 0 and np.any(self.coef_signs[i] == 0))
            for i in range(self.n_layers)
        ]
        self._coef_slices = []  # per layer: (pos slice, neg slice or None)
        self._intercept_slices = []
        offset = 0
        for i in range(self.n_layers):
            size = self.layer_sizes[i] * self.layer_sizes[i + 1]
            pos = slice(offset, offset + size)
            offset += size
            neg = None
            if self.split[i]:
                neg = slice(offset, offset + size)
                offset += size
            self._coef_slices.append((pos, neg))
            n_out = self.layer_sizes[i + 1]
            self._intercept_slices.append(slice(offset, offset + n_out))
            offset += n_out
        self.n_params = offset
        self.lower, self.upper, self.l1_linear = self._bounds_and_l1()
        self.has_l1 = bool(np.any(self.l1_linear != 0))

    # The three parameter-sized vectors follow from the signs and l1: a pickle (a
    # fitted estimator sent to a Dask worker, or saved) carries only those.
    def __getstate__(self):
        state = self.__dict__.copy()
        for name in ("lower", "upper", "l1_linear"):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lower, self.upper, self.l1_linear = self._bounds_and_l1()

    def coef_shape(self, i):
        return (self.layer_sizes[i], self.layer_sizes[i + 1])

    def _bounds_and_l1(self):
        lower = np.full(self.n_params, -np.inf)
        upper = np.full(self.n_params, np.inf)
        l1_linear = np.zeros(self.n_params)
        for i in range(self.n_layers):
            shape = self.coef_shape(i)
            signs = np.broadcast_to(self.coef_signs[i][:, None], shape).ravel()
            pos, neg = self._coef_slices[i]
            if self.split[i]:
                # w_pos, w_neg >= 0; a sign-constrained row pins the other part at 0.
                lower[pos] = 0.0
                lower[neg] = 0.0
                upper[pos] = np.where(signs < 0, 0.0, np.inf)
                upper[neg] = np.where(signs > 0, 0.0, np.inf)
                l1_linear[pos] = self.l1[i]
                l1_linear[neg] = self.l1[i]
            else:
                lower[pos] = np.where(signs > 0, 0.0, -np.inf)
                upper[pos] = np.where(signs < 0, 0.0, np.inf)
                # |w| = sign * w on bounded entries; free entries have l1 == 0 here.
                l1_linear[pos] = self.l1[i] * signs
        return lower, upper, l1_linear

    @property
    def bounds(self):
        """``scipy.optimize.Bounds``-compatible ``(lower, upper)`` arrays."""
        return self.lower, self.upper

    @property
    def is_bounded(self):
        return bool(np.isfinite(self.lower).any() or np.isfinite(self.upper).any())

    def unpack(self, theta, coefs_out, intercepts_out):
        """Writes the layers of ``theta`` into ``coefs_out`` / ``intercepts_out``
        (buffers of the compute dtype)."""
        for i in range(self.n_layers):
            pos, neg = self._coef_slices[i]
            shape = self.coef_shape(i)
            if neg is None:
                coefs_out[i][...] = theta[pos].reshape(shape)
            else:
                np.subtract(theta[pos].reshape(shape), theta[neg].reshape(shape),
                            out=coefs_out[i], casting="unsafe")
            intercepts_out[i][...] = theta[self._intercept_slices[i]]

    def pack_grad(self, coef_grads, intercept_grads, grad_out):
        """Chain rule from layer gradients to the gradient over ``theta`` (float64).
        For a split layer, dL/dw_pos = g and dL/dw_neg = -g."""
        for i in range(self.n_layers):
            pos, neg = self._coef_slices[i]
            g = coef_grads[i].ravel()
            grad_out[pos] = g
            if neg is not None:
                np.negative(g, out=grad_out[neg], casting="unsafe")
            grad_out[self._intercept_slices[i]] = intercept_grads[i]
        return grad_out

    def pack(self, coefs, intercepts):
        """``theta`` of the given layers (split layers get their positive and
        negative parts); then clipped to the bounds."""
        theta = np.zeros(self.n_params)
        for i in range(self.n_layers):
            pos, neg = self._coef_slices[i]
            w = np.asarray(coefs[i], dtype=np.float64).ravel()
            if neg is None:
                theta[pos] = w
            else:
                theta[pos] = np.maximum(w, 0.0)
                theta[neg] = np.maximum(-w, 0.0)
            theta[self._intercept_slices[i]] = intercepts[i]
        return self.project(theta, out=theta)

    def project(self, theta, out=None):
        """Euclidean projection onto the box of the bounds."""
        return np.clip(theta, self.lower, self.upper, out=out)

    def l1_penalty(self, theta):
        return float(self.l1_linear @ theta)

    def layers(self, theta, dtype=np.float64):
        """New arrays ``(coefs, intercepts)`` of ``theta``."""
        coefs = [np.empty(self.coef_shape(i), dtype=dtype) for i in range(self.n_layers)]
        intercepts = [np.empty(self.layer_sizes[i + 1], dtype=dtype)
                      for i in range(self.n_layers)]
        self.unpack(theta, coefs, intercepts)
        return coefs, intercepts
