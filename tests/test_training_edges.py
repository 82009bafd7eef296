"""Edges of the training loops: ``partial_fit`` after ``fit`` (the gain it goes on
at), mini-batches and the early-stopping split on small classes, ``batch_size``
beyond the data."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression

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

