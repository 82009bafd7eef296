"""What ``tol`` compares: NonNegAutoencoder's stall rule is relative to the first
epoch's loss (its loss is summed over the features, in the data's units); the
MLP estimators' stays absolute."""

import warnings

import numpy as np
import pytest
from numpydoc.docscrape import ClassDoc
from sklearn.datasets import load_digits

from sknonneg import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                      NonNegMLPRegressor)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _stall_epoch(curve, threshold, n_iter_no_change):
    """The epoch (1-based) at which the epoch loop's stall rule ends a fit whose
    epoch losses are ``curve`` (None: it never does)."""
    best, stalled = np.inf, 0
    for epoch, loss in enumerate(curve):
        stalled = stalled + 1 if loss > best - threshold else 0
        best = min(best, loss)
        if stalled >= n_iter_no_change:
            return epoch + 1
    return None


def test_wide_fit_stops_when_relative_progress_stalls(capsys):
    # 2,000 features of noise, one deterministic Adam step per epoch (one batch):
    # the loss, summed over the features (about 83), falls by about 5e-3 an
    # epoch, 2e-6 per entry. Under the absolute rule (5e-3 > tol) the fit ran all
    # 100 epochs; relative to the first epoch's loss it has stalled.
    X = np.random.RandomState(0).uniform(size=(100, 2000))
    ae = NonNegAutoencoder(2, batch_size=100, learning_rate_init=1e-3, max_iter=100,
                           random_state=0, verbose=1).fit(X)
    curve = np.asarray(ae.loss_curve_)
    assert ae.n_iter_ < 100
    assert np.all(-np.diff(curve) > ae.tol)  # progress by the absolute rule
    assert ae.n_iter_ == _stall_epoch(curve, ae.tol * curve[0], ae.n_iter_no_change)
    assert "times the first epoch's loss" in capsys.readouterr().out


def test_tol_docstring_says_what_it_compares():
    doc = {p.name: " ".join(p.desc) for p in ClassDoc(NonNegAutoencoder)["Parameters"]}
    text = doc["tol"]
    assert "first epoch" in text and "relative" in text
    assert "projected-gradient" in text  # full-batch L-BFGS-B: unchanged


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor,
                                 ABBAClassifier])
def test_stall_rule_unchanged_for_the_mlp_estimators(Est):
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    if Est is NonNegMLPRegressor:
        y = X[:, :3] @ [1.0, 2.0, 3.0]
    params = {"max_iter": 60, "tol": 3e-2 if Est is ABBAClassifier else 1e-2,
              "solver": "adam", "hidden_layer_sizes": (8,), "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = Est(**params).fit(X, y)
    # Each fit is ended by the stall rule, at the epoch the absolute rule gives.
    stop = _stall_epoch(est.loss_curve_, est.tol, est.n_iter_no_change)
    assert stop is not None and est.n_iter_ == stop < est.max_iter
    # Absolute: tol itself, whatever the first epoch's loss.
    for first in (1e-6, 1.0, 1e6):
        assert est._stall_tol(first)[0] == est.tol
