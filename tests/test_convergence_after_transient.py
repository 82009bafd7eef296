"""The ConvergenceWarning's tail rule after an initial transient: a tail small
against the whole decrease warns where it is more than 1% of both the decrease
after the transient and the loss (before: an autoencoder under a
huge ``nonneg_penalty``, whose first L-BFGS-B step took its loss from 1.5e5 to
9.9, ran into its 200-iteration limit still falling by 2-6% of its loss over the
last 20 iterations, without a ConvergenceWarning)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sknonneg import NonNegAutoencoder
from sknonneg._solvers._result import SolverResult
from sknonneg.neural_network._diagnostics import _transient_end, warn_if_not_converged


def _result(curve, **kwargs):
    return SolverResult(theta=np.zeros(1), loss=curve[-1], loss_curve=list(curve),
                        **kwargs)


def _silent(result, max_iter):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_not_converged(result, "Net", max_iter)


def test_huge_first_step_no_longer_hides_a_slow_finish():
    # A first step of 1e5, then a steady fall of 0.5% of the loss an iteration:
    # the tail (20 of 200) is 2e-6 of the whole decrease, 8% of the decrease
    # after the first step.
    curve = np.concatenate([[1e5], 10.0 * 0.995 ** np.arange(199)])
    with pytest.warns(ConvergenceWarning, match="maximum iterations") as w:
        warn_if_not_converged(_result(curve), "Net", 200, early_stopping=False)
    message = str(w[0].message)
    assert ("The loss still fell by more than 1% of its decrease after its first "
            "iteration (which took it from 1e+05 to 10) and of its value over the "
            "last 20 iterations." in message)
    assert _transient_end(curve, 20) == 1


def test_steady_fits_keep_the_whole_decrease():
    # A steady geometric fall (each step 5% of what is left): no transient, the
    # rule as before; converged in all but name, it stays silent.
    curve = 0.1 + 2.0 * 0.95 ** np.arange(200)
    assert _transient_end(curve, 20) == 0
    _silent(_result(curve), 200)
    # A fast one (each step 95% of what is left): the transient is held to the
    # head (at most as many iterations as the tail), so it cannot reach the tail
    # and call a converged fit cut short.
    fast = 0.1 + 2.0 * 0.05 ** np.arange(40)
    assert _transient_end(fast, 5) == 5
    _silent(_result(fast), 40)
    # A first step of 70% of what is left is no transient (the test suite's
    # small fits: 95 of them warned with a share of one half).
    assert _transient_end(np.concatenate([[10.0], 3.0 + 2.1 * 0.9 ** np.arange(49)]),
                          5) == 0


def test_after_a_transient_the_tail_must_also_be_more_than_1pct_of_the_loss():
    # A transient, then a tail of 3% of the decrease after it but 0.03% of the
    # loss (a fit near its floor of 1.0): converged in all but name, silent.
    curve = np.concatenate([[1e4], 1.0 + 0.01 * 0.97 ** np.arange(49)])
    assert _transient_end(curve, 5) == 1
    _silent(_result(curve), 50)
    # The same shape with the floor at 0: the tail is 14% of the loss, it warns.
    falling = np.concatenate([[1e4], 0.01 * 0.97 ** np.arange(49)])
    with pytest.warns(ConvergenceWarning, match="and of its value over the last 5"):
        warn_if_not_converged(_result(falling), "Net", 50)
    # A flat finish after the transient: nothing left to fall, no warning.
    _silent(_result([1.0] + [0.5] * 49), 50)


def test_transient_counts_only_leading_steps():
    # A big step later in the fit is no transient: the whole decrease, as before.
    curve = np.concatenate([np.linspace(3.0, 2.9, 5), [1.0], np.linspace(0.99, 0.9, 94)])
    assert _transient_end(curve, 10) == 0


def test_transient_that_ends_below_the_last_loss_is_no_transient():
    # A first step below where the fit ends, a rise (Adam's noise, a gain
    # stage), then a tail falling by 2% of the loss. Before: "fell by more than
    # 1% of its decrease after its first 5 iterations (which took it from 1e+05
    # to 4.231)", where the loss rose after them to 4.5; the rising steps
    # counted as steps that removed nine tenths of the loss left.
    curve = np.concatenate([[1e5, 4.0], np.linspace(4.2, 4.6, 40),
                            np.linspace(4.6, 4.5, 8)])
    assert _transient_end(curve, 5) == 1  # the first step only
    # No decrease after it: the whole decrease, of which the tail is a millionth.
    _silent(_result(curve), 50)


@pytest.mark.parametrize("decoder, penalty", [("linear", 1e6), ("sigmoid", 1e4)])
def test_autoencoder_under_a_huge_penalty_warns_it_was_cut_short(decoder, penalty):
    # The reproducer (300 digits / 16, L-BFGS-B, 200 iterations):
    # before, a DegenerateFitWarning only.
    X = load_digits().data[:300] / 16
    ae = NonNegAutoencoder(solver="lbfgsb", max_iter=200, decoder=decoder,
                           nonneg="penalty", nonneg_penalty=penalty, random_state=0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ae.fit(X)
    converge = [str(x.message) for x in w
                if type(x.message) is ConvergenceWarning]
    assert ae.n_iter_ == 200
    curve = np.asarray(ae.loss_curve_)
    assert curve[0] > 1e4 * curve[1]  # the transient
    assert curve[-21] - curve[-1] > 0.02 * (curve[1] - curve[-1])  # still falling
    assert len(converge) == 1, converge
    assert "its decrease after its first iteration" in converge[0]
    assert "and of its value over the last 20 iterations" in converge[0]
