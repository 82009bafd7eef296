"""Malformed sparse input never reaches a kernel: every method that takes X checks
the structure of a sparse X first (O(nnz)) and raises a clear ValueError."""

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn.base import clone, is_classifier

from sknonneg import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                      NonNegMLPRegressor)
from sknonneg._validation import check_sparse_structure
from sknonneg.inspection import check_monotonic
from sknonneg.inspection._utils import hidden_activations
from sknonneg.parallel import partial_fit_chunks

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


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("satellite", ["check_monotonic", "partial_fit_chunks"])
def test_satellites_refuse_malformed_csr_before_slicing(fitted, kind, satellite):
    # Before: check_monotonic and partial_fit_chunks sliced the matrix with scipy
    # before any check; a decreasing indptr crashed the process (segmentation
    # fault), and an index past the columns was dropped silently.
    X, y = _data()
    bad = _malformed(X, kind)
    with pytest.raises(ValueError, match="malformed sparse matrix"):
        if satellite == "check_monotonic":
            check_monotonic(fitted, bad, monotonic_cst=[1] * X.shape[1])
        else:
            partial_fit_chunks(clone(fitted), bad, y, classes=[0, 1, 2],
                               chunk_size=10)


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor,
                                 NonNegAutoencoder])
def test_duplicate_entries_fit_as_their_sum(Est):
    # scipy reads duplicate entries as their sum. Before, the products summed
    # them but the initialisation's column statistics did not: the fit on a CSR
    # with duplicates differed from the fit on its canonical form (first-layer
    # weights 0.25 apart).
    # One row holds two entries of column 0 (1 + 1); the 79 others are empty.
    dup = sp.csr_matrix((np.ones(2), np.zeros(2, dtype=np.int32),
                         np.r_[0, np.full(80, 2)]), shape=(80, 6))
    assert not dup.has_canonical_format
    canonical = dup.copy()
    canonical.sum_duplicates()
    rng = np.random.RandomState(0)
    X = rng.rand(80, 6)
    X[X < 0.5] = 0
    yy = (X[:, 0] + X[:, 1] > 0.8).astype(int)
    kw = {"n_components": 3} if Est is NonNegAutoencoder else {"hidden_layer_sizes": 3}
    a = Est(max_iter=20, random_state=0, **kw).fit(dup, None if Est is NonNegAutoencoder
                                                  else yy)
    b = Est(max_iter=20, random_state=0, **kw).fit(canonical,
                                                  None if Est is NonNegAutoencoder
                                                  else yy)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert not dup.has_canonical_format  # the caller's matrix is left as it was


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor,
                                 NonNegAutoencoder, ABBAClassifier])
def test_float32_networks_read_duplicate_entries_as_their_float64_sum(Est):
    # Before: the values were cast to float32 before the duplicates were summed, so
    # each was rounded alone: an entry 0.549 stored as 1e8 + 0.549 and -1e8 was
    # read as 0 (a regressor predicted 2.36 for the row instead of 2.91).
    rng = np.random.RandomState(0)
    X = rng.rand(60, 5)
    y = (X[:, 0] > 0.5).astype(int)
    kw = {"n_components": 3} if Est is NonNegAutoencoder else {"hidden_layer_sizes": 3}
    est = Est(max_iter=20, random_state=0, dtype="float32", **kw)
    est.fit(X, *(() if Est is NonNegAutoencoder else (y,)))
    # Row 0 stores column 0 twice: X[0, 0] + 1e8, then -1e8.
    csr = sp.csr_matrix(X)
    data = np.r_[X[0, 0] + 1e8, -1e8, csr.data[1:]]
    indices = np.r_[0, 0, csr.indices[1:]]
    indptr = np.r_[0, csr.indptr[1:] + 1]
    dup = sp.csr_matrix((data, indices, indptr), shape=X.shape)
    assert not dup.has_canonical_format
    assert abs(dup.toarray()[0, 0] - X[0, 0]) < 1e-7
    method = {NonNegAutoencoder: "transform",
              NonNegMLPRegressor: "predict"}.get(Est, "predict_proba")
    np.testing.assert_allclose(getattr(est, method)(dup), getattr(est, method)(X),
                               rtol=0, atol=1e-5)


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
    predicted = sparse.predict(X)
    # A classifier's prediction is sparse then, as MLPClassifier's; a regressor's
    # dense, as MLPRegressor's.
    assert sp.issparse(predicted) == is_classifier(sparse)
    np.testing.assert_array_equal(
        dense.predict(X), predicted.toarray() if sp.issparse(predicted) else predicted)
    bad = _malformed(sp.csr_matrix(Y), "index-too-large")
    with pytest.raises(ValueError, match="Input y is a malformed sparse matrix"):
        make().fit(X, bad)


_OTHER_METHODS = {
    NonNegMLPRegressor: ["fit", "partial_fit", "predict", "score", "transform"],
    NonNegAutoencoder: ["fit", "partial_fit", "transform", "fit_transform",
                        "inverse_transform"],
}


@pytest.mark.parametrize("kind", ["index-too-large", "index-negative",
                                  "indptr-decreasing", "indptr-past-nnz"])
@pytest.mark.parametrize("Est, method", [(Est, m) for Est, methods in
                                         _OTHER_METHODS.items() for m in methods])
def test_regressor_and_autoencoder_refuse_malformed_csr(Est, method, kind):
    # Before: NonNegAutoencoder.fit and partial_fit passed a malformed matrix to
    # the kernels (an index past the columns wrote out of bounds: heap corruption or
    # a segmentation fault, or a silent fit), and inverse_transform densified one.
    X, y = _data()
    y = y.astype(float)
    is_ae = Est is NonNegAutoencoder
    make = lambda: Est(**({"n_components": 3} if is_ae  # noqa: E731
                          else {"hidden_layer_sizes": 3}), max_iter=2, random_state=0)
    fitted = make().fit(X, None if is_ae else y)
    before = [c.copy() for c in fitted.coefs_]
    if method == "inverse_transform":
        bad = _malformed(sp.csr_matrix(fitted.transform(X)), kind)
    else:
        bad = _malformed(X, kind)
    with pytest.raises(ValueError, match="malformed sparse matrix"):
        if method in ("fit", "fit_transform"):
            getattr(fitted, method)(bad, *([] if is_ae else [y]))
        elif method in ("partial_fit", "score"):
            getattr(fitted, method)(bad, *([] if is_ae else [y]))
        else:
            getattr(fitted, method)(bad)
    for a, b in zip(before, fitted.coefs_):  # a refused fit leaves the model as it was
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["index-too-large", "indptr-decreasing"])
def test_evasion_attack_refuses_malformed_csr(fitted, kind):
    from sknonneg.robustness import additive_evasion_attack
    X, _ = _data()
    with pytest.raises(ValueError, match="malformed sparse matrix"):
        additive_evasion_attack(fitted, _malformed(X, kind), budget=1)


@pytest.mark.parametrize("kind", ["index-too-large", "indptr-decreasing"])
def test_sparsity_measures_refuse_malformed_csr(kind):
    # Before: hoyer_sparsity densified a matrix with an index past its columns
    # (a segmentation fault for a large one).
    from sknonneg.inspection import hoyer_sparsity, weight_sparsity
    X, _ = _data()
    bad = _malformed(X, kind)
    with pytest.raises(ValueError, match="Input W is a malformed sparse matrix"):
        hoyer_sparsity(bad)
    with pytest.raises(ValueError, match="Input estimator is a malformed sparse"):
        weight_sparsity(bad)


def _malformed_lil(X, kind):
    L = sp.lil_matrix(X)
    if kind == "lil-index-too-large":
        L.rows[0].append(X.shape[1] + 10**8)
        L.data[0].append(1.0)
    elif kind == "lil-index-negative":
        L.rows[0].append(-1)
        L.data[0].append(1.0)
    elif kind == "lil-data-short":
        L.rows[0].append(X.shape[1] - 1)
    elif kind == "lil-rows-missing":
        L.rows = L.rows[:-1]
    else:  # a DIA matrix with fewer offsets than rows of data
        L = sp.dia_matrix(X.toarray())
        L.offsets = L.offsets[:1].copy()
    return L


LIL_KINDS = ["lil-index-too-large", "lil-index-negative", "lil-data-short",
             "lil-rows-missing", "dia-offsets-short"]


@pytest.mark.parametrize("kind", LIL_KINDS)
@pytest.mark.parametrize("Est, method", [
    (NonNegMLPClassifier, "predict_proba"), (ABBAClassifier, "predict_proba"),
    (ABBAClassifier, "fit"), (NonNegMLPRegressor, "predict"),
    (NonNegMLPRegressor, "score"), (NonNegAutoencoder, "fit"),
    (NonNegAutoencoder, "transform")])
def test_malformed_lil_and_dia_are_refused(Est, method, kind):
    # Before: a LIL matrix's rows and data (public Python lists) were not checked,
    # and scipy's conversion copied them into the CSR the kernels read: an index of
    # 1e8 was a segmentation fault, one of 500 read memory the array does not own
    # (probabilities changing from run to run); a DIA matrix with fewer offsets
    # than rows of data read out of bounds in scipy's conversion.
    X, y = _data()
    y = y.astype(float) if Est is NonNegMLPRegressor else y
    is_ae = Est is NonNegAutoencoder
    est = Est(**({"n_components": 3} if is_ae else {"hidden_layer_sizes": 3}),
              max_iter=2, random_state=0).fit(X, None if is_ae else y)
    bad = _malformed_lil(X, kind)
    with pytest.raises(ValueError, match="malformed sparse matrix"):
        if method in ("fit", "score"):
            getattr(est, method)(bad, *([] if is_ae else [y]))
        else:
            getattr(est, method)(bad)


def test_malformed_lil_target_is_refused():
    X, y = _data()
    Y = sp.lil_matrix(np.c_[y == 0, y == 1].astype(int))
    Y.rows[0].append(10**8)
    Y.data[0].append(1)
    with pytest.raises(ValueError, match="Input y is a malformed sparse matrix"):
        NonNegMLPClassifier(hidden_layer_sizes=3, max_iter=2).fit(X, Y)


@pytest.mark.parametrize("fmt", ["coo", "csr", "dok"])
def test_one_dimensional_sparse_arrays_are_not_called_malformed(fmt):
    # Before: every sparse input of other than 2 dimensions was "a malformed
    # sparse matrix: shape (4,)": hoyer_sparsity refused a 1-D sparse vector it
    # measures dense, and the estimators pre-empted scikit-learn's "Expected 2D
    # input" with that message.
    from sknonneg.inspection import hoyer_sparsity
    to_sparse = {"coo": sp.coo_array, "csr": sp.csr_array, "dok": sp.dok_array}[fmt]
    for v in (np.array([0.0, 0.0, 1.0, 0.0]), np.array([1.0, 1.0, 1.0, 0.0])):
        assert check_sparse_structure(to_sparse(v)) is not None
        assert hoyer_sparsity(to_sparse(v)) == hoyer_sparsity(v)
    X, y = _data()
    est = NonNegMLPClassifier(hidden_layer_sizes=3, max_iter=2, random_state=0)
    dense = X.toarray()
    for call in (lambda: est.fit(to_sparse(dense[:, 0]), y),
                 lambda: clone(est).fit(X, y).predict(to_sparse(dense[0]))):
        with pytest.raises(ValueError, match=r"^Expected 2D input, got input with "
                                             r"shape \((24|5),\)"):
            call()


def test_malformed_one_dimensional_sparse_arrays_are_refused():
    v = sp.csr_array(np.array([0.0, 0.0, 1.0, 0.0]))
    v.indices[0] = 7
    with pytest.raises(ValueError, match=r"malformed sparse matrix: its indices must "
                                         r"lie in \[0, 4\)"):
        check_sparse_structure(v)
    c = sp.coo_array(np.array([0.0, 0.0, 1.0, 0.0]))
    c.coords[0][0] = -1
    with pytest.raises(ValueError, match="malformed sparse matrix"):
        check_sparse_structure(c)
