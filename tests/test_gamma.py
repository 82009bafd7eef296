"""NonNegMLPRegressor(loss="gamma"): half the Gamma deviance with a log link.

The loss against scikit-learn's public deviance and central differences, beyond its
caps too; the shared monotone link; the regressor's mean scaling, prediction,
refusals (y > 0, scaled targets inside the link's range), monotonicity, weights,
streams, persistence and scikit-learn's common checks."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import mean_gamma_deviance

from conftest import gamma_amounts as _amounts
from sknonneg import NonNegMLPRegressor
from sknonneg._engine.losses import HalfGammaDeviance, HalfPoissonDeviance, get_loss
from sknonneg.exceptions import DegenerateFitWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# ----------------------------------------------------------------------- the loss
def test_loss_is_half_the_gamma_deviance_with_its_gradient(finite_differences):
    rng = np.random.default_rng(0)
    z = rng.normal(scale=2.0, size=(50, 2))
    y = rng.gamma(2.0, 1.5, size=(50, 2))
    loss = get_loss("gamma")
    assert type(loss) is HalfGammaDeviance and loss.code is None
    assert get_loss("half_gamma").name == "gamma"
    values, grad = loss.value_grad(z, y)
    # scikit-learn's public mean deviance is twice the half deviance's mean.
    for k in range(2):
        one, _ = loss.value_grad(z[:, k:k + 1], y[:, k:k + 1])
        assert_allclose(2 * one.mean(), mean_gamma_deviance(y[:, k], np.exp(z[:, k])),
                        rtol=1e-12)
    assert_allclose(grad, 1.0 - y * np.exp(-z), rtol=1e-13)
    assert np.all(values >= 0)
    # A perfect fit costs 0 (the constant is included).
    perfect, g0 = loss.value_grad(np.log(y), y)
    assert_allclose(perfect, 0.0, atol=1e-14)
    assert_allclose(g0, 0.0, atol=1e-15)

    def fun(theta):
        return loss.value_grad(theta.reshape(z.shape), y)[0].sum(), None
    assert_allclose(grad.ravel(), finite_differences(fun, z.ravel()), rtol=1e-6,
                    atol=1e-6)


def test_exp_minus_z_continues_linearly_below_the_cap(finite_differences):
    loss = HalfGammaDeviance()
    cap = loss.LOGIT_CAP
    z = np.array([[-cap + 1.0], [-cap], [-cap - 1.0], [-cap - 1e3], [-1e250],
                  [cap + 1e3], [1e300]])
    y = np.ones_like(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow anywhere
        values, grad = loss.value_grad(z, y)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grad))
    # exp(-z) up to the cap, its tangent beyond: value and slope continuous.
    assert_allclose(values[:2], -z[:2, 0] + np.exp(-z[:2, 0]) - 1, rtol=1e-15)
    tangent = np.exp(cap) * (1.0 - z[2:4, 0] - cap)
    assert_allclose(values[2:4], z[2:4, 0] + tangent - 1, rtol=1e-15)
    assert_allclose(grad[:4, 0], 1 - np.exp(-np.maximum(z[:4, 0], -cap)), rtol=1e-14)
    # Far above: exp(-z) is 0, the loss z - 1 and its slope 1.
    assert_allclose(grad[5:, 0], 1.0)
    assert_allclose(values[5:], z[5:, 0] - 1.0)
    for point in (-cap - 0.5, -cap + 0.5):
        fd = finite_differences(
            lambda t: (loss.value_grad(t.reshape(1, 1), np.full((1, 1), 2.0))[0].sum(),
                       None), np.array([point]), h=1e-4)
        assert_allclose(fd, 1 - 2 * np.exp(min(-point, cap)), rtol=1e-6)
    # Convex across the cap: the slope never falls.
    zs = np.linspace(-cap - 5, -cap + 5, 2001)[:, None]
    slopes = loss.value_grad(zs, np.ones_like(zs))[1].ravel()
    assert np.all(np.diff(slopes) >= 0)


def test_the_link_is_the_poisson_one_and_non_decreasing_as_computed():
    # The prediction's exp is the shared monotone, capped one: monotonic_cst holds
    # as computed exactly as with the Poisson deviance.
    gamma, poisson = HalfGammaDeviance(), HalfPoissonDeviance()
    assert gamma.out_activation == "exp" and gamma.target_scaling == "mean"
    rng = np.random.default_rng(7)
    for start in np.r_[rng.uniform(-720, 60, 50), gamma.LOGIT_CAP - 1e-13, 0.0]:
        z = start + np.arange(2000) * np.spacing(abs(start) if start else 1.0)
        mu = gamma.inverse_link(z)
        assert np.all(np.diff(mu) >= 0)
        assert_array_equal(mu, poisson.inverse_link(z))
    z = np.array([-1e300, -800.0, -50.0, 0.0, 50.0, 60.0, 1e250])
    assert np.all(np.diff(gamma.inverse_link(z)) >= 0)


# ----------------------------------------------------------------- the regressor
@pytest.mark.parametrize("shift", [0.0, -1.0])
def test_targets_not_strictly_positive_are_refused_in_hgbs_words(shift):
    X, y, _ = _amounts(50)
    y = y.copy()
    y[3] = shift
    with pytest.raises(ValueError,
                       match=r"loss='gamma' requires strictly positive y on the rows"):
        NonNegMLPRegressor(4, loss="gamma").fit(X, y)


def test_the_refused_target_is_named_and_zero_weight_rows_are_not_read():
    X, y, _ = _amounts(50)
    Y = np.c_[y, np.r_[0.0, y[1:]], y]
    with pytest.raises(ValueError, match=r"\(targets \[1\] of 3\)"):
        NonNegMLPRegressor(4, loss="gamma").fit(X, Y)
    # A target <= 0 (or a tiny one) in a row of weight 0 is not fitted, so not
    # refused.
    w = np.ones_like(y)
    w[:2] = 0.0
    y2 = np.r_[-5.0, 1e-300, y[2:]]
    kw = dict(hidden_layer_sizes=4, loss="gamma", random_state=0, max_iter=20)
    fitted = NonNegMLPRegressor(**kw).fit(X, y2, sample_weight=w)
    reference = NonNegMLPRegressor(**kw).fit(X[2:], y[2:])
    assert_allclose(fitted.predict(X), reference.predict(X), rtol=1e-12)


def test_targets_beyond_the_link_range_are_refused():
    X, y, _ = _amounts(50)
    limit = HalfGammaDeviance.min_scaled_target
    assert_allclose(limit, 100 * np.exp(-50.0))
    tiny = y.copy()
    tiny[0] = 1e-22 * y.mean()
    with pytest.raises(ValueError, match="smallest value is .* times its weighted "
                                         "mean .* down to 1.93e-20"):
        NonNegMLPRegressor(4, loss="gamma").fit(X, tiny)
    # Just inside is taken.
    inside = y.copy()
    inside[0] = 2 * limit * np.mean(np.r_[inside[1:], 0.0])
    NonNegMLPRegressor(4, loss="gamma", max_iter=2).fit(X, inside)
    # ... and a target far above its weighted mean, as for the Poisson deviance.
    big = np.full_like(y, 1e-25)
    big[0] = 1.0
    w = np.ones_like(y)
    w[0] = 1e-30
    with pytest.raises(ValueError, match="largest value is .* times its weighted mean"):
        NonNegMLPRegressor(4, loss="gamma").fit(X, big, sample_weight=w)


@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_partial_fit_refuses_a_non_positive_batch(solver):
    # (The stream's learning: test_log_link.py.)
    X, y, _ = _amounts(400)
    est = NonNegMLPRegressor(8, loss="gamma", solver=solver, random_state=0,
                             learning_rate_init=0.01).partial_fit(X[:100], y[:100])
    for bad in (np.zeros(10), -np.ones(10)):
        with pytest.raises(ValueError, match="requires strictly positive y on the"):
            est.partial_fit(X[:10], bad)
    with pytest.raises(ValueError, match="down to .* times y_mean_"):
        est.partial_fit(X[:10], np.full(10, 1e-25))
    # The first batch too, without the advice about a batch of zeros.
    with pytest.raises(ValueError, match="strictly positive") as caught:
        NonNegMLPRegressor(3, loss="gamma").partial_fit(X[:10], np.zeros(10))
    assert "first partial_fit batch" not in str(caught.value)


def test_prediction_and_persistence_keep_the_fitted_loss(tmp_path):
    from sknonneg import persist

    X, y, _ = _amounts(100)
    est = NonNegMLPRegressor(4, loss="gamma", random_state=0, max_iter=30).fit(X, y)
    before = est.predict(X)
    clone = pickle.loads(pickle.dumps(est))
    assert clone.loss == "gamma"
    assert_array_equal(clone.predict(X), before)
    path = tmp_path / "gamma.skops"
    persist.dump(est, path)
    loaded = persist.load(path)
    assert loaded.out_activation_ == "exp" and loaded.loss == "gamma"
    assert_array_equal(loaded.predict(X), before)
    # The loaded model goes on streaming with its scaling and loss.
    loaded.partial_fit(X[:20], y[:20])
    assert_array_equal(loaded.y_mean_, est.y_mean_)
    est.set_params(loss="squared_error")  # read by the next fit only
    assert_array_equal(est.predict(X), before)


def test_a_fit_no_better_than_the_mean_warns_with_its_d2():
    X, _, _ = _amounts(200)
    y = np.random.RandomState(5).gamma(2.0, 1.0, size=200)  # no signal
    with pytest.warns(DegenerateFitWarning, match=r"training D\^2"):
        NonNegMLPRegressor(4, loss="gamma", l2=10.0, random_state=0).fit(X, y)


def test_a_later_float32_batch_whose_gradient_would_overflow_is_refused():
    # Below z = -50 the gradient is 1 - t e^50: a later batch (whose scale the
    # first fit fixed) with a target 5e19 times y_mean_ put a float32 output delta
    # beyond float32's range, and the warm fit was refused as "the parameters
    # overflowed". Now the target is refused, naming it; float64
    # fits it.
    X = np.r_[np.full(50, -1.0), np.full(50, 1.0)][:, None]
    y = np.r_[np.full(50, 4e-20), np.full(50, 2.0)]
    for dtype in ("float64", "float32"):
        est = NonNegMLPRegressor(3, loss="gamma", dtype=dtype, random_state=0,
                                 max_iter=100, warm_start=True).fit(X, y)
        est.set_params(max_iter=5)
        if dtype == "float64":
            est.fit(X[:1], [5e19])
            assert np.all(np.isfinite(est.predict(X)))
            continue
        with pytest.raises(ValueError, match=r"up to 6.56e\+12 times it "
                                             r"\(dtype=float32\)"):
            est.fit(X[:1], [5e19])
        with pytest.raises(ValueError, match="dtype=float32"):
            est.partial_fit(X[:1], [5e19])
