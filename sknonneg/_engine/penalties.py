"""Penalties of the objective, each with its value and gradient.

The two that the estimators use reach the fused kernels through hooks, at no extra
pass over the data or the weights:

- ``L2(alpha)``: ``sum_l alpha_l ||W_l||_F^2`` over every weight block of layer ``l``
  (not the intercepts); a layer adds ``2 alpha_l W`` to its weight gradient in the
  kernel that assembles it (``l2_penalty_grad``, ``abba_coef_grad``);
- ``ActivityL1(alpha)``: ``alpha sum_i s_i sum_{hidden units} a_ij / sum_i s_i``, the
  sparsity penalty of Chorowski & Zurada (2015) on non-negative (sigmoid) hidden
  activations; the forward kernels return the weighted total activation, and the
  backward kernels add ``alpha s_i / sum s`` to every hidden unit's upstream
  gradient (``activity_coef``).

The L1 penalty on weights is not here: it is exact and linear, part of the
parameter layout (``l1_linear``, see ``layout``). ABBA's ``lipschitz_max`` is not a
penalty either: it rescales the network (``objective.LipschitzCap``).

A new penalty subclasses ``Penalty`` and writes ``value_grad(layout, theta,
grad_out)`` over the packed float64 parameters: the generic path, called once per
evaluation after the fused kernels.
"""

import numpy as np

__all__ = ["Penalty", "L2", "ActivityL1"]


class Penalty:
    """Base class. ``fused``: reaches the kernels through a hook (no generic pass)."""

    fused = False

    def value_grad(self, layout, theta, grad_out):
        """Adds the penalty's gradient over ``theta`` to ``grad_out``; returns its
        value."""
        raise NotImplementedError


class L2(Penalty):
    """``sum_l alpha_l ||W_l||_F^2``; ``alpha`` a float or one per layer."""

    fused = True

    def __init__(self, alpha):
        self.alpha = alpha

    def per_layer(self, n_layers):
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=np.float64), (n_layers,))
        return [float(a) for a in alpha]

    def value_grad(self, layout, theta, grad_out):  # the objective uses the hook
        raise NotImplementedError("L2 is applied by the layers' kernels")


class ActivityL1(Penalty):
    """``alpha`` times the sample-weighted mean total activation of the hidden
    layers."""

    fused = True

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def value_grad(self, layout, theta, grad_out):  # the objective uses the hook
        raise NotImplementedError("ActivityL1 is applied by the layers' kernels")
