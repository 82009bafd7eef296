"""The refusals of a parameter's range or type in ``sknonneg.inspection`` and
``sknonneg.robustness`` are worded as scikit-learn's parameter validation words
them: "The 'units' parameter of HiddenUnitsDisplay.from_estimator must be an int
in the range [1, 10]. Got 50 instead.", as scikit-learn's
``InvalidParameterError`` (a ``ValueError`` and a ``TypeError``). Before, each
said it in its own words ("units=50 must be between 1 and 10", "k must be a
positive integer; got 0", "Feature indices must be in [0, 3]", ...), some as a
plain ``ValueError`` or ``TypeError``.

Every message is matched whole, from its start to its end.
"""

import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402

from sknonneg import ABBAClassifier, NonNegMLPClassifier  # noqa: E402
from sknonneg.inspection import (HiddenUnitsDisplay, OutputWeightsDisplay,  # noqa: E402
                                 check_monotonic, top_features, weight_sparsity)
from sknonneg.robustness import (additive_evasion_attack,  # noqa: E402
                                 monotone_certificate)

RNG = np.random.RandomState(0)
X = RNG.rand(40, 4)
Y = (X[:, 0] + X[:, 1] > 1).astype(int)
HU = "HiddenUnitsDisplay.from_estimator"
OW = "OutputWeightsDisplay.from_estimator"
ATT = "additive_evasion_attack"
IDX = "feature indices in the range [0, 3] (X has 4 features"


@pytest.fixture(scope="module")
def models():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "net": NonNegMLPClassifier(hidden_layer_sizes=(3,), max_iter=20,
                                       random_state=0).fit(X, Y),
            "abba": ABBAClassifier(hidden_layer_sizes=(3,), max_iter=5,
                                   random_state=0).fit(X, Y),
            "lr": LogisticRegression().fit(X, Y),
        }


def _expect(caller, name, must, got, note=""):
    return (f"The {name!r} parameter of {caller} must be {must}. Got {got} instead."
            + (f" {note}" if note else ""))


def _raises(message, call):
    with pytest.raises(InvalidParameterError) as info:
        try:
            call()
        finally:
            plt.close("all")
    assert str(info.value) == message


UNITS_ANY = "an int in the range [1, inf), an array-like of int or None"


@pytest.mark.parametrize("call, message", [
    # order_units: a count beyond the units, or none
    (lambda m: HiddenUnitsDisplay.from_estimator(m["net"], units=50),
     _expect(HU, "units", "an int in the range [1, 3] (the network's units)", 50)),
    (lambda m: OutputWeightsDisplay.from_estimator(m["net"], units=0),
     _expect(OW, "units", "an int in the range [1, 3] (the network's units)", 0)),
    # order_pairs: a count beyond the pairs
    (lambda m: HiddenUnitsDisplay.from_estimator(m["abba"], pairs="once", units=4),
     _expect(HU, "units", "an int in the range [1, 3] (the network's pairs of "
             "units, with pairs='once')", 4)),
    (lambda m: HiddenUnitsDisplay.from_estimator(m["net"], units=True),
     _expect(HU, "units", UNITS_ANY, True)),
    (lambda m: HiddenUnitsDisplay.from_estimator(m["net"], order="size"),
     _expect(HU, "order", "a str among {'class', 'output_weight'} or None", "'size'")),
    # unit_indices
    (lambda m: top_features(m["net"], units=[[0], [1, 2]]),
     _expect("top_features", "units", "an array-like of int", "[[0], [1, 2]]")),
    (lambda m: top_features(m["net"], units=[[0, 1]]),
     _expect("top_features", "units", "a 1-D array-like of int", "[[0, 1]]",
             "(an array of shape (1, 2)).")),
    (lambda m: OutputWeightsDisplay.from_estimator(m["net"], units=[0.5]),
     _expect(OW, "units", "an array-like of int", "[0.5]")),
    (lambda m: HiddenUnitsDisplay.from_estimator(m["net"], units=[0, 3]),
     _expect(HU, "units", "an array-like of int in the range [-3, 2] (the network "
             "has 3 units; negative ones count from the end)", "[0, 3]")),
    # top_features
    (lambda m: top_features(m["net"], k=0),
     _expect("top_features", "k", "an int in the range [1, inf)", 0)),
    (lambda m: top_features(m["net"], by="size"),
     _expect("top_features", "by",
             "a str among {'abs', 'auto', 'negative', 'positive'}", "'size'")),
    # the displays' drawing arguments
    (lambda m: HiddenUnitsDisplay.from_estimator(m["net"], image_shape=(-2, -2)),
     _expect(HU, "image_shape", "a pair of ints in the range [1, inf) (height, "
             "width) or None", "(-2, -2)")),
    (lambda m: HiddenUnitsDisplay(m["net"].coefs_[0].T,
                                  image_shape=(2, 2)).plot(normalize="row"),
     _expect("HiddenUnitsDisplay.plot", "normalize", "a str among {'global', 'unit'}",
             "'row'")),
    (lambda m: HiddenUnitsDisplay.from_estimator(m["net"], image_shape=(2, 2),
                                                 imshow_kw="x"),
     _expect("HiddenUnitsDisplay.plot", "imshow_kw", "a dict of keyword arguments "
             "for matplotlib's imshow or None", "'x'")),
    (lambda m: HiddenUnitsDisplay.from_estimator(m["net"], image_shape=(2, 2), ax=3),
     _expect("HiddenUnitsDisplay.plot", "ax", "a matplotlib Axes, an array-like of "
             "Axes, a Figure, a SubFigure or None", 3)),
    (lambda m: OutputWeightsDisplay.from_estimator(m["net"], ax="foo"),
     _expect("OutputWeightsDisplay.plot", "ax", "a matplotlib Axes, a pair of Axes "
             "(hinton_ax, bar_ax) or None", "'foo'")),
    (lambda m: OutputWeightsDisplay.from_estimator(m["net"], ax=[None] * 3),
     _expect("OutputWeightsDisplay.plot", "ax", "a matplotlib Axes, a pair of Axes "
             "(hinton_ax, bar_ax) or None", "[None, None, None]", "(3 given.)")),
    (lambda m: OutputWeightsDisplay.from_estimator(m["net"], max_size=1.5),
     _expect("OutputWeightsDisplay.plot", "max_size", "a float in the range (0, 1] "
             "(the side of the largest square, in cell units)", 1.5)),
    (lambda m: HiddenUnitsDisplay.from_estimator(m["net"], image_shape=(2, 2),
                                                 n_cols=0),
     _expect("HiddenUnitsDisplay.plot", "n_cols", "an int in the range [1, inf) or "
             "None", 0)),
    (lambda m: OutputWeightsDisplay.from_estimator(m["net"], wrap=0),
     _expect("OutputWeightsDisplay.plot", "wrap", "a str among {'auto'}, an int in "
             "the range [1, inf) or None", 0)),
    (lambda m: check_monotonic(m["net"], X, monotonic_cst=[1, 0, 0, 0], n_steps=1),
     _expect("check_monotonic", "n_steps", "an int in the range [2, inf)", 1)),
    (lambda m: weight_sparsity(m["net"], tol=-1.0),
     _expect("weight_sparsity", "tol", "a float in the range [0, inf) (finite)",
             -1.0)),
    # additive_evasion_attack
    (lambda m: additive_evasion_attack(m["lr"], X, budget=0),
     _expect(ATT, "budget", "a float in the range (0, inf) (finite, or np.inf with "
             "upper)", 0)),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=1.0, max_candidates=0),
     _expect(ATT, "max_candidates", "an int in the range [1, inf)", 0)),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=1.0, threshold="a"),
     _expect(ATT, "threshold", "a finite float (a margin) or None", "'a'")),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=1.0, upper=[1.0, 2.0]),
     _expect(ATT, "upper", "a float or an array-like of shape (4,) of floats",
             "[1.0, 2.0]", "(shape (2,).)")),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=1.0, upper="a"),
     _expect(ATT, "upper", "a float or an array-like of shape (4,) of floats",
             "'a'", "(could not convert string to float: 'a'.)")),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=1.0, features=[[0, 1]]),
     _expect(ATT, "features", "a 1-D array-like (indices, names or a mask) or None",
             "[[0, 1]]", "(shape (1, 2).)")),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=1.0, features=[0, 9]),
     _expect(ATT, "features", IDX + "; negative indices are not accepted, as in "
             "scikit-learn's partial_dependence)", "[9]")),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=1.0,
                                       features=np.array([2**70], dtype=object)),
     _expect(ATT, "features", IDX + ")", f"[{2**70}]")),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=1.0,
                                       features=[True, False]),
     _expect(ATT, "features", "a boolean mask of shape (4,), feature indices or "
             "feature names", "array([ True, False])", "(a mask of shape (2,)).")),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=1.0,
                                       features=np.array([1.0, 0.0])),
     _expect(ATT, "features", "a boolean mask, feature indices, feature names or "
             "None", "array([1., 0.])", "(dtype float64).")),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=1.0, target_class=[1]),
     _expect(ATT, "target_class", "one class label (a scalar)", "[1]")),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=1.0, target_class=5),
     _expect(ATT, "target_class", "one of the classes [0, 1]", 5)),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=2.0).success_rate_at(-1),
     _expect("EvasionResult.success_rate_at", "budget", "a float in the range "
             "[0, 2.0]", -1)),
    (lambda m: OutputWeightsDisplay.from_estimator(m["net"], X, Y, bar_colors=["k"]),
     _expect("OutputWeightsDisplay.plot", "bar_colors", "a list of at least one "
             "matplotlib color per row of bars (2) or None", "['k']")),
    (lambda m: HiddenUnitsDisplay(np.ones((2, 4))).plot(
        title=False).figure_.get_layout_engine().set(w_pad=-1.0),
     _expect("ImageGridLayout.set", "w_pad", "a float in the range [0, inf) (inches)",
             -1.0)),
    (lambda m: additive_evasion_attack(m["lr"], X, budget=2.0).success_rate_at(3),
     _expect("EvasionResult.success_rate_at", "budget", "a float in the range "
             "[0, 2.0] (the attack's budget)", 3)),
    # MonotoneCertificate
    (lambda m: monotone_certificate(LinearRegression().fit(X, Y)).certified_for(1),
     _expect("MonotoneCertificate.certified_for", "target_class", "None (a "
             "regressor's certificate is about its prediction)", 1)),
    (lambda m: monotone_certificate(m["lr"]).certified_for([0]),
     _expect("MonotoneCertificate.certified_for", "target_class",
             "one class label (a scalar)", "[0]")),
    (lambda m: monotone_certificate(m["lr"]).certified_for(5),
     _expect("MonotoneCertificate.certified_for", "target_class",
             "one of the classes [0, 1]", 5)),
])
def test_range_and_type_refusals_in_scikit_learns_words(models, call, message):
    _raises(message, lambda: call(models))


def test_the_refusals_are_still_value_and_type_errors(models):
    # InvalidParameterError is both: a caller's except ValueError (as before for
    # the ranges) or except TypeError (as before for ax, imshow_kw) still holds.
    for error in (ValueError, TypeError):
        with pytest.raises(error, match=re.escape("must be an int in the range "
                                                  "[1, 3]")):
            HiddenUnitsDisplay.from_estimator(models["net"], units=50)


@pytest.mark.parametrize("call, shown", [
    # before: 688,950 characters, where the old wording gave the shape alone
    (lambda m: additive_evasion_attack(m["net"], X, budget=1.0,
                                       upper=list(range(100_000))),
     "[0, 1, 2, 3, 4, 5, 6, 7, ...]"),
    # before: 3,002,000 characters (features.tolist()); then a list of its
    # million items made only to be abridged: an array is shown by NumPy's repr,
    # as scikit-learn's parameter validation shows it
    (lambda m: additive_evasion_attack(m["net"], X, budget=1.0,
                                       features=np.zeros((1000, 1000), int)),
     "array([[0, 0, 0, ..., 0, 0, "),
    (lambda m: additive_evasion_attack(m["net"], X, budget=1.0,
                                       features=[[0] * 1000] * 1000),
     "[[0, 0, 0, 0, 0, 0, 0, 0, ...], [0, 0, 0, 0, 0, 0, 0, 0, ...], "),
    (lambda m: HiddenUnitsDisplay.from_estimator(m["net"],
                                                 units=list(range(100_000))),
     "[0, 1, 2, 3, 4, 5, 6, 7, ...]"),
])
def test_a_long_value_is_shown_abridged(models, call, shown):
    with pytest.raises(InvalidParameterError) as info:
        call(models)
    message = str(info.value)
    assert len(message) < 500 and f"Got {shown}" in message
