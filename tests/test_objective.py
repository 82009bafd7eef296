"""``Objective.loss_grad`` of dense networks: value of eq. (1) and its gradient.

The gradient is checked against central finite differences (float64) on every
combination of penalties, weight constraints, output kind, dense/CSR input, sample
weights and depth; the value against a plain NumPy computation of eq. (1) of
Chorowski & Zurada (2015); L1 against its exact (split) form; float32 against
float64. Objectives are built through the estimator's own hooks, as ``fit`` does.
"""

import itertools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, log_softmax
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from conftest import gradient_case, objective_data
from sknonneg import ABBAClassifier, NonNegMLPClassifier
from sknonneg._engine import DenseLayer, Objective, ParameterLayout
from sknonneg._engine import data as data_module
from sknonneg._engine.layers import padded_width
from sknonneg._kernels import kernels as kernel_set
from sknonneg._threads import fit_threads

GAIN = 1.7
N_SAMPLES, N_FEATURES = 12, 3
OUTPUTS = ["softmax-binary", "softmax-multiclass", "logistic-binary",
           "logistic-multiclass", "logistic-multilabel"]
POSITIVE = [True, False, "hidden", "output", "list", "monotonic"]
PENALTIES = list(itertools.product([0.0, 0.01], [0.0, 0.02], [0.0, 0.1]))  # l1, l2, pS
# monotonic_cst keeps its guarantee with a single logistic output per label only: a
# softmax or multiclass output is refused at fit (tests/test_monotone.py), so those
# combinations have no objective to check and are not generated.
_MONOTONIC_OUTPUTS = ("logistic-binary", "logistic-multilabel")
KIND_POSITIVE = [pytest.param(kind, positive, id=f"{kind}-{positive}")
                 for kind in OUTPUTS for positive in POSITIVE
                 if positive != "monotonic" or kind in _MONOTONIC_OUTPUTS]


SPARSE = [False, True, "blocked"]
SPARSE_IDS = ["dense", "csr", "csr-blocked"]


def _data(kind, sparse=False, seed=0):
    return objective_data(kind, sparse, seed, N_SAMPLES, N_FEATURES)


def _estimator(kind, hidden, positive, l1=0.0, l2=0.0, activity_l1=0.0,
               dtype="float64", activation="logistic"):
    n_layers = len(hidden) + 1
    monotonic_cst = None
    if positive == "list":
        positive = [i % 2 == 0 for i in range(n_layers)]
    elif positive == "monotonic":
        assert kind in _MONOTONIC_OUTPUTS, "monotonic_cst is refused with this output"
        positive, monotonic_cst = True, [1, -1, 0]
    return NonNegMLPClassifier(
        hidden_layer_sizes=hidden, positive=positive, monotonic_cst=monotonic_cst,
        l1=l1, l2=l2, activity_l1=activity_l1, output=kind.split("-")[0], gain=GAIN,
        dtype=dtype, activation=activation)


def _objective(est, X, y, sample_weight=None, parallel=False):
    """The objective ``fit`` would build (layout, targets, weights)."""
    est._validate_params()
    targets, _ = est._encode_targets(y)
    sample_weight = est._sample_weight(X, y, sample_weight)
    layout = est._build_layout(X.shape[1], est.n_outputs_)
    objective = est._make_objective(layout, X, targets, sample_weight, GAIN, parallel)
    return layout, objective, targets, sample_weight


def _feasible_theta(layout, rng, scale=0.8):
    """A random point strictly inside the bounds where they are one-sided."""
    theta = rng.normal(size=layout.n_params) * scale
    theta = np.where(np.isfinite(layout.lower), np.abs(theta), theta)
    theta = np.where(np.isfinite(layout.upper), -np.abs(theta), theta)
    theta[(layout.lower == 0) & (layout.upper == 0)] = 0.0
    return theta


def _dense_layout(sizes, signs, l1):
    """A layout of sigmoid layers under a linear output layer."""
    n_layers = len(sizes) - 1
    return ParameterLayout([
        DenseLayer(sizes[i], sizes[i + 1], signs[i],
                   "identity" if i == n_layers - 1 else "logistic", l1[i])
        for i in range(n_layers)])


def _l1(layout):
    return [layer.l1 for layer in layout.network]


def _split(layout):
    return [layer.split for layer in layout.network]


def _coef_slices(layout):
    """Per layer ``(pos, neg or None)``: where its coef lives in theta."""
    return [(s["coef_pos"][0], s["coef_neg"][0]) if "coef_pos" in s else (s["coef"][0], None)
            for s in layout._slices]


def _eq1(layout, theta, X, targets, sample_weight, output, l2, activity_l1):
    """Eq. (1) in plain NumPy, with |W| of the unpacked (net) weights."""
    coefs, intercepts = layout.arrays(theta)
    a = X.toarray() if sp.issparse(X) else np.asarray(X)
    s = sample_weight / sample_weight.sum()
    activity = 0.0
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        a = expit(GAIN * (a @ W + b))
        activity += s @ a.sum(axis=1)
    z = a @ coefs[-1] + intercepts[-1]
    if output == "softmax":
        nll = -log_softmax(z, axis=1)[np.arange(z.shape[0]), targets]
    else:
        nll = (np.logaddexp(0.0, z) - targets * z).sum(axis=1)
    penalties = sum(l1 * np.abs(W).sum() + l2_ * (W ** 2).sum()
                    for W, l1, l2_ in zip(coefs, _l1(layout), l2))
    return s @ nll + penalties + activity_l1 * activity


@pytest.mark.parametrize("hidden", [(3,), (3, 2)], ids=["1hidden", "2hidden"])
@pytest.mark.parametrize("sparse", SPARSE, ids=SPARSE_IDS)
@pytest.mark.parametrize("kind, positive", KIND_POSITIVE)
def test_gradient_matches_finite_differences(kind, positive, sparse, hidden, request,
                                             finite_differences):
    """Every (l1, l2, activity_l1) x (unweighted, weighted) in the inner loop."""
    X, y, weights, rng = gradient_case(kind, sparse, request, N_SAMPLES, N_FEATURES)
    est = _estimator(kind, hidden, positive)
    targets, _ = est._encode_targets(y)
    for (l1, l2, activity_l1), sw in itertools.product(PENALTIES, weights):
        est.set_params(l1=l1, l2=l2, activity_l1=activity_l1)
        layout = est._build_layout(N_FEATURES, est.n_outputs_)
        objective = est._make_objective(
            layout, X, targets, np.ones(N_SAMPLES) if sw is None else sw, GAIN, False)
        theta = _feasible_theta(layout, rng)
        assert (objective.first_layer.blocked is not None) == (sparse == "blocked")
        loss, grad = objective.loss_grad(theta)
        assert grad.shape == theta.shape and grad.dtype == np.float64
        expected = finite_differences(objective.loss_grad, theta)
        assert_allclose(grad, expected, rtol=1e-6, atol=1e-8,
                        err_msg=f"l1={l1} l2={l2} pS={activity_l1} sw={sw is not None}")
        # Evaluating again at the same point gives the same result (buffers reused).
        loss_again, grad_again = objective.loss_grad(theta)
        assert loss_again == loss
        assert_allclose(grad_again, grad, rtol=0, atol=0)


@pytest.mark.parametrize("hidden", [(3,), (3, 2)], ids=["1hidden", "2hidden"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("kind, positive", KIND_POSITIVE)
def test_loss_equals_eq1(kind, positive, sparse, hidden):
    """At packed points (w_pos * w_neg = 0) the loss is eq. (1) with exact L1."""
    X, y = _data(kind, sparse)
    rng = np.random.default_rng(2)
    sw = rng.uniform(0.2, 3.0, N_SAMPLES)
    est = _estimator(kind, hidden, positive, l1=0.03, l2=0.02, activity_l1=0.1)
    layout, objective, targets, sample_weight = _objective(est, X, y, sw)
    coefs = [rng.normal(size=layout.coef_shape(i)) for i in range(layout.n_layers)]
    intercepts = [rng.normal(size=n) for n in layout.layer_sizes[1:]]
    theta = layout.pack(coefs, intercepts)
    loss, _ = objective.loss_grad(theta)
    expected = _eq1(layout, theta, X, targets, sample_weight, est.output,
                    est._per_layer(est.l2, "l2", layout.n_layers), est.activity_l1)
    assert_allclose(loss, expected, rtol=1e-12)


# The hidden activations other than the sigmoid (which every test above uses). Each
# has its own derivative in the kernels (read off the stored outputs) and in their
# NumPy twins: the gradient is checked on both paths.
OTHER_ACTIVATIONS = ["tanh", "relu", "identity"]


@pytest.mark.parametrize("flavour", [False, "numpy"], ids=["numba", "numpy"])
@pytest.mark.parametrize("hidden", [(3,), (3, 2)], ids=["1hidden", "2hidden"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("activation", OTHER_ACTIVATIONS)
def test_gradient_per_activation_matches_finite_differences(activation, sparse, hidden,
                                                            flavour, request,
                                                            finite_differences):
    """Each activation, with sign constraints, l1, l2 (and activity_l1 where it is
    allowed), unweighted and weighted; a softmax and logistic outputs."""
    for kind, positive in (("softmax-multiclass", "hidden"),
                           ("logistic-multilabel", "monotonic")):
        X, y, weights, rng = gradient_case(kind, sparse, request, N_SAMPLES, N_FEATURES)
        activity_l1 = 0.1 if activation == "relu" else 0.0
        est = _estimator(kind, hidden, positive, l1=0.01, l2=0.02,
                         activity_l1=activity_l1, activation=activation)
        layout, _, targets, _ = _objective(est, X, y)
        assert [layer.activation for layer in layout.network] == (
            [activation] * len(hidden) + ["identity"])
        for sw in weights:
            objective = est._make_objective(
                layout, X, targets, np.ones(N_SAMPLES) if sw is None else sw, GAIN,
                flavour)
            theta = _feasible_theta(layout, rng)
            loss, grad = objective.loss_grad(theta)
            assert_allclose(grad, finite_differences(objective.loss_grad, theta),
                            rtol=1e-6, atol=1e-8, err_msg=f"{kind} sw={sw is not None}")


def test_activation_loss_equals_numpy_network():
    """The value of the objective with each activation: a plain NumPy network."""
    X, y = _data("softmax-multiclass")
    rng = np.random.default_rng(3)
    for activation, f in (("tanh", np.tanh), ("relu", lambda t: np.maximum(t, 0.0)),
                          ("identity", lambda t: t), ("logistic", expit)):
        est = _estimator("softmax-multiclass", (3, 2), False, activation=activation)
        layout, objective, targets, sw = _objective(est, X, y)
        coefs = [rng.normal(size=layout.coef_shape(i)) for i in range(3)]
        intercepts = [rng.normal(size=n) for n in layout.layer_sizes[1:]]
        a = X
        for W, b in zip(coefs[:-1], intercepts[:-1]):
            a = f(GAIN * (a @ W + b))
        z = a @ coefs[-1] + intercepts[-1]
        expected = -log_softmax(z, axis=1)[np.arange(N_SAMPLES), targets].mean()
        loss, _ = objective.loss_grad(layout.pack(coefs, intercepts))
        assert_allclose(loss, expected, rtol=1e-12, err_msg=activation)


@pytest.mark.parametrize("kind", ["softmax-multiclass", "logistic-multilabel"])
def test_per_layer_penalties(kind, finite_differences):
    """l1 and l2 given per weight layer reach the right layers."""
    X, y = _data(kind, sparse=False)
    est = _estimator(kind, (3, 2), positive="hidden", l1=[0.0, 0.05, 0.02],
                     l2=[0.03, 0.0, 0.01], activity_l1=0.05)
    layout, objective, targets, sw = _objective(est, X, y)
    assert _l1(layout) == [0.0, 0.05, 0.02]
    assert _split(layout) == [False, False, True]
    rng = np.random.default_rng(5)
    theta = _feasible_theta(layout, rng)
    loss, grad = objective.loss_grad(theta)
    assert_allclose(grad, finite_differences(objective.loss_grad, theta), rtol=1e-6,
                    atol=1e-8)
    coefs = [rng.normal(size=layout.coef_shape(i)) for i in range(3)]
    intercepts = [rng.normal(size=n) for n in layout.layer_sizes[1:]]
    theta = layout.pack(coefs, intercepts)
    assert_allclose(objective.loss_grad(theta)[0],
                    _eq1(layout, theta, X, targets, sw, est.output,
                         est._per_layer(est.l2, "l2", 3), est.activity_l1), rtol=1e-12)


@pytest.mark.parametrize("sparse", SPARSE, ids=SPARSE_IDS)
def test_serial_and_parallel_objectives_agree(parallel_threads, sparse, request):
    if sparse == "blocked":
        request.getfixturevalue("small_blocks")
    X, y = _data("softmax-multiclass", sparse)
    with fit_threads() as parallel:
        assert parallel
        results = []
        for flavour in (False, parallel):
            est = _estimator("softmax-multiclass", (3, 2), True, 0.01, 0.01, 0.1)
            layout, objective, _, _ = _objective(est, X, y, parallel=flavour)
            results.append(objective.loss_grad(_feasible_theta(layout,
                                                               np.random.default_rng(4))))
    assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    assert_allclose(results[0][1], results[1][1], rtol=1e-10, atol=1e-14)


# --------------------------------------------------------------------- exact L1
@pytest.mark.parametrize("signs", [[0, 0, 0], [1, 1, 1], [-1, -1, -1], [1, -1, 0]],
                         ids=["free", "nonneg", "nonpos", "mixed"])
def test_l1_is_linear_and_exact(signs):
    l1 = [0.3, 0.2]
    layout = _dense_layout([3, 4, 2], [np.array(signs), np.zeros(4)], l1)
    n_coef = 3 * 4 + 4 * 2
    n_intercept = 4 + 2
    free = [0 in signs, True]
    assert _split(layout) == free
    # A split layer stores w_pos and w_neg: twice its coef entries.
    assert layout.n_params == n_coef + n_intercept + 12 * free[0] + 8 * free[1]

    rng = np.random.default_rng(0)
    coefs = [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]
    intercepts = [rng.normal(size=4), rng.normal(size=2)]
    theta = layout.pack(coefs, intercepts)
    assert np.all(theta >= layout.lower) and np.all(theta <= layout.upper)
    net_coefs, net_intercepts = layout.arrays(theta)
    # pack clips to the constraints: the net weights are the projected ones.
    row_signs = np.array(signs)[:, None]
    expected0 = np.where(row_signs > 0, np.maximum(coefs[0], 0),
                         np.where(row_signs < 0, np.minimum(coefs[0], 0), coefs[0]))
    assert_allclose(net_coefs[0], expected0)
    assert_allclose(net_coefs[1], coefs[1])
    assert_allclose(net_intercepts[1], intercepts[1])
    exact = sum(l * np.abs(W).sum() for l, W in zip(l1, net_coefs))
    assert_allclose(layout.l1_linear @ theta, exact, rtol=1e-12)
    assert_allclose(layout.l1_penalty(theta), exact, rtol=1e-12)
    # Intercepts carry no L1.
    for slices in layout._slices:
        assert np.all(layout.l1_linear[slices["intercept"][0]] == 0)
    # In the split form, w_pos * w_neg = 0 after pack, and adding the same amount to
    # both parts keeps the net weight but raises the linear penalty: at an optimum
    # one of them is zero, which is what makes the linear penalty exact.
    for i, (pos, neg) in enumerate(_coef_slices(layout)):
        if neg is not None:
            assert np.all(theta[pos] * theta[neg] == 0)
            shifted = theta.copy()
            shifted[pos] += 0.5
            shifted[neg] += 0.5
            shifted = layout.project(shifted)
            # The net weight w_pos - w_neg is unchanged where both parts are free;
            # a sign-constrained row pins one part at 0, which the projection puts
            # back, so its net weight moves by the other part's 0.5 (was
            # atol=0.5 everywhere: dropping a half of the shift anywhere passed).
            shape = net_coefs[i].shape
            pos_free = (layout.upper[pos] > 0).reshape(shape)
            neg_free = (layout.upper[neg] > 0).reshape(shape)
            assert (pos_free & neg_free).any()
            assert_allclose(layout.arrays(shifted)[0][i],
                            net_coefs[i] + 0.5 * pos_free - 0.5 * neg_free,
                            rtol=0, atol=1e-12)
            assert layout.l1_penalty(shifted) > layout.l1_penalty(theta)


def test_l1_without_free_weights_does_not_split():
    layout = _dense_layout([3, 2, 2], [np.ones(3), np.ones(2)], [0.1, 0.1])
    assert _split(layout) == [False, False]
    assert layout.n_params == 3 * 2 + 2 + 2 * 2 + 2
    layout = _dense_layout([3, 2, 2], [np.zeros(3), np.zeros(2)], [0.0, 0.0])
    assert _split(layout) == [False, False]
    assert not layout.is_bounded


def test_pack_grad_chain_rule_for_split_layers():
    layout = _dense_layout([2, 3, 2], [np.zeros(2), np.zeros(3)], [0.1, 0.0])
    coef_grads = [np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2)]
    intercept_grads = [np.ones(3), np.ones(2)]
    grad = np.empty(layout.n_params)
    theta_blocks, grad_blocks = layout.blocks(np.zeros(layout.n_params)), layout.blocks(grad)
    for i, layer in enumerate(layout.network):
        buf = type("Buffers", (), {})()
        buf.coef_grad, buf.intercept_grad = coef_grads[i], intercept_grads[i]
        buf.writes_grad = False  # gradients in buffers of their own, copied to grad
        assert layer.pack_grad(None, theta_blocks[i], grad_blocks[i], buf, 1.0, 0.0) \
            == (0.0, 0.0)
    pos, neg = _coef_slices(layout)[0]
    assert_allclose(grad[pos], coef_grads[0].ravel())
    assert_allclose(grad[neg], -coef_grads[0].ravel())


# --------------------------------------------------------------------- float32
@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu", "identity"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("kind", ["softmax-multiclass", "logistic-multilabel"])
def test_float32_objective_close_to_float64(kind, sparse, activation):
    X, y = _data(kind, sparse)
    results = []
    activity_l1 = 0.1 if activation in ("logistic", "relu") else 0.0
    for dtype in ("float32", "float64"):
        est = _estimator(kind, (3, 2), "hidden", l1=0.01, l2=0.01,
                         activity_l1=activity_l1, dtype=dtype, activation=activation)
        layout, objective, _, _ = _objective(est, X, y)
        assert objective.dtype == np.dtype(dtype)
        loss, grad = objective.loss_grad(_feasible_theta(layout,
                                                         np.random.default_rng(6)))
        assert isinstance(loss, float) and grad.dtype == np.float64
        results.append((loss, grad))
    (loss32, grad32), (loss64, grad64) = results
    assert_allclose(loss32, loss64, rtol=1e-5)
    assert_allclose(grad32, grad64, rtol=1e-4, atol=1e-5 * np.abs(grad64).max())


def test_gain_can_be_changed_between_evaluations(finite_differences):
    """Annealing sets ``objective.gain``; the next evaluation uses it."""
    X, y = _data("softmax-binary", sparse=False)
    est = _estimator("softmax-binary", (3,), True)
    layout, objective, targets, sw = _objective(est, X, y)
    theta = _feasible_theta(layout, np.random.default_rng(8))
    loss_a, _ = objective.loss_grad(theta)
    objective.gain = 3.0
    loss_b, grad_b = objective.loss_grad(theta)
    assert loss_a != loss_b
    assert_allclose(grad_b, finite_differences(objective.loss_grad, theta), rtol=1e-6,
                    atol=1e-8)


@pytest.mark.parametrize("cls", [NonNegMLPClassifier, ABBAClassifier])
def test_mostly_zero_float64_input_goes_straight_to_float32_csr(cls):
    """No dense float32 copy on the way; the fit is that of the float32 data."""
    rng = np.random.default_rng(3)
    X = rng.random((60, 10)) * (rng.random((60, 10)) < 0.2)
    y = np.arange(60) % 3
    est = cls(hidden_layer_sizes=(4,), dtype="float32", max_iter=15, random_state=0)
    converted = est._as_compute_dtype(X)
    assert sp.issparse(converted) and converted.dtype == np.float32
    assert_array_equal(converted.toarray(), X.astype(np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        from_float64 = clone(est).fit(X, y)
        from_float32 = clone(est).fit(X.astype(np.float32), y)
    for a, b in zip(from_float64.coefs_, from_float32.coefs_):
        assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert_array_equal(from_float64.predict(X), from_float32.predict(X))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_mostly_zero_dense_input_takes_the_csr_path(monkeypatch, dtype):
    rng = np.random.default_rng(7)
    X = rng.random((40, 6)) * (rng.random((40, 6)) < 0.05)
    y = np.arange(40) % 3
    est = _estimator("softmax-multiclass", (4,), True, 0.01, 0.01, 0.1, dtype=dtype)
    layout, sparse_path, _, _ = _objective(est, X, y)
    assert isinstance(sparse_path.X, data_module.CSRInput)
    assert sparse_path.first_layer.X_t is None
    monkeypatch.setattr(data_module, "SPARSE_INPUT_DENSITY", {})
    _, dense_path, _, _ = _objective(est, X, y)
    assert (isinstance(dense_path.X, data_module.DenseInput)
            and dense_path.first_layer.X_t is not None)
    theta = _feasible_theta(layout, rng)
    loss_s, grad_s = sparse_path.loss_grad(theta)
    loss_d, grad_d = dense_path.loss_grad(theta)
    rtol = 1e-12 if dtype == "float64" else 1e-5
    assert_allclose(loss_s, loss_d, rtol=rtol)
    assert_allclose(grad_s, grad_d, rtol=rtol, atol=rtol * np.abs(grad_d).max())


def test_dense_input_above_the_density_threshold_stays_dense():
    X, y = _data("softmax-multiclass", sparse=False)
    assert np.count_nonzero(X) > 0.25 * X.size
    _, objective, _, _ = _objective(_estimator("softmax-multiclass", (3,), True), X, y)
    assert isinstance(objective.X, data_module.DenseInput)


def test_dense_to_csr_conversion_matches_scipy():
    rng = np.random.default_rng(3)
    X = rng.random((50, 9)) * (rng.random((50, 9)) < 0.2)
    X[[0, 7]] = 0.0
    expected = sp.csr_matrix(X)
    for parallel in (False, True):
        got = data_module.CSRInput.from_dense(np.ascontiguousarray(X),
                                              kernel_set(parallel))
        np.testing.assert_array_equal(got.indptr, expected.indptr)
        np.testing.assert_array_equal(got.indices, expected.indices)
        np.testing.assert_array_equal(got.data, expected.data)
        assert got.shape == X.shape


def test_csr_input_is_not_modified_and_uses_narrow_indices():
    """Unsorted column indices are sorted in a copy, never in the caller's matrix."""
    data, indices, indptr = [1.0, 2.0, 3.0], [2, 0, 1], [0, 2, 3]
    matrix = sp.csr_matrix((data, indices, indptr), shape=(2, 3))
    matrix.has_sorted_indices = False
    kernel_input = data_module.CSRInput(matrix, np.float32)
    assert_allclose(matrix.indices, indices)
    assert_allclose(matrix.data, data)
    assert kernel_input.indices.dtype == np.uint16 and kernel_input.indptr.dtype == np.int64
    assert_allclose(kernel_input.indices, [0, 2, 1])
    assert_allclose(kernel_input.data, [2.0, 1.0, 3.0])
    assert data_module.index_dtype(2 ** 16 - 1) == np.uint16
    assert data_module.index_dtype(2 ** 16) == np.int32
    assert data_module.index_dtype(2 ** 31 - 1) == np.int32
    assert data_module.index_dtype(2 ** 31) == np.int64


def test_csr_kernels_get_first_layer_rows_padded_to_cache_lines():
    """A float32 fit's first layer on CSR input is a copy with rows padded to whole
    cache lines; so is a float64 one's where ``theta`` cannot be read in place."""
    assert padded_width(150, np.float32) == 160
    assert padded_width(150, np.float64) == 152
    assert padded_width(8, np.float64) == 8
    X, y = _data("softmax-multiclass", sparse=True)
    n_inputs = X.shape[1]
    theta = np.random.default_rng(0).normal(size=_objective(
        _estimator("softmax-multiclass", (5,), False), X, y)[0].n_params)
    for dtype in ("float32", "float64"):
        est = _estimator("softmax-multiclass", (5,), False, dtype=dtype)
        layout, objective, _, _ = _objective(est, X, y)
        _, dense, _, _ = _objective(est, X.toarray(), y)
        assert (isinstance(objective.X, data_module.CSRInput)
                and dense.buffers[0].csr_coef is None)
        point = theta
        if dtype == "float64":
            point = theta.copy()
            point.flags.writeable = False  # read-only: not read in place
        loss, grad = objective.loss_grad(point)
        csr_coef = objective.buffers[0].csr_coef
        assert csr_coef.shape == (n_inputs, padded_width(5, dtype))
        assert csr_coef.dtype == dtype and np.all(csr_coef[:, 5:] == 0.0)
        dense_loss, dense_grad = dense.loss_grad(theta)
        tol = 1e-12 if dtype == "float64" else 1e-5
        assert_allclose(loss, dense_loss, rtol=tol)
        assert_allclose(grad, dense_grad, rtol=tol * 100, atol=tol * 1e-2)


@pytest.mark.parametrize("l2", [0.0, 0.01])
def test_csr_first_layer_reads_theta_in_place_in_float64(l2):
    """In a float64 fit the CSR kernels read the first layer's weights from
    ``theta`` itself (no padded copy per evaluation), with the bits of the padded
    copy's results."""
    X, y = _data("softmax-multiclass", sparse=True)
    est = _estimator("softmax-multiclass", (5,), False, l2=l2)
    layout, objective, _, _ = _objective(est, X, y)
    _, padded, _, _ = _objective(est, X, y)
    theta = np.random.default_rng(0).normal(size=layout.n_params)
    loss, grad = objective.loss_grad(theta)
    buf = objective.buffers[0]
    assert buf.csr_coef is None and buf.reads_theta
    assert np.shares_memory(buf.coef, theta)
    frozen = theta.copy()
    frozen.flags.writeable = False  # not read in place: the padded copy
    padded_loss, padded_grad = padded.loss_grad(frozen)
    assert padded.buffers[0].csr_coef is not None
    assert loss == padded_loss
    assert np.array_equal(grad, padded_grad)


@pytest.mark.parametrize("dtype, in_place", [("float64", False), ("float32", False),
                                             ("float64", True)])
def test_single_layer_on_csr_input_reads_the_weights_not_their_padding(dtype,
                                                                       in_place):
    """A network of one (output) layer on CSR input: its product is scipy's, which
    took the padded weights whole: logits of the padded width, and a broadcasting
    error (``could not broadcast ... (300,16) into shape (300,1)``). In a float64
    fit with a writeable theta the layer reads theta's block in place (before,
    that path had no test of its own)."""
    X = sp.random(300, 20, density=0.1, random_state=0, format="csr")
    y = np.asarray(X.sum(axis=1)).reshape(-1, 1)
    layout = ParameterLayout([DenseLayer(20, 1, activation="identity")])
    theta = np.random.default_rng(0).normal(size=layout.n_params)
    if not in_place:
        theta.flags.writeable = False  # not read in place: the padded copy
    sparse_obj = Objective(layout, "squared_error", [], X, y, None, dtype=dtype,
                           parallel=False)
    dense_obj = Objective(layout, "squared_error", [], X.toarray(), y, None,
                          dtype=dtype, parallel=False)
    loss, grad = sparse_obj.loss_grad(theta)
    buf = sparse_obj.buffers[0]
    if in_place:
        assert buf.csr_coef is None and np.shares_memory(buf.coef, theta)
    else:
        assert buf.csr_coef is not None
    dense_loss, dense_grad = dense_obj.loss_grad(theta)
    tol = 1e-12 if dtype == "float64" else 1e-5
    assert_allclose(loss, dense_loss, rtol=tol)
    assert_allclose(grad, dense_grad, rtol=tol * 100, atol=tol)


def test_dense_batch_of_one_chunk_is_transposed_by_the_serial_kernel(monkeypatch):
    """A dense batch that runs in one chunk is copied by the serial ``transpose``:
    the parallel flavour's launch on one thread cost more than the copy of a
    small batch. Several chunks keep the parallel one."""
    X = np.random.default_rng(0).random((50, 7))
    prepared = data_module.prepare_input(X, np.float64)
    called = []
    for flavour in (True, False):
        kernel = kernel_set(flavour).transpose
        monkeypatch.setattr(kernel_set(flavour), "transpose",
                            lambda X, out, kernel=kernel, flavour=flavour: (
                                called.append(flavour), kernel(X, out)))
    first = data_module.FirstLayerGradient(prepared, 4, 1, kernel_set(True))
    assert called == [False] and np.array_equal(first.X_t, X.T)
    data_module.FirstLayerGradient(prepared, 4, 2, kernel_set(True))
    data_module.FirstLayerGradient(prepared, 4, 1, kernel_set(False))
    assert called == [False, True, False]


@pytest.mark.parametrize("gradient", ["scatter", "blocked"])
def test_csr_path_with_int32_indices(gradient, monkeypatch, request):
    """Inputs of more than 65535 columns or rows get int32 column and row numbers
    (the kernel tests run the uint16 of smaller ones)."""
    if gradient == "blocked":
        request.getfixturevalue("small_blocks")
    monkeypatch.setattr(data_module, "index_dtype", lambda n: np.int32)
    X, y = _data("softmax-multiclass", sparse=True)
    est = _estimator("softmax-multiclass", (4,), True, l2=0.01)
    layout, objective, _, _ = _objective(est, X, y)
    assert objective.X.indices.dtype == np.int32
    if gradient == "blocked":
        assert objective.first_layer.blocked.rows.dtype == np.int32
    _, dense, _, _ = _objective(est, X.toarray(), y)
    theta = np.abs(np.random.default_rng(1).normal(size=layout.n_params))
    loss, grad = objective.loss_grad(theta)
    dense_loss, dense_grad = dense.loss_grad(theta)
    assert_allclose(loss, dense_loss, rtol=1e-12)
    assert_allclose(grad, dense_grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("est", [
    pytest.param(NonNegMLPClassifier((5, 4), positive="hidden", gain=GAIN), id="dense"),
    pytest.param(NonNegMLPClassifier((5, 4), dtype="float32", gain=GAIN), id="dense32"),
    pytest.param(ABBAClassifier((5, 4)), id="abba-free"),
    pytest.param(ABBAClassifier((5, 4), lipschitz_max=3.0), id="abba-capped"),
])
@pytest.mark.parametrize("sparse", SPARSE[:2], ids=SPARSE_IDS[:2])
def test_objectives_on_one_pool_equal_objectives_of_their_own(est, sparse):
    # Objectives of 12 and 5 rows on one BufferPool (RowBlockObjective's blocks of
    # two lengths) run on the same memory, one after the other; each gives what
    # an objective with buffers of its own gives, bit for bit, whichever ran
    # before it.
    from sknonneg._engine import Objective
    from sknonneg._engine.pool import BufferPool

    X, y = _data("softmax-multiclass", sparse)
    est._validate_params()
    targets, _ = est._encode_targets(y)
    layout = est._build_layout(X.shape[1], est.n_outputs_)
    ref = est._make_objective(layout, X, targets, np.ones(N_SAMPLES), GAIN, False)
    sw = np.random.default_rng(3).uniform(0.5, 2.0, N_SAMPLES)

    def objective(rows, pool):
        return Objective(layout, ref.loss, [], X[rows], targets[rows], sw[rows],
                         gain=GAIN, reparametrization=ref.reparametrization,
                         dtype=ref.dtype, parallel=False, pool=pool)

    pool = BufferPool()
    rows = [slice(None), slice(0, 5)]
    shared = [objective(r, pool) for r in rows]
    own = [objective(r, None) for r in rows]
    assert np.shares_memory(shared[0].grad, shared[1].grad)
    delta = "delta_out" if isinstance(est, ABBAClassifier) else "delta"
    assert np.shares_memory(getattr(shared[0].buffers[-1], delta),
                            getattr(shared[1].buffers[-1], delta))
    rng = np.random.default_rng(0)
    thetas = [_feasible_theta(layout, rng, 0.5) for _ in range(2)]
    for i in (0, 1, 1, 0, 0, 1):
        for theta in thetas:
            value, grad = shared[i].loss_grad(theta)
            expected = own[i].loss_grad(theta)
            assert value == expected[0]
            assert_array_equal(grad, expected[1])


def test_buffer_pool_hands_out_views_of_one_array_per_key():
    from sknonneg._engine.pool import BufferPool

    pool = BufferPool()
    a = pool.empty("x", (4, 3))
    b = pool.empty("x", (2, 3))
    assert a.flags.c_contiguous and b.flags.c_contiguous
    assert np.shares_memory(a, b) and b.ctypes.data == a.ctypes.data
    assert not np.shares_memory(a, pool.empty("x", (4, 3), np.float32))
    assert not np.shares_memory(a, pool.empty("y", (4, 3)))
    # A larger request: a new array, for the requests that follow.
    c = pool.empty("x", (5, 3))
    assert not np.shares_memory(a, c) and np.shares_memory(c, pool.empty("x", (1,)))
    # Zeros are shared only at the same shape, and zeroed when handed out.
    z = pool.zeros("z", (3, 4))
    z[...] = 1.0
    again = pool.zeros("z", (3, 4))
    assert again is z and not z.any()
    assert not np.shares_memory(z, pool.zeros("z", (4, 3)))
    # x (15 float64, 12 float32), y (12), z (12: the (3, 4) replaced)
    assert pool.nbytes == (15 + 12 + 12) * 8 + 12 * 4
