"""NonNegMLPRegressor(loss="poisson"): the half Poisson deviance with a log link.

The loss against scikit-learn's public deviance and central differences, its capped
exp link; the regressor's mean scaling, prediction, refusals, monotonicity,
weights, sparse input, streams, persistence and scikit-learn's common checks."""

import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import mean_poisson_deviance

from conftest import examples
from conftest import poisson_counts as _counts
from sknonneg import NonNegMLPRegressor
from sknonneg._engine.losses import HalfPoissonDeviance, get_loss
from sknonneg.exceptions import DegenerateFitWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# ----------------------------------------------------------------------- the loss
def test_loss_is_half_the_poisson_deviance_with_its_gradient(finite_differences):
    rng = np.random.default_rng(0)
    z = rng.normal(scale=2.0, size=(50, 2))
    y = rng.poisson(3.0, size=(50, 2)).astype(float)
    y[:5] = 0.0
    loss = get_loss("poisson")
    assert type(loss) is HalfPoissonDeviance and loss.code is None
    values, grad = loss.value_grad(z, y)
    # scikit-learn's public mean deviance is twice the half deviance's mean.
    for k in range(2):
        one, _ = loss.value_grad(z[:, k:k + 1], y[:, k:k + 1])
        assert_allclose(2 * one.mean(), mean_poisson_deviance(y[:, k], np.exp(z[:, k])),
                        rtol=1e-12)
    assert_allclose(grad, np.exp(z) - y, rtol=1e-14)
    assert np.all(values >= 0)
    flat = z.ravel()

    def fun(theta):
        return loss.value_grad(theta.reshape(z.shape), y)[0].sum(), None
    assert_allclose(grad.ravel(), finite_differences(fun, flat), rtol=1e-6, atol=1e-6)


def test_the_exp_link_continues_linearly_beyond_its_cap(finite_differences):
    loss = HalfPoissonDeviance()
    cap = loss.LOGIT_CAP
    z = np.array([[cap - 1.0], [cap], [cap + 1.0], [cap + 1e3], [1e250]])
    y = np.ones_like(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow anywhere
        mu = loss.inverse_link(z).ravel()
        values, grad = loss.value_grad(z[:4], y[:4])
    assert_allclose(mu[:2], np.exp([cap - 1, cap]), rtol=1e-15)
    assert_allclose(mu[2:4], np.exp(cap) * (1 + np.array([1.0, 1e3])), rtol=1e-15)
    assert np.all(np.diff(mu) > 0) and np.all(np.isfinite(mu))
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grad))
    # Slope continuous at the cap, and the gradient right beyond it.
    assert_allclose(grad.ravel(), np.exp(np.minimum(z[:4].ravel(), cap)) - 1,
                    rtol=1e-14)
    point = np.array([cap + 0.5])
    fd = finite_differences(
        lambda t: (loss.value_grad(t.reshape(1, 1), np.ones((1, 1)))[0].sum(), None),
        point, h=1e-4)
    assert_allclose(fd, np.exp(cap) - 1, rtol=1e-6)


def test_the_link_is_non_decreasing_as_computed():
    # Runs of adjacent float64 values from random starts (and across the cap):
    # the mean never falls from one to the next.
    loss = HalfPoissonDeviance()
    rng = np.random.default_rng(7)
    starts = np.r_[rng.uniform(-700, 60, 200), loss.LOGIT_CAP, -1.0, 0.0]
    for start in starts:
        z = np.empty(2000)
        z[0] = np.nextafter(start, -np.inf) if start == loss.LOGIT_CAP else start
        for i in range(1, z.size):
            z[i] = np.nextafter(z[i - 1], np.inf)
        mu = loss.inverse_link(z)
        assert np.all(np.diff(mu) >= 0)
        assert_allclose(mu[z <= loss.LOGIT_CAP], np.exp(z[z <= loss.LOGIT_CAP]),
                        rtol=5e-16)


@examples(300)
@given(a=st.floats(-800.0, 1e6, allow_nan=False),
       b=st.floats(-800.0, 1e6, allow_nan=False),
       scale=st.floats(1e-100, 1e100))
def test_any_two_outputs_keep_their_order_through_the_prediction(a, b, scale):
    # The property monotonic_cst and the certificate rest on: for any outputs
    # z1 <= z2 (and any positive y_scale_), predict's y_scale_ * mu(z1) <= y_scale_ *
    # mu(z2) as computed, across the cap and the clamp of exp alike.
    z1, z2 = sorted((a, b))
    mu = HalfPoissonDeviance().inverse_link(np.array([z1, z2]))
    assert mu[0] * scale <= mu[1] * scale


# ----------------------------------------------------------------- the regressor
@pytest.mark.parametrize("y, match", [
    (lambda y: y - 1.0, "requires non-negative y and sum"),
    (lambda y: 0.0 * y, "requires non-negative y and sum"),
])
def test_negative_or_all_zero_targets_are_refused(y, match):
    X, counts, _ = _counts(50)
    with pytest.raises(ValueError, match=match):
        NonNegMLPRegressor(4, loss="poisson").fit(X, y(counts))


def test_the_refused_target_is_named_and_zero_weight_rows_are_not_read():
    X, y, _ = _counts(50)
    Y = np.c_[y, np.zeros_like(y), y]
    with pytest.raises(ValueError, match=r"\(targets \[1\] of 3\)"):
        NonNegMLPRegressor(4, loss="poisson").fit(X, Y)
    # A negative target in a row of weight 0 is not fitted, so not refused.
    y2 = y.copy()
    y2[0] = -5.0
    w = np.ones_like(y)
    w[0] = 0.0
    fitted = NonNegMLPRegressor(4, loss="poisson", random_state=0,
                                max_iter=20).fit(X, y2, sample_weight=w)
    reference = NonNegMLPRegressor(4, loss="poisson", random_state=0,
                                   max_iter=20).fit(X[1:], y[1:])
    assert_allclose(fitted.predict(X), reference.predict(X), rtol=1e-12)


def test_extreme_weights_that_put_a_target_beyond_the_link_are_refused():
    X, y, _ = _counts(50)
    y[:] = 0.0
    y[0] = 1.0  # y / mean = sum(w) / w_0
    w = np.ones_like(y)
    w[0] = 1e-30
    with pytest.raises(ValueError, match="times its weighted mean"):
        NonNegMLPRegressor(4, loss="poisson").fit(X, y, sample_weight=w)


def test_the_monotone_certificate_reads_the_poisson_regressor():
    from sknonneg.robustness import monotone_certificate

    X, y, _ = _counts(200)
    mono = NonNegMLPRegressor(4, loss="poisson", monotonic_cst=[1, -1, 0, 1],
                              random_state=0, max_iter=30).fit(X, y)
    cert = monotone_certificate(mono)
    assert "exp output" in cert.model_
    assert_array_equal(cert.feature_signs_, [1, -1, 0, 1])
    free = NonNegMLPRegressor(4, loss="poisson", positive=False, random_state=0,
                              max_iter=30).fit(X, y)
    with pytest.raises(ValueError):
        monotone_certificate(free)


@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_partial_fit_refuses_a_negative_batch(solver):
    # (The stream's learning: test_log_link.py.)
    X, y, _ = _counts(400)
    est = NonNegMLPRegressor(8, loss="poisson", solver=solver, random_state=0,
                             learning_rate_init=0.01).partial_fit(X[:100], y[:100])
    # A later batch of zeros is fine (its sum may be 0); a negative one is not.
    est.partial_fit(X[:10], np.zeros(10))
    with pytest.raises(ValueError, match="requires non-negative y on the rows"):
        est.partial_fit(X[:10], -np.ones(10))
    with pytest.raises(ValueError, match="loss changed"):
        est.set_params(loss="squared_error").partial_fit(X[:10], y[:10])


def test_prediction_and_persistence_keep_the_fitted_loss(tmp_path):
    X, y, _ = _counts(100)
    est = NonNegMLPRegressor(4, loss="poisson", random_state=0, max_iter=30).fit(X, y)
    before = est.predict(X)
    est.set_params(loss="squared_error")  # read by the next fit only
    assert_array_equal(est.predict(X), before)
    clone = pickle.loads(pickle.dumps(est))
    assert_array_equal(clone.predict(X), before)
    from sknonneg import persist
    path = tmp_path / "poisson.skops"
    persist.dump(est, path)
    loaded = persist.load(path)
    assert loaded.out_activation_ == "exp" and loaded.loss == "squared_error"
    assert_array_equal(loaded.predict(X), before)
    # A warm start with another loss is a fresh fit, not a continuation.
    warm = est.set_params(warm_start=True).fit(X, y)
    assert warm.out_activation_ == "identity"


def test_a_prediction_beyond_float64_is_refused_not_inf():
    X, _, _ = _counts(60)
    y = np.random.RandomState(6).poisson(np.exp(X.sum(axis=1)))  # increasing
    est = NonNegMLPRegressor(3, loss="poisson", activation="identity", positive=True,
                             max_iter=10, random_state=0).fit(X, y)
    assert np.any(est.coefs_[-1] > 0)
    # Finite logits (about 4e300), a mean beyond float64.
    assert np.all(np.isfinite(est._validated_logits(np.full((2, 4), 1e300))))
    with pytest.raises(ValueError, match="overflowed"):
        est.predict(np.full((2, 4), 1e300))


def test_a_fit_no_better_than_the_mean_warns_with_its_d2():
    X, y, _ = _counts(200)
    y = np.random.RandomState(5).poisson(2.0, size=200).astype(float)  # no signal
    with pytest.warns(DegenerateFitWarning, match=r"training D\^2"):
        NonNegMLPRegressor(4, loss="poisson", l2=10.0, random_state=0).fit(X, y)


def test_old_pickles_without_loss_load_as_squared_error():
    # A regressor saved before ``loss`` existed: neither the parameter nor the
    # snapshot of the fitted parameters holds it. Loaded, it is a squared-error
    # fit, whatever loss is set afterwards (before, set_params(loss=
    # "poisson") turned its predictions into exp of them).
    X, y, _ = _counts(40)
    est = NonNegMLPRegressor(3, max_iter=5, random_state=0).fit(X, y)
    state = est.__getstate__()
    del state["loss"]
    state["_fitted_params"] = {k: v for k, v in state["_fitted_params"].items()
                               if k != "loss"}
    old = NonNegMLPRegressor.__new__(NonNegMLPRegressor)
    old.__setstate__(state)
    assert old.loss == "squared_error"
    assert_array_equal(old.predict(X), est.predict(X))
    old.set_params(loss="poisson")
    assert_array_equal(old.predict(X), est.predict(X))
    with pytest.raises(ValueError, match="loss changed"):
        old.partial_fit(X, y)


@pytest.mark.parametrize("loss, scaled_constant", [("squared_error", 0.0),
                                                    ("poisson", 1.0)])
def test_init_zeroes_only_outputs_at_the_scaled_constant(loss, scaled_constant):
    # An output whose scaled targets equal the scaled value of a constant target
    # (0 standardised, 1 divided by the mean) on the rows fitted starts at 0 (it
    # predicts them exactly); one constant at another value does not: early
    # stopping's split can leave a target constant on its training rows only
    # (3.0 on a held-out row), and its unit was zeroed (the squared
    # error's rule before the Poisson loss is the first case).
    X, y, _ = _counts(30)
    est = NonNegMLPRegressor(3, loss=loss, max_iter=1, random_state=0).fit(
        X, np.c_[y + 1, y + 2, y + 3])
    targets = np.c_[np.full(30, scaled_constant), np.full(30, 0.5), y + 1]
    theta = est._layout.project(est._theta + 0.1)
    started = est._init_output(est._layout, theta.copy(), X, targets, np.ones(30))
    coefs, intercepts = est._layout.arrays(started)
    assert np.all(coefs[-1][:, 0] == 0) and intercepts[-1][0] == 0
    assert np.all(coefs[-1][:, 1:] != 0) and np.all(intercepts[-1][1:] != 0)


def test_a_warm_start_on_noise_warns_against_its_own_mean():
    # D^2's mean model is the mean of the targets fitted, not exp(0) (the first
    # fit's y_mean_).
    X, y, _ = _counts(300)
    est = NonNegMLPRegressor(6, loss="poisson", random_state=0, max_iter=50,
                             warm_start=True).fit(X, y)
    noise = np.random.RandomState(8).poisson(20.0, size=300).astype(float)
    with pytest.warns(DegenerateFitWarning, match=r"training D\^2"):
        est.set_params(l2=10.0).fit(X, noise)


def test_bad_weights_are_reported_without_a_runtime_warning():
    X, _, _ = _counts(20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="[Ss]ample.weight|negative"):
            NonNegMLPRegressor(3, loss="poisson").fit(X, np.zeros(20),
                                                      sample_weight=-np.ones(20))


def test_a_first_partial_fit_batch_of_zeros_says_why():
    X, _, _ = _counts(20)
    with pytest.raises(ValueError, match="first partial_fit batch sets the scaling"):
        NonNegMLPRegressor(3, loss="poisson").partial_fit(X, np.zeros(20))
    # A negative count is refused as such, without that advice.
    y = np.zeros(20)
    y[0] = -1.0
    with pytest.raises(ValueError, match="non-negative y") as caught:
        NonNegMLPRegressor(3, loss="poisson").partial_fit(X, y)
    assert "first partial_fit batch" not in str(caught.value)


@pytest.mark.parametrize("weights", [None, "zero on the counts"])
def test_a_warm_fit_on_all_zero_counts_is_refused_as_a_fresh_one(weights):
    # Before, the warm fit was accepted (a later partial_fit batch of zeros is
    # fine, a whole data set of them is not) and drove every prediction to 0.
    X, y, _ = _counts(60)
    est = NonNegMLPRegressor(3, loss="poisson", warm_start=True, max_iter=30,
                             random_state=0).fit(X, y)
    before = est.predict(X)
    zeros, w = np.zeros(60), None
    if weights is not None:  # the rows fitted are all 0
        zeros[:5], w = 4.0, np.r_[np.zeros(5), np.ones(55)]
    with pytest.raises(ValueError, match="requires non-negative y and sum"):
        est.fit(X, zeros, sample_weight=w)
    assert_array_equal(est.predict(X), before)
    with pytest.raises(ValueError, match="requires non-negative y and sum"):
        NonNegMLPRegressor(3, loss="poisson").fit(X, zeros, sample_weight=w)
    est.partial_fit(X, np.zeros(60))  # a batch of a stream: taken
    # Weights the weight check refuses are reported as such.
    with pytest.raises(ValueError, match="[Ss]ample.weight|negative"):
        est.fit(X, y, sample_weight=-np.ones(60))


@pytest.mark.parametrize("weights", [None, "near-uniform"])
def test_targets_whose_mean_rounds_to_zero_are_refused_for_what_they_are(weights):
    # y's mean below float64's normal range (5e-324 / 20 rounds to 0): refused,
    # naming the cause, not sample_weight, and without a RuntimeWarning.
    X, _, _ = _counts(20)
    y = np.r_[5e-324, np.zeros(19)]
    w = None if weights is None else 1.0 + np.r_[2e-16, np.zeros(19)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="so small that it rounds") as caught:
            NonNegMLPRegressor(3, loss="poisson").fit(X, y, sample_weight=w)
    assert "sample_weight" not in str(caught.value)


