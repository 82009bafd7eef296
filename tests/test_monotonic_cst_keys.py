"""A ``monotonic_cst`` dict: one rule for the estimators and ``check_monotonic``,
HistGradientBoosting's. Its keys are feature names, which only data whose columns
are all strings has (scikit-learn's ``feature_names_in_``); any other key, an
integer in particular, is refused by both, as by HistGradientBoosting*."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor

from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg.inspection import check_monotonic

rng = np.random.RandomState(0)
X_ARRAY = rng.rand(30, 3)
Y = X_ARRAY[:, 0]
FRAMES = {
    "str columns": pd.DataFrame(X_ARRAY, columns=["a", "b", "c"]),
    "str digit columns": pd.DataFrame(X_ARRAY, columns=["0", "1", "2"]),
    "int columns": pd.DataFrame(X_ARRAY),
    "ndarray": X_ARRAY,
}
CASES = [(frame, cst) for frame in FRAMES
         for cst in ({0: 1}, {"0": 1}, {"a": 1}, {np.int64(0): 1})]


def _fit(Est, X, cst):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Est(hidden_layer_sizes=(2,), max_iter=2, monotonic_cst=cst,
                   random_state=0).fit(X, Y if Est is NonNegMLPRegressor else Y > 0.5)


def _audit(X, cst):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = NonNegMLPRegressor(hidden_layer_sizes=(2,), max_iter=2,
                                   random_state=0).fit(X, Y)
    return check_monotonic(model, X, monotonic_cst=cst, n_steps=3)


def _hgb_accepts(X, cst):
    try:
        HistGradientBoostingRegressor(max_iter=1, monotonic_cst=cst).fit(X, Y)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("frame, cst", CASES, ids=[f"{f}-{c}" for f, c in CASES])
def test_estimators_and_check_monotonic_accept_the_dicts_hgb_accepts(frame, cst):
    # Before: check_monotonic read a DataFrame's integer column labels as the
    # names "0", "1", ... and took {0: 1} and {"0": 1} for its first column, where
    # the estimators (and HistGradientBoosting) refused any dict; and both turned
    # an integer key into its str ({0: 1} was column "0" of a str-named frame).
    X = FRAMES[frame]
    if _hgb_accepts(X, cst):
        for Est in (NonNegMLPRegressor, NonNegMLPClassifier):
            assert _fit(Est, X, cst).monotonic_cst_.tolist() == [1, 0, 0]
        assert list(_audit(X, cst).features) == [0]
    else:
        for Est in (NonNegMLPRegressor, NonNegMLPClassifier):
            with pytest.raises(ValueError, match="monotonic_cst"):
                _fit(Est, X, cst)
        with pytest.raises(ValueError, match="monotonic_cst"):
            _audit(X, cst)


@pytest.mark.parametrize("key", [0, np.int64(0), 0.0, ("a",)])
def test_non_str_keys_are_refused_with_the_same_words(key):
    X = FRAMES["str digit columns"]
    shown = key.item() if isinstance(key, np.generic) else key
    message = re.escape(f"monotonic_cst given as a dict maps feature names (str) to "
                        f"directions, got the key {shown!r} "
                        f"({type(key).__name__}). To constrain features by "
                        "position, pass an array of shape (3,)")
    with pytest.raises(ValueError, match=message):
        _fit(NonNegMLPRegressor, X, {key: 1})
    with pytest.raises(ValueError, match=message):
        _audit(X, {key: 1})


def test_a_frame_without_string_columns_has_no_feature_names():
    X = FRAMES["int columns"]
    with pytest.raises(ValueError, match="needs feature names"):
        _fit(NonNegMLPRegressor, X, {"0": 1})
    with pytest.raises(ValueError, match="needs feature names"):
        _audit(X, {"0": 1})
    # By position, as HistGradientBoosting asks: an array.
    assert list(_audit(X, [1, 0, 0]).features) == [0]


def test_a_series_is_read_by_its_index():
    # Before: read by position whatever its index, as HistGradientBoosting* read
    # it: the Series below constrained "a" to decrease and left "b" free, and
    # check_monotonic audited "a" for a constraint meant for "b".
    from sklearn.linear_model import LinearRegression
    from sknonneg.preprocessing import RampTransformer
    frame = FRAMES["str columns"]
    named = pd.Series({"b": -1, "c": 0, "a": 1})
    est = NonNegMLPRegressor(3, monotonic_cst=named, max_iter=5,
                             random_state=0).fit(frame, Y)
    np.testing.assert_array_equal(est.monotonic_cst_, [1, -1, 0])
    assert np.all(est.coefs_[0][0] >= 0) and np.all(est.coefs_[0][1] <= 0)
    clf = NonNegMLPClassifier(3, monotonic_cst=named, max_iter=5,
                              random_state=0).fit(frame, Y > 0.5)
    np.testing.assert_array_equal(clf.monotonic_cst_, [1, -1, 0])
    assert clf.n_outputs_ == 1  # output="auto" saw the constraint
    falls_in_b = LinearRegression().fit(frame, frame["a"] - frame["b"])
    report = check_monotonic(falls_in_b, frame, monotonic_cst=pd.Series({"b": 1}))
    assert list(report.features) == [1] and report.max_drop[0] > 0.5
    ramps = RampTransformer(3)
    assert (ramps.expand_monotonic_cst(pd.Series({"a": 1}))
            == ramps.expand_monotonic_cst({"a": 1}))
    # The default RangeIndex is by position, as an array; a Series without names
    # on data without names is refused as a dict is.
    by_position = pd.Series([1, -1, 0])
    est = NonNegMLPRegressor(3, monotonic_cst=by_position, max_iter=5,
                             random_state=0).fit(X_ARRAY, Y)
    np.testing.assert_array_equal(est.monotonic_cst_, [1, -1, 0])
    with pytest.raises(ValueError, match="needs feature names"):
        NonNegMLPRegressor(3, monotonic_cst=named, max_iter=5).fit(X_ARRAY, Y)
    with pytest.raises(ValueError, match=r"not in X: \['zz'\]"):
        NonNegMLPRegressor(3, monotonic_cst=pd.Series({"zz": 1})).fit(frame, Y)
    # Any other index says neither: refused.
    for index in ([2, 0, 1], ["a", 1, "c"], [0.0, 1.0, 2.0]):
        with pytest.raises(ValueError, match="needs an index of feature names"):
            NonNegMLPRegressor(3, monotonic_cst=pd.Series([1, 0, 0], index=index),
                               max_iter=5).fit(frame, Y)
    with pytest.raises(ValueError, match="needs an index of feature names"):
        NonNegMLPRegressor(2, monotonic_cst=pd.Series([1, 0], index=[False, True]),
                           max_iter=5).fit(frame[["a", "b"]], Y)
    np.testing.assert_array_equal(NonNegMLPRegressor(
        3, monotonic_cst=pd.Series([1, 0, -1], index=pd.Index([0, 1, 2],
                                                              dtype="Int64")),
        max_iter=5, random_state=0).fit(frame, Y).monotonic_cst_, [1, 0, -1])
    for index in (pd.Index([0, 1, 2], dtype=object), pd.CategoricalIndex([0, 1, 2])):
        np.testing.assert_array_equal(NonNegMLPRegressor(
            3, monotonic_cst=pd.Series([1, 0, -1], index=index), max_iter=5,
            random_state=0).fit(frame, Y).monotonic_cst_, [1, 0, -1])
    with pytest.raises(ValueError, match=r"more than once: \['a'\]"):
        check_monotonic(est, frame, monotonic_cst=pd.Series([1, 1], index=["a", "a"]))


def test_a_name_without_or_with_the_column_transformers_prefix_is_pointed_to():
    # The model of a Pipeline sees a ColumnTransformer's output columns
    # ("num__age"); check_monotonic on the Pipeline reads the raw ones ("age").
    # Either name given in the other place was refused with every known name
    # listed (over a hundred on one-hot coded data) and no word of the prefix.
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X = pd.DataFrame({"age": rng.rand(40), "hours": rng.rand(40),
                      "job": rng.choice(["a", "b", "c"], 40)})
    y = (X["age"] > 0.5).astype(int)
    pre = ColumnTransformer([("num", StandardScaler(), ["age", "hours"]),
                             ("cat", OneHotEncoder(sparse_output=False), ["job"])])
    pre.set_output(transform="pandas")
    model = Pipeline([("pre", pre), ("clf", NonNegMLPClassifier(
        hidden_layer_sizes=(2,), max_iter=2, monotonic_cst={"age": 1},
        random_state=0))])
    with pytest.raises(ValueError, match=re.escape(
            "not in X: ['age']. Did you mean 'num__age' for 'age'?")):
        model.fit(X, y)
    model.set_params(clf__monotonic_cst={"num__age": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    with pytest.raises(ValueError, match=re.escape(
            "not in X: ['num__hours']. Did you mean 'hours' for 'num__hours'?")):
        check_monotonic(model, X, monotonic_cst={"num__hours": 1})
    # A name that is neither gets no guess.
    with pytest.raises(ValueError, match=r"not in X: \['zz'\]\. Known features"):
        check_monotonic(model, X, monotonic_cst={"zz": 1})


@pytest.mark.parametrize("given, names", [
    ({"": 1}, ["num__", "y"]),               # an empty key: no name after a prefix
    ({"a__": 1}, ["", "y"]),                 # a column named "": no name either
    ({"__age": 1}, ["age", "y"]),            # "__age" carries no prefix
    ({"age": 1, "num__age": 1}, ["num__age", "y"]),   # the dict names it already
    ({"hours": 1, "num__hours": 1}, ["hours", "y"]),  # ... in either direction
])
def test_the_prefix_hint_offers_no_name_it_cannot_mean(given, names):
    # The "Did you mean" of an unknown monotonic_cst name offered 'num__' for the
    # key "", '' for "a__", 'age' for "__age", and 'num__age' for 'age' to a dict
    # that held 'num__age' already. Those get the plain refusal.
    from sknonneg._monotonic_cst import directions_from_argument

    with pytest.raises(ValueError, match="not in X") as info:
        directions_from_argument(given, names, len(names))
    assert "Did you mean" not in str(info.value)
    # A prefixed name the dict does not hold is still offered.
    with pytest.raises(ValueError, match=re.escape("Did you mean 'num__age' for 'age'?")):
        directions_from_argument({"age": 1}, ["num__age", "y"], 2)
