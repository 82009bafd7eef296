"""NonNegMLPRegressor's held-out check (``early_stopping="auto"`` below 10,000
rows): refit on all rows to the best held-out iteration only on a clear over-fit
(doc/defaults.md, fifteenth round)."""

import math
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sknonneg import NonNegMLPRegressor
from sknonneg.neural_network import _nonneg_mlp_regressor


def _friedman(noise, seed):
    X, y = make_friedman1(150, noise=noise, random_state=seed)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def noisy():
    return _friedman(5, 21)


@pytest.fixture(scope="module")
def clean():
    return _friedman(1, 20)


def _quiet(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kw)


def _held_out_curve(X, y, random_state):
    """The check's curve, by hand: early stopping without its stall rule."""
    check = NonNegMLPRegressor(early_stopping=True, n_iter_no_change=201,
                               random_state=random_state)
    return np.asarray(_quiet(check, X, y).validation_scores_)


def test_clear_overfit_refits_all_rows_for_the_chosen_count(noisy):
    X, y = noisy
    est = _quiet(NonNegMLPRegressor(random_state=0), X, y)
    v = _held_out_curve(X, y, 0)
    best = int(np.argmax(v)) + 1
    gap = (v.max() - v[-1]) / abs(v.max())
    assert est.held_out_check_ is True
    assert est.held_out_gap_ == pytest.approx(gap, rel=1e-12)
    assert gap > math.sqrt(2 / 15)  # 150 rows: 15 held out
    # The best iteration lies in the first stage (40 iterations at gain 1): the
    # refit runs ceil(10 / 9 best) iterations of it on all 150 rows.
    assert best <= 30
    assert est.refit_n_iter_ == est.n_iter_ == math.ceil(10 * best / 9)
    by_hand = _quiet(NonNegMLPRegressor(early_stopping=False, gain=1.0,
                                        max_iter=est.refit_n_iter_, random_state=0),
                     X, y)
    np.testing.assert_array_equal(est.predict(X), by_hand.predict(X))
    # The returned model held nothing out: scikit-learn's meaning of these.
    assert est.do_early_stopping_ is False
    assert est.validation_scores_ is None and est.best_validation_score_ is None
    assert len(est.loss_curve_) == est.n_iter_


def test_refit_stops_where_planned_without_convergence_warning(noisy):
    X, y = noisy
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = NonNegMLPRegressor(random_state=0).fit(X, y)
    assert est.refit_n_iter_ is not None


def test_no_clear_overfit_keeps_the_full_run(clean):
    X, y = clean
    est = _quiet(NonNegMLPRegressor(random_state=0), X, y)
    assert est.held_out_check_ is True
    assert 0 <= est.held_out_gap_ <= math.sqrt(2 / 15)
    assert est.refit_n_iter_ is None and est.n_iter_ == 200
    full = _quiet(NonNegMLPRegressor(early_stopping=False, random_state=0), X, y)
    np.testing.assert_array_equal(est.predict(X), full.predict(X))


@pytest.mark.parametrize("params", [{"early_stopping": False},
                                    {"early_stopping": True},
                                    {"solver": "adam", "max_iter": 5},
                                    {"loss": "poisson"},
                                    {"batch_size": 50}])
def test_no_check_outside_auto_lbfgsb_squared_error(noisy, params):
    X, y = noisy
    y = y - y.min() + 1 if params.get("loss") == "poisson" else y
    est = _quiet(NonNegMLPRegressor(random_state=0, **params), X, y)
    assert est.held_out_check_ is False
    assert est.held_out_gap_ is None and est.refit_n_iter_ is None


def test_no_check_above_the_row_limit_or_on_too_few_rows(noisy, monkeypatch):
    X, y = noisy
    est = _quiet(NonNegMLPRegressor(random_state=0, max_iter=20), X[:10], y[:10])
    assert est.held_out_check_ is False  # 1 held-out row of 10
    monkeypatch.setattr(_nonneg_mlp_regressor, "_AUTO_EARLY_STOPPING_ROWS", 149)
    est = _quiet(NonNegMLPRegressor(random_state=0, max_iter=20), X, y)
    assert est.held_out_check_ is False


def test_rows_of_weight_zero_do_not_count(noisy, monkeypatch):
    X, y = noisy
    monkeypatch.setattr(_nonneg_mlp_regressor, "_AUTO_EARLY_STOPPING_ROWS", 140)
    w = np.ones(150)
    w[:10] = 0
    est = _quiet(NonNegMLPRegressor(random_state=0, max_iter=20), X, y,
                 sample_weight=w)
    assert est.held_out_check_ is True


def test_warm_start_continues_without_check_and_partial_fit_runs_none(noisy):
    X, y = noisy
    est = _quiet(NonNegMLPRegressor(random_state=0, warm_start=True), X, y)
    assert est.held_out_check_ is True and est.refit_n_iter_ is not None
    _quiet(est.set_params(max_iter=7), X, y)
    assert est.held_out_check_ is False and est.refit_n_iter_ is None
    assert est.n_iter_ == 7
    est.partial_fit(X, y)
    assert est.held_out_check_ is False and est.held_out_gap_ is None


def test_random_state_none_checks_from_the_fits_own_start(noisy):
    X, y = noisy
    np.random.seed(0)
    a = _quiet(NonNegMLPRegressor(), X, y)
    b = _quiet(NonNegMLPRegressor(random_state=np.random.RandomState(0)), X, y)
    assert a.refit_n_iter_ == b.refit_n_iter_
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_verbose_says_what_the_check_chose(noisy, capsys):
    X, y = noisy
    _quiet(NonNegMLPRegressor(random_state=0, verbose=1), X, y)
    out = capsys.readouterr().out
    assert "held-out check on 15 rows: best iteration" in out
    assert "fit on all rows for" in out


@pytest.mark.parametrize("params", [{"validation_fraction": "a"},
                                    {"early_stopping": "never"},
                                    {"max_iter": 0}])
def test_invalid_parameters_are_refused_before_the_check(noisy, params, monkeypatch):
    """The check reads ``validation_fraction`` and ``early_stopping``: the
    parameters are validated before it, so an invalid one is an
    ``InvalidParameterError`` (not a ``TypeError`` from the check's arithmetic)
    and no check fit runs first."""
    from sknonneg._compat import InvalidParameterError
    from sknonneg.neural_network._training import TrainableNetwork

    bodies = []
    body = TrainableNetwork._fit_body

    def counting(self, *args, **kwargs):
        bodies.append(self)
        return body(self, *args, **kwargs)

    monkeypatch.setattr(TrainableNetwork, "_fit_body", counting)
    X, y = noisy
    with pytest.raises(InvalidParameterError):
        NonNegMLPRegressor(**params).fit(X, y)
    assert len(bodies) <= 1  # the fit's own body only, which refuses them


# ------------------------------------------------------- the log-link losses
def _log_link_data(loss, seed=0, n=200):
    """``n`` rows of 8 standard normal features, a log-mean with interactions;
    counts (Poisson), amounts (Gamma) or amounts with 30% exact zeros
    (Tweedie)."""
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, 8))
    mu = np.exp(0.5 * X[:, 0] - 0.5 * X[:, 1] + 0.5 * np.sin(2 * X[:, 2])
                + 0.3 * X[:, 2] * X[:, 3])
    if loss == "poisson":
        return X, rng.poisson(mu).astype(float)
    y = rng.gamma(2.0, mu / 2.0)
    return X, y * (rng.rand(n) < 0.7) if loss == "tweedie" else y


@pytest.mark.parametrize("loss", ["poisson", "gamma", "tweedie"])
def test_log_link_losses_stop_early_below_10000_rows(loss):
    """With a log-link loss ``early_stopping="auto"`` is ``early_stopping=True``
    below 10,000 rows under full-batch L-BFGS-B (doc/defaults.md, seventeenth
    round), bit for bit, and runs no held-out check."""
    X, y = _log_link_data(loss)
    est = _quiet(NonNegMLPRegressor(loss=loss, random_state=0), X, y)
    stopped = _quiet(NonNegMLPRegressor(loss=loss, early_stopping=True,
                                        random_state=0), X, y)
    assert est.do_early_stopping_ is True
    assert est.held_out_check_ is False and est.held_out_gap_ is None
    assert est.validation_scores_ == stopped.validation_scores_
    assert est.best_validation_score_ == stopped.best_validation_score_
    assert est.n_iter_ == stopped.n_iter_ < 200
    np.testing.assert_array_equal(est.predict(X), stopped.predict(X))
    # Weights: the rows of weight 0 are not counted, nor held out.
    w = np.ones(len(y))
    w[:5] = 0.0
    weighted = _quiet(NonNegMLPRegressor(loss=loss, random_state=0), X, y,
                      sample_weight=w)
    assert weighted.do_early_stopping_ is True


@pytest.mark.parametrize("params, n, stops", [
    ({}, 150, True),  # 15 held out, 135 fitted
    ({}, 149, False),  # below the 150 rows the rounds measured
    ({}, 60, False),
    ({"validation_fraction": 0.995}, 200, False),  # 199 held out, 1 fitted
    ({"validation_fraction": 0.99}, 200, True),  # 198 held out, 2 fitted
    ({"solver": "adam", "max_iter": 5}, 200, False),
    ({"batch_size": 50}, 200, False),
    ({"early_stopping": False}, 200, False),
])
def test_log_link_early_stopping_only_where_it_can_hold_rows_out(params, n, stops):
    X, y = _log_link_data("poisson", n=n)
    est = _quiet(NonNegMLPRegressor(loss="poisson", random_state=0, **params), X, y)
    assert est.do_early_stopping_ is stops
    assert est.held_out_check_ is False
