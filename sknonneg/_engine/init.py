"""Initial weights of sign-constrained dense layers.

Why a dense non-negative start stalls
-------------------------------------
Draw the weights of a non-negative layer i.i.d. with mean ``m`` and variance ``s^2``
(``w = m + e``). The pre-activation of a unit is ``z = x @ w = m (x @ 1) + x @ e``:
every unit shares the common part ``m (x @ 1)``, and over the data the covariance of
two units is ``m^2 Var(x @ 1)`` while each one's variance adds ``s^2 tr(Cov x)``. The
correlation between units at the start is therefore::

    rho = m^2 v / (m^2 v + s^2 t),   v = Var(x @ 1),  t = tr(Cov x)

With the uniform draw on ``[0, 1)`` (``s^2 / m^2 = 1/3``) and inputs whose features
move together, ``v / t`` is large and ``rho`` is close to 1: on tf-idf rows (``v/t``
about 6, the row's L1 norm being the document's length) every hidden unit starts as
the same function of the document length (measured ``rho = 0.94`` on Reuters), on
min-max scaled tabular data with correlated columns as the same "overall size". The
network starts with one feature instead of ``n_hidden``, and a non-negative output
layer cannot even use that feature with the sign the labels need (short documents are
``earn``): the fit stalls at the class-prior model.

The fix: a sparse draw
----------------------
Keeping each weight with probability ``p`` (Bernoulli mask times the uniform draw)
gives ``s^2 / m^2 = 4 / (3 p) - 1``; :func:`nonneg_density` picks the largest ``p``
with ``rho <= max_corr`` (measured ``v`` and ``t``), so the units start as diverse
as random features, each looking at a random subset of the inputs, and the mean of
the weights no longer dominates. Free rows keep the symmetric draw (their mean is 0
and adds nothing to the common part). Nothing here touches a bound: the draw is
non-negative (or of the constraint's sign) and exact zeros are feasible.
"""

from contextlib import nullcontext

import numpy as np
import scipy.sparse as sp

from .._validation import has_spread

__all__ = ["MAX_INIT_CORR", "init_rows", "nonneg_density", "scale_to_spread",
           "signed_draw", "spread_scale"]

# Largest correlation between two units of a sign-constrained layer at the start.
MAX_INIT_CORR = 0.2


def init_rows(X, sample_weight, rng, max_rows, *, uniform_draw=False):
    """``(inputs, weights)``: the rows a data-dependent initialisation looks at, as
    float64 (a CSR input stays CSR: ``csr @ coef`` is dense of shape (n_rows,
    n_units) only, so a wide bag-of-words is never densified), and their weights,
    which sum to 1.

    Up to ``max_rows`` rows of positive weight: all of them with their weights
    (integer weights then give the start of repeated rows, zero weights that of
    removed rows), else ``max_rows`` drawn without replacement with probabilities
    proportional to the weights, each then of weight 1. ``uniform_draw``: draw
    uniformly while the weights are all equal (``ABBAClassifier``'s draw, the same
    rows for the same seed as before weights were read). Rows of weight 0 are never
    drawn: a draw among the positive rows only (numpy refuses to draw more rows
    than have a positive probability).
    """
    n_samples = X.shape[0]
    weights = (np.ones(n_samples) if sample_weight is None
               else np.asarray(sample_weight, dtype=np.float64))
    positive = np.flatnonzero(weights > 0)
    if positive.shape[0] > max_rows:
        equal = bool(np.all(weights == weights[0]))
        p = None if uniform_draw and equal else weights / weights.sum()
        sub = rng.choice(n_samples, max_rows, replace=False, p=p)
        inputs, weights = X[sub], np.ones(max_rows)
    elif n_samples > max_rows:
        inputs, weights = X[positive], weights[positive]
    else:
        inputs = X
    inputs = (sp.csr_matrix(inputs, dtype=np.float64) if sp.issparse(inputs)
              else np.ascontiguousarray(inputs, dtype=np.float64))
    return inputs, weights / weights.sum()


def nonneg_density(inputs, weights, signs, max_corr=MAX_INIT_CORR, min_per_unit=2):
    """Share ``p`` of the constrained weights to draw non-zero, so that two units
    start with correlation at most ``max_corr`` over the (weighted) ``inputs``.

    Parameters
    ----------
    inputs : {ndarray, sparse matrix} of shape (n_samples, n_in)
        Inputs of the layer (a subsample of the training data); a sparse one is
        never densified.
    weights : ndarray of shape (n_samples,)
        Sample weights summing to one.
    signs : ndarray of shape (n_in,)
        Sign constraint of each input row: 1, -1 or 0 (free).
    max_corr : float, default=MAX_INIT_CORR
        Target correlation between units.
    min_per_unit : int, default=2
        Expected number of non-zero constrained weights per unit, at least.

    Returns
    -------
    p : float
        In ``(0, 1]``; 1 when the constrained rows are few or independent enough.
    """
    constrained = signs != 0
    n_c = int(constrained.sum())
    if n_c == 0:
        return 1.0
    if sp.issparse(inputs):
        # The same sums without centring (and so without densifying) the rows:
        # t = sum_j (E[x_j^2] - E[x_j]^2) and s_i = sum_j x_ij - sum_j E[x_j], the
        # weights summing to one.
        x = sp.csr_matrix(inputs)[:, constrained] @ sp.diags(
            signs[constrained].astype(np.float64))
        mean = np.asarray(x.T @ weights).ravel()
        second = np.asarray(x.multiply(x).T @ weights).ravel()
        t = float(np.sum(second - mean * mean))
        s = np.asarray(x.sum(axis=1)).ravel() - mean.sum()
    else:
        x = inputs[:, constrained] * signs[constrained]
        mean = weights @ x
        centred = x - mean
        t = float(weights @ np.einsum("ij,ij->i", centred, centred))
        s = centred.sum(axis=1)
    v = float(weights @ (s * s))
    if not (np.isfinite(t) and np.isfinite(v)) or t <= 0.0 or v <= 0.0:
        return 1.0
    cv2 = (v / t) * (1.0 - max_corr) / max_corr
    p = 4.0 / (3.0 * (cv2 + 1.0))
    return float(np.clip(p, min(1.0, min_per_unit / n_c), 1.0))


def signed_draw(signs, n_out, density, rng):
    """Weights of shape ``(len(signs), n_out)`` before scaling: uniform on ``[-1, 1)``
    on free rows (sign 0); on constrained rows the constraint's sign times a uniform
    on ``[0, 1)``, kept with probability ``density``, every unit keeping at least one.

    At ``density`` 1 the draw is made in place: a wide first layer (200,000 inputs x
    100 units is 153 MB) gets no temporary copies. Either way the weights are the
    same numbers (``2 u - 1``, ``u`` or ``-u`` of one uniform draw ``u``), from the
    same draws of ``rng``.
    """
    if not density < 1.0:  # as before: only a density below 1 masks
        return _dense_signed_draw(np.asarray(signs), n_out, rng)
    signs = np.asarray(signs)[:, None].astype(float)
    n_in = signs.shape[0]
    draw = rng.uniform(0.0, 1.0, size=(n_in, n_out))
    coef = np.where(signs == 0, 2.0 * draw - 1.0, signs * draw)
    mask = rng.uniform(size=(n_in, n_out)) < density
    constrained = np.flatnonzero(signs[:, 0] != 0)
    # A unit left with no constrained input at all would be a constant.
    empty = ~mask[constrained].any(axis=0)
    if constrained.size and empty.any():
        mask[rng.choice(constrained, int(empty.sum())), np.flatnonzero(empty)] = True
    return np.where((signs != 0) & ~mask, 0.0, coef)


def _dense_signed_draw(signs, n_out, rng):
    """``signed_draw`` at density 1, in place."""
    coef = rng.uniform(0.0, 1.0, size=(signs.shape[0], n_out))
    free, negative = signs == 0, signs < 0
    if free.all():
        coef *= 2.0
        coef -= 1.0
    elif free.any():
        coef[free] = 2.0 * coef[free] - 1.0
    if negative.any():
        coef[negative] *= -1.0
    return coef


def spread_scale(std, usable, target, n_in):
    """Per-unit factors that bring the spread ``std`` of each ``usable`` unit's
    pre-activation to ``target``; ``1 / sqrt(n_in)`` for the others (no spread to
    measure: the scale of a sum of ``n_in`` unit terms)."""
    return np.where(usable, target / np.where(usable, std, 1.0), 1.0 / np.sqrt(n_in))


def scale_to_spread(inputs, coef, weights, target, *, spread="relative"):
    """Rescale the units of a drawn layer to a pre-activation spread of ``target``
    over the data, in place, and return the biases that centre them.

    Draw, measure, scale: the pre-activations ``z = inputs @ coef`` get their
    weighted mean and standard deviation per unit (column); each column of
    ``coef`` is multiplied by ``spread_scale`` of them, and the bias is ``-mean``
    times that factor.

    Parameters
    ----------
    inputs : {ndarray, sparse matrix} of shape (n_samples, n_in)
        The layer's inputs on the rows of ``init_rows``.
    coef : ndarray of shape (n_in, n_units)
        The drawn weights; scaled in place.
    weights : ndarray of shape (n_samples,)
        Row weights summing to one.
    target : float
        Standard deviation of each unit's pre-activation after the scaling.
    spread : {"relative", "absolute"}, default="relative"
        Which units have a spread to scale, and which are centred.
        ``"relative"`` (the dense networks'): a spread above rounding noise of the
        root mean square (``_validation.has_spread``) and a finite mean; every
        unit of finite mean is centred, and overflows while measuring are silent.
        ``"absolute"`` (``NonNegAutoencoder``'s): a finite spread above ``1e-12``;
        only those units are centred, the others get a bias of 0. The two differ
        (a constant unit ``z = c`` is centred by the first only), so each
        estimator keeps its own.

    Returns
    -------
    intercept : ndarray of shape (n_units,)
    """
    relative = spread == "relative"
    with np.errstate(over="ignore", invalid="ignore") if relative else nullcontext():
        z = np.asarray(inputs @ coef)
        mean = weights @ z
        std = np.sqrt(weights @ (z - mean) ** 2)
        if relative:
            usable = has_spread(std, weights @ z ** 2) & np.isfinite(mean)
        else:
            usable = np.isfinite(std) & (std > 1e-12)
    scale = spread_scale(std, usable, target, coef.shape[0])
    coef *= scale
    # "relative": a unit without spread (beyond rounding noise) is centred too.
    centred = np.isfinite(mean) if relative else usable
    return np.where(centred, -mean * scale, 0.0)
