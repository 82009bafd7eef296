"""Malformed sparse input never reaches a kernel: every method that takes X checks
the structure of a sparse X first (O(nnz)) and raises a clear ValueError."""

import numpy as np
import pytest
import scipy.sparse as sp

from sknonneg import ABBAClassifier, NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg._validation import check_sparse_structure
from sknonneg.inspection._utils import hidden_activations

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [NonNegMLPClassifier, ABBAClassifier]
METHODS = ["fit", "partial_fit", "predict", "predict_proba", "predict_log_proba",
           "decision_function", "transform", "certified_radius"]


def _data(n_features=5, dtype=np.float64):
    X = sp.random(24, n_features, density=0.4, format="csr", random_state=0,
                  dtype=dtype)
    return X, np.arange(24) % 3


def _malformed(X, kind):
    X = X.copy()
    if kind == "index-too-large":
        X.indices[2] = X.shape[1] + 7
    elif kind == "index-negative":
        X.indices[2] = -1
    elif kind == "indptr-decreasing":
        X.indptr[4] = X.indptr[6] + 1
    elif kind == "indptr-past-nnz":
        X.indptr[-1] += 3
    elif kind == "indptr-not-from-zero":
        X.indptr[0] = 1
    elif kind == "indptr-too-short":
        X.indptr = X.indptr[:-2]
    return X


KINDS = ["index-too-large", "index-negative", "indptr-decreasing", "indptr-past-nnz",
         "indptr-not-from-zero", "indptr-too-short"]


@pytest.fixture(scope="module", params=ESTIMATORS, ids=lambda e: e.__name__)
def fitted(request):
    X, y = _data()
    return request.param(hidden_layer_sizes=3, max_iter=2, random_state=0).fit(X, y)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", METHODS)
def test_malformed_csr_is_refused_everywhere(fitted, kind, method):
    X, y = _data()
    bad = _malformed(X, kind)
    est = fitted
    with pytest.raises(ValueError, match="malformed sparse matrix"):
        if method == "fit":
            type(est)(hidden_layer_sizes=3, max_iter=2).fit(bad, y)
        elif method == "partial_fit":
            est.partial_fit(bad, y)
        else:
            getattr(est, method)(bad)


@pytest.mark.parametrize("fmt", ["csc", "coo", "bsr"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_malformed_other_formats(fitted, fmt, dtype):
    X, _ = _data(dtype=dtype)
    bad = X.asformat(fmt)
    if fmt == "coo":
        bad.col[1] = X.shape[1]
    else:
        bad.indices[1] = bad.shape[0] + 100
    with pytest.raises(ValueError, match="malformed sparse matrix"):
        fitted.predict_proba(bad)


def test_int32_index_path_is_checked():
    """Beyond 65535 columns the kernels index with int32: checked the same way."""
    X = sp.random(12, 70_000, density=1e-3, format="csr", random_state=0)
    y = np.arange(12) % 2
    est = NonNegMLPClassifier(hidden_layer_sizes=2, max_iter=2, random_state=0).fit(X, y)
    bad = X.copy()
    bad.indices[0] = 70_000 + 10**6
    with pytest.raises(ValueError, match="indices must lie in"):
        est.predict_proba(bad)


def test_satellite_hidden_activations_checks(fitted):
    X, _ = _data()
    with pytest.raises(ValueError, match="malformed sparse matrix"):
        hidden_activations(fitted, _malformed(X, "index-too-large"))


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr", "lil", "dok"])
def test_valid_sparse_passes_and_is_returned(fmt):
    X = sp.random(7, 6, density=0.5, random_state=1).asformat(fmt)
    assert check_sparse_structure(X) is X
    dense = np.ones((2, 2))
    assert check_sparse_structure(dense) is dense


def test_empty_and_float_index_arrays():
    check_sparse_structure(sp.csr_matrix((3, 4)))
    X = sp.csr_matrix(np.eye(3))
    X.indices = X.indices.astype(np.float64)
    with pytest.raises(ValueError, match="integer dtype"):
        check_sparse_structure(X)


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_sparse_targets_fit_as_dense_and_malformed_ones_are_refused(Est):
    """A sparse label indicator matrix (or multi-output target) fits as its dense
    copy, as scikit-learn's MLPClassifier takes it; a malformed one is refused
    before anything reads it."""
    rng = np.random.RandomState(0)
    X = rng.rand(30, 4)
    Y = (rng.rand(30, 3) > 0.5).astype(float)
    make = lambda: Est(hidden_layer_sizes=3, max_iter=5, random_state=0)  # noqa: E731
    dense, sparse = make().fit(X, Y), make().fit(X, sp.csr_matrix(Y))
    np.testing.assert_array_equal(dense.predict(X), sparse.predict(X))
    bad = _malformed(sp.csr_matrix(Y), "index-too-large")
    with pytest.raises(ValueError, match="Input y is a malformed sparse matrix"):
        make().fit(X, bad)
