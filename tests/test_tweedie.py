"""NonNegMLPRegressor(loss="tweedie", power=p): half the Tweedie deviance with a log
link, 1 < p < 2 (compound Poisson-Gamma targets, exact zeros).

The loss against scikit-learn's public deviance and central differences, beyond its
caps too; the regressor's ``power`` (its constraint, read by this loss only, kept
from the fit by every objective, score, diagnostic and message); persistence.
What the log-link losses share (scaling, monotonicity, common checks, streams,
weights) is held for it in ``test_log_link.py``."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import d2_tweedie_score, make_scorer, mean_tweedie_deviance
from sklearn.utils._param_validation import InvalidParameterError

from conftest import tweedie_amounts as _amounts
from sknonneg import NonNegMLPRegressor
from sknonneg._engine.losses import (HalfGammaDeviance, HalfPoissonDeviance,
                                     HalfTweedieDeviance, get_loss)
from sknonneg.exceptions import DegenerateFitWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

POWERS = [1.01, 1.2, 1.5, 1.8, 1.99]


# ----------------------------------------------------------------------- the loss
@pytest.mark.parametrize("power", POWERS)
def test_loss_is_half_the_tweedie_deviance_with_its_gradient(power, finite_differences):
    rng = np.random.default_rng(0)
    z = rng.normal(scale=2.0, size=(60, 2))
    y = rng.gamma(2.0, 1.5, size=(60, 2)) * (rng.random((60, 2)) < 0.6)  # zeros
    loss = HalfTweedieDeviance(power=power)
    assert loss.code is None and loss.power == power
    values, grad = loss.value_grad(z, y)
    mu = np.exp(z)
    # Per entry: scikit-learn's public deviance is twice the half deviance.
    for k in range(2):
        for i in range(0, 60, 7):
            one, _ = loss.value_grad(z[i:i + 1, k:k + 1], y[i:i + 1, k:k + 1])
            assert_allclose(2 * one[0], mean_tweedie_deviance(
                y[i:i + 1, k], mu[i:i + 1, k], power=power), rtol=1e-10, atol=1e-14)
    assert_allclose(values, (y ** (2 - power) / ((1 - power) * (2 - power))
                             - y * mu ** (1 - power) / (1 - power)
                             + mu ** (2 - power) / (2 - power)).sum(axis=1),
                    rtol=1e-12)
    assert_allclose(grad, mu ** (2 - power) - y * mu ** (1 - power), rtol=1e-12)
    assert np.all(values >= -1e-12)
    # A perfect fit costs 0 (the constant is included), where y > 0.
    positive = np.where(y > 0, y, 1.0)
    perfect, g0 = loss.value_grad(np.log(positive), positive)
    assert_allclose(perfect, 0.0, atol=1e-12)
    assert_allclose(g0, 0.0, atol=1e-12)

    def fun(theta):
        return loss.value_grad(theta.reshape(z.shape), y)[0].sum(), None
    assert_allclose(grad.ravel(), finite_differences(fun, z.ravel()), rtol=1e-6,
                    atol=1e-6)


def test_the_loss_by_name_and_its_power():
    loss = get_loss("tweedie")
    assert type(loss) is HalfTweedieDeviance and loss.power == 1.5
    assert get_loss("half_tweedie").name == "tweedie"
    assert repr(HalfTweedieDeviance(1.2)) == "HalfTweedieDeviance(power=1.2)"
    for bad in (1.0, 2.0, 0.5, 3.0, np.nan):
        with pytest.raises(ValueError, match=r"open interval \(1, 2\)"):
            HalfTweedieDeviance(bad)
    # Near its ends, the Poisson and the Gamma deviances (power 1 and 2).
    rng = np.random.default_rng(1)
    z = rng.normal(size=(30, 1))
    y = rng.gamma(2.0, 1.0, size=(30, 1))
    for power, other in ((1 + 1e-7, HalfPoissonDeviance()),
                         (2 - 1e-7, HalfGammaDeviance())):
        ours, g = HalfTweedieDeviance(power).value_grad(z, y)
        theirs, g_other = other.value_grad(z, y)
        assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
        assert_allclose(g, g_other, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("power", [1.05, 1.5, 1.95])
def test_each_term_continues_linearly_beyond_its_cap(power, finite_differences):
    loss = HalfTweedieDeviance(power)
    cap, p = loss.LOGIT_CAP, power
    z = np.array([-1e300, -1e250, -cap - 1e3, -cap - 1.0, -cap, -cap + 1.0, 0.0,
                  cap - 1.0, cap, cap + 1.0, cap + 1e3, 1e250, 1e300])[:, None]
    for target in (0.0, 1.0, 3e4):
        y = np.full_like(z, target)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no overflow, no NaN anywhere
            values, grad = loss.value_grad(z, y)
        assert np.all(np.isfinite(grad))
        assert np.all(np.isfinite(values[1:-1]))  # (|z| of 1e300 may be inf)
        assert not np.any(np.isnan(values))
        if target == 0.0:  # the first term is absent: exact below the upper cap
            assert_array_equal(values[:2], 0.0)
    y = np.full_like(z, 2.0)
    values, grad = loss.value_grad(z, y)
    zz = z[:, 0]
    inside = np.abs(zz) <= cap
    exact = (2.0 ** (2 - p) / ((1 - p) * (2 - p)) + 2.0 * np.exp((1 - p) * zz[inside])
             / (p - 1) + np.exp((2 - p) * zz[inside]) / (2 - p))
    assert_allclose(values[inside], exact, rtol=1e-13)
    # Beyond: the tangents at -cap (first term) and +cap (second term).
    below = (zz < -cap) & (np.abs(zz) < 1e4)
    a_cap = np.exp((p - 1) * cap)
    assert_allclose(values[below], 2.0 ** (2 - p) / ((1 - p) * (2 - p))
                    + 2.0 * a_cap * (1 / (p - 1) - (zz[below] + cap))
                    + np.exp((2 - p) * zz[below]) / (2 - p), rtol=1e-13)
    above = (zz > cap) & (zz < 1e4)
    b_cap = np.exp((2 - p) * cap)
    assert_allclose(values[above], 2.0 ** (2 - p) / ((1 - p) * (2 - p))
                    + 2.0 * np.exp((1 - p) * zz[above]) / (p - 1)
                    + b_cap * (1 / (2 - p) + zz[above] - cap), rtol=1e-13)
    assert_allclose(grad[:, 0], np.exp((2 - p) * np.minimum(zz, cap))
                    - 2.0 * np.exp((1 - p) * np.maximum(zz, -cap)), rtol=1e-13)
    # A continuous derivative across each cap.
    for point in (-cap - 0.5, -cap + 0.5, cap - 0.5, cap + 0.5):
        fd = finite_differences(
            lambda t: (loss.value_grad(t.reshape(1, 1), np.full((1, 1), 2.0))[0].sum(),
                       None), np.array([point]), h=1e-5)
        expected = loss.value_grad(np.array([[point]]), np.full((1, 1), 2.0))[1][0]
        assert_allclose(fd, expected, rtol=1e-6)
    # Convex across both caps: the slope never falls.
    for centre in (-cap, cap):
        zs = np.linspace(centre - 5, centre + 5, 2001)[:, None]
        slopes = loss.value_grad(zs, np.full_like(zs, 2.0))[1].ravel()
        assert np.all(np.diff(slopes) >= 0)


def test_the_link_is_the_shared_one_and_the_largest_target_is_bounded():
    tweedie, poisson = HalfTweedieDeviance(1.7), HalfPoissonDeviance()
    assert tweedie.out_activation == "exp" and tweedie.target_scaling == "mean"
    z = np.r_[np.linspace(-800, 60, 1001), 1e250]
    assert_array_equal(tweedie.inverse_link(z), poisson.inverse_link(z))
    cap = float(np.exp(50.0) / 100.0)
    assert HalfTweedieDeviance(1.5).largest_scaled_target(np.float64) == cap
    # The gradient below -cap is up to t e^((p-1) cap): kept 1e4 below float32's
    # largest value (binding from p of about 1.68).
    limit = float(np.finfo(np.float32).max) / np.exp(0.95 * 50.0) / 1e4
    assert HalfTweedieDeviance(1.95).largest_scaled_target(np.float32) == limit
    assert HalfTweedieDeviance(1.5).largest_scaled_target(np.float32) == cap


# ----------------------------------------------------------------- the regressor
def test_targets_are_checked_as_the_poisson_deviance_checks_them():
    X, y, _ = _amounts(60)
    assert np.any(y == 0)
    NonNegMLPRegressor(3, loss="tweedie", max_iter=2).fit(X, y)  # zeros are taken
    bad = y.copy()
    bad[3] = -1.0
    with pytest.raises(ValueError, match=r"^loss='tweedie' requires non-negative y "
                                         r"and sum\(y\) > 0 on the rows of positive "
                                         r"weight\.$"):
        NonNegMLPRegressor(3, loss="tweedie").fit(X, bad)
    with pytest.raises(ValueError, match=r"loss='tweedie' requires non-negative y "
                                         r"and sum\(y\) > 0"):
        NonNegMLPRegressor(3, loss="tweedie").fit(X, np.zeros_like(y))
    # A later batch: y >= 0 only.
    est = NonNegMLPRegressor(3, loss="tweedie", max_iter=2).partial_fit(X, y)
    est.partial_fit(X[:5], np.zeros(5))
    with pytest.raises(ValueError, match=r"^loss='tweedie' requires non-negative y on "
                                         r"the rows of positive weight\.$"):
        est.partial_fit(X[:5], -np.ones(5))


@pytest.mark.parametrize("power", [1.0, 2.0, 0.5, np.nan, "1.5", None])
@pytest.mark.parametrize("loss", ["tweedie", "poisson"])
def test_power_outside_the_open_interval_is_refused(power, loss):
    # As HistGradientBoostingRegressor's quantile: validated whatever the loss.
    X, y, _ = _amounts(30)
    with pytest.raises(InvalidParameterError, match=r"'power' parameter .* a float "
                                                    r"in the range \(1.0, 2.0\)"):
        NonNegMLPRegressor(3, loss=loss, power=power).fit(X, y)


def test_power_is_read_by_the_tweedie_loss_only():
    X, y, _ = _amounts(80)
    kw = dict(hidden_layer_sizes=4, random_state=0, max_iter=30)
    for loss in ("squared_error", "poisson"):
        a = NonNegMLPRegressor(loss=loss, power=1.2, **kw).fit(X, y)
        b = NonNegMLPRegressor(loss=loss, power=1.8, **kw).fit(X, y)
        assert_array_equal(a.predict(X), b.predict(X))
        # ... nor does a change of it stop a stream or a warm start of that loss.
        a.set_params(power=1.7).partial_fit(X[:20], y[:20])
        warm = NonNegMLPRegressor(loss=loss, warm_start=True, **kw).fit(X, y)
        theta = warm._theta.copy()
        warm.set_params(power=1.3, max_iter=1).fit(X, y)
        assert warm.n_iter_ == 1 and not np.array_equal(warm._theta, theta)
    a = NonNegMLPRegressor(loss="tweedie", power=1.2, **kw).fit(X, y)
    b = NonNegMLPRegressor(loss="tweedie", power=1.8, **kw).fit(X, y)
    assert not np.allclose(a.predict(X), b.predict(X))


def test_the_fit_the_objective_and_the_scores_read_the_fitted_power():
    X, y, _ = _amounts(200)
    est = NonNegMLPRegressor(6, loss="tweedie", power=1.2, random_state=0,
                             max_iter=40).fit(X, y)
    assert est._loss().power == 1.2
    targets, _ = est._transform_targets(y)
    w = np.ones(y.shape[0])
    objective = est._make_objective(est._layout, X, targets, w, est.gain_,
                                    parallel=False)
    assert isinstance(objective.loss, HalfTweedieDeviance)
    assert objective.loss.power == 1.2
    # The held-out data term (scoring="loss") is the deviance at 1.2.
    z = np.log(est.predict(X) / est.y_mean_)[:, None]
    by_hand = HalfTweedieDeviance(1.2).value_grad(z, targets)[0].mean()
    assert_allclose(est._validation_loss(est._theta, est.gain_, X, targets, w),
                    by_hand, rtol=1e-9)
    # set_params(power=...) is read by the next fit only: predict, the objective
    # and the D^2 diagnostics keep the fitted one; partial_fit refuses to continue
    # with another; a warm start refits.
    before = est.predict(X)
    est.set_params(power=1.8)
    assert_array_equal(est.predict(X), before)
    assert est._loss().power == 1.2
    assert est._make_objective(est._layout, X, targets, w, est.gain_,
                               parallel=False).loss.power == 1.2
    with pytest.raises(ValueError, match="power changed since the model was fitted"):
        est.partial_fit(X, y)
    est.fit(X, y)
    assert est._loss().power == 1.8


def test_early_stopping_scores_the_deviance_at_the_fitted_power():
    # scoring="loss" is minus the held-out rows' mean half deviance of the scaled
    # targets y / y_mean_: the Tweedie deviance of power p scales as y_mean_^(2-p),
    # so it is scikit-learn's mean_tweedie_deviance at p (same split, same path)
    # divided by 2 y_mean_^(2-p). Read at the default power, it would not be.
    X, y, _ = _amounts(500)
    power = 1.25
    kw = dict(hidden_layer_sizes=6, loss="tweedie", power=power, early_stopping=True,
              random_state=0, max_iter=60)
    by_loss = NonNegMLPRegressor(scoring="loss", **kw).fit(X, y)
    scorer = make_scorer(mean_tweedie_deviance, greater_is_better=False, power=power)
    by_scorer = NonNegMLPRegressor(scoring=scorer, **kw).fit(X, y)
    scores = np.asarray(by_loss.validation_scores_)
    other = np.asarray(by_scorer.validation_scores_)
    n = min(scores.size, other.size)
    assert n > 5 and np.all(scores < 0)
    scale = 2 * by_loss.y_mean_[0] ** (2 - power)
    assert_allclose(scores[:n], other[:n] / scale, rtol=1e-9)


def test_training_d2_is_scikit_learns_at_the_fitted_power():
    from sknonneg.neural_network._diagnostics import _regression_r2

    X, y, _ = _amounts(300)
    est = NonNegMLPRegressor(6, loss="tweedie", power=1.3, random_state=0,
                             max_iter=60).fit(X, y)
    targets, _ = est._transform_targets(y)
    est.set_params(power=1.9)  # not read
    d2, varies, is_d2 = _regression_r2(est, X, targets, np.ones(y.shape[0]))
    assert is_d2 and varies.all()
    assert_allclose(d2, [d2_tweedie_score(y, est.predict(X), power=1.3)], rtol=1e-9)


def test_a_fit_no_better_than_the_mean_warns_with_its_d2():
    X, _, _ = _amounts(200)
    _, y, _ = _amounts(200, seed=9)  # another X's targets: no signal
    with pytest.warns(DegenerateFitWarning, match=r"training D\^2"):
        NonNegMLPRegressor(4, loss="tweedie", l2=10.0, random_state=0).fit(X, y)


def test_messages_name_the_loss_readably():
    X, y, _ = _amounts(50)
    big = np.full_like(y, 1e-25)
    big[0] = 1.0
    w = np.ones_like(y)
    w[0] = 1e-30
    with pytest.raises(ValueError, match=r"loss='tweedie' fits a row up to "):
        NonNegMLPRegressor(4, loss="tweedie").fit(X, big, sample_weight=w)
    est = NonNegMLPRegressor(4, loss="tweedie", max_iter=5).fit(X, y)
    with pytest.raises(AttributeError, match=r"loss='tweedie': its prediction"):
        est.lipschitz_bound_


def test_persistence_keeps_the_fitted_power(tmp_path):
    from sknonneg import persist

    X, y, _ = _amounts(100)
    est = NonNegMLPRegressor(4, loss="tweedie", power=1.7, random_state=0,
                             max_iter=30).fit(X, y)
    before = est.predict(X)
    clone = pickle.loads(pickle.dumps(est))
    assert clone.power == 1.7 and clone._loss().power == 1.7
    assert_array_equal(clone.predict(X), before)
    path = tmp_path / "tweedie.skops"
    persist.dump(est, path)
    loaded = persist.load(path)
    assert loaded.loss == "tweedie" and loaded.power == 1.7
    assert loaded._loss().power == 1.7
    assert_array_equal(loaded.predict(X), before)
    loaded.partial_fit(X[:20], y[:20])  # goes on with its power and scaling
    assert_array_equal(loaded.y_mean_, est.y_mean_)


def test_a_pickle_saved_before_power_existed_loads():
    # A regressor fitted before ``power``: no attribute, nothing in its snapshot
    # of the fitted parameters.
    X, y, _ = _amounts(60)
    est = NonNegMLPRegressor(4, loss="poisson", random_state=0, max_iter=10).fit(X, y)
    before = est.predict(X)
    del est.power
    del est._fitted_params["power"]
    loaded = pickle.loads(pickle.dumps(est))
    assert loaded.get_params()["power"] == 1.5
    assert_array_equal(loaded.predict(X), before)
    loaded.partial_fit(X[:10], y[:10])  # nothing counted as changed
    assert loaded.set_params(loss="tweedie").fit(X, y)._loss().power == 1.5
