"""NonNegMLPClassifier as a scikit-learn estimator: composition, persistence,
input forms, weights, targets, outputs, fitted attributes and training controls."""

import copy
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils import compute_sample_weight

import sknonneg.neural_network._training as nn_training
from sknonneg import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                      NonNegMLPRegressor)

silence_convergence = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")
pytestmark = silence_convergence

FAST = {"hidden_layer_sizes": (4,), "max_iter": 30, "random_state": 0}


def _data(n_classes=3, n_samples=90, seed=0):
    X, y = make_classification(n_samples=n_samples, n_features=5, n_informative=3,
                               n_redundant=0, n_classes=n_classes, class_sep=2.0,
                               random_state=seed)
    return X - X.min(axis=0), y  # non-negative inputs suit non-negative nets


@pytest.fixture(scope="module")
def data():
    return _data()


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return NonNegMLPClassifier(**FAST).fit(X, y)


# ------------------------------------------------------------------ composition
@pytest.mark.parametrize("scaler", [StandardScaler, MinMaxScaler])
def test_pipeline(data, scaler):
    X, y = data
    pipe = make_pipeline(scaler(), NonNegMLPClassifier(**FAST)).fit(X, y)
    assert pipe.score(X, y) > 0.8
    assert pipe.predict_proba(X).shape == (90, 3)
    assert pipe.transform(X).shape == (90, 4)  # the classifier is also a transformer


def test_grid_search_cv(data):
    X, y = data
    search = GridSearchCV(NonNegMLPClassifier(**FAST),
                          {"hidden_layer_sizes": [(2,), (4,)], "l2": [1e-4]}, cv=3)
    search.fit(X, y)
    assert search.best_params_["hidden_layer_sizes"] in [(2,), (4,)]
    assert search.best_estimator_.coefs_[0].shape[1] == \
        search.best_params_["hidden_layer_sizes"][0]
    assert search.score(X, y) > 0.7


def test_cross_val_score(data):
    X, y = data
    scores = cross_val_score(NonNegMLPClassifier(**FAST), X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.6)


def test_clone_keeps_params_and_drops_fit(fitted):
    est = clone(fitted)
    assert est.get_params() == fitted.get_params()
    assert not hasattr(est, "coefs_") and not hasattr(est, "_theta")


def test_pickle_round_trip(data, fitted):
    X, _ = data
    est = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(est.predict_proba(X), fitted.predict_proba(X))
    assert_array_equal(est.predict(X), fitted.predict(X))
    assert_array_equal(est.transform(X), fitted.transform(X))


# ----------------------------------------------------------------- input forms
def test_pandas_in_and_out(data):
    X, y = data
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)],
                      index=np.arange(100, 190))
    est = NonNegMLPClassifier(**FAST).fit(df, y)
    assert_array_equal(est.feature_names_in_, df.columns)
    names = est.get_feature_names_out()
    assert_array_equal(names, [f"nonnegmlpclassifier{i}" for i in range(4)])
    est.set_output(transform="pandas")
    out = est.transform(df)
    assert isinstance(out, pd.DataFrame)
    assert_array_equal(out.columns, names)
    assert_array_equal(out.index, df.index)
    assert_allclose(out.to_numpy(), est.set_output(transform="default").transform(df))
    with pytest.raises(ValueError, match="feature names"):
        est.predict(df.rename(columns={"f0": "other"}))


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_input_gives_dense_predictions(data, fitted, fmt):
    X, y = data
    X_sparse = sp.csr_matrix(X).asformat(fmt)
    est = NonNegMLPClassifier(**FAST).fit(X_sparse, y)
    # Same seed, same init (it densifies its subsample); the kernels differ only in
    # summation order, so the fits agree closely.
    assert_allclose(est.loss_, fitted.loss_, rtol=1e-6)
    assert_array_equal(est.predict(X_sparse), fitted.predict(X))
    assert_allclose(est.predict_proba(X_sparse), fitted.predict_proba(X), atol=1e-5)
    assert_allclose(fitted.predict_proba(X_sparse), fitted.predict_proba(X), atol=1e-12)


def test_parallel_fit_equals_serial_fit(data, fitted, parallel_threads):
    X, y = data
    est = NonNegMLPClassifier(**FAST).fit(X, y)
    assert_allclose(est.loss_, fitted.loss_, rtol=1e-6)
    assert_array_equal(est.predict(X), fitted.predict(X))


@pytest.mark.parametrize("dtype", ["float32", np.float32, np.dtype("float32")])
def test_float32(data, fitted, dtype):
    X, y = data
    est = NonNegMLPClassifier(dtype=dtype, **FAST).fit(X.astype(np.float32), y)
    proba = est.predict_proba(X)
    assert proba.dtype == np.float64 and np.all(np.isfinite(proba))
    assert_allclose(est.loss_, fitted.loss_, rtol=1e-2)
    assert np.mean(est.predict(X) == fitted.predict(X)) > 0.9


# ------------------------------------------------------------------- weights
def _repeat(X, y, w):
    return np.repeat(X, w, axis=0), np.repeat(y, w)


def test_sample_weight_equals_repetition_in_the_objective(data):
    X, y = data
    w = np.arange(90) % 3  # 0, 1 and 2: dropped, kept, doubled
    X_rep, y_rep = _repeat(X, y, w)
    est = NonNegMLPClassifier((4,), l1=0.01, activity_l1=0.1, l2=0.01)
    est._validate_params()
    targets, _ = est._encode_targets(y)
    layout = est._build_layout(5, est.n_outputs_)
    weighted = est._make_objective(layout, X, targets, w.astype(float), 1.5, False)
    targets_rep, _ = est._encode_targets(y_rep)
    repeated = est._make_objective(layout, X_rep, targets_rep, np.ones(len(y_rep)), 1.5,
                                   False)
    theta = est._init_theta(layout, X, np.random.RandomState(0))
    loss_w, grad_w = weighted.loss_grad(theta)
    loss_r, grad_r = repeated.loss_grad(theta)
    assert_allclose(loss_w, loss_r, rtol=1e-12)
    assert_allclose(grad_w, grad_r, rtol=1e-10, atol=1e-14)


def test_sample_weight_equals_repetition_from_the_same_start(data):
    """Full-batch L-BFGS-B from the same theta (a warm start) follows the same path
    with integer weights as with repeated rows."""
    X, y = data
    w = np.arange(90) % 3
    X_rep, y_rep = _repeat(X, y, w)
    start = NonNegMLPClassifier((4,), max_iter=1, warm_start=True, gain=1.5,
                                random_state=0).fit(X, y)
    a = copy.deepcopy(start).set_params(max_iter=40).fit(X, y, sample_weight=w)
    b = copy.deepcopy(start).set_params(max_iter=40).fit(X_rep, y_rep)
    assert_allclose(a.loss_, b.loss_, rtol=1e-7)
    for ca, cb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert_allclose(ca, cb, atol=1e-5)


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor,
                                 ABBAClassifier],
                         ids=["classifier", "regressor", "abba"])
def test_sample_weight_equals_repetition_from_scratch(data, Est, fmt):
    # scikit-learn's check_sample_weight_equivalence_on_{dense,sparse}_data run in
    # each estimator's parametrize_with_checks at rtol=1e-7, in small
    # configurations; here the same equivalence at rtol=1e-6 on this data, for CSR
    # input too (before: dense and NonNegMLPClassifier only, so sample weights
    # dropped on the CSR path passed). Half the entries zero, so the CSR is sparse.
    X, y = data
    X = np.where(X > np.median(X, axis=0), X, 0.0)
    if Est is NonNegMLPRegressor:
        y = X[:, 0] - 0.5 * X[:, 1]
    w = np.arange(90) % 3
    X_rep, y_rep = _repeat(X, y, w)
    if fmt == "csr":
        X, X_rep = sp.csr_matrix(X), sp.csr_matrix(X_rep)
    a = Est(**FAST).fit(X, y, sample_weight=w)
    b = Est(**FAST).fit(X_rep, y_rep)
    # the initialisation uses weighted statistics, so both start from the same theta
    assert a.n_iter_ == b.n_iter_
    assert_allclose(a.loss_, b.loss_, rtol=1e-6)
    for ca, cb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert_allclose(ca, cb, rtol=1e-6, atol=1e-8)
    out = "predict" if Est is NonNegMLPRegressor else "decision_function"
    assert_allclose(getattr(a, out)(X), getattr(b, out)(X), rtol=1e-6, atol=1e-9)


def _zero_weights_and_removed_rows(make, X, y, n_kept):
    """``make()`` fitted on ``X`` with ``n_kept`` random rows of weight 1 and the
    others of weight 0, and ``make()`` fitted on those rows alone (in order)."""
    kept = np.sort(np.random.default_rng(1).choice(X.shape[0], n_kept, replace=False))
    w = np.zeros(X.shape[0])
    w[kept] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make().fit(X, y, sample_weight=w), make().fit(X[kept], y[kept])


@pytest.mark.parametrize("make", [
    lambda: NonNegMLPClassifier(6, max_iter=20, random_state=0),
    lambda: ABBAClassifier(4, max_iter=20, random_state=0),
    lambda: NonNegAutoencoder(n_components=3, solver="lbfgsb", max_iter=20,
                              random_state=0),
], ids=["nonneg", "abba", "autoencoder"])
def test_zero_weights_are_removed_rows_beyond_the_initialisation_sample(make):
    # More rows than the initialisation looks at (2000), fewer of them weighted:
    # numpy refused the weighted draw ("Fewer non-zero entries in p than size"),
    # and ABBA's start ignored the weights. The start now reads the weighted rows.
    X = np.random.default_rng(0).random((2010, 4))
    a, b = _zero_weights_and_removed_rows(make, X, (X[:, 0] + X[:, 1] > 1) * 1, 60)
    out = "transform" if isinstance(a, NonNegAutoencoder) else "predict_proba"
    assert_allclose(getattr(a, out)(X[:20]), getattr(b, out)(X[:20]), atol=1e-8)


_ZERO_WEIGHT_MAKERS = {
    "classifier": lambda **kw: NonNegMLPClassifier(3, **kw),
    "regressor": lambda **kw: NonNegMLPRegressor(3, **kw),
    "abba": lambda **kw: ABBAClassifier(3, **kw),
    "autoencoder": lambda **kw: NonNegAutoencoder(n_components=2, **kw),
}


def _fit_args(est, X, y, w):
    if isinstance(est, NonNegAutoencoder):
        return (X,), {"sample_weight": w}
    return (X, y), {"sample_weight": w}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("solver", ["adam", "lbfgsb"])
@pytest.mark.parametrize("name", list(_ZERO_WEIGHT_MAKERS))
def test_rows_of_weight_0_are_dropped_rows(name, solver, fmt, dtype):
    # A row of weight 0 is a removed row, also where its values are far out of
    # range: before, the scale checks of X (and of y, the float32 conversion)
    # read it, and a row of weight 0 at 1e200 refused the fit ("sums of 4 such
    # values ... overflow float64"), where the fit without it ran. Now the fit,
    # Adam's mini-batches and partial_fit included, is the fit without those
    # rows, to the last bit.
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    y = X[:, 0] if name == "regressor" else (X[:, 0] + X[:, 1] > 1) * 1
    w = rng.uniform(0.5, 2.0, 60)
    dropped = np.array([0, 17, 59])
    w[dropped] = 0.0
    kept = np.flatnonzero(w > 0)
    Xb, yb = X.copy(), y.astype(float) if name == "regressor" else y.copy()
    Xb[dropped, 0] = [1e200, -1e200, 1e37]
    if name == "regressor":
        yb[dropped] = [1e200, -1e200, 1e300]
    if fmt == "csr":
        Xb, Xk = sp.csr_matrix(Xb), sp.csr_matrix(X[kept])
    else:
        Xk = X[kept]
    make = _ZERO_WEIGHT_MAKERS[name]
    params = {"solver": solver, "max_iter": 5, "random_state": 0, "dtype": dtype}
    if name != "autoencoder":
        params["batch_size"] = 16  # several mini-batches per Adam epoch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for method in ("fit", "partial_fit"):
            a, b = make(**params), make(**params)
            extra = ({"classes": [0, 1]} if method == "partial_fit"
                     and name in ("classifier", "abba") else {})
            for _ in range(2 if method == "partial_fit" else 1):
                args, kw = _fit_args(a, Xb, yb, w)
                getattr(a, method)(*args, **kw, **extra)
                args, kw = _fit_args(b, Xk, y[kept], w[kept])
                getattr(b, method)(*args, **kw, **extra)
            for ca, cb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
                assert_array_equal(ca, cb)
            assert a.loss_curve_ == b.loss_curve_
            assert a.t_ == b.t_
            if name == "regressor":
                assert_array_equal(a.y_mean_, b.y_mean_)
                assert_array_equal(a.y_scale_, b.y_scale_)
            if name == "autoencoder":
                assert a.reconstruction_err_ == b.reconstruction_err_


def test_rows_of_weight_0_still_count_in_validation_and_classes():
    # Dropped after the input checks that scikit-learn applies to every row: a
    # label seen only on a row of weight 0 is a class, a NaN there is refused,
    # and weights that are all 0 leave nothing to fit.
    rng = np.random.RandomState(0)
    X = rng.rand(30, 3)
    y = (X[:, 0] > 0.5) * 1
    y[0] = 2
    w = np.ones(30)
    w[0] = 0.0
    X[0] = 1e200
    clf = NonNegMLPClassifier(3, max_iter=5, random_state=0).fit(X, y,
                                                                 sample_weight=w)
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.n_features_in_ == 3
    Xn = X.copy()
    Xn[0, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        NonNegMLPClassifier(3, max_iter=5).fit(Xn, y, sample_weight=w)
    for est, target in ((NonNegMLPClassifier(3, max_iter=5), y),
                        (NonNegMLPRegressor(3, max_iter=5), X[:, 1])):
        with pytest.raises(ValueError, match="non-zero number|positive sum"):
            est.fit(X, target, sample_weight=np.zeros(30))
    with pytest.raises(ValueError, match="non-zero number|positive sum"):
        NonNegAutoencoder(n_components=2).partial_fit(X, sample_weight=np.zeros(30))


@pytest.mark.parametrize("make", [
    lambda: NonNegMLPClassifier(6, max_iter=30, early_stopping=True, random_state=0),
    lambda: NonNegMLPRegressor(6, max_iter=30, early_stopping=True, random_state=0),
    lambda: ABBAClassifier(6, max_iter=30, early_stopping=True, random_state=0),
], ids=["classifier", "regressor", "abba"])
def test_early_stopping_holds_out_weighted_rows_only(make):
    # The validation part was drawn from all rows, those of weight 0 included: it
    # could hold fewer weighted rows than validation_fraction says, or none (then
    # scored unweighted, on rows the user excluded). Drawn from the weighted rows,
    # a fit with zero weights is the fit without those rows.
    X = np.random.default_rng(0).random((500, 4))
    y = X[:, 0] if isinstance(make(), NonNegMLPRegressor) else (X[:, 0] > 0.5) * 1
    a, b = _zero_weights_and_removed_rows(make, X, y, 80)
    assert_allclose(a.validation_scores_, b.validation_scores_, rtol=1e-9)
    assert_allclose(a.predict(X[:20]), b.predict(X[:20]), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_early_stopping_never_holds_out_the_only_row_of_a_class(seed):
    # Before: one class with a single row turned stratification off, and the split
    # could hold that row out (seeds 1, 5, 9, 10 of these): the network trained on
    # class 0 alone, with no warning. The lone row trains; the others are
    # stratified (7 of the other 31 rows held out: 2 of class 0, 5 of class 2).
    y = np.array([0] * 11 + [1] + [2] * 20)
    est = NonNegMLPClassifier(validation_fraction=0.2)
    est._multilabel = False
    train, val = est._validation_split(y, np.ones(y.shape[0]),
                                       np.random.RandomState(seed))
    assert 11 in train and 11 not in val
    assert np.bincount(y[val], minlength=3).tolist() == [2, 0, 5]
    assert sorted(np.concatenate([train, val])) == list(range(y.shape[0]))
    X = np.random.default_rng(seed).random((32, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = NonNegMLPClassifier((4,), max_iter=5, early_stopping=True,
                                     validation_fraction=0.2, random_state=seed,
                                     scoring=None).fit(X, y)
    assert list(fitted.classes_) == [0, 1, 2]


def test_early_stopping_on_too_few_rows_says_so():
    X = np.random.default_rng(0).random((10, 3))
    with pytest.raises(ValueError, match=r"early_stopping would hold out 1 row "
                       r"\(validation_fraction=0.1 of the 10 training rows of positive "
                       r"weight\), and it needs at least 2\."):
        NonNegMLPClassifier(early_stopping=True).fit(X, np.arange(10) % 2)


@pytest.mark.parametrize("class_weight", [{0: 3.0, 1: 1.0, 2: 0.5}, "balanced"])
def test_class_weight_is_a_sample_weight(class_weight):
    X, y = _data(seed=1)
    y = np.where(y == 2, np.where(np.arange(90) % 3 == 0, 2, 1), y)  # unbalanced
    a = NonNegMLPClassifier(class_weight=class_weight, **FAST).fit(X, y)
    b = NonNegMLPClassifier(**FAST).fit(
        X, y, sample_weight=compute_sample_weight(class_weight, y))
    assert a.loss_ == b.loss_
    for ca, cb in zip(a.coefs_, b.coefs_):
        assert_array_equal(ca, cb)


def test_class_weight_shifts_predictions():
    X, y = _data(seed=2, n_samples=60)
    X = X + np.random.default_rng(0).normal(scale=2.0, size=X.shape)  # overlap
    counts = []
    for weight in (0.1, 10.0):
        est = NonNegMLPClassifier(class_weight={0: weight, 1: 1.0, 2: 1.0},
                                  **FAST).fit(X, y)
        counts.append(np.sum(est.predict(X) == 0))
    assert counts[1] > counts[0]


# ---------------------------------------------------------------------- targets
@pytest.mark.parametrize("labels", [np.array(["cat", "dog", "emu"]),
                                    np.array([-7, 3, 10]), np.array([1.0, 2.0, 5.0])],
                         ids=["str", "int", "float"])
@pytest.mark.parametrize("output", ["softmax", "logistic"])
def test_labels_of_any_type(data, labels, output):
    X, y = data
    est = NonNegMLPClassifier(output=output, **FAST).fit(X, labels[y])
    assert_array_equal(est.classes_, labels)
    pred = est.predict(X)
    assert pred.dtype == labels.dtype and set(pred) <= set(labels)
    assert est.score(X, labels[y]) > 0.8
    proba = est.predict_proba(X)
    assert_array_equal(pred, est.classes_[np.argmax(proba, axis=1)])


def _multilabel(X):
    return np.stack([X[:, 0] > np.median(X[:, 0]), X[:, 1] > np.median(X[:, 1]),
                     X[:, 0] + X[:, 2] > np.median(X[:, 0] + X[:, 2])], axis=1).astype(int)


def test_column_vector_y_warns(data):
    X, y = data
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        NonNegMLPClassifier(**FAST).fit(X, y[:, None])


def test_multilabel_with_logistic_output(data):
    X, _ = data
    Y = _multilabel(X)
    est = NonNegMLPClassifier(output="logistic", **{**FAST, "max_iter": 100}).fit(X, Y)
    assert est.n_outputs_ == 3
    pred = est.predict(X)
    assert pred.shape == (90, 3) and set(np.unique(pred)) <= {0, 1}
    assert np.mean(pred == Y) > 0.8
    proba = est.predict_proba(X)
    assert proba.shape == (90, 3) and np.all((proba > 0) & (proba < 1))
    assert_array_equal(pred, (proba > 0.5).astype(int))
    assert est.decision_function(X).shape == (90, 3)



@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier])
def test_multilabel_sparse_y_predicts_sparse(data, Est):
    # Fitted on a sparse indicator y, predict returns a CSR matrix, as
    # MLPClassifier does (before: a dense array); the labels are those of the
    # same model fitted on the dense y, and score reads either.
    from sklearn.neural_network import MLPClassifier
    X, _ = data
    Y = _multilabel(X)
    params = {"output": "logistic", **FAST}
    dense = Est(**params).fit(X, Y)
    sparse = Est(**params).fit(X, sp.csr_matrix(Y))
    pred = sparse.predict(X)
    assert sp.issparse(pred) and pred.format == "csr"
    assert_array_equal(pred.toarray(), dense.predict(X))
    assert not sp.issparse(dense.predict(X))
    assert sparse.score(X, Y) == dense.score(X, Y)
    mlp = MLPClassifier(hidden_layer_sizes=(3,), max_iter=5).fit(X, sp.csr_matrix(Y))
    assert type(mlp.predict(X)) is type(pred)  # the reference behaviour


def test_multilabel_with_softmax_output_is_refused(data):
    X, _ = data
    with pytest.raises(ValueError, match='Multilabel targets need output="logistic"'):
        NonNegMLPClassifier(output="softmax", **FAST).fit(X, _multilabel(X))


# ---------------------------------------------------------------------- outputs
OUTPUT_CASES = [("softmax", 2), ("softmax", 3), ("logistic", 2), ("logistic", 3)]


@pytest.fixture(scope="module", params=OUTPUT_CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def fitted_case(request):
    output, n_classes = request.param
    X, y = _data(n_classes=n_classes)
    est = NonNegMLPClassifier(output=output, **{**FAST, "hidden_layer_sizes": (4, 3)})
    return est.fit(X, y), X, y


def test_predict_proba_rows_sum_to_one(fitted_case):
    est, X, _ = fitted_case
    proba = est.predict_proba(X)
    assert proba.shape == (X.shape[0], len(est.classes_))
    assert np.all(proba >= 0)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


def test_predict_log_proba_is_log_of_predict_proba(fitted_case):
    est, X, _ = fitted_case
    assert_allclose(est.predict_log_proba(X), np.log(est.predict_proba(X)), rtol=1e-10,
                    atol=1e-12)


def test_decision_function_shape_and_agreement(fitted_case):
    est, X, _ = fitted_case
    scores = est.decision_function(X)
    if len(est.classes_) == 2:
        assert scores.shape == (X.shape[0],)
        assert_array_equal(est.predict(X), est.classes_[(scores > 0).astype(int)])
    else:
        assert scores.shape == (X.shape[0], len(est.classes_))
        assert_array_equal(est.predict(X), est.classes_[np.argmax(scores, axis=1)])


def test_transform_and_components(fitted_case):
    est, X, y = fitted_case
    hidden = est.transform(X)
    assert hidden.shape == (X.shape[0], 3)  # the last hidden layer
    assert np.all((hidden > 0) & (hidden < 1))
    assert est.components_.shape == (4, X.shape[1])  # the first hidden layer
    assert_allclose(NonNegMLPClassifier(output=est.output, **{
        **FAST, "hidden_layer_sizes": (4, 3)}).fit_transform(X, y), hidden)
    assert [c.shape for c in est.coefs_] == [(5, 4), (4, 3), (3, est.n_outputs_)]
    assert [b.shape for b in est.intercepts_] == [(4,), (3,), (est.n_outputs_,)]


# ------------------------------------------------------------ training controls
@pytest.mark.parametrize("solver, batch_size", [("lbfgsb", None), ("lbfgsb", 30),
                                                ("adam", 30)])
def test_fitted_attributes(data, solver, batch_size):
    X, y = data
    est = NonNegMLPClassifier(solver=solver, batch_size=batch_size,
                              learning_rate_init=0.02, **FAST).fit(X, y)
    assert isinstance(est.n_iter_, int) and 1 <= est.n_iter_ <= est.max_iter
    assert len(est.loss_curve_) == est.n_iter_
    assert np.isfinite(est.loss_) and est.loss_ > 0
    assert_allclose(est.loss_, est.loss_curve_[-1])
    assert est.best_loss_ == min(est.loss_curve_)
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    assert est.n_features_in_ == 5 and est.n_outputs_ == 3


@pytest.mark.filterwarnings("default::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver, batch_size", [("lbfgsb", None), ("lbfgsb", 30),
                                                ("adam", 30)])
def test_convergence_warning_when_max_iter_is_hit(data, solver, batch_size):
    X, y = data
    est = NonNegMLPClassifier((4,), max_iter=2, solver=solver, batch_size=batch_size,
                              tol=0.0, random_state=0)
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        est.fit(X, y)
    assert est.n_iter_ == 2


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
def test_no_convergence_warning_when_converged(data):
    X, y = data
    NonNegMLPClassifier((2,), max_iter=2000, tol=1e-3, random_state=0).fit(X, y)


@pytest.mark.parametrize("solver, batch_size", [("lbfgsb", None), ("lbfgsb", 30),
                                                ("adam", 30)])
def test_early_stopping(data, solver, batch_size):
    X, y = data
    est = NonNegMLPClassifier((4,), early_stopping=True, n_iter_no_change=3,
                              max_iter=200, solver=solver, batch_size=batch_size,
                              learning_rate_init=0.02, random_state=0).fit(X, y)
    scores = est.validation_scores_
    assert est.do_early_stopping_
    assert len(scores) == est.n_iter_ < 200
    assert all(s <= 0 for s in scores)  # scoring="loss": minus the held-out loss
    assert est.best_validation_score_ == max(scores)
    accuracy = clone(est).set_params(scoring=None).fit(X, y).validation_scores_
    assert all(0 <= s <= 1 for s in accuracy)


def test_early_stopping_auto_follows_the_number_of_rows():
    """``early_stopping="auto"`` (the default) holds data out above 10,000 rows, as
    scikit-learn's HistGradientBoosting* do; an explicit bool is obeyed."""
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(10_001, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    est = NonNegMLPClassifier((2,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert est.fit(X, y).do_early_stopping_
        assert len(est.validation_scores_) == est.n_iter_
        assert not est.fit(X[:10_000], y[:10_000]).do_early_stopping_
        assert est.validation_scores_ is None
        assert not est.set_params(early_stopping=False).fit(X, y).do_early_stopping_
        # partial_fit never holds rows out, after a fit that did too.
        assert est.set_params(early_stopping="auto").fit(X, y).do_early_stopping_
        assert not est.partial_fit(X[:50], y[:50]).do_early_stopping_
        assert est.set_params(early_stopping=True).fit(X[:100], y[:100]) \
            .do_early_stopping_
        # Adam with a linear schedule: max_iter is the planned length of the fit.
        adam = dict(solver="adam", max_iter=1, batch_size=2000)
        assert not est.set_params(early_stopping="auto", learning_rate="linear",
                                  **adam).fit(X, y).do_early_stopping_
        assert est.set_params(learning_rate="constant").fit(X, y).do_early_stopping_
        reg = NonNegMLPRegressor((2,), max_iter=3, random_state=0)
        assert reg.fit(X, X[:, 0] - X[:, 1]).do_early_stopping_
        assert not reg.fit(X[:500], X[:500, 0]).do_early_stopping_
    assert ABBAClassifier().early_stopping is False


@pytest.mark.parametrize("output", ["softmax", "logistic"])
def test_early_stopping_loss_is_the_held_out_log_loss(monkeypatch, output):
    """``scoring="loss"``: the best score is minus the kept model's mean log-loss on
    the held-out rows (weighted by their sample weights)."""
    monitors = _capture_validation_sets(monkeypatch)
    X, y = make_classification(150, 5, n_informative=3, n_redundant=0, n_classes=3,
                               random_state=0)
    w = np.random.RandomState(1).uniform(0.5, 2.0, size=y.size)
    est = NonNegMLPClassifier((4,), early_stopping=True, max_iter=40, output=output,
                              n_iter_no_change=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, sample_weight=w)
    monitor = monitors[-1]
    proba = est.predict_proba(monitor.X_val)
    if output == "softmax":
        expected = log_loss(monitor.y_val, proba, sample_weight=monitor.weights_val)
    else:
        # Independent sigmoids: the binary cross-entropy summed over the outputs.
        logits = est._logits(monitor.X_val)
        onehot = (monitor.y_val[:, None] == est.classes_).astype(float)
        per_row = (np.logaddexp(0, logits) - onehot * logits).sum(axis=1)
        expected = np.average(per_row, weights=monitor.weights_val)
    assert_allclose(est.best_validation_score_, -expected, rtol=1e-10)


def _capture_validation_sets(monkeypatch):
    monitors = []
    init = nn_training.EarlyStopping.__init__

    def spy(self, *args, **kwargs):
        init(self, *args, **kwargs)
        monitors.append(self)

    monkeypatch.setattr(nn_training.EarlyStopping, "__init__", spy)
    return monitors


@pytest.mark.parametrize("solver, batch_size, seed", [
    ("lbfgsb", None, 1), ("lbfgsb", 20, 0), ("adam", 20, 0),
])
def test_early_stopping_keeps_the_model_it_scored(monkeypatch, solver, batch_size,
                                                   seed):
    """The returned model scores ``best_validation_score_`` on the validation set."""
    monitors = _capture_validation_sets(monkeypatch)
    X, y = make_classification(120, 5, n_informative=3, n_redundant=0, n_classes=3,
                               random_state=0)
    est = NonNegMLPClassifier((4,), gain=(1.0, 4.0), early_stopping=True, max_iter=40,
                              scoring=None,
                              n_iter_no_change=5 if batch_size is None else 3,
                              solver=solver, batch_size=batch_size,
                              learning_rate_init=0.05, random_state=seed).fit(X, y)
    monitor = monitors[-1]
    assert est.score(monitor.X_val, monitor.y_val) == est.best_validation_score_


def test_early_stopping_with_constant_gain_keeps_the_model_it_scored(monkeypatch):
    monitors = _capture_validation_sets(monkeypatch)
    X, y = make_classification(120, 5, n_informative=3, n_redundant=0, n_classes=3,
                               random_state=0)
    for solver, batch_size in [("lbfgsb", None), ("lbfgsb", 20), ("adam", 20)]:
        est = NonNegMLPClassifier((4,), gain=2.0, early_stopping=True, max_iter=40,
                                  scoring=None, n_iter_no_change=3, solver=solver,
                                  batch_size=batch_size, learning_rate_init=0.05,
                                  random_state=0).fit(X, y)
        monitor = monitors[-1]
        assert est.score(monitor.X_val, monitor.y_val) == est.best_validation_score_


@pytest.mark.parametrize("solver, batch_size, unit", [("lbfgsb", None, "iteration"),
                                                      ("lbfgsb", 30, "epoch"),
                                                      ("adam", 30, "epoch")])
def test_verbose_prints_progress(data, capsys, solver, batch_size, unit):
    X, y = data
    est = NonNegMLPClassifier((4,), max_iter=10, tol=0.0, verbose=2, solver=solver,
                              batch_size=batch_size, random_state=0).fit(X, y)

    def progress_lines():
        return [l for l in capsys.readouterr().out.splitlines()
                if l.startswith("[NonNegMLPClassifier]") and f"] {unit} " in l]

    lines = progress_lines()  # verbose=2: one per iteration or epoch
    assert len(lines) == est.n_iter_
    for i, line in enumerate(lines):
        assert re.search(rf"{unit} {i + 1}/10: loss=.* gain=.* elapsed=", line)
    # verbose=1: a line every few seconds of work, and the last one.
    est.set_params(verbose=1).fit(X, y)
    lines = progress_lines()
    assert 1 <= len(lines) <= est.n_iter_
    assert f"{unit} {est.n_iter_}/10:" in lines[-1]
    NonNegMLPClassifier((4,), max_iter=3, random_state=0).fit(X, y)
    assert capsys.readouterr().out == ""


def test_verbose_autoencoder_prints_no_gain(data, capsys):
    # Before: the autoencoder, which has no gain parameter, printed "gain=1".
    X, _ = data
    NonNegAutoencoder(n_components=3, max_iter=3, verbose=2, random_state=0).fit(
        np.abs(X))
    lines = [l for l in capsys.readouterr().out.splitlines()
             if l.startswith("[NonNegAutoencoder]")]
    assert lines and all("loss=" in l and "gain" not in l for l in lines)
    # Its L-BFGS-B run is one run, not "stage 1/1".
    NonNegAutoencoder(n_components=3, max_iter=3, verbose=2, solver="lbfgsb",
                      random_state=0).fit(np.abs(X))
    lines = capsys.readouterr().out.splitlines()
    assert any("] L-BFGS-B: iterations=" in l for l in lines)
    assert not any("stage 1/1" in l for l in lines)


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier])
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_verbose_partial_fit_prints_a_line_per_call(data, capsys, Est, solver):
    # Before: partial_fit printed nothing at any verbose (scikit-learn's MLPs
    # print a line per call), and ABBAClassifier's verbose=2 fit log said
    # "stage 1/1: gain=1" (it has no gain).
    X, y = data
    name = Est.__name__
    est = Est((4,), solver=solver, verbose=1, random_state=0)
    for _ in range(3):
        est.partial_fit(X, y, classes=np.unique(y))
    lines = [l for l in capsys.readouterr().out.splitlines()
             if l.startswith(f"[{name}]")]
    assert len(lines) == 3
    for i, line in enumerate(lines):
        assert re.search(rf"partial_fit call {i + 1}: {X.shape[0]} rows, .*loss=", line)
        assert ("gain=" in line) == (Est is NonNegMLPClassifier)
    Est((4,), solver=solver, max_iter=2, verbose=2, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    # A line per gain stage under L-BFGS-B; one run without a gain schedule
    # (ABBA) says "L-BFGS-B:", not "stage 1/1".
    stage = [l for l in lines if "] stage " in l or "] L-BFGS-B: " in l]
    assert stage or solver == "adam"
    assert not any("stage 1/1" in l for l in lines)
    assert all(("gain=" in l) == (Est is NonNegMLPClassifier) for l in stage)
    Est((4,), solver=solver, random_state=0).partial_fit(X, y, classes=np.unique(y))
    assert capsys.readouterr().out == ""


# -------------------------------------------------------------------- partial_fit
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_partial_fit_contract(data, solver):
    X, y = data
    est = NonNegMLPClassifier((4,), solver=solver, learning_rate_init=0.05,
                              random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        est.partial_fit(X[:30], y[:30])
    assert not hasattr(est, "coefs_")
    first = y[:30] != 2  # the first batch lacks class 2: classes= announces it
    est.partial_fit(X[:30][first], y[:30][first], classes=[0, 1, 2])
    assert_array_equal(est.classes_, [0, 1, 2])
    assert est.n_iter_ == 1 and len(est.loss_curve_) == 1
    losses = []
    for _ in range(5):
        est.partial_fit(X, y)  # later calls continue, without classes
        losses.append(est.loss_)
    assert est.n_iter_ == 6 and len(est.loss_curve_) == 6
    assert losses[-1] < losses[0]
    with pytest.raises(ValueError, match="classes not in"):
        est.partial_fit(X[:5], np.array([0, 1, 2, 3, 0]))
    with pytest.raises(ValueError, match="classes not in"):
        NonNegMLPClassifier((4,)).partial_fit(X[:5], [0, 1, 2, 3, 0], classes=[0, 1, 2])


def test_partial_fit_continues_a_fit(data):
    X, y = data
    est = NonNegMLPClassifier(**FAST).fit(X, y)
    coef = est.coefs_[0].copy()
    est.partial_fit(X, y)
    assert est.coefs_[0].shape == coef.shape and not np.array_equal(est.coefs_[0], coef)


def test_partial_fit_multilabel_needs_no_classes(data):
    X, _ = data
    Y = _multilabel(X)
    est = NonNegMLPClassifier((4,), output="logistic", random_state=0)
    est.partial_fit(X, Y).partial_fit(X, Y)
    assert est.predict(X).shape == Y.shape


# --------------------------------------------------------------------- warm start
@pytest.mark.parametrize("solver, batch_size", [("lbfgsb", None), ("adam", 30)])
def test_warm_start_continues(data, solver, batch_size):
    X, y = data
    params = dict(hidden_layer_sizes=(4,), gain=1.5, max_iter=5, tol=0.0,
                  solver=solver, batch_size=batch_size, learning_rate_init=0.02,
                  random_state=0)
    warm = NonNegMLPClassifier(warm_start=True, **params).fit(X, y)
    cold = NonNegMLPClassifier(**params).fit(X, y)
    first_run = list(warm.loss_curve_)
    assert first_run == cold.loss_curve_
    warm.fit(X, y)
    cold.fit(X, y)
    assert cold.loss_curve_ == first_run  # a cold refit starts over
    # A warm one goes on, its loss_curve_ extended as scikit-learn's MLP does.
    assert warm.loss_curve_[:len(first_run)] == first_run
    assert warm.loss_curve_[len(first_run)] < first_run[0]
    assert warm.loss_ < first_run[-1]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor])
@pytest.mark.parametrize("solver, batch_size", [("lbfgsb", None), ("lbfgsb", 30)])
def test_warm_start_with_gain_auto_goes_on_at_the_fitted_gain(data, Est, solver,
                                                              batch_size):
    # Before: gain="auto" annealed again from 1 on a warm start, so the network
    # fitted at gain 2 was trained at gain 1 again: its loss jumped and a short
    # continuation ended worse than where it started (a regressor's R^2 fell
    # from 0.9994 to 0.986). It goes on at gain_ now; a schedule given explicitly
    # is run again, as asked.
    X, y = data
    kwargs = {"output": "softmax"} if Est is NonNegMLPClassifier else {}
    est = Est((6,), max_iter=40, tol=0.0, solver=solver, batch_size=batch_size,
              early_stopping=False, random_state=0, **kwargs).fit(X, y)
    end_gain, before = est.gain_, list(est.loss_curve_)
    assert end_gain > 1.5
    est.set_params(warm_start=True, max_iter=5).fit(X, y)
    assert est.gain_ == end_gain
    if batch_size is None:  # full batch: L-BFGS-B only goes down
        assert est.loss_curve_[len(before)] <= before[-1] * (1 + 1e-9)
        assert est.loss_ <= before[-1] * (1 + 1e-9)
    else:  # epochs: the mean loss of the batches before their steps
        assert est.loss_curve_[len(before)] <= before[-1] * 1.1
    if batch_size is None:
        est.set_params(gain=(1.0, 2.0)).fit(X, y)  # explicit: annealed again
        assert est.loss_curve_[len(before) + 5] > before[-1] * 1.1


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("make, change", [
    (lambda **kw: NonNegMLPClassifier((5,), positive="hidden", **kw),
     {"positive": True}),
    (lambda **kw: NonNegMLPClassifier((5,), positive=True, **kw),
     {"monotonic_cst": [1, -1, 0, 0, 0]}),
    (lambda **kw: NonNegAutoencoder(3, **kw), {"nonneg": "penalty"}),
], ids=["positive", "monotonic_cst", "nonneg"])
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_warm_start_after_changed_sign_constraints_is_a_fresh_fit(data, make, change,
                                                                   solver):
    # reliability.md: a warm start after such a change "equals a fresh fit". Before,
    # it continued the old weights clipped onto the new bounds, Adam's moments too.
    X, y = data
    X = np.abs(X)
    is_ae = "nonneg" in change
    kw = dict(max_iter=4, random_state=0, solver=solver)
    if not is_ae:
        kw.update(early_stopping=False, output="logistic")
        y = (y == 0).astype(int)
    warm = make(**kw).fit(X, *([] if is_ae else [y]))
    warm.set_params(warm_start=True, **change).fit(X, *([] if is_ae else [y]))
    fresh = make(**kw).set_params(**change).fit(X, *([] if is_ae else [y]))
    assert len(warm.loss_curve_) == 4
    np.testing.assert_array_equal(warm._theta, fresh._theta)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_extends_validation_scores_with_the_loss_curve(data):
    # Before: a warm start extended loss_curve_ but restarted validation_scores_
    # (40 losses beside 20 scores); scikit-learn's MLPs extend both.
    X, y = data
    est = NonNegMLPClassifier((4,), max_iter=8, tol=0.0, n_iter_no_change=50,
                              early_stopping=True, warm_start=True, random_state=0)
    first = list(est.fit(X, y).validation_scores_)
    assert len(first) == len(est.loss_curve_)
    est.fit(X, y)
    assert len(est.validation_scores_) == len(est.loss_curve_) == 2 * len(first)
    assert est.validation_scores_[:len(first)] == first
    # The best score is that of the parameters the second fit kept.
    assert est.best_validation_score_ == max(est.validation_scores_[len(first):])
    est.set_params(warm_start=False).fit(X, y)
    assert est.validation_scores_ == first  # a cold refit starts over


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("case", ["monotone-binary", "softmax-multilabel",
                                  "abba-softmax-multilabel", "tiny-validation"])
def test_a_refused_fit_leaves_the_fitted_model_as_it_was(data, case):
    # Before: fit encoded the targets (out_activation_, n_outputs_) before the
    # parameters were refused, so the fitted model's probabilities changed and a
    # later partial_fit failed inside the loss ("softmax targets are class
    # indices").
    from sknonneg import ABBAClassifier

    X, y = data
    kw = {"hidden_layer_sizes": (3,), "max_iter": 5, "random_state": 0}
    if case == "monotone-binary":
        est, target = NonNegMLPClassifier(**kw), y % 2
        change = {"monotonic_cst": [1] + [0] * (X.shape[1] - 1), "positive": "hidden"}
    elif case == "tiny-validation":
        est, target = NonNegMLPClassifier(**kw), y % 2
        change = {"early_stopping": True, "validation_fraction": 1e-6}
    else:
        Est = ABBAClassifier if case.startswith("abba") else NonNegMLPClassifier
        est, target = Est(**kw), _multilabel(X)
        change = {"output": "softmax"}
    est.fit(X, target)
    before = {k: copy.deepcopy(v) for k, v in vars(est).items()}
    proba = est.predict_proba(X)
    est.set_params(**change)
    with pytest.raises(ValueError):
        est.fit(X, target)
    assert set(vars(est)) == set(before)
    def same(a, b):
        if isinstance(a, np.ndarray):
            return isinstance(b, np.ndarray) and np.array_equal(a, b)
        if isinstance(a, (list, tuple)):
            return (type(a) is type(b) and len(a) == len(b)
                    and all(same(u, v) for u, v in zip(a, b)))
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, (int, float, str, type(None), np.generic)):
            return a == b
        return True  # objects (the layout, the RandomState): read through the above

    for key, value in before.items():
        if key not in change:  # the parameters just set
            assert same(value, getattr(est, key)), key
    assert_array_equal(est.predict_proba(X), proba)


def test_a_warning_raised_as_an_error_after_the_fit_keeps_the_fitted_model(data):
    # The restore of a refused fit must not undo a finished one: a ConvergenceWarning
    # escalated by a warnings filter comes after the parameters are set (as with
    # scikit-learn's MLPs, the model stays fitted).
    from sklearn.exceptions import ConvergenceWarning

    X, y = data
    est = NonNegMLPClassifier((3,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            est.fit(X, y)
    assert est.n_iter_ == 2 and est.predict(X).shape == y.shape


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_with_output_auto_continues_or_refuses_as_before(data):
    # The restart after set_params(monotonic_cst=...) must not turn into a silent
    # restart on other targets: a sparse column y continues (it was resolved on
    # the raw sparse y, never matched, and every fit started anew), and a changed
    # kind of target is still refused.
    import scipy.sparse as sp

    X, y = data
    y2 = y % 2
    cst = [1] + [0] * (X.shape[1] - 1)
    est = NonNegMLPClassifier((3,), max_iter=3, warm_start=True, monotonic_cst=cst,
                              random_state=0)
    for i, target in enumerate((sp.csr_matrix(y2[:, None]), y2[:, None], y2)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DataConversionWarning of a column y
            est.fit(X, target)
        assert len(est.loss_curve_) == 3 * (i + 1)
    multilabel = NonNegMLPClassifier((3,), max_iter=3, warm_start=True,
                                     random_state=0).fit(X, _multilabel(X))
    with pytest.raises(ValueError, match="warm_start=True continues the previous fit"):
        multilabel.fit(X, y)


@pytest.mark.parametrize("solver", ["lbfgsb"])
def test_early_stopping_scores_a_fit_that_stops_before_its_first_iteration(data, solver):
    # Before: validation_scores_ was [] and best_validation_score_ -inf when
    # L-BFGS-B stopped at its start (projected gradient already below tol).
    X, y = data
    est = NonNegMLPClassifier((3,), early_stopping=True, tol=10.0, max_iter=5,
                              solver=solver, random_state=0).fit(X, y)
    assert est.n_iter_ == 0
    assert len(est.validation_scores_) == 1
    assert np.isfinite(est.best_validation_score_)
    assert est.best_validation_score_ == est.validation_scores_[0]


def test_a_per_layer_penalty_that_is_not_a_number_names_it(data):
    X, y = data
    for name, value in (("l2", ["a", 0]), ("l1", ["auto", 0])):
        with pytest.raises(ValueError,
                           match=f"'{name}' parameter of \\w+ must be a float or one value"):
            NonNegMLPClassifier((3,), max_iter=3, **{name: value}).fit(X, y)


def test_scikit_learn_and_scipy_internals_are_imported_in_compat_only():
    # The brief: never reach into privates that may vanish; those sknonneg cannot do
    # without are imported in sknonneg/_compat.py only, so that a move is mended
    # in one file. (sklearn.utils._safe_indexing is public API despite its name.)
    import ast
    from pathlib import Path

    import sknonneg

    public_despite_name = {("sklearn.utils", "_safe_indexing")}
    root = Path(sknonneg.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "_compat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules, names = [node.module], [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                modules, names = [a.name for a in node.names], []
            else:
                continue
            for module in modules:
                if module.split(".")[0] not in ("sklearn", "scipy"):
                    continue
                private = [p for p in module.split(".") if p.startswith("_")]
                private += [n for n in names if n.startswith("_")
                            and (module, n) not in public_despite_name]
                if private:
                    offenders.append(f"{path.relative_to(root)}:{node.lineno} "
                                     f"{module} {private}")
    assert not offenders, offenders


def test_warnings_point_at_the_code_that_called_fit():
    # Before: the restore wrapper of fit added a frame under the fixed stacklevels,
    # and ConvergenceWarning, DegenerateFitWarning and InputScaleWarning pointed
    # into sknonneg (_classifier.py) instead of the caller's line.
    rng = np.random.RandomState(0)
    X = rng.rand(60, 3)
    y = (X[:, 0] > 0.5).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NonNegMLPClassifier(3, max_iter=2, random_state=0).fit(X * 1e5, y)
        NonNegMLPRegressor(3, max_iter=2, random_state=0).fit(X, X[:, 0])
        NonNegAutoencoder(2, max_iter=2, random_state=0).fit(X * 3)
        NonNegMLPClassifier(3, max_iter=50, l2=1e6, random_state=0).fit(X, y)
        # fit_transform runs under scikit-learn's set_output wrapper, which the
        # warnings pointed into (sklearn/utils/_set_output.py) until it was skipped.
        NonNegAutoencoder(2, max_iter=2, random_state=0).fit_transform(X * 3)
        NonNegMLPRegressor(3, max_iter=2, random_state=0).fit_transform(X, X[:, 0])
    kinds = {type(w.message).__name__ for w in caught}
    assert {"ConvergenceWarning", "InputScaleWarning", "DegenerateFitWarning"} <= kinds
    assert {w.filename for w in caught} == {__file__}


def test_autoencoder_takes_min_max_scaled_input_without_a_warning():
    # Before: MinMaxScaler's 1.0000000000000002, the scaling the warning asks for,
    # raised "X ranges over [0, 1]".
    from sklearn.preprocessing import MinMaxScaler

    from sknonneg import InputScaleWarning

    X = np.random.RandomState(0).normal(size=(80, 6))
    scaled = MinMaxScaler().fit_transform(X)
    scaled[0, 0] = np.nextafter(1.0, 2.0)  # what the scaler's rounding gives
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputScaleWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        NonNegAutoencoder(3, max_iter=3, random_state=0).fit(scaled)
    with pytest.warns(InputScaleWarning, match=r"ranges over \[0\.0, 1\.5\]"):
        NonNegAutoencoder(3, max_iter=3, random_state=0).fit(scaled * 1.5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_from_mlp_and_from_autoencoders_continue_and_extend():
    # Before: partial_fit on an ABBAClassifier.from_mlp raised AttributeError (no
    # _gain_step), and from_autoencoders refused hidden layers past the stack
    # ("positive must be ... one bool per weight layer (3), got [True, True]").
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    mlp = MLPClassifier((4,), activation="tanh", max_iter=10, random_state=0).fit(X, y)
    abba = ABBAClassifier.from_mlp(mlp).partial_fit(X, y)
    assert abba.n_iter_ == 1 and len(abba.loss_curve_) == 1
    ae = NonNegAutoencoder(6, nonneg_layers="both", max_iter=5, random_state=0).fit(X)
    clf = NonNegMLPClassifier.from_autoencoders([ae], hidden_layer_sizes=(6, 3),
                                                max_iter=5, random_state=0).fit(X, y)
    assert [c.shape for c in clf.coefs_] == [(64, 6), (6, 3), (3, 10)]
    assert all(c.min() >= 0 for c in clf.coefs_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_from_autoencoders_on_data_of_another_width_names_the_features():
    # Before: "hidden_layer_sizes=(8,) with 64 input features does not start with
    # the pre-trained stack's layers", although hidden_layer_sizes did.
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 12))
    ae = NonNegAutoencoder(8, max_iter=3, random_state=0).fit(X)
    clf = NonNegMLPClassifier.from_autoencoders([ae], max_iter=2)
    with pytest.raises(ValueError, match="X has 10 features, but the pre-trained"):
        clf.fit(X[:, :10], np.arange(60) % 2)


@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
@pytest.mark.parametrize("cls, name", [
    (cls, name) for cls in (NonNegMLPClassifier, ABBAClassifier, NonNegMLPRegressor)
    for name in ("max_iter", "n_iter_no_change", "batch_size", "steps_per_batch")
] + [(NonNegAutoencoder, name) for name in ("max_iter", "batch_size", "n_components")])
def test_bools_are_refused_as_counts(cls, name, solver):
    # bool is an int to Interval(Integral): before, max_iter=True ran one L-BFGS-B
    # iteration but made Adam (the autoencoder's default) fail with a TypeError
    # from np.full in the gain schedule; every count parameter now refuses a bool,
    # as n_components and hidden_layer_sizes already did.
    from sklearn.utils._param_validation import InvalidParameterError

    X = np.random.RandomState(0).rand(30, 3)
    y = X.sum(axis=1) if cls is NonNegMLPRegressor else np.arange(30) % 3
    est = cls(**{"solver": solver, "max_iter": 2, name: True})
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter.*not a bool"):
        est.fit(X, y)
    assert not [k for k in vars(est) if k.endswith("_")]
    first = {} if cls is not NonNegMLPClassifier and cls is not ABBAClassifier else {
        "classes": [0, 1, 2]}
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        est.partial_fit(X, y, **first)
    # An int (2 for batch_size: mini-batch L-BFGS-B refuses 1-row batches for
    # a classifier).
    value = 2 if name in ("n_components", "batch_size") else 1
    est.set_params(**{name: value}).fit(X, y)


def test_balanced_class_weight_counts_the_sample_weights():
    # "balanced" counts each class with its sample weights, as LogisticRegression
    # does: a row of weight 0 is a removed row. Before, the classes were counted
    # unweighted, and the 30 rows of weight 0 changed the others' class weights
    # (predicted probabilities 0.32 apart).
    X, y = _data(seed=1)
    y = np.where(y == 2, np.where(np.arange(90) % 3 == 0, 2, 1), y)  # unbalanced
    sample_weight = np.ones(len(y))
    sample_weight[(y == 1) & (np.arange(len(y)) % 2 == 0)] = 0.0
    keep = sample_weight > 0
    a = NonNegMLPClassifier(class_weight="balanced", **FAST).fit(
        X, y, sample_weight=sample_weight)
    b = NonNegMLPClassifier(class_weight="balanced", **FAST).fit(X[keep], y[keep])
    assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)


def test_class_weight_times_huge_sample_weight_does_not_overflow():
    # Before: class weights of 1e300 times sample weights of 1e300 overflowed
    # (a RuntimeWarning), and the fit failed with "sample_weight must be finite
    # and non-negative", about finite weights. Only the ratios matter.
    X, y = _data(seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        a = NonNegMLPClassifier(class_weight={0: 1e300, 1: 3e300, 2: 2e300}, **FAST).fit(
            X, y, sample_weight=np.full(len(y), 1e300))
    b = NonNegMLPClassifier(class_weight={0: 1.0, 1: 3.0, 2: 2.0}, **FAST).fit(X, y)
    assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size", [1e307, 1e308, 5e-324])
def test_score_of_uniform_weights_of_any_size_is_the_unweighted_accuracy(size):
    # Before: accuracy_score summed the weights as given, and weights of 1e307
    # (which fit takes) overflowed: NaN, with RuntimeWarnings. They are divided by
    # their largest, as fit divides them.
    from sklearn.metrics import accuracy_score

    X, y = _data(seed=1)
    est = NonNegMLPClassifier(**FAST).fit(X, y, sample_weight=np.full(len(y), size))
    expected = accuracy_score(y, est.predict(X))
    assert expected < 1.0
    w = np.random.RandomState(0).uniform(size=len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert_allclose(est.score(X, y, sample_weight=np.full(len(y), size)),
                        expected, rtol=1e-12)
        if size > 1:
            assert_allclose(est.score(X, y, sample_weight=size * w),
                            accuracy_score(y, est.predict(X), sample_weight=w),
                            rtol=1e-12)


@pytest.mark.parametrize("cls", [NonNegMLPClassifier, ABBAClassifier,
                                 NonNegMLPRegressor, NonNegAutoencoder])
@pytest.mark.parametrize("method", ["fit", "partial_fit", "fit_transform"])
def test_an_unknown_keyword_is_a_type_error(cls, method):
    # Fit, partial_fit and fit_transform take no **kwargs, so
    # an unknown keyword (a typo of sample_weight, say) is Python's TypeError,
    # as scikit-learn's estimators raise it, and is never silently ignored.
    X, y = _data()
    kwargs = {"classes": np.unique(y)} if (
        method == "partial_fit" and cls in (NonNegMLPClassifier, ABBAClassifier)) else {}
    y = None if cls is NonNegAutoencoder else y
    est = cls(max_iter=2)
    with pytest.raises(TypeError, match=r"got an unexpected keyword argument "
                                        r"'sample_weights'"):
        getattr(est, method)(X, y, sample_weights=np.ones(X.shape[0]), **kwargs)
    assert not hasattr(est, "n_features_in_")


@pytest.mark.parametrize("positive", [True, np.True_, [True, True], (True, True),
                                      np.array([True, True])])
def test_poor_score_tag_reads_every_spelling_of_an_all_nonneg_network(positive):
    """The ``poor_score`` tag (a network monotone in a feature against the
    direction the common checks' data need cannot reach their score) resolves
    ``positive`` as a fit does. Before, it tested ``positive is True``: ``np.True_``
    (a NumPy param grid) and a list of True read False, and ``output="auto"`` under
    ``monotonic_cst`` (one logistic unit for a binary target) was not counted."""
    from sklearn.utils import get_tags

    for output, cst in (("logistic", None), ("auto", [1, 1]), ("auto", [0, 1])):
        clf = NonNegMLPClassifier(hidden_layer_sizes=(3,), positive=positive,
                                  output=output, monotonic_cst=cst)
        assert get_tags(clf).classifier_tags.poor_score
    for output in ("softmax", "auto"):
        assert not get_tags(NonNegMLPClassifier(positive=positive, output=output)
                            ).classifier_tags.poor_score
    cst = [0] * 4 + [-1] + [0] * 5  # against check_regressors_train's feature 4
    assert get_tags(NonNegMLPRegressor(hidden_layer_sizes=(3,), positive=positive,
                                       monotonic_cst=cst)).regressor_tags.poor_score
    for free in (False, "hidden", [False, True]):
        assert not get_tags(NonNegMLPClassifier(hidden_layer_sizes=(3,), positive=free,
                                                output="logistic")
                            ).classifier_tags.poor_score
    # A list of the wrong length (refused by fit) reads False, not an error.
    assert not get_tags(NonNegMLPRegressor(hidden_layer_sizes=(3,), positive=[True],
                                           monotonic_cst=cst)
                        ).regressor_tags.poor_score


_CHECK_FAST = {"hidden_layer_sizes": (5,), "max_iter": 50, "random_state": 0}


@pytest.mark.parametrize("params", [
    {"monotonic_cst": [1, -1]}, {"monotonic_cst": [-1, -1]},
    {"monotonic_cst": [1, 0]}, {"monotonic_cst": [-1, 0]},
    {"monotonic_cst": [0, -1]},
    {"monotonic_cst": [0, 0], "output": "logistic"},
    {"monotonic_cst": [1, -1], "output": "logistic"},
    {"positive": [False, True], "output": "logistic"},
])
def test_poor_score_tag_off_where_the_classifier_passes_the_check(params):
    """Before, every single-logistic-output network whose layers were all >= 0
    was tagged ``poor_score``, and check_classifiers_train's accuracy assertion
    (0.83 on its blobs) was off: also under a ``monotonic_cst`` that leaves the
    blobs' second feature free or non-increasing, which the network fits, and
    with every entry 0 (a free first layer). The check also failed on its own
    three-class problem, which monotonic_cst refuses, as the ``multi_class`` tag
    said True. Now the tag is off there, and the check passes with its accuracy
    assertion."""
    from sklearn.utils import get_tags
    from sklearn.utils.estimator_checks import check_classifiers_train

    clf = NonNegMLPClassifier(**params, **_CHECK_FAST)
    tags = get_tags(clf).classifier_tags
    assert not tags.poor_score
    assert tags.multi_class == (not np.any(params.get("monotonic_cst", [0])))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_classifiers_train(type(clf).__name__, clf)


@pytest.mark.parametrize("params", [
    {"positive": True},
    {"monotonic_cst": [1] * 10},
    {"monotonic_cst": [-1] * 4 + [0] + [-1] * 5},
    {"monotonic_cst": [0] * 4 + [1] + [0] * 5},
])
def test_poor_score_tag_off_where_the_regressor_passes_the_check(params):
    """Before, every regressor whose layers were all >= 0 was tagged
    ``poor_score`` (``positive=True``; ``"auto"`` under any ``monotonic_cst``),
    and check_regressors_train's R^2 assertion (0.5) was off, though its target
    rises along its one informative feature (4), which these networks may
    follow. Now the tag is off there, and the check passes with it."""
    from sklearn.utils import get_tags
    from sklearn.utils.estimator_checks import check_regressors_train

    reg = NonNegMLPRegressor(**params, **_CHECK_FAST)
    assert not get_tags(reg).regressor_tags.poor_score
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_regressors_train(type(reg).__name__, reg)


@pytest.mark.parametrize("cls, params", [
    (NonNegMLPClassifier, {"output": "logistic"}),
    (NonNegMLPClassifier, {"monotonic_cst": [0, 1]}),
    (NonNegMLPClassifier, {"monotonic_cst": [-1, 1]}),
    (NonNegMLPRegressor, {"monotonic_cst": [1] * 4 + [-1] + [1] * 5}),
    (NonNegMLPRegressor, {"monotonic_cst": [1] * 4 + [-1] + [1] * 5,
                          "positive": [False, True]}),
])
def test_poor_score_tag_on_only_where_the_check_fails_without_it(cls, params):
    """The tag stays where it is needed: monotone against the direction of the
    check's data (the blobs' second feature, the regression's feature 4), the
    network fails the check's score once the tag is taken off."""
    from sklearn.utils import get_tags
    from sklearn.utils.estimator_checks import (check_classifiers_train,
                                                check_regressors_train)

    est = cls(**params, **_CHECK_FAST)
    tags = get_tags(est)
    regressor = cls is NonNegMLPRegressor
    assert (tags.regressor_tags if regressor else tags.classifier_tags).poor_score

    class Untagged(cls):
        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            if regressor:
                tags.regressor_tags.poor_score = False
            else:
                tags.classifier_tags.poor_score = False
            return tags

    check = check_regressors_train if regressor else check_classifiers_train
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(AssertionError):
            check(cls.__name__, Untagged(**params, **_CHECK_FAST))


def test_poor_score_tag_leaves_the_default_softmax_network_untagged():
    """``output="auto"`` is a softmax, except for a binary target under
    ``monotonic_cst`` (``_auto_output``): the default network, one of
    test_common.py's configurations, is not monotone in its class probabilities
    and keeps check_classifiers_train's accuracy assertion. Before (11acde9),
    every ``output="auto"`` network with non-negative weights was tagged
    ``poor_score``, the default one included; and it fits the check's blobs."""
    from sklearn.utils import get_tags
    from sklearn.utils.estimator_checks import check_classifiers_train

    clf = NonNegMLPClassifier(hidden_layer_sizes=(5,), max_iter=50, random_state=0)
    assert clf.output == "auto" and clf.positive is True
    assert not get_tags(clf).classifier_tags.poor_score
    assert not get_tags(NonNegMLPClassifier(monotonic_cst={})
                        ).classifier_tags.poor_score
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_classifiers_train(type(clf).__name__, clf)  # accuracy > 0.83
