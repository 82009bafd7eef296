"""Reparametrisations of the network that ``Objective`` evaluates (its
``reparametrization`` hook).

A reparametrisation hook rescales the whole network before an evaluation:
``LipschitzCap`` (ABBA's ``lipschitz_max``) evaluates it with every weight block
multiplied by ``c(theta) = min(1, (lipschitz_max / bound)^(1/L))``
(``sknonneg._lipschitz.bound_scale``, with room for rounding and, for a float32
network, for the cast of the scaled blocks), and the gradient goes through ``c``: with
``G_l`` the gradient of the data term with respect to the scaled blocks,
``dloss/dW_l = c G_l + (sum_k <G_k, W_k>) dc/dW_l``. The penalties act on the
unscaled blocks, which keeps them from drifting along the directions that ``c``
cancels. So the cap holds at every iterate, for any solver: it is exact, not a
penalty.

A hook has ``scale(views) -> (c, dc)`` (``dc`` None when ``c`` does not depend on
``theta`` there) and ``add_grad(inner, grad_views, dc)``; the estimator that built
it reads the same ``c`` through ``factor`` (initialisation, fitted weights, early
stopping), so the network it stores is the one the objective evaluated.
"""

import numpy as np

from .._lipschitz import abba_factor_grads, abba_factors, bound_scale

__all__ = ["LipschitzCap"]


class LipschitzCap:
    """The reparametrisation of an ABBA network that keeps its Lipschitz bound
    (Proposition 3.3 of Vasilescu et al. 2024) at most ``lipschitz_max``."""

    def __init__(self, lipschitz_max, dtype=np.float64):
        self.lipschitz_max = float(lipschitz_max)
        # The compute dtype: a float32 network evaluates the scaled blocks rounded
        # to float32, whose bound c leaves room for (bound_scale, cast_allowance).
        self.dtype = np.dtype(dtype)

    def _scale(self, coefs_a, coefs_b):
        return bound_scale(abba_factors(coefs_a, coefs_b), self.lipschitz_max,
                           dtype=self.dtype)

    def factor(self, coefs_a, coefs_b):
        """``c`` alone (no gradient) for the blocks ``coefs_a``, ``coefs_b``."""
        return self._scale(coefs_a, coefs_b)[0]

    def scale(self, views):
        """``(c, dc/d(A_l, B_l) per layer or None)`` at the layers' ``views``."""
        coefs_a = [v[0] for v in views]
        coefs_b = [v[1] for v in views]
        c, _, factor_dc = self._scale(coefs_a, coefs_b)
        if factor_dc is None:
            return c, None
        return c, abba_factor_grads(coefs_a, coefs_b, factor_dc)

    @staticmethod
    def add_grad(inner, grad_views, dc):
        """Adds ``inner * dc/dW`` to the gradient of every block."""
        for (g_a, g_b, _, _), (dc_a, dc_b) in zip(grad_views, dc):
            g_a += inner * dc_a
            g_b += inner * dc_b
