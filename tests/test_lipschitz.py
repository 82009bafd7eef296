"""Lipschitz bounds and certified radii of ABBAClassifier and NonNegMLPClassifier,
and the Lipschitz bound of NonNegMLPRegressor (in the units of y).

A bound must be a bound: no pair of inputs, random or found by gradient ascent on
``||f(x) - f(y)|| / ||x - y||``, may exceed it. ``lipschitz_max`` must hold after
fit, recomputed by SVD from the public attributes; and no perturbation inside the
certified radius, random or found by projected gradient, may change a prediction.
Networks are evaluated here in plain NumPy from the public attributes, written as
ordinary layers ``(W, b, activation)``.
"""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

from conftest import examples, with_fitted_gain
from sknonneg import ABBAClassifier, NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg._engine.layers import ABBA_ACTIVATIONS as ACTIVATIONS
from sknonneg._kernels.reference.abba import activate
from sknonneg._lipschitz import (
    abba_bounds,
    bound_rounding_allowance,
    bound_scale,
    certified_radius,
    chain_product,
    logit_rounding_bound,
    mlp_lipschitz_bound,
    product_norm_grad,
)

RTOL = 1e-9  # a found ratio may exceed a bound by rounding only


def _data(seed=0, n_samples=40, n_features=4, n_classes=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) + (n_classes > 2) * (X[:, 2] > 0.5)
    return X, y


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


# ------------------------------------------------ networks as plain layers
def _abba_activation(est):
    code = ACTIVATIONS[est.activation]
    slope, cap = est.cap_slope, est.cap

    def fn(t):
        return activate(t, code, slope, cap)

    def slope_of(t):
        if est.activation == "tanh":
            return 1.0 - np.tanh(t) ** 2
        if est.activation == "capped_leaky_relu":
            return np.where(np.abs(t) <= cap, 1.0, slope)
        return np.ones_like(t)

    return fn, slope_of


def _plain_layers(est):
    """``[(W, b, act, act_slope), ...]`` computing ``est``'s logits."""
    if isinstance(est, ABBAClassifier):
        fn, slope_of = _abba_activation(est)
        layers = []
        last = len(est.coefs_) - 1
        for i, (w, b) in enumerate(zip(est.coefs_, est.intercepts_)):
            if i == 0:  # the doubling [x, -x] folded in
                n = w.shape[0] // 2
                w = w[:n] - w[n:]
            if i == last:  # the halving (x - z) / 2 folded in, identity activation
                n = w.shape[1] // 2
                layers.append(((w[:, :n] - w[:, n:]) / 2, (b[:n] - b[n:]) / 2, None,
                               None))
            else:
                layers.append((w, b, fn, slope_of))
        return layers
    gain = est.gain_
    f, f_slope = {
        "logistic": (expit, lambda t: expit(t) * (1 - expit(t))),
        "tanh": (np.tanh, lambda t: 1 - np.tanh(t) ** 2),
        "relu": (lambda t: np.maximum(t, 0.0), lambda t: (t > 0).astype(float)),
        "identity": (lambda t: t, np.ones_like)}[est.activation_]

    def unit(t):
        return f(gain * t)

    def unit_slope(t):
        return gain * f_slope(gain * t)

    layers = [(w, b, unit, unit_slope)
              for w, b in zip(est.coefs_[:-1], est.intercepts_[:-1])]
    w, b = est.coefs_[-1], est.intercepts_[-1]
    if isinstance(est, NonNegMLPRegressor):  # predict: y_mean_ + y_scale_ * logits
        w, b = w * est.y_scale_, b * est.y_scale_ + est.y_mean_
    return layers + [(w, b, None, None)]


def _forward(layers, X):
    """Logits and the pre-activations needed by ``_vjp``."""
    pre = []
    h = X
    for w, b, fn, _ in layers:
        t = h @ w + b
        pre.append(t)
        h = fn(t) if fn is not None else t
    return h, pre


def _vjp(layers, pre, v):
    """``v @ J`` row by row: the gradient of ``sum(v * logits)`` with respect to X."""
    g = v
    for (w, _, _, slope_of), t in zip(layers[::-1], pre[::-1]):
        if slope_of is not None:
            g = g * slope_of(t)
        g = g @ w.T
    return g


def _ratio_and_grads(layers, x, y):
    fx, px = _forward(layers, x)
    fy, py = _forward(layers, y)
    g = fx - fy
    delta = x - y
    ng = np.linalg.norm(g, axis=1, keepdims=True) + 1e-300
    nd = np.linalg.norm(delta, axis=1, keepdims=True)
    ratio = ng / nd
    common = ng * delta / nd ** 3
    gx = _vjp(layers, px, g / ng) / nd - common
    gy = -_vjp(layers, py, g / ng) / nd + common
    return ratio[:, 0], gx, gy


def _largest_ratio(est, X, seed=0, n_steps=150):
    """Largest ratio over random pairs and a gradient ascent from them."""
    layers = _plain_layers(est)
    rng = np.random.default_rng(seed)
    n = 64
    x = X[rng.integers(0, X.shape[0], n)] + rng.normal(size=(n, X.shape[1]))
    y = x + rng.normal(size=x.shape) * np.logspace(-3, 1, n)[:, None]
    best = _ratio_and_grads(layers, x, y)[0].max()
    step = 0.05
    for _ in range(n_steps):
        ratio, gx, gy = _ratio_and_grads(layers, x, y)
        best = max(best, ratio.max())
        norm = np.sqrt((gx ** 2).sum(1) + (gy ** 2).sum(1))[:, None] + 1e-300
        x = x + step * gx / norm
        y = y + step * gy / norm
        step *= 0.98
    return max(best, _ratio_and_grads(layers, x, y)[0].max())


ABBA_CASES = [
    {"activation": "tanh"},
    {"activation": "capped_leaky_relu", "cap": 0.5, "cap_slope": 0.3},
    {"activation": "identity"},
    {"activation": "tanh", "hidden_layer_sizes": (5, 4, 3)},
    {"activation": "tanh", "output": "logistic", "classes": 2},
    {"activation": "tanh", "lipschitz_max": 2.0},
]


@pytest.mark.parametrize("params", ABBA_CASES, ids=lambda p: "-".join(map(str, p.values())))
def test_abba_bound_is_a_bound(params):
    params = dict(params)
    n_classes = params.pop("classes", 3)
    X, y = _data(n_classes=n_classes)
    est = _fit(ABBAClassifier(**{"hidden_layer_sizes": (6, 5), "max_iter": 60,
                                 "l2": 0.0, "random_state": 0, **params}), X, y)
    found = _largest_ratio(est, X)
    assert found <= est.lipschitz_bound_ * (1 + RTOL)
    assert est.lipschitz_bound_ <= est.lipschitz_bound_separable_ * (1 + RTOL)


# A free (signed) layer between sign-constrained ones: the constrained runs on
# either side are bounded apart, never multiplied across the free layer.
SANDWICHED = {"free-between": [True, False, True],
              "two-runs": [False, True, False, True]}


@pytest.mark.parametrize("positive", [True, False, "hidden", "output", "monotonic",
                                      *SANDWICHED])
def test_nonneg_mlp_bound_is_a_bound(positive):
    X, y = _data()
    monotonic_cst = None
    hidden = (6, 5)
    if positive == "monotonic":  # binary: monotonic_cst refuses multiclass targets
        positive, monotonic_cst = True, [1, -1, 0, 1]
        X, y = _data(n_classes=2)
    elif positive in SANDWICHED:
        positive = SANDWICHED[positive]
        hidden = (6, 6, 6)[:len(positive) - 1]  # equal widths: |W1||W3| has a shape
    est = _fit(NonNegMLPClassifier(hidden, positive=positive, monotonic_cst=monotonic_cst,
                                   max_iter=60, random_state=0), X, y)
    found = _largest_ratio(est, X)
    assert found <= est.lipschitz_bound_ * (1 + RTOL)
    slope = est._fitted_gain() / 4
    separable = np.prod([np.linalg.norm(w, 2) for w in est.coefs_]) * slope ** 2
    tight = np.linalg.norm(est.coefs_[0] @ est.coefs_[1] @ est.coefs_[2], 2) * slope ** 2
    if positive is True and monotonic_cst is None:
        assert_allclose(est.lipschitz_bound_, tight, rtol=1e-10)
    if positive is False:
        assert_allclose(est.lipschitz_bound_, separable, rtol=1e-10)
    if isinstance(positive, list):  # each constrained run bounded on its own
        runs, run = [], []
        for w, constrained in zip(est.coefs_, positive):
            if constrained:
                run.append(w)
                continue
            runs += [run] if run else []
            runs.append([w])
            run = []
        runs += [run] if run else []
        expected = slope ** (len(est.coefs_) - 1) * np.prod(
            [np.linalg.norm(chain_product(r), 2) for r in runs])
        assert_allclose(est.lipschitz_bound_, expected, rtol=1e-10)
    assert est.lipschitz_bound_ <= separable * (1 + RTOL)


# A steep target of large scale, and a second output on another scale: the bound of
# the predictions is in the units of y (the network's times the largest y_scale_).
@pytest.mark.parametrize("positive", ["auto", True, False, [True, False, True]],
                         ids=["auto", "True", "False", "free-between"])
def test_nonneg_mlp_regressor_bound_is_a_bound_in_the_units_of_y(positive):
    from sknonneg.neural_network._dense import _activation_slope

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    Y = np.c_[100 * (X[:, 0] + X[:, 1]), 3 * np.tanh(X[:, 2])]
    est = _fit(NonNegMLPRegressor((6, 6), positive=positive, max_iter=100,
                                  random_state=0), X, Y)
    assert est.y_scale_[0] > 50 * est.y_scale_[1] > 50
    # The plain layers are the estimator's predictions.
    assert_allclose(_forward(_plain_layers(est), X)[0], est.predict(X), rtol=1e-6,
                    atol=1e-6 * est.y_scale_.max())
    network = mlp_lipschitz_bound(est.coefs_, est._layout.coef_signs,
                                  _activation_slope(est), est._compute_dtype)
    assert_allclose(est.lipschitz_bound_, est.y_scale_.max() * network, rtol=1e-12)
    # Random close pairs through predict, each output and the pair of outputs.
    a = X[rng.integers(0, len(X), 2000)] + rng.normal(size=(2000, 4))
    b = a + rng.normal(size=a.shape) * np.logspace(-4, 0, 2000)[:, None]
    diff = np.abs(est.predict(a) - est.predict(b))
    distance = np.linalg.norm(a - b, axis=1)[:, None]
    slopes = np.c_[diff, np.linalg.norm(diff, axis=1)] / distance
    assert slopes.max() <= est.lipschitz_bound_ * (1 + RTOL)
    # Along gradients: a gradient ascent of the slope.
    found = _largest_ratio(est, X)
    assert found <= est.lipschitz_bound_ * (1 + RTOL)
    # Not vacuous: the slope in the units of y is well beyond the network's bound
    # (in the units of the standardised targets).
    assert max(found, slopes.max()) > 2 * network


@pytest.mark.parametrize("positive", [True, False])
@pytest.mark.parametrize("activation, factor", [("tanh", 1.0), ("relu", 1.0),
                                                ("identity", 1.0), ("logistic", 0.25)])
def test_nonneg_mlp_bound_per_activation(activation, factor, positive):
    """The bound uses the activation's largest slope at the fitted gain: gain / 4
    for the sigmoid, gain for tanh, relu and the identity."""
    X, y = _data()
    est = _fit(NonNegMLPClassifier((6, 5), activation=activation, positive=positive,
                                   gain=1.5, max_iter=60, random_state=0), X, y)
    assert _largest_ratio(est, X) <= est.lipschitz_bound_ * (1 + RTOL)
    slope = 1.5 * factor
    if positive:
        expected = np.linalg.norm(est.coefs_[0] @ est.coefs_[1] @ est.coefs_[2], 2)
    else:
        expected = np.prod([np.linalg.norm(w, 2) for w in est.coefs_])
    assert_allclose(est.lipschitz_bound_, expected * slope ** 2, rtol=1e-10)


def test_abba_bound_is_attained_by_a_monotone_linear_network():
    """Identity activations, B = 0: f(x) = x A_1 ... A_L exactly, whose Lipschitz
    constant is the bound (Proposition 3.3 is tight)."""
    X, y = _data()
    rng = np.random.default_rng(3)
    est = ABBAClassifier.from_mlp(_fit(NonNegMLPClassifier(
        (5, 4), activation="identity", max_iter=3), X, y))
    coefs = [rng.random(a.shape) for a in est.coefs_a_]
    theta = est._layout.pack(coefs, [np.zeros_like(a) for a in coefs],
                             [rng.normal(size=a.shape[1]) for a in coefs],
                             [rng.normal(size=a.shape[1]) for a in coefs])
    est._set_fitted_layers(theta)
    assert_allclose(est.lipschitz_bound_, np.linalg.norm(chain_product(coefs), 2),
                    rtol=1e-12)
    assert _largest_ratio(est, X) >= est.lipschitz_bound_ * (1 - 1e-6)


@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
@pytest.mark.parametrize("lipschitz_max", [0.3, 2.0, 10.0])
def test_lipschitz_max_holds_after_fit(solver, lipschitz_max):
    X, y = _data()
    est = _fit(ABBAClassifier((8, 6), lipschitz_max=lipschitz_max, solver=solver,
                              max_iter=40, l2=0.0, random_state=0), X, y)
    # Recomputed from the public ABBA matrices: S = A + B of each [[A, B], [B, A]].
    sums = []
    for w in est.coefs_:
        n_in, n_out = w.shape[0] // 2, w.shape[1] // 2
        assert_allclose(w[:n_in, :n_out], w[n_in:, n_out:])
        assert_allclose(w[:n_in, n_out:], w[n_in:, :n_out])
        sums.append(w[:n_in, :n_out] + w[:n_in, n_out:])
    product = sums[0]
    for s in sums[1:]:
        product = product @ s
    exact = np.linalg.norm(product, 2)
    assert exact <= lipschitz_max
    assert_allclose(est.lipschitz_bound_, exact, rtol=1e-12)
    assert _largest_ratio(est, X) <= lipschitz_max
    # Without the constraint the same fit goes well above it: the constraint bites.
    if lipschitz_max <= 2.0:
        free = _fit(ABBAClassifier((8, 6), solver=solver, max_iter=40, l2=0.0,
                                   random_state=0), X, y)
        assert free.lipschitz_bound_ > lipschitz_max


def test_from_mlp_bound_is_the_absolute_product():
    """For a converted signed MLP: ||(|W_1| ... |W_L|)||, never below the signed
    network's linear part ||W_1 ... W_L||."""
    from sklearn.neural_network import MLPClassifier

    X, y = _data()
    mlp = _fit(MLPClassifier((6, 5), activation="tanh", max_iter=50, random_state=0), X, y)
    abba = ABBAClassifier.from_mlp(mlp)
    absolute = np.linalg.norm(chain_product([np.abs(w) for w in mlp.coefs_]), 2)
    assert_allclose(abba.lipschitz_bound_, absolute, rtol=1e-12)
    assert abba.lipschitz_bound_ >= np.linalg.norm(chain_product(mlp.coefs_), 2)


# ---------------------------------------------------------- building blocks
def test_product_norm_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    factors = [rng.random((5, 4)), rng.random((4, 3)), rng.random((3, 2))]
    beta, grads = product_norm_grad(factors)
    h = 1e-6
    for f, g in zip(factors, grads):
        fd = np.empty_like(f)
        for idx in np.ndindex(f.shape):
            f[idx] += h
            up = np.linalg.norm(chain_product(factors), 2)
            f[idx] -= 2 * h
            down = np.linalg.norm(chain_product(factors), 2)
            f[idx] += h
            fd[idx] = (up - down) / (2 * h)
        assert_allclose(g, fd, rtol=1e-6, atol=1e-9)
    c, bound, dc = bound_scale(factors, 0.5 * beta)
    assert_allclose(bound, beta)
    assert_allclose(c ** 3 * beta, 0.5 * beta * (1 - 1e-10), rtol=1e-12)
    assert bound_scale(factors, 2 * beta)[::2] == (1.0, None)


def test_bound_scale_leaves_room_for_the_rounding_of_wide_bounds():
    # The margin was a fixed 1e-10: below the rounding allowance of a computed
    # bound of wide layers (2e-9 here), so the exact bound could exceed the cap.
    rng = np.random.default_rng(0)
    factors = [rng.random((3000, 1000)), rng.random((1000, 10))]
    allowance = bound_rounding_allowance(factors)
    assert allowance > 1e-9
    c, beta, _ = bound_scale(factors, 1.0)
    # The capped network's reported bound (abba_bounds: enlarged by the allowance)
    # stays below the cap, with room for the rounding of its recomputation.
    assert c ** 2 * beta * (1.0 + allowance) ** 2 <= 1.0
    small = [rng.random((4, 3)), rng.random((3, 2))]
    c, beta, _ = bound_scale(small, 1e-3)
    assert_allclose(c ** 2 * beta, 1e-3 * (1 - 1e-10), rtol=1e-12)


def test_separable_and_tight_bounds():
    rng = np.random.default_rng(1)
    a = [rng.random((4, 3)), rng.random((3, 3)), rng.random((3, 2))]
    b = [rng.random((4, 3)), rng.random((3, 3)), rng.random((3, 2))]
    tight, separable = abba_bounds(a, b)
    sums = [np.abs(a[0] - b[0]), a[1] + b[1], np.abs(a[2] - b[2])]
    assert_allclose(tight, np.linalg.norm(sums[0] @ sums[1] @ sums[2], 2))
    assert_allclose(separable, np.prod([np.linalg.norm(s, 2) for s in sums]))
    assert tight <= separable
    # A non-negative ABBA matrix has the spectral norm of its sum matrix.
    assert_allclose(np.linalg.norm(np.block([[a[1], b[1]], [b[1], a[1]]]), 2),
                    np.linalg.norm(a[1] + b[1], 2))
    # Runs of constrained layers are bounded together; free layers alone.
    w = [rng.normal(size=(4, 3)), rng.random((3, 3)), rng.random((3, 2))]
    signs = [np.zeros(4), np.ones(3), np.ones(3)]
    assert_allclose(mlp_lipschitz_bound(w, signs, 0.5),
                    0.25 * np.linalg.norm(w[0], 2) * np.linalg.norm(w[1] @ w[2], 2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tight_bound_never_exceeds_the_separable_one_where_they_coincide(dtype):
    # One hidden unit: the product of the factors has rank one, and the two
    # bounds are equal in exact arithmetic. Computed by different roundings, the
    # tight one came out an ulp above the separable one for about a quarter of
    # these networks (seed 0: 1.8404129347710827 > 1.8404129347710825); the user
    # guide says it is never larger (found by test_promises' float32 ABBA test).
    rng = np.random.default_rng(0)
    for _ in range(40):
        n_features, n_outputs = rng.integers(1, 5), rng.integers(1, 4)
        a = [rng.random((n_features, 1)), rng.random((1, n_outputs))]
        b = [np.zeros((n_features, 1)), np.zeros((1, n_outputs))]
        tight, separable = abba_bounds(a, b, dtype=dtype)
        assert tight <= separable
    X, y = _data(n_classes=2)
    est = _fit(ABBAClassifier(1, activation="capped_leaky_relu", dtype=dtype,
                              output="logistic", max_iter=1, random_state=0), X, y)
    assert est.lipschitz_bound_ <= est.lipschitz_bound_separable_


def test_bound_with_a_free_layer_between_constrained_ones():
    # W1 >= 0, W2 free, W3 >= 0 (positive=[True, False, True]): |W1| |W3| = 0, so a
    # constrained run carried across the free layer gave a bound of 0, while the
    # network's Jacobian W1 D1 W2 D2 W3 at slopes D = 1/4 has norm 1/16.
    w = [np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[0.0, 1.0], [0.0, 0.0]]),
         np.array([[0.0], [1.0]])]
    signs = [np.ones(2), np.zeros(2), np.ones(2)]
    jacobian = np.linalg.norm(w[0] @ w[1] @ w[2], 2) * 0.25 ** 2
    assert jacobian == 0.0625
    bound = mlp_lipschitz_bound(w, signs, 0.25)
    assert jacobian <= bound <= jacobian * (1 + 1e-12)


@pytest.mark.parametrize("pattern", [(a, b, c) for a in (0, 1) for b in (0, 1)
                                     for c in (0, 1)], ids=str)
def test_bound_of_every_sign_pattern_between_jacobians_and_the_separable_product(
        pattern):
    # Each layer constrained (>= 0) or free as the pattern says: the bound is at
    # least the norm of every Jacobian W1 D1 W2 D2 W3 with unit slopes D in
    # [0, slope] (drawn, and the corners 0 / slope), and at most the separable
    # product of the norms.
    rng = np.random.default_rng(sum(p << i for i, p in enumerate(pattern)))
    slope = 0.7
    sizes = [4, 3, 3, 2]
    for _ in range(5):
        w = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
        w = [np.abs(c) if p else c for c, p in zip(w, pattern)]
        signs = [np.full(c.shape[0], float(p)) for c, p in zip(w, pattern)]
        bound = mlp_lipschitz_bound(w, signs, slope)
        separable = slope ** 2 * np.prod([np.linalg.norm(c, 2) for c in w])
        assert bound <= separable * (1 + RTOL)
        jacobians = 0.0
        for k in range(400):
            d = [rng.uniform(0, slope, 3) if k % 2 else slope * (rng.random(3) < 0.5)
                 for _ in range(2)]
            jacobian = w[0] * d[0] @ w[1] * d[1] @ w[2]
            jacobians = max(jacobians, np.linalg.norm(jacobian, 2))
        assert jacobians <= bound * (1 + RTOL)
        if all(pattern):  # tight: attained at the largest slopes
            assert_allclose(bound, slope ** 2 * np.linalg.norm(chain_product(w), 2),
                            rtol=1e-12)


def test_certified_radius_formula():
    logits = np.array([[3.0, 1.0, 0.5], [0.0, 0.0, 0.0], [-1.0, 2.0, 1.5]])
    assert_allclose(certified_radius(logits, 2.0), [2.0, 0.0, 0.5] / (np.sqrt(2) * 2.0))
    assert_allclose(certified_radius(np.array([[-3.0], [0.5]]), 2.0), [1.5, 0.25])
    assert_allclose(certified_radius(np.array([[-3.0, 0.5]]), 2.0, multilabel=True),
                    [0.25])


def test_certified_radius_takes_the_rounding_off_the_margin():
    # The computed margin less 4 E (arg-max: both logits of the pair, at x and at
    # x + delta), 2 E for a sign; a margin within that error gets 0; the error is
    # asked for on the exact-arithmetic ball.
    tiny = 2.0 ** -40
    logits = np.array([[3.0, 1.0, 0.5], [1.0, 1.0 - tiny, 0.0]])
    asked = []

    def error(radius):
        asked.append(radius)
        return np.array([0.25, tiny])

    radius = certified_radius(logits, 2.0, logit_error=error)
    assert_allclose(radius, [(2.0 - 1.0) / (np.sqrt(2) * 2.0), 0.0])
    assert_allclose(asked[0], [2.0 / (np.sqrt(2) * 2.0), tiny / (np.sqrt(2) * 2.0)])
    radius = certified_radius(np.array([[-3.0], [1e-13]]), 2.0,
                              logit_error=lambda r: np.array([0.5, 1e-13]))
    assert_allclose(radius, [1.0, 0.0])
    # A network that ignores its input: infinite radius, unless within rounding.
    radius = certified_radius(np.array([[1.0, 0.0], [1e-16, 0.0]]), 0.0,
                              logit_error=lambda r: np.array([1e-15, 1e-15]))
    assert radius[0] == np.inf and radius[1] == 0.0


def test_radius_beyond_the_float_range_is_the_largest_float_without_a_warning():
    # A subnormal bound: margin / bound overflowed, NumPy's "overflow encountered
    # in divide" leaked (twice, with logit_error) and the radius was inf. The
    # exact radius is finite: the largest finite float64 is below it.
    fmax = np.finfo(np.float64).max
    logits = np.array([[3.0, 1.0], [0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        radius = certified_radius(logits, 1e-310,
                                  logit_error=lambda r: np.array([0.25, 0.25]))
        np.testing.assert_array_equal(radius, [fmax, 0.0])
        np.testing.assert_array_equal(
            certified_radius(np.array([[-3.0], [0.0]]), 5e-324), [fmax, 0.0])

    rng = np.random.RandomState(0)
    X = rng.rand(40, 3)
    y = (X[:, 0] > 0.3).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Fitted at gain=1e-308 before fit refused it (GAIN_RANGE), loaded.
        est = with_fitted_gain(NonNegMLPClassifier(
            hidden_layer_sizes=(4,), max_iter=15, random_state=0).fit(X, y), 1e-310)
        # Its hidden units are all 0.5 there: logits apart by the intercepts alone,
        # and first-layer weights below 1 (as a fit at that gain learned them).
        (coef, _), (_, intercept) = est._layout.views(est._theta)
        coef *= 0.1
        intercept[:] = [0.0, 3.0]
        est._set_fitted_layers(est._theta)
    assert 0 < est.lipschitz_bound_ < np.finfo(np.float64).tiny
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        radius = est.certified_radius(X[:3])
    assert np.all(np.isfinite(radius)) and np.all(radius > 1e300)


@pytest.mark.parametrize("bound", [5e-324, 3e-320, 1e-310, 2.2e-308])
@pytest.mark.parametrize("margin", [1e-300, 1e-10, 5e-324, 2.0])
def test_radius_of_a_subnormal_bound_is_below_the_exact_radius(bound, margin):
    # Before: sqrt(2) * bound rounded in the subnormal range (sqrt(2) * 5e-324 is
    # 5e-324), and the radius of two logits came out above the exact one (41%
    # above at 5e-324). Checked exactly (fractions): r^2 * 2 * bound^2 <= margin^2
    # for two logits, r * bound <= margin for one, up to one rounding of r.
    from fractions import Fraction

    fmax = np.finfo(np.float64).max
    one_ulp = Fraction(1) + Fraction(2) ** -52
    r1 = certified_radius(np.array([[margin]]), bound)[0]
    r2 = certified_radius(np.array([[0.0, margin]]), bound)[0]
    for r, lhs, rhs in ((r1, lambda r: Fraction(r) * Fraction(bound),
                         Fraction(margin)),
                        (r2, lambda r: 2 * (Fraction(r) * Fraction(bound)) ** 2,
                         Fraction(margin) ** 2)):
        assert 0 < r <= fmax
        exponent = 1 if r is r1 else 2
        assert lhs(r) <= rhs * one_ulp ** exponent


def test_radius_stays_below_the_exact_one_for_subnormal_quotients_and_float32_bounds():
    # A subnormal radius rounds by half its spacing (5e-324 for an exact 3.5e-324),
    # and a float32 bound was multiplied in float32 (0.70710679 for an exact
    # 0.707106781..., 7.0711135e39 for 7.0711059e39).
    from fractions import Fraction

    r = certified_radius(np.array([[0.0, 5e-324]]), 1.0)[0]
    assert 2 * Fraction(r) ** 2 <= Fraction(5e-324) ** 2
    for bound in (np.float32(1.0), np.float32(1e-40), np.float32(3e38)):
        r = certified_radius(np.array([[0.0, 1.0]]), bound)[0]
        assert 0 < r and 2 * (Fraction(r) * Fraction(float(bound))) ** 2 <= 1


def _extended_logits(est, X):
    """The logits of ``est`` in extended precision (``np.longdouble``)."""
    h = np.asarray(X, dtype=np.longdouble)
    for w, b, fn, _ in _plain_layers(est):
        h = h @ np.asarray(w, dtype=np.longdouble) + np.asarray(b, dtype=np.longdouble)
        if fn is not None:
            h = fn(h)
    return h


_ROUNDING_NETWORKS = {
    "positive-logistic": lambda dtype: NonNegMLPClassifier(
        (12, 8), positive=True, dtype=dtype, max_iter=40, random_state=0),
    "signed-tanh": lambda dtype: NonNegMLPClassifier(
        (12,), positive=False, activation="tanh", dtype=dtype, max_iter=40,
        random_state=0),
    "signed-relu": lambda dtype: NonNegMLPClassifier(
        (12, 6), positive=False, activation="relu", dtype=dtype, max_iter=40,
        random_state=0),
    "abba-tanh": lambda dtype: ABBAClassifier((8, 6), dtype=dtype, max_iter=40,
                                              random_state=0),
    "abba-clr": lambda dtype: ABBAClassifier(
        (8,), activation="capped_leaky_relu", lipschitz_max=5.0, dtype=dtype,
        max_iter=40, random_state=0),
}


@pytest.mark.skipif(np.finfo(np.longdouble).eps > 1e-18,
                    reason="np.longdouble is no wider than float64 on this platform")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(_ROUNDING_NETWORKS))
def test_logit_rounding_bound_holds_against_extended_precision(name, dtype):
    # The computed logits (BLAS or fixed order, dense and CSR) are within the bound
    # of the exact ones, at the rows and anywhere in the ball around them.
    X, y = _data(n_samples=60, n_features=15)
    X[:, :5] *= 30.0  # large inputs: a large first-layer error
    est = _fit(_ROUNDING_NETWORKS[name](dtype), X, y)
    layers = est._rounding_layers()
    rng = np.random.default_rng(1)
    radius = rng.uniform(0.0, 3.0, size=X.shape[0])
    bound = logit_rounding_bound(layers, X, radius, dtype)
    assert np.all(bound > 0) and np.all(np.isfinite(bound))
    assert np.all(logit_rounding_bound(layers, X, np.zeros(len(X)), dtype) <= bound)
    delta = rng.normal(size=X.shape)
    delta *= (radius * rng.uniform(0, 1, size=len(X)) / np.linalg.norm(delta, axis=1))[:, None]
    for points in (X, X + delta, X - delta):
        exact = _extended_logits(est, points)
        for rows in (points, sp.csr_matrix(points)):
            computed = est._logits(est._check_X(rows)).astype(np.longdouble)
            error = np.max(np.abs(computed - exact), axis=1).astype(np.float64)
            assert np.all(error <= bound)
    # Not vacuous: in float64 far below the logits' scale.
    if dtype == np.float64:
        assert np.max(bound) < 1e-9 * np.max(np.abs(est._logits(X)))


@pytest.mark.skipif(np.finfo(np.longdouble).eps > 1e-18,
                    reason="np.longdouble is no wider than float64 on this platform")
@pytest.mark.parametrize("name", ["positive-logistic", "abba-tanh"])
def test_logit_rounding_bound_holds_on_the_numba_kernels(name, numba_kernels):
    X, y = _data(n_samples=60, n_features=15)
    X[:, :5] *= 30.0
    est = _fit(_ROUNDING_NETWORKS[name](np.float64), X, y)
    bound = logit_rounding_bound(est._rounding_layers(), X, np.zeros(len(X)),
                                 np.float64)
    exact = _extended_logits(est, X)
    for rows in (X, sp.csr_matrix(X)):
        computed = est._logits(est._check_X(rows)).astype(np.longdouble)
        assert np.all(np.max(np.abs(computed - exact), axis=1) <= bound)


def test_bound_rounding_allowance_grows_with_the_widths():
    small = bound_rounding_allowance([np.ones((4, 3)), np.ones((3, 2))])
    large = bound_rounding_allowance([np.ones((400, 300)), np.ones((300, 2))])
    assert 0 < small < large < 1e-9


# --------------------------------------------------------- certified radius
def _attack_inside(est, X, radius, seed=0, n_random=200, n_steps=60, computed=False):
    """Predictions after random and projected-gradient perturbations of norm at
    most ``radius`` (per sample); returns the share of changed predictions. The
    predictions are those of the network in float64 arithmetic (``_plain_layers``),
    or (``computed``) those ``est.predict`` computes, in the fitted dtype, at the
    same perturbed points (the gradient steps are the float64 network's)."""
    layers = _plain_layers(est)
    rng = np.random.default_rng(seed)
    clean = _forward(layers, X)[0].argmax(1)
    changed = np.zeros(X.shape[0], dtype=bool)
    if computed:
        predicted = est.predict(X)

        def moved(delta):
            return est.predict(X + delta) != predicted
    else:
        def moved(delta):
            return _forward(layers, X + delta)[0].argmax(1) != clean
    r = radius[:, None]
    for _ in range(n_random // 20):
        noise = rng.normal(size=(20, *X.shape))
        noise *= r / np.linalg.norm(noise, axis=2, keepdims=True)
        for delta in noise:
            changed |= moved(delta)
    # Projected gradient ascent of (best other logit) - (predicted logit).
    delta = rng.normal(size=X.shape) * 1e-3 * r
    rows = np.arange(X.shape[0])
    for _ in range(n_steps):
        z, pre = _forward(layers, X + delta)
        others = z.copy()
        others[rows, clean] = -np.inf
        runner_up = others.argmax(1)
        v = np.zeros_like(z)
        v[rows, runner_up] = 1.0
        v[rows, clean] = -1.0
        g = _vjp(layers, pre, v)
        delta += 0.2 * r * g / (np.linalg.norm(g, axis=1, keepdims=True) + 1e-300)
        norm = np.linalg.norm(delta, axis=1, keepdims=True)
        delta *= np.minimum(1.0, r / np.maximum(norm, 1e-300))
        changed |= moved(delta)
    return changed.mean()


@pytest.mark.parametrize("make", [
    lambda: ABBAClassifier((6, 5), lipschitz_max=3.0, max_iter=60, random_state=0),
    lambda: ABBAClassifier((6,), activation="capped_leaky_relu", max_iter=60,
                           random_state=0),
    lambda: NonNegMLPClassifier((6, 5), positive=True, max_iter=60, random_state=0),
    lambda: NonNegMLPClassifier((6,), positive=False, max_iter=60, random_state=0),
], ids=["abba-lipschitz", "abba-clr", "nonneg-positive", "nonneg-signed"])
def test_no_attack_inside_the_certified_radius_changes_a_prediction(make):
    X, y = _data()
    est = _fit(make(), X, y)
    radius = est.certified_radius(X)
    assert radius.shape == (X.shape[0],) and np.all(radius >= 0)
    logits = est._logits(X)
    top2 = np.sort(logits, axis=1)[:, -2:]
    exact_arithmetic = (top2[:, 1] - top2[:, 0]) / (np.sqrt(2) * est.lipschitz_bound_)
    # Less the rounding allowance only (float64: ~1e-11 relative).
    assert np.all(radius <= exact_arithmetic)
    assert_allclose(radius, exact_arithmetic, rtol=1e-6)
    assert _attack_inside(est, X, radius * (1 - 1e-6)) == 0.0
    # The attack is not idle: at 50 times the radius it does change predictions.
    assert _attack_inside(est, X, radius * 50) > 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier],
                         ids=["nonneg", "abba"])
def test_certified_radius_is_shortened_by_the_logits_rounding_in_its_dtype(Est, dtype):
    # The estimator's radius is that of the computed margin less four times the
    # logits' rounding error over the ball (logit_rounding_bound in the fitted
    # dtype). In float32 that error is 1e-4 to 1e-2 of the logits' scale: every
    # radius of a positive margin is strictly shorter than the exact-arithmetic
    # margin / (sqrt(2) L) (without the allowance they were equal), and it still
    # certifies the predictions as predict computes them, in float32.
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    est = _fit(Est((20,), dtype=dtype, max_iter=50, random_state=0), X, y)
    radius = est.certified_radius(X)
    checked = est._check_X(X)
    logits = est._logits(checked)
    layers = est._rounding_layers()
    expected = certified_radius(
        logits, est.lipschitz_bound_, False,
        logit_error=lambda r: logit_rounding_bound(layers, checked, r, dtype))
    np.testing.assert_array_equal(radius, expected)
    top2 = np.sort(logits.astype(np.float64), axis=1)[:, -2:]
    exact_arithmetic = (top2[:, 1] - top2[:, 0]) / (np.sqrt(2) * est.lipschitz_bound_)
    assert np.all(radius <= exact_arithmetic)
    ratio = radius[exact_arithmetic > 0] / exact_arithmetic[exact_arithmetic > 0]
    if dtype == np.float32:
        assert np.all(ratio < 1.0)
        assert 0.9 < np.median(ratio) < 1 - 1e-4  # shortened by 0.01-10%
    else:
        assert np.all(ratio > 1 - 1e-6)
    assert _attack_inside(est, X, radius, n_random=100, n_steps=30, computed=True) == 0.0
    assert _attack_inside(est, X, radius * 50, n_random=20, n_steps=10, computed=True) > 0


@pytest.mark.skipif(np.finfo(np.longdouble).eps > 1e-18,
                    reason="np.longdouble is no wider than float64 on this platform")
@examples(40)
@given(seed=st.integers(0, 2 ** 31 - 1),
       activation=st.sampled_from(["logistic", "tanh", "relu", "identity"]),
       dtype=st.sampled_from([np.float64, np.float32]),
       fixed_order=st.booleans(),
       depth=st.integers(1, 3),
       log_scale=st.floats(-2.0, 3.0))
def test_logit_rounding_bound_holds_on_random_dense_networks(
        seed, activation, dtype, fixed_order, depth, log_scale):
    # Random signed networks with weights, biases and inputs of random scale (sums
    # that cancel), through the engine's prediction (NumPy, BLAS or fixed order),
    # against the same network in extended precision.
    from scipy.special import expit as expit_ld

    from sknonneg._engine import DenseLayer, forward
    from sknonneg._lipschitz import dense_rounding_layers

    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(1, 12, size=depth + 2)]
    gain = float(rng.uniform(0.5, 4.0))
    scale = 10.0 ** log_scale
    coefs = [rng.normal(size=(a, b)) * scale for a, b in zip(sizes[:-1], sizes[1:])]
    icpts = [rng.normal(size=b) * scale for b in sizes[1:]]
    X = rng.normal(size=(30, sizes[0])) * scale
    layers = [DenseLayer(a, b, activation=activation if i < depth else "identity")
              for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]
    computed = forward(layers, list(zip(coefs, icpts)), X, gain=gain, dtype=dtype,
                       fixed_order=fixed_order)[1]
    f = {"logistic": expit_ld, "tanh": np.tanh, "relu": lambda t: np.maximum(t, 0),
         "identity": lambda t: t}[activation]
    h = X.astype(np.longdouble)
    for i, (w, b) in enumerate(zip(coefs, icpts)):
        h = h @ w.astype(np.longdouble) + b.astype(np.longdouble)
        if i < depth:
            h = f(np.longdouble(gain) * h)
    bound = logit_rounding_bound(dense_rounding_layers(coefs, icpts, activation, gain),
                                 X, np.zeros(X.shape[0]), dtype)
    error = np.max(np.abs(computed.astype(np.longdouble) - h), axis=1)
    assert np.all(error <= bound)


@pytest.mark.parametrize("make", [
    lambda: NonNegMLPClassifier((6, 5), positive=True, max_iter=20, random_state=0),
    lambda: ABBAClassifier((6, 5), max_iter=20, random_state=0),
], ids=["nonneg", "abba"])
def test_lipschitz_bound_is_enlarged_by_its_rounding_allowance(make):
    # lipschitz_bound_ was the SVD's value itself, which may fall below the exact
    # constant by its rounding: it is now enlarged by bound_rounding_allowance.
    X, y = _data()
    est = _fit(make(), X, y)
    if isinstance(est, ABBAClassifier):
        factors = [np.abs(est.coefs_a_[0] - est.coefs_b_[0]),
                   est.coefs_a_[1] + est.coefs_b_[1],
                   np.abs(est.coefs_a_[2] - est.coefs_b_[2])]
        computed = np.linalg.norm(chain_product(factors), 2)
    else:
        factors = est.coefs_
        computed = np.linalg.norm(chain_product(factors), 2) * (est.gain_ / 4) ** 2
    allowance = bound_rounding_allowance(factors)
    assert allowance > 0
    assert est.lipschitz_bound_ >= computed * (1 + 0.5 * allowance)
    assert_allclose(est.lipschitz_bound_, computed * (1 + allowance), rtol=1e-14)


def test_bounds_of_weights_whose_products_overflow_are_inf_and_certify_nothing():
    # Before: chain_product overflowed with NumPy's warning, and LAPACK's SVD got
    # the infinities ("DLASCL illegal value" on stderr); certified_radius then
    # divided inf by inf. An infinite bound is still a bound: it certifies nothing.
    from sknonneg._lipschitz import abba_bounds, certified_radius, product_norm

    big = np.full((3, 3), 1e200)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert product_norm([big, big]) == np.inf
        assert abba_bounds([big, big], [np.zeros((3, 3))] * 2) == (np.inf, np.inf)
        radius = certified_radius(np.array([[1e300, -1e300], [0.5, 0.0]]), np.inf)
    np.testing.assert_array_equal(radius, [0.0, 0.0])


# ------------------------------------------- float32 models: the cast network
def _cast_chain(coefs, dtype):
    """``fl(W_1) ... fl(W_L)`` with every weight cast to ``dtype`` (what the kernels
    compute with), multiplied in float64: for the small, well-conditioned networks
    here its norm is exact far below the float32 rounding under test (1e-8)."""
    return chain_product([np.asarray(w).astype(dtype).astype(np.float64)
                          for w in coefs])


def _linear_data():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(200, 5))
    return X, (X.sum(1) > 2.5).astype(int)


@pytest.mark.parametrize("seed", range(20))
def test_float32_mlp_bound_bounds_the_network_it_computes(seed):
    # Identity units: the logit is x -> x fl(W_1) ... fl(W_L) + const, whose exact
    # Lipschitz constant is the norm of that product of the float32-cast weights.
    # lipschitz_bound_ was that of the float64 weights: below it by up to 3.6e-8
    # relative over these seeds (seed 17).
    X, y = _linear_data()
    est = _fit(NonNegMLPClassifier((4, 3), activation="identity", positive=True,
                                   output="logistic", dtype="float32", max_iter=30,
                                   random_state=seed), X, y)
    exact = np.linalg.norm(_cast_chain(est.coefs_, np.float32), 2)
    assert est.lipschitz_bound_ >= exact
    assert est.lipschitz_bound_ <= exact * (1 + 1e-12)


@pytest.mark.parametrize("gain", [0.3, 1.7, 0.7])
def test_float32_mlp_bound_uses_the_gain_the_kernels_use(gain):
    # The numba kernels compute f(fl32(gain) t), their NumPy twins (a predict on
    # a few rows) f(gain t) with the float64 gain: the bound is of the larger.
    # fl32 rounds 0.3 and 1.7 up, 0.7 down (the bound of fl32(0.7) was 1.2e-8
    # relative below the twins' network, per hidden layer).
    assert (float(np.float32(gain)) > gain) == (gain != 0.7)
    X, y = _linear_data()
    est = _fit(NonNegMLPClassifier((4, 3), activation="identity", positive=True,
                                   output="logistic", dtype="float32", gain=gain,
                                   max_iter=30, random_state=0), X, y)
    chain = np.linalg.norm(_cast_chain(est.coefs_, np.float32), 2)
    for g in (float(np.float32(est.gain_)), est.gain_):
        assert est.lipschitz_bound_ >= chain * g ** 2


def test_float32_abba_never_keeps_a_cap_it_exceeds():
    # The scale's room for the float32 cast is relative; weights scaled below
    # float32's smallest normal number round by up to 2^-150 absolute, and the
    # cast network's bound came out 1.76 lipschitz_max (review). Such caps are
    # refused; every other cap is kept by the cast network itself. Which caps
    # are refused depends on the rounding: the promise is "refused or kept".
    X, y = _linear_data()
    mlp = _fit(NonNegMLPClassifier((4,), activation="identity", positive=True,
                                   output="logistic", max_iter=30, random_state=0),
               X, y)
    refused = 0
    for cap in 10.0 ** np.arange(-95.0, -70.0, 0.5):
        try:
            abba = ABBAClassifier.from_mlp(mlp, lipschitz_max=cap, dtype="float32")
        except ValueError as exc:
            assert re.search(r"cannot be kept with dtype='float32': the network as "
                             r"computed has the bound .* times lipschitz_max", str(exc))
            refused += 1
            continue
        diffs = [abba.coefs_a_[0] - abba.coefs_b_[0],
                 (abba.coefs_a_[1] - abba.coefs_b_[1]) / 2]
        exact = 2 * np.linalg.norm(_cast_chain(diffs, np.float32), 2)
        assert exact <= abba.lipschitz_bound_ <= cap
        # float64 keeps every cap as it is.
        assert ABBAClassifier.from_mlp(mlp, lipschitz_max=cap).lipschitz_bound_ <= cap
    assert refused  # 12 of these 50 caps here: not vacuous


def test_abba_fit_refused_for_its_cap_is_rolled_back(monkeypatch):
    # Forced (the rounding that triggers it is not portable): a fit whose network
    # as computed exceeds lipschitz_max leaves the estimator as it was, fitted
    # or not; a saved model loads without the check.
    import pickle

    from sknonneg.neural_network import _abba
    X, y = _linear_data()
    est = ABBAClassifier((3,), lipschitz_max=2.0, max_iter=5, random_state=0,
                         warm_start=True)
    _fit(est, X, y)
    before = pickle.dumps(est)
    saved = before
    real = _abba.abba_bounds
    monkeypatch.setattr(_abba, "abba_bounds",
                        lambda *a, **k: tuple(3.0 * b for b in real(*a, **k)))
    with pytest.raises(ValueError, match=r"lipschitz_max=2\.0 cannot be kept"):
        _fit(est, X, y)
    assert pickle.dumps(est) == before
    fresh = ABBAClassifier((3,), lipschitz_max=2.0, max_iter=5, random_state=0)
    with pytest.raises(ValueError, match="cannot be kept"):
        _fit(fresh, X, y)
    assert not hasattr(fresh, "coefs_")
    loaded = pickle.loads(saved)  # loading reads the bound, and keeps the model
    assert loaded.lipschitz_bound_ > 2.0


@pytest.mark.parametrize("seed", range(10))
def test_float32_abba_lipschitz_max_holds_for_the_cast_network(seed):
    # ABBA scaled its float64 blocks to lipschitz_max (1 - 1e-10); the float32
    # network rounds them, up by as much as 2^-24 relative each, and exceeded the
    # cap: 1.0000000198 for lipschitz_max=1 (seed 0). The logits of identity units
    # are linear, their gradient fl(A_1 - B_1) ... fl((A_L - B_L) / 2) * 2.
    X, y = _linear_data()
    mlp = _fit(NonNegMLPClassifier((4, 3), activation="identity", positive=True,
                                   output="logistic", max_iter=30, random_state=seed),
               X, y)
    abba = ABBAClassifier.from_mlp(mlp, lipschitz_max=1.0, dtype="float32")
    last = len(abba.coefs_a_) - 1
    diffs = [(a - b) / 2 if i == last else a - b
             for i, (a, b) in enumerate(zip(abba.coefs_a_, abba.coefs_b_))]
    exact = 2 * np.linalg.norm(_cast_chain(diffs, np.float32), 2)
    assert exact <= abba.lipschitz_bound_ <= 1.0
    # What predict computes: the same linear map (up to float32 rounding).
    X_test = np.random.default_rng(seed).uniform(size=(5, 5))
    logits = abba.decision_function(X_test)
    assert_allclose(logits - abba.decision_function(np.zeros((1, 5))),
                    X_test @ (2 * _cast_chain(diffs, np.float32)).ravel(),
                    rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_float32_abba_fit_keeps_lipschitz_max_on_the_cast_network(activation):
    # A fit under the cap, in float32: the bound of the blocks as the kernels hold
    # them (A + B of the inner layers, A - B of the first and last, cast) is below
    # lipschitz_max, and lipschitz_bound_ bounds it.
    X, y = _data()
    est = _fit(ABBAClassifier((6, 5), activation=activation, lipschitz_max=0.5,
                              dtype="float32", max_iter=30, random_state=0), X, y)
    a, b = est.coefs_a_, est.coefs_b_
    factors = [np.abs(np.float32(a[0] - b[0])), np.float32(a[1] + b[1]),
               2 * np.abs(np.float32((a[2] - b[2]) / 2))]
    exact = np.linalg.norm(chain_product([f.astype(np.float64) for f in factors]), 2)
    assert exact <= est.lipschitz_bound_ <= 0.5


def test_bound_scale_leaves_room_for_the_float32_cast():
    # float64: no cast, the scale as before (the margin is 1e-10); float32: the
    # weights scaled by c and then rounded up to float32 still have a bound
    # within lipschitz_max, with room for its own rounding allowance.
    from sknonneg._lipschitz import cast_allowance

    assert cast_allowance(3, np.float64) == 0.0
    assert cast_allowance(3, np.float32) > 3 * 2.0 ** -24
    rng = np.random.default_rng(0)
    factors = [rng.random((6, 5)), rng.random((5, 4)), rng.random((4, 2))]
    c64 = bound_scale(factors, 1.0)[0]
    c32, beta, _ = bound_scale(factors, 1.0, dtype=np.float32)
    assert c32 < c64
    # The worst cast: every entry rounded up by a full 2^-24.
    worst = [c32 * f * (1 + 2.0 ** -24) for f in factors]
    allowance = bound_rounding_allowance(factors)
    assert np.linalg.norm(chain_product(worst), 2) * (1 + allowance) ** 2 <= 1.0


@pytest.mark.parametrize("activation", ["relu", "identity"])
@pytest.mark.parametrize("gain, hidden", [(1e-110, (4, 4, 4)), (1e-40, (4,) * 8)])
def test_bound_of_weights_that_compensate_a_small_gain_is_finite_and_tight(
        activation, gain, hidden):
    # The initialisation draws hidden weights of the inverse of the gain's scale
    # (1e110 here), so the network's bound is ordinary. Before, the slope's power
    # was taken first and the norms' product after: 0 * inf = NaN (gain=1e-110,
    # 3 hidden layers) or inf (gain=1e-40, 8), and certified_radius certified
    # nothing. relu and the identity are positively homogeneous: the gain folded
    # into the weights gives the same exact constant, computed in range.
    # Such networks were fitted before fit refused their gains (GAIN_RANGE); one
    # is made here from a fit at gain 1, its weights divided as the
    # initialisation compensated the gain.
    X, y = _data()
    est = with_fitted_gain(_fit(NonNegMLPClassifier(
        hidden, activation=activation, gain=1.0, positive=True, max_iter=5,
        random_state=0), X, y), gain, compensate=True)
    assert max(np.max(c) for c in est.coefs_[1:]) > 1e30  # compensated
    folded = [est.coefs_[0]] + [gain * c for c in est.coefs_[1:]]
    exact = np.linalg.norm(chain_product(folded), 2)
    bound = est.lipschitz_bound_
    assert np.isfinite(bound) and exact > 0
    assert exact * (1 - 1e-12) <= bound <= exact * (1 + 1e-9)


def test_bound_below_the_float_range_is_positive_not_zero():
    # gain=1e-200 with two hidden layers: the exact constant is about 1e-401, and
    # the bound was 0.0, which certified_radius read as "the logits do not depend
    # on the input" (a radius of inf). Now the least positive float, above it.
    # (A network fitted at that gain before fit refused it, GAIN_RANGE; loaded.)
    X, y = _data()
    est = with_fitted_gain(_fit(NonNegMLPClassifier(
        (4, 4), activation="relu", positive=True, output="logistic", max_iter=3,
        random_state=0), X[:, :2], (X[:, 0] > 0).astype(int)), 1e-200)
    assert np.all(np.asarray(chain_product(est.coefs_)) > 0)
    assert est.lipschitz_bound_ == 5e-324
    assert np.all(np.isfinite(est.certified_radius(X[:5, :2])))


@pytest.mark.parametrize("a, b", [(5e-324, 0.25), (1e-308, 0.25), (3e-310, 0.7),
                                  (1e-300, 1e-20), (0.1, 0.7), (1e200, 1e200),
                                  (3.0, 1e-320), (0.0, 2.0)])
def test_upper_product_is_never_below_the_exact_product(a, b):
    # The sigmoid's slope gain / 4 rounded in the subnormal range (to 0 for
    # gain=5e-324: a bound of 0), and the regressor's y_scale_ times its network's
    # bound rounded to nearest.
    from fractions import Fraction

    from sknonneg._lipschitz import upper_product

    value = upper_product(a, b)
    assert value == np.inf or Fraction(value) >= Fraction(a) * Fraction(b)
    assert value <= max(a * b * (1 + 1e-15), np.nextafter(a * b, np.inf)) or a * b < 1e-300


@pytest.mark.parametrize("gain", [5e-324, 1e-308, 3e-309])
def test_sigmoid_slope_of_a_subnormal_gain_is_rounded_up(gain):
    # gain / 4 rounded to nearest in the subnormal range: 0 for gain=5e-324 (a
    # Lipschitz bound of 0, certified_radius inf), below gain / 4 for the others.
    from fractions import Fraction

    from sknonneg._lipschitz import dense_lipschitz_factor

    slope = dense_lipschitz_factor("logistic", gain)
    assert slope > 0 and Fraction(slope) >= Fraction(gain) / 4
    assert dense_lipschitz_factor("logistic", 4.0) == 1.0  # exact: unchanged
    assert dense_lipschitz_factor("tanh", gain) == gain


def test_regressor_bound_with_subnormal_target_scale_is_an_upper_bound():
    # y_scale_ of 2e-323 times the network's bound rounded in the subnormal range:
    # to 0 here (to 7% below the exact constant with seed 2), where the identity
    # network with non-negative weights has the constant y_scale_ ||W_1 W_2|| > 0.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    y = np.round(rng.normal(size=40) * 4) * 5e-324
    est = _fit(NonNegMLPRegressor((4,), activation="identity", positive=True,
                                  max_iter=20, random_state=0), X, y)
    from fractions import Fraction

    exact = Fraction(float(est.y_scale_[0])) * Fraction(
        float(np.linalg.norm(chain_product(est.coefs_), 2) * est.gain_))
    assert est.y_scale_[0] < 1e-320 and exact > 0
    assert est.lipschitz_bound_ > 0
    assert Fraction(est.lipschitz_bound_) >= exact * Fraction(1 - 1e-12)


@pytest.mark.parametrize("order", ["inf first", "zero first"])
def test_bound_with_a_non_finite_and_a_zero_factor_is_inf_in_either_order(order):
    # A float32 network whose float64 weights exceed float32's range computes with
    # infinite weights (computed_weights), a factor of norm inf. Before: the
    # factors' product was inf * 0 = NaN where that factor came before one of
    # norm 0 (the guard for 0 * inf held in the other order only, and gave 0),
    # a bound that certified_radius and describe_network cannot read. As a run
    # holding both (inf * 0 in the matrix product) and spectral_norm: inf, no
    # finite bound, never one below a constant.
    from sknonneg._lipschitz import mlp_lipschitz_bound

    layers = [np.full((3, 3), 1e200), np.full((3, 3), 1.0), np.zeros((3, 2))]
    if order == "zero first":
        layers = [np.zeros((3, 3)), np.full((3, 3), 1.0), np.full((3, 2), 1e200)]
    free = [np.zeros(c.shape) for c in layers]  # no sign constraint: one factor each
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the cast's overflow
        assert mlp_lipschitz_bound(layers, free, 1.0, np.float32) == np.inf
        constrained = [np.ones(c.shape) for c in layers]  # one run of all three
        assert mlp_lipschitz_bound(layers, constrained, 1.0, np.float32) == np.inf
    # Finite weights with a zero layer: 0, the Jacobian is 0.
    assert mlp_lipschitz_bound(layers, free, 1.0) == 0.0


@pytest.mark.parametrize("activation", ["relu", "identity"])
def test_bound_of_weights_that_compensate_a_large_gain_is_not_refused(activation):
    # gain=1e110 with three hidden layers: the slope's power, 1e330, exceeds the
    # float range, but the initialisation draws hidden weights of 1e-110 and the
    # bound is ordinary. Before, the power was taken first and lipschitz_bound_
    # refused it ("The Lipschitz bound overflows"), as doc/reliability.md said of
    # any gain whose power overflows.
    # (Made from a fit at gain 1, as the small gains above.)
    X, y = _data()
    est = with_fitted_gain(_fit(NonNegMLPClassifier(
        (4, 4, 4), activation=activation, gain=1.0, positive=True, max_iter=5,
        random_state=0), X, y), 1e110, compensate=True)
    assert max(np.max(c) for c in est.coefs_[1:]) < 1e-90  # compensated
    folded = [est.coefs_[0]] + [1e110 * c for c in est.coefs_[1:]]
    exact = np.linalg.norm(chain_product(folded), 2)
    assert 1e-3 < exact < 1e6
    assert exact * (1 - 1e-12) <= est.lipschitz_bound_ <= exact * (1 + 1e-9)
    # A gain whose power overflows with weights that do not compensate it is
    # still refused.
    from sknonneg._lipschitz import mlp_lipschitz_bound

    ones = [np.ones((3, 3))] * 4
    with pytest.raises(ValueError, match="Lipschitz bound overflows"):
        mlp_lipschitz_bound(ones, [np.ones((3, 3))] * 4, 1e110)
