"""``sknonneg.preprocessing.RampTransformer``: a monotone piecewise-linear basis.

Every output column is non-decreasing in its one input feature as computed, so a
monotone network on the ramps is exactly monotone in the raw features: checked by a
property test through the whole pipeline, and by ``check_monotonic`` resolving the
constraints back through the pipeline.
"""

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import examples
from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg.inspection import check_monotonic
from sknonneg.preprocessing import RampTransformer

CST = np.array([1, -1, 0])


@parametrize_with_checks([RampTransformer(n_knots=4),
                          RampTransformer(n_knots=5, knots="quantile",
                                          quantile_method="averaged_inverted_cdf"),
                          RampTransformer(n_knots=3, knots="uniform",
                                          include_input=False)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_ramps_preserve_float32_and_float64_as_tagged():
    # Before: float32 input stayed float32 but the tag listed float64 alone.
    from sklearn.utils.estimator_checks import check_transformer_preserve_dtypes

    ramps = RampTransformer()
    assert ramps.__sklearn_tags__().transformer_tags.preserves_dtype == [
        "float64", "float32"]
    check_transformer_preserve_dtypes("RampTransformer", ramps)
    X = np.random.default_rng(0).random((20, 2))
    for dtype in (np.float32, np.float64):
        assert ramps.fit_transform(X.astype(dtype)).dtype == dtype


def test_ramps_layout_names_and_constraints():
    X = np.array([[0.0, 5.0], [1.0, 5.0], [2.0, 5.0], [4.0, 5.0]])
    ramps = RampTransformer(n_knots=3, knots="uniform").fit(X)
    out = ramps.transform(X)
    np.testing.assert_array_equal(out[:, :3], [[0, 0, 0], [0.5, 0, 1], [1, 0, 2],
                                               [1, 1, 4]])
    # A constant feature: coinciding knots give constant zero ramps.
    np.testing.assert_array_equal(out[:, 3:5], 0.0)
    np.testing.assert_array_equal(out[:, 5], 5.0)
    assert ramps.get_feature_names_out(["a", "b"]).tolist() == [
        "a_ramp0", "a_ramp1", "a", "b_ramp0", "b_ramp1", "b"]
    assert ramps.expand_monotonic_cst([1, -1]).tolist() == [1, 1, 1, -1, -1, -1]
    assert RampTransformer(3, include_input=False).expand_monotonic_cst(
        {"a": -1}) == {"a_ramp0": -1, "a_ramp1": -1}
    with pytest.raises(ValueError, match="1-dimensional"):
        ramps.expand_monotonic_cst([[1, 0]])
    # Beyond the outer knots the ramps clip; the input keeps its slope.
    np.testing.assert_array_equal(ramps.transform([[-3.0, 0.0], [9.0, 0.0]])[:, :3],
                                  [[0, 0, -3], [1, 1, 9]])


def test_expand_monotonic_cst_checks_against_the_fitted_features():
    """Unfitted, any names expand (the layout needs no data); fitted, the names or
    the number of directions must match what fit saw, and the directions are -1,
    0 or 1 in either case."""
    frame = pd.DataFrame(np.arange(12.0).reshape(4, 3), columns=["a", "b", "c"])
    assert RampTransformer(3).expand_monotonic_cst({"zz": 1}) == {
        "zz_ramp0": 1, "zz_ramp1": 1, "zz": 1}
    ramps = RampTransformer(3).fit(frame)
    assert ramps.expand_monotonic_cst({"b": -1}) == {"b_ramp0": -1, "b_ramp1": -1,
                                                     "b": -1}
    with pytest.raises(ValueError, match=r"names features that are not in X: \['zz'\]"):
        ramps.expand_monotonic_cst({"zz": 1})
    with pytest.raises(ValueError, match=r"must have shape \(3,\).*got shape \(2,\)"):
        ramps.expand_monotonic_cst([1, 0])
    for bad in ({"a": 2}, [1, 0, -3]):
        with pytest.raises(ValueError, match="must be -1, 0 or 1"):
            ramps.expand_monotonic_cst(bad)
        with pytest.raises(ValueError, match="must be -1, 0 or 1"):
            RampTransformer(3).expand_monotonic_cst(bad)


def test_expand_monotonic_cst_explains_the_names_of_unnamed_features():
    # Before: fitted on a DataFrame with integer column names (which scikit-learn
    # does not record as feature names), {0: 1} was "names features that are not in
    # X: ['0']", although X has a column 0, without saying why.
    frame = pd.DataFrame(np.arange(12.0).reshape(6, 2))
    ramps = RampTransformer(3).fit(frame)
    assert not hasattr(ramps, "feature_names_in_")
    # An integer key is refused as a key (a dict's keys are feature names, str,
    # as HistGradientBoosting* take them), and the names of unnamed features said.
    with pytest.raises(ValueError, match=r"got the key 0 \(int\).*fitted without "
                                         r"feature names .*named x0, x1, \.\.\."):
        ramps.expand_monotonic_cst({0: 1})
    with pytest.raises(ValueError, match=r"not in X: \['0'\].*fitted without "
                                         r"feature names .*named x0, x1, \.\.\."):
        ramps.expand_monotonic_cst({"0": 1})
    assert ramps.expand_monotonic_cst({"x0": 1}) == {
        "x0_ramp0": 1, "x0_ramp1": 1, "x0": 1}


def test_distinct_knots_spread_over_a_mostly_zero_column():
    x = np.r_[np.zeros(95), np.arange(1.0, 6.0)][:, None]
    quantile = RampTransformer(n_knots=5, knots="quantile").fit(x).knots_[:, 0]
    distinct = RampTransformer(n_knots=5, knots="distinct").fit(x).knots_[:, 0]
    assert np.count_nonzero(np.diff(quantile)) == 1
    np.testing.assert_array_equal(distinct, [0.0, 1.25, 2.5, 3.75, 5.0])


# scikit-learn's finiteness check sums X first: -max + max overflows there, harmless.
@pytest.mark.filterwarnings("ignore:invalid value encountered in reduce:RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("knots", ["quantile", "distinct", "uniform"])
def test_each_column_is_non_decreasing_as_computed(dtype, knots):
    rng = np.random.default_rng(0)
    X = (rng.standard_cauchy(size=(200, 2)) * [1.0, 1e-3]).astype(dtype)
    X[:2, 1] = [np.finfo(dtype).min, np.finfo(dtype).max]  # knots may span it all
    ramps = RampTransformer(n_knots=7, knots=knots).fit(X)
    # Sorted grids dense (one ulp apart) around every knot and spanning extremes.
    finfo = np.finfo(dtype)
    for j in range(2):
        t = ramps.knots_[:, j]
        with np.errstate(over="ignore"):  # nextafter(max, inf) is inf: dropped
            points = [np.nextafter(t, -np.inf), np.nextafter(t, np.inf)]
            for _ in range(20):
                points += [np.nextafter(points[-2], -np.inf),
                           np.nextafter(points[-1], np.inf)]
        grid = np.concatenate([t, *points, X[:, j], [finfo.min, -1e30, 1e30,
                                                     finfo.max]]).astype(dtype)
        grid = np.unique(grid[np.isfinite(grid)])
        Z = np.zeros((grid.size, 2), dtype=dtype)
        Z[:, j] = grid
        out = ramps.transform(Z)
        assert out.dtype == dtype
        cols = out[:, j * 7:(j + 1) * 7]
        assert np.all(np.isfinite(cols[:, :-1]))
        assert np.all(np.diff(cols, axis=0) >= 0)


@lru_cache(maxsize=None)
def _pipeline(kind):
    rng = np.random.default_rng(1)
    X = rng.standard_cauchy(size=(150, 3))
    signal = np.tanh(X[:, 0]) - np.tanh(X[:, 1]) + np.sin(3 * np.tanh(X[:, 2]))
    ramps = RampTransformer(n_knots=6)
    cst = ramps.expand_monotonic_cst(CST)
    if kind == "regressor":
        est, y = NonNegMLPRegressor((8, 4), positive=True, monotonic_cst=cst,
                                    max_iter=30), signal
    else:
        est, y = NonNegMLPClassifier((8,), monotonic_cst=cst, max_iter=30), signal > 0
    return make_pipeline(ramps, StandardScaler(), est.set_params(random_state=0)).fit(
        X, y), X


def _output(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)[:, 1]
    return model.predict(X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@examples(40)
@given(kind=st.sampled_from(["classifier", "regressor"]), seed=st.integers(0, 2**31),
       n_samples=st.integers(1, 30), scale=st.floats(-13, 2))
def test_pipeline_is_monotone_in_the_raw_features_as_computed(kind, seed, n_samples,
                                                              scale):
    """x' moved from x in the constrained directions (equal in the free feature),
    by steps from an ulp to far beyond the knots: f(x') >= f(x) exactly."""
    model, X_train = _pipeline(kind)
    rng = np.random.default_rng(seed)
    X = X_train[rng.integers(0, len(X_train), n_samples)] + rng.normal(
        size=(n_samples, 3)) * 10.0 ** rng.uniform(-3, 1)
    step = np.abs(rng.standard_cauchy(size=X.shape)) * 10.0 ** scale
    step[rng.random(X.shape) < 0.3] = 0.0
    X_moved = X + CST * step
    assert np.all(CST * (X_moved - X) >= 0) and np.all((CST != 0) | (X_moved == X))
    both = _output(model, np.vstack([X, X_moved[::-1]]))
    assert np.all(both[n_samples:][::-1] >= both[:n_samples])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_check_monotonic_resolves_the_constraints_through_the_ramps(kind):
    model, X = _pipeline(kind)
    report = check_monotonic(model, X[:60], n_steps=8)
    assert report.features.tolist() == [0, 1]
    assert report.directions.tolist() == [1, -1]
    assert np.all(report.max_drop == 0.0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_ramps_inside_a_column_transformer_with_dataframes():
    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.exponential(size=(120, 3)), columns=["gain", "age", "loss"])
    y = (X.gain - X.loss + rng.normal(size=120) > 0).astype(int)
    ramps = RampTransformer(n_knots=5, knots="distinct")
    cst = {f"num__{k}": v
           for k, v in ramps.expand_monotonic_cst({"gain": 1, "loss": -1}).items()}
    pre = ColumnTransformer([("num", make_pipeline(ramps, StandardScaler()),
                              ["gain", "loss"])], remainder="passthrough")
    model = Pipeline([("pre", pre.set_output(transform="pandas")),
                      ("net", NonNegMLPClassifier((6,), monotonic_cst=cst, max_iter=30,
                                                  random_state=0))]).fit(X, y)
    report = check_monotonic(model, X, n_steps=8)
    assert report.feature_names == ["gain", "loss"]
    assert report.directions.tolist() == [1, -1]
    assert np.all(report.max_drop == 0.0)
    # An unconstrained network on the same columns is caught.
    free = Pipeline([("pre", pre), ("net", NonNegMLPClassifier(
        (6,), positive=False, max_iter=30, random_state=0))]).fit(X, y)
    assert check_monotonic(free, X, monotonic_cst={"age": 1}).max_drop[0] >= 0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_check_monotonic_refuses_a_column_with_constrained_and_free_ramps():
    rng = np.random.default_rng(3)
    X = rng.exponential(size=(80, 2))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    ramps = RampTransformer(n_knots=3, knots="uniform").fit(X)
    cst = ramps.expand_monotonic_cst([1, 0])
    cst[1] = 0  # one ramp of feature 0 left free: no direction is guaranteed
    model = make_pipeline(RampTransformer(n_knots=3, knots="uniform"),
                          NonNegMLPClassifier((4,), monotonic_cst=cst, max_iter=20,
                                              random_state=0)).fit(X, y)
    with pytest.raises(ValueError, match="input column 0 reaches the final step"):
        check_monotonic(model, X)
    # Directions given explicitly are audited as asked.
    assert check_monotonic(model, X, monotonic_cst=[1, 0], n_steps=4).max_drop.size == 1


def test_ramps_transform_with_what_was_fitted():
    # Before: transform read the current n_knots and include_input with the fitted
    # knots_: set_params(n_knots=3) after a fit with 5 raised an IndexError, and
    # include_input=False left a column of zeros under the wrong names.
    X = np.random.RandomState(0).rand(50, 2)
    ramps = RampTransformer(n_knots=5).fit(X)
    expected, names = ramps.transform(X), ramps.get_feature_names_out()
    sources = ramps._output_sources()
    for change in ({"n_knots": 3}, {"n_knots": 6, "include_input": False}):
        ramps.set_params(**change)
        np.testing.assert_array_equal(ramps.transform(X), expected)
        np.testing.assert_array_equal(ramps.get_feature_names_out(), names)
        assert ramps._output_sources() == sources
    # The next fit takes the new parameters.
    assert ramps.fit(X).transform(X).shape == (50, 2 * 5)


def test_float32_input_with_knots_beyond_float32_range_is_ramped_in_float64():
    # Before: the knots of a float64 fit cast to float32 became -inf/inf and the
    # first ramp was inf - inf = NaN on every row.
    import warnings

    r = RampTransformer(3, knots="uniform").fit(np.array([[-1e300], [0.0], [1.0],
                                                          [1e300]]))
    X = np.array([[-1.0], [0.0], [1.0], [3e38]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        got = r.transform(X)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, r.transform(X.astype(np.float64)).astype(
        np.float32))
    assert np.all(np.diff(got[:, :-1], axis=0) >= 0)


@pytest.mark.parametrize("cst", [[1, 0, -1], {"a": 1}])
def test_unfitted_expansion_beyond_memory_is_refused(monkeypatch, cst):
    # Unfitted, expand_monotonic_cst follows the n_knots parameter: before,
    # n_knots=10**9 was NumPy's "Unable to allocate 22.4 GiB" (or the system's
    # kill), and n_knots=2**70 an OverflowError.
    from sknonneg import _validation

    monkeypatch.setattr(_validation, "_physical_memory", lambda: 2**20)
    for n_knots in (10**6, 2**70):
        with pytest.raises(MemoryError, match=r"expands monotonic_cst to [\d,]+ output "
                                              r"columns: .*Use a smaller n_knots"):
            RampTransformer(n_knots=n_knots).expand_monotonic_cst(cst)
    assert len(RampTransformer(n_knots=10).expand_monotonic_cst(cst)) == (
        30 if isinstance(cst, list) else 10)


@pytest.mark.parametrize("knots", ["distinct", "quantile", "uniform"])
@pytest.mark.parametrize("n_features", [1, 3])
def test_fit_beyond_memory_is_refused_before_its_peak(monkeypatch, knots, n_features):
    # The fit's check counts what the fit holds at its peak, np.quantile's
    # temporaries included: on a machine with a byte less than that peak, the fit
    # is a MemoryError before it allocates. Before, it counted 1 + 2 n_features
    # tables of n_knots against a measured 10 for one feature, and
    # RampTransformer(n_knots=10**9).fit on one feature, which the user guide says
    # is refused, passed the check on a 24 GiB machine and was killed by the system.
    import tracemalloc

    from sknonneg import _validation

    X = np.random.RandomState(0).rand(50, n_features)
    ramps = RampTransformer(n_knots=2 * 10**5, knots=knots)
    tracemalloc.start()
    try:
        ramps.fit(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    monkeypatch.setattr(_validation, "_physical_memory", lambda: peak - 1)
    with pytest.raises(MemoryError, match=r"RampTransformer\(n_knots=200000\) needs"):
        RampTransformer(n_knots=2 * 10**5, knots=knots).fit(X)


def test_knots_and_output_beyond_memory_are_refused(monkeypatch):
    # Before: nothing checked the sizes, and RampTransformer(n_knots=10**9).fit on
    # 20 rows of 4 features allocated its knots until the system killed the
    # process. The machine's memory is pinned so that the test means the same
    # everywhere.
    from sknonneg import _validation

    X = np.random.RandomState(0).rand(20, 4)
    monkeypatch.setattr(_validation, "_physical_memory", lambda: 32 * 2**20)
    with pytest.raises(MemoryError, match=r"RampTransformer\(n_knots=1000000\) needs "
                                          r"at least [\d.]+ GiB .*4 features.*0\.0 GiB"):
        RampTransformer(n_knots=10**6).fit(X)
    # The knots fit; the output of transform for 1,000 rows (32 MB) does not.
    ramps = RampTransformer(n_knots=1000).fit(X)
    monkeypatch.setattr(_validation, "_physical_memory", lambda: 2**20)
    with pytest.raises(MemoryError, match=r"output of RampTransformer\(n_knots=1000\) "
                                          r"for 1,000 rows of 4 features has 4,000,000 "
                                          r"values"):
        ramps.transform(np.repeat(X, 50, axis=0))
    # More knots than distinct values: the layout still follows n_knots alone
    # (Parameters), the coinciding quantile knots give zero ramps, and distinct
    # knots spread between the values make equal columns on the training data.
    x = np.array([[0.0], [0.0], [1.0], [2.0]])
    for knots in ("quantile", "distinct"):
        out = RampTransformer(n_knots=6, knots=knots).fit_transform(x)
        assert out.shape == (4, 6)
        if knots == "quantile":
            assert not out[:, 0].any()
        else:
            np.testing.assert_array_equal(out[:, 0], out[:, 1])
            np.testing.assert_array_equal(out[:, 3], out[:, 4])


def test_a_constraint_expanded_for_fewer_knots_warns_at_fit():
    # Before: a grid over ramp__n_knots with one expanded dict fitted, silently,
    # networks whose extra ramp columns were free (check_monotonic found drops of
    # 0.98 in the raw features).
    import warnings

    from sknonneg import NonNegMLPClassifier

    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.normal(size=120), "b": rng.uniform(size=120)})
    y = (X.a - X.b > 0).astype(int)
    cst = {"a": 1}

    def fit(n_knots, expanded_for):
        clf = NonNegMLPClassifier(
            hidden_layer_sizes=3, max_iter=5, random_state=0,
            monotonic_cst=RampTransformer(expanded_for).expand_monotonic_cst(cst))
        pipe = Pipeline([("ramp", RampTransformer(n_knots).set_output(
            transform="pandas")), ("clf", clf)])
        return pipe.fit(X, y)

    with pytest.warns(UserWarning, match=r"ramp columns of \['a'\]"):
        fit(8, expanded_for=5)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*ramp columns")
        fit(5, expanded_for=5)
    # A feature's own column constrained alone, its ramps free: warned too.
    clf = NonNegMLPClassifier(hidden_layer_sizes=3, max_iter=5, monotonic_cst=cst)
    with pytest.warns(UserWarning, match=r"ramp columns of \['a'\]"):
        make_pipeline(RampTransformer(3).set_output(transform="pandas"),
                      clf).fit(X, y)


def test_output_names_that_collide_are_refused():
    # Before: columns "a" and "a_ramp0" gave the names a_ramp0, a, a_ramp0_ramp0,
    # a_ramp0: two columns of one name, on which a later step under
    # set_output(transform="pandas") failed with "Expected unique column names".
    X = pd.DataFrame({"a": np.arange(10.0), "a_ramp0": np.arange(10.0) ** 2})
    ramps = RampTransformer(n_knots=2).fit(X)  # NumPy output needs no names
    assert ramps.transform(X).shape == (10, 4)
    with pytest.raises(ValueError, match=r"output names are not unique: 'a_ramp0' "
                                         r"names more than one"):
        ramps.get_feature_names_out()
    with pytest.raises(ValueError, match="not unique"):
        ramps.set_output(transform="pandas").transform(X)
    ramps = RampTransformer(n_knots=2).fit(X.to_numpy())
    with pytest.raises(ValueError, match="not unique"):
        ramps.get_feature_names_out(["a", "a_ramp0"])
    with pytest.raises(ValueError, match="not unique"):
        RampTransformer(n_knots=2).expand_monotonic_cst({"a": 1, "a_ramp0": 0})
    # Without the input column, the names do not collide.
    names = RampTransformer(n_knots=2, include_input=False).fit(X).get_feature_names_out()
    assert list(names) == ["a_ramp0", "a_ramp0_ramp0"]


def test_expand_monotonic_cst_follows_the_fitted_layout():
    # Before: after set_params(n_knots=3) on a transformer fitted with 5 knots,
    # transform gave 5 columns per feature and expand_monotonic_cst 3.
    X = np.random.RandomState(0).rand(30, 2)
    ramps = RampTransformer(n_knots=5).fit(X)
    ramps.set_params(n_knots=3)
    n_out = ramps.transform(X).shape[1]
    assert ramps.expand_monotonic_cst([1, -1]).shape == (n_out,)
    expanded = ramps.expand_monotonic_cst({"x0": 1})
    assert list(expanded) == list(ramps.get_feature_names_out()[:n_out // 2])
    # Unfitted, the parameters' layout (pairing values of n_knots in a grid).
    assert RampTransformer(n_knots=3).expand_monotonic_cst([1, -1]).shape == (6,)
    # The dict form keeps the values as given.
    expanded = RampTransformer(n_knots=2).expand_monotonic_cst({"a": 1, "b": -1.0})
    assert [type(v) for v in expanded.values()] == [int, int, float, float]


@pytest.mark.parametrize("key", [0, np.int64(1), 1.5, ("a", "b"), b"a"])
def test_expand_monotonic_cst_refuses_keys_that_are_not_names_unfitted_too(key):
    # Before: unfitted (the documented use: one constraint per n_knots in a grid),
    # {0: 1} expanded to {"0_ramp0": 1, "0_ramp1": 1, "0": 1}: the integer key
    # turned into str names, which the fitted transformer, the estimators and
    # HistGradientBoosting* refuse as a key.
    with pytest.raises(ValueError, match=r"maps feature names \(str\).*got the key "
                                         r".*pass an array with one direction"):
        RampTransformer(3).expand_monotonic_cst({key: 1})
    frame = pd.DataFrame(np.arange(12.0).reshape(6, 2), columns=["a", "b"])
    with pytest.raises(ValueError, match=r"got the key .*pass an array of shape "
                                         r"\(2,\)"):
        RampTransformer(3).fit(frame).expand_monotonic_cst({key: 1})
    # str keys, np.str_ included, expand unfitted as before
    assert RampTransformer(3).expand_monotonic_cst({np.str_("a"): -1}) == {
        "a_ramp0": -1, "a_ramp1": -1, "a": -1}


@pytest.mark.parametrize("data, x", [([1.0, 1.0 + 1e-9, 5.0], 3.0),
                                     ([0.0, 1e-60, 1.0], 0.5)])
def test_float32_input_ramps_as_float64_where_float32_merges_knots(data, x):
    # Before: knots of a float64 fit that float32 rounds to one value gave a ramp of
    # width 0, left at 0 for float32 input where the float64 ramp is 1 (a 0-vs-1
    # difference, monotone, so check_monotonic could not see it).
    ramps = RampTransformer(n_knots=3, knots="distinct").fit(np.c_[data])
    expected = ramps.transform(np.array([[x]]))
    got = ramps.transform(np.array([[x]], dtype=np.float32))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-7)


def test_float32_ramps_of_subnormal_or_far_knots():
    # A float32 fit whose knots are distinct subnormals (their halves round to
    # one value): the ramp was 0 for float32 input, 1 for float64.
    ramps = RampTransformer(n_knots=2, knots="uniform", include_input=False).fit(
        np.array([[0.0], [1.4e-45]], dtype=np.float32))
    assert ramps.transform(np.array([[1.0]], dtype=np.float32))[0, 0] == 1.0
    # Two knots beyond float32's range on one side: no warning from the check of
    # merged knots (inf - inf), and the ramps of the float64 input.
    ramps = RampTransformer(n_knots=4, knots="distinct").fit(
        np.array([[0.0], [1e39], [2e39], [-3e39]]))
    X32 = np.array([[1.0], [3e38]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ramps.transform(X32)
    # (float32's rounding: relative, and absolute for its subnormal ramp values)
    np.testing.assert_allclose(got, ramps.transform(X32.astype(np.float64)),
                               rtol=1e-7, atol=1e-44)


@pytest.mark.parametrize("knots", ["quantile", "distinct", "uniform"])
def test_numpy_integer_n_knots_beyond_memory_is_refused_without_overflow(knots):
    # n_knots=np.int64(2**62) (a NumPy integer, as from a grid built
    # with np.arange) overflowed the memory checks' products in int64: "overflow
    # encountered in scalar multiply", then NumPy's "array is too big" ValueError
    # (fit) or its own "Unable to allocate" (2**62 // 46), not the MemoryError
    # that a Python int of the same value gets.
    import warnings

    X = np.random.RandomState(0).rand(5, 3)
    for n_knots in (np.int64(2**62), np.int64(2**62 // 46)):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            with pytest.raises(MemoryError, match=rf"RampTransformer\(n_knots="
                                                  rf"{int(n_knots)}\) needs"):
                RampTransformer(n_knots=n_knots, knots=knots).fit(X)
            with pytest.raises(MemoryError, match=r"expands monotonic_cst"):
                RampTransformer(n_knots=n_knots).expand_monotonic_cst([1, 0, -1])


# sample_weight: rows counted as repetitions (before: fit took no sample_weight, so
# a weighted Pipeline raised a TypeError, or under metadata routing left the knots
# where the unweighted rows put them). Weighted "quantile" knots take
# quantile_method="averaged_inverted_cdf", scale-invariant, as scikit-learn's
# KBinsDiscretizer does it.

RULES = ["quantile", "distinct", "uniform"]
AVERAGED = "averaged_inverted_cdf"
# The (knots, quantile_method) that take sample_weight.
WEIGHTED = [("quantile", AVERAGED), ("distinct", "linear"), ("distinct", AVERAGED),
            ("uniform", "linear"), ("uniform", AVERAGED)]


def _knots(X, sample_weight=None, **params):
    if params.get("knots") == "quantile" and sample_weight is not None:
        params.setdefault("quantile_method", AVERAGED)
    return RampTransformer(**params).fit(X, sample_weight=sample_weight).knots_


@examples(60)
@given(seed=st.integers(0, 2**31), n_samples=st.integers(1, 25),
       n_knots=st.integers(2, 12), rule=st.sampled_from(WEIGHTED),
       n_values=st.integers(1, 6), dtype=st.sampled_from([np.float64, np.float32]),
       scale=st.sampled_from([1e-300, 2.0**-1000, 1 / 3, 7.3, 1e300, "1/sum"]))
def test_integer_weights_give_the_knots_of_the_repeated_rows(seed, n_samples, n_knots,
                                                            rule, n_values, dtype,
                                                            scale):
    knots, quantile_method = rule
    rng = np.random.default_rng(seed)
    # Few distinct values (ties), one column of values of any size.
    magnitudes = 10.0 ** rng.uniform(-5, 5, n_samples)
    X = np.column_stack([rng.integers(0, n_values, n_samples),
                         rng.normal(size=n_samples) * magnitudes]).astype(dtype)
    weights = rng.integers(0, 5, n_samples)
    weights[rng.integers(n_samples)] += 1  # not all 0
    params = dict(n_knots=n_knots, knots=knots, quantile_method=quantile_method)
    weighted = _knots(X, weights, **params)
    repeated = _knots(np.repeat(X, weights, axis=0), **params)
    assert weighted.dtype == repeated.dtype == dtype
    np.testing.assert_array_equal(weighted, repeated)  # bit for bit
    # The same weights at another scale: the same knots (before, with the linear
    # rule, weights summing to 1 put every quantile knot at the minimum).
    scale = 1 / weights.sum() if scale == "1/sum" else scale
    np.testing.assert_array_equal(_knots(X, weights * scale, **params), weighted)


@examples(60)
@given(seed=st.integers(0, 2**31), n_samples=st.integers(1, 40),
       n_knots=st.integers(2, 30), dtype=st.sampled_from([np.float64, np.float32]),
       scale=st.sampled_from([1e-300, 2.0**-1000, 1 / 3, 7.3, 1e300, "1/sum"]))
def test_real_weights_at_any_scale_give_the_same_quantile_knots(seed, n_samples,
                                                               n_knots, dtype, scale):
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n_samples, 1)) * 10.0 ** rng.uniform(-5, 5, (n_samples, 1))
         ).astype(dtype)
    weights = rng.uniform(0, 3, n_samples) ** 3
    weights[rng.integers(n_samples)] += 1
    scale = 1 / weights.sum() if scale == "1/sum" else scale
    np.testing.assert_array_equal(
        _knots(X, weights * scale, n_knots=n_knots, knots="quantile"),
        _knots(X, weights, n_knots=n_knots, knots="quantile"))


@pytest.mark.parametrize("knots, quantile_method", WEIGHTED)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_weights_of_one_are_no_weights_and_zero_removes_the_row(knots, quantile_method,
                                                               dtype):
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 4, 50), rng.normal(size=50)]).astype(dtype)
    params = dict(knots=knots, n_knots=7, quantile_method=quantile_method)
    unweighted = _knots(X, **params)
    assert np.array_equal(_knots(X, np.ones(50), **params), unweighted)
    assert np.array_equal(_knots(X, [1] * 50, **params), unweighted)
    # A row of weight 0 is a removed row, for every rule (before the weights, an
    # outlier of no weight set the "uniform" and "distinct" knots too).
    X_out = np.vstack([X, [[100.0, -100.0]]]).astype(dtype)
    np.testing.assert_array_equal(
        _knots(X_out, np.r_[np.ones(50), 0.0], **params), unweighted)
    # Positive weights move the quantiles towards the heavy rows; the other rules
    # only ask which rows count.
    heavy = _knots(X, np.where(X[:, 1] > 0, 5.0, 1.0), **params)
    assert np.array_equal(heavy, unweighted) == (knots != "quantile")
    if knots == "quantile":
        assert np.all(heavy[1:-1, 1] >= unweighted[1:-1, 1])


def test_weighted_quantile_knots_are_the_averaged_inverted_cdf():
    X = np.array([[0.0], [1.0], [2.0]])
    # Weights (2, 1, 1): the repeated rows 0, 0, 1, 2; the shares 1/2, 3/4, 1.
    np.testing.assert_array_equal(
        _knots(X, [2, 1, 1], n_knots=5, knots="quantile").ravel(),
        np.quantile([0.0, 0.0, 1.0, 2.0], np.linspace(0, 1, 5),
                    method=AVERAGED))
    np.testing.assert_array_equal(
        _knots(X, [2, 1, 1], n_knots=5, knots="quantile").ravel(),
        [0.0, 0.0, 0.5, 1.5, 2.0])
    # Weights that sum to 1 (before, with the linear rule: every knot 0.0, the
    # minimum, as one row).
    np.testing.assert_array_equal(
        _knots(X, [0.5, 0.25, 0.25], n_knots=5, knots="quantile").ravel(),
        [0.0, 0.0, 0.5, 1.5, 2.0])
    np.testing.assert_array_equal(
        _knots(X, [0.0, 0.5, 0.5], n_knots=3, knots="quantile").ravel(),
        [1.0, 1.5, 2.0])
    # "distinct" and "uniform": the weights only decide which rows count.
    for quantile_method in ["linear", AVERAGED]:
        np.testing.assert_array_equal(
            _knots(X, [1e-300, 7.0, 0.0], n_knots=3, quantile_method=quantile_method),
            [[0.0], [0.5], [1.0]])


@pytest.mark.parametrize("sample_weight", [[1.0, 2.0, 1.0], [1, 1, 1], np.ones(3)])
def test_linear_quantile_knots_refuse_weights(sample_weight):
    # The linear rule's weighted knots depend on the weights' scale (weights that
    # sum to 1 were one row, every knot the minimum, silently): refused, as
    # scikit-learn's KBinsDiscretizer refuses them, whatever the weights' values.
    X = np.array([[0.0], [1.0], [2.0]])
    message = (r"When fitting with knots='quantile' and sample weights, "
               r"quantile_method should be set to 'averaged_inverted_cdf', got "
               r"quantile_method='linear' instead\.")
    with pytest.raises(ValueError, match=message):
        RampTransformer(3, knots="quantile").fit(X, sample_weight=sample_weight)
    with pytest.raises(ValueError, match=message):
        RampTransformer(3, knots="quantile").fit_transform(
            X, sample_weight=sample_weight)
    # None is no weights; the other rules take weights with either method.
    RampTransformer(3, knots="quantile").fit(X, sample_weight=None)
    for knots in ["distinct", "uniform"]:
        RampTransformer(3, knots=knots).fit(X, sample_weight=sample_weight)
    with pytest.raises(ValueError, match="The 'quantile_method' parameter of "
                                         "RampTransformer must be a str among"):
        RampTransformer(quantile_method="inverted_cdf").fit(X)


def test_unweighted_averaged_inverted_cdf_knots_are_numpys():
    # Random data with ties, n_knots - 1 a power of two (the levels k / (n_knots
    # - 1) and n * q are exact in floating point): np.quantile's knots, bit for bit.
    rng = np.random.default_rng(5)
    for n_samples in [1, 2, 7, 40, 333]:
        X = np.column_stack([rng.integers(0, 5, n_samples),
                             rng.normal(size=n_samples)])
        for n_knots in [2, 3, 5, 9, 17, 65]:
            grid = np.linspace(0, 1, n_knots)
            for knots, data in [("quantile", lambda c: c), ("distinct", np.unique)]:
                expected = np.column_stack([
                    2.0 * np.quantile(data(0.5 * X[:, j]), grid, method=AVERAGED)
                    for j in range(2)])
                np.testing.assert_array_equal(
                    _knots(X, n_knots=n_knots, knots=knots, quantile_method=AVERAGED),
                    expected)
    # Elsewhere NumPy rounds n * q, and its knots change when every row is
    # repeated; these are the exact levels, the same for the repeated rows.
    x = np.array([[0.0], [1.0], [2.0]])
    params = dict(n_knots=34, knots="quantile", quantile_method=AVERAGED)
    grid = np.linspace(0, 1, 34)
    assert np.quantile(x.ravel(), grid, method=AVERAGED)[11] == 0.5
    assert np.quantile(np.repeat(x.ravel(), 3), grid, method=AVERAGED)[11] == 1.0
    np.testing.assert_array_equal(_knots(x, **params),
                                  _knots(np.repeat(x, 3, axis=0), **params))
    assert _knots(x, **params)[11, 0] == 0.5


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_huge_and_tiny_weights_neither_overflow_nor_underflow(dtype):
    rng = np.random.default_rng(3)
    top = float(np.finfo(dtype).max)
    X = rng.normal(size=(40, 2)).astype(dtype)
    X[:2, 1] = [-top, top]  # the column spans its dtype's range
    weights = rng.integers(1, 4, 40).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's overflow and underflow warnings
        expected = _knots(X, weights, knots="quantile", n_knots=9)
        # Sums beyond float64's range (scaled by a power of two), subnormal
        # weights (exact multiples of 2**-1074 here): the knots of the weights.
        for scale in [2.0**1020, 1e300, 2.0**-1070]:
            np.testing.assert_array_equal(
                _knots(X, weights * scale, knots="quantile", n_knots=9), expected)
        for knots in RULES:
            assert np.all(np.isfinite(_knots(X, weights * 1e300, knots=knots)))
            assert np.all(np.isfinite(_knots(X, weights, knots=knots,
                                             quantile_method=AVERAGED)))
    assert np.all(np.isfinite(expected)) and np.all(expected[1:] >= expected[:-1])
    assert expected[0, 1] == -top and expected[-1, 1] == top


def test_weighted_quantile_end_knots_are_the_extremes_of_the_weighted_rows():
    # A weight below 2**-1070 of the largest leaves the quantiles (the scaling
    # drops it), but its row still counts for the first and last knots, as for
    # "uniform" and "distinct" and as the Notes of fit say. Before: [1, 1, 1].
    X = np.array([[0.0], [1.0], [2.0]])
    weights = [5e-324, 1e308, 5e-324]
    assert _knots(X, weights, knots="quantile", n_knots=3).ravel().tolist() == [
        0.0, 1.0, 2.0]
    for knots in ("uniform", "distinct"):
        got = _knots(X, weights, knots=knots, n_knots=3, quantile_method=AVERAGED)
        assert got.ravel().tolist() == [0.0, 1.0, 2.0]


def test_old_pickles_without_quantile_method_read_linear():
    import pickle

    ramps = RampTransformer(4, knots="quantile").fit(np.arange(10.0)[:, None])
    state = ramps.__getstate__()
    del state["quantile_method"]  # as saved before the parameter
    old = RampTransformer.__new__(RampTransformer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old.__setstate__(state)
    assert old.get_params()["quantile_method"] == "linear"
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(old)).transform([[3.5]]), ramps.transform([[3.5]]))


@pytest.mark.parametrize("sample_weight, message", [
    ([1.0, -1.0, 1.0], "Negative values in data passed to `sample_weight`"),
    ([0.0, 0.0, 0.0], "Sample weights must contain at least one non-zero number"),
    ([1.0, np.nan, 1.0], "Input sample_weight contains NaN"),
    ([1.0, np.inf, 1.0], "Input sample_weight contains infinity"),
    ([1.0, 1.0], r"sample_weight.shape == \(2,\), expected \(3,\)"),
])
def test_bad_weights_get_scikit_learns_errors(sample_weight, message):
    X = np.array([[0.0], [1.0], [2.0]])
    for knots in RULES:
        with pytest.raises(ValueError, match=message):
            RampTransformer(knots=knots, quantile_method=AVERAGED).fit(
                X, sample_weight=sample_weight)
    # The weights are checked first, as scikit-learn's KBinsDiscretizer does.
    with pytest.raises(ValueError, match=message):
        RampTransformer(knots="quantile").fit(X, sample_weight=sample_weight)


def test_weights_reach_the_knots_through_a_pipeline():
    import sklearn
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    y = X.sum(axis=1)
    weights = rng.integers(0, 4, 60)
    params = dict(n_knots=5, knots="quantile", quantile_method=AVERAGED)
    expected = _knots(np.repeat(X, weights, axis=0), **params)
    assert not np.array_equal(expected, _knots(X, **params))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline([
            ("ramp", RampTransformer(5, knots="quantile", quantile_method=AVERAGED
                                     ).set_fit_request(sample_weight=True)),
            ("reg", LinearRegression().set_fit_request(sample_weight=True))])
        pipe.fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(pipe["ramp"].knots_, expected)
    # Without routing, by the step's name (before: a TypeError).
    pipe = Pipeline([("ramp", RampTransformer(5, knots="quantile",
                                              quantile_method=AVERAGED)),
                     ("reg", LinearRegression())])
    pipe.fit(X, y, ramp__sample_weight=weights, reg__sample_weight=weights)
    np.testing.assert_array_equal(pipe["ramp"].knots_, expected)


@pytest.mark.parametrize("library", ["pandas", "polars"])
@pytest.mark.parametrize("where", ["set_output", "global", "pipeline"])
def test_colliding_names_are_refused_under_frame_output_at_every_scikit_learn(
        monkeypatch, where, library):
    # Before: scikit-learn 1.6 and 1.7 swallow any exception of get_feature_names_out
    # while wrapping the output, and number the columns 0, 1, ...: the refusal of
    # the colliding names was lost there, and transform returned a DataFrame.
    # Their get_columns, put in place of the installed one: the refusal is
    # RampTransformer's own, for pandas and polars output alike.
    import sklearn
    from sklearn.utils import _set_output

    def swallowing_get_columns(columns):
        if callable(columns):
            try:
                return columns()
            except Exception:
                return None
        return columns

    frame_type = (pd.DataFrame if library == "pandas"
                  else pytest.importorskip("polars").DataFrame)
    monkeypatch.setattr(_set_output, "get_columns", swallowing_get_columns)
    X = frame_type({"a": np.arange(10.0), "a_ramp0": np.arange(10.0) ** 2})
    message = r"output names are not unique: 'a_ramp0' names more than one column"
    ramps = RampTransformer(2).fit(X)
    if where == "set_output":
        with pytest.raises(ValueError, match=message):
            ramps.set_output(transform=library).transform(X)
        with pytest.raises(ValueError, match=message):
            RampTransformer(2).set_output(transform=library).fit_transform(X)
    elif where == "global":
        with sklearn.config_context(transform_output=library):
            with pytest.raises(ValueError, match=message):
                ramps.transform(X)
    else:
        pipe = make_pipeline(RampTransformer(2), StandardScaler()).set_output(
            transform=library)
        with pytest.raises(ValueError, match=message):
            pipe.fit(X)
    # NumPy output needs no names.
    assert RampTransformer(2).fit(X).transform(X).shape == (10, 4)


def test_transform_output_falls_back_where_the_private_moves(monkeypatch):
    # sknonneg._compat reads set_output's container through scikit-learn's
    # private _get_output_config. Before, where it moved, ``import sknonneg``
    # failed (ImportError in _compat); now the same rule is read from what
    # set_output stores and from the public sklearn.get_config().
    import importlib.util

    import sklearn
    from sklearn.utils import _set_output

    import sknonneg._compat

    monkeypatch.delattr(_set_output, "_get_output_config")
    spec = importlib.util.spec_from_file_location("_compat_without_private",
                                                  sknonneg._compat.__file__)
    compat = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compat)
    assert compat._get_output_config is None
    monkeypatch.undo()
    # The private answering in another form (a string, not a dict): the same.
    shaped = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shaped)
    monkeypatch.setattr(shaped, "_get_output_config", lambda method, est=None: "x")
    for module in (compat, shaped):
        plain = RampTransformer(2)
        assert module.transform_output(plain) == "default"
        assert module.transform_output(
            RampTransformer(2).set_output(transform="pandas")) == "pandas"
        with sklearn.config_context(transform_output="pandas"):
            assert module.transform_output(plain) == "pandas"
            assert module.transform_output(
                RampTransformer(2).set_output(transform="default")) == "default"
