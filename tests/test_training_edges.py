"""Edges of the training loops: ``partial_fit`` after ``fit`` (the gain it goes on
at), mini-batches and the early-stopping split on small classes, ``batch_size``
beyond the data."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from sknonneg import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                      NonNegMLPRegressor)

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    "ignore::sknonneg.exceptions.DegenerateFitWarning")


def _scaled(X):
    return (X - X.min(0)) / np.ptp(X, 0)


def _problem(Est):
    if Est is NonNegMLPRegressor:
        X, y = make_regression(150, 5, noise=1, random_state=0)
    else:
        X, y = make_classification(150, 5, n_informative=3, random_state=0)
    return _scaled(X), y


# ---------------------------------------------------------- partial_fit after fit
@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor])
@pytest.mark.parametrize("change", [{"solver": "adam"}, {"max_iter": 200}])
def test_partial_fit_after_fit_goes_on_at_the_fitted_gain(Est, change):
    """Before: gain="auto" was resolved anew by partial_fit (an L-BFGS-B fit ended
    at gain 2, a call after set_params(solver="adam") ran at Adam's 1: accuracy
    0.937 -> 0.787 in one call), and after a fit the schedule's index was the
    fit's max_iter, partway through a larger one's (2 -> 1.23)."""
    X, y = _problem(Est)
    est = Est((6,), max_iter=30, random_state=0).fit(X, y)
    fitted_gain = est.gain_
    assert fitted_gain == 2.0
    est.set_params(**change).partial_fit(X, y)
    assert est.gain_ == fitted_gain
    est.partial_fit(X, y)
    assert est.gain_ == fitted_gain


def test_partial_fit_after_an_early_stopped_fit_goes_on_at_its_kept_gain():
    """The gain of the parameters early stopping kept, not the schedule's end."""
    X, y = _problem(NonNegMLPClassifier)
    est = NonNegMLPClassifier((6,), max_iter=40, early_stopping=True,
                              n_iter_no_change=2, tol=0.0, batch_size=30,
                              random_state=0).fit(X, y)
    fitted_gain = est.gain_
    assert fitted_gain < 2.0
    est.set_params(early_stopping=False).partial_fit(X, y)
    assert est.gain_ == fitted_gain


@pytest.mark.parametrize("max_iter", [30, 200])
def test_partial_fit_after_fit_with_an_explicit_gain_runs_at_its_end(max_iter):
    X, y = _problem(NonNegMLPClassifier)
    est = NonNegMLPClassifier((6,), gain=(1.0, 3.0), max_iter=30,
                              random_state=0).fit(X, y)
    est.set_params(max_iter=max_iter).partial_fit(X, y)
    assert est.gain_ == pytest.approx(3.0, rel=1e-15)


def test_partial_fit_stream_follows_the_gain_schedule_over_max_iter_calls():
    X, y = _problem(NonNegMLPClassifier)
    est = NonNegMLPClassifier((6,), gain=(1.0, 2.0), max_iter=3, random_state=0)
    gains = []
    for _ in range(5):
        gains.append(est.partial_fit(X, y, classes=[0, 1]).gain_)
    np.testing.assert_allclose(gains, [1.0, 2 ** 0.5, 2.0, 2.0, 2.0], rtol=1e-15)


# ------------------------------------------------------------- mini-batch sizes
def _binary():
    X, y = make_classification(60, 4, n_informative=3, n_redundant=0,
                               random_state=0)
    return _scaled(X), y


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier])
@pytest.mark.parametrize("solver", ["lbfgsb", "lbfgs"])
def test_lbfgsb_on_one_row_batches_is_refused(Est, solver):
    """Before: every batch held one class, whose log-loss has no minimum; the
    output intercepts ran to 1e8 (accuracy 0.5) and the warnings blamed max_iter
    and the input scaling."""
    X, y = _binary()
    est = Est((3,), solver=solver, batch_size=1, max_iter=3, random_state=0)
    with pytest.raises(ValueError, match=rf"solver='{solver}' with batch_size=1 "
                       r"runs L-BFGS-B on mini-batches of 1 row, each of a single "
                       r"class: .* Set batch_size to at least 2"):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")


def test_lbfgsb_on_two_row_multilabel_batches_is_refused():
    from sklearn.datasets import make_multilabel_classification
    X, Y = make_multilabel_classification(60, 4, n_classes=3, random_state=0)
    est = NonNegMLPClassifier((3,), batch_size=2, max_iter=3, random_state=0)
    with pytest.raises(ValueError, match=r"batch_size=2 runs L-BFGS-B on "
                       r"mini-batches of 2 rows, in which a label often takes a "
                       r"single value .* at least 3"):
        est.fit(X, Y)
    est.set_params(batch_size=3).fit(X, Y)


def test_small_batches_that_train_are_not_refused():
    """Two rows of two classes, 1-row batches for Adam and for the regressor and
    the autoencoder (their losses have a minimum on one row), a rare class
    missing from most batches, and partial_fit on one row (online learning)."""
    X, y = _binary()
    for est in [NonNegMLPClassifier((3,), batch_size=2, max_iter=5, random_state=0),
                NonNegMLPClassifier((3,), solver="adam", batch_size=1, max_iter=2,
                                    random_state=0)]:
        est.fit(X, y)
        assert np.abs(est.intercepts_[-1]).max() < 100
    NonNegMLPRegressor((3,), batch_size=1, max_iter=2, random_state=0).fit(X, X[:, 0])
    NonNegAutoencoder(2, solver="lbfgsb", batch_size=1, max_iter=2,
                      random_state=0).fit(X)
    rare = np.zeros(200, dtype=int)
    rare[:6] = 1
    Xr = np.random.RandomState(0).uniform(size=(200, 4))
    NonNegMLPClassifier((3,), batch_size=10, max_iter=2, random_state=0).fit(Xr, rare)
    NonNegMLPClassifier((3,), batch_size=1, random_state=0).partial_fit(
        X[:1], y[:1], classes=[0, 1])


@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_batch_size_beyond_the_rows_is_clipped_with_a_warning(solver):
    """scikit-learn's MLPs warn in these words; it was clipped silently."""
    X, y = _binary()
    message = ("Got `batch_size` less than 1 or larger than sample size. It is "
               "going to be clipped")
    est = NonNegMLPClassifier((3,), solver=solver, batch_size=61, max_iter=2,
                              random_state=0)
    with pytest.warns(UserWarning, match=message):
        est.fit(X, y)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Got `batch_size`")
        est.set_params(batch_size=60).fit(X, y)
        est.set_params(batch_size="auto").fit(X, y)
    if solver == "adam":
        with pytest.warns(UserWarning, match=message):
            est.set_params(batch_size=61).partial_fit(X, y)


# ------------------------------------------------------- the early-stopping split
def _rare_class():
    X = np.random.RandomState(0).uniform(size=(100, 3))
    y = np.zeros(100, dtype=int)
    y[:3] = 1  # 3 rows: stratified, 10 held out round its share to 0
    return X, y


def _held_out_rows(est, X, y, monkeypatch):
    import sknonneg.neural_network._training as training
    seen = {}
    original = training.EarlyStopping.__init__

    def spy(self, estimator, X_val, y_val, *args, **kwargs):
        seen["y"] = y_val
        original(self, estimator, X_val, y_val, *args, **kwargs)

    monkeypatch.setattr(training.EarlyStopping, "__init__", spy)
    est.fit(X, y)
    return seen["y"]


@pytest.mark.parametrize("scoring", ["neg_log_loss", "f1", "roc_auc", "loss", None])
def test_early_stopping_holds_out_a_row_of_every_class(monkeypatch, scoring):
    """Before: the held-out rows were all of class 0, "neg_log_loss" raised
    scikit-learn's "y_true contains only one label ... provide the labels
    argument", "roc_auc" scored NaN and "f1" 0 at every check."""
    X, y = _rare_class()
    est = NonNegMLPClassifier((3,), max_iter=3, early_stopping=True,
                              scoring=scoring, random_state=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=UserWarning,
                                module="sklearn.metrics")
        held = _held_out_rows(est, X, y, monkeypatch)
    assert np.bincount(held).tolist() == [9, 1]
    assert len(est.validation_scores_) == 3
    assert np.all(np.isfinite(est.validation_scores_))


def test_split_that_holds_every_class_is_kept():
    """A split that holds every class is train_test_split's own, and the random
    state is not drawn from; a missing class swaps one row with the class of the
    most held-out rows, the sizes kept."""
    from sknonneg.neural_network._training import _hold_out_every_class
    strata = np.repeat([0, 1, 2], [6, 3, 3])
    idx_train, idx_val = np.array([0, 1, 2, 3, 6, 7, 9, 10]), np.array([4, 5, 8, 11])
    rng = np.random.RandomState(0)
    state = rng.get_state()[1].copy()
    kept = _hold_out_every_class(idx_train, idx_val, strata, rng)
    assert kept[0] is idx_train and kept[1] is idx_val
    assert np.array_equal(rng.get_state()[1], state)
    idx_train, idx_val = np.array([0, 1, 2, 6, 7, 8, 9, 10]), np.array([3, 4, 5, 11])
    new_train, new_val = _hold_out_every_class(idx_train, idx_val, strata, rng)
    assert np.bincount(strata[new_val]).tolist() == [2, 1, 1]
    assert sorted(np.r_[new_train, new_val]) == list(range(12))
    assert new_train.shape == idx_train.shape


def test_scorer_without_a_lone_class_warns():
    """The only row of a class always trains: a scorer is then computed without
    it, and says so (neg_log_loss fails there in scikit-learn's words)."""
    X = np.random.RandomState(0).uniform(size=(100, 3))
    y = np.array(["c"] + ["b"] * 30 + ["a"] * 69)
    est = NonNegMLPClassifier((3,), max_iter=2, early_stopping=True,
                              scoring="f1_macro", random_state=0)
    with pytest.warns(UserWarning, match=r"early_stopping holds out no row of "
                      r"class 'c', whose only row always trains, so "
                      r"scoring='f1_macro' is computed without it") as rec:
        est.fit(X, y)
    # Two sentences (before: a parenthesis on the scorings that work, outside
    # the remedies); the remedies name them.
    (message,) = [str(w.message) for w in rec if "early_stopping holds" in
                  str(w.message)]
    assert message == (
        "early_stopping holds out no row of class 'c', whose only row always "
        "trains, so scoring='f1_macro' is computed without it and may be undefined "
        "or fail. Pass more rows of such classes, scoring='loss' or None "
        "(accuracy; both are defined on any held-out rows), or "
        "early_stopping=False.")
    with warnings.catch_warnings():
        # Accuracy is defined on any held-out rows, by name as by None.
        warnings.filterwarnings("error", message="early_stopping holds out")
        est.set_params(scoring="loss").fit(X, y)
        est.set_params(scoring=None).fit(X, y)
        est.set_params(scoring="accuracy").fit(X, y)


def test_split_with_fewer_held_out_rows_than_classes_holds_one_per_class():
    """Before: train_test_split(stratify=y) refused to hold out 4 rows of 10
    classes ("The test_size = 4 should be greater or equal to the number of
    classes = 10") and so did early stopping; scikit-learn's MLPClassifier fits.
    Now one row each of 4 classes is held out, every class trains, the lone row
    of class 10 too."""
    y = np.r_[np.repeat(np.arange(10), 4), 10]
    est = NonNegMLPClassifier(validation_fraction=0.1)
    est._multilabel = False
    for seed in range(5):
        train, val = est._validation_split(y, np.ones(y.shape[0]),
                                           np.random.RandomState(seed))
        assert val.shape == (4,) and np.unique(y[val]).shape == (4,)
        assert sorted(np.r_[train, val]) == list(range(y.shape[0]))
        assert np.unique(y[train]).tolist() == list(range(11))


@pytest.mark.parametrize("make", [NonNegMLPClassifier, ABBAClassifier])
def test_multilabel_early_stopping_split_follows_each_rows_first_label(make):
    """What validation_fraction's description says of multilabel ``y`` (it spoke
    of classes only): the strata are each row's first label (a row of no label
    counts with the first column's); fewer held-out rows than strata hold out
    one row each of as many strata, every stratum trains; a stratum of one row
    makes the split random, which can hold out a label's only row (it then
    moves back to training: test_multilabel_split_trains_every_label)."""
    from sklearn.model_selection import train_test_split

    doc = make.__doc__
    doc = doc[doc.index("validation_fraction :"):doc.index("n_iter_no_change :")]
    assert "multilabel classifier's is stratified by each" in " ".join(doc.split())
    rng = np.random.RandomState(0)
    Y = np.zeros((40, 6), dtype=int)
    for i in range(36):  # first label i % 6, later labels at random
        Y[i, i % 6] = 1
        Y[i, i % 6 + 1:] = rng.rand(5 - i % 6) > 0.5
    est = make(validation_fraction=0.1)
    targets, strata = est._encode_targets(Y)
    first = [int(np.flatnonzero(row)[0]) if row.any() else 0 for row in Y]
    assert strata.tolist() == first  # rows 36-39, no label: with label 0's
    for seed in range(5):
        # 4 rows held out, 6 strata: one row each of 4 of them; all 6 train.
        train, val = est._validation_split(strata, np.ones(40),
                                           np.random.RandomState(seed), targets)
        assert val.shape == (4,) and np.unique(strata[val]).shape == (4,)
        assert np.unique(strata[train]).shape == (6,)
        assert sorted(np.r_[train, val]) == list(range(40))
        # 10 held out: train_test_split stratified by the first labels.
        est.set_params(validation_fraction=0.25)
        train, val = est._validation_split(strata, np.ones(40),
                                           np.random.RandomState(seed), targets)
        expected = train_test_split(np.arange(40), test_size=0.25,
                                    random_state=np.random.RandomState(seed),
                                    stratify=strata)[1]
        assert val.tolist() == expected.tolist()
        est.set_params(validation_fraction=0.1)
    # Label 2 on row 0 alone (its first label): a random split, and no warning
    # of the held-out rows missing a label; row 0, the only row of label 2 (and
    # the only 0 of label 0), moves back to training where it was drawn.
    Y = np.zeros((40, 3), dtype=int)
    Y[:, 0] = 1
    Y[0] = [0, 0, 1]
    targets, strata = est._encode_targets(Y)
    held = []
    for seed in range(12):
        train, val = est._validation_split(strata, np.ones(40),
                                           np.random.RandomState(seed), targets)
        expected = train_test_split(np.arange(40), test_size=0.1,
                                    random_state=np.random.RandomState(seed))[1]
        assert val.tolist() == [i for i in expected.tolist() if i != 0]
        assert 0 in train
        held.append(0 in expected)
    assert any(held)  # seed 2 draws the only row of label 2
    X = np.random.default_rng(0).random((40, 3))
    Y[1, 1] = 1  # label 1 varies
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="early_stopping holds out")
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        warnings.filterwarnings("ignore", message=".*ill-defined")
        make(4, max_iter=3, early_stopping=True, scoring="f1_macro",
             random_state=0).fit(X, Y)


def _trains_every_label(Y, train, rows):
    """Every label with a 1 (a 0) among ``rows`` has one among ``train``."""
    Y = np.asarray(Y) != 0
    return bool(np.all((Y[train].any(axis=0) | ~Y[rows].any(axis=0))
                       & ((~Y[train]).any(axis=0) | Y[rows].all(axis=0))))


@pytest.mark.parametrize("make", [NonNegMLPClassifier, ABBAClassifier])
def test_multilabel_split_trains_every_label(make):
    """The reproducer: seed 2 held out row 0, the only row of label 2
    (and the only 0 of label 0), and the network never saw label 2. It now
    moves back to training; the other held-out rows stay as drawn, as
    validation_fraction's description says."""
    from sklearn.model_selection import train_test_split

    doc = make.__doc__
    doc = " ".join(doc[doc.index("validation_fraction :"):
                       doc.index("n_iter_no_change :")].split())
    # The docstring says it in one clause, doc/reliability.md in full.
    assert ("a multilabel split gives every label each of its values in "
            "training, moving back the fewest held-out rows needed") in doc
    assert "neither makes sure" not in doc
    from pathlib import Path

    page = " ".join((Path(__file__).parents[1] / "doc" / "reliability.md")
                    .read_text(encoding="utf-8").split())
    assert ("the fewest held-out rows that give every label both of its values "
            "in training move back") in page
    Y = np.zeros((40, 3), dtype=int)
    Y[:, 0] = 1
    Y[0] = [0, 0, 1]
    est = make(validation_fraction=0.1)
    targets, strata = est._encode_targets(Y)
    drawn = train_test_split(np.arange(40), test_size=0.1,
                             random_state=np.random.RandomState(2))[1]
    assert 0 in drawn
    train, val = est._validation_split(strata, np.ones(40),
                                       np.random.RandomState(2), targets)
    assert 0 in train and 0 not in val
    assert val.tolist() == [i for i in drawn.tolist() if i != 0]
    assert sorted(np.r_[train, val]) == list(range(40))
    # A label's only 0 (label 0 of row 5, whose other labels are common) is
    # kept in training as its only 1 is: else the network learns "always".
    Y = np.zeros((40, 2), dtype=int)
    Y[:, 0] = 1
    Y[5, 0] = 0
    Y[::2, 1] = 1
    targets, strata = est._encode_targets(Y)
    moved = 0
    for seed in range(30):
        drawn = train_test_split(np.arange(40), test_size=0.1,
                                 random_state=np.random.RandomState(seed),
                                 stratify=strata)[1]
        train, val = est._validation_split(strata, np.ones(40),
                                           np.random.RandomState(seed), targets)
        assert 5 in train
        assert val.tolist() == [i for i in drawn.tolist() if i != 5]
        moved += 5 in drawn
    assert moved  # some seeds drew row 5
    # Without the indicator rows the split cannot keep the labels: refused.
    with pytest.raises(TypeError, match="needs the targets"):
        est._validation_split(strata, np.ones(40), np.random.RandomState(0))


def test_multilabel_split_is_kept_where_it_trains_every_label(monkeypatch):
    """Over 300 random multilabel targets, fractions and seeds: the split is
    the one drawn (train_test_split's, or one row per stratum) wherever that
    trains every label's 1s and 0s; elsewhere the fewest held-out rows move
    back (no smaller set of them would do), and a split left with one held-out
    row raises "The validation set is too small"."""
    from itertools import combinations

    from sknonneg.neural_network import _training

    g = np.random.RandomState(123)
    kept = moved = refused = 0
    for _ in range(300):
        n, n_labels = g.randint(12, 80), g.randint(2, 7)
        Y = (g.rand(n, n_labels) < g.choice([0.03, 0.3, 0.5, 0.97], n_labels)).astype(int)
        fraction, seed = float(g.choice([0.05, 0.1, 0.2, 0.3])), g.randint(1000)
        est = NonNegMLPClassifier(validation_fraction=fraction)
        targets, strata = est._encode_targets(Y)

        def split():
            return est._validation_split(strata, np.ones(n),
                                         np.random.RandomState(seed), targets)

        with monkeypatch.context() as m:  # the split as drawn (before)
            m.setattr(_training, "_train_every_label",
                      lambda t, v, indicator: (t, v, 0))
            try:
                drawn_train, drawn_val = split()
            except ValueError:
                with pytest.raises(ValueError):
                    split()
                continue
        rows = np.arange(n)
        if _trains_every_label(Y, drawn_train, rows):
            train, val = split()
            assert val.tolist() == drawn_val.tolist()
            assert train.tolist() == drawn_train.tolist()
            kept += 1
            continue
        try:
            train, val = split()
        except ValueError as exc:
            assert str(exc).startswith("The validation set is too small")
            assert ("more row trains so that no label loses all its 1s or all its "
                    "0s to the held-out rows), and it needs at least 2.") in str(exc)
            refused += 1
            continue
        back = [i for i in drawn_val.tolist() if i not in val]
        assert val.tolist() == [i for i in drawn_val.tolist() if i not in back]
        assert train.tolist() == drawn_train.tolist() + back
        assert _trains_every_label(Y, train, rows)
        for fewer in combinations(drawn_val.tolist(), len(back) - 1):
            assert not _trains_every_label(Y, np.r_[drawn_train, np.array(fewer, dtype=int)], rows)
        moved += 1
    assert kept > 200 and moved > 10 and refused


def test_fewest_rows_cover_every_label():
    """_rows_covering finds a smallest cover (checked against every subset),
    where a greedy choice of the widest row first does not; a cover too large to
    search exactly is still a cover."""
    from itertools import combinations

    from sknonneg.neural_network._training import _rows_covering

    # Greedy takes row 0 (4 items), then needs two more; rows 1 and 2 suffice.
    cover = np.array([[0, 1, 1, 1, 1, 0],
                      [1, 1, 1, 0, 0, 0],
                      [0, 0, 0, 1, 1, 1],
                      [1, 0, 0, 0, 0, 0],
                      [0, 0, 0, 0, 0, 1]], dtype=bool)
    assert _rows_covering(cover) == [1, 2]
    g = np.random.RandomState(0)
    for _ in range(200):
        cover = g.rand(g.randint(1, 9), g.randint(1, 7)) < 0.35
        cover = cover[:, cover.any(axis=0)]
        if not cover.shape[1]:
            continue
        rows = _rows_covering(cover)
        assert cover[rows].any(axis=0).all()
        assert not any(cover[list(c)].any(axis=0).all()
                       for c in combinations(range(cover.shape[0]), len(rows) - 1))
    big = g.rand(300, 400) < 0.02
    big[g.randint(300, size=400), np.arange(400)] = True
    rows = _rows_covering(big, budget=50)
    assert big[rows].any(axis=0).all() and rows == sorted(set(rows))


def test_rows_covering_reads_only_the_rows_that_cover_something():
    """The search summed every held-out row at each node (copies of
    n_rows x items), so 50,000 held-out rows of which 300 held a missing label's
    value took 22 s. Only the rows with an item are searched now: the same
    cover (mapped back to the full row numbers), and the memory the search
    takes does not grow with the rows that cover nothing (tracemalloc's peak,
    not a timing)."""
    import tracemalloc

    from sknonneg.neural_network._training import _rows_covering

    g = np.random.RandomState(0)
    k, hot, n = 40, 120, 200_000
    small = np.zeros((hot, k), dtype=bool)
    for j in range(k):
        small[g.choice(hot, 3, replace=False), j] = True
    where = np.sort(g.choice(n, hot, replace=False))
    big = np.zeros((n, k), dtype=bool)
    big[where] = small
    expected = where[_rows_covering(small)].tolist()
    tracemalloc.start()
    try:
        rows = _rows_covering(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == expected
    assert big[rows].any(axis=0).all()
    assert peak < n * k / 4  # before: copies of n x (uncovered items) per node


@pytest.mark.parametrize("make, seed", [(NonNegMLPClassifier, 8),
                                        (ABBAClassifier, 11)])
def test_multilabel_early_stopping_learns_a_label_of_one_row(make, seed, monkeypatch):
    """End to end: at these random states the split drew row 0, the only row of
    label 2. Before, it was held out and the fit never predicted label 2 for
    its pattern (probability 0.02; ABBA: label 1, which no row has, instead).
    It now trains, and the fit predicts it."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 0.3, (40, 3))
    X[0] = 1.0
    Y = np.zeros((40, 3), dtype=int)
    Y[:, 0] = 1
    Y[0] = [0, 0, 1]
    splits = []
    split = make._validation_split

    def spy(self, *args):
        splits.append(split(self, *args))
        return splits[-1]

    monkeypatch.setattr(make, "_validation_split", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = make(early_stopping=True, random_state=seed).fit(X, Y)
    (train, val), = splits
    assert 0 in train and 0 not in val and val.shape == (3,)
    assert est.predict(X[:1])[0, 2] == 1
    assert est.predict_proba(X[:1])[0, 2] > 0.75
    assert est.predict(X[:1])[0, 1] == 0


def test_early_stopping_fits_the_first_round_of_a_halving_search():
    """HalvingGridSearchCV(min_resources="smallest") fits 2 * 10 classes * 3
    folds = 60 rows of load_digits: 40 training rows, 4 held out. Before, every
    fit of the first round failed."""
    from sklearn.datasets import load_digits
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV
    X, y = load_digits(return_X_y=True)
    search = HalvingGridSearchCV(
        NonNegMLPClassifier((8,), max_iter=5, early_stopping=True, random_state=0),
        {"l2": [1e-4, 1e-2]}, min_resources="smallest", cv=3, random_state=0,
        error_score="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X / 16, y)
    assert search.n_resources_[0] == 60
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_scorer_on_fewer_held_out_rows_than_classes_warns():
    """A scorer computed on held-out rows that miss classes says which."""
    X = np.random.RandomState(0).uniform(size=(40, 3))
    y = np.repeat(np.arange(10), 4)
    est = NonNegMLPClassifier((3,), max_iter=2, early_stopping=True,
                              scoring="f1_macro", random_state=0)
    with pytest.warns(UserWarning, match=r"early_stopping holds out 4 rows "
                      r"\(validation_fraction=0.1\), one each of 4 of the 10 "
                      r"classes, so scoring='f1_macro' is computed without classes "
                      r"[\d, ]+ and may be undefined or fail\. Pass more rows of "
                      r"such classes, a larger validation_fraction, scoring='loss' "
                      r"or None \(accuracy; both are defined on any held-out "
                      r"rows\), or early_stopping=False\.$"):
        est.fit(X, y)
    # The only row of class 10 as well: both causes, in one sentence each part.
    X41, y41 = np.r_[X, X[:1]], np.r_[y, 10]
    with pytest.warns(UserWarning, match=r"early_stopping holds out 4 rows "
                      r"\(validation_fraction=0.1\), one each of 4 of the 11 "
                      r"classes, and no row of class 10, whose only row always "
                      r"trains, so scoring='f1_macro' is computed without classes "
                      r"[\d, ]+, 10 and may be undefined or fail\. Pass more"):
        est.fit(X41, y41)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="early_stopping holds out")
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.set_params(scoring="loss").fit(X, y)


def test_split_too_small_for_the_classes_still_says_what_to_do():
    """Where the rows left to train cannot hold every class, or one row would be
    held out, early stopping still refuses, and says what to pass."""
    X = np.random.RandomState(0).uniform(size=(40, 3))
    y = np.repeat(np.arange(10), 4)
    with pytest.raises(ValueError, match=r"impossible: .*Pass more rows, another "
                       r"validation_fraction, or early_stopping=False"):
        NonNegMLPClassifier(early_stopping=True, validation_fraction=0.9).fit(X, y)
    with pytest.raises(ValueError, match=r"validation set is too small.*1 row.*"
                       r"Increase 'validation_fraction'"):
        NonNegMLPClassifier(early_stopping=True).fit(X[:8], y[:8] % 2)
