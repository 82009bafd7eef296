"""monotone_certificate through scikit-learn's probability wrappers.

``FrozenEstimator`` and the threshold classifiers score with their inner model;
``CalibratedClassifierCV`` maps its inner models' scores through a calibrator
(isotonic, sigmoid, temperature) and averages them. Each is certified where its
output provably keeps the inner model's direction (flipped where a sigmoid's
slope flips it), refused otherwise; every certified case is audited with
``check_monotonic``, which must find no drop.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import FixedThresholdClassifier, TunedThresholdClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg.inspection import check_monotonic
from sknonneg.robustness import monotone_certificate

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import event, example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from conftest import examples as _examples  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")


def _data(seed=0, n=160):
    """Three features: the label rises with the first, falls with the second; the
    third is noise. Labels "ham" / "spam"."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(size=(n, 3))
    y = np.where(X[:, 0] - X[:, 1] + 0.3 * rng.normal(size=n) > 0, "spam", "ham")
    return X, y


def _net(**params):
    params = {"hidden_layer_sizes": 3, "monotonic_cst": [1, -1, 0],
              "output": "logistic", "max_iter": 40, "random_state": 0, **params}
    return NonNegMLPClassifier(**params)


def _audited(model, X, signs):
    """``check_monotonic`` of ``model`` along ``signs`` (the features with a
    direction) finds no drop."""
    if not np.any(signs):
        return
    report = check_monotonic(model, X, monotonic_cst=signs, n_steps=20)
    assert report.is_monotonic, report.max_drop


def _opposite_drops(model, X, signs):
    """The largest drops ``check_monotonic`` finds along the opposite of ``signs``
    (each > 0 where the certified direction is a real one)."""
    return check_monotonic(model, X, monotonic_cst=-signs, n_steps=20).max_drop


# ------------------------------------------------------------- FrozenEstimator
@pytest.mark.parametrize("make", [lambda: LogisticRegression(), _net])
def test_frozen_estimator_is_certified_as_its_model(make):
    """A FrozenEstimator predicts with its model: the same certificate, features
    and reasons; through a Pipeline too. Before: TypeError (not read)."""
    X, y = _data()
    inner = make().fit(X, y)
    own = monotone_certificate(inner)
    frozen = FrozenEstimator(inner)
    cert = monotone_certificate(frozen)
    assert cert.model_.startswith("FrozenEstimator of ")
    np.testing.assert_array_equal(cert.feature_signs_, own.feature_signs_)
    assert cert.uncertified_reasons_ == own.uncertified_reasons_
    _audited(frozen, X, cert.feature_signs_)
    pipe = make_pipeline(StandardScaler(), FrozenEstimator(make().fit(
        StandardScaler().fit_transform(X), y))).fit(X, y)
    signs = monotone_certificate(pipe).feature_signs_
    np.testing.assert_array_equal(signs, monotone_certificate(pipe[-1]).feature_signs_)
    _audited(pipe, X, signs)


def test_frozen_regressor_and_text_pipeline():
    """A frozen regressor is its regressor's certificate; a frozen Pipeline that
    starts with a vectorizer, its vocabulary's."""
    X, y = _data()
    reg = NonNegMLPRegressor(monotonic_cst=[1, -1, 0], max_iter=20,
                             random_state=0).fit(X, X[:, 0] - X[:, 1])
    cert = monotone_certificate(FrozenEstimator(reg))
    assert cert.classes_ is None and cert.feature_signs_.tolist()[:2] == [1, -1]
    _audited(FrozenEstimator(reg), X, cert.feature_signs_)
    texts = ["buy spam now", "ham and eggs", "spam spam", "eggs ham", "buy now",
             "eggs"] * 5
    labels = np.array([1, 0, 1, 0, 1, 0] * 5)
    text = make_pipeline(CountVectorizer(), LogisticRegression()).fit(texts, labels)
    cert = monotone_certificate(FrozenEstimator(text))
    assert cert.feature_names_.tolist() == text[0].get_feature_names_out().tolist()


def test_vote_of_frozen_text_pipelines_is_refused():
    """Members that start with a vectorizer are refused behind a FrozenEstimator
    too: two vocabularies of the same size would otherwise be intersected by
    position."""
    texts = ["spam ham", "ham eggs", "spam spam", "eggs ham ham", "buy spam",
             "eggs"] * 5
    labels = np.array([1, 0, 1, 0, 1, 0] * 5)
    a = make_pipeline(CountVectorizer(), LogisticRegression()).fit(texts, labels)
    b = make_pipeline(CountVectorizer(), LogisticRegression()).fit(
        [t.replace("spam", "zz") for t in texts], labels)
    vote = VotingClassifier([("a", FrozenEstimator(a)), ("b", FrozenEstimator(b))],
                            voting="soft").fit(texts, labels)
    with pytest.raises(ValueError, match="member 'a' is not .*starts with a "
                                         "vectorizer"):
        monotone_certificate(vote)


def test_wrapper_subclasses_and_unfitted_are_refused():
    X, y = _data()

    class Frozen(FrozenEstimator):
        pass

    class Calibrated(CalibratedClassifierCV):
        pass

    with pytest.raises(TypeError, match="subclass of FrozenEstimator"):
        monotone_certificate(Frozen(LogisticRegression().fit(X, y)))
    with pytest.raises(TypeError, match="subclass of CalibratedClassifierCV"):
        monotone_certificate(Calibrated(LogisticRegression(), cv=2).fit(X, y))
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        monotone_certificate(FrozenEstimator(LogisticRegression()))
    with pytest.raises(NotFittedError):
        monotone_certificate(FixedThresholdClassifier(LogisticRegression()))


def test_refused_inner_model_is_refused_through_the_wrapper():
    X, y = _data()
    soft = _net(output="softmax", monotonic_cst=None, positive=True).fit(X, y)
    with pytest.raises(ValueError, match="FrozenEstimator is not certified: its "
                                         "inner model is not .*softmax"):
        monotone_certificate(FrozenEstimator(soft))
    with pytest.raises(ValueError, match="calibrated_classifiers_\\[0\\] is not "
                                         ".*softmax"):
        monotone_certificate(CalibratedClassifierCV(
            FrozenEstimator(soft), method="isotonic").fit(X, y))


# -------------------------------------------------------- threshold classifiers
@pytest.mark.parametrize("pos_label", [None, "ham", "spam"])
@pytest.mark.parametrize("response_method", ["predict_proba", "decision_function"])
@pytest.mark.parametrize("tuned", [False, True])
def test_threshold_classifiers_keep_the_direction_of_predict(pos_label,
                                                             response_method, tuned):
    """predict_proba and decision_function are the inner model's; predict flags
    ``pos_label`` when its score reaches the threshold. With ``pos_label =
    classes_[0]`` that score (``predict_proba[:, 0]``, or minus the decision
    function) falls as ``classes_[1]``'s rises, so predict still never turns
    from ``classes_[1]`` to ``classes_[0]`` along the certified directions:
    the certificate is the inner model's, whatever pos_label and
    response_method."""
    X, y = _data()
    if pos_label is None:
        y = (y == "spam").astype(int)
    inner = _net().fit(X, y)
    if tuned:
        from sklearn.metrics import f1_score, make_scorer

        scoring = ("balanced_accuracy" if pos_label is None
                   else make_scorer(f1_score, pos_label=pos_label))
        model = TunedThresholdClassifierCV(inner, response_method=response_method,
                                           cv=3, scoring=scoring).fit(X, y)
    else:
        threshold = 0.3 if response_method == "predict_proba" else -0.2
        model = FixedThresholdClassifier(inner, threshold=threshold,
                                         pos_label=pos_label,
                                         response_method=response_method).fit(X, y)
    cert = monotone_certificate(model)
    own = monotone_certificate(model.estimator_)
    np.testing.assert_array_equal(cert.feature_signs_, own.feature_signs_)
    assert cert.feature_signs_.tolist()[:2] == [1, -1]
    _audited(model, X, cert.feature_signs_)
    # predict along the certified directions: never from classes_[1] to [0].
    rng = np.random.RandomState(1)
    step = rng.exponential(size=X.shape) * np.abs(cert.feature_signs_)
    moved = X + cert.feature_signs_ * step
    before, after = model.predict(X), model.predict(moved)
    positive = model.classes_[1]
    assert not np.any((before == positive) & (after != positive))
    assert np.any(before != positive)  # the check is not vacuous


# ------------------------------------------------------- CalibratedClassifierCV
@pytest.mark.parametrize("method", ["isotonic", "sigmoid", "temperature"])
@pytest.mark.parametrize("ensemble", [True, False])
@pytest.mark.parametrize("make", [LogisticRegression, _net])
def test_calibrated_classifier_keeps_the_direction(method, ensemble, make):
    """Each calibrator is non-decreasing in its classifier's score (an isotonic
    fit, a sigmoid whose fitted slope a_ < 0, a temperature beta_ > 0), the
    binary probabilities are ``[1 - p, p]`` and the ensemble averages them:
    certified where every calibrated classifier is, and check_monotonic finds no
    drop. Before: TypeError (not read)."""
    X, y = _data()
    model = CalibratedClassifierCV(make(), method=method, ensemble=ensemble,
                                   cv=3).fit(X, y)
    cert = monotone_certificate(model)
    assert cert.model_.startswith(f"CalibratedClassifierCV(method={method!r})")
    signs = cert.feature_signs_
    assert signs.tolist()[:2] == [1, -1]
    for pair in model.calibrated_classifiers_:
        own = monotone_certificate(pair.estimator)
        assert np.all(own.certified_features_[signs == 1])
    _audited(model, X, signs)
    # The directions are real ones: the other way falls.
    assert np.all(_opposite_drops(model, X, signs)[:2] > 0)


def _anti(method, X, y, ensemble=False):
    """A CalibratedClassifierCV of a frozen model fitted to the reversed labels:
    its score falls where the true label's probability rises."""
    flipped = np.where(y == "spam", "ham", "spam")
    inner = LogisticRegression().fit(X, flipped)
    # classes_ are the same (sorted): its score of "spam" now predicts "ham".
    return CalibratedClassifierCV(FrozenEstimator(inner), method=method,
                                  ensemble=ensemble).fit(X, y), inner


def test_sigmoid_with_a_positive_slope_flips_the_signs():
    """expit(-(a_ f + b_)) falls in f when a_ > 0: the certified signs are the
    inner model's reversed, and they hold (check_monotonic), while the
    unreversed ones fail."""
    X, y = _data()
    model, inner = _anti("sigmoid", X, y)
    assert model.calibrated_classifiers_[0].calibrators[0].a_ > 0
    own = monotone_certificate(inner).feature_signs_
    cert = monotone_certificate(model)
    np.testing.assert_array_equal(cert.feature_signs_, -own)
    _audited(model, X, cert.feature_signs_)
    assert np.all(_opposite_drops(model, X, cert.feature_signs_) > 0)
    np.testing.assert_array_equal(cert.certified_for("ham"), own == 1)


def test_constant_calibrators_certify_both_directions():
    """A sigmoid of slope a_ == 0 and a flat isotonic fit are constants: every
    feature holds in both directions."""
    X, y = _data()
    model, _ = _anti("sigmoid", X, y)
    model.calibrated_classifiers_[0].calibrators[0].a_ = 0.0
    cert = monotone_certificate(model)
    assert cert.all_certified_ and cert.certified_for("ham").all()
    _audited(model, X, np.ones(3, dtype=int))
    _audited(model, X, -np.ones(3, dtype=int))
    iso, _ = _anti("isotonic", X, y)  # increasing=True on a falling score: flat
    assert np.ptp(iso.calibrated_classifiers_[0].calibrators[0].y_thresholds_) == 0
    cert = monotone_certificate(iso)
    assert cert.all_certified_ and cert.certified_for("ham").all()


def test_ensemble_whose_calibrators_disagree_certifies_neither_direction():
    """An ensemble averages its calibrated classifiers: one whose sigmoid slope is
    reversed (set by hand) leaves the features without a direction, with the
    reason."""
    X, y = _data()
    model = CalibratedClassifierCV(LogisticRegression(), method="sigmoid",
                                   cv=2).fit(X, y)
    first = model.calibrated_classifiers_[0].calibrators[0]
    first.a_ = -first.a_
    cert = monotone_certificate(model)
    assert cert.feature_signs_.tolist()[:2] == [0, 0]
    assert "its calibrated classifiers go in opposite directions" in \
        cert.uncertified_reasons_[0]


@pytest.mark.parametrize("break_it, match", [
    (lambda c: setattr(c, "a_", np.nan), "a_ = nan"),
    (lambda c: setattr(c, "b_", np.inf), "not finite"),
])
def test_broken_sigmoid_is_refused(break_it, match):
    X, y = _data()
    model = CalibratedClassifierCV(LogisticRegression(), cv=2).fit(X, y)
    break_it(model.calibrated_classifiers_[1].calibrators[0])
    with pytest.raises(ValueError, match=match):
        monotone_certificate(model)


def test_isotonic_states_it_cannot_read_are_refused():
    X, y = _data()
    model = CalibratedClassifierCV(LogisticRegression(), method="isotonic",
                                   ensemble=False).fit(X, y)
    iso = model.calibrated_classifiers_[0].calibrators[0]
    iso.out_of_bounds = "nan"
    with pytest.raises(ValueError, match="out_of_bounds='nan'"):
        monotone_certificate(model)
    iso.out_of_bounds = "clip"
    y_kept = iso.y_thresholds_.copy()
    signs = monotone_certificate(model).feature_signs_.tolist()[:2]
    # Thresholds set without the interpolation f_ that predict applies (built from
    # them at fit and on unpickling) do not say what it computes. Before, their
    # signs were read: every direction flipped, while predict_proba still rose.
    iso.y_thresholds_ = y_kept[::-1].copy()
    raised = X.copy()
    raised[:, 0] += 1.0
    assert np.all(model.predict_proba(raised)[:, 1] >= model.predict_proba(X)[:, 1])
    with pytest.raises(ValueError, match="its IsotonicRegression's interpolation f_, "
                                         "which its predict applies, is not the "
                                         "one of its X_thresholds_ and y_thresholds_"):
        monotone_certificate(model)
    model = pickle.loads(pickle.dumps(model))  # unpickling rebuilds f_
    iso = model.calibrated_classifiers_[0].calibrators[0]
    assert monotone_certificate(model).feature_signs_.tolist()[:2] == [-s for s in
                                                                       signs]
    assert np.all(model.predict_proba(raised)[:, 1] <= model.predict_proba(X)[:, 1])
    bumpy = y_kept.copy()
    bumpy[len(bumpy) // 2] = 2.0
    iso.y_thresholds_ = bumpy
    model = pickle.loads(pickle.dumps(model))
    with pytest.raises(ValueError, match="rise and fall"):
        monotone_certificate(model)


def test_isotonic_interpolation_that_is_not_scipys_is_refused_for_what_it_is():
    # scikit-learn's IsotonicRegression builds f_ as a scipy interp1d of its
    # thresholds, which the certificate holds them to. An f_ of another kind (a
    # newer scikit-learn, or one set by hand) cannot be read from them. Before,
    # it was refused with the message for thresholds set since the fit.
    X, y = _data()
    model = CalibratedClassifierCV(LogisticRegression(), method="isotonic",
                                   ensemble=False).fit(X, y)
    iso = model.calibrated_classifiers_[0].calibrators[0]
    fitted = iso.f_
    iso.f_ = lambda t: fitted(t)  # computes the same, but is no interp1d
    with pytest.raises(ValueError, match="f_, which its predict applies, is a "
                                         "function, not the "
                                         "scipy.interpolate.interp1d of its"):
        monotone_certificate(model)


def test_temperature_with_a_non_positive_beta_is_refused():
    X, y = _data()
    model = CalibratedClassifierCV(LogisticRegression(), method="temperature",
                                   cv=2).fit(X, y)
    model.calibrated_classifiers_[0].calibrators[0].beta_ = -1.0
    with pytest.raises(ValueError, match="beta_ = -1.0 is not finite and positive"):
        monotone_certificate(model)


def test_multiclass_and_text_calibration_are_refused():
    """More than two classes: each calibrated probability is divided by their sum,
    not monotone per class. A calibrated Pipeline that starts with a vectorizer:
    each fold fits its own vocabulary."""
    X, _ = _data()
    y3 = np.random.RandomState(0).randint(0, 3, X.shape[0])
    model = CalibratedClassifierCV(LogisticRegression(), cv=2).fit(X, y3)
    with pytest.raises(ValueError, match="3 classes.*divided by the sum"):
        monotone_certificate(model)
    texts = ["buy spam now", "ham and eggs", "spam spam", "eggs ham", "buy now",
             "eggs"] * 5
    labels = np.array([1, 0, 1, 0, 1, 0] * 5)
    text = CalibratedClassifierCV(make_pipeline(CountVectorizer(),
                                                LogisticRegression()), cv=2)
    with pytest.raises(ValueError, match="starts with a vectorizer, and each of "
                                         "the 2 calibrated classifiers fitted its "
                                         "own vocabulary; put the vectorizer "
                                         "before the CalibratedClassifierCV"):
        monotone_certificate(text.fit(texts, labels))


@pytest.mark.parametrize("method", ["isotonic", "sigmoid", "temperature"])
@pytest.mark.parametrize("frozen", [True, False])
def test_calibration_of_one_text_classifier_is_certified_over_its_vocabulary(
        method, frozen):
    """One calibrated classifier that starts with a vectorizer (a FrozenEstimator,
    or ensemble=False) reads one vocabulary: certified over it, as the
    FrozenEstimator of it is, and adding a certified word moves the calibrated
    probability only in its direction. Before: refused as if each fold had
    fitted its own vocabulary."""
    texts = ["buy spam now", "ham and eggs", "spam spam", "eggs ham", "buy now",
             "eggs"] * 5
    labels = np.array(["spam", "ham"] * 15)
    pipe = make_pipeline(CountVectorizer(), LogisticRegression())
    if frozen:
        model = CalibratedClassifierCV(FrozenEstimator(pipe.fit(texts, labels)),
                                       method=method)
    else:
        model = CalibratedClassifierCV(pipe, method=method, ensemble=False, cv=3)
    model.fit(texts, labels)
    cert = monotone_certificate(model)
    own = monotone_certificate(model.calibrated_classifiers_[0].estimator)
    assert cert.feature_names_.tolist() == own.feature_names_.tolist()
    assert cert.classes_.tolist() == ["ham", "spam"]
    assert np.any(cert.feature_signs_ != 0)
    p0 = model.predict_proba(texts)[:, 1]
    for word, sign in zip(cert.feature_names_, cert.feature_signs_):
        if sign:
            p1 = model.predict_proba([f"{t} {word} {word}" for t in texts])[:, 1]
            assert np.all(sign * (p1 - p0) >= 0), word


def test_calibrated_classifier_in_a_pipeline_explains_its_inputs():
    X, y = _data()
    net = _net(monotonic_cst=[1, -1, 0])
    pipe = make_pipeline(MinMaxScaler(), CalibratedClassifierCV(
        net, method="isotonic", cv=2)).fit(X, y)
    cert = monotone_certificate(pipe)
    assert cert.feature_signs_.tolist()[:2] == [1, -1]
    _audited(pipe, X, cert.feature_signs_)
    if cert.feature_signs_[2] == 0:
        assert "its calibrated_classifiers_[0] proves none" in \
            cert.uncertified_reasons_[2]


# ------------------------------------------------------------ property test
def _wrapped_problem(seed, n_features, n_samples, scale, inner, mask, wrapper,
                     reverse, ensemble, pos_label, response):
    """Data whose label ("spam" / "ham") follows a random linear trend, the
    network's directions (those of the trend where ``mask``: against it, the fit
    flattens the network to a constant, which shows nothing), and the wrapper's
    settings, as ``_wrap`` reads them."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) * 10.0 ** scale
    w = rng.normal(size=n_features)
    score = X @ w
    y = np.where(score + rng.normal(size=n_samples) * np.std(score) * 0.3
                 > np.median(score), "spam", "ham")
    y[:3], y[3:6] = "ham", "spam"
    cst = np.sign(w).astype(int) * np.asarray(mask, dtype=int)
    return (X, y, inner, cst, wrapper, reverse, ensemble, pos_label, response, rng)


@st.composite
def wrapped_models(draw):
    """A binary model behind one of the wrappers: its inner model a
    LogisticRegression or a sknonneg network with monotonic_cst, fitted to the
    labels or (frozen) to the reversed ones, so that a sigmoid's slope flips;
    the calibration method and ensemble, or the threshold's pos_label and
    response_method."""
    n_features = draw(st.integers(1, 4))
    return _wrapped_problem(
        draw(st.integers(0, 2 ** 32 - 1)), n_features, draw(st.integers(30, 60)),
        draw(st.integers(-2, 2)), draw(st.sampled_from(["logistic_regression", "net"])),
        draw(st.lists(st.sampled_from([0, 1, 1]), min_size=n_features,
                      max_size=n_features)),
        draw(st.sampled_from(["sigmoid", "isotonic", "temperature", "frozen", "fixed",
                              "tuned"])),
        draw(st.booleans()), draw(st.booleans()),
        draw(st.sampled_from([None, "ham", "spam"])),
        draw(st.sampled_from(["auto", "predict_proba", "decision_function"])))


def _wrap(problem):
    X, y, inner, cst, wrapper, reverse, ensemble, pos_label, response, _ = problem

    def make(cst=cst):
        return (LogisticRegression() if inner == "logistic_regression" else
                _net(monotonic_cst=cst.tolist(), max_iter=40))

    if reverse:
        base = FrozenEstimator(make(-cst).fit(X, np.where(y == "spam", "ham",
                                                          "spam")))
    else:
        base = make()
    if wrapper == "frozen":
        return FrozenEstimator(make().fit(X, y))
    if wrapper == "fixed":
        threshold = 0.4 if response != "decision_function" else 0.1
        return FixedThresholdClassifier(base, threshold=threshold, pos_label=pos_label,
                                        response_method=response).fit(X, y)
    if wrapper == "tuned":
        return TunedThresholdClassifierCV(base, response_method=response, cv=2,
                                          thresholds=10).fit(X, y)
    return CalibratedClassifierCV(base, method=wrapper, cv=2,
                                  ensemble=ensemble).fit(X, y)


@_examples(60)
@given(problem=wrapped_models())
# Sigmoids of falling scores (a_ > 0: the signs flip), an LR's and a network's.
@example(problem=_wrapped_problem(0, 3, 40, 0, "logistic_regression", [1, 1, 1],
                                  "sigmoid", True, False, None, "auto"))
@example(problem=_wrapped_problem(1, 2, 40, 0, "net", [1, 1], "sigmoid", True, True,
                                  None, "auto"))
def test_wrapped_certificate_holds_for_the_computed_probability(problem):
    """Moving rows along the certified directions (steps from 1e-6 to 1e3 of
    the features' scale, several features at once) never lowers the wrapper's
    P(classes_[1]) nor, with a sknonneg network inside a FrozenEstimator or
    threshold classifier (whose computed probability is exact), by a single
    bit; through a calibrator, in real arithmetic (a margin of 1e-12); and
    ``predict`` never turns from classes_[1] to classes_[0] where its score
    clears that margin."""
    X, y, inner, _, wrapper, *_, rng = problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _wrap(problem)
    cert = monotone_certificate(model)
    signs = cert.feature_signs_.astype(int)
    if not np.any(signs):
        event("nothing certified")
        return
    event(f"{wrapper}, signs {sorted(set(signs.tolist()))}")
    n = 20
    base = rng.normal(size=(n, X.shape[1])) * np.abs(X).max()
    step = (0.5 + rng.exponential(size=base.shape)) * np.abs(X).max() * 10.0 ** (
        rng.uniform(-6, 3, size=base.shape))
    step[rng.random(base.shape) < 0.3] = 0.0
    moved = base + signs * step
    before, after = model.predict_proba(base), model.predict_proba(moved)
    exact = inner == "net" and wrapper in ("frozen", "fixed", "tuned")
    margin = 0.0 if exact else 1e-12
    assert np.all(after[:, 1] >= before[:, 1] - margin), (before, after)
    assert np.all(after[:, 0] <= before[:, 0] + margin), (before, after)
    flagged = model.predict(base) == model.classes_[1]
    clear = np.abs(before[:, 1] - 0.5) > margin if wrapper not in ("fixed", "tuned") \
        else np.ones(n, dtype=bool)
    assert np.all(model.predict(moved)[flagged & clear] == model.classes_[1])


def _exact_models(X, y, Xr, yr):
    """``(model, exact)``: which certificates hold for the outputs as computed."""
    net = _net().fit(X, y)
    other = _net(random_state=1).fit(X, y)
    lr = LogisticRegression().fit(X, y)
    return [
        (net, True),
        (make_pipeline(MinMaxScaler(), _net()).fit(X, y), True),
        (NonNegMLPRegressor((3,), monotonic_cst=[1] * Xr.shape[1], max_iter=30,
                            random_state=0).fit(Xr, yr), True),
        (FrozenEstimator(net), True),
        (FixedThresholdClassifier(net, threshold=0.3).fit(X, y), True),
        (VotingClassifier([("a", net), ("b", other)], voting="soft").fit(X, y), True),
        (lr, False),
        (VotingClassifier([("a", net), ("b", LogisticRegression())],
                          voting="soft").fit(X, y), False),
        # A member of weight 0 adds exactly 0, however it rounds.
        (VotingClassifier([("a", net), ("b", LogisticRegression())],
                          voting="soft", weights=[1.0, 0.0]).fit(X, y), True),
        (FrozenEstimator(lr), False),
        (CalibratedClassifierCV(FrozenEstimator(net), method="isotonic").fit(X, y),
         False),
        (CalibratedClassifierCV(FrozenEstimator(net), method="sigmoid").fit(X, y),
         False),
    ]


def test_exact_says_whether_the_certificate_holds_as_computed():
    X, y = _data()
    Xr = X[:, :3]
    yr = Xr.sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = _exact_models(X, y, Xr, yr)
    for model, exact in models:
        cert = monotone_certificate(model)
        assert cert.exact_ is exact, cert
        if isinstance(model, VotingClassifier) and model.weights == [1.0, 0.0]:
            # The vote's computed probabilities are its first member's, bit for bit.
            Z = np.random.RandomState(0).uniform(-3, 3, size=(200, X.shape[1]))
            np.testing.assert_array_equal(model.predict_proba(Z),
                                          model.estimators_[0].predict_proba(Z))
        assert ("in real arithmetic" in repr(cert)) is (not exact), repr(cert)


@pytest.mark.parametrize("weights", [None, [0.0, 1.0], [1.0, 0.0], [2.0, 0.5]])
def test_vote_reordered_after_its_fit_is_read_as_predict_proba_pairs_it(weights):
    # predict_proba pairs the fitted members (the fit's order) with the weights of
    # the current estimators by position. Before, each member was paired by name:
    # a vote fitted as [net, lr] with weights [0, 1], its estimators then reordered
    # to [lr, net], gave lr weight 0 and exact_ True, while predict_proba weighs lr
    # by 1 (its BLAS sums are not monotone as computed).
    from sknonneg.robustness._networks import soft_vote_members

    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vote = VotingClassifier([("net", _net()), ("lr", LogisticRegression())],
                                voting="soft", weights=weights).fit(X, y)
    vote.set_params(estimators=vote.estimators[::-1])
    members = soft_vote_members(vote)
    Z = np.random.RandomState(0).uniform(-3, 3, size=(100, X.shape[1]))
    probas = np.array([m.predict_proba(Z) for _, m, _ in members])
    np.testing.assert_array_equal(
        np.average(probas, axis=0, weights=[w for _, _, w in members]),
        vote.predict_proba(Z))
    assert [name for name, _, _ in members] == ["net", "lr"]
    lr_weight = 1.0 if weights is None else weights[1]
    assert monotone_certificate(vote).exact_ is (lr_weight == 0)
    # Members and weights that no longer pair up: refused, as predict_proba fails.
    if weights is not None:
        vote.set_params(estimators=vote.estimators[:1], weights=weights[:1])
        with pytest.raises(ValueError):
            vote.predict_proba(Z)
        with pytest.raises(ValueError, match="changed since its fit"):
            monotone_certificate(vote)


def test_isotonic_calibration_is_monotone_in_real_arithmetic_only():
    """Why a certificate through a calibrator is not ``exact_``: scikit-learn's
    isotonic interpolation rounds the score one ulp below a knot above the knot's
    own value."""
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(out_of_bounds="clip").fit([-0.13281535, 0.02458538],
                                                       [0.03094901, 0.93888648])
    below, at = iso.predict([np.nextafter(0.02458538, -np.inf), 0.02458538])
    assert below > at


def test_exact_certificates_of_nested_wrappers_hold_for_computed_scores():
    """``exact_`` through nested wrappers (a Pipeline ending in a FrozenEstimator
    of a Pipeline, a FrozenEstimator of one, a soft vote with a dropped member and
    a wrapped member): a certified feature moved 1 or 3 ulp its way never moves
    the computed probability (nor predict) the other way, the rows scored alone or
    in a batch."""
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inner = make_pipeline(MinMaxScaler(), _net()).fit(X, y)
        models = [
            make_pipeline(StandardScaler(), FrozenEstimator(
                make_pipeline(MinMaxScaler(), _net(random_state=1)).fit(
                    StandardScaler().fit_transform(X), y))).fit(X, y),
            FrozenEstimator(FrozenEstimator(inner)),
            VotingClassifier([("a", FrozenEstimator(inner)), ("b", "drop"),
                              ("c", _net(random_state=2))], voting="soft",
                             weights=[0.3, 5.0, 2.0]).fit(X, y),
        ]
    rows = np.random.RandomState(1).uniform(size=(60, 3))
    for model in models:
        cert = monotone_certificate(model)
        assert cert.exact_, cert
        signs = cert.feature_signs_
        assert signs[0] == 1 and signs[1] == -1, cert
        base = model.predict_proba(rows)[:, 1]
        label = model.predict(rows) == model.classes_[1]
        for j in np.flatnonzero(signs):
            for k in (1, 3):
                moved = rows.copy()
                for _ in range(k):
                    moved[:, j] = np.nextafter(moved[:, j], signs[j] * np.inf)
                up = model.predict_proba(moved)[:, 1]
                assert np.all(up >= base), (cert, j, k)
                assert np.all((model.predict(moved) == model.classes_[1]) >= label)
                for i in range(0, rows.shape[0], 6):
                    alone = model.predict_proba(moved[i:i + 1])[0, 1]
                    assert alone >= base[i] and up[i] >= model.predict_proba(
                        rows[i:i + 1])[0, 1], (cert, j, k, i)


def test_certificate_pickled_before_exact_reads_as_real_arithmetic():
    """A certificate pickled before ``exact_`` existed has no such attribute: its
    repr raised AttributeError; it now reads the meaning that claims less."""
    import pickle

    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cert = monotone_certificate(_net().fit(X, y))
    assert cert.exact_ is True
    del cert.__dict__["exact_"]  # as pickled by the version before
    old = pickle.loads(pickle.dumps(cert))
    assert old.exact_ is False
    assert repr(old).endswith("in real arithmetic)")


@pytest.mark.parametrize("wrap", ["frozen", "threshold", "vote", "calibrated"])
def test_wrapped_pipeline_with_a_non_monotone_step_is_refused_as_such(wrap):
    # Before: every wrapper re-raised its model's refusal as type(exc)(message),
    # which NonMonotoneStepError's constructor (message, step, reason) refused:
    # "NonMonotoneStepError.__init__() missing 2 required positional arguments".
    from sklearn.preprocessing import FunctionTransformer

    from sknonneg.exceptions import NonMonotoneStepError

    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    negate = FunctionTransformer(np.negative)
    model = make_pipeline(negate, LogisticRegression()).fit(X, y)
    wrapped = {
        "frozen": lambda: FrozenEstimator(model),
        "threshold": lambda: FixedThresholdClassifier(model).fit(X, y),
        "vote": lambda: VotingClassifier(
            [("m", model), ("lr", LogisticRegression())], voting="soft").fit(X, y),
        "calibrated": lambda: CalibratedClassifierCV(
            make_pipeline(negate, LogisticRegression()), cv=2).fit(X, y),
    }[wrap]()
    with pytest.raises(NonMonotoneStepError,
                       match=r"is not certified: its .* is not \(Pipeline step "
                             r"'functiontransformer'.*does not keep") as info:
        monotone_certificate(wrapped)
    # The refused step (the wrapper's copy of it, where it clones), its name and
    # reason, as the Pipeline's own refusal gives them.
    assert isinstance(info.value.step, FunctionTransformer)
    assert info.value.step.func is np.negative
    assert info.value.name == "functiontransformer"
    assert "negative" in info.value.reason
