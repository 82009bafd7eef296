"""Property-based tests: random shapes, dtypes, sparsity, label sets, sample weights
and parameters through fit / partial_fit / predict_proba / transform of every
estimator. A valid problem (``_invalid``: finite X within the range of the fit's
dtype, at least two classes, a target the output can fit, some positive weight)
must fit and keep the invariants: finite probabilities summing to one, predictions
in ``classes_``, constraints exact, the caller's data untouched, the same seed the
same result. Only an invalid one may be refused, with a ValueError naming why.

NonNegMLPRegressor and NonNegAutoencoder keep theirs: finite outputs, the promised
weights >= 0 exactly, the regressor's ``monotonic_cst`` (or ``positive=True``) exact
on random probes, the autoencoder's codes in [0, 1].

The strategies draw valid problems mostly (a refused one tests only its refusal):
the L-BFGS-B mini-batches a classifier refuses are drawn rarely (they are tested in
test_training_edges.py), and X of a float32 draw beyond its range is float64, so
that no inf (inf * 0: NaN) comes from the generator. The fit tests run once per
setting (estimator and ``positive``: the default True and False among them; the
autoencoder's ``nonneg``), and each asserts that at least half of its examples were
fitted, so a strategy that drifts to refused combinations fails instead of testing
nothing.

Profiles (tests/conftest.py): ``ci`` (default, bounded for the suite; the fit tests
here run a fixed number of examples per setting, ``_examples``) and ``dev``
(``HYPOTHESIS_PROFILE=dev``, a long search for new failures).
"""

import os
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sknonneg import (  # noqa: E402
    ABBAClassifier,
    NonNegAutoencoder,
    NonNegMLPClassifier,
    NonNegMLPRegressor,
)

ESTIMATORS = {"NonNegMLPClassifier": NonNegMLPClassifier, "ABBAClassifier": ABBAClassifier}



def _examples(n):
    """Settings of a property test run once per estimator setting: ``n``
    examples under the "ci" profile, the profile's number under another."""
    if os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci":
        return settings()
    return settings(max_examples=n)


def _check_fitted_share(n_fitted, n_examples):
    """Most examples of a setting are valid problems, fitted: a strategy drifting
    to refused combinations fails here instead of testing nothing."""
    assert n_fitted >= n_examples / 2, f"{n_fitted} of {n_examples} examples fitted"

# Errors that are a clear answer to bad input: scikit-learn's wording or ours.
CLEAR = (ValueError, TypeError)
# Messages of NumPy / SciPy internals: a ValueError with one of them is a bug.
UNCLEAR = ("could not be broadcast", "operands could not", "index", "shape mismatch",
           "zero-size array", "setting an array element", "axis")


def _range_reasons(X, sample_weight, dtype):
    """Why the finite ``X`` is refused for its range in the compute ``dtype``. A
    fit casts and checks only the rows it fits, those of positive weight
    (``BaseNetwork._training_X``): a row of weight 0 beyond float32's range is
    taken (its prediction is refused). The network reads values up to a sixteenth
    of the dtype's range (``check_input_scale``), so that its sums cannot
    overflow."""
    weighted = (X if sample_weight is None else _rows(
        X, np.flatnonzero(np.asarray(sample_weight) > 0)))
    weighted = weighted.data if sp.issparse(weighted) else np.asarray(weighted)
    largest = float(np.abs(weighted).max(initial=0.0))
    if largest > np.finfo(dtype).max:
        return [f"Input X contains values too large for dtype={dtype}"]
    if largest > np.finfo(dtype).max / 16:
        return [f"in {dtype} the network reads values up to"]
    return []


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
    else:
        reasons += _range_reasons(X, sample_weight, params["dtype"])
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


def _fitted_or_refused(fit, reasons):
    """``fit()``'s estimator; None where it raised one of ``CLEAR``, which must then
    name one of the problem's ``reasons`` (a problem with reasons must be refused)."""
    try:
        est = fit()
    except CLEAR as exc:
        _check_refusal(exc, reasons)
        return None
    event("fitted")
    assert not reasons, f"an invalid problem was fitted: {reasons}"
    return est

# Hypothesis draws the ends of a list most often: the refused choices sit inside.
def _draw_features(draw, rng, n_samples, scales=(0, -9, 0, -3, 3, 40, 3, 12, 0, 0),
                   kinds=("uniform", "normal", "binary", "constant")):
    """X of ``n_samples`` rows: values of a drawn kind and scale, dense or sparse."""
    n_features = draw(st.integers(1, 7))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    # 1e40: beyond float32 (refused by a float32 fit), within float64
    scale = 10.0 ** draw(st.sampled_from(scales))
    values = draw(st.sampled_from(kinds))
    if values == "uniform":
        X = rng.random((n_samples, n_features))
    elif values == "normal":
        X = rng.normal(size=(n_samples, n_features))
    elif values == "binary":
        X = (rng.random((n_samples, n_features)) < 0.3).astype(float)
    else:
        X = np.ones((n_samples, n_features))
    X = X * scale
    if scale < float(np.finfo(np.float32).max) / 10:  # else float64: no inf * 0
        X = X.astype(dtype)
    density = draw(st.sampled_from([None, None, 0.0, 0.3, 1.0]))
    if density is not None:
        X = X * (rng.random(X.shape) < density)
        X = draw(st.sampled_from([sp.csr_matrix, sp.csc_matrix, sp.coo_matrix]))(X)
    return X


def _draw_weights(draw, rng, n_samples):
    weights = draw(st.sampled_from([None, "ones", "with-zeros", "random"]))
    if weights == "ones":
        return np.ones(n_samples)
    if weights == "random":
        return rng.random(n_samples) * 3
    if weights == "with-zeros":  # all zero (refused) on 0.3 ** n_samples of them
        return rng.random(n_samples) * (rng.random(n_samples) < 0.7)
    return None


@st.composite
def problems(draw, output=None):
    """``(X, y, sample_weight)``; multilabel targets rarely for a ``softmax``
    ``output`` (which refuses them)."""
    n_samples = draw(st.integers(2, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = _draw_features(draw, rng, n_samples)
    targets = ["binary", "multiclass", "strings", "multilabel", "multilabel",
               "multilabel", "strings", "multiclass", "binary"]
    if output == "softmax":
        targets = targets[:3] + targets[6:]
    target = draw(st.sampled_from(targets))
    if draw(st.integers(0, 15)) == 7:  # rarely a single class (refused)
        target = "one-class"
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
    return X, y, _draw_weights(draw, rng, n_samples)


def _draw_solver(draw, refused_batches=(2,)):
    """``(solver, batch_size)``: L-BFGS-B full batch or on mini-batches that train
    (7 rows; ``refused_batches``: sizes a classifier may refuse, drawn rarely),
    Adam on batches of any size."""
    solver = draw(st.sampled_from(["lbfgsb", "adam"]))
    if solver == "lbfgsb":
        sizes = [None, 7, *refused_batches, 7, None]
    else:
        sizes = [None, 1, 7]
    return solver, draw(st.sampled_from(sizes))


# (estimator, positive) settings, each its own run of examples: the default
# positive=True and the unconstrained positive=False among them.
CLASSIFIER_SETTINGS = [("ABBAClassifier", None), ("NonNegMLPClassifier", True),
                       ("NonNegMLPClassifier", False), ("NonNegMLPClassifier", "hidden")]


def _setting_id(setting):
    return setting[0] if setting[1] is None else f"{setting[0]}-{setting[1]}"


@st.composite
def estimators(draw, name=None, positive=None):
    if name is None:
        name = draw(st.sampled_from(sorted(ESTIMATORS)))
    solver, batch_size = _draw_solver(draw, refused_batches=(1, 2))
    params = {
        "hidden_layer_sizes": draw(st.sampled_from([1, 3, (2, 2)])),
        "solver": solver,
        "max_iter": draw(st.integers(1, 3)),
        "output": draw(st.sampled_from(["logistic", "softmax", "logistic"])),
        "l1": draw(st.sampled_from([0.0, 1e-3])),
        "l2": draw(st.sampled_from([0.0, 1e-5, 1.0])),
        "batch_size": batch_size,
        "dtype": draw(st.sampled_from(["float32", "float64"])),
        "random_state": 0,
    }
    if name == "ABBAClassifier":
        params["activation"] = draw(st.sampled_from(["tanh", "capped_leaky_relu",
                                                     "identity"]))
        params["lipschitz_max"] = draw(st.sampled_from([None, None, 0.5, 10.0]))
    else:
        params["positive"] = (draw(st.sampled_from([True, False, "hidden"]))
                              if positive is None else positive)
        params["gain"] = draw(st.sampled_from([1.0, (1.0, 2.0), 5.0]))
    return ESTIMATORS[name], params


def _copy(X):
    return X.copy() if sp.issparse(X) else np.array(X, copy=True)


def _same(a, b):
    if sp.issparse(a):
        return (a.shape == b.shape and a.format == b.format
                and (a != b).nnz == 0)
    return np.array_equal(a, b)


def _predictable_rows(est, X, method="predict_proba"):
    """The indices of the rows of ``X`` within the range of ``est``'s dtype;
    ``method`` refuses the others (rows of weight 0 beyond it, which the fit took
    without casting them)."""
    dense = X.toarray() if sp.issparse(X) else np.asarray(X)
    inside = np.abs(dense).max(axis=1, initial=0.0) <= np.finfo(est.dtype).max
    if not inside.all():
        with pytest.raises(ValueError, match="values too large for dtype"):
            getattr(est, method)(X)
    return np.flatnonzero(inside)


def _rows(X, rows):
    """The ``rows`` of ``X``, of any array or sparse format."""
    return sp.csr_matrix(X)[rows] if sp.issparse(X) else np.asarray(X)[rows]


def _check_fitted(est, X, y, multilabel):
    X = _rows(X, _predictable_rows(est, X))
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
            # exact: the network is scaled below the cap (its docstring)
            assert est.lipschitz_bound_ <= est.lipschitz_max
    else:
        for coef, kind in zip(est.coefs_, est.weight_constraints_):
            if kind == "nonneg":
                assert coef.min() >= 0
    return proba


@pytest.mark.parametrize("setting", CLASSIFIER_SETTINGS, ids=_setting_id)
def test_fit_predict_invariants(setting):
    fitted = []

    @_examples(15)
    @given(spec=estimators(*setting), data=st.data())
    def check(spec, data):
        problem = data.draw(problems(spec[1]["output"]), label="problem")
        fitted.append(_fit_predict_invariants(problem, spec))

    check()
    _check_fitted_share(sum(fitted), len(fitted))


def _fit_predict_invariants(problem, spec):
    """True if the problem was fitted (and its invariants hold), False if refused."""
    X, y, sample_weight = problem
    Est, params = spec
    X_before, y_before = _copy(X), np.array(y, copy=True)
    sw_before = None if sample_weight is None else sample_weight.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reasons = _invalid(X, y, sample_weight, params)
        est = _fitted_or_refused(
            lambda: Est(**params).fit(X, y, sample_weight=sample_weight), reasons)
        if est is None:
            return False
        multilabel = np.ndim(y) == 2
        proba = _check_fitted(est, X, y, multilabel)
        again = Est(**params).fit(X, y, sample_weight=sample_weight)
        np.testing.assert_array_equal(
            again.predict_proba(_rows(X, _predictable_rows(again, X))), proba)
    assert _same(X, X_before) and np.array_equal(y, y_before)
    if sample_weight is not None:
        assert np.array_equal(sample_weight, sw_before)
    return True


@pytest.mark.parametrize("setting", CLASSIFIER_SETTINGS, ids=_setting_id)
def test_partial_fit_invariants(setting):
    fitted = []

    @_examples(8)
    @given(spec=estimators(*setting), data=st.data(), n_calls=st.integers(1, 3))
    def check(spec, data, n_calls):
        problem = data.draw(problems(spec[1]["output"]), label="problem")
        fitted.append(_partial_fit_invariants(problem, spec, n_calls))

    check()
    _check_fitted_share(sum(fitted), len(fitted))


def _partial_fit_invariants(problem, spec, n_calls):
    X, y, sample_weight = problem
    Est, params = spec
    multilabel = np.ndim(y) == 2
    classes = None if multilabel else np.unique(y)
    X_before = _copy(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reasons = _invalid(X, y, sample_weight, params, partial=True)

        def calls():
            est = Est(**params)
            for _ in range(n_calls):
                est.partial_fit(X, y, classes=classes, sample_weight=sample_weight)
            return est

        est = _fitted_or_refused(calls, reasons)
        if est is None:
            return False
        _check_fitted(est, X, y, multilabel)
    assert _same(X, X_before)
    return True


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


# ------------------------------------------------ regressor and autoencoder
def _invalid_unsupervised(X, sample_weight, params):
    """The messages a regressor's or autoencoder's fit may refuse the problem with
    (as ``_invalid``); their L-BFGS-B mini-batches of any size train."""
    reasons = _range_reasons(X, sample_weight, params["dtype"])
    if sample_weight is not None and not np.any(sample_weight > 0):
        reasons.append("Sample weights must contain at least one non-zero number")
    return reasons


@st.composite
def regressions(draw, positive):
    """``(X, y, sample_weight, params)`` of a NonNegMLPRegressor fit; ``positive``
    "cst": ``monotonic_cst`` drawn, with ``positive`` "auto" or True."""
    n_samples = draw(st.integers(2, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = _draw_features(draw, rng, n_samples)
    n_features = X.shape[1]
    n_outputs = draw(st.sampled_from([1, 1, 2]))
    target = draw(st.sampled_from(["linear", "nonlinear", "constant"]))
    dense = (X.toarray() if sp.issparse(X) else np.asarray(X)).astype(np.float64)
    dense = dense / max(np.abs(dense).max(), 1e-300)
    if target == "linear":
        y = dense @ rng.normal(size=(n_features, n_outputs))
    elif target == "nonlinear":
        y = np.sin(3 * dense @ rng.normal(size=(n_features, n_outputs)))
    else:
        y = np.ones((n_samples, n_outputs))
    y = y * 10.0 ** draw(st.sampled_from([-3, 0, 0, 3]))
    if n_outputs == 1:
        y = y[:, 0]
    solver, batch_size = _draw_solver(draw, refused_batches=(1,))
    params = {
        "hidden_layer_sizes": draw(st.sampled_from([1, 3, (3, 2)])),
        "positive": (draw(st.sampled_from(["auto", True])) if positive == "cst"
                     else positive),
        "solver": solver, "batch_size": batch_size,
        "activation": draw(st.sampled_from(["logistic", "tanh", "relu"])),
        "max_iter": draw(st.integers(1, 3)),
        "l2": draw(st.sampled_from([0.0, 1e-5, 1.0])),
        "dtype": draw(st.sampled_from(["float32", "float64"])),
        "random_state": 0,
    }
    if positive == "cst":
        params["monotonic_cst"] = draw(st.lists(st.sampled_from([-1, 0, 1]),
                                                min_size=n_features,
                                                max_size=n_features))
    return X, y, _draw_weights(draw, rng, n_samples), params


def _monotone_directions(est):
    """Per feature: +1 non-decreasing, -1 non-increasing, 0 promised nothing."""
    if est.monotonic_cst_ is not None:
        return np.asarray(est.monotonic_cst_)
    if all(kind == "nonneg" for kind in est.weight_constraints_):
        return np.ones(est.n_features_in_, dtype=int)
    return np.zeros(est.n_features_in_, dtype=int)


def _check_monotone_on_probes(est, X, rng):
    """The promised directions hold exactly, as computed, on random probes: steps
    from the next float of the compute dtype up, the stepped row predicted in a
    batch and alone."""
    dense = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    probes = dense[rng.integers(0, dense.shape[0], 16)]
    probes = probes + rng.normal(size=probes.shape) * (np.abs(probes) + 1) * 0.1
    base = est.predict(probes).reshape(len(probes), -1)
    for j, direction in enumerate(_monotone_directions(est)):
        if direction == 0:
            continue
        for size in (None, 1e-3, 1e2):
            up = probes.copy()
            if size is None:  # the next value of the compute dtype above
                column = probes[:, j].astype(est._compute_dtype)
                up[:, j] = np.nextafter(column, np.array(np.inf, column.dtype))
            else:
                up[:, j] = probes[:, j] + (np.abs(probes[:, j]) + 1) * size
            for rows in (slice(None), slice(0, 1)):
                moved = est.predict(up[rows]).reshape(-1, base.shape[1])
                ok = moved >= base[rows] if direction > 0 else moved <= base[rows]
                assert np.all(ok), (j, direction, size, rows)


@pytest.mark.parametrize("positive", ["auto", True, False, "hidden", "cst"], ids=str)
def test_regressor_fit_invariants(positive):
    fitted = []

    @_examples(8)
    @given(problem=regressions(positive), seed=st.integers(0, 2**16))
    def check(problem, seed):
        fitted.append(_regressor_fit_invariants(problem, seed))

    check()
    _check_fitted_share(sum(fitted), len(fitted))


def _regressor_fit_invariants(problem, seed):
    X, y, sample_weight, params = problem
    X_before, y_before = _copy(X), np.array(y, copy=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reasons = _invalid_unsupervised(X, sample_weight, params)
        est = _fitted_or_refused(
            lambda: NonNegMLPRegressor(**params).fit(X, y, sample_weight=sample_weight),
            reasons)
        if est is None:
            return False
        rows = _predictable_rows(est, X, "predict")
        X_pred = _rows(X, rows)
        prediction = est.predict(X_pred)
        assert (prediction.shape == np.shape(np.asarray(y)[rows])
                and prediction.dtype == np.float64)
        assert np.all(np.isfinite(prediction))
        for coef, kind in zip(est.coefs_, est.weight_constraints_):
            if kind == "nonneg":
                assert coef.min() >= 0
        if est.monotonic_cst_ is not None:
            cst = np.asarray(est.monotonic_cst_)
            assert np.all(est.coefs_[0][cst == 1] >= 0)
            assert np.all(est.coefs_[0][cst == -1] <= 0)
            if np.any(cst != 0):  # positive="auto": True, else "hidden"
                assert all(kind == "nonneg" for kind in est.weight_constraints_[1:])
        assert np.isfinite(est.lipschitz_bound_) and est.lipschitz_bound_ >= 0
        _check_monotone_on_probes(est, X_pred, np.random.default_rng(seed))
        again = NonNegMLPRegressor(**params).fit(X, y, sample_weight=sample_weight)
        np.testing.assert_array_equal(again.predict(X_pred), prediction)
    assert _same(X, X_before) and np.array_equal(y, y_before)
    return True


@st.composite
def autoencodings(draw, nonneg):
    """``(X, sample_weight, params)`` of a NonNegAutoencoder fit: data of order
    one, non-negative mostly (the setting of parts), of either decoder."""
    n_samples = draw(st.integers(2, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = _draw_features(draw, rng, n_samples, scales=(-3, 0, 0, 0, 1),
                       kinds=("uniform", "uniform", "binary", "normal", "constant"))
    solver, batch_size = _draw_solver(draw, refused_batches=(1,))
    params = {
        "n_components": draw(st.integers(1, 4)),
        "nonneg": nonneg,
        "nonneg_layers": draw(st.sampled_from(["decoder", "both"])),
        "decoder": draw(st.sampled_from(["sigmoid", "linear"])),
        "sparsity_weight": draw(st.sampled_from([0.0, 0.0, 3.0])),
        "solver": solver, "batch_size": batch_size,
        "max_iter": draw(st.integers(1, 3)),
        "dtype": draw(st.sampled_from(["float32", "float64"])),
        "random_state": 0,
    }
    return X, _draw_weights(draw, rng, n_samples), params


@pytest.mark.parametrize("nonneg", ["bounds", "penalty", False], ids=str)
def test_autoencoder_fit_invariants(nonneg):
    fitted = []

    @_examples(8)
    @given(problem=autoencodings(nonneg))
    def check(problem):
        fitted.append(_autoencoder_fit_invariants(problem))

    check()
    _check_fitted_share(sum(fitted), len(fitted))


def _autoencoder_fit_invariants(problem):
    X, sample_weight, params = problem
    X_before = _copy(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reasons = _invalid_unsupervised(X, sample_weight, params)
        est = _fitted_or_refused(
            lambda: NonNegAutoencoder(**params).fit(X, sample_weight=sample_weight),
            reasons)
        if est is None:
            return False
        X_pred = _rows(X, _predictable_rows(est, X, "transform"))
        codes = est.transform(X_pred)
        assert codes.shape == (X_pred.shape[0], params["n_components"])
        assert codes.dtype == np.dtype(params["dtype"])
        assert np.all(np.isfinite(codes)) and np.all((codes >= 0) & (codes <= 1))
        assert np.all(np.isfinite(est.inverse_transform(codes)))
        layers = {"decoder": [1], "both": [0, 1]}[params["nonneg_layers"]]
        for i, (coef, kind) in enumerate(zip(est.coefs_, est.weight_constraints_)):
            if params["nonneg"] == "bounds" and i in layers:
                assert kind == "nonneg"
            if kind == "nonneg":
                assert coef.min() >= 0
        if params["nonneg"] == "bounds":
            assert est.components_.min() >= 0
        again = NonNegAutoencoder(**params).fit(X, sample_weight=sample_weight)
        np.testing.assert_array_equal(again.transform(X_pred), codes)
    assert _same(X, X_before)
    return True
