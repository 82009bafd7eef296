"""The ConvergenceWarning of a loss curve with values that are not finite: the
tail rule took a NaN or infinite drop for a fit still
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


def _not_finite_message(params):
    result = SolverResult(theta=np.zeros(1), loss=np.nan, loss_curve=[1.0, np.nan])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_not_converged(result, "Net", 2, params=params)
    (message,) = [str(w.message) for w in caught
                  if w.category is ConvergenceWarning]
    return message


def test_the_remedies_for_a_loss_that_is_not_finite_are_the_estimators():
    # Every estimator was told to lower "gain or the penalties (l1,
    # l2, activity_l1)"; an autoencoder has none of gain, l1 and activity_l1
    # (its penalties are nonneg_penalty, sparsity_weight and l2), an ABBA
    # network no gain and no activity_l1.
    from sknonneg import ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier

    message = _not_finite_message(NonNegAutoencoder().get_params())
    assert message.endswith(
        "Lower learning_rate_init or the penalties (nonneg_penalty, "
        "sparsity_weight, l2), or scale the input features.")
    assert "gain" not in message and "activity_l1" not in message
    assert _not_finite_message(ABBAClassifier(solver="adam").get_params()).endswith(
        "Lower learning_rate_init or the penalties (l1, l2), or scale the input "
        "features.")
    for params in (NonNegMLPClassifier(solver="adam").get_params(), None):
        assert _not_finite_message(params).endswith(
            "Lower learning_rate_init, gain or the penalties (l1, l2, "
            "activity_l1), or scale the input features.")
    assert _not_finite_message({"max_iter": 10}).endswith(
        "Lower learning_rate_init, or scale the input features.")


def test_a_fit_passes_its_parameters_to_the_convergence_check(monkeypatch):
    # The wiring: report_fit names the fitted estimator's own parameters.
    from sknonneg import NonNegAutoencoder
    from sknonneg.neural_network import _diagnostics

    seen = {}
    monkeypatch.setattr(_diagnostics, "warn_if_not_converged",
                        lambda *args, **kwargs: seen.update(kwargs))
    X = np.random.default_rng(0).uniform(size=(20, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        NonNegAutoencoder(n_components=2, max_iter=3, random_state=0).fit(X)
    assert set(seen["params"]) == set(NonNegAutoencoder().get_params())


def test_the_overflow_error_names_the_estimators_own_remedies(monkeypatch):
    # The same advice where a fit's parameters overflow (check_finite_parameters,
    # an error): before, "Lower learning_rate_init, gain or the penalties (l1,
    # l2, activity_l1)" for an autoencoder too.
    from sknonneg import NonNegAutoencoder
    from sknonneg._validation import check_finite_parameters
    from sknonneg.neural_network import _training

    with pytest.raises(ValueError, match=r"Lower learning_rate_init or the "
                       r"penalties \(nonneg_penalty, sparsity_weight, l2\), or scale"):
        check_finite_parameters(np.array([np.nan]), "in L-BFGS-B",
                                params=NonNegAutoencoder().get_params())
    with pytest.raises(ValueError, match=r"Lower learning_rate_init, gain or the "
                       r"penalties \(l1, l2, activity_l1\), or scale"):
        check_finite_parameters(np.array([1.0]), "in L-BFGS-B", loss=np.inf)
    seen, where = [], []
    original = _training.check_finite_parameters

    def record(*args, **kwargs):
        seen.append(args[4] if len(args) > 4 else kwargs.get("params"))
        where.append(args[1])
        return original(*args, **kwargs)

    monkeypatch.setattr(_training, "check_finite_parameters", record)
    X = np.random.default_rng(0).uniform(size=(20, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for solver, batch_size in (("lbfgs", None), ("adam", 10), ("lbfgsb", 10)):
            NonNegAutoencoder(n_components=2, max_iter=2, solver=solver,
                              batch_size=batch_size, random_state=0).fit(X)
    assert len(seen) >= 3
    assert all(set(params) == set(NonNegAutoencoder().get_params())
               for params in seen)
    # Where it happened: an epoch of mini-batch L-BFGS-B named a gain, which
    # the autoencoder does not have ("in an epoch of lbfgsb (gain=1)").
    assert "in an epoch of lbfgsb" in where
    assert not any("gain" in text for text in where)


@pytest.mark.parametrize("name, advice", [
    ("ABBAClassifier", "Lower the penalties (l1, l2), or scale the input features."),
    ("NonNegMLPClassifier", "Lower gain or the penalties (l1, l2, activity_l1), or "
                            "scale the input features."),
    ("NonNegMLPRegressor", "Lower gain or the penalties (l1, l2, activity_l1), or "
                           "scale the input features."),
    ("NonNegAutoencoder", "Lower the penalties (nonneg_penalty, sparsity_weight, "
                          "l2), or scale the input features.")])
def test_the_overflow_advice_of_an_lbfgsb_fit_names_no_step_size(name, advice):
    # L-BFGS-B's line search sets its steps and never reads learning_rate_init:
    # before, its overflow error said "Lower learning_rate_init or the penalties
    # (l1, l2), or scale the input features." (ABBAClassifier on inputs of scale
    # 1e-155), and its ConvergenceWarning the same.
    import sknonneg
    from sknonneg._validation import check_finite_parameters

    params = getattr(sknonneg, name)(solver="lbfgsb").get_params()
    with pytest.raises(ValueError) as error:
        check_finite_parameters(np.array([1.0]), "in L-BFGS-B", loss=np.inf,
                                params=params)
    assert str(error.value).endswith(advice)
    assert "learning_rate_init" not in _not_finite_message(params)
    assert _not_finite_message(params).endswith(advice)
    # Adam's steps are of learning_rate_init: it stays named there.
    params["solver"] = "adam"
    assert "Lower learning_rate_init" in _not_finite_message(params)


def test_the_output_stage_of_from_autoencoders_names_its_own_remedies(monkeypatch):
    # An L-BFGS-B fit of the output layer (l2 its one penalty): before, "Lower
    # learning_rate_init, gain or the penalties (l1, l2, activity_l1)".
    from sknonneg import NonNegAutoencoder, NonNegMLPClassifier
    from sknonneg.neural_network import _training

    X = np.random.default_rng(0).uniform(size=(30, 4))
    y = (X[:, 0] > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ae = NonNegAutoencoder(n_components=2, max_iter=3, random_state=0).fit(X)
    real = _training.check_finite_parameters

    def overflowed(theta, where, *args, **kwargs):
        if "from_autoencoders" in where:  # its loss overflowed
            return real(theta, where, np.inf, *args[1:], **kwargs)
        return real(theta, where, *args, **kwargs)

    monkeypatch.setattr(_training, "check_finite_parameters", overflowed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError) as error:
            NonNegMLPClassifier.from_autoencoders([ae], max_iter=3).fit(X, y)
    assert str(error.value).endswith(
        "Lower the penalties (l2), or scale the input features.")


@pytest.mark.parametrize("theta, loss, dtype, says", [
    (np.array([1.0, -2.0]), np.inf, None,
     "The training loss overflowed to a non-finite value (inf) in L-BFGS-B; the "
     "network's parameters are finite."),
    (np.array([1.0, -2.0]), np.nan, np.float32,
     "The training loss overflowed to a non-finite value (nan) in L-BFGS-B; the "
     "network's parameters are finite and within the range of float32."),
    (np.array([1.0, np.inf]), 1.0, None,
     "The network's parameters overflowed to non-finite values in L-BFGS-B."),
    (np.array([1.0, 1e39]), np.inf, np.float32,
     "The network's parameters overflowed to non-finite values in L-BFGS-B (or "
     "beyond the range of float32, the network's dtype).")])
def test_the_overflow_error_names_what_overflowed(theta, loss, dtype, says):
    # Before: "The network's parameters overflowed to non-finite values" also
    # where only the loss had, at finite parameters.
    from sknonneg._validation import check_finite_parameters

    with pytest.raises(ValueError) as error:
        check_finite_parameters(theta, "in L-BFGS-B", loss, dtype)
    assert str(error.value).startswith(says)
    check_finite_parameters(theta[:1], "in L-BFGS-B", 1.0, dtype)  # finite: passes
