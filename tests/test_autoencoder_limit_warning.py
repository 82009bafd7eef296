"""NonNegAutoencoder's ConvergenceWarning at ``max_iter`` follows its own ``tol``:
a fit that the limit ended while its epoch loss still fell by at least the stall
rule's threshold (``tol`` times the first epoch's data term) warns; one that met
``tol`` does not. Before, the supervised networks' tail rule (1% of the whole
decrease over the last 10% of the epochs) made the warning depend on the budget:
digits / 16 at the defaults warned after 50 epochs and not after 100, though its
loss then still fell by 5 times the threshold an epoch."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sknonneg import NonNegAutoencoder, NonNegMLPRegressor


def _fit(est, X):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.fit(X)
    return [str(w.message) for w in record if w.category is ConvergenceWarning]


def _still_falls(curve, threshold, window):
    """Whether one of the last ``window`` epochs of ``curve`` (the first excepted)
    fell below the best loss before it by at least ``threshold`` (and by more than
    0): the stall rule's progress."""
    curve = np.asarray(curve)
    best = np.minimum.accumulate(curve)
    lo = max(1, curve.size - window)
    falls = best[lo - 1:-1] - curve[lo:]
    return bool(falls.size and falls.max() > 0 and falls.max() >= threshold)


def test_default_digits_fit_warns_after_100_epochs():
    # The reported case: all 1797 digits / 16 at the defaults warned after 50
    # epochs and not after 100, where the loss still fell by 5 times tol's
    # threshold an epoch (and by another 35% before the stall rule stopped it, at
    # epoch 257).
    X = load_digits().data / 16
    ae = NonNegAutoencoder(random_state=0, max_iter=100)
    messages = _fit(ae, X)
    assert ae.n_iter_ == 100
    assert len(messages) == 1
    assert _still_falls(ae.loss_curve_, ae.tol * ae.loss_curve_[0], 10)
    assert "maximum iterations (100) reached" in messages[0]
    assert "still fell below its best so far by" in messages[0]
    assert "times the first epoch's data term" in messages[0]


@pytest.mark.parametrize("max_iter", [5, 20, 40, 80, 300])
@pytest.mark.parametrize("tol", [1e-3, 1e-2])
def test_warns_exactly_where_the_stall_rule_sees_progress(max_iter, tol):
    X = load_digits().data[:500] / 16
    ae = NonNegAutoencoder(8, random_state=0, max_iter=max_iter, tol=tol)
    messages = _fit(ae, X)
    curve = ae.loss_curve_
    if ae.n_iter_ < max_iter:  # the stall rule stopped it: tol met
        assert not messages
        return
    expected = _still_falls(curve, tol * curve[0], ae.n_iter_no_change)
    assert bool(messages) == expected, (curve[-12:], messages)


def test_limit_reached_after_the_loss_settled_does_not_warn():
    # Three epochs, the last two falling by less than tol times the first
    # epoch's loss: the fit has met tol though the limit ended it (the tail rule
    # warned: the last epoch still removed more than 1% of the decrease).
    X = load_digits().data[:500] / 16
    ae = NonNegAutoencoder(8, random_state=0, max_iter=3, tol=0.2)
    messages = _fit(ae, X)
    curve = np.asarray(ae.loss_curve_)
    assert ae.n_iter_ == 3
    assert np.all(np.diff(curve) < 0)  # still falling, by less than tol's share
    assert np.all(-np.diff(curve) < 0.2 * curve[0])
    assert not messages


def test_full_batch_and_supervised_fits_keep_the_tail_rule():
    # Full-batch L-BFGS-B's tol is a projected-gradient tolerance, not a fall of
    # the loss; the supervised networks keep their rule. Both as before.
    X = load_digits().data[:300] / 16
    ae = NonNegAutoencoder(8, solver="lbfgsb", random_state=0, max_iter=30)
    messages = _fit(ae, X)
    assert all("epoch loss" not in m for m in messages)
    reg = NonNegMLPRegressor(hidden_layer_sizes=(8,), solver="adam", max_iter=30,
                             random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        reg.fit(X, X[:, :3] @ [1.0, 2.0, 3.0])
    assert all("epoch loss still fell below" not in str(w.message) for w in record)


def test_a_single_epoch_cut_by_max_iter_still_warns():
    # One epoch has no fall below a best before it to measure, and tol's stall
    # rule needs n_iter_no_change epochs to stop a fit: max_iter=1 cut the fit.
    # It warns, as it did under the tail rule (the stall rule made it silent).
    X = load_digits().data[:200] / 16
    ae = NonNegAutoencoder(8, random_state=0, max_iter=1)
    messages = _fit(ae, X)
    assert ae.n_iter_ == 1
    assert len(messages) == 1
    assert "maximum iterations (1) reached" in messages[0]
