"""One flat float64 vector ``theta`` over the parameter blocks of any layers.

Each layer declares its blocks (``layers.Block``: shape, bounds, exact-L1 weights);
``ParameterLayout`` places them one after the other in ``theta``, the vector scipy's
L-BFGS-B works on, and gathers their bounds into ``lower``/``upper`` and their L1
weights into ``l1_linear``.

L1 is exact here. On a weight bounded at zero ``|w|`` is linear (``w`` or ``-w``), so
the penalty is the linear function ``c @ theta``, smooth for L-BFGS-B. A free weight
with an L1 penalty is split into ``w = w_pos - w_neg`` with ``w_pos, w_neg >= 0``;
then ``|w| = w_pos + w_neg`` at every optimum and the penalty is again linear. So
the L1 term of the objective is ``l1_linear @ theta`` with gradient ``l1_linear``,
whatever the constraints, and no sub-gradient ever reaches the optimizer.
"""

import numpy as np

from .layers import DenseLayer

__all__ = ["ParameterLayout"]


class ParameterLayout:
    """Where each layer's blocks live in ``theta``, their bounds and L1 weights.

    Parameters
    ----------
    layers : list of layer
        ``DenseLayer``, ``ABBALayer`` or any object with ``blocks()``,
        ``views(blocks)`` and ``pack(blocks, *arrays)``.
    """

    def __init__(self, layers):
        self.network = list(layers)
        self.n_layers = len(self.network)
        self.layer_sizes = [self.network[0].n_in] + [layer.n_out for layer in self.network]
        self._slices = []  # per layer: {block name: (slice, shape)}
        offset = 0
        for layer in self.network:
            slices = {}
            for block in layer.blocks():
                slices[block.name] = (slice(offset, offset + block.size), block.shape)
                offset += block.size
            self._slices.append(slices)
        self.n_params = offset
        self.lower, self.upper, self.l1_linear = self._bounds_and_l1()
        self.has_l1 = bool(np.any(self.l1_linear != 0))

    # The three parameter-sized vectors follow from the layers: a pickle (a fitted
    # estimator sent to a Dask worker, or saved) carries only those.
    def __getstate__(self):
        state = self.__dict__.copy()
        for name in ("lower", "upper", "l1_linear"):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lower, self.upper, self.l1_linear = self._bounds_and_l1()

    def _bounds_and_l1(self):
        lower = np.full(self.n_params, -np.inf)
        upper = np.full(self.n_params, np.inf)
        l1_linear = np.zeros(self.n_params)
        for layer, slices in zip(self.network, self._slices):
            for block in layer.blocks():
                s = slices[block.name][0]
                lower[s] = np.broadcast_to(block.lower, block.shape).ravel()
                upper[s] = np.broadcast_to(block.upper, block.shape).ravel()
                l1_linear[s] = np.broadcast_to(block.l1, block.shape).ravel()
        return lower, upper, l1_linear

    # --------------------------------------------------------------- access
    def blocks(self, theta):
        """Per layer, ``{block name: view of theta}`` (views, no copies)."""
        return [{name: theta[s].reshape(shape) for name, (s, shape) in slices.items()}
                for slices in self._slices]

    def views(self, theta):
        """Per layer, its arrays as the layer names them: ``(coef, intercept)`` for a
        dense layer, ``(A, B, b_u, b_v)`` for an ABBA one (views where the layer
        stores them as such)."""
        return [layer.views(blocks)
                for layer, blocks in zip(self.network, self.blocks(theta))]

    def arrays(self, theta):
        """The layers' arrays as lists of new float64 arrays, one list per kind:
        ``(coefs, intercepts)`` for dense layers, ``(coefs_a, coefs_b,
        intercepts_u, intercepts_v)`` for ABBA ones (``pack``'s arguments)."""
        per_layer = [[np.array(a, dtype=np.float64) for a in arrays]
                     for arrays in self.views(theta)]
        return tuple(list(kind) for kind in zip(*per_layer))

    def pack(self, *arrays):
        """``theta`` of the given arrays (one list per kind, as ``arrays`` returns
        them), projected onto the bounds."""
        theta = np.zeros(self.n_params)
        for i, (layer, blocks) in enumerate(zip(self.network, self.blocks(theta))):
            layer.pack(blocks, *(kind[i] for kind in arrays))
        return self.project(theta, out=theta)

    @property
    def bounds(self):
        """``scipy.optimize.Bounds``-compatible ``(lower, upper)`` arrays."""
        return self.lower, self.upper

    @property
    def is_bounded(self):
        return bool(np.isfinite(self.lower).any() or np.isfinite(self.upper).any())

    def project(self, theta, out=None):
        """Euclidean projection onto the box of the bounds."""
        return np.clip(theta, self.lower, self.upper, out=out)

    def l1_penalty(self, theta):
        return float(self.l1_linear @ theta)

    def coef_shape(self, i):
        return self.network[i].shape

    # ------------------------------------------- what dense networks read
    @property
    def coef_signs(self):
        """Sign constraint per input row of every dense layer's ``coef``."""
        return [layer.signs for layer in self.network if isinstance(layer, DenseLayer)]
