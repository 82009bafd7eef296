"""Defaults that train (issue 18): the sparse start of non-negative layers and the
warnings that say when a fit went wrong."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import (load_breast_cancer, load_diabetes, load_digits,
                              load_iris)
from sklearn.base import is_classifier, is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, StandardScaler

import sknonneg
from sknonneg import (ABBAClassifier, DegenerateFitWarning, InputScaleWarning,
                      NonNegMLPClassifier,
                      NonNegMLPRegressor)
from sknonneg._engine.init import MAX_INIT_CORR, nonneg_density, signed_draw
from sknonneg.neural_network._diagnostics import warn_if_not_converged
from sknonneg._solvers import SolverResult


def _correlated(n=400, d=30, seed=0):
    rng = np.random.RandomState(seed)
    size = rng.uniform(0.2, 1.0, size=(n, 1))
    return size * rng.uniform(0.5, 1.0, size=(n, d))


def test_density_falls_with_shared_variation():
    rng = np.random.RandomState(0)
    w = np.full(400, 1 / 400)
    signs = np.ones(30, dtype=np.int8)
    independent = nonneg_density(rng.normal(size=(400, 30)), w, signs)
    assert nonneg_density(_correlated(), w, signs) < independent < 1.0
    # free rows add nothing to the shared part; few inputs keep two per unit
    assert nonneg_density(_correlated(), w, np.zeros(30, dtype=np.int8)) == 1.0
    assert nonneg_density(_correlated(d=3), w, np.ones(3, dtype=np.int8)) == 2 / 3


def test_sparse_draw_decorrelates_units():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(400, 100))
    w = np.full(X.shape[0], 1.0 / X.shape[0])
    signs = np.ones(X.shape[1], dtype=np.int8)
    p = nonneg_density(X, w, signs)
    assert p < 0.5
    dense = signed_draw(signs, 200, 1.0, rng)
    sparse = signed_draw(signs, 200, p, rng)
    corr = [np.corrcoef((X @ c).T)[np.triu_indices(200, 1)].mean()
            for c in (dense, sparse)]
    assert corr[0] > 0.6
    assert corr[1] < 2 * MAX_INIT_CORR


def test_signed_draw_keeps_signs_and_every_unit():
    signs = np.array([1, -1, 0, 1, 1], dtype=np.int8)
    coef = signed_draw(signs, 50, 0.01, np.random.RandomState(0))
    assert np.all(coef[signs == 1] >= 0) and np.all(coef[signs == -1] <= 0)
    assert np.all(np.abs(coef[signs != 0]).sum(axis=0) > 0)


def test_public_warnings():
    assert issubclass(DegenerateFitWarning, ConvergenceWarning)
    assert {"DegenerateFitWarning", "InputScaleWarning"} <= set(sknonneg.__all__)


def test_degenerate_fit_warns():
    X, y = load_iris(return_X_y=True)
    clf = NonNegMLPClassifier(5, l2=10.0, max_iter=30, random_state=0)
    with pytest.warns(DegenerateFitWarning, match="degenerate fit"):
        clf.fit(X / 8, y)


def test_degenerate_regression_warns():
    # Before: an Adam step of 1e10 left a regressor with training R^2 of -3.9e22,
    # silently; an l2 that flattens the network, the same.
    X = np.random.RandomState(0).rand(60, 4)
    y = X @ [1.0, -1.0, 2.0, 0.0]
    for params in ({"solver": "adam", "learning_rate_init": 1e10}, {"l2": 10.0}):
        reg = NonNegMLPRegressor(max_iter=30, random_state=0, **params)
        with pytest.warns(DegenerateFitWarning, match=r"training R\^2 .* mean"):
            reg.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        good = NonNegMLPRegressor(max_iter=200, random_state=0).fit(X, y)
        assert good.score(X, y) > 0.9
        # A constant target (nothing to explain) and a constant column beside a
        # fitted one are not degenerate fits.
        NonNegMLPRegressor(max_iter=30, random_state=0).fit(X, np.ones(60))
        NonNegMLPRegressor(max_iter=200, random_state=0).fit(
            X, np.c_[y, np.ones(60)])


@pytest.mark.parametrize("make", [
    lambda: NonNegMLPClassifier((20,), solver="adam", learning_rate_init=10.0,
                                max_iter=20, random_state=0),
    lambda: ABBAClassifier((20,), solver="adam", learning_rate_init=10.0, max_iter=20,
                           random_state=0),
])
def test_adam_fit_thrown_far_above_the_prior_blames_its_steps(make):
    # Before: an Adam fit that diverged within its first epoch (digits,
    # learning_rate_init=10: training log-loss 84 against the prior's 2.3) was told
    # to scale its scaled inputs, lower its penalties or raise max_iter; the
    # "steps too large" warning compares with the first epoch's loss, already high.
    X, y = load_digits(return_X_y=True)
    X = MinMaxScaler().fit_transform(X)
    with pytest.warns(DegenerateFitWarning, match="Adam's steps were too large") as rec:
        make().fit(X, y)
    message = " ".join(str(w.message) for w in rec
                       if issubclass(w.category, DegenerateFitWarning))
    assert "Lower learning_rate_init first" in message
    assert message.count("log-loss") <= 2  # the numbers are not repeated
    # The ConvergenceWarning beside it said "A larger max_iter fits the training
    # data further": the loss rose from its starting value, as the epoch losses
    # (high from the first) did not show.
    convergence = [str(w.message) for w in rec if w.category is ConvergenceWarning]
    assert len(convergence) == 1
    assert ("the loss ended at more than twice its value at the starting "
            "parameters" in convergence[0])
    assert "Lower learning_rate_init" in convergence[0]
    assert "larger max_iter fits" not in convergence[0]


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_adam_steps_warning_does_not_contradict_its_convergence_warning(kind):
    # Before: the ConvergenceWarning said "a larger max_iter does not help" and the
    # DegenerateFitWarning of the same fit "Try ... a larger max_iter"; the
    # regressor's also named a smaller learning_rate_init twice.
    if kind == "classifier":
        X, y = load_digits(return_X_y=True)
        X = MinMaxScaler().fit_transform(X)
        est = NonNegMLPClassifier((20,), solver="adam", learning_rate_init=10.0,
                                  max_iter=20, random_state=0)
    else:
        X, y = load_diabetes(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        est = NonNegMLPRegressor((20,), solver="adam", learning_rate_init=30.0,
                                 max_iter=20, random_state=0)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        est.fit(X, y)
    convergence = [str(w.message) for w in rec if w.category is ConvergenceWarning]
    degenerate = [str(w.message) for w in rec
                  if w.category is DegenerateFitWarning]
    assert len(convergence) == 1 and len(degenerate) == 1
    assert "a larger max_iter does not help" in convergence[0]
    message = degenerate[0]
    assert "Adam's steps were too large" in message
    assert "max_iter" not in message
    assert message.count("learning_rate_init") == 1
    assert message.endswith("If the fit stays degenerate with smaller steps, try a "
                            "smaller l2" + (' or positive="hidden" (a free output '
                                            'layer).' if kind == "classifier"
                                            else "."))


@pytest.mark.parametrize("batch_size", [1, 2])
def test_adam_fine_minibatch_fit_is_not_told_its_steps_are_too_large(batch_size):
    # Before: the loss at the starting parameters was that of the first batch
    # alone; a batch of one or two rows that the start fitted well (0.039) made a
    # fit whose epoch loss fell (0.195 -> 0.151, training R^2 0.76) warn "the loss
    # ended at more than twice its value at the starting parameters ... the steps
    # are too large for the data".
    from sklearn.datasets import make_regression

    X, y = make_regression(200, 4, noise=60, random_state=0)
    X = MinMaxScaler().fit_transform(X)
    reg = NonNegMLPRegressor(solver="adam", batch_size=batch_size, max_iter=20,
                             random_state=2)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        reg.fit(X, y)
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]
    assert reg.score(X, y) > 0.7
    messages = [str(w.message) for w in rec]
    assert not [m for m in messages if "steps are too large" in m], messages
    assert not [m for m in messages if "steps were too large" in m], messages


def test_degenerate_regression_blames_adam_steps_only_far_from_the_mean():
    X = np.random.RandomState(0).rand(60, 4)
    y = X @ [1.0, -1.0, 2.0, 0.0]
    with pytest.warns(DegenerateFitWarning, match="Adam's steps were too large"):
        NonNegMLPRegressor(solver="adam", learning_rate_init=1e10, max_iter=30,
                           random_state=0).fit(X, y)
    # A flattened fit (R^2 near 0: l2 too large, L-BFGS-B) is not told so.
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        NonNegMLPRegressor(max_iter=30, random_state=0, l2=10.0).fit(X, y)
    assert any(issubclass(w.category, DegenerateFitWarning) for w in rec)
    assert not any("Adam's steps" in str(w.message) for w in rec)
    # Nor told to lower learning_rate_init, which L-BFGS-B does not read (it was);
    # an Adam fit is.
    degenerate = [str(w.message) for w in rec if w.category is DegenerateFitWarning]
    # Only the penalties set above 0 (l1=0 here): before, "smaller penalties (l2,
    # l1)".
    assert "Try a smaller l2 or a larger max_iter." in degenerate[0]
    assert "learning_rate_init" not in degenerate[0]
    from sklearn.datasets import load_diabetes
    Xd, yd = load_diabetes(return_X_y=True)  # 20 epochs: training R^2 -1.04
    with pytest.warns(DegenerateFitWarning,
                      match=r"Try a smaller l2, a smaller "
                            r"learning_rate_init or a larger max_iter\."):
        NonNegMLPRegressor(solver="adam", max_iter=20, random_state=0).fit(Xd, yd)


def test_degenerate_fit_names_only_the_penalties_set():
    # Before: "Try smaller penalties (l2, l1)" whatever the penalties were, also
    # with l1=0 and l2=0. Now the ones above 0, and none where none is.
    from sklearn.datasets import load_diabetes
    X, y = load_diabetes(return_X_y=True)  # 20 Adam epochs: training R^2 -1.04
    for kw, remedy in (({"l2": 0.0}, "Try a smaller learning_rate_init or"),
                       ({"l1": 1e-3}, "Try smaller penalties (l2, l1), a smaller"),
                       ({"l2": 0.0, "activity_l1": 1e-3},
                        "Try a smaller activity_l1, a smaller")):
        message = _degenerate_fit_message(
            NonNegMLPRegressor(solver="adam", max_iter=20, random_state=0, **kw), X, y)
        assert remedy in message, (kw, message)
        if kw.get("l2") == 0.0:
            assert "l2" not in message.split("Try")[1], (kw, message)
    # l1="auto" says what it put on the first layer (multilabel, every weight >= 0).
    rng = np.random.RandomState(0)
    Xm = rng.rand(60, 4)
    Y = np.column_stack([Xm[:, 0] > 0.5, Xm[:, 1] > 0.5, Xm[:, 2] > 0.5]).astype(int)
    message = _degenerate_fit_message(
        NonNegMLPClassifier(l2=10.0, max_iter=30, random_state=0), Xm, Y)
    assert 'smaller penalties (l2, l1; l1="auto" put 0.0001 on the first layer)' \
        in message, message


def _degenerate_fit_message(est, X, y):
    """The text of the DegenerateFitWarnings that fitting ``est`` raises."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    return " ".join(str(w.message) for w in caught
                    if w.category is DegenerateFitWarning)


def test_degenerate_fit_advises_scaling_only_for_large_inputs():
    # Every DegenerateFitWarning said "Try scaling the inputs (MinMaxScaler or
    # StandardScaler)", also to fits on inputs in [0, 1]; as the
    # ConvergenceWarning, it now does where an input exceeds 10 in size. Where
    # the fit raised an InputScaleWarning (raw breast cancer), which names the
    # scaler, it points to that warning instead of naming it again.
    X, y = load_breast_cancer(return_X_y=True)
    scaled = X / X.max(axis=0)
    for inputs, scale in ((X, "see the InputScaleWarning"),
                          (50 * scaled, "MinMaxScaler or StandardScaler"),
                          (scaled, None)):
        for est in (NonNegMLPClassifier(l2=10.0, max_iter=30, random_state=0),
                    NonNegMLPRegressor(l2=1e3, max_iter=30, random_state=0)):
            target = y if is_classifier(est) else inputs[:, 0] + y
            message = _degenerate_fit_message(est, inputs, target)
            assert "degenerate fit" in message, est
            # l1 is 0 (the regressor's default; l1="auto" puts 0 on a
            # single-label classifier): only l2 is named.
            if scale is None:
                assert "Try a smaller l2" in message
                assert "scal" not in message, (est, message)
            else:
                assert (f"Try scaling the inputs ({scale}), a smaller l2"
                        in message), (est, message)
            if scale != "MinMaxScaler or StandardScaler":
                assert "MinMaxScaler" not in message, (est, message)


@pytest.mark.parametrize("inputs", ["ones", "zeros_csr", "constant_csr",
                                    "constant_where_weighted"])
def test_degenerate_fit_on_constant_inputs_says_no_setting_helps(inputs):
    # A fit on inputs equal on every row (all ones; all-zero CSR) can
    # do no better than the mean or the class prior, but its DegenerateFitWarning
    # said "Try a smaller l2 or a larger max_iter" (all-zero CSR: "Try scaling
    # the inputs (MaxAbsScaler ...), a smaller l2 or a larger max_iter"), none of
    # which can help. It names the cause now. Rows of weight 0 are not fitted: a
    # column that varies only there is constant for the fit.
    rng = np.random.RandomState(0)
    n = 60
    y_reg, y_clf = rng.normal(size=n), np.arange(n) % 2
    weight = None
    if inputs == "ones":
        X = np.ones((n, 3))
    elif inputs == "zeros_csr":
        X = sp.csr_matrix((n, 3))
    elif inputs == "constant_csr":  # a stored 2 on every row, zeros elsewhere
        X = sp.csr_matrix(np.c_[np.full(n, 2.0), np.zeros((n, 2))])
    else:
        X = np.ones((n, 3))
        X[0, 0] = 5.0
        weight = np.r_[0.0, np.ones(n - 1)]
    for est, y in ((NonNegMLPRegressor(random_state=0), y_reg),
                   (NonNegMLPRegressor(loss="poisson", random_state=0), y_reg ** 2),
                   (NonNegMLPClassifier(random_state=0), y_clf),
                   (ABBAClassifier(random_state=0), y_clf)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(X, y, sample_weight=weight)
        message = " ".join(str(w.message) for w in caught
                           if w.category is DegenerateFitWarning)
        assert "degenerate fit" in message, est
        # The rows it checked, said as they are (before: "on the
        # rows it fits (those of positive sample_weight)", also given no weights).
        seen = (" on the rows it trains on (not the 1 row of sample_weight 0): "
                if weight is not None else ": ")
        assert f"Every column of X is constant{seen}no function" in message, message
        assert "Try " not in message and "max_iter" not in message, message
        assert "Scal" not in message, message
    # Inputs that vary on the fitted rows keep the remedies.
    X_var = rng.uniform(size=(n, 3))
    message = _degenerate_fit_message(
        NonNegMLPRegressor(l2=1e3, max_iter=30, random_state=0), X_var,
        X_var[:, 0] + y_reg)
    assert "Try a smaller l2" in message and "constant" not in message, message


@pytest.mark.parametrize("weighted", [False, True])
def test_degenerate_fit_on_constant_inputs_names_the_rows_it_checked(weighted):
    # Early stopping holds rows out, which the check never sees, and
    # the rows of weight 0 are dropped before; the note said "constant on the rows
    # it fits (those of positive sample_weight)" in every case, also to a fit
    # given no sample_weight, and never named the held-out rows.
    n = 200
    X = np.ones((n, 3))
    weight = np.r_[np.zeros(20), np.ones(n - 20)] if weighted else None
    y_clf = np.arange(n) % 2
    for est, y in ((NonNegMLPClassifier(3, max_iter=20, random_state=0,
                                        early_stopping=True), y_clf),
                   (NonNegMLPRegressor(3, max_iter=20, random_state=0,
                                       early_stopping=True), y_clf * 2.0 - 1.0)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(X, y, sample_weight=weight)
        message = " ".join(str(w.message) for w in caught
                           if w.category is DegenerateFitWarning)
        held = est.validation_fraction * (n - 20 if weighted else n)
        dropped = "the 20 rows of sample_weight 0 or " if weighted else ""
        assert (f"Every column of X is constant on the rows it trains on (not "
                f"{dropped}the {round(held)} rows held out for early stopping): no "
                "function of X can do better") in message, message
        assert "positive sample_weight" not in message, message


@pytest.mark.parametrize("sparse", [False, True])
def test_degenerate_fit_on_inputs_equal_in_float32_names_the_dtype(sparse):
    # Inputs that vary by less than float32's precision (1 + 1e-9 *
    # rand) round to one value in a dtype="float32" fit, whose DegenerateFitWarning
    # said "no function of X can do better, whatever the settings. Check the
    # inputs": but X varies, and dtype="float64" or a scaler before the cast
    # keeps its rows apart.
    from sklearn.pipeline import make_pipeline

    rng = np.random.RandomState(0)
    n = 60
    X = 1.0 + 1e-9 * rng.uniform(size=(n, 2))
    y = 1e9 * (X[:, 0] - 1.0)
    X_fit = sp.csr_matrix(X) if sparse else X
    for est, target in ((NonNegMLPRegressor((4,), dtype="float32", random_state=0),
                         y),
                        (NonNegMLPClassifier((4,), dtype="float32", random_state=0),
                         (y > np.median(y)).astype(int))):
        message = _degenerate_fit_message(est, X_fit, target)
        assert "Every column of X is constant in float32" in message, message
        assert "whatever the settings" not in message, message
        assert "dtype='float64'" in message and "scale" in message, message
    # the advice holds: centred and scaled before the float32 cast, it fits
    scaled = make_pipeline(StandardScaler(),
                           NonNegMLPRegressor((4,), dtype="float32", random_state=0))
    assert scaled.fit(X, y).score(X, y) > 0.9
    # inputs that are constant in float64 too keep the plain note
    message = _degenerate_fit_message(NonNegMLPRegressor((4,), random_state=0),
                                      np.ones((n, 2)), y)
    assert "whatever the settings" in message and "float32" not in message


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_degenerate_fit_on_sparse_inputs_names_a_scaler_that_takes_them(fmt):
    # Before: "Try scaling the inputs (MinMaxScaler or StandardScaler)" on sparse
    # inputs, which MinMaxScaler refuses (and StandardScaler with its default
    # with_mean=True); the InputScaleWarning names MaxAbsScaler there.
    X, y = load_breast_cancer(return_X_y=True)
    # Inputs up to 50, without an InputScaleWarning, which would name the scaler.
    X = sp.csr_matrix(50 * X / X.max(axis=0)).asformat(fmt)
    for est in (NonNegMLPClassifier(l2=10.0, max_iter=30, random_state=0),
                NonNegMLPRegressor(l2=1e3, max_iter=30, random_state=0)):
        message = _degenerate_fit_message(est, X, y)
        assert "degenerate fit" in message, est
        assert "Try scaling the inputs (MaxAbsScaler" in message, message
        assert "MinMaxScaler or StandardScaler" not in message, message
        MaxAbsScaler().fit_transform(X)  # the scaler it names takes them


def test_slow_adam_fits_far_from_the_constant_model_are_not_told_to_lower_the_step():
    # The first version of the note fired here: imbalanced classes (the fit starts
    # near equal probabilities, far above the prior's log-loss) and a positive
    # network on a falling target (it starts at R^2 -1.5) improve slowly, and were
    # told to lower learning_rate_init (a regression hunt).
    X = np.random.RandomState(0).rand(2000, 5)
    fits = [(NonNegMLPClassifier((8,), solver="adam", max_iter=3, random_state=0),
             X, (X[:, 0] > 0.97).astype(int)),
            (NonNegMLPRegressor((8,), solver="adam", max_iter=20, random_state=0),
             X[:1000], X[:1000, 0] - X[:1000, 1])]
    for est, X_fit, y_fit in fits:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            est.fit(X_fit, y_fit)
        assert any(issubclass(w.category, DegenerateFitWarning) for w in rec)
        assert not any("Adam's steps" in str(w.message) for w in rec)


@pytest.mark.parametrize("loss, mc, scale", [("poisson", None, 1e-4),
                                             ("poisson", [1, -1, 0], 1e-3),
                                             ("gamma", [1, -1, 0], 1e-3),
                                             ("tweedie", [1, -1, 0], 1e-3),
                                             ("squared_error", None, 1e-4)])
def test_degenerate_fit_on_small_inputs_says_to_scale_them(loss, mc, scale):
    # On X * 1e-4 the first layer needs weights of 1e4, whose L2 penalty (1e6 at the
    # start) outweighs the data: Poisson and Gamma fits ended far worse than the
    # mean model (training D^2 -4.8e3 to -5.4e4, predictions 3e-25 for targets
    # near 1.7). The warning listed four remedies and first blamed monotonic_cst
    # ("an output that moves against it cannot be fitted"); now it names the
    # scale and the scaler.
    rng = np.random.default_rng(0)
    X = rng.random((60, 3))
    y = 1 + X[:, 0] + 0.5 * X[:, 1] ** 2
    with pytest.warns(DegenerateFitWarning) as rec:
        NonNegMLPRegressor(loss=loss, monotonic_cst=mc, random_state=0).fit(X * scale, y)
    message = " ".join(str(w.message) for w in rec
                       if issubclass(w.category, DegenerateFitWarning))
    assert f"largest magnitude {np.abs(X * scale).max():.3g}" in message
    # These inputs (column root-mean-square below 1e-3) also raised an
    # InputScaleWarning, which names the scaler: the remedy points to it (before,
    # both named it). Inputs small but not that small keep the scaler's name.
    assert any(w.category is InputScaleWarning for w in rec)
    assert "Scale the features (see the InputScaleWarning)." in message
    assert "StandardScaler" not in message
    # These fits end at the mean model (D^2 within 1e-5 of 0): the note says so.
    # Before, the log-link losses were all said to "end far worse than the mean
    # model".
    assert "This fit ended no better than the constant model." in message
    assert "worse than" not in message
    assert "monotonic_cst" not in message and "Try " not in message



@pytest.mark.parametrize("make, data, scale", [
    (lambda: ABBAClassifier(solver="adam", learning_rate_init=10, max_iter=20,
                            random_state=0), load_iris, 1e-4),
    (lambda: NonNegMLPRegressor(solver="adam", learning_rate_init=10, max_iter=20,
                                random_state=0), load_diabetes, 1e-4),
    (lambda: NonNegMLPRegressor(solver="adam", learning_rate_init=10, max_iter=20,
                                random_state=0), load_diabetes, 1.0)])
def test_degenerate_fit_worse_than_the_constant_model_says_worse(make, data, scale):
    # Before: a fit far worse than the constant model (a training R^2 of -46 and
    # -106; an ABBA log-loss several times the class prior's) was "no better than
    # predicting the mean of the targets", and on small inputs "the fit can end no
    # better than the constant model".
    X, y = data(return_X_y=True)
    X = MinMaxScaler().fit_transform(X) * scale
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        est = make().fit(X, y)
    message = " ".join(str(w.message) for w in rec
                       if issubclass(w.category, DegenerateFitWarning))
    if is_regressor(est):
        assert est.score(X, y) < -0.01
        assert "is worse than predicting the mean of the targets" in message
    else:
        prior = np.bincount(y) / len(y)
        assert log_loss(y, est.predict_proba(X)) > 1.01 * log_loss(
            y, np.tile(prior, (len(y), 1)))
    assert "no better than" not in message
    if scale < 1:
        assert "This fit ended worse than the constant model." in message

def test_degenerate_classifier_on_small_sparse_inputs_says_to_scale_them():
    rng = np.random.default_rng(0)
    X = rng.random((60, 3))
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    with pytest.warns(DegenerateFitWarning) as rec:
        NonNegMLPClassifier(random_state=0).fit(sp.csr_matrix(X * 1e-4), y)
    message = " ".join(str(w.message) for w in rec
                       if issubclass(w.category, DegenerateFitWarning))
    # The InputScaleWarning of this fit names MaxAbsScaler; the note points to it.
    assert any(w.category is InputScaleWarning for w in rec)
    assert "Scale the features (see the InputScaleWarning)." in message
    assert "no better than the constant model" in message
    assert "worse than" not in message
    # Inputs of order one keep the list of remedies.
    with pytest.warns(DegenerateFitWarning) as rec:
        NonNegMLPClassifier(5, l2=10.0, max_iter=30, random_state=0).fit(X, y)
    assert all("Scale the features" not in str(w.message) for w in rec)


def test_degenerate_lbfgsb_fit_does_not_blame_adam():
    X, y = load_iris(return_X_y=True)
    with pytest.warns(DegenerateFitWarning) as rec:
        NonNegMLPClassifier(5, l2=10.0, max_iter=30, random_state=0).fit(X / 8, y)
    assert not any("Adam" in str(w.message) for w in rec)


def test_degenerate_fit_per_label_and_output_names_the_constraint():
    # A label (or a regression output) left at its prior beside fitted ones was
    # hidden by the average: an all-non-negative network fitted breast cancer's
    # [y, 1 - y] at 62.7% (the prior) for y and 98.6% for 1 - y, silently. The
    # warning names the labels and, when the constraints make every output
    # monotone, that cause.
    X, y = load_breast_cancer(return_X_y=True)
    X = MinMaxScaler().fit_transform(X)
    Y = np.c_[y, 1 - y]
    with pytest.warns(DegenerateFitWarning, match=r"labels \[0\] \(of 2; 357 positive training rows each\).*"
                      r"Every weight is >= 0.*positive=\"hidden\"") as w:
        NonNegMLPClassifier(10, random_state=0).fit(X, Y)
    assert len([x for x in w if x.category is DegenerateFitWarning]) == 1
    # It names what l1="auto" put on the first layer, a penalty the user did not
    # set.
    degenerate = [str(x.message) for x in w if x.category is DegenerateFitWarning]
    assert 'l1="auto" put 0.0001 on the first layer' in degenerate[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        free = NonNegMLPClassifier(10, positive="hidden", random_state=0).fit(X, Y)
    assert np.all((free.predict(X) == Y).mean(axis=0) > 0.95)
    # A rare label that no row reaches 0.5 on but that is ranked (log-loss 0.013
    # against its prior's 0.033) is fitted, not degenerate.
    rare = np.zeros_like(y)
    rare[np.argsort(X[:, 3])[-12:-9]] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        fit = NonNegMLPClassifier(10, random_state=0).fit(X, np.c_[1 - y, rare])
    assert fit.predict(X)[:, 1].sum() == 0
    # monotonic_cst: its note, and no advice to free the output layer (refused).
    with pytest.warns(DegenerateFitWarning, match="With monotonic_cst") as w:
        NonNegMLPClassifier(10, monotonic_cst=[1] * 30, random_state=0).fit(X, y)
    assert 'positive="hidden"' not in str(w[0].message)
    # A regressor: the flat output among three, by index, with its R^2.
    T = np.c_[X[:, 0], -X[:, 0], X[:, 1]]
    with pytest.warns(DegenerateFitWarning, match=r"outputs \[1\] \(of 3; R\^2 .*"
                      "Every weight is >= 0"):
        NonNegMLPRegressor(10, positive=True, random_state=0).fit(X, T)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        NonNegMLPRegressor(10, random_state=0).fit(X, T)


def test_degenerate_binary_fit_names_the_class_whose_probability_rises():
    # A single logistic output gives P(classes_[1]), the labels sorted: with
    # "spam"/"ham" labels it is P("spam"), and a spam score that should fall as
    # the features rise cannot be fitted. The warning said so without naming the
    # class, or how to point the constraint at the other one.
    rng = np.random.RandomState(0)
    X = rng.rand(500, 5)
    y = np.where(X.sum(axis=1) < 2.5, "spam", "ham")
    for params in ({"output": "logistic"}, {"monotonic_cst": [1] * 5}):
        with pytest.warns(DegenerateFitWarning,
                          match=r"P\(classes_\[1\]\) = P\('spam'\).*"
                                r"sorts last \(e.g. y == 'ham'\)"):
            NonNegMLPClassifier(10, random_state=0, **params).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        fit = NonNegMLPClassifier(10, output="logistic", random_state=0).fit(X, y == "ham")
    assert fit.score(X, y == "ham") > 0.9
    # Multilabel targets have no such class: no sentence.
    with pytest.warns(DegenerateFitWarning) as w:
        NonNegMLPClassifier(10, random_state=0).fit(X, np.c_[y == "spam", y == "ham"])
    assert not any("classes_[1]" in str(x.message) for x in w)


def test_weights_on_one_class_are_not_a_degenerate_fit():
    # Before: with sample_weight zero on every row of the other classes, the fit
    # predicting the one weighted class was called "no better than the class
    # prior" (a prior log-loss of 7.8e-16 against the fit's 5e-6).
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        for output in ("softmax", "logistic"):
            NonNegMLPClassifier(5, output=output, max_iter=30, random_state=0).fit(
                X / 8, y == 1, sample_weight=(y == 1).astype(float))


def test_good_fit_does_not_warn():
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = NonNegMLPClassifier(10, random_state=0).fit(X / 8, y)
    assert clf.score(X / 8, y) > 0.9


def test_input_scale_warns_once():
    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NonNegMLPClassifier(5, max_iter=5, random_state=0).fit(X * 1e10, y)
    scale = [w for w in caught if w.category is InputScaleWarning]
    assert len(scale) == 1 and "MinMaxScaler" in str(scale[0].message)


def test_raw_pixel_intensities_warn_and_scaled_pixels_do_not():
    # Raw MNIST (pixels 0..255, largest column root-mean-square 178) trained to
    # 0.908 test accuracy at the defaults against 0.969 scaled, without a warning:
    # the rule asked for a root-mean-square above 1e3. The digits on the same
    # 0..255 scale (largest 190), and divided by 16 as the examples do.
    X, y = load_digits(return_X_y=True)
    X, y = X[:300], y[:300]
    for est in (NonNegMLPClassifier(5, max_iter=2, random_state=0),
                ABBAClassifier(3, max_iter=2, random_state=0)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(X * 16, y)
        scale = [str(w.message) for w in caught if w.category is InputScaleWarning]
        assert len(scale) == 1, est
        assert "far from unit scale" in scale[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=2
            warnings.simplefilter("error", InputScaleWarning)
            est.fit(X / 16, y)
            est.fit(X, y)  # pixels 0..16 (largest 12.6): near enough


def test_input_scale_warning_makes_no_claim_about_the_network_it_may_not_hold():
    # It said "Networks with sigmoid units and non-negative weights train on inputs
    # of order one" to ABBAClassifier (tanh units, signed weights) and to relu and
    # positive=False networks too.
    X, y = load_breast_cancer(return_X_y=True)  # raw: a column's rms is 1.05e3
    for est in (ABBAClassifier(4, max_iter=2, random_state=0),
                NonNegMLPClassifier(4, activation="relu", positive=False, max_iter=2,
                                    random_state=0)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(X, y)
        scale = [str(w.message) for w in caught if w.category is InputScaleWarning]
        assert len(scale) == 1
        assert "non-negative weights" not in scale[0] and "sigmoid" not in scale[0]
        assert "largest column root-mean-square 1.05e+03" in scale[0]
        assert ("it trains best on inputs of order one. Put a MinMaxScaler or "
                "StandardScaler before it in a Pipeline." in scale[0])


def test_convergence_warning_only_when_still_falling():
    falling = SolverResult(theta=np.zeros(1), loss=0.5, loss_curve=list(
        np.linspace(1.0, 0.5, 50)), message="STOP", proj_grad_norm=0.25)
    with pytest.warns(ConvergenceWarning, match="projected-gradient norm 0.25") as w:
        warn_if_not_converged(falling, "Net", 50)
    assert "loss 0.5" in str(w[0].message) and "early_stopping" in str(w[0].message)
    assert "finite minimum" not in str(w[0].message)
    with pytest.warns(ConvergenceWarning, match="finite minimum"):
        warn_if_not_converged(falling, "Net", 50, unpenalised=True)
    # Without early stopping (the autoencoder) it says to increase max_iter (before:
    # "which can lower held-out scores; a larger l2 regularises instead", where
    # 200 iterations instead of 50 lowered its held-out reconstruction error).
    with pytest.warns(ConvergenceWarning, match="Increase max_iter to fit further.") as w:
        warn_if_not_converged(falling, "Net", 50, early_stopping=False)
    assert "early_stopping" not in str(w[0].message)
    assert "held-out" not in str(w[0].message)
    flat = SolverResult(theta=np.zeros(1), loss=0.5,
                        loss_curve=[1.0] + [0.5] * 49, message="STOP")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_not_converged(flat, "Net", 50)


def test_convergence_warning_tail_stays_in_the_last_gain_stage():
    # Five gain stages of 4 iterations: a gain step raises the loss, and the drop
    # measured from before it (0.056 -> 0.072, "no decrease") hid a fit cut short
    # (the constant-target regressor at max_iter=20, loss still falling 4% a step).
    curve = [0.438, 0.373, 0.088, 0.080, 0.106, 0.099, 0.061, 0.042, 0.057, 0.055,
             0.048, 0.043, 0.061, 0.060, 0.056, 0.053, 0.080, 0.077, 0.075, 0.072]
    cut = SolverResult(theta=np.zeros(1), loss=curve[-1], loss_curve=curve,
                       stage_start=16)
    with pytest.warns(ConvergenceWarning, match="the last 3 iterations"):
        warn_if_not_converged(cut, "Net", 20)
    with warnings.catch_warnings():  # the drop across the stages: no warning
        warnings.simplefilter("error")
        warn_if_not_converged(SolverResult(theta=np.zeros(1), loss=curve[-1],
                                           loss_curve=curve), "Net", 20)
    # A last stage of one iteration cannot show its decrease: it warns.
    # The message then gives the loss, not "it stopped after 20 iterations" (which
    # only repeated the limit).
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(20\)") as w:
        warn_if_not_converged(SolverResult(theta=np.zeros(1), loss=curve[-1],
                                           loss_curve=curve, stage_start=19), "Net", 20)
    assert "stopped after" not in str(w[0].message)
    assert "loss 0.072)" in str(w[0].message)
    # The fits: the regressor at max_iter 6, 10, 20 (2 to 4 iterations a stage) did
    # not warn with its loss at 0.37, 0.24, 0.10 (0.04 after 40 iterations). Without
    # the held-out check of early_stopping="auto", which cuts such fits where it
    # finds an over-fit and then does not warn.
    X, _ = load_breast_cancer(return_X_y=True)
    X = MinMaxScaler().fit_transform(X)
    for max_iter in (6, 10, 20):
        with pytest.warns(ConvergenceWarning, match="maximum iterations"):
            NonNegMLPRegressor(max_iter=max_iter, early_stopping=False,
                               random_state=0).fit(X, X[:, 0])


def test_convergence_warning_short_last_stage_is_held_to_the_tail_rate():
    # A last gain stage of 2 iterations leaves a window of one: before, the whole 1%
    # of the decrease had to fall in that one step, so a fit cut short at
    # max_iter=10 (digits, stages of 2 iterations, loss 1.14, 0.94 once converged)
    # ended silently. The window's share of the 1% (1 of 5 iterations) is the rule.
    curve = np.linspace(2.3, 1.2, 9).tolist() + [1.191]  # last step: 0.8% of 1.11
    cut = SolverResult(theta=np.zeros(1), loss=curve[-1], loss_curve=curve,
                       stage_start=8)
    with pytest.warns(ConvergenceWarning, match="the last iteration") as w:
        warn_if_not_converged(cut, "Net", 10)
    # The share of the 1% and the window are in the message; the rule behind them
    # is in max_iter's description (before, the message spelt it out: "1% over 5
    # iterations pro rata: the last gain stage is shorter").
    assert ("The loss still fell by more than 0.2% of its total decrease over the "
            "last iteration." in str(w[0].message))
    assert "pro rata" not in str(w[0].message)
    # A fit shorter than the window, with no gain stage: the same rule.
    short = SolverResult(theta=np.zeros(1), loss=curve[2], loss_curve=curve[:3],
                         stage_start=0)
    with pytest.warns(ConvergenceWarning) as w:
        warn_if_not_converged(short, "Net", 3)
    assert ("The loss still fell by more than 0.4% of its total decrease over the "
            "last 2 iterations." in str(w[0].message))
    assert "))" not in str(w[0].message) and "pro rata" not in str(w[0].message)
    flat = curve[:9] + [curve[8] - 0.001]  # 0.09% of the decrease: it has stalled
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_not_converged(SolverResult(theta=np.zeros(1), loss=flat[-1],
                                           loss_curve=flat, stage_start=8), "Net", 10)
    X, y = load_digits(return_X_y=True)
    for max_iter in (8, 10, 11):  # last stages of 2 iterations; 8 and 10 were silent
        with pytest.warns(ConvergenceWarning, match="maximum iterations"):
            NonNegMLPClassifier((10,), max_iter=max_iter, random_state=0).fit(
                X[:1347] / 16, y[:1347])


@pytest.mark.parametrize("solver, gain", [("lbfgsb", (1.0, 2.0)), ("adam", 1.0)])
def test_auto_gain_per_solver(solver, gain):
    assert NonNegMLPClassifier(solver=solver)._gain_param() == gain
    # The regressor's too (it annealed under Adam: benchmarks/results/
    # regressor_adam_gain.md, lower test R^2 in 5 of 6 data sets and scalings).
    assert NonNegMLPRegressor(solver=solver)._gain_param() == gain


@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_auto_gain_logistic_outputs_is_fixed(solver):
    assert NonNegMLPClassifier(solver=solver, output="logistic")._gain_param() == 1.0


def _planned(curve):
    return SolverResult(theta=np.zeros(1), loss=curve[-1], loss_curve=list(curve),
                        planned_end=True)


def test_linear_schedule_end_is_not_a_cut():
    # Full MNIST, projected Adam, step 6e-3 decaying linearly over 30 epochs (the
    # loss of each epoch, seed 0): still falling, but its last epoch at the smallest
    # step gives 0.5% of the decrease: the fit ended as planned.
    settled = np.array([
        0.45139, 0.24756, 0.20948, 0.18825, 0.17583, 0.1646, 0.15782, 0.15112,
        0.14675, 0.14201, 0.13792, 0.13456, 0.13205, 0.12872, 0.1257, 0.12351,
        0.11984, 0.11703, 0.11448, 0.11464, 0.11048, 0.10834, 0.10641, 0.10421,
        0.10217, 0.10056, 0.09827, 0.09637, 0.09454, 0.09272])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_not_converged(_planned(settled), "Net", 30)
    # The same curve cut by the iteration limit of a constant step warns.
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        warn_if_not_converged(SolverResult(theta=np.zeros(1), loss=settled[-1],
                                           loss_curve=list(settled)), "Net", 30)


@pytest.mark.parametrize("curve, match", [
    (np.linspace(1.0, 0.5, 5), "schedule was too short"),
    (np.r_[np.linspace(1.0, 0.5, 9), 0.6], "steps were too large"),
    (np.array([1.0]), "one epoch"),
])
def test_linear_schedule_end_warns_when_wrong(curve, match):
    with pytest.warns(ConvergenceWarning, match=match) as w:
        warn_if_not_converged(_planned(curve), "Net", curve.size)
    # One sentence that parses (before: "ended after 1 epochs with one epoch is no
    # schedule", "with its last epoch, at the smallest step, still giving more
    # than 1% of its decrease").
    message = str(w[0].message)
    assert "epochs with" not in message and "1 epochs" not in message
    assert message.startswith(f"Net: the step-size schedule (learning_rate='linear') "
                              f"ended after {curve.size} epoch")


def test_linear_schedule_end_messages_read_as_sentences():
    curve = np.linspace(1.0, 0.5, 5)
    with pytest.warns(ConvergenceWarning) as w:
        warn_if_not_converged(_planned(curve), "Net", 5)
    assert str(w[0].message) == (
        "Net: the step-size schedule (learning_rate='linear') ended after 5 epochs "
        "(loss 0.5), and its last epoch, at the smallest step, still lowered the "
        "loss by more than 1% of its total decrease. The schedule was too short: "
        "increase max_iter (its length).")
    with pytest.warns(ConvergenceWarning) as w:
        warn_if_not_converged(_planned(np.array([1.0])), "Net", 1)
    assert str(w[0].message).startswith(
        "Net: the step-size schedule (learning_rate='linear') ended after 1 epoch "
        "(loss ")
    assert "one epoch is no schedule. Increase max_iter" in str(w[0].message)


def _adam_fit(**params):
    X, y = load_iris(return_X_y=True)
    clf = NonNegMLPClassifier(10, solver="adam", batch_size=30, random_state=0,
                              learning_rate_init=0.05, n_iter_no_change=1000,
                              **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X / 8, y)
    return clf, [w for w in caught if issubclass(w.category, ConvergenceWarning)]


def test_adam_linear_schedule_ends_without_warning():
    clf, caught = _adam_fit(learning_rate="linear", max_iter=150)
    assert clf.n_iter_ == 150 and clf.score(load_iris().data / 8, load_iris().target) > 0.9
    assert not caught
    # a schedule far too short for the data still warns, and says so
    _, caught = _adam_fit(learning_rate="linear", max_iter=3)
    assert len(caught) == 1 and "too short" in str(caught[0].message)


def _multilabel(n=120, d=12, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(size=(n, d))
    Y = (X[:, :3] + 0.3 * rng.uniform(size=(n, 3)) > 0.8).astype(int)
    return X, Y


def _layer_l1(est):
    return [float(np.max(layer.l1)) for layer in est._layout.network]


@pytest.mark.parametrize("positive, expected", [
    (True, [1e-4, 0.0]),  # monotone network, multilabel targets
    ("hidden", [0.0, 0.0]),  # a free output layer can use negative evidence
    (False, [0.0, 0.0]),
])
def test_auto_l1_multilabel(positive, expected):
    X, Y = _multilabel()
    est = NonNegMLPClassifier((4,), positive=positive, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, Y)
    assert _layer_l1(est) == pytest.approx(expected)
    assert est.get_params()["l1"] == "auto"


def test_auto_l1_is_l1_zero_off_multilabel():
    """l1="auto" fits every network but the monotone multilabel one as l1=0 does,
    to the bit (softmax, a single logistic output under monotonic_cst)."""
    X, y = load_iris(return_X_y=True)
    X = X / X.max(axis=0)
    binary = (y > 0).astype(int)
    cases = [({}, y), ({"monotonic_cst": [1, 0, 1, 1]}, binary)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for params, target in cases:
            auto = NonNegMLPClassifier((4,), max_iter=10, random_state=0,
                                       **params).fit(X, target)
            zero = NonNegMLPClassifier((4,), l1=0.0, max_iter=10, random_state=0,
                                       **params).fit(X, target)
            assert _layer_l1(auto) == [0.0, 0.0]
            for a, b in zip(auto.coefs_ + auto.intercepts_,
                            zero.coefs_ + zero.intercepts_):
                np.testing.assert_array_equal(a, b)


def test_auto_l1_is_first_layer_l1():
    X, Y = _multilabel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        auto = NonNegMLPClassifier((4,), max_iter=10, random_state=0).fit(X, Y)
        explicit = NonNegMLPClassifier((4,), l1=[1e-4, 0.0], max_iter=10,
                                       random_state=0).fit(X, Y)
    for a, b in zip(auto.coefs_, explicit.coefs_):
        np.testing.assert_array_equal(a, b)


def test_degenerate_fit_advice_frees_only_a_positive_output_layer():
    # Before: ABBAClassifier (no positive parameter) and positive=False networks
    # were told to try positive="hidden" (a free output layer).
    from sknonneg import ABBAClassifier

    X, y = load_iris(return_X_y=True)
    for est, advised in [
        (NonNegMLPClassifier(5, l2=10.0, max_iter=30, random_state=0), True),
        (NonNegMLPClassifier(5, l2=10.0, max_iter=30, positive=False,
                             random_state=0), False),
        (ABBAClassifier(5, l2=10.0, max_iter=30, random_state=0), False),
    ]:
        with pytest.warns(DegenerateFitWarning, match="degenerate fit") as w:
            est.fit(X / 8, y)
        message = " ".join(str(x.message) for x in w
                           if x.category is DegenerateFitWarning)
        assert ('positive="hidden"' in message) is advised, (est, message)


def test_convergence_warning_advises_scaling_only_for_large_inputs():
    # The ConvergenceWarning said "Unscaled inputs slow it: put a scaler in a
    # Pipeline" for every fit, also on inputs in [0, 1]; the advice now comes with
    # inputs larger than 10 in size, and says how large they are.
    from sklearn.datasets import load_breast_cancer
    X, y = load_breast_cancer(return_X_y=True)
    X01 = (X - X.min(0)) / (X.max(0) - X.min(0))
    est = NonNegMLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0,
                              early_stopping=False)
    with pytest.warns(ConvergenceWarning) as record:
        est.fit(X01, y)
    message = " ".join(str(w.message) for w in record
                       if issubclass(w.category, ConvergenceWarning))
    assert "maximum iterations (3)" in message and "scaler" not in message
    # scipy's "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT" only repeated it.
    assert "REACHED LIMIT" not in message
    with pytest.warns(ConvergenceWarning) as record:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InputScaleWarning)
            est.fit(X01 * 50, y)
    message = " ".join(str(w.message) for w in record
                       if issubclass(w.category, ConvergenceWarning))
    assert "Inputs as large as 50 slow it: put a scaler in a Pipeline." in message


def test_mini_batch_lbfgsb_continuation_does_not_claim_divergence():
    # The "loss ended above where it started" warning (written for Adam) fired on
    # warm-started mini-batch L-BFGS-B fits that improved (train log-loss 0.262 ->
    # 0.171): their epoch loss is the mean over batches before their updates, and
    # learning_rate_init does not act on them. It is Adam's only now.
    from sklearn.datasets import make_classification

    from sknonneg import ABBAClassifier
    X, y = make_classification(n_samples=300, n_features=10, n_informative=5,
                               random_state=0)
    X = (X - X.min(0)) / (X.max(0) - X.min(0))
    est = ABBAClassifier(hidden_layer_sizes=(16,), batch_size=16, random_state=2,
                         max_iter=150, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.fit(X, y)
    assert not any("ended above" in str(w.message) for w in record)


@pytest.mark.parametrize("sparse", [False, True])
def test_degenerate_fit_on_small_inputs_names_the_scaler_without_an_input_scale_warning(
        sparse):
    # Inputs of largest magnitude 0.01 (column root-mean-square 6e-3, no
    # InputScaleWarning): the note on small inputs names the scaler itself.
    rng = np.random.default_rng(0)
    X = rng.random((60, 3)) * 1e-2
    y = 1 + X[:, 0] * 100 + 0.5 * (X[:, 1] * 100) ** 2
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        NonNegMLPRegressor(loss="poisson", random_state=0).fit(
            sp.csr_matrix(X) if sparse else X, y)
    assert not any(w.category is InputScaleWarning for w in rec)
    message = " ".join(str(w.message) for w in rec
                       if w.category is DegenerateFitWarning)
    scaler = "MaxAbsScaler" if sparse else "StandardScaler or MinMaxScaler"
    assert f"Scale the features: put a {scaler}" in message


def _fit_warnings(est, X, y=None):
    """The messages of each warning class that fitting ``est`` raises."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X) if y is None else est.fit(X, y)
    found = {}
    for w in caught:
        found.setdefault(w.category, []).append(str(w.message))
    return found


@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_raw_inputs_are_told_to_scale_once_per_fit(solver):
    # Raw breast cancer (a column root-mean-square of 1.05e3): the fit raised an
    # InputScaleWarning ("Put a MinMaxScaler or StandardScaler before it in a
    # Pipeline"), and its ConvergenceWarning ended "Inputs as large as 4.25e+03
    # slow it: put a scaler in a Pipeline.": two warnings for one cause. The
    # InputScaleWarning alone gives that advice now.
    X, y = load_breast_cancer(return_X_y=True)
    for est, target in (
            (NonNegMLPClassifier(max_iter=10, solver=solver, random_state=0), y),
            (ABBAClassifier(max_iter=10, solver=solver, random_state=0), y),
            # Adam's default step diverges on these inputs (another warning).
            (NonNegMLPRegressor(max_iter=10, solver=solver, random_state=0,
                                learning_rate_init=1e-4), X[:, 0] / 10 + y)):
        found = _fit_warnings(est, X, target)
        assert len(found[InputScaleWarning]) == 1, est
        assert "Pipeline" in found[InputScaleWarning][0]
        (message,) = found[ConvergenceWarning]
        assert "maximum iterations (10) reached" in message, (est, message)
        assert "scal" not in message and "Inputs as large" not in message, message
        # A DegenerateFitWarning beside them points to the InputScaleWarning.
        for text in found.get(DegenerateFitWarning, []):
            assert "scaling the inputs (see the InputScaleWarning)" in text, text
            assert "MinMaxScaler" not in text, text
    # Inputs as large, without an InputScaleWarning, keep the advice.
    found = _fit_warnings(NonNegMLPClassifier(max_iter=10, solver=solver,
                                              random_state=0),
                          50 * X / X.max(axis=0), y)
    assert InputScaleWarning not in found
    assert ("Inputs as large as 50 slow it: put a scaler in a Pipeline."
            in found[ConvergenceWarning][0])


def test_filtered_input_scale_warning_leaves_the_advice_to_the_others():
    # The fit recorded its InputScaleWarning whatever the warnings
    # filters did with it. With simplefilter("ignore", InputScaleWarning) the
    # user saw no scaling advice at all: the ConvergenceWarning dropped "Inputs
    # as large as ...", and the DegenerateFitWarning said "see the
    # InputScaleWarning", a warning never shown.
    X, y = load_breast_cancer(return_X_y=True)

    def fit(est, X, y, ignore=True, raw=None, **filters):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if ignore:
                warnings.filterwarnings("ignore", category=InputScaleWarning,
                                        **filters)
            if raw:  # an entry put in warnings.filters by hand
                warnings.filters.insert(0, raw)
            est.fit(X, y)
        found = {}
        for w in caught:
            found.setdefault(w.category, []).append(str(w.message))
        return found

    found = fit(NonNegMLPClassifier(max_iter=10, random_state=0), X, y)
    assert InputScaleWarning not in found
    assert ("Inputs as large as 4.25e+03 slow it: put a scaler in a Pipeline."
            in found[ConvergenceWarning][0])
    # A filter that does not match this warning (another module) leaves it
    # shown, and the ConvergenceWarning leaves the advice to it.
    found = fit(NonNegMLPClassifier(max_iter=10, random_state=0), X, y,
                module="no_such_module")
    assert len(found[InputScaleWarning]) == 1
    assert "Inputs as large" not in found[ConvergenceWarning][0]
    # An entry put in warnings.filters by hand (plain strings, which warnings
    # compares exactly) is matched as warnings matches it, not a crash.
    found = fit(NonNegMLPClassifier(max_iter=10, random_state=0), X, y,
                ignore=False, raw=("ignore", "other text", InputScaleWarning,
                                   "no_such_module", 0))
    assert len(found[InputScaleWarning]) == 1
    assert "Inputs as large" not in found[ConvergenceWarning][0]
    # The degenerate fit on tiny sparse inputs names the scaler itself.
    rng = np.random.default_rng(0)
    X = rng.random((60, 3))
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    found = fit(NonNegMLPClassifier(random_state=0), sp.csr_matrix(X * 1e-4), y)
    assert InputScaleWarning not in found
    (message,) = found[DegenerateFitWarning]
    assert "see the InputScaleWarning" not in message
    assert "Scale the features: put a MaxAbsScaler" in message


def test_warm_start_without_input_scale_warning_keeps_the_scaling_advice():
    # The record of the InputScaleWarning is the fit's own: a warm start that
    # continues the network does not draw it again (no InputScaleWarning), and
    # its ConvergenceWarning names the scale.
    X, y = load_breast_cancer(return_X_y=True)
    est = NonNegMLPClassifier(max_iter=5, warm_start=True, random_state=0)
    first = _fit_warnings(est, X, y)
    assert InputScaleWarning in first
    assert "Inputs as large" not in first[ConvergenceWarning][0]
    second = _fit_warnings(est, X, y)
    assert InputScaleWarning not in second
    assert ("Inputs as large as 4.25e+03 slow it: put a scaler in a Pipeline."
            in second[ConvergenceWarning][0])
    assert "_input_scale_warned" not in vars(est)


@pytest.mark.parametrize("decoder, solver", [("linear", "lbfgsb"),
                                             ("sigmoid", "adam")])
def test_autoencoder_on_raw_inputs_is_told_to_scale_once(decoder, solver):
    # Raw digits (0 to 16): the autoencoder's InputScaleWarning (outside [0, 1]
    # for the sigmoid decoder, a column root-mean-square of 12.9 for the linear
    # one) and "Inputs as large as 16 slow it: put a scaler in a Pipeline." in
    # its ConvergenceWarning.
    from sknonneg import NonNegAutoencoder

    X = load_digits().data[:300]
    found = _fit_warnings(NonNegAutoencoder(n_components=8, decoder=decoder,
                                            solver=solver, max_iter=5,
                                            random_state=0), X)
    assert len(found[InputScaleWarning]) == 1
    if solver == "adam":
        # Its epoch loss falls by 0.08 an epoch, under tol's threshold (1e-4
        # times 1661): settled by tol's measure, so its ConvergenceWarning, which
        # follows tol's stall rule, is silent (with max_iter=30 tol stops the fit
        # after 11 epochs). Before, the tail rule said "Increase max_iter".
        assert ConvergenceWarning not in found
        return
    (message,) = found[ConvergenceWarning]
    assert "Increase max_iter to fit further." in message
    assert "Inputs as large" not in message and "scaler" not in message


def test_line_search_failure_leaves_the_scaler_to_the_input_scale_warning():
    # "... This happens on inputs far from unit scale (put a scaler in a
    # Pipeline) or where the loss is flat to rounding" beside the InputScaleWarning
    # of the same fit: the cause stays, the advice is the InputScaleWarning's.
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 3))
    y = X[:, 0] - 2 * X[:, 1] + np.sin(3 * X[:, 2])
    found = _fit_warnings(NonNegMLPRegressor(5, max_iter=50, random_state=0),
                          X * 1e30, y)
    assert len(found[InputScaleWarning]) == 1
    (message,) = found[ConvergenceWarning]
    assert "line search found no step" in message
    assert ("This happens on inputs far from unit scale or where the loss is flat "
            "to rounding" in message)
    assert "scaler" not in message


def _still_falling():
    return SolverResult(theta=np.zeros(1), loss=0.5, loss_curve=list(
        np.linspace(1.0, 0.5, 50)), message="STOP", proj_grad_norm=0.25)


@pytest.mark.parametrize("kwargs, advice", [
    ({}, "A larger max_iter fits the training data further, which can lower "
         "held-out scores; early_stopping=True or l2 > 0 regularise instead."),
    ({"early_stopping": False, "held_out": True},
     "increase max_iter and let early stopping end the fit, or set l2 > 0."),
    ({"early_stopping": False}, "Increase max_iter to fit further, or set l2 > 0."),
])
def test_convergence_warning_with_l2_zero_names_l2_once(kwargs, advice):
    # With l2=0: "... early_stopping=True or a larger l2 regularise instead. With
    # l2=0 the loss need not have a finite minimum: on separable training data the
    # weights grow while it falls; set l2 > 0.": a larger l2 than 0, then the same
    # advice again. The fact comes first, the advice names l2 once.
    with pytest.warns(ConvergenceWarning) as w:
        warn_if_not_converged(_still_falling(), "Net", 50, unpenalised=True,
                              **kwargs)
    message = str(w[0].message)
    fact = ("With l2=0 the loss need not have a finite minimum: on separable "
            "training data the weights grow while it falls.")
    assert fact in message and advice in message, message
    assert message.index(fact) < message.index(advice)
    assert "a larger l2" not in message and message.count("l2 > 0") == 1
    # l2 > 0: a larger l2, and no word of l2=0.
    with pytest.warns(ConvergenceWarning) as w:
        warn_if_not_converged(_still_falling(), "Net", 50, **kwargs)
    message = str(w[0].message)
    assert "l2=0" not in message and "l2 > 0" not in message
    assert ("a larger l2" in message) == (kwargs == {})


def test_convergence_warning_with_l2_zero_fits_the_estimator():
    # The separable case is a classifier's: a regressor and the autoencoder were
    # told of "separable training data" too. Per-layer l2 names the layers.
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    from sknonneg import NonNegAutoencoder

    cases = [
        (NonNegMLPClassifier(l2=0, max_iter=20, random_state=0), y,
         "With l2=0 the loss need not have a finite minimum: on separable training "
         "data the weights grow while it falls.", "early_stopping=True or l2 > 0"),
        (NonNegMLPClassifier(l2=[0, 1e-4], max_iter=20, random_state=0), y,
         "With l2=0 on weight layer 1 the loss need not have a finite minimum",
         "early_stopping=True or l2 > 0"),
        (NonNegMLPRegressor(l2=0, max_iter=5, random_state=0), X[:, 20] + X[:, 30],
         "With l2=0 the loss need not have a finite minimum: the weights can grow "
         "without bound while it falls.", "early_stopping=True or l2 > 0"),
        (NonNegAutoencoder(n_components=8, l2=0, max_iter=5, random_state=0), None,
         "With l2=0 the loss need not have a finite minimum: the weights can grow "
         "without bound while it falls.",
         "Increase max_iter to fit further, or set l2 > 0."),
    ]
    for est, target, fact, advice in cases:
        (message,) = _fit_warnings(est, X, target)[ConvergenceWarning]
        assert fact in message and advice in message, (est, message)
        assert "a larger l2" not in message and message.count("l2 > 0") == 1
        assert ("separable" in message) == is_classifier(est)


def test_standardised_inputs_with_outliers_are_not_told_to_add_a_scaler():
    # Standardised breast cancer holds a z-score of 12.1 (Adult's capital-gain, 13.8
    # on 2,000 rows, behind the StandardScaler of a ColumnTransformer): the
    # ConvergenceWarning said "Inputs as large as 12.1 slow it: put a scaler in a
    # Pipeline." and the DegenerateFitWarning "Try scaling the inputs (MinMaxScaler
    # or StandardScaler)", to a fit whose inputs came out of a StandardScaler (every
    # column's root-mean-square is 1). A scaler does not shrink an outlier; on those
    # 2,000 Adult rows the min-max fit (largest input 1) did not converge in 200
    # iterations either. Inputs as large on columns far from unit scale keep the
    # advice (test_convergence_warning_advises_scaling_only_for_large_inputs).
    X, y = load_breast_cancer(return_X_y=True)
    Z = StandardScaler().fit_transform(X)
    assert np.abs(Z).max() > 12
    est = NonNegMLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0,
                              early_stopping=False)
    found = _fit_warnings(est, Z, y)
    (message,) = found[ConvergenceWarning]
    assert "maximum iterations (3)" in message
    assert "scaler" not in message and "Inputs as large" not in message, message
    # The same as CSR (the fit's own CSR arrays are measured).
    (message,) = _fit_warnings(est, sp.csr_matrix(Z), y)[ConvergenceWarning]
    assert "scaler" not in message and "Inputs as large" not in message, message
    for est in (NonNegMLPClassifier(l2=10.0, max_iter=30, random_state=0),
                NonNegMLPRegressor(l2=1e3, max_iter=30, random_state=0)):
        target = y if is_classifier(est) else Z[:, 0] + y
        message = _degenerate_fit_message(est, Z, target)
        assert "degenerate fit" in message, est
        assert "Try a smaller l2" in message, (est, message)
        assert "scal" not in message, (est, message)
    # The same inputs times 50 (columns of root-mean-square 50) keep it.
    found = _fit_warnings(est.set_params(l2=1e-4, max_iter=3), 50 * Z, Z[:, 0] + y)
    assert any("Inputs as large as 604 slow it: put a scaler in a Pipeline."
               in m for m in found.get(ConvergenceWarning, [])), found
