"""The optimizers of ``sknonneg._solvers``: the L-BFGS-B driver against
``scipy.optimize.minimize``, the solver protocol, the gain schedule, stratified
batches, projected Adam."""

import numpy as np
import pytest
from scipy.optimize import Bounds, minimize

from sknonneg._compat import lbfgsb_setulb
from sknonneg._solvers.lbfgsb import loss_shift
from sknonneg._solvers import (
    LBFGSB,
    MAXCOR,
    SOLVERS,
    ProjectedAdam,
    Schedule,
    gain_schedule,
    make_solver,
    step_size,
    stratified_batches,
)


def _problem(n, seed, bounded=True):
    """A convex quadratic plus a softplus term, with mixed bounds (``bounded``),
    else none (the same function and draws of ``rng``)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n)) / np.sqrt(n)
    H = A @ A.T + 0.05 * np.eye(n)
    b = rng.normal(size=n)

    def fun(x):
        soft = np.logaddexp(0.0, x)
        return 0.5 * x @ H @ x - b @ x + soft.sum(), H @ x - b + 1.0 / (1.0 + np.exp(-x))

    lower = np.where(rng.random(n) < 0.6, 0.0, -np.inf)
    upper = np.where(rng.random(n) < 0.2, 0.3, np.inf)
    if not bounded:
        lower, upper = np.full(n, -np.inf), np.full(n, np.inf)
    return fun, lower, upper, rng


def _scipy(fun, x0, lower, upper, max_iter, tol, callback=None):
    bounded = np.isfinite(lower).any() or np.isfinite(upper).any()
    return minimize(fun, x0, method="L-BFGS-B", jac=True,
                    bounds=Bounds(lower, upper) if bounded else None, callback=callback,
                    options={"maxiter": max_iter, "maxfun": max(15000, 2 * max_iter),
                             "gtol": tol, "ftol": 64 * np.finfo(float).eps,
                             "maxcor": MAXCOR})


def test_setulb_found_on_this_scipy():
    # The fast path is what the benchmarks measure; a scipy change that drops it must
    # be noticed, not silently fall back.
    assert lbfgsb_setulb() is not None


@pytest.mark.parametrize("bounded", [True, False])
@pytest.mark.parametrize("max_iter", [1, 3, 40, 1000])
def test_lbfgsb_driver_matches_scipy_minimize(bounded, max_iter):
    fun, lower, upper, rng = _problem(60, seed=max_iter, bounded=bounded)
    driver = LBFGSB(lower, upper)
    # Reusing one driver (its workspace) across runs must not change any run.
    for _ in range(3):
        x0 = rng.normal(size=60)
        expected = _scipy(fun, x0, lower, upper, max_iter, 1e-6)
        got = driver.minimize(fun, x0, max_iter, 1e-6)
        np.testing.assert_array_equal(got.x, expected.x)
        assert got.fun == expected.fun
        assert (got.nit, got.nfev, got.status) == (expected.nit, expected.nfev,
                                                  expected.status)
        assert got.message == expected.message
        assert np.all(got.x >= lower) and np.all(got.x <= upper)


def test_lbfgsb_driver_does_not_modify_theta0():
    fun, lower, upper, rng = _problem(20, seed=1)
    x0 = rng.normal(size=20)
    before = x0.copy()
    LBFGSB(lower, upper).minimize(fun, x0, 10, 1e-6)
    np.testing.assert_array_equal(x0, before)


def test_lbfgsb_driver_callback_and_early_halt():
    fun, lower, upper, rng = _problem(30, seed=2)
    seen = []

    def callback(theta, loss):
        seen.append((theta.copy(), loss))
        if len(seen) == 4:
            raise StopIteration

    result = LBFGSB(lower, upper).minimize(fun, rng.normal(size=30), 100, 1e-8, callback)
    assert result.nit == 4 and len(seen) == 4
    assert result.status == 2 and "CALLBACK REQUESTED HALT" in result.message
    np.testing.assert_array_equal(seen[-1][0], result.x)
    assert seen[-1][1] == result.fun
    # L-BFGS-B's line search only accepts decreases.
    losses = [loss for _, loss in seen]
    assert all(b <= a for a, b in zip(losses, losses[1:]))


def test_lbfgsb_driver_reports_iteration_limit():
    fun, lower, upper, rng = _problem(30, seed=3)
    result = LBFGSB(lower, upper).minimize(fun, rng.normal(size=30), 2, 1e-12)
    assert result.nit == 2 and result.status == 1 and not result.success
    assert "ITERATIONS REACHED LIMIT" in result.message


def _nan_past_three(x):
    """exp(x) - 10 x on one variable, NaN beyond x = 3 (as a trial step that
    overflowed): L-BFGS-B's line search from -40 fails there."""
    if x[0] > 3.0:
        return np.nan, np.array([np.nan])
    return float(np.exp(x[0]) - 10.0 * x[0]), np.array([np.exp(x[0]) - 10.0])


# A loss times this has a gradient of 1e157, as a first layer's on inputs near
# check_input_scale's limit.
_HUGE = 2.0 ** 520


def _times_huge(fun):
    def huge(x):
        f, g = fun(x)
        return f * _HUGE, g * _HUGE
    return huge


def test_lbfgsb_driver_failed_line_search_returns_the_loss_of_its_iterate():
    # A line search that fails restores x to the iterate before it, but setulb
    # cannot hand its restored f back: the driver returned the last rejected
    # trial's loss (NaN here, as where a trial step overflowed near
    # check_input_scale's limit), with x at a point of loss 400. The fit then
    # refused a finite iterate ("The network's parameters overflowed").
    fun = _nan_past_three
    result = LBFGSB(np.array([-np.inf]), np.array([np.inf])).minimize(
        fun, np.array([-40.0]), 50, 1e-10)
    assert result.status == 2  # the line search found no lower loss
    assert np.isfinite(result.x).all() and np.isfinite(result.jac).all()
    assert result.fun == fun(result.x)[0]
    np.testing.assert_array_equal(result.jac, fun(result.x)[1])


@pytest.mark.parametrize("max_fun", [1, 5, 20])
def test_lbfgsb_driver_failed_line_search_past_max_fun(max_fun):
    # The same failed line search, its trials passing max_fun (checked only at a
    # new iterate): the driver reported it as the evaluation limit (status 1, a
    # bare "ABNORMAL: ") and returned the rejected trial's loss, NaN, with x at the
    # restored iterate of loss 400.
    fun = _nan_past_three
    result = LBFGSB(np.array([-np.inf]), np.array([np.inf])).minimize(
        fun, np.array([-40.0]), 50, 1e-10, max_fun=max_fun)
    assert result.nfev > max_fun
    assert result.status == 2
    assert "LINE SEARCH FOUND NO LOWER LOSS" in result.message
    assert result.fun == fun(result.x)[0]
    np.testing.assert_array_equal(result.jac, fun(result.x)[1])


@pytest.mark.parametrize("bounded", [False, True])
def test_lbfgsb_driver_runs_a_huge_loss_scaled_down(bounded):
    # L-BFGS-B forms sums of squares of the gradient: a loss times 2^520 (a
    # gradient of 1e157, as a first layer's on inputs near check_input_scale's
    # limit) overflowed them, its trial steps were NaN and it never moved. The
    # driver runs such a loss scaled down by a power of two. Without bounds the
    # iterates depend on the loss's scale only through rounding: those of the loss
    # at scale 1 (to 6e-15 relative after 8 iterations here). With bounds the first
    # step (to the Cauchy point of the identity metric) depends on the scale, and
    # the scaled loss takes a step of an ordinary gradient's size.
    fun, lower, upper, rng = _problem(30, seed=5, bounded=bounded)
    x0 = rng.normal(size=30)
    huge = _times_huge(fun)
    seen = {"unit": [], "huge": []}
    unit = LBFGSB(lower, upper).minimize(
        fun, x0, 8, 1e-12, lambda x, f: seen["unit"].append((x.copy(), f)))
    scaled = LBFGSB(lower, upper).minimize(
        huge, x0, 8, 1e-12, lambda x, f: seen["huge"].append((x.copy(), f)))
    assert scaled.nit == unit.nit == 8 and scaled.status == unit.status == 1
    assert np.all(np.isfinite(scaled.x)) and scaled.fun < huge(x0)[0]
    assert np.all((scaled.x >= lower) & (scaled.x <= upper))
    # The result's gradient and the callback's loss are fun's own, unscaled.
    np.testing.assert_array_equal(scaled.jac, huge(scaled.x)[1])
    assert scaled.fun == huge(scaled.x)[0]
    assert all(fh == huge(xh)[0] for xh, fh in seen["huge"])
    if bounded:
        assert scaled.fun < 0.99 * huge(x0)[0]  # it moved, as unit did
        return
    np.testing.assert_allclose(scaled.x, unit.x, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(scaled.fun, unit.fun * _HUGE, rtol=1e-12)
    for (xu, fu), (xh, fh) in zip(seen["unit"], seen["huge"], strict=True):
        np.testing.assert_allclose(xh, xu, rtol=1e-12, atol=1e-13)
        assert fh == huge(xh)[0]


def test_lbfgsb_loss_shift_leaves_ordinary_gradients_alone():
    # Below GRAD_LIMIT = 2^128 (every fit on inputs of ordinary scale) the loss is
    # run as it is; above, the largest entry is brought into [0.5, 1).
    assert loss_shift(np.array([1e30, -3.0])) == 0
    assert loss_shift(np.array([2.0 ** 128])) == 0
    assert loss_shift(np.array([0.0, -2.0 ** 130])) == 131
    assert loss_shift(np.array([np.inf, 1.0])) == 0  # refused by the fit
    assert loss_shift(np.array([np.nan])) == 0


class _Objective:
    def __init__(self, fun):
        self.loss_grad = fun


def test_lbfgsb_run_is_minimize_through_the_protocol():
    fun, lower, upper, rng = _problem(40, seed=4)
    x0 = rng.normal(size=40)
    calls = []
    expected = _scipy(fun, x0, lower, upper, 25, 1e-6)
    solver = make_solver("lbfgsb", 40)
    for _ in range(2):  # the same bound arrays: converted once, reused
        result = solver.run(_Objective(fun), x0, (lower, upper),
                            Schedule(max_iter=25, tol=1e-6),
                            lambda theta, loss: calls.append(loss))
        np.testing.assert_array_equal(result.theta, expected.x)
        assert (result.n_iter, result.loss) == (expected.nit, expected.fun)
        assert result.converged == (expected.status == 0)
    assert len(calls) == 2 * expected.nit


def test_adam_run_is_its_steps_and_keeps_its_state():
    fun, lower, upper, rng = _problem(30, seed=5)
    x0 = np.clip(rng.normal(size=30), lower, upper)
    by_steps = ProjectedAdam(30, learning_rate=0.05)
    theta = x0.copy()
    losses = []
    for _ in range(4):
        loss, grad = fun(theta)
        losses.append(loss)
        theta = by_steps.step(theta, grad, (lower, upper))
    solver = make_solver("adam", 30)
    result = solver.run(_Objective(fun), x0.copy(), (lower, upper),
                        Schedule(max_iter=4, learning_rate=0.05))
    np.testing.assert_array_equal(result.theta, theta)
    assert result.loss_curve == losses and result.n_iter == 4 and solver.t == 4
    # A stateful solver is handed back to continue; a fresh one for another size.
    assert make_solver("adam", 30, previous=solver) is solver
    assert make_solver("adam", 31, previous=solver) is not solver
    assert make_solver("lbfgsb", 30, previous=solver) is not solver


def test_every_solver_follows_the_protocol():
    for cls in SOLVERS.values():
        solver = cls.new(5)
        assert isinstance(cls.full_batch, bool) and isinstance(cls.keeps_state, bool)
        assert isinstance(cls.uses_step_size, bool)
        assert solver.steps_per_batch(3) in (1, 3)
        assert callable(solver.run)


def test_step_size_decays_linearly_and_stays():
    assert [step_size("constant", 0.1, e, 4) for e in range(6)] == [0.1] * 6
    np.testing.assert_allclose([step_size("linear", 0.1, e, 4) for e in range(6)],
                               [0.1, 0.075, 0.05, 0.025, 0.025, 0.025])


def test_gain_schedule_is_exponential_from_start_to_end():
    gains = gain_schedule((1.0, 2.0), 5)
    np.testing.assert_allclose(gains, 2.0 ** (np.arange(5) / 4))
    np.testing.assert_allclose(gain_schedule(1.5, 3), [1.5, 1.5, 1.5])
    np.testing.assert_allclose(gain_schedule((1.0, 2.0), 1), [2.0])


def test_stratified_batches_partition_and_keep_proportions():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [300, 150, 50])
    batches = stratified_batches(y, 50, rng)
    assert len(batches) == 10
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(500))
    for batch in batches:
        counts = np.bincount(y[batch], minlength=3)
        # 300, 150 and 50 rows dealt in turn over 10 batches: exactly a tenth of
        # each class per batch (atol=1 passed with a row of a class in the wrong one).
        np.testing.assert_array_equal(counts, [30, 15, 5])


def _masked_batches(y_strata, batch_size, rng):
    """``stratified_batches`` as it was written up to c5640ec: the same deal,
    each batch's rows found by a mask over every row (``order[slots == b]``)."""
    n_samples = y_strata.shape[0]
    n_batches = max(1, int(round(n_samples / batch_size)))
    if n_batches == 1:
        return [rng.permutation(n_samples)]
    slots = np.empty(n_samples, dtype=np.int64)
    order = np.empty(n_samples, dtype=np.int64)
    offset = 0
    for label in np.unique(y_strata):
        members = np.flatnonzero(y_strata == label)
        members = members[rng.permutation(members.shape[0])]
        order[offset:offset + members.shape[0]] = members
        slots[offset:offset + members.shape[0]] = (
            np.arange(offset, offset + members.shape[0]) % n_batches)
        offset += members.shape[0]
    batch_order = rng.permutation(n_batches)
    return [rng.permutation(order[slots == b]) for b in batch_order]


@pytest.mark.parametrize("make_rng", [np.random.RandomState, np.random.default_rng],
                         ids=["RandomState", "Generator"])
@pytest.mark.parametrize("n_samples, batch_size, n_classes",
                         [(1003, 32, 7), (500, 50, 3), (37, 5, 1), (10, 200, 2),
                          (64, 1, 4)])
def test_stratified_batches_are_the_masked_deal_bit_for_bit(make_rng, n_samples,
                                                            batch_size, n_classes):
    # Each batch is a strided view of the dealt order (its positions b, b +
    # n_batches, ...) instead of a mask over every row per batch, O(n_samples)
    # each (44 ms an epoch on 60,000 rows in batches of 32): the same batches, in
    # the same order, and the generator left in the same state (fits unchanged).
    y = make_rng(1).choice(n_classes, n_samples) if n_classes > 1 else np.zeros(
        n_samples, dtype=np.int64)
    rng, reference = make_rng(7), make_rng(7)
    for _ in range(2):  # two epochs: the draws go on alike
        got = stratified_batches(y, batch_size, rng)
        want = _masked_batches(y, batch_size, reference)
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)
    assert rng.random() == reference.random()


def test_projected_adam_stays_in_the_box():
    rng = np.random.default_rng(0)
    lower = np.where(rng.random(40) < 0.5, 0.0, -np.inf)
    upper = np.full(40, np.inf)
    adam = ProjectedAdam(40, learning_rate=0.1)
    theta = np.abs(rng.normal(size=40))
    for _ in range(20):
        theta = adam.step(theta, rng.normal(size=40) + 1.0, (lower, upper))
        assert np.all(theta >= lower)
    assert adam.t == 20


@pytest.mark.parametrize("schedule", ["constant", "linear"])
def test_adam_learning_rate_schedule(schedule):
    from sklearn.datasets import load_iris

    from sknonneg import NonNegMLPClassifier

    X, y = load_iris(return_X_y=True)
    est = NonNegMLPClassifier((4,), solver="adam", batch_size=50, max_iter=4,
                              learning_rate_init=0.02, learning_rate=schedule,
                              random_state=0)
    seen = []
    original = est._epoch_step

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        seen.append(est._solver_state.learning_rate)
        return result

    est._epoch_step = spy
    est.fit(X, y)
    expected = ([0.02] * 4 if schedule == "constant"
                else [0.02 * (1 - e / 4) for e in range(4)])
    np.testing.assert_allclose(seen, expected)
    # partial_fit follows the same schedule over max_iter calls, then stays at its end.
    est = NonNegMLPClassifier((4,), solver="adam", max_iter=4, learning_rate_init=0.02,
                              learning_rate=schedule, random_state=0)
    rates = []
    for _ in range(6):
        est.partial_fit(X, y, classes=np.unique(y))
        rates.append(est._solver_state.learning_rate)
    np.testing.assert_allclose(rates, expected + expected[-1:] * 2)


def _fallback(lower, upper):
    """The driver on its path for a scipy without setulb's C signature (< 1.15):
    ``scipy.optimize.minimize``."""
    driver = LBFGSB(lower, upper)
    driver._setulb = None
    return driver


@pytest.mark.parametrize("bounded", [True, False])
def test_lbfgsb_fallback_runs_ordinary_losses_as_minimize(bounded):
    fun, lower, upper, rng = _problem(40, seed=3, bounded=bounded)
    x0 = rng.normal(size=40)
    expected = _scipy(fun, x0, lower, upper, 30, 1e-6)
    seen = []
    got = _fallback(lower, upper).minimize(fun, x0, 30, 1e-6,
                                           lambda x, f: seen.append(f))
    np.testing.assert_array_equal(got.x, expected.x)
    assert got.fun == expected.fun and seen[-1] == got.fun
    assert (got.nit, got.nfev, got.status) == (expected.nit, expected.nfev,
                                              expected.status)


def test_lbfgsb_fallback_runs_a_huge_loss_scaled_and_keeps_its_iterates_loss():
    # On scipy < 1.15 the driver falls back to minimize, which had neither the
    # scaled run of a loss whose gradient passes GRAD_LIMIT nor the loss of the
    # iterate after a failed line search: NonNegMLPClassifier(l2=1e300) and
    # positive="hidden" on X * 1.5e153 were still refused there ("The network's
    # parameters overflowed").
    fun, lower, upper, rng = _problem(30, seed=5)
    lower, upper = np.full(30, -np.inf), np.full(30, np.inf)
    x0 = rng.normal(size=30)
    huge = _times_huge(fun)
    unit = LBFGSB(lower, upper).minimize(fun, x0, 8, 1e-12)
    seen = []
    scaled = _fallback(lower, upper).minimize(huge, x0, 8, 1e-12,
                                              lambda x, f: seen.append((x.copy(), f)))
    assert scaled.nit == 8
    np.testing.assert_allclose(scaled.x, unit.x, rtol=1e-12, atol=1e-13)
    assert scaled.fun == huge(scaled.x)[0]
    np.testing.assert_array_equal(scaled.jac, huge(scaled.x)[1])
    assert all(f == huge(x)[0] for x, f in seen)

    for max_fun in (None, 5):
        result = _fallback(np.array([-np.inf]), np.array([np.inf])).minimize(
            _nan_past_three, np.array([-40.0]), 50, 1e-10, max_fun=max_fun)
        assert result.status == 2
        assert result.fun == _nan_past_three(result.x)[0]


def test_lbfgsb_refuses_a_workspace_setulb_cannot_address(monkeypatch):
    """scipy's setulb addresses its workspace through 32-bit integers: a network
    beyond that (6e7 parameters with 20 curvature pairs) crashed the process
    (SIGSEGV) where its memory fitted. It is refused before the fit, by name;
    Adam fits it. The limit here is lowered so that a small network passes it."""
    import warnings

    from sknonneg import NonNegMLPRegressor
    from sknonneg._solvers import lbfgsb

    m = lbfgsb.MAXCOR
    n = lbfgsb.max_params(m)
    assert lbfgsb.workspace_size(n, m) <= lbfgsb.SETULB_INDEX_MAX
    assert lbfgsb.workspace_size(n + 1, m) > lbfgsb.SETULB_INDEX_MAX
    assert 47_000_000 < n < 48_000_000
    X = np.random.RandomState(0).uniform(size=(20, 3))
    y = X.sum(axis=1)
    reg = NonNegMLPRegressor(5, max_iter=5, random_state=0)
    n_params = 3 * 5 + 5 + 5 + 1
    monkeypatch.setattr(lbfgsb, "SETULB_INDEX_MAX",
                        lbfgsb.workspace_size(n_params, m) - 1)
    with pytest.raises(ValueError, match=r"cannot fit 26 parameters: scipy's setulb "
                       r"addresses its workspace .* through 32-bit integers, which "
                       r"reach 25 parameters\. Use solver='adam'"):
        reg.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.set_params(solver="adam").fit(X, y)
    # solver="lbfgs" (scikit-learn's name) is the same solver: the message names
    # both spellings. Before, it named solver='lbfgsb', which this fit did not set.
    with pytest.raises(ValueError, match=r"^L-BFGS-B \(solver='lbfgsb' or 'lbfgs'\) "
                       r"cannot fit 26 parameters"):
        reg.set_params(solver="lbfgs").fit(X, y)
    monkeypatch.setattr(lbfgsb, "SETULB_INDEX_MAX", lbfgsb.workspace_size(n_params, m))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.set_params(solver="lbfgsb").fit(X, y)
