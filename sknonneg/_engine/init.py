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

import math
from contextlib import nullcontext

import numpy as np
import scipy.sparse as sp

from .._validation import has_spread

__all__ = ["ABBA_MAX_INIT_L2", "MAX_INIT_CORR", "SMALL_INPUT_MAX_INIT_L2",
           "SMALL_INPUT_MAX_INIT_NORM", "abba_init", "cap_first_layer_l2", "dense_init",
           "init_l2_factor", "init_rows", "nonneg_density", "range_l2_factor",
           "scale_to_spread", "signed_draw", "spread_scale"]

# Largest correlation between two units of a sign-constrained layer at the start.
MAX_INIT_CORR = 0.2

# ABBA layers (``abba_init``; Notes of ``ABBAClassifier``): standard deviation of
# each unit's pre-activation over the subsample, for hidden units and logits.
ABBA_HIDDEN_INIT_STD = 1.0
ABBA_OUTPUT_INIT_STD = 1.0
# Standard deviation of the random offsets of b_u and b_v at initialisation, in units
# of the pre-activation's standard deviation.
ABBA_SYMMETRY_BREAK = 0.5
# The two limits of a layer's L2 penalty at the start (``init_l2_factor`` applies
# both). Every ABBA layer's (``abba_init``):
ABBA_MAX_INIT_L2 = 1e3
# The first layer's, dense or ABBA, on inputs the initialisation flags as small
# (``dense_init``'s ``small_inputs``), whatever the solver: of the order of the data
# term (a mean loss of order one), so that it does not steer L-BFGS-B's first
# steps, nor leave Adam a loss that its steps cannot move (``cap_first_layer_l2``).
SMALL_INPUT_MAX_INIT_L2 = 1.0
# On inputs flagged as small, whatever the solver: the largest squared norm
# ``||W||^2`` of a layer at the start, and the largest L2 penalty ``l2 ||W||^2``
# (``range_l2_factor``). The penalty kernels sum the squares of the weights before
# ``l2`` multiplies them, and on inputs of scale 1e-155 the weights of a unit
# spread (1e155) have squares beyond float64's range: the fit's first loss was
# inf. 2^-10 of the range leaves room for the sum of ABBA's two blocks and for the
# solver's steps; only starts within that factor of overflowing are shrunk.
SMALL_INPUT_MAX_INIT_NORM = float(np.finfo(np.float64).max) / 1024.0
# The smallest normal float64: a quotient below it has lost bits (or is 0).
_TINY = float(np.finfo(np.float64).tiny)


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


def dense_init(layout, inputs, weights, rng, activate, *, nonneg_hidden_std,
               free_hidden_std, output_std, sparse_draw, fixed=((), ()),
               signed_output_std=None, small_inputs=False, first_l2=0.0):
    """Initial weights and biases of a network of sign-constrained dense layers.

    Layer by layer over ``inputs`` (rows of ``weights``): a draw of each weight's sign
    (``signed_draw``; with ``sparse_draw``, at the density ``nonneg_density`` picks so
    that non-negative units do not start as one function of the input), entries that
    bounds hold at 0 set to 0, then every unit scaled to a set spread of its
    pre-activation and centred (``scale_to_spread``), and the layer's activations fed
    to the next.

    Parameters
    ----------
    layout : ParameterLayout
        Of dense layers (``layer_sizes``, ``coef_signs``, ``network``).
    inputs : ndarray or sparse matrix of shape (n_rows, n_features)
        The initialisation subsample (``init_rows``).
    weights : ndarray of shape (n_rows,)
        Row weights summing to 1.
    rng : numpy.random.RandomState
    activate : callable
        The hidden activation, elementwise (with its gain).
    nonneg_hidden_std, free_hidden_std, output_std : float
        Target spread of a unit's pre-activation in a hidden layer whose weights are
        all >= 0, in any other hidden layer, and in the output layer.
    sparse_draw : bool
        Draw sign-constrained weights sparse (``nonneg_density``); else dense.
    fixed : (list of ndarray, list of ndarray)
        Weights and biases of the first layers, kept as given (a pre-trained stack).
    signed_output_std : float or None
        Target spread of the output layer's units when its weights are not all
        >= 0 (the loss's ``signed_output_init_std``); None: ``output_std``.
    small_inputs : bool, default=False
        The inputs are far below unit scale (the ``InputScaleWarning``'s test of
        the initialisation's rows: the largest column root-mean-square below
        1e-3), whatever the solver: the first layer, once every layer is drawn
        and scaled, is shrunk, weights and biases by one factor, to an L2
        penalty of at most ``SMALL_INPUT_MAX_INIT_L2`` (``cap_first_layer_l2``),
        and further where its squared norm or penalty would exceed
        ``SMALL_INPUT_MAX_INIT_NORM`` (``range_l2_factor``; below about 1e-150,
        where the unshrunk start's penalty overflowed). A fixed first layer is
        kept as given.
    first_l2 : float, default=0.0
        The first layer's L2 coefficient (``l2 ||W||^2``), read only with
        ``small_inputs``.

    Returns
    -------
    coefs, intercepts : lists of ndarray
    """
    sizes = layout.layer_sizes
    fixed_coefs, fixed_intercepts = fixed
    coefs, intercepts = [], []
    for i in range(layout.n_layers):
        if i < len(fixed_coefs):
            coef, intercept = fixed_coefs[i], fixed_intercepts[i]
            coefs.append(coef)
            intercepts.append(intercept)
            inputs = activate(inputs @ coef + intercept)
            continue
        signs = layout.coef_signs[i]
        density = nonneg_density(inputs, weights, signs) if sparse_draw else 1.0
        coef = signed_draw(signs, sizes[i + 1], density, rng)  # dense: in place
        zeros = getattr(layout.network[i], "zeros", None)
        if zeros is not None:
            coef[zeros] = 0.0  # entries held at 0 by their bounds
        if i == layout.n_layers - 1:
            target = (output_std if signed_output_std is None or np.all(signs > 0)
                      else signed_output_std)
        elif np.all(signs > 0):
            target = nonneg_hidden_std
        else:
            target = free_hidden_std
        intercept = scale_to_spread(inputs, coef, weights, target)
        coefs.append(coef)
        intercepts.append(intercept)
        if i < layout.n_layers - 1:
            inputs = activate(inputs @ coef + intercept)
    if small_inputs and not fixed_coefs:
        cap_first_layer_l2(coefs[0], intercepts[0], first_l2)
        # The dense kernels form no penalty without an l2 (a start of 1e155 then
        # fits: cap_first_layer_l2 leaves it). After the cap above, this one
        # shrinks only a layer whose l2 is far below 1 (subnormal).
        cap_first_layer_l2(coefs[0], intercepts[0], first_l2, range_limit=True)
    return coefs, intercepts


def cap_first_layer_l2(coef, intercept, l2, cap=SMALL_INPUT_MAX_INIT_L2, *,
                       range_limit=False):
    """Shrink a drawn first layer, weights and biases by one factor, in place, so
    that its L2 penalty ``l2 ||coef||^2`` is at most ``cap``; returns the factor
    (1: left as it was). ``range_limit``: instead, so that its squared norm and
    its penalty are within float64's range (``range_l2_factor``; ``cap`` unread).
    Without a penalty (``l2`` not positive) the layer is left as it was.

    Why: scaled to a set spread of its pre-activations, the first layer on inputs
    of scale ``s`` has weights of order ``1 / s``, whose penalty grows as ``1 /
    s^2`` (60 rows x 3 columns of scale 1e-4, 100 units, ``l2=1e-4``: about 1e6
    against a data term of order one). L-BFGS-B's first steps then follow the
    penalty's gradient: they drove the first layer to 0 and the biases by
    hundreds, saturating the hidden units, and log-link outputs (Poisson,
    Gamma) started at ``exp(-57)``, where the loss is flat in every parameter
    but linear in the output's bias; the fits stopped there as converged, with a
    training D^2 down to -4.4e4 (``doc/reliability.md``, "Small inputs").
    Adam's steps are normalised per coordinate, of about its learning rate
    each, and move weights of ``1 / s`` by nothing measurable: the penalty
    stayed, the objective ended 1e5 (``s = 1e-4``) to 1e305 (``s = 1e-152``)
    times the constant model's, and from about ``s = 1e-20`` its rounding hid
    every change of the loss, so no fit was said not to have converged.
    Shrunk, each unit keeps its direction and stays centred (its bias is
    ``-mean`` times the same factor), with a smaller spread; the layers above
    are as drawn.

    Only on inputs flagged as small (``dense_init``'s ``small_inputs``): every
    other start is left exactly as it was. The norm is measured on the weights
    divided by their largest magnitude, so that it does not overflow.
    """
    if not l2 > 0.0 or coef.size == 0:
        return 1.0
    top = float(np.max(np.abs(coef)))
    if not (np.isfinite(top) and top > 0.0):
        return 1.0
    norm = float(np.sum(np.square(coef / top)))  # ||coef||^2 / top^2, in [1, size]
    factor = (range_l2_factor(l2, norm, top) if range_limit
              else init_l2_factor(l2, norm, cap, top))
    if factor < 1.0:
        coef *= factor
        intercept *= factor
    return factor


def init_l2_factor(l2, norm, most, top=1.0):
    """The factor ``f <= 1`` that brings a starting layer's L2 penalty
    ``l2 * top^2 * norm`` (weights ``W`` with ``||W / top||^2 = norm``) down to at
    most ``most``: ``sqrt(most / (l2 * norm)) / top``, or 1 where the penalty is
    within ``most`` (or there is none: ``l2`` or ``norm`` not positive).

    The one cap of both starts, compared without forming ``l2 * top^2 * norm`` (an
    ``l2`` of 1e6 and weights of 1e200 would overflow): ``cap_first_layer_l2``
    (a dense first layer on inputs flagged as small, ``SMALL_INPUT_MAX_INIT_L2``,
    ``top`` its largest weight) and ``abba_init`` (every layer,
    ``ABBA_MAX_INIT_L2``; the first at ``SMALL_INPUT_MAX_INIT_L2`` on inputs
    flagged as small).

    Correct for every finite positive ``l2``, ``norm`` and ``most``: where
    ``l2 * norm`` overflows, or ``most`` over it falls below the smallest normal
    float (``range_l2_factor`` of ABBA's norm of 1e305 at ``l2=1e4``, on inputs
    of 1e-151), the root is taken of each factor apart. Before, the quotient was
    0 (or subnormal, a few bits) and the factor 0: a layer of zeros. An infinite
    ``norm`` (an overflowed measure) still gives 0.
    """
    # Python floats: the same bits as NumPy's, and an overflow to inf (a penalty
    # far within the limit) is no RuntimeWarning.
    l2, norm, most = float(l2), float(norm), float(most)
    penalty = l2 * norm
    if not penalty > 0.0:  # no penalty (or one below the smallest float)
        return 1.0
    quotient = most / penalty
    if not quotient < _TINY:  # a normal float, inf or NaN (most and norm infinite)
        room = np.sqrt(quotient)
    else:
        # The roots apart: sqrt(l2) sqrt(norm) is at most float64's largest value
        # (Python floats: an infinite norm gives 0 without a RuntimeWarning).
        room = math.sqrt(most) / (math.sqrt(l2) * math.sqrt(norm))
    if not room < top:  # within the limit (a NaN: left as it was)
        return 1.0
    return room / top


def range_l2_factor(l2, norm, top=1.0):
    """The factor ``f <= 1`` that brings a starting layer (weights ``W`` with
    ``||W / top||^2 = norm``) to a squared norm ``||W||^2`` and an L2 penalty
    ``l2 ||W||^2`` both at most ``SMALL_INPUT_MAX_INIT_NORM``: ``init_l2_factor``
    at ``max(l2, 1)``; 1 where the layer is within both.

    Only on inputs flagged as small (``dense_init``'s and ``abba_init``'s
    ``small_inputs``): the weights of a unit spread on inputs of scale ``s`` are
    of order ``1 / s``, and below about 1e-150 their squares, which the penalty
    kernels sum before ``l2`` multiplies them (ABBA's even at ``l2=0``), overflow
    float64.
    """
    return init_l2_factor(max(float(l2), 1.0), norm, SMALL_INPUT_MAX_INIT_NORM, top)


def _variance(weights, values):
    """Weighted variance of each column of ``values`` (``weights`` summing to 1)."""
    return weights @ (values - weights @ values) ** 2


def abba_init(sizes, inputs, weights, rng, activate, l2, cap=None, small_inputs=False):
    """Initial blocks ``A, B >= 0`` and biases ``b_u, b_v`` of a network of ABBA layers.

    Each layer starts as a signed uniform draw ``W`` split into ``A = max(W, 0)``,
    ``B = max(-W, 0)``, every unit rescaled to unit spread over ``inputs`` (rows of
    ``weights``) and centred; the hidden units' biases are then offset at random by
    ``ABBA_SYMMETRY_BREAK`` times their spread, so the two halves of each layer
    start different (a symmetric start stays symmetric under gradient steps: Notes
    of ``ABBAClassifier``). A layer whose L2 penalty at unit spread exceeds
    ``ABBA_MAX_INIT_L2`` is scaled down to that penalty (``init_l2_factor``).

    Parameters
    ----------
    sizes : sequence of int
        Half-widths ``[n_features, N_1, ..., n_outputs]``.
    inputs : ndarray or sparse matrix of shape (n_rows, n_features)
        The initialisation subsample (``init_rows``).
    weights : ndarray of shape (n_rows,)
        Row weights summing to 1.
    rng : numpy.random.RandomState
    activate : callable
        The hidden activation, elementwise.
    l2 : sequence of float
        Each layer's L2 penalty.
    cap : LipschitzCap or None
        The network is evaluated with its blocks scaled by ``cap.factor``; the biases
        are centred for the scaled network.
    small_inputs : bool, default=False
        The inputs are far below unit scale (``dense_init``'s ``small_inputs``):
        the first layer's penalty at the start is at most
        ``SMALL_INPUT_MAX_INIT_L2``, not ``ABBA_MAX_INIT_L2`` (see
        ``cap_first_layer_l2``); every layer's
        penalty is measured without overflow where ``scale ** 2`` overflows
        (unit spread on inputs below about 1e-154: the norm was NaN, the cap
        skipped, and the fit's first loss inf), and no layer starts with a
        squared norm or penalty beyond ``SMALL_INPUT_MAX_INIT_NORM``
        (``range_l2_factor``; the ABBA kernel sums the squares even at
        ``l2=0``); the layers above the first are scaled on the first at unit
        spread, before its penalty's cap (the cap then leaves them at a start of
        about the constant model, not amplifying units that the data cannot
        move). Every other start is left as it was.

    Returns
    -------
    coefs_a, coefs_b, intercepts_u, intercepts_v : lists of ndarray
    """
    x, z = inputs, -inputs  # the two halves of the current layer
    n_layers = len(sizes) - 1
    coefs_a, coefs_b = [], []
    for i in range(n_layers):
        w = rng.uniform(-1.0, 1.0, size=(sizes[i], sizes[i + 1]))
        # In place: a wide first layer gets two copies (A, B), not five.
        a = np.maximum(w, 0.0)
        b = np.maximum(np.negative(w, out=w), 0.0, out=w)
        u, v = np.asarray(x @ a + z @ b), np.asarray(x @ b + z @ a)
        if i == n_layers - 1:
            std = np.sqrt(_variance(weights, (u - v) / 2))
            spread = has_spread(std, weights @ (((u - v) / 2) ** 2))
            target = ABBA_OUTPUT_INIT_STD
        else:
            std = np.sqrt((_variance(weights, u) + _variance(weights, v)) / 2)
            spread = has_spread(std, (weights @ u ** 2 + weights @ v ** 2) / 2)
            target = ABBA_HIDDEN_INIT_STD
        scale = spread_scale(std, spread, target, sizes[i])
        # Unit spread on inputs of tiny scale needs huge weights (1e9 on a feature of
        # scale 1e-9), whose L2 penalty (1e13 at l2=1e-5) would swamp the data term:
        # L-BFGS-B's first steps from there sent the logits to 1e5-1e12.
        # On inputs flagged as small, an overflow here (scale ** 2 beyond float64)
        # is measured again without it (_abba_range_factor): no RuntimeWarning.
        with (np.errstate(over="ignore", invalid="ignore") if small_inputs
              else nullcontext()):
            norm = float(np.einsum("ij,ij,j->", a, a, scale ** 2)
                         + np.einsum("ij,ij,j->", b, b, scale ** 2))
        # On inputs flagged as small, the first layer's penalty of order one (a
        # penalty of 1e3 still steered L-BFGS-B's first steps: -1.9 and -3.4
        # against the class prior, 60 x 3 inputs of scale 1e-3).
        most = (SMALL_INPUT_MAX_INIT_L2 if small_inputs and i == 0
                else ABBA_MAX_INIT_L2)
        # The norm is not divided by the largest weight here, so l2 goes into the
        # limit first (the product of an extreme l2, 1e150, and the norm
        # overflowed): init_l2_factor(1.0, norm, most / l2), whose 1.0 * norm is
        # exact, is sqrt((most / l2) / norm) bit for bit.
        room = most / float(l2[i]) if l2[i] > 0 else np.inf  # no warning at 1e-320
        factor = init_l2_factor(1.0, norm, room)
        if small_inputs:
            factor = _abba_range_factor(a, b, scale, norm, room, l2[i], factor)
        # On inputs flagged as small, the layers above are scaled on the first
        # layer at unit spread, before its cap (as dense_init's): scaled on the
        # capped one, whose units then vary by 1e-18 (breast cancer times 1e-20),
        # the next layer got weights of 1e3, and one Adam step of 1e-3 on the
        # hidden biases moved the logits' difference by up to 79 (0.02 now); the
        # fit ended at P = 2e-5 for a class of 63% of the rows (a log-loss 10
        # times the class prior's).
        unit_scale = scale
        if factor < 1.0:
            scale = scale * factor
        a *= scale
        b *= scale
        coefs_a.append(a)
        coefs_b.append(b)
        if i < n_layers - 1:
            above = unit_scale if small_inputs and i == 0 else scale
            u, v = u * above, v * above
            x = activate(u - weights @ u)
            z = activate(v - weights @ v)
    c = 1.0 if cap is None else cap.factor(coefs_a, coefs_b)
    icpt_u, icpt_v = _abba_centred_intercepts(coefs_a, coefs_b, c, inputs, weights,
                                              rng, activate)
    return coefs_a, coefs_b, icpt_u, icpt_v


def _abba_range_factor(a, b, scale, norm, room, l2, factor):
    """On inputs flagged as small: the factor of an ABBA layer (blocks ``a, b`` to
    be scaled per unit by ``scale``; ``norm`` their squared norm and ``factor``
    ``abba_init``'s own, as measured) that keeps its squared norm within ``room``
    (its penalty within the layer's cap) and its squared norm and penalty within
    ``range_l2_factor``'s limit. Where ``norm`` overflowed (``scale ** 2`` beyond
    float64, and inf times a zero weight: NaN, for which ``factor`` is 1) both are
    measured again on the scales divided by the largest."""
    top = 1.0
    if not np.isfinite(norm):
        top = float(np.max(scale))
        if not (np.isfinite(top) and top > 0.0):
            return factor
        unit = (scale / top) ** 2
        norm = float(np.einsum("ij,ij,j->", a, a, unit)
                     + np.einsum("ij,ij,j->", b, b, unit))
        factor = init_l2_factor(1.0, norm, room, top)
    return min(factor, range_l2_factor(l2, norm, top))


def _abba_centred_intercepts(coefs_a, coefs_b, c, inputs, weights, rng, activate):
    """Biases that centre every unit of the network with blocks ``c A, c B`` on
    ``inputs`` (rows of ``weights``); hidden ones then offset at random by
    ``ABBA_SYMMETRY_BREAK`` times the unit's spread."""
    x, z = inputs, -inputs
    icpt_u, icpt_v = [], []
    last = len(coefs_a) - 1
    for i, (a, b) in enumerate(zip(coefs_a, coefs_b)):
        u, v = c * (x @ a + z @ b), c * (x @ b + z @ a)
        if i == last:
            shift = -(weights @ ((u - v) / 2))
            icpt_u.append(shift)
            icpt_v.append(-shift)
            break
        spread = np.sqrt((_variance(weights, u) + _variance(weights, v)) / 2)
        bu = -(weights @ u) + spread * rng.normal(0.0, ABBA_SYMMETRY_BREAK, a.shape[1])
        bv = -(weights @ v) + spread * rng.normal(0.0, ABBA_SYMMETRY_BREAK, a.shape[1])
        icpt_u.append(bu)
        icpt_v.append(bv)
        x, z = activate(u + bu), activate(v + bv)
    return icpt_u, icpt_v
