"""The engine's parts on their own: losses by name (SquaredError included), the generic
loss and penalty paths against the fused kernels, and data prepared once with row
subsets.

Networks here are built directly from ``sknonneg._engine`` (layers, a loss, penalties,
``Objective``), as an estimator's ``_make_objective`` builds them.
"""

import gc

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal

from sknonneg._engine import (L2, ActivityL1, CSRInput, DenseInput, DenseLayer, Objective,
                              ParameterLayout, SoftmaxNLL, SquaredError, get_loss,
                              prepare_input)
from sknonneg import NonNegMLPRegressor
from sknonneg._engine.losses import LogisticNLL, Loss, SigmoidSquaredError, losses_by_name
from sknonneg._engine.penalties import Penalty
from sknonneg._solvers import Schedule, make_solver

N_SAMPLES, N_FEATURES, N_OUT = 14, 4, 3


def _layout(hidden=(3,), signs=0, l1=0.0):
    sizes = [N_FEATURES, *hidden, N_OUT]
    n_layers = len(sizes) - 1
    return ParameterLayout([
        DenseLayer(sizes[i], sizes[i + 1], np.full(sizes[i], signs),
                   "identity" if i == n_layers - 1 else "logistic", l1)
        for i in range(n_layers)])


def _data(sparse, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((N_SAMPLES, N_FEATURES)) * (rng.random((N_SAMPLES, N_FEATURES)) < 0.6)
    return sp.csr_matrix(X) if sparse else X


def _targets(loss, seed=0):
    rng = np.random.default_rng(seed)
    if loss == "softmax":
        return np.arange(N_SAMPLES) % N_OUT
    if loss == "logistic":
        return (rng.random((N_SAMPLES, N_OUT)) < 0.5).astype(float)
    return rng.normal(size=(N_SAMPLES, N_OUT))


@pytest.mark.parametrize("loss", ["softmax", "logistic", "squared_error"])
def test_losses_are_chosen_by_name(loss):
    assert get_loss(loss).name == loss
    assert get_loss(get_loss(loss)) is not None
    with pytest.raises(ValueError, match="unknown loss"):
        get_loss("hinge")


def _gradient_checked_packed_point(objective, layout, rng, finite_differences):
    """Checks the gradient against finite differences at a random point of the box,
    then returns a packed point (exact L1: ``|W| = W+ + W-`` where split) and the
    objective's value there."""
    theta = np.abs(rng.normal(size=layout.n_params))
    _, grad = objective.loss_grad(theta)
    assert_allclose(grad, finite_differences(objective.loss_grad, theta), rtol=1e-6,
                    atol=1e-8)
    theta = layout.pack(*layout.arrays(theta))
    return theta, objective.loss_grad(theta)[0]


@pytest.mark.parametrize("hidden", [(3,), (3, 2)], ids=["1hidden", "2hidden"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("signs", [0, 1], ids=["free", "nonneg"])
def test_squared_error_gradient_matches_finite_differences(hidden, sparse, signs,
                                                          finite_differences):
    X = _data(sparse)
    y = _targets("squared_error")
    rng = np.random.default_rng(1)
    sw = rng.uniform(0.2, 3.0, N_SAMPLES)
    layout = _layout(hidden, signs, l1=0.01)
    objective = Objective(layout, "squared_error", [L2(0.02), ActivityL1(0.1)], X, y, sw,
                          gain=1.3, parallel=False)
    # The value at a packed point (exact L1): half the squared error, sample-weighted
    # mean, plus the penalties.
    theta, loss = _gradient_checked_packed_point(objective, layout, rng,
                                                 finite_differences)
    coefs, intercepts = layout.arrays(theta)
    a = X.toarray() if sparse else X
    s = sw / sw.sum()
    activity = 0.0
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        a = 1 / (1 + np.exp(-1.3 * (a @ W + b)))
        activity += s @ a.sum(axis=1)
    z = a @ coefs[-1] + intercepts[-1]
    expected = (s @ (0.5 * ((z - y) ** 2).sum(axis=1)) + 0.1 * activity
                + sum(0.01 * np.abs(W).sum() + 0.02 * (W ** 2).sum() for W in coefs))
    assert_allclose(loss, expected, rtol=1e-12)


class _GenericLoss(Loss):
    """A loss without a kernel code: the objective's generic path."""

    def __init__(self, fused):
        self.fused = fused
        self.prepare_targets = fused.prepare_targets

    def value_grad(self, logits, y):
        return self.fused.value_grad(logits, y)


@pytest.mark.parametrize("loss", [SoftmaxNLL(), LogisticNLL(), SquaredError(),
                                  SigmoidSquaredError()],
                         ids=["softmax", "logistic", "squared_error", "sigmoid_squared"])
def test_generic_loss_path_equals_the_fused_kernels(loss):
    X = _data(False)
    y = _targets(loss.name)
    layout = _layout((3, 2))
    sw = np.random.default_rng(2).uniform(0.5, 2.0, N_SAMPLES)
    theta = np.random.default_rng(3).normal(size=layout.n_params)
    fused = Objective(layout, loss, [L2(0.01), ActivityL1(0.05)], X, y, sw,
                      parallel=False)
    generic = Objective(layout, _GenericLoss(loss), [L2(0.01), ActivityL1(0.05)], X, y,
                        sw, parallel=False)
    loss_f, grad_f = fused.loss_grad(theta)
    loss_g, grad_g = generic.loss_grad(theta)
    assert_allclose(loss_g, loss_f, rtol=1e-12)
    assert_allclose(grad_g, grad_f, rtol=1e-9, atol=1e-13)


class _SquaredNorm(Penalty):
    """``alpha |theta|^2`` over every parameter: a penalty on the generic path."""

    def __init__(self, alpha):
        self.alpha = alpha

    def value_grad(self, layout, theta, grad_out):
        grad_out += 2 * self.alpha * theta
        return float(self.alpha * theta @ theta)


def test_generic_penalty_path(finite_differences):
    X, y = _data(True), _targets("softmax")
    layout = _layout()
    theta = np.random.default_rng(4).normal(size=layout.n_params)
    plain = Objective(layout, "softmax", [], X, y, np.ones(N_SAMPLES), parallel=False)
    penalised = Objective(layout, "softmax", [_SquaredNorm(0.3)], X, y, np.ones(N_SAMPLES),
                          parallel=False)
    loss_p, grad_p = plain.loss_grad(theta)
    loss, grad = penalised.loss_grad(theta)
    assert_allclose(loss, loss_p + 0.3 * theta @ theta, rtol=1e-12)
    assert_allclose(grad, grad_p + 0.6 * theta, rtol=1e-12)
    assert_allclose(grad, finite_differences(penalised.loss_grad, theta), rtol=1e-6,
                    atol=1e-8)


@pytest.mark.parametrize("kind", ["csr", "mostly-zero", "dense"])
def test_prepared_input_row_subsets(kind):
    """A prepared input's rows are prepared rows: the same kernel input as preparing
    the subset, and ``prepare_input`` leaves a prepared input alone."""
    X = _data(kind == "csr")
    if kind == "mostly-zero":
        X = X * (np.arange(N_FEATURES) == 0)
    prepared = prepare_input(X, np.float32)
    assert prepare_input(prepared, np.float32) is prepared
    expected_type = DenseInput if kind == "dense" else CSRInput
    assert isinstance(prepared, expected_type)
    rows = np.array([5, 0, 13, 7, 7])
    subset = prepared[rows]
    fresh = prepare_input(X[rows], np.float32)
    assert isinstance(subset, expected_type) and subset.shape == (5, N_FEATURES)
    if kind == "dense":
        assert_array_equal(subset.array, fresh.array)
        return
    for name in ("data", "indices", "indptr"):
        assert_array_equal(getattr(subset, name), getattr(fresh, name))
        assert getattr(subset, name).dtype == getattr(fresh, name).dtype
    dense_rows = X[rows].toarray() if sp.issparse(X) else X[rows]
    assert_array_equal(subset.toarray(), dense_rows.astype(np.float32))


def test_row_numbers_of_a_batch_are_numpys_without_a_pass_over_every_row():
    """The rows of ``CSRInput[rows]``: a batch's row numbers in range are taken as
    they are (contiguous int64), without ``np.arange(n_rows)[rows]``, a pass over
    every row of the data per batch (18 us of a batch's 160 on 60,000 MNIST rows);
    any other index (negative numbers, a mask, a slice, other integer types) as
    NumPy reads it, and out of range an IndexError, as before."""
    from sknonneg._engine.data import _row_numbers

    for rows in ([3, 0, 9, 9], np.array([3, 0, 9, 9]), np.array([3, -1]),
                 np.array([], dtype=np.int64), np.arange(10) % 2 == 0,
                 slice(2, 9, 3), np.array([3, 0], dtype=np.uint8),
                 np.array([7, 1], dtype=np.int32)):
        got = _row_numbers(rows, 10)
        assert got.dtype == np.int64 and got.flags.c_contiguous
        assert_array_equal(got, np.arange(10)[rows])
    strided = _row_numbers(np.array([4, 2, 8])[::2], 10)  # a strided view
    assert strided.flags.c_contiguous
    assert_array_equal(strided, [4, 8])
    for bad in (np.array([10]), np.array([-11]), np.array([0, 10])):
        with pytest.raises(IndexError, match="out of bounds"):
            _row_numbers(bad, 10)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_set_data_with_prepared_rows_equals_raw_rows(sparse):
    X, y = _data(sparse), _targets("softmax")
    layout = _layout()
    theta = np.random.default_rng(5).normal(size=layout.n_params)
    prepared = prepare_input(X, np.float64)
    first, second = np.arange(7), np.arange(7, 14)
    objective = Objective(layout, "softmax", [], prepared[first], y[first], np.ones(7),
                          parallel=False)
    objective.set_data(prepared[second], y[second], np.ones(7))
    raw = Objective(layout, "softmax", [], X[second], y[second], np.ones(7),
                    parallel=False)
    assert_allclose(objective.loss_grad(theta)[0], raw.loss_grad(theta)[0], rtol=1e-15)
    assert_allclose(objective.loss_grad(theta)[1], raw.loss_grad(theta)[1], rtol=1e-15)


@pytest.mark.parametrize("l1", [0.0, 0.01], ids=["plain", "split-l1"])
def test_dense_layer_zeros_are_held_at_zero_by_the_bounds(l1):
    # DenseLayer(zeros=...): a unit that reads only some inputs (the split first
    # layer measured in benchmarks/monotone_free_features.py). Pinned entries have
    # both bounds at 0, in both parts of an L1-split layer, and stay 0 after
    # L-BFGS-B; the others keep their sign constraints.
    from scipy.optimize import minimize

    rng = np.random.default_rng(0)
    signs = np.array([1, -1, 0, 0])
    zeros = rng.random((N_FEATURES, 3)) < 0.5
    layers = [DenseLayer(N_FEATURES, 3, signs, "logistic", l1, zeros=zeros),
              DenseLayer(3, N_OUT, np.ones(3), "identity")]
    layout = ParameterLayout(layers)
    objective = Objective(layout, "squared_error", [L2(1e-3)], _data(False),
                          _targets("squared_error"), np.ones(N_SAMPLES), gain=1.0,
                          parallel=False)
    theta0 = layout.project(rng.normal(size=layout.n_params))
    assert_array_equal(layout.arrays(theta0)[0][0][zeros], 0.0)
    result = minimize(objective.loss_grad, theta0, jac=True, method="L-BFGS-B",
                      bounds=list(zip(*layout.bounds)), options={"maxiter": 30})
    coef = layout.arrays(result.x)[0][0]
    assert_array_equal(coef[zeros], 0.0)
    assert np.all(coef[0] >= 0) and np.all(coef[1] <= 0)
    assert np.any(coef[~zeros & (signs[:, None] == 0)] != 0)
    with pytest.raises(ValueError, match="zeros must have shape"):
        DenseLayer(N_FEATURES, 3, zeros=np.zeros((3, 3), dtype=bool))


# --------------------------------------------------------------------------------
# The extension test of doc/engine.md ("How to add a loss / a penalty"): a loss and a
# penalty defined here, in the test module only, the documented way, with no other
# file edited, reach the engine by name and fit.


class _Huber(Loss):
    """Huber's loss summed over outputs: ``r^2 / 2`` for ``|r| <= delta``, else
    ``delta (|r| - delta / 2)``, ``r = z - y``; derivative ``clip(r, -delta,
    delta)``. Declaring a ``name`` makes it selectable by name (``get_loss``)."""

    name = "test_huber"  # not "huber": the package may have one some day

    def __init__(self, delta=0.5):
        self.delta = delta

    def value_grad(self, logits, y):
        residual = logits - y
        size = np.abs(residual)
        value = np.where(size <= self.delta, 0.5 * residual ** 2,
                         self.delta * (size - 0.5 * self.delta))
        return value.sum(axis=1), np.clip(residual, -self.delta, self.delta)


class _GroupRows(Penalty):
    """A smoothed group lasso on the first layer's rows (one group per input):
    ``alpha sum_j sqrt(||W_j||^2 + eps^2)``, gradient ``alpha W_j / sqrt(...)``. It
    reads and writes the weights through the layer (``coef``, ``add_coef_grad``),
    not by block names: the same code serves a split layer (``W = W+ - W-``)."""

    def __init__(self, alpha, eps=1e-3):
        self.alpha, self.eps = alpha, eps

    def value_grad(self, layout, theta, grad_out):
        layer = layout.network[0]
        coef = layer.coef(layout.blocks(theta)[0])
        norms = np.sqrt(np.einsum("ij,ij->i", coef, coef) + self.eps ** 2)
        layer.add_coef_grad(layout.blocks(grad_out)[0],
                            self.alpha * coef / norms[:, None])
        return self.alpha * float(norms.sum())


def test_a_loss_is_selectable_by_its_declared_name():
    assert "test_huber" in losses_by_name()
    assert type(get_loss("test_huber")) is _Huber
    # A class that only inherits a name is not listed under it.
    assert losses_by_name()["squared_error"] is SquaredError
    with pytest.raises(TypeError, match="taken by SoftmaxNLL") as caught:
        class _Clash(Loss):
            name = "softmax"
    # Refused, and never selected while it lingers among the subclasses (as long
    # as a traceback holds it: here, ``caught``; in a notebook, the error's).
    assert losses_by_name()["softmax"] is SoftmaxNLL
    assert type(get_loss("softmax")) is SoftmaxNLL
    with pytest.raises(TypeError, match="aliases but no name"):
        class _OnlyAliases(SoftmaxNLL):
            aliases = ("test_only_alias",)
    assert "test_only_alias" not in losses_by_name()
    del caught
    # The same class defined again (a module reloaded, a notebook cell run again)
    # replaces the first definition.
    first = losses_by_name()["test_huber"]
    namespace = {"Loss": Loss, "__name__": __name__}
    exec("class _Huber(Loss):\n    name = 'test_huber'\n", namespace)
    assert losses_by_name()["test_huber"] is namespace["_Huber"] is not first
    del namespace
    gc.collect()  # the definition gone, the first one is found again
    assert losses_by_name()["test_huber"] is first


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("l1", [0.0, 0.01], ids=["unsplit", "split"])
def test_a_loss_and_a_penalty_of_their_own_fit_through_the_engine(
        sparse, l1, finite_differences):
    X = _data(sparse)
    y = 2.0 * _targets("squared_error")  # residuals on both sides of delta
    rng = np.random.default_rng(4)
    sw = rng.uniform(0.2, 3.0, N_SAMPLES)
    layout = _layout((3,), signs=0, l1=l1)
    assert layout.network[0].split == (l1 > 0)
    objective = Objective(layout, "test_huber", [L2(0.02), _GroupRows(0.05)], X, y, sw,
                          gain=1.3, parallel=False)
    assert type(objective.loss) is _Huber and objective.loss.code is None
    # The value at a packed point (|W| = W+ + W- where split): the sample-weighted
    # mean Huber loss of the logits, the exact L1, the L2 and the group penalty.
    theta, loss = _gradient_checked_packed_point(objective, layout, rng,
                                                 finite_differences)
    coefs, intercepts = layout.arrays(theta)
    a = X.toarray() if sparse else X
    hidden = 1 / (1 + np.exp(-1.3 * (a @ coefs[0] + intercepts[0])))
    per_sample, _ = _Huber().value_grad(hidden @ coefs[1] + intercepts[1], y)
    W = coefs[0]
    group = 0.05 * np.sqrt((W ** 2).sum(axis=1) + 1e-6).sum()
    expected = (sw @ per_sample / sw.sum() + group
                + sum(l1 * np.abs(w).sum() + 0.02 * (w ** 2).sum() for w in coefs))
    assert_allclose(loss, expected, rtol=1e-12)

    # A solver fits it.
    run = make_solver("lbfgsb", layout.n_params).run(
        objective, theta, layout.box, Schedule(max_iter=50, tol=1e-10))
    assert np.isfinite(run.loss) and run.loss < 0.8 * loss


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_an_estimator_reads_what_it_needs_from_a_loss_of_its_own():
    # The dense networks read init_std, sparse_init and auto_gain from the Loss
    # (defaults on the base class): a loss the estimators never named fits.
    class HuberRegressor(NonNegMLPRegressor):
        def _output_type(self):
            return "test_huber"

    X = _data(False)
    y = X @ np.array([1.0, -2.0, 0.5, 3.0]) + np.random.default_rng(5).normal(
        scale=0.1, size=N_SAMPLES)
    y[0] = 40.0  # an outlier, which the Huber loss weighs less
    fits = [cls(hidden_layer_sizes=(3,), max_iter=30, random_state=0).fit(X, y)
            for cls in (HuberRegressor, NonNegMLPRegressor)]
    assert all(np.all(np.isfinite(est.predict(X))) for est in fits)
    assert not np.array_equal(fits[0].coefs_[0], fits[1].coefs_[0])


@pytest.mark.parametrize("output_signs, expected", [(0, 0.1), (1, 2.0)])
def test_dense_init_gives_a_signed_output_layer_its_own_spread(output_signs, expected):
    # dense_init's signed_output_std is the target of an output layer whose weights
    # are not all >= 0 (a loss's signed_output_init_std); a non-negative output
    # layer keeps output_std, and the hidden layers are as before.
    from sknonneg._engine.init import dense_init

    X = np.random.default_rng(0).random((200, N_FEATURES))
    weights = np.full(200, 1 / 200)
    layout = ParameterLayout([
        DenseLayer(N_FEATURES, 5, np.ones(N_FEATURES), "logistic", 0.0),
        DenseLayer(5, N_OUT, np.full(5, output_signs), "identity", 0.0)])

    def init(**kwargs):
        return dense_init(layout, X, weights, np.random.RandomState(0),
                          lambda z: 1 / (1 + np.exp(-z)), nonneg_hidden_std=0.5,
                          free_hidden_std=1.0, output_std=2.0, sparse_draw=False,
                          **kwargs)

    coefs, intercepts = init(signed_output_std=0.1)
    hidden = 1 / (1 + np.exp(-(X @ coefs[0] + intercepts[0])))
    assert_allclose((hidden @ coefs[1]).std(axis=0), expected, rtol=1e-10)
    base, base_intercepts = init()  # None: output_std for every output layer
    assert_array_equal(coefs[0], base[0])
    assert_allclose((hidden @ base[1]).std(axis=0), 2.0, rtol=1e-10)
    assert Loss.signed_output_init_std is None
