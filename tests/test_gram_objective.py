"""The Gram head (``DenseLayer.gram_head``): the linear decoder's squared error
against the input itself, through ``H^T S H`` and ``W W^T`` instead of the dense
reconstruction.

Held to the direct path (the fused kernel, ``objective.gram_head(False)``) on
every autoencoder option, dense and CSR input, with and without sample weights, in
float64 (to ~1e-12: only the order of the sums differs) and float32 (to 1e-5 of the
loss's scale, ``sum_i s_i ||x_i||^2 / sum s``: the data term is a difference of
terms of that order; the head computes them in float64, so the float32 direct
path's own rounding dominates); to central finite differences in float64; and to
the dispatch: taken where the targets are the input under a linear decoder and
``k`` is at most the rows, not taken elsewhere.
"""

import contextlib
import threading

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from sknonneg import NonNegAutoencoder, NonNegMLPRegressor
from sknonneg._engine import (ActivityL1, DenseLayer, L2, Objective, ParameterLayout,
                              RowBlockObjective)
from sknonneg._engine import objective as objective_module
from sknonneg._engine.data import transpose_into
from sknonneg._kernels import kernels
from sknonneg._threads import fit_threads

N_SAMPLES, N_FEATURES, K = 17, 9, 4

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def direct_path():
    """A function that switches the Gram head off (True) or on (False): on for a
    dense input too, where the estimators do not take it (it does not pay), so
    that both kinds of input are held to the direct path. Each switch opens an
    ``objective.gram_head`` context; the last opened applies, all close after the
    test."""
    with contextlib.ExitStack() as stack:
        def switch(off):
            stack.enter_context(objective_module.gram_head(False if off else "always"))
        yield switch


def _data(sparse, seed=0, n_samples=N_SAMPLES, n_features=N_FEATURES):
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, n_features)) * (rng.random((n_samples, n_features)) < 0.4)
    X[3] = 0.0  # an empty row
    return sp.csr_matrix(X) if sparse else X


def _weights(weighted, n_samples=N_SAMPLES):
    if not weighted:
        return np.ones(n_samples)
    w = np.random.default_rng(1).uniform(0.2, 3.0, n_samples)
    w[5] = 0.0
    return w


def _ae_objective(X, sw, dtype="float64", parallel=False, block_rows=None, **params):
    """The objective the autoencoder's ``fit`` builds, and a feasible theta."""
    params = {"decoder": "linear", "l2": 0.01, **params}
    ae = NonNegAutoencoder(K, dtype=dtype, **params)
    layout = ae._layout = ae._build_layout(X.shape[1], X.shape[1])
    if block_rows is not None:
        ae._block_rows = lambda X: block_rows
    objective = ae._make_objective(layout, X, X, sw, 1.3, parallel)
    theta = np.random.default_rng(2).normal(scale=0.7, size=layout.n_params)
    return ae, objective, layout.project(theta)


def _both(direct_path, X, sw, dtype="float64", parallel=False, **params):
    results = []
    for off in (True, False):
        direct_path(off)
        with fit_threads():
            _, objective, theta = _ae_objective(X, sw, dtype, parallel, **params)
            assert objective.gram is (not off)
            loss, grad = objective.loss_grad(theta)
        results.append((loss, grad))
    return results


def _scale(X, sw):
    """``sum_i s_i ||x_i||^2 / sum s``: the scale of the data term's pieces."""
    X = X.toarray() if sp.issparse(X) else X
    return float(sw @ (X * X).sum(1) / sw.sum())


OPTIONS = [
    {},
    {"nonneg_layers": "both"},
    {"nonneg": "penalty", "nonneg_layers": "both"},
    {"nonneg": False, "l2": 0.0},
    {"sparsity_weight": 0.7, "sparsity_target": 0.2},
]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("params", OPTIONS, ids=lambda p: "-".join(
    f"{k}={v}" for k, v in p.items()) or "default")
def test_gram_equals_direct_float64(direct_path, params, sparse, weighted):
    X, sw = _data(sparse), _weights(weighted)
    (loss0, grad0), (loss1, grad1) = _both(direct_path, X, sw, **params)
    assert_allclose(loss1, loss0, rtol=1e-12)
    assert_allclose(grad1, grad0, rtol=1e-10, atol=1e-12 * np.abs(grad0).max())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("parallel", [False, True])
def test_gram_equals_direct_with_the_blocked_csc_product(direct_path, small_blocks,
                                                         parallel, dtype):
    """``(S H)^T X`` through the first layer's blocked CSC copy (batches of at
    least two row blocks: full-batch L-BFGS-B on a large CSR input)."""
    X, sw = _data(True), _weights(True)
    _, objective, _ = _ae_objective(X, sw, dtype, parallel)
    assert objective._by_rows[N_SAMPLES].first_layer.blocked is not None
    (loss0, grad0), (loss1, grad1) = _both(direct_path, X, sw, dtype, parallel)
    tol = 1e-10 if dtype == "float64" else 1e-5
    assert abs(loss1 - loss0) <= tol * (_scale(X, sw) + abs(loss0))
    assert np.abs(grad1 - grad0).max() <= tol * np.abs(grad0).max()


# The parallel cases compile float32 signatures of the parallel kernels: they join the
# kernel tests' float32 parallel cases in one xdist group (``conftest._kernel_group``).
@pytest.mark.parametrize("parallel", [
    False, pytest.param(True, marks=pytest.mark.xdist_group("parallel-f32")), "numpy"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_gram_equals_direct_float32(direct_path, sparse, weighted, parallel):
    X, sw = _data(sparse), _weights(weighted)
    (loss0, grad0), (loss1, grad1) = _both(direct_path, X, sw, "float32", parallel)
    # The loss's error is relative to the scale of its pieces, not to itself.
    assert abs(loss1 - loss0) <= 1e-5 * (_scale(X, sw) + abs(loss0))
    assert np.abs(grad1 - grad0).max() <= 1e-5 * np.abs(grad0).max()


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_gram_float32_against_float64_where_the_residual_is_small(direct_path,
                                                                  sparse):
    """The cancellation: data far from zero reconstructed well (a residual ~1e-2
    of the data), the float32 Gram loss against the float64 direct one."""
    rng = np.random.default_rng(3)
    X = 5.0 + 0.05 * rng.random((40, N_FEATURES))
    X = sp.csr_matrix(X) if sparse else X
    sw = _weights(True, 40)
    direct_path(True)
    _, direct, theta = _ae_objective(X, sw, "float64", l2=0.0)
    # A decoder that reconstructs X up to its spread: bias at the mean.
    blocks = direct.layout.blocks(theta)
    blocks[1]["intercept"][...] = np.asarray(X.mean(axis=0)).ravel()
    blocks[1]["coef"][...] *= 0.01
    loss64, grad64 = direct.loss_grad(theta)
    direct_path(False)
    _, gram, _ = _ae_objective(X, sw, "float32", l2=0.0)
    loss32, grad32 = gram.loss_grad(theta)
    scale = _scale(X, sw)
    assert loss64 < 1e-3 * scale  # the data term is a small difference
    # Documented precision: ~1e-6 of sum_i s_i ||x_i||^2 / sum s in float32.
    assert abs(loss32 - loss64) <= 1e-5 * scale
    assert np.abs(grad32 - grad64).max() <= 1e-4 * np.abs(grad64).max() + 1e-5 * scale


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("params", OPTIONS[:3], ids=["default", "both", "penalty"])
def test_gram_gradient_matches_finite_differences(params, sparse, weighted,
                                                  finite_differences, direct_path):
    direct_path(False)  # the head for the dense input too
    X, sw = _data(sparse, n_samples=8, n_features=5), _weights(weighted, 8)
    _, objective, theta = _ae_objective(X, sw, **params)
    assert objective.gram
    loss, grad = objective.loss_grad(theta)
    assert_allclose(grad, finite_differences(objective.loss_grad, theta), rtol=1e-6,
                    atol=1e-8)


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu", "identity"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_engine_gram_with_activity_l1_gain_and_activations(direct_path, activation,
                                                           sparse):
    """Straight through the engine: any dense hidden activation, ActivityL1 and L2
    per layer, a gain, a sign-constrained decoder."""
    X, sw = _data(sparse), _weights(True)
    layout = ParameterLayout([
        DenseLayer(N_FEATURES, K, activation=activation),
        DenseLayer(K, N_FEATURES, signs=np.ones(K), activation="identity")])
    theta = layout.project(np.random.default_rng(4).normal(size=layout.n_params))
    results = []
    for off in (True, False):
        direct_path(off)
        objective = Objective(layout, "squared_error", [L2([0.01, 0.02]),
                                                        ActivityL1(0.3)],
                              X, X.toarray() if sparse else X, sw, gain=1.7,
                              parallel=False, targets_are_input=True)
        assert objective.gram is (not off)
        results.append(objective.loss_grad(theta))
    (loss0, grad0), (loss1, grad1) = results
    assert_allclose(loss1, loss0, rtol=1e-12)
    assert_allclose(grad1, grad0, rtol=1e-10, atol=1e-12 * np.abs(grad0).max())


def test_set_data_reuses_the_buffers_and_sees_the_new_batch(direct_path):
    X = _data(True, n_samples=20)
    sw = np.ones(10)
    _, objective, theta = _ae_objective(X[:10], sw)
    buffers = objective._by_rows[10].buffers
    objective.set_data(X[10:], X[10:], sw)
    assert objective._by_rows[10].buffers is buffers
    loss1, grad1 = objective.loss_grad(theta)
    direct_path(True)
    _, fresh, _ = _ae_objective(X[10:], sw)
    loss0, grad0 = fresh.loss_grad(theta)
    assert_allclose(loss1, loss0, rtol=1e-12)
    assert_allclose(grad1, grad0, rtol=1e-10, atol=1e-12 * np.abs(grad0).max())


def test_gram_path_taken_where_the_targets_are_the_input():
    X, sw = _data(True), _weights(False)
    # The linear decoder: one block whatever block_rows, no output of width d.
    _, objective, _ = _ae_objective(X, sw, block_rows=4)
    assert objective.gram and objective.single
    inner = objective._by_rows[N_SAMPLES]
    assert inner.gram and inner.y is None
    assert inner.buffers[1].out is None and inner.buffers[1].delta is None
    assert inner.buffers[1].partial_coef is None
    # The sigmoid decoder reconstructs through a sigmoid: the identity does not hold.
    _, objective, _ = _ae_objective(X, sw, decoder="sigmoid", block_rows=4)
    assert not objective.gram and not objective.single
    _, objective, _ = _ae_objective(X, sw, decoder="sigmoid")
    assert not objective._by_rows[N_SAMPLES].gram


def test_gram_path_not_taken_elsewhere():
    X, sw = _data(False), _weights(False)
    # A regressor under the squared error: its targets are not its input.
    reg = NonNegMLPRegressor(hidden_layer_sizes=(K,))
    reg._validate_params()
    layout = reg._build_layout(N_FEATURES, N_FEATURES)
    objective = reg._make_objective(layout, X, X, sw, 1.0, False)
    assert not objective.gram and objective.buffers[1].out is not None
    # Targets not declared to be the input, in the engine and in row blocks.
    layers = [DenseLayer(N_FEATURES, K),
              DenseLayer(K, N_FEATURES, activation="identity")]
    layout = ParameterLayout(layers)
    assert not Objective(layout, "squared_error", [], X, X, sw, parallel=False).gram
    assert not RowBlockObjective(layout, "squared_error", [], X, X, sw,
                                 parallel=False).gram
    # Another loss, another depth, an output narrower than the input.
    assert not objective_module.gram_head_applies(layers, "sigmoid_squared_error",
                                                  True, N_SAMPLES)
    deep = [DenseLayer(N_FEATURES, K), DenseLayer(K, K),
            DenseLayer(K, N_FEATURES, activation="identity")]
    assert not objective_module.gram_head_applies(deep, "squared_error", True,
                                                  N_SAMPLES)
    narrow = [DenseLayer(N_FEATURES, K), DenseLayer(K, 2, activation="identity")]
    assert not objective_module.gram_head_applies(narrow, "squared_error", True,
                                                  N_SAMPLES)
    assert objective_module.gram_head_applies(layers, "squared_error", True, K)
    # More hidden units than rows: the Gram products would cost more.
    assert not objective_module.gram_head_applies(layers, "squared_error", True, K - 1)
    _, objective, _ = _ae_objective(X[:K - 1], sw[:K - 1])
    assert not objective.gram


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("solver", ["adam", "lbfgsb"])
def test_fitted_linear_autoencoder_close_to_the_direct_path(direct_path, solver,
                                                            dtype):
    """Fits through either head reach the same components_ up to rounding (the
    order of the sums differs): 15 epochs or iterations on 60 x 12 CSR rows, the
    largest difference measured at 2e-16 (Adam) and 4e-16 (L-BFGS-B) of the
    largest weight in float64, 6e-8 and 1.2e-7 in float32;
    ``reconstruction_err_`` equal in float64, within 1.3e-8 in float32."""
    X = _data(True, n_samples=60, n_features=12)
    fitted = []
    for off in (True, False):
        direct_path(off)
        ae = NonNegAutoencoder(3, decoder="linear", solver=solver, max_iter=15,
                               batch_size=20, random_state=0, dtype=dtype).fit(X)
        fitted.append(ae)
    old, new = fitted
    tol = 1e-12 if dtype == "float64" else 1e-5
    assert_allclose(new.components_, old.components_, rtol=0,
                    atol=tol * np.abs(old.components_).max())
    assert_allclose(new.reconstruction_err_, old.reconstruction_err_, rtol=tol)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_gram_float32_loss_of_data_far_from_zero(direct_path, sparse):
    """``X^T s`` cancels against ``W^T H^T s + sum(s) b``: in float32 (as the dense
    input's was) its rounding is relative to the data's scale, and on data of
    mean 100 and spread 0.05 reconstructed up to its spread the float32 Gram loss
    was 0.8 of itself off the float64 one (the direct path: 5e-6)."""
    rng = np.random.default_rng(3)
    X = 100.0 + 0.05 * rng.random((200, 30))
    X = sp.csr_matrix(X) if sparse else X
    sw = rng.uniform(0.2, 3.0, 200)
    direct_path(True)
    _, direct, theta = _ae_objective(X, sw, "float64", l2=0.0)
    blocks = direct.layout.blocks(theta)
    blocks[1]["intercept"][...] = np.asarray(X.mean(axis=0)).ravel()
    blocks[1]["coef"][...] *= 0.01
    loss64, _ = direct.loss_grad(theta)
    direct_path(False)
    _, gram, _ = _ae_objective(X, sw, "float32", l2=0.0)
    assert gram.gram
    loss32, _ = gram.loss_grad(theta)
    assert abs(loss32 - loss64) <= 1e-4 * loss64


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_gram_float32_loss_of_an_exact_reconstruction(direct_path, sparse):
    """At parameters that reconstruct the data exactly (two kinds of rows, two
    codes, a decoder solved for them) the float32 Gram loss is the float32
    rounding of the reconstruction, as the direct path's (3e-14 here); with the
    cross term <(S H)^T X, W> summed in float32 it was -8e-8 to -1.2e-7: negative,
    ~1e-8 of sum_i ||x_i||^2 / n, and L-BFGS-B stopped on it at a reconstruction
    error 1000 times the direct path's."""
    from scipy.special import expit
    rng = np.random.default_rng(0)
    kinds = rng.random((2, 10)) + 0.5
    X = kinds[rng.integers(0, 2, 60)]
    coef1, intercept1 = rng.normal(size=(10, 2)), rng.normal(size=2)
    coef2 = np.linalg.solve(expit(kinds @ coef1 + intercept1), kinds)
    direct_path(False)
    ae = NonNegAutoencoder(2, decoder="linear", dtype="float32", l2=0.0, nonneg=False)
    layout = ae._layout = ae._build_layout(10, 10)
    data = sp.csr_matrix(X) if sparse else X
    objective = ae._make_objective(layout, data, data, np.ones(60), 1.0, False)
    assert objective.gram
    theta = layout.pack([coef1, coef2], [intercept1, np.zeros(10)])
    loss, _ = objective.loss_grad(theta)
    assert 0.0 <= loss <= 1e-10 * _scale(X, np.ones(60))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gram_loss_of_csr_input_with_duplicate_entries(direct_path, dtype):
    """A CSR input with duplicate entries (each value stored as two halves) means
    their sums, as for the direct path: sum_i s_i ||x_i||^2 is of the summed
    entries (it was of the stored values: the loss 4.27 for 4.70)."""
    X = _data(False, n_samples=30, n_features=N_FEATURES)
    coo = sp.coo_matrix(X)
    order = np.argsort(np.r_[coo.row, coo.row], kind="stable")
    rows = np.r_[coo.row, coo.row][order]
    duplicated = sp.csr_matrix(
        (np.r_[coo.data, coo.data][order] / 2, np.r_[coo.col, coo.col][order],
         np.r_[0, np.cumsum(np.bincount(rows, minlength=30))]), shape=X.shape)
    assert not duplicated.has_canonical_format
    sw = _weights(True, 30)
    layout = ParameterLayout([DenseLayer(N_FEATURES, K),
                              DenseLayer(K, N_FEATURES, activation="identity")])
    theta = layout.project(np.random.default_rng(4).normal(size=layout.n_params))
    results = []
    for off in (True, False):
        direct_path(off)
        objective = Objective(layout, "squared_error", [], duplicated, X, sw,
                              dtype=dtype, parallel=False, targets_are_input=True)
        assert objective.gram is (not off)
        results.append(objective.loss_grad(theta))
    (loss0, grad0), (loss1, grad1) = results
    assert_allclose(loss1, loss0, rtol=1e-10 if dtype == "float64" else 1e-5)


def test_gram_path_float32_needs_twice_the_rows():
    """In a float32 fit the head is taken for k <= rows / 2 only (its float64
    products cost twice); the last, smaller mini-batch of an epoch decides alone."""
    layers = [DenseLayer(N_FEATURES, K),
              DenseLayer(K, N_FEATURES, activation="identity")]
    applies = objective_module.gram_head_applies
    assert applies(layers, "squared_error", True, 2 * K, np.float32)
    assert not applies(layers, "squared_error", True, 2 * K - 1, np.float32)
    assert applies(layers, "squared_error", True, 2 * K - 1, np.float64)
    X, sw = _data(True), _weights(True)
    _, objective, _ = _ae_objective(X[:2 * K - 1], sw[:2 * K - 1], "float32")
    assert not objective.gram and objective._by_rows[2 * K - 1].buffers[1].out is not None


def test_gram_head_runs_its_products_on_one_blas_thread(monkeypatch):
    """The head's BLAS products run on one thread whatever the fit's budget: with
    NumPy's BLAS on two threads between the numba kernels' launches, the two pools
    spun against each other and an epoch on Reuters tf-idf (k = 64, float32, a
    budget of two threads) took 1.9x the direct path's time instead of 0.8x
    (``benchmarks/results/autoencoder_gram_threads2.md``)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    seen = []
    gram_head = DenseLayer.gram_head

    def spy(self, *args, **kwargs):
        seen.append([pool["num_threads"] for pool in threadpool_info()
                     if pool["user_api"] == "blas"])
        return gram_head(self, *args, **kwargs)

    monkeypatch.setattr(DenseLayer, "gram_head", spy)
    X, sw = _data(True), _weights(False)
    with threadpool_limits(limits=2, user_api="blas"):
        with fit_threads():
            _, objective, theta = _ae_objective(X, sw, parallel=True)
            assert objective.gram
            objective.loss_grad(theta)
        after = [pool["num_threads"] for pool in threadpool_info()
                 if pool["user_api"] == "blas"]
    assert seen and all(n == 1 for pools in seen for n in pools), seen
    # The limit is given back after the head.
    assert all(n == 2 for n in after) or not after, after


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gram_path_for_a_dense_input_in_float64_only(dtype):
    """By default the head is taken for an input that is CSR as the kernels take it
    (a sparse matrix, or a dense array that is mostly zeros), and for a dense one in
    a float64 fit only: in float32 it does not pay there (``gram_head_applies``)."""
    X_sparse = _data(True, n_samples=2 * N_SAMPLES)
    sw = _weights(False, 2 * N_SAMPLES)
    rng = np.random.default_rng(3)
    X_dense = rng.random((2 * N_SAMPLES, N_FEATURES)) + 0.1  # no zeros: dense
    X_zeros = np.zeros((2 * N_SAMPLES, N_FEATURES))
    X_zeros[:, 0] = 1.0  # mostly zeros: CSR as the kernels take it
    layers = [DenseLayer(N_FEATURES, K),
              DenseLayer(K, N_FEATURES, activation="identity")]
    dense_taken = dtype == "float64"
    for X, taken in ((X_sparse, True), (X_dense, dense_taken), (X_zeros, True)):
        _, objective, theta = _ae_objective(X, sw, dtype=dtype)
        assert objective.gram is taken
        assert objective._by_rows[2 * N_SAMPLES].gram is taken
        # Built on the engine directly, unprepared: the same decision.
        engine = Objective(ParameterLayout(layers), "squared_error", [], X, X, sw,
                           parallel=False, targets_are_input=True, dtype=dtype)
        assert engine.gram is taken
    assert objective_module.gram_head_applies(layers, "squared_error", True, 2 * K,
                                              dtype, sparse=False) is dense_taken
    assert objective_module.gram_head_applies(layers, "squared_error", True, 2 * K,
                                              dtype, sparse=True)


def test_gram_head_switch_holds_in_its_own_thread_and_context_only():
    """``objective.gram_head`` (before: a module global written at run time) sets
    the head for the current thread only, and contexts closed out of order leave
    the default behind."""
    layers = [DenseLayer(N_FEATURES, K), DenseLayer(K, N_FEATURES, activation="identity")]

    def applies():
        return objective_module.gram_head_applies(layers, "squared_error", True, 2 * K,
                                                  np.float32, sparse=False)

    assert not applies()  # a dense input in float32: not by default
    first, second = objective_module.gram_head("always"), objective_module.gram_head(False)
    first.__enter__()
    second.__enter__()
    assert not applies()
    first.__exit__(None, None, None)
    assert not applies()  # second's False, still open
    second.__exit__(None, None, None)
    assert objective_module._gram_head.get() is True
    seen = []
    with objective_module.gram_head("always"):
        assert applies()
        thread = threading.Thread(target=lambda: seen.append(applies()))
        thread.start()
        thread.join()
    assert seen == [False]
    with pytest.raises(ValueError, match="mode must be"):
        with objective_module.gram_head("sometimes"):
            pass


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("parallel", [False, True, "numpy"])
def test_gram_cross_term_copied_to_c_order_changes_no_bit(dtype, parallel):
    # (S H)^T X of a CSR input comes as X^T (S H) (d x k) and is copied to C order
    # (k x d, the tiled ``transpose`` kernel) before the loss's inner product with
    # W and the decoder's gradient read it; before, they read the transposed view
    # (vdot copied it to C order at every evaluation, ``grad -= cross`` walked it
    # with a stride of k values: 30% of an Adam step at k = 64 on Reuters tf-idf).
    # The copy moves values only: the loss and the gradient are those of the
    # transposed view, bit for bit. So is W^T, copied for X W^T the same way.
    X, sw = _data(True, n_samples=40, n_features=70), _weights(True, n_samples=40)
    results = []
    for c_order in (True, False):
        with fit_threads():
            _, objective, theta = _ae_objective(X, sw, dtype, parallel)
            assert objective.gram
            inner = objective._by_rows[X.shape[0]]  # one block of rows: one Objective
            gram = inner.buffers[0].gram
            assert gram.cross_c.shape == (K, X.shape[1])
            if not c_order:
                gram.cross_c = None  # the transposed view, as before
            results.append(objective.loss_grad(theta))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])
    W = np.asarray(np.random.default_rng(3).normal(size=(K, 70)), dtype=dtype)
    for kind in (False, True, "numpy"):
        for n_chunks in (1, 2):
            out = np.empty((70, K), dtype=dtype)
            assert transpose_into(kernels(kind), n_chunks, W, out) is out
            np.testing.assert_array_equal(out, W.T)
