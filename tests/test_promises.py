"""Property-based tests of the promises that hold for every input.

Each test draws the network (its depth, widths, activation, sign pattern), the
data (scale, dense or CSR, float32 or float64) and the way it was fitted (fit, a
warm start, partial_fit), and asserts one promise exactly as the docstrings state
it:

* ``monotonic_cst``: the classifier's P(classes_[1]) and decision function, and the
  regressor's prediction under each ``loss``, move in the constrained directions
  for every input, as computed: a point moved by any non-negative step along the
  constraints (from one ulp up) never scores the wrong way, in one batch with its
  origin or alone; ``monotone_certificate`` certifies those directions.
  A row's outputs are the same bits alone, in a batch, dense or CSR.
* ``lipschitz_bound_`` (NonNegMLPClassifier, NonNegMLPRegressor, ABBAClassifier):
  no Jacobian of the network as computed, at any point, has a larger spectral
  norm; ABBA's ``lipschitz_max`` is kept exactly.
* ``certified_radius``: no perturbation of smaller L2 norm changes ``predict``,
  near the decision boundary too.
* ``check_monotonic``: its ``max_drop`` is the largest drop over its grid, so a
  planted violation between two grid points is found and measured.
* ``monotone_certificate``: a certified feature never moves the computed score
  the wrong way, and an additive attack on certified features never evades;
  through a Pipeline or ColumnTransformer of SimpleImputer, log1p, StandardScaler
  and MinMaxScaler too, in the raw features.
* ``NonNegAutoencoder(nonneg="bounds")``: parts >= 0 and codes in [0, 1] for any
  input, after fit, warm start and partial_fit.
* ``monotone_certificate`` of a soft ``VotingClassifier``: certified where every
  member is; the vote's computed probabilities and ``predict`` obey it, the
  attack never evades it, and the weights it must refuse are refused.
* ``certified_radius`` of multilabel classifiers (the least over the labels): no
  smaller perturbation changes any label.
* float32 ``ABBAClassifier``: ``lipschitz_bound_`` (and the separable bound, never
  below it) bounds every Jacobian of the network it computes with, its sums and
  differences of blocks cast to float32, in extended precision.
* ``monotone_certificate`` of a text Pipeline (a Count, Tfidf or Hashing vectorizer
  first, or on one or two text columns of a ColumnTransformer, before per-feature
  maps): adding words (accented, ligatures, stop words, hashed collisions) never
  lowers the computed score, in one batch or alone.
* ``additive_evasion_attack``: features only rise, only the allowed ones, never
  past ``upper``, within the budget; ``cost_``, ``attacked_`` and ``success_``
  say what happened to ``X_adv_``.
* Rows of sample weight 0 are removed rows: the fit is the fit without them, to
  the last bit (early stopping, mini-batches, partial_fit, far-out values).

Each was checked against a planted defect (a BLAS prediction path for monotone
networks, a Lipschitz slope without the float32 gain, a bound without its rounding
allowance, a radius without the logits' rounding, a drop over adjacent grid points
only, a ColumnTransformer's columns not mapped to the raw ones, a vote's members'
certificates united instead of intersected or its weights' overflow check dropped,
the largest |logit| of a multilabel output or no rounding allowance for it, the
bound of float64 ABBA blocks for a float32 network, an attack raising features
outside ``features`` or past ``upper``, rows of weight 0 kept in the fit, a
``HashingVectorizer(alternate_sign=True)`` accepted): the
"ci" profile's examples catch each.

The existing property tests (test_fuzz.py, test_fixed_order.py, test_theory.py,
test_preprocessing.py, test_lipschitz.py) hold the squared-error regressor, the
engine's forward pass and fixed networks; these add the losses, the classifier,
warm starts and partial_fit, and random sign patterns through the estimators.
Profiles: tests/conftest.py ("ci" by default; ``HYPOTHESIS_PROFILE=dev`` searches
longer).
"""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, RegressorMixin

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import event, example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from conftest import examples as _examples  # noqa: E402
from sknonneg import ABBAClassifier, NonNegMLPClassifier, NonNegMLPRegressor  # noqa: E402
from sknonneg.inspection import check_monotonic  # noqa: E402
from sknonneg._kernels import NUMPY_MAX_WORK, numpy_max_work  # noqa: E402
from sknonneg.robustness import additive_evasion_attack, monotone_certificate  # noqa: E402
from test_lipschitz import _forward, _plain_layers, _vjp  # noqa: E402


KINDS = ["classifier", "squared_error", "poisson", "gamma", "tweedie"]


def _targets(kind, rng, X, n_outputs):
    """Targets of ``kind`` from a random function of the dense ``X``."""
    dense = X.toarray() if sp.issparse(X) else X
    dense = dense / max(np.abs(dense).max(), 1e-300)
    t = np.tanh(dense @ rng.normal(size=(dense.shape[1], n_outputs))
                + 0.3 * rng.normal(size=(dense.shape[0], n_outputs)))
    if kind == "classifier":
        y = (t[:, 0] > np.median(t[:, 0])).astype(int)
        y[:2] = [0, 1]  # both classes
        return y
    if kind == "squared_error":
        y = t
    elif kind in ("poisson", "tweedie"):
        y = rng.poisson(np.exp(2 * t)).astype(float)
        if kind == "tweedie":  # amounts with exact zeros
            y *= rng.gamma(2.0, 0.5, size=t.shape)
        y[0] = 1.0  # a positive sum
    else:
        y = np.exp(2 * t) * rng.uniform(0.5, 1.5, size=t.shape)
    return y[:, 0] if n_outputs == 1 else y


@st.composite
def monotone_problems(draw):
    """A ``monotonic_cst`` fit: ``(kind, params, fits, probe_scale, rng)``, ``fits``
    a list of ``(method, X, y)`` calls."""
    kind = draw(st.sampled_from(KINDS))
    n_features = draw(st.integers(1, 5))
    cst = draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=n_features,
                        max_size=n_features).filter(lambda c: any(c)))
    hidden = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    dtype = draw(st.sampled_from(["float64", "float32"]))
    sparse = draw(st.booleans())
    how = draw(st.sampled_from(["fit", "warm_start", "partial_fit"]))
    solver = draw(st.sampled_from(["lbfgsb", "adam"]))
    scale = 10.0 ** draw(st.integers(-6, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    params = {"hidden_layer_sizes": tuple(hidden), "monotonic_cst": cst,
              "activation": draw(st.sampled_from(["logistic", "tanh", "relu",
                                                  "identity"])),
              "dtype": dtype, "solver": solver, "max_iter": draw(st.integers(1, 4)),
              "random_state": 0}
    if kind != "classifier":
        params["loss"] = kind
        if kind == "tweedie":
            params["power"] = draw(st.floats(1.05, 1.95))
    if how == "warm_start":
        params["warm_start"] = True
    if draw(st.integers(0, 4)) == 0:  # positive=True alone: +1 in every feature
        params["monotonic_cst"], params["positive"] = None, True
        if kind == "classifier":  # (a two-class softmax is not monotone as computed)
            params["output"] = "logistic"
    n_outputs = 1 if kind == "classifier" else draw(st.sampled_from([1, 1, 2]))
    fits = []
    for _ in range(1 if how == "fit" else draw(st.integers(2, 3))):
        n_samples = draw(st.integers(4, 25))
        X = rng.normal(size=(n_samples, n_features)) * scale
        X[rng.random(X.shape) < 0.3] = 0.0
        X = X.astype(dtype)
        X = sp.csr_matrix(X) if sparse else X
        method = "partial_fit" if how == "partial_fit" else "fit"
        fits.append((method, X, _targets(kind, rng, X, n_outputs)))
    # Probes of any scale the compute dtype holds (float32's largest is 3.4e38).
    top = 36 if dtype == "float32" else 300
    probe_scale = 10.0 ** draw(st.sampled_from([0, -8, 3, 8, 20, top, -3, 0]))
    kernels = draw(st.sampled_from(["numpy", "numba"]))
    return kind, params, fits, sparse, probe_scale, kernels, rng


def _fitted(kind, params, fits):
    est = (NonNegMLPClassifier if kind == "classifier" else NonNegMLPRegressor)(
        **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method, X, y in fits:
            if method == "partial_fit" and kind == "classifier":
                est.partial_fit(X, y, classes=[0, 1])
            else:
                getattr(est, method)(X, y)
    return est


def _scores(est, X):
    """The monotone outputs: P(classes_[1]) and the decision function of the
    classifier, every prediction of the regressor; columns of one array."""
    if isinstance(est, NonNegMLPClassifier):
        return np.c_[est.predict_proba(X)[:, 1], est.decision_function(X)]
    return est.predict(X).reshape(X.shape[0], -1)


def _scores_or_refused(est, X, sparse):
    """``_scores`` of X (as CSR if ``sparse``); None where predict refuses a row as
    too large for the fitted network, or one whose output overflows (the
    documented refusals: an overflowed sum or output would be silently wrong)."""
    try:
        return _scores(est, sp.csr_matrix(X) if sparse else X)
    except ValueError as exc:
        assert "too large for the fitted" in str(exc), exc
        event(f"refused: {str(exc)[:40]}")
        return None


def _probe_rows(X, n, signs, rng, dtype):
    """``n`` random rows on a scale of 1e-2 to 1e2 times X's, and the same rows
    moved along ``signs`` (``_moved``)."""
    base = rng.normal(size=(n, X.shape[1])) * np.abs(X).max() * 10.0 ** rng.uniform(
        -2, 2)
    return _moved(base, signs, rng, dtype)


def _moved(X, cst, rng, dtype):
    """``X`` moved along ``cst`` by steps from one ulp of ``dtype`` up to far
    beyond X's scale, several features at once, some rows not at all."""
    n, d = X.shape
    step = np.abs(rng.standard_cauchy(size=(n, d))) * (
        np.abs(X) + 1.0) * 10.0 ** rng.integers(-12, 4, size=(n, d))
    step[rng.random((n, d)) < 0.3] = 0.0
    step[rng.random(n) < 0.2] = 0.0
    moved = X + cst * step
    # The next value of the compute dtype, where the drawn step rounds away.
    ulp = rng.random((n, d)) < 0.3
    column = X.astype(dtype)
    towards = np.where(cst > 0, np.inf, -np.inf).astype(dtype)
    nudged = np.nextafter(column, towards).astype(np.float64)
    moved = np.where(ulp & (cst != 0), nudged, moved)
    # In the compute dtype (rounding is monotone: the order survives the cast),
    # within its finite range.
    top = float(np.finfo(dtype).max)
    moved = np.clip(moved, -top, top)
    X, moved = X.astype(dtype), moved.astype(dtype)
    assert np.all(cst * (moved.astype(np.float64) - X) >= 0)
    assert np.all((cst != 0) | (moved == X))
    return X, moved


@_examples(150)
@given(problem=monotone_problems())
def test_monotonic_cst_is_exact_for_every_loss_input_and_way_of_fitting(problem):
    kind, params, fits, sparse, probe_scale, kernels, rng = problem
    est = _fitted(kind, params, fits)
    event(kind)
    if params["monotonic_cst"] is None:
        assert est.monotonic_cst_ is None
        cst = np.ones(est.n_features_in_, dtype=int)
    else:
        cst = np.asarray(params["monotonic_cst"])
        np.testing.assert_array_equal(est.monotonic_cst_, cst)
    # The weights: the first layer signed by cst, every later one >= 0.
    first = est.coefs_[0]
    assert np.all(first[cst == 1] >= 0) and np.all(first[cst == -1] <= 0)
    assert all(np.all(w >= 0) for w in est.coefs_[1:])
    # The certificate reads the same directions off the weights.
    signs = monotone_certificate(est).feature_signs_
    zero_rows = ~np.any(first != 0, axis=1)
    assert np.all((signs == cst) | (cst == 0) | ((signs == 1) & zero_rows))
    # The outputs, as computed, in one batch with their origins and alone.
    n = 12
    base = rng.normal(size=(n, cst.shape[0])) * probe_scale
    base[rng.random(base.shape) < 0.2] = 0.0
    base, moved = _moved(base, cst, rng, params["dtype"])
    with numpy_max_work(-1 if kernels == "numba" else NUMPY_MAX_WORK):
        both = _scores_or_refused(est, np.vstack([base, moved[::-1]]), sparse)
        if both is None:  # a row the network refuses: the pairs one at a time
            pairs = [(_scores_or_refused(est, base[i:i + 1], sparse),
                      _scores_or_refused(est, moved[i:i + 1], sparse))
                     for i in range(n)]
            pairs = [p for p in pairs if p[0] is not None and p[1] is not None]
            if not pairs:
                event("every probe refused")
                return
            before, after = (np.vstack(p) for p in zip(*pairs))
            alone = after[:1]
        else:
            before, after = both[:n], both[n:][::-1]
            alone = _scores_or_refused(est, moved[:1], sparse)
            # The fixed-order kernels: a row's outputs are the same bits alone,
            # in a batch, dense or CSR (choosing.rst, "Floating point").
            np.testing.assert_array_equal(alone, after[:1])
            np.testing.assert_array_equal(
                _scores_or_refused(est, np.vstack([base, moved[::-1]]), not sparse),
                both)
    assert np.all(after >= before), (before, after)
    if alone is not None:
        assert np.all(alone >= before[:1])
    if np.any(after > before):
        event("strictly monotone somewhere")
    # check_monotonic on the last fit's rows finds no drop.
    X = fits[-1][1].toarray() if sparse else fits[-1][1]
    if all(np.unique(X[:, j]).shape[0] > 1 for j in np.flatnonzero(cst)):
        report = check_monotonic(est, fits[-1][1], monotonic_cst=cst, n_steps=5)
        np.testing.assert_array_equal(report.max_drop, 0.0)


# ------------------------------------------------------------- lipschitz_bound_
_SLOPES = {
    "logistic": lambda t: np.exp(-np.abs(t)) / (1 + np.exp(-np.abs(t))) ** 2,
    "tanh": lambda t: 1 - np.tanh(t) ** 2,
    "relu": lambda t: (t >= 0).astype(t.dtype),  # the largest subgradient at 0
    "identity": np.ones_like,
}
_UNITS = {
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda t: np.maximum(t, 0),
    "identity": lambda t: t,
}


def _jacobian_norms(est, X):
    """Per row of X, the spectral norm of the Jacobian of the logits (of the
    predictions, for a regressor) of the network as computed: its weights cast
    to the fitted dtype, the gain as the numba kernels (cast) and the NumPy twins
    (float64) use it, the larger norm of the two; in extended precision."""
    dtype = est._compute_dtype
    ld = np.longdouble
    coefs = [np.asarray(w, dtype=dtype).astype(ld) for w in est.coefs_]
    icpts = [np.asarray(b, dtype=dtype).astype(ld) for b in est.intercepts_]
    unit, slope = _UNITS[est.activation_], _SLOPES[est.activation_]
    out_scale = (np.asarray(est.y_scale_, dtype=ld)
                 if isinstance(est, NonNegMLPRegressor) else 1)
    norms = np.zeros(X.shape[0])
    for gain in {float(est.gain_), float(np.dtype(dtype).type(est.gain_))}:
        gain = ld(gain)
        for i, x in enumerate(X.astype(ld)):
            h, jac = x, np.eye(X.shape[1], dtype=ld)
            for w, b in zip(coefs[:-1], icpts[:-1]):
                t = gain * (h @ w + b)
                jac = (jac @ w) * (gain * slope(t))
                h = unit(t)
            jac = (jac @ coefs[-1]) * out_scale
            norms[i] = max(norms[i], _spectral_norm_from_below(jac))
    return norms


def _spectral_norm_from_below(matrix):
    """The spectral norm of an extended-precision ``matrix``, from below: the
    Rayleigh quotient ``||M v|| / ||v||`` (never above the norm) at the top singular
    vector of the float64 SVD refined by power iterations, all in extended
    precision, so that it falls short of the norm by its own rounding only (a few
    extended-precision unit roundoffs, 5.4e-20 each, far below the allowance of
    about ``m n`` float64 roundoffs that the bounds add for theirs)."""
    v = np.linalg.svd(matrix.astype(np.float64))[2][0].astype(np.longdouble)
    for _ in range(30):
        w = matrix.T @ (matrix @ v)
        if not np.any(w):  # v in the null space: a zero matrix, or an SVD far off
            break
        w = w / np.max(np.abs(w))  # (w * w of tiny entries would underflow)
        v = w / np.sqrt(np.sum(w * w))
    return float(np.sqrt(np.sum((matrix @ v) ** 2) / np.sum(v * v)))


def _abba_computed_layers(est):
    """The plain layers (``test_lipschitz._plain_layers``'s form, in the doubled
    units ``[u, v]``) of the ABBA network the kernels compute with, in extended
    precision: they hold ``Q_1 = fl(A_1 - B_1)``, ``P_l = fl(A_l + B_l)`` and ``Q_l
    = fl(A_l - B_l)`` (inner layers), ``C = fl((A_L - B_L) / 2)`` (the last), each
    computed in float64 and rounded once to the fitted dtype, and the biases so
    rounded (``ABBALayer.load``). The first layer gives ``[x Q_1 + b_u, b_v - x
    Q_1]``, an inner one ``(s P_l + d Q_l) / 2 + b_u`` and ``(s P_l - d Q_l) / 2 +
    b_v`` (``s``, ``d`` the sum and difference of the halves below: the matrix
    ``[[P + Q, P - Q], [P - Q, P + Q]] / 2`` on ``[u, v]``), the last ``(u - v) C``."""
    dtype, ld = est._compute_dtype, np.longdouble

    def computed_weights(matrix, dtype):  # (not the package's: a test of it)
        return np.asarray(matrix, dtype=np.float64).astype(dtype)

    fn, slope_of = _plain_layers(est)[0][2:]
    a_s, b_s = est.coefs_a_, est.coefs_b_
    last = len(a_s) - 1
    layers = []
    for i, (a, b, icpt) in enumerate(zip(a_s, b_s, est.intercepts_)):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        icpt = np.asarray(icpt, dtype=dtype).astype(ld)
        if i == last:
            c = computed_weights((a - b) / 2, dtype).astype(ld)
            layers.append((np.vstack([c, -c]), np.zeros(c.shape[1], dtype=ld), None,
                           None))
            break
        q = computed_weights(a - b, dtype).astype(ld)
        if i == 0:
            w = np.hstack([q, -q])
        else:
            p = computed_weights(a + b, dtype).astype(ld)
            w = np.block([[p + q, p - q], [p - q, p + q]]) / 2
        layers.append((w, icpt, fn, slope_of))
    return layers


def _abba_jacobian_norms(est, X):
    """``_jacobian_norms`` of an ABBAClassifier: its logits' Jacobian, row by row of
    the network as computed in its dtype (``_abba_computed_layers``), in extended
    precision."""
    layers = _abba_computed_layers(est)
    n_out = layers[-1][0].shape[1]
    norms = []
    for x in X.astype(np.longdouble):
        _, pre = _forward(layers, x[None])
        jac = np.vstack([_vjp(layers, pre, np.eye(n_out, dtype=np.longdouble)[k:k + 1])
                         for k in range(n_out)])
        norms.append(_spectral_norm_from_below(jac))
    return np.array(norms)


@st.composite
def lipschitz_problems(draw):
    kind = draw(st.sampled_from(["classifier", "regressor", "abba"]))
    n_features = draw(st.integers(1, 5))
    hidden = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    n_layers = len(hidden) + 1
    positive = draw(st.sampled_from(
        [True, False, "hidden", "output", "list", "monotonic_cst"]))
    params = {"hidden_layer_sizes": hidden,
              "activation": draw(st.sampled_from(["logistic", "tanh", "relu",
                                                  "identity"])),
              "gain": draw(st.sampled_from([1.0, 0.3, 5.0, (1.0, 3.0)])),
              "dtype": draw(st.sampled_from(["float64", "float32"])),
              "solver": draw(st.sampled_from(["lbfgsb", "adam"])),
              "max_iter": draw(st.integers(1, 8)), "random_state": 0}
    n_classes = 2
    if positive == "list":
        positive = draw(st.lists(st.booleans(), min_size=n_layers,
                                 max_size=n_layers))
    if positive == "monotonic_cst" and kind != "abba":
        params["monotonic_cst"] = draw(st.lists(
            st.sampled_from([-1, 0, 1]), min_size=n_features, max_size=n_features))
        positive = True
    elif kind != "regressor":
        n_classes = draw(st.integers(2, 3))
        params["output"] = draw(st.sampled_from(["logistic", "softmax"]))
    params["positive"] = positive
    if kind == "abba":
        for name in ("positive", "gain", "monotonic_cst"):
            params.pop(name, None)
        params.update(
            lipschitz_max=draw(st.sampled_from([None, 0.3, 5.0, 1e-3])),
            activation=draw(st.sampled_from(["tanh", "capped_leaky_relu",
                                             "identity"])))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    scale = 10.0 ** draw(st.integers(-2, 2))
    X = rng.normal(size=(draw(st.integers(6, 25)), n_features)) * scale
    if kind != "regressor":
        y = np.arange(X.shape[0]) % n_classes
    else:
        y = X @ rng.normal(size=(n_features, draw(st.integers(1, 2)))) * 10.0 ** (
            draw(st.integers(-2, 3)))
        y = y[:, 0] if y.shape[1] == 1 else y
    sparse = draw(st.booleans())
    return kind, params, (sp.csr_matrix(X) if sparse else X), y, scale, rng


@_examples(150)
@given(problem=lipschitz_problems())
def test_lipschitz_bound_bounds_every_jacobian_of_the_computed_network(problem):
    """At random points (of any scale), and where the first layer's pre-activations
    vanish (where the sigmoid and tanh are steepest), no Jacobian's spectral norm
    exceeds ``lipschitz_bound_``. The Lipschitz constant of a piecewise smooth
    network is the largest norm of its Jacobians, so the bound must hold at each."""
    kind, params, X, y, scale, rng = problem
    Est = {"classifier": NonNegMLPClassifier, "regressor": NonNegMLPRegressor,
           "abba": ABBAClassifier}[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = Est(**params).fit(X, y)
    bound = est.lipschitz_bound_
    assert np.isfinite(bound) and bound >= 0
    if params.get("lipschitz_max") is not None:  # kept exactly, in either dtype
        assert bound <= params["lipschitz_max"]
    # The layers ``positive`` constrains are >= 0 (the first one is signed by
    # monotonic_cst where given).
    if kind != "abba":
        n_layers = len(est.coefs_)
        positive = params["positive"]
        layers = {True: range(n_layers), False: [], "hidden": range(n_layers - 1),
                  "output": [n_layers - 1]}.get(positive) if not isinstance(
            positive, list) else np.flatnonzero(positive)
        for i in layers:
            if i > 0 or params.get("monotonic_cst") is None:
                assert est.weight_constraints_[i] == "nonneg"
                assert np.all(est.coefs_[i] >= 0)
    n_features = est.n_features_in_
    points = rng.normal(size=(8, n_features)) * scale * 10.0 ** rng.integers(
        -3, 3, size=(8, 1))
    # Least-squares zeros of the first layer's pre-activations.
    w, b = _plain_layers(est)[0][:2] if kind == "abba" else (est.coefs_[0],
                                                            est.intercepts_[0])
    zero = np.linalg.lstsq(w.T, -b, rcond=None)[0]
    points = np.vstack([points, zero, zero + 1e-3 * rng.normal(size=n_features)])
    norms = (_abba_jacobian_norms if kind == "abba" else _jacobian_norms)(est, points)
    # The Jacobians are products of a few small matrices in extended precision,
    # each entry within about (depth * width) of its unit roundoffs of the exact
    # one where every layer is non-negative (no cancellation: the cases where the
    # bound is tight); the slack below is that many float64 roundoffs' 1/100,
    # still far below the bound's own rounding allowance (about m n float64
    # roundoffs), which the test therefore checks.
    n = len(est.coefs_) * max(max(c.shape) for c in est.coefs_)
    assert np.all(norms <= bound * (1 + n * np.finfo(np.float64).eps / 100)), (
        norms.max(), bound)
    event("within 1e-6 of the bound" if norms.max() >= bound * (1 - 1e-6)
          else "below the bound")



@st.composite
def float32_abba_problems(draw):
    """A float32 ABBAClassifier (now and then float64): fitted, or made by
    ``from_mlp`` of a NonNegMLPClassifier (positive=True with identity units: a
    monotone linear network, where the bound is attained and the float32
    rounding of its weights shows), with or without ``lipschitz_max``."""
    how = draw(st.sampled_from(["fit", "from_mlp", "from_mlp"]))
    n_features = draw(st.integers(1, 5))
    n_classes = draw(st.integers(2, 3))
    hidden = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    output = draw(st.sampled_from(["logistic", "softmax"]))
    dtype = draw(st.sampled_from(["float32", "float32", "float64"]))
    lipschitz_max = draw(st.sampled_from([None, None, 0.3, 1.0, 5.0, 1e-3]))
    solver = draw(st.sampled_from(["lbfgsb", "adam"]))
    max_iter = draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    scale = 10.0 ** draw(st.integers(-2, 2))
    X = rng.normal(size=(draw(st.integers(6, 25)), n_features)) * scale
    y = np.arange(X.shape[0]) % n_classes
    if how == "fit":
        est = ABBAClassifier(
            hidden, activation=draw(st.sampled_from(["tanh", "capped_leaky_relu",
                                                     "identity"])),
            output=output, dtype=dtype, lipschitz_max=lipschitz_max, solver=solver,
            max_iter=max_iter, random_state=0)
        return how, est, None, X, y, scale, rng
    mlp = NonNegMLPClassifier(
        hidden, activation=draw(st.sampled_from(["identity", "identity", "tanh",
                                                 "logistic"])),
        positive=draw(st.sampled_from([True, True, False])), output=output,
        gain=draw(st.sampled_from([1.0, 0.3, 5.0])), solver=solver,
        max_iter=max_iter, random_state=0)
    return how, mlp, {"dtype": dtype, "lipschitz_max": lipschitz_max}, X, y, scale, rng


@_examples(60)
@given(problem=float32_abba_problems())
def test_float32_abba_bounds_every_jacobian_of_the_network_it_computes(problem):
    """ABBAClassifier with dtype="float32" computes with its sums and differences
    of blocks rounded to float32 (up to 2^-24 relative off the float64 blocks):
    ``lipschitz_bound_`` and ``lipschitz_bound_separable_`` bound the spectral
    norm of every Jacobian of *that* network, in extended precision, at random
    points and where the first layer's pre-activations vanish;
    ``lipschitz_max`` is kept by it, or the fit (``from_mlp``) refused."""
    how, est, params, X, y, scale, rng = problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
        if how == "from_mlp":
            try:
                est = ABBAClassifier.from_mlp(est, **params)
            except ValueError as exc:  # the documented refusals
                assert re.search("cannot be kept|from_mlp needs activations", str(exc)), exc
                event(f"from_mlp refused: {str(exc)[:30]}")
                return
    cap = est.lipschitz_max
    bound = est.lipschitz_bound_
    assert np.isfinite(bound) and bound >= 0
    assert bound <= est.lipschitz_bound_separable_
    if cap is not None:
        assert bound <= cap
    n_features = est.n_features_in_
    points = rng.normal(size=(6, n_features)) * scale * 10.0 ** rng.integers(
        -3, 3, size=(6, 1))
    w, b = _abba_computed_layers(est)[0][:2]
    zero = np.linalg.lstsq(w.T.astype(np.float64), -b.astype(np.float64),
                           rcond=None)[0]
    points = np.vstack([points, zero, zero + 1e-3 * rng.normal(size=n_features)])
    norms = _abba_jacobian_norms(est, points)
    n = len(est.coefs_) * max(max(c.shape) for c in est.coefs_)
    slack = 1 + n * np.finfo(np.float64).eps / 100
    assert np.all(norms <= bound * slack), (norms.max(), bound)
    event(f"{how}, {np.dtype(est._compute_dtype).name}: " + (
        "within 1e-9 of the bound" if norms.max() >= bound * (1 - 1e-9)
        else "below the bound"))


# ------------------------------------------------------------- certified_radius
@st.composite
def radius_estimators(draw, outputs, positives):
    """A small classifier for the radius tests and its parameters: ABBAClassifier,
    or NonNegMLPClassifier under one of ``positives``; an output among
    ``outputs``, either dtype and solver, a few iterations."""
    params = {"hidden_layer_sizes": tuple(draw(st.lists(st.integers(1, 5), min_size=1,
                                                        max_size=2))),
              "output": draw(st.sampled_from(outputs)),
              "dtype": draw(st.sampled_from(["float64", "float32"])),
              "solver": draw(st.sampled_from(["lbfgsb", "adam"])),
              "max_iter": draw(st.integers(1, 15)), "random_state": 0}
    if draw(st.booleans()):
        params["activation"] = draw(st.sampled_from(["tanh", "capped_leaky_relu",
                                                     "identity"]))
        params["lipschitz_max"] = draw(st.sampled_from([None, 0.5, 5.0]))
        return ABBAClassifier, params
    params["positive"] = draw(st.sampled_from(positives))
    params["activation"] = draw(st.sampled_from(["logistic", "tanh", "relu",
                                                 "identity"]))
    params["gain"] = draw(st.sampled_from([1.0, 5.0, (1.0, 3.0)]))
    return NonNegMLPClassifier, params


@st.composite
def radius_problems(draw):
    n_features = draw(st.integers(1, 5))
    n_classes = draw(st.integers(2, 3))
    Est, params = draw(radius_estimators(["logistic", "softmax"], [True, False, "hidden"]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    scale = 10.0 ** draw(st.integers(-3, 3))
    X = rng.normal(size=(draw(st.integers(6, 25)), n_features)) * scale
    y = (X @ rng.normal(size=n_features) > 0).astype(int) + (n_classes == 3) * (
        X[:, 0] > 0)
    y[:n_classes] = np.arange(n_classes)
    return Est, params, X, y, draw(st.booleans()), rng


def _attack_within(est, X, radius, rng, sparse, n_random=10, n_steps=30):
    """Per row, whether any perturbation found (random directions, then a
    projected gradient on the float64 network's margin) whose L2 norm is below
    ``radius`` changes what ``predict`` returns, on the perturbed points as
    given to it (dense or CSR). A perturbation's norm is that of the difference
    of the two float64 points, in extended precision: the rounding of ``X +
    delta`` may lengthen ``delta``, and such a point is not counted. Multilabel
    predictions change where any label does; the gradient then pushes the label
    whose logit is nearest to its sign change at the start."""
    layers = _plain_layers(est)
    predicted = est.predict(X)
    multilabel = predicted.ndim == 2
    changed = np.zeros(X.shape[0], dtype=bool)
    # An infinite radius (logits that do not depend on X): steps of 1e150
    # (1e30 in float32).
    r = np.minimum(radius, 1e30 if est._compute_dtype == np.float32 else 1e150)[:, None]

    def moved(delta):
        points = X + delta
        distance = np.sqrt(np.sum((points.astype(np.longdouble) - X) ** 2, axis=1))
        inside = distance < radius
        try:
            now = est.predict(sp.csr_matrix(points) if sparse else points)
        except ValueError as exc:  # a row too large for the network: one at a time
            assert "too large for" in str(exc), exc
            event("refused: too large")
            for i in np.flatnonzero(inside):
                try:
                    now = est.predict(points[i:i + 1])
                except ValueError as exc:
                    assert "too large for" in str(exc), exc
                    continue
                changed[i] |= not _same(now, predicted[i:i + 1])[0]
            return
        changed[inside & ~_same(now, predicted)] = True

    for _ in range(n_random):
        noise = rng.normal(size=X.shape)
        moved(noise * r / np.linalg.norm(noise, axis=1, keepdims=True))
    rows = np.arange(X.shape[0])
    delta = rng.normal(size=X.shape) * 1e-3 * r
    for _ in range(n_steps):
        z, pre = _forward(layers, X + delta)
        if z.shape[1] == 1:  # one logistic output: towards its sign change
            v = -np.sign(z)
        elif multilabel:  # the label nearest to its sign change, towards it
            label = np.argmin(np.abs(z), axis=1) if _ == 0 else label
            v = np.zeros_like(z)
            v[rows, label] = -np.sign(z[rows, label])
        else:
            clean = z.argmax(1) if _ == 0 else clean
            others = z.copy()
            others[rows, clean] = -np.inf
            v = np.zeros_like(z)
            v[rows, others.argmax(1)] = 1.0
            v[rows, clean] = -1.0
        g = _vjp(layers, pre, v)
        delta = delta + 0.2 * r * g / (np.linalg.norm(g, axis=1, keepdims=True)
                                       + 1e-300)
        norm = np.linalg.norm(delta, axis=1, keepdims=True)
        delta *= np.minimum(1.0, r / np.maximum(norm, 1e-300))
        moved(delta)
    return changed


def _near_the_boundary(est, points, n_steps=60):
    """Points bisected towards where ``predict`` changes, between pairs of
    ``points`` predicted apart: margins of the order of the logits' rounding,
    where a radius that ignored it would be beaten."""
    labels = est.predict(points)
    pairs = [(i, j) for i in range(len(points)) for j in range(i)
             if not _same(labels[i:i + 1], labels[j:j + 1])[0]][:4]
    if not pairs:
        return np.empty((0, points.shape[1]))
    a = points[[i for i, _ in pairs]]
    b = points[[j for _, j in pairs]]
    side = labels[[i for i, _ in pairs]]
    for _ in range(n_steps):
        middle = (a + b) / 2
        same = _same(est.predict(middle), side)
        a[same], b[~same] = middle[same], middle[~same]
    return a


def _same(labels, other):
    """Per row, whether two predictions agree (every label of a multilabel one)."""
    equal = np.asarray(labels) == np.asarray(other)
    return equal.all(axis=1) if equal.ndim == 2 else equal


@_examples(60)
@given(problem=radius_problems())
def test_no_perturbation_within_the_certified_radius_changes_a_prediction(problem):
    Est, params, X, y, sparse, rng = problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = Est(**params).fit(X, y)
    points = X[rng.integers(0, X.shape[0], 10)] + rng.normal(size=(10, X.shape[1])) * (
        np.abs(X).max() * 10.0 ** rng.uniform(-3, 0))
    points = np.vstack([points, _near_the_boundary(est, points)])
    radius = est.certified_radius(sp.csr_matrix(points) if sparse else points)
    assert radius.shape == (points.shape[0],) and np.all(radius >= 0)
    assert not np.any(_attack_within(est, points, radius, rng, sparse))
    # Not idle: at 100 times the radius the attack changes predictions somewhere.
    if np.any(_attack_within(est, points, radius * 100, rng,
                             sparse, n_random=2, n_steps=10)):
        event("the attack changes predictions at 100 times the radius")


@st.composite
def multilabel_radius_problems(draw):
    """A classifier fitted on a multilabel indicator ``y`` (2 to 4 labels, a
    logistic output): NonNegMLPClassifier under any sign pattern, or
    ABBAClassifier; either dtype."""
    n_features = draw(st.integers(1, 5))
    n_labels = draw(st.integers(2, 4))
    Est, params = draw(radius_estimators(["logistic"], [True, False, "hidden", "output"]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    scale = 10.0 ** draw(st.integers(-3, 3))
    X = rng.normal(size=(draw(st.integers(6, 25)), n_features)) * scale
    Y = (X @ rng.normal(size=(n_features, n_labels))
         + 0.5 * scale * rng.normal(size=(X.shape[0], n_labels)) > 0).astype(int)
    Y[0], Y[1] = 0, 1  # every label takes both values
    return Est, params, X, Y, draw(st.booleans()), rng


@_examples(30)
@given(problem=multilabel_radius_problems())
def test_multilabel_certified_radius_holds_for_every_label(problem):
    """``certified_radius`` of a multilabel classifier (the least over its
    labels): no perturbation of smaller L2 norm changes any label ``predict``
    returns, near where a label flips too."""
    Est, params, X, Y, sparse, rng = problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = Est(**params).fit(X, Y)
    assert est._multilabel and est.n_outputs_ == Y.shape[1]
    points = X[rng.integers(0, X.shape[0], 10)] + rng.normal(size=(10, X.shape[1])) * (
        np.abs(X).max() * 10.0 ** rng.uniform(-3, 0))
    points = np.vstack([points, _near_the_boundary(est, points)])
    radius = est.certified_radius(sp.csr_matrix(points) if sparse else points)
    assert radius.shape == (points.shape[0],) and np.all(radius >= 0)
    # No larger than the radius of any one label's logit alone.
    logits = est.decision_function(points)
    assert np.all(radius <= np.min(np.abs(logits), axis=1) / est.lipschitz_bound_)
    assert not np.any(_attack_within(est, points, radius, rng, sparse))
    if np.any(_attack_within(est, points, radius * 100, rng,
                             sparse, n_random=2, n_steps=10)):
        event("the attack changes predictions at 100 times the radius")
    if np.any(radius == 0):
        event("a margin within the rounding: radius 0")


# ------------------------------------------------------------- check_monotonic
class _Planted(RegressorMixin, BaseEstimator):
    """``predict(X) = sum_j h_j(X[:, j])`` (a column per output), each ``h_j`` the
    piecewise linear function through ``knots[j]``: a model whose falls are known."""

    def __init__(self, knots=None, n_outputs=1):
        self.knots = knots
        self.n_outputs = n_outputs

    def fit(self, X, y=None):
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
        out = np.zeros((X.shape[0], self.n_outputs))
        for j, (xs, ys) in enumerate(self.knots):
            for k in range(self.n_outputs):
                out[:, k] += np.interp(X[:, j], xs, ys[k])
        return out[:, 0] if self.n_outputs == 1 else out


@st.composite
def planted_models(draw):
    n_features = draw(st.integers(1, 4))
    n_outputs = draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    knots = []
    for _ in range(n_features):
        n = draw(st.integers(2, 6))
        xs = np.sort(rng.uniform(-1, 1, n))
        kind = draw(st.sampled_from(["up", "down", "dip", "any"]))
        ys = np.cumsum(rng.exponential(size=(n_outputs, n)), axis=1)
        if kind == "down":
            ys = -ys
        elif kind == "dip":  # rising but for one planted fall
            k = rng.integers(1, n)
            ys[:, k:] -= ys[:, k:k + 1] - ys[:, k - 1:k] + rng.exponential(
                10.0 ** rng.uniform(-6, 0), size=(n_outputs, 1))
        elif kind == "any":
            ys = rng.normal(size=(n_outputs, n))
        knots.append((xs, ys))
    n_rows = draw(st.integers(1, 12))
    distinct = draw(st.sampled_from([2, 5, 40]))  # 40 > n_steps: quantiles
    values = rng.uniform(-1.2, 1.2, size=distinct)
    X = values[rng.integers(0, distinct, size=(n_rows, n_features))]
    X[0] = values[0]  # two values in every column at least, with a second row
    X = np.vstack([X, np.full(n_features, values[1])])
    cst = draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=n_features,
                        max_size=n_features).filter(lambda c: any(c)))
    n_steps = draw(st.sampled_from([2, 10, 100]))
    return _Planted(knots, n_outputs).fit(X), X, np.array(cst), n_steps, draw(
        st.booleans())


@_examples(100)
@given(problem=planted_models())
def test_check_monotonic_reports_the_largest_drop_on_its_grid(problem):
    """``max_drop`` is, per constrained feature, the largest ``f(g_k) - f(g_l)``
    over grid points ``g_k < g_l`` (reversed for -1), rows and outputs, as the
    docstring defines it; so a planted fall between two grid points is found and
    measured exactly, and a rising function reports exactly 0."""
    model, X, cst, n_steps, sparse = problem
    report = check_monotonic(model, sp.csr_matrix(X) if sparse else X,
                             monotonic_cst=cst, n_steps=n_steps)
    np.testing.assert_array_equal(report.features, np.flatnonzero(cst))
    for k, j in enumerate(np.flatnonzero(cst)):
        column = np.unique(X[:, j])
        grid = (column if column.shape[0] <= n_steps else
                np.unique(np.quantile(X[:, j], np.linspace(0, 1, n_steps))))
        np.testing.assert_array_equal(report.grids[k], grid)
        drops = []
        for row in X:
            moved = np.repeat(row[None], grid.shape[0], axis=0)
            moved[:, j] = grid
            out = model.predict(moved).reshape(grid.shape[0], -1)[::cst[j]]
            drops.append(max(out[a, o] - out[b, o] for a in range(len(grid))
                             for b in range(a, len(grid))
                             for o in range(out.shape[1])))
        drops = np.array(drops)
        assert report.max_drop[k] == drops.max()
        assert report.n_violating_rows[k] == np.count_nonzero(drops > 0)
        # h_j falls between two grid points: found (the other h's are constant).
        xs, ys = model.knots[j]
        h = np.array([np.interp(grid, xs, y) for y in ys])[:, ::cst[j]]
        if np.any(np.maximum.accumulate(h, axis=1) > h):
            event("planted fall on the grid")
            assert report.max_drop[k] > 0 and not report.is_monotonic
    assert report.is_monotonic == bool(np.all(report.max_drop == 0))


# ------------------------------------------------------------- monotone_certificate
def _certifiable_params(draw, setting, n_features, max_depth, max_iter):
    """A sknonneg network's parameters that ``monotone_certificate`` reads:
    ``setting`` "output" (positive="output", one hidden layer), "positive"
    (positive=True) or "cst" (monotonic_cst with positive=True); up to
    ``max_depth`` hidden layers and ``max_iter`` iterations."""
    hidden = (draw(st.integers(1, 4)),) if setting == "output" else tuple(
        draw(st.lists(st.integers(1, 4), min_size=1, max_size=max_depth)))
    params = {"hidden_layer_sizes": hidden,
              "activation": draw(st.sampled_from(["logistic", "tanh", "relu",
                                                  "identity"])),
              "dtype": draw(st.sampled_from(["float64", "float32"])),
              "solver": draw(st.sampled_from(["lbfgsb", "adam"])),
              "max_iter": draw(st.integers(1, max_iter))}
    if setting == "cst":
        params["monotonic_cst"] = draw(st.lists(
            st.sampled_from([-1, 0, 1]), min_size=n_features, max_size=n_features))
        params["positive"] = True
    else:
        params["positive"] = True if setting == "positive" else "output"
    return params


@st.composite
def certified_models(draw):
    """A network ``monotone_certificate`` may certify: positive="output" with one
    hidden layer (features certified where their first-layer row happens to be
    one-signed), positive=True, or monotonic_cst; classifier or regressor."""
    kind = draw(st.sampled_from(KINDS))
    n_features = draw(st.integers(1, 5))
    setting = draw(st.sampled_from(["output", "output", "positive", "cst"]))
    params = _certifiable_params(draw, setting, n_features, max_depth=3, max_iter=6)
    params["random_state"] = 0
    if kind == "classifier":
        params["output"] = "logistic"
    else:
        params["loss"] = kind
        if kind == "tweedie":
            params["power"] = draw(st.floats(1.05, 1.95))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    X = rng.normal(size=(draw(st.integers(4, 25)), n_features)) * 10.0 ** draw(
        st.integers(-3, 3))
    sparse = draw(st.booleans())
    return kind, params, X, _targets(kind, rng, X, 1), sparse, rng


@_examples(100)
@given(problem=certified_models())
def test_certified_features_are_monotone_as_computed_and_not_evaded(problem):
    """Every feature ``monotone_certificate`` certifies moves the score (P(class 1)
    and the decision function, or the prediction) only in its sign's direction,
    exactly as computed; an additive attack on the certified features of a
    classifier's flagged samples never succeeds."""
    kind, params, X, y, sparse, rng = problem
    est = _fitted(kind, params, [("fit", sp.csr_matrix(X) if sparse else X, y)])
    certificate = monotone_certificate(est)
    signs = certificate.feature_signs_.astype(int)
    if params["positive"] is True and params.get("monotonic_cst") is None:
        assert certificate.all_certified_
    if not np.any(signs):
        event("nothing certified")
        return
    event(f"{kind}: {params['positive']}")
    n = 12
    base, moved = _probe_rows(X, n, signs, rng, params["dtype"])
    both = _scores_or_refused(est, np.vstack([base, moved[::-1]]), sparse)
    if both is not None:
        assert np.all(both[n:][::-1] >= both[:n])
    for i in range(3):
        pair = [_scores_or_refused(est, z[i:i + 1], sparse) for z in (base, moved)]
        if pair[0] is not None and pair[1] is not None:
            assert np.all(pair[1] >= pair[0])
    if kind == "classifier":
        _attack_never_evades(
            est, base, np.flatnonzero(certificate.certified_for(est.classes_[1])), rng)


def _attack_never_evades(model, base, up, rng):
    """The additive attack on the certified features ``up`` (if any), with a random
    budget and step, evades no row of ``base``."""
    if not up.size:
        return
    # (A budget of at least one step: the attack refuses a smaller one.)
    budget = float(rng.uniform(0.5, 20))
    step = min(float(10.0 ** rng.uniform(-2, 0)), budget)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = additive_evasion_attack(
            model, base, budget=budget, features=up, step=step, upper=None)
    assert not np.any(result.success_)
    if np.any(result.attacked_):
        event("attacked, not evaded")


# ------------------------------------------------------------- NonNegAutoencoder
@st.composite
def autoencoder_problems(draw):
    how = draw(st.sampled_from(["fit", "warm_start", "partial_fit"]))
    params = {"n_components": draw(st.integers(1, 4)),
              "nonneg_layers": draw(st.sampled_from(["decoder", "both"])),
              "decoder": draw(st.sampled_from(["sigmoid", "linear"])),
              "sparsity_weight": draw(st.sampled_from([0.0, 3.0])),
              "solver": draw(st.sampled_from(["lbfgsb", "adam"])),
              "dtype": draw(st.sampled_from(["float64", "float32"])),
              "max_iter": draw(st.integers(1, 4)), "random_state": 0,
              "warm_start": how == "warm_start"}
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    n_features = draw(st.integers(1, 6))
    sparse = draw(st.booleans())
    scale = 10.0 ** draw(st.integers(-3, 1))
    fits = []
    for _ in range(1 if how == "fit" else draw(st.integers(2, 3))):
        X = rng.random((draw(st.integers(3, 20)), n_features)) * scale
        X[rng.random(X.shape) < 0.4] = 0.0
        X = X.astype(params["dtype"])
        fits.append(sp.csr_matrix(X) if sparse else X)
    probe_scale = 10.0 ** draw(st.sampled_from([0, -8, 3, 30, 0]))
    return how, params, fits, sparse, probe_scale, rng


@_examples(80)
@given(problem=autoencoder_problems())
def test_autoencoder_parts_and_codes_keep_their_bounds_for_every_input(problem):
    """``nonneg="bounds"``: the weights of ``nonneg_layers`` (the parts,
    ``components_``) are >= 0 exactly after fit, warm start and partial_fit;
    the codes of any input (of any sign and scale, dense or CSR) lie in [0, 1],
    and a sigmoid decoder's reconstruction too."""
    from sknonneg import NonNegAutoencoder

    how, params, fits, sparse, probe_scale, rng = problem
    est = NonNegAutoencoder(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for X in fits:
            (est.partial_fit if how == "partial_fit" else est.fit)(X)
    layers = [1] if params["nonneg_layers"] == "decoder" else [0, 1]
    for i in layers:
        assert est.weight_constraints_[i] == "nonneg"
        assert np.all(est.coefs_[i] >= 0)
    assert np.all(est.components_ >= 0)
    probes = rng.normal(size=(10, fits[0].shape[1])) * probe_scale
    probes[rng.random(probes.shape) < 0.3] = 0.0
    try:
        codes = est.transform(sp.csr_matrix(probes) if sparse else probes)
    except ValueError as exc:  # the documented refusal of values beyond the network
        assert "too large for" in str(exc), exc
        event("refused: too large")
        return
    assert codes.dtype == np.dtype(params["dtype"])
    assert np.all((codes >= 0) & (codes <= 1))
    if params["decoder"] == "sigmoid":
        reconstruction = est.inverse_transform(codes)
        assert np.all((reconstruction >= 0) & (reconstruction <= 1))


# ------------------------------------------- monotone_certificate through a Pipeline
_STEPS = ["imputer", "log1p", "standard", "minmax", "minmax_clip"]


def _preprocessing(names):
    """A Pipeline of the named steps (in the order of ``_STEPS``), or "passthrough"."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler

    make = {"imputer": lambda: SimpleImputer(missing_values=np.nan,
                                             strategy="median"),
            "log1p": lambda: FunctionTransformer(np.log1p),
            "standard": StandardScaler,
            "minmax": MinMaxScaler,
            "minmax_clip": lambda: MinMaxScaler(feature_range=(-1, 2), clip=True)}
    steps = [make[name]() for name in _STEPS if name in names]
    return make_pipeline(*steps) if steps else "passthrough"


@st.composite
def certified_pipelines(draw):
    """A certified network (positive=True or monotonic_cst) after a Pipeline of
    per-feature maps (SimpleImputer(missing_values=np.nan), FunctionTransformer(
    np.log1p), StandardScaler, MinMaxScaler), alone or in a ColumnTransformer
    that splits the raw columns into groups with their own maps (some dropped)."""
    kind = draw(st.sampled_from(KINDS))
    n_features = draw(st.integers(1, 4))
    groups = draw(st.lists(st.integers(0, 2), min_size=n_features,
                           max_size=n_features))
    column_transformer = draw(st.booleans())
    maps = [draw(st.sets(st.sampled_from(_STEPS), max_size=3))
            for _ in range(3 if column_transformer else 1)]
    if not column_transformer:
        groups = [0] * n_features
    n_hidden = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    params = {"hidden_layer_sizes": tuple(n_hidden),
              "activation": draw(st.sampled_from(["logistic", "tanh", "relu",
                                                  "identity"])),
              "dtype": draw(st.sampled_from(["float64", "float32"])),
              "solver": draw(st.sampled_from(["lbfgsb", "adam"])),
              "max_iter": draw(st.integers(1, 4)), "random_state": 0}
    if kind == "classifier":
        params["output"] = "logistic"
    else:
        params["loss"] = kind
        if kind == "tweedie":
            params["power"] = draw(st.floats(1.05, 1.95))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    scale = 10.0 ** draw(st.integers(-3, 3))
    n_samples = draw(st.integers(5, 25))
    # log1p's domain is x > -1: those columns hold values >= 0 (counts, amounts).
    log_column = np.array(["log1p" in maps[g] for g in groups])
    X = rng.normal(size=(n_samples, n_features)) * scale
    X[:, log_column] = np.abs(X[:, log_column])
    X[rng.random(X.shape) < 0.2] = 0.0
    # Missing values where a column is imputed (each column keeps one present).
    imputed = np.array(["imputer" in maps[g] for g in groups])
    missing = (rng.random(X.shape) < 0.25) & imputed
    missing[0] = False
    X[missing] = np.nan
    return kind, params, groups, maps, draw(st.booleans()), X, rng


def _pipeline_scores(model, X):
    """The monotone outputs of a pipeline: P(classes_[1]) and the decision
    function of a classifier, every prediction of a regressor; None where the
    network refuses a row as too large for it (the documented refusal)."""
    try:
        if hasattr(model, "predict_proba"):
            return np.c_[model.predict_proba(X)[:, 1], model.decision_function(X)]
        return model.predict(X).reshape(X.shape[0], -1)
    except ValueError as exc:
        assert "too large for the fitted" in str(exc), exc
        event(f"refused: {str(exc)[:40]}")
        return None


@_examples(40)
@given(problem=certified_pipelines())
def test_certificate_through_a_pipeline_holds_in_the_raw_features(problem):
    """``monotone_certificate`` of a Pipeline (or ColumnTransformer) of per-feature
    maps before a certified network certifies signs of the *raw* features: moving
    a certified raw feature in its sign's direction (present values only, from
    one ulp up, NaN left missing) never moves the pipeline's computed score the
    other way, in one batch with its origin and alone."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    kind, params, groups, maps, positive, X, rng = problem
    n_features = X.shape[1]
    used = sorted(set(groups))
    if len(maps) > 1:
        pre = ColumnTransformer(
            [(f"g{g}", _preprocessing(maps[g]),
              [j for j in range(n_features) if groups[j] == g]) for g in used],
            remainder="drop")
        order = [j for g in used for j in range(n_features) if groups[j] == g]
    else:
        pre = _preprocessing(maps[0])
        order = list(range(n_features))
    if positive:
        params["positive"] = True
        cst = np.ones(n_features, dtype=int)
    else:
        cst = rng.integers(-1, 2, size=n_features)
        cst[0] = cst[0] or 1  # some feature constrained
        params["monotonic_cst"] = [int(cst[j]) for j in order]  # the network's order
    net = (NonNegMLPClassifier if kind == "classifier" else NonNegMLPRegressor)(
        **params)
    model = Pipeline([("pre", pre), ("net", net)])
    y = _targets(kind, rng, np.nan_to_num(X), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    event(f"{kind}: {'ColumnTransformer' if len(maps) > 1 else 'Pipeline'}")
    signs = monotone_certificate(model).feature_signs_.astype(int)
    # Every raw feature the network is constrained in is certified with its sign
    # (or with +1 where the network does not read it at all).
    first = model[-1].coefs_[0]
    read = np.zeros(n_features, dtype=bool)
    read[order] = np.any(first != 0, axis=1)
    assert np.all((signs == cst) | (cst == 0) | ((signs == 1) & ~read))
    if not np.any(signs):
        event("nothing certified")
        return
    n = 12
    log_column = np.array(["log1p" in maps[g] for g in groups])
    imputed = np.array(["imputer" in maps[g] for g in groups])
    rows = X[rng.integers(0, X.shape[0], n)]
    base = np.where(np.isnan(rows), np.nan, rows + rng.normal(size=rows.shape)
                    * np.nanmax(np.abs(X)) * 10.0 ** rng.uniform(-3, 1))
    base[:, log_column] = np.abs(base[:, log_column])
    missing = np.isnan(base) | ((rng.random(base.shape) < 0.2) & imputed)
    base = np.nan_to_num(base)
    base, moved = _moved(base, signs, rng, np.float64)
    # log1p columns keep to its domain (>= 0 here, a move down stops at 0);
    # missing values stay missing (from missing to present is no move).
    moved[:, log_column] = np.maximum(moved[:, log_column], 0.0)
    base[missing], moved[missing] = np.nan, np.nan
    both = _pipeline_scores(model, np.vstack([base, moved[::-1]]))
    if both is not None:
        assert np.all(both[n:][::-1] >= both[:n]), (base, moved, both)
        if np.any(both[n:][::-1] > both[:n]):
            event("strictly monotone somewhere")
    for i in range(3):
        before, after = (_pipeline_scores(model, z[i:i + 1]) for z in (base, moved))
        if before is not None and after is not None:
            assert np.all(after >= before)


# ------------------------------------------- monotone_certificate of a soft vote
@st.composite
def soft_votes(draw):
    """A ``VotingClassifier(voting="soft")`` of sknonneg networks that
    ``monotone_certificate`` reads (positive=True, monotonic_cst, or
    positive="output" with one hidden layer; logistic output), some behind a
    StandardScaler or MinMaxScaler, some "drop"; its vote weights (None, or of any
    scale, zeros, and now and then a negative, non-finite or overflowing one, which
    it refuses); labels that are not 0 and 1."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    n_features = draw(st.integers(1, 4))
    n_members = draw(st.sampled_from([1, 2, 2, 3, 3]))
    members = []
    for i in range(n_members):
        setting = draw(st.sampled_from(["positive", "cst", "cst", "output"]))
        params = _certifiable_params(draw, setting, n_features, max_depth=2, max_iter=4)
        net = NonNegMLPClassifier(**params, random_state=i, output="logistic")
        scaler = draw(st.sampled_from([None, None, StandardScaler, MinMaxScaler]))
        members.append((f"m{i}", net if scaler is None else make_pipeline(scaler(),
                                                                           net)))
    if n_members > 1 and draw(st.integers(0, 5)) == 0:
        members[draw(st.integers(0, n_members - 1))] = ("dropped", "drop")
    mode = draw(st.sampled_from(["none", "scaled", "scaled", "zero"]))
    weights = None
    if mode != "none":
        weights = [draw(st.sampled_from([1.0, 0.3, 7.0])) * 10.0 ** draw(
            st.sampled_from([0, -300, 300, -320, 307])) for _ in members]
        if mode == "zero" or draw(st.integers(0, 3)) == 0:
            weights[draw(st.integers(0, n_members - 1))] = 0.0
        if draw(st.integers(0, 5)) == 0:
            weights[draw(st.integers(0, n_members - 1))] = draw(st.sampled_from(
                [-1.0, -5e-324, np.inf, np.nan, 1.7e308]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    X = rng.normal(size=(draw(st.integers(6, 25)), n_features)) * 10.0 ** draw(
        st.integers(-3, 3))
    y = np.array(["ham", "spam"])[_targets("classifier", rng, X, 1)]
    return members, weights, X, y, rng


def _vote_refused(weights):
    """Whether ``monotone_certificate`` must refuse a vote of these weights (its
    Notes): a negative or NaN weight, a non-finite one, a sum beyond half the
    largest float, or all zero."""
    if weights is None:
        return False
    w = np.asarray(weights, dtype=np.float64)
    if np.any(~(w >= 0)) or not np.all(np.isfinite(w)):
        return True
    return (np.sum(w / 4) > np.finfo(np.float64).max / 8) or not np.any(w > 0)


@_examples(60)
@given(problem=soft_votes())
def test_soft_vote_certificate_holds_for_the_computed_vote(problem):
    """A soft vote is certified for the features that every member certifies:
    moving them in their signs' directions (from one ulp up, several at once)
    never lowers the vote's computed P(classes_[1]) nor raises P(classes_[0]), in
    a batch with the origins and alone, so that ``predict`` never turns from
    ``classes_[1]`` to ``classes_[0]``; an additive attack on the features
    certified non-decreasing never evades; and the weights it must refuse (a
    negative, NaN or infinite weight, a sum that overflows, all zero) are
    refused with a ValueError."""
    from sklearn.ensemble import VotingClassifier

    members, weights, X, y, rng = problem
    vote = VotingClassifier(members, voting="soft", weights=weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vote.fit(X, y)
    kept = None if weights is None else [
        w for (_, m), w in zip(members, weights) if not (isinstance(m, str)
                                                         and m == "drop")]
    if _vote_refused(kept):
        with pytest.raises(ValueError, match="is not certified"):
            monotone_certificate(vote)
        event("weights refused")
        return
    signs = monotone_certificate(vote).feature_signs_.astype(int)
    # Certified where every member is (a dropped one has no say).
    for member in vote.named_estimators_.values():
        if not (isinstance(member, str) and member == "drop"):
            own = monotone_certificate(member)
            assert np.all(own.certified_for(own.classes_[1])[signs == 1])
            assert np.all(own.certified_for(own.classes_[0])[signs == -1])
    if not np.any(signs):
        event("nothing certified")
        return
    event(f"{len(members)} members, weights {'None' if weights is None else 'given'}")
    n = 12
    base, moved = _probe_rows(X, n, signs, rng, np.float64)

    def probabilities(Z):
        try:
            return vote.predict_proba(Z)
        except ValueError as exc:
            assert "too large for the fitted" in str(exc), exc
            event("refused: too large")
            return None

    both = probabilities(np.vstack([base, moved[::-1]]))
    pairs = [] if both is None else [(both[:n], both[n:][::-1])]
    for i in range(3):
        pair = [probabilities(z[i:i + 1]) for z in (base, moved)]
        if pair[0] is not None and pair[1] is not None:
            pairs.append(pair)
    for before, after in pairs:
        assert not np.any(np.isnan(before)) and not np.any(np.isnan(after))
        assert np.all(after[:, 1] >= before[:, 1]), (before, after)
        assert np.all(after[:, 0] <= before[:, 0]), (before, after)
        flagged = before[:, 1] > before[:, 0]
        assert np.all(after[flagged, 1] > after[flagged, 0])
    if both is not None:
        labels = vote.predict(np.vstack([base, moved[::-1]]))
        assert not np.any((labels[:n] == "spam") & (labels[n:][::-1] == "ham"))
    _attack_never_evades(vote, base, np.flatnonzero(signs == 1), rng)



# ------------------------------------------------------ additive_evasion_attack
@st.composite
def attack_problems(draw):
    """An attackable binary model (NonNegMLPClassifier positive="output" or free,
    LogisticRegression, a soft vote of both), counts or non-negative floats (dense
    or CSR), and the attack's settings: budget, step, upper, features, method."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    n_features = draw(st.integers(1, 5))
    n_samples = draw(st.integers(6, 20))
    counts = draw(st.booleans())
    # The scale of the features, the step and the budget (1e-13: below any
    # absolute slack a check of upper might take).
    scale = 1.0 if counts else 10.0 ** draw(st.sampled_from([0, -2, 2, -13]))
    X = (rng.poisson(2.0, size=(n_samples, n_features)) if counts
         else rng.exponential(size=(n_samples, n_features)) * scale)
    X[rng.random(X.shape) < 0.3] = 0
    score = X @ rng.normal(size=n_features)
    y = (score > np.median(score)).astype(int)
    y[:2] = [0, 1]
    if not counts:
        X = X / scale  # fitted on unit scale, attacked at its own
    model = draw(st.sampled_from(["output", "free", "logistic_regression", "vote"]))
    budget = draw(st.sampled_from([1.0, 3.0, 10.5, 40.0])) * scale
    step = draw(st.sampled_from([1.0, 1.0, 0.5, 0.3, 0.1, 2.0])) * scale
    step = min(step, budget)
    upper = draw(st.sampled_from([None, "scalar", "array"]))
    if upper == "scalar":
        upper = float(np.max(X)) * scale + draw(st.sampled_from([0.0, 1.0, 5.0])) * step
    elif upper == "array":
        upper = np.max(X, axis=0) * scale + rng.integers(0, 4, n_features) * step
        upper[rng.random(n_features) < 0.2] = np.inf
    features = draw(st.sampled_from([None, "subset", "mask"]))
    if features is not None:
        chosen = rng.random(n_features) < 0.6
        chosen[rng.integers(n_features)] = True
        features = chosen if features == "mask" else np.flatnonzero(chosen)
    method = draw(st.sampled_from(["greedy", "gradient"]))
    return (model, X, y, scale, draw(st.booleans()), budget, step, upper, features,
            method, draw(st.integers(0, 3)))


def _attack_model(model, X, y, seed, scale):
    """``model`` fitted on ``X * scale``, behind a StandardScaler(with_mean=False)
    where ``scale`` is not 1 (a per-feature map the attack differentiates
    through)."""
    from sklearn.ensemble import VotingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def network(positive):
        return NonNegMLPClassifier((3,), positive=positive, output="logistic",
                                   max_iter=20, random_state=seed)

    est = {"output": lambda: network("output"), "free": lambda: network(False),
           "logistic_regression": LogisticRegression,
           "vote": lambda: VotingClassifier(
               [("net", network("output")), ("lr", LogisticRegression())],
               voting="soft")}[model]()
    if scale != 1.0:
        est = make_pipeline(StandardScaler(with_mean=False), est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X * scale, y)


# Found by the dev profile: features on a scale of 1e-13 were raised past upper
# (a move to upper + 1e-12 was allowed).
_PAST_UPPER = ("output", np.array([[0.0, 0.0], [4.19241391, 4.76596884],
                                   [0.0, 0.00980958], [0.0, 0.5130733],
                                   [0.0, 0.80804323], [1.35502448, 0.14304406]]),
               np.array([0, 1, 1, 0, 0, 1]), 1e-13, False, 1e-13, 1e-13,
               np.array([7.19241391e-13, 4.76596884e-13]), None, "greedy", 0)


@_examples(40)
@given(problem=attack_problems())
@example(problem=_PAST_UPPER)
def test_additive_evasion_attack_keeps_its_contract(problem):
    """Whatever it finds: features only rise, only the allowed ones, only on the
    attacked rows, never past ``upper`` (from below it); at most ``budget /
    step`` steps a row; ``cost_`` is the row sums of the increase; ``attacked_``
    and ``success_`` are what ``predict`` says on ``X`` and on ``X_adv_``
    itself; ``success_rate_`` their ratio; the caller's ``X`` unchanged."""

    model, X, y, scale, sparse, budget, step, upper, features, method, seed = problem
    est = _attack_model(model, X, y, seed, scale)
    X = X * scale
    given_X = sp.csr_matrix(X) if sparse else X
    kept = given_X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = additive_evasion_attack(est, given_X, budget=budget,
                                             features=features, step=step,
                                             method=method, upper=upper)
        except ValueError as exc:  # no allowed feature has room for a step
            assert re.search("no move|room|cannot|upper", str(exc)), exc
            event("refused: no move")
            return
    if sparse:
        assert sp.issparse(result.X_adv_)
        assert (given_X != kept).nnz == 0
    else:
        np.testing.assert_array_equal(given_X, kept)
    X_adv = result.X_adv_.toarray() if sparse else np.asarray(result.X_adv_)
    X = np.asarray(X, dtype=np.float64)
    assert X_adv.shape == X.shape
    increase = X_adv - X
    assert np.all(increase >= 0)
    allowed = np.zeros(X.shape[1], dtype=bool)
    allowed[np.arange(X.shape[1]) if features is None else features] = True
    assert np.all(increase[:, ~allowed] == 0)
    assert np.all(increase[~result.attacked_] == 0)
    if upper is not None:
        top = np.broadcast_to(np.asarray(upper, dtype=np.float64), X.shape)
        assert np.all((increase == 0) | (X_adv <= top))
    # At most budget / step steps, counted as documented up to the rounding of
    # that ratio (1e-9: 0.1 * 1e-13 rounds up, and ten such steps are 1e-13).
    assert np.all(result.n_steps_ <= np.floor(budget / step + 1e-9))
    np.testing.assert_allclose(result.cost_, increase.sum(axis=1), rtol=1e-12)
    assert np.all(result.cost_ <= budget * (1 + 1e-9))
    target = est.classes_[1]
    np.testing.assert_array_equal(result.attacked_, est.predict(X) == target)
    adv_labels = est.predict(result.X_adv_)
    np.testing.assert_array_equal(result.success_,
                                  result.attacked_ & (adv_labels != target))
    if result.attacked_.any():
        assert result.success_rate_ == result.success_.sum() / result.attacked_.sum()
        assert np.all(np.isnan(result.margin_after_[~result.attacked_]))
        event(f"{model}: evaded" if result.success_.any() else f"{model}: not evaded")
    else:
        assert np.isnan(result.success_rate_)
        event("nothing attacked")


# --------------------------------------------------- rows of sample weight 0
@st.composite
def zero_weight_problems(draw):
    """A fit with some rows of weight 0 (anywhere, some far out of range), and the
    same fit on the other rows alone: estimator, solver, mini-batches, early
    stopping, class_weight="balanced", dtype, dense or CSR, fit or partial_fit."""
    name = draw(st.sampled_from(["classifier", "regressor", "regressor", "abba",
                                 "autoencoder"]))
    solver = draw(st.sampled_from(["lbfgsb", "adam"]))
    params = {"solver": solver, "max_iter": draw(st.integers(1, 5)),
              "random_state": draw(st.integers(0, 3)),
              "dtype": draw(st.sampled_from(["float64", "float32"]))}
    if solver == "adam":
        params["batch_size"] = draw(st.sampled_from([None, 4, 16]))
    if name != "autoencoder":
        params["early_stopping"] = draw(st.booleans())
    if name in ("classifier", "abba") and draw(st.booleans()):
        params["class_weight"] = "balanced"
    how = "fit" if params.get("early_stopping") else draw(
        st.sampled_from(["fit", "partial_fit"]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    n_samples = draw(st.integers(30, 60) if params.get("early_stopping")
                     else st.integers(12, 40))
    n_features = draw(st.integers(1, 4))
    X = rng.random((n_samples, n_features))
    X[rng.random(X.shape) < 0.3] = 0.0
    if name == "regressor":
        y = X @ rng.normal(size=n_features) + 0.1 * rng.normal(size=n_samples)
    else:
        y = np.arange(n_samples) % draw(st.integers(2, 3))
    w = rng.choice([1.0, 1.0, 2.0, 0.5], size=n_samples)
    dropped = rng.choice(n_samples, draw(st.integers(1, 4)), replace=False)
    w[dropped] = 0.0
    kept = np.flatnonzero(w > 0)
    # Every class keeps a row (a class seen only on rows of weight 0 is still a
    # class: not the fit without them).
    if name != "regressor" and not np.array_equal(np.unique(y[kept]), np.unique(y)):
        w[dropped] = 1.0
        dropped = dropped[:0]
        kept = np.arange(n_samples)
    # Far out of range where they are dropped: never read.
    far = draw(st.sampled_from([0.0, 1e200, -1e300, 1e37]))
    if far and dropped.size:
        X[dropped[0], 0] = far
        if name == "regressor":
            y[dropped[0]] = far
    sparse = draw(st.booleans())
    return name, params, how, X, y, w, kept, sparse


@_examples(40)
@given(problem=zero_weight_problems())
def test_rows_of_weight_zero_are_removed_rows_to_the_last_bit(problem):
    """A row of weight 0 is a removed row: the fit (early stopping's split, Adam's
    mini-batches, class_weight="balanced", partial_fit included) is the fit on
    the other rows alone, to the last bit, whatever values the dropped rows
    hold."""
    from sknonneg import NonNegAutoencoder

    name, params, how, X, y, w, kept, sparse = problem
    Est = {"classifier": NonNegMLPClassifier, "regressor": NonNegMLPRegressor,
           "abba": ABBAClassifier, "autoencoder": NonNegAutoencoder}[name]
    if name in ("classifier", "regressor", "abba"):
        params = {"hidden_layer_sizes": (3,), **params}
    else:
        params = {"n_components": 2, **params}
    a, b = Est(**params), Est(**params)
    Xa = sp.csr_matrix(X) if sparse else X
    Xb = sp.csr_matrix(X[kept]) if sparse else X[kept]
    extra = ({"classes": np.unique(y)} if how == "partial_fit"
             and name in ("classifier", "abba") else {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2 if how == "partial_fit" else 1):
            for est, Xs, ys, ws in ((a, Xa, y, w), (b, Xb, y[kept], w[kept])):
                args = (Xs,) if name == "autoencoder" else (Xs, ys)
                try:
                    getattr(est, how)(*args, sample_weight=ws, **extra)
                except ValueError as exc:
                    # Refused alike (e.g. too few rows for early stopping's split).
                    event(f"refused: {str(exc)[:40]}")
                    with pytest.raises(ValueError, match=re.escape(str(exc)[:30])):
                        other = (b, Xb, y[kept], w[kept]) if est is a else (
                            a, Xa, y, w)
                        o_args = (other[1],) if name == "autoencoder" else other[1:3]
                        getattr(Est(**params), how)(*o_args, sample_weight=other[3],
                                                    **extra)
                    return
    event(f"{name}, {how}, {len(w) - len(kept)} dropped")
    for ca, cb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(ca, cb)
    assert a.loss_curve_ == b.loss_curve_
    assert a.t_ == b.t_
    if params.get("early_stopping"):
        assert a.validation_scores_ == b.validation_scores_


# ------------------------------------- monotone_certificate of a text pipeline
# Words an attacker may add: ASCII, accented (merged with their plain form by
# strip_accents), a ligature and a fraction (several tokens after NFKD), a no-break
# space inside a word, a leading combining mark, a stop word, upper case, one
# letter (no token under the default pattern), digits and punctuation.
_WORDS = ["free", "money", "cash", "meeting", "lunch", "report", "the", "and",
          "FREE", "Money", "café", "cafe", "ﬁle", "a½b", "x\u00a0y", "\u0301z",
          "straße", "İstanbul", "naïve", "a", "b1", "x-y", "é", "42", "won't"]


@st.composite
def text_pipelines(draw):
    """A certified network (positive=True, logistic output) after a word-unigram
    vectorizer that ``monotone_certificate`` accepts (Count, Tfidf with
    ``norm=None`` or Hashing with ``alternate_sign=False, norm=None``; case,
    accents, stop words, binary, token pattern and dtype drawn) and per-feature
    maps after it, as the first step of a Pipeline or on one or two text columns
    of a ColumnTransformer; texts drawn from ``_WORDS``."""
    from sklearn.feature_extraction.text import (CountVectorizer, HashingVectorizer,
                                                 TfidfVectorizer)

    kind = draw(st.sampled_from(["count", "tfidf", "hashing"]))
    common = {"lowercase": draw(st.booleans()),
              "strip_accents": draw(st.sampled_from([None, "ascii", "unicode"])),
              "stop_words": draw(st.sampled_from([None, "english"])),
              "binary": draw(st.booleans()),
              "token_pattern": draw(st.sampled_from([r"(?u)\b\w\w+\b",
                                                     r"(?u)\b\w+\b"]))}
    if kind == "count":
        dtype = draw(st.sampled_from([np.int64, np.float64, np.float32]))
        after = draw(st.sampled_from(["none", "tfidf", "sublinear", "maxabs",
                                      "log1p", "binarizer"]))
        if after == "sublinear" and dtype == np.float32:
            after = "tfidf"
        make = lambda: CountVectorizer(dtype=dtype, min_df=1, **common)  # noqa: E731
    elif kind == "tfidf":
        dtype = draw(st.sampled_from([np.float64, np.float32]))
        sublinear = dtype == np.float64 and draw(st.booleans())
        after = draw(st.sampled_from(["none", "maxabs", "log1p"]))
        make = lambda: TfidfVectorizer(norm=None, dtype=dtype,  # noqa: E731
                                       sublinear_tf=sublinear, **common)
    else:
        n_features = 2 ** draw(st.integers(3, 8))  # collisions now and then
        after = draw(st.sampled_from(["none", "tfidf", "maxabs"]))
        make = lambda: HashingVectorizer(  # noqa: E731
            alternate_sign=False, norm=None, n_features=n_features, **common)
    layout = draw(st.sampled_from(["pipeline", "column", "two columns"]))
    params = {"hidden_layer_sizes": tuple(draw(st.lists(st.integers(1, 4),
                                                        min_size=1, max_size=2))),
              "activation": draw(st.sampled_from(["logistic", "tanh", "relu",
                                                  "identity"])),
              "dtype": draw(st.sampled_from(["float64", "float32"])),
              "max_iter": draw(st.integers(1, 5)), "random_state": 0}
    seed = draw(st.integers(0, 2 ** 32 - 1))
    return kind, make, after, layout, params, seed


def _text_block(make, after):
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Binarizer, FunctionTransformer, MaxAbsScaler

    steps = {"none": [], "tfidf": [TfidfTransformer(norm=None)],
             "sublinear": [TfidfTransformer(norm=None, sublinear_tf=True)],
             "maxabs": [MaxAbsScaler()], "binarizer": [Binarizer()],
             "log1p": [FunctionTransformer(np.log1p, accept_sparse=True)]}[after]
    return make_pipeline(make(), *steps) if steps else make()


def _texts(rng, n):
    return [" ".join(rng.choice(_WORDS, rng.integers(0, 9))) for _ in range(n)]


def _add_word(rng, text):
    """``text`` with a random word of ``_WORDS`` inserted between two of its words
    (or at either end), separated by spaces."""
    words = text.split(" ") if text else []
    at = rng.integers(0, len(words) + 1)
    return " ".join(words[:at] + [str(rng.choice(_WORDS))] + words[at:])


@_examples(40)
@given(problem=text_pipelines())
def test_text_pipeline_certificate_holds_for_added_words(problem):
    """A Pipeline that starts with a vectorizer the certificate accepts (or a
    ColumnTransformer with one on each text column) before a positive=True network
    is certified for every feature, and adding words to a text (to either text
    column) never lowers its computed P(classes_[1]) or decision function, in one
    batch with its origin or alone: accents, ligatures, stop words and collisions
    of hashed columns included."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline

    kind, make, after, layout, params, seed = problem
    rng = np.random.default_rng(seed)
    texts = _texts(rng, 30)
    net = NonNegMLPClassifier(positive=True, output="logistic", **params)
    if layout == "pipeline":
        model, data = make_pipeline(_text_block(make, after), net), texts
    else:
        columns = ["body"] if layout == "column" else ["body", "subject"]
        data = pd.DataFrame({c: _texts(rng, 30) if c != "body" else texts
                             for c in columns})
        model = make_pipeline(ColumnTransformer(
            [(c, _text_block(make, after), c) for c in columns]), net)
    y = rng.integers(0, 2, 30)
    y[:2] = [0, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(data, y)
    certificate = monotone_certificate(model)
    assert certificate.all_certified_ and certificate.exact_
    event(f"{kind} -> {after}, {layout}")
    n = 10
    if layout == "pipeline":
        base = _texts(rng, n)
        moved = list(base)
        for _ in range(3):
            moved = [_add_word(rng, t) if rng.random() < 0.7 else t for t in moved]
        both, alone = base + moved, lambda z, i: z[i:i + 1]
    else:
        base = pd.DataFrame({c: _texts(rng, n) for c in data.columns})
        moved = base.copy()
        for c in data.columns:
            for _ in range(2):
                moved[c] = [_add_word(rng, t) if rng.random() < 0.6 else t
                            for t in moved[c]]
        both = pd.concat([base, moved], ignore_index=True)
        alone = lambda z, i: z.iloc[i:i + 1]  # noqa: E731

    def scores(z):
        return np.c_[model.predict_proba(z)[:, 1], model.decision_function(z)]

    together = scores(both)
    assert np.all(together[n:] >= together[:n]), (base, moved, together)
    if np.any(together[n:] > together[:n]):
        event("strictly higher somewhere")
    for i in range(3):
        assert np.all(scores(alone(moved, i)) >= scores(alone(base, i)))
