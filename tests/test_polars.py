"""polars DataFrames and Series wherever sknonneg takes or returns a pandas one.

The documentation said "pandas or polars" (``set_output(transform="polars")``,
``monotonic_cst`` as a dict of names, ``check_monotonic``, RampTransformer's
names, ``feature_names_in_``), but polars was never installed where the tests
ran. Each call here is made on polars and on pandas (or NumPy), and must give the
same result bit for bit, the same refusal in the same words. Before this file,
``check_monotonic`` read a polars frame as a NumPy array (the model warned "X
does not have valid feature names" on every call, a Pipeline selecting columns by
name failed, a dict of names was refused for a model fitted without names),
``additive_evasion_attack`` failed with "'list' object has no attribute 'items'",
``partial_fit_chunks`` dropped the column names of each chunk, and a missing
label in a polars y was "Mix type of y not allowed".
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.compose import make_column_transformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknonneg import (ABBAClassifier, DegenerateFitWarning, InputScaleWarning,
                      NonNegAutoencoder, NonNegMLPClassifier, NonNegMLPRegressor)
from sknonneg.inspection import check_monotonic
from sknonneg.parallel import partial_fit_chunks
from sknonneg.preprocessing import RampTransformer
from sknonneg.robustness import additive_evasion_attack, monotone_certificate

pl = pytest.importorskip("polars")

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::sknonneg.DegenerateFitWarning"),
    pytest.mark.filterwarnings("ignore::sknonneg.InputScaleWarning")]

COLUMNS = ["a", "b", "c", "d"]
RNG = np.random.default_rng(0)
X = RNG.uniform(size=(60, 4))
Y_CLASS = (X[:, 0] + X[:, 1] > 1).astype(np.int64)
Y_REG = X @ np.array([1.0, 2.0, 0.5, -1.0])
PD = pd.DataFrame(X, columns=COLUMNS)
PL = pl.DataFrame(X, schema=COLUMNS)
FAST = dict(random_state=0, max_iter=15)

# (make, y, the method compared)
ESTIMATORS = {
    "classifier": (lambda **kw: NonNegMLPClassifier(**FAST, **kw), Y_CLASS,
                   "predict_proba"),
    "regressor": (lambda **kw: NonNegMLPRegressor(**FAST, **kw), Y_REG, "predict"),
    "abba": (lambda **kw: ABBAClassifier(**FAST, **kw), Y_CLASS, "predict_proba"),
    "autoencoder": (lambda **kw: NonNegAutoencoder(n_components=2, **FAST, **kw),
                    None, "transform"),
    "ramps": (lambda **kw: RampTransformer(3, **kw), None, "transform"),
}


def _outcome(call):
    """What ``call()`` gives: its result, or its error's type and message."""
    try:
        return call()
    except (TypeError, ValueError) as exc:
        return type(exc), str(exc)


def _warned(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", DegenerateFitWarning)
        warnings.simplefilter("ignore", InputScaleWarning)
        call()
    return [(w.category, str(w.message)) for w in caught]


@pytest.mark.parametrize("name", ESTIMATORS)
def test_fit_on_polars_is_fit_on_pandas(name):
    make, y, method = ESTIMATORS[name]
    on_polars, on_pandas = make().fit(PL, y), make().fit(PD, y)
    np.testing.assert_array_equal(on_polars.feature_names_in_, COLUMNS)
    assert on_polars.feature_names_in_.dtype == object
    np.testing.assert_array_equal(getattr(on_polars, method)(PL),
                                  getattr(on_pandas, method)(PD))
    # Predicting on NumPy: scikit-learn's warning, as after a pandas fit.
    assert (_warned(lambda: getattr(on_polars, method)(X))
            == _warned(lambda: getattr(on_pandas, method)(X)))
    assert _warned(lambda: getattr(on_polars, method)(PL)) == []


@pytest.mark.parametrize("name", ESTIMATORS)
def test_reordered_or_renamed_polars_columns_are_refused_as_pandas_ones(name):
    make, y, method = ESTIMATORS[name]
    on_polars, on_pandas = make().fit(PL, y), make().fit(PD, y)
    reordered = ["b", "a", "c", "d"]
    refused = _outcome(lambda: getattr(on_polars, method)(PL.select(reordered)))
    assert refused[0] is ValueError
    assert "Feature names must be in the same order as they were in fit" in refused[1]
    assert refused == _outcome(lambda: getattr(on_pandas, method)(PD[reordered]))
    refused = _outcome(lambda: getattr(on_polars, method)(PL.rename({"a": "z"})))
    assert "Feature names unseen at fit time:\n- z" in refused[1]
    assert refused == _outcome(
        lambda: getattr(on_pandas, method)(PD.rename(columns={"a": "z"})))


@pytest.mark.parametrize("name", ["classifier", "regressor", "abba"])
def test_polars_targets_and_weights(name):
    make, y, method = ESTIMATORS[name]
    weights = RNG.uniform(0.5, 1.5, size=60)
    expected = getattr(make().fit(X, y, sample_weight=weights), method)(X)
    fitted = make().fit(PL, pl.Series("y", y), sample_weight=pl.Series(weights))
    np.testing.assert_array_equal(getattr(fitted, method)(PL), expected)
    if name != "regressor":
        labels = np.where(y == 1, "yes", "no")
        fitted = make().fit(PL, pl.Series(labels))
        np.testing.assert_array_equal(fitted.classes_, ["no", "yes"])
        np.testing.assert_array_equal(
            fitted.predict(PL), make().fit(X, labels).predict(X))


def test_polars_two_column_targets():
    targets = np.column_stack([Y_REG, -Y_REG])
    np.testing.assert_array_equal(
        NonNegMLPRegressor(**FAST).fit(PL, pl.DataFrame(targets, schema=["u", "v"]))
        .predict(PL), NonNegMLPRegressor(**FAST).fit(X, targets).predict(X))
    labels = np.column_stack([Y_CLASS, 1 - Y_CLASS])
    np.testing.assert_array_equal(
        NonNegMLPClassifier(**FAST).fit(PL, pl.DataFrame(labels, schema=["u", "v"]))
        .predict_proba(PL), NonNegMLPClassifier(**FAST).fit(X, labels).predict_proba(X))


@pytest.mark.parametrize("y", [pl.Series(["a", None, "b"] * 20),
                               pl.Series([1, None, 0] * 20),
                               pl.DataFrame({"u": [1, None, 0] * 20,
                                             "v": [0, 1, 1] * 20})],
                         ids=["text", "integers", "frame"])
def test_a_missing_label_in_polars_is_refused_as_in_pandas(y):
    # Before: "`y`: Mix type of y not allowed, got types {'binary', 'unknown'}"
    # for the text labels (pandas and NumPy: "Input y contains NaN.").
    with pytest.raises(ValueError, match=r"^Input y contains NaN\.$"):
        NonNegMLPClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"^Input y contains NaN\.$"):
        NonNegMLPClassifier(**FAST).fit(X, _to_pandas(y))


def _to_pandas(values):
    if isinstance(values, pl.Series):
        return pd.Series(values.to_list(), dtype="string" if values.dtype == pl.String
                         else "Int64")
    return pd.DataFrame({c: pd.Series(values[c].to_list(), dtype="Int64")
                         for c in values.columns})


def test_partial_fit_on_polars():
    fitted = NonNegMLPClassifier(**FAST).partial_fit(PL, pl.Series(Y_CLASS),
                                                     classes=[0, 1])
    np.testing.assert_array_equal(fitted.feature_names_in_, COLUMNS)
    np.testing.assert_array_equal(
        fitted.predict_proba(PL),
        NonNegMLPClassifier(**FAST).partial_fit(PD, Y_CLASS, classes=[0, 1])
        .predict_proba(PD))


@pytest.mark.parametrize("make", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_monotonic_cst_by_name_on_polars(make):
    y = Y_CLASS if make is NonNegMLPClassifier else Y_REG
    on_polars = make(monotonic_cst={"a": 1, "d": -1}, **FAST).fit(PL, y)
    on_pandas = make(monotonic_cst={"a": 1, "d": -1}, **FAST).fit(PD, y)
    np.testing.assert_array_equal(on_polars.monotonic_cst_, [1, 0, 0, -1])
    method = "predict_proba" if make is NonNegMLPClassifier else "predict"
    np.testing.assert_array_equal(getattr(on_polars, method)(PL),
                                  getattr(on_pandas, method)(PD))
    unknown = _outcome(lambda: make(monotonic_cst={"zz": 1}, **FAST).fit(PL, y))
    assert unknown == (ValueError, "monotonic_cst names features that are not in X: "
                                   "['zz']. Known features: ['a', 'b', 'c', 'd'].")
    assert unknown == _outcome(lambda: make(monotonic_cst={"zz": 1}, **FAST).fit(PD, y))
    # Without names (NumPy): the refusal names polars beside pandas.
    with pytest.raises(ValueError, match="fit on a pandas or polars DataFrame"):
        make(monotonic_cst={"a": 1}, **FAST).fit(X, y)


def _same_report(got, expected):
    assert got.feature_names == expected.feature_names
    np.testing.assert_array_equal(got.features, expected.features)
    np.testing.assert_array_equal(got.directions, expected.directions)
    np.testing.assert_array_equal(got.max_drop, expected.max_drop)
    np.testing.assert_array_equal(got.n_violating_rows, expected.n_violating_rows)
    for mine, theirs in zip(got.grids, expected.grids):
        np.testing.assert_array_equal(mine, theirs)


def test_check_monotonic_reads_polars_as_pandas():
    model = NonNegMLPRegressor(monotonic_cst={"a": 1, "d": -1}, **FAST).fit(PL, Y_REG)
    for cst in (None, {"a": 1, "b": 1}, [0, 1, 0, 0]):
        # Before: no warning with pandas, "X does not have valid feature names"
        # on every call with polars (its rows were passed as NumPy).
        report = _warned_result(lambda: check_monotonic(model, PL, cst))
        _same_report(report, check_monotonic(model, PD, cst))
    assert report.feature_names == ["b"]
    # Integer and boolean columns: grids of their values, as with pandas.
    frame = {"a": (X[:, 0] * 10).astype(np.int64), "b": X[:, 1] > 0.5,
             "c": X[:, 2], "d": X[:, 3]}
    model = NonNegMLPRegressor(monotonic_cst={"a": 1, "b": 1}, **FAST).fit(
        pd.DataFrame(frame), Y_REG)
    _same_report(_warned_result(lambda: check_monotonic(model, pl.DataFrame(frame))),
                 check_monotonic(model, pd.DataFrame(frame)))


def _warned_result(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


def test_check_monotonic_on_polars_without_fitted_names():
    # A model fitted on NumPy: the dict's names are polars' columns (before:
    # "monotonic_cst given as a dict needs feature names").
    model = NonNegMLPRegressor(monotonic_cst=[1, 0, 0, -1], **FAST).fit(X, Y_REG)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # X has names, the model none
        _same_report(check_monotonic(model, PL, {"a": 1}),
                     check_monotonic(model, PD, {"a": 1}))


def test_check_monotonic_of_a_pipeline_selecting_polars_columns_by_name():
    # Before: "Specifying the columns using strings is only supported for
    # dataframes" (the grid rows were NumPy).
    def pipeline(frame):
        return make_pipeline(
            make_column_transformer((StandardScaler(), ["a", "b"]),
                                    ("passthrough", ["c", "d"])),
            NonNegMLPRegressor(monotonic_cst=[1, 0, 0, -1], **FAST)).fit(frame, Y_REG)

    on_polars, on_pandas = pipeline(PL), pipeline(PD)
    np.testing.assert_array_equal(on_polars.predict(PL), on_pandas.predict(PD))
    _same_report(check_monotonic(on_polars, PL), check_monotonic(on_pandas, PD))
    _same_report(check_monotonic(on_polars, PL, {"a": 1}),
                 check_monotonic(on_pandas, PD, {"a": 1}))


@pytest.mark.parametrize("name", ["classifier", "regressor", "abba", "autoencoder",
                                  "ramps"])
def test_set_output_polars(name):
    make, y, _ = ESTIMATORS[name]
    fitted = make().set_output(transform="polars").fit(PL, y)
    out = fitted.transform(PL)
    assert isinstance(out, pl.DataFrame)
    assert out.columns == list(fitted.get_feature_names_out())
    expected = make().fit(PD, y)
    np.testing.assert_array_equal(out.to_numpy(), expected.transform(PD))
    as_pandas = make().set_output(transform="pandas").fit(PD, y).transform(PD)
    assert out.columns == list(as_pandas.columns)
    # fit_transform too, and the global configuration.
    assert make().set_output(transform="polars").fit_transform(PL, y).columns == \
        out.columns
    with sklearn.config_context(transform_output="polars"):
        assert isinstance(make().fit(PL, y).transform(PL), pl.DataFrame)


def test_ramp_names_under_polars_output():
    ramps = RampTransformer(3).set_output(transform="polars").fit(PL)
    assert ramps.transform(PL).columns[:3] == ["a_ramp0", "a_ramp1", "a"]
    assert (ramps.expand_monotonic_cst({"a": 1, "d": -1})
            == RampTransformer(3).fit(PD).expand_monotonic_cst({"a": 1, "d": -1}))
    # A Pipeline of ramps and a network constrained by ramp names, on polars.
    def pipeline(output, frame):
        ramps = RampTransformer(3).fit(frame)
        cst = ramps.expand_monotonic_cst({"a": 1})
        return make_pipeline(RampTransformer(3), NonNegMLPRegressor(
            monotonic_cst=cst, **FAST)).set_output(transform=output).fit(frame, Y_REG)

    on_polars, on_pandas = pipeline("polars", PL), pipeline("pandas", PD)
    np.testing.assert_array_equal(on_polars.predict(PL), on_pandas.predict(PD))
    np.testing.assert_array_equal(on_polars[-1].feature_names_in_,
                                  on_pandas[-1].feature_names_in_)
    _same_report(check_monotonic(on_polars, PL), check_monotonic(on_pandas, PD))


def test_robustness_on_polars():
    def model(frame):
        return NonNegMLPClassifier(positive=True, output="logistic", **FAST).fit(
            frame, Y_CLASS)

    on_polars, on_pandas = model(PL), model(PD)
    np.testing.assert_array_equal(monotone_certificate(on_polars).feature_names_,
                                  COLUMNS)
    np.testing.assert_array_equal(
        monotone_certificate(on_polars).feature_signs_,
        monotone_certificate(on_pandas).feature_signs_)
    unsafe = NonNegMLPClassifier(positive="output", **FAST)
    # Before: AttributeError "'list' object has no attribute 'items'".
    for fitted in (on_polars, unsafe.fit(PL, Y_CLASS)):
        got = _warned_result(lambda: additive_evasion_attack(fitted, PL, budget=2.0))
        expected = additive_evasion_attack(fitted, PD, budget=2.0)
        assert isinstance(got.X_adv_, pl.DataFrame)
        assert got.X_adv_.columns == COLUMNS
        np.testing.assert_array_equal(got.X_adv_.to_numpy(), expected.X_adv_.to_numpy())
        np.testing.assert_array_equal(got.success_, expected.success_)
        np.testing.assert_array_equal(got.cost_, expected.cost_)
    # Integer columns keep their dtype, as in pandas.
    columns = {c: (X[:, j] * 5).astype(np.int64) for j, c in enumerate(COLUMNS)}
    counts = pl.DataFrame(columns)
    fitted = unsafe.fit(counts, Y_CLASS)
    got = additive_evasion_attack(fitted, counts, budget=3)
    assert got.X_adv_.dtypes == [pl.Int64] * 4
    np.testing.assert_array_equal(
        got.X_adv_.to_numpy(),
        additive_evasion_attack(fitted, pd.DataFrame(columns),
                                budget=3).X_adv_.to_numpy())


def test_partial_fit_chunks_keeps_polars_names():
    # Before: every chunk became a NumPy array: no feature_names_in_, and a
    # monotonic_cst given by name was refused.
    def fitted(frame, series):
        return partial_fit_chunks(
            NonNegMLPRegressor(monotonic_cst={"a": 1}, **FAST), frame, series(Y_REG),
            chunk_size=20, sample_weight=series(np.ones(60)), shuffle=True,
            random_state=0)

    on_polars, on_pandas = fitted(PL, pl.Series), fitted(PD, pd.Series)
    np.testing.assert_array_equal(on_polars.feature_names_in_, COLUMNS)
    np.testing.assert_array_equal(on_polars.monotonic_cst_, [1, 0, 0, 0])
    np.testing.assert_array_equal(on_polars.predict(PL), on_pandas.predict(PD))


def test_polars_frames_are_read_column_by_column():
    from sknonneg._frames import from_pandas_like, is_polars, polars_to_pandas

    frame = pl.DataFrame({"i": [1, 2, None], "f": [1.5, float("nan"), 3.0],
                          "b": [True, False, True], "s": ["x", None, "z"]})
    converted = polars_to_pandas(frame)
    assert list(converted.columns) == ["i", "f", "b", "s"]
    assert converted["i"].dtype == np.float64 and np.isnan(converted["i"][2])
    assert converted["b"].dtype == np.bool_
    assert converted["s"].isna().tolist() == [False, True, False]
    assert is_polars(frame) and not is_polars(converted)
    assert is_polars(frame["i"], "Series") and not is_polars(frame["i"])
    back = from_pandas_like(converted[["f", "b"]], frame)
    assert back.columns == ["f", "b"] and back.dtypes == [pl.Float64, pl.Boolean]
    assert from_pandas_like(converted, PD) is converted


def test_polars_zones_and_categories_are_kept_in_pandas():
    # Before: to_numpy's instants in UTC without their zone (12:00 in Paris read
    # as 11:00, naive) and a Categorical or Enum column as plain text, so the
    # model that check_monotonic and additive_evasion_attack call saw other
    # values and dtypes than polars' own to_pandas gives.
    import datetime

    import pandas as pd

    from sknonneg._frames import polars_to_pandas

    noon = datetime.datetime(2020, 1, 1, 12)
    frame = pl.DataFrame({
        "t": pl.Series([noon, None, noon]).dt.replace_time_zone("Europe/Paris"),
        "n": [noon, noon, None],
        "c": pl.Series(["b", None, "a"], dtype=pl.Categorical),
        "e": pl.Series(["b", "a", "a"], dtype=pl.Enum(["b", "a", "z"]))})
    converted = polars_to_pandas(frame)
    assert str(converted["t"].dt.tz) == "Europe/Paris"
    assert converted["t"][0] == pd.Timestamp("2020-01-01 12:00", tz="Europe/Paris")
    assert converted["t"][0].hour == 12 and converted["t"].isna().tolist() == [
        False, True, False]
    assert converted["n"].dt.tz is None and converted["n"][0] == pd.Timestamp(noon)
    assert isinstance(converted["c"].dtype, pd.CategoricalDtype)
    assert converted["c"].cat.categories.tolist() == ["b", "a"]
    assert not converted["c"].cat.ordered
    assert converted["c"].isna().tolist() == [False, True, False]
    assert converted["e"].cat.categories.tolist() == ["b", "a", "z"]
    assert converted["e"].cat.ordered
    assert converted["e"].tolist() == ["b", "a", "a"]


def test_feature_names_from_polars_in_inspection_and_certificates():
    from sknonneg.inspection import top_features

    fitted = NonNegMLPClassifier(hidden_layer_sizes=(3,), **FAST).fit(PL, Y_CLASS)
    by_fit = top_features(fitted, k=2)
    assert set(by_fit["feature"]) <= set(COLUMNS)
    assert by_fit.equals(top_features(
        NonNegMLPClassifier(hidden_layer_sizes=(3,), **FAST).fit(PD, Y_CLASS), k=2))
    assert top_features(fitted, feature_names=pl.Series(["w", "x", "y", "z"]),
                        k=2).equals(top_features(fitted, feature_names=list("wxyz"),
                                                 k=2))
    # A certified Pipeline that selects polars columns by name: the input names.
    def pipeline(frame):
        return make_pipeline(
            make_column_transformer((StandardScaler(), ["b", "a"]),
                                    ("passthrough", ["c", "d"])),
            NonNegMLPClassifier(positive=True, output="logistic", **FAST)).fit(
                frame, Y_CLASS)

    on_polars, on_pandas = monotone_certificate(pipeline(PL)), \
        monotone_certificate(pipeline(PD))
    np.testing.assert_array_equal(on_polars.feature_names_, on_pandas.feature_names_)
    np.testing.assert_array_equal(on_polars.feature_signs_, on_pandas.feature_signs_)
