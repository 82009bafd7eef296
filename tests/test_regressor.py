"""NonNegMLPRegressor: scikit-learn's common checks, the squared error's gradient,
target standardisation, constraints after every kind of fit, multi-output."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknonneg import NonNegMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = {"hidden_layer_sizes": (5,), "max_iter": 50, "random_state": 0}


# In float32 (the third configuration) three checks fail, none in float64; float32
# rounding, not a defect, measured on the checks' data:
# - sample-weight equivalence: predict up to 1.4e-5 apart (dense; 3.5e-5 sparse) on
#   predictions of order 1, against 2.6e-10 relative in float64. At the same theta
#   the weighted and repeated float32 objectives agree to 5e-8 relative (the loss)
#   and 1.7e-7 of the starting gradient's norm (the rows summed in another order),
#   and each is within 4.9e-6 (the loss: residuals near 0 of targets near 1) and
#   1.6e-6 of that norm (the gradient) of the float64 one, as of finite differences;
#   that error is about 2e-6 in absolute terms along the whole L-BFGS-B path, as
#   large as the gradient itself near the end (2.9e-4), so the two paths part (3.4e-5
#   apart after 20 evaluations). float64 fits given gradient noise of norm 5e-7 of
#   the starting gradient at every evaluation part farther (predict 3e-4 to 4.5e-4).
# - check_methods_subset_invariance: predict of one row and of the 20 rows at once
#   differ by up to 3.7e-7 (on predictions near 1.1): the hidden layer's kernel gives
#   the same values bit for bit, the output layer's BLAS product (numpy's matmul)
#   sums one row in another order than the batch. The logits differ by 4.8e-7 (1.1e-15
#   in float64), 0.4 float32 eps of the terms' magnitudes (9.9 in all, cancelling to
#   a logit of 0.18); the check's atol=1e-7 is below float32's resolution there.
#   (A monotone network's prediction sums in a fixed order, bit for bit whatever the
#   batch: positive=True, not this configuration's default "auto".)
_FLOAT32_SAMPLE_WEIGHT = (
    "float32 rounding amplified by the fit: the weighted and repeated objectives agree "
    "at the same theta (loss to 5e-8 relative, gradient to 1.7e-7 of its starting "
    "norm, the rows summed in another order), but the float32 gradient's error (about "
    "2e-6, the float64 one and finite differences matched to float32 precision) is "
    "as large as the gradient near the end, so the L-BFGS-B paths part: predict up to "
    "1.4e-5 (dense) and 3.5e-5 (sparse) apart; float64 fits given gradient noise of "
    "that size part farther")
_FLOAT32_SUBSET = (
    "float32 rounding: the output layer's BLAS product sums one row in another order "
    "than the whole batch (logits 4.8e-7 apart, 0.4 float32 eps of the terms' "
    "magnitudes, 9.9 cancelling to 0.18; predict 3.7e-7 apart near 1.1); the check's "
    "atol=1e-7 is below float32's resolution there")


_HELD_OUT_CHECK_WEIGHTS = (
    "early_stopping='auto' below 10,000 rows runs a held-out check first, whose "
    "random split holds out rows, not weight: a repeated row can fall on both sides, "
    "so the weighted and the repeated fits can choose other iteration counts "
    "(early_stopping=False, the fourth configuration, keeps the equivalence)")


def _expected_failed_checks(est):
    """The common checks each configuration fails, and why: three in float32; in
    float64 the sample-weight equivalence under the held-out check of
    ``early_stopping="auto"``."""
    if est.dtype != "float32":
        if est.early_stopping != "auto":
            return {}
        return {"check_sample_weight_equivalence_on_dense_data": _HELD_OUT_CHECK_WEIGHTS,
                "check_sample_weight_equivalence_on_sparse_data":
                    _HELD_OUT_CHECK_WEIGHTS}
    return {"check_sample_weight_equivalence_on_dense_data": _FLOAT32_SAMPLE_WEIGHT,
            "check_sample_weight_equivalence_on_sparse_data": _FLOAT32_SAMPLE_WEIGHT,
            "check_methods_subset_invariance": _FLOAT32_SUBSET}


@parametrize_with_checks([NonNegMLPRegressor(**FAST),
                          NonNegMLPRegressor(positive=False, **FAST),
                          # l2=1e-5: the default when the float32 rounding of
                          # the reasons above was measured (the default is 1e-4).
                          NonNegMLPRegressor(dtype="float32", l2=1e-5, **FAST),
                          NonNegMLPRegressor(positive=False, early_stopping=False,
                                             **FAST)],
                         expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(120, 4))
    y = 3 * X[:, 0] - 2 * X[:, 1] + np.sin(5 * X[:, 2]) * X[:, 3] + 10.0
    return X, y


def _fd_check(objective, theta, rng, n=12, eps=1e-6):
    _, grad = objective.loss_grad(theta)
    for k in rng.choice(theta.shape[0], n, replace=False):
        e = np.zeros_like(theta)
        e[k] = eps
        fd = (objective.loss_grad(theta + e)[0] - objective.loss_grad(theta - e)[0]) / (2 * eps)
        assert_allclose(grad[k], fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_finite_differences(data, sparse, weighted):
    X, y = data
    est = NonNegMLPRegressor((4, 3), positive=True, monotonic_cst=[1, -1, 0, 1],
                             l1=1e-3, l2=1e-3, activity_l1=1e-3, max_iter=1,
                             random_state=0).fit(X, np.c_[y, -y])
    rng = np.random.RandomState(1)
    w = rng.uniform(0.5, 2.0, X.shape[0]) if weighted else np.ones(X.shape[0])
    targets, _ = est._transform_targets(np.c_[y, -y])
    Xk = sp.csr_matrix(X) if sparse else X
    objective = est._make_objective(est._layout, Xk, targets, w, 1.5, parallel=False)
    theta = est._layout.project(est._theta + rng.uniform(0, 0.1, est._theta.shape))
    _fd_check(objective, theta, rng)


def test_targets_are_standardised_and_undone(data):
    X, y = data
    est = NonNegMLPRegressor(10, max_iter=200, random_state=0).fit(X, y)
    assert_allclose(est.y_mean_, [y.mean()])
    assert_allclose(est.y_scale_, [y.std()])
    assert est.score(X, y) > 0.95
    assert abs(est.predict(X).mean() - y.mean()) < 0.1
    # A shift and scale of y shifts and scales the predictions alike.
    # (few iterations: the solver's path amplifies the rounding of the scaling)
    short = clone(est).set_params(max_iter=10).fit(X, y)
    other = clone(short).fit(X, 1000 * y - 7)
    assert_allclose(other.predict(X), 1000 * short.predict(X) - 7, rtol=1e-6)
    constant = clone(est).fit(X, np.full(X.shape[0], 3.0))
    assert_allclose(constant.y_scale_, [1.0])
    assert_allclose(constant.predict(X), 3.0, atol=1e-3)


@pytest.mark.parametrize("params", [
    {}, {"solver": "adam", "max_iter": 5}, {"batch_size": 32, "max_iter": 3},
    {"monotonic_cst": [1, -1, 0, 1]}, {"early_stopping": True, "max_iter": 20},
    {"l1": 1e-3, "activity_l1": 1e-3, "dtype": "float32"}])
def test_constant_targets_are_predicted_exactly(data, params):
    # A constant target was standardised to 0 and fitted from a random start: still
    # 0.07 off after 200 L-BFGS-B iterations (0.9 off after 20, with no warning);
    # and 0.1 on 120 rows averaged to 0.1 - 1e-17, a "spread" standardised to +-1.
    # Its output unit now starts (and stays) at 0: y_mean_ exactly, with any solver,
    # next to a target that varies.
    X, y = data
    for c in (0.1, 0.3, -7.7):
        yy = np.c_[np.full(X.shape[0], c), y]
        est = NonNegMLPRegressor(5, random_state=0, **params).fit(X, yy)
        assert est.y_mean_[0] == c and est.y_scale_[0] == 1.0
        assert np.all(est.predict(X)[:, 0] == c)
        assert np.all(est.coefs_[-1][:, 0] == 0) and est.intercepts_[-1][0] == 0
        if "max_iter" not in params:  # the varying target is still learnt
            assert est.score(X, yy) * 2 - 1 > 0.9  # its R^2 (the other's is 1)
    # Equal on the weighted rows (the zero-weight rows do not count) and after a
    # partial_fit on it.
    w = np.ones(X.shape[0])
    w[:10] = 0.0
    yy = np.where(w > 0, 0.3, 5.0)
    est = NonNegMLPRegressor(5, random_state=0, **params).fit(X, yy, sample_weight=w)
    assert est.y_mean_[0] == 0.3 and np.all(est.predict(X) == 0.3)
    # (partial_fit refuses early_stopping=True, as scikit-learn's MLPs.)
    streamed = {k: v for k, v in params.items() if k != "early_stopping"}
    est = NonNegMLPRegressor(5, random_state=0, **streamed).partial_fit(
        X, np.full(120, 2.5))
    assert np.all(est.predict(X) == 2.5)


@pytest.mark.parametrize("factor", [1e-300, 1e-160, 1e-20, 1e100])
def test_targets_of_any_scale_are_standardised_alike(data, factor):
    # Squared deviations of a 1e-300 target underflow: its scale was taken for 0
    # (a constant), and the predictions came out of order 0.1 instead of 1e-300.
    X, y = data
    short = NonNegMLPRegressor(5, max_iter=10, random_state=0).fit(X, y)
    scaled = clone(short).fit(X, factor * y)
    assert_allclose(scaled.y_scale_, factor * short.y_scale_, rtol=1e-12)
    assert_allclose(scaled.predict(X), factor * short.predict(X), rtol=1e-6)


def test_score_is_r2_and_does_not_underflow(data):
    # score was scikit-learn's r2_score on the raw targets, whose sums of squares
    # underflow below 1e-154: it gave 1.0 for any predictions of a 1e-300 target.
    # It is computed on the standardised targets, the same R^2 where nothing
    # underflows.
    from sklearn.metrics import r2_score

    X, y = data
    w = np.random.RandomState(2).uniform(size=X.shape[0])
    est = NonNegMLPRegressor(5, max_iter=30, random_state=0).fit(X, y)
    assert_allclose(est.score(X, y), r2_score(y, est.predict(X)), rtol=1e-12)
    assert_allclose(est.score(X, y, w), r2_score(y, est.predict(X), sample_weight=w),
                    rtol=1e-12)
    assert_allclose(est.score(X, y[:, None]), est.score(X, y), rtol=1e-12)
    two = NonNegMLPRegressor(5, max_iter=30, random_state=0).fit(X, np.c_[y, -y])
    assert_allclose(two.score(X, np.c_[y, -y]),
                    r2_score(np.c_[y, -y], two.predict(X)), rtol=1e-12)
    with pytest.raises(ValueError, match="different number of output"):
        two.score(X, y)
    tiny = NonNegMLPRegressor(5, max_iter=30, random_state=0).fit(X, 1e-300 * y)
    assert_allclose(tiny.score(X, 1e-300 * y), est.score(X, y), rtol=1e-6)
    assert tiny._r2(1e-300 * y, np.zeros_like(y)) < 0


def test_targets_whose_standard_deviation_rounds_to_0_keep_their_units():
    # Before: targets 0 and 5e-324 (float64's smallest number) have a standard
    # deviation that rounds to 0, y_scale_ fell back to 1 (a constant target's),
    # and the fit predicted values of +-0.4 for them, R^2 -1e646. y_scale_ is now
    # their largest deviation, and the predictions are of their scale.
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 3))
    for y in (np.r_[np.zeros(59), 5e-324], np.where(np.arange(60) % 2, 1e-323, 0.0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = NonNegMLPRegressor(5, max_iter=15, random_state=0).fit(X, y)
        assert 0 < est.y_scale_[0] <= y.max()
        assert np.all(np.abs(est.predict(X)) <= 4 * y.max())
    # Nearly all of the weight on one value: the largest deviation, 1, as before.
    y, w = np.r_[np.zeros(59), 1.0], np.r_[np.ones(59), 5e-324]
    est = NonNegMLPRegressor(5, max_iter=3, random_state=0).fit(X, y, sample_weight=w)
    assert est.y_scale_[0] == 1.0


def test_weighted_target_scaling_equals_repeated_rows(data):
    X, y = data
    w = np.arange(X.shape[0]) % 3
    a = NonNegMLPRegressor(5, max_iter=30, random_state=0).fit(X, y, sample_weight=w)
    b = NonNegMLPRegressor(5, max_iter=30, random_state=0).fit(
        np.repeat(X, w, axis=0), np.repeat(y, w))
    assert_allclose(a.y_mean_, b.y_mean_)
    assert_allclose(a.y_scale_, b.y_scale_)


def test_default_fits_a_decreasing_target_and_all_positive_cannot(data):
    X, _ = data
    y = -5 * X[:, 0]
    assert NonNegMLPRegressor(10, max_iter=100, random_state=0).fit(X, y).score(X, y) > 0.99
    assert NonNegMLPRegressor(10, positive=True, max_iter=100,
                              random_state=0).fit(X, y).score(X, y) < 0.1


@pytest.mark.parametrize("fit", ["lbfgsb", "minibatch", "adam", "partial_fit",
                                 "warm_start", "early_stopping", "float32"])
def test_constraints_exact_and_multi_output(data, fit):
    X, y = data
    Y = np.c_[y, np.cos(3 * X[:, 1])]
    params = {"hidden_layer_sizes": (6, 4), "positive": True,
              "monotonic_cst": [1, -1, 0, 0], "max_iter": 15, "random_state": 0}
    params.update({"minibatch": {"batch_size": 32}, "adam": {"solver": "adam"},
                   "early_stopping": {"early_stopping": True},
                   "float32": {"dtype": "float32"}}.get(fit, {}))
    est = NonNegMLPRegressor(**params)
    if fit == "partial_fit":
        for _ in range(3):
            est.partial_fit(X, Y)
    else:
        est.fit(X, Y)
        if fit == "warm_start":
            est.set_params(warm_start=True).fit(X, Y)
    assert est.predict(X).shape == (X.shape[0], 2)
    W0 = est.coefs_[0]
    assert np.all(W0[0] >= 0) and np.all(W0[1] <= 0)
    assert all(np.all(W >= 0) for W in est.coefs_[1:])
    assert est.weight_constraints_ == ["mixed", "nonneg", "nonneg"]
    assert est.lipschitz_bound_ > 0


def test_sparse_input_gives_the_dense_fit(data):
    X, y = data
    dense = NonNegMLPRegressor(5, max_iter=30, random_state=0).fit(X, y)
    sparse = NonNegMLPRegressor(5, max_iter=30, random_state=0).fit(sp.csr_matrix(X), y)
    assert_allclose(dense.predict(X), sparse.predict(sp.csr_matrix(X)), rtol=1e-6,
                    atol=1e-8)


def test_early_stopping_scores_r2(data):
    X, y = data
    est = NonNegMLPRegressor(8, early_stopping=True, n_iter_no_change=5, scoring=None,
                             max_iter=100, random_state=0).fit(X, y)
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.best_validation_score_ > 0.5
    # scoring="loss" (the default): minus half the mean squared error of the
    # standardised targets on the held-out rows.
    est = clone(est).set_params(scoring="loss").fit(X, y)
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert -0.5 < est.best_validation_score_ < 0


def test_transform_and_feature_names(data):
    X, y = data
    est = NonNegMLPRegressor((6, 3), max_iter=10, random_state=0).fit(X, y)
    hidden = est.transform(X)
    assert hidden.shape == (X.shape[0], 3) and np.all((hidden > 0) & (hidden < 1))
    assert list(est.get_feature_names_out()) == [
        "nonnegmlpregressor0", "nonnegmlpregressor1", "nonnegmlpregressor2"]


def test_partial_fit_warns_when_its_first_batch_has_a_constant_target():
    # Before: a first batch of one row set y_scale_ = 1 for good, silently; later
    # batches of targets of scale 1e6 then trained unstandardised (R^2 0.07).
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 3))
    y = 1e6 * (X[:, 0] - 2 * X[:, 1])
    with pytest.warns(UserWarning, match="constant on the first batch"):
        NonNegMLPRegressor(5, random_state=0).partial_fit(X[:1], y[:1])
    with pytest.warns(UserWarning, match=r"outputs \[1\] of its targets are"):
        NonNegMLPRegressor(5, random_state=0).partial_fit(X, np.c_[y, np.ones(60)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        est = NonNegMLPRegressor(5, random_state=0).partial_fit(X, y)
        est.partial_fit(X[:1], y[:1])  # later batches set nothing: no warning


def test_score_far_above_the_fitted_scale_is_finite():
    # Before: a model fitted at unit scale scored NaN on targets of 1e200 (the
    # squares of the standardised residuals overflowed).
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 3))
    y = X[:, 0] - 2 * X[:, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = NonNegMLPRegressor(5, random_state=0).fit(X, y)
    with np.errstate(all="raise"):
        score = est.score(X, 1e200 * y)
    from sklearn.metrics import r2_score
    # The R^2 of the same targets and predictions divided by 1e200.
    assert_allclose(score, r2_score(y, est.predict(X) / 1e200), rtol=1e-12)
    # At the fitted scale, the score is scikit-learn's.
    assert_allclose(est.score(X, y), r2_score(y, est.predict(X)), rtol=1e-12)


def test_score_far_below_the_fitted_scale_keeps_the_targets_spread():
    # Before: the targets were standardised with the fitted y_mean_ and y_scale_,
    # and those far below the fitted scale lost their spread in y - y_mean_:
    # targets of order 1 scored by a model fitted on targets of 1e150 were all
    # one value after it, and score gave 0.0 where R^2 is -3e301; at 1e-10 of the
    # fitted scale 7 digits were left. A y whose spread is below float64's range
    # against the errors scores -inf, not 0.0.
    from sklearn.metrics import r2_score

    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 3))
    y = 1 + X[:, 0] + 0.5 * X[:, 1] ** 2
    w = rng.uniform(size=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        high = NonNegMLPRegressor(5, max_iter=50, random_state=0).fit(X, 1e150 * y)
        unit = NonNegMLPRegressor(5, max_iter=50, random_state=0).fit(X, y)
    with np.errstate(all="raise"):
        for est, targets in ((high, y), (unit, 1e-10 * y), (unit, 1e-20 * y)):
            expected = r2_score(targets, est.predict(X))
            assert expected < -1e20
            assert_allclose(est.score(X, targets), expected, rtol=1e-12)
            assert_allclose(est.score(X, targets, w),
                            r2_score(targets, est.predict(X), sample_weight=w),
                            rtol=1e-12)
        two = np.c_[y, 1e-20 * y]  # each output scored on its own scale
        assert_allclose(unit.score(X, 1e-300 * y), -np.inf)
    multi = NonNegMLPRegressor(5, max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        multi.fit(X, np.c_[y, y])
    assert_allclose(multi.score(X, two),
                    r2_score(two, multi.predict(X)), rtol=1e-12)


def test_hidden_layer_sizes_as_a_0d_array_and_the_split_message():
    # Before: hidden_layer_sizes=np.array(4) failed with "iteration over a 0-d
    # array"; the impossible early-stopping split message ended "parameters.. Pass".
    rng = np.random.RandomState(0)
    X, y = rng.uniform(size=(30, 3)), rng.uniform(size=30)
    a = NonNegMLPRegressor(np.array(4), max_iter=3, random_state=0).fit(X, y)
    b = NonNegMLPRegressor(4, max_iter=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    with pytest.raises(ValueError, match="impossible") as info:
        NonNegMLPRegressor(4, early_stopping=True, validation_fraction=0.9,
                           max_iter=3).fit(X[:3], y[:3])
    assert ".." not in str(info.value)


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_score_takes_a_sparse_y_as_fit_does(data, n_outputs):
    # Before: fit took a sparse y, score raised "setting an array element with a
    # sequence" (np.asarray of the sparse matrix).
    X, y = data
    Y = np.column_stack([y, 2 * y])[:, :n_outputs]
    reg = NonNegMLPRegressor((3,), max_iter=5, random_state=0).fit(X, sp.csr_matrix(Y))
    assert reg.score(X, sp.csr_matrix(Y)) == reg.score(X, Y.squeeze())


@pytest.mark.parametrize("size", [1e307, 1e308, 5e-324])
def test_score_of_uniform_weights_of_any_size_is_the_unweighted_score(data, size):
    # Before: the weights went to r2_score as given, whose sums of them overflowed
    # (1e307: R^2 1.0, 1e308: NaN, with RuntimeWarnings) or underflowed (5e-324:
    # 1.0). They are divided by their largest, as fit divides them.
    from sklearn.metrics import r2_score

    X, y = data
    est = NonNegMLPRegressor(5, max_iter=30, random_state=0).fit(X, y)
    expected = r2_score(y, est.predict(X))
    assert expected < 0.99
    w = np.random.RandomState(2).uniform(size=X.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert_allclose(est.score(X, y, np.full(X.shape[0], size)), expected,
                        rtol=1e-12)
        if size > 1:
            assert_allclose(est.score(X, y, size * w),
                            r2_score(y, est.predict(X), sample_weight=w), rtol=1e-12)
    # Weights that r2_score refuses keep its errors.
    with pytest.raises(ValueError, match="Input sample_weight contains NaN"):
        est.score(X, y, np.r_[np.nan, w[1:]])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        est.score(X, y, w[1:])


def test_score_refuses_y_as_scikit_learn_does(data):
    # Before: a y of 3 dimensions was flattened and scored; a scalar was made a
    # 0-d array first, which failed with a TypeError ("Input should have at least
    # 1 dimension"). Both are now r2_score's errors, as MLPRegressor.score gives
    # them.
    X, y = data
    est = NonNegMLPRegressor(5, max_iter=10, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="Found array with dim 3, while dim <= 2 is "
                                         "required."):
        est.score(X, y[:, None, None])
    with pytest.raises(ValueError, match="The 'y_true' parameter of r2_score must be "
                                         "an array-like"):
        est.score(X, 3.0)


def test_score_of_a_constant_target_is_r2_scores(data):
    # Before: the constant target was standardised with y_mean_ and y_scale_ first,
    # and r2_score divided its residuals by a sum of squares of rounding errors
    # (-8.8e31 where r2_score gives 0.0; for two outputs, -3.4e29 instead of
    # 0.34). A target constant on the rows of nonzero weight scores 1.0 if
    # predicted exactly, else 0.0, as r2_score's force_finite scores it.
    from sklearn.metrics import r2_score

    X, _ = data
    y = X[:, 0] * 100 + X[:, 1]
    est = NonNegMLPRegressor(4, max_iter=20, random_state=0).fit(X, y)
    constant = np.ones(X.shape[0])
    assert est.score(X, constant) == r2_score(constant, est.predict(X)) == 0.0
    assert est._r2(constant, constant) == 1.0
    # Decided on y as given: r2_score rounds the mean of 60 times 0.1 (-6.8e29).
    assert est.score(X, np.full(X.shape[0], 0.1)) == 0.0
    w = (np.arange(X.shape[0]) % 3 > 0).astype(float)
    almost = np.where(w > 0, 1.0, 5.0)  # constant where the weight is not 0
    assert (est.score(X, almost, w)
            == r2_score(almost, est.predict(X), sample_weight=w) == 0.0)
    assert est._r2(almost, np.where(w > 0, 1.0, 0.0), w) == 1.0
    Y = np.c_[X[:, 0] * 100, X[:, 1]]
    two = NonNegMLPRegressor(4, max_iter=20, random_state=0).fit(X, Y)
    Yc = np.c_[constant, X[:, 1]]
    assert_allclose(two.score(X, Yc), r2_score(Yc, two.predict(X)), rtol=1e-12)
    assert_allclose(two.score(X, Yc, w), r2_score(Yc, two.predict(X), sample_weight=w),
                    rtol=1e-12)
    # Non-finite predictions of a constant target get r2_score's error (before:
    # scored 0.0, a NaN read as a miss).
    for bad, match in ((np.nan, "Input contains NaN"), (np.inf, "infinity")):
        with pytest.raises(ValueError, match=match):
            est._r2(constant, np.where(np.arange(X.shape[0]) == 0, bad, 1.0))


@pytest.mark.parametrize("dtype, first, later", [("float32", 1.0, 1e30),
                                                ("float64", 1e-150, 1e150)])
def test_partial_fit_refuses_targets_that_overflow_the_first_calls_scaling(
        dtype, first, later):
    # The target scaling is fixed by the first call: a later batch 1e30 times larger
    # overflowed float32's squared errors (RuntimeWarning, loss 4.8e60, predictions
    # near the first batch's), and in float64 it was refused as "the network's
    # parameters overflowed", which did not name the targets.
    rng = np.random.RandomState(0)
    X = rng.rand(40, 3)
    y = X @ [1.0, 2.0, -1.0] + 1.0
    est = NonNegMLPRegressor(hidden_layer_sizes=(8,), dtype=dtype, random_state=0)
    est.partial_fit(X, y * first)
    before = est.predict(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=r"deviations from the fitted y_mean_ are "
                                             r"up to .* times y_scale_.*overflow "
                                             + dtype):
            est.partial_fit(X, y * later)
    np.testing.assert_array_equal(est.predict(X), before)  # left as it was
    est.partial_fit(X, y * first * 2)  # a batch of the same scale trains
    # A row of weight 0 is not fitted (dropped), so its target is not checked
    # (the first version refused it in float32; and in float64, where it lies 1e300
    # times y_scale_ from y_mean_, it was refused until rows of weight 0 were
    # dropped before the checks).
    y_out, w = y * first, np.ones_like(y)
    y_out[0], w[0] = y[0] * later, 0.0
    est.partial_fit(X, y_out, sample_weight=w)
    assert np.all(np.isfinite(est.predict(X)))


@pytest.mark.parametrize("dtype, heavy", [("float64", 1e308), ("float32", 1e45)])
def test_a_dominant_weight_is_named_not_an_earlier_fit(dtype, heavy):
    # One row of weight 1e308 beside rows of weight 1: the weighted standard
    # deviation of y (y_scale_) is 4e-154, the other rows lie 2.4e153 of it from
    # y_mean_ and their squared errors overflow. A plain first fit was refused
    # with "y's deviations from the fitted y_mean_ ... the scaling that the first
    # fit (or first call to partial_fit) fixed ... start anew (fit with
    # warm_start=False)", about a fit that never happened. The message now names
    # the weights.
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    y = 2 * X[:, 0]
    w = np.ones(60)
    w[0] = heavy
    for fit in ("fit", "partial_fit"):
        est = NonNegMLPRegressor(hidden_layer_sizes=(3,), max_iter=5, dtype=dtype,
                                 random_state=0)
        with pytest.raises(ValueError) as info:
            getattr(est, fit)(X, y, sample_weight=w)
        message = str(info.value)
        assert re.search(r"weighted standard deviation of y is nearly 0 \(y_scale_="
                         r".*largest weight is .* times its smallest positive one.*"
                         r"overflow " + dtype, message), message
        assert "first fit" not in message and "warm_start" not in message
        assert not hasattr(est, "y_mean_")  # left as it was
    # Weights of closer magnitudes fit.
    w[0] = 1e20
    NonNegMLPRegressor(hidden_layer_sizes=(3,), max_iter=5, dtype=dtype,
                       random_state=0).fit(X, y, sample_weight=w)


def test_score_leaves_rows_of_weight_0_out_of_the_unit_scale():
    # Before: the rows of weight 0 set the unit scale of _unit_scale too, and one
    # such row with a target (or prediction) of 1e200 scaled the others' spread to
    # 0: R^2 was -inf where, without that row, it is 0.92 (r2_score: NaN). And an
    # output whose weighted spread underflowed through a weight of 5e-324 was
    # scored -inf even where every prediction is exact (r2_score: 1.0).
    from sklearn.metrics import r2_score

    rng = np.random.RandomState(0)
    X = rng.uniform(size=(40, 3))
    y = X @ np.array([1.0, 2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = NonNegMLPRegressor(5, max_iter=30, random_state=0).fit(X, y)
        multi = NonNegMLPRegressor(5, max_iter=30, random_state=0).fit(
            X, np.c_[y, 2 * y])
    w = rng.uniform(0.5, 1.0, size=40)
    w[0] = 0.0
    for model, targets in ((est, y), (multi, np.c_[y, 2 * y])):
        far = targets.copy()
        far[0] = 1e200
        expected = r2_score(targets[1:], model.predict(X)[1:], sample_weight=w[1:])
        assert expected > 0.5
        assert_allclose(model.score(X, far, sample_weight=w), expected, rtol=1e-12)
        assert_allclose(model.score(X, targets, sample_weight=w), expected,
                        rtol=1e-12)
    # Exact predictions are R^2 = 1, whatever the weights' spread of magnitudes.
    exact = np.array([0.0, 0.0, 0.0, 0.5])
    tiny = np.array([1.0, 1.0, 1.0, 5e-324])
    assert est._r2(exact, exact.copy(), tiny) == 1.0
    # A spread that underflows against real errors still scores -inf.
    assert est.score(X, 1e-300 * y, sample_weight=w) == -np.inf


@pytest.mark.parametrize("loss, power", [("poisson", 1.0), ("gamma", 2.0),
                                         ("tweedie", 1.5)])
def test_score_of_a_log_link_loss_is_r2_not_d2(loss, power):
    # score's docstring: R^2 with every loss, as MLPRegressor and
    # HistGradientBoostingRegressor score theirs, not PoissonRegressor's D^2;
    # d2_tweedie_score at the loss's power gives D^2.
    from sklearn.metrics import d2_tweedie_score, r2_score

    rng = np.random.RandomState(0)
    X = rng.uniform(size=(120, 3))
    mu = np.exp(X @ [1.0, -1.0, 0.5])
    y = rng.gamma(2.0, mu / 2.0) + (loss != "gamma") * rng.poisson(mu)
    reg = NonNegMLPRegressor(loss=loss, power=1.5, **FAST).fit(X, y)
    pred = reg.predict(X)
    assert reg.score(X, y) == pytest.approx(r2_score(y, pred), rel=1e-12)
    d2 = d2_tweedie_score(y, pred, power=power)
    assert abs(reg.score(X, y) - d2) > 1e-3
