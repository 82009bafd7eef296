"""What the log-link regression losses share (``loss="poisson"``, ``"gamma"``,
``"tweedie"``): the regressor's mean scaling and ``exp`` prediction, held alike
for each.

scikit-learn's common checks run here for each, and for "poisson" in float32. Each
loss's own checks (its deviance against scikit-learn's, its caps, its refusals) are
in ``test_poisson.py``, ``test_gamma.py`` and ``test_tweedie.py``."""

from functools import partial


import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import GammaRegressor, PoissonRegressor, TweedieRegressor
from sklearn.metrics import (mean_gamma_deviance, mean_poisson_deviance,
                             mean_tweedie_deviance)
from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import gamma_amounts, poisson_counts, tweedie_amounts
from sknonneg import NonNegMLPRegressor
from sknonneg.inspection import check_monotonic
from sknonneg.robustness import monotone_certificate

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DATA = {"poisson": poisson_counts, "gamma": gamma_amounts, "tweedie": tweedie_amounts}
LOSSES = pytest.mark.parametrize("loss", sorted(DATA))
# scikit-learn's mean deviance of each loss (Tweedie at the default power, 1.5).
DEVIANCE = {"poisson": mean_poisson_deviance, "gamma": mean_gamma_deviance,
            "tweedie": partial(mean_tweedie_deviance, power=1.5)}


FAST = {"hidden_layer_sizes": (5,), "max_iter": 50, "random_state": 0}
_MULTIOUTPUT = ("draws its targets from make_regression without making them positive "
                "(the positive_only tag, which the other checks honour): loss={!r} "
                "refuses {}, as it must")
# The regressor is a transformer too (its last hidden layer): these checks fit it
# on make_blobs' class labels 0 and 1 as y, which no check passes through the
# positive_only tag. The Poisson deviance takes those (their sum is > 0); the Gamma
# deviance refuses y = 0, as it must.
_LABELS_AS_Y = ["check_transformer_data_not_an_array", "check_transformer_general",
                "check_transformer_preserve_dtypes", "check_transformer_n_iter"]


# In float32 (loss="poisson" only: the exp link's float32 path; "gamma" shares it)
# three more checks fail, float32 rounding measured on the checks' data, as the
# squared error's in float32 (test_regressor.py):
# - sample-weight equivalence: predict (near 1 to 3) up to 2.7e-4 apart (dense;
#   6.9e-5 sparse), 5.1e-13 in float64. At the same theta the weighted and
#   repeated float32 objectives agree to 1.2e-7 relative (the loss) and 1.7e-7 of the
#   starting gradient's norm (the rows summed in another order), each within 1.3e-6
#   of the float64 one (the loss) and 1.4e-6 of that norm (the gradient), while the
#   gradient falls to 2.5e-3 of its starting norm by the end: the L-BFGS-B paths part
#   (1e-4 apart after 18 evaluations, dense). float64 fits given gradient noise of
#   norm 5e-7 of the starting gradient at every evaluation part as far (predict
#   4.6e-4 to 7.3e-3 apart).
# - check_methods_subset_invariance: predict of one row and of the batch 5.2e-7
#   apart near 2.9: the output layer's BLAS product sums one row in another order
#   (logits 4.8e-7 apart, 0.32 float32 eps of the terms' magnitudes, 12.4 cancelling
#   to 0.25); the check's atol=1e-7 is below float32's resolution there.
_FLOAT32_SAMPLE_WEIGHT = (
    "float32 rounding amplified by the fit: the weighted and repeated objectives agree "
    "at the same theta (loss to 1.2e-7 relative, gradient to 1.7e-7 of its starting "
    "norm, the rows summed in another order), the float32 gradient's error (1.4e-6 of "
    "that norm against float64's and finite differences) nears the gradient at the end "
    "(2.5e-3), and the L-BFGS-B paths part: predict up to 2.7e-4 (dense) and 6.9e-5 "
    "(sparse) apart near 1-3; float64 fits given gradient noise of that size part as "
    "far")
_FLOAT32_SUBSET = (
    "float32 rounding: the output layer's BLAS product sums one row in another order "
    "than the whole batch (logits 4.8e-7 apart, 0.32 float32 eps of the terms' "
    "magnitudes, 12.4 cancelling to 0.25; predict 5.2e-7 apart near 2.9); the check's "
    "atol=1e-7 is below float32's resolution there")


def _expected_failed_checks(est):
    """The common checks each log-link loss fails, and why."""
    if est.loss == "poisson":
        float32 = {} if est.dtype != "float32" else {
            "check_sample_weight_equivalence_on_dense_data": _FLOAT32_SAMPLE_WEIGHT,
            "check_sample_weight_equivalence_on_sparse_data": _FLOAT32_SAMPLE_WEIGHT,
            "check_methods_subset_invariance": _FLOAT32_SUBSET}
        return {"check_regressor_multioutput": _MULTIOUTPUT.format(
            "poisson", "negative targets"), **float32}
    if est.loss == "tweedie":
        # Takes y >= 0, as the Poisson deviance: the class labels 0/1 too.
        return {"check_regressor_multioutput": _MULTIOUTPUT.format(
            "tweedie", "negative targets")}
    return {"check_regressor_multioutput": _MULTIOUTPUT.format(
                "gamma", "targets <= 0"),
            **dict.fromkeys(_LABELS_AS_Y, (
                "fits the transformer on class labels 0/1 as y, not made positive "
                "by the positive_only tag: loss='gamma' refuses y = 0, as it must"))}


@parametrize_with_checks(
    [*(NonNegMLPRegressor(loss=loss, **FAST) for loss in ("poisson", "gamma")),
     NonNegMLPRegressor(loss="tweedie", power=1.3, **FAST),
     # l2=1e-5, the default when the float32 rounding above was measured (the
     # default 1e-4 fits a path on which the subset check happens to pass).
     NonNegMLPRegressor(loss="poisson", dtype="float32", l2=1e-5, **FAST)],
    expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("loss, n_train, n_test, glm, deviance, glm_margin", [
    # Measured, as multiples of the true means' deviance (the fit, the GLM, the
    # squared error's fit): Poisson 1.020, 1.241, 1.078; Gamma 1.034, 1.649, 1.219;
    # Tweedie (power 1.5, 24% zeros) 1.017, 1.101, 1.515 (1.061 from 1000 rows).
    ("poisson", 1000, 4000, PoissonRegressor, mean_poisson_deviance, 0.1),
    ("gamma", 800, 3000, GammaRegressor, mean_gamma_deviance, 0.02),
    ("tweedie", 2000, 4000, partial(TweedieRegressor, power=1.5, link="log"),
     DEVIANCE["tweedie"], 0.05),
])
def test_fit_scales_by_the_mean_and_predicts_its_exp(loss, n_train, n_test, glm,
                                                     deviance, glm_margin):
    X, y, mu = DATA[loss](n_train)
    # The full schedule on all rows (the fit this test measured): below 10,000 rows
    # the default holds 10% out and stops early, which on these clean data fits
    # the true means' deviance times 1.011, 1.099 and 1.016 (the full schedule:
    # 1.014, 1.020, 1.012; doc/defaults.md, seventeenth round).
    est = NonNegMLPRegressor(8, loss=loss, early_stopping=False,
                             random_state=0).fit(X, y)
    assert est.out_activation_ == "exp"
    assert_allclose(est.y_mean_, [y.mean()], rtol=1e-15)
    assert_array_equal(est.y_scale_, est.y_mean_)
    # predict = y_mean_ exp(z), z the network's output computed by hand.
    hidden = 1 / (1 + np.exp(-est.gain_ * (X @ est.coefs_[0] + est.intercepts_[0])))
    z = hidden @ est.coefs_[1] + est.intercepts_[1]
    pred = est.predict(X)
    assert_allclose(pred, est.y_mean_ * np.exp(z.ravel()), rtol=1e-10)
    assert pred.shape == y.shape and np.all(pred > 0)
    # Close to the true mean on fresh rows; better than the loss's linear GLM (the
    # log-mean has a sine in it) and the squared error's fit.
    Xt, yt, mut = DATA[loss](n_test, seed=1)
    ours = deviance(yt, est.predict(Xt))
    linear = glm(alpha=1e-6).fit(X, y)
    squared = NonNegMLPRegressor(8, random_state=0).fit(X, y)
    assert ours < 1.05 * deviance(yt, mut)
    assert ours < deviance(yt, linear.predict(Xt)) - glm_margin
    assert ours < deviance(yt, np.maximum(squared.predict(Xt), 1e-3))


@pytest.mark.parametrize("loss, depth, max_iter", [
    ("poisson", (6,), 80), ("poisson", (6, 4), 80), ("gamma", (6, 4), 60),
    ("tweedie", (6, 4), 60)])
def test_monotonic_cst_is_exact_with_the_exp_link_and_certified(loss, depth, max_iter):
    X, y, _ = DATA[loss](300)
    cst = [1, -1, 0, 1]
    est = NonNegMLPRegressor(depth, loss=loss, monotonic_cst=cst,
                             random_state=0, max_iter=max_iter).fit(X, y)
    assert_array_equal(est.monotonic_cst_, cst)
    rng = np.random.RandomState(4)
    Z = rng.normal(scale=3.0, size=(500, 4))  # far outside the training box too
    for j, c in enumerate(cst):
        if c == 0:
            continue
        up = Z.copy()
        up[:, j] += rng.uniform(0, 5, size=500)
        assert np.all(c * (est.predict(up) - est.predict(Z)) >= 0)
    report = check_monotonic(est, Z)
    assert np.all(report.max_drop <= 0) and report.is_monotonic
    cert = monotone_certificate(est)
    assert "exp output" in cert.model_
    assert_array_equal(cert.feature_signs_, cst)


@LOSSES
def test_gradient_through_the_network_matches_finite_differences(loss,
                                                                 finite_differences):
    X, y, _ = DATA[loss](40)
    Y = np.c_[y, y[::-1] + 1]
    w = np.random.RandomState(1).uniform(0.5, 2.0, X.shape[0])
    est = NonNegMLPRegressor((4, 3), loss=loss, monotonic_cst=[1, -1, 0, 0],
                             l1=1e-3, l2=1e-3, activity_l1=1e-3, max_iter=1,
                             random_state=0).fit(X, Y)
    targets, _ = est._transform_targets(Y)
    assert_allclose(targets.mean(axis=0), 1.0)
    rng = np.random.RandomState(2)
    theta = est._layout.project(est._theta + rng.uniform(0, 0.1, est._theta.shape))
    for Xk in (X, sp.csr_matrix(X)):
        objective = est._make_objective(est._layout, Xk, targets, w, 1.5,
                                        parallel=False)
        _, grad = objective.loss_grad(theta)
        k = rng.choice(theta.shape[0], 12, replace=False)
        fd = finite_differences(objective.loss_grad, theta)
        assert_allclose(grad[k], fd[k], rtol=1e-5, atol=1e-7)


@LOSSES
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_partial_fit_streams_learn_with_the_first_batch_scaling(loss, solver):
    X, y, _ = DATA[loss](400)
    deviance = DEVIANCE[loss]
    est = NonNegMLPRegressor(8, loss=loss, solver=solver, random_state=0,
                             learning_rate_init=0.01)
    mean_model = deviance(y, np.full_like(y, y.mean()))
    curve = []
    for _ in range(1 if solver == "lbfgsb" else {"poisson": 8, "gamma": 6,
                                                  "tweedie": 8}[loss]):
        for start in range(0, 400, 100):
            est.partial_fit(X[start:start + 100], y[start:start + 100])
        curve.append(deviance(y, est.predict(X)))
    assert_allclose(est.y_mean_, [y[:100].mean()])
    # The stream learned: below the mean model's deviance (L-BFGS-B well below
    # after one pass; Adam, one step per batch, falling pass after pass).
    # Measured at this seed (Poisson): 0.769 and 0.921 of the mean model's;
    # (Tweedie, noisier amounts): 0.851 and 0.951.
    lbfgsb = 0.9 if loss == "tweedie" else 0.8
    assert curve[-1] < (lbfgsb if solver == "lbfgsb" else 1.0) * mean_model
    assert np.all(np.diff(curve) < 0)


@pytest.mark.parametrize("loss, n, max_iter", [("poisson", 600, 200),
                                               ("gamma", 500, 100)])
def test_early_stopping_on_the_deviance(loss, n, max_iter):
    # scoring="loss" is minus the held-out rows' mean half deviance of the scaled
    # targets: scikit-learn's neg_mean_{loss}_deviance of the same iterates (same
    # split, same path) divided by 2 y_mean_ for the Poisson deviance (linear in
    # the scale of y and mu alike), by 2 for the Gamma one (scale-free).
    X, y, _ = DATA[loss](n)
    kw = dict(hidden_layer_sizes=8, loss=loss, early_stopping=True,
              random_state=0, max_iter=max_iter)
    by_loss = NonNegMLPRegressor(scoring="loss", **kw).fit(X, y)
    by_scorer = NonNegMLPRegressor(scoring=f"neg_mean_{loss}_deviance", **kw).fit(X, y)
    scores = np.asarray(by_loss.validation_scores_)
    other = np.asarray(by_scorer.validation_scores_)
    n = min(scores.size, other.size)
    assert n > 5 and np.all(scores < 0)
    scale = 2 * by_loss.y_mean_[0] if loss == "poisson" else 2.0
    assert_allclose(scores[:n], other[:n] / scale, rtol=1e-9)
    assert by_loss.best_validation_score_ == scores.max()


@LOSSES
def test_scaling_the_targets_scales_the_predictions(loss):
    X, y, _ = DATA[loss](200)
    kw = dict(hidden_layer_sizes=8, loss=loss, random_state=0, max_iter=60)
    base = NonNegMLPRegressor(**kw).fit(X, y)
    scaled = NonNegMLPRegressor(**kw).fit(X, 1000.0 * y)
    assert_allclose(scaled.predict(X), 1000.0 * base.predict(X), rtol=1e-6)


@LOSSES
def test_constant_target_is_predicted_exactly(loss):
    X, _, _ = DATA[loss](60)
    est = NonNegMLPRegressor(4, loss=loss, random_state=0).fit(X, np.full(60, 0.3))
    assert_array_equal(est.predict(X), 0.3)


@LOSSES
def test_weights_equal_repeated_rows(loss):
    # The same mean scaling, and at any parameters the same objective and
    # gradient as the rows repeated (up to summation order).
    X, y, _ = DATA[loss](80)
    w = np.random.RandomState(3).randint(1, 4, size=y.shape[0])
    kw = dict(hidden_layer_sizes=4, loss=loss, random_state=0, max_iter=30)
    weighted = NonNegMLPRegressor(**kw).fit(X, y, sample_weight=w)
    Xr, yr = np.repeat(X, w, axis=0), np.repeat(y, w)
    repeated = NonNegMLPRegressor(**kw).fit(Xr, yr)
    assert_allclose(weighted.y_mean_, repeated.y_mean_, rtol=1e-14)
    layout, theta = weighted._layout, weighted._theta
    values = []
    for est, Xk, yk, wk in ((weighted, X, y, w.astype(float)),
                            (repeated, Xr, yr, np.ones(yr.shape[0]))):
        targets, _ = est._transform_targets(yk)
        values.append(est._make_objective(layout, Xk, targets, wk, 1.0,
                                          parallel=False).loss_grad(theta))
    assert_allclose(values[0][0], values[1][0], rtol=1e-12)
    assert_allclose(values[0][1], values[1][1], rtol=1e-9, atol=1e-12)


@LOSSES
def test_sparse_input_and_float32_and_multi_output(loss):
    X, y, _ = DATA[loss](120)
    Y = np.c_[y, 2 * y[::-1]]
    kw = dict(hidden_layer_sizes=5, loss=loss, random_state=0, max_iter=40)
    dense = NonNegMLPRegressor(**kw).fit(X, Y)
    csr = NonNegMLPRegressor(**kw).fit(sp.csr_matrix(X), Y)
    assert dense.predict(X).shape == Y.shape
    # The CSR and dense products sum in other orders: 40 L-BFGS-B iterations
    # carry that rounding to 1.2e-7 relative at the default l2=1e-4 (to below 1e-7
    # at the earlier 1e-5, which this test held).
    assert_allclose(csr.predict(X), dense.predict(X), rtol=1e-6)
    pred = NonNegMLPRegressor(dtype="float32", **kw).fit(X, Y).predict(X)
    assert pred.dtype == np.float64 and np.all(pred > 0) and np.all(np.isfinite(pred))


@LOSSES
def test_lipschitz_bound_is_refused_not_wrong(loss):
    X, y, _ = DATA[loss](60)
    est = NonNegMLPRegressor(4, loss=loss, positive=True, max_iter=10,
                             random_state=0).fit(X, y)
    assert not hasattr(est, "lipschitz_bound_")
    with pytest.raises(AttributeError, match="no finite Lipschitz constant"):
        est.lipschitz_bound_


@LOSSES
def test_warm_kernels_takes_the_regressor(loss):
    from sknonneg.parallel import kernel_compile_counts, warm_kernels

    # Its stand-in targets are values the loss takes: >= 0 for the Poisson
    # deviance, > 0 for the Gamma one (before: refused).
    assert warm_kernels(NonNegMLPRegressor(loss=loss)) == kernel_compile_counts()


@LOSSES
def test_a_fit_checks_the_target_values_once(loss, monkeypatch):
    # A fit checked its targets' values as a whole data set's
    # (a fresh fit in _encode_targets, a warm one in _check_whole_targets) and
    # then again as a later batch's (_check_standardised_targets), which the
    # first implies. Now once; a later partial_fit batch is checked as before,
    # and a warm fit's refusal keeps its words.
    from sknonneg._engine.losses import get_loss

    calls = []
    cls = type(get_loss(loss))
    check = cls.check_target_values

    def counting(self, y, whole=True):
        calls.append(whole)
        return check(self, y, whole)

    monkeypatch.setattr(cls, "check_target_values", counting)
    X, y, _ = DATA[loss](80)
    w = np.ones(80)
    w[:5] = 0.0
    est = NonNegMLPRegressor(4, loss=loss, max_iter=3, random_state=0)
    for warm in (False, True):
        calls.clear()
        est.set_params(warm_start=warm).fit(X, y, sample_weight=w)
        assert calls == [True]
    calls.clear()
    est.partial_fit(X, y)
    assert calls == [False]
    bad = y.copy()
    bad[-1] = -1.0
    with pytest.raises(ValueError, match=(
            rf"^loss='{loss}' requires (non-negative|strictly positive) y .*on the "
            rf"rows of positive weight\.$")):
        est.fit(X, bad)
    with pytest.raises(ValueError, match=(
            rf"^loss='{loss}' requires (non-negative|strictly positive) y on the "
            rf"rows of positive weight\.$")):
        est.partial_fit(X, bad)


def test_the_largest_scaled_target_has_one_name():
    # The upper end of the scaled targets a loss fits was both
    # an attribute (max_scaled_target) and a method of the dtype
    # (largest_scaled_target) that returned it unless the loss said less. Now the
    # method alone, the value unchanged.
    from sknonneg._engine.losses import (HalfGammaDeviance, HalfPoissonDeviance,
                                         Loss, SquaredError)

    cap = float(np.exp(50.0) / 100.0)
    for cls in (Loss, SquaredError, HalfPoissonDeviance, HalfGammaDeviance):
        assert not hasattr(cls, "max_scaled_target")
    assert SquaredError().largest_scaled_target(np.float64) is None
    for dtype in (np.float32, np.float64):
        assert HalfPoissonDeviance().largest_scaled_target(dtype) == cap
    assert HalfGammaDeviance().largest_scaled_target(np.float64) == cap
    assert HalfGammaDeviance().largest_scaled_target(np.float32) == (
        float(np.finfo(np.float32).max) / np.exp(50.0) / 1e4)
