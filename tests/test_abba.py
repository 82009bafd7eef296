"""ABBAClassifier: objective and gradient, the network it computes, fitting,
``from_mlp`` equivalence, XOR, and scikit-learn's common checks.

The network is checked against a plain NumPy transcription of Definition 3.2 of
Vasilescu, Neacsu & Pesquet (2024) built from the public ``coefs_`` (the full
``[[A, B], [B, A]]`` matrices) and ``intercepts_``: doubling, ABBA layers, halving.
Lipschitz bounds and certified radii are in ``test_lipschitz.py``; the kernels in
``test_abba_kernels.py``.
"""

import copy
import itertools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import log_softmax
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import gradient_case, objective_data
from sknonneg import ABBAClassifier, NonNegMLPClassifier
from sknonneg._engine import ABBALayer, ParameterLayout
from sknonneg._engine.layers import ABBA_ACTIVATIONS as ACTIVATIONS
from sknonneg._kernels.reference.abba import activate
from sknonneg._threads import fit_threads

N_SAMPLES, N_FEATURES = 12, 3
OUTPUTS = ["softmax-binary", "softmax-multiclass", "logistic-multilabel"]
# (l1, l2, lipschitz_max)
SETTINGS = [(0.0, 0.0, None), (0.01, 0.02, None), (0.0, 0.01, 0.3), (0.02, 0.0, 50.0)]


def _data(kind, sparse=False, seed=0):
    return objective_data(kind, sparse, seed, N_SAMPLES, N_FEATURES)


def _objective(est, X, y, sample_weight=None, parallel=False):
    """The objective ``fit`` would build."""
    est._validate_params()
    targets, _ = est._encode_targets(y)
    sample_weight = est._sample_weight(X, y, sample_weight)
    layout = est._build_layout(X.shape[1], est.n_outputs_)
    return layout, est._make_objective(layout, X, targets, sample_weight, 1.0, parallel)


def _theta(layout, rng, scale=0.8):
    """A random point inside the bounds, away from them and from A = B."""
    theta = rng.normal(size=layout.n_params) * scale
    return np.where(np.isfinite(layout.lower), np.abs(theta) + 0.05, theta)


def _definition_logits(est, X):
    """Definition 3.2 in NumPy from the public attributes: [x, -x], then
    R([x, z] @ coefs_[l] + intercepts_[l]), identity on the last layer, then
    (x_L - z_L) / 2."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    h = np.hstack([X, -X])
    code = ACTIVATIONS[est.activation]
    for i, (w, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        h = h @ w + b
        if i < len(est.coefs_) - 1:
            h = activate(h, code, est.cap_slope, est.cap)
    n = h.shape[1] // 2
    return (h[:, :n] - h[:, n:]) / 2


# ------------------------------------------------------------------ objective
@pytest.mark.parametrize("hidden", [(3,), (2, 3, 2)], ids=["1h", "3h"])
@pytest.mark.parametrize("sparse", [False, True, "blocked"],
                         ids=["dense", "csr", "csr-blocked"])
@pytest.mark.parametrize("kind", OUTPUTS)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_gradient_matches_finite_differences(activation, kind, sparse, hidden, request,
                                             finite_differences):
    """Every penalty / Lipschitz setting, unweighted and weighted, in the inner loop."""
    X, y, weights, rng = gradient_case(kind, sparse, request, N_SAMPLES, N_FEATURES)
    for (l1, l2, lipschitz_max), sw in itertools.product(SETTINGS, weights):
        est = ABBAClassifier(hidden, activation=activation, output=kind.split("-")[0],
                             l1=l1, l2=l2, lipschitz_max=lipschitz_max, cap=0.7,
                             cap_slope=0.2)
        layout, objective = _objective(est, X, y, sw)
        assert (objective.first_layer.blocked is not None) == (sparse == "blocked")
        theta = _theta(layout, rng)
        loss, grad = objective.loss_grad(theta)
        assert grad.shape == theta.shape and grad.dtype == np.float64
        assert_allclose(grad, finite_differences(objective.loss_grad, theta),
                        rtol=1e-6, atol=1e-8,
                        err_msg=f"l1={l1} l2={l2} lip={lipschitz_max} sw={sw is not None}")
        loss_again, grad_again = objective.loss_grad(theta)
        assert loss_again == loss
        assert_array_equal(grad_again, grad)


@pytest.mark.parametrize("kind", ["softmax-multiclass", "logistic-multilabel"])
@pytest.mark.parametrize("lipschitz_max", [None, 0.5])
def test_loss_equals_definition(kind, lipschitz_max):
    """The objective is the mean log-loss of Definition 3.2 plus the penalties."""
    X, y = _data(kind)
    rng = np.random.default_rng(2)
    sw = rng.uniform(0.2, 3.0, N_SAMPLES)
    est = ABBAClassifier((3, 4), output=kind.split("-")[0], l1=[0.01, 0.0, 0.03],
                         l2=[0.02, 0.01, 0.0], lipschitz_max=lipschitz_max)
    layout, objective = _objective(est, X, y, sw)
    theta = _theta(layout, rng)
    loss, _ = objective.loss_grad(theta)
    est._layout = layout
    est._set_fitted_layers(theta)
    z = _definition_logits(est, X)
    s = sw / sw.sum()
    if kind.startswith("softmax"):
        nll = -log_softmax(z, axis=1)[np.arange(N_SAMPLES), y]
    else:
        nll = (np.logaddexp(0.0, z) - y * z).sum(axis=1)
    penalties = sum(
        l1 * (a.sum() + b.sum()) + l2 * ((a ** 2).sum() + (b ** 2).sum())
        for (a, b, _, _), l1, l2 in zip(layout.views(theta), est.l1, est.l2))
    assert_allclose(loss, s @ nll + penalties, rtol=1e-12)


@pytest.mark.parametrize("lipschitz_max, l1, free", [
    (None, 0.0, [True, False, True]),
    (None, [0.01, 0.0, 0.0], [False, False, True]),
    (0.5, 0.0, [False, False, False]),
], ids=["free", "l1-on-first", "lipschitz"])
def test_layers_reading_only_a_minus_b_are_fitted_as_free_w(lipschitz_max, l1, free):
    """First and last layer as one unbounded W = A - B: the same objective at the
    least split A = max(W, 0), B = max(-W, 0), with fewer variables and bounds."""
    X, y = _data("softmax-multiclass")
    est = ABBAClassifier((3, 4), l1=l1, l2=0.02, lipschitz_max=lipschitz_max)
    layout, objective = _objective(est, X, y)
    assert [layer.free for layer in layout.network] == free
    assert layout.is_bounded
    split_layers = [copy.copy(layer) for layer in layout.network]
    for layer in split_layers:
        layer.free = False
    split = ParameterLayout(split_layers)
    blocks = [layout.coef_shape(i) for i in range(layout.n_layers)]
    assert split.n_params - layout.n_params == sum(
        r * c for (r, c), f in zip(blocks, free) if f)
    assert np.isfinite(layout.lower).sum() == sum(
        2 * r * c for (r, c), f in zip(blocks, free) if not f)
    targets, _ = est._encode_targets(y)
    split_objective = est._make_objective(split, X, targets, np.ones(N_SAMPLES), 1.0,
                                          False)

    rng = np.random.default_rng(5)
    views = split.views(_theta(split, rng))
    coefs_a = [np.maximum(a - b, 0.0) if f else a for (a, b, _, _), f in zip(views, free)]
    coefs_b = [np.maximum(b - a, 0.0) if f else b for (a, b, _, _), f in zip(views, free)]
    intercepts_u, intercepts_v = [v[2] for v in views], [v[3] for v in views]
    theta = layout.pack(coefs_a, coefs_b, intercepts_u, intercepts_v)
    theta_split = split.pack(coefs_a, coefs_b, intercepts_u, intercepts_v)
    assert_allclose(objective.loss_grad(theta)[0], split_objective.loss_grad(theta_split)[0],
                    rtol=1e-12)

    fitted = ABBAClassifier((3, 4), l1=l1, l2=0.02, lipschitz_max=lipschitz_max,
                            max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted.fit(X, y)
    for a, b in zip(fitted.coefs_a_, fitted.coefs_b_):
        assert a.min() >= 0.0 and b.min() >= 0.0


def test_only_first_and_last_layer_without_l1_can_be_free():
    with pytest.raises(ValueError, match="free only as the first or the last layer"):
        ABBALayer(3, 3, "tanh", "inner", free=True)
    with pytest.raises(ValueError, match="without L1 penalty"):
        ABBALayer(4, 3, "tanh", "first", l1=0.1, free=True)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_float32_objective_is_close_to_float64(activation, sparse):
    X, y = _data("softmax-multiclass", sparse)
    results = []
    for dtype in ("float32", "float64"):
        est = ABBAClassifier((4, 3), activation=activation, l1=0.01, l2=0.01,
                             lipschitz_max=2.0, dtype=dtype)
        layout, objective = _objective(est, X, y)
        results.append(objective.loss_grad(_theta(layout, np.random.default_rng(3))))
    assert results[0][1].dtype == np.float64
    assert_allclose(results[0][0], results[1][0], rtol=1e-5)
    assert_allclose(results[0][1], results[1][1], rtol=1e-3, atol=1e-5)


def test_serial_and_parallel_objectives_agree(parallel_threads):
    X, y = _data("softmax-multiclass")
    X, y = np.vstack([X] * 5), np.concatenate([y] * 5)
    with fit_threads() as parallel:
        results = []
        for flavour in (False, parallel):
            est = ABBAClassifier((4, 3), l2=0.01)
            layout, objective = _objective(est, X, y, parallel=flavour)
            results.append(objective.loss_grad(_theta(layout, np.random.default_rng(4))))
    assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    assert_allclose(results[0][1], results[1][1], rtol=1e-10, atol=1e-14)


# ------------------------------------------------------------------- network
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_predictions_follow_the_definition(activation, sparse, dtype):
    X, y = _data("softmax-multiclass", sparse)
    est = ABBAClassifier((4, 3), activation=activation, cap=0.5, max_iter=15,
                         dtype=dtype, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    z = _definition_logits(est, X)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-10}
    assert_allclose(est.decision_function(X), z, **tol)
    assert_allclose(est.predict_proba(X), np.exp(log_softmax(z, axis=1)), **tol)
    assert est.transform(X).shape == (N_SAMPLES, 6)
    assert len(est.get_feature_names_out()) == 6
    assert [w.shape for w in est.coefs_] == [(6, 8), (8, 6), (6, 6)]
    assert [b.shape for b in est.intercepts_] == [(8,), (6,), (6,)]


@pytest.mark.parametrize(
    "params",
    [{}, {"solver": "adam", "max_iter": 30}, {"batch_size": 5, "max_iter": 5},
     {"lipschitz_max": 1.0}, {"solver": "adam", "lipschitz_max": 0.5, "max_iter": 30},
     {"activation": "capped_leaky_relu", "l1": 0.01}],
    ids=["lbfgsb", "adam", "minibatch", "lipschitz", "adam-lipschitz", "clr-l1"])
def test_weights_are_exactly_nonnegative_after_fit(params):
    X, y = _data("softmax-multiclass")
    est = ABBAClassifier((5, 4), **{"max_iter": 40, "random_state": 0, **params})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        est.partial_fit(X, y)
    for coefs in (est.coefs_, est.coefs_a_, est.coefs_b_):
        assert min(float(c.min()) for c in coefs) >= 0.0
    assert est._theta[est._layout.lower == 0].min() >= 0.0
    # The stored blocks are the ABBA matrices of the stored A and B.
    for w, a, b in zip(est.coefs_, est.coefs_a_, est.coefs_b_):
        assert_array_equal(w, np.block([[a, b], [b, a]]))
    # First and last layers act through A - B only and are stored with min(A, B) = 0.
    for i in (0, -1):
        assert np.all(np.minimum(est.coefs_a_[i], est.coefs_b_[i]) == 0)


def test_xor_needs_the_abba_structure():
    """One hidden ABBA layer fits XOR; a non-negative network with one logistic
    output cannot (it is monotone in each input, Wang et al. 2022)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    abba = ABBAClassifier(hidden_layer_sizes=3, l2=0.0, random_state=0).fit(X, y)
    assert_array_equal(abba.predict(X), y)
    assert abba.predict_proba(X)[np.arange(4), y].min() > 0.99
    assert min(c.min() for c in abba.coefs_) >= 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        nonneg = NonNegMLPClassifier(hidden_layer_sizes=2, positive=True,
                                     output="logistic", l2=0.0, random_state=0).fit(X, y)
    assert (nonneg.predict(X) == y).sum() <= 3
    # Monotone: the score of [1, 1] is at least those of [0, 1] and [1, 0].
    scores = nonneg.decision_function(X)
    assert scores[3] >= max(scores[1], scores[2]) >= scores[0]


def test_warm_start_and_partial_fit_continue():
    X, y = _data("softmax-multiclass")
    est = ABBAClassifier((4,), max_iter=5, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        first = est.loss_
        est.fit(X, y)
    assert est.loss_ < first
    online = ABBAClassifier((4,), random_state=0)
    for _ in range(3):
        online.partial_fit(X, y, classes=[0, 1, 2])
    assert online.n_iter_ == 3 and len(online.loss_curve_) == 3



@pytest.mark.parametrize("base, change, anew", [
    # The first layer: one signed block A - B without L1, bounded blocks with it.
    ({"hidden_layer_sizes": 4}, {"l1": 1e-3}, True),
    # An inner layer is always the two bounded blocks.
    ({"hidden_layer_sizes": (4, 3)}, {"l1": [0.0, 1e-3, 0.0]}, False),
    # Under lipschitz_max every layer is bounded blocks.
    ({"hidden_layer_sizes": 4, "lipschitz_max": 5.0}, {"l1": 1e-3}, False),
    ({"hidden_layer_sizes": 4, "l1": 1e-3}, {"l1": 2e-3}, False),
])
def test_warm_start_after_l1_change_as_documented(base, change, anew):
    """The warm_start entry names the l1 changes after which a warm start is a
    fresh fit: ABBA's first and last layers between zero and non-zero L1 without
    lipschitz_max (it said "where a layer has signed weights", of a network
    whose every weight is >= 0, which read as never)."""
    X, y = _data("softmax-multiclass")
    doc = " ".join(ABBAClassifier.__doc__.split())
    assert "where a layer has signed weights" not in doc
    assert ("``l1`` between zero and non-zero on the first or last layer while "
            "``lipschitz_max`` is None") in doc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm = ABBAClassifier(max_iter=3, warm_start=True, random_state=0, **base)
        warm.fit(X, y)
        warm.set_params(**change).fit(X, y)
        fresh = ABBAClassifier(max_iter=3, random_state=0, **base)
        fresh.set_params(**change).fit(X, y)
    assert len(warm.loss_curve_) == (3 if anew else 6)
    if anew:
        assert_array_equal(warm.predict_proba(X), fresh.predict_proba(X))


# ---------------------------------------------------------------- from_mlp
def _fitted_mlps():
    """Signed networks of several shapes: (name, estimator, X)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    y3 = rng.integers(0, 3, 40)
    y2 = (X[:, 0] * X[:, 1] > 0).astype(int)
    yml = (rng.random((40, 3)) < 0.5).astype(int)
    cases = []
    for activation, hidden in itertools.product(["tanh", "identity", "logistic"],
                                                [(4,), (6, 3), (3, 5, 4)]):
        for name, y in (("binary", y2), ("multiclass", y3)):
            mlp = MLPClassifier(hidden, activation=activation, max_iter=30,
                                random_state=0)
            cases.append((f"sklearn-{activation}-{hidden}-{name}", mlp, X, y))
    cases.append(("sklearn-tanh-multilabel", MLPClassifier((4, 3), activation="tanh",
                                                           max_iter=30, random_state=0),
                  X, yml))
    for output, hidden, positive in itertools.product(["softmax", "logistic"],
                                                      [(4,), (5, 3)], [False, True]):
        for name, y in (("binary", y2), ("multiclass", y3)):
            mlp = NonNegMLPClassifier(hidden, positive=positive, output=output,
                                      max_iter=20, random_state=0)
            cases.append((f"nonneg-{positive}-{output}-{hidden}-{name}", mlp, X, y))
    return cases


@pytest.mark.parametrize("case", _fitted_mlps(), ids=lambda c: c[0])
def test_from_mlp_is_exactly_equivalent(case):
    _, mlp, X, y = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    abba = ABBAClassifier.from_mlp(mlp)
    Z = np.random.default_rng(1).normal(size=(300, X.shape[1])) * 3
    assert_allclose(abba.predict_proba(Z), mlp.predict_proba(Z), rtol=0, atol=1e-10)
    assert_array_equal(abba.predict(Z), mlp.predict(Z))
    assert_array_equal(abba.classes_, mlp.classes_)
    assert min(c.min() for c in abba.coefs_) >= 0
    assert len(abba.coefs_) == len(mlp.coefs_)
    # The network of the public attributes is the same function.
    assert_allclose(_definition_logits(abba, Z), abba._logits(Z), rtol=1e-10,
                    atol=1e-12)
    # Every documented fitted attribute is set, as after a fit (before: n_layers_,
    # do_early_stopping_ and the validation scores were missing).
    assert abba.n_layers_ == mlp.n_layers_ == len(abba.coefs_) + 1
    assert abba.do_early_stopping_ is False
    assert abba.validation_scores_ is None and abba.best_validation_score_ is None


def test_from_mlp_refuses_asymmetric_activations_and_can_be_fine_tuned():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 2, 30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        relu = MLPClassifier((3,), activation="relu", max_iter=5).fit(X, y)
        with pytest.raises(ValueError, match="centre of symmetry"):
            ABBAClassifier.from_mlp(relu)
        with pytest.raises(TypeError, match=r"^from_mlp needs a fitted MLPClassifier "
                           r"or NonNegMLPClassifier, got ABBAClassifier\.$"):
            ABBAClassifier.from_mlp(ABBAClassifier((3,), max_iter=2).fit(X, y))
        tanh = MLPClassifier((3,), activation="tanh", max_iter=50).fit(X, y)
        abba = ABBAClassifier.from_mlp(tanh, warm_start=True, max_iter=5, l2=0.0)
        loss_before = abba._make_objective(
            abba._layout, X, abba._transform_targets(y)[0], np.ones(30), 1.0,
            False).loss_grad(abba._theta)[0]
        abba.fit(X, y)
    assert abba.loss_ <= loss_before


def _tanh_mlp():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 4)), rng.integers(0, 2, 30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return X, y, MLPClassifier((3,), activation="tanh", max_iter=50,
                                   random_state=0).fit(X, y)


@pytest.mark.parametrize("solver, batch_size", [("adam", None), ("lbfgsb", 10)])
def test_from_mlp_partial_fit_with_mini_batches(solver, batch_size):
    # Before: AttributeError, no _rng (from_mlp set no random generator, which an
    # Adam or mini-batch partial_fit draws its batches from).
    X, y, tanh = _tanh_mlp()
    abba = ABBAClassifier.from_mlp(tanh, solver=solver, batch_size=batch_size,
                                   random_state=0)
    abba.partial_fit(X, y)
    assert abba.n_iter_ == 1 and np.all(np.isfinite(abba.predict_proba(X)))


def test_from_mlp_refuses_another_structure():
    # Before: activation="capped_leaky_relu" was taken silently (P changed by 0.03,
    # no longer the network of mlp), and hidden_layer_sizes was a bare TypeError.
    X, y, tanh = _tanh_mlp()
    for name, value in [("activation", "capped_leaky_relu"),
                        ("hidden_layer_sizes", (5,)), ("output", "softmax")]:
        with pytest.raises(ValueError, match=f"from_mlp takes {name} from mlp"):
            ABBAClassifier.from_mlp(tanh, **{name: value})
    same = ABBAClassifier.from_mlp(tanh, activation="tanh", hidden_layer_sizes=3,
                                   output="logistic")
    np.testing.assert_allclose(same.predict_proba(X), tanh.predict_proba(X),
                               rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------ common checks
# In float32 (the second configuration) the two sample-weight equivalence checks
# fail, none in float64 (1.1e-13 relative there): predict_proba up to 4.2e-6 apart
# (dense; 5.4e-6 sparse). Float32 rounding that the fit amplifies, measured on the
# checks' data: at the same theta the weighted and repeated float32 objectives agree
# to 2.3e-16 relative (the loss) and 1.8e-7 of the starting gradient's norm (the
# rows summed in another order), each within 2e-7 of the float64 one (the loss) and
# 2.4e-7 of that norm (the gradient), and of finite differences; their L-BFGS-B
# paths are 4e-8 apart after the first step and 2e-6 after the 20 iterations, where
# the float64 fits stay within 2e-14. float64 fits given gradient noise of norm 5e-7
# of the starting gradient at every evaluation part farther (2.8e-3 to 0.1).
_FLOAT32_SAMPLE_WEIGHT = (
    "float32 rounding amplified by the fit: the weighted and repeated objectives agree "
    "at the same theta (loss to 2.3e-16 relative, gradient to 1.8e-7 of its norm, the "
    "rows summed in another order; both match float64's and finite differences to "
    "float32 precision), their L-BFGS-B paths part from the first step, and "
    "predict_proba is up to 4.2e-6 (dense) and 5.4e-6 (sparse) apart after 20 "
    "iterations; float64 fits given gradient noise of that size part farther")


# check_methods_subset_invariance, float32: one row at a time and the check's 20 rows
# at once are summed in another order by the layers' products (the path a product
# takes depends on the number of rows and on the CPU's BLAS kernels): transform
# 3.9e-7 apart on values up to 1, decision_function 3.3e-6 on logits up to 10.6,
# where the check allows 1e-7 + 1e-7 * |value|, about one float32 eps (float64:
# 5.3e-15). Measured on an AMD EPYC (OpenBLAS's Haswell kernels), where it fails; on
# CPUs whose kernels happen to round alike it passes, so the mark is not strict.
_FLOAT32_SUBSET = (
    "float32 rounding: the layers' products sum one row in another order than the "
    "check's 20 rows at once (the path depends on the number of rows and the CPU's "
    "BLAS kernels): decision_function up to 3.3e-6 apart on logits up to 10.6, where "
    "the check's tolerance is about one float32 eps; float64 5.3e-15")


def _expected_failed_checks(est):
    """The common checks each configuration fails, and why: two in float32 (three
    on CPUs whose BLAS kernels round one row and a batch apart), none in float64."""
    if est.dtype != "float32":
        return {}
    return {"check_sample_weight_equivalence_on_dense_data": _FLOAT32_SAMPLE_WEIGHT,
            "check_sample_weight_equivalence_on_sparse_data": _FLOAT32_SAMPLE_WEIGHT,
            "check_methods_subset_invariance": _FLOAT32_SUBSET}


@parametrize_with_checks(
    [ABBAClassifier(hidden_layer_sizes=3, max_iter=20, random_state=0),
     ABBAClassifier(hidden_layer_sizes=3, max_iter=20, random_state=0,
                    dtype="float32")],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_output_auto_as_nonneg_mlp():
    # Before: ABBAClassifier took only "softmax" (the default) or "logistic", and a
    # multilabel target at the defaults was an error, where NonNegMLPClassifier's
    # default "auto" chooses as MLPClassifier does.
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    targets = {"binary": (X[:, 0] > 0.5).astype(int), "multiclass": np.arange(60) % 3,
               "multilabel": np.c_[X[:, 0] > 0.5, X[:, 1] > 0.5].astype(int)}
    assert ABBAClassifier().output == "auto"
    for kind, y in targets.items():
        explicit = "logistic" if kind == "multilabel" else "softmax"
        auto = ABBAClassifier(hidden_layer_sizes=3, max_iter=10, random_state=0).fit(X, y)
        ref = ABBAClassifier(hidden_layer_sizes=3, max_iter=10, random_state=0,
                             output=explicit).fit(X, y)
        assert auto.out_activation_ == explicit
        np.testing.assert_array_equal(auto.predict_proba(X), ref.predict_proba(X))


def test_from_mlp_refuses_an_mlp_without_hidden_layers():
    # Before: InvalidParameterError "hidden_layer_sizes must be a positive int or a
    # non-empty sequence", a parameter the caller never passed.
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    rng = np.random.RandomState(0)
    X, y = rng.rand(50, 3), rng.randint(0, 3, 50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((), activation="tanh", max_iter=20).fit(X, y)
    with pytest.raises(ValueError, match="from_mlp needs a network with at least "
                                         "one hidden layer"):
        ABBAClassifier.from_mlp(mlp)


def _binary_mlp(hidden_layer_sizes, activation):
    """``(X, mlp)``: a small MLPClassifier fitted on 50 random rows of 3 features
    and two classes, for from_mlp to copy."""
    rng = np.random.RandomState(0)
    X, y = rng.rand(50, 3), rng.randint(0, 2, 50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(hidden_layer_sizes, activation=activation, max_iter=20,
                            random_state=0).fit(X, y)
    return X, mlp


@pytest.mark.parametrize("activation", ["tanh", "logistic"])
def test_from_mlp_refuses_weights_beyond_the_dtype(activation):
    # With dtype="float32", weights beyond float32's range
    # were taken: lipschitz_bound_ was inf and predict refused every input as
    # "too large for the fitted network", blaming X. Weights near float64's
    # largest overflowed (RuntimeWarnings) into a network of inf and NaN.
    X, mlp = _binary_mlp((4,), activation)
    # tanh copies the weights as they are; logistic halves the hidden layer's.
    mlp.coefs_[0][0, 0] = 2e39 if activation == "logistic" else 1e39
    with pytest.raises(ValueError, match=(
            r"^from_mlp cannot copy this MLPClassifier with dtype='float32': its "
            r"weights and biases, as the ABBA network holds them, reach 1e\+39, "
            r"beyond the largest float32 \(3\.4e\+38\), and the network would "
            r"compute with inf\. Use dtype='float64'\.$")):
        ABBAClassifier.from_mlp(mlp, dtype="float32")
    abba = ABBAClassifier.from_mlp(mlp)  # float64 holds them
    assert np.isfinite(abba.lipschitz_bound_)
    assert_allclose(abba.predict_proba(X), mlp.predict_proba(X), atol=1e-12)
    mlp.coefs_[0][0, 0] = 1.0
    mlp.coefs_[1][:, 0] = 1.5e308  # their sum overflows float64
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way
        if activation == "tanh":
            # No shift to fold in (before, 0 times the overflowed sum made its
            # output biases NaN): the weights are held, but their sums are beyond
            # float64 on every input, which predict would refuse.
            with pytest.raises(ValueError, match=(
                    r"^from_mlp cannot copy this MLPClassifier with dtype='float64': "
                    r"a weighted sum of its layers could exceed the range of float64 "
                    r"on any input, even all zeros")):
                ABBAClassifier.from_mlp(mlp)
            return
        with pytest.raises(ValueError, match=(
                r"^from_mlp cannot copy this MLPClassifier: its weights and "
                r"biases, as the ABBA network holds them, overflow float64 \(inf or "
                r"NaN\)\.$")):
            ABBAClassifier.from_mlp(mlp)


@pytest.mark.parametrize("activation", ["tanh", "logistic"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_from_mlp_refuses_a_network_that_no_input_computes(activation, dtype):
    # from_mlp refused weights beyond the dtype's range only. Weights
    # within it whose weighted sums are not (eight units at 1e37 in float32, at
    # 1e307 in float64) made a network whose predict refused every X, even X = 0,
    # as "too large for the fitted network", advising to scale X.
    X, mlp = _binary_mlp((8,), activation)
    big = float(np.finfo(dtype).max) / 30  # held by dtype; 8 of them are not
    mlp.coefs_[1] = np.full_like(mlp.coefs_[1], big)
    with pytest.raises(ValueError, match=(
            rf"^from_mlp cannot copy this MLPClassifier with dtype='{dtype}': a "
            rf"weighted sum of its layers could exceed the range of {dtype} on any "
            r"input, even all zeros .* so predict would refuse every X\.")):
        ABBAClassifier.from_mlp(mlp, dtype=dtype)
    mlp.coefs_[1] = np.full_like(mlp.coefs_[1], 1.0)
    abba = ABBAClassifier.from_mlp(mlp, dtype=dtype)  # an ordinary one is copied
    assert_allclose(abba.predict_proba(np.zeros((1, 3))),
                    mlp.predict_proba(np.zeros((1, 3))), atol=1e-6)


def test_from_mlp_of_a_sparse_multilabel_model_predicts_sparse(multilabel_data):
    # The source (sklearn's MLPClassifier or NonNegMLPClassifier fitted on a sparse
    # indicator y) predicts a CSR matrix; the copy predicted a dense array.
    import scipy.sparse as sp
    from sklearn.neural_network import MLPClassifier

    X, Y = multilabel_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sources = [MLPClassifier(hidden_layer_sizes=(6,), activation="tanh",
                                 max_iter=50, random_state=0),
                   NonNegMLPClassifier(hidden_layer_sizes=(6,), activation="tanh",
                                       max_iter=20, random_state=0)]
        for source in sources:
            for y in (sp.csr_matrix(Y), Y):
                source.fit(X, y)
                copy = ABBAClassifier.from_mlp(source).predict(X)
                assert sp.issparse(copy) == sp.issparse(y) == sp.issparse(
                    source.predict(X))
