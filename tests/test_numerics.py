"""Numerics policy: an overflow is a ValueError naming the input or parameter, and
every output is finite, in float32 and float64; the initialisation is scale-aware."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from sknonneg import (ABBAClassifier, DegenerateFitWarning, NonNegAutoencoder,
                      NonNegMLPClassifier, NonNegMLPRegressor)
from sknonneg._validation import has_spread
from sknonneg.neural_network._base import PENALTY_MAX

from conftest import with_fitted_gain

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [NonNegMLPClassifier, ABBAClassifier]
DTYPES = ["float32", "float64"]
RNG = np.random.default_rng(0)
X = RNG.random((30, 4))
Y = np.arange(30) % 3


def _est(Est, **params):
    return Est(**{"hidden_layer_sizes": 3, "max_iter": 3, "random_state": 0, **params})


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("value", [-1e308, 1e200, 1e160, 1e30])
def test_huge_input_is_a_value_error_naming_X(Est, dtype, sparse, value):
    bad = X.copy()
    bad[0, 0] = value
    bad = sp.csr_matrix(bad) if sparse else bad
    if value == 1e30:
        est = _est(Est, dtype=dtype).fit(bad, Y)  # representable: fits, finite
        assert np.all(np.isfinite(est.predict_proba(bad)))
        return
    with pytest.raises(ValueError, match="Input X"):
        _est(Est, dtype=dtype).fit(bad, Y)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_logistic_multiclass_very_negative_logits(Est, dtype):
    est = _est(Est, output="logistic", dtype=dtype).fit(X, Y)
    # An extreme network, built on purpose: the dense networks predict from their
    # fitted parameters (_theta, through its views; the public arrays are read-only
    # copies, rebuilt here), ABBA from its fitted arrays.
    if Est is ABBAClassifier:
        n = est.n_outputs_
        # A read-only view of a read-only array: its base is unlocked first.
        est.intercepts_[-1].base.flags.writeable = True
        est.intercepts_[-1].flags.writeable = True
        est.intercepts_[-1][:n] = -1e4  # every sigmoid underflows to 0
        est.intercepts_[-1][n:] = 1e4
    else:
        est._layout.views(est._theta)[-1][1][:] = -1e4  # every sigmoid underflows
        est._set_fitted_layers(est._theta)
    assert np.all(est.decision_function(X) < -1e3)
    proba = est.predict_proba(X)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    log_proba = est.predict_log_proba(X)
    assert np.all(np.isfinite(log_proba))
    np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("output", ["softmax", "logistic"])
def test_log_proba_matches_proba(Est, output):
    est = _est(Est, output=output).fit(X, Y % 2)
    np.testing.assert_allclose(np.exp(est.predict_log_proba(X)), est.predict_proba(X),
                               rtol=1e-12)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_huge_learning_rate_raises(Est, dtype, method):
    est = _est(Est, solver="adam", learning_rate_init=1e300, dtype=dtype)
    with pytest.raises(ValueError, match="learning_rate_init"):
        for _ in range(3):
            if method == "fit":
                est.fit(X, Y)
            else:
                est.partial_fit(X, Y, classes=[0, 1, 2])


@pytest.mark.parametrize("Est", [*ESTIMATORS, NonNegMLPRegressor, NonNegAutoencoder])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_huge_learning_rate_leaks_no_numpy_warning(Est, dtype, method):
    # Before: the NumPy kernels computed inf - inf once Adam's step overflowed, and
    # NumPy's bare "invalid value encountered in multiply" (add, matmul) came out of
    # the fit before the package's "parameters overflowed" ValueError; under
    # simplefilter("error", RuntimeWarning) the user got that warning instead. A
    # float32 epoch that left float64 parameters beyond float32's range (1e300)
    # passed as finite: "overflow encountered in cast", then NaN, after it.
    params = ({"n_components": 3, "max_iter": 3, "random_state": 0}
              if Est is NonNegAutoencoder else {})
    est = (Est(**params) if params else _est(Est)).set_params(
        solver="adam", learning_rate_init=1e300, dtype=dtype)
    y = X @ np.arange(1.0, 5.0) if Est is NonNegMLPRegressor else Y
    kw = {"classes": [0, 1, 2]} if Est in ESTIMATORS and method == "partial_fit" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="learning_rate_init"):
            for _ in range(3):
                getattr(est, method)(X, y, **kw)
                if Est is ABBAClassifier:
                    # A finite network of weights near 1e300: Lipschitz bounds
                    # that overflow are inf (before: NumPy's overflow warning and
                    # LAPACK's "DLASCL illegal value"), and certify nothing.
                    if est.lipschitz_bound_ == np.inf:
                        assert not np.any(est.certified_radius(X[:3]))


@pytest.mark.parametrize("activation, slope", [("logistic", "2.5e+299"),
                                               ("tanh", "1e+300")])
def test_huge_gain_lipschitz_bound_is_a_value_error(activation, slope):
    # A network fitted at gain=1e300 before fit refused it (GAIN_RANGE), loaded.
    est = with_fitted_gain(_est(NonNegMLPClassifier, hidden_layer_sizes=(3, 3),
                                activation=activation).fit(X, Y), 1e300)
    # The message quotes the slope of the activation fitted (before: "the
    # sigmoids' slope (gain / 4)" for every activation).
    with pytest.raises(ValueError, match=rf"largest slope {re.escape(slope)} \(the "
                                         rf"gain times the activation's.*smaller gain"):
        est.lipschitz_bound_


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_overflowing_prediction_is_a_value_error(Est):
    est = _est(Est, dtype="float32").fit(X, Y)
    big = X.copy()
    big[0] = 1e38
    if Est is NonNegMLPClassifier:
        # Built on purpose through the fitted parameters (their views), the public
        # arrays rebuilt from them: logits overflow float32.
        est._layout.views(est._theta)[-1][0][:] = 1e38
        est._set_fitted_layers(est._theta)
    # Refused before the forward pass (check_network_range): an overflowed weighted
    # sum saturates a sigmoid on either side, a finite and wrong output. Before, a
    # finite output was taken too, so the check could be switched off unnoticed.
    n_bad = 30 if Est is NonNegMLPClassifier else 1  # the output layer: every row
    with pytest.raises(ValueError, match=f"Input X has values too large for the fitted "
                                         f"network: on {n_bad} of its 30 rows a "
                                         f"weighted sum of a layer could exceed the "
                                         f"range of float32"):
        est.predict_proba(big)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_identical_rows_dense_and_csr_start_alike(Est):
    """Rounding noise is not spread: no huge weights, dense and CSR predict alike."""
    row = np.random.default_rng(1).random(70_001) < 0.5
    Xe = np.tile(row, (5, 1)).astype(np.float64)
    ye = np.array([0, 1, 0, 1, 0])
    dense = _est(Est, max_iter=2).fit(Xe, ye)
    csr = _est(Est, max_iter=2).fit(sp.csr_matrix(Xe), ye)
    assert max(np.abs(c).max() for c in dense.coefs_) < 1.0
    np.testing.assert_allclose(dense.predict_proba(Xe), csr.predict_proba(Xe),
                               rtol=1e-6)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", [1e-9, 1e9])
@pytest.mark.parametrize("output", ["softmax", "logistic"])
def test_far_from_unit_scale_outputs_stay_finite(Est, dtype, scale, output):
    Xs = X.copy()
    Xs[:, 0] *= scale
    est = _est(Est, dtype=dtype, output=output, max_iter=30).fit(Xs, Y)
    proba = est.predict_proba(Xs)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("hidden, max_iter, scale", [((5,), 15, 1.5e153),
                                                     ((5,), 15, 2e153),
                                                     ((100,), 200, 3e153),
                                                     ((100,), 200, 4.4e153)])
def test_input_below_the_fit_limit_is_not_refused_mid_fit(hidden, max_iter, scale):
    # check_input_scale accepts max|X| * n_features up to 1.3e154 (4.47e153 for 3
    # features). Below it, positive="hidden" was refused mid-fit: "The network's
    # parameters overflowed ...". The parameters were finite: L-BFGS-B's line
    # search squares gradients of the input's magnitude (3e153), its trial steps
    # overflowed to NaN, and the driver reported the last trial's loss, not that
    # of the iterate it restored. 1e153 fitted.
    rng = np.random.default_rng(0)
    X0 = rng.random((60, 3))
    y = (X0[:, 0] + X0[:, 1] > 1).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = NonNegMLPClassifier(hidden, positive="hidden", max_iter=max_iter,
                                  random_state=0).fit(X0 * scale, y)
    assert all(np.all(np.isfinite(c)) for c in est.coefs_ + est.intercepts_)
    assert np.isfinite(est.loss_)
    assert np.all(np.isfinite(est.predict_proba(X0 * scale)))
    assert np.all(est.coefs_[0] >= 0)


def test_has_spread_is_relative():
    std = np.array([1e-11, 1e-3, 0.0, np.nan])
    mean_square = np.array([1e8, 1e2, 1.0, 1.0])
    np.testing.assert_array_equal(has_spread(std, mean_square),
                                  [False, True, False, False])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("activation", ["capped_leaky_relu", "identity"])
def test_abba_on_inputs_of_tiny_scale_keeps_its_logits(dtype, sparse, activation):
    """The issue's case: ABBA on features of scale 1e-9 reached logits of -2e5 (and
    1e12 in float32) after L-BFGS-B's first steps. Unit spread needs weights of
    1e9, whose L2 penalty (1e13) swamped the data term; the initialisation now
    caps a layer's penalty, so the fit stays near the class-prior model the L2
    penalty asks for, and the input scale is reported."""
    from sknonneg.exceptions import InputScaleWarning
    from sknonneg._engine.init import ABBA_MAX_INIT_L2 as _MAX_INIT_L2

    rng = np.random.default_rng(0)
    Xt = rng.normal(size=(60, 4)) * 1e-9
    Xt = sp.csr_matrix(Xt) if sparse else Xt
    yt = rng.integers(0, 3, 60)
    est = ABBAClassifier(5, activation=activation, max_iter=50, dtype=dtype,
                         random_state=0)
    with pytest.warns(InputScaleWarning, match="far from unit scale"):
        est.fit(Xt, yt)
    assert np.abs(est.decision_function(Xt)).max() < 10.0  # was 1e5 to 1e12
    proba = est.predict_proba(Xt)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    # The mechanism: the starting network's L2 penalty is capped, layer by layer.
    est._validate_params()
    layout = est._build_layout(4, 3)
    theta = est._init_theta(layout, est._validate_X_y(Xt, yt, reset=False)[0],
                            np.random.default_rng(0))
    for a, b, _, _ in layout.views(theta):
        assert est.l2 * (np.sum(a ** 2) + np.sum(b ** 2)) <= _MAX_INIT_L2 * (1 + 1e-9)


ALL_ESTIMATORS = [NonNegMLPClassifier, ABBAClassifier, NonNegMLPRegressor,
                  NonNegAutoencoder]


def _target(Est):
    if Est is NonNegMLPRegressor:
        return X[:, 0] - X[:, 1]
    return None if Est is NonNegAutoencoder else Y


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("Est", ALL_ESTIMATORS)
@pytest.mark.parametrize("scale", [1e307, 1.7e308, 1e-300, 5e-324])
def test_sample_weights_at_the_ends_of_the_range_fit_as_unit_weights(Est, scale):
    """Every objective divides by the weights' sum: weights whose sum overflows, or
    subnormal ones, fit exactly as unit weights, with no overflow on the way."""
    def fit(weights):
        if Est is NonNegAutoencoder:
            est = Est(n_components=3, max_iter=3, random_state=0)
        else:
            est = _est(Est)
        return est.fit(X, _target(Est), sample_weight=weights)

    ones = fit(np.ones(len(X)))
    scaled = fit(np.full(len(X), scale))
    assert scaled.loss_ == ones.loss_
    method = "transform" if Est is NonNegAutoencoder else "predict"
    assert np.array_equal(getattr(scaled, method)(X), getattr(ones, method)(X))


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
@pytest.mark.parametrize("value", [1e300, -1e200, 1e154])
def test_huge_regression_target_is_a_value_error_naming_y(method, value):
    """Squared deviations of the target that overflow are refused, on the first fit
    and on a later partial_fit, never fitted into an infinite scale."""
    y = X[:, 0] - X[:, 1]
    est = _est(NonNegMLPRegressor)
    if method == "partial_fit":
        est.partial_fit(X, y)
    bad = y.copy()
    bad[0] = value
    with pytest.raises(ValueError, match="Input y has values of magnitude"):
        getattr(est, method)(X, bad)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_large_representable_regression_target_fits_finite():
    """A target of magnitude 1e150 (below the limit) fits and predicts at its
    scale, with finite R^2."""
    y = (X[:, 0] - X[:, 1]) * 1e150
    est = _est(NonNegMLPRegressor, max_iter=50).fit(X, y)
    pred = est.predict(X)
    assert np.all(np.isfinite(pred)) and np.max(np.abs(pred)) > 1e148
    assert np.isfinite(est.score(X, y))


@pytest.mark.parametrize("flavour", ["numba", "numpy"])
def test_adam_moments_do_not_overflow_on_huge_gradients(flavour):
    # Before: a gradient of 1e300 (nonneg_penalty=1e300) overflowed grad ** 2, made
    # the second moment infinite and froze the parameter (step m / inf = 0).
    from sknonneg._kernels import parameters
    from sknonneg._kernels.reference import parameters as reference

    step = (parameters if flavour == "numba" else reference).projected_adam_step
    grad = np.array([1e300, -1e300, 1.0, 0.0])
    theta, m, v = np.zeros(4), np.zeros(4), np.zeros(4)
    lower, upper = np.full(1, -np.inf), np.full(1, np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        step(theta, grad, m, v, lower, upper, 0.01, 0.9, 0.999, 1e-8)
    assert np.all(np.isfinite(m)) and np.all(np.isfinite(v))
    # Adam's first step is about the learning rate against the gradient's sign,
    # scaled by (1 - beta_1) / sqrt(1 - beta_2) here (no bias correction).
    expected = -0.01 * 0.1 / np.sqrt(0.001)
    np.testing.assert_allclose(theta[:3], [expected, -expected, expected], rtol=1e-6)
    assert theta[3] == 0.0


def test_autoencoder_with_the_largest_penalty_fits_without_overflow():
    # Before: nonneg_penalty=1e300 (a gradient of 1e300) overflowed Adam's second
    # moment; penalties above PENALTY_MAX are refused now, and Adam's
    # moments stay clipped (test_adam_moments_do_not_overflow_on_huge_gradients).
    X = np.random.RandomState(0).rand(60, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        ae = NonNegAutoencoder(n_components=3, nonneg="penalty",
                               nonneg_penalty=PENALTY_MAX, max_iter=5,
                               random_state=0).fit(X)
    assert all(np.all(np.isfinite(c)) for c in ae.coefs_)


@pytest.mark.parametrize("dtype, value", [("float64", 1e60), ("float64", 1e200),
                                          ("float32", 1e15), ("float32", 1e30)])
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_autoencoder_refuses_input_whose_gradient_overflows(dtype, value, solver,
                                                            method):
    # Before: the autoencoder skipped the input-scale check; at 1e60 (float64) or
    # 1e15 (float32) its gradient, which grows as max|X|^3, overflowed: a
    # RuntimeWarning, then "parameters overflowed ... lower learning_rate_init", or
    # (Adam, linear decoder) a fit that returned after overflowing.
    Xs = np.random.RandomState(0).rand(60, 8) * value
    est = NonNegAutoencoder(n_components=3, decoder="linear", solver=solver,
                            dtype=dtype, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="Input X has values of magnitude.*"
                                             "autoencoder's gradient"):
            getattr(est, method)(Xs)


@pytest.mark.parametrize("dtype, value", [("float64", 1e45), ("float32", 1e9)])
@pytest.mark.parametrize("decoder", ["linear", "sigmoid"])
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_autoencoder_on_large_representable_input_fits_finite(dtype, value, decoder,
                                                              solver):
    Xs = np.random.RandomState(0).rand(60, 8) * value
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # sigmoid decoder out of range
        est = NonNegAutoencoder(n_components=3, decoder=decoder, solver=solver,
                                dtype=dtype, max_iter=20, random_state=0).fit(Xs)
        assert np.all(np.isfinite(est.inverse_transform(est.transform(Xs))))


@pytest.mark.filterwarnings("ignore::sknonneg.DegenerateFitWarning")
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_the_largest_penalty_neither_overflows_nor_misleads():
    # ABBA's start multiplied l2 by the layer's squared norm to cap its penalty:
    # at l2=1e200 the product overflowed (RuntimeWarning). A penalty that makes the
    # solver's parameters overflow said "lower learning_rate_init or gain, or scale
    # the input features", not the penalty. Later, l2=1e300 ran scaled down to
    # weights of 1e-250, but with its output bias where the start left it (a
    # log-loss up to twice the prior's): l2 above PENALTY_MAX is
    # refused now (test_penalties_above_the_largest_are_refused), and at
    # PENALTY_MAX the fit is the objective's optimum, the class-prior model, and
    # the DegenerateFitWarning names the penalties.
    rng = np.random.default_rng(0)
    X = rng.random((60, 4))
    y = (X[:, 0] > 0.5).astype(int)
    ABBAClassifier(3, l2=PENALTY_MAX, max_iter=5, random_state=0).fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = NonNegMLPClassifier(3, l2=PENALTY_MAX, max_iter=5,
                                  random_state=0).fit(X, y)
    assert all(np.all(np.isfinite(c)) for c in est.coefs_ + est.intercepts_)
    assert np.isfinite(est.loss_)
    degenerate = [str(w.message) for w in caught
                  if issubclass(w.category, DegenerateFitWarning)]
    assert degenerate and "a smaller l2" in degenerate[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = NonNegMLPClassifier(3, l2=PENALTY_MAX, max_iter=50,
                                  random_state=0).fit(X, y)
    assert max(np.abs(c).max() for c in est.coefs_) < 1e-6
    np.testing.assert_allclose(est.predict_proba(X).mean(axis=0),
                               np.bincount(y) / y.size, atol=1e-4)  # tol=1e-5


def _prior_log_loss(y):
    prior = np.bincount(y) / y.size
    return -np.mean(np.log(prior[y]))


@pytest.mark.filterwarnings("ignore::sknonneg.DegenerateFitWarning")
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_largest_l2_fits_the_constant_model_intercepts_included():
    # Before: from l2=1e11 L-BFGS-B stopped (a "converged" relative reduction) with
    # the output bias where the start had left it: make_regression + 50 at l2=1e16
    # had a training R^2 of -0.45, at 1e20 and 1e300 -2.4; a 3%-minority classifier
    # a log-loss up to twice its prior's. At PENALTY_MAX, the largest l2 taken, the
    # fits are the constant models: the mean, the class prior.
    from sklearn.datasets import make_classification, make_regression
    X, y = make_regression(200, 5, noise=1, random_state=0)
    reg = NonNegMLPRegressor(l2=PENALTY_MAX, random_state=0).fit(X, y + 50)
    assert abs(reg.score(X, y + 50)) < 1e-9
    np.testing.assert_allclose(reg.predict(X), np.mean(y + 50), rtol=1e-7)
    Xc, yc = make_classification(400, 6, weights=[0.97, 0.03], flip_y=0,
                                 random_state=0)
    for est in (NonNegMLPClassifier, ABBAClassifier):
        clf = est(l2=PENALTY_MAX, random_state=0).fit(Xc, yc)
        proba = clf.predict_proba(Xc)
        # Up to the gradient tolerance (tol=1e-5).
        np.testing.assert_allclose(proba.mean(axis=0), np.bincount(yc) / yc.size,
                                   atol=1e-4)
        loss = -np.mean(np.log(proba[np.arange(yc.size), yc]))
        assert loss == pytest.approx(_prior_log_loss(yc), rel=1e-6)


@pytest.mark.parametrize("name", ["l1", "l2"])
@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf, 1e300])
def test_a_per_layer_penalty_out_of_range_is_refused_as_a_float_is(name, bad):
    # One value out of [0, PENALTY_MAX] in a per-layer sequence is refused in the
    # words of the same value given as a float: the range. Before, a
    # negative, NaN or infinite entry said "must be non-negative and finite", and a
    # finite 1e300 then got another error, naming the range.
    from sklearn.utils._param_validation import InvalidParameterError
    X = np.random.RandomState(0).rand(20, 3)
    y = np.arange(20) % 2
    in_range = r"in the range \[0.0, 1000000.0\]"
    for est in (NonNegMLPClassifier, NonNegMLPRegressor, ABBAClassifier):
        with pytest.raises(InvalidParameterError,
                           match=rf"The '{name}' parameter of {est.__name__} must "
                                 rf"be a float {in_range}"):
            est(**{name: bad}).fit(X, y)
        with pytest.raises(InvalidParameterError,
                           match=rf"The '{name}' parameter of {est.__name__} must "
                                 rf"be a float or one value per weight layer "
                                 rf"{in_range}\. Got {re.escape(repr([0.0, bad]))} "
                                 r"instead\.($| Penalties above 1000000.0 are "
                                 r"refused)") as info:
            est(**{name: [0.0, bad]}).fit(X, y)
        # The note on why: only for a finite value above the largest.
        assert ("Penalties above" in str(info.value)) == (bad == 1e300)


@pytest.mark.parametrize("est, name, value", [
    (NonNegMLPRegressor, "l2", 1e16),
    (NonNegMLPRegressor, "l2", [1e-5, 1e300]),
    (NonNegMLPClassifier, "l2", 1e300),
    (NonNegMLPClassifier, "l1", 1e40),
    (NonNegMLPClassifier, "activity_l1", 1e100),
    (ABBAClassifier, "l2", 1e200),
    (ABBAClassifier, "l1", [0.0, 1e40]),
    (NonNegAutoencoder, "l2", 1e20),
    (NonNegAutoencoder, "nonneg_penalty", 1e300),
    (NonNegAutoencoder, "sparsity_weight", 1e300),
])
def test_penalties_above_the_largest_are_refused(est, name, value):
    # Before: taken, and fitted to a wrong constant model (intercepts where the
    # start left them) reported as converged; see PENALTY_MAX.
    from sklearn.utils._param_validation import InvalidParameterError
    X = np.random.RandomState(0).rand(20, 3)
    y = np.arange(20) % 2
    with pytest.raises(InvalidParameterError,
                       match=rf"The '{name}' parameter of {est.__name__} must be a "
                             r"float .*in the range \[0.0, 1000000.0\]"):
        if est is NonNegAutoencoder:
            est(**{name: value}).fit(X)
        else:
            est(**{name: value}).fit(X, y)
    # The largest is taken (a sequence too).
    ok = [PENALTY_MAX] * len(value) if isinstance(value, list) else PENALTY_MAX
    kw = {"max_iter": 2, "random_state": 0, name: ok}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if est is NonNegAutoencoder:
            est(**kw).fit(X)
        else:
            est(**kw).fit(X, y)


def _range_models(dtype):
    rng = np.random.RandomState(9)
    Xf = rng.rand(150, 5)
    yc = np.digitize(Xf[:, 0] - Xf[:, 2], [-0.3, 0.3])
    kw = {"hidden_layer_sizes": 6, "max_iter": 20, "random_state": 0, "dtype": dtype}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "abba": ABBAClassifier(**kw).fit(Xf, yc),
            "free": NonNegMLPClassifier(positive=False, **kw).fit(Xf, yc),
            "free-tanh": NonNegMLPClassifier(positive=False, activation="tanh",
                                             output="logistic", **kw).fit(Xf, yc),
            "monotone": NonNegMLPClassifier(positive=True, output="logistic",
                                            **kw).fit(Xf, yc % 2),
            "regressor": NonNegMLPRegressor(positive=False, **kw).fit(Xf, Xf[:, 0]),
            "autoencoder": NonNegAutoencoder(n_components=3, max_iter=5, random_state=0,
                                             dtype=dtype).fit(Xf),
        }


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sparse", [False, True])
def test_inputs_whose_weighted_sums_could_overflow_are_refused(dtype, sparse):
    # Before: finite inputs near the top of the dtype's range (3e38 in float32,
    # 1.7e308 in float64) overflowed a first-layer sum to +-inf, on the side the
    # order of the terms gave; the saturated sigmoid or tanh turned that into a
    # finite, wrong prediction (59 of 200 rows of a free network, 107 of ABBA's),
    # with NumPy's overflow warnings leaking. Now every prediction method and
    # transform refuses such rows, and rows of ordinary scale are predicted.
    rng = np.random.RandomState(1)
    top = float(np.finfo(dtype).max)
    huge = (rng.rand(20, 5) * top * 0.9).astype(dtype)
    huge[:, 1] *= -1  # mixed signs: the order of a sum decides its overflow
    ordinary = rng.rand(20, 5).astype(dtype)
    if sparse:
        huge, ordinary = sp.csr_matrix(huge), sp.csr_matrix(ordinary)
    for name, est in _range_models(dtype).items():
        methods = (["transform"] if name == "autoencoder" else
                   ["predict", "transform"] + (
                       [] if name == "regressor"
                       else ["predict_proba", "decision_function"]))
        if hasattr(est, "certified_radius"):
            methods.append("certified_radius")  # it read the logits unscreened
        for method in methods:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)  # none may leak
                with pytest.raises(ValueError, match="too large for the fitted network"):
                    getattr(est, method)(huge)
                assert np.all(np.isfinite(getattr(est, method)(ordinary)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_range_screen_flags_exactly_the_rows_whose_bound_exceeds_the_limit(dtype):
    from sknonneg._lipschitz import dense_rounding_layers, range_overflow_rows

    rng = np.random.RandomState(0)
    coefs = [rng.randn(6, 4), rng.randn(4, 1)]
    intercepts = [rng.randn(4), rng.randn(1)]
    layers = dense_rounding_layers(coefs, intercepts, "logistic", 2.0)
    limit = float(np.finfo(dtype).max) / 16
    # Rows at the cheap screen's edge: column 5's weights are tiny, so a huge
    # value there passes the per-unit bound although max|x| * max column sum fails.
    coefs[0][5] = 1e-30
    layers = dense_rounding_layers(coefs, intercepts, "logistic", 2.0)
    X = rng.rand(40, 6)
    X[:10, 5] = limit * 0.5  # passes: 0.5 limit * 1e-30 per unit
    X[10:20, 0] = limit  # fails: |W[0]| * limit * gain 2 > limit for some unit
    X[20:25, 5] = limit * 2  # fails: max |x| > limit (ABBA reads 2 x)
    tight = np.abs(X) @ np.abs(coefs[0]) + np.abs(intercepts[0])
    expected = (np.max(2.0 * tight, axis=1) > limit) | (np.abs(X).max(axis=1) > limit)
    mask = range_overflow_rows(layers, X, dtype)
    np.testing.assert_array_equal(mask, expected)
    assert mask[10:25].all() and not mask[:10].any() and not mask[25:].any()
    np.testing.assert_array_equal(range_overflow_rows(layers, sp.csr_matrix(X), dtype),
                                  mask)


def test_fit_does_not_leak_numpy_overflow_warnings():
    # Before: a value of 1e140 beside ones of order one overflowed at trial points of
    # the line search, and NumPy's bare "overflow encountered in matmul" leaked out
    # of the fit beside the package's own InputScaleWarning.
    import warnings

    from sknonneg import NonNegMLPClassifier

    X = np.random.RandomState(0).rand(200, 6)
    y = (X[:, 0] + X[:, 1] > 1) + (X[:, 2] > 0.5)
    X[5, 1] = 1e140
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = NonNegMLPClassifier(5, max_iter=20, random_state=0).fit(X, y)
    assert not [w for w in caught if w.category is RuntimeWarning]
    assert any(w.category.__name__ == "InputScaleWarning" for w in caught)
    assert np.all(np.isfinite(est._theta))


def test_sparse_column_rms_of_subnormal_columns_matches_dense():
    # Before: the sparse branch of column_rms scaled by 1 / (a column's largest
    # magnitude), which overflows to inf for a subnormal maximum: a RuntimeWarning
    # "overflow encountered in divide", then an InputScaleWarning reporting a
    # root-mean-square of inf (dense: 5e-311).
    from sknonneg.exceptions import InputScaleWarning
    from sknonneg.neural_network._diagnostics import column_rms

    X = np.array([[5e-324, 0.0, 1.0], [0.0, 1e-310, 0.0], [1e-310, 5e-324, 0.5],
                  [0.0, 0.0, 0.0]] * 5)
    y = np.array([0, 1, 1, 0] * 5)
    w = np.full(20, 1 / 20)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        rms = column_rms(sp.csr_matrix(X), w)
    np.testing.assert_allclose(rms, column_rms(X, w), rtol=1e-12)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NonNegMLPClassifier(3, max_iter=5, random_state=0).fit(sp.csr_matrix(X[:, :2]), y)
    assert not [w for w in caught if w.category is RuntimeWarning]
    [scale] = [w for w in caught if w.category is InputScaleWarning]
    assert "largest column root-mean-square 5e-311" in str(scale.message)


FLOAT32_MAKERS = [
    lambda: __import__("sknonneg").NonNegMLPClassifier(5, max_iter=5, dtype="float32"),
    lambda: __import__("sknonneg").NonNegMLPRegressor(5, max_iter=5, dtype="float32"),
    lambda: __import__("sknonneg").ABBAClassifier(5, max_iter=5, dtype="float32"),
]


@pytest.mark.parametrize("make", FLOAT32_MAKERS)
def test_float32_fit_refuses_what_prediction_would_refuse(make):
    # Before: a float32 fit took a column of 3e37 (below float32's 3.4e38, above a
    # sixteenth of it) and predict then refused the training rows, saying a sum
    # "could exceed the range of float32".
    X = np.random.RandomState(0).rand(60, 5)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    X[:, 0] *= 3e37
    with pytest.raises(ValueError, match=r"in float32 the network reads values up to"):
        make().fit(X, y)
    X[:, 0] /= 3e2  # 1e35: fits, and predicts
    est = make().fit(X, y)
    assert est.predict(X).shape == (60,)


FLOAT32_FIT_MAKERS = FLOAT32_MAKERS + [
    lambda: __import__("sknonneg").NonNegAutoencoder(4, max_iter=5, dtype="float32")]


@pytest.mark.parametrize("make", FLOAT32_FIT_MAKERS)
def test_float32_fit_refuses_subnormal_inputs(make):
    # Before: every value of X below float32's smallest normal number (here 5e-39)
    # overflowed the initialisation's weights, and the fit stopped with "Lower
    # learning_rate_init, gain or the penalties"; the autoencoder (y ignored)
    # fitted such an X, where the networks refused it.
    X = np.random.RandomState(0).rand(60, 5)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    message = (r"Input X has values of magnitude at most \S+, below float32's "
               r"smallest normal number \(1.18e-38\): .* Scale the features, e.g. "
               r"with sklearn.preprocessing.MaxAbsScaler, or use dtype='float64'.")
    for scale in (5e-39, 1e-40):
        with pytest.raises(ValueError, match=message):
            make().fit(X * scale, y)
        with pytest.raises(ValueError, match=message):
            make().partial_fit(X * scale, y, **(
                {"classes": [0, 1]} if hasattr(make(), "predict_proba") else {}))
        with pytest.raises(ValueError, match=message):
            make().fit(sp.csr_matrix(X * scale), y)
    make().set_params(dtype="float64").fit(X * 5e-39, y)  # float64: no such limit


@pytest.mark.parametrize("make", FLOAT32_FIT_MAKERS)
def test_fitted_float32_model_reads_subnormal_inputs(make):
    # The rule is the fit's (its start, and its rounding of the training data):
    # a fitted float32 model predicts, transforms and decodes such rows as any
    # others (finite outputs), and a partial_fit on them is refused and leaves
    # the model as it was.
    X = np.random.RandomState(0).rand(60, 5)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    est = make().set_params(random_state=0).fit(X, y)
    before = [c.copy() for c in est.coefs_]
    small = X * 1e-40
    if isinstance(est, NonNegAutoencoder):
        codes = est.transform(small)
        assert np.all(np.isfinite(codes))
        assert np.all(np.isfinite(est.inverse_transform(codes)))
        assert np.all(np.isfinite(est.inverse_transform(np.full_like(codes, 1e-40))))
    else:
        assert np.all(np.isfinite(est.predict(small).astype(float)))
        assert np.isfinite(est.score(small, y))
    with pytest.raises(ValueError, match=r"below float32's smallest normal number"):
        est.partial_fit(small, y)
    for a, b in zip(est.coefs_, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", FLOAT32_MAKERS)
def test_continuing_fit_refuses_subnormal_inputs_for_their_own_reason(make):
    # A fit that draws a start names it (its first-layer weights, of the inverse
    # of the input's scale, overflow float32); a fit that continues the fitted
    # network (a later partial_fit call, a warm start) initialises nothing, and
    # names the values' own loss of bits. Before, both named the initialisation.
    X = np.random.RandomState(0).rand(60, 5)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    small = X * 1e-40
    with pytest.raises(ValueError, match=r"the initialisation scales the first "
                                         r"layer's weights"):
        make().fit(small, y)
    est = make().set_params(random_state=0).fit(X, y)
    own = (r"below float32's smallest normal number \(1.18e-38\): float32 holds "
           r"such values as subnormal numbers, multiples of 1.4e-45 with at most "
           r"\d+ significant bits \(a normal float32 has 24\). Scale the features")
    for call in (lambda: est.partial_fit(small, y),
                 lambda: est.set_params(warm_start=True).fit(small, y)):
        with pytest.raises(ValueError, match=own) as info:
            call()
        assert "initialisation" not in str(info.value)


@pytest.mark.parametrize("make", FLOAT32_FIT_MAKERS)
@pytest.mark.parametrize("sparse", [False, True])
def test_float32_model_refuses_inputs_beyond_float32(make, sparse):
    # A value beyond float32's largest (1e39) is an error wherever the model reads
    # X (fit, partial_fit, predict, transform), never an inf or NaN.
    X = np.random.RandomState(0).rand(60, 5)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    est = make().set_params(random_state=0).fit(X, y)
    big = X.copy()
    big[3, 2] = 1e39
    big = sp.csr_matrix(big) if sparse else big
    read = est.transform if isinstance(est, NonNegAutoencoder) else est.predict
    kwargs = {"classes": [0, 1]} if hasattr(est, "predict_proba") else {}
    for call in (lambda: make().fit(big, y), lambda: make().partial_fit(big, y, **kwargs),
                 lambda: est.partial_fit(big, y), lambda: read(big)):
        # The remedy too (before: scikit-learn's opening sentence alone).
        with pytest.raises(ValueError, match=r"Input X contains values too large for "
                                             r"dtype=float32\. X has values of "
                                             r"magnitude up to 1e\+39; float32 holds "
                                             r"values up to 3.4e\+38\. Use "
                                             r"dtype='float64', "
                                             r"or scale the features, e.g. with "
                                             r"sklearn.preprocessing.MaxAbsScaler\."):
            call()


@pytest.mark.parametrize("make", FLOAT32_FIT_MAKERS)
@pytest.mark.parametrize("sparse", [False, True])
def test_float32_fit_refuses_inputs_that_the_cast_flushes_to_zero(make, sparse):
    # Before: values below float32's smallest subnormal (1.4e-45) were refused
    # above it (the test above) but below it fitted silently: the cast made X a
    # matrix of zeros (a constant model, only a DegenerateFitWarning; no warning
    # at all for the autoencoder).
    X = np.random.RandomState(0).rand(60, 5)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    is_ae = type(make()).__name__ == "NonNegAutoencoder"
    for tiny in (X * 1e-50, X * 1e-300):
        data = sp.csr_matrix(tiny) if sparse else tiny
        args = (data,) if is_ae else (data, y)
        with pytest.raises(ValueError, match=r"Input X has values of magnitude at most "
                                             r"\S+, which are all 0 in float32"):
            make().fit(*args)
        with pytest.raises(ValueError, match=r"which are all 0 in float32"):
            make().partial_fit(*args, **(
                {"classes": [0, 1]} if hasattr(make(), "predict_proba") else {}))
        make().set_params(dtype="float64").fit(*args)  # float64 keeps them
    zeros = np.zeros_like(X)  # zeros in float64 already: not a cast's doing
    est = make().fit(*((zeros,) if is_ae else (zeros, y)))
    assert np.all(np.isfinite(est.coefs_[0]))


@pytest.mark.parametrize("name", ["NonNegMLPClassifier", "ABBAClassifier",
                                  "NonNegMLPRegressor", "NonNegAutoencoder"])
def test_fit_does_not_depend_on_the_memory_layout_of_x_or_y(name):
    # Before: the initialisation summed the rows of X in the order of its layout
    # (np.asarray kept a Fortran order or a reversed view), and the regressor its
    # targets' mean and scale: a Fortran-ordered X, a reversed view or a
    # DataFrame fitted another model (1e-16 to 2e-13) than its C-ordered copy.
    import pandas as pd

    import sknonneg

    Est = getattr(sknonneg, name)
    rng = np.random.RandomState(0)
    X = rng.rand(60, 30)
    X[X < 0.8] = 0  # mostly zero: the initialisation's sums meet many orders
    Y = np.column_stack([X[:, 0] - X[:, 1], X[:, 2]])
    kw = {"n_components": 3} if name == "NonNegAutoencoder" else {
        "hidden_layer_sizes": 3}

    def fitted(X_in, y_in=None):
        est = Est(max_iter=10, random_state=0, **kw)
        if name == "NonNegAutoencoder":
            return est.fit(X_in)
        if y_in is None:
            y_in = Y if name == "NonNegMLPRegressor" else (Y[:, 0] > 0).astype(int)
        return est.fit(X_in, y_in)

    ref = fitted(np.ascontiguousarray(X))._theta
    reversed_view = np.ascontiguousarray(X[::-1])[::-1]
    assert not reversed_view.flags.c_contiguous
    for X_in in (np.asfortranarray(X), reversed_view,
                 pd.DataFrame(X, columns=[f"f{j}" for j in range(30)])):
        np.testing.assert_array_equal(fitted(X_in)._theta, ref)
    if name == "NonNegMLPRegressor":
        for y_in in (np.asfortranarray(Y), pd.DataFrame(Y)):
            np.testing.assert_array_equal(fitted(X, y_in)._theta, ref)


@pytest.mark.parametrize("sparse", [False, True])
def test_one_column_far_above_the_others_warns(sparse):
    # Before: only a largest column root-mean-square above 1e3 warned; raw
    # Spambase (largest 669, median 0.47) trained to 0.869 test accuracy against
    # 0.944 scaled, silently. A column above 10 and 100 times the median of the
    # non-zero columns' now warns; columns of like scale do not.
    from sknonneg.exceptions import InputScaleWarning

    rng = np.random.default_rng(0)
    Xs = rng.uniform(size=(80, 6))
    Xs[:, 2] = 0.0  # an all-zero column does not pull the median down
    y = (Xs[:, 0] > 0.5).astype(int)
    wide = Xs.copy()
    wide[:, 1] *= 500.0
    for data, warns in ((Xs * 30.0, False), (wide, True)):
        data = sp.csr_matrix(data) if sparse else data
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            NonNegMLPClassifier(3, max_iter=2, random_state=0).fit(data, y)
        scale = [w for w in caught if issubclass(w.category, InputScaleWarning)]
        assert bool(scale) is warns
        if warns:
            assert "over the non-zero columns" in str(scale[0].message)


def test_dense_column_rms_takes_no_copy_of_the_inputs():
    # Before: column_rms made two float64 copies of a dense
    # X (np.abs(X) and (X / unit) ** 2), and _unscaled_largest had its own
    # blockwise root-mean-square loop to avoid them; now one function, a block of
    # rows at a time, with the values of the direct formula.
    import tracemalloc

    from sknonneg.neural_network._diagnostics import _unscaled_largest, column_rms

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40_000, 50)) * np.logspace(-3, 3, 50)
    w = rng.uniform(size=X.shape[0])
    w /= w.sum()
    top = np.max(np.abs(X), axis=0)
    direct = top * np.sqrt(w @ ((X / top) ** 2))
    tracemalloc.start()
    rms = column_rms(X, w)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    np.testing.assert_allclose(rms, direct, rtol=1e-12)
    assert peak < X.nbytes / 2, peak
    # The advice's test reads the same root-mean-squares (unweighted).
    assert _unscaled_largest(X) == np.max(np.abs(X))
    standardised = rng.normal(size=(40_000, 5))
    standardised[0, 0] = 11.0  # an outlier of columns of unit scale: no advice
    assert _unscaled_largest(standardised) == 0.0


# ------------------------------------------------------------------ gain's range
@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("gain", [1e-300, 1e-20, 0.0099, 100.01, 1e30, 1e110, 3e38,
                                  (1.0, 1e30), (1e-20, 1.0), [0.001, 1.0]])
def test_gain_outside_its_range_is_refused(Est, dtype, gain):
    # Before: any positive gain (within the dtype's range) was fitted. Gains of
    # 1e-8 and below, and of 1e8 and above under Adam, gave a network predicting
    # one label; under L-BFGS-B gain=1e30 stopped after 50 of 100 iterations at
    # 0.74 test accuracy on digits (0.97 at "auto") with a ConvergenceWarning only;
    # the regressor at 1e12 and above a negative R^2 without a warning. The range
    # [0.01, 100] (GAIN_RANGE) is refused in scikit-learn's words, by fit and by
    # partial_fit, before anything is fitted.
    from sknonneg._compat import InvalidParameterError

    y = Y if Est is NonNegMLPClassifier else X[:, 0]
    match = r"The 'gain' parameter of \w+ must be a float in the range \[0.01, 100.0\]"
    with pytest.raises(InvalidParameterError, match=match):
        _est(Est, gain=gain, dtype=dtype).fit(X, y)
    est = _est(Est, gain=gain, dtype=dtype)
    kw = {"classes": np.unique(Y)} if Est is NonNegMLPClassifier else {}
    with pytest.raises(InvalidParameterError, match=match):
        est.partial_fit(X, y, **kw)
    assert not hasattr(est, "coefs_")


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("gain", [0.01, 100.0, (0.01, 100.0)])
def test_gain_at_the_ends_of_its_range_trains_without_a_runtime_warning(
        Est, dtype, solver, sparse, gain):
    # The ends of GAIN_RANGE, float32 and float64, dense and CSR: no NumPy
    # RuntimeWarning anywhere (fit, predict, predict_proba, the bound, the
    # certificate), finite outputs, and a network that learned (accuracy above
    # chance, ten distinct labels predicted; outputs that vary for the regressor).
    from sklearn.datasets import load_digits, make_friedman1

    if Est is NonNegMLPClassifier:
        A, b = load_digits(return_X_y=True)
        A, b = A[:300] / 16, b[:300]
    else:
        A, b = make_friedman1(200, random_state=0)
        A = (A - A.mean(axis=0)) / A.std(axis=0)
    A = sp.csr_matrix(A) if sparse else A
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateFitWarning)
        warnings.simplefilter("error", RuntimeWarning)
        est = Est(gain=gain, dtype=dtype, solver=solver, random_state=0,
                  max_iter=60 if solver == "lbfgsb" else 30).fit(A, b)
        out = est.predict(A)
        assert np.isfinite(est.lipschitz_bound_) and est.lipschitz_bound_ > 0
        if Est is NonNegMLPClassifier:
            assert np.all(np.isfinite(est.predict_proba(A)))
            radius = est.certified_radius(A[:20])
            assert np.all(np.isfinite(radius)) and np.all(radius >= 0)
            assert len(np.unique(out)) == 10 and est.score(A, b) > 0.5
        else:
            assert np.all(np.isfinite(out)) and np.std(out) > 0
