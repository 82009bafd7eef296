"""Penalties of the objective, each with its value and gradient.

The two that the estimators use reach the fused kernels through hooks, at no extra
pass over the data or the weights:

- ``L2(alpha)``: ``sum_l alpha_l ||W_l||_F^2`` over every weight block of layer ``l``
  (not the intercepts); a layer adds ``2 alpha_l W`` to its weight gradient in the
  kernel that assembles it (``l2_penalty_grad_to``, ``abba_coef_grad``);
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
evaluation after the fused kernels. It reads a dense layer's weights with
``layer.coef(blocks)`` and adds their gradient with ``layer.add_coef_grad(grads,
g)`` (``blocks = layout.blocks(theta)[i]``, ``grads = layout.blocks(grad_out)[i]``,
``layer = layout.network[i]``), never by the blocks' names, which depend on the
layer (a split layer holds ``W = W+ - W-``). A fused penalty sets ``fused = True`` and
writes ``fuse(objective)``, which adds its coefficients to those the objective
hands the kernels (``Objective.l2``, one per layer, and ``Objective.activity_l1``);
one without a generic path also sets ``fused_only = True``, and an objective that
evaluates the data term in pieces (``row_blocks``) refuses it. A penalty that
reads the data as well (the KL sparsity of the hidden activations) is given the
objective it belongs to through ``bind(objective)``, each time the objective is
pointed at a data set.

Adding a penalty, step by step:

1. subclass ``Penalty`` (in this module or one of its own) with
   ``value_grad(layout, theta, grad_out)``: it adds its gradient over ``theta`` to
   ``grad_out`` and returns its value, reading the weights through the layers'
   ``coef`` / ``add_coef_grad`` as above; a penalty that reads the data too writes
   ``bind(objective)``. Any ``Objective`` or ``RowBlockObjective`` takes it in its
   list of penalties: at the engine's level that is the whole change;
2. for an estimator to offer it: its parameter in the estimator (``__init__``,
   ``_parameter_constraints``, docstring) and one keyword and ``if`` in
   ``penalties_from_params`` below, which builds every estimator's list (and
   ``fit_output_layer``'s); the estimator passes its parameter there;
3. test its gradient against central differences through an ``Objective``
   (``tests/test_engine.py`` does it for a group penalty defined in the test).

A fused version (no generic pass), when a benchmark shows the generic pass costs,
can only add to the two coefficients the kernels already take (``Objective.l2``
per layer, ``Objective.activity_l1``) through ``fuse``; a penalty of another form
needs a new argument in the forward and backward kernels of both flavours, their
NumPy twins (``_kernels/reference/``), the layers' calls and the builders in
``tests/test_kernels.py``.

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

__all__ = ["Penalty", "L2", "ActivityL1", "NegativeWeightsL2", "KLSparsity",
           "penalties_from_params"]


class Penalty:
    """Base class. ``fused``: reaches the kernels through ``fuse`` (no generic pass
    in ``Objective``); ``fused_only``: has no generic path (``value_grad``) at all;
    ``reads_data``: its value depends on the data as well as on the parameters
    (it is part of the data term that ``Objective.penalty_value`` leaves out)."""

    fused = False
    fused_only = False
    reads_data = False

    def fuse(self, objective):
        """Adds the penalty's coefficients to those the fused kernels read
        (``objective.l2``, ``objective.activity_l1``); called once, when an
        ``Objective`` is built, for a penalty with ``fused = True``."""
        raise NotImplementedError

    def value_grad(self, layout, theta, grad_out):
        """Adds the penalty's gradient over ``theta`` to ``grad_out``; returns its
        value."""
        raise NotImplementedError

    def value(self, layout, theta):
        """The penalty's value at ``theta`` alone (no gradient): ``value_grad``
        into a scratch gradient unless a subclass computes it more cheaply."""
        return self.value_grad(layout, theta, np.zeros(layout.n_params))

    def bind(self, objective):
        """Called with the objective each time it is pointed at a data set (a
        penalty of the parameters alone ignores it)."""


class L2(Penalty):
    """``sum_l alpha_l ||W_l||_F^2``; ``alpha`` a float or one per layer.

    ``units``: per input column ``j`` of the first layer, the unit its weights are
    measured in, ``alpha_1 sum_j units_j^2 ||W_1j||^2`` (``Objective.penalty_units``,
    which the fused path reads; ``precondition.penalty_units``), or None (units of
    1). ``RowBlockObjective`` sets it for its generic path."""

    fused = True

    def __init__(self, alpha, units=None):
        self.alpha = alpha
        self.units = units
        # units_j^2 per row of the first layer's weights, formed once (value_grad
        # runs at every evaluation).
        self._squares = None if units is None else (np.asarray(units) ** 2)[:, None]

    def per_layer(self, n_layers):
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=np.float64), (n_layers,))
        return [float(a) for a in alpha]

    def fuse(self, objective):
        # The layers add 2 alpha_l W to their weight gradients (l2_penalty_grad_to,
        # abba_coef_grad); the first layer's units through column_l2_grad.
        objective.l2 = [a + b for a, b in zip(objective.l2,
                                              self.per_layer(len(objective.l2)))]
        if self.units is not None:
            objective.penalty_units = self.units

    def _weights(self, i):
        """``units_j^2`` per row of layer ``i``'s weights (a column), or None."""
        return None if i > 0 else self._squares

    def value(self, layout, theta):
        value = 0.0
        for i, (alpha, layer, blocks) in enumerate(zip(
                self.per_layer(layout.n_layers), layout.network, layout.blocks(theta))):
            if alpha != 0:
                coef, weights = layer.coef(blocks), self._weights(i)
                value += alpha * float(np.vdot(coef, coef if weights is None
                                               else weights * coef))
        return value

    def value_grad(self, layout, theta, grad_out):
        """The generic path (``Objective`` uses the kernels' hook instead): for
        objectives that evaluate the data term in pieces, such as
        ``row_blocks.RowBlockObjective``. Dense layers only (a split layer's
        weights are ``W+ - W-``, as the kernels' hook reads them)."""
        value = 0.0
        grads = layout.blocks(grad_out)
        for i, (alpha, layer, blocks, grad) in enumerate(zip(
                self.per_layer(layout.n_layers), layout.network,
                layout.blocks(theta), grads)):
            if alpha == 0:
                continue
            coef, weights = layer.coef(blocks), self._weights(i)
            scaled = coef if weights is None else weights * coef
            value += alpha * float(np.vdot(coef, scaled))
            layer.add_coef_grad(grad, 2.0 * alpha * scaled)
        return value


class ActivityL1(Penalty):
    """``alpha`` times the sample-weighted mean total activation of the hidden
    layers."""

    fused = True
    fused_only = True
    reads_data = True

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
            layer = layout.network[i]
            negative = np.minimum(layer.coef(blocks[i]), 0.0)
            value += 0.5 * self.alpha * float(np.vdot(negative, negative))
            layer.add_coef_grad(grads[i], self.alpha * negative)
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

    reads_data = True

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
        layer.add_coef_grad(grads, coef_grad)
        grads["intercept"] += intercept_grad
        return value


def penalties_from_params(*, l2=0.0, activity_l1=0.0, sparsity_target=None,
                          sparsity_weight=0.0, nonneg_penalty=0.0, nonneg_layers=()):
    """The penalties an estimator's parameters ask for, in the order the objective
    applies them: the one place where parameters become ``Penalty`` objects, for
    every estimator and ``fit_output_layer``. A penalty at strength 0 is left out,
    except ``L2``, always present (its ``alpha`` per layer).

    Parameters
    ----------
    l2 : float or array-like of float, default=0.0
        ``L2``: one value, or one per weight layer of the objective's layout.
    activity_l1 : float, default=0.0
        ``ActivityL1`` (the dense networks' ``activity_l1``).
    sparsity_target, sparsity_weight : float, default=None, 0.0
        ``KLSparsity`` (the autoencoder's ``sparsity_target``,
        ``sparsity_weight``).
    nonneg_penalty : float, default=0.0
        ``NegativeWeightsL2`` on the weight layers numbered in ``nonneg_layers``
        (the autoencoder's ``nonneg="penalty"``).
    nonneg_layers : tuple of int, default=()

    Returns
    -------
    penalties : list of Penalty
    """
    penalties = [L2(l2)]
    if activity_l1 > 0:
        penalties.append(ActivityL1(activity_l1))
    if sparsity_weight > 0:
        penalties.append(KLSparsity(sparsity_target, sparsity_weight))
    if nonneg_penalty > 0:
        penalties.append(NegativeWeightsL2(nonneg_penalty, nonneg_layers))
    return penalties
