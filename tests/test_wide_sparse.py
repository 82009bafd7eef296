"""A wide sparse input is never densified: no (n_samples, n_features) array in fit,
partial_fit or prediction (the initialisation multiplies CSR rows directly). The
peak memory at bag-of-words sizes is measured by benchmarks/memory_wide_sparse.py."""

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.base import clone

from conftest import in_thread
from sknonneg import ABBAClassifier, NonNegMLPClassifier, NonNegMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("Est, solver, dtype", [
    (NonNegMLPClassifier, "lbfgsb", "float64"), (NonNegMLPClassifier, "adam", "float32"),
    (ABBAClassifier, "lbfgsb", "float32"), (ABBAClassifier, "adam", "float64"),
])
def test_wide_csr_is_never_densified(Est, solver, dtype, monkeypatch):
    # 60,000 columns keep to the kernels' 16-bit index path, compiled by other tests
    n_samples, n_features = 1000, 60_000  # dense float64: 480 MB
    rng = np.random.default_rng(0)
    per_row = 6  # scipy's sp.random takes seconds at this width; built directly
    indices = np.sort(rng.choice(n_features, (n_samples, per_row)), axis=1)
    X = sp.csr_matrix((rng.random(n_samples * per_row), indices.ravel(),
                       np.arange(0, n_samples * per_row + 1, per_row)),
                      shape=(n_samples, n_features))
    X.sum_duplicates()
    y = np.arange(n_samples) % 3

    def densify(self, *args, **kwargs):
        raise AssertionError("a sparse input was densified")

    for cls in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix):
        monkeypatch.setattr(cls, "toarray", densify)
        monkeypatch.setattr(cls, "todense", densify)
    est = Est(hidden_layer_sizes=2, solver=solver, max_iter=1, dtype=dtype,
              random_state=0)

    # In a thread of its own: on the serial kernels, which the kernel tests compile
    # (in the main thread, these CSR fits compiled 20-25 CPU-seconds of parallel
    # kernels per dtype that nothing else in the suite needs).
    def fit_and_predict():
        est.fit(X, y)
        est.partial_fit(X, y)
        return est.predict_proba(X), est.transform(X)

    proba, hidden = in_thread(fit_and_predict)
    assert np.all(np.isfinite(proba))
    assert np.all(np.isfinite(hidden))


def _wide_csr(n_samples=300, n_features=5000, per_row=5, seed=0):
    rng = np.random.default_rng(seed)
    indices = np.sort(rng.choice(n_features, (n_samples, per_row)), axis=1)
    X = sp.csr_matrix((rng.random(n_samples * per_row) + 0.5, indices.ravel(),
                       np.arange(0, n_samples * per_row + 1, per_row)),
                      shape=(n_samples, n_features))
    X.sum_duplicates()
    return X, np.arange(n_samples) % 3


def test_layout_holds_no_parameter_sized_vector():
    """Bounds and L1 weights are one value per row of a block (or per block), so a
    wide layer adds no vector of the size of theta; the whole vectors are built on
    demand, equal to what the blocks declare."""
    from sknonneg._engine import DenseLayer, ParameterLayout

    signs = np.array([1, -1, 0, 1] * 500, dtype=np.int8)
    layout = ParameterLayout([DenseLayer(2000, 50, signs, "logistic", l1=0.1),
                              DenseLayer(50, 3, np.ones(50), "identity")])
    held = sum(s.lower.nbytes + s.upper.nbytes + s.l1.nbytes for s in layout.box.segments)
    assert held < 0.2 * layout.n_params * 8
    lower, upper, l1 = layout.lower, layout.upper, layout.l1_linear
    theta = np.random.default_rng(0).normal(size=layout.n_params)
    np.testing.assert_array_equal(layout.project(theta), np.clip(theta, lower, upper))
    assert layout.box.contains(np.clip(theta, lower, upper))
    assert not layout.box.contains(theta)
    np.testing.assert_allclose(layout.l1_penalty(theta), l1 @ theta, rtol=1e-12)
    grad = np.zeros(layout.n_params)
    layout.box.add_l1_grad(grad)
    np.testing.assert_array_equal(grad, l1)
    g = np.random.default_rng(1).normal(size=layout.n_params)
    expected = np.max(np.abs(theta - np.clip(theta - g, lower, upper)))
    assert layout.box.projected_gradient_norm(theta, g) == expected


def test_adam_step_per_segment_is_the_step_on_whole_arrays():
    """Projected Adam reads the bounds per segment: the same iterates, bit for bit,
    as with whole bound arrays."""
    from sknonneg._engine import DenseLayer, ParameterLayout
    from sknonneg._solvers import ProjectedAdam

    signs = np.array([1, -1, 0] * 30, dtype=np.int8)
    layout = ParameterLayout([DenseLayer(90, 7, signs), DenseLayer(7, 2, np.ones(7),
                                                                   "identity")])
    rng = np.random.default_rng(0)
    by_box, by_arrays = ProjectedAdam(layout.n_params), ProjectedAdam(layout.n_params)
    theta_box = layout.project(rng.normal(size=layout.n_params))
    theta_arrays = theta_box.copy()
    for _ in range(5):
        grad = rng.normal(size=layout.n_params)
        by_box.step(theta_box, grad, layout.box)
        by_arrays.step(theta_arrays, grad, layout.bounds)
    np.testing.assert_array_equal(theta_box, theta_arrays)
    assert layout.box.contains(theta_box)


def test_wide_csr_minibatch_gradient_takes_no_partial_copies(monkeypatch):
    """Beyond SCATTER_MAX_BYTES of per-thread partial gradients, a CSR mini-batch's
    first-layer gradient comes from its blocked copy (no copy of the weights per
    thread), and the fit agrees with the scatter's to rounding."""
    from sknonneg._engine import data
    from sknonneg._kernels import numpy_max_work

    X, y = _wide_csr()
    fits = []
    for limit in (1 << 40, 0):
        monkeypatch.setattr(data, "SCATTER_MAX_BYTES", limit)
        made = []
        original = data.FirstLayerGradient.__init__

        def spy(self, *args, **kwargs):
            original(self, *args, **kwargs)
            made.append(self)

        monkeypatch.setattr(data.FirstLayerGradient, "__init__", spy)
        est = NonNegMLPClassifier(4, solver="adam", batch_size=50, max_iter=2,
                                  random_state=0)
        with numpy_max_work(-1):
            in_thread(lambda: est.fit(X, y))  # the serial kernels (see above)
        monkeypatch.setattr(data.FirstLayerGradient, "__init__", original)
        assert all((m.partial_coef is None) == (limit == 0) for m in made)
        fits.append(est._theta)
    np.testing.assert_allclose(fits[0], fits[1], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier])
def test_objective_returns_its_gradient_buffer_on_request(Est):
    """copy=False (what Adam and the L-BFGS-B driver ask for) returns the objective's
    own buffer, with the values of the copy returned by default."""
    X, y = _wide_csr(n_samples=40, n_features=300)
    est = Est(hidden_layer_sizes=3, max_iter=1, random_state=0).fit(X, y)
    targets, _ = est._transform_targets(y)
    objective = est._make_objective(est._layout, X, targets, np.ones(40), 1.0, False)
    loss, grad = objective.loss_grad(est._theta)
    loss_buffer, buffer = objective.loss_grad(est._theta, copy=False)
    assert buffer is objective.grad and grad is not objective.grad
    assert loss_buffer == loss
    np.testing.assert_array_equal(buffer, grad)


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor, ABBAClassifier])
def test_a_run_of_empty_rows_fits_on_the_numpy_twins(Est):
    """A mostly-zero dense X (converted to CSR) whose first 700 rows are all zero:
    a whole block of the blocked layout has no column. The NumPy twin that builds the
    layout (small problems run on the twins) gave that block a start of its own and
    failed with a broadcast error; the default classifier could not fit it."""
    rng = np.random.default_rng(0)
    X = rng.random((2000, 20)) * (rng.random((2000, 20)) < 0.15)
    X[:700] = 0.0
    y = rng.integers(0, 2, 2000) if Est is not NonNegMLPRegressor else rng.random(2000)
    # 64 units: blocks of 512 rows (``_BlockedCSC.block_rows``), so the 700 zero
    # rows hold a whole block.
    dense = Est(hidden_layer_sizes=(64,), max_iter=2, dtype="float64", random_state=0)
    sparse = clone(dense).fit(sp.csr_matrix(X), y)
    dense.fit(X, y)
    # The dense input took the CSR path and the blocked layout, as the CSR one did.
    assert_allclose(dense.predict(X[700:]), sparse.predict(X[700:]))
