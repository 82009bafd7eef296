"""The ConvergenceWarning of a loss curve with values that are not finite (task
57h; review 57f): the tail rule took a NaN or infinite drop for a fit still
falling ("The loss still fell by more than 0.4% of its total decrease over the last
2 iterations" of ``[nan, nan, nan]``). A fit's own curve does not end so
(``check_finite_parameters`` refuses a run whose last loss is not finite), but
the diagnostic says only what the curve shows."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sknonneg._solvers._result import SolverResult
from sknonneg.neural_network._diagnostics import warn_if_not_converged


def _warnings(curve, max_iter=None):
    result = SolverResult(theta=np.zeros(1), loss=curve[-1], loss_curve=list(curve))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_not_converged(result, "Net", len(curve) if max_iter is None
                              else max_iter)
    return [str(w.message) for w in caught if w.category is ConvergenceWarning]


@pytest.mark.parametrize("curve", [[np.nan] * 3, [np.nan] * 10, [1.0, 0.5, np.nan],
                                   [2.0, 1.0, np.inf]])
def test_a_last_loss_that_is_not_finite_is_said_to_be_so(curve):
    (message,) = _warnings(curve)
    assert "still fell" not in message
    assert message.startswith(f"Net: the loss was not finite ({curve[-1]:.6g}) at "
                              f"the fit's last iteration ({len(curve)} of max_iter="
                              f"{len(curve)})")
    assert "a larger max_iter does not help" in message
    assert "Lower learning_rate_init, gain or the penalties" in message


def test_the_tail_is_measured_after_the_last_loss_that_is_not_finite():
    # [inf, 1, 0.5]: before, "still fell by more than 0.4% of its total decrease
    # over the last 2 iterations" (a drop of inf); it fell from 1 to 0.5 since.
    (message,) = _warnings([np.inf, 1.0, 0.5])
    assert ("The loss was not finite at 1 of its iterations, the last at iteration "
            "1. The loss still fell by more than 0.2% of its decrease since "
            "iteration 2 over the last iteration.") in message
    assert "total decrease" not in message


def test_a_flat_finish_after_a_nan_is_not_still_falling():
    # A NaN where the tail starts: before, a flat finish (0.5 for its last 5
    # iterations) "still fell by more than 1% of its total decrease over the last
    # 5 iterations".
    assert _warnings([1.0, 0.6, np.nan] + [0.5] * 5) == []
    # Still falling after the NaN: it warns, with the NaN named.
    (message,) = _warnings([1.0, np.nan] + list(1.0 - 0.05 * np.arange(20)))
    assert ("The loss was not finite at 1 of its iterations, the last at iteration "
            "2. The loss still fell by more than 1% of its decrease since iteration "
            "3 over the last 5 iterations.") in message


def test_finite_curves_keep_their_message():
    (message,) = _warnings(list(1.0 - 0.01 * np.arange(50)))
    assert ("The loss still fell by more than 1% of its total decrease over the "
            "last 5 iterations.") in message
    assert "not finite" not in message
