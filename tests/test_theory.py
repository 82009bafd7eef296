"""What theory says non-negative networks can and cannot do.

Wang et al. (2022): a network with non-negative weights, monotone activations and a
single output is monotone non-decreasing in every input, so it cannot fit XOR (at
most 3 of its 4 points). Chorowski & Zurada (2015, Appendix A): with a softmax over
two or more outputs the *difference* of logits need not be monotone, and a
non-negative network can fit any labelling, XOR included. Unconstrained networks fit
XOR too. And the monotonicity itself: ``positive=True, output="logistic"`` makes
P(class 1) non-decreasing in every feature; ``monotonic_cst`` makes it increasing in
its +1 features and decreasing in its -1 features.

Settings of the positive XOR tests were chosen from a sweep over 10 seeds: with 4 or
more hidden units every fit reached 4/4; with 2 hidden units some seeds stop at a
local minimum (3/4), for constrained and unconstrained nets alike, so (2,) is not
used there. An unconstrained softmax net starts its signed output layer's logits
at a spread of 0.1 (2 before): on a 40-seed sweep of L-BFGS-B, 300
iterations, it fits XOR from 36 of 40 seeds with 4 hidden units (seeds 1, 9, 22,
28 stop at a local minimum, 3/4; 40 of 40 from the old start), 39 of 40 with 8
(seed 36) and 22 of 40 with 2 (34 of 40 from the old start). So the unconstrained
softmax test uses 8 hidden units.
"""

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from conftest import examples
from sknonneg import NonNegMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y_XOR = np.array([0, 1, 1, 0])
SEEDS = range(5)
GAINS = [1.0, (1.0, 2.0), 5.0]


def _xor_fit(**params):
    params = {"l2": 0.0, "max_iter": 300, **params}
    return NonNegMLPClassifier(**params).fit(X_XOR, Y_XOR)


@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
@pytest.mark.parametrize("hidden", [(2,), (4,), (8,), (4, 4)], ids=str)
def test_nonneg_single_logistic_output_cannot_fit_xor(hidden, solver):
    extra = {"learning_rate_init": 0.05, "batch_size": 4} if solver == "adam" else {}
    for seed in SEEDS:
        for gain in GAINS:
            est = _xor_fit(hidden_layer_sizes=hidden, positive=True, output="logistic",
                           gain=gain, random_state=seed, solver=solver, **extra)
            assert est.n_outputs_ == 1
            assert est.score(X_XOR, Y_XOR) <= 0.75, (seed, gain)
            # The reason: P(class 1) is monotone on the square's partial order.
            p = est.predict_proba(X_XOR)[:, 1]
            assert p[0] <= p[1] <= p[3] and p[0] <= p[2] <= p[3]


@pytest.mark.parametrize("hidden", [(4,), (8,), (4, 4)], ids=str)
def test_nonneg_softmax_fits_xor(hidden):
    for seed in SEEDS:
        for gain in GAINS:
            est = _xor_fit(hidden_layer_sizes=hidden, positive=True, output="softmax",
                           gain=gain, random_state=seed)
            assert est.n_outputs_ == 2
            assert min(c.min() for c in est.coefs_) >= 0
            assert est.score(X_XOR, Y_XOR) == 1.0, (seed, gain)


@pytest.mark.parametrize("hidden, output", [((4,), "logistic"), ((8,), "logistic"),
                                            ((8,), "softmax")],
                         ids=["(4,)-logistic", "(8,)-logistic", "(8,)-softmax"])
def test_unconstrained_net_fits_xor(hidden, output):
    for seed in SEEDS:
        for gain in [1.0, (1.0, 2.0)]:
            est = _xor_fit(hidden_layer_sizes=hidden, positive=False, output=output,
                           gain=gain, random_state=seed)
            assert est.score(X_XOR, Y_XOR) == 1.0, (seed, gain)


# ------------------------------------------------------------------ monotonicity
def _monotone_data(n_samples=200, seed=0):
    """Labels that rise with features 0 and 3 and fall with feature 1: a positive net
    would like a negative weight on feature 1 but cannot have one."""
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, 4))
    logit = 4 * X[:, 0] - 4 * X[:, 1] + 2 * X[:, 3] - 1 + 0.3 * rng.normal(size=n_samples)
    return X, (logit > 0).astype(int)


@pytest.fixture(scope="module")
def positive_logistic():
    X, y = _monotone_data()
    return NonNegMLPClassifier((6, 3), positive=True, output="logistic", max_iter=60,
                               random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def monotonic_cst_logistic():
    X, y = _monotone_data()
    est = NonNegMLPClassifier((6,), positive=True, monotonic_cst=[1, -1, 0, 1],
                              output="logistic", max_iter=60, random_state=0).fit(X, y)
    assert est.score(X, y) > 0.85  # the constraint allows a good fit
    return est


def _increments(est, signs, rng, n_points=300):
    """Each feature with sign != 0 increased by a random amount at random points:
    P(class 1) must move in the direction of the sign (ties allowed)."""
    X = rng.uniform(-2, 3, size=(n_points, est.n_features_in_))
    p = est.predict_proba(X)[:, 1]
    assert p.std() > 0.01  # not a constant function: the check is not vacuous
    for j, sign in enumerate(signs):
        if sign == 0:
            continue
        X_up = X.copy()
        X_up[:, j] += rng.exponential(1.0, n_points) * rng.choice([1e-6, 1.0, 100.0],
                                                                  n_points)
        # Same batch shape and row positions: identical floating-point paths.
        p_up = est.predict_proba(X_up)[:, 1]
        assert np.all(sign * (p_up - p) >= 0), j


def test_positive_logistic_is_non_decreasing_in_every_feature(positive_logistic):
    _increments(positive_logistic, [1, 1, 1, 1], np.random.default_rng(0))
    # It is forced monotone although the data falls with feature 1.
    assert all(c.min() >= 0 for c in positive_logistic.coefs_)


def test_monotonic_cst_gives_the_constrained_directions(monotonic_cst_logistic):
    _increments(monotonic_cst_logistic, [1, -1, 0, 1], np.random.default_rng(1))


@examples(60)
@given(x=st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4),
       feature=st.integers(0, 3), delta=st.floats(1e-6, 10.0))
def test_monotonicity_property(positive_logistic, monotonic_cst_logistic, x, feature,
                               delta):
    # x where the networks were fitted ([0, 1]^4) and a step that moves the input
    # (delta >= 1e-6): before, x in [-1e3, 1e3] and delta in [0, 1e4] drew delta == 0
    # or a saturated sigmoid in most examples, p_up == p, which proves nothing.
    x = np.array([x])
    x_up = x.copy()
    x_up[0, feature] += delta
    assert x_up[0, feature] > x[0, feature]
    p, p_up = (positive_logistic.predict_proba(v)[0, 1] for v in (x, x_up))
    assert p_up >= p
    event("positive: strict" if p_up > p else "positive: equal")
    sign = [1, -1, 0, 1][feature]
    q, q_up = (monotonic_cst_logistic.predict_proba(v)[0, 1] for v in (x, x_up))
    assert sign * (q_up - q) >= 0
    if sign:
        event("monotonic_cst: strict" if q_up != q else "monotonic_cst: equal")
