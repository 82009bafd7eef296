"""``units=n`` with ``order="class"`` keeps the strongest units of each class in
turn (the strongest of each class, then the second strongest of each, ...), shown
in class order. Before, it kept the first ``n`` units in class order: on a
64-unit MNIST network, ``units=20`` showed classes 0 to 2 only."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from sknonneg import ABBAClassifier, NonNegMLPClassifier  # noqa: E402
from sknonneg.inspection import HiddenUnitsDisplay, OutputWeightsDisplay  # noqa: E402

X, Y = load_digits(return_X_y=True)
X, Y = X[:400] / 16.0, Y[:400]


@pytest.fixture(scope="module")
def nets():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {"mlp": NonNegMLPClassifier((24,), max_iter=20, random_state=0).fit(X, Y),
                "abba": ABBAClassifier((16,), max_iter=10, random_state=0).fit(X, Y)}


def _round_robin(ids, groups, n):
    """The expected selection, from the full class order, by a plain loop."""
    by_class = {}
    for unit, group in zip(ids, groups):
        by_class.setdefault(group, []).append(unit)
    none = by_class.pop("none", [])
    chosen, rank = [], 0
    while len(chosen) < n and any(rank < len(u) for u in by_class.values()):
        chosen += [u[rank] for u in by_class.values() if rank < len(u)]
        rank += 1
    chosen = (chosen + none)[:n]
    return [u for u in ids if u in chosen]  # in class order


def _ids_and_groups(disp):
    # titles "unit→class", or "i→class (& N + i)" for pairs
    return ([label.split("→")[0] for label in disp.unit_labels],
            [label.split("→")[1].split(" ")[0] for label in disp.unit_labels])


@pytest.mark.parametrize("net, kwargs", [("mlp", {}), ("abba", {"pairs": "once"})])
@pytest.mark.parametrize("Display", [HiddenUnitsDisplay, OutputWeightsDisplay])
def test_units_with_class_order_take_each_class_in_turn(nets, net, kwargs, Display):
    try:
        full = HiddenUnitsDisplay.from_estimator(nets[net], order="class", **kwargs)
        ids, groups = _ids_and_groups(full)
        n_classes = len(set(groups) - {"none"})
        assert n_classes >= 5
        for n in (n_classes, 12, len(ids)):
            shown = HiddenUnitsDisplay.from_estimator(nets[net], order="class",
                                                      units=n, **kwargs)
            got_ids, got_groups = _ids_and_groups(shown)
            assert got_ids == _round_robin(ids, groups, n)
            # every class that has a unit is shown once n reaches their number
            assert set(got_groups) >= set(groups) - {"none"}
            # the other display shows the same units in the same order
            other = Display.from_estimator(nets[net], order="class", units=n,
                                           **kwargs)
            assert list(other.unit_ids) == list(shown.unit_ids)
    finally:
        plt.close("all")


def test_round_robin_takes_ranks_in_turn_and_no_class_last():
    from sknonneg.inspection._utils import _class_round_robin

    codes = [0, 0, 0, 1, 2, 2, 3]  # class order, strongest first; 3: "none"
    assert _class_round_robin(codes, 3, 3).tolist() == [0, 3, 4]
    assert _class_round_robin(codes, 3, 4).tolist() == [0, 1, 3, 4]
    assert _class_round_robin(codes, 3, 6).tolist() == [0, 1, 2, 3, 4, 5]
    assert _class_round_robin(codes, 3, 7).tolist() == list(range(7))
