"""The training loops of ``sknonneg.neural_network._training``, apart from any one
estimator: early stopping from ``theta`` alone, thread counts set per objective, the
loops without classification, and the shared class docstrings."""

import warnings

import numpy as np
import pytest
from numpydoc.docscrape import ClassDoc
from scipy.special import expit
from sklearn.base import ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

import sknonneg.neural_network._abba as abba_module
import sknonneg.neural_network._training as training
from sknonneg import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                      NonNegMLPRegressor)
from sknonneg.neural_network._training import TrainableNetwork
from sknonneg.parallel._workers import _small_copy

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = {
    "mlp": lambda **kw: NonNegMLPClassifier((4,), gain=(1.0, 4.0), **kw),
    "abba": lambda **kw: ABBAClassifier((4,), **kw),
    "abba-lipschitz": lambda **kw: ABBAClassifier((4,), lipschitz_max=3.0, **kw),
}


@pytest.fixture(scope="module")
def data():
    return make_classification(120, 5, n_informative=3, n_redundant=0, n_classes=3,
                               random_state=0)


@pytest.mark.parametrize("name", ESTIMATORS)
@pytest.mark.parametrize("batch_size", [None, 30])
def test_early_stopping_sets_the_fitted_attributes_once(monkeypatch, data, name,
                                                        batch_size):
    """Each check scores ``theta`` itself: the fitted layers (and ABBA's SVD bounds)
    are computed once, from the best ``theta``, at the end."""
    X, y = data
    est = ESTIMATORS[name](early_stopping=True, max_iter=15, n_iter_no_change=20,
                           batch_size=batch_size, random_state=0)
    calls = []
    original = type(est)._set_fitted_layers
    monkeypatch.setattr(type(est), "_set_fitted_layers",
                        lambda self, theta: calls.append(1) or original(self, theta))
    bounds = []
    original_bounds = abba_module.abba_bounds
    monkeypatch.setattr(abba_module, "abba_bounds",
                        lambda *a, **k: bounds.append(1) or original_bounds(*a, **k))
    est.fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_ == 15
    assert len(calls) == 1
    assert len(bounds) == (1 if name.startswith("abba") else 0)


@pytest.mark.parametrize("name", ESTIMATORS)
def test_validation_score_of_theta_is_the_fitted_networks_score(data, name):
    X, y = data
    est = ESTIMATORS[name](max_iter=10, random_state=0).fit(X, y)
    X_checked = est._check_X(X)
    np.testing.assert_allclose(est._logits_at(est._theta, est._gain_, X_checked),
                               est._logits(X_checked), rtol=1e-12, atol=1e-12)
    score = est._validation_score(est._theta, est._gain_, X_checked, y)
    assert score == est.score(X, y)



def test_fit_diagnostics_read_the_logits_off_the_fixed_order_path(monkeypatch, data):
    """``warn_if_degenerate`` reads a monotone network's training logits through
    ``_diagnostic_logits``: the fused kernels (summed in any order), not prediction's
    slower fixed-order ones; they equal the fixed-order logits to rounding."""
    X, y = data
    orders = []
    original = NonNegMLPClassifier._forward
    monkeypatch.setattr(NonNegMLPClassifier, "_forward",
                        lambda self, X, fixed_order=None, keep="all":
                        orders.append(fixed_order)
                        or original(self, X, fixed_order, keep))
    est = NonNegMLPClassifier((4,), positive=True, max_iter=10, random_state=0).fit(X, y)
    assert est._fixed_order() and orders == [False]
    X_checked = est._check_X(X)
    np.testing.assert_allclose(est._diagnostic_logits(X_checked),
                               est._logits(X_checked), rtol=1e-12, atol=1e-12)


class _CountingNumba:
    def __init__(self):
        self.calls = []

    def set_num_threads(self, n):
        self.calls.append(n)


@pytest.mark.parametrize("batch_size, max_calls", [(None, 1), (40, 2)])
def test_thread_count_set_per_objective_not_per_evaluation(monkeypatch, data,
                                                           batch_size, max_calls,
                                                           numba_kernels):
    X, y = data
    counting = _CountingNumba()
    monkeypatch.setattr(training, "set_numba_threads", counting.set_num_threads)
    est = NonNegMLPClassifier((4,), max_iter=6, batch_size=batch_size,
                              random_state=0).fit(X, y)
    # The full batch evaluates dozens of times; mini-batches of two sizes at most
    # switch the count once more.
    assert est.n_iter_ == 6
    assert 0 < len(counting.calls) <= max_calls


class _SoftTargets(NonNegMLPClassifier):
    """Targets in [0, 1] per output, scored by squared error: no classes, no
    strata. It exercises the loops as a regressor or an autoencoder would."""

    def _encode_targets(self, y, classes=None):
        targets = np.asarray(y, dtype=np.float64)
        self.n_outputs_ = targets.shape[1]
        self._multilabel = True
        return targets, None

    def _transform_targets(self, y):
        return np.asarray(y, dtype=np.float64), None

    def _validation_score(self, theta, gain, X_val, y_val):
        predicted = expit(self._logits_at(theta, gain, X_val))
        return -float(np.mean((predicted - y_val) ** 2))


def test_training_loops_do_not_need_classes(data):
    assert not issubclass(TrainableNetwork, ClassifierMixin)
    X, _ = data
    rng = np.random.default_rng(0)
    y = expit(X @ rng.uniform(size=(X.shape[1], 2)))
    for params in [dict(batch_size=None), dict(batch_size=20),
                   dict(solver="adam", batch_size=20, learning_rate_init=0.05)]:
        est = _SoftTargets((4,), output="logistic", early_stopping=True, max_iter=10,
                           n_iter_no_change=20, random_state=0, **params).fit(X, y)
        assert est.loss_curve_[-1] < est.loss_curve_[0]
        assert all(s <= 0 for s in est.validation_scores_)
        # partial_fit refuses early_stopping=True (as scikit-learn's MLPs): off,
        # it continues the fitted network.
        est.set_params(early_stopping=False).partial_fit(X, y)


@pytest.mark.parametrize("estimator", [
    ABBAClassifier(activation="capped_leaky_relu", dtype="float32"),
    NonNegMLPClassifier(monotonic_cst=[1, 0, -1, 1, 0, 1], batch_size=64),
], ids=["abba", "mlp-monotonic"])
def test_warm_kernels_copies_any_estimator(estimator):
    small = _small_copy(estimator)
    assert small.get_params()["hidden_layer_sizes"] == (2,)
    assert small.get_params()["dtype"] == estimator.get_params()["dtype"]
    assert small.get_params()["batch_size"] in (None, 10)


@pytest.mark.parametrize("monotonic_cst, expected", [
    (None, None),
    ([1] + [0] * 49, [0, 1, 0, 1]),
    ([1, 0, -1, 1, 0, 1], [-1, 0, 1, -1]),
    (np.array([-1, -1]), [-1, -1, -1, -1]),
    ([0, 0, 0], [0, 0, 0, 0]),
    ({"age": 1}, [0, 1, 0, 1]),  # the features a dict does not name are free
    ([2, 0], None),  # refused by the real fit, which reports it
    # Beyond float's range: refused alike (before: an OverflowError).
    ([10**400, 0], None),
    ({"age": -10**400}, None),
])
def test_warm_kernels_copy_keeps_the_directions_of_monotonic_cst(monotonic_cst,
                                                                 expected):
    # Before, the copy dropped monotonic_cst: a constrained regressor's copy was
    # unconstrained (positive="auto" -> "hidden") and never predicted through the
    # fixed-order kernels, which the real predict then compiled in a Dask task.
    small = _small_copy(NonNegMLPRegressor(monotonic_cst=monotonic_cst))
    assert small.monotonic_cst == expected
    if expected is not None:
        X = np.random.RandomState(0).uniform(size=(30, 4))
        small.fit(X, X[:, 0])
        assert small._fixed_order() == any(expected)


def _serial_kernel_dtypes(*names):
    """``{name: dtypes}``: the dtypes of the arrays in the compiled (or loaded)
    signatures of each serial numba kernel ``name`` in this process."""
    import re

    from sknonneg import _kernels

    found = {}
    for name in names:
        kernel = getattr(_kernels, name)
        found[name] = {d for sig in kernel.signatures
                       for d in re.findall(r"Array\((\w+),", str(sig))}
    return found


def test_warm_kernels_takes_an_abba_network():
    from sknonneg.parallel import kernel_compile_counts, warm_kernels

    # It raised "Invalid parameter 'monotonic_cst'" before (ThreadLimits calls it).
    counts = warm_kernels(ABBAClassifier())
    assert counts == kernel_compile_counts()
    # Its kernels are there (compiled, or loaded from numba's cache) in float64.
    for dtypes in _serial_kernel_dtypes("abba_input_forward_serial",
                                        "abba_backprop_serial").values():
        assert "float64" in dtypes


@pytest.mark.parametrize("estimator", [
    NonNegMLPRegressor(monotonic_cst=[1, 0, -1, 0, 0, 1], batch_size=64),
    NonNegAutoencoder(n_components=7, batch_size=32),
    NonNegAutoencoder(solver="adam"),
], ids=["regressor", "autoencoder-minibatch", "autoencoder-adam"])
def test_warm_kernels_takes_regressors_and_autoencoders(estimator):
    from sknonneg.parallel import kernel_compile_counts, warm_kernels

    # Before: AttributeError (no predict_proba) for the regressor, KeyError
    # 'hidden_layer_sizes' for the autoencoder; fit_dask_blocks trains both.
    assert warm_kernels(estimator, sparse=True) == kernel_compile_counts()
    for dtypes in _serial_kernel_dtypes("linear_sigmoid_loss_backprop_serial",
                                        "csr_linear_sigmoid_forward_serial").values():
        assert "float64" in dtypes


# In a fresh process (no kernel loaded yet), each warm_kernels call in turn; prints,
# per call, the kernels that gained a signature and the dtypes of its arrays.
_WARM_IN_A_FRESH_PROCESS = """
import json, re
from sknonneg import ABBAClassifier, NonNegAutoencoder, NonNegMLPRegressor, _kernels
from sknonneg.parallel import kernel_compile_counts, warm_kernels

def signatures():
    return {name: {str(s) for s in getattr(m, name).signatures}
            for m in _kernels.kernel_modules() for name in dir(m)
            if hasattr(getattr(m, name), "signatures")}

steps = [(ABBAClassifier(activation="capped_leaky_relu", dtype="float32"), True),
         (NonNegAutoencoder(solver="adam", dtype="float32"), False),
         (NonNegMLPRegressor(), True),
         (NonNegMLPRegressor(monotonic_cst=[1, 0, -1]), False)]
out = []
for estimator, sparse in steps:
    before = signatures()
    counts = warm_kernels(estimator, sparse=sparse)
    new = {name: sorted({d for s in sigs - before.get(name, set())
                         for d in re.findall(r"Array\\((\\w+),", s)})
           for name, sigs in signatures().items()}
    out.append({"new": {k: v for k, v in new.items() if v},
                "counts_match": counts == kernel_compile_counts()})
print(json.dumps(out))
"""


def test_warm_kernels_compiles_what_it_promises():
    # Before, the tests above only checked that warm_kernels returned a dict: a
    # warm_kernels that did nothing for ABBA, the regressor and the autoencoder,
    # and ignored sparse=True, passed them. In a fresh process each call must add
    # the serial kernels of its estimator, in its dtype, CSR ones with sparse=True,
    # and no parallel kernel (a Dask task runs the serial flavour). Before, it
    # also missed the blocked CSC kernels of full-batch CSR fits of tens of
    # thousands of rows (count_block_columns, csr_to_blocked_csc,
    # blocked_csc_gram_colsum; their row numbers in uint16 up to 65,535 rows, in
    # int32 beyond), the CSR kernels that a dense input of mostly zeros is run on
    # (dense_to_csr, and all of them with sparse=False), and a monotone
    # regressor's fixed-order prediction kernels (its copy dropped monotonic_cst).
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from sknonneg import _kernels

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", _WARM_IN_A_FRESH_PROCESS],
                            cwd=root, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    abba, autoencoder, regressor, monotone = json.loads(
        result.stdout.strip().splitlines()[-1])
    # (the parameter vector, and so Adam's step, is float64 in every dtype)
    f32, f64 = "float32", "float64"
    expected = [
        (abba, {"abba_input_forward_serial": f32, "abba_backprop_serial": f32,
                "csr_abba_input_forward_serial": f32,
                "count_block_columns_serial": "uint16",
                "csr_to_blocked_csc_serial": f32, "blocked_csc_gram_colsum_serial": f32,
                "dense_to_csr_serial": f32}),
        (autoencoder, {"linear_sigmoid_forward_serial": f32,
                       "linear_sigmoid_loss_backprop_serial": f32,
                       "csr_linear_sigmoid_forward_serial": f32,  # sparse=False
                       "projected_adam_step": f64}),
        (regressor, {"linear_sigmoid_forward_serial": f64,
                     "linear_sigmoid_loss_backprop_serial": f64,
                     "csr_linear_sigmoid_forward_serial": f64,
                     "csr_gram_colsum_serial": f64,
                     "blocked_csc_gram_colsum_serial": f64,
                     "dense_to_csr_serial": f64}),
        (monotone, {"fixed_order_product_serial": f64, "fixed_order_finish": f64,
                    "csr_fixed_order_product_serial": f64}),
    ]
    parallel = {name for name in _kernels.kernel_names()
                if hasattr(_kernels, name + "_serial")}
    for step, kernels in expected:
        assert step["counts_match"]
        for name, dtype in kernels.items():
            assert dtype in step["new"].get(name, []), (name, dtype, step["new"])
        assert not parallel & set(step["new"]), step["new"]
    # The blocked copy's row numbers of more than 65,535 rows, too.
    for name in ("csr_to_blocked_csc_serial", "blocked_csc_gram_colsum_serial"):
        assert "int32" in abba["new"][name], (name, abba["new"][name])


def test_warm_kernels_refuses_what_is_not_a_sknonneg_estimator():
    from sklearn.linear_model import LogisticRegression

    from sknonneg.parallel import warm_kernels

    for bad in ("NonNegMLPClassifier", LogisticRegression()):
        with pytest.raises(TypeError, match="kernels of a sknonneg estimator"):
            warm_kernels(bad)


@pytest.mark.parametrize("cls", [NonNegMLPClassifier, ABBAClassifier,
                                 NonNegMLPRegressor])
def test_shared_docs_are_filled_in(cls):
    assert "<<" not in cls.__doc__ and "{score}" not in cls.__doc__
    doc = ClassDoc(cls)
    params = {p.name for p in doc["Parameters"]}
    assert set(cls().get_params()) == params
    attributes = [p.name for p in doc["Attributes"]]
    assert len(attributes) == len(set(attributes))
    expected = {"n_iter_", "t_", "best_validation_score_"}
    if cls is not NonNegMLPRegressor:
        expected.add("classes_")
    assert expected <= set(attributes)
    # Early stopping's score with scoring=None is the estimator's own; the default
    # of early_stopping in the text is the class's.
    described = dict((p.name, " ".join(p.desc)) for p in doc["Parameters"])
    assert ("R^2" if cls is NonNegMLPRegressor else "accuracy") in described["scoring"]
    early = dict((p.name, p.type) for p in doc["Parameters"])["early_stopping"]
    assert early.endswith(f"default={cls().early_stopping!r}".replace("'", '"'))


@pytest.mark.parametrize("cls", [NonNegMLPClassifier, ABBAClassifier,
                                 NonNegMLPRegressor])
def test_fit_transform_is_the_shared_one(cls):
    # One definition, ahead of TransformerMixin's.
    from sknonneg.neural_network._training import SupervisedTransformerMixin

    assert cls.fit_transform is SupervisedTransformerMixin.fit_transform


def test_solver_state_is_kept_only_for_stateful_solvers(data):
    X, y = data
    est = NonNegMLPClassifier((3,), max_iter=2, random_state=0).fit(X, y)
    assert not hasattr(est, "_solver_state")  # L-BFGS-B keeps nothing between fits
    est.set_params(solver="adam", batch_size=40, warm_start=True).fit(X, y)
    adam = est._solver_state
    assert adam.t == 2 * 3
    est.fit(X, y)
    assert est._solver_state is adam and adam.t == 4 * 3
    est.set_params(warm_start=False).fit(X, y)
    assert est._solver_state is not adam and est._solver_state.t == 2 * 3


def test_solver_result_loss_curve_is_the_estimators(data):
    X, y = data
    est = NonNegMLPClassifier((3,), max_iter=7, random_state=0).fit(X, y)
    assert len(est.loss_curve_) == est.n_iter_
    assert est.loss_ == est.loss_curve_[-1]


def test_early_stopping_stall_ends_a_gain_stage_then_the_fit(monkeypatch):
    """Full-batch L-BFGS-B with an annealed gain: a stall of the held-out score ends
    its gain stage and the next gain goes on; a stall in the last stage ends the
    fit, which keeps the best parameters seen."""
    monkeypatch.setattr(TrainableNetwork, "_validation_loss",
                        lambda self, *args: 1.0)  # never improves after the first
    X, y = make_classification(120, 5, random_state=0)
    est = NonNegMLPClassifier((3,), gain=(1.0, 2.0), early_stopping=True,
                              n_iter_no_change=1, max_iter=50, random_state=0)
    est.fit(X, y)
    n_stages = training.n_gain_stages((1.0, 2.0), 50)
    assert n_stages > 1
    # Every stage measures improvement against its own best: its first check sets
    # it, its second stalls (the fit's best score and parameters are kept).
    assert est.n_iter_ == 2 * n_stages
    assert est.validation_scores_ == [-1.0] * est.n_iter_
    assert est.gain_ == 1.0  # the parameters of the first check, kept
    # A constant gain is one stage: the first stall ends the fit.
    est.set_params(gain=1.5).fit(X, y)
    assert est.n_iter_ == 2


def test_early_stopping_loss_with_held_out_rows_of_weight_zero():
    """Held-out rows whose sample weights are all 0 are scored unweighted (no
    division by a zero sum)."""
    X, y = make_classification(60, 4, random_state=0)
    est = NonNegMLPClassifier((3,), early_stopping=True, max_iter=5, random_state=0)
    loss = est.fit(X, y)._validation_loss(est._theta, est._gain_, X[:5],
                                          est._class_targets(y[:5])[0], np.zeros(5))
    assert np.isfinite(loss) and loss > 0


def test_convergence_warning_advice_follows_early_stopping():
    """A fit cut by max_iter names early stopping as a fix when it did not use it;
    with early stopping on (and not yet stopping), a larger max_iter is the fix."""
    X, y = make_classification(200, 5, random_state=0)
    est = NonNegMLPClassifier((4,), max_iter=5, early_stopping=False, random_state=0)
    with pytest.warns(ConvergenceWarning, match="early_stopping=True or a larger l2"):
        est.fit(X, y)
    est.set_params(early_stopping=True, n_iter_no_change=1000)
    with pytest.warns(ConvergenceWarning, match="Early stopping had not stopped it") as w:
        est.fit(X, y)
    # What held it from stopping, in the parameters' names (before: "the held-out
    # score was still improving", which a score that had stalled for fewer than
    # n_iter_no_change checks was not), and what to do.
    message = str(w[0].message)
    assert "had not stalled for n_iter_no_change checks" in message
    assert "increase max_iter and let early stopping end the fit" in message


def test_stalled_stages_hand_their_iterations_to_the_next(monkeypatch):
    """The iterations a stalled gain stage did not use go to the next stage: with
    every stage but the last stalling at once, the last runs to max_iter in all."""
    calls = []

    def held_out_loss(self, theta, gain, *args):
        calls.append(gain)
        return 1.0 if gain < 2.0 else 1.0 / len(calls)  # improves in the last stage

    monkeypatch.setattr(TrainableNetwork, "_validation_loss", held_out_loss)
    X, y = make_classification(120, 5, random_state=0)
    est = NonNegMLPClassifier((3,), gain=(1.0, 2.0), early_stopping=True, tol=0.0,
                              n_iter_no_change=1, max_iter=50, random_state=0)
    est.fit(X, y)
    n_stages = training.n_gain_stages((1.0, 2.0), 50)
    assert est.n_iter_ == 50
    assert calls.count(2.0) == 50 - 2 * (n_stages - 1)
    assert est.gain_ == 2.0


@pytest.mark.parametrize("cls", [NonNegMLPClassifier, NonNegMLPRegressor,
                                 ABBAClassifier])
def test_early_stopping_score_weighs_the_held_out_rows(cls):
    """scoring=None (the estimator's score: accuracy or R^2) weighs the held-out
    rows by their sample weights, as scikit-learn's MLPs do and as the loss
    already did. Here half the rows are copies with wrong targets and weight 0:
    before, they dragged the held-out accuracy to 0.55 and the R^2 below 0."""
    rng = np.random.RandomState(0)
    X = rng.rand(400, 3)
    if cls is NonNegMLPRegressor:
        y = np.r_[X[:, 0], rng.rand(400) * 10]
    else:
        y = np.r_[(X[:, 0] > 0.5).astype(int), (X[:, 0] <= 0.5).astype(int)]
    weights = np.r_[np.ones(400), np.zeros(400)]
    params = {"positive": False} if cls is NonNegMLPClassifier else {}
    est = cls(early_stopping=True, scoring=None, max_iter=100, random_state=0,
              **params).fit(np.r_[X, X], y, sample_weight=weights)
    assert est.best_validation_score_ > 0.9


def test_multilabel_outputs_start_at_their_labels_log_odds(monkeypatch):
    # Started at 0.5, a fit on many rare labels lowered every output at once in its
    # first steps, which a non-negative network did by switching its hidden units
    # off for good, and labels ended at their prior (Reuters all-90: one with 1,650
    # positive documents; benchmarks/results/reuters90_prior.md). Each output now
    # starts at its label's weighted training frequency: the weighted mean of its
    # starting logit over the training rows is the label's log-odds (clipped for a
    # label never present).
    from scipy.special import logit

    from sknonneg._engine.objective import forward

    rng = np.random.RandomState(0)
    X = rng.rand(300, 6)
    Y = (rng.rand(300, 4) < [0.5, 0.1, 0.02, 0.0]).astype(int)
    Y[0, 3] = 1  # present once, in a row of weight 0 below
    w = rng.uniform(0.5, 2.0, 300)
    w[:40] = 0.0
    starts = []
    original = NonNegMLPClassifier._init_output

    def spy(self, layout, theta, X, targets, sample_weight):
        theta = original(self, layout, theta, X, targets, sample_weight)
        starts.append((layout, theta.copy()))
        return theta

    monkeypatch.setattr(NonNegMLPClassifier, "_init_output", spy)
    for positive in (True, "hidden"):
        starts.clear()
        clf = NonNegMLPClassifier(5, positive=positive, max_iter=2, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X, Y, sample_weight=w)
        (layout, theta), = starts
        _, logits = forward(layout.network, layout.views(theta), X, gain=1.0)
        prior = np.clip(w @ Y / w.sum(), 1e-3, 1 - 1e-3)
        np.testing.assert_allclose(w @ logits / w.sum(), logit(prior), atol=1e-9)
    # A single logistic output and a softmax start centred, as before.
    for output, y in (("logistic", Y[:, 1]), ("softmax", Y[:, 1])):
        starts.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            NonNegMLPClassifier(5, output=output, max_iter=2, random_state=0).fit(X, y)
        (layout, theta), = starts
        _, logits = forward(layout.network, layout.views(theta), X, gain=1.0)
        np.testing.assert_allclose(logits.mean(axis=0), 0.0, atol=1e-9)


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_minibatch_epoch_loss_is_before_each_batch_update(Est):
    # Before: mini-batch L-BFGS-B reported each batch's loss after its own
    # steps_per_batch iterations on it; on batches of one row that is close to 0
    # (4.7e-24 against a log-loss of 19 on the data, and the stall rule stopped the
    # fit on it). Now an epoch reports its batches' losses before their updates,
    # as scikit-learn's MLP and this package's Adam do. (The classifier on
    # batches of two rows, one of each class: batch_size=1 is refused for it.)
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 3))
    t = X[:, 0] - 2 * X[:, 1] + np.sin(3 * X[:, 2])
    y = (t > t.mean()).astype(int) if Est is NonNegMLPClassifier else t
    est = Est(hidden_layer_sizes=4, batch_size=1 if Est is NonNegMLPRegressor else 2,
              max_iter=3, l2=0, random_state=0, early_stopping=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    # Each epoch's loss is a mean of losses the model had on rows before it
    # trained on them: a held-out-like figure, nowhere near the post-step 0.
    if Est is NonNegMLPClassifier:
        p = est.predict_proba(X)[np.arange(60), y]
        data_loss = -np.mean(np.log(p))
    else:
        data_loss = 0.5 * np.mean(((y - est.predict(X)) / est.y_scale_[0]) ** 2)
    assert est.loss_curve_[-1] > 0.2 * data_loss
    assert est.loss_ == est.loss_curve_[-1]


@pytest.mark.parametrize("make, change", [
    (lambda: NonNegMLPRegressor(5, early_stopping=True), {"hidden_layer_sizes": 9}),
    (lambda: NonNegMLPClassifier(5, early_stopping=True), {"hidden_layer_sizes": (4, 3)}),
    (lambda: ABBAClassifier(5, early_stopping=True), {"hidden_layer_sizes": 8}),
    (lambda: NonNegAutoencoder(3), {"n_components": 4}),
])
def test_warm_start_that_starts_anew_starts_its_histories_anew(make, change):
    # Before: a warm start on a changed network shape re-initialised the weights
    # but appended to the other network's loss_curve_, validation_scores_ and t_
    # (best_loss_ then the least over two networks).
    X, y = make_classification(120, 5, n_informative=3, n_redundant=0,
                               random_state=0)
    est = make().set_params(max_iter=15, warm_start=True, random_state=0)
    target = None if isinstance(est, NonNegAutoencoder) else y
    est.fit(X if target is not None else np.abs(X) / 4, target)
    first = len(est.loss_curve_)
    est.fit(X if target is not None else np.abs(X) / 4, target)  # continues
    assert len(est.loss_curve_) == first + est.n_iter_
    est.set_params(**change).fit(X if target is not None else np.abs(X) / 4, target)
    assert len(est.loss_curve_) == est.n_iter_
    # The same as a cold fit of the changed network.
    cold = clone(est).set_params(warm_start=False).fit(
        X if target is not None else np.abs(X) / 4, target)
    assert est.t_ == cold.t_
    assert est.loss_curve_ == cold.loss_curve_
    assert est.best_loss_ == cold.best_loss_ == min(est.loss_curve_)
    if getattr(est, "do_early_stopping_", False):
        assert est.validation_scores_ == cold.validation_scores_


def test_abnormal_lbfgsb_end_is_not_reported_as_the_iteration_limit():
    # Before: "maximum iterations (50) reached ... A larger max_iter fits the
    # training data further ... ABNORMAL:" for a fit whose line search failed at
    # the first iteration (inputs of order 1e30), n_iter_ = 0.
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 3))
    y = X[:, 0] - 2 * X[:, 1] + np.sin(3 * X[:, 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = NonNegMLPRegressor(5, max_iter=50, random_state=0).fit(X * 1e30, y)
    assert est.n_iter_ < 50
    messages = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    assert len(messages) == 1
    assert "line search found no step" in messages[0]
    assert "maximum iterations" not in messages[0]
    assert not messages[0].rstrip().endswith("ABNORMAL:")


def test_adam_moments_do_not_outlive_a_stateless_solver_run():
    # Before: adam -> lbfgsb -> adam (warm starts) reused the first run's moments
    # and step count for parameters L-BFGS-B had moved since.
    import copy

    X, y = make_classification(100, 4, random_state=0)
    est = NonNegMLPClassifier(3, solver="adam", max_iter=20, warm_start=True,
                              learning_rate_init=0.05, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
        assert hasattr(est, "_solver_state")
        est.set_params(solver="lbfgsb").fit(X, y)
        # The same as an Adam run with fresh moments from those parameters.
        fresh = copy.deepcopy(est)
        fresh.__dict__.pop("_solver_state", None)
        est.set_params(solver="adam").fit(X, y)
        fresh.set_params(solver="adam").fit(X, y)
    np.testing.assert_array_equal(est._theta, fresh._theta)


def _adam_numpy_reference(X, y, coefs, intercepts, n_steps, lr, l2, nonneg,
                          beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    """``n_steps`` full-batch steps of Kingma & Ba's Adam on a one-hidden-layer
    sigmoid network with a softmax (mean log-loss plus ``l2 ||W||^2`` per layer),
    written out in NumPy, each weight layer ``nonneg[i]`` clipped at 0 after it."""
    params = [a.copy() for a in (*coefs, *intercepts)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    onehot = np.eye(coefs[1].shape[1])[y]
    for t in range(1, n_steps + 1):
        w1, w2, b1, b2 = params
        hidden = expit(X @ w1 + b1)
        logits = hidden @ w2 + b2
        proba = np.exp(logits - logits.max(axis=1, keepdims=True))
        proba /= proba.sum(axis=1, keepdims=True)
        d_logits = (proba - onehot) / X.shape[0]
        d_hidden = (d_logits @ w2.T) * hidden * (1 - hidden)
        grads = [X.T @ d_hidden + 2 * l2 * w1, hidden.T @ d_logits + 2 * l2 * w2,
                 d_hidden.sum(axis=0), d_logits.sum(axis=0)]
        step = lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        for i, (p, g) in enumerate(zip(params, grads)):
            m[i] = beta_1 * m[i] + (1 - beta_1) * g
            v[i] = beta_2 * v[i] + (1 - beta_2) * g * g
            p -= step * m[i] / (np.sqrt(v[i]) + epsilon)
            if i < 2 and nonneg[i]:
                np.maximum(p, 0.0, out=p)
    return params


@pytest.mark.parametrize("positive, nonneg", [
    (False, (False, False)), (True, (True, True)), ("hidden", (True, False)),
    ("output", (False, True))])
def test_adam_fit_is_kingma_ba_adam_step_for_step(monkeypatch, positive, nonneg):
    # Why positive=False under Adam started slowly on digits: the
    # fit's steps are those of the textbook Adam from its starting weights, with
    # the moments carried from epoch to epoch and only the constrained layers
    # clipped; what differs from MLPClassifier is the start (the logits' spread),
    # not the update (benchmarks/results/adam_start.md).
    from sknonneg.neural_network import _dense

    rng = np.random.RandomState(0)
    X, y = rng.uniform(size=(20, 4)), np.arange(20) % 3
    start = {}
    original = _dense.DenseNetworkMixin._init_theta

    def recording(self, layout, *args, **kwargs):
        theta = original(self, layout, *args, **kwargs)
        start["coefs"], start["intercepts"] = layout.arrays(theta)
        return theta

    monkeypatch.setattr(_dense.DenseNetworkMixin, "_init_theta", recording)
    # One batch per epoch: three epochs are three steps.
    est = NonNegMLPClassifier(3, positive=positive, solver="adam", max_iter=3,
                              batch_size=20, learning_rate_init=0.05, l2=1e-3,
                              tol=0.0, random_state=0).fit(X, y)
    assert est.n_iter_ == 3 and est._solver_state.t == 3 and est.gain_ == 1.0
    w1, w2, b1, b2 = _adam_numpy_reference(X, y, start["coefs"], start["intercepts"],
                                           3, 0.05, 1e-3, nonneg)
    for fitted, expected in zip((*est.coefs_, *est.intercepts_), (w1, w2, b1, b2)):
        np.testing.assert_allclose(fitted, expected, rtol=0, atol=1e-12)
    moved = np.abs(est.coefs_[1] - start["coefs"][1]).max()
    assert moved > 0.1  # three steps of about 0.05 each
    if not positive:
        assert (est.coefs_[0] < 0).any() and (est.coefs_[1] < 0).any()


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier])
def test_output_spelled_as_what_auto_resolved_to_is_unchanged(Est):
    # Before: set_params(output=<what "auto" resolved to>) counted as a change: a
    # warm start discarded the fit (loss_curve_ restarted) and partial_fit refused
    # with "output changed", though the network is the same.
    rng = np.random.RandomState(0)
    X = rng.rand(40, 3)
    y = (X[:, 0] > 0.5).astype(int)
    Y = np.column_stack([y, X[:, 1] > 0.5]).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for target, same, other in ((y, "softmax", "logistic"),
                                    (Y, "logistic", None)):
            est = Est(hidden_layer_sizes=3, max_iter=5, random_state=0,
                      warm_start=True).fit(X, target)
            assert est.out_activation_ == same
            for spelling in (same, "auto"):
                n = len(est.loss_curve_)
                est.set_params(output=spelling).fit(X, target)
                assert len(est.loss_curve_) == n + est.n_iter_  # continued
            streamed = Est(hidden_layer_sizes=3, random_state=0).partial_fit(
                X, target, classes=None if target is Y else [0, 1])
            streamed.set_params(output=same).partial_fit(X, target)
            streamed.set_params(output="auto").partial_fit(X, target)
            assert streamed.n_iter_ == 3
            if other is not None:  # a real change still starts anew / is refused
                est.set_params(output=other).fit(X, target)
                assert len(est.loss_curve_) == est.n_iter_
                with pytest.raises(ValueError, match="output changed"):
                    streamed.set_params(output=other).partial_fit(X, target)


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier])
def test_warm_start_needs_the_fitted_classes(Est):
    # Before: a warm start took y with a subset of classes_ (scikit-learn's
    # MLPClassifier refuses), class_weight="balanced" then counted on the subset.
    rng = np.random.RandomState(0)
    X = rng.rand(30, 4)
    est = Est(hidden_layer_sizes=3, max_iter=5, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, np.arange(30) % 3)
        before = est.predict_proba(X)
        with pytest.raises(ValueError, match=r"warm_start=True continues the previous "
                                             r"fit.*y has the classes \[0 1\], the "
                                             r"previous fit \[0 1 2\]"):
            est.fit(X, np.arange(30) % 2)
        np.testing.assert_array_equal(est.predict_proba(X), before)
        est.fit(X, (np.arange(30) + 1) % 3)  # the same classes: continues
        # partial_fit batches may hold a subset, as before.
        est.partial_fit(X[:10], np.arange(10) % 2)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("hidden", [4, (4, 3)])
def test_flat_network_from_a_constant_target_learns_when_continued(hidden, dtype):
    # Before: a fit on a constant target zeroed the output and l2 drove the
    # non-negative hidden weights to within 1e-11 of 0, a stationary point of every
    # later objective: a warm start on a learnable target stopped after one
    # L-BFGS-B iteration at R^2 0 and 20 partial_fit calls left it there, without
    # a warning (scikit-learn's MLPRegressor learns from the same start). The flat
    # hidden layers are now drawn anew; the rest of the network is kept.
    rng = np.random.RandomState(0)
    X = rng.rand(200, 4)
    y = X.sum(axis=1)
    # float32: L-BFGS-B stops with hidden weights near 1e-2 (not collapsed), the
    # output exactly 0, and the warm start stalled as in float64.
    kw = dict(hidden_layer_sizes=hidden, random_state=0, max_iter=50, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dead = NonNegMLPRegressor(**kw, warm_start=True).fit(X, np.full(200, 2.0))
        streamed = clone(dead).set_params(warm_start=False).fit(X, np.full(200, 2.0))
        first = NonNegMLPRegressor(**kw).partial_fit(X[:3], np.full(3, 2.0))
        output = dead.coefs_[-1].copy()
        dead.fit(X, y)  # warm start after nothing to learn: a fresh fit
        assert dead.score(X, y) > 0.95
        assert len(dead.loss_curve_) == dead.n_iter_
        cold = NonNegMLPRegressor(**kw).fit(X, y)
        np.testing.assert_array_equal(dead.predict(X), cold.predict(X))
        for est in (streamed, first):
            for _ in range(20):
                est.partial_fit(X, y)
            assert est.score(X, y) > 0.9
    assert np.all(output == 0)
    # The test reads the weights: every collapsed hidden layer, whatever the batch
    # (one row too), redrawn in a copy.
    one = clone(streamed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one.fit(X, np.full(200, 2.0))
    theta = one._theta.copy()
    kept, redrawn = one._redraw_flat_layers(one._layout, theta, X[:1], one._rng, None)
    assert redrawn == list(range(len(np.atleast_1d(hidden))))
    assert kept is not theta
    np.testing.assert_array_equal(theta, one._theta)


def test_warm_start_after_a_single_class_fit_is_a_fresh_fit():
    # Before: a first fit in which one class alone had positive weight left the
    # output saturated; the warm start on all the weights stalled at accuracy 0.48
    # (a fresh fit, and scikit-learn's warm start: 1.0).
    rng = np.random.RandomState(0)
    X = rng.rand(100, 4)
    y = (X[:, 0] > 0.5).astype(int)
    est = NonNegMLPClassifier(3, max_iter=30, random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y, sample_weight=(y == 0) * 1.0)
        est.fit(X, y)
        cold = NonNegMLPClassifier(3, max_iter=30, random_state=0).fit(X, y)
    np.testing.assert_array_equal(est.predict_proba(X), cold.predict_proba(X))
    assert est.score(X, y) == 1.0


def test_network_a_penalty_collapsed_on_learnable_targets_is_continued():
    # The minimum of its objective: drawn anew, every partial_fit call started from
    # a random network again (loss_ 4575 after each call instead of 0.5).
    rng = np.random.RandomState(0)
    X = rng.rand(200, 4)
    y = X.sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # early_stopping=False: all 100 iterations (the held-out check cuts the
        # fit before the penalty has collapsed the first layer).
        est = NonNegMLPRegressor(4, random_state=0, max_iter=100, l2=100.0,
                                 early_stopping=False).fit(X, y)
        assert not np.any(est.coefs_[0])
        theta = est._theta
        kept, redrawn = est._redraw_flat_layers(est._layout, theta, X, est._rng, None)
        assert redrawn == [] and kept is theta
        est.partial_fit(X, y)
    assert est.loss_ < 1.0
    assert not np.any(est.coefs_[0])


def test_live_network_is_continued_as_it_is():
    X, y = make_classification(100, 4, random_state=0)
    est = NonNegMLPClassifier(3, max_iter=20, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    theta = est._theta
    kept, redrawn = est._redraw_flat_layers(est._layout, theta, X, est._rng, None)
    assert redrawn == [] and kept is theta


def test_stream_that_learned_is_continued_after_a_single_class_batch():
    # "Nothing learned" holds only while every batch had nothing to learn: a
    # stream's last batch of one row (one class) must not make a warm start
    # discard the network the earlier batches trained.
    rng = np.random.RandomState(0)
    X = rng.rand(200, 4)
    y = (X[:, 0] > 0.5).astype(int)
    est = NonNegMLPClassifier(4, random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for start in range(0, 200, 20):
            est.partial_fit(X[start:start + 20], y[start:start + 20], classes=[0, 1])
        est.partial_fit(X[:1], y[:1])
        assert not est._nothing_learned
        n = len(est.loss_curve_)
        est.set_params(max_iter=5).fit(X, y)
    assert len(est.loss_curve_) == n + est.n_iter_  # continued, not fresh


@pytest.mark.parametrize("stream", ["one row", "alternating classes"])
def test_stream_of_constant_batches_is_continued(stream):
    # Each batch alone has nothing to learn, the stream has: a warm start after it
    # continues (before the rule read only first calls, it started fresh).
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    y = (X[:, 0] > 0.5).astype(int)
    order = (np.arange(60) if stream == "one row"
             else np.concatenate([np.flatnonzero(y == 0), np.flatnonzero(y == 1)]))
    step = 1 if stream == "one row" else 10
    est = NonNegMLPClassifier(3, random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for start in range(0, 60, step):
            rows = order[start:start + step]
            if stream != "one row" and len(np.unique(y[rows])) > 1:
                continue
            est.partial_fit(X[rows], y[rows], classes=[0, 1])
        n = len(est.loss_curve_)
        est.set_params(max_iter=5).fit(X, y)
    assert len(est.loss_curve_) == n + est.n_iter_


def test_interrupted_fit_after_nothing_learned_is_continued(monkeypatch):
    # Ctrl-C keeps the latest parameters, which a warm start continues; the flag
    # of the constant-target fit before it must not make that warm start fresh.
    rng = np.random.RandomState(0)
    X = rng.rand(100, 4)
    y = X.sum(axis=1)
    # early_stopping=False: the interrupt comes in the fit on all rows, not in the
    # held-out check before it (which leaves the estimator as it was).
    est = NonNegMLPRegressor(4, random_state=0, max_iter=20, warm_start=True,
                             early_stopping=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, np.full(100, 2.0))
        assert est._nothing_learned
        calls = []
        real = training.TrainableNetwork._fit_full_batch

        def interrupted(self, *args, **kwargs):
            calls.append(1)
            raise KeyboardInterrupt

        monkeypatch.setattr(training.TrainableNetwork, "_fit_full_batch", interrupted)
        with pytest.raises(KeyboardInterrupt):
            est.fit(X, y)
        monkeypatch.setattr(training.TrainableNetwork, "_fit_full_batch", real)
    assert calls and not est._nothing_learned
