"""Bad input gives a clear error (scikit-learn's wording where it has one), never a
crash, a hang or a silent NaN."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError

from sknonneg import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                      NonNegMLPRegressor)
from sknonneg import _validation

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
X = RNG.random((20, 3))
Y = np.arange(20) % 2


def _est(**params):
    return NonNegMLPClassifier(**{"hidden_layer_sizes": (2,), "max_iter": 3,
                                  "random_state": 0, **params})


@pytest.fixture(scope="module")
def fitted():
    return _est().fit(X, Y)


def _with(value, where=(0, 0)):
    bad = X.copy()
    bad[where] = value
    return bad


# ------------------------------------------------------------------------- X, y
@pytest.mark.parametrize("X_bad, match", [
    (_with(np.nan), "Input X contains NaN"),
    (_with(np.inf), "Input X contains infinity"),
    (_with(-np.inf), "Input X contains infinity"),
    (sp.csr_matrix(_with(np.nan)), "Input X contains NaN"),
    (np.empty((0, 3)), r"Found array with 0 sample\(s\)"),
    (np.empty((20, 0)), r"Found array with 0 feature\(s\)"),
    (np.array([["a", "b", "c"]] * 20), "could not convert string to float"),
    (np.array([[1.0, "b", None]] * 20, dtype=object), "could not convert string"),
    (X + 1j, "Complex data not supported"),
    (RNG.random((20, 3, 2)), "Found array with dim 3"),
    (RNG.random(20), "Expected 2D array, got 1D array instead"),
], ids=["nan", "inf", "-inf", "sparse-nan", "no-samples", "no-features", "strings",
        "object", "complex", "3d", "1d"])
def test_bad_X_in_fit(X_bad, match):
    y = Y[:X_bad.shape[0]] if X_bad.ndim else Y
    with pytest.raises(ValueError, match=match):
        _est().fit(X_bad, y)


def test_ragged_list():
    ragged = [[1.0, 2.0, 3.0], [1.0, 2.0]] * 10
    with pytest.raises(ValueError, match="inhomogeneous"):
        _est().fit(ragged, Y)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba",
                                    "decision_function", "transform", "score"])
def test_bad_X_at_predict(fitted, method):
    def call(X_bad):
        args = (X_bad, Y[:X_bad.shape[0]]) if method == "score" else (X_bad,)
        return getattr(fitted, method)(*args)

    with pytest.raises(ValueError, match="X has 4 features, but NonNegMLPClassifier "
                                         "is expecting 3 features as input"):
        call(RNG.random((5, 4)))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        call(_with(np.nan))
    with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\)"):
        call(np.empty((0, 3)))


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba",
                                    "decision_function", "transform",
                                    "get_feature_names_out"])
def test_not_fitted(method):
    args = () if method == "get_feature_names_out" else (X,)
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        getattr(_est(), method)(*args)


@pytest.mark.parametrize("y_bad, match", [
    (np.zeros(20), "only one class is present"),
    (RNG.random(20), "Unknown label type: continuous"),
    (np.r_[np.nan, Y[1:]], "Input y contains NaN"),
    (Y[:5], "inconsistent numbers of samples"),
    (np.c_[Y, np.arange(20) % 3], "Multioutput target data is not supported"),
    (None, "requires y to be passed"),
], ids=["one-class", "continuous", "nan", "length", "multiclass-multioutput", "none"])
@pytest.mark.parametrize("output", ["softmax", "logistic"])
def test_bad_y(y_bad, match, output):
    with pytest.raises(ValueError, match=match):
        _est(output=output).fit(X, y_bad)


@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_regressor_object_y_holding_none_is_nan(solver, method):
    # Before: an object y with None (a pandas object column) passed validation
    # (None == None) and the fit failed with "The network's parameters overflowed
    # ... Lower learning_rate_init", pointing at the wrong cause.
    y = RNG.random(20).astype(object)
    y[3] = None
    est = NonNegMLPRegressor(3, max_iter=3, solver=solver, random_state=0)
    for y_bad in (y, pd.Series(y)):
        with pytest.raises(ValueError, match="Input y contains NaN"):
            getattr(est, method)(X, y_bad)


def _missing(values, dtype):
    """``values`` as a pandas Series of ``dtype`` whose row 3 is missing."""
    series = pd.Series(values, dtype=dtype)
    series[3] = None
    return series


_SUPERVISED = pytest.mark.parametrize("make", [
    lambda: NonNegMLPClassifier(2, max_iter=3, random_state=0),
    lambda: ABBAClassifier(2, max_iter=3, random_state=0),
    lambda: NonNegMLPRegressor(2, max_iter=3, random_state=0),
], ids=["dense", "abba", "regressor"])


@_SUPERVISED
@pytest.mark.parametrize("dtype", ["string", "category", object])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_missing_label_of_a_pandas_text_column_is_nan(make, dtype, method):
    # Before: pandas' bare TypeError "boolean value of NA is ambiguous" for the
    # "string" dtype (scikit-learn's check_array compares y with itself), and
    # "Input contains NaN" without the argument's name for the other two.
    est = make()
    labels = np.where(Y == 1, "yes", "no") if is_classifier(est) else Y.astype(str)
    kwargs = {"classes": ["no", "yes"]} if method == "partial_fit" and is_classifier(
        est) else {}
    missing = _missing(labels, dtype)
    for y_bad in (missing, missing.to_frame(), missing.array,
                  missing.to_numpy(dtype=object)):
        with pytest.raises(ValueError, match="Input y contains NaN"):
            getattr(est, method)(X, y_bad, **kwargs)
    # Without a missing value the same column fits.
    getattr(clone(est), method)(X, pd.Series(labels, dtype=dtype), **kwargs)


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier])
@pytest.mark.parametrize("dtype", ["string", "category", object])
def test_score_of_a_missing_label_is_nan(Est, dtype):
    # Before: bare TypeErrors from the metric, "boolean value of NA is ambiguous"
    # ("string") or "'<' not supported between instances of 'float' and 'str'"
    # (category; 'NoneType' and 'str' for objects), as scikit-learn's own
    # classifiers raise them.
    labels = np.where(Y == 1, "yes", "no")
    est = Est(2, max_iter=3, random_state=0).fit(X, labels)
    missing = _missing(labels, dtype)
    for y_bad in (missing, missing.to_numpy(dtype=object)):
        with pytest.raises(ValueError, match="Input y contains NaN"):
            est.score(X, y_bad)
    assert 0 <= est.score(X, pd.Series(labels, dtype=dtype)) <= 1


@pytest.mark.parametrize("missing", [None, np.nan], ids=["None", "nan"])
def test_missing_label_in_a_list_of_strings_is_nan(missing):
    # Before: None among the strings of a list failed score with the bare
    # TypeError "'<' not supported between instances of 'NoneType' and 'str'"
    # (fit: "Mix type of y not allowed"), and NaN became the label "nan" (NumPy
    # makes a string of it): fit and score passed silently, with a class "nan".
    labels = list(np.where(Y == 1, "yes", "no"))
    est = _est().fit(X, labels)
    bad = labels.copy()
    bad[3] = missing
    for y_bad in (bad, tuple(bad)):
        for method in (_est().fit, _est().partial_fit, est.score):
            kwargs = ({"classes": ["no", "yes"]}
                      if method.__name__ == "partial_fit" else {})
            with pytest.raises(ValueError, match="Input y contains NaN"):
                method(X, y_bad, **kwargs)
    # the label "nan" written out is a label, not a missing one
    labels[3] = "nan"
    assert list(_est().fit(X, labels).classes_) == ["nan", "no", "yes"]


@pytest.mark.parametrize("nullable", ["Int64", "boolean"])
@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_missing_value_of_a_nullable_column_beside_text_is_nan(Est, nullable):
    # Before: pandas' bare TypeError "boolean value of NA is ambiguous": a
    # DataFrame mixing a nullable number with text becomes an array of objects,
    # in which scikit-learn's check_array compares pd.NA with itself.
    numbers = pd.Series(Y if nullable == "Int64" else Y == 1, dtype=nullable)
    numbers[3] = None
    y = pd.DataFrame({"n": numbers, "t": np.where(Y == 1, "yes", "no")})
    with pytest.raises(ValueError, match="Input y contains NaN"):
        Est(2, max_iter=3, random_state=0).fit(X, y)


def test_multiindex_target_gets_scikit_learns_error():
    # Before: check_missing_targets' pd.isna raised pandas' NotImplementedError
    # "isna is not defined for MultiIndex" (scikit-learn's error before 56a).
    y = pd.MultiIndex.from_arrays([np.where(Y == 1, "yes", "no"), Y])
    with pytest.raises(ValueError, match="legacy multi-label data representation"):
        _est().fit(X, y)


@pytest.mark.parametrize("sample_weight, match", [
    (-np.ones(20), "sample_weight must be finite and non-negative"),
    (np.zeros(20), "Sample weights must contain at least one non-zero number"),
    (np.ones(3), r"sample_weight.shape == \(3,\), expected \(20,\)"),
    (np.r_[np.nan, np.ones(19)], "Input sample_weight contains NaN"),
    (np.r_[np.inf, np.ones(19)], "Input sample_weight contains infinity"),
    (np.ones((20, 1)), "Sample weights must be 1D array or scalar"),
], ids=["negative", "zeros", "length", "nan", "inf", "2d"])
def test_bad_sample_weight(sample_weight, match):
    with pytest.raises(ValueError, match=match):
        _est().fit(X, Y, sample_weight=sample_weight)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("mostly_zeros", [False, True], ids=["dense", "to-csr"])
def test_float32_overflow_is_an_error(mostly_zeros):
    """Also where a mostly-zero float64 input goes straight to float32 CSR."""
    bad = _with(1e39)
    if mostly_zeros:
        bad = np.zeros((20, 8))
        bad[:, 1] = 1.0
        bad[0, 0] = 1e39
    with pytest.raises(ValueError, match="too large for dtype=float32"):
        _est(dtype="float32").fit(bad, Y)


def test_float32_large_in_range_input_stays_finite():
    """Large values that float32 can hold fit and predict finite values."""
    est = _est(dtype="float32").fit(X * 1e30, Y)
    assert np.isfinite(est.loss_)
    assert np.all(np.isfinite(est.predict_proba(X * 1e30)))


# -------------------------------------------------------------------- parameters
# The refusal of a gain pair (or of anything but a float or a pair): each gain lies
# in [0.01, 100] (GAIN_RANGE).
GAIN_PAIR = (r"'gain' parameter of \w+ must be a float in the range "
             r"\[0.01, 100.0\] or a \(start, end\) pair")


@pytest.mark.parametrize("params, match", [
    ({"l1": -1.0}, "The 'l1' parameter of NonNegMLPClassifier must be"),
    ({"l2": -1.0}, "The 'l2' parameter of NonNegMLPClassifier must be"),
    ({"l1": np.nan}, "The 'l1' parameter"),
    ({"l2": np.inf}, "The 'l2' parameter"),
    ({"l1": [0.1, -1.0]}, r"'l1' parameter of \w+ must be a float or one value per "
                          r"weight layer in the range \[0.0, 1000000.0\]"),
    ({"l2": [0.1, np.nan]}, r"'l2' parameter of \w+ must be a float or one value per "
                            r"weight layer in the range \[0.0, 1000000.0\]"),
    ({"l1": [0.1, 0.1, 0.1]},
     r"'l1' parameter of \w+ must be a float or one value per weight layer \(2\)"),
    ({"l2": [0.1]*3},
     r"'l2' parameter of \w+ must be a float or one value per weight layer \(2\)"),
    ({"l1": [[0.1, 0.1]]},
     "'l1' parameter of \\w+ must be a float or one value per weight layer"),
    # One value for a two-layer network: ambiguous, not repeated (it was).
    ({"l1": [0.1]}, "'l1' parameter of \\w+ must be a float or one value per weight layer"),
    ({"l2": (0.1,)}, "'l2' parameter of \\w+ must be a float or one value per weight layer"),
    ({"activity_l1": -1.0}, "The 'activity_l1' parameter"),
    ({"solver": "sgd"}, "The 'solver' parameter of NonNegMLPClassifier must be a str "
                        "among"),
    ({"output": "tanh"}, "The 'output' parameter of NonNegMLPClassifier must be a str"),
    ({"positive": "foo"}, "The 'positive' parameter of NonNegMLPClassifier must be"),
    ({"positive": None}, "The 'positive' parameter"),
    ({"positive": [True]},
     "'positive' parameter of \\w+ must be a bool, 'hidden', 'output' or a list of "
     r"one bool per weight layer \(2\)"),
    ({"positive": [1, 0]}, "'positive' parameter of \\w+ must be a bool"),
    ({"gain": (2.0,)}, GAIN_PAIR),
    ({"gain": -1.0}, "The 'gain' parameter of NonNegMLPClassifier must be a float in "
                     r"the range \[0.01, 100.0\]"),
    ({"gain": 0.0}, "The 'gain' parameter"),
    ({"gain": np.nan}, "The 'gain' parameter"),
    ({"gain": (0.0, 1.0)}, GAIN_PAIR),
    ({"gain": (1.0, 2.0, 3.0)}, GAIN_PAIR),
    ({"gain": (1.0, np.inf)}, GAIN_PAIR),
    ({"gain": "a"}, "The 'gain' parameter"),
    # Before: a 2-D array was flattened and failed later with NumPy's bare
    # "TypeError: only 0-dimensional arrays can be converted to Python scalars".
    ({"gain": np.array([[1.0, 2.0]])}, GAIN_PAIR),
    ({"gain": np.array([[1.0], [2.0]])}, GAIN_PAIR),
    # Before: taken (inf in float32), and predict refused the training data.
    ({"gain": 1e40, "dtype": "float32"},
     r"'gain' parameter of \w+ must be a float in the range \[0.01, 100.0\].*"
     r"Got 1e\+40 instead."),
    ({"gain": (1.0, 1e40), "dtype": "float32"},
     r"'gain' parameter of \w+ must be a float in the range \[0.01, 100.0\] or a "
     r"\(start, end\) pair of floats in the range \[0.01, 100.0\]. Got \(1.0, 1e\+40\)"),
    ({"monotonic_cst": [1, 0]}, r"monotonic_cst must be an array of shape \(3,\) with "
                                r"values in \{-1, 0, 1\}"),
    ({"monotonic_cst": [1, 0, 2]}, "monotonic_cst must be an array of shape"),
    ({"monotonic_cst": [1.0, 0.5, 0.0]}, "monotonic_cst must be an array of shape"),
    ({"monotonic_cst": ["a", "b", "c"]}, "monotonic_cst must be an array of shape"),
    ({"monotonic_cst": [[1, 0, 1]]}, "monotonic_cst must be an array of shape"),
    ({"monotonic_cst": [1, 0, np.nan]}, "monotonic_cst must be an array of shape"),
    ({"hidden_layer_sizes": (0,)},
     "'hidden_layer_sizes' parameter of \\w+ must be a positive int or a "
     "non-empty sequence of positive ints"),
    ({"hidden_layer_sizes": ()}, "'hidden_layer_sizes' parameter of \\w+ must be a positive int"),
    ({"hidden_layer_sizes": -1}, "The 'hidden_layer_sizes' parameter"),
    ({"hidden_layer_sizes": "abc"}, "The 'hidden_layer_sizes' parameter"),
    ({"max_iter": 0}, "The 'max_iter' parameter"),
    ({"batch_size": 0}, "The 'batch_size' parameter"),
    ({"tol": -1.0}, "The 'tol' parameter"),
    ({"steps_per_batch": 0}, "The 'steps_per_batch' parameter"),
    ({"learning_rate_init": 0.0}, "The 'learning_rate_init' parameter"),
    ({"validation_fraction": 1.0}, "The 'validation_fraction' parameter"),
    ({"class_weight": "foo"}, "The 'class_weight' parameter"),
    ({"class_weight": {5: 1.0}}, r"The classes, \[0, 1\], are not in class_weight"),
    ({"dtype": "float16"}, "The 'dtype' parameter"),
    ({"dtype": int}, "'dtype' parameter of \\w+ must be 'float32' or 'float64'"),
    ({"dtype": np.dtype("int32")}, "'dtype' parameter of \\w+ must be 'float32' or 'float64'"),
    ({"random_state": "a"}, "The 'random_state' parameter"),
    ({"verbose": -1}, "The 'verbose' parameter"),
], ids=lambda v: repr(v) if isinstance(v, dict) else "")
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        _est(**params).fit(X, Y)
    est = _est(**params)
    with pytest.raises(ValueError, match=match):  # partial_fit validates too
        est.partial_fit(X, Y, classes=[0, 1])
    assert not hasattr(est, "coefs_")


@pytest.mark.parametrize("params", [
    {"l1": [0.1, -1.0]}, {"l2": [0.1] * 3}, {"l1": ["a", "b"]},
    {"positive": [True]}, {"positive": [1, 0]}, {"gain": (0.0, 1.0)},
    {"gain": (1.0, 2.0, 3.0)}, {"gain": np.array([[1.0, 2.0]])},
    {"gain": 1e40, "dtype": "float32"}, {"hidden_layer_sizes": (0,)},
    {"hidden_layer_sizes": ()}, {"hidden_layer_sizes": (3.5,)}, {"dtype": int},
    {"dtype": np.dtype("int32")},
], ids=repr)
def test_bad_parameter_values_are_invalid_parameter_errors(params):
    # Before: a plain ValueError for the values the parameter constraints cannot
    # express (scikit-learn's InvalidParameterError, a ValueError, for the rest).
    from sknonneg._compat import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=next(iter(params))):
        _est(**params).fit(X, Y)


@pytest.mark.parametrize("dtype, gain", [("float32", 1e38), ("float64", 1e307)])
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_gain_too_large_for_the_training_rows_is_refused_at_fit(dtype, gain, solver):
    # Before: a gain just inside the dtype's range fitted, and predict then refused
    # every training row as too large for the network. Then fit refused it after
    # training ("cannot predict the rows it was trained on"); now the gain's range
    # refuses it before, as scikit-learn refuses a parameter, and a refit (warm
    # start or partial_fit too) leaves the model as it was.
    from sklearn.base import clone, is_classifier

    from sknonneg import NonNegMLPRegressor
    from sknonneg._compat import InvalidParameterError

    for est in (_est(dtype=dtype, solver=solver),
                NonNegMLPRegressor(3, max_iter=3, dtype=dtype, solver=solver,
                                   random_state=0)):
        y = Y if is_classifier(est) else X[:, 0]
        fitted = clone(est).fit(X, y)
        before = fitted.predict(X)
        refused = r"'gain' parameter of \w+ must be a float in the range \[0.01, 100.0\]"
        with pytest.raises(InvalidParameterError, match=refused):
            clone(est).set_params(gain=gain).fit(X, y)
        for call in ("fit", "partial_fit"):
            fitted.set_params(gain=gain, warm_start=True)
            with pytest.raises(InvalidParameterError, match=refused):
                getattr(fitted, call)(X, y)
            np.testing.assert_array_equal(fitted.predict(X), before)
            fitted.set_params(gain=1.0)
        with pytest.raises(InvalidParameterError, match=refused):
            clone(est).set_params(gain=gain).partial_fit(
                X, y, **({"classes": np.unique(Y)} if y is Y else {}))


@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_fitted_network_that_cannot_predict_its_rows_is_refused(solver, monkeypatch):
    # The guard after training, which gains of 1e38 (float32) and 1e307 (float64)
    # reached before the gain's range refused them: a fitted network whose
    # weighted sums could overflow on its training rows is refused and the
    # estimator left as it was. Reached here by making the range check report
    # every row (the gain's range and the input's limit keep real fits inside).
    from sklearn.base import clone, is_classifier

    import sknonneg.neural_network._training as training
    from sknonneg import NonNegMLPRegressor

    every_row = lambda layers, X, dtype: np.ones(X.shape[0], dtype=bool)  # noqa: E731
    for est in (_est(solver=solver),
                NonNegMLPRegressor(3, max_iter=3, solver=solver, random_state=0)):
        y = Y if is_classifier(est) else X[:, 0]
        fitted = clone(est).fit(X, y)
        before = fitted.predict(X)
        with monkeypatch.context() as patch:
            patch.setattr(training, "range_overflow_rows", every_row)
            with pytest.raises(ValueError, match=r"cannot predict the rows it was "
                                                  r"trained on: on \d+ of the \d+ rows "
                                                  r"of positive weight.*at gain=.*"
                                                  r"smaller gain") as info:
                clone(est).fit(X, y)
            assert type(info.value) is ValueError  # no private class in the traceback
            for call in ("fit", "partial_fit"):
                fitted.set_params(warm_start=True)
                with pytest.raises(ValueError, match="cannot predict the rows"):
                    getattr(fitted, call)(X, y)
        np.testing.assert_array_equal(fitted.predict(X), before)


def test_fit_refusal_reads_rows_of_positive_weight_only():
    # A row of weight 0 is not fitted: a float32 fit with one such row at 1e37
    # predicted every other row before the refusal of unpredictable fits, and
    # does again (predict still refuses that row itself).
    Xz = X.astype(np.float32)
    Xz[0, 0] = 1e37
    weights = np.ones(len(Xz))
    weights[0] = 0.0
    est = _est(dtype="float32").fit(Xz, Y, sample_weight=weights)
    assert est.predict(Xz[1:]).shape == (len(Xz) - 1,)
    with pytest.raises(ValueError, match="values too large for the fitted network"):
        est.predict(Xz[:1])


def test_gain_pair_with_a_string():
    with pytest.raises(ValueError, match="'gain' parameter of \\w+ must be a float in the range"):
        _est(gain=(1.0, "a")).fit(X, Y)



def test_positive_and_gain_take_numpy_arrays_as_lists():
    # A param grid built with NumPy: positive=np.array([True, False]) and
    # gain=np.array([1.0, 2.0]) were refused (InvalidParameterError) while the
    # lists and tuples were taken, and l1 and hidden_layer_sizes took arrays.
    for make in (_est, lambda **kw: NonNegMLPRegressor(3, max_iter=3, random_state=0,
                                                        **kw)):
        target = Y if make is _est else X[:, 0]
        got = make(positive=np.array([True, False]), gain=np.array([1.0, 2.0]))
        ref = make(positive=[True, False], gain=(1.0, 2.0))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got.fit(X, target)
            ref.fit(X, target)
        np.testing.assert_array_equal(got._theta, ref._theta)
        with pytest.raises(ValueError, match="list of one bool per weight layer"):
            make(positive=np.array([[True, False]])).fit(X, target)


def test_fractional_hidden_layer_size():
    # scikit-learn's InvalidParameterError (a ValueError) naming the parameter.
    with pytest.raises(ValueError,
                       match="'hidden_layer_sizes' parameter of \\w+ must be a "
                             "positive int or a non-empty sequence of positive ints"):
        _est(hidden_layer_sizes=(2.5,)).fit(X, Y)


def test_nested_hidden_layer_sizes_is_an_error():
    # scikit-learn's InvalidParameterError (a ValueError) naming the parameter.
    with pytest.raises(ValueError,
                       match="'hidden_layer_sizes' parameter of \\w+ must be a "
                             "positive int or a non-empty sequence of positive ints"):
        _est(hidden_layer_sizes=[[3, 2]]).fit(X, Y)


# --------------------------------------------------------------- training states
def test_early_stopping_with_too_few_samples():
    # One row of 4 held out (2 classes: one row of one class, as where the
    # held-out rows are fewer than the classes): too small to score.
    with pytest.raises(ValueError, match="validation set is too small"):
        _est(early_stopping=True).fit(X[:4], Y[:4])


def test_early_stopping_message_counts_the_rows_of_a_class_of_one():
    # Before: three rows of three classes said "With n_samples=0, test_size=0.1
    # ...": the rows that are a class's only one always train, and the split's own
    # message counted the others without saying so.
    with pytest.raises(ValueError, match="each of the 3 rows of positive weight is "
                       "the only row of its class"):
        NonNegMLPClassifier(early_stopping=True).fit([[.1], [.9], [.5]], [0, 1, 2])
    # The count of held-out rows comes first (before: "... (3 of them the only row
    # of a class, kept for training, leaving 2 to split), 1 row.").
    with pytest.raises(ValueError, match=r"would hold out 1 row \(validation_fraction"
                       r"=0.1 of the 5 training rows of positive weight; 3 of them, "
                       r"the only row of their class, always train\), and it needs "
                       r"at least 2\."):
        NonNegMLPClassifier(early_stopping=True, max_iter=5).fit(
            [[.1], [.9], [.5], [.3], [.2]], [0, 1, 2, 2, 3])


@pytest.mark.parametrize("scoring", [None, "loss"])
@pytest.mark.parametrize("n_rows", [2, 9])
def test_early_stopping_with_a_one_row_validation_set(scoring, n_rows):
    # Before: the regressor held out one row, scored R^2 on it (undefined: NaN)
    # and ran every iteration with validation_scores_ all NaN, silently; with the
    # loss it stopped on one row. scikit-learn's MLP raises "The validation set is
    # too small".
    rng = np.random.RandomState(0)
    Xr = rng.rand(n_rows, 4)
    est = NonNegMLPRegressor(hidden_layer_sizes=3, max_iter=5, random_state=0,
                             early_stopping=True, scoring=scoring)
    with pytest.raises(ValueError, match="validation set is too small.*1 row"):
        est.fit(Xr, Xr @ [1.0, 2.0, -1.0, 0.5])


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier])
def test_multiclass_multioutput_targets_are_refused_without_printing_them(Est):
    # Before: "Unknown label type: (array([[1, 2], [0, 1], ..." dumped the target.
    y = np.c_[Y, np.arange(20) % 3]
    with pytest.raises(ValueError, match="Multioutput target data is not supported") \
            as info:
        Est(hidden_layer_sizes=3, max_iter=5).fit(X, y)
    assert "array(" not in str(info.value)
    # Two string labels in two columns: before, "more than two distinct values".
    y2 = np.where(np.c_[Y, Y[::-1]] > 0, "yes", "no")
    with pytest.raises(ValueError, match=r"y has 2 columns and is not a 0/1 "
                                         r"indicator matrix\. Pass one column"):
        Est(hidden_layer_sizes=3, max_iter=5).fit(X, y2)


def test_a_class_weight_that_zeroes_every_sample_names_class_weight():
    # Before: "sample_weight must have a positive sum", with no sample_weight given.
    # No RuntimeWarning on the way (the weights' scaling divides by their largest).
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"class_weight=\{0: 0, 1: 0\} gives every"):
            _est(class_weight={0: 0, 1: 0}).fit(X, Y)


def test_changed_n_features_after_fit():
    est = _est(warm_start=True).fit(X, Y)
    with pytest.raises(ValueError, match="X has 2 features"):
        est.fit(X[:, :2], Y)
    with pytest.raises(ValueError, match="X has 2 features"):
        est.partial_fit(X[:, :2], Y)


def test_partial_fit_bad_classes():
    with pytest.raises(ValueError, match="only one class is present"):
        _est().partial_fit(X, np.zeros(20), classes=[0])
    with pytest.raises(ValueError, match="classes not in"):
        _est().partial_fit(X, Y, classes=[0, 2])
    with pytest.raises(ValueError, match='Multilabel targets need output="logistic"'):
        _est(output="softmax").partial_fit(X, np.c_[Y, 1 - Y])
    # Before: refused with the message of a 2-D y ("y should be a 1d array").
    for bad in ([[0, 1]], []):
        with pytest.raises(ValueError, match="classes must be a non-empty 1d"):
            _est().partial_fit(X, Y, classes=bad)
    est = _est(max_iter=2).partial_fit(X, Y, classes=[0, 1])
    with pytest.raises(ValueError, match="classes must be a non-empty 1d"):
        est.partial_fit(X, Y, classes=[[0, 1]])


def test_degenerate_but_valid_inputs_do_not_crash():
    """Constant, all-zero and empty-sparse inputs fit and predict finite values."""
    for X_ok in (np.ones((20, 3)), np.zeros((20, 3)), sp.csr_matrix((20, 3))):
        est = _est().fit(X_ok, Y)
        assert np.all(np.isfinite(est.predict_proba(X_ok)))
    for X_ok in ((X * 10).astype(int), X > 0.5, X.tolist()):
        est = _est().fit(X_ok, Y)
        assert est.predict(X_ok).shape == (20,)


@pytest.mark.parametrize("make", [
    lambda: NonNegMLPClassifier(hidden_layer_sizes=(10**9,)),
    lambda: NonNegMLPRegressor(hidden_layer_sizes=(10**5, 10**5)),
    lambda: ABBAClassifier(hidden_layer_sizes=(10**9,)),
    lambda: NonNegAutoencoder(n_components=10**9),
])
def test_network_beyond_memory_is_refused_before_allocating(make, monkeypatch):
    # Before: hidden_layer_sizes=(10**9,) allocated until the system killed the
    # process (signal 9 at 24 GB on a 23 GiB machine). Then NonNegMLPClassifier/
    # Regressor and NonNegAutoencoder still allocated an int8 sign vector per layer
    # (one byte per unit) before the check, so that hidden_layer_sizes=(10**12,)
    # died with numpy's own "Unable to allocate 931. GiB" instead of the
    # MemoryError naming the network that ABBAClassifier gave: nothing is
    # allocated now (1 GB of signs here). The machine's memory is pinned at 16 GiB
    # so that the test means the same everywhere.
    import tracemalloc

    monkeypatch.setattr(_validation, "_physical_memory", lambda: 16 * 2**30)
    X = np.random.RandomState(0).rand(20, 4)
    y = np.arange(20) % 2
    tracemalloc.start()
    try:
        with pytest.raises(MemoryError, match=r"The network \(4, 10+, .*\) .*at least "
                                              r"[\d,]+ parameters.*16\.0 GiB"):
            make().fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20, peak
    # Sizes that fit are untouched by the guard.
    NonNegMLPClassifier(hidden_layer_sizes=(3,), max_iter=5).fit(X, y)


def test_lbfgsb_workspace_beyond_memory_is_refused(monkeypatch):
    # L-BFGS-B keeps 2 * 20 + 5 float64 values per parameter, allocated lazily and
    # touched as its curvature pairs fill: a network whose own vectors fit but
    # whose workspace does not ran until the system killed the process. Memory
    # pinned at 256 MiB: 1.2M parameters need 29 MiB for the fit's vectors, 510 MiB
    # with L-BFGS-B's workspace, 48 MiB with Adam's two moments.
    monkeypatch.setattr(_validation, "_physical_memory", lambda: 256 * 2**20)
    X = np.random.RandomState(0).rand(20, 4)
    y = np.arange(20) % 2
    big = {"hidden_layer_sizes": (200_000,), "max_iter": 1, "random_state": 0}
    with pytest.raises(MemoryError, match=r"L-BFGS-B \(solver='lbfgsb'.*more than "
                                          r"this machine's 0\.2 GiB.*solver='adam'"):
        NonNegMLPClassifier(**big).fit(X, y)
    NonNegMLPClassifier(solver="adam", **big).fit(X, y)
    # Adam's two moments are counted too: 5 values per parameter, 46 MiB here.
    monkeypatch.setattr(_validation, "_physical_memory", lambda: 40 * 2**20)
    with pytest.raises(MemoryError, match=r"Adam \(solver='adam'.*fewer hidden units"):
        NonNegMLPClassifier(solver="adam", **big).fit(X, y)


def test_memory_guard_without_a_known_memory(monkeypatch):
    # Where the system does not say how much memory it has, the guard steps aside
    # (no shortfall, whatever the size) instead of refusing every fit.
    monkeypatch.setattr(_validation, "_physical_memory", lambda: None)
    assert _validation.memory_shortfall(10**18) is None
    assert _validation.check_fits_in_memory(10**15, [4, 10**14, 2]) is None
    assert _validation.check_workspace_fits_in_memory(10**15, 5, "L-BFGS-B", "") is None
    # The same network on a machine of known memory is refused: not vacuous.
    monkeypatch.setattr(_validation, "_physical_memory", lambda: 16 * 2**30)
    with pytest.raises(MemoryError, match=r"\(4, 100000000000000, 2\).*16\.0 GiB"):
        _validation.check_fits_in_memory(10**15, [4, 10**14, 2])


def test_class_weight_balanced_in_partial_fit_is_refused():
    # Before: "balanced" was computed from each batch's labels, so the class
    # weights changed from one partial_fit call to the next.
    X = np.random.RandomState(0).rand(30, 3)
    y = np.arange(30) % 3
    for Est in (NonNegMLPClassifier, ABBAClassifier):
        with pytest.raises(ValueError, match="'balanced' is not supported for "
                                             "partial_fit"):
            Est(class_weight="balanced", max_iter=2).partial_fit(X, y, classes=[0, 1, 2])
        Est(class_weight="balanced", max_iter=2).fit(X, y)  # fit computes it once


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier,
                                 NonNegMLPRegressor])
def test_early_stopping_true_in_partial_fit_is_refused(Est):
    # As scikit-learn's MLPs (same words). Before: accepted, and ignored
    # (do_early_stopping_ False) without a word.
    X = np.random.RandomState(0).rand(30, 3)
    y = np.arange(30) % 2
    kw = {"classes": [0, 1]} if is_classifier(Est()) else {}
    est = Est(early_stopping=True, max_iter=2)
    with pytest.raises(ValueError, match="partial_fit does not support "
                                         "early_stopping=True"):
        est.partial_fit(X, y, **kw)
    assert not hasattr(est, "n_iter_")  # left unfitted
    # "auto" (the default) and False stream as before; a fitted early-stopping
    # model is not continued by partial_fit with True either.
    Est(max_iter=2).partial_fit(X, y, **kw)
    Est(early_stopping=False, max_iter=2).partial_fit(X, y, **kw)
    est = Est(early_stopping=False, max_iter=2).partial_fit(X, y, **kw)
    est.set_params(early_stopping=True)
    with pytest.raises(ValueError, match="early_stopping=True"):
        est.partial_fit(X, y)


@pytest.mark.parametrize("weight", [-1.0, np.nan, np.inf, "2"])
def test_bad_class_weight_values_name_class_weight(weight):
    # Before: "sample_weight must be finite and non-negative", about a parameter
    # the user had not passed.
    X = np.random.RandomState(0).rand(30, 3)
    y = np.arange(30) % 2
    with pytest.raises(ValueError, match="class_weight values must be finite"):
        NonNegMLPClassifier(class_weight={0: weight}, max_iter=2).fit(X, y)


@pytest.mark.parametrize("encode", [lambda Y: 2 * Y - 1, lambda Y: 2 * Y, lambda Y: Y + 1],
                         ids=["-1/1", "0/2", "1/2"])
@pytest.mark.parametrize("name", ["NonNegMLPClassifier", "ABBAClassifier"])
def test_multilabel_targets_other_than_0_1_are_refused(encode, name):
    # scikit-learn calls any 2-D integer array of two values "multilabel-indicator";
    # {-1, 1} labels (an SVM habit) went into the logistic loss as they were, where
    # a target outside [0, 1] has no minimum: every label ended constant, silently.
    import sknonneg

    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    Y = (rng.rand(60, 3) < 0.4).astype(int)
    est = getattr(sknonneg, name)(3, max_iter=5, random_state=0)
    with pytest.raises(ValueError, match=r"indicator matrix of 0s and 1s; got the "
                                         r"values \[-?[0-9.]+, [0-9.]+\]"):
        est.fit(X, encode(Y))
    est.partial_fit(X, Y)  # a later batch is checked too
    with pytest.raises(ValueError, match="indicator matrix of 0s and 1s"):
        est.partial_fit(X, encode(Y))


@pytest.mark.parametrize("make", [
    lambda X, y: NonNegMLPClassifier(4, max_iter=10, random_state=0).fit(X, y % 2),
    lambda X, y: NonNegMLPClassifier(4, max_iter=10, random_state=0).fit(X, y),
    lambda X, y: NonNegMLPRegressor(4, positive=True, max_iter=10,
                                    random_state=0).fit(X, X[:, 0]),
    lambda X, y: ABBAClassifier(4, max_iter=10, random_state=0).fit(X, y % 2),
    lambda X, y: NonNegAutoencoder(n_components=3, max_iter=10,
                                   random_state=0).fit(X),
], ids=["binary", "multiclass", "regressor", "abba", "autoencoder"])
def test_unchecked_nan_is_refused_not_predicted(make):
    # Under scikit-learn's assume_finite=True the input is not checked for NaN. The
    # fixed-order path (every layer after the first >= 0) turned a NaN row into a
    # finite, confident prediction; now it is refused, and the message names the
    # setting. A fit on such input names it too.
    import sklearn

    rng = np.random.RandomState(0)
    X = rng.rand(120, 5)
    y = (X[:, 0] * 4).astype(int) % 2 + 2 * (X[:, 1] > 0.7)
    est = make(X, y)
    Z = np.r_[X[:1], [[np.nan, 0.2, 0.3, 0.4, 0.5]]]
    with sklearn.config_context(assume_finite=True):
        # Before: transform (and the autoencoder's inverse_transform) returned
        # NaN rows where predict raised.
        for method in ("predict", "decision_function", "predict_proba",
                       "transform"):
            if hasattr(est, method):
                with pytest.raises(ValueError, match="assume_finite=True is set"):
                    getattr(est, method)(Z)
        if hasattr(est, "inverse_transform"):
            with pytest.raises(ValueError, match="assume_finite=True is set"):
                est.inverse_transform(np.r_[[[np.nan, 0.5, 0.5]], est.transform(X[:1])])
        target = (np.resize(est.classes_, len(X) + 2) if is_classifier(est)
                  else np.r_[X[:, 0], 0.1, 0.2])
        args = ((np.r_[X, Z],) if isinstance(est, NonNegAutoencoder)
                else (np.r_[X, Z], target))
        with pytest.raises(ValueError, match="assume_finite=True is set"):
            clone(est).fit(*args)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.transform(Z)



@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier,
                                 NonNegMLPRegressor, NonNegAutoencoder])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_unchecked_nan_is_named_for_a_float32_network(Est, fmt, bad):
    # A float64 X with a NaN (or an infinity) under assume_finite=True, given to a
    # float32 network: before, the narrowing cast's check called it "values too
    # large for dtype=float32" and did not name assume_finite, in fit and in every
    # prediction method.
    import sklearn

    rng = np.random.RandomState(0)
    X = rng.rand(40, 4)
    y = None if Est is NonNegAutoencoder else (
        X[:, 0] if Est is NonNegMLPRegressor else np.arange(40) % 2)
    params = {"n_components": 2} if Est is NonNegAutoencoder else {"hidden_layer_sizes": 3}
    est = Est(max_iter=3, dtype="float32", random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    Z = X.copy()
    Z[1, 2] = bad
    Z = sp.csr_matrix(Z) if fmt == "csr" else Z
    found = "NaN" if np.isnan(bad) else "infinity"
    match = rf"Input X contains {found}\. scikit-learn's assume_finite=True is set"
    with sklearn.config_context(assume_finite=True):
        for method in ("predict", "predict_proba", "decision_function", "transform"):
            if hasattr(est, method):
                with pytest.raises(ValueError, match=match):
                    getattr(est, method)(Z)
        with pytest.raises(ValueError, match=match):
            clone(est).fit(Z, y)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_unchecked_nan_reaches_the_error_without_a_numpy_warning(dtype):
    # A certified (fixed-order) network's NumPy twin predicting a NaN under
    # assume_finite=True: the refusal comes alone. Before, NumPy's "invalid value
    # encountered in cast" RuntimeWarning (the exp's exponent cast to int32) came
    # first.
    import sklearn

    rng = np.random.RandomState(0)
    X = rng.rand(50, 3)
    y = (X[:, 0] > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = NonNegMLPClassifier(monotonic_cst=[1, 0, 0], max_iter=5, dtype=dtype,
                                  random_state=0).fit(X, y)
    Z = X.copy()
    Z[0, 0] = np.nan
    with sklearn.config_context(assume_finite=True), warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("predict", "predict_proba"):
            with pytest.raises(ValueError, match="assume_finite=True is set"):
                getattr(est, method)(Z)


def test_list_too_large_for_float32_keeps_sknonneg_message():
    # Integer arrays now go straight to the compute dtype (tests/test_memory.py);
    # a list still goes through float64, so a finite 1e40 under dtype="float32" is
    # "too large", not scikit-learn's "contains infinity".
    X = np.random.RandomState(0).rand(20, 3)
    est = NonNegMLPClassifier((3,), max_iter=5, dtype="float32", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, np.arange(20) % 2)
    with pytest.raises(ValueError, match="too large for dtype=float32"):
        est.predict([[1e40, 0.0, 0.0]])


def _mixed_labels():
    y = (np.arange(20) % 2).astype(object)
    y[0] = "a"
    return y


@pytest.mark.parametrize("cls", [NonNegMLPClassifier, ABBAClassifier])
def test_labels_mixing_strings_and_numbers_are_scikit_learns_value_error(
        cls, monkeypatch):
    # NumPy's bare "'<' not supported between instances of 'int'
    # and 'str'" (a TypeError, from sorting the labels) came out of fit and
    # partial_fit. Now scikit-learn's unique_labels error, naming the argument,
    # before any training.
    def trained(*args, **kwargs):
        raise AssertionError("training started")

    for name in ("_fit_full_batch", "_fit_epochs", "_partial_fit"):
        monkeypatch.setattr(cls, name, trained)
    mix = r"Mix of label input types \(string and number\); Got \[0 1\] and \['a'\]"
    y = _mixed_labels()
    est = cls(hidden_layer_sizes=(3,), max_iter=2)
    with pytest.raises(ValueError, match=rf"^`y`: {mix}\.$"):
        est.fit(X, y)
    with pytest.raises(ValueError, match=rf"^`y`: {mix}"):
        est.partial_fit(X, y, classes=[0, 1])
    for classes in ([0, 1, "a"], np.array([0, 1, "a"], dtype=object),
                    pd.Index([0, 1, "a"], dtype=object)):
        with pytest.raises(ValueError, match=rf"^`classes`: {mix}"):
            est.partial_fit(X, Y, classes=classes)
    assert not hasattr(est, "classes_")
    # A later call and a warm start: their labels too.
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.partial_fit(X, Y, classes=[0, 1])
        with pytest.raises(ValueError, match=rf"^`y`: {mix}"):
            est.partial_fit(X, y)
        with pytest.raises(ValueError, match=rf"^`classes`: {mix}"):
            est.partial_fit(X, Y, classes=[0, 1, "a"])
        warm = cls(hidden_layer_sizes=(3,), max_iter=2, warm_start=True).fit(X, Y)
        with pytest.raises(ValueError, match=rf"^`y`: {mix}"):
            warm.fit(X, y)
    # Labels of one kind (strings in an object array) fit as before.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cls(hidden_layer_sizes=(3,), max_iter=2).fit(
            X, np.array(["a", "b"], dtype=object)[Y])


@pytest.mark.parametrize("returned", [None, np.array([1.0, 2.0]), "0.5"])
def test_an_early_stopping_scorer_that_returns_no_number_is_named(returned):
    # Before: float() of what the scorer returned raised a bare TypeError, naming
    # neither the scorer nor early stopping (a scorer that raises was named).
    est = _est(early_stopping=True, scoring=lambda e, X, y: returned)
    with pytest.raises(ValueError, match="early stopping's scoring must return a "
                                         "number, got"):
        est.fit(X, Y)


@pytest.mark.parametrize("returned", [np.asarray(0.5), np.float32(0.5), 1])
def test_an_early_stopping_scorer_may_return_a_numpy_scalar(returned):
    # As scikit-learn's cross-validation reads a score (score.item() first): a
    # 0-d array is a number (before, it was refused by the check above).
    est = _est(early_stopping=True, scoring=lambda e, X, y: returned)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, Y)
    assert est.validation_scores_[0] == 0.5 or returned == 1


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor])
@pytest.mark.parametrize("fraction", [np.float32(0.25), np.float16(0.25)])
def test_validation_fraction_of_a_numpy_float_type_splits(Est, fraction):
    # Before: accepted by the parameter check, then refused by train_test_split
    # (which takes Python floats), with the advice to pass more rows.
    target = Y if Est is NonNegMLPClassifier else X[:, 0]
    kw = dict(hidden_layer_sizes=3, max_iter=5, random_state=0, early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = Est(validation_fraction=fraction, **kw).fit(X, target)
        ref = Est(validation_fraction=float(fraction), **kw).fit(X, target)
    np.testing.assert_array_equal(got._theta, ref._theta)


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier])
def test_label_sequences_get_scikit_learns_refusal(Est):
    # Before: a list of label lists of different lengths (the targets of
    # sknonneg.datasets.load_reuters) was NumPy's "setting an array element with a
    # sequence. The requested array has an inhomogeneous shape ...". Now the
    # refusal of scikit-learn's type_of_target, naming MultiLabelBinarizer.
    X = np.random.RandomState(0).uniform(size=(4, 3))
    legacy = "legacy multi-label data representation.*MultiLabelBinarizer"
    for y in ([["earn"], ["acq", "earn"], ["grain", "corn", "wheat"], ["acq"]],
              [{"earn"}, {"acq"}, {"earn"}, {"acq"}], (("a", "b"), ("a",), (), ("b",))):
        with pytest.raises(ValueError, match=legacy):
            Est(max_iter=2).fit(X, y)
        with pytest.raises(ValueError, match=legacy):
            Est(max_iter=2).partial_fit(X, y, classes=["a", "b"])
    # Lists of equal length are still a 2-D y, read as scikit-learn reads them.
    Y = [[0, 1], [1, 0], [1, 1], [0, 1]]
    est = Est(max_iter=2, output="logistic", random_state=0).fit(X, Y)
    assert est.predict(X).shape == (4, 2)
    with pytest.warns(Warning):  # scikit-learn's DataConversionWarning: a column
        est = Est(max_iter=2, random_state=0).fit(X, [("a",), ("b",), ("a",), ("b",)])
    assert est.classes_.tolist() == ["a", "b"]
