"""Sign constraints hold exactly after every way of training.

After ``fit`` (L-BFGS-B full batch and mini-batch, projected Adam), every
``partial_fit`` call and a warm start, each weight bounded at zero is ``>= 0``
(``<= 0`` for ``monotonic_cst == -1``) exactly, not approximately. The expected
constraints are derived here from the parameters, independently of the layout code.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from sknonneg import NonNegMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

MONOTONIC = [1, -1, 0, 1]
# (id, hidden_layer_sizes, positive, monotonic_cst, output)
CASES = [
    ("all", (4,), True, None, "softmax"),
    ("hidden", (4, 3), "hidden", None, "softmax"),
    ("output", (4, 3), "output", None, "logistic"),
    ("list", (4, 3), [True, False, True], None, "softmax"),
    ("list-free-first", (4,), [False, True], None, "logistic"),
    # monotonic_cst needs later layers >= 0, a logistic output and a binary target
    # (other combinations are refused: tests/test_monotone.py).
    ("monotonic", (4,), True, MONOTONIC, "logistic"),
    ("monotonic-free-first", (4, 3), [False, True, True], MONOTONIC, "auto"),
]
FITS = ["lbfgsb", "lbfgsb-minibatch", "adam", "partial_fit-lbfgsb", "partial_fit-adam",
        "warm_start"]


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=60, n_features=4, n_informative=3,
                               n_redundant=0, n_classes=3, random_state=0)
    return X, y


def expected_row_signs(hidden, positive, monotonic_cst, n_features, n_outputs):
    """Per weight layer, +1 / -1 / 0 for each input row."""
    sizes = [n_features, *hidden, n_outputs]
    n_layers = len(sizes) - 1
    if positive is True or positive is False:
        flags = [positive] * n_layers
    elif positive == "hidden":
        flags = [True] * (n_layers - 1) + [False]
    elif positive == "output":
        flags = [False] * (n_layers - 1) + [True]
    else:
        flags = list(positive)
    signs = [np.full(sizes[i], int(flags[i])) for i in range(n_layers)]
    if monotonic_cst is not None:
        signs[0] = np.asarray(monotonic_cst)
    return signs


def assert_constraints_hold(est, hidden, positive, monotonic_cst):
    signs = expected_row_signs(hidden, positive, monotonic_cst, est.n_features_in_,
                               est.n_outputs_)
    assert len(est.coefs_) == len(signs)
    n_bounded = 0
    for coef, row_signs in zip(est.coefs_, signs):
        assert np.all(np.isfinite(coef))
        if np.any(row_signs > 0):
            assert coef[row_signs > 0].min() >= 0.0  # exact, not approximate
            n_bounded += coef[row_signs > 0].size
        if np.any(row_signs < 0):
            assert coef[row_signs < 0].max() <= 0.0
            n_bounded += coef[row_signs < 0].size
    assert n_bounded > 0
    # components_ mirrors the first layer.
    np.testing.assert_array_equal(est.components_, est.coefs_[0].T)
    kinds = ["nonneg" if np.all(s > 0) else "free" if np.all(s == 0) else "mixed"
             for s in signs]
    assert est.weight_constraints_ == kinds


def train(how, X, y, **params):
    params = {"max_iter": 8, "random_state": 0, "l1": 0.01, "l2": 1e-4, **params}
    if how == "lbfgsb":
        yield NonNegMLPClassifier(**params).fit(X, y)
    elif how == "lbfgsb-minibatch":
        yield NonNegMLPClassifier(batch_size=20, steps_per_batch=2, **params).fit(X, y)
    elif how == "adam":
        yield NonNegMLPClassifier(solver="adam", batch_size=20, learning_rate_init=0.05,
                                  **params).fit(X, y)
    elif how.startswith("partial_fit"):
        solver = how.split("-")[1]
        est = NonNegMLPClassifier(solver=solver, learning_rate_init=0.05, **params)
        for start in range(0, 60, 15):
            est.partial_fit(X[start:start + 15], y[start:start + 15],
                            classes=np.unique(y))
            yield est
    elif how == "warm_start":
        est = NonNegMLPClassifier(warm_start=True, **params).fit(X, y)
        yield est
        yield est.fit(X, y)
        yield est.set_params(solver="adam", learning_rate_init=0.1).fit(X, y)


@pytest.mark.parametrize("how", FITS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bounded_weights_are_exactly_feasible(data, case, how):
    _, hidden, positive, monotonic_cst, output = case
    X, y = data
    if monotonic_cst is not None:
        y = (y == 0).astype(int)
    for est in train(how, X, y, hidden_layer_sizes=hidden, positive=positive,
                     monotonic_cst=monotonic_cst, output=output):
        assert_constraints_hold(est, hidden, positive, monotonic_cst)


def test_bounds_are_active_after_l1(data):
    """With a strong L1 many constrained weights sit exactly on the bound, and still
    none crosses it."""
    X, y = data
    est = NonNegMLPClassifier((6,), l1=0.05, max_iter=60, random_state=0).fit(X, y)
    coefs = np.concatenate([c.ravel() for c in est.coefs_])
    assert coefs.min() >= 0.0
    assert np.sum(coefs == 0.0) > 0


@pytest.mark.parametrize("how", ["lbfgsb", "adam"])
def test_unconstrained_nets_get_negative_weights(data, how):
    X, y = data
    est = next(train(how, X, y, hidden_layer_sizes=(4,), positive=False, max_iter=30))
    assert est.weight_constraints_ == ["free", "free"]
    assert all(coef.min() < 0 for coef in est.coefs_)


def test_warm_start_from_unconstrained_solution_becomes_feasible(data):
    """Switching ``positive`` on between warm-started fits starts from an infeasible
    theta (same number of parameters); the result must still satisfy the bounds."""
    X, y = data
    for solver in ("lbfgsb", "adam"):
        est = NonNegMLPClassifier((4,), positive=False, warm_start=True, max_iter=20,
                                  solver=solver, random_state=0).fit(X, y)
        assert min(c.min() for c in est.coefs_) < 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.set_params(positive=True, max_iter=5).fit(X, y)
        assert_constraints_hold(est, (4,), True, None)
