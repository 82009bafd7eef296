"""Bad input through the public functions that are not an estimator's fit/predict.

``test_bad_input`` and ``test_fuzz`` cover the estimators; this module gives a
FITTED model bad second inputs (NaN/inf, wrong shapes, malformed sparse matrices,
strings, wrong widths, bad parameters) through ``sknonneg.inspection``,
``sknonneg.robustness``, ``sknonneg.parallel``, ``sknonneg.datasets`` and
``sknonneg.persist``: each gets a clear error (scikit-learn's wording where it has
one) naming the argument, never a crash, a hang or a silent result.
"""

import copy
import io
import os
import socket
import warnings
import zipfile

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, PolynomialFeatures  # noqa: E402
from sklearn.utils import Bunch  # noqa: E402

from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor  # noqa: E402
from sknonneg.datasets import (expand_multilabel, load_adult, load_auto_mpg,  # noqa: E402
                               load_compas, load_mnist, load_reuters,
                               load_spambase, multilabel_hit_rate,
                               reuters_bag_of_words)
from sknonneg.exceptions import (NonMonotoneStepError,  # noqa: E402
                                 UncertifiableModelError)
from sknonneg.inspection import (HiddenUnitsDisplay, OutputWeightsDisplay,  # noqa: E402
                                 check_monotonic, describe_network, hoyer_sparsity,
                                 top_features, weight_sparsity)
from sknonneg.parallel import iter_chunks, partial_fit_chunks  # noqa: E402
from sknonneg.robustness import (additive_evasion_attack,  # noqa: E402
                                 monotone_certificate)

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::sknonneg.exceptions.DegenerateFitWarning"),
]

RNG = np.random.RandomState(0)
X = RNG.rand(40, 4)
Y = (X[:, 0] + X[:, 1] > 1).astype(int)
Y3 = (X[:, 0] * 3).astype(int)
EXPECTING = r"X has {} features, but {} is expecting 4 features as input\."


def _net(**params):
    return NonNegMLPClassifier(**{"hidden_layer_sizes": (3,), "max_iter": 20,
                                  "random_state": 0, **params})


@pytest.fixture(scope="module")
def models():
    """Tiny fitted models, once for the module."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "clf": _net().fit(X, Y),
            "clf3": _net().fit(X, Y3),
            "clfm": _net(monotonic_cst=[1, -1, 0, 0]).fit(X, Y),
            "reg": NonNegMLPRegressor(hidden_layer_sizes=(3,), max_iter=20,
                                      random_state=0).fit(X, X[:, 0]),
            "pos": _net(positive=True, output="logistic").fit(X, Y),
            "pout": _net(positive="output", output="logistic").fit(X, Y),
            "mlp": MLPClassifier(hidden_layer_sizes=(3,), max_iter=30,
                                 random_state=0).fit(X, Y),
        }


def _malformed(kind):
    """A CSR matrix of X's width whose structure is broken: built so by its
    constructor (which checks nothing about indices), or mutated after it."""
    if kind == "constructed, index out of range":
        return sp.csr_matrix((np.ones(3), np.array([0, 1, 7]), np.array([0, 1, 2, 3])),
                             shape=(3, 4))
    A = sp.csr_matrix(X[:5])
    if kind == "indices mutated out of range":
        A.indices = A.indices.copy()
        A.indices[0] = 99
    elif kind == "indptr not monotone":
        A.indptr = A.indptr.copy()
        A.indptr[1], A.indptr[2] = 6, 2
    elif kind == "data shorter than indices":
        A.data = A.data[:-1]
    elif kind == "indices negative":
        A.indices = A.indices.copy()
        A.indices[3] = -1
    return A


MALFORMED = [
    ("constructed, index out of range", r"indices must lie in \[0, 4\)"),
    ("indices mutated out of range", r"indices must lie in \[0, 4\)"),
    ("indices negative", r"indices must lie in \[0, 4\)"),
    ("indptr not monotone", "indptr must be non-decreasing"),
    ("data shorter than indices", "data has 19 entries, indices 20"),
]

# Bad X for a model fitted on 4 numeric features, and the error it must give.
BAD_X = [
    ("nan", np.where(np.eye(40, 4) > 0, np.nan, X), "Input X contains NaN"),
    ("inf", np.where(np.eye(40, 4) > 0, np.inf, X), "Input X contains infinity"),
    ("words", np.array([["a", "b", "c", "d"]] * 3), "could not convert string to float"),
    ("complex", X + 1j, "Complex data not supported"),
] + [(f"csr {kind}", kind, match) for kind, match in MALFORMED]


def _bad_x(value):
    return _malformed(value) if isinstance(value, str) else value


# ------------------------------------------------------------------- check_monotonic
@pytest.mark.parametrize("name, value, match", BAD_X, ids=[c[0] for c in BAD_X])
@pytest.mark.parametrize("model", ["clf", "clfm"])
def test_check_monotonic_bad_X(models, model, name, value, match):
    cst = [1, 1, 0, 0] if model == "clf" else None
    with pytest.raises(ValueError, match=match):
        check_monotonic(models[model], _bad_x(value), monotonic_cst=cst, n_steps=5)


@pytest.mark.parametrize("model, cst", [("clf", [1, 1, 0, 0]), ("clf", [1, 1, 0, 0, 0]),
                                        ("clfm", None), ("reg", [1, 0, 0, 0])])
@pytest.mark.parametrize("width", [3, 5])
def test_check_monotonic_wrong_width_is_scikit_learns_error(models, model, cst, width):
    """Before: "monotonic_cst must have shape (5,)" blamed a correct monotonic_cst,
    or "the estimator's constraints cover 4 features, X has 5"."""
    est = models[model]
    if cst is not None and len(cst) != 4:
        cst = cst[:width] + [0] * (width - len(cst[:width]))
    with pytest.raises(ValueError,
                       match=EXPECTING.format(width, type(est).__name__)):
        check_monotonic(est, RNG.rand(10, width), monotonic_cst=cst, n_steps=5)


def test_check_monotonic_wrong_width_of_a_frame(models):
    """A DataFrame for a model fitted on a NumPy array is counted as an array; one
    for a model fitted on named columns is left to the model's name checks."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(RNG.rand(10, 5), columns=list("abcde"))
    with pytest.raises(ValueError, match=EXPECTING.format(5, "NonNegMLPClassifier")):
        check_monotonic(models["clf"], frame, monotonic_cst=[1, 1, 0, 0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        named = _net(monotonic_cst={"a": 1}).fit(frame.iloc[:, :4].assign(
            a=np.linspace(0, 1, 10)), np.arange(10) % 2)
    with pytest.raises(ValueError, match="feature names"):
        check_monotonic(named, frame.rename(columns={"e": "z"}), n_steps=5)


def test_check_monotonic_wrong_width_of_a_scikit_learn_model():
    model = LinearRegression().fit(X, X[:, 0])
    with pytest.raises(ValueError, match=EXPECTING.format(5, "LinearRegression")):
        check_monotonic(model, RNG.rand(10, 5), monotonic_cst=[1, 1, 0, 0])


@pytest.mark.parametrize("X_bad", [X[0], X[:0], X[None], None, 3.0],
                         ids=["1-D", "0 rows", "3-D", "None", "scalar"])
def test_check_monotonic_not_a_2d_X(models, X_bad):
    with pytest.raises(ValueError, match="X must be a non-empty 2-D array"):
        check_monotonic(models["clfm"], X_bad)


@pytest.mark.parametrize("n_steps", [0, 1, -1, 2.5, np.nan, "5", None, True])
def test_check_monotonic_bad_n_steps(models, n_steps):
    with pytest.raises(ValueError, match="'n_steps' parameter of check_monotonic "
                                         r"must be an int in the range \[2, inf\)"):
        check_monotonic(models["clfm"], X, n_steps=n_steps)


def test_check_monotonic_huge_n_steps_is_bounded_by_the_data(models):
    report = check_monotonic(models["clfm"], X[:10], n_steps=2**70)
    assert all(len(g) <= 10 for g in report.grids)


@pytest.mark.parametrize("cst, match", [
    ([1, 1], r"monotonic_cst must have shape \(4,\)"),
    ([1, 1, 1, 1, 1], r"monotonic_cst must have shape \(4,\)"),
    ([2, 0, 0, 0], "values must be -1, 0 or 1; got 2"),
    ([np.nan, 0, 0, 0], "values must be -1, 0 or 1; got nan"),
    ([0.5, 0, 0, 0], "values must be -1, 0 or 1; got 0.5"),
    (["a"] * 4, "values must be -1, 0 or 1; got 'a'"),
    ({"x0": 1}, "monotonic_cst given as a dict needs feature names"),
    ({0: 1}, "maps feature names"),
    ([0, 0, 0, 0], "no feature"),
])
def test_check_monotonic_bad_monotonic_cst(models, cst, match):
    with pytest.raises(ValueError, match=match):
        check_monotonic(models["clf"], X, monotonic_cst=cst, n_steps=5)


def test_check_monotonic_unknown_names_of_a_frame(models):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=list("abcd"))
    with pytest.raises(ValueError, match=r"not in X: \['zz'\]"):
        check_monotonic(models["clf"], frame, monotonic_cst={"zz": 1})


@pytest.mark.parametrize("estimator, error, match", [
    (NonNegMLPClassifier(), NotFittedError, "not fitted yet"),
    (None, TypeError, "is not an estimator instance"),
    ("clf3", ValueError, "this classifier has 3 classes"),
    ("clf", ValueError, "has no monotonic_cst_: pass monotonic_cst"),
])
def test_check_monotonic_bad_estimator(models, estimator, error, match):
    est = models[estimator] if isinstance(estimator, str) else estimator
    cst = [1, 1, 1, 1] if estimator == "clf3" else None
    with pytest.raises(error, match=match):
        check_monotonic(est, X, monotonic_cst=cst)


def test_check_monotonic_unsorted_and_duplicate_csr_indices_read_as_dense(models):
    """Legal CSR (unsorted, duplicated indices: summed) reads as its dense matrix."""
    A = sp.csr_matrix((np.array([0.3, 0.4, 0.5, 0.2, 0.9]),
                       np.array([1, 0, 0, 1, 3]), np.array([0, 3, 5])), shape=(2, 4))
    sparse = check_monotonic(models["clfm"], A)
    dense = check_monotonic(models["clfm"], A.toarray())
    assert [g.tolist() for g in sparse.grids] == [g.tolist() for g in dense.grids]
    np.testing.assert_array_equal(sparse.max_drop, dense.max_drop)


# -------------------------------------------- describe / sparsity / top features
@pytest.mark.parametrize("func", [describe_network, weight_sparsity, top_features,
                                  hoyer_sparsity])
@pytest.mark.parametrize("estimator, error, match", [
    (NonNegMLPClassifier(), NotFittedError, "not fitted yet"),
    (LogisticRegression(), None, None),
    (None, (TypeError, ValueError), None),
    (object(), TypeError, None),
])
def test_inspection_functions_bad_estimator(func, estimator, error, match):
    if isinstance(estimator, LogisticRegression):
        estimator = LogisticRegression().fit(X, Y)
        error, match = TypeError, "LogisticRegression is not supported"
    with pytest.raises(error, match=match):
        func(estimator)


@pytest.mark.parametrize("func", [describe_network, weight_sparsity, top_features,
                                  hoyer_sparsity])
@pytest.mark.parametrize("change, match", [
    (lambda c: [c[0][None], c[1]], r"coefs_\[0\] must be a 2-D array of weights, got "
                                   r"an array of shape \(1, 4, 3\)"),
    (lambda c: [c[0], c[1][:, :, None]], r"coefs_\[1\] must be a 2-D array"),
    (lambda c: [np.empty((4, 0)), c[1]], r"coefs_ do not make a network: coefs_\[0\] "
                                         r"has shape \(4, 0\) and coefs_\[1\] \(3, 1\)"),
    (lambda c: [c[0], c[1].T], "coefs_ do not make a network"),
])
def test_inspection_functions_refuse_weights_that_are_no_network(models, func, change,
                                                                match):
    """Before: a 3-D coefs_[0] was described as a layer "1 -> 4", measured as NaN
    sparsities by hoyer_sparsity, and top_features failed with "too many values to
    unpack (expected 2)"; layers that do not chain were read as they came."""
    mlp = copy.deepcopy(models["mlp"])
    mlp.coefs_ = change(mlp.coefs_)
    with pytest.raises(ValueError, match="MLPClassifier." + match):
        func(mlp)


def test_hidden_units_display_refuses_a_3d_first_layer(models):
    mlp = copy.deepcopy(models["mlp"])
    mlp.coefs_ = [mlp.coefs_[0][None], mlp.coefs_[1]]
    with pytest.raises(ValueError, match=r"coefs_\[0\] must be a 2-D array"):
        HiddenUnitsDisplay.from_estimator(mlp)
    plt.close("all")


def test_components_that_are_no_matrix_are_refused():
    pca = PCA(2).fit(X)
    pca.components_ = pca.components_[None]
    for func in (describe_network, weight_sparsity, top_features, hoyer_sparsity):
        with pytest.raises(ValueError, match=r"PCA.components_ must be a 2-D array"):
            func(pca)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_weights_are_refused(models, value):
    mlp = copy.deepcopy(models["mlp"])
    W = mlp.coefs_[0].copy()
    W[0, 0] = value
    mlp.coefs_[0] = W
    for func in (describe_network, weight_sparsity, top_features, hoyer_sparsity):
        with pytest.raises(ValueError, match="Input contains NaN or infinity"):
            func(mlp)


@pytest.mark.parametrize("tol", [-1, np.nan, np.inf, "a", None])
@pytest.mark.parametrize("func", [describe_network, weight_sparsity])
def test_bad_tol(models, func, tol):
    with pytest.raises(ValueError, match=f"'tol' parameter of {func.__name__} must be "
                                         r"a float in the range \[0, inf\) \(finite\)"):
        func(models["clf"], tol=tol)


@pytest.mark.parametrize("W, match", [
    (np.full((3, 4), np.nan), "Input contains NaN or infinity"),
    (np.full((3, 4), np.inf), "Input contains NaN or infinity"),
    (RNG.rand(2, 3, 4), r"weight matrices must be 2-D \(n_in, n_out\)"),
    (RNG.rand(4), r"weight matrices must be 2-D \(n_in, n_out\)"),
    ([], "got an empty list"),
    (RNG.rand(3, 4) + 1j, "Complex data not supported"),
    ("csr", r"Input estimator is a malformed sparse matrix"),
])
def test_weight_sparsity_bad_arrays(W, match):
    if isinstance(W, str):
        W = _malformed("indices mutated out of range")
    with pytest.raises(ValueError, match=match):
        weight_sparsity(W)


@pytest.mark.parametrize("W, kwargs, error, match", [
    (np.full((3, 4), np.nan), {}, ValueError, "Input contains NaN or infinity"),
    (np.float64(3.0), {}, ValueError, "needs at least a 1-D array"),
    (RNG.rand(3, 4) + 1j, {}, ValueError, "Complex data not supported"),
    (RNG.rand(3, 4), {"axis": 2}, ValueError, "axis 2 is out of bounds"),
    (RNG.rand(3, 4), {"axis": 0.5}, ValueError, "'axis' parameter of hoyer_sparsity"),
    (RNG.rand(3, 4), {"average": "no"}, ValueError, "'average' parameter"),
])
def test_hoyer_sparsity_bad_input(W, kwargs, error, match):
    with pytest.raises(error, match=match):
        hoyer_sparsity(W, **kwargs)


def test_hoyer_sparsity_of_empty_and_zero_vectors_is_documented_nan():
    assert hoyer_sparsity(np.empty((0, 4))).shape == (0,)
    assert np.isnan(hoyer_sparsity(np.zeros((3, 4)))).all()
    assert np.isnan(hoyer_sparsity(np.empty((3, 0)))).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"k": 0}, r"The 'k' parameter of top_features must be an int in the range \[1, inf\)\. "
             "Got 0 instead"),
    ({"k": 2.5}, "'k' parameter of top_features must be an int in the range"),
    ({"feature_names": ["a"]}, "feature_names has 1 entries but the estimator has 4"),
    ({"feature_names": ["a", "a", "b", "c"]}, "feature_names must be unique"),
    ({"units": [5]}, r"'units' parameter of top_features must be an array-like of int in the "
                    r"range \[-3, 2\]"),
    ({"units": [0.5]}, "'units' parameter of top_features must be an array-like of int"),
    ({"units": []}, "units must select at least one unit"),
    ({"units": [0, 0]}, "units must not repeat a unit"),
    ({"by": "foo"}, "'by' parameter of top_features must be a str among "
                      "{'abs', 'auto', 'negative', 'positive'}. Got 'foo' instead"),
])
def test_top_features_bad_arguments(models, kwargs, match):
    with pytest.raises(ValueError, match=match):
        top_features(models["clf"], **kwargs)


# ------------------------------------------------------------------------ displays
@pytest.mark.parametrize("Display", [HiddenUnitsDisplay, OutputWeightsDisplay])
@pytest.mark.parametrize("kwargs, error, match", [
    ({"image_shape": (3, 3)}, ValueError, r"image_shape=\(3, 3\) does not match "
                                          "n_features=4"),
    ({"image_shape": (2,)}, ValueError, "'image_shape' parameter of \\w+.from_estimator must be a pair of ints"),
    ({"image_shape": (-2, -2)}, ValueError, "'image_shape' parameter of \\w+.from_estimator must be a pair of ints"),
    ({"image_shape": (2.0, 2.0)}, ValueError, "'image_shape' parameter of \\w+.from_estimator must be a pair of ints"),
    ({"units": [5]}, ValueError, r"'units' parameter of \w+.from_estimator must be an array-like of int "
                          r"in the range \[-3, 2\]"),
    ({"units": [-4]}, ValueError, r"'units' parameter of \w+.from_estimator must be an array-like of int "
                          r"in the range \[-3, 2\]"),
    ({"units": []}, ValueError, "units must select at least one unit"),
])
def test_displays_bad_arguments(models, Display, kwargs, error, match):
    if Display is OutputWeightsDisplay and "image_shape" in kwargs:
        kwargs = {**kwargs, "show_images": True}
    try:
        with pytest.raises(error, match=match):
            Display.from_estimator(models["clf"], **kwargs)
    finally:
        plt.close("all")


@pytest.mark.parametrize("Display", [HiddenUnitsDisplay, OutputWeightsDisplay])
@pytest.mark.parametrize("estimator, error, match", [
    (NonNegMLPClassifier(), NotFittedError, "not fitted yet"),
    ("LogisticRegression", TypeError, "LogisticRegression is not supported"),
    (None, TypeError, "NoneType object is not an estimator instance"),
    (X, TypeError, "ndarray object is not an estimator instance"),
])
def test_displays_bad_estimator(Display, estimator, error, match):
    if isinstance(estimator, str):
        estimator = LogisticRegression().fit(X, Y)
    try:
        with pytest.raises(error, match=match):
            Display.from_estimator(estimator)
    finally:
        plt.close("all")


@pytest.mark.parametrize("name, value, match", BAD_X + [
    ("5 features", RNG.rand(10, 5), EXPECTING.format(5, "NonNegMLPClassifier")),
    ("1-D", X[0], "Expected 2D array, got 1D array"),
    ("0 rows", X[:0], r"Found array with 0 sample\(s\)"),
], ids=[c[0] for c in BAD_X] + ["5 features", "1-D", "0 rows"])
def test_output_weights_display_bad_X(models, name, value, match):
    try:
        with pytest.raises(ValueError, match=match):
            OutputWeightsDisplay.from_estimator(models["clf"], _bad_x(value))
    finally:
        plt.close("all")


@pytest.mark.parametrize("y_bad, match", [
    (Y[:5], "inconsistent numbers of samples"),
    (np.full(40, 7), r"y has labels \[7\] that are not among the estimator's classes_"),
    (np.where(np.arange(40) == 0, np.nan, Y), "Input y contains NaN"),
])
def test_output_weights_display_bad_y(models, y_bad, match):
    try:
        with pytest.raises(ValueError, match=match):
            OutputWeightsDisplay.from_estimator(models["clf"], X, y_bad)
    finally:
        plt.close("all")


# ---------------------------------------------------------------------- robustness
@pytest.mark.parametrize("name, value, match", BAD_X + [
    ("5 features", RNG.rand(10, 5), EXPECTING.format(5, "NonNegMLPClassifier")),
    ("3 features", RNG.rand(10, 3), EXPECTING.format(3, "NonNegMLPClassifier")),
    ("1-D", X[0], "Expected 2D array, got 1D array"),
    ("0 rows", X[:0], r"Found array with 0 sample\(s\)"),
    ("3-D", X[None], "Found array with dim 3"),
], ids=[c[0] for c in BAD_X] + ["5 features", "3 features", "1-D", "0 rows", "3-D"])
def test_attack_bad_X(models, name, value, match):
    """An infinity named X (before: "Input contains infinity ...")."""
    if name == "words":
        match = "dtype='numeric' is not compatible with arrays of bytes/strings"
    with pytest.raises(ValueError, match=match):
        additive_evasion_attack(models["pos"], _bad_x(value), budget=1.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"budget": -1}, r"'budget' parameter of additive_evasion_attack must be a float in the "
                  r"range \(0, inf\)"),
    ({"budget": 0}, r"'budget' parameter of additive_evasion_attack must be a float in the "
                  r"range \(0, inf\)"),
    ({"budget": np.nan}, r"'budget' parameter of additive_evasion_attack must be a float in the "
                  r"range \(0, inf\)"),
    ({"budget": -np.inf}, r"'budget' parameter of additive_evasion_attack must be a float in the "
                  r"range \(0, inf\)"),
    ({"budget": np.inf}, "budget=np.inf needs a finite upper bound"),
    ({"budget": 1e308}, "more than 1e9 rounds of the search"),
    ({"budget": "1"}, r"'budget' parameter of additive_evasion_attack must be a float in the "
                  r"range \(0, inf\)"),
    ({"budget": np.ones(3)}, r"'budget' parameter of additive_evasion_attack must be a float in the "
                  r"range \(0, inf\)"),
    ({"budget": 1.0, "features": [True, False]},
     r"'features' parameter of additive_evasion_attack must be a boolean mask of "
     r"shape \(4,\)"),
    ({"budget": 1.0, "features": [0, 9]}, r"'features' parameter of additive_evasion_attack must be feature "
     r"indices in the range \[0, 3\]"),
    ({"budget": 1.0, "features": [-1]}, r"'features' parameter of additive_evasion_attack must be feature "
     r"indices in the range \[0, 3\]"),
    ({"budget": 1.0, "features": np.array([1.0, 0, 1, 0])},
     "'features' parameter of additive_evasion_attack must be a boolean mask, feature "
     "indices, feature names or None"),
    ({"budget": 1.0, "features": ["a"]}, "features given by name need an estimator"),
    ({"budget": 1.0, "features": []}, "features selects no feature"),
    ({"budget": 1.0, "step": 0}, r"'step' parameter of additive_evasion_attack must be a float in the "
     r"range \(0, inf\)"),
    ({"budget": 1.0, "step": np.nan}, r"'step' parameter of additive_evasion_attack must be a float in the "
     r"range \(0, inf\)"),
    ({"budget": 1.0, "upper": np.nan}, "upper must not contain NaN"),
    ({"budget": 1.0, "upper": np.ones(3)}, r"'upper' parameter of additive_evasion_attack must be a "
                                           r"float or an array-like of shape \(4,\)"),
    ({"budget": 1.0, "threshold": np.nan}, "'threshold' parameter of additive_evasion_attack must be a finite "
     "float \\(a margin\\) or None"),
    ({"budget": 1.0, "target_class": 5}, r"'target_class' parameter of additive_evasion_attack must be one of "
     r"the classes \[0, 1\]"),
])
def test_attack_bad_arguments(models, kwargs, match):
    with pytest.raises(ValueError, match=match):
        additive_evasion_attack(models["pout"], X, **kwargs)


@pytest.mark.parametrize("model, error, match", [
    (NonNegMLPClassifier(), NotFittedError, "not fitted yet"),
    ("reg", ValueError, "attacks classifiers"),
    ("clf3", ValueError, "target_class is required for a model with 3 classes"),
])
def test_attack_bad_model(models, model, error, match):
    est = models[model] if isinstance(model, str) else model
    with pytest.raises(error, match=match):
        additive_evasion_attack(est, X, budget=1.0)


@pytest.mark.parametrize("model, error, match", [
    ("clf", ValueError, "two-class softmax output is not certified"),
    ("reg", ValueError, "NonNegMLPRegressor is not certified"),
    ("clf3", ValueError, "needs a binary classifier or a regressor"),
    ("forest", UncertifiableModelError, "RandomForestClassifier cannot be certified"),
    ("negative", NonMonotoneStepError, "<ufunc 'negative'> is not a known "
                                       "non-decreasing ufunc"),
    ("sin", NonMonotoneStepError, "<ufunc 'sin'> is not a known non-decreasing"),
    ("lambda", NonMonotoneStepError, "is not a known non-decreasing ufunc"),
    ("pca", NonMonotoneStepError, "'pca' \\(PCA\\) does not keep a monotone"),
    ("poly", NonMonotoneStepError, "PolynomialFeatures\\) does not keep a monotone"),
    ("unfitted", NotFittedError, "not fitted yet"),
    ("none", TypeError, "None is not an estimator instance"),
])
def test_certificate_refuses_what_it_cannot_certify(models, model, error, match):
    """Never certified: refused with the reason (a non-monotone model, a Pipeline
    step outside MONOTONE_UFUNCS or the supported maps)."""
    pos = models["pos"]
    make = {
        "forest": lambda: RandomForestClassifier(n_estimators=2,
                                                 random_state=0).fit(X, Y),
        "negative": lambda: make_pipeline(FunctionTransformer(np.negative),
                                          _net(positive=True, output="logistic")),
        "sin": lambda: make_pipeline(FunctionTransformer(np.sin),
                                     _net(positive=True, output="logistic")),
        "lambda": lambda: make_pipeline(FunctionTransformer(lambda z: -z),
                                        _net(positive=True, output="logistic")),
        "pca": lambda: make_pipeline(PCA(2), _net(positive=True, output="logistic")),
        "poly": lambda: make_pipeline(PolynomialFeatures(2),
                                      _net(positive=True, output="logistic")),
        "unfitted": lambda: NonNegMLPClassifier(),
        "none": lambda: None,
    }
    if model in models:
        est = models[model]
    else:
        est = make[model]()
        if hasattr(est, "steps"):
            est.fit(X, Y)
    assert pos is not est
    with pytest.raises(error, match=match):
        monotone_certificate(est)


@pytest.mark.parametrize("name, value, match", BAD_X + [
    ("5 features", RNG.rand(10, 5), EXPECTING.format(5, "NonNegMLPClassifier")),
    ("0 rows", X[:0], r"Found array with 0 sample\(s\)"),
], ids=[c[0] for c in BAD_X] + ["5 features", "0 rows"])
def test_certified_radius_bad_X(models, name, value, match):
    with pytest.raises(ValueError, match=match):
        models["clf"].certified_radius(_bad_x(value))


# ------------------------------------------------------------------------ parallel
@pytest.mark.parametrize("args, kwargs, match", [
    ((10, 0), {}, "'chunk_size' parameter of iter_chunks must be a positive int"),
    ((10, -1), {}, "'chunk_size' parameter of iter_chunks must be a positive int"),
    ((10, 2.5), {}, "'chunk_size' parameter of iter_chunks must be a positive int"),
    ((10, None), {}, "'chunk_size' parameter of iter_chunks must be a positive int"),
    ((-1, 3), {}, "'n_samples' parameter of iter_chunks must be a non-negative int"),
    ((np.nan, 3), {}, "'n_samples' parameter of iter_chunks must be a non-negative"),
    ((10, 3), {"n_epochs": 0}, "'n_epochs' parameter of iter_chunks"),
    ((10, 3), {"shuffle": "yes"}, "'shuffle' parameter of iter_chunks"),
])
def test_iter_chunks_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        iter_chunks(*args, **kwargs)


def test_iter_chunks_empty_and_huge():
    """Beyond NumPy's integers the chunks still come, as they are read; a shuffled
    order of that many is refused at the call. Before: NumPy's "Maximum allowed
    size exceeded" at the first chunk, shuffled or not."""
    assert list(iter_chunks(0, 3)) == []
    chunks = iter_chunks(10**20, 3)
    assert (next(chunks), next(chunks)) == ((0, 3), (3, 6))
    assert list(iter_chunks(10**20, 10**20)) == [(0, 10**20)]
    with pytest.raises(ValueError, match="pass a larger chunk_size"):
        iter_chunks(10**20, 3, shuffle=True)


def _new():
    return NonNegMLPClassifier(hidden_layer_sizes=(2,), random_state=0)


@pytest.mark.parametrize("X_bad, y_bad, kwargs, error, match", [
    (X, Y, {"chunk_size": 0}, ValueError, "'chunk_size' parameter of "
                                          "partial_fit_chunks must be a positive int"),
    (X, Y, {"chunk_size": -1}, ValueError, "'chunk_size' parameter"),
    (X, Y, {"chunk_size": "a"}, ValueError, "'chunk_size' parameter"),
    (X, Y, {"n_epochs": 0}, ValueError, "'n_epochs' parameter of partial_fit_chunks"),
    (X[:0], Y[:0], {}, ValueError, r"Found array with 0 sample\(s\)"),
    (X, Y[:30], {}, ValueError, "X has 40 rows but y has 30"),
    (X[:30], Y, {}, ValueError, "X has 30 rows but y has 40"),
    (X, Y, {"sample_weight": np.ones(3)}, ValueError,
     "X has 40 rows but sample_weight has 3"),
    (X, Y3, {}, ValueError, "y holds label 2 not in classes"),
    (X[0], Y, {}, TypeError, "X must be a 2-D array sliced by rows"),
    (X[None], Y, {}, TypeError, "X must be a 2-D array sliced by rows"),
    (np.where(np.eye(40, 4) > 0, np.nan, X), Y, {}, ValueError, "Input X contains NaN"),
] + [(kind, Y[:5], {}, ValueError, match) for kind, match in MALFORMED
     if kind != "constructed, index out of range"])
def test_partial_fit_chunks_bad_input(X_bad, y_bad, kwargs, error, match):
    with pytest.raises(error, match=match):
        partial_fit_chunks(_new(), _bad_x(X_bad), y_bad, classes=[0, 1],
                           **{"chunk_size": 5, **kwargs})


def test_partial_fit_chunks_wrong_width_for_a_fitted_model(models):
    est = copy.deepcopy(models["clf"])
    with pytest.raises(ValueError, match=EXPECTING.format(5, "NonNegMLPClassifier")):
        partial_fit_chunks(est, RNG.rand(10, 5), Y[:10], chunk_size=5)


def test_predict_blocks_bad_input(models):
    da = pytest.importorskip("dask.array")
    from sknonneg.parallel import predict_blocks

    clf = models["clf"]
    with pytest.raises(TypeError, match="predict_blocks needs a dask array"):
        predict_blocks(clf, X)
    with pytest.raises(ValueError, match="X must be a 2-D dask array, got 1"):
        predict_blocks(clf, da.from_array(X[0], chunks=2))
    with pytest.raises(ValueError, match="method must be one of"):
        predict_blocks(clf, da.from_array(X, chunks=10), method="foo")
    with pytest.raises(ValueError, match=EXPECTING.format(5, "NonNegMLPClassifier")):
        predict_blocks(clf, da.from_array(RNG.rand(10, 5), chunks=5)).compute()
    with pytest.raises(ValueError, match="Input X contains NaN"):
        predict_blocks(clf, da.from_array(np.full((4, 4), np.nan), chunks=2)).compute()
    with pytest.raises(NotFittedError):
        predict_blocks(NonNegMLPClassifier(), da.from_array(X, chunks=10))


@pytest.mark.parametrize("n_threads, match", [
    (0, "must be a positive int"),
    (-1, "must be a positive int"),
    (2.5, "must be a positive int"),
    (True, "must be a positive int"),
    (2**31, "must be a positive int at most 2147483647"),
    (2**70, "must be a positive int at most 2147483647"),
])
def test_thread_limits_bad_n_threads(n_threads, match):
    """Before: 2**31 was accepted and wrapped in the C int of the pools (each
    worker's OpenMP left at one thread), 2**70 failed on every worker at setup
    with ctypes' "int too long to convert"."""
    pytest.importorskip("distributed")
    from sknonneg.parallel import ThreadLimits

    with pytest.raises(ValueError, match="'n_threads' parameter of ThreadLimits "
                                         + match):
        ThreadLimits(n_threads, warm_for=False)
    assert ThreadLimits(2**31 - 1, warm_for=False).n_threads == 2**31 - 1


# ------------------------------------------------------------------------ datasets
YL = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 0]])
XL = RNG.rand(5, 3)


@pytest.mark.parametrize("X_bad, Y_bad, match", [
    (XL, YL[:3], "X and Y have inconsistent numbers of samples: 5 and 3"),
    (XL, YL[:, 0], "Y must be a 2-D label indicator matrix"),
    (XL, YL[None], "Y must be a 2-D label indicator matrix"),
    (XL, YL * 2, "label indicator matrix of 0 .absent. and 1 .present., got the "
                 "value 2"),
    (XL, -YL, "For -1/\\+1 labels, pass Y > 0"),
    (XL, YL + 0.5, "continuous-multioutput"),
    (XL, np.where(YL, np.nan, 0), "Input Y contains NaN or infinity"),
    (XL, YL.astype(str), "got strings"),
    (_malformed("indices mutated out of range"), YL, "malformed sparse matrix"),
])
def test_expand_multilabel_bad_input(X_bad, Y_bad, match):
    with pytest.raises(ValueError, match=match):
        expand_multilabel(X_bad, Y_bad)


def test_expand_multilabel_empty_and_label_free_rows():
    Xe, ye = expand_multilabel(XL[:0], YL[:0])
    assert Xe.shape == (0, 3) and ye.shape == (0,)
    Xe, ye = expand_multilabel(XL, np.zeros_like(YL))
    assert Xe.shape == (0, 3) and ye.shape == (0,)


@pytest.mark.parametrize("Y_true, y_pred, kwargs, match", [
    (YL, np.array([0, 1, 0]), {}, "y_pred must be 1-D with 5 entries"),
    (YL, np.array([0, 1, 0, 5, 0]), {}, r"column indices outside \[0, 3\)"),
    (YL, np.array([0, 1, 0, -1, 0]), {}, r"column indices outside \[0, 3\)"),
    (YL, np.array([0, 1, 0, np.nan, 0]), {}, "must hold integer column indices"),
    (YL, np.array([0, 1, 0, 2, 0])[:, None], {}, "y_pred must be 1-D with 5 entries"),
    (YL[:0], np.array([], dtype=int), {}, "Y_true has no samples"),
    (YL[:, 0], np.array([0, 1, 0, 2, 0]), {}, "Y_true must be a 2-D label indicator"),
    (np.where(YL, np.nan, 0), np.zeros(5, int), {}, "Input Y_true contains NaN"),
    (YL, np.zeros(5, int), {"classes": [0, 1]}, "classes has 2 entries but Y_true "
                                                 "has 3 columns"),
    (YL, np.zeros(5, int), {"classes": [0, 0, 1]}, "classes must be distinct"),
])
def test_multilabel_hit_rate_bad_input(Y_true, y_pred, kwargs, match):
    with pytest.raises(ValueError, match=match):
        multilabel_hit_rate(Y_true, y_pred, **kwargs)


def _reuters_bunch():
    docs = ["oil prices rose", "wheat harvest fell", "oil and wheat", "grain prices"]
    return Bunch(data_train=docs, data_test=docs[:2],
                 target_train=[["crude"], ["grain"], ["crude", "grain"], ["grain"]],
                 target_test=[["crude"], ["grain"]],
                 target_names=["crude", "grain"])


@pytest.mark.parametrize("bunch, kwargs, error, match", [
    (None, {}, TypeError, "takes the Bunch of load_reuters"),
    (X, {}, TypeError, "takes the Bunch of load_reuters"),
    ({}, {}, ValueError, "missing: data_train"),
    ("ok", {"max_features": 0}, ValueError, "'max_features' parameter"),
    ("ok", {"min_df": -1}, ValueError, "'min_df' parameter"),
    ("ok", {"max_df": 2.0}, ValueError, "'max_df' parameter"),
    ("ok", {"dtype": str}, ValueError, "'dtype' parameter of reuters_bag_of_words"),
    ("ok", {"binary": "yes"}, ValueError, "'binary' parameter"),
])
def test_reuters_bag_of_words_bad_input(bunch, kwargs, error, match):
    bunch = _reuters_bunch() if isinstance(bunch, str) else bunch
    with pytest.raises(error, match=match):
        reuters_bag_of_words(bunch, stop_words=None, **kwargs)


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the test (the machine has no network: a test
    must never try to download)."""
    def refuse(*args, **kwargs):
        raise AssertionError("a loader tried to connect")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


LOADERS = [(load_mnist, {"download_if_missing": False}),
           (load_reuters, {"download_if_missing": False}),
           (load_compas, {}), (load_auto_mpg, {}), (load_adult, {}),
           (load_spambase, {})]


@pytest.mark.parametrize("loader, kwargs", LOADERS,
                         ids=[f.__name__ for f, _ in LOADERS])
@pytest.mark.parametrize("where", ["missing", "file", "int"])
def test_loaders_bad_data_home(no_network, tmp_path, loader, kwargs, where):
    if where == "missing":
        data_home, error, match = tmp_path / "nope", FileNotFoundError, "not"
    elif where == "file":
        data_home = tmp_path / "a_file"
        data_home.write_text("x")
        error, match = NotADirectoryError, "is a file, not a directory"
    else:
        data_home, error, match = 3, TypeError, "data_home must be None, a str or a "
    with pytest.raises(error, match=match):
        loader(data_home=data_home, **kwargs)
    assert not (tmp_path / "nope").exists()


# ------------------------------------------------------------------------- persist
@pytest.fixture(scope="module")
def skops_bytes(models):
    pytest.importorskip("skops")
    from sknonneg import persist

    buffer = io.BytesIO()
    persist.dump(models["clf"], buffer)
    return buffer.getvalue()


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize("content, match", [
    (lambda good: b"hello world", "is not a file written by sknonneg.persist.dump"),
    (lambda good: b"", "is not a file written by sknonneg.persist.dump"),
    (lambda good: good[: len(good) // 2], "is a damaged skops file"),
    (lambda good: good[:-10], "is a damaged skops file"),
    (lambda good: _zip({"a.txt": "hi"}), "a zip archive without the schema.json"),
    (lambda good: _zip({"schema.json": "{not json"}), "is a damaged skops file"),
    (lambda good: _zip({"schema.json": "[1, 2]"}), "is a damaged skops file"),
])
@pytest.mark.parametrize("func", ["load", "untrusted_types"])
def test_persist_refuses_what_is_not_a_skops_file(tmp_path, skops_bytes, content,
                                                  match, func):
    from sknonneg import persist

    path = _write(tmp_path, "model.skops", content(skops_bytes))
    with pytest.raises(ValueError, match=match):
        getattr(persist, func)(path)
    with pytest.raises(ValueError, match="^The BytesIO file object .*" + match):
        getattr(persist, func)(io.BytesIO(content(skops_bytes)))


def test_persist_missing_file_and_directory(tmp_path, skops_bytes):
    from sknonneg import persist

    with pytest.raises(FileNotFoundError):
        persist.load(str(tmp_path / "missing.skops"))
    with pytest.raises(IsADirectoryError):
        persist.load(str(tmp_path))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("sha", ["zz", "0" * 63, "0" * 65, "g" * 64, None, b"0" * 64])
def test_remote_file_metadata_refuses_a_digest_that_can_match_no_file(sha):
    from sknonneg.datasets import RemoteFileMetadata

    with pytest.raises(ValueError, match="'sha256' parameter of RemoteFileMetadata "
                                         "must be a str of 64 hexadecimal digits"):
        RemoteFileMetadata("a.txt", sha)
    # A valid digest, in either case, is taken as given.
    assert RemoteFileMetadata("a.txt", "A" * 64).sha256 == "A" * 64
