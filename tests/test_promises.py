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
* ``lipschitz_bound_``: no Jacobian of the network, at any point, has a larger
  spectral norm.
* ``certified_radius``: no perturbation of smaller L2 norm changes ``predict``.
* ``check_monotonic``: its ``max_drop`` is the largest drop over its grid, so a
  planted violation between two grid points is found and measured.

The existing property tests (test_fuzz.py, test_fixed_order.py, test_theory.py,
test_preprocessing.py, test_lipschitz.py) hold the squared-error regressor, the
engine's forward pass and fixed networks; these add the losses, the classifier,
warm starts and partial_fit, and random sign patterns through the estimators.
Profiles: tests/conftest.py ("ci" by default; ``HYPOTHESIS_PROFILE=dev`` searches
longer).
"""

import os
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import event, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor  # noqa: E402
from sknonneg._kernels import NUMPY_MAX_WORK, numpy_max_work  # noqa: E402
from sknonneg.robustness import monotone_certificate  # noqa: E402


def _examples(n):
    """``n`` examples under the "ci" profile, the profile's number under another."""
    if os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci":
        return settings()
    return settings(max_examples=n)


KINDS = ["classifier", "squared_error", "poisson", "gamma"]


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
    elif kind == "poisson":
        y = rng.poisson(np.exp(2 * t)).astype(float)
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
    if how == "warm_start":
        params["warm_start"] = True
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


@_examples(30)
@given(problem=monotone_problems())
def test_monotonic_cst_is_exact_for_every_loss_input_and_way_of_fitting(problem):
    kind, params, fits, sparse, probe_scale, kernels, rng = problem
    est = _fitted(kind, params, fits)
    event(kind)
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
    assert np.all(after >= before), (before, after)
    if alone is not None:
        assert np.all(alone >= before[:1])
    if np.any(after > before):
        event("strictly monotone somewhere")
