"""The start on inputs flagged as small (``sknonneg._engine.init.cap_first_layer_l2``):
fits of either solver on inputs whose largest column root-mean-square is below 1e-3
(the ``InputScaleWarning``'s test) start with their first layer shrunk to an L2
penalty of at most ``SMALL_INPUT_MAX_INIT_L2``; every other start is the one drawn
before.

The data are those of ``doc/reliability.md``, "Small inputs" (60 x 3 uniform inputs
times a scale): before, these default fits ended far below the constant model."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import d2_tweedie_score, log_loss, r2_score
from sklearn.preprocessing import MinMaxScaler

from sknonneg import (ABBAClassifier, DegenerateFitWarning, InputScaleWarning,
                      NonNegMLPClassifier, NonNegMLPRegressor)
from sknonneg._engine.init import (ABBA_MAX_INIT_L2, SMALL_INPUT_MAX_INIT_L2,
                                   SMALL_INPUT_MAX_INIT_NORM,
                                   cap_first_layer_l2, init_l2_factor,
                                   range_l2_factor)

X0 = np.random.default_rng(0).random((60, 3))
Y_REG = 1 + X0[:, 0] + X0[:, 1] ** 2 / 2
Y_CLF = (X0[:, 0] + X0[:, 1] > 1).astype(int)


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the scale, degenerate-fit warnings
        return est.fit(X, y)


def _classifier_score(est, X):
    """``1 - log-loss / the class prior's``: 0 is the constant model."""
    prior = np.bincount(Y_CLF) / len(Y_CLF)
    base = log_loss(Y_CLF, np.tile(prior, (len(Y_CLF), 1)))
    return 1 - log_loss(Y_CLF, est.predict_proba(X)) / base


@pytest.mark.parametrize("loss, power, scale, seed", [("poisson", 1, 1e-4, 1),
                                                      ("poisson", 1, 1e-3, 1),
                                                      ("gamma", 2, 1e-4, 2),
                                                      ("gamma", 2, 1e-3, 0)])
def test_log_link_regressor_on_small_inputs_reaches_the_constant_model(
        loss, power, scale, seed):
    # Before: training D^2 -4.4e4, -2.2e4 (Poisson), -3.6e3, -3.3e3 (Gamma): the
    # start's first-layer penalty (about 1e6 at X * 1e-4) steered L-BFGS-B's first
    # steps to saturated units and predictions of exp(-57).
    X = X0 * scale
    reg = _fit(NonNegMLPRegressor(loss=loss, monotonic_cst=[1, -1, 0],
                                  random_state=seed), X, Y_REG)
    assert d2_tweedie_score(Y_REG, reg.predict(X), power=power) >= -3e-3


def test_classifier_on_small_inputs_reaches_the_class_prior():
    # Before: 1 - log-loss / prior's log-loss -1.95 (the unconstrained network,
    # random_state=1, X * 1e-4).
    X = X0 * 1e-4
    clf = _fit(NonNegMLPClassifier(positive=False, random_state=1), X, Y_CLF)
    assert _classifier_score(clf, X) >= -3e-3


def test_abba_on_small_inputs_reaches_the_class_prior():
    # Before: -1.87 at random_state=1 (X * 1e-3): the start's first-layer penalty
    # was capped at ABBA_MAX_INIT_L2 = 1e3 only.
    X = X0 * 1e-3
    clf = _fit(ABBAClassifier(random_state=1), X, Y_CLF)
    assert _classifier_score(clf, X) >= -3e-3


def _start(est, X, y):
    est._validate_params()
    est._fit_weights = None  # what the regressor's fit sets before the targets
    est._encode_targets(y)
    layout = est._build_layout(X.shape[1], est.n_outputs_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theta = est._init_theta(layout, X, np.random.RandomState(0))
    return layout.arrays(theta)


def _unshrunk_start(est, X, y):
    """The start as drawn before the first layer's cap (``_check_input_scale``
    saying the inputs are not small)."""
    est._check_input_scale = lambda inputs, weights: False
    return _start(est, X, y)


@pytest.mark.parametrize("make", [
    lambda solver: NonNegMLPClassifier(solver=solver),
    lambda solver: NonNegMLPRegressor(monotonic_cst=[1, -1, 0], solver=solver)])
def test_only_flagged_starts_are_shrunk(make):
    # Not flagged (largest column root-mean-square 5.8e-3): the start is the one
    # drawn, whatever the solver.
    y = Y_CLF if isinstance(make("adam"), NonNegMLPClassifier) else Y_REG
    (c_l, i_l), (c_a, i_a) = (_start(make("lbfgsb"), X0 * 1e-2, y),
                              _start(make("adam"), X0 * 1e-2, y))
    for a, b in zip(c_l + i_l, c_a + i_a):
        assert_array_equal(a, b)
    # Flagged (5.8e-4), either solver (before, Adam's start was not shrunk): the
    # first layer is the drawn one times one factor, its penalty at most
    # SMALL_INPUT_MAX_INIT_L2; the layers above as drawn.
    est = make("lbfgsb")
    (c_l, i_l), (c_a, i_a) = (_start(est, X0 * 1e-3, y),
                              _start(make("adam"), X0 * 1e-3, y))
    for a, b in zip(c_l + i_l, c_a + i_a):
        assert_array_equal(a, b)
    c_d, i_d = _unshrunk_start(make("lbfgsb"), X0 * 1e-3, y)
    top = np.argmax(np.abs(c_d[0]))
    factor = c_l[0].ravel()[top] / c_d[0].ravel()[top]
    assert 0 < factor < 1
    np.testing.assert_allclose(c_l[0], factor * c_d[0], rtol=1e-12)
    np.testing.assert_allclose(i_l[0], factor * i_d[0], rtol=1e-12)
    assert est.l2 * np.sum(c_d[0] ** 2) > 100 * SMALL_INPUT_MAX_INIT_L2
    assert est.l2 * np.sum(c_l[0] ** 2) <= SMALL_INPUT_MAX_INIT_L2 * (1 + 1e-12)
    for a, b in zip(c_l[1:] + i_l[1:], c_d[1:] + i_d[1:]):
        assert_array_equal(a, b)


@pytest.mark.parametrize("l2", [1e3, 1e6])
@pytest.mark.parametrize("scale", [1e-100, 1e-152])
def test_adam_fit_on_flagged_inputs_keeps_its_loss_far_from_overflow(l2, scale):
    # Before: Adam's first layer started at weights of 1 / scale, whose penalty
    # its steps (about 1e-3 each) could not lower: training losses of 1.4e205 to
    # 1.8e305, flat to the last bit, and no ConvergenceWarning. Now the start's
    # first-layer penalty is at most SMALL_INPUT_MAX_INIT_L2, as L-BFGS-B's.
    X, y = _scaled_data("binary", scale)
    clf = _fit(NonNegMLPClassifier(solver="adam", l2=l2, max_iter=10,
                                   random_state=0), X, y)
    assert np.all(np.isfinite(clf.loss_curve_))
    assert max(clf.loss_curve_) < 1e8  # the output layer's penalty: 7.7e6 at 1e6
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_adam_fit_on_flagged_inputs_still_falling_warns():
    # Before: at the default l2 on breast cancer times 1e-20, the start's
    # penalty (1.35e37) hid every change of the loss, which stayed the same to
    # the last bit for 50 epochs: no ConvergenceWarning for a fit that had not
    # converged. Now the loss starts at 1.7 and is still falling at max_iter.
    X, y = _scaled_data("binary", 1e-20)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        clf = NonNegMLPClassifier(solver="adam", max_iter=50, random_state=0).fit(X, y)
    assert clf.loss_curve_[0] < 10
    assert ConvergenceWarning in {w.category for w in rec}


def test_cap_first_layer_l2_does_not_overflow():
    coef, intercept = np.full((3, 4), 1e200), np.full(4, -2e200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow
        factor = cap_first_layer_l2(coef, intercept, 1e6)
    assert 0 < factor < 1
    np.testing.assert_allclose(1e6 * np.sum(coef ** 2), SMALL_INPUT_MAX_INIT_L2)
    np.testing.assert_allclose(intercept, -2 * coef[0])
    # Within the cap, or without a penalty: left as it was.
    coef = np.full((3, 4), 1e3)
    assert cap_first_layer_l2(coef, np.zeros(4), 0.0) == 1.0
    assert cap_first_layer_l2(coef, np.zeros(4), 1e-9) == 1.0
    assert_array_equal(coef, 1e3)


def test_init_l2_factor_is_the_cap_of_both_starts():
    # The dense first layer's form (norm of W / top) and ABBA's (l2 in the limit):
    # a factor bringing the penalty to the limit, 1 within it or without a penalty.
    f = init_l2_factor(1e-4, 3.0, 1.0, top=100.0)
    assert f < 1.0
    np.testing.assert_allclose(1e-4 * (f * 100.0) ** 2 * 3.0, 1.0)
    f = init_l2_factor(1.0, 5e7, 1e3 / 1e-4)
    np.testing.assert_allclose(1e-4 * f ** 2 * 5e7, 1e3)
    assert init_l2_factor(1e-4, 3.0, 1.0, top=1.0) == 1.0
    for l2, norm in [(0.0, 3.0), (1e-4, 0.0), (1e-4, np.nan), (1e-200, 1e-200)]:
        assert init_l2_factor(l2, norm, 1.0) == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way
        assert init_l2_factor(1.0, 1e-320, 1e10) == 1.0
        # A penalty beyond float64's range (before: a factor of 0).
        np.testing.assert_allclose(init_l2_factor(1e300, 1e300, 1.0), 1e-300,
                                   rtol=1e-15)


def test_init_l2_factor_is_exact_over_the_whole_range():
    # Before, where l2 * norm overflowed the factor was 0, and where most / (l2 *
    # norm) fell below the smallest normal float it kept a few bits: a start
    # at l2=1e4 with ABBA's norm of 7e305 (inputs of 1e-151) became a layer of
    # zeros. Now sqrt(most / (l2 norm)) / top to a few ulps, for any finite l2.
    big = float(np.finfo(np.float64).max)
    cases = [(1e300, 1e300, 1.0, 1.0, 1e-300),
             (1e4, 6.962646007886727e+305, SMALL_INPUT_MAX_INIT_NORM, 1.0,
              np.sqrt(SMALL_INPUT_MAX_INIT_NORM / 1e4 / 6.962646007886727e+305)),
             (1.0, 1e306, 1e-6, 1.0, 1e-156),
             (1e6, 1e305, 1.0, 1e-10, 10.0 ** -145.5),
             (big, 4.0, 1.0, 1.0, 0.5 / np.sqrt(big)),
             (big, big, SMALL_INPUT_MAX_INIT_NORM, 1.0,
              np.sqrt(SMALL_INPUT_MAX_INIT_NORM / big) / np.sqrt(big))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way
        for l2, norm, most, top, expected in cases:
            factor = init_l2_factor(l2, norm, most, top)
            assert 0.0 < factor < 1.0
            np.testing.assert_allclose(factor, expected, rtol=1e-14)
        # Ordinary arguments: the quotient as before, bit for bit.
        assert init_l2_factor(1e-4, 3.0, 1.0, top=100.0) == np.sqrt(1.0 / 3e-4) / 100.0


def _abba_start_on(est, X):
    """An ABBA network's layout and start on ``X`` (three inputs, one output),
    with a RuntimeWarning (an overflow) an error."""
    est._validate_params()
    layout = est._build_layout(3, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("error", RuntimeWarning)
        theta = est._init_theta(layout, X, np.random.RandomState(0))
    return layout, theta


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
@pytest.mark.parametrize("sizes", [(20,), (10, 10)])
@pytest.mark.parametrize("l2", [1e2, 1e4, 1e6])
@pytest.mark.parametrize("scale", [1e-151, 1e-152])
def test_abba_start_at_a_large_l2_has_no_layer_of_zeros(solver, sizes, l2, scale):
    # Before: range_l2_factor's l2 * norm (an l2 from 1e2 and a layer's norm
    # above 1e304 at unit spread on inputs of 1e-150 to 1e-152) overflowed, its
    # factor was 0, and the layer started as zeros (the first, or the one above).
    est = ABBAClassifier(hidden_layer_sizes=sizes, l2=l2, solver=solver,
                         random_state=0)
    layout, theta = _abba_start_on(est, X0 * scale)
    assert np.all(np.isfinite(theta))
    coefs_a, coefs_b = layout.arrays(theta)[:2]
    for a, b in zip(coefs_a, coefs_b):
        assert np.any(a) or np.any(b)
        assert l2 * float(np.sum(a ** 2) + np.sum(b ** 2)) <= ABBA_MAX_INIT_L2 * (
            1 + 1e-12)
    clf = _fit(ABBAClassifier(hidden_layer_sizes=sizes, l2=l2, solver=solver,
                              max_iter=20, random_state=0), X0 * scale, Y_CLF)
    assert np.all(np.isfinite(clf.predict_proba(X0 * scale)))


@pytest.mark.parametrize("l2", [5e-324, 1e-320, [1e-4, 5e-324]])
def test_abba_start_with_a_subnormal_l2_is_no_overflow_warning(l2):
    # Before: the start's limit ABBA_MAX_INIT_L2 / l2, in NumPy floats, warned
    # "overflow encountered in scalar divide" for an l2 in the allowed range.
    est = ABBAClassifier(hidden_layer_sizes=(4,), l2=l2, random_state=0)
    est._validate_params()
    layout = est._build_layout(3, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        theta = est._init_theta(layout, X0, np.random.RandomState(0))
    assert np.all(np.isfinite(theta))


@pytest.mark.parametrize("scale", [1e-155, 1e-160])
def test_abba_on_inputs_below_1e_154_fits_the_class_prior(scale):
    # Before: "The network's parameters overflowed to non-finite values in
    # L-BFGS-B ... Lower learning_rate_init or the penalties (l1, l2)": unit
    # spread needs weights of 1e155, whose square in the start's penalty norm
    # (scale ** 2) overflowed; inf times a zero weight made the norm NaN, the cap
    # was skipped, and the penalty of the fit's first loss was inf.
    X = X0 * scale
    clf = _fit(ABBAClassifier(hidden_layer_sizes=(20,), random_state=0, max_iter=5),
               X, Y_CLF)
    assert _classifier_score(clf, X) >= -3e-3


@pytest.mark.parametrize("make, y", [
    (lambda: NonNegMLPClassifier(solver="adam", max_iter=3, random_state=0), Y_CLF),
    (lambda: NonNegMLPClassifier(solver="adam", positive=False, max_iter=3,
                                 random_state=0), Y_CLF),
    (lambda: NonNegMLPRegressor(solver="adam", loss="poisson", max_iter=3,
                                random_state=0), Y_REG),
    (lambda: ABBAClassifier(hidden_layer_sizes=(20,), solver="adam", max_iter=3,
                            random_state=0), Y_CLF),
    (lambda: ABBAClassifier(hidden_layer_sizes=(20,), l2=0.0, max_iter=5,
                            random_state=0), Y_CLF)])
@pytest.mark.parametrize("scale", [1e-153, 1e-157])
def test_starts_on_inputs_near_1e_155_fit_without_overflow(make, y, scale):
    # Before: the same overflow error. Adam's dense start is not shrunk to a
    # penalty of order one, and the sum of squares of its first layer (1e153 per
    # weight) overflowed in the penalty kernel; ABBA's kernel sums the squares
    # even at l2=0.
    X = X0 * scale
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the scale warnings
        warnings.simplefilter("error", RuntimeWarning)  # no overflow on the way
        est = make().fit(X, y)
    out = est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)
    assert np.all(np.isfinite(out))
    assert np.all(np.isfinite(est.loss_curve_))


@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
@pytest.mark.parametrize("sizes, scale", [((8,), 1e-157), ((10, 10), 1e-153),
                                         ((100,), 2e-153), ((20,), 1e-4)])
def test_flagged_abba_start_measures_its_penalty_without_overflow(sizes, scale,
                                                                  solver):
    # The start itself: every layer's penalty finite and within its cap, the
    # first at SMALL_INPUT_MAX_INIT_L2 (with Adam too: before, its first layer
    # started at a penalty of ABBA_MAX_INIT_L2, and its loss stayed near 1e3 for
    # the whole fit), no RuntimeWarning. Before, a
    # NaN norm skipped the cap: at 1e-153 the (10, 10) network's fit started
    # from a first layer of 3e153 (a penalty of 1e302) and raised no error; an
    # infinite one (the sum overflowing, 2e-153) gave a factor of 0, a first
    # layer of zeros.
    est = ABBAClassifier(hidden_layer_sizes=sizes, solver=solver, random_state=0)
    layout, theta = _abba_start_on(est, X0 * scale)
    coefs_a, coefs_b = layout.arrays(theta)[:2]
    penalties = [est.l2 * float(np.sum(a ** 2) + np.sum(b ** 2))
                 for a, b in zip(coefs_a, coefs_b)]
    assert 0 < penalties[0] <= SMALL_INPUT_MAX_INIT_L2 * (1 + 1e-12)
    assert all(p <= ABBA_MAX_INIT_L2 * (1 + 1e-12) for p in penalties)
    assert np.all(np.isfinite(theta))


def test_range_l2_factor():
    # Both the squared norm and the penalty within SMALL_INPUT_MAX_INIT_NORM,
    # measured on W / top (no overflow); 1 within it.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = range_l2_factor(1e-5, 150.0, top=1e160)
        np.testing.assert_allclose(150.0 * (f * 1e160) ** 2, SMALL_INPUT_MAX_INIT_NORM)
        f = range_l2_factor(1e6, 150.0, top=1e160)
        np.testing.assert_allclose(1e6 * 150.0 * (f * 1e160) ** 2,
                                   SMALL_INPUT_MAX_INIT_NORM)
        assert range_l2_factor(1e-5, 150.0, top=1e150) == 1.0
        assert range_l2_factor(0.0, 150.0, top=1e150) == 1.0


def _scaled_data(task, scale):
    if task == "binary":
        X, y = load_breast_cancer(return_X_y=True)
    elif task == "multiclass":
        X, y = load_iris(return_X_y=True)
    else:
        X, y = load_diabetes(return_X_y=True)
    return MinMaxScaler().fit_transform(X) * scale, y


@pytest.mark.parametrize("scale", [1e-4, 1e-20, 1e-155])
@pytest.mark.parametrize("solver", ["adam", "lbfgsb"])
@pytest.mark.parametrize("network, task", [("abba", "binary"), ("abba", "multiclass"),
                                           ("dense", "binary"), ("dense", "multiclass"),
                                           ("dense", "regression")])
def test_no_fit_on_flagged_inputs_ends_worse_than_the_constant_model(
        network, task, solver, scale):
    # Before: ABBAClassifier(solver="adam") on breast cancer times 1e-20 predicted
    # P(class 1) = 2e-5 for every row (63% of them of class 1): a log-loss 10 times
    # the class prior's (on iris 1.6 to 13 times). Its start scaled the output
    # layer on hidden units of spread 1e-18 (the first layer capped at a penalty
    # of 1e3), and one Adam step on the hidden biases moved the logits by up to 79.
    X, y = _scaled_data(task, scale)
    make = (ABBAClassifier if network == "abba" else
            NonNegMLPRegressor if task == "regression" else NonNegMLPClassifier)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        est = make(solver=solver, random_state=0).fit(X, y)
    caught = {w.category for w in rec}
    assert InputScaleWarning in caught
    if task == "regression":
        skill = r2_score(y, est.predict(X))
    else:
        prior = np.bincount(y) / len(y)
        skill = 1 - (log_loss(y, est.predict_proba(X))
                     / log_loss(y, np.tile(prior, (len(y), 1))))
    assert skill >= -0.01
    # A fit no better than the constant model says so.
    assert (DegenerateFitWarning in caught) or skill > 0.01
