"""The first-layer scaling L-BFGS-B runs on (``sknonneg._engine.precondition``):
its statistics, the change of variables and its gradient, the bounds kept exactly,
and what the estimators see of it (nothing but a faster fit)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from conftest import objective_data
from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg._engine import CSRInput, DenseInput, RowBlockObjective
from sknonneg._engine.precondition import (
    F_MAX,
    SMALL_UNIT,
    FirstLayerScaling,
    column_unit_scale,
    penalty_units,
    solver_scaling,
)
from sknonneg._solvers import LBFGSB, Schedule


def _small_columns(n=60, seed=0):
    """Non-negative data with columns of very different units (most of them small)
    and a binary target that needs them."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 4)) * (rng.random((n, 4)) < 0.6)
    X *= np.array([1e-3, 0.02, 0.3, 1.0])
    y = (X[:, 0] / 1e-3 + X[:, 1] / 0.02 > X[:, 2] / 0.3 + 0.3).astype(int)
    return X, y


def _objective(est, X, y, sample_weight=None):
    est._validate_params()
    targets, _ = est._encode_targets(y)
    sample_weight = est._sample_weight(X, y, sample_weight)
    layout = est._build_layout(X.shape[1], est.n_outputs_)
    return layout, est._make_objective(layout, X, targets, sample_weight, 1.0, False)


def test_column_unit_scale_is_the_rms_where_non_zero_dense_and_csr_alike():
    X = np.array([[0.0, 2.0, 0.0], [0.5, 0.0, 0.0], [0.0, 4.0, 0.0], [1.5, 0.0, 0.0]])
    w = np.array([1.0, 2.0, 1.0, 0.0])
    expected = np.array([0.5, np.sqrt((4.0 + 16.0) / 2), 0.0])  # row 3 weighs 0
    for inputs in (X, DenseInput(X), CSRInput(sp.csr_matrix(X), np.float64),
                   CSRInput(sp.csr_matrix(X), np.float32)):
        assert_allclose(column_unit_scale(inputs, w), expected, rtol=1e-7)


def test_factors_scale_small_columns_only_and_are_bounded():
    X = np.array([[1e-5, 0.02, 0.1, 0.5, 3.0, 0.0], [0.0, 0.04, 0.1, 0.0, -2.0, 0.0]])
    est = NonNegMLPClassifier((2,))
    layout, objective = _objective(est, X, [0, 1])
    scaling = solver_scaling(objective)
    expected = [F_MAX, 1 / np.sqrt(0.001), 10.0, 2.0, 1.0, 1.0]
    assert_allclose(scaling.factors, expected)
    assert solver_scaling(objective) is scaling  # built once per data set
    # An input whose typical column is of order one is not scaled, though it holds
    # small columns: the median unit of its non-zero columns is above SMALL_UNIT.
    assert np.median(column_unit_scale(X[:, 1:], np.ones(2))[:-1]) > SMALL_UNIT
    _, objective = _objective(est, X[:, 1:], [0, 1])
    assert solver_scaling(objective) is None
    # Columns of unit scale or above (standardised data): no scaling at all.
    _, objective = _objective(est, np.array([[1.0, -2.0], [-1.0, 0.5]]), [0, 1])
    assert solver_scaling(objective) is None


@pytest.mark.parametrize("positive", [True, "hidden", "monotonic"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_solver_gradient_matches_finite_differences_and_round_trips(
        positive, sparse, finite_differences):
    """What L-BFGS-B minimises, ``u -> loss(D u)``, has the gradient ``D grad``;
    also with an L1 layer split in two non-negative parts (both scaled)."""
    kind = "logistic-binary" if positive == "monotonic" else "softmax-multiclass"
    X, y = objective_data(kind, sparse, 0, 12, 3)
    X = X * np.array([0.01, 0.2, 1.0]) if not sparse else X @ sp.diags([0.01, 0.2, 1.0])
    # monotonic_cst: a free row (its weights of either sign, split with l1) beside
    # constrained ones of both signs.
    kwargs = (dict(monotonic_cst=[1, -1, 0], output="logistic") if positive == "monotonic"
              else dict(positive=positive))
    for l1 in (0.0, 0.01):
        est = NonNegMLPClassifier((3,), l1=l1, l2=0.01, **kwargs)
        layout, objective = _objective(est, X, y)
        scaling = solver_scaling(objective)
        assert len(scaling.segments) == (2 if layout.network[0].split else 1)
        assert np.all(scaling.factors[:2] > 1)
        assert scaling.factors[2] == 1.0 or positive != "monotonic"  # the free row
        rng = np.random.default_rng(0)
        theta = layout.project(rng.normal(size=layout.n_params))

        def fun(u):
            loss, grad = objective.loss_grad(scaling.to_theta(u, np.empty_like(u)))
            return loss, scaling.scale_grad(grad)

        u = scaling.to_solver(theta)
        assert_allclose(scaling.to_theta(u, np.empty_like(u)), theta, rtol=1e-15)
        assert_allclose(fun(u)[1], finite_differences(fun, u), rtol=1e-6, atol=1e-8)
        grad = objective.loss_grad(theta)[1]
        assert_allclose(scaling.unscale_grad(scaling.scale_grad(grad.copy())), grad,
                        rtol=1e-15)


def test_run_keeps_bounds_exactly_and_reports_theta():
    """Every iterate the callback sees and the result lie in the box (no rounding
    past 0), in theta's units: the loss at the returned theta is the one reported."""
    X, y = _small_columns()
    est = NonNegMLPClassifier((5,), positive=True)
    layout, objective = _objective(est, X, y)
    assert solver_scaling(objective) is not None
    theta0 = layout.project(np.random.default_rng(0).normal(size=layout.n_params))
    seen = []

    def callback(x, loss):
        assert layout.box.contains(x)
        assert_allclose(objective.loss_grad(x)[0], loss, rtol=1e-12)
        seen.append(loss)

    result = LBFGSB().run(objective, theta0, layout.box, Schedule(max_iter=30, tol=1e-8),
                          callback)
    assert layout.box.contains(result.theta) and len(seen) == result.n_iter
    assert_allclose(objective.loss_grad(result.theta)[0], result.loss, rtol=1e-12)
    assert result.loss < objective.loss_grad(theta0)[0]
    grad = objective.loss_grad(result.theta)[1]
    assert result.proj_grad_norm == layout.box.projected_gradient_norm(result.theta, grad)


def test_scaling_speeds_up_small_columns_and_keeps_the_fit_in_user_units(monkeypatch):
    """On columns of small units the scaled fit reaches a lower loss in as many
    iterations; its coefs_ are in the user's units (prediction reads them)."""
    X, y = _small_columns(200)
    kwargs = dict(hidden_layer_sizes=(5,), positive=True, max_iter=60, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scaled = NonNegMLPClassifier(**kwargs).fit(X, y)
        monkeypatch.setattr(LBFGSB, "first_layer_scaling", False)
        plain = NonNegMLPClassifier(**kwargs).fit(X, y)
    assert scaled.loss_ < plain.loss_
    assert all(np.all(c >= 0) for c in scaled.coefs_)
    logits = X @ scaled.coefs_[0] + scaled.intercepts_[0]
    assert_array_equal(scaled.predict(X), scaled.classes_[np.argmax(
        (1 / (1 + np.exp(-scaled._gain_ * logits))) @ scaled.coefs_[1]
        + scaled.intercepts_[1], axis=1)])


def test_warm_start_and_partial_fit_continue_in_user_units():
    X, y = _small_columns(120)
    est = NonNegMLPClassifier((4,), positive=True, max_iter=40, gain=1.0,
                              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        loss = est.loss_
        est.set_params(warm_start=True, max_iter=5).fit(X, y)
    # The warm start goes on from the fitted theta (the scaling is rebuilt for the
    # run, not stored): its loss does not go back up.
    assert est.loss_ <= loss + 1e-12
    for _ in range(2):
        est.partial_fit(X, y)
    assert all(np.all(c >= 0) for c in est.coefs_)
    assert not hasattr(est, "_solver_scaling")


def test_other_first_layers_and_objectives_are_not_scaled():
    assert solver_scaling(object()) is None
    X, y = _small_columns()
    est = NonNegMLPClassifier((3,))
    layout, objective = _objective(est, X, y)
    assert isinstance(solver_scaling(objective), FirstLayerScaling)
    # A free first layer is not scaled (module docstring: which rows).
    _, objective = _objective(NonNegMLPClassifier((3,), positive="output"), X, y)
    assert solver_scaling(objective) is None
    # A first-layer bound other than 0 or infinity would not survive u = theta / f.
    layout.network[0].blocks = lambda: [type("B", (), {
        "name": "coef", "lower": 0.5, "upper": np.inf})()]
    assert FirstLayerScaling.for_data(layout, X, np.ones(len(y))) is None


def test_row_block_objectives_offer_the_scaling_of_their_whole_input():
    X, y = _small_columns(60)
    est = NonNegMLPClassifier((3,))
    layout, objective = _objective(est, X, y)
    blocks = RowBlockObjective(layout, objective.loss, [], X, objective.y,
                               objective.sample_weight, parallel=False, block_rows=25)
    scaling = blocks.solver_scaling()
    assert_array_equal(scaling.factors, objective.solver_scaling().factors)
    assert blocks.solver_scaling() is scaling  # built once per data set
    assert solver_scaling(blocks) is scaling


def test_lbfgsb_asks_the_objective_unless_switched_off(monkeypatch):
    """L-BFGS-B takes the scaling the objective offers (the solver protocol), and
    ``LBFGSB.first_layer_scaling = False`` runs on theta itself: a different path."""
    X, y = _small_columns()
    layout, objective = _objective(NonNegMLPClassifier((5,), positive=True), X, y)
    theta0 = layout.project(np.random.default_rng(0).normal(size=layout.n_params))
    asked = []
    offered = objective.solver_scaling

    def asking():
        asked.append(True)
        return offered()

    objective.solver_scaling = asking
    schedule = Schedule(max_iter=10, tol=1e-8)
    scaled = LBFGSB().run(objective, theta0, layout.box, schedule)
    assert asked == [True]
    monkeypatch.setattr(LBFGSB, "first_layer_scaling", False)
    plain = LBFGSB().run(objective, theta0, layout.box, schedule)
    assert asked == [True]  # not asked
    assert not np.array_equal(scaled.theta, plain.theta)
    # An objective that offers no scaling runs on theta itself.
    monkeypatch.setattr(LBFGSB, "first_layer_scaling", True)
    bare = type("Bare", (), {"loss_grad": lambda self, t: objective.loss_grad(t)})()
    assert_array_equal(LBFGSB().run(bare, theta0, layout.box, schedule).theta,
                       plain.theta)


def test_mini_batch_fits_decide_the_scaling_once_on_the_whole_data(monkeypatch):
    """Mini-batch L-BFGS-B: one ``D`` per fit, from all the training rows, for every
    batch's solver run (not a gate and factors per batch); a ``partial_fit`` call
    decides it on the data it is given."""
    X, y = _small_columns(200)
    built, seen = [], []
    for_data = FirstLayerScaling.for_data.__func__

    def counting(cls, layout, inputs, sample_weight):
        built.append(inputs.shape[0])
        return for_data(cls, layout, inputs, sample_weight)

    run = LBFGSB.run

    def recording(self, objective, theta, bounds, schedule, callback=None):
        seen.append(solver_scaling(objective))
        return run(self, objective, theta, bounds, schedule, callback)

    monkeypatch.setattr(FirstLayerScaling, "for_data", classmethod(counting))
    monkeypatch.setattr(LBFGSB, "run", recording)
    est = NonNegMLPClassifier((4,), positive=True, batch_size=50, max_iter=3,
                              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert built == [200]
    assert len(seen) == 3 * 4 and seen[0] is not None
    assert all(s is seen[0] for s in seen)
    whole = for_data(FirstLayerScaling, est._layout, X, np.ones(200))
    assert_allclose(seen[0].factors, whole.factors)
    built.clear()
    est.partial_fit(X[:100], y[:100])
    assert built == [100]


def test_penalty_units_are_column_ranges_beyond_one():
    X = np.array([[0.0, -3.0, 0.5], [2.5, 1.0, 0.0], [1.0, 0.0, 0.2]])
    for inputs in (X, DenseInput(X), CSRInput(sp.csr_matrix(X), np.float64),
                   sp.csr_matrix(X)):
        assert_allclose(penalty_units(inputs), [2.5, 4.0, 1.0])
    assert penalty_units(X / 4) is None  # every column within unit range
    assert penalty_units(np.array([[0.0], [1.0 + 2.2e-16]])) is None  # rounding
    # Rows of weight 0 are absent.
    for inputs in (X, sp.csr_matrix(X)):
        assert_allclose(penalty_units(inputs, np.array([1.0, 0.0, 2.0])), [1, 3, 1])
    assert penalty_units(X, np.zeros(3)) is None
    # A sparse column without implicit zeros spans its stored values only.
    dense_column = sp.csr_matrix(np.array([[2.0, 0.0], [5.0, 3.0], [4.0, 0.0]]))
    assert_allclose(penalty_units(dense_column), [3.0, 3.0])


def test_narrow_penalty_units_are_every_columns_span():
    # Every column in its span, those spanning less than 1 too (the autoencoder's
    # sigmoid decoder); a constant column keeps 1; dense and CSR alike (the zeros
    # of a sparse input counted); rows of weight 0 not counted.
    X = np.array([[0.0, 2.0, 0.3, 5.0], [0.5, 0.0, 0.3, 5.0], [0.2, 4.0, 0.3, 5.0]])
    for inputs in (X, sp.csr_matrix(X), CSRInput(sp.csr_matrix(X), np.float64)):
        assert_allclose(penalty_units(inputs, narrow=True), [0.5, 4.0, 1.0, 1.0])
        assert_allclose(penalty_units(inputs, np.array([1.0, 0.0, 1.0]), narrow=True),
                        [0.2, 2.0, 1.0, 1.0])
    assert penalty_units(np.ones((3, 2)), narrow=True) is None  # every unit 1
    rounding = np.array([[0.0, 2.0], [1.0 + 2.2e-16, 2.0]])
    assert penalty_units(rounding, narrow=True) is None  # a span of 1 up to rounding
    assert penalty_units(X, np.zeros(3), narrow=True) is None  # no row counted
    assert penalty_units(X / 4) is None  # the classifier's: only spans above 1


@pytest.mark.parametrize("l1", [0.0, 0.01])
def test_column_unit_penalty_gradient_and_scale_invariance(l1, finite_differences):
    """``l2 sum_j u_j^2 ||W_j||^2``: its gradient (also through an L1 split layer),
    and, without L1, the objective on columns scaled by ``a > 1`` at the weights
    divided by ``a`` equals the objective on the columns within unit range."""
    rng = np.random.default_rng(0)
    X = rng.random((30, 3))
    X[:, 0] *= 0.9 / np.ptp(X[:, 0])  # within unit range: unit 1
    y = (X @ [1.0, -1.0, 0.5] > 0.2).astype(int)
    a = np.array([1.0, 3.0, 7.0])
    est = NonNegMLPClassifier((4,), positive="hidden" if l1 else True, l1=l1, l2=0.05)
    layout, small = _objective(est, X / np.ptp(X, axis=0) * [np.ptp(X[:, 0]), 1, 1], y)
    _, wide = _objective(est, X / np.ptp(X, axis=0) * [np.ptp(X[:, 0]), 1, 1] * a, y)
    wide.penalty_units = penalty_units(wide.X)
    assert_allclose(wide.penalty_units, a, rtol=1e-12)  # column 0 spans 0.9
    theta = layout.project(rng.normal(size=layout.n_params))
    assert_allclose(wide.loss_grad(theta)[1],
                    finite_differences(lambda t: wide.loss_grad(t), theta),
                    rtol=1e-6, atol=1e-8)
    if l1:
        return  # the L1 penalty is in the columns' own units
    # The same network on the wide columns: first-layer rows divided by a.
    scaled = theta.copy()
    for block in layout.network[0].blocks():
        if block.name != "intercept":
            s, shape = layout.block_slice(0, block.name)
            scaled[s] = (theta[s].reshape(shape) / a[:, None]).ravel()
    assert_allclose(wide.loss_grad(scaled)[0], small.loss_grad(theta)[0], rtol=1e-12)


@pytest.mark.parametrize("Estimator", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_column_units_only_for_columns_wider_than_one(Estimator, monkeypatch):
    """Inputs within unit range fit exactly as without the units (the paper's
    penalty); a standardised input's fit uses them (the regressor, which does not
    use them by default, through the same engine switch)."""
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    X, y = _small_columns(120)
    kwargs = dict(hidden_layer_sizes=(4,), positive=True, max_iter=20, random_state=0)

    def fit(inputs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return Estimator(**kwargs).fit(inputs, y).loss_

    X_mm, X_std = MinMaxScaler().fit_transform(X), StandardScaler().fit_transform(X)
    if not Estimator._column_unit_penalty:  # the regressor: the paper's penalty
        monkeypatch.setattr(Estimator, "_column_unit_penalty", True)
    with_units = fit(X_mm), fit(X_std)
    monkeypatch.setattr(Estimator, "_column_unit_penalty", False)
    assert fit(X_mm) == with_units[0]
    assert fit(X_std) != with_units[1]


def test_adam_fits_do_not_decide_the_scaling(monkeypatch):
    """Projected Adam never runs under the first-layer scaling, so its fits never pay
    the pass over the data that decides it (``_Objectives`` decides it lazily, at
    L-BFGS-B's first run)."""
    X, y = _small_columns(200)
    built = []
    for_data = FirstLayerScaling.for_data.__func__

    def counting(cls, layout, inputs, sample_weight):
        built.append(inputs.shape[0])
        return for_data(cls, layout, inputs, sample_weight)

    monkeypatch.setattr(FirstLayerScaling, "for_data", classmethod(counting))
    est = NonNegMLPClassifier((4,), positive=True, solver="adam", batch_size=50,
                              max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        assert built == []
        est.set_params(solver="lbfgsb", max_iter=2).fit(X, y)
    assert built == [200]


def test_penalty_units_not_computed_without_a_first_layer_l2(monkeypatch):
    """The units' pass over the data is paid only by a fit whose first layer has
    an L2 term (``l2[0] > 0``)."""
    from sklearn.preprocessing import StandardScaler

    import sknonneg.neural_network._training as training

    X, y = _small_columns(120)
    X = StandardScaler().fit_transform(X)
    calls = []

    def counting(inputs, sample_weight=None, *, narrow=False):
        calls.append(inputs.shape[0])
        return penalty_units(inputs, sample_weight, narrow=narrow)

    monkeypatch.setattr(training, "penalty_units", counting)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        NonNegMLPClassifier((4,), l2=[0.0, 1e-3], max_iter=5, random_state=0).fit(X, y)
        assert calls == []
        NonNegMLPClassifier((4,), max_iter=5, random_state=0).fit(X, y)
    assert calls == [120]
