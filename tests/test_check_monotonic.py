"""sknonneg.inspection.check_monotonic: an empirical audit that finds violations of
unconstrained models and none of constrained ones."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, StandardScaler

from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg.inspection import MonotonicityReport, check_monotonic


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(120, 3))
    y = np.sin(6 * X[:, 0]) + X[:, 1] - X[:, 2]
    return X, y


def test_unconstrained_network_violates_and_linear_model_does_not(data):
    X, y = data
    mlp = MLPRegressor(hidden_layer_sizes=(20,), max_iter=500, random_state=0).fit(X, y)
    report = check_monotonic(mlp, X, monotonic_cst=[1, 1, -1])
    assert isinstance(report, MonotonicityReport)
    assert report.max_drop[0] > 0.1 and not report.is_monotonic
    assert report.n_violating_rows[0] > 0
    linear = LinearRegression().fit(X, X @ [1.0, 2.0, -3.0])
    report = check_monotonic(linear, X, monotonic_cst=[1, 1, -1])
    assert report.is_monotonic
    np.testing.assert_array_equal(report.max_drop, 0.0)
    np.testing.assert_array_equal(report.directions, [1, 1, -1])


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("sparse", [False, True])
def test_nonneg_network_with_logistic_output_has_no_drop(data, sparse):
    X, y = data
    target = (y > np.median(y)).astype(int)
    clf = NonNegMLPClassifier((6,), positive=True, output="logistic", max_iter=40,
                              random_state=0).fit(X, target)
    Xs = sp.csr_matrix(X) if sparse else X
    report = check_monotonic(clf, Xs, monotonic_cst=[1, 1, 1], n_steps=7)
    np.testing.assert_array_equal(report.max_drop, 0.0)
    assert [g.shape[0] for g in report.grids] == [7, 7, 7]


def test_directions_from_sklearn_monotonic_cst_and_dict_with_dataframe(data):
    X, y = data
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    hgb = HistGradientBoostingRegressor(monotonic_cst={"a": 1, "c": -1},
                                        max_iter=30).fit(frame, y)
    report = check_monotonic(hgb, frame)  # the estimator's own constraints
    assert report.feature_names == ["a", "c"]
    np.testing.assert_array_equal(report.max_drop, 0.0)
    report = check_monotonic(hgb, frame, monotonic_cst={"b": -1})
    assert report.feature_names == ["b"] and report.max_drop[0] > 0
    frame_out = report.to_frame()
    assert list(frame_out.columns) == ["feature", "direction", "max_drop",
                                       "n_violating_rows"]
    with pytest.raises(ValueError, match="not in X"):
        check_monotonic(hgb, frame, monotonic_cst={"zzz": 1})
    with pytest.raises(ValueError, match="DataFrame"):
        check_monotonic(LinearRegression().fit(X, y), X, monotonic_cst={"a": 1})


def test_constraints_resolved_through_a_column_transformer():
    rng = np.random.RandomState(1)
    frame = pd.DataFrame({"income": rng.uniform(0, 100, 200),
                          "city": rng.choice(["x", "y", "z"], 200),
                          "debt": rng.uniform(0, 50, 200)})
    y = (frame["income"] - frame["debt"] + rng.normal(0, 5, 200) > 25).astype(int)
    pre = ColumnTransformer([("num", StandardScaler(), ["income", "debt"]),
                             ("cat", OneHotEncoder(), ["city"])])
    # the final step's constraints are on (income, debt, city=x, city=y, city=z)
    model = make_pipeline(pre, HistGradientBoostingClassifier(
        monotonic_cst=[1, -1, 0, 0, 0], max_iter=20)).fit(frame, y)
    report = check_monotonic(model, frame)
    assert report.feature_names == ["income", "debt"]
    np.testing.assert_array_equal(report.directions, [1, -1])
    np.testing.assert_array_equal(report.max_drop, 0.0)
    # a constrained one-hot column cannot be mapped back to one input column
    bad = make_pipeline(pre, HistGradientBoostingClassifier(
        monotonic_cst=[0, 0, 1, 0, 0], max_iter=5)).fit(frame, y)
    with pytest.raises(ValueError, match="explicitly"):
        check_monotonic(bad, frame)
    # a per-feature scaler in a plain Pipeline keeps columns apart
    X = frame[["income", "debt"]].to_numpy()
    plain = make_pipeline(MinMaxScaler(), HistGradientBoostingClassifier(
        monotonic_cst=[1, -1], max_iter=10)).fit(X, y)
    assert check_monotonic(plain, X).is_monotonic


def test_a_column_read_through_a_one_hot_copy_is_not_resolved():
    """A raw column that the final step reads through a constrained scaled copy and
    through a free one-hot copy (KBinsDiscretizer) is not constrained: refused,
    as a column with some ramps left free is. Before, the one-hot copy was not
    traced back at all, and the column was audited as constrained."""
    from sklearn.preprocessing import KBinsDiscretizer

    rng = np.random.RandomState(2)
    frame = pd.DataFrame({"income": rng.uniform(0, 100, 200),
                          "debt": rng.uniform(0, 50, 200)})
    y = (frame["income"] - frame["debt"] > 25).astype(int)
    pre = ColumnTransformer([
        ("num", StandardScaler(), ["income", "debt"]),
        ("bins", KBinsDiscretizer(n_bins=3, encode="onehot-dense",
                                  strategy="uniform"), ["income"])])
    model = make_pipeline(pre, HistGradientBoostingClassifier(
        monotonic_cst=[1, -1, 0, 0, 0], max_iter=5)).fit(frame, y)
    with pytest.raises(ValueError, match="both constrained and unconstrained"):
        check_monotonic(model, frame)
    # Given explicitly, the audit runs.
    assert check_monotonic(model, frame, {"debt": -1}).feature_names == ["debt"]


def test_constraints_resolved_through_a_feature_selector(data):
    """Feature selectors keep columns apart (before, check_monotonic could not map
    a constraint back through one)."""
    from sklearn.feature_selection import VarianceThreshold

    X, y = data
    X = np.column_stack([X, np.ones(len(X))])  # a constant column, dropped
    model = make_pipeline(VarianceThreshold(), StandardScaler(),
                          HistGradientBoostingRegressor(
                              monotonic_cst=[0, 1, -1], max_iter=10)).fit(X, y)
    report = check_monotonic(model, X)
    np.testing.assert_array_equal(report.features, [1, 2])
    np.testing.assert_array_equal(report.directions, [1, -1])
    assert report.is_monotonic


def test_bad_arguments_are_clear_errors(data):
    X, y = data
    model = LinearRegression().fit(X, y)
    with pytest.raises(ValueError, match="shape"):
        check_monotonic(model, X, monotonic_cst=[1, 0])
    with pytest.raises(ValueError, match="-1, 0 or 1"):
        check_monotonic(model, X, monotonic_cst=[2, 0, 0])
    with pytest.raises(ValueError, match="n_steps"):
        check_monotonic(model, X, monotonic_cst=[1, 0, 0], n_steps=1)
    with pytest.raises(ValueError, match="no monotonic_cst_"):
        check_monotonic(model, X)
    labels = np.arange(X.shape[0]) % 3
    with pytest.raises(ValueError, match="binary"):
        check_monotonic(LogisticRegression().fit(X, labels), X, monotonic_cst=[1, 0, 0])


def test_missing_values_do_not_hide_violations(data):
    """The grid spans the finite values of a feature: NaN rows (which HGB accepts)
    leave the audit intact, and a feature with no finite value is an error, not a
    report of no violation."""
    X, y = data
    X = X.copy()
    X[::4, 0] = np.nan
    hgb = HistGradientBoostingRegressor(max_iter=30, random_state=0).fit(X, y)
    report = check_monotonic(hgb, X, monotonic_cst=[1, 1, -1])
    assert all(np.all(np.isfinite(g)) and len(g) > 2 for g in report.grids)
    assert report.max_drop[0] > 0.1  # sin(6 x0) falls, rows with NaN included
    X[:, 0] = np.nan
    with pytest.raises(ValueError, match="feature 'x0' has no finite value"):
        check_monotonic(hgb, X, monotonic_cst=[1, 0, 0])


@pytest.mark.parametrize("dtype", ["int64", "Int64"])
def test_integer_features_are_moved_along_integers(data, dtype):
    """An integer column (NumPy's or pandas' nullable one, NA included) is moved
    along integer values, and keeps working through the estimator."""
    X, y = data
    frame = pd.DataFrame(np.round(X * 1000), columns=["a", "b", "c"]).astype(dtype)
    if dtype == "Int64":
        frame.iloc[::5, 0] = pd.NA
    hgb = HistGradientBoostingRegressor(max_iter=20, random_state=0).fit(frame, y)
    report = check_monotonic(hgb, frame, monotonic_cst={"a": 1, "c": -1}, n_steps=7)
    for grid in report.grids:
        np.testing.assert_array_equal(grid, np.round(grid))
    assert report.max_drop[0] > 0.1


@pytest.mark.parametrize("kind", ["ndarray", "bool", "boolean"])
def test_bool_features_are_moved_between_false_and_true(kind):
    # Before: a bool column was moved along 0, 0.22, 0.44 ... (a grid of
    # quantiles, not rounded as an integer column's is), values it cannot take.
    from sklearn.linear_model import LinearRegression

    rng = np.random.RandomState(0)
    flags = rng.uniform(size=(40, 2)) > 0.7
    y = flags @ [1.0, -2.0]
    X = (flags if kind == "ndarray"
         else pd.DataFrame(flags, columns=["a", "b"]).astype(kind))
    model = LinearRegression().fit(X.astype(float), y)
    report = check_monotonic(model, X, monotonic_cst=[1, 1], n_steps=10)
    for grid in report.grids:
        np.testing.assert_array_equal(grid, [0.0, 1.0])
    np.testing.assert_allclose(report.max_drop, [0.0, 2.0], atol=1e-12)


@pytest.mark.parametrize("dtype", [">f8", ">f4", "float16"])
def test_sparse_x_of_big_endian_or_float16_data_is_audited(dtype):
    # Before: scipy stores such data but cannot slice it: "scipy.sparse does not
    # support dtype >f8" (a raw error), or for float16 "feature 'x0' is
    # constrained but not numeric", although the estimators take these matrices.
    from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor

    rng = np.random.RandomState(0)
    X = rng.rand(60, 3)
    X[X < 0.4] = 0
    target = X[:, 0] - X[:, 1]
    odd = sp.csr_matrix(X)
    odd.data = odd.data.astype(dtype)  # scipy keeps it, but cannot slice it
    for model in (NonNegMLPRegressor(3, max_iter=20, random_state=0).fit(X, target),
                  NonNegMLPClassifier(3, max_iter=20, random_state=0).fit(
                      X, target > 0)):
        native = check_monotonic(model, sp.csr_matrix(X), monotonic_cst=[1, -1, 0])
        got = check_monotonic(model, odd, monotonic_cst=[1, -1, 0])
        if dtype == ">f8":
            np.testing.assert_array_equal(got.max_drop, native.max_drop)
        assert np.all(np.isfinite(got.max_drop))


def test_multi_output_models_are_audited_on_every_output():
    """Every label's probability of a multilabel classifier and every output of a
    multi-output regressor. Before, a two-label classifier passed the binary check
    (two classes_) and only the second label was audited; a multi-output
    regressor was refused."""
    from sklearn.multioutput import MultiOutputClassifier

    from sknonneg import NonNegMLPRegressor

    rng = np.random.RandomState(0)
    X = rng.uniform(size=(200, 2))
    # Label 0 falls with x0; label 1 depends on x1 only.
    Y = np.column_stack([X[:, 0] < 0.5, X[:, 1] > 0.5]).astype(int)
    for model in (NonNegMLPClassifier(4, positive=False, output="logistic",
                                      max_iter=100, random_state=0),
                  MultiOutputClassifier(LogisticRegression())):
        report = check_monotonic(model.fit(X, Y), X, [1, 0])
        assert report.max_drop[0] > 0.3
    constrained = NonNegMLPClassifier(4, monotonic_cst=[-1, 1], max_iter=50,
                                      random_state=0).fit(X, Y)
    assert check_monotonic(constrained, X).is_monotonic
    targets = np.column_stack([X[:, 0] - X[:, 1], 2 * X[:, 0]])
    reg = NonNegMLPRegressor(4, monotonic_cst=[1, -1], max_iter=30,
                             random_state=0).fit(X, targets)
    assert check_monotonic(reg, X).is_monotonic
    free = LinearRegression().fit(X, np.column_stack([X[:, 0], -X[:, 0]]))
    assert check_monotonic(free, X, [1, 0]).max_drop[0] > 0.5


def test_a_constrained_text_column_is_a_clear_error():
    # Before: numpy's "could not convert string to float: 'a'".
    rng = np.random.RandomState(0)
    df = pd.DataFrame({"x": rng.rand(60), "city": rng.choice(["a", "b"], 60)})
    y = (df.x > 0.5).astype(int)
    model = make_pipeline(ColumnTransformer(
        [("num", StandardScaler(), ["x"]),
         ("cat", OneHotEncoder(sparse_output=False), ["city"])]),
        LogisticRegression()).fit(df, y)
    with pytest.raises(ValueError, match="'city' is constrained but not numeric"):
        check_monotonic(model, df, monotonic_cst={"city": 1})
    assert check_monotonic(model, df, monotonic_cst={"x": 1}).max_drop[0] == 0


@pytest.mark.parametrize("as_frame", [True, False])
@pytest.mark.parametrize("dates", [pd.date_range("2020", periods=60),
                                   pd.to_timedelta(np.arange(60), unit="s")],
                         ids=["datetime", "timedelta"])
def test_a_constrained_date_column_is_a_clear_error(as_frame, dates):
    # Before: read as nanoseconds, then NumPy's DTypePromotionError ("The DType
    # <class 'numpy.dtypes.DateTime64DType'> could not be promoted ...") when the
    # grid was written back into the column.
    model = LinearRegression().fit(np.arange(60.)[:, None], np.arange(60.))
    X = pd.DataFrame({"when": dates}) if as_frame else np.asarray(dates)[:, None]
    with pytest.raises(ValueError, match="constrained but not numeric.*dates or "
                                         "durations"):
        check_monotonic(model, X, monotonic_cst=[1])


@pytest.mark.parametrize("fmt", ["coo", "csc", "dok"])
def test_every_sparse_format_is_audited(data, fmt):
    # Before: a COO (or DOK) matrix, which the docstring accepts, failed with
    # "'coo_matrix' object is not subscriptable".
    X, y = data
    model = LogisticRegression().fit(X, (X[:, 0] > 0.5).astype(int))
    dense = check_monotonic(model, X, monotonic_cst=[1, -1, 0])
    report = check_monotonic(model, sp.csr_matrix(X).asformat(fmt),
                             monotonic_cst=[1, -1, 0])
    np.testing.assert_array_equal(report.max_drop, dense.max_drop)


def test_non_finite_outputs_are_an_error_not_a_clean_report(data):
    # Before: NaN outputs hid the drops (max(0, nan) is 0 and the running maximum
    # carried the NaN along the grid): a model that falls everywhere was reported
    # monotone with 0 drop, beside 119 violating rows.
    from sklearn.base import BaseEstimator, RegressorMixin

    class FallingWithAHole(RegressorMixin, BaseEstimator):
        def fit(self, X, y):
            self.n_features_in_ = X.shape[1]
            return self

        def predict(self, X):
            out = -np.asarray(X, dtype=float)[:, 0]
            out[0] = np.nan
            return out

    X, _ = data
    model = FallingWithAHole().fit(X, None)
    with pytest.raises(ValueError, match="non-finite outputs.*'x0'"):
        check_monotonic(model, X, monotonic_cst=[1, 0, 0])


def test_a_nested_pipeline_of_scalers_is_resolved(data):
    # Before: a Pipeline step that is itself a Pipeline of scalers was refused
    # ("the preprocessing does not keep it apart"), though the docstring lists it.
    from sklearn.pipeline import Pipeline

    from sknonneg import NonNegMLPRegressor
    from sknonneg.robustness import monotone_certificate

    X, _ = data
    # early_stopping=False: the full 20 iterations, without the held-out check
    # (which cuts such a fit without a ConvergenceWarning).
    reg = NonNegMLPRegressor((4,), monotonic_cst=[1, -1, 0], max_iter=20,
                             early_stopping=False, random_state=0)
    for model in (
            Pipeline([("pre", make_pipeline(StandardScaler(), MinMaxScaler())),
                      ("reg", reg)]),
            Pipeline([("scale", StandardScaler()),
                      ("rest", make_pipeline(MinMaxScaler(), reg))])):
        with pytest.warns(Warning):  # ConvergenceWarning at max_iter=20
            model.fit(X, X[:, 0] - X[:, 1])
        report = check_monotonic(model, X)
        np.testing.assert_array_equal(report.directions, [1, -1])
        np.testing.assert_array_equal(report.max_drop, 0.0)
        np.testing.assert_array_equal(monotone_certificate(model).feature_signs_,
                                      [1, -1, 0])


def test_classifiers_without_predict_proba_are_audited_on_their_decision(data):
    # Before: AttributeError: 'LinearSVC' object has no attribute 'predict_proba'.
    from sklearn.linear_model import RidgeClassifier
    from sklearn.svm import LinearSVC

    X, _ = data
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    for model in (LinearSVC(), RidgeClassifier()):
        report = check_monotonic(model.fit(X, y), X, monotonic_cst=[1, 1, 0])
        assert report.max_drop[0] == 0 and report.max_drop[1] > 0


def test_messages_show_plain_values_not_numpy_reprs(data):
    X, _ = data
    model = LinearRegression().fit(X, X[:, 0])
    with pytest.raises(ValueError, match=r"got 2 for feature 0\.") as info:
        check_monotonic(model, X, monotonic_cst=np.array([2, 0, 0]))
    assert "np." not in str(info.value)


def test_passthrough_first_steps_and_multilabel_decisions(data):
    # Before: a Pipeline starting with "passthrough" has no n_features_in_
    # (AttributeError), and a multilabel classifier without predict_proba
    # (RidgeClassifier on an indicator matrix) had no output to audit.
    from sklearn.linear_model import RidgeClassifier
    from sklearn.pipeline import Pipeline

    from sknonneg import NonNegMLPRegressor

    X, _ = data
    model = Pipeline([("first", "passthrough"), ("scale", StandardScaler()),
                      ("reg", NonNegMLPRegressor(3, monotonic_cst=[1, 0, -1],
                                                 max_iter=5, early_stopping=False,
                                                 random_state=0))])
    with pytest.warns(Warning):  # ConvergenceWarning: no held-out check cuts it
        model.fit(X, X[:, 0])
    np.testing.assert_array_equal(check_monotonic(model, X).max_drop, 0.0)
    Y = np.c_[X[:, 0] > 0.5, X[:, 1] > 0.5].astype(int)
    report = check_monotonic(RidgeClassifier().fit(X, Y), X, monotonic_cst=[1, -1, 0])
    assert report.max_drop[0] == 0 and report.max_drop[1] > 0



def test_directions_map_through_ufuncs_the_certificate_refuses():
    # np.exp is non-decreasing as a function; its float32 values can fall by an
    # ulp, so the certificate refuses it, and check_monotonic, which shares the
    # certificate's step analysis, then could not map monotonic_cst_ through it
    # ("the preprocessing does not keep it apart"). It measures the computed
    # outputs itself: the function's direction is all it needs.
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from sknonneg import NonNegMLPRegressor

    rng = np.random.RandomState(0)
    X = rng.uniform(size=(200, 2))
    y = X[:, 0] - X[:, 1]
    for pre in [FunctionTransformer(np.exp),
                ColumnTransformer([("e", FunctionTransformer(np.exp), [0]),
                                   ("p", "passthrough", [1])])]:
        pipe = make_pipeline(pre, NonNegMLPRegressor(4, monotonic_cst=[1, 0],
                                                     max_iter=20, random_state=0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe.fit(X, y)
        report = check_monotonic(pipe, X)
        np.testing.assert_array_equal(report.features, [0])
        np.testing.assert_array_equal(report.directions, [1])
        assert report.max_drop[0] == 0.0
    # kw_args may change what the ufunc computes: not mapped through, as for the
    # certificate (the first version of the flag let them through).
    from sknonneg._pipeline import check_monotone_step

    with pytest.raises(ValueError, match="kw_args"):
        check_monotone_step("e", FunctionTransformer(np.exp, kw_args={"out": None}),
                            0, False, computed=False)



def test_a_search_without_constraints_points_at_its_best_estimator():
    # Before: "GridSearchCV has no monotonic_cst_", with no word of the fitted
    # best_estimator_ that has them (monotone_certificate names it).
    from sklearn.model_selection import GridSearchCV

    from sknonneg import NonNegMLPRegressor

    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 2))
    y = X[:, 0] - X[:, 1]
    search = GridSearchCV(NonNegMLPRegressor(3, monotonic_cst=[1, -1], max_iter=5,
                                             random_state=0), {"l2": [1e-5, 1e-3]},
                          cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    with pytest.raises(ValueError, match="check GridSearchCV.best_estimator_"):
        check_monotonic(search, X)
    report = check_monotonic(search.best_estimator_, X)
    np.testing.assert_array_equal(report.directions, [1, -1])


def test_bool_directions_and_a_decreasing_step_are_refused_with_their_reason(data):
    # Before: [True, 0, -1] passed as [1, 0, -1] (np.asarray turns True into 1,
    # though bool is refused), and a FunctionTransformer(np.negative) step was said
    # "not to keep the column apart" where the map is not non-decreasing.
    from sklearn.preprocessing import FunctionTransformer

    X, y = data
    linear = LinearRegression().fit(X, y)
    for cst in ([True, 0, -1], (0, False, 1)):
        with pytest.raises(ValueError, match="monotonic_cst values must be -1, 0 or 1"):
            check_monotonic(linear, X, monotonic_cst=cst)
    from sknonneg import NonNegMLPRegressor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = make_pipeline(
            FunctionTransformer(np.negative), MinMaxScaler(),
            NonNegMLPRegressor(3, monotonic_cst=[1, 0, 0], max_iter=5)).fit(X, y)
    with pytest.raises(ValueError, match="not made of per-feature non-decreasing maps"
                       ".*'negative'.* is not a known non-decreasing ufunc") as info:
        check_monotonic(pipe, X)
    # In the audit's words (before: "does not keep a monotone certificate", the
    # certificate's, which monotone_certificate keeps).
    assert ("Pipeline step 'functiontransformer' (FunctionTransformer) does not "
            "keep a direction to audit: func=") in str(info.value), str(info.value)
    assert "certif" not in str(info.value)


@pytest.mark.parametrize("rows", ["one row", "constant column"])
def test_a_feature_with_a_single_value_in_X_is_an_error(rows):
    # Before: its grid had one point, the feature was skipped, and the report gave
    # max_drop 0 (is_monotonic True) for a model that decreases in it.
    X = np.random.RandomState(0).uniform(size=(30, 3))
    model = LinearRegression().fit(X, -X[:, 0] - X[:, 1])
    if rows == "one row":
        X_audit, name = X[:1], "x0"
    else:
        X_audit, name = X.copy(), "x1"
        X_audit[:, 1] = 0.5
    with pytest.raises(ValueError, match=f"feature '{name}' takes a single value in X"):
        check_monotonic(model, X_audit, monotonic_cst=[1, 1, 0])


def test_reports_compare_by_identity():
    # Before: the dataclass's generated == compared tuples of arrays, and r1 == r2
    # (or r in [r2]) raised NumPy's "truth value of an array is ambiguous".
    X = np.random.RandomState(0).uniform(size=(30, 2))
    model = LinearRegression().fit(X, X[:, 0])
    r1 = check_monotonic(model, X, monotonic_cst=[1, 0])
    r2 = check_monotonic(model, X, monotonic_cst=[1, 0])
    assert r1 == r1 and r1 != r2 and r1 not in [r2]


def test_missing_directions_of_a_sign_constrained_network_point_to_the_certificate():
    # Before: "has no monotonic_cst_: pass monotonic_cst", for a positive=True
    # logistic network that is monotone in every feature (its monotonic_cst_ is None
    # by design); the message now names where its directions are.
    from sknonneg import NonNegMLPClassifier
    from sknonneg.robustness import monotone_certificate

    rng = np.random.RandomState(0)
    X = rng.rand(50, 3)
    y = (X[:, 0] > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = NonNegMLPClassifier(3, positive=True, output="logistic", max_iter=5,
                                  random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"monotone_certificate\(estimator\)"
                                         r"\.feature_signs_"):
        check_monotonic(est, X)
    signs = monotone_certificate(est).feature_signs_
    report = check_monotonic(est, X, monotonic_cst=signs)
    assert report.is_monotonic


def test_certificate_hint_only_where_the_weights_certify():
    # The hint named the certificate for every sknonneg estimator, including a
    # multiclass softmax network and positive=False, which it refuses.
    from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor

    rng = np.random.RandomState(0)
    X = rng.rand(60, 3)
    y3 = np.arange(60) % 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for est, y in ((NonNegMLPClassifier(3, max_iter=3, random_state=0), y3),
                       (NonNegMLPClassifier(3, positive=False, max_iter=3,
                                            random_state=0), y3 % 2),
                       (NonNegMLPRegressor(3, max_iter=3, random_state=0), X[:, 0])):
            est.fit(X, y)
            with pytest.raises(ValueError, match="has no monotonic_cst_") as info:
                check_monotonic(est, X)
            assert "monotone_certificate" not in str(info.value)


def test_grid_is_capped_by_the_distinct_values():
    # Before: the grid was always n_steps interpolated quantiles: 100 points for a
    # column of 60 values, and n_steps=10**9 built 10**9 points (evaluated on every
    # row) until the system killed the process. As scikit-learn's partial_dependence
    # does, a feature with at most n_steps distinct values moves along them.
    X = np.random.RandomState(0).rand(60, 4)
    X[:, 1] = np.arange(60) % 5
    model = LinearRegression().fit(X, X[:, 0])
    report = check_monotonic(model, X, [1, 1, 0, 0], n_steps=100)
    np.testing.assert_array_equal(report.grids[0], np.unique(X[:, 0]))
    np.testing.assert_array_equal(report.grids[1], [0, 1, 2, 3, 4])
    report = check_monotonic(model, X, [1, 1, 0, 0], n_steps=10**9)
    assert [g.shape[0] for g in report.grids] == [60, 5]
    # More distinct values than n_steps: n_steps quantiles, from minimum to maximum.
    report = check_monotonic(model, X, [1, 1, 0, 0], n_steps=4)
    np.testing.assert_allclose(report.grids[0],
                               np.quantile(X[:, 0], [0, 1 / 3, 2 / 3, 1]))
    assert report.grids[0][[0, -1]].tolist() == [X[:, 0].min(), X[:, 0].max()]
    np.testing.assert_array_equal(report.grids[1], [0, 1, 3, 4])
    # A grid exactly as long as the distinct values is those values.
    report = check_monotonic(model, X, [0, 1, 0, 0], n_steps=5)
    np.testing.assert_array_equal(report.grids[0], [0, 1, 2, 3, 4])


def test_batch_larger_than_memory_is_a_memory_error(monkeypatch):
    # Before: nothing checked the size of the rows evaluated at once (the rows of X
    # once per grid point, densified). The machine's memory is pinned so that the
    # test means the same everywhere.
    from sknonneg import _validation

    X = np.random.RandomState(0).rand(200, 4)
    model = LinearRegression().fit(X, X[:, 0])
    monkeypatch.setattr(_validation, "_physical_memory", lambda: 2**20)
    with pytest.raises(MemoryError, match=r"check_monotonic\(n_steps=1000\) moves "
                                          r"feature 'x0' along a grid of 200 points, "
                                          r"evaluating the model on 40,000 rows of 4 "
                                          r"features .*Use a smaller n_steps"):
        check_monotonic(model, X, [1, 0, 0, 0], n_steps=1000)
    assert check_monotonic(model, X, [1, 0, 0, 0], n_steps=10).is_monotonic


def test_wide_sparse_x_is_densified_in_bounded_batches(monkeypatch):
    # Before: a batch was 65536 rows (grid points x rows) whatever the width, so a
    # sparse X of 30,000 features was densified 15 GiB at a time. The batch is
    # bounded in values too (pinned small here so that the test stays small).
    from sknonneg.inspection import _monotonic

    class Recording(LinearRegression):
        def predict(self, X):
            shapes.append(X.shape)
            return super().predict(X)

    rng = np.random.RandomState(0)
    X = sp.hstack([rng.uniform(size=(40, 1)),
                   sp.random(40, 4999, density=0.01, random_state=rng)], format="csr")
    model = Recording().fit(X, X[:, 0].toarray().ravel())
    monkeypatch.setattr(_monotonic, "_BATCH_VALUES", 100_000)
    shapes = []
    report = check_monotonic(model, X, np.r_[1, np.zeros(4999, dtype=int)], n_steps=10)
    assert report.is_monotonic
    evaluated = [shape for shape in shapes if shape[0] > 1]
    assert max(n * d for n, d in evaluated) <= 100_000
    assert sum(n for n, _ in evaluated) == 40 * 10


def test_dataframe_of_sparse_columns_is_audited_as_the_dense_one():
    # The moved column stays sparse: before, it became dense, and scikit-learn
    # densified the mixed frame with a warning on every batch.
    rng = np.random.RandomState(0)
    X = rng.poisson(1.0, size=(60, 3))
    dense = pd.DataFrame(X, columns=["a", "b", "c"])
    sparse = pd.DataFrame.sparse.from_spmatrix(sp.csr_matrix(X), columns=["a", "b", "c"])
    model = LogisticRegression().fit(dense, (X[:, 0] > X[:, 1]).astype(int))
    want = check_monotonic(model, dense, monotonic_cst={"a": 1, "b": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = check_monotonic(model, sparse, monotonic_cst={"a": 1, "b": 1})
    assert got.feature_names == ["a", "b"]
    np.testing.assert_array_equal(got.max_drop, want.max_drop)
    np.testing.assert_array_equal(got.n_violating_rows, want.n_violating_rows)
    assert got.max_drop[1] > 0


def test_sparse_boolean_column_is_audited():
    # Before: "fill_value must be a valid value for the SparseDtype.subtype" (the
    # grid's floats made SparseDtype(float64, False)); a dense bool column works.
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"flag": rng.rand(60) > 0.5, "x": rng.rand(60)})
    model = LogisticRegression().fit(X, (X.flag & (X.x > 0.3)).astype(int))
    want = check_monotonic(model, X, monotonic_cst={"flag": 1, "x": -1})
    got = check_monotonic(model, X.astype({"flag": pd.SparseDtype(bool, False)}),
                          monotonic_cst={"flag": 1, "x": -1})
    np.testing.assert_array_equal(got.max_drop, want.max_drop)
    np.testing.assert_array_equal(got.n_violating_rows, want.n_violating_rows)
    assert got.max_drop[1] > 0


def test_refusals_through_a_pipeline_name_the_columns_by_name():
    # Before: "the constraint on feature 2 of the final step" and "input column 0
    # reaches the final step ...", although the columns had names.
    from sklearn.preprocessing import KBinsDiscretizer

    rng = np.random.RandomState(1)
    frame = pd.DataFrame({"income": rng.uniform(0, 100, 200),
                          "city": rng.choice(["x", "y", "z"], 200),
                          "debt": rng.uniform(0, 50, 200)})
    y = (frame["income"] - frame["debt"] > 25).astype(int)
    pre = ColumnTransformer([("num", StandardScaler(), ["income", "debt"]),
                             ("cat", OneHotEncoder(), ["city"])])
    one_hot = make_pipeline(pre, HistGradientBoostingClassifier(
        monotonic_cst=[0, 0, 1, 0, 0], max_iter=5)).fit(frame, y)
    with pytest.raises(ValueError, match=r"the constraint on feature 'cat__city_x' of "
                                         r"the final step \(its feature 2, made from "
                                         r"input column 'city'\) back to one input"):
        check_monotonic(one_hot, frame)
    # Without names, by index (and still where it comes from).
    codes = frame.assign(city=frame["city"].map({"x": 0, "y": 1, "z": 2})).to_numpy()
    pre_codes = ColumnTransformer([("num", StandardScaler(), [0, 2]),
                                   ("cat", OneHotEncoder(), [1])])
    unnamed = make_pipeline(pre_codes, HistGradientBoostingClassifier(
        monotonic_cst=[0, 0, 1, 0, 0], max_iter=5)).fit(codes, y)
    with pytest.raises(ValueError, match=r"feature 'cat__x1_0.0' of the final step "
                                         r"\(its feature 2, made from input column 1\)"):
        check_monotonic(unnamed, codes)
    mixed = make_pipeline(ColumnTransformer([
        ("num", StandardScaler(), ["income", "debt"]),
        ("bins", KBinsDiscretizer(n_bins=3, encode="onehot-dense",
                                  strategy="uniform"), ["income"])]),
        HistGradientBoostingClassifier(monotonic_cst=[1, -1, 0, 0, 0], max_iter=5))
    mixed.fit(frame[["income", "debt"]], y)
    with pytest.raises(ValueError, match=r"input column 'income' \(column 0\) reaches "
                                         "the final step through both"):
        check_monotonic(mixed, frame[["income", "debt"]])


def test_refusal_of_a_category_code_names_its_transformer():
    # A constraint on the column an OrdinalEncoder (or a OneHotEncoder) makes from
    # one input column was refused because "the preprocessing does not keep it
    # apart", after "made from input column 'city'": the column is kept apart, but
    # its map is not a non-decreasing one. The refusal now names the transformer.
    from sklearn.preprocessing import OrdinalEncoder

    rng = np.random.RandomState(1)
    frame = pd.DataFrame({"income": rng.uniform(0, 100, 200),
                          "city": rng.choice(["x", "y", "z"], 200)})
    y = (frame["income"] + 30 * (frame["city"] == "y") > 50).astype(int)
    for encoder, width in ((OrdinalEncoder(), 1), (OneHotEncoder(), 3)):
        pre = ColumnTransformer([("num", StandardScaler(), ["income"]),
                                 ("cat", encoder, ["city"])])
        model = make_pipeline(pre, HistGradientBoostingClassifier(
            monotonic_cst=[0, 1] + [0] * (width - 1), max_iter=5)).fit(frame, y)
        with pytest.raises(ValueError) as info:
            check_monotonic(model, frame)
        message = str(info.value)
        assert "made from input column 'city'" in message, message
        assert "does not keep it apart" not in message, message
        assert (f"the ColumnTransformer's transformer 'cat' "
                f"({type(encoder).__name__}) keeps no") in message, message
        # Before: "Pass monotonic_cst for the input columns
        # explicitly." alone, and following it was refused in turn ("feature
        # 'city' is constrained but not numeric"). The first refusal says so.
        assert ("Nor can a constraint on input column 'city' (column 1) be "
                "audited: it is not numeric (could not convert string to float: "
                ) in message, message
        assert ("Audit the final step on the columns the preprocessing makes, "
                "check_monotonic(pipeline[-1], pipeline[:-1].transform(X)), which "
                "moves the encoded columns. Or pass monotonic_cst explicitly for "
                "the numeric input columns (0 for 'city').") in message, message
        # Both ways out it gives work.
        report = check_monotonic(model[-1], model[:-1].transform(frame))
        assert report.features.tolist() == [1]
        check_monotonic(model, frame, monotonic_cst={"income": 1, "city": 0})
        with pytest.raises(ValueError, match="'city' is constrained but not numeric"):
            check_monotonic(model, frame, monotonic_cst={"income": 1, "city": 1})


def _ordinal_encoded_model(X, y, numeric, coded):
    """A gradient-boosting Pipeline constrained (+1) on the OrdinalEncoder codes
    of the columns ``coded``, after a StandardScaler of ``numeric``."""
    from sklearn.preprocessing import OrdinalEncoder

    pre = ColumnTransformer([("num", StandardScaler(), numeric),
                             ("cat", OrdinalEncoder(), coded)])
    return make_pipeline(pre, HistGradientBoostingClassifier(
        monotonic_cst=[0, 1], max_iter=5)).fit(X, y)


def test_refusal_of_a_category_code_of_an_array_advises_a_list():
    # Before: for an array (no column names) the advice said "(0 for
    # 'x1')", a name monotonic_cst cannot take for an array.
    from sklearn.preprocessing import OrdinalEncoder

    rng = np.random.RandomState(1)
    X = np.empty((200, 2), dtype=object)
    X[:, 0] = rng.uniform(0, 100, 200)
    X[:, 1] = rng.choice(["x", "y", "z"], 200)
    y = (X[:, 0].astype(float) + 30 * (X[:, 1] == "y") > 50).astype(int)
    model = _ordinal_encoded_model(X, y, [0], [1])
    with pytest.raises(ValueError) as info:
        check_monotonic(model, X)
    message = str(info.value)
    assert ("pass monotonic_cst explicitly for the numeric input columns (0 for "
            "index 1 of a list).") in message, message
    check_monotonic(model, X, monotonic_cst=[1, 0])  # the advice works


def test_refusal_of_an_encoded_numeric_column_speaks_of_the_audit():
    # Before: "keeps no certified direction", the certificate's words
    # (the wording is shared with monotone_certificate, which keeps them), in an
    # empirical audit. A numeric column (codes read as numbers) can be given a
    # direction explicitly: the advice is to do so.
    from sklearn.preprocessing import OrdinalEncoder

    rng = np.random.RandomState(1)
    frame = pd.DataFrame({"income": rng.uniform(0, 100, 200),
                          "grade": rng.randint(0, 3, 200)})
    y = (frame["income"] + 30 * frame["grade"] > 70).astype(int)
    model = _ordinal_encoded_model(frame, y, ["income"], ["grade"])
    with pytest.raises(ValueError) as info:
        check_monotonic(model, frame)
    message = str(info.value)
    assert ("the ColumnTransformer's transformer 'cat' (OrdinalEncoder) keeps no "
            "direction to audit: it is not a known per-feature non-decreasing "
            "map") in message, message
    assert "certif" not in message, message
    assert message.endswith("Pass monotonic_cst for the input columns "
                            "explicitly."), message
    check_monotonic(model, frame, monotonic_cst={"income": 0, "grade": 1})


def test_default_grid_finds_a_narrow_dip_that_ten_points_step_over():
    # The default grid was 10 points (the Adult example showed it stepping over
    # falls); it is 100, as scikit-learn's partial_dependence grid.
    from sklearn.base import BaseEstimator, RegressorMixin

    class Dip(RegressorMixin, BaseEstimator):
        def fit(self, X, y):
            self.n_features_in_ = X.shape[1]
            return self

        def predict(self, X):
            x = np.asarray(X)[:, 0]
            return x - 2.0 * np.maximum(0.0, 0.02 - np.abs(x - 0.5))

    X = np.linspace(0.0, 1.0, 1000)[:, None]
    model = Dip().fit(X, X[:, 0])
    assert check_monotonic(model, X, [1], n_steps=10).is_monotonic
    report = check_monotonic(model, X, [1])
    assert report.grids[0].shape[0] == 100
    assert not report.is_monotonic and report.max_drop[0] > 0


def test_nothing_constrained_is_refused_not_reported_monotone():
    # Before: an empty report with is_monotonic True, for a free network's all-0
    # monotonic_cst_ and for an explicit all-0 argument alike.
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(50, 2))
    y = X[:, 0] - X[:, 1]
    free = NonNegMLPRegressor((2,), positive=False, monotonic_cst=[0, 0],
                              max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="constraints read from NonNegMLPRegressor "
                                         "constrain no feature"):
        check_monotonic(free, X)
    # scikit-learn's estimators keep theirs in monotonic_cst; a Pipeline's come
    # from its final step: the message names no attribute.
    hgb = HistGradientBoostingRegressor(max_iter=3, monotonic_cst=[0, 0]).fit(X, y)
    with pytest.raises(ValueError, match="constraints read from "
                                         "HistGradientBoostingRegressor constrain"):
        check_monotonic(hgb, X)
    with pytest.raises(ValueError, match="constraints read from Pipeline constrain"):
        check_monotonic(make_pipeline(StandardScaler(), free).fit(X, y), X)
    with pytest.raises(ValueError, match="^monotonic_cst constrains no feature"):
        check_monotonic(free, X, monotonic_cst=[0, 0])
    # The same model audited in a direction: its drop in feature 1 is found.
    assert not check_monotonic(free, X, monotonic_cst=[0, 1]).is_monotonic


def test_text_pipelines_are_pointed_at_their_word_columns():
    """check_monotonic moves numbers; on a Pipeline that reads text its errors say
    what to audit instead, and that audit runs (before: "X must be a non-empty 2-D
    array" and "not numeric", with no way forward)."""
    from sklearn.base import clone
    from sklearn.feature_extraction.text import CountVectorizer

    texts = pd.DataFrame({"body": ["win cash now", "see you soon", "free cash",
                                   "agenda for today"] * 5,
                          "length": np.arange(20.0)})
    y = np.array([1, 0, 1, 0] * 5)
    net = NonNegMLPClassifier(hidden_layer_sizes=3, output="logistic", max_iter=20,
                              random_state=0)
    bare = make_pipeline(CountVectorizer(), net).fit(texts["body"], y)
    with pytest.raises(ValueError, match=r"got shape \(20,\)\. The Pipeline reads "
                       r"text through CountVectorizer: audit its word columns"):
        check_monotonic(bare, texts["body"])
    ct = ColumnTransformer([("b", CountVectorizer(), "body"),
                            ("n", StandardScaler(), ["length"])])
    columns = make_pipeline(ct, clone(net)).fit(texts, y)
    with pytest.raises(ValueError, match=r"not numeric .*reads text through "
                       r"ColumnTransformer.*check_monotonic\(pipeline\[1:\], "
                       r"pipeline\[:1\]\.transform\(X\)"):
        check_monotonic(columns, texts, monotonic_cst=[1, 1])
    # Its constraints read from the final step: the refusal says at once that the
    # text column cannot be audited, and what to audit (before: "a vectorizer is
    # certified on one text column selected by a single name or index, not a
    # list", of a column selected by its name, and "Pass monotonic_cst for the
    # input columns explicitly", which the refusal above met).
    constrained = make_pipeline(ct, clone(net).set_params(
        monotonic_cst=[1] * 11)).fit(texts, y)
    with pytest.raises(ValueError) as info:
        check_monotonic(constrained, texts)
    message = str(info.value)
    assert ("transformer 'b' (CountVectorizer) keeps no direction to audit: it "
            "reads text") in message, message
    assert "certif" not in message, message
    assert ("Nor can a constraint on input column 'body' (column 0) be audited: "
            "it is not numeric") in message, message
    assert ("The Pipeline reads text through ColumnTransformer: audit its word "
            "columns instead, check_monotonic(pipeline[1:], pipeline[:1]"
            ".transform(X), monotonic_cst=...)") in message, message
    # The numeric column of the same Pipeline is audited as before, with no hint.
    assert check_monotonic(columns, texts, monotonic_cst={"length": 1}).is_monotonic
    # What the hint says to run runs, and finds a positive network monotone.
    for pipe, X in ((bare, texts["body"]), (columns, texts)):
        words = pipe[:1].transform(X)
        report = check_monotonic(pipe[1:], words, monotonic_cst=[1] * words.shape[1])
        assert report.is_monotonic and report.features.size == words.shape[1]


def test_the_text_hint_slices_the_outer_pipeline():
    """The hint's pipeline[k:] slices the Pipeline the user holds. Before (review
    45d): k counted the flattened steps, so a nested Pipeline("passthrough",
    CountVectorizer()) after a "passthrough" step was told pipeline[3:] of a
    Pipeline of 3 steps."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import Pipeline

    texts = np.array(["win cash now", "see you soon", "free cash",
                      "agenda for today"] * 5)
    y = np.array([1, 0, 1, 0] * 5)
    net = NonNegMLPClassifier(hidden_layer_sizes=3, output="logistic", max_iter=20,
                              random_state=0)
    pipe = Pipeline([("skip", "passthrough"),
                     ("pre", Pipeline([("none", "passthrough"),
                                       ("vec", CountVectorizer())])),
                     ("net", net)]).fit(texts, y)
    with pytest.raises(ValueError, match=r"reads text through CountVectorizer: .*"
                       r"check_monotonic\(pipeline\[2:\], pipeline\[:2\]\.transform"):
        check_monotonic(pipe, texts)
    words = pipe[:2].transform(texts)
    assert check_monotonic(pipe[2:], words,
                           monotonic_cst=[1] * words.shape[1]).is_monotonic


def _name_selecting_pipeline(remainder):
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    from sknonneg import NonNegMLPRegressor

    rng = np.random.default_rng(0)
    X = rng.random((60, 4))
    y = X[:, 0] - X[:, 1] + np.sin(6 * X[:, 2])
    df = pd.DataFrame(X, columns=list("abcd"))
    selected = list("abcd") if remainder == "drop" else list("ab")
    pipe = make_pipeline(
        ColumnTransformer([("s", MinMaxScaler(), selected)], remainder=remainder),
        NonNegMLPRegressor(hidden_layer_sizes=(3,), max_iter=20, random_state=0,
                           monotonic_cst=[1, -1, 0, 0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a short fit: ConvergenceWarning
        pipe.fit(df, y)
    return pipe, df


@pytest.mark.parametrize("remainder", ["drop", "passthrough"])
def test_a_pipeline_selecting_by_name_is_audited_in_its_columns_by_name(remainder):
    # Before: the fitted constraints were read by position, so the same rows with
    # their columns in another order were audited in 'd' and 'c' (violations
    # reported for a model monotone in 'a' and 'b'), and a frame with one more
    # column, which the ColumnTransformer does not read, was refused.
    pipe, df = _name_selecting_pipeline(remainder)
    reference = check_monotonic(pipe, df)
    assert reference.feature_names == ["a", "b"]
    assert np.all(reference.max_drop == 0)
    for frame in (df[list("dcba")], df.assign(e=0.5), df[list("bdca")].assign(e=1.0)):
        report = check_monotonic(pipe, frame)
        by_name = dict(zip(report.feature_names, report.directions))
        assert by_name == {"a": 1, "b": -1}
        assert [frame.columns[j] for j in report.features] == report.feature_names
        assert np.all(report.max_drop == 0)
        assert report.is_monotonic


def test_a_model_that_refuses_reordered_columns_is_not_audited_on_them():
    # A model fitted on a frame that reads by position refuses other orders: the
    # audit gives its refusal, never a by-position reading.
    pipe, df = _name_selecting_pipeline("drop")
    model = pipe[-1]
    scaled = pipe[0].set_output(transform="pandas").transform(df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a short fit: ConvergenceWarning
        model.fit(scaled, df["a"])
    with pytest.raises(ValueError, match="same order as they were in fit"):
        check_monotonic(model, scaled[scaled.columns[::-1]])
