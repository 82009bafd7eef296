"""What prediction and the autoencoder hold in memory (tracemalloc peaks).

Peaks are measured relative to the arrays at stake, with wide margins (the
defects they guard against cost several times as much); every estimator is run
once on the same data first, so that loading its kernels is not counted.
tracemalloc sees what NumPy allocates (the arrays around the kernels), not what a
numba kernel might allocate inside: the kernels' own rule (no allocation in hot
loops) is held by their code review, not here.

Several of these fits are above the NumPy-path limit and compile float32
signatures of the parallel kernels, which the kernel tests' float32 parallel cases
compile too (``conftest.flavour_dtypes``): the module joins their xdist group,
"parallel-f32", so that under ``-n 2 --dist loadgroup`` one worker compiles them.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import frozen_heap
from sknonneg import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                      NonNegMLPRegressor)
from sknonneg._engine import forward
from sknonneg.neural_network import _autoencoder

pytestmark = pytest.mark.xdist_group("parallel-f32")


def _peak(func):
    """``(result, peak bytes allocated while func() ran)``."""
    frozen_heap()
    tracemalloc.start()
    try:
        result = func()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _data(n_samples=4000, n_features=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, n_features), dtype=np.float32)
    y = (X[:, 0] + X[:, 1] > 1).astype(int) + (X[:, 2] > 0.5)
    return X, y


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_autoencoder_reconstruction_error_in_blocks_of_dense_rows(monkeypatch, solver):
    # Before, a dense X was one block: a float64 copy of it, its float64
    # reconstruction and their difference, 6x X's float32 bytes at the peak of an
    # Adam fit (its training loop: 0.3x). Now a block's float64 residual at a time,
    # its rows bounded by _BLOCK_BYTES (made small here: 1/8 of X's bytes).
    X, _ = _data(8000, 128)
    monkeypatch.setattr(_autoencoder, "_BLOCK_BYTES", X.nbytes // 8)
    ae = NonNegAutoencoder(n_components=8, max_iter=2, solver=solver, dtype="float32",
                           random_state=0)
    ae.fit(X)
    _, peak = _peak(lambda: ae._reconstruction_error(X))
    assert peak < 0.6 * X.nbytes, peak / X.nbytes
    if solver == "adam":
        _, peak = _peak(lambda: ae.fit(X))
        assert peak < 2.0 * X.nbytes, peak / X.nbytes
    # The error is the norm of the whole residual (the blocks change only the
    # order of the sum).
    codes = np.asarray(ae.transform(X), dtype=np.float64)
    recon = codes @ ae.coefs_[1] + ae.intercepts_[1]
    if ae.out_activation_ == "logistic":
        recon = 1 / (1 + np.exp(-recon))
    expected = np.linalg.norm(X.astype(np.float64) - recon)
    np.testing.assert_allclose(ae.reconstruction_err_, expected, rtol=1e-9)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_autoencoder_residuals_of_a_mostly_stored_csr_hold_no_more_than_a_dense_copy(
        monkeypatch, dtype):
    # The residual of a canonical CSR block is its negated reconstruction with the
    # stored values added where they are; that scatter's temporaries take 16 bytes
    # per stored value (row numbers, the gathered residuals), more than the block's
    # dense copy (4 or 8 bytes an entry) where most values are stored: at every
    # value stored, the error's peak was 4.0x (float32) and 4.5x (float64) the
    # residual's float64 bytes, against 2.5x and 3.5x with the dense copy. Such a
    # block now takes the dense copy: the same squares, the same error.
    rng = np.random.default_rng(0)
    dense = rng.random((2000, 200)).astype(dtype) + 0.1
    X = sp.csr_matrix(dense)
    assert X.nnz == dense.size and X.has_canonical_format
    ae = NonNegAutoencoder(n_components=4, max_iter=1, dtype=dtype,
                           random_state=0).fit(X)
    residual_bytes = X.shape[0] * X.shape[1] * 8
    error, peak = _peak(lambda: ae._reconstruction_error(X))
    assert peak < (2.8 if dtype == "float32" else 3.8) * residual_bytes, (
        peak / residual_bytes)
    with monkeypatch.context() as m:  # the scatter, whatever the share stored
        m.setattr(_autoencoder, "_SCATTER_BYTES", 0)
        assert ae._reconstruction_error(X) == error
    # A sparse block keeps the scatter, of less memory than the dense copy.
    X.data[X.data < 1.05] = 0
    X.eliminate_zeros()
    assert X.nnz < 0.1 * dense.size
    ae.fit(X)
    error, peak = _peak(lambda: ae._reconstruction_error(X))
    assert peak < 1.5 * residual_bytes, peak / residual_bytes
    with monkeypatch.context() as m:  # the dense copy
        m.setattr(_autoencoder, "_SCATTER_BYTES", np.inf)
        assert ae._reconstruction_error(X) == error


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_autoencoder_mean_row_error_of_a_csr_holds_no_more_than_dense_copies(
        monkeypatch, dtype):
    # The degenerate check's mean row's error densifies a CSR block straight to
    # float64 through a float64 copy of the CSR block (its values and column
    # indices again: 12 bytes per stored value). A float64 block needs no cast, and
    # a float32 block with most values stored is lighter densified in float32:
    # with every value stored the check's peak was 3.5x (float32) and 4.0x
    # (float64) X's float64 dense bytes, against 2.5x before the float64 copy.
    # Such blocks take the dense copy again: the same float64 values.
    rng = np.random.default_rng(0)
    X = sp.csr_matrix(rng.random((2000, 200)).astype(dtype) + 0.1)
    ae = NonNegAutoencoder(n_components=4, max_iter=1, dtype=dtype,
                           random_state=0).fit(X)
    weights = np.ones(X.shape[0])
    dense_bytes = X.shape[0] * X.shape[1] * 8
    errors, peak = _peak(lambda: ae._degenerate_errors(X, weights))
    assert peak < 2.6 * dense_bytes, peak / dense_bytes
    with monkeypatch.context() as m:  # dense copies in X's dtype
        m.setattr(_autoencoder, "_scatters", lambda block: False)
        assert ae._degenerate_errors(X, weights) == errors
    # A float32 block of few stored values keeps the float64 copy, the lighter.
    X.data[X.data < 1.05] = 0
    X.eliminate_zeros()
    ae.fit(X)
    errors, peak = _peak(lambda: ae._degenerate_errors(X, weights))
    assert peak < 1.3 * dense_bytes, peak / dense_bytes
    with monkeypatch.context() as m:
        m.setattr(_autoencoder, "_scatters", lambda block: False)
        assert ae._degenerate_errors(X, weights) == errors


def test_autoencoder_transform_no_float64_round_trip():
    # Before: the float32 codes cast up to float64, then back down (3x the codes'
    # float32 bytes). The codes are what the float32 kernels compute.
    X, _ = _data(8000, 64)
    ae = NonNegAutoencoder(n_components=48, max_iter=2, solver="adam", dtype="float32",
                           random_state=0).fit(X)
    ae.transform(X)
    codes, peak = _peak(lambda: ae.transform(X))
    assert codes.dtype == np.float32
    assert peak < 2.0 * codes.nbytes, peak / codes.nbytes
    logits = forward(ae._layout.network[:1], [(ae.coefs_[0], ae.intercepts_[0])], X,
                     dtype=np.float32)[1]
    np.testing.assert_array_equal(codes, logits)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
def test_abba_prediction_holds_one_hidden_layer(method):
    # Before: a hidden layer's (s, d), its public (x, z) pair and a temporary,
    # 5x n x h at the peak; prediction needs only (s, d).
    X, y = _data()
    clf = ABBAClassifier(hidden_layer_sizes=(96,), max_iter=3, dtype="float32",
                         random_state=0).fit(X[:500], y[:500])
    func = getattr(clf, method)
    func(X)
    _, peak = _peak(lambda: func(X))
    layer_bytes = X.shape[0] * 96 * 4
    assert peak < 3.2 * layer_bytes, peak / layer_bytes


@pytest.mark.parametrize("method", ["predict", "predict_proba", "transform"])
def test_dense_prediction_drops_each_hidden_layer(method):
    # Before: every hidden layer's output held to the end (3 of them); now a
    # layer's output goes once the next is computed: at most two at a time.
    X, y = _data()
    clf = NonNegMLPClassifier(hidden_layer_sizes=(96, 96, 96), max_iter=3,
                              dtype="float32", random_state=0).fit(X[:500], y[:500])
    func = getattr(clf, method)
    func(X)
    _, peak = _peak(lambda: func(X))
    layer_bytes = X.shape[0] * 96 * 4
    assert peak < 2.6 * layer_bytes, peak / layer_bytes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["dense", "csr"])
@pytest.mark.parametrize("estimator", ["mlp", "monotone", "abba"])
def test_forward_keep_gives_the_same_bits(estimator, kind, dtype):
    X, y = _data(300, 20)
    if kind == "csr":
        X = sp.csr_matrix(np.where(X > 0.6, X, 0))
    if estimator == "abba":
        est = ABBAClassifier(hidden_layer_sizes=(7, 5, 4), max_iter=5, dtype=dtype,
                             random_state=0).fit(X, y)
    else:
        est = NonNegMLPClassifier(hidden_layer_sizes=(7, 5, 4), max_iter=5,
                                  positive=estimator == "monotone", dtype=dtype,
                                  random_state=0).fit(X, y)
    X = est._check_X(X)
    hidden, logits = est._forward(X)
    assert len(hidden) == 3
    none, only_logits = est._forward(X, keep="logits")
    assert none == []
    np.testing.assert_array_equal(only_logits, logits)
    last, no_logits = est._forward(X, keep="last")
    assert no_logits is None and len(last) == 1
    for got, want in zip(np.atleast_1d(last[0]) if estimator != "abba" else last[0],
                         np.atleast_1d(hidden[-1]) if estimator != "abba" else hidden[-1]):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="keep"):
        est._forward(X, keep="hidden")


# Validation: integer input goes straight to the compute dtype.
def _validation_peak(call):
    """Peak bytes allocated while ``call()`` ran."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("make", [
    lambda: NonNegMLPClassifier((8,), max_iter=2, dtype="float32", random_state=0),
    lambda: NonNegMLPRegressor((8,), max_iter=2, dtype="float32", random_state=0),
    lambda: NonNegAutoencoder(4, max_iter=2, decoder="linear", dtype="float32",
                              random_state=0),
])
def test_integer_input_is_converted_straight_to_the_compute_dtype(make):
    # Before: validate_data's dtype list put float64 first, so uint8 images under
    # dtype="float32" were copied to float64 (8 times the input) and then to
    # float32: predict of 20,000 x 784 peaked at 3.25 times the float32 copy.
    rng = np.random.RandomState(0)
    X = (rng.rand(4000, 200) * 255).astype(np.uint8)
    y = rng.randint(0, 3, X.shape[0])
    est = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, None if isinstance(est, NonNegAutoencoder) else y)
    method = est.transform if isinstance(est, NonNegAutoencoder) else est.predict
    method(X[:5])  # compiled / warmed outside the measurement
    float32_copy = X.size * 4
    assert _validation_peak(lambda: method(X)) < 2.0 * float32_copy  # before: 3.3 and more
    # The same values as from a float64 input.
    np.testing.assert_array_equal(method(X), method(X.astype(np.float64)))
