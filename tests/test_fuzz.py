"""Property-based tests: random shapes, dtypes, sparsity, label sets, sample weights
and parameters through fit / partial_fit / predict_proba / transform of every
estimator. A valid problem (``_invalid``: finite X within the range of the fit's
dtype, at least two classes, a target the output can fit, some positive weight)
must fit and keep the invariants: finite probabilities summing to one, predictions
in ``classes_``, constraints exact, the caller's data untouched, the same seed the
same result. Only an invalid one may be refused, with a ValueError naming why.

Profiles (tests/conftest.py): ``ci`` (default, bounded for the suite) and ``dev``
(``HYPOTHESIS_PROFILE=dev``, a long search for new failures).
"""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import event, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sknonneg import ABBAClassifier, NonNegMLPClassifier  # noqa: E402

ESTIMATORS = {"NonNegMLPClassifier": NonNegMLPClassifier, "ABBAClassifier": ABBAClassifier}

# Errors that are a clear answer to bad input: scikit-learn's wording or ours.
CLEAR = (ValueError, TypeError)
# Messages of NumPy / SciPy internals: a ValueError with one of them is a bug.
UNCLEAR = ("could not be broadcast", "operands could not", "index", "shape mismatch",
           "zero-size array", "setting an array element", "axis")


def _refused(exc):
    """Records why an input was refused; fails on an internal error's message."""
    message = str(exc)
    assert not any(m in message for m in UNCLEAR), f"unclear error: {exc!r}"
    event(f"refused: {type(exc).__name__}: {message[:50]}")


def _invalid(X, y, sample_weight, params, partial=False):
    """The messages a fit (``partial``: a ``partial_fit`` call) may refuse the
    problem with, one per reason it is invalid; empty when the problem is valid,
    and the fit must then succeed."""
    values = X.data if sp.issparse(X) else np.asarray(X)
    reasons = []
    if not np.all(np.isfinite(values)):
        reasons.append(r"Input X contains (NaN|infinity)")
    elif values.size and np.abs(values).max() > np.finfo(params["dtype"]).max:
        reasons.append(f"Input X contains values too large for dtype={params['dtype']}")
    if np.ndim(y) == 2:
        if params["output"] != "logistic":
            reasons.append('Multilabel targets need output="logistic"')
    elif np.unique(y).shape[0] < 2:
        reasons.append("Classifier can't train when only one class is present")
    if sample_weight is not None and not np.any(sample_weight > 0):
        reasons.append("Sample weights must contain at least one non-zero number")
    # L-BFGS-B on mini-batches of a row (two, multilabel) diverges: fit refuses
    # it (partial_fit runs L-BFGS-B on the whole batch it is given).
    n_rows = X.shape[0] if sample_weight is None else np.count_nonzero(sample_weight > 0)
    least = 3 if np.ndim(y) == 2 else 2
    if (not partial and params["solver"] == "lbfgsb"
            and params["batch_size"] is not None
            and params["batch_size"] < min(least, n_rows)):
        reasons.append(r"runs L-BFGS-B on mini-batches of \d rows?")
    return reasons


def _check_refusal(exc, reasons):
    """``exc`` must be a ValueError that names one of the problem's ``reasons``."""
    _refused(exc)
    assert reasons, f"a valid problem was refused: {exc!r}"
    assert isinstance(exc, ValueError), repr(exc)
    assert any(re.search(r, str(exc)) for r in reasons), (repr(exc), reasons)


@st.composite
def problems(draw):
    n_samples = draw(st.integers(2, 30))
    n_features = draw(st.integers(1, 7))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    # 1e40: beyond float32 (refused), within float64
    scale = 10.0 ** draw(st.sampled_from([-9, -3, 0, 0, 0, 0, 3, 3, 12, 40]))
    values = draw(st.sampled_from(["uniform", "normal", "binary", "constant"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if values == "uniform":
        X = rng.random((n_samples, n_features))
    elif values == "normal":
        X = rng.normal(size=(n_samples, n_features))
    elif values == "binary":
        X = (rng.random((n_samples, n_features)) < 0.3).astype(float)
    else:
        X = np.ones((n_samples, n_features))
    X = (X * scale)
    with np.errstate(over="ignore"):
        X = X.astype(dtype)
    density = draw(st.sampled_from([None, None, 0.0, 0.3, 1.0]))
    if density is not None:
        X = X * (rng.random(X.shape) < density)
        X = draw(st.sampled_from([sp.csr_matrix, sp.csc_matrix, sp.coo_matrix]))(X)
    target = draw(st.sampled_from(["binary", "binary", "multiclass", "multiclass",
                                   "strings", "strings", "multilabel", "multilabel",
                                   "multilabel", "one-class"]))
    n_classes = draw(st.integers(2, 4))
    if target == "multilabel":
        y = (rng.random((n_samples, n_classes)) < 0.5).astype(int)
    elif target == "one-class":
        y = np.zeros(n_samples, dtype=int)
    else:
        k = 2 if target == "binary" else n_classes
        y = rng.integers(0, k, n_samples)
        # at least two classes (a random draw of a few rows is often one class)
        y[rng.permutation(n_samples)[:min(k, n_samples)]] = np.arange(min(k, n_samples))
        if target == "strings":
            y = np.array(["a", "b", "c", "d"])[y]
    weights = draw(st.sampled_from([None, "ones", "random", "with-zeros"]))
    if weights == "ones":
        sample_weight = np.ones(n_samples)
    elif weights == "random":
        sample_weight = rng.random(n_samples) * 3
    elif weights == "with-zeros":  # all zero (refused) on 0.3 ** n_samples of them
        sample_weight = rng.random(n_samples) * (rng.random(n_samples) < 0.7)
    else:
        sample_weight = None
    return X, y, sample_weight


@st.composite
def estimators(draw):
    name = draw(st.sampled_from(sorted(ESTIMATORS)))
    params = {
        "hidden_layer_sizes": draw(st.sampled_from([1, 3, (2, 2)])),
        "solver": draw(st.sampled_from(["lbfgsb", "adam"])),
        "max_iter": draw(st.integers(1, 3)),
        "output": draw(st.sampled_from(["logistic", "softmax", "logistic"])),
        "l1": draw(st.sampled_from([0.0, 1e-3])),
        "l2": draw(st.sampled_from([0.0, 1e-5, 1.0])),
        "batch_size": draw(st.sampled_from([None, 1, 7])),
        "dtype": draw(st.sampled_from(["float32", "float64"])),
        "random_state": 0,
    }
    if name == "ABBAClassifier":
        params["activation"] = draw(st.sampled_from(["tanh", "capped_leaky_relu",
                                                     "identity"]))
        params["lipschitz_max"] = draw(st.sampled_from([None, None, 0.5, 10.0]))
    else:
        params["positive"] = draw(st.sampled_from([True, False, "hidden"]))
        params["gain"] = draw(st.sampled_from([1.0, (1.0, 2.0), 5.0]))
    return ESTIMATORS[name], params


def _copy(X):
    return X.copy() if sp.issparse(X) else np.array(X, copy=True)


def _same(a, b):
    if sp.issparse(a):
        return (a.shape == b.shape and a.format == b.format
                and (a != b).nnz == 0)
    return np.array_equal(a, b)


def _check_fitted(est, X, y, multilabel):
    proba = est.predict_proba(X)
    assert proba.dtype == np.float64
    assert np.all(np.isfinite(proba)), "non-finite probabilities"
    assert np.all((proba >= 0) & (proba <= 1))
    if not multilabel:
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
        assert np.all(np.isin(est.predict(X), est.classes_))
    log_proba = est.predict_log_proba(X)
    assert not np.any(np.isnan(log_proba))
    assert np.all(np.isfinite(est.transform(X)))
    assert np.all(np.isfinite(est.decision_function(X)))
    # constraints are exact
    if isinstance(est, ABBAClassifier):
        assert all(c.min() >= 0 for c in est.coefs_)
        if est.lipschitz_max is not None:
            assert est.lipschitz_bound_ <= est.lipschitz_max * (1 + 1e-9)
    else:
        for coef, kind in zip(est.coefs_, est.weight_constraints_):
            if kind == "nonneg":
                assert coef.min() >= 0
    return proba


@given(problem=problems(), spec=estimators())
def test_fit_predict_invariants(problem, spec):
    X, y, sample_weight = problem
    Est, params = spec
    X_before, y_before = _copy(X), np.array(y, copy=True)
    sw_before = None if sample_weight is None else sample_weight.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reasons = _invalid(X, y, sample_weight, params)
        try:
            est = Est(**params).fit(X, y, sample_weight=sample_weight)
        except CLEAR as exc:
            _check_refusal(exc, reasons)
            return
        event("fitted")
        assert not reasons, f"an invalid problem was fitted: {reasons}"
        multilabel = np.ndim(y) == 2
        proba = _check_fitted(est, X, y, multilabel)
        again = Est(**params).fit(X, y, sample_weight=sample_weight)
        np.testing.assert_array_equal(again.predict_proba(X), proba)
    assert _same(X, X_before) and np.array_equal(y, y_before)
    if sample_weight is not None:
        assert np.array_equal(sample_weight, sw_before)


@given(problem=problems(), spec=estimators(), n_calls=st.integers(1, 3))
def test_partial_fit_invariants(problem, spec, n_calls):
    X, y, sample_weight = problem
    Est, params = spec
    multilabel = np.ndim(y) == 2
    classes = None if multilabel else np.unique(y)
    X_before = _copy(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = Est(**params)
        reasons = _invalid(X, y, sample_weight, params, partial=True)
        try:
            for _ in range(n_calls):
                est.partial_fit(X, y, classes=classes, sample_weight=sample_weight)
        except CLEAR as exc:
            _check_refusal(exc, reasons)
            return
        event("fitted")
        assert not reasons, f"an invalid problem was fitted: {reasons}"
        _check_fitted(est, X, y, multilabel)
    assert _same(X, X_before)


_FITTED = {}


def _fitted(name):
    if name not in _FITTED:
        rng = np.random.default_rng(0)
        X, y = rng.random((20, 6)), np.arange(20) % 3
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _FITTED[name] = ESTIMATORS[name](hidden_layer_sizes=3, max_iter=2,
                                             random_state=0).fit(X, y)
    return _FITTED[name]


@given(name=st.sampled_from(sorted(ESTIMATORS)),
       fmt=st.sampled_from(["csr", "csc", "coo"]),
       field=st.sampled_from(["indices", "indptr", "row", "col"]),
       position=st.integers(0, 10**6),
       value=st.one_of(st.integers(-10**9, 10**9), st.sampled_from([-1, 6, 7, 2**31 - 1])),
       method=st.sampled_from(["predict_proba", "transform", "decision_function",
                               "partial_fit"]))
def test_corrupted_sparse_structure_is_refused_or_harmless(name, fmt, field, position,
                                                           value, method):
    """Any single corrupted index or pointer: a ValueError, or (if the corruption
    happens to leave a valid matrix) finite output; never a crash."""
    est = _fitted(name)
    X = sp.random(9, 6, density=0.5, random_state=1, format=fmt)
    arrays = {"csr": ("indices", "indptr"), "csc": ("indices", "indptr"),
              "coo": ("row", "col")}[fmt]
    target = getattr(X, arrays[0] if field in ("indices", "row") else arrays[1])
    if target.size == 0:
        return
    target[position % target.size] = np.clip(value, np.iinfo(target.dtype).min,
                                             np.iinfo(target.dtype).max)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if method == "partial_fit":
                out = est.__sklearn_clone__().partial_fit(
                    X, np.arange(9) % 3, classes=[0, 1, 2]).predict_proba(
                    np.zeros((1, 6)))
            else:
                out = getattr(est, method)(X)
        except CLEAR as exc:
            _refused(exc)
            return
    event("valid after corruption")
    assert np.all(np.isfinite(out))
