"""Lipschitz bounds of fitted networks, their gradients, and certified radii.

Everything is in the L2 norm, for the logits as a function of the input, with weight
matrices in scikit-learn's row convention (``outputs = inputs @ coef``): the Jacobian
of a network is ``W_1 D_1 W_2 ... D_{L-1} W_L`` read right to left, with diagonal
``D_l`` holding the activations' slopes.

Two facts do the work (Combettes & Pesquet 2020; Vasilescu, Neacsu & Pesquet 2024):

- Non-negative layers. If every ``W_l >= 0`` and each slope lies in ``[0, k_l]``,
  then ``|J v| <= (prod k_l) W_1 ... W_L |v|`` entrywise, so
  ``||J|| <= (prod k_l) ||W_1 ... W_L||``: the norm of one product, not the product of
  the norms (eq. 3, the "separable" bound). The same argument works on any run of
  consecutive sign-constrained layers, with ``|W_l|``.
- ABBA layers. ``M = [[A, B], [B, A]]`` is block-diagonalised by the orthogonal map
  ``[[I, I], [I, -I]] / sqrt(2)`` into ``A + B`` and ``A - B``; products of ABBA
  matrices are ABBA with ``S(M M') = S(M) S(M')``, ``S(M) = A + B``, and for
  ``A, B >= 0``, ``||A - B|| <= ||A + B||``. Hence Proposition 3.3: an ABBA network
  with non-expansive activations has a Lipschitz constant at most
  ``||W_out|| ||S(M_L) ... S(M_1)|| ||W_in||``, where the doubling map
  ``[I; -I]`` has norm ``sqrt(2)`` and the halving map ``[I, -I] / 2`` has norm
  ``1 / sqrt(2)``: the two cancel.

In an ABBA network the first layer meets the doubled input ``[x; -x]`` and the last
one feeds the halving map, so both act only through ``A - B``; their ``A + B`` is
free. Taken at its least, ``A = (A - B)^+`` and ``B = (A - B)^-``, it is ``|A - B|``:
the factors used below (and the form the fitted estimator stores) are
``|A_1 - B_1|, A_2 + B_2, ..., A_{L-1} + B_{L-1}, |A_L - B_L|``.

The network a fitted estimator computes with is that of its float64 parameters
cast to the compute ``dtype`` (the kernels' weight buffers; the gain too): a
float32 weight differs from the stored one by up to ``2^-24`` relative, and a
product of ``L`` layers by up to about ``L 2^-24``, far above the float64
rounding allowance. The reported bounds are therefore computed from the cast
weights (:func:`computed_weights`, :func:`abba_computed_factors`), which float64
holds exactly: they bound the exact constant of the network as evaluated, and
the rounding of the forward pass itself is :func:`logit_rounding_bound`'s.
"""

import math
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from . import _activations
from ._kernels.codes import FLUSH

__all__ = [
    "spectral_norm",
    "chain_product",
    "product_norm",
    "product_norm_exponent",
    "product_norm_grad",
    "abba_factors",
    "abba_factor_grads",
    "computed_weights",
    "abba_computed_factors",
    "cast_allowance",
    "abba_bounds",
    "bound_scale",
    "dense_lipschitz_factor",
    "upper_product",
    "mlp_lipschitz_bound",
    "RoundingLayer",
    "dense_rounding_layers",
    "abba_rounding_layers",
    "logit_rounding_bound",
    "bound_rounding_allowance",
    "certified_radius",
]


def spectral_norm(matrix):
    """Largest singular value (LAPACK SVD, to its rounding); ``inf`` for a matrix
    with a non-finite entry (a product of weights that overflowed: still an upper
    bound; before, LAPACK got the infinities and printed "DLASCL illegal value")."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.size == 0:
        return 0.0
    if not np.all(np.isfinite(matrix)):
        return math.inf
    return float(np.linalg.svd(matrix, compute_uv=False)[0])


def chain_product(factors):
    """``factors[0] @ factors[1] @ ... @ factors[-1]``, multiplied from the right
    (networks narrow towards the output, so every intermediate stays small)."""
    product = np.asarray(factors[-1], dtype=np.float64)
    # Weights so large that a product overflows give inf (or inf * 0 = NaN)
    # entries, whose norm spectral_norm takes as inf: no NumPy warning on the way.
    with np.errstate(over="ignore", invalid="ignore"):
        for factor in factors[-2::-1]:
            product = np.asarray(factor, dtype=np.float64) @ product
    return product


def _scaled_by_a_power_of_two(matrix):
    """``(scaled, e)`` with ``scaled * 2**e == matrix`` and the largest ``|entry|``
    of ``scaled`` in ``[1/2, 1)``: exact, but for entries that the scaling takes
    below the smallest normal float, which are rounded away from 0 (a rounding
    towards 0 would make a product of non-negative factors smaller than the
    exact one). A zero or non-finite matrix is returned as it is, with ``e = 0``."""
    matrix = np.asarray(matrix, dtype=np.float64)
    peak = float(np.max(np.abs(matrix), initial=0.0))
    if peak == 0.0 or not math.isfinite(peak):
        return matrix, 0
    exponent = math.frexp(peak)[1]
    scaled = np.ldexp(matrix, -exponent)
    small = (np.abs(scaled) < np.finfo(np.float64).tiny) & (matrix != 0)
    if small.any():
        scaled[small] = np.nextafter(scaled[small],
                                     np.copysign(np.inf, matrix[small]))
    return scaled, exponent


def product_norm_exponent(factors):
    """``(m, e)`` with ``m * 2**e = ||factors[0] @ ... @ factors[-1]||_2``, for
    factors whose product, or any partial product, may lie beyond the float64
    range (``m`` is ``inf`` for a factor with a non-finite entry).

    Every factor and every partial product (multiplied from the right, as
    :func:`chain_product`) is scaled by a power of two to a largest entry in
    ``[1/2, 1)``, the exponents summed: a network whose gain is compensated by
    its weights (``gain=1e-40`` with weights of 1e40, as the initialisation
    draws them) has an ordinary bound whose unscaled products overflow. The
    scalings are exact in the normal range, where the rounding analysis of
    :func:`bound_rounding_allowance` holds as before."""
    exponent = 0
    product, e = _scaled_by_a_power_of_two(factors[-1])
    exponent += e
    with np.errstate(over="ignore", invalid="ignore"):
        for factor in factors[-2::-1]:
            factor, e = _scaled_by_a_power_of_two(factor)
            product, e2 = _scaled_by_a_power_of_two(factor @ product)
            exponent += e + e2
    mantissa, e = math.frexp(spectral_norm(product))
    return mantissa, exponent + e


def _upper_float(mantissa, exponent):
    """``mantissa * 2**exponent`` as a float64 at least the exact value: ``inf``
    beyond the range, and in the subnormal range (where ``ldexp`` rounds to the
    nearest multiple of 5e-324, possibly 0) one step up."""
    if mantissa == 0.0 or not math.isfinite(mantissa):
        return mantissa
    try:
        value = math.ldexp(mantissa, exponent)
    except OverflowError:
        return math.inf
    if value < np.finfo(np.float64).tiny:
        value = math.nextafter(value, math.inf)
    return value


def product_norm(factors):
    """``||factors[0] @ ... @ factors[-1]||_2``, computed without an intermediate
    overflow or underflow (:func:`product_norm_exponent`): ``inf`` only where the
    norm itself exceeds the float64 range, never 0 for a positive norm below it."""
    return _upper_float(*product_norm_exponent(factors))


def product_norm_grad(factors):
    """``(beta, grads)``: ``beta = ||F_1 ... F_k||_2`` and ``dbeta/dF_j``.

    With ``u, v`` the top singular vectors of ``P = F_1 ... F_k``, ``dbeta/dP = u v^T``
    and ``dbeta/dF_j = (F_1 ... F_{j-1})^T u v^T (F_{j+1} ... F_k)^T``: rank one, the
    outer product of ``u`` pulled back through the factors on the left and ``v``
    pushed through those on the right. (Where the top singular value is repeated
    this is one element of the subdifferential.)
    """
    product = chain_product(factors)
    u_mat, sigma, vt = np.linalg.svd(product, full_matrices=False)
    beta = float(sigma[0])
    left = [u_mat[:, 0]]
    for factor in factors[:-1]:
        left.append(left[-1] @ factor)
    right = [vt[0]]
    for factor in factors[:0:-1]:
        right.append(factor @ right[-1])
    right = right[::-1]
    return beta, [np.outer(lv, rv) for lv, rv in zip(left, right)]


def abba_factors(coefs_a, coefs_b):
    """The sum matrices of Proposition 3.3: ``|A_1 - B_1|``, ``A_l + B_l`` for the
    inner layers, ``|A_L - B_L|`` (see the module docstring)."""
    n_layers = len(coefs_a)
    factors = []
    for i, (a, b) in enumerate(zip(coefs_a, coefs_b)):
        if i == 0 or i == n_layers - 1:
            factors.append(np.abs(a - b))
        else:
            factors.append(a + b)
    return factors


def abba_factor_grads(coefs_a, coefs_b, factor_grads):
    """Chain rule from ``d/dF_l`` to ``(d/dA_l, d/dB_l)`` for ``abba_factors``."""
    n_layers = len(coefs_a)
    grads = []
    for i, (a, b, g) in enumerate(zip(coefs_a, coefs_b, factor_grads)):
        if i == 0 or i == n_layers - 1:
            ga = np.sign(a - b) * g
            grads.append((ga, -ga))
        else:
            grads.append((g, g))
    return grads


def computed_weights(matrix, dtype=np.float64):
    """``matrix`` as the kernels compute with it: rounded to ``dtype`` (the weight
    buffers of a float32 model), returned in float64, which holds every float32
    value exactly. For float64 the values themselves."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if np.dtype(dtype) == np.float64:
        return matrix
    return matrix.astype(dtype).astype(np.float64)


def abba_computed_factors(coefs_a, coefs_b, dtype=np.float64):
    """The factors of :func:`abba_factors` of the network the kernels evaluate in
    ``dtype``: they hold ``Q_l = fl(A_l - B_l)`` (first and inner layers), ``P_l =
    fl(A_l + B_l)`` (inner layers) and ``fl((A_L - B_L) / 2)`` (the last one),
    each computed in float64 and rounded once to ``dtype``
    (``sknonneg._engine.layers.ABBALayer``: ``load``, ``predict``).

    In sum and difference coordinates an inner layer computes ``(s P + d Q) / 2``:
    the ABBA layer with ``A' = (P + Q) / 2``, ``B' = (P - Q) / 2``, whose sum
    matrix is ``P`` and difference ``Q``. Rounding is monotone and odd, so ``|A -
    B| <= A + B`` gives ``|Q| <= P``: ``A', B' >= 0``, and Proposition 3.3 applies
    to the cast network with the factors ``|Q_1|, P_2, ..., P_{L-1}, 2 |fl((A_L -
    B_L) / 2)|``. For float64 these are :func:`abba_factors`'s (the halving is
    exact but for subnormal weights).
    """
    n_layers = len(coefs_a)
    factors = []
    for i, (a, b) in enumerate(zip(coefs_a, coefs_b)):
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        if i == n_layers - 1 and i > 0:
            factors.append(2.0 * np.abs(computed_weights((a - b) / 2, dtype)))
        elif i == 0:
            factors.append(np.abs(computed_weights(a - b, dtype)))
        else:
            factors.append(computed_weights(a + b, dtype))
    return factors


def cast_allowance(n_layers, dtype):
    """Relative growth of a bound of ``n_layers`` non-negative factors when each
    is rounded to ``dtype``: 0 for float64 (no cast), else ``gamma_L(u + 4 u_64)``,
    ``u`` the unit roundoff of ``dtype``.

    Every entry of a cast factor is at most ``(1 + u)`` times the exact one, which
    the float64 scaling and sums before the cast (``c A``, ``c A + c B``, at most
    three roundings) leave within ``(1 + u_64)^3``; a product of non-negative
    matrices is monotone in every entry and the norm is monotone on non-negative
    matrices, so the cast network's bound is at most ``(1 + u + 4 u_64)^L <= 1 +
    gamma_L(u + 4 u_64)`` times the float64 one.
    """
    if np.dtype(dtype) == np.float64:
        return 0.0
    u = float(np.finfo(dtype).eps) / 2.0
    u64 = float(np.finfo(np.float64).eps) / 2.0
    return _gamma(n_layers, u + 4.0 * u64)


def abba_bounds(coefs_a, coefs_b, activation_lipschitz=1.0, dtype=np.float64):
    """``(tight, separable)`` Lipschitz bounds of an ABBA network's logits.

    ``tight`` is Proposition 3.3, ``||S_L ... S_1|| * k^(L-1)``; ``separable`` is
    eq. (3), ``prod_l ||S_l|| * k^(L-1)`` (the spectral norm of a non-negative ABBA
    matrix is that of its sum matrix), ``k`` the activations' Lipschitz constant;
    both enlarged by :func:`bound_rounding_allowance`, so that they bound the exact
    values. The factors are those of the network evaluated in ``dtype``
    (:func:`abba_computed_factors`: the weights cast to it).
    """
    factors = abba_computed_factors(coefs_a, coefs_b, dtype)
    gain = float(activation_lipschitz) ** (len(factors) - 1)
    # Upper bounds as computed too: enlarged by the rounding of the norms.
    gain *= 1.0 + bound_rounding_allowance(factors)
    tight = product_norm(factors) * gain
    separable = math.prod(spectral_norm(f) for f in factors) * gain
    # Never below the tight bound (the user guide's promise). The two are equal in
    # exact arithmetic where the product of the factors has rank one (one hidden
    # unit), and computed by different roundings: before, the tight one came out
    # an ulp above the separable one for about a quarter of such networks. Any
    # value at least the computed separable bound bounds the exact separable
    # product too, so the larger of the two keeps it an upper bound.
    separable = max(separable, tight)
    return tight, separable


def bound_scale(factors, lipschitz_max, activation_lipschitz=1.0, margin=None,
                dtype=np.float64):
    """Scale that brings the bound of ``factors`` under ``lipschitz_max``.

    Multiplying every weight layer by ``c`` multiplies the bound by ``c^k`` (``k``
    layers, biases untouched), so ``c = min(1, (lipschitz_max / bound)^(1/k))``
    (times ``1 - margin``, against rounding: by default twice the computed bound's
    rounding allowance, :func:`bound_rounding_allowance`, and at least 1e-10, plus
    for a network evaluated in float32 the growth of the bound when the scaled
    weights are cast, :func:`cast_allowance`) puts the network on the constraint
    set when it is outside, and leaves it alone inside.

    The margin's arithmetic: with ``a`` the rounding allowance and ``g`` the cast's,
    the reported bound of the cast network is at most ``(1 + a)^2 (1 + g)`` times
    ``c^k`` times the computed bound (once for the computed bound, once for the
    reported one's recomputation), that is ``lipschitz_max (1 + a)^2 (1 + g) (1 -
    2 a - g) <= lipschitz_max``, as ``(1 + x + y) (1 - x) <= 1`` for ``x = 2 a +
    g`` and ``y = a^2 (1 + g) + 2 a g <= x^2``. ``ABBAClassifier`` computes its
    network with the scaled weights, differentiating through ``c``: the constraint
    holds at every iterate, for any solver.

    Returns ``(c, bound, dc/dF)``, ``dc/dF`` a list per factor, or ``None`` when
    ``c == 1``.
    """
    k = len(factors)
    gain = float(activation_lipschitz) ** (k - 1)
    beta, grads = product_norm_grad(factors)
    bound = beta * gain
    if margin is None:
        # Twice the allowance: abba_bounds enlarges the computed bound by it once.
        # A float32 network computes with the scaled weights rounded to float32,
        # each up to 2^-24 larger: its bound up to cast_allowance larger (0 for
        # float64, whose scale is unchanged).
        margin = (max(1e-10, 2.0 * bound_rounding_allowance(factors))
                  + cast_allowance(k, dtype))
    target = float(lipschitz_max) * (1.0 - margin)
    if bound <= target:
        return 1.0, bound, None
    c = (target / bound) ** (1.0 / k)
    # c = (target / (gain beta))^(1/k): dc/dbeta = -c / (k beta).
    coef = -c / (k * beta)
    return c, bound, [coef * g for g in grads]


def dense_lipschitz_factor(activation, gain):
    """The largest slope of ``t -> f(gain * t)``, ``gain`` times that of ``f``
    (``sknonneg._activations``): ``gain / 4`` for the sigmoid, ``gain`` for tanh,
    relu and the identity."""
    if activation not in _activations.DENSE:
        raise ValueError(f"unknown activation {activation!r}")
    return upper_product(gain, _activations.DENSE[activation].max_slope)


def upper_product(a, b):
    """``a * b`` for floats ``a, b >= 0`` as a float64 at least the exact product:
    the rounded product where it is exact (a power of two times a float, in the
    normal range: the activations' slopes), else one step up from it, which
    covers a rounding to nearest, also below the smallest normal float
    (``gain=1e-308`` times the sigmoid's 1/4 rounded down, to 0 for
    ``gain=5e-324``); ``inf`` beyond the range."""
    a, b = float(a), float(b)
    product = a * b
    if math.isfinite(product) and Fraction(product) < Fraction(a) * Fraction(b):
        product = math.nextafter(product, math.inf)
    return product


def mlp_lipschitz_bound(coefs, coef_signs, max_slope, dtype=np.float64):
    """Lipschitz bound of a network with monotone activations of slope <= ``max_slope``.

    Consecutive layers whose every row is sign-constrained (``coef_signs`` of
    ``sknonneg._engine.layout.ParameterLayout``: +1 or -1, no 0) are bounded together,
    ``|| |W_i| ... |W_j| ||`` (first fact of the module docstring); any other layer by
    its own spectral norm. All layers non-negative: ``||W_1 ... W_L||``, the tight
    bound; all free: the separable product (eq. 3). The computed value is
    enlarged by :func:`bound_rounding_allowance`, so that it bounds the exact one.
    The weights are those the kernels compute with, cast to ``dtype``
    (:func:`computed_weights`); ``max_slope`` must be that of the larger of the
    gain as cast to it (the numba kernels compute ``f(fl(gain) t)``) and the
    float64 gain (their NumPy twins compute ``f(gain t)``).

    The factors (the slope's powers, the norms) are multiplied as mantissas and
    exponents (:func:`product_norm_exponent`), so that the bound is finite
    wherever it lies in the float64 range, whatever the range of its factors
    (a small gain and the large weights that compensate it), and positive
    wherever the exact constant is (the least positive float below the range).
    A ``ValueError`` where the bound exceeds the range because of the slope's
    power (a gain too large for the depth); ``inf`` where the weights' norms
    alone exceed it.
    """
    coefs = [computed_weights(coef, dtype) for coef in coefs]
    n_slopes = len(coefs) - 1
    # The bound as m * 2**e, factor by factor (slopes, norms of runs and of free
    # layers), so that neither a power of the slope nor a product of norms
    # overflows or underflows on the way: the initialisation draws weights of
    # the inverse of the gain's scale, whose bound is ordinary (gain=1e-40 and
    # 8 hidden layers: 1e-280 times a norm product of 1e280). Before, the slope
    # power was taken first: 0 * inf = NaN there (gain=1e-110, 3 hidden layers),
    # inf (gain=1e-40, 8) or 0 for a positive constant (gain=1e-200, 2).
    mantissa, exponent = 1.0, 0

    def times(m, e):
        nonlocal mantissa, exponent
        if not (math.isfinite(m) and math.isfinite(mantissa)):
            # A factor of norm inf (weights beyond the compute dtype's range):
            # no finite bound, whatever the other factors, as within a run and
            # spectral_norm. Before, one before a factor of norm 0 gave
            # inf * 0 = NaN, and the other order 0.
            mantissa = math.inf
            return
        if mantissa == 0.0:  # a factor of norm 0: the Jacobian is 0
            return
        mantissa, e2 = math.frexp(mantissa * m)
        exponent += e + e2

    slope_m, slope_e = math.frexp(float(max_slope))
    for _ in range(n_slopes):
        times(slope_m, slope_e)
    slopes_exponent = exponent
    run = []
    for coef, signs in zip(coefs, coef_signs):
        if np.all(np.asarray(signs) != 0):
            run.append(np.abs(coef))
            continue
        if run:
            times(*product_norm_exponent(run))
            run = []
        times(*product_norm_exponent([coef]))
    if run:
        times(*product_norm_exponent(run))
    # An upper bound as computed too: enlarged by the rounding of the norms, and
    # of the 2 L products of the scalars above.
    u = float(np.finfo(np.float64).eps) / 2.0
    times(1.0 + bound_rounding_allowance(coefs) + _gamma(2 * len(coefs), u), 0)
    bound = _upper_float(mantissa, exponent)
    if bound == math.inf and math.isfinite(mantissa) and slopes_exponent > 1024:
        raise ValueError(
            f"The Lipschitz bound overflows: the hidden units' largest slope "
            f"{max_slope:.3g} (the gain times the activation's: gain / 4 for the "
            f"sigmoid, the gain for tanh, relu and the identity) to the power "
            f"{n_slopes}, times the norms of the weights, exceeds the float range. "
            f"Use a smaller gain."
        )
    return bound


class RoundingLayer(NamedTuple):
    """One layer of a network as :func:`logit_rounding_bound` reads it.

    ``coef_abs`` (n_in, n_out) and ``intercept_abs`` (n_out,) bound the layer's
    weights and biases entrywise in absolute value, in the layout the computation
    has (an ABBA layer as the dense map of its ``(x, z)`` pair); ``fan_in`` is the
    most terms any computed output sums. The activation ``f`` applied to the
    layer's affine map ``t`` (None on the output layer): ``slope`` bounds its
    Lipschitz constant, ``|f(t)| <= min(ceiling, growth |t|)`` (``growth`` None:
    the ceiling only, as for the sigmoid), and ``cap`` is the constant of a capped
    activation, whose evaluation errs by a few roundings of ``|t| + cap``.
    """

    coef_abs: np.ndarray
    intercept_abs: np.ndarray
    fan_in: int
    slope: float = 1.0
    growth: float | None = 1.0
    ceiling: float = math.inf
    cap: float = 0.0


def dense_rounding_layers(coefs, intercepts, activation, gain):
    """The :class:`RoundingLayer` list of a dense network (``NonNegMLPClassifier``):
    hidden units ``f(gain t)``, a plain affine output. ``f(0) = 0`` gives
    ``|f(gain t)| <= slope |t|`` (growth); the sigmoid's 1/2 at 0 leaves its ceiling
    only."""
    act = _activations.DENSE[activation]
    slope = dense_lipschitz_factor(activation, gain)
    growth = float(slope) if act.zero_at_zero else None
    ceiling = act.ceiling
    layers = []
    for i, (coef, icpt) in enumerate(zip(coefs, intercepts)):
        coef_abs = np.abs(np.asarray(coef, dtype=np.float64))
        hidden = i < len(coefs) - 1
        layers.append(RoundingLayer(
            coef_abs, np.abs(np.asarray(icpt, dtype=np.float64)), coef_abs.shape[0],
            *((slope, growth, ceiling) if hidden else (1.0, 1.0, math.inf))))
    return layers


def abba_rounding_layers(coefs_a, coefs_b, intercepts, activation, cap):
    """The :class:`RoundingLayer` list of an ABBA network (``ABBAClassifier``).

    Each hidden layer maps the pair ``(x, z)`` to ``(f(x A + z B + b_u), f(x B + z A
    + b_v))``; the kernels compute it in sum and difference coordinates, ``(x + z)
    (A + B) / 2 + (x - z) (A - B) / 2``, whose rounding is bounded by that of the
    dense map of ``(x, z)`` with ``|A| + |B|`` in all four blocks, summing twice the
    terms. The first layer reads ``(x, -x)`` (``x (A - B)`` and its negative), the
    logits are ``(x - z) (A - B) / 2 + (b_u - b_v) / 2``. The activations are
    1-Lipschitz with ``|f(t)| <= |t|`` (``f(0) = 0``); tanh is bounded by 1
    (``sknonneg._activations``).
    """
    act = _activations.ABBA[activation]
    slope = act.max_slope
    growth = slope if act.zero_at_zero else None
    ceiling = act.ceiling
    cap = float(cap) if "cap" in act.parameters else 0.0
    n_layers = len(coefs_a)
    layers = []
    for i, (a, b, icpt) in enumerate(zip(coefs_a, coefs_b, intercepts)):
        a = np.asarray(a, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        n_in, n_out = a.shape
        icpt = np.asarray(icpt, dtype=np.float64)
        if i == n_layers - 1:  # after at least one hidden layer
            half = np.abs(a - b) / 2
            layers.append(RoundingLayer(np.vstack([half, half]),
                                        np.abs(icpt[:n_out] - icpt[n_out:]) / 2,
                                        2 * n_in + 2))
            continue
        icpt = np.abs(icpt)
        if i == 0:
            diff = np.abs(a - b)
            coef_abs, fan_in = np.hstack([diff, diff]), n_in
        else:
            total = np.abs(a) + np.abs(b)
            coef_abs = np.block([[total, total], [total, total]])
            fan_in = 2 * n_in + 2
        layers.append(RoundingLayer(coef_abs, icpt, fan_in, slope, growth, ceiling,
                                    cap))
    return layers


def _gamma(n, u):
    """``n u / (1 - n u)``: the relative rounding error of a sum of ``n`` terms."""
    return n * u / (1.0 - n * u) if n * u < 0.5 else math.inf


def logit_rounding_bound(layers, X, radius, dtype):
    """Per sample, a bound on ``|computed logit - exact logit|`` over the L2 ball
    of ``radius`` around the row, for every kernel that computes the network.

    Floating-point error analysis in unit roundoff ``u`` of ``dtype``: a computed
    sum of ``n`` products, in any order, with or without fused multiply-adds,
    errs by at most ``gamma_n = n u / (1 - n u)`` times the sum of the terms'
    magnitudes, and the input, the weights (stored in float64, cast to ``dtype``),
    the bias and the gain each add one rounding. So the pre-activation ``t`` of a
    unit errs by at most ``e |W| + gamma_(n + 6) (a |W| + |b|)``, ``e`` the
    error and ``a`` a bound of the magnitude of the layer's inputs; the
    activation, of slope ``<= k``, passes on ``k`` times that plus its own
    evaluation error (at most 8 ``u`` for the sigmoid and tanh, whose ``exp`` is
    within 2 ulp, a few roundings of ``|t| + cap`` for a capped one) and
    ``FLUSH`` (values below it are written as zeros). Over the ball, ``|x + delta|
    |W_1| <= |x| |W_1| + radius ||W_1[:, j]||_2`` (Cauchy-Schwarz), and the next
    magnitudes follow from the activations' bounds. The result is doubled, which
    covers the second-order terms the recursion drops. Shape (n_samples,): the
    largest over the logits.

    The exact logits may be taken as those of the network with the float64
    parameters or of the network as computed, its weights, biases and gain cast to
    ``dtype``: the network whose Lipschitz constant the estimators'
    ``lipschitz_bound_`` bounds (:func:`mlp_lipschitz_bound`, :func:`abba_bounds`),
    which :func:`certified_radius` pairs with this bound. Against the cast network
    the casts add no rounding, and the one counted for each of them covers the
    magnitudes read here from the float64 parameters: a cast weight is at most
    ``(1 + u) |W|``, and ``(1 + u) gamma_(n + 5) <= gamma_(n + 6)`` (the cast's
    effect on the propagated error ``e |W|`` is of second order: in the doubling).
    """
    u = float(np.finfo(dtype).eps) / 2.0
    big = np.finfo(np.float64).max / 4.0
    radius = np.minimum(np.asarray(radius, dtype=np.float64), big)
    if sp.issparse(X):
        abs_x = abs(sp.csr_matrix(X, dtype=np.float64))
    else:
        abs_x = np.abs(np.asarray(X, dtype=np.float64))
    first = layers[0]
    with np.errstate(over="ignore", invalid="ignore"):
        col_norms = np.sqrt(np.sum(first.coef_abs ** 2, axis=0))
        size = np.asarray(abs_x @ first.coef_abs)
        size += radius[:, None] * col_norms + first.intercept_abs
        error = _gamma(first.fan_in + 6, u) * size
        for layer, upper in zip(layers[:-1], layers[1:]):
            size = np.minimum(size, big)
            out_error = (layer.slope * (error + 2.0 * u * size) + 8.0 * u + FLUSH)
            if layer.growth is None:
                magnitude = np.full_like(size, layer.ceiling)
            else:
                magnitude = np.minimum(layer.ceiling, layer.growth * size)
                out_error += 4.0 * u * (layer.growth * size + layer.cap)
            magnitude = np.minimum(magnitude + out_error, big)
            out_error = np.minimum(out_error, big)
            size = magnitude @ upper.coef_abs + upper.intercept_abs
            error = out_error @ upper.coef_abs + _gamma(upper.fan_in + 6, u) * size
    error = np.where(np.isnan(error), np.inf, error)
    return 2.0 * np.max(error, axis=1)


def bound_rounding_allowance(coefs):
    """Relative allowance for the rounding of a computed Lipschitz bound.

    The bound is the SVD's largest singular value of a chain of ``k`` products of
    at most ``n``-wide matrices (float64): the products of non-negative factors err
    entrywise by at most ``k gamma_n`` relative, and LAPACK's SVD is backward
    stable with an error ``p(m, n) u ||P||``, ``p`` a modestly growing function;
    this allows ``p = m n`` and doubles the sum.
    """
    u = float(np.finfo(np.float64).eps) / 2.0
    widths = [max(np.shape(c)) for c in coefs]
    n = max(widths) if widths else 1
    return 2.0 * (len(widths) * _gamma(n, u) + n * n * u)


def certified_radius(logits, bound, multilabel=False, logit_error=None):
    """Per sample, the L2 radius within which the prediction provably stays.

    ``logits`` of shape (n_samples, n_outputs), ``bound`` a Lipschitz constant of
    the logit map. With two or more logits the prediction is the arg-max: a
    perturbation ``delta`` moves ``z_i - z_j`` by at most
    ``sqrt(2) ||z(x + delta) - z(x)|| <= sqrt(2) bound ||delta||``, so the top class
    stays while ``||delta|| < margin / (sqrt(2) bound)``, ``margin`` the gap between
    the two largest logits. A single logit ``t`` (binary logistic output) decides by
    its sign: radius ``|t| / bound``; multilabel outputs: the least of those.

    Rounding. ``bound`` must bound the exact Lipschitz constant of the network as
    computed, its weights cast to the compute dtype (the estimators'
    ``lipschitz_bound_`` do: :func:`computed_weights`,
    :func:`bound_rounding_allowance`), and
    ``logit_error(radius)`` (optional) bounds, per sample, how far the computed
    logits are from the exact ones anywhere in the ball of ``radius``
    (:func:`logit_rounding_bound`). With ``E`` that bound on the ball of the
    exact-arithmetic radius, the computed prediction at ``x`` is the exact one and
    stays the computed prediction everywhere in the ball while the exact margin
    moves by less than ``margin - 4 E`` (``2 E`` for a sign: the computed margin at
    ``x`` errs by ``2 E`` and at ``x + delta`` by ``2 E`` again): the radius is
    ``max(margin - 4 E, 0) / (sqrt(2) bound)``.

    A zero ``bound`` (logits that do not depend on the input) gives ``inf`` where
    that margin is positive; a radius beyond the float64 range (a subnormal
    ``bound``) is given as the largest finite float64, which the exact one exceeds.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if not bound < math.inf:
        # No finite bound (weights whose products overflow): nothing is
        # certified. Before: inf / inf, NumPy's "invalid value" warning.
        return np.zeros(logits.shape[0])
    # In float64 (a float32 bound was multiplied in float32: sqrt(2) * bound
    # rounded there, and the radius could come out above the exact one).
    bound = float(bound)
    if multilabel or logits.shape[1] == 1:
        margin = np.min(np.abs(logits), axis=1)
        scale, n_errors = 1.0, 2.0
    else:
        top2 = np.partition(logits, logits.shape[1] - 2, axis=1)[:, -2:]
        margin = top2[:, 1] - top2[:, 0]
        scale, n_errors = math.sqrt(2.0), 4.0

    def radius(margin):
        if not bound > 0:
            return np.where(margin > 0, np.inf, 0.0)
        # A quotient beyond the float64 range (a subnormal bound) is the largest
        # finite float: the exact radius exceeds it but is finite, and a
        # perturbation of a larger norm can exist. Before: inf, with NumPy's
        # "overflow encountered in divide" warning.
        tiny = np.finfo(np.float64).tiny
        with np.errstate(over="ignore"):
            if scale * bound >= tiny:
                quotient = margin / (scale * bound)
            else:
                # A subnormal bound: scale * bound would round (sqrt(2) * 5e-324
                # is 5e-324) and the radius come out above the exact one (by 41%).
                # Both scaled by 2**600, exactly (a margin that overflows there
                # gives inf, capped below, as its exact radius exceeds the range).
                quotient = (margin * 2.0**600) / (scale * (bound * 2.0**600))
        # A subnormal quotient rounds by up to half its spacing, absolutely
        # (5e-324 for an exact 3.5e-324): one step towards 0 keeps it below.
        quotient = np.where(quotient < tiny, np.nextafter(quotient, 0.0), quotient)
        return np.where(margin > 0, np.minimum(quotient, np.finfo(np.float64).max),
                        0.0)

    if logit_error is not None:
        margin = margin - n_errors * np.asarray(logit_error(radius(margin)))
    return radius(margin)


def range_overflow_rows(layers, X, dtype):
    """Rows of ``X`` on which a weighted sum of the network could leave the range of
    ``dtype``: a boolean mask of shape (n_samples,).

    ``layers`` as :func:`logit_rounding_bound` reads them. Every partial sum of a
    pre-activation ``t_j = sum_k x_k W_kj + b_j``, in whatever order a kernel adds
    the terms, is bounded by ``sum_k |x_k| |W_kj| + |b_j|`` (the rounding grows it
    by less than a factor 2 below 2^52 terms), and a hidden unit computes
    ``f(gain t)``, ``gain <= 4 slope``; the next layer's inputs are bounded by the
    activation's ceiling and growth. A row is flagged when any of these bounds, or
    its largest ``|x|`` (ABBA's first layer reads ``2 x``), exceeds a sixteenth of
    the largest finite value of ``dtype``: only then can a sum overflow, and an
    overflowed sum saturates a sigmoid on the wrong side, silently. A cheap screen
    (the largest ``|x|`` of the row times the largest column sum of ``|W|``) clears
    ordinary rows in one pass over ``X``; the rows it does not clear get the bound
    per unit.
    """
    limit = float(np.finfo(dtype).max) / 16.0
    n_rows = X.shape[0]
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        overall = float(np.max(np.abs(X.data), initial=0.0))
    else:
        X = np.asarray(X)
        if X.size == 0:
            return np.zeros(n_rows, dtype=bool)
        overall = float(np.maximum(np.max(X), -np.min(X)))

    # A NaN (scikit-learn's assume_finite=True lets it through) is not flagged:
    # the output check refuses what it gives, naming assume_finite.
    def flagged(size, matrices):
        """Rows where the recursion from first-layer bounds ``size`` exceeds the
        limit; ``matrices``: per unit (2-D sizes) or one scalar per layer."""
        bad = np.zeros(size.shape[0], dtype=bool)
        for i, layer in enumerate(layers):
            factor = max(1.0, 4.0 * layer.slope) if i < len(layers) - 1 else 1.0
            top = factor * size
            bad |= (np.max(top, axis=1) if top.ndim == 2 else top) > limit
            if i == len(layers) - 1:
                break
            magnitude = (np.full_like(size, layer.ceiling) if layer.growth is None
                         else np.minimum(layer.ceiling, layer.growth * size))
            upper = layers[i + 1]
            if matrices:
                size = magnitude @ upper.coef_abs + upper.intercept_abs
            else:
                size = (magnitude * np.max(np.sum(upper.coef_abs, axis=0), initial=0.0)
                        + np.max(upper.intercept_abs, initial=0.0))
        return bad

    def screen(reach):
        """The cheap screen: max |x| of the row times the largest column sum."""
        cheap = (reach * np.max(np.sum(first.coef_abs, axis=0), initial=0.0)
                 + np.max(first.intercept_abs, initial=0.0))
        return flagged(cheap, False) | (reach > limit)

    first = layers[0]
    with np.errstate(over="ignore", invalid="ignore"):
        # The whole X at once (two fast reductions): clears ordinary input.
        if not screen(np.array([overall]))[0]:
            return np.zeros(n_rows, dtype=bool)
        if sp.issparse(X):
            # Per row, the largest |stored value|, read from the CSR arrays (a wide
            # matrix is never densified, not even its n x 1 maxima).
            reach = np.zeros(n_rows, dtype=np.float64)
            filled = np.diff(X.indptr) > 0
            if X.nnz:
                reach[filled] = np.maximum.reduceat(np.abs(X.data),
                                                    X.indptr[:-1][filled])
        else:
            reach = np.maximum(np.max(X, axis=1), -np.min(X, axis=1)).astype(np.float64)
        bad = screen(reach)
        rows = np.flatnonzero(bad)
        if rows.size:
            block = X[rows]
            abs_x = (abs(block).astype(np.float64) if sp.issparse(block)
                     else np.abs(block.astype(np.float64)))
            size = np.asarray(abs_x @ first.coef_abs) + first.intercept_abs
            bad[rows] = flagged(size, True) | (reach[rows] > limit)
    return bad
