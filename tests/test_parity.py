"""Parity with scikit-learn's MLPClassifier for users switching, and the NumPy path
of small problems (``sknonneg._kernels.flavour_for``)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sknonneg import ABBAClassifier, NonNegMLPClassifier
from sknonneg._kernels import NUMPY, flavour_for, numpy_max_work


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y)


@pytest.mark.parametrize("cls", [NonNegMLPClassifier, ABBAClassifier])
def test_mlpclassifier_attributes(cls, digits):
    X, y = digits
    est = _fit(cls((6, 4), max_iter=4, random_state=0), X, y)
    assert est.n_layers_ == 4
    assert est.out_activation_ == "softmax"
    assert est.t_ == X.shape[0] * est.n_iter_
    assert est.validation_scores_ is None
    assert est.best_validation_score_ is None


def test_out_activation_logistic(digits):
    X, y = digits
    est = _fit(NonNegMLPClassifier((4,), output="logistic", max_iter=3), X, y)
    assert est.out_activation_ == "logistic"


def test_lbfgs_alias_and_auto_batch_size(digits):
    X, y = digits
    ref = _fit(NonNegMLPClassifier((5,), max_iter=5, random_state=0), X, y)
    alias = _fit(NonNegMLPClassifier((5,), max_iter=5, random_state=0, solver="lbfgs",
                                     batch_size="auto"), X, y)
    np.testing.assert_array_equal(ref.coefs_[0], alias.coefs_[0])
    adam = _fit(NonNegMLPClassifier((5,), solver="adam", batch_size="auto", max_iter=2,
                                    random_state=0), X, y)
    assert adam.t_ == 2 * X.shape[0]


def test_warm_start_carries_loss_curve_and_t(digits):
    X, y = digits
    est = _fit(NonNegMLPClassifier((5,), max_iter=3, warm_start=True, random_state=0),
               X, y)
    curve, t = list(est.loss_curve_), est.t_
    _fit(est, X, y)
    assert est.loss_curve_[:len(curve)] == curve
    assert len(est.loss_curve_) == len(curve) + est.n_iter_
    assert est.t_ == t + X.shape[0] * est.n_iter_
    t = est.t_
    est.partial_fit(X, y)
    assert est.t_ == t + X.shape[0]
    # A cold refit starts over.
    est.set_params(warm_start=False)
    _fit(est, X, y)
    assert len(est.loss_curve_) == est.n_iter_
    assert est.t_ == X.shape[0] * est.n_iter_


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transform_in_fitted_dtype(dtype, digits):
    X, y = digits
    for cls in (NonNegMLPClassifier, ABBAClassifier):
        est = _fit(cls((4,), max_iter=2, dtype=dtype), X, y)
        assert est.transform(X).dtype == dtype


def test_multilabel_tag():
    assert NonNegMLPClassifier(output="logistic").__sklearn_tags__() \
        .classifier_tags.multi_label
    # output="auto" (the default) fits multilabel targets with logistic units
    assert NonNegMLPClassifier().__sklearn_tags__().classifier_tags.multi_label
    assert not NonNegMLPClassifier(output="softmax").__sklearn_tags__() \
        .classifier_tags.multi_label


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["NonNegMLPClassifier", "NonNegMLPRegressor",
                                  "ABBAClassifier", "NonNegAutoencoder"])
def test_preserves_dtype_tag_is_what_transform_returns(name, dtype):
    # transform returns the fitted dtype (the autoencoder too, since it stopped
    # casting its codes up to float64); before, the tag said ["float64"] under
    # dtype="float32" too, and scikit-learn's check_transformer_preserve_dtypes
    # failed.
    import sknonneg
    from sklearn.utils.estimator_checks import check_transformer_preserve_dtypes

    est = getattr(sknonneg, name)(max_iter=2, dtype=dtype, random_state=0)
    assert est.__sklearn_tags__().transformer_tags.preserves_dtype == [dtype]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_transformer_preserve_dtypes(name, est)


def test_flavour_for():
    assert flavour_for(True, 10, 100) == NUMPY
    assert flavour_for(True, 10 ** 6, 10 ** 4) is True
    assert flavour_for(False, 10 ** 6, 10 ** 4) is False
    with numpy_max_work(-1):
        assert flavour_for(True, 10, 100) is True


def _small_problem_flavour():
    return flavour_for(True, 10, 100)


def test_numpy_max_work_closed_out_of_order_leaves_no_limit():
    """Contexts that close out of order (enter A, enter B, exit A, exit B): the
    open one applies, then the default. Before, exit B restored A's -1 for good and
    every later small fit took the numba kernels."""
    first, second = numpy_max_work(-1), numpy_max_work(1 << 40)
    first.__enter__()
    second.__enter__()
    assert _small_problem_flavour() == NUMPY
    first.__exit__(None, None, None)
    assert _small_problem_flavour() == NUMPY  # second's limit, still open
    second.__exit__(None, None, None)
    assert _small_problem_flavour() == NUMPY
    assert flavour_for(True, 10 ** 6, 10 ** 4) is True  # the default limit again


def test_numpy_max_work_holds_in_its_own_thread_only():
    """A limit set in one thread (as ``warm_kernels`` sets -1 in its own) leaves
    the flavour of the fits in other threads alone, and contexts of two threads
    closing out of order restore each thread's own default."""
    import threading

    entered, main_entered, left = (threading.Event() for _ in range(3))
    seen = {}

    def warm():
        with numpy_max_work(-1):
            seen["inside"] = _small_problem_flavour()
            entered.set()
            main_entered.wait(30)
        left.set()  # exits first, while the main thread's context is open
        seen["after"] = _small_problem_flavour()

    thread = threading.Thread(target=warm)
    thread.start()
    assert entered.wait(30)
    assert _small_problem_flavour() == NUMPY  # not the other thread's -1
    with numpy_max_work(1 << 40):
        main_entered.set()
        assert left.wait(30)
        assert flavour_for(True, 10 ** 6, 10 ** 4) == NUMPY
    thread.join(30)
    assert seen == {"inside": True, "after": NUMPY}
    assert _small_problem_flavour() == NUMPY
    assert flavour_for(True, 10 ** 6, 10 ** 4) is True


@pytest.mark.parametrize("positive", [True, False])
def test_numpy_path_fits_as_the_kernels(positive, digits):
    """The NumPy path is a real path: the same fit as on the numba kernels."""
    X, y = digits
    params = dict(hidden_layer_sizes=(8,), positive=positive, max_iter=15,
                  random_state=0)
    on_numpy = _fit(NonNegMLPClassifier(**params), X, y)
    with numpy_max_work(-1):
        on_numba = _fit(NonNegMLPClassifier(**params), X, y)
        proba_numba = on_numba.predict_proba(X)
    np.testing.assert_allclose(on_numpy.loss_curve_, on_numba.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(on_numpy.predict_proba(X), proba_numba, atol=1e-6)


def _interrupt_at(monkeypatch, n_iter):
    """Ctrl-C (a KeyboardInterrupt) once ``n_iter`` iterations or epochs are done."""
    from sknonneg.neural_network import _progress

    update = _progress.Progress.update

    def interrupting(self, *args, **kwargs):
        update(self, *args, **kwargs)
        if self.n_iter >= n_iter:
            raise KeyboardInterrupt

    monkeypatch.setattr(_progress.Progress, "update", interrupting)


@pytest.mark.parametrize("solver, early_stopping",
                         [("lbfgsb", False), ("adam", False), ("lbfgsb", True)])
def test_ctrl_c_keeps_the_latest_parameters(monkeypatch, digits, solver,
                                            early_stopping):
    X, y = digits
    est = NonNegMLPClassifier((5,), solver=solver, max_iter=20, warm_start=True,
                              early_stopping=early_stopping, random_state=0)
    _interrupt_at(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        _fit(est, X, y)
    assert est.n_iter_ == 3 and len(est.loss_curve_) == 3
    assert est.t_ == 3 * (X.shape[0] if not early_stopping else
                          X.shape[0] - round(0.1 * X.shape[0]))
    assert est.predict(X).shape == y.shape
    assert (early_stopping and est.validation_scores_) or \
        (not early_stopping and est.validation_scores_ is None)
    assert all(np.all(w >= 0) for w in est.coefs_)
    # warm_start continues from the kept parameters.
    monkeypatch.undo()
    theta = est._theta.copy()
    est.set_params(max_iter=1, early_stopping=False)
    _fit(est, X, y)
    assert len(est.loss_curve_) == 4
    assert not np.array_equal(theta, est._theta)



def test_ctrl_c_between_an_adam_update_and_its_projection_keeps_feasible_weights(
        monkeypatch, digits):
    # The NumPy twin of the Adam step (small problems run on it) updates theta and
    # projects it in a second call, on the very array the interrupted fit keeps: a
    # Ctrl-C between the two published negative weights in non-negative layers.
    from sknonneg._kernels.reference import parameters

    X, y = digits
    calls = []

    class InterruptedProjection:
        """NumPy, except that the 5th projection (np.clip with out=) is interrupted
        after a large update (as if the step had moved far below 0)."""

        def __getattr__(self, name):
            return getattr(np, name)

        def clip(self, a, lower, upper, out=None):
            if out is not None:
                calls.append(1)
                if len(calls) == 5:
                    out -= 1.0
                    raise KeyboardInterrupt
            return np.clip(a, lower, upper, out=out)

    monkeypatch.setattr(parameters, "np", InterruptedProjection())
    est = NonNegMLPClassifier((5,), solver="adam", max_iter=20, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        _fit(est, X, y)
    assert len(calls) == 5  # the step ran on the NumPy twin
    assert all(np.all(w >= 0) for w in est.coefs_)
    assert est.predict(X).shape == y.shape

def test_verbose_lines(capsys, digits):
    X, y = digits
    _fit(NonNegMLPClassifier((5,), max_iter=4, verbose=2, early_stopping=True), X, y)
    out = capsys.readouterr().out
    assert "iteration 1/4" in out and "proj_grad=" in out and "validation=" in out
    _fit(NonNegMLPClassifier((5,), max_iter=4, verbose=1), X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].split("]")[1].startswith(" iteration 4/4")


@pytest.mark.parametrize("hook", ["_validation_split", "_start_theta"])
def test_ctrl_c_before_the_solver_leaves_the_estimator_as_it_was(monkeypatch, digits,
                                                                 hook):
    # Before: Ctrl-C during the input checks or the initialisation of a first fit
    # left classes_, n_features_in_, ... but no coefs_: check_is_fitted passed and
    # predict raised AttributeError. A fitted warm-start estimator lost its layout.
    from sklearn.exceptions import NotFittedError

    X, y = digits

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    est = NonNegMLPClassifier((5,), max_iter=3, early_stopping=True, random_state=0)
    monkeypatch.setattr(NonNegMLPClassifier, hook, interrupt)
    with pytest.raises(KeyboardInterrupt):
        _fit(est, X, y)
    assert not hasattr(est, "classes_") and not hasattr(est, "n_features_in_")
    with pytest.raises(NotFittedError):
        est.predict(X)
    monkeypatch.undo()
    est.set_params(warm_start=True)
    _fit(est, X, y)
    before = dict(est.__dict__)
    proba = est.predict_proba(X)
    monkeypatch.setattr(NonNegMLPClassifier, hook, interrupt)
    with pytest.raises(KeyboardInterrupt):
        _fit(est, X, y)
    assert est.__dict__.keys() == before.keys()
    assert all(est.__dict__[k] is v for k, v in before.items())
    np.testing.assert_array_equal(est.predict_proba(X), proba)


def test_ctrl_c_message_says_which_parameters_are_kept(monkeypatch, capsys, digits):
    # Before: "keeps the latest parameters" where early stopping kept the best.
    X, y = digits
    for early_stopping, kept in [(False, "latest parameters"),
                                 (True, "parameters of its best validation score")]:
        est = NonNegMLPClassifier((5,), max_iter=20, early_stopping=early_stopping,
                                  verbose=1, random_state=0)
        _interrupt_at(monkeypatch, 3)
        with pytest.raises(KeyboardInterrupt):
            _fit(est, X, y)
        monkeypatch.undo()
        assert f"keeps the {kept}." in capsys.readouterr().out
    # Interrupted before any validation score: the latest parameters are kept.
    from sknonneg.neural_network import _training

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_training.TrainableNetwork, "_fit_full_batch", interrupt)
    est = NonNegMLPClassifier((5,), max_iter=20, early_stopping=True, verbose=1,
                              random_state=0)
    with pytest.raises(KeyboardInterrupt):
        _fit(est, X, y)
    assert "keeps the latest parameters." in capsys.readouterr().out


@pytest.mark.parametrize("solver, batch_size", [("adam", None), ("lbfgsb", 200)])
def test_stop_message_follows_the_last_progress_line(capsys, digits, solver,
                                                     batch_size):
    # Before (verbose=1): "... did not improve ... Stopping." and then the line of
    # the epoch that stopped the fit, held back until the end.
    X, y = digits
    _fit(NonNegMLPClassifier((5,), solver=solver, batch_size=batch_size, max_iter=200,
                             early_stopping=True,
                             n_iter_no_change=2, tol=0.5, verbose=1, random_state=0),
         X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    stops = [i for i, line in enumerate(lines) if "Stopping." in line]
    assert stops and stops[-1] == len(lines) - 1, lines


def test_a_fit_that_takes_no_step_says_so(capsys, digits):
    # Before: verbose=1 printed nothing for an L-BFGS-B fit whose starting point
    # met tol (n_iter_ == 0).
    X, y = digits
    est = _fit(NonNegMLPClassifier((5,), tol=1e6, verbose=1, random_state=0), X, y)
    assert est.n_iter_ == 0
    out = capsys.readouterr().out
    assert "stopped at its starting point, before its first iteration" in out
    assert f"loss={est.loss_:.6g}" in out
    _fit(NonNegMLPClassifier((5,), tol=1e6, verbose=0, random_state=0), X, y)
    assert capsys.readouterr().out == ""
