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
penalty either: it rescales the network (``reparametrization.LipschitzCap``).

A new penalty subclasses ``Penalty`` and writes ``value_grad(layout, theta,
grad_out)`` over the packed float64 parameters: the generic path, called once per
evaluation after the fused kernels. A fused penalty sets ``fused = True`` and
writes ``fuse(objective)``, which adds its coefficients to those the objective
hands the kernels (``Objective.l2``, one per layer, and ``Objective.activity_l1``);
one without a generic path also sets ``fused_only = True``, and an objective that
evaluates the data term in pieces (``row_blocks``) refuses it. A penalty that
reads the data as well (the KL sparsity of the hidden activations) is given the
objective it belongs to through ``bind(objective)``, each time the objective is
pointed at a data set.

The autoencoder's penalties (Hosseini-Asl, Zurada & Nasraoui 2016, NCAE) take the
generic path:

- ``NegativeWeightsL2(alpha, layers)``: ``alpha / 2 sum_{w < 0} w^2`` over the
  weights of the given layers, NCAE's push towards non-negative weights;
- ``KLSparsity(target, weight)``: ``weight sum_j KL(rho || rho_hat_j)``, with
  ``rho_hat_j = sum_i s_i a_ij / sum_i s_i`` the mean activation of the first
  layer's unit ``j``; its gradient is ``weight (-rho / rho_hat_j + (1 - rho) / (1 -
  rho_hat_j))`` per unit, which depends on the whole batch, so it is computed in
  a pass of its own: the first layer's forward step again, and ``X.T @ delta``
  with the objective's ``FirstLayerGradient``.
"""

import numpy as np

__all__ = ["Penalty", "L2", "ActivityL1", "NegativeWeightsL2", "KLSparsity"]


class Penalty:
    """Base class. ``fused``: reaches the kernels through ``fuse`` (no generic pass
    in ``Objective``); ``fused_only``: has no generic path (``value_grad``) at all."""

    fused = False
    fused_only = False

    def fuse(self, objective):
        """Adds the penalty's coefficients to those the fused kernels read
        (``objective.l2``, ``objective.activity_l1``); called once, when an
        ``Objective`` is built, for a penalty with ``fused = True``."""
        raise NotImplementedError

    def value_grad(self, layout, theta, grad_out):
        """Adds the penalty's gradient over ``theta`` to ``grad_out``; returns its
        value."""
        raise NotImplementedError

    def bind(self, objective):
        """Called with the objective each time it is pointed at a data set (a
        penalty of the parameters alone ignores it)."""


class L2(Penalty):
    """``sum_l alpha_l ||W_l||_F^2``; ``alpha`` a float or one per layer."""

    fused = True

    def __init__(self, alpha):
        self.alpha = alpha

    def per_layer(self, n_layers):
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=np.float64), (n_layers,))
        return [float(a) for a in alpha]

    def fuse(self, objective):
        # The layers add 2 alpha_l W to their weight gradients (l2_penalty_grad,
        # abba_coef_grad).
        objective.l2 = [a + b for a, b in zip(objective.l2,
                                              self.per_layer(len(objective.l2)))]

    def value_grad(self, layout, theta, grad_out):
        """The generic path (``Objective`` uses the kernels' hook instead): for
        objectives that evaluate the data term in pieces, such as
        ``row_blocks.RowBlockObjective``. Dense layers only."""
        value = 0.0
        grads = layout.blocks(grad_out)
        for alpha, layer, blocks, grad in zip(self.per_layer(layout.n_layers),
                                              layout.network, layout.blocks(theta),
                                              grads):
            if alpha == 0:
                continue
            if "coef" not in blocks:
                raise NotImplementedError("generic L2 of dense, unsplit layers only")
            coef = blocks["coef"]
            value += alpha * float(np.vdot(coef, coef))
            grad["coef"] += 2.0 * alpha * coef
        return value


class ActivityL1(Penalty):
    """``alpha`` times the sample-weighted mean total activation of the hidden
    layers."""

    fused = True
    fused_only = True

    def __init__(self, alpha):
        self.alpha = float(alpha)

    def fuse(self, objective):
        # The forward kernels return the weighted total activation, the backward
        # ones add activity_l1 s_i / sum s to each hidden unit's gradient.
        objective.activity_l1 += self.alpha

    def value_grad(self, layout, theta, grad_out):  # the objective uses the hook
        raise NotImplementedError("ActivityL1 is applied by the layers' kernels")


class NegativeWeightsL2(Penalty):
    """``alpha / 2 sum_{w < 0} w^2`` over the weights (not the intercepts) of the
    dense layers numbered in ``layers``: NCAE's non-negativity penalty (zero on
    non-negative weights, so it pushes towards them without a bound)."""

    def __init__(self, alpha, layers):
        self.alpha = float(alpha)
        self.layers = tuple(int(i) for i in layers)

    def value_grad(self, layout, theta, grad_out):
        value = 0.0
        blocks, grads = layout.blocks(theta), layout.blocks(grad_out)
        for i in self.layers:
            negative = np.minimum(blocks[i]["coef"], 0.0)
            value += 0.5 * self.alpha * float(np.vdot(negative, negative))
            grads[i]["coef"] += self.alpha * negative
        return value


# Mean activations are clipped into [_RHO_EPS, 1 - _RHO_EPS] inside the logarithms:
# a unit whose activation flushed to exactly zero on every row would make them
# infinite (its gradient is then that of the clipped value).
_RHO_EPS = 1e-12


class KLSparsity(Penalty):
    """``weight * sum_j KL(target || rho_hat_j)`` over the units of the first
    (sigmoid) layer, ``rho_hat_j`` their sample-weighted mean activation on the
    objective's data (Ng's sparse autoencoder; NCAE's ``beta``, ``rho``).

    ``KL(r || q) = r log(r / q) + (1 - r) log((1 - r) / (1 - q))``.
    """

    def __init__(self, target, weight):
        self.target = float(target)
        self.weight = float(weight)
        self._objective = None

    def bind(self, objective):
        self._objective = objective

    def mean_activation_grad(self, rho_hat):
        """``(value, dvalue/drho_hat)`` at the mean activations ``rho_hat``."""
        r, w = self.target, self.weight
        q = np.clip(rho_hat, _RHO_EPS, 1.0 - _RHO_EPS)
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = (r * np.log(r / q) if r > 0 else 0.0) + (
                (1 - r) * np.log((1 - r) / (1 - q)) if r < 1 else 0.0)
        return w * float(np.sum(kl)), w * (-r / q + (1 - r) / (1 - q))

    def value_grad(self, layout, theta, grad_out):
        if self.weight == 0:
            return 0.0
        obj = self._objective
        if obj is None:
            raise RuntimeError("KLSparsity needs bind(objective) before value_grad")
        layer = layout.network[0]
        coef, intercept = layout.views(theta)[0]
        ctx = obj._context()
        hidden, _ = layer.predict(ctx, obj.X, coef, intercept)
        weights = obj.sample_weight
        rho_hat = obj.scale * (weights @ hidden.astype(np.float64, copy=False))
        value, g = self.mean_activation_grad(rho_hat)
        # d value / d pre-activation_ij = scale s_i g_j gain a_ij (1 - a_ij)
        delta = hidden.astype(np.float64)
        delta *= 1.0 - delta
        delta *= (obj.scale * obj.gain) * weights[:, None]
        delta *= g[None, :]
        delta = np.ascontiguousarray(delta, dtype=obj.dtype)
        k = layer.n_out
        coef_grad = np.empty((layer.n_in, k), dtype=obj.dtype)
        intercept_grad = np.empty(k, dtype=obj.dtype)
        partial = np.empty((obj.n_chunks, k), dtype=obj.dtype)
        obj.first_layer.compute(delta, partial, coef_grad, intercept_grad)
        grads = layout.blocks(grad_out)[0]
        grads["coef"] += coef_grad
        grads["intercept"] += intercept_grad
        return value
