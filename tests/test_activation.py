"""The ``activation`` parameter of NonNegMLPClassifier and NonNegMLPRegressor.

scikit-learn's four names, each applied to ``gain * (x W + b)``: what ``gain="auto"``
means for each, prediction from the fitted activation (never a parameter changed
since), saving and loading, the combinations refused, ``transform``'s range, the
NumPy path against the numba kernels, the ABBA network of a fitted MLP, and the
facts that ``sknonneg._activations`` records per activation (range, slope,
monotonicity), held against its functions and the kernels' twins. The
gradients are checked in ``test_objective.py``, the kernels against their twins in
``test_kernels.py``, monotonicity in ``test_monotone.py`` and the Lipschitz bound in
``test_lipschitz.py``.
"""

import math
import threading
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits

from sknonneg import ABBAClassifier, NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg._kernels import numpy_max_work

ACTIVATIONS = ["logistic", "tanh", "relu", "identity"]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:200] / 16.0, y[:200]


def _fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y, **kwargs)


@pytest.mark.parametrize("activation, solver, expected", [
    ("logistic", "lbfgsb", 2.0), ("tanh", "lbfgsb", 2.0), ("relu", "lbfgsb", 1.0),
    ("identity", "lbfgsb", 1.0), ("logistic", "adam", 1.0), ("tanh", "adam", 1.0),
])
def test_auto_gain_per_activation(activation, solver, expected, digits):
    """"auto" anneals the saturating units' gain (1 -> 2 under L-BFGS-B) and leaves
    relu and identity units at 1, which a gain would only rescale."""
    X, y = digits
    est = _fit(NonNegMLPClassifier(5, activation=activation, solver=solver, max_iter=5,
                                   random_state=0), X, y)
    assert est.gain_ == expected
    assert est.activation_ == activation
    reg = _fit(NonNegMLPRegressor(5, activation=activation, solver=solver, max_iter=5,
                                  random_state=0), X, X[:, 20])
    assert reg.gain_ == expected  # the classifier's rule (regressor_adam_gain.md)
    assert reg.activation_ == activation


def test_logistic_is_the_default_and_the_previous_network(digits):
    """The default is the paper's sigmoid: the same fit as asking for it."""
    X, y = digits
    default = _fit(NonNegMLPClassifier(5, max_iter=10, random_state=0), X, y)
    explicit = _fit(NonNegMLPClassifier(5, activation="logistic", max_iter=10,
                                        random_state=0), X, y)
    assert_array_equal(default._theta, explicit._theta)
    assert NonNegMLPRegressor().get_params()["activation"] == "logistic"


@pytest.mark.parametrize("cls", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_prediction_uses_the_fitted_activation(cls, digits):
    X, y = digits
    target = y if cls is NonNegMLPClassifier else X[:, 20]
    est = _fit(cls(6, activation="relu", max_iter=10, random_state=0), X, target)
    predict = est.predict_proba if cls is NonNegMLPClassifier else est.predict
    before, hidden = predict(X), est.transform(X)
    bound = est.lipschitz_bound_
    for other in ("logistic", "tanh", "identity"):
        est.set_params(activation=other, gain=3.0)
        assert_array_equal(predict(X), before)
        assert_array_equal(est.transform(X), hidden)
        assert est.activation_ == "relu" and est.lipschitz_bound_ == bound
    # partial_fit continues the fitted model: it refuses another activation.
    with pytest.raises(ValueError, match="activation changed"):
        est.partial_fit(X, target)


def test_warm_start_with_another_activation_starts_anew(digits):
    X, y = digits
    est = _fit(NonNegMLPClassifier(5, activation="tanh", warm_start=True, max_iter=5,
                                   random_state=0), X, y)
    n_curve = len(est.loss_curve_)
    _fit(est, X, y)  # same activation: continues
    assert len(est.loss_curve_) == n_curve + est.n_iter_
    est.set_params(activation="relu")
    _fit(est, X, y)  # another one: a new fit
    assert est.activation_ == "relu" and len(est.loss_curve_) == est.n_iter_


@pytest.mark.parametrize("activation", ["tanh", "identity"])
@pytest.mark.parametrize("cls", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_activity_l1_needs_nonnegative_activations(cls, activation, digits):
    X, y = digits
    with pytest.raises(ValueError,
                       match="activity_l1=0.01 needs non-negative hidden") as err:
        cls(4, activation=activation, activity_l1=0.01).fit(X, y)
    # Each activation's own direction (before, tanh's message ended "without bound
    # for 'identity'").
    assert str(err.value).endswith(
        "towards -1)." if activation == "tanh" else "negative values without bound).")
    _fit(cls(4, activation="relu", activity_l1=0.01, max_iter=2), X, y)


def test_unknown_activation_is_refused_in_sklearn_words(digits):
    X, y = digits
    with pytest.raises(ValueError, match="The 'activation' parameter of "
                                         "NonNegMLPClassifier must be a str among"):
        NonNegMLPClassifier(activation="softplus").fit(X, y)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_transform_range(activation, digits):
    X, y = digits
    est = _fit(NonNegMLPClassifier(6, activation=activation, max_iter=20,
                                   random_state=0), X, y)
    hidden = est.transform(X)
    assert np.all(np.isfinite(hidden))
    if activation == "logistic":
        assert hidden.min() >= 0 and hidden.max() <= 1
    elif activation == "tanh":
        assert hidden.min() >= -1 and hidden.max() <= 1 and hidden.min() < 0
    elif activation == "relu":
        assert hidden.min() == 0 and hidden.max() > 1
    # The NumPy network of the public attributes gives the same codes.
    f = {"logistic": lambda t: 1 / (1 + np.exp(-t)), "tanh": np.tanh,
         "relu": lambda t: np.maximum(t, 0), "identity": lambda t: t}[activation]
    assert_allclose(hidden, f(est.gain_ * (X @ est.coefs_[0] + est.intercepts_[0])),
                    rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu", "identity"])
def test_numpy_path_fits_as_the_kernels(activation, digits):
    """The NumPy path of small problems and the numba kernels fit the same network
    (the digits subset, dense, and its CSR form on a second hidden layer).

    The numba fit runs in a thread of its own, so on the serial kernels: those of
    these activations are compiled by ``test_kernels.py`` and ``test_objective.py``
    already (the parallel flavour compiles the same loops; each of its signatures
    costs 5-15 CPU-seconds of a cold test run)."""
    X, y = digits
    for hidden, data in (((8,), X), ((6, 4), sp.csr_matrix(X))):
        params = dict(hidden_layer_sizes=hidden, activation=activation, max_iter=10,
                      random_state=0)
        on_numpy = _fit(NonNegMLPClassifier(**params), data, y)
        result = {}

        def fit_on_numba():
            with numpy_max_work(-1):
                est = _fit(NonNegMLPClassifier(**params), data, y)
                result.update(est=est, proba=est.predict_proba(data))

        thread = threading.Thread(target=fit_on_numba)
        thread.start()
        thread.join()
        on_numba, proba_numba = result["est"], result["proba"]
        assert_allclose(on_numpy.loss_curve_, on_numba.loss_curve_, rtol=1e-6)
        assert_allclose(on_numpy.predict_proba(data), proba_numba, atol=1e-6)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_persist_keeps_the_activation(activation, digits, tmp_path):
    pytest.importorskip("skops")
    from sknonneg import persist

    X, y = digits
    est = _fit(NonNegMLPClassifier(5, activation=activation, max_iter=5,
                                   random_state=0), X, y)
    est.set_params(activation="logistic" if activation != "logistic" else "relu")
    persist.dump(est, tmp_path / "model.skops")
    loaded = persist.load(tmp_path / "model.skops")
    assert loaded.activation_ == activation
    assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_persist_refuses_an_unknown_activation(digits, tmp_path):
    pytest.importorskip("skops")
    from sknonneg import persist

    X, y = digits
    est = _fit(NonNegMLPClassifier(5, max_iter=2, random_state=0), X, y)
    est._layout.network[0].activation = "softplus"
    persist.dump(est, tmp_path / "model.skops")
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        persist.load(tmp_path / "model.skops")


@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_abba_from_mlp_reproduces_tanh_and_identity_units(activation, digits):
    X, y = digits
    mlp = _fit(NonNegMLPClassifier((6, 4), activation=activation, gain=1.7,
                                   positive="hidden", max_iter=10, random_state=0),
               X, y)
    abba = ABBAClassifier.from_mlp(mlp)
    assert_allclose(abba.predict_proba(X), mlp.predict_proba(X), atol=1e-10)


def test_abba_from_mlp_refuses_relu_units(digits):
    X, y = digits
    mlp = _fit(NonNegMLPClassifier(4, activation="relu", max_iter=2), X, y)
    with pytest.raises(ValueError, match="centre of symmetry"):
        ABBAClassifier.from_mlp(mlp)


# --------------------------------------------- the facts of sknonneg._activations
# Parameters of the capped leaky ReLU within what ABBAClassifier allows (cap > 0,
# cap_slope in [0, 1)); the other activations take none.
_PARAMS = [dict(slope=slope, cap=cap) for slope in (0.0, 0.1, 0.9) for cap in (0.5, 2.0)]


def _cases():
    from sknonneg._activations import ACTIVATIONS

    for name, act in ACTIVATIONS.items():
        for params in (_PARAMS if act.parameters else [{}]):
            yield pytest.param(name, params, id="-".join([name, *map(str, params.values())]))


@pytest.mark.parametrize("name, params", list(_cases()))
def test_activation_facts_hold_on_a_grid(name, params):
    """Every fact of a record against its function on a fine grid: the range, the
    monotonicity, the largest slope (attained, not only bounded), f(0) and the
    derivative; a new activation cannot be added with wrong facts."""
    from sknonneg._activations import ACTIVATIONS

    act = ACTIVATIONS[name]
    function, derivative = act.bind(**params)
    t = np.linspace(-40.0, 40.0, 160_001)  # steps of 5e-4
    f = function(t.copy())
    assert f.dtype == np.float64 and f.shape == t.shape
    assert np.all(f >= act.lower) and np.all(f <= act.upper)
    if act.non_decreasing:
        assert np.all(np.diff(f) >= 0)
    slopes = np.diff(f) / np.diff(t)
    assert np.max(np.abs(slopes)) <= act.max_slope * (1 + 1e-9)
    assert np.max(np.abs(slopes)) >= act.max_slope * (1 - 1e-6)
    assert (function(np.zeros(1))[0] == 0.0) == act.zero_at_zero
    # The bounds are the range's (for every parameter value allowed: a slope of 0
    # caps the capped leaky ReLU, whose bounds are those of slope > 0).
    if not params or params["slope"] > 0:
        for bound, end in ((act.lower, f[0]), (act.upper, f[-1])):
            assert (abs(end - bound) < 1e-12 if math.isfinite(bound)
                    else abs(end) >= 4.0)
    assert act.nonnegative == (np.min(f) >= 0.0)
    assert act.ceiling == max(-act.lower, act.upper)
    # The derivative from the output, of t -> f(gain t), against central
    # differences away from the kinks (relu at 0, the capped one at +-cap).
    for gain in (1.0, 1.7):
        a = function(gain * t)
        expected = np.gradient(function(gain * t), t)
        kinks = np.array([0.0] + ([params["cap"], -params["cap"]] if params else []))
        far = np.min(np.abs(gain * t[:, None] - kinks[None, :]), axis=1) > 1e-2
        assert_allclose(derivative(a, gain)[far], expected[far], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["logistic", "tanh", "relu", "identity",
                                  "capped_leaky_relu"])
def test_activation_records_match_the_kernels_twins(name):
    """A record's code, function and derivative are those of the kernels' NumPy
    twins, bit for bit (the dense ones for a dense name, the ABBA ones for an ABBA
    name; tanh and the identity are both)."""
    from sknonneg import _activations
    from sknonneg._engine.layers import ABBA_ACTIVATIONS, DENSE_ACTIVATIONS
    from sknonneg._kernels.reference import abba as abba_twins
    from sknonneg._kernels.reference import dense as dense_twins

    act = _activations.ACTIVATIONS[name]
    t = np.random.default_rng(0).normal(scale=4.0, size=1000)
    t[:4] = [0.0, -0.0, 0.5, -0.5]
    if name in _activations.DENSE:
        assert DENSE_ACTIVATIONS[name] == act.code
        a = act.function(1.7 * t)
        assert_array_equal(a, dense_twins._activate(1.7 * t, act.code))
        upstream = np.ones_like(t)
        assert_array_equal(act.derivative(a, 1.7),
                           dense_twins._backprop_value(upstream, a, 1.7, act.code))
    if name in _activations.ABBA:
        assert ABBA_ACTIVATIONS[name] == act.code
        for params in _PARAMS:
            function, derivative = act.bind(**params)
            y = function(t)
            assert_array_equal(y, abba_twins.activate(t, act.code, **params))
            assert_array_equal(derivative(y),
                               abba_twins.derivative_from_output(y, act.code, **params))
    assert set(_activations.DENSE) | set(_activations.ABBA) == set(_activations.ACTIVATIONS)


def test_what_the_layer_types_need_of_their_activations():
    """Every activation is non-decreasing (a non-negative network is monotone); the
    dense kernels take the dense codes (``support.ACTIVATION_CODES``); ABBA's are
    odd with f(0) = 0 and 1-Lipschitz: Proposition 3.3 (``abba_bounds``, at
    ``activation_lipschitz=1``), ``abba_rounding_layers`` and ``from_mlp`` rely on
    it."""
    from sknonneg import _activations
    from sknonneg._kernels import support

    assert all(act.non_decreasing for act in _activations.ACTIVATIONS.values())
    assert ({act.code for act in _activations.DENSE.values()}
            == set(support.ACTIVATION_CODES))
    t = np.linspace(-10.0, 10.0, 2001)
    for act in _activations.ABBA.values():
        assert act.max_slope <= 1.0 and act.zero_at_zero
        for params in (_PARAMS if act.parameters else [{}]):
            function = act.bind(**params)[0]
            assert_array_equal(function(-t), -function(t))
