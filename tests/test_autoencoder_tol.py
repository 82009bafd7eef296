"""What ``tol`` compares: NonNegAutoencoder's stall rule is relative to the first
epoch's data term (its loss is summed over the features, in the data's units; the
penalty on the weights left out); the MLP estimators' stays absolute."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpydoc.docscrape import ClassDoc
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import normalize

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
    out = capsys.readouterr().out
    threshold = float(re.search(r"first epoch's data term \(([^)]+)\)", out)[1])
    # The data term is the loss less its L2 penalty (a small part here).
    assert 0.99 * ae.tol * curve[0] < threshold < ae.tol * curve[0]
    assert ae.n_iter_ == _stall_epoch(curve, threshold, ae.n_iter_no_change)


def test_threshold_is_relative_to_the_data_term():
    # The first epoch's penalty on the weights (its L2 term) is left out: a first
    # loss of 5 of which 4 is penalty gives tol times 1.
    est = NonNegAutoencoder(2, tol=1e-3)
    threshold, text = est._stall_tol(5.0, 4.0)
    assert threshold == pytest.approx(1e-3)
    assert "data term" in text


def test_fit_whose_first_loss_is_mostly_penalty_does_not_stop_early():
    # Unit-norm sparse rows (tf-idf-like): the encoder's weights start at 1 / the
    # data's spread along them, and their L2 penalty (in the weights' own units:
    # the linear decoder; the sigmoid decoder's is in the columns' spans) is most
    # of the first loss. Relative to that loss the fit would stop at epoch 41;
    # relative to the data term it runs its 60 epochs (the ConvergenceWarning
    # names the threshold).
    X = normalize(sp.random(200, 1000, density=0.02, random_state=0, format="csr"))
    params = dict(decoder="linear", l2=1e-3, tol=1e-2, max_iter=60, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ae = NonNegAutoencoder(4, **params).fit(X)
    curve = np.asarray(ae.loss_curve_)
    stop_by_loss = _stall_epoch(curve, ae.tol * curve[0], ae.n_iter_no_change)
    assert stop_by_loss is not None and stop_by_loss < ae.max_iter
    assert ae.n_iter_ == ae.max_iter
    message = next(str(w.message) for w in record
                   if issubclass(w.category, ConvergenceWarning))
    threshold = float(re.search(r"first epoch's data term \(([^)]+)\)", message)[1])
    assert 0 < threshold < 0.2 * ae.tol * curve[0]


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
