"""The classifiers' docstrings against the code: the objective written under Notes
of ``NonNegMLPClassifier`` evaluated in NumPy at the fitted parameters equals the
loss the engine reports (``loss_``), and so does ABBA's penalised loss, with the
penalties of the blocks as the solver moves them; and the combinations the
docstrings name as accepted are.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit, log_expit, log_softmax
from sklearn.datasets import load_wine, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sknonneg import ABBAClassifier, NonNegMLPClassifier

ACTIVATIONS = {"logistic": expit, "tanh": np.tanh,
               "relu": lambda t: np.maximum(t, 0.0), "identity": lambda t: t}


def _doc(cls):
    return " ".join(cls.__doc__.split())


def _wine():
    X, y = load_wine(return_X_y=True)
    # Standardised: columns span 4-6, so the first layer's L2 is in their units.
    X = StandardScaler().fit_transform(X)
    sample_weight = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    return X, y, sample_weight


def _notes_objective(clf, X, y, s, l1, l2):
    """The objective under Notes of NonNegMLPClassifier, at ``coefs_``,
    ``intercepts_`` and ``gain_``; ``s`` the sample weights (times class
    weights)."""
    f = ACTIVATIONS[clf.activation_]
    a, hidden = X, []
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1]):
        a = f(clf.gain_ * (a @ W + b))
        hidden.append(a)
    z = a @ clf.coefs_[-1] + clf.intercepts_[-1]
    if clf.out_activation_ == "softmax":
        nll = -log_softmax(z, axis=1)[np.arange(len(y)),
                                      np.searchsorted(clf.classes_, y)]
    else:  # the sum over the units of each one's binary cross-entropy
        T = y if y.ndim == 2 else (y == clf.classes_[1])[:, None].astype(float)
        nll = -(T * log_expit(z) + (1 - T) * log_expit(-z)).sum(axis=1)
    span = X.max(axis=0) - X.min(axis=0)
    u = np.where(span > 1, span, 1.0)
    penalty = 0.0
    for i, W in enumerate(clf.coefs_):
        penalty += l1[i] * np.abs(W).sum()
        penalty += l2[i] * ((u[:, None] ** 2 * W ** 2).sum() if i == 0
                            else (W ** 2).sum())
    activity = sum((s * h.sum(axis=1)).sum() for h in hidden) / s.sum()
    return (s * nll).sum() / s.sum() + penalty + clf.activity_l1 * activity


@pytest.mark.parametrize("params", [
    {},
    {"positive": "hidden", "l1": [1e-3, 2e-3]},
    {"l1": 1e-3, "l2": 1e-3, "activity_l1": 1e-3, "gain": 1.5},
    {"hidden_layer_sizes": (6, 5), "positive": False, "activity_l1": 1e-4},
    {"class_weight": {0: 1.0, 1: 3.0, 2: 0.5}, "activation": "relu"},
])
def test_notes_objective_is_the_loss(params):
    X, y, sw = _wine()
    params = {"hidden_layer_sizes": 8, **params}
    clf = NonNegMLPClassifier(max_iter=40, random_state=0, early_stopping=False,
                              **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=sw)
    n = len(clf.coefs_)
    l1 = np.broadcast_to(0.0 if clf.l1 == "auto" else clf.l1, (n,))
    l2 = np.broadcast_to(clf.l2, (n,))
    s = sw.copy()
    if clf.class_weight is not None:
        s *= np.array([clf.class_weight[c] for c in y])
    assert _notes_objective(clf, X, y, s, l1, l2) == pytest.approx(clf.loss_,
                                                                   rel=1e-12)
    assert "``sample_weight`` times ``class_weight``" in _doc(NonNegMLPClassifier)


def test_notes_objective_logistic_outputs_sum_their_cross_entropies():
    X, Y = make_multilabel_classification(200, 10, n_classes=4, random_state=0)
    X = X / X.max()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = NonNegMLPClassifier(8, max_iter=40, random_state=0).fit(X, Y)
    # l1="auto": 1e-4 on the first layer of this non-negative multilabel network.
    objective = _notes_objective(clf, X, Y, np.ones(len(X)), [1e-4, 0.0],
                                 [1e-5, 1e-5])
    assert objective == pytest.approx(clf.loss_, rel=1e-12)
    # The Notes write nll as math, the sum over the units for logistic
    # outputs (before: "with logistic outputs the sum over the units of each one's
    # binary cross-entropy").
    assert (r"and :math:`\sum_k (\log(1 + e^{z_k}) - y_k z_k)` for logistic outputs "
            "(each unit's binary cross-entropy)") in _doc(NonNegMLPClassifier)


def test_loss_of_a_split_l1_layer_counts_both_parts():
    """A free weight under L1 is held as ``w+ - w-``: ``loss_`` is of the parts,
    above the Notes objective at ``coefs_`` by ``2 l1 sum min(w+, w-)`` where a fit
    stopped at max_iter left both positive (as the Notes now say), equal to it
    at L-BFGS-B's solution."""
    X, y, sw = _wine()
    # 10 iterations leave both parts positive (sum of min(w+, w-): 2.8 here; 4.7
    # from the signed-output start of 2 used before, whose fit still left
    # 0.012 at 40 iterations, the 0 of this one at 40).
    for max_iter, overlap in ((10, True), (1000, False)):
        clf = NonNegMLPClassifier(8, positive=False, l1=1e-3, max_iter=max_iter,
                                  random_state=0, early_stopping=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y, sample_weight=sw)
        blocks = clf._layout.blocks(clf._theta)
        both = sum(np.minimum(b["coef_pos"], b["coef_neg"]).sum() for b in blocks)
        assert (both > 0) == overlap
        objective = _notes_objective(clf, X, y, sw, [1e-3, 1e-3], [1e-5, 1e-5])
        assert clf.loss_ == pytest.approx(objective + 2e-3 * both, rel=1e-12)
    # As math, per layer (before: "``2 l1 sum min(w+, w-)``").
    assert (r"exceeds the objective above at ``coefs_`` by :math:`2 \sum_l "
            r"\mathrm{l1}_l \sum \min(w^+, w^-)` over the split weights of layer"
            in _doc(NonNegMLPClassifier))


def _abba_data_term(clf, X, y, sw):
    """The mean weighted log-loss of the ABBA network of ``coefs_`` and
    ``intercepts_`` (Definition 3.2: doubling, ABBA layers, halving)."""
    h = np.hstack([X, -X])
    for i, (W, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        h = h @ W + b
        if i < len(clf.coefs_) - 1:
            h = np.tanh(h)
    n = clf.n_outputs_
    z = (h[:, :n] - h[:, n:]) / 2
    nll = -log_softmax(z, axis=1)[np.arange(len(y)), np.searchsorted(clf.classes_, y)]
    return (sw * nll).sum() / sw.sum()


@pytest.mark.parametrize("lipschitz_max", [None, 2.0])
def test_abba_penalties_are_of_the_blocks_the_solver_moves(lipschitz_max):
    X, y, sw = _wine()
    clf = ABBAClassifier((6, 4), l1=1e-3, l2=1e-3, max_iter=40, random_state=0,
                         lipschitz_max=lipschitz_max)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y, sample_weight=sw)
    data = _abba_data_term(clf, X, y, sw)

    def penalty(blocks):
        return sum(1e-3 * (A.sum() + B.sum()) + 1e-3 * ((A ** 2).sum() + (B ** 2).sum())
                   for A, B in blocks)

    moved = [(v[0], v[1]) for v in clf._layout.views(clf._theta)]
    assert data + penalty(moved) == pytest.approx(clf.loss_, rel=1e-12)
    fitted = penalty(zip(clf.coefs_a_, clf.coefs_b_))
    if lipschitz_max is not None:
        # The fitted blocks are scaled: their penalty is not the one fitted.
        assert data + fitted < clf.loss_ * (1 - 1e-3)
        assert ("The penalties ``l1`` and ``l2`` are of the blocks before the scale"
                in _doc(ABBAClassifier))


def test_monotonic_cst_with_positive_output_and_one_hidden_layer():
    """``positive="output"`` with one hidden layer leaves every layer after the
    first non-negative: accepted with monotonic_cst, as the docstring says; with
    two hidden layers refused."""
    X, y, _ = _wine()
    y = (y == 0).astype(int)
    cst = [1] + [0] * 12
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = NonNegMLPClassifier(4, positive="output", monotonic_cst=cst,
                                  max_iter=5, random_state=0).fit(X, y)
    assert clf.weight_constraints_ == ["mixed", "nonneg"]
    with pytest.raises(ValueError, match="after the first non-negative"):
        NonNegMLPClassifier((4, 3), positive="output", monotonic_cst=cst,
                            max_iter=5).fit(X, y)
    assert ('``"output"`` with a single hidden layer'
            in _doc(NonNegMLPClassifier))


def test_all_zero_monotonic_cst_is_accepted_where_a_constraint_is_refused():
    """Constraints of 0 alone promise nothing: accepted on a multiclass target,
    with a softmax output and with signed later layers, where any constraint is
    refused (``HistGradientBoostingClassifier`` refuses them on a multiclass
    target too); the docstring says so. They free the first layer's weights."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y, _ = _wine()
    zeros, one = [0] * 13, [1] + [0] * 12
    with pytest.raises(ValueError, match="not supported for multiclass"):
        HistGradientBoostingClassifier(max_iter=2, monotonic_cst=zeros).fit(X, y)
    for params in ({"hidden_layer_sizes": 4},
                   {"hidden_layer_sizes": 4, "output": "softmax"},
                   {"hidden_layer_sizes": 4, "positive": False},
                   {"hidden_layer_sizes": (4, 3), "positive": "output"}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf = NonNegMLPClassifier(max_iter=3, random_state=0,
                                      monotonic_cst=zeros, **params).fit(X, y)
        assert clf.weight_constraints_[0] == "free"
        assert np.array_equal(clf.monotonic_cst_, zeros)
        with pytest.raises(ValueError):
            NonNegMLPClassifier(max_iter=3, monotonic_cst=one,
                                **params).fit(X, y)
    assert ("constraints of 0 alone promise nothing and are accepted with each "
            "of these" in _doc(NonNegMLPClassifier))


def test_complementary_labels_need_signed_weights():
    """With ``positive=True`` and logistic outputs every label's probability is
    non-decreasing in every feature, so a label and its complement cannot both be
    fitted; ``positive="hidden"`` fits them (the docstring says so)."""
    X = np.linspace(0, 1, 80).reshape(-1, 1)
    Y = np.c_[X[:, 0] > 0.5, X[:, 0] <= 0.5].astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pos = NonNegMLPClassifier(4, random_state=0).fit(X, Y)
        hidden = NonNegMLPClassifier(4, positive="hidden", random_state=0).fit(X, Y)
    proba = pos.predict_proba(X)
    assert np.all(np.diff(proba, axis=0) >= 0)  # both labels non-decreasing
    assert (pos.predict(X) == Y).all(axis=1).mean() < 0.75
    assert (hidden.predict(X) == Y).all(axis=1).mean() > 0.95
    assert ("cannot both be fitted then, so take ``\"hidden\"`` or ``False``"
            in _doc(NonNegMLPClassifier))


@pytest.mark.parametrize("cls", [NonNegMLPClassifier, ABBAClassifier])
def test_sparse_indicator_y_is_documented_and_taken(cls):
    """fit, partial_fit, score and fit_transform take a sparse multilabel
    indicator matrix; their docstrings said ``y : array-like``. And fit's
    ``sample_weight`` entry named an activation penalty that ABBA has not."""
    import scipy.sparse as sp

    X, Y = make_multilabel_classification(60, 5, n_classes=3, random_state=0)
    Ys = sp.csr_matrix(Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = cls(4, max_iter=3, random_state=0).fit(X, Ys)
        assert sp.issparse(clf.predict(X))
        assert 0.0 <= clf.score(X, Ys) <= 1.0
        assert cls(4, max_iter=3, random_state=0).fit_transform(X, Ys).shape[0] == 60
        online = cls(4, random_state=0).partial_fit(X, Ys)
        online.partial_fit(X, Ys)
    for method in ("fit", "partial_fit", "score", "fit_transform"):
        doc = getattr(cls, method).__doc__
        assert "y : {array-like, sparse matrix} of shape" in doc, method
    assert "(``activity_l1``, where the classifier has one)" in " ".join(
        cls.fit.__doc__.split())


def test_tiny_lipschitz_max_is_undercut_by_the_l2_penalty_not_rounding():
    """The Notes' example: under a tiny ``lipschitz_max`` the data term no longer
    holds the blocks, so with ``l2 > 0`` the penalty shrinks them below the cap
    (``1e-30``) or to zero (``1e-70``, in float64: not rounding), while ``l2=0``
    or adam leave the bound at the cap. The docstring said only that rounding
    can zero every weight."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]

    def fit(cap, **params):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf = ABBAClassifier((10,), lipschitz_max=cap, max_iter=100,
                                 random_state=0, **params).fit(X, y)
        weights = np.concatenate([w.ravel() for w in clf.coefs_a_ + clf.coefs_b_])
        assert clf.lipschitz_bound_ <= cap
        return clf.lipschitz_bound_ / cap, np.count_nonzero(weights)

    assert fit(1e-30)[0] < 0.05  # default l2: far below the cap
    assert fit(1e-70) == (0.0, 0)  # every weight zero, float64
    for params in ({"l2": 0.0}, {"solver": "adam"}):
        for cap in (1e-30, 1e-70):
            assert fit(cap, **params)[0] > 0.99, (params, cap)
    # The docstring says it in one sentence and points to
    # doc/reliability.md, which holds the measurement.
    doc = _doc(ABBAClassifier)
    assert "Under a tiny cap the fitted bound can end far below it" in doc
    page = " ".join((Path(__file__).parents[1] / "doc" / "reliability.md")
                    .read_text(encoding="utf-8").split())
    assert "Rounding is not the only way below the cap: with `l2 > 0`" in page
    assert "`1e-70` with every weight zero" in page


@pytest.mark.parametrize("positive, spread", [
    (False, 0.1), ("hidden", 0.1), ([True, False], 0.1),  # signed output layers
    (True, 2.0), ("output", 2.0)])  # non-negative output layers: as before
def test_a_softmax_network_starts_near_uniform(positive, spread):
    # The start the Notes describe: each logit scaled to a standard deviation over
    # the data of 2 for a non-negative output layer (its logits move together, so
    # the softmax still starts near uniform) and of 0.1 for a signed one (its
    # logits are independent: at 2 it started as a confident random guess,
    # log-loss 4 to 4.5 against ln 10 = 2.30). The start is read after
    # one Adam epoch at a step of 1e-12. Before, the signed cases failed:
    # spread 2, log-loss 2.8 to 4.5.
    from sklearn.datasets import load_digits
    from sklearn.metrics import log_loss

    X, y = load_digits(return_X_y=True)
    X, y = X[:600] / 16.0, y[:600]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = NonNegMLPClassifier(20, positive=positive, solver="adam", max_iter=1,
                                  learning_rate_init=1e-12, random_state=0).fit(X, y)
    hidden = expit(X @ clf.coefs_[0] + clf.intercepts_[0])  # gain_ is 1 under Adam
    logits = hidden @ clf.coefs_[1] + clf.intercepts_[1]
    # 600 rows: all of them are the initialisation's rows, of equal weight.
    assert_spread = np.testing.assert_allclose
    assert_spread(logits.std(axis=0), spread, rtol=1e-6)
    if positive != "output":
        assert log_loss(y, clf.predict_proba(X)) < np.log(10) + 0.1
    # Not "output": its free hidden units do not move together, nor do its logits
    # (start log-loss 2.79 here; adam_start.md: 2.70), a start left as
    # it was (non-negative output layers keep 2).
    assert clf.gain_ == 1.0
    assert ("2 for a non-negative output layer and 0.1 for a signed one"
            in _doc(NonNegMLPClassifier))
