"""monotonic_cst on NonNegMLPClassifier and NonNegMLPRegressor: the guarantee is exact
for every input, the dict form works with DataFrames, and combinations that cannot
keep it are refused with an error naming the conflicting parameter."""

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg.inspection import check_monotonic

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(seed, n=80, d=5):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    y = X[:, 0] - X[:, 1] + np.sin(3 * X[:, 2]) * X[:, 3]
    return rng, X, y


def _output(est, X):
    if hasattr(est, "predict_proba"):
        return est.predict_proba(X)[:, 1]
    return est.predict(X)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("seed", range(4))
def test_monotone_exactly_on_random_inputs(kind, seed):
    """Random constraint patterns and depths; random points moved by random
    non-negative steps along the constrained directions (several features at once,
    far outside the training range): the output never moves the wrong way."""
    rng, X, y = _data(seed)
    cst = rng.choice([-1, 0, 1], size=X.shape[1])
    cst[seed % X.shape[1]] = 1  # at least one constraint
    hidden = tuple(rng.randint(2, 7, size=1 + seed % 3))
    _check_monotone_fit(kind, rng, X, y, cst, hidden_layer_sizes=hidden,
                        random_state=seed)


def _check_monotone_fit(kind, rng, X, y, cst, **params):
    """Fits with ``monotonic_cst=cst``; random points moved by random non-negative
    steps along the constrained directions never move the output the wrong way."""
    common = {"monotonic_cst": cst, "max_iter": 30, **params}
    if kind == "classifier":
        est = NonNegMLPClassifier(**common).fit(X, y > 0)
    else:
        est = NonNegMLPRegressor(positive=True, **common).fit(X, y)
    base = rng.normal(scale=3.0, size=(500, X.shape[1]))
    step = rng.exponential(size=base.shape) * (rng.uniform(size=base.shape) < 0.7)
    moved = base + step * cst  # free features (cst 0) stay where they are
    assert np.all(_output(est, moved) >= _output(est, base))
    report = check_monotonic(est, X)
    np.testing.assert_array_equal(report.max_drop, 0.0)
    np.testing.assert_array_equal(est.monotonic_cst_, cst)


@pytest.mark.parametrize("seed", range(3))
def test_monotone_exactly_for_every_label_of_a_multilabel_classifier(seed):
    """choosing.rst: with ``monotonic_cst``, each label's probability of a
    multilabel classifier (one logistic output per label) is monotone in the
    constrained features, for every input, as the binary one's is."""
    rng, X, y = _data(seed)
    Y = np.c_[y > 0, X[:, 2] * X[:, 3] > 0, X[:, 0] + X[:, 4] > 0].astype(int)
    cst = rng.choice([-1, 0, 1], size=X.shape[1])
    cst[seed] = 1
    hidden = tuple(rng.randint(2, 7, size=1 + seed % 3))
    est = NonNegMLPClassifier(hidden, monotonic_cst=cst, max_iter=30,
                              random_state=seed).fit(X, Y)
    assert est.out_activation_ == "logistic" and est.n_outputs_ == 3
    base = rng.normal(scale=3.0, size=(500, X.shape[1]))
    step = rng.exponential(size=base.shape) * (rng.uniform(size=base.shape) < 0.7)
    moved = base + step * cst
    assert np.all(est.predict_proba(moved) >= est.predict_proba(base))
    # One feature at a time, by one ulp: the computed probabilities too.
    for j in np.flatnonzero(cst):
        nudged = base.copy()
        nudged[:, j] = np.nextafter(nudged[:, j], cst[j] * np.inf)
        assert np.all(est.predict_proba(nudged) >= est.predict_proba(base))


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_monotone_exactly_with_other_activations(kind, activation):
    """Every activation is non-decreasing: the guarantee holds with tanh and relu
    units too (random constraints, two hidden layers, far outside the data)."""
    rng, X, y = _data(7)
    cst = rng.choice([-1, 0, 1], size=X.shape[1])
    cst[0], cst[1] = 1, -1
    _check_monotone_fit(kind, rng, X, y, cst, hidden_layer_sizes=(5, 4),
                        activation=activation, random_state=0)


def test_unconstrained_network_violates_constrained_does_not():
    _, X, y = _data(0, n=200)
    target = np.sin(2 * X[:, 0]) + X[:, 1]
    free = NonNegMLPRegressor(20, positive=False, max_iter=200, random_state=0)
    free.fit(X, target)
    assert check_monotonic(free, X, monotonic_cst=[1, 0, 0, 0, 0]).max_drop[0] > 0.1
    constrained = NonNegMLPRegressor(20, positive=True,
                                     monotonic_cst=[1, 0, 0, 0, 0], max_iter=200,
                                     random_state=0).fit(X, target)
    assert check_monotonic(constrained, X).max_drop[0] == 0
    # Through a Pipeline with a scaler, from the fitted monotonic_cst_.
    pipe = make_pipeline(StandardScaler(), NonNegMLPClassifier(
        8, monotonic_cst=[0, -1, 0, 0, 1], max_iter=30, random_state=0))
    pipe.fit(X, y > 0)
    report = check_monotonic(pipe, X)
    assert list(report.features) == [1, 4]
    np.testing.assert_array_equal(report.max_drop, 0.0)


@pytest.mark.parametrize("cls", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_dict_form_with_dataframe(cls):
    _, X, y = _data(1)
    frame = pd.DataFrame(X, columns=list("abcde"))
    target = y > 0 if cls is NonNegMLPClassifier else y
    est = cls(6, positive=True, monotonic_cst={"a": 1, "b": -1}, max_iter=20,
              random_state=0).fit(frame, target)
    np.testing.assert_array_equal(est.monotonic_cst_, [1, -1, 0, 0, 0])
    assert np.all(est.coefs_[0][0] >= 0) and np.all(est.coefs_[0][1] <= 0)
    with pytest.raises(ValueError, match=r"not in X: \['zz'\]"):
        cls(6, positive=True, monotonic_cst={"a": 1, "zz": -1}).fit(frame, target)
    with pytest.raises(ValueError, match="needs feature names"):
        cls(6, positive=True, monotonic_cst={"a": 1}).fit(X, target)
    # Behind a scaler in a Pipeline the message names the fix, which works.
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler
    with pytest.raises(ValueError, match=r"set_output\(transform='pandas'\)"):
        make_pipeline(MinMaxScaler(), cls(6, monotonic_cst={"a": 1}, max_iter=5)).fit(
            frame, target)
    pipe = make_pipeline(MinMaxScaler().set_output(transform="pandas"),
                         cls(6, monotonic_cst={"a": 1}, max_iter=5)).fit(frame, target)
    np.testing.assert_array_equal(pipe[-1].monotonic_cst_, [1, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="values must be -1, 0 or 1"):
        cls(6, positive=True, monotonic_cst={"a": 2}).fit(frame, target)
    # True is refused as in the array form (before, the dict took it as 1 while
    # output="auto" read no constraint: "output='auto' gives a softmax").
    with pytest.raises(ValueError, match="values must be -1, 0 or 1; got True"):
        cls(6, monotonic_cst={"a": True}).fit(frame, target)


@pytest.mark.parametrize("cls", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_an_entry_beyond_float_range_is_refused_as_any_other(cls):
    # An int that float() cannot take (10**400) is an invalid direction, with
    # the message of any other (before: a raw OverflowError).
    _, X, y = _data(0)
    target = (y > np.median(y)).astype(int) if cls is NonNegMLPClassifier else y
    frame = pd.DataFrame(X, columns=list("abcde"))
    big = 10**400
    for cst in ([big, 0, 0, 0, 0], (0, -big, 0, 0, 0),
                np.array([big, 0, 0, 0, 0], dtype=object)):
        with pytest.raises(ValueError, match=r"monotonic_cst must be an array of "
                                             r"shape \(5,\) with values in "
                                             r"\{-1, 0, 1\}"):
            cls(5, max_iter=5, monotonic_cst=cst).fit(X, target)
    for cst in ({"a": big}, pd.Series([big], index=["a"])):
        with pytest.raises(ValueError, match="values must be -1, 0 or 1"):
            cls(5, max_iter=5, monotonic_cst=cst).fit(frame, target)


def test_refused_combinations_name_the_parameter():
    _, X, y = _data(2)
    binary = y > 0
    cst = [1, 0, 0, 0, -1]
    with pytest.raises(ValueError, match=r"output='softmax'"):
        NonNegMLPClassifier(5, monotonic_cst=cst, output="softmax").fit(X, binary)
    for positive in ("hidden", "output", False, [True, True, False]):
        with pytest.raises(ValueError, match=r"positive="):
            NonNegMLPClassifier((5, 4), monotonic_cst=cst,
                                positive=positive).fit(X, binary)
    with pytest.raises(ValueError, match="multiclass"):
        NonNegMLPClassifier(5, monotonic_cst=cst).fit(X, np.digitize(y, [-1, 1]))
    # The regressor's positive="hidden" leaves the output signed: refused when
    # given; the default "auto" resolves to True under monotonic_cst (and to
    # "hidden" without it, where the network must fit y = -x).
    with pytest.raises(ValueError, match=r"positive='hidden'.*positive=True"):
        NonNegMLPRegressor(5, monotonic_cst=cst, positive="hidden").fit(X, y)
    auto = NonNegMLPRegressor(5, monotonic_cst=cst, max_iter=20).fit(X, y)
    assert auto.weight_constraints_ == ["mixed", "nonneg"]
    assert check_monotonic(auto, X).is_monotonic
    free_output = NonNegMLPRegressor(5, max_iter=5).fit(X, y)
    assert free_output.weight_constraints_ == ["nonneg", "free"]
    # A first layer free where positive says so, later layers non-negative: kept.
    NonNegMLPRegressor(5, monotonic_cst=cst, positive=[False, True],
                       max_iter=5).fit(X, y)
    # No constraint at all (all zeros): nothing to keep, nothing refused.
    NonNegMLPClassifier(5, monotonic_cst=[0] * 5, output="softmax",
                        max_iter=5).fit(X, binary)


def test_output_auto():
    _, X, y = _data(3)
    binary = y > 0
    assert NonNegMLPClassifier(4, max_iter=5).fit(X, binary)._output_type() == "softmax"
    est = NonNegMLPClassifier(4, monotonic_cst=[1, 0, 0, 0, 0], max_iter=5)
    assert est.fit(X, binary)._output_type() == "logistic"
    assert est.n_outputs_ == 1
    multilabel = np.c_[binary, X[:, 1] > 0].astype(int)
    est = NonNegMLPClassifier(4, max_iter=5).fit(X, multilabel)
    assert est._output_type() == "logistic" and est.predict(X).shape == (80, 2)
    three = np.digitize(y, [-1, 1])
    assert NonNegMLPClassifier(4, max_iter=5).fit(X, three)._output_type() == "softmax"


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_monotonic_cst_added_between_warm_starts_and_partial_fits():
    # Before: with output="auto" resolved to a softmax by the first fit, a warm
    # start after set_params(monotonic_cst=...) raised "monotonic_cst needs a
    # logistic output ... Pass output='logistic' (or 'auto')", to a user who had
    # "auto" and whose same parameters fit from scratch; partial_fit gave the same
    # message instead of its "changed since the first call".
    _, X, y = _data(0)
    y = (y > np.median(y)).astype(int)
    cst = [1, -1, 0, 1, 0]
    kw = {"hidden_layer_sizes": (5,), "max_iter": 20, "random_state": 0}
    model = NonNegMLPClassifier(warm_start=True, **kw).fit(X, y)
    assert model.out_activation_ == "softmax"
    model.set_params(monotonic_cst=cst).fit(X, y)  # starts anew, as after output=
    fresh = NonNegMLPClassifier(monotonic_cst=cst, **kw).fit(X, y)
    assert model.out_activation_ == "logistic"
    np.testing.assert_array_equal(model.predict_proba(X), fresh.predict_proba(X))
    assert check_monotonic(model, X).is_monotonic
    stream = NonNegMLPClassifier(**kw).partial_fit(X, y, classes=[0, 1])
    stream.set_params(monotonic_cst=cst)
    with pytest.raises(ValueError, match="changed since the model was fitted"):
        stream.partial_fit(X, y)


def test_a_list_mixing_bools_and_ints_is_refused_as_check_monotonic_refuses_it():
    # Before: [True, 0, ...] was the int array [1, 0, ...] (np.asarray turns True
    # into 1) for the estimators and an unfitted RampTransformer, while
    # check_monotonic and a fitted RampTransformer refused it: one argument, two
    # answers. True is not a direction; every reader now refuses it alike.
    from sknonneg.inspection import check_monotonic
    from sknonneg.preprocessing import RampTransformer

    _, X, y = _data(0)
    y_bin = (y > np.median(y)).astype(int)
    cst = [True, False, 0, 0, 0]
    for est, target in ((NonNegMLPClassifier(hidden_layer_sizes=(5,), max_iter=10,
                                             monotonic_cst=cst), y_bin),
                        (NonNegMLPRegressor(hidden_layer_sizes=(5,), max_iter=10,
                                            monotonic_cst=(1, 0, np.True_, 0, 0)),
                         y)):
        with pytest.raises(ValueError, match=r"monotonic_cst must be an array of "
                                             r"shape \(5,\) with values in "
                                             r"\{-1, 0, 1\}"):
            est.fit(X, target)
    fitted = NonNegMLPRegressor(hidden_layer_sizes=(5,), max_iter=10).fit(X, y)
    for call in (lambda: check_monotonic(fitted, X, monotonic_cst=cst),
                 lambda: RampTransformer(3).expand_monotonic_cst(cst),
                 lambda: RampTransformer(3).fit(X).expand_monotonic_cst(cst)):
        with pytest.raises(ValueError, match="got True for feature 0"):
            call()
    # The int list it was read as stays valid everywhere.
    model = NonNegMLPClassifier(hidden_layer_sizes=(5,), max_iter=10, random_state=0,
                                monotonic_cst=[1, 0, 0, 0, 0]).fit(X, y_bin)
    assert model.out_activation_ == "logistic"


@pytest.mark.parametrize("cls", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_a_refused_monotonic_cst_is_shown_shortened(cls):
    """The message shows a long argument shortened (before: a 400-digit entry or
    all of a 3000-value list, 520 characters and more)."""
    _, X, y = _data(0)
    target = (y > np.median(y)).astype(int) if cls is NonNegMLPClassifier else y
    frame = pd.DataFrame(X, columns=list("abcde"))
    for cst, data in (([10**400, 0, 0, 0, 0], X), (list(range(3000)), X),
                      ({"a": 10**400}, frame)):
        with pytest.raises(ValueError, match="monotonic_cst") as info:
            cls(5, max_iter=5, monotonic_cst=cst).fit(data, target)
        assert len(str(info.value)) < 250, str(info.value)
        assert "..." in str(info.value)


def test_a_refused_monotonic_cst_names_its_first_bad_entry_or_its_shape():
    """Shortened, the list may not show the bad value: the message names it."""
    X = np.random.default_rng(0).random((30, 20))
    y = np.arange(30) % 2
    for cst, what in (([0] * 15 + [2] + [0] * 4, "entry 15 is 2"),
                      ([0] * 21, r"got shape \(21,\)"),
                      ([True] + [0] * 19, "entry 0 is True")):
        with pytest.raises(ValueError, match=what):
            NonNegMLPClassifier(monotonic_cst=cst, output="logistic").fit(X, y)
    # A feature name is shown whole, however long.
    name = "x" * 150 + "_income"
    frame = pd.DataFrame(X[:, :2], columns=[name, "b"])
    with pytest.raises(ValueError, match=name):
        NonNegMLPClassifier(monotonic_cst={name: 2}, output="logistic").fit(frame, y)
