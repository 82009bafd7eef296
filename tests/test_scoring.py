"""Early stopping's ``scoring``: besides ``"loss"`` and None, any scikit-learn scorer
name or callable ``scorer(estimator, X, y)``, as ``HistGradientBoosting*`` takes it.

The scorer is called on a stand-in for the estimator at the checked parameters; the
tests record what it was given (the held-out rows, their labels and weights, and
the stand-in) with a callable scorer, and compare the scores with those that the
fitted estimator, which keeps the best-scored parameters, gives on those rows.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import (make_classification, make_multilabel_classification,
                              make_regression)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import (average_precision_score, check_scoring, f1_score,
                             get_scorer, log_loss, make_scorer,
                             mean_squared_error, roc_auc_score)
from sklearn.utils._param_validation import InvalidParameterError

from sknonneg import ABBAClassifier, NonNegMLPClassifier, NonNegMLPRegressor

CLASSIFIERS = [NonNegMLPClassifier, ABBAClassifier]


def _unit(X):
    return (X - X.min(0)) / np.ptp(X, 0)


def _classification(n_classes=3, n_samples=200):
    X, y = make_classification(n_samples, 6, n_informative=4, n_redundant=0,
                               n_classes=n_classes, random_state=0)
    return _unit(X), y


def _regression():
    X, y = make_regression(200, 5, noise=5.0, random_state=0)
    # Targets far from unit scale, so that their units show in the MSE.
    return _unit(X), 300.0 * y + 1e4


def _fit(est, X, y, sample_weight=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, sample_weight=sample_weight)


def _small(cls, **params):
    return cls(**{"hidden_layer_sizes": (6,), "early_stopping": True, "max_iter": 25,
                  "n_iter_no_change": 5, "random_state": 0, **params})


class Recorder:
    """A callable scorer that scores with ``inner`` and keeps, per call, what it
    was given and what the stand-in predicted."""

    def __init__(self, inner, methods=("predict",)):
        self.inner, self.methods = inner, methods
        self.calls = []

    def __call__(self, estimator, X, y, **kwargs):
        self.calls.append({
            "estimator": estimator, "X": X, "y": y, "kwargs": kwargs,
            **{name: getattr(estimator, name)(X) for name in self.methods}})
        return self.inner(estimator, X, y, **kwargs)


def _best(est, recorder):
    """The record of the check whose parameters ``est`` kept (the first best)."""
    assert len(recorder.calls) == len(est.validation_scores_)
    return recorder.calls[int(np.argmax(est.validation_scores_))]


@pytest.mark.parametrize("cls", CLASSIFIERS)
@pytest.mark.parametrize("weighted", [False, True])
def test_accuracy_scores_as_none(cls, weighted):
    # "accuracy" is the classifier's score: the same scores, the same fit, the
    # held-out rows weighted alike. Before: refused (only "loss" and None).
    X, y = _classification()
    w = np.random.RandomState(1).uniform(0.5, 2.0, y.size) if weighted else None
    by_name = _fit(_small(cls, scoring="accuracy"), X, y, w)
    by_score = _fit(_small(cls, scoring=None), X, y, w)
    assert len(by_name.validation_scores_) > 1
    assert by_name.validation_scores_ == by_score.validation_scores_
    assert by_name.best_validation_score_ == by_score.best_validation_score_
    assert_array_equal(by_name.predict_proba(X), by_score.predict_proba(X))


@pytest.mark.parametrize("cls", CLASSIFIERS)
@pytest.mark.parametrize("output", ["softmax", "logistic"])
def test_neg_log_loss_is_that_of_the_kept_model(cls, output):
    # The best score is minus the log-loss of the fitted (kept) model's
    # predict_proba on the held-out rows, weighted by their sample weights.
    X, y = _classification()
    w = np.random.RandomState(1).uniform(0.5, 2.0, y.size)
    est = _fit(_small(cls, scoring="neg_log_loss", output=output), X, y, w)
    recorder = Recorder(get_scorer("neg_log_loss"))
    recorded = _fit(_small(cls, scoring=recorder, output=output), X, y, w)
    assert recorded.validation_scores_ == est.validation_scores_
    best = _best(est, recorder)
    expected = log_loss(best["y"], est.predict_proba(best["X"]),
                        sample_weight=best["kwargs"]["sample_weight"])
    assert_allclose(est.best_validation_score_, -expected, rtol=1e-10)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_callable_gets_the_model_at_the_checked_parameters(cls):
    # The stand-in predicts as the fitted estimator does once it keeps those
    # parameters; it is a classifier to scikit-learn; the estimator being fitted
    # is not touched (no fitted attribute during its first fit).
    X, y = _classification()
    seen = []

    def scorer(estimator, X_val, y_val):
        seen.append((is_classifier(estimator), hasattr(est, "coefs_")
                     or hasattr(est, "coefs_a_"), estimator is est,
                     np.array_equal(estimator.classes_, np.unique(y))))
        return -log_loss(y_val, estimator.predict_proba(X_val))

    recorder = Recorder(scorer, ("predict", "predict_proba", "predict_log_proba",
                                 "decision_function"))
    est = _small(cls, scoring=recorder)
    _fit(est, X, y)
    assert seen and all(s == (True, False, False, True) for s in seen)
    best = _best(est, recorder)
    X_val = best["X"]
    assert X_val.shape[0] == round(0.1 * X.shape[0])
    assert_allclose(best["predict_proba"], est.predict_proba(X_val), rtol=1e-12,
                    atol=1e-15)
    assert_allclose(best["predict_log_proba"], est.predict_log_proba(X_val),
                    rtol=1e-12)
    assert_allclose(best["decision_function"], est.decision_function(X_val),
                    rtol=1e-12, atol=1e-14)
    assert_array_equal(best["predict"], est.predict(X_val))


def test_roc_auc_reads_the_decision_function():
    # A binary problem: "roc_auc" ranks by decision_function, as for any
    # scikit-learn classifier.
    X, y = _classification(n_classes=2)
    recorder = Recorder(get_scorer("roc_auc"))
    est = _fit(_small(NonNegMLPClassifier, scoring=recorder, positive=False), X, y)
    best = _best(est, recorder)
    assert_allclose(est.best_validation_score_,
                    roc_auc_score(best["y"], est.decision_function(best["X"])),
                    rtol=1e-12)


def test_multilabel_f1_micro():
    # Multilabel targets: a scorer that takes them (f1_micro) scores the label
    # indicator predictions.
    X, Y = make_multilabel_classification(200, 6, n_classes=3, random_state=0)
    X = _unit(X)
    recorder = Recorder(get_scorer("f1_micro"))
    est = _fit(_small(NonNegMLPClassifier, scoring=recorder), X, Y)
    best = _best(est, recorder)
    assert best["y"].shape == best["predict"].shape == (20, 3)
    assert_allclose(est.best_validation_score_,
                    f1_score(best["y"], est.predict(best["X"]), average="micro"),
                    rtol=1e-12)
    by_name = _fit(_small(NonNegMLPClassifier, scoring="f1_micro"), X, Y)
    assert by_name.validation_scores_ == est.validation_scores_


@pytest.mark.parametrize("weighted", [False, True])
def test_regressor_r2_scores_as_none(weighted):
    # "r2" is the regressor's score. score computes it on the standardised
    # targets (unchanged by that affine map, up to rounding).
    X, y = _regression()
    w = np.random.RandomState(1).uniform(0.5, 2.0, y.size) if weighted else None
    by_name = _fit(_small(NonNegMLPRegressor, scoring="r2"), X, y, w)
    by_score = _fit(_small(NonNegMLPRegressor, scoring=None), X, y, w)
    assert len(by_name.validation_scores_) > 1
    assert_allclose(by_name.validation_scores_, by_score.validation_scores_,
                    rtol=1e-12)
    assert_allclose(by_name.predict(X), by_score.predict(X), rtol=1e-12)


def test_regressor_mse_is_in_the_units_of_y():
    # neg_mean_squared_error of the predictions in y's units (the target scaling
    # undone), not of the standardised targets the network fits.
    X, y = _regression()
    recorder = Recorder(get_scorer("neg_mean_squared_error"))
    est = _fit(_small(NonNegMLPRegressor, scoring=recorder), X, y)
    assert is_regressor(recorder.calls[0]["estimator"])
    best = _best(est, recorder)
    assert_allclose(best["predict"], est.predict(best["X"]), rtol=1e-12)
    expected = mean_squared_error(best["y"], est.predict(best["X"]))
    assert_allclose(est.best_validation_score_, -expected, rtol=1e-10)
    assert expected > 1e3  # y's units: the standardised MSE is below 1
    by_name = _fit(_small(NonNegMLPRegressor, scoring="neg_mean_squared_error"),
                   X, y)
    assert by_name.validation_scores_ == est.validation_scores_


@pytest.mark.parametrize("cls", [*CLASSIFIERS, NonNegMLPRegressor])
def test_sample_weight_goes_to_the_scorer_when_unequal(cls):
    # As for scoring=None: the held-out rows' weights, as the keyword
    # sample_weight, where they differ; equal weights score unweighted.
    X, y = _regression() if cls is NonNegMLPRegressor else _classification()
    name = "r2" if cls is NonNegMLPRegressor else "accuracy"
    recorder = Recorder(get_scorer(name))
    _fit(_small(cls, scoring=recorder), X, y, np.full(y.size, 3.0))
    assert all(call["kwargs"] == {} for call in recorder.calls)
    w = np.arange(1.0, y.size + 1)
    recorder = Recorder(get_scorer(name))
    _fit(_small(cls, scoring=recorder), X, y, w)
    # Every row has its own weight: which rows were held out, and their weights.
    rows = [int(np.flatnonzero(np.all(X == row, axis=1))[0])
            for row in recorder.calls[0]["X"]]
    for call in recorder.calls:
        # Scaled as fit scales them (the largest training weight 1), which leaves
        # a weighted mean unchanged.
        assert_allclose(call["kwargs"]["sample_weight"], w[rows] / w.max(),
                        rtol=1e-15)
        assert_array_equal(call["y"], y[rows])


@pytest.mark.parametrize("cls", [*CLASSIFIERS, NonNegMLPRegressor])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_unknown_scorer_name_is_refused(cls, early_stopping):
    X, y = _regression() if cls is NonNegMLPRegressor else _classification()
    est = cls(hidden_layer_sizes=(3,), max_iter=2, early_stopping=early_stopping,
              scoring="accuracy_typo")
    # In scikit-learn's words, naming where the valid names are (before: refused
    # as every name but "loss" was).
    with pytest.raises(InvalidParameterError,
                       match=r"'scoring' parameter .* sklearn\.metrics\."
                             r"get_scorer_names\(\).* Got 'accuracy_typo'"):
        est.fit(X, y)
    with pytest.raises(InvalidParameterError, match="'scoring' parameter"):
        cls(scoring=3).fit(X, y)


def _no_training(monkeypatch, cls):
    """Makes the training loops of ``cls`` fail the test if they are reached."""
    def trained(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(cls, "_fit_full_batch", trained)
    monkeypatch.setattr(cls, "_fit_epochs", trained)


@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
@pytest.mark.parametrize("scoring, methods", [
    ("roc_auc", "decision_function, predict_proba"),
    ("neg_log_loss", "predict_proba"),
    ("average_precision", "decision_function, predict_proba"),
    (make_scorer(log_loss, response_method="predict_proba"), "predict_proba"),
])
def test_a_scorer_reading_a_method_the_regressor_lacks_is_refused_before_training(
        scoring, methods, solver, monkeypatch):
    # scikit-learn's AttributeError ("NonNegMLPRegressor has none of
    # the following attributes: decision_function, predict_proba", as
    # HistGradientBoostingRegressor(scoring="roc_auc") raises it) came at the
    # first validation check, after training had started, naming neither
    # scoring nor early stopping. Now a ValueError in scikit-learn's words,
    # before any training.
    X, y = _regression()
    _no_training(monkeypatch, NonNegMLPRegressor)
    with pytest.raises(ValueError, match=(
            r"^NonNegMLPRegressor: early stopping's scorer \(scoring=.+\) reads .*: "
            rf"NonNegMLPRegressor has none of the following attributes: {methods}\. "
            r".*scoring='loss', or early_stopping=False\.$")):
        _small(NonNegMLPRegressor, scoring=scoring, solver=solver).fit(X, y)
    # Without early stopping the scorer is never used, and the fit runs as before.
    monkeypatch.undo()
    _fit(_small(NonNegMLPRegressor, scoring=scoring, early_stopping=False,
                max_iter=2), X, y)


def test_a_scorer_that_does_not_say_what_it_reads_is_called_as_before():
    # The check reads scikit-learn's _response_method of a scorer; a scorer
    # without it (a plain callable, or a scikit-learn that keeps it elsewhere)
    # is called as before, and scikit-learn's AttributeError names the estimator.
    from sknonneg.neural_network._training import _response_methods

    assert _response_methods(get_scorer("roc_auc")) == ("decision_function",
                                                        "predict_proba")
    assert _response_methods(get_scorer("r2")) == ("predict",)
    assert _response_methods(_plain_scorer) is None

    scorer = get_scorer("roc_auc")

    def no_response_method(estimator, X_val, y_val):
        return scorer(estimator, X_val, y_val)

    X, y = _regression()
    with pytest.raises(AttributeError, match="^NonNegMLPRegressor has none of the "
                                             ".*decision_function, predict_proba"):
        _fit(_small(NonNegMLPRegressor, scoring=no_response_method), X, y)


@pytest.mark.parametrize("cls, scoring", [
    (NonNegMLPRegressor, "accuracy"), (NonNegMLPRegressor, "f1"),
    (NonNegMLPClassifier, "r2"), (ABBAClassifier, "r2")])
def test_a_scorer_that_cannot_score_the_targets_does_not_ask_for_more_rows(
        cls, scoring):
    # The wording: a classification scorer on a regressor's targets
    # (or a regression scorer on string labels) fails on any held-out rows;
    # before, the message advised "a larger validation_fraction".
    if cls is NonNegMLPRegressor:
        X, y = _regression()
    else:
        X, y = _classification()
        y = np.array(["a", "b", "c"])[y]
    with pytest.raises(ValueError, match=(
            rf"early stopping's scorer \(scoring='{scoring}'\) failed on the "
            r"\d+ held-out rows")) as info:
        _fit(_small(cls, scoring=scoring), X, y)
    assert "larger validation_fraction" not in str(info.value)
    assert str(info.value).endswith("or early_stopping=False.")


def _plain_scorer(estimator, X, y):
    return float(np.mean(estimator.predict(X) == y))


@pytest.mark.parametrize("cls", [*CLASSIFIERS, NonNegMLPRegressor])
def test_clone_and_get_params_keep_the_callable(cls):
    est = cls(scoring=_plain_scorer)
    assert est.get_params()["scoring"] is _plain_scorer
    assert clone(est).scoring is _plain_scorer
    scorer = make_scorer(f1_score, average="macro")
    est = cls(scoring=scorer)
    assert est.get_params()["scoring"] is scorer
    cloned = clone(est).get_params()["scoring"]
    assert type(cloned) is type(scorer) and cloned._score_func is f1_score
    assert cloned._kwargs == {"average": "macro"}
    # The clone fits, scored by the callable.
    X, y = _regression() if cls is NonNegMLPRegressor else _classification()
    est = _fit(clone(_small(cls, scoring=Recorder(_plain_scorer))), X, y)
    # (clone deep-copies a parameter that is not an estimator: the clone's own.)
    assert len(est.scoring.calls) == len(est.validation_scores_) > 1


def test_make_scorer_callable_scores_as_its_name():
    X, y = _classification()
    by_callable = _fit(_small(NonNegMLPClassifier,
                              scoring=make_scorer(f1_score, average="macro")), X, y)
    by_name = _fit(_small(NonNegMLPClassifier, scoring="f1_macro"), X, y)
    assert len(by_name.validation_scores_) > 1
    assert by_callable.validation_scores_ == by_name.validation_scores_



def test_a_scorer_that_changes_an_array_in_place_changes_nothing_else():
    # A single logistic output's decision_function is a view of the logits: the
    # stand-in hands each method a copy (the fitted methods return new arrays
    # too), so a scorer that negates it in place (pos_label = classes_[0]) does
    # not change what predict gives after it.
    X, y = _classification(n_classes=2)
    after = []

    def scorer(estimator, X_val, y_val):
        decision = estimator.decision_function(X_val)
        decision *= -1
        after.append((X_val, estimator.predict(X_val)))
        return average_precision_score(y_val == 0, decision)

    est = _fit(_small(NonNegMLPClassifier, scoring=scorer, output="logistic"), X, y)
    assert est.n_outputs_ == 1
    X_val, predicted = after[int(np.argmax(est.validation_scores_))]
    assert_array_equal(predicted, est.predict(X_val))
    rows = [int(np.flatnonzero(np.all(X == row, axis=1))[0]) for row in X_val]
    assert_allclose(est.best_validation_score_,
                    average_precision_score(y[rows] == 0,
                                            -est.decision_function(X_val)),
                    rtol=1e-12)


def test_the_stand_in_predicts_only_the_held_out_rows():
    # Review of the scoring change: a callable that predicted other data (a
    # DataFrame with its columns reordered, a 1-D row) got no validation and
    # scored silently wrong; now refused. An AttributeError that is not
    # scikit-learn's "has none of the following attributes" keeps its own words.
    X, y = _classification()

    def other_rows(estimator, X_val, y_val):
        return float(np.mean(estimator.predict(X_val[:, ::-1]) == y_val))

    with pytest.raises(ValueError, match="predicts only the held-out rows"):
        _fit(_small(NonNegMLPClassifier, scoring=other_rows), X, y)

    def reads_params(estimator, X_val, y_val):
        return estimator.get_params()["l2"]

    with pytest.raises(AttributeError, match="_CandidateClassifier"):
        _fit(_small(NonNegMLPClassifier, scoring=reads_params), X, y)


def _nan_scorer(estimator, X, y):
    return np.nan


@pytest.mark.parametrize("cls", [*CLASSIFIERS, NonNegMLPRegressor])
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_all_nan_validation_scores_warn_and_best_is_nan(cls, solver):
    # A scorer that is NaN at every check selects nothing: the NaNs are
    # recorded as scored, best_validation_score_ is NaN (before: -inf, a value
    # never scored) and a warning names the scorer (before: silent).
    X, y = _regression() if cls is NonNegMLPRegressor else _classification()
    est = _small(cls, scoring=_nan_scorer, solver=solver, n_iter_no_change=2)
    with pytest.warns(UserWarning, match=r"early stopping's scoring=_nan_scorer was "
                      r"NaN at all \d+ checks \(.*\), so the fit kept its latest "
                      r"parameters and best_validation_score_ is NaN\.") as rec:
        _fit(est, X, y)
    # Two sentences (before: four), every fact kept.
    (message,) = [str(w.message) for w in rec if "NaN at" in str(w.message)]
    assert message.endswith(" Use another scoring, a larger validation_fraction, "
                            "or early_stopping=False.")
    assert message.count(". ") == 1
    assert len(est.validation_scores_) >= 2
    assert np.isnan(est.validation_scores_).all()
    assert np.isnan(est.best_validation_score_)
    est.predict(X)


def test_roc_auc_on_held_out_rows_of_one_class():
    # One row of the positive class among 200: the split trains on it (a class
    # of one row cannot be held out) and holds out negatives only, where
    # roc_auc is undefined (NaN). (With two rows, one is held out.)
    X, _ = _classification(n_classes=2)
    y = np.zeros(200, dtype=int)
    y[:1] = 1
    est = _small(NonNegMLPClassifier, scoring="roc_auc")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    ours = [w for w in caught if "NaN at" in str(w.message)]
    assert len(ours) == 1 and ours[0].category is UserWarning
    assert "NonNegMLPClassifier: early stopping's scoring='roc_auc' was NaN" in str(
        ours[0].message)
    assert np.isnan(est.validation_scores_).all()
    assert np.isnan(est.best_validation_score_)


@pytest.mark.parametrize("cls", [*CLASSIFIERS, NonNegMLPRegressor])
@pytest.mark.parametrize("first_nan", [3, 0])
def test_nan_scores_are_never_an_improvement(cls, first_nan):
    # NaN from the 4th check on (first_nan=3): the best finite score's
    # parameters are kept, as usual, and NaN checks count as stalls. NaN at the
    # first check only (first_nan=0): the finite ones are selected. No warning.
    X, y = _regression() if cls is NonNegMLPRegressor else _classification()
    inner = get_scorer("r2" if cls is NonNegMLPRegressor else "neg_log_loss")

    def scorer(estimator, X_val, y_val):
        n = len(recorder.calls) - 1
        nan = n >= first_nan if first_nan else n == 0
        return np.nan if nan else inner(estimator, X_val, y_val)

    recorder = Recorder(scorer, ("predict",))
    est = _small(cls, scoring=recorder, solver="adam", n_iter_no_change=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        _fit(est, X, y)
    scores = np.array(est.validation_scores_)
    if first_nan:
        # Stopped after n_iter_no_change NaN checks.
        assert scores.shape == (first_nan + 4,)
        assert np.isfinite(scores[:first_nan]).all()
        assert np.isnan(scores[first_nan:]).all()
    else:
        assert np.isnan(scores[0]) and np.isfinite(scores[1:]).all()
    best = int(np.nanargmax(scores))
    assert est.best_validation_score_ == scores[best]
    call = recorder.calls[best]
    assert_allclose(est.best_validation_score_,
                    inner(est, call["X"], call["y"]), rtol=1e-10)


def test_a_scorer_failing_on_the_held_out_rows_names_early_stopping():
    # One row of class 1: it always trains, the held-out rows hold class 0 only,
    # and log_loss refuses them ("provide the labels argument"). Before: that
    # message alone, naming nothing the caller passed.
    X, _ = _classification(n_classes=2)
    y = np.zeros(200, dtype=int)
    y[:1] = 1
    est = _small(NonNegMLPClassifier, scoring="neg_log_loss")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(ValueError, match=r"early stopping's scorer "
                           r"\(scoring='neg_log_loss'\) failed on the \d+ held-out "
                           r"rows \(validation_fraction=0\.1\): y_true contains"
                           r".* Use another scoring, a larger validation_fraction, "
                           r"or early_stopping=False\.$"):
            est.fit(X, y)


@pytest.mark.parametrize("solver", ["adam", "lbfgsb"])
def test_a_fit_interrupted_before_its_first_check_warns_of_no_nan(solver):
    # Ctrl-C at the first validation check: nothing was scored, so there is no NaN
    # score to warn about (before: "NaN at all 0 checks").
    X, y = _classification()

    def scorer(estimator, X_val, y_val):
        raise KeyboardInterrupt

    est = _small(NonNegMLPClassifier, scoring=scorer, solver=solver)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(KeyboardInterrupt):  # kept fitted, then re-raised
            est.fit(X, y)
    assert not [w for w in caught if "were NaN" in str(w.message)]
    assert est.validation_scores_ == []


@pytest.mark.parametrize("cls, scoring", [(NonNegMLPClassifier, "accuracy"),
                                          (ABBAClassifier, "neg_log_loss"),
                                          (NonNegMLPRegressor, "r2")])
def test_the_early_stopping_scorer_is_resolved_once_per_fit(cls, scoring,
                                                            monkeypatch):
    # The fit resolved the scorer (check_scoring) before
    # training, to refuse one reading a method the estimator lacks, and early
    # stopping resolved it again. Now the first one is used.
    from sknonneg.neural_network import _training

    resolved = []

    def counting(estimator, scoring=None, **kwargs):
        resolved.append(scoring)
        return check_scoring(estimator, scoring, **kwargs)

    monkeypatch.setattr(_training, "check_scoring", counting)
    X, y = _regression() if is_regressor(cls()) else _classification()
    est = _fit(_small(cls, scoring=scoring, max_iter=5), X, y)
    assert resolved == [scoring]
    assert len(est.validation_scores_) >= 1
