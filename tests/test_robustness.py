"""Tests for sknonneg.robustness: the additive evasion attack and the certificate."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    RobustScaler,
    StandardScaler,
)
from sklearn.tree import DecisionTreeClassifier

from sknonneg import ABBAClassifier, NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg.exceptions import NonMonotoneStepError, UncertifiableModelError
from sknonneg.preprocessing import RampTransformer
from sknonneg.robustness import (
    MONOTONE_UFUNCS,
    EvasionResult,
    MonotoneCertificate,
    additive_evasion_attack,
    monotone_certificate,
)
from sknonneg.robustness._networks import network_of

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_FEATURES = 8


def _counts(seed=0, n_samples=160):
    """Poisson counts; the label rises with features 0, 1 and falls with 2."""
    rng = np.random.RandomState(seed)
    X = rng.poisson(1.0, size=(n_samples, N_FEATURES)).astype(float)
    y = (X[:, 0] + X[:, 1] - X[:, 2] + 0.3 * rng.randn(n_samples) > 1).astype(int)
    return X, y


def _net(**params):
    params = {"hidden_layer_sizes": 4, "output": "logistic", "max_iter": 40,
              "random_state": 0, **params}
    return NonNegMLPClassifier(**params)


@pytest.fixture(scope="module")
def data():
    return _counts()


@pytest.fixture(scope="module")
def certified(data):
    return _net().fit(*data)


@pytest.fixture(scope="module")
def unconstrained(data):
    return _net(positive=False).fit(*data)


# ------------------------------------------------------------ input gradient
@pytest.mark.parametrize("params", [
    {"positive": False, "output": "softmax", "hidden_layer_sizes": (5, 3)},
    {"positive": True, "gain": 1.7},
    {"positive": "output", "gain": (0.5, 3.0), "dtype": "float32"},
    {"positive": False, "activation": "tanh", "gain": 1.3,
     "hidden_layer_sizes": (5, 3)},
    {"positive": "hidden", "activation": "relu", "gain": 0.7},
])
def test_gradient_matches_decision_function_and_finite_differences(data, params):
    X, y = data
    clf = _net(**params).fit(X, y)
    net = network_of(clf)
    logits = net.logits(X)
    own = clf.decision_function(X)
    ours = logits.ravel() if logits.shape[1] == 1 else logits[:, 1] - logits[:, 0]
    tol = 1e-4 if params.get("dtype") == "float32" else 1e-9
    np.testing.assert_allclose(ours, own, atol=tol * (1 + np.abs(own).max()))
    u = np.array([[1.0]] if logits.shape[1] == 1 else [[-1.0, 1.0]])
    grad = net.input_gradient(X[:6], np.repeat(u, 6, axis=0))
    eps = 1e-6
    fd = np.empty_like(grad)
    for j in range(N_FEATURES):
        step = np.zeros(N_FEATURES)
        step[j] = eps
        fd[:, j] = (net.logits(X[:6] + step) @ u[0] - net.logits(X[:6] - step) @ u[0]) / (
            2 * eps)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-7)


def test_fitted_gain_found_when_parameter_changed_after_fit(data):
    X, y = data
    clf = _net(gain=(1.0, 2.0)).fit(X, y)
    expected = clf.decision_function(X)
    clf.set_params(gain=5.0)  # prediction keeps using the fitted gain, 2.0
    np.testing.assert_allclose(clf.decision_function(X), expected)
    assert clf.gain_ == pytest.approx(2.0, rel=1e-6)
    clf.gain = 5.0  # nor does the network the attack and certificate read
    np.testing.assert_allclose(network_of(clf).logits(X).ravel(), expected, rtol=1e-9,
                               atol=1e-9)


def test_mlpclassifier_logits_match_its_probabilities(data):
    X, y = data
    mlp = MLPClassifier((6,), activation="tanh", max_iter=300, random_state=0).fit(X, y)
    logits = network_of(mlp).logits(X).ravel()
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), mlp.predict_proba(X)[:, 1],
                               rtol=1e-10)


# --------------------------------------------------------------- certificate
@pytest.mark.parametrize("seed", range(4))
def test_certificate_holds_on_random_architectures(seed):
    """No increase of a certified feature lowers a certified model's score, and the
    attacks find none; they do lower an unconstrained model's."""
    rng = np.random.RandomState(seed)
    X, y = _counts(seed)
    hidden = tuple(rng.randint(2, 6, size=rng.randint(1, 3)))
    cst = rng.choice([-1, 0, 1], size=N_FEATURES)
    clf = _net(hidden_layer_sizes=hidden, monotonic_cst=cst, random_state=seed,
               gain=float(rng.uniform(0.5, 3)),
               activation=["logistic", "tanh", "relu", "logistic"][seed]).fit(X, y)
    cert = monotone_certificate(clf)
    assert np.all(cert.feature_signs_[cst == 1] == 1)
    # A -1 row that is all zero is reported as +1: the score does not depend on it.
    assert np.all(cert.certified_for(0)[cst == -1])
    up = cert.certified_features_
    # Random non-negative increases of the certified features.
    delta = rng.poisson(2.0, size=X.shape) * up
    before, after = clf.decision_function(X), clf.decision_function(X + delta)
    assert np.all(after >= before - 1e-9 * (1 + np.abs(before)))
    for method in ("gradient", "greedy") if up.any() else ():  # a mask of nothing
        res = additive_evasion_attack(clf, X, budget=6, features=up, method=method)
        assert res.success_rate_ == 0.0
        hit = res.attacked_
        assert np.all(res.margin_after_[hit] >= res.margin_before_[hit] - 1e-9)
    free = _net(hidden_layer_sizes=hidden, positive=False, random_state=seed).fit(X, y)
    res = additive_evasion_attack(free, X, budget=6, method="gradient")
    hit = res.attacked_
    assert np.min(res.margin_after_[hit] - res.margin_before_[hit]) < -1.0
    assert res.success_rate_ > 0.3


def test_certificate_fully_positive_logistic(certified):
    cert = monotone_certificate(certified)
    assert isinstance(cert, MonotoneCertificate)
    assert cert.all_certified_
    assert cert.certified_features_.shape == (N_FEATURES,)
    assert cert.positive_class_ == 1
    # Only a feature the network does not read at all (a first-layer row of zeros,
    # which the sparse start of logistic outputs can leave) is certified both ways.
    untouched = np.all(certified.coefs_[0] == 0, axis=1)
    np.testing.assert_array_equal(cert.certified_for(0), untouched)
    with pytest.raises(ValueError, match="target_class"):
        cert.certified_for(7)


def test_positive_output_certifies_nothing_and_is_evaded():
    """The forum's question: non-negative output weights alone are not enough."""
    X, y = _counts(1, n_samples=200)
    one = _net(positive="output", hidden_layer_sizes=6).fit(X, y)
    cert = monotone_certificate(one)
    res = additive_evasion_attack(one, X, budget=3, method="greedy")
    assert res.success_rate_ > 0.5
    # Every successful evasion raised a feature the certificate leaves uncertified.
    raised = np.asarray((res.X_adv_ - X)[res.success_] > 0)
    assert not np.any(raised[:, cert.certified_features_])
    assert not cert.certified_features_[2]
    two = _net(positive="output", hidden_layer_sizes=(4, 3)).fit(X, y)
    with pytest.raises(ValueError, match="layer 2"):
        monotone_certificate(two)
    assert additive_evasion_attack(two, X, budget=3).success_rate_ > 0.5


@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_scikit_learn_network_with_a_negative_hidden_to_hidden_weight_is_refused(Est):
    # First and output layers >= 0, one negative weight between the two hidden
    # layers: a hidden unit that grows can lower the score, so nothing is certified
    # (checking the output layer alone certified every feature).
    rng = np.random.default_rng(0)
    X = rng.random((60, 3))
    y = (X[:, 0] > 0.5).astype(int)
    mlp = Est(hidden_layer_sizes=(4, 3), max_iter=50, random_state=0).fit(X, y)
    mlp.coefs_ = [np.abs(W) for W in mlp.coefs_]
    assert monotone_certificate(mlp).certified_features_.all()  # all >= 0: certified
    mlp.coefs_[1][0, 0] = -5.0
    with pytest.raises(ValueError, match=rf"^{Est.__name__} is not certified: the "
                       r"weights of layer 2 \(hidden layer 2\) have 1 negative "
                       r"entries.*scikit-learn's networks cannot be constrained"):
        monotone_certificate(mlp)


@pytest.mark.parametrize("out", ["softmax", "bogus"])
def test_mlp_regressor_whose_output_function_is_set_to_a_softmax_is_refused(out):
    # MLPRegressor.predict applies ACTIVATIONS[out_activation_], which scikit-learn
    # lets be set, as idf_ or a scaler's scale_. Before: read for its name only, and
    # a 2-output network whose later layers are >= 0 was certified in every feature
    # with a softmax output, which divides each output by their sum: a rise of
    # feature 0 lowered output 0.
    rng = np.random.default_rng(0)
    X = rng.random((80, 2))
    Y = np.column_stack([X[:, 0], 3 * X[:, 0] + X[:, 1]])
    mlp = MLPRegressor(hidden_layer_sizes=(3,), max_iter=300, random_state=0).fit(X, Y)
    mlp.coefs_ = [np.abs(W) for W in mlp.coefs_]
    assert monotone_certificate(mlp).all_certified_  # identity outputs
    mlp.out_activation_ = "exp"  # loss="poisson"'s: increasing too
    assert monotone_certificate(mlp).all_certified_
    mlp.out_activation_ = out
    if out == "softmax":
        raised = X.copy()
        raised[:, 0] += 1.0
        assert np.any(mlp.predict(raised)[:, 0] < mlp.predict(X)[:, 0])
    with pytest.raises(ValueError, match=rf"^MLPRegressor is not certified: its "
                       rf"out_activation_ '{out}' is not an elementwise "
                       "non-decreasing function"):
        monotone_certificate(mlp)


def test_two_class_softmax_is_refused(data):
    # Monotone in real arithmetic at best (when W_L[:, 1] - W_L[:, 0] >= 0), never
    # as computed: its probability compares two separately rounded logits.
    X, y = data
    clf = _net(output="softmax").fit(X, y)
    W = clf.coefs_[-1]
    clf.coefs_[-1] = np.column_stack([W.min(axis=1), W.max(axis=1)])  # difference >= 0
    with pytest.raises(ValueError, match="two-class softmax.*output='logistic'"):
        monotone_certificate(clf)
    # The same refusal for the softmax that output="auto" resolves to, and it
    # reads the fitted output, not the parameter changed since.
    auto = _net(output="auto").fit(X, y)
    assert auto.out_activation_ == "softmax"
    auto.set_params(output="logistic")
    with pytest.raises(ValueError, match="two-class softmax.*output='logistic'"):
        monotone_certificate(auto)


@pytest.mark.parametrize("attribute", ["gain", "y_scale"])
def test_certificate_refuses_a_network_whose_direction_is_flipped(data, attribute):
    # Before: the certificate read the signs of the weights only, and certified a
    # network whose gain (sigmoid(gain * t) falls in t when gain < 0) or target
    # scale (y = y_mean_ + y_scale_ * z) had been set negative, as a tampered file
    # loaded inside a meta-estimator had it: the certified feature lowered the score.
    X, y = data
    if attribute == "gain":
        est = _net().fit(X, y)
        est._gain_ = -1.0
        X_up = X.copy()
        X_up[:, 0] += 3
        assert np.any(est.predict_proba(X_up)[:, 1] < est.predict_proba(X)[:, 1])
    else:
        est = NonNegMLPRegressor(hidden_layer_sizes=4, positive=True, max_iter=20,
                                 random_state=0).fit(X, X[:, 0] + X[:, 1])
        est.y_scale_ = -est.y_scale_
    with pytest.raises(ValueError, match=f"not certified: its {attribute}_"):
        monotone_certificate(est)


def test_certificate_refuses_unconstrained_abba_and_multiclass(data, unconstrained):
    X, y = data
    with pytest.raises(ValueError, match="negative entries"):
        monotone_certificate(unconstrained)
    abba = ABBAClassifier(hidden_layer_sizes=2, max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="ABBA"):
        monotone_certificate(abba)
    # A ValueError too, as every other refusal of a fitted model and
    # scikit-learn's refusals of an unsupported kind of estimator (before: a bare
    # TypeError, which `except ValueError` missed), saying why.
    with pytest.raises(ValueError, match=r"ABBAClassifier cannot be certified "
                       r"monotone, whatever its weights: .*\[x, -x\].*paths of both "
                       r"signs") as info:
        monotone_certificate(abba)
    assert type(info.value) is UncertifiableModelError
    y3 = np.arange(len(y)) % 3
    with pytest.raises(ValueError, match="binary"):
        monotone_certificate(LogisticRegression().fit(X, y3))
    with pytest.raises(TypeError, match="cannot be certified"):
        monotone_certificate(DecisionTreeClassifier().fit(X, y))
    with pytest.raises(ValueError, match="cannot be certified") as info:
        monotone_certificate(DecisionTreeClassifier().fit(X, y))
    assert type(info.value) is UncertifiableModelError


@pytest.mark.parametrize("kind", ["false", "hidden", "regressor-auto",
                                  "output-two-layers"])
def test_certificate_refuses_free_later_layers_with_nonnegative_weights(data, kind):
    # Before: only the signs of the fitted weights were read, and a network whose
    # layers after the first are free in its fit (positive=False, "hidden", the
    # regressor's default "auto") was certified whenever those free weights
    # happened to be >= 0. It predicts through BLAS, not the fixed-order kernels,
    # and a rise of a "certified" feature lowered its computed output by an ulp
    # (and flipped predict's class at the boundary).
    X, y = data
    if kind == "regressor-auto":
        est = NonNegMLPRegressor(hidden_layer_sizes=3, max_iter=20,
                                 random_state=0).fit(X, X[:, 0] + X[:, 1])
    elif kind == "output-two-layers":
        est = _net(positive="output", hidden_layer_sizes=(3, 2)).fit(X, y)
    else:
        est = _net(positive={"false": False, "hidden": "hidden"}[kind]).fit(X, y)
    assert not est._fixed_order()
    # The free weights >= 0 in the network itself, as a fit can leave them: its
    # fitted parameters (an array put in the coefs_ list changes no prediction,
    # and the certificate reads the network as it computes).
    for coef, _ in est._layout.views(est._theta)[1:]:
        np.abs(coef, out=coef)
    est._set_fitted_layers(est._theta)
    assert all(np.all(W >= 0) for W in est.coefs_[1:])
    with pytest.raises(ValueError, match=r"(?s)fitted free.*not constraints of the "
                                         r"fit.*exact in floating point.*"
                                         r"Refit with positive=True"):
        monotone_certificate(est)
    # The same through a soft vote.
    if kind in ("false", "hidden"):
        vote = _vote([_net(), _net(random_state=1)]).fit(X, y)
        vote.named_estimators_["m1"] = vote.estimators_[1] = est
        with pytest.raises(ValueError, match="member 'm1' is not.*fitted free"):
            monotone_certificate(vote)


def test_refusal_messages_recommend_certifiable_models(data, unconstrained):
    # Before, a negative later weight's refusal recommended positive='hidden' with
    # a non-negative output, which is not certified (above).
    with pytest.raises(ValueError, match="negative entries") as info:
        monotone_certificate(unconstrained)
    assert "positive='hidden'" not in str(info.value)
    assert "positive=True" in str(info.value)
    X, y = data
    mlp = MLPClassifier(4, max_iter=30, random_state=0).fit(X, y)
    mlp.coefs_[1] = -np.abs(mlp.coefs_[1])
    with pytest.raises(ValueError, match="NonNegMLPClassifier\\(positive=True"):
        monotone_certificate(mlp)


def test_linear_certificate_is_the_sign_of_coef(data):
    X, y = data
    lr = LogisticRegression().fit(X, y)
    cert = monotone_certificate(lr)
    np.testing.assert_array_equal(cert.certified_features_, lr.coef_[0] >= 0)


def test_sparsified_linear_models(data):
    # Before: after .sparsify() (coef_ a SciPy sparse matrix) the certificate and
    # both attacks raised "setting an array element with a sequence".
    from sklearn.linear_model import SGDRegressor

    X, y = data
    dense = LogisticRegression().fit(X, y)
    sparse = clone(dense).fit(X, y).sparsify()
    assert sp.issparse(sparse.coef_)
    np.testing.assert_array_equal(monotone_certificate(sparse).feature_signs_,
                                  monotone_certificate(dense).feature_signs_)
    for method in ("greedy", "gradient"):
        a = additive_evasion_attack(dense, X, budget=3, method=method)
        b = additive_evasion_attack(sparse, X, budget=3, method=method)
        np.testing.assert_array_equal(a.success_, b.success_)
    reg = SGDRegressor(max_iter=50, random_state=0).fit(X, X[:, 0] - X[:, 1])
    signs = np.where(reg.coef_ >= 0, 1, -1)
    reg.sparsify()
    np.testing.assert_array_equal(monotone_certificate(reg).feature_signs_, signs)
    vote = VotingClassifier([("a", _net()), ("b", LogisticRegression())],
                            voting="soft").fit(X, y)
    vote.named_estimators_["b"].sparsify()
    monotone_certificate(vote)
    assert additive_evasion_attack(vote, X, budget=2, method="gradient").attacked_.any()


@pytest.mark.parametrize("model", ["ridge", "ridge_cv"])
def test_binary_linear_classifier_with_a_1d_coef(data, model):
    # scikit-learn's binary RidgeClassifier(CV) has a 1-D coef_, the score of
    # classes_[1]. Before: the certificate refused it as having "8 coefficient
    # rows" (not binary), and both attacks failed inside NumPy's matmul.
    from sklearn.linear_model import RidgeClassifier, RidgeClassifierCV

    X, y = data
    labels = np.array(["ham", "spam"])[y]
    clf = RidgeClassifier() if model == "ridge" else RidgeClassifierCV()
    clf.fit(X, labels)
    assert clf.coef_.shape == (N_FEATURES,)
    cert = monotone_certificate(clf)
    assert cert.positive_class_ == "spam"
    np.testing.assert_array_equal(cert.certified_features_, clf.coef_ >= 0)
    np.testing.assert_array_equal(cert.certified_for("ham"), clf.coef_ <= 0)
    # The certified directions hold for the model's computed score and prediction.
    score = clf.decision_function(X)
    for j in range(N_FEATURES):
        raised = X.copy()
        raised[:, j] += 1.0
        rise = clf.decision_function(raised) - score
        assert np.all(rise >= 0) if cert.certified_features_[j] else np.any(rise < 0)
    for method in ("greedy", "gradient"):
        for target in ("spam", "ham"):
            res = additive_evasion_attack(clf, X, budget=3, method=method,
                                          target_class=target)
            rows = np.flatnonzero(res.attacked_)
            assert rows.size and res.success_rate_ > 0
            np.testing.assert_array_equal(clf.predict(res.X_adv_)[rows] != target,
                                          res.success_[rows])
            sign = 1.0 if target == "spam" else -1.0
            # (A batch of other rows sums in another order: equal up to rounding.)
            np.testing.assert_allclose(sign * clf.decision_function(res.X_adv_)[rows],
                                       res.margin_after_[rows], rtol=1e-12, atol=1e-12)
            # Only features that lower the target's score are raised.
            lowers = sign * clf.coef_ < 0
            assert np.all(res.X_adv_[:, ~lowers] == X[:, ~lowers])


class _NegScaler(StandardScaler):
    def transform(self, X, copy=None):
        return -super().transform(X, copy=copy)


class _NegSelect(SelectKBest):
    def transform(self, X):
        return -super().transform(X)


class _FlippedNet(NonNegMLPClassifier):
    def predict_proba(self, X):
        return super().predict_proba(X)[:, ::-1]


class _FlippedLogistic(LogisticRegression):
    def decision_function(self, X):
        return -super().decision_function(X)


class _ReversedPipeline(type(make_pipeline(StandardScaler()))):
    def predict_proba(self, X):
        return super().predict_proba(X)[:, ::-1]


def test_subclasses_of_listed_classes_are_not_trusted(data):
    # Before: steps (and final estimators) were recognised with isinstance, so a
    # subclass of StandardScaler whose transform negates was certified as a
    # scaler, and the score fell as a "certified" feature rose.
    from sklearn.compose import ColumnTransformer

    X, y = data
    neg = make_pipeline(_NegScaler(), _net()).fit(X, (X[:, 0] < 1).astype(int))
    X_up = X.copy()
    X_up[:, 0] += 5
    assert np.any(neg.predict_proba(X_up)[:, 1] < neg.predict_proba(X)[:, 1] - 0.01)
    with pytest.raises(ValueError, match="subclass of StandardScaler.*not trusted"):
        monotone_certificate(neg)
    with pytest.raises(ValueError, match="selectors and subclasses are not trusted"):
        monotone_certificate(make_pipeline(_NegSelect(chi2, k=4), _net()).fit(X, y))
    with pytest.raises(ValueError, match="subclass of Pipeline"):
        monotone_certificate(make_pipeline(
            _ReversedPipeline([("s", StandardScaler())]), _net()).fit(X, y))
    for final, base in ((_FlippedNet(4, output="logistic", max_iter=20),
                         "NonNegMLPClassifier"),
                        (_FlippedLogistic(), "LogisticRegression"),
                        (_ReversedPipeline([("m", _net())]), "Pipeline")):
        with pytest.raises(TypeError, match=f"subclass of {base}.*not trusted"):
            monotone_certificate(final.fit(X, y))
    # Inside a ColumnTransformer the subclass is read as an arbitrary map of its
    # own columns: they are not certified, the others are.
    ct = ColumnTransformer([("neg", _NegScaler(), [0, 1])], remainder="passthrough")
    y_neg = (X[:, 0] + X[:, 1] < 2).astype(int)  # the model reads the negated columns
    cert = monotone_certificate(make_pipeline(ct, _net()).fit(X, y_neg))
    assert not cert.certified_features_[:2].any()
    assert cert.certified_features_[2:].all()
    # The classes themselves are still read.
    assert monotone_certificate(make_pipeline(
        MaxAbsScaler(), SelectKBest(chi2, k=4), StandardScaler(), _net()).fit(X, y)
    ).all_certified_


# ------------------------------------------------------------------ soft votes
def _vote(members, **params):
    return VotingClassifier([(f"m{i}", m) for i, m in enumerate(members)],
                            voting="soft", **params)


@pytest.mark.parametrize("seed", range(2))
def test_soft_vote_of_certified_networks_is_certified_and_not_evaded(seed):
    """An average of certified networks (random architectures, seeds, weights) is
    certified; its score never falls under added features; both attacks fail. The
    same vote of unconstrained networks is evaded."""
    rng = np.random.RandomState(seed)
    X, y = _counts(seed)
    members = [_net(hidden_layer_sizes=tuple(rng.randint(2, 6, size=rng.randint(1, 3))),
                    random_state=seed + i, gain=float(rng.uniform(0.5, 3)),
                    activation=["logistic", "tanh", "relu"][i])
               for i in range(3)]
    vote = make_pipeline(MaxAbsScaler(), _vote(
        members, weights=rng.uniform(0.5, 2, size=3))).fit(X, y)
    cert = monotone_certificate(vote)
    assert cert.all_certified_ and "VotingClassifier" in cert.model_
    delta = rng.poisson(2.0, size=X.shape)
    before, after = vote.predict_proba(X)[:, 1], vote.predict_proba(X + delta)[:, 1]
    assert np.all(after >= before - 1e-12)
    for method in ("gradient", "greedy"):
        res = additive_evasion_attack(vote, X, budget=6, method=method)
        assert res.attacked_.any() and res.success_rate_ == 0.0
        hit = res.attacked_
        assert np.all(res.margin_after_[hit] >= res.margin_before_[hit] - 1e-9)
    free = make_pipeline(MaxAbsScaler(), _vote(
        [_net(positive=False, random_state=seed + i) for i in range(3)])).fit(X, y)
    with pytest.raises(ValueError, match="member 'm0'"):
        monotone_certificate(free)
    assert additive_evasion_attack(free, X, budget=6,
                                   method="gradient").success_rate_ > 0.3


@pytest.mark.parametrize("weights, broken", [([np.inf, 1.0], True),
                                             ([1e308, 1e308], True),
                                             ([1.7e308, 1.0], False)])
def test_soft_vote_refuses_weights_that_overflow(data, weights, broken):
    # Before: certified, while predict_proba was NaN (inf / inf) or 0 (a finite
    # sum of products divided by an overflowed sum of weights). A sum above half
    # the largest float is refused too (a margin for any order of summation).
    X, y = data
    vote = _vote([_net(), _net(random_state=1)], weights=weights).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        proba = vote.predict_proba(X[:5])
    bad = ~np.all(np.isfinite(proba), axis=1) | (np.abs(proba.sum(axis=1) - 1) > 1e-6)
    assert bad.any() == broken
    with pytest.raises(ValueError, match="not finite or their sum exceeds"):
        monotone_certificate(vote)
    # Large weights whose sum does not overflow keep the certificate (their
    # ratios are what predict_proba uses).
    big = _vote([_net(), _net(random_state=1)], weights=[1e300, 3e300]).fit(X, y)
    assert monotone_certificate(big).all_certified_
    np.testing.assert_allclose(big.predict_proba(X).sum(axis=1), 1.0)


@pytest.mark.parametrize("weights", [[0, 0], [0.0, -0.0], [0, 0, 5]])
def test_soft_vote_refuses_weights_that_sum_to_zero(data, weights):
    # Before: certified, though predict_proba raises ZeroDivisionError (np.average
    # of weights that sum to 0): a direction stated for a score that does not
    # exist. A dropped member's weight is not used ([0, 0, 5] with the third
    # dropped), as in predict_proba.
    X, y = data
    members = [_net(), LogisticRegression(), "drop"][:len(weights)]
    vote = _vote(members, weights=weights).fit(X, y)
    with pytest.raises(ZeroDivisionError):
        vote.predict_proba(X[:2])
    with pytest.raises(ValueError, match=r"weights \[.*\] sum to 0, so predict_proba"):
        monotone_certificate(vote)
    # One positive weight is enough: the vote is then that member's probability.
    alone = _vote([_net(), LogisticRegression()], weights=[0, 2.0]).fit(X, y)
    np.testing.assert_allclose(alone.predict_proba(X),
                               alone.named_estimators_["m1"].predict_proba(X))
    lr = monotone_certificate(alone.named_estimators_["m1"]).certified_features_
    np.testing.assert_array_equal(monotone_certificate(alone).certified_features_,
                                  lr & monotone_certificate(alone.named_estimators_[
                                      "m0"]).certified_features_)


def test_soft_vote_log_odds_and_gradient(data):
    """The attack's log-odds of a vote match its predict_proba; the input gradient
    matches central differences."""
    X, y = data
    vote = _vote([_net(random_state=1), _net(output="softmax", positive=False),
                  LogisticRegression(), MLPClassifier(4, max_iter=50, random_state=0)],
                 weights=[1, 2, 0.5, 0]).fit(X, y)
    net = network_of(vote)
    P = vote.predict_proba(X)
    np.testing.assert_allclose(net.logits(X).ravel(), np.log(P[:, 1] / P[:, 0]),
                               rtol=1e-9, atol=1e-9)
    u = np.ones((X.shape[0], 1))
    grad, h = net.input_gradient(X, u), 1e-6
    fd = np.column_stack([
        (net.logits(X + h * e) - net.logits(X - h * e)).ravel() / (2 * h)
        for e in np.eye(X.shape[1])])
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-6)
    # A linear member's negative coefficients leave those features uncertified.
    mixed = _vote([_net(), LogisticRegression()]).fit(X, y)
    lr = mixed.named_estimators_["m1"]
    np.testing.assert_array_equal(monotone_certificate(mixed).certified_features_,
                                  lr.coef_[0] >= 0)


def test_soft_vote_refusals(data, certified, unconstrained):
    X, y = data
    with pytest.raises(ValueError, match="member 'm1' is not.*negative entries"):
        monotone_certificate(_vote([_net(), _net(positive=False)]).fit(X, y))
    with pytest.raises(TypeError, match="member 'm1' is not.*cannot be certified"):
        monotone_certificate(_vote([_net(), DecisionTreeClassifier()]).fit(X, y))
    with pytest.raises(ValueError, match="hard vote"):
        monotone_certificate(_vote([_net(), _net(random_state=1)])
                             .set_params(voting="hard").fit(X, y))
    with pytest.raises(ValueError, match="negative"):
        monotone_certificate(_vote([_net(), _net(random_state=1)],
                                   weights=[1, -0.5]).fit(X, y))
    docs = ["cheap pills", "lunch at noon", "buy pills", "project notes"] * 5
    yd = np.array([1, 0, 1, 0] * 5)
    with pytest.raises(ValueError, match="vectorizer before"):
        monotone_certificate(_vote([make_pipeline(CountVectorizer(), _net())])
                             .fit(docs, yd))
    # A dropped member is not read.
    vote = _vote([_net(), "drop"]).fit(X, y)
    assert monotone_certificate(vote).all_certified_


# ------------------------------------------------------------------ pipelines
@pytest.mark.parametrize("step", [
    MaxAbsScaler(), MinMaxScaler(clip=True), StandardScaler(),
    FunctionTransformer(np.log1p), "passthrough",
])
def test_pipeline_with_monotone_step_keeps_certificate(data, step):
    X, y = data
    pipe = make_pipeline(step, _net()).fit(X, y)
    assert monotone_certificate(pipe).all_certified_
    res = additive_evasion_attack(pipe, X, budget=4, method="gradient")
    assert res.success_rate_ == 0.0


def test_pipeline_with_ramps_certifies_each_raw_feature(data):
    """RampTransformer makes several columns of each feature, each non-decreasing
    in it: a raw feature holds a direction when every one of its columns does."""
    X, y = data
    pipe = make_pipeline(RampTransformer(4), StandardScaler(), _net()).fit(X, y)
    cert = monotone_certificate(pipe)
    assert cert.n_features_ == N_FEATURES and cert.all_certified_
    assert additive_evasion_attack(pipe, X, budget=4).success_rate_ == 0.0
    # Directions per raw feature, expanded to the ramps: feature 2 down, 3-7 free.
    raw = [1, 1, -1, 0, 0, 0, 0, 0]
    ramps = RampTransformer(4)
    net = _net(monotonic_cst=list(ramps.expand_monotonic_cst(raw)), positive=True)
    signed = make_pipeline(ramps, net).fit(X, y)
    cert = monotone_certificate(signed)
    np.testing.assert_array_equal(cert.feature_signs_[:3], [1, 1, -1])
    # A free feature is certified only where all its ramps' weights happen to
    # share a sign: the fitted weights decide, as for any free feature.
    first = signed[-1].coefs_[0]
    for j in range(3, N_FEATURES):
        rows = first[4 * j:4 * j + 4]
        assert cert.certified_features_[j] == bool(np.all(rows >= 0))


def _credit_frame(seed=0, n=300):
    """Two counts, an amount and a category; the label rises with the counts."""
    import pandas as pd

    rng = np.random.RandomState(seed)
    frame = pd.DataFrame({"late": rng.poisson(1.0, n).astype(float),
                          "debts": rng.poisson(2.0, n).astype(float),
                          "income": rng.lognormal(0, 1, n),
                          "job": rng.choice(["a", "b", "c"], n)})
    score = frame.late + frame.debts - np.log(frame.income) + (frame.job == "b")
    return frame, (score + 0.5 * rng.randn(n) > 3).astype(int)


def _credit_pipeline(model, remainder="drop"):
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    num = Pipeline([("ramp", RampTransformer(n_knots=3)), ("scale", StandardScaler())])
    pre = ColumnTransformer([("num", num, ["late", "debts"]),
                             ("cat", OneHotEncoder(sparse_output=False), ["job"])],
                            remainder=remainder).set_output(transform="pandas")
    return Pipeline([("pre", pre), ("model", model)])


def test_column_transformer_certifies_its_monotone_columns():
    """A ColumnTransformer's transformers see only their own columns: the numeric
    features keep the certificate their ramps' weights give, the one-hot coded
    category (an arbitrary function of its column) is not certified, and a dropped
    column cannot change the score. Before, any ColumnTransformer was refused."""
    from sknonneg.inspection import check_monotonic

    X, y = _credit_frame()
    ramps = RampTransformer(n_knots=3)
    names = ramps.fit(X[["late", "debts"]]).get_feature_names_out()
    cst = {f"num__{name}": 1 for name in names}
    pipe = _credit_pipeline(_net(monotonic_cst=cst, positive=True)).fit(X, y)
    cert = monotone_certificate(pipe)
    up, down = cert.certified_for(), cert.certified_for(cert.classes_[0])
    assert cert.n_features_ == 4
    assert list(cert.feature_names_) == ["late", "debts", "income", "job"]
    # late, debts: certified upwards by their constrained ramps; income: dropped
    # (both directions); job: one-hot codes the model reads.
    np.testing.assert_array_equal(up, [True, True, True, False])
    np.testing.assert_array_equal(down, [False, False, True, False])
    report = check_monotonic(pipe, X, {"late": 1, "debts": 1, "income": 1})
    assert np.all(report.max_drop == 0.0)


def test_column_transformer_feature_through_an_unknown_map_is_not_certified():
    """The same column through a scaler and through a function the certificate
    cannot read (np.negative): only the model's ignoring both copies certifies it."""
    from sklearn.compose import ColumnTransformer

    X, y = _counts()
    pre = ColumnTransformer([("scaled", StandardScaler(), [0, 1, 2]),
                             ("flipped", FunctionTransformer(np.negative), [0])],
                            remainder="passthrough")
    pipe = make_pipeline(pre, LogisticRegression()).fit(X, y)
    cert = monotone_certificate(pipe)
    up, down = cert.certified_for(), cert.certified_for(cert.classes_[0])
    coef = pipe[-1].coef_[0]
    assert coef[3] != 0  # the flipped copy of feature 0 is read
    assert not up[0] and not down[0]
    np.testing.assert_array_equal(up[1:3], coef[1:3] >= 0)
    np.testing.assert_array_equal(up[3:], coef[4:] >= 0)  # the remainder
    # A model that reads no copy of feature 0 leaves it certified both ways.
    zeroed = clone(pipe).fit(X, y)
    zeroed[-1].coef_[0, [0, 3]] = 0.0
    cert = monotone_certificate(zeroed)
    up, down = cert.certified_for(), cert.certified_for(cert.classes_[0])
    assert up[0] and down[0]


@pytest.mark.parametrize("columns", [
    slice("a", "c"), slice(0, 3), ["a", "b", "c"], [0, 1, 2],
    np.array([True, True, True, False]),
], ids=["name-slice", "slice", "names", "indices", "mask"])
def test_column_transformer_column_selections(columns):
    # Every way ColumnTransformer takes columns (a slice of names, both ends
    # included, was a TypeError before).
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"a": rng.rand(60), "b": rng.rand(60), "c": rng.rand(60),
                          "d": rng.choice(["x", "y"], 60)})
    y = (frame.a - frame.b > 0).astype(int)
    pre = ColumnTransformer([("num", StandardScaler(), columns),
                             ("cat", OneHotEncoder(), ["d"])])
    pipe = make_pipeline(pre, LogisticRegression()).fit(frame, y)
    coef = pipe[-1].coef_[0]
    np.testing.assert_array_equal(monotone_certificate(pipe).feature_signs_,
                                  [*np.where(coef[:3] >= 0, 1, -1), 0])


@pytest.mark.parametrize("first", ["passthrough", None, "nested"])
def test_pipeline_starting_with_passthrough_reads_the_input_width(first):
    # Before: a Pipeline whose first step is "passthrough" (or None) has no
    # n_features_in_, and the certificate took the final step's width: the
    # features a selector keeps were renumbered and the one that lowers the score
    # (feature 3) was lost; all_certified_ was True.
    import pandas as pd
    from sklearn.feature_selection import f_classif
    from sklearn.pipeline import Pipeline

    rng = np.random.RandomState(0)
    X = rng.poisson(2.0, size=(300, 4)).astype(float)
    y = (X[:, 2] - X[:, 3] > 0).astype(int)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    head = [("first", None if first is None else "passthrough")]
    steps = head + [("sel", SelectKBest(f_classif, k=2)),
                    ("m", _net(hidden_layer_sizes=3, monotonic_cst=[1, -1],
                               max_iter=60))]
    pipe = (Pipeline([("inner", Pipeline(head + steps[1:2])), steps[2]])
            if first == "nested" else Pipeline(steps)).fit(frame, y)
    cert = monotone_certificate(pipe)
    assert cert.n_features_ == 4 and not cert.all_certified_
    np.testing.assert_array_equal(cert.feature_signs_, [1, 1, 1, -1])
    np.testing.assert_array_equal(cert.feature_names_, ["a", "b", "c", "d"])
    res = additive_evasion_attack(pipe, frame, budget=3,
                                  features=cert.certified_features_)
    assert res.success_rate_ == 0.0


@pytest.mark.parametrize("columns", [
    [-1], [np.int64(-1)], np.array([-1]), [3, -1], slice(-1, None),
    slice(3, None), np.array([False, False, False, True]),
    [False, False, False, True],
], ids=["list", "numpy-int", "array", "duplicate", "negative-slice", "slice",
        "mask", "mask-list"])
def test_column_transformer_negative_indices_are_read(columns):
    # Before: a column given by a negative index (-1, [-1], an array of negative
    # ints) matched no input column, dropped out of the mapping, and its feature
    # was certified although a negating map fed the model (the attack evaded it).
    from sklearn.compose import ColumnTransformer

    rng = np.random.RandomState(0)
    X = rng.poisson(2.0, size=(200, 4)).astype(float)
    y = (X[:, 0] + X[:, 1] - X[:, 3] > 2).astype(int)
    ct = ColumnTransformer([("neg", FunctionTransformer(np.negative), columns)],
                           remainder="passthrough")
    pipe = make_pipeline(ct, _net(hidden_layer_sizes=3, max_iter=60)).fit(X, y)
    cert = monotone_certificate(pipe)
    assert not cert.certified_features_[3]
    assert cert.certified_features_[:3].all()
    # A monotone map on a negative index keeps its column's certificate.
    ct = ColumnTransformer([("s", StandardScaler(), columns)],
                           remainder="passthrough")
    pipe = make_pipeline(ct, _net(hidden_layer_sizes=3, max_iter=60)).fit(X, y)
    assert monotone_certificate(pipe).all_certified_


def test_check_monotonic_maps_negative_column_indices():
    # check_monotonic shares the mapping: before, the constraint on the scaled
    # last column could not be mapped back ("cannot map the constraint").
    from sklearn.compose import ColumnTransformer

    from sknonneg.inspection import check_monotonic

    rng = np.random.RandomState(0)
    X = rng.poisson(2.0, size=(200, 4)).astype(float)
    y = (X[:, 3] - X[:, 0] > 0).astype(int)
    ct = ColumnTransformer([("s", StandardScaler(), [-1])], remainder="passthrough")
    pipe = make_pipeline(ct, _net(hidden_layer_sizes=3, max_iter=60,
                                  monotonic_cst=[1, -1, 0, 0])).fit(X, y)
    report = check_monotonic(pipe, X[:40])
    np.testing.assert_array_equal(report.features, [0, 3])
    np.testing.assert_array_equal(report.directions, [-1, 1])


@pytest.mark.parametrize("seed", range(4))
def test_column_transformer_certificate_holds_on_random_probes(seed):
    """Whatever the weights, a certified direction holds on every probe: raising
    a certified feature never lowers P(class 1) (a non-negative network, an
    unconstrained LogisticRegression, a network with a signed first layer; ramps
    and a one-hot category before each)."""
    X, y = _credit_frame(seed)
    rng = np.random.RandomState(seed)
    directions = 0
    for model in (_net(positive=True), LogisticRegression(),
                  _net(positive="output")):
        pipe = _credit_pipeline(model, remainder="passthrough").fit(X, y)
        cert = monotone_certificate(pipe)
        up, down = cert.certified_for(), cert.certified_for(cert.classes_[0])
        rows = X.sample(50, random_state=seed)
        base = pipe.predict_proba(rows)[:, 1]
        for j, name in enumerate(["late", "debts", "income"]):
            moved = rows.copy()
            moved[name] += rng.exponential(2.0, len(rows))
            change = pipe.predict_proba(moved)[:, 1] - base
            if up[j]:
                assert change.min() >= -1e-12, name
            if down[j]:
                assert change.max() <= 1e-12, name
            directions += int(up[j]) + int(down[j])
    # The non-negative network and the linear model certify all three numeric
    # features (LogisticRegression in the direction of its coefficients).
    assert directions >= 6


def test_first_order_change_sums_over_a_features_ramps(data):
    """For a linear model behind per-feature maps the first-order change of the
    margin is exact; with RampTransformer it is the sum over a feature's ramps
    (an assignment kept one ramp per feature before)."""
    from sknonneg.robustness._attack import _Scorer

    X, y = data
    pipe = make_pipeline(RampTransformer(4), StandardScaler(),
                         LogisticRegression()).fit(X, y)
    scorer = _Scorer(pipe, 1, X, 1.0)
    rows = X[:20]
    predicted = scorer.first_order(rows)
    base = scorer.margin(rows)
    for j in range(N_FEATURES):
        moved = rows.copy()
        moved[:, j] += 1.0
        np.testing.assert_allclose(predicted[:, j], scorer.margin(moved) - base,
                                   atol=1e-10)


@pytest.mark.parametrize("step, match", [
    (Normalizer(), "Normalizer"),
    (PCA(n_components=3), "PCA"),
    (FunctionTransformer(np.square), "ufunc"),
    # Non-decreasing functions, but NumPy's values fall by an ulp at some adjacent
    # float32 inputs (np.exp at x = -1.7328681): certified before, refused now.
    (FunctionTransformer(np.exp), "computed values are not"),
    (FunctionTransformer(np.tanh), "computed values are not"),
    (FunctionTransformer(np.log1p, kw_args={"where": True}), "kw_args"),
    (TfidfTransformer(), "norm='l2'"),
])
def test_pipeline_with_non_monotone_step_is_refused(data, step, match):
    X, y = data
    pipe = make_pipeline(step, _net()).fit(X, y)
    with pytest.raises(ValueError, match=match):
        monotone_certificate(pipe)
    # The greedy attack still runs (scores only); the gradient one needs a gradient.
    assert isinstance(additive_evasion_attack(pipe, X, budget=2), EvasionResult)
    with pytest.raises(ValueError, match="input gradient"):
        additive_evasion_attack(pipe, X, budget=2, method="gradient")



@pytest.mark.parametrize("ufunc", MONOTONE_UFUNCS, ids=lambda u: u.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_monotone_ufuncs_are_non_decreasing_as_computed(ufunc, dtype):
    # The certificate reads these as exact; each window holds consecutive floats
    # (benchmarks/ufunc_monotone_scan.py scans every float32, which takes minutes).
    np_int = np.uint32 if dtype == np.float32 else np.uint64
    for start in [-3.0, -1.7328681, -0.5, 1e-30, 0.3, 1.0, 7.625, 1e6, 3e37]:
        first = np.array(start, dtype=dtype)
        bits = first.view(np_int) + np.arange(1 << 16, dtype=np_int)  # |x| grows
        x = np.sort(bits.view(dtype))
        with np.errstate(all="ignore"):
            y = ufunc(x)
        y = y[~np.isnan(y)]
        assert np.all(y[1:] >= y[:-1]), (ufunc.__name__, start)  # inf - inf: no diff

def test_text_pipeline_certificate_on_words():
    docs = ["cheap pills now", "meeting at noon", "cheap cheap offer", "lunch at noon",
            "buy pills", "project meeting notes"] * 5
    y = np.array([1, 0, 1, 0, 1, 0] * 5)
    pipe = make_pipeline(CountVectorizer(), TfidfTransformer(norm=None, sublinear_tf=True),
                         SelectKBest(chi2, k=5), MaxAbsScaler(), _net()).fit(docs, y)
    cert = monotone_certificate(pipe)
    assert cert.all_certified_
    assert "cheap" in set(cert.feature_names_)
    with pytest.raises(ValueError, match="ngram_range"):
        monotone_certificate(make_pipeline(CountVectorizer(ngram_range=(1, 2)),
                                           _net()).fit(docs, y))
    with pytest.raises(ValueError, match="numeric features"):
        additive_evasion_attack(pipe, pipe[0].transform(docs), budget=2)
    # Single-character tokens keep the certificate too.
    assert monotone_certificate(make_pipeline(
        CountVectorizer(token_pattern=r"(?u)\b\w+\b"), _net()).fit(docs, y)
    ).all_certified_
    counts = pipe[0].transform(docs)
    res = additive_evasion_attack(pipe[1:], counts, budget=3)
    assert res.success_rate_ == 0.0 and sp.issparse(res.X_adv_)


@pytest.mark.parametrize("params, match", [
    ({"tokenizer": lambda doc: doc.split()[:2], "token_pattern": None}, "tokenizer"),
    ({"preprocessor": lambda doc: doc.split("unsubscribe")[0]}, "preprocessor"),
    ({"token_pattern": r"^\w+"}, "token_pattern"),
    ({"dtype": np.int8}, "wrap around"),
    # Before: accepted, while a custom preprocessor was refused.
    ({"strip_accents": lambda doc: doc.split(" unsubscribe ")[0]}, "strip_accents"),
])
def test_text_pipeline_unverifiable_vectorizer_refused(params, match):
    # Each of these lets an added word lower the score of a certified network: a
    # truncating tokenizer drops a word, int8 counts wrap from 127 to -128.
    docs = ["cheap pills now", "meeting at noon", "cheap cheap offer", "lunch at noon",
            "buy pills", "project meeting notes"] * 5
    y = np.array([1, 0, 1, 0, 1, 0] * 5)
    pipe = make_pipeline(CountVectorizer(**params), _net()).fit(docs, y)
    with pytest.raises(ValueError, match=match):
        monotone_certificate(pipe)
    if "dtype" in params:
        proba = pipe.predict_proba(["cheap " * 127, "cheap " * 128])[:, 1]
        assert proba[1] < proba[0]


@pytest.mark.parametrize("input_kind", ["filename", "file"])
def test_vectorizer_reading_files_refused(tmp_path, input_kind):
    # With input="filename" or "file" the text column holds file names or file
    # objects: what a user adds to it is not a word of the counted text, and the
    # certificate cannot see the files. Before: certified as for input="content".
    texts = ["cheap pills now", "meeting at noon", "cheap cheap offer",
             "lunch at noon"] * 5
    y = np.array([1, 0, 1, 0] * 5)
    names = []
    for i, text in enumerate(texts):
        path = tmp_path / f"mail{i}.txt"
        path.write_text(text)
        names.append(str(path))
    docs = names if input_kind == "filename" else [open(n) for n in names]
    try:
        pipe = make_pipeline(CountVectorizer(input=input_kind), _net()).fit(docs, y)
    finally:
        for doc in docs:
            if not isinstance(doc, str):
                doc.close()
    with pytest.raises(ValueError, match=f"input='{input_kind}'"):
        monotone_certificate(pipe)


def test_float32_sublinear_tf_refused():
    # NumPy's float32 log falls by an ulp between some adjacent integer counts, so
    # 1 + log(tf) of float32 counts is not non-decreasing as computed. Before:
    # certified.
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = ["cheap pills now", "meeting at noon", "cheap cheap offer",
            "lunch at noon"] * 5
    y = np.array([1, 0, 1, 0] * 5)
    for first in (TfidfVectorizer(norm=None, sublinear_tf=True, dtype=np.float32),
                  make_pipeline(CountVectorizer(dtype=np.float32),
                                TfidfTransformer(norm=None, sublinear_tf=True))):
        pipe = make_pipeline(first, _net()).fit(docs, y)
        with pytest.raises(ValueError, match="sublinear_tf=True on float32"):
            monotone_certificate(pipe)
    for first in (TfidfVectorizer(norm=None, sublinear_tf=True),
                  TfidfVectorizer(norm=None, dtype=np.float32),
                  make_pipeline(CountVectorizer(dtype=np.float32),
                                TfidfTransformer(norm=None))):
        assert monotone_certificate(make_pipeline(first, _net()).fit(docs, y)
                                    ).all_certified_


def _spam_texts():
    rng = np.random.RandomState(0)
    vocab = "free money win cash offer hello meeting report lunch project".split()
    texts = [" ".join(rng.choice(vocab, 8)) for _ in range(120)]
    y = np.array([("free" in t) or ("cash" in t) for t in texts]).astype(int)
    return vocab, texts, y


def test_tfidf_vectorizer_parameters_set_after_fit_are_refused():
    # A fitted TfidfVectorizer transforms with the TfidfTransformer its fit made,
    # whose norm and sublinear_tf are those of the fit. Before: set_params(norm=None)
    # on one fitted with norm="l2" was certified (exact_ True), while transform
    # still normalised and an added word lowered the score of nearly every text.
    from sklearn.feature_extraction.text import TfidfVectorizer

    vocab, texts, y = _spam_texts()
    pipe = make_pipeline(TfidfVectorizer(), _net(positive=True)).fit(texts, y)
    pipe.set_params(tfidfvectorizer__norm=None)
    # what the certificate would have denied: an added word lowers a score (the
    # first found is enough; all 1,200 text-word pairs took 2.4 CPU-s)
    assert any(pipe.decision_function([t + " " + w])[0]
               < pipe.decision_function([t])[0] for t in texts for w in vocab)
    with pytest.raises(ValueError, match=r"norm=None was set after the fit, but its "
                                         r"transform still applies the fitted "
                                         r"norm='l2'.*refit it"):
        monotone_certificate(pipe)
    # The same vectorizer on a text column of a ColumnTransformer: uncertified.
    import pandas as pd
    from sklearn.compose import ColumnTransformer

    frame = pd.DataFrame({"body": texts})
    ct_pipe = make_pipeline(
        ColumnTransformer([("body", TfidfVectorizer(), "body")]),
        _net(positive=True)).fit(frame, y)
    ct_pipe[0].named_transformers_["body"].set_params(norm=None)  # the fitted one
    cert = monotone_certificate(ct_pipe)
    assert cert.feature_signs_.tolist() == [0]
    assert "set after the fit" in cert.uncertified_reasons_["body"]
    # sublinear_tf too: float32 logs of a fit with sublinear_tf=True stay applied.
    pipe = make_pipeline(TfidfVectorizer(norm=None, sublinear_tf=True,
                                         dtype=np.float32), _net()).fit(texts, y)
    pipe.set_params(tfidfvectorizer__sublinear_tf=False)
    with pytest.raises(ValueError, match="sublinear_tf=False was set after the fit"):
        monotone_certificate(pipe)
    # Refitted, the parameters agree and the certificate holds.
    assert monotone_certificate(pipe.set_params(
        tfidfvectorizer__dtype=np.float64).fit(texts, y)).all_certified_
    # Where the fitted weighting cannot be read (scikit-learn's private _tfidf,
    # should a version keep it elsewhere), refused, never certified on the
    # parameters.
    del pipe[0]._tfidf
    with pytest.raises(ValueError, match="cannot be read"):
        monotone_certificate(pipe)


@pytest.mark.parametrize("bad", [-1.0, np.nan])
def test_tfidf_weights_that_are_not_finite_and_non_negative_are_refused(bad):
    # scikit-learn lets idf_ be set. Before: a negative idf_ was certified (exact_
    # True) while a rise of its count lowered the decision function.
    from sklearn.feature_extraction.text import TfidfVectorizer

    X, y = _counts()
    pipe = make_pipeline(TfidfTransformer(norm=None), _net(positive=True)).fit(X, y)
    pipe[0].idf_ = np.full(X.shape[1], bad)
    if bad < 0:
        raised = X[:20].copy()
        raised[:, 0] += 5
        assert np.any(pipe.decision_function(raised) < pipe.decision_function(X[:20]))
    with pytest.raises(ValueError, match="its idf_ holds negative or non-finite"):
        monotone_certificate(pipe)
    vocab, texts, yt = _spam_texts()
    pipe = make_pipeline(TfidfVectorizer(norm=None), _net(positive=True)).fit(texts, yt)
    pipe[0].idf_ = np.full(len(vocab), bad)
    with pytest.raises(ValueError, match=r"\(TfidfVectorizer\) does not keep.*its "
                                         r"idf_ holds negative"):
        monotone_certificate(pipe)


@pytest.mark.parametrize("Scaler, attr, bad", [
    (StandardScaler, "scale_", -1.0), (StandardScaler, "scale_", np.nan),
    (MaxAbsScaler, "scale_", np.nan), (MinMaxScaler, "scale_", np.nan),
    (RobustScaler, "scale_", -1.0), (RobustScaler, "scale_", np.nan),
    (StandardScaler, "mean_", np.inf), (StandardScaler, "mean_", np.nan),
    (RobustScaler, "center_", np.nan), (MinMaxScaler, "min_", -np.inf),
])
def test_scalers_whose_fitted_scale_or_offset_is_set_out_of_range_are_refused(
        Scaler, attr, bad):
    # scikit-learn lets a fitted scaler's scale_ and offset be set, as idf_ above.
    # A negative scale reverses the direction (refused before too). Before: a NaN
    # scale_ passed the check np.any(scale_ <= 0) (NaN <= 0 is False), and a NaN or
    # infinite offset was not read: such pipelines were certified (exact_ True),
    # while every value they transform is NaN or infinite and their model refuses
    # it, a certificate for a model that has no score (a network's NaN weights and
    # y_mean_, and idf_, were already refused).
    X, y = _counts()
    pipe = make_pipeline(Scaler(), _net(positive=True)).fit(X, y)
    assert monotone_certificate(pipe).all_certified_
    fitted = np.array(getattr(pipe[0], attr), dtype=np.float64)
    fitted[0] = bad
    setattr(pipe[0], attr, fitted)
    if np.isnan(bad) or np.isinf(bad):
        with pytest.raises(ValueError, match="NaN|infinity"):
            pipe.predict_proba(X[:5])
    with pytest.raises(NonMonotoneStepError, match=rf"\({Scaler.__name__}\) does "
                       r"not keep a monotone certificate: (a fitted scale is not "
                       rf"positive|its fitted {attr} is not finite)"):
        monotone_certificate(pipe)
    # An offset the transform does not apply is not read.
    if attr in ("mean_", "center_"):
        pipe = make_pipeline(Scaler(**{"with_mean" if attr == "mean_" else
                                       "with_centering": False}),
                             _net(positive=True)).fit(X, y)
        setattr(pipe[0], attr, np.full(X.shape[1], bad))
        assert monotone_certificate(pipe).all_certified_


@pytest.mark.parametrize("Scaler", [StandardScaler, MinMaxScaler, MaxAbsScaler,
                                    RobustScaler])
def test_scalers_fitted_on_a_column_all_nan_then_imputed_are_certified(Scaler):
    # scikit-learn's scalers disregard NaN in fit and keep it in transform: a
    # column all NaN in the fit gets a NaN scale_ (and offset), and a later
    # SimpleImputer drops it, so the pipeline predicts, constant in it. Certified
    # before this session; the refusal of a NaN scale_ or offset set by hand
    # (above) refused it too. The fit's own NaN is told from a set
    # one by the fit's record of the column (n_samples_seen_ 0, data_min_,
    # max_abs_ or center_ NaN).
    X, y = _counts(n_samples=80)
    X[:, 2] = np.nan
    pipe = make_pipeline(Scaler(), SimpleImputer(), _net(positive=True)).fit(X, y)
    assert np.isnan(pipe[0].scale_[2]) and np.all(pipe[0].scale_[:2] > 0)
    assert np.all(np.isfinite(pipe.predict_proba(X)))
    cert = monotone_certificate(pipe)
    assert cert.all_certified_ and cert.exact_
    from sknonneg.inspection import check_monotonic

    assert np.all(check_monotonic(pipe, X[:20], [1, 1] + [0] * (X.shape[1] - 2),
                                  n_steps=5).max_drop == 0)
    # A NaN set by hand in a column the fit saw is still refused.
    scale = np.array(pipe[0].scale_)
    scale[0] = np.nan
    pipe[0].scale_ = scale
    with pytest.raises(NonMonotoneStepError, match="a fitted scale is not positive"):
        monotone_certificate(pipe)


@pytest.mark.parametrize("strip_accents", ["ascii", "unicode"])
def test_strip_accents_options_only_add_to_counts(strip_accents):
    """strip_accents="ascii" / "unicode" (with lowercase) are accepted: a word added
    between spaces never lowers a count, even where it merges with another word's
    column ("cafe" and "café"), decomposes into several tokens (a ligature, a
    fraction, a no-break space) or into none, or starts with a combining mark."""
    words = ["café", "cafe", "CAFÉ", "ﬁle", "file", "a½b", "x\u00a0y", "\u0301z",
             "ΟΔΟΣ", "οδος", "straße", "İstanbul", "漢字", "ǅemal", "e\u0301",
             "naïve", "ø", "Å", "x", "cheap", "pills"]
    rng = np.random.RandomState(0)
    docs = [" ".join(rng.choice(words, rng.randint(1, 6))) for _ in range(60)]
    vec = CountVectorizer(strip_accents=strip_accents,
                          token_pattern=r"(?u)\b\w+\b").fit(docs + words)
    for doc in docs[:30]:
        parts = doc.split(" ")
        for word in words:
            for at in range(len(parts) + 1):
                added = " ".join(parts[:at] + [word] + parts[at:])
                diff = vec.transform([added]) - vec.transform([doc])
                assert diff.toarray().min() >= 0, (doc, word, at)
    y = np.array([1, 0] * 30)
    pipe = make_pipeline(CountVectorizer(strip_accents=strip_accents), _net())
    assert monotone_certificate(pipe.fit(docs, y)).all_certified_


# --------------------------------------------------------------------- attack
@pytest.mark.parametrize("method", ["greedy", "gradient"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("model", ["nonneg", "logistic", "mlp"])
def test_attack_respects_budget_features_and_integers(data, unconstrained, method,
                                                      sparse, model):
    X, y = data
    est = {"nonneg": unconstrained,
           "logistic": make_pipeline(MaxAbsScaler(), LogisticRegression()).fit(X, y),
           "mlp": MLPClassifier((5,), max_iter=200, random_state=0).fit(X, y)}[model]
    allowed = np.array([2, 4, 5])
    X_int = X.astype(np.int64)
    X_in = sp.csr_matrix(X_int) if sparse else X_int
    res = additive_evasion_attack(est, X_in, budget=4, features=allowed, method=method)
    X_adv = res.X_adv_.toarray() if sparse else res.X_adv_
    assert sp.issparse(res.X_adv_) == sparse
    assert X_adv.dtype == np.int64
    added = X_adv - X_int
    assert np.all(added >= 0)
    assert np.all(added.sum(axis=1) <= 4)
    np.testing.assert_allclose(added.sum(axis=1), res.cost_)
    others = np.setdiff1d(np.arange(N_FEATURES), allowed)
    assert np.all(added[:, others] == 0)
    assert np.all(added[~res.attacked_] == 0)
    assert res.success_rate_ > 0.2
    np.testing.assert_array_equal(est.predict(X_adv)[res.success_], 0)
    assert np.all(est.predict(X_adv)[res.attacked_ & ~res.success_] == 1)


def test_attack_fractional_step_and_upper_bound(unconstrained, data):
    X, y = data
    for method in ("greedy", "gradient"):
        res = additive_evasion_attack(unconstrained, X, budget=1.0, step=0.25,
                                      upper=2.5, method=method)
        added = res.X_adv_ - X
        assert np.all(added.sum(axis=1) <= 1.0 + 1e-12)
        assert np.allclose(added * 4, np.round(added * 4))
        assert np.all(res.X_adv_[added.sum(axis=1) > 0] <= np.maximum(X, 2.5)[
            added.sum(axis=1) > 0])


@pytest.mark.parametrize("method", ["greedy", "gradient"])
@pytest.mark.parametrize("sparse", [False, True])
def test_attack_never_raises_a_feature_past_upper(method, sparse):
    # upper is the largest value of a feature. A move to upper + 1e-12 was
    # allowed: features on a scale of 1e-13 went to twice their upper (2e-13 for
    # upper=1e-13), and three steps of 0.1 to 0.30000000000000004 > upper=0.3
    # (found by test_promises' property test of the attack's contract).
    clf = LogisticRegression().fit([[0.0, 0.0], [1.0, 1.0]], [0, 1])
    clf.coef_[:] = [[-1.0, 1.0]]  # raising feature 0 lowers the margin ...
    clf.intercept_[:] = [100.0]  # ... never enough to evade
    for scale, step, upper in [(1e-13, 1e-13, 1e-13), (1.0, 0.1, 0.3)]:
        X = np.array([[0.0, scale], [0.0, 2 * scale]])
        res = additive_evasion_attack(clf, sp.csr_matrix(X) if sparse else X,
                                      budget=40 * step, step=step, upper=upper,
                                      features=[0], method=method)
        X_adv = res.X_adv_.toarray() if sparse else res.X_adv_
        assert np.all(X_adv[:, 0] <= upper), X_adv
        assert np.all(X_adv[:, 0] > 0)  # it did move, up to the bound
        assert not res.success_.any()


@pytest.mark.parametrize("method", ["greedy", "gradient"])
@pytest.mark.parametrize("container", ["array", "sparse", "frame", "nullable"])
def test_attack_stops_integer_features_at_their_dtype_maximum(method, container):
    # Before: uint8 byte counts near 255 were raised past it and wrapped around in
    # X_adv_ (247 + 16 -> 7), while success_ was judged on the unwrapped values:
    # rows reported evaded were still flagged on X_adv_.
    import pandas as pd
    rng = np.random.RandomState(0)
    X = rng.randint(200, 256, size=(200, 2)).astype(np.uint8)
    y = (X[:, 0].astype(int) + 30 > X[:, 1]).astype(int)
    X_in = {"array": X, "sparse": sp.csr_matrix(X),
            "frame": pd.DataFrame({"a": X[:, 0].astype(float), "b": X[:, 1]}),
            "nullable": pd.DataFrame({"a": pd.array(X[:, 0], dtype="UInt8"),
                                      "b": pd.array(X[:, 1], dtype="UInt8")})}[container]
    clf = LogisticRegression().fit(X_in, y)
    res = additive_evasion_attack(clf, X_in, budget=80, features=[1], method=method)
    X_adv = res.X_adv_
    dense = np.asarray(X_adv.toarray() if sp.issparse(X_adv) else X_adv, dtype=float)
    assert np.all(dense >= X)  # nothing wrapped around
    assert dense.max() <= 255
    assert res.attacked_.sum() > 0
    np.testing.assert_array_equal(clf.predict(X_adv)[res.success_], 0)


@pytest.mark.parametrize("method", ["greedy", "gradient"])
@pytest.mark.parametrize("sparse", [False, True])
def test_attack_result_describes_the_returned_x_adv(method, sparse):
    # Before: the search raised its copy one step at a time and judged success_
    # there, while X_adv_ was rebuilt as X + n_steps * step in one addition, and
    # margin_after_ scored on it; the two round differently: ((1 + 0.1) + 0.1) +
    # 0.1 == 1.3000000000000003, 1 + 0.3 == 1.3. At a boundary between them
    # success_ was True while predict(X_adv_) was still the target class and
    # margin_after_ > 0. A sparse X was raised the second way: dense and sparse
    # X_adv_ differed.
    boundary = ((1.0 + 0.1) + 0.1) + 0.1
    X = np.array([[1.0], [0.0], [2.0]])
    clf = LogisticRegression().fit(X, [1, 1, 0])
    clf.coef_[:] = [[-1.0]]
    clf.intercept_[:] = [boundary]  # decision function: boundary - x
    X_in = sp.csr_matrix(X[:1]) if sparse else X[:1]
    res = additive_evasion_attack(clf, X_in, budget=0.1 + 0.2, step=0.1,
                                  method=method)
    X_adv = res.X_adv_.toarray() if sparse else res.X_adv_
    assert X_adv[0, 0] == boundary and res.n_steps_.tolist() == [3]
    assert res.success_.tolist() == [True]
    np.testing.assert_array_equal(clf.predict(res.X_adv_), [0])
    np.testing.assert_array_equal(res.margin_after_, clf.decision_function(X_adv))
    assert res.margin_after_[0] == 0.0
    np.testing.assert_array_equal(res.cost_, [boundary - 1.0])


@pytest.mark.parametrize("method", ["greedy", "gradient"])
@pytest.mark.parametrize("sparse", [False, True])
def test_attack_never_makes_a_step_that_rounding_absorbs(method, sparse):
    # A step of 1 on values of 1e17 (a unit in the last place of 16) leaves them
    # as they are. Before: the gradient search made such steps (their first-order
    # change stays negative) until the budget ran out, counting each in cost_:
    # cost_ was the whole budget while X_adv_ == X, and the run time grew with the
    # budget (22 s at budget 1e5 for 3 rows), never trying the feature that could
    # evade.
    rng = np.random.RandomState(0)
    X = rng.poisson(1.0, size=(80, 3)).astype(float)
    clf = LogisticRegression().fit(X, (X[:, 0] - X[:, 1] > 0).astype(int))
    clf.coef_[:] = [[1e-16, -1e-16, 0.0]]
    clf.intercept_[:] = 0.0
    Xb = np.zeros((3, 3))
    Xb[:, 0], Xb[:, 1] = 1e17, 1e17 - 64  # a margin of 6.4e-15, flagged
    X_in = sp.csr_matrix(Xb) if sparse else Xb
    with pytest.warns(UserWarning, match="3 of the 3 attacked samples were not "
                                         "evaded .* too small to change"):
        res = additive_evasion_attack(clf, X_in, budget=1e4, method=method)
    X_adv = res.X_adv_.toarray() if sparse else res.X_adv_
    assert res.attacked_.all() and not res.success_.any()
    np.testing.assert_array_equal(X_adv, Xb)
    np.testing.assert_array_equal(res.cost_, 0.0)
    np.testing.assert_array_equal(res.n_steps_, 0)
    # A feature that a step does change is raised instead, and evades.
    clf.coef_[:] = [[1e-16, -1e-16, -1e-17]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = additive_evasion_attack(clf, X_in, budget=1e4, method=method)
    X_adv = res.X_adv_.toarray() if sparse else res.X_adv_
    assert res.success_.all()
    np.testing.assert_array_equal(X_adv[:, :2], Xb[:, :2])
    np.testing.assert_array_equal(res.cost_, X_adv[:, 2])
    np.testing.assert_array_equal(res.n_steps_, X_adv[:, 2])
    np.testing.assert_array_equal(clf.predict(res.X_adv_), 0)


def _scored_rows(clf, Xd, sparse=False, **kwargs):
    """The rows of ``Xd`` on which ``clf``'s scores are numbers. Where its
    decision function is NaN on some (inf - inf, on values near 1.8e308 of
    coefficients of both signs), the attack refuses ``Xd``, naming them (before:
    those rows were "not attacked", by predict's reading of NaN as class 0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        scores = clf.decision_function(Xd)
    nan = np.isnan(scores.reshape(Xd.shape[0], -1)).any(axis=1)
    if nan.any():
        with warnings.catch_warnings():
            _only_our_overflows_fail()
            with pytest.raises(ValueError, match=rf"not finite \(NaN\) on "
                               rf"{nan.sum()} of the {Xd.shape[0]} rows of X"):
                additive_evasion_attack(clf, sp.csr_matrix(Xd) if sparse else Xd,
                                        **kwargs)
    return Xd[~nan]


def _only_our_overflows_fail():
    """Warnings as errors, but for the RuntimeWarnings of scikit-learn's own models
    on values near 1.8e308: LogisticRegression's decision_function, and the sum
    of X by which check_array looks for infinities (np.sum, in NumPy's
    fromnumeric; the attack sums only booleans through it)."""
    warnings.simplefilter("error")
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"sklearn\.")
    warnings.filterwarnings("ignore", category=RuntimeWarning,
                            module=r"numpy\.(_core|core)\.fromnumeric")


@pytest.mark.parametrize("method", ["greedy", "gradient"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("model", ["binary", "multiclass", "pipeline"])
def test_attack_never_makes_a_move_past_the_largest_float(method, sparse, model):
    # Before: a step of 1e308 leaked NumPy's overflow warnings (the first-order
    # change grad * step, x + step in the checks, the multiclass margin), and a
    # value of 1.5e308 raised by it became inf in the rows given to the model:
    # "Input X contains infinity" about the caller's finite X. Now such a move
    # is not allowed, as one past upper.
    rng = np.random.RandomState(0)
    X = rng.poisson(1.0, size=(30, 4)).astype(float)
    y = ((X[:, 0] - X[:, 1] > 0).astype(int) if model != "multiclass"
         else np.arange(30) % 3)
    clf = (make_pipeline(MaxAbsScaler(), LogisticRegression()) if model == "pipeline"
           else LogisticRegression()).fit(X, y)
    kwargs = dict(budget=1e308, step=1e308, method=method,
                  target_class=1 if model == "multiclass" else None)
    for Xd in (X, np.where(X > 0, 1.5e308, 0.0), np.where(X > 0, -1.5e308, 0.0)):
        Xd = _scored_rows(clf, Xd, sparse, **kwargs)
        X_in = sp.csr_matrix(Xd) if sparse else Xd
        with warnings.catch_warnings():
            _only_our_overflows_fail()
            res = additive_evasion_attack(clf, X_in, **kwargs)
        X_adv = res.X_adv_.toarray() if sparse else res.X_adv_
        assert res.attacked_.any() and res.n_steps_.any()
        assert np.isfinite(X_adv).all() and (X_adv >= Xd).all()
        assert (res.cost_ <= 1e308).all()
        # A value of 1.5e308 is never raised.
        np.testing.assert_array_equal(X_adv[Xd == 1.5e308], 1.5e308)
        if Xd is X:
            assert res.success_rate_ == 1.0
    if model == "multiclass":
        return
    # No allowed feature of any attacked row can take a step: refused, naming step.
    X_top = X.copy()
    X_top[:, 0] = 1.5e308  # rows flagged as class 1 (x0 - x1 > 0)
    with warnings.catch_warnings():
        _only_our_overflows_fail()
        with pytest.raises(ValueError, match=r"step=1e\+308 raises every allowed "
                                             r"feature .* past the largest float64"):
            additive_evasion_attack(clf, sp.csr_matrix(X_top) if sparse else X_top,
                                    features=[0], **kwargs)


@pytest.mark.parametrize("method", ["greedy", "gradient"])
def test_network_scores_of_moves_near_the_float_range_do_not_warn(method):
    # The attack computes an MLPClassifier's logits and input gradient itself:
    # before, its hidden sums of a row raised by 1e308 overflowed with NumPy's
    # warning. They are +-inf, as in the model's own forward pass, which a
    # sigmoid reads as its limit.
    rng = np.random.RandomState(0)
    X = rng.poisson(1.0, size=(60, 4)).astype(float)
    mlp = MLPClassifier(hidden_layer_sizes=(5,), activation="logistic",
                        max_iter=500, random_state=0)
    mlp.fit(X, (X[:, 0] - X[:, 1] > 0).astype(int))
    mlp.coefs_[0] *= 10
    with warnings.catch_warnings():
        _only_our_overflows_fail()
        res = additive_evasion_attack(mlp, X, budget=1e308, step=1e308,
                                      method=method)
    assert res.attacked_.any() and res.success_rate_ == 1.0
    assert np.isfinite(res.X_adv_).all()
    with np.errstate(over="ignore"):  # MLPClassifier's own sums
        np.testing.assert_array_equal(mlp.predict(res.X_adv_)[res.attacked_], 0)


def test_attack_settings_near_the_float_range_do_not_warn():
    # Before, each leaked a NumPy RuntimeWarning from sknonneg: NumPy scalars for
    # budget and step (budget / step, budget * 2), an infinite budget whose room
    # under upper spans more than 1.8e308 (bound - x; its count of inf was then
    # refused as more than 1e9 steps), and a sparse X whose implicit zeros have
    # inf steps of room (inf - inf: "cannot convert float NaN to integer").
    rng = np.random.RandomState(0)
    X = rng.poisson(1.0, size=(30, 4)).astype(float)
    clf = LogisticRegression().fit(X, (X[:, 0] - X[:, 1] > 0).astype(int))
    with warnings.catch_warnings():
        _only_our_overflows_fail()
        res = additive_evasion_attack(clf, X, budget=np.float64(1e308),
                                      step=np.float64(1e308))
        assert res.success_rate_ == 1.0
        with pytest.raises(ValueError, match=r"budget / step = inf moves"):
            additive_evasion_attack(clf, X, budget=np.float64(1e308),
                                    step=np.float64(1e-10))
        negative = _scored_rows(clf, np.where(X > 0, -1.5e308, 0.0),
                                budget=np.inf, step=1e308, upper=1.5e308)
        for X_in in (negative, sp.csr_matrix(negative)):
            res = additive_evasion_attack(clf, X_in, budget=np.inf, step=1e308,
                                          upper=1.5e308)
            assert res.success_rate_ == 1.0 and res.n_steps_.max() <= 3
            # A cost beyond the float64 range (2e308) is inf.
            assert np.isinf(res.cost_).any()
            X_adv = res.X_adv_.toarray() if sp.issparse(X_in) else res.X_adv_
            assert np.isfinite(X_adv).all() and (X_adv <= 1.5e308).all()
        # Each count of steps of 1.0 is finite (1e308), their sum inf: before,
        # NumPy's "overflow encountered in reduce" warning came first.
        for X_in in (X, sp.csr_matrix(X)):
            for step in (1e-10, 1.0):
                with pytest.raises(ValueError, match=rf"up to inf steps of {step!r}"):
                    additive_evasion_attack(clf, X_in, budget=np.inf, step=step,
                                            upper=1e308)


@pytest.mark.parametrize("method", ["greedy", "gradient"])
def test_attack_skips_moves_whose_scaled_value_overflows(method):
    # Behind a MinMaxScaler of scale above 1, feature 0 raised by 1.7e308 scales
    # to inf. Before: of zero coefficient, its first-order change was
    # 0 * inf = NaN ("invalid value" warned from sknonneg), which the gradient
    # method's argmin took as the best move: 0% success, where features=[1]
    # evaded every row; of a negative one, the move was made and the model
    # refused the row ("Input X contains infinity"). Now such a move is not
    # allowed, as one past the largest float.
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 3))
    X[:, 0] *= 0.5
    clf = make_pipeline(MinMaxScaler(), LogisticRegression())
    clf.fit(X, (X[:, 1] < 0.5).astype(int))
    assert clf[0].scale_[0] > 1
    for coef in (0.0, -1e-3):
        clf[-1].coef_[0, 0] = coef
        for x0 in (0.1, -0.85e308):
            Xa = X.copy()
            Xa[:, 0] = x0
            with warnings.catch_warnings():
                _only_our_overflows_fail()
                res = additive_evasion_attack(clf, Xa, budget=1.7e308,
                                              step=1.7e308, method=method)
            assert res.attacked_.any() and res.success_rate_ == 1.0
            np.testing.assert_array_equal(res.X_adv_[:, 0], x0)


def _ours_only(caught):
    """The warnings of ``caught``, all of them additive_evasion_attack's
    UserWarnings (no NumPy RuntimeWarning, from sknonneg or from the model)."""
    assert [w for w in caught if not (w.category is UserWarning and str(
        w.message).startswith("additive_evasion_attack:"))] == []
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("method", ["greedy", "gradient"])
def test_moves_that_drive_relu_units_to_inf_are_not_allowed(method):
    # A relu MLPClassifier's hidden units raised by 1.7e308 overflow to inf, and
    # the next layer sums inf - inf. Before: "invalid value encountered in
    # matmul" leaked from the attack's copy of the network (then, from the
    # model's own predict), the greedy search took the NaN score for the best
    # move and stopped (0% success), and the gradient search made the moves
    # (NaN margins). Now a move whose outcome is not finite is not allowed, as
    # one past the largest float.
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 4))
    mlp = MLPClassifier(hidden_layer_sizes=(8, 8), activation="relu",
                        max_iter=2000, random_state=0)
    mlp.fit(X, (X[:, 0] > X[:, 1]).astype(int))
    for step in (1.7e308, 1e308):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = additive_evasion_attack(mlp, X, budget=step, step=step,
                                          method=method)
        messages = _ours_only(caught)
        assert all("not allowed: their outcome is not finite" in m
                   for m in messages)
        assert res.attacked_.any() and res.success_rate_ > 0.9
        assert np.isfinite(res.X_adv_).all()
        attacked = res.attacked_
        assert np.isfinite(res.margin_after_[attacked]).all()
        n_failed = int(np.sum(attacked & ~res.success_))
        assert (f"{n_failed} of the" in messages[0]) if n_failed else not messages
        with np.errstate(all="raise"):  # the model's own forward pass
            proba = mlp.predict_proba(res.X_adv_)
        assert np.isfinite(proba).all()


@pytest.mark.parametrize("method", ["greedy", "gradient"])
@pytest.mark.parametrize("dtype, step", [("float64", 1e307), ("float64", 1e306),
                                         ("float32", 1e37)])
def test_moves_the_network_would_refuse_are_not_allowed(method, dtype, step):
    # Before: the network's range check refused the attack's raised copy,
    # "Input X has values too large for the fitted network" (in float32, for
    # values above its range, "Input X contains values too large for
    # dtype=float32"), about rows the caller never passed. Now such a move is
    # not allowed: the model is never called on it, and a UserWarning says how
    # many failures stopped there.
    X, y = _counts()
    X /= X.max()
    clf = _net(positive="hidden", dtype=dtype).fit(X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = additive_evasion_attack(clf, X, budget=10 * step, step=step,
                                      method=method)
    messages = _ours_only(caught)
    n_failed = int(np.sum(res.attacked_ & ~res.success_))
    assert res.attacked_.any() and n_failed
    # The failures that stopped where such a move was ruled out (the gradient
    # search also stops rows that no move would lower).
    assert len(messages) == 1
    n_warned = int(messages[0].split()[1])
    assert 0 < n_warned <= n_failed
    assert f"{n_warned} of the {int(res.attacked_.sum())} attacked" in messages[0]
    assert "refuses them as values too large for the fitted network" in messages[0]
    # Every row of X_adv_ is one the model takes.
    np.testing.assert_array_equal(clf.predict(res.X_adv_)[res.attacked_] != 1,
                                  res.success_[res.attacked_])
    # Within the range nothing changes: no warning, the same search as before.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small = additive_evasion_attack(clf, X, budget=3.0, step=1.0,
                                        method=method)
    assert small.success_rate_ > 0


@pytest.mark.parametrize("container", ["array", "sparse", "frame"])
def test_integers_that_float64_does_not_hold_are_refused(container):
    # The attack raises and scores in float64 and casts integers back. Before: an
    # int64 value of 2**60 + 1 came back as 2**60 in X_adv_ (lowered, though
    # features never decrease), and cost_ was not the increase of X_adv_.
    import pandas as pd

    X = np.array([[2 ** 60 + 1, 0], [0, 0], [5, 0]], dtype=np.int64)
    clf = LogisticRegression().fit(X / 1e18, [1, 0, 1])
    clf.coef_[:] = [[1e-18, -1.0]]
    clf.intercept_[:] = [0.5]
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1].astype(float)})
    X_in = {"array": X, "sparse": sp.csr_matrix(X), "frame": frame}[container]
    with pytest.raises(ValueError, match=r"reach a magnitude of "
                                         r"1152921504606846980 \(raised by the "
                                         r"budget, 3\), above 2\*\*53"):
        additive_evasion_attack(clf, X_in, budget=3)
    # 2**53 - 3 raised by the budget of 3 is still exact, and a fractional step
    # returns float64.
    X[0, 0] = 2 ** 53 - 3
    res = additive_evasion_attack(clf, X, budget=3)
    assert np.all(res.X_adv_ >= X) and res.X_adv_[0, 0] == 2 ** 53 - 3
    np.testing.assert_array_equal(res.cost_, (res.X_adv_ - X).sum(axis=1))
    X[0, 0] = 2 ** 60 + 1
    assert additive_evasion_attack(clf, X, budget=3, step=0.5).X_adv_.dtype == float


def test_cost_is_the_increase_of_x_adv(unconstrained, data):
    # cost_ is the L1 norm of X_adv_ - X, not n_steps_ * step; the success rate at
    # a smaller budget counts steps as the search does.
    X, _ = data
    X = X + 0.3  # values at which steps of 0.1 round
    for method in ("greedy", "gradient"):
        res = additive_evasion_attack(unconstrained, X, budget=2, step=0.1,
                                      method=method)
        assert res.success_rate_ > 0
        np.testing.assert_array_equal(res.cost_, (res.X_adv_ - X).sum(axis=1))
        np.testing.assert_allclose(res.cost_, res.n_steps_ * 0.1, rtol=1e-12)
        assert not np.array_equal(res.cost_, res.n_steps_ * 0.1)
        small = additive_evasion_attack(unconstrained, X, budget=1, step=0.1,
                                        method=method)
        assert res.success_rate_at(1) == small.success_rate_


def test_success_rate_at_matches_a_run_at_the_smaller_budget(unconstrained, data):
    X, _ = data
    big = additive_evasion_attack(unconstrained, X, budget=5)
    small = additive_evasion_attack(unconstrained, X, budget=2)
    assert big.success_rate_at(2) == pytest.approx(small.success_rate_)
    rates = [big.success_rate_at(b) for b in (1, 2, 5)]
    assert rates == sorted(rates) and rates[-1] == pytest.approx(big.success_rate_)
    with pytest.raises(ValueError, match=r"range \[0, 5\] \(the attack's budget\)\. Got 6 instead"):
        big.success_rate_at(6)


def test_greedy_attack_on_a_black_box_prunes_candidates(data):
    X, y = data
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    res = additive_evasion_attack(tree, X, budget=3, max_candidates=3)
    assert res.success_rate_ > 0.3
    # Round 1 scores all 8 features, later rounds the best 3 of them.
    assert res.n_queries_ <= X.shape[0] + res.attacked_.sum() * (8 + 2 * 3)
    with pytest.raises(ValueError, match="input gradient"):
        additive_evasion_attack(tree, X, budget=3, method="gradient")


def test_attack_multiclass_needs_target_class(data):
    X, _ = data
    y3 = np.argmax(X[:, :3], axis=1)
    lr = LogisticRegression().fit(X, y3)
    with pytest.raises(ValueError, match="target_class is required"):
        additive_evasion_attack(lr, X, budget=2)
    res = additive_evasion_attack(lr, X, budget=3, target_class=2, method="gradient")
    assert res.success_rate_ > 0.5


@pytest.mark.parametrize("kwargs, match", [
    ({"budget": 0}, "'budget' parameter of additive_evasion_attack must be a float in the range "
                   r"\(0, inf\)"),
    ({"budget": 2, "step": -1}, "'step' parameter of additive_evasion_attack must be a float in the range"),
    ({"budget": 2, "method": "pgd"}, "The 'method' parameter of additive_evasion_attack"),
    ({"budget": 2, "features": [0, 99]}, "'features' parameter of additive_evasion_attack must be feature indices"),
    ({"budget": 2, "features": ["a"]}, "feature names"),
    ({"budget": 2, "target_class": 5}, "'target_class' parameter of additive_evasion_attack must be one of the "
                                       "classes"),
])
def test_attack_bad_arguments(certified, data, kwargs, match):
    X, _ = data
    with pytest.raises(ValueError, match=match):
        additive_evasion_attack(certified, X, **kwargs)


def test_attack_wrong_number_of_features(certified, data):
    X, _ = data
    with pytest.raises(ValueError, match="expecting 8 features"):
        additive_evasion_attack(certified, X[:, :5], budget=1)


def test_clone_of_attacked_model_is_unaffected(certified, data):
    X, y = data
    before = clone(certified).get_params()
    additive_evasion_attack(certified, X, budget=2)
    assert clone(certified).get_params() == before


def test_attack_against_a_tuned_threshold(unconstrained, data):
    X, _ = data
    scores = unconstrained.decision_function(X)
    tau = float(np.quantile(scores, 0.7))
    res = additive_evasion_attack(unconstrained, X, budget=4, threshold=tau)
    np.testing.assert_array_equal(res.attacked_, scores >= tau)
    after = unconstrained.decision_function(res.X_adv_)
    np.testing.assert_array_equal(res.success_, res.attacked_ & (after < tau))
    assert res.success_rate_ > 0


def test_multilabel_models_are_refused(data):
    X, y = data
    Y = np.column_stack([y, 1 - y])
    clf = _net(hidden_layer_sizes=3, max_iter=5).fit(X, Y)
    with pytest.raises(ValueError, match="multilabel"):
        additive_evasion_attack(clf, X, budget=1)
    with pytest.raises(ValueError, match="2 labels \\(multilabel\\)"):
        monotone_certificate(clf)


# ------------------------------------------------------------------ regressors
def test_certificate_of_a_monotone_regressor_holds_on_random_probes():
    """monotonic_cst on NonNegMLPRegressor is certified from its weights (before: a
    ValueError, "needs a binary classifier"), through a ColumnTransformer with
    ramps, for every output of a multi-output target; the computed predictions
    obey it (fixed-order sums)."""
    from sknonneg import NonNegMLPRegressor

    X, _ = _credit_frame(3)
    rng = np.random.RandomState(3)
    y = np.column_stack([X.late + np.log(X.income), 2 * X.late - X.debts])
    names = RampTransformer(n_knots=3).fit(X[["late", "debts"]]).get_feature_names_out()
    cst = {f"num__{n}": (1 if n.startswith("late") else -1) for n in names}
    pipe = _credit_pipeline(NonNegMLPRegressor(
        hidden_layer_sizes=(5,), monotonic_cst=cst, max_iter=30, random_state=0),
        remainder="passthrough").fit(X, y)
    cert = monotone_certificate(pipe)
    assert cert.classes_ is None and cert.positive_class_ is None
    assert "features certified for the prediction" in repr(cert)
    # The non-increasing one is counted too (before: only the non-decreasing).
    assert repr(cert).endswith(", 1 certified non-increasing)")
    np.testing.assert_array_equal(cert.feature_signs_[:2], [1, -1])
    assert cert.feature_signs_[3] == 0  # job: one-hot codes
    np.testing.assert_array_equal(cert.certified_for(), cert.certified_features_)
    with pytest.raises(ValueError, match="The 'target_class' parameter of "
                       r"MonotoneCertificate.certified_for must be None \(a "
                       r"regressor's certificate is about its prediction\)\. Got 1"):
        cert.certified_for(1)
    rows = X.sample(60, random_state=0)
    base = pipe.predict(rows)
    for j, name in enumerate(["late", "debts", "income"]):
        moved = rows.copy()
        moved[name] += rng.exponential(2.0, len(rows))
        change = pipe.predict(moved) - base
        if cert.feature_signs_[j] == 1:
            assert change.min() >= 0.0, name
        elif cert.feature_signs_[j] == -1:
            assert change.max() <= 0.0, name


def test_certificate_of_sklearn_regressors():
    from sklearn.linear_model import Ridge
    from sklearn.neural_network import MLPRegressor

    X, _ = _counts()
    y = X[:, 0] - X[:, 1]
    ridge = make_pipeline(StandardScaler(), Ridge()).fit(X, y)
    np.testing.assert_array_equal(monotone_certificate(ridge).feature_signs_,
                                  np.where(ridge[-1].coef_ >= 0, 1, -1))
    # Two targets of opposite signs: no feature keeps one direction for both.
    both = Ridge().fit(X, np.column_stack([y, -y]))
    assert not monotone_certificate(both).certified_features_[:2].any()
    free = MLPRegressor(hidden_layer_sizes=(20,), max_iter=50, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="is not certified: the weights of layer 2"):
        monotone_certificate(free)


def test_certificate_of_a_search_points_to_its_best_estimator(data):
    from sklearn.model_selection import GridSearchCV

    X, y = data
    search = GridSearchCV(_net(), {"l2": [1e-4, 1e-3]}, cv=2).fit(X, y)
    with pytest.raises(TypeError, match=r"certify GridSearchCV\.best_estimator_"):
        monotone_certificate(search)
    assert monotone_certificate(search.best_estimator_).all_certified_


def test_certificate_of_a_regressor_it_does_not_read_says_so():
    # Before: "needs a binary classifier or a regressor it reads; GridSearchCV has
    # no classes_" for a search over a regressor, a TransformedTargetRegressor or a
    # forest: a message about classes, for a regressor.
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.model_selection import GridSearchCV

    rng = np.random.RandomState(0)
    X = rng.rand(40, 3)
    y = X[:, 0] - X[:, 1]
    reg = NonNegMLPRegressor(monotonic_cst=[1, -1, 0], hidden_layer_sizes=(3,),
                             max_iter=5, random_state=0)
    for model, match in [
            (GridSearchCV(reg, {"l2": [1e-5]}, cv=2), r"certify GridSearchCV\.best_"),
            (TransformedTargetRegressor(reg), "TransformedTargetRegressor cannot be "
                                              "certified"),
            (RandomForestRegressor(n_estimators=2, random_state=0),
             "cannot be certified")]:
        with pytest.raises(TypeError, match=match):
            monotone_certificate(model.fit(X, y))


def _income_debt_frame():
    import pandas as pd

    rng = np.random.RandomState(0)
    df = pd.DataFrame({"income": rng.rand(300) * 100, "debt": rng.rand(300) * 50,
                       "age": rng.randint(18, 80, 300)})
    y = ((df.income - df.debt + rng.randn(300) * 10) > 20).astype(int)
    return df, y


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("method", ["greedy", "gradient"])
def test_attack_on_a_dataframe_pipeline_that_selects_by_name(method):
    # Before: the attack called the model on a NumPy copy of X, and a
    # ColumnTransformer selecting columns by name failed ("Specifying the columns
    # using strings is only supported for dataframes").
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    df, y = _income_debt_frame()
    net = NonNegMLPClassifier(8, output="logistic", positive=False, max_iter=100,
                              random_state=0)
    by_name = Pipeline([("pre", ColumnTransformer(
        [("num", StandardScaler(), ["income", "debt", "age"])])),
        ("net", clone(net))]).fit(df, y)
    plain = make_pipeline(StandardScaler(), clone(net)).fit(df.to_numpy(), y)
    got = additive_evasion_attack(by_name, df.iloc[:50], budget=50, step=5.0,
                                  features=["debt"], method=method)
    ref = additive_evasion_attack(plain, df.to_numpy()[:50], budget=50, step=5.0,
                                  features=[1], method=method)
    assert got.success_rate_ > 0.3
    np.testing.assert_array_equal(got.success_, ref.success_)
    np.testing.assert_allclose(got.X_adv_.to_numpy(), ref.X_adv_)
    assert list(got.X_adv_.columns) == list(df.columns)
    assert got.X_adv_.index.equals(df.index[:50])
    # The model predicts what the attack reports on the DataFrame it returns.
    flipped = by_name.predict(got.X_adv_)[got.success_] != 1
    assert flipped.all()


def test_attack_keeps_integer_columns_and_refuses_text_columns():
    df, y = _income_debt_frame()
    model = make_pipeline(StandardScaler(), NonNegMLPClassifier(
        4, output="logistic", positive=False, max_iter=30, random_state=0)).fit(df, y)
    res = additive_evasion_attack(model, df.iloc[:20], budget=4, step=2.0)
    assert res.X_adv_.dtypes.equals(df.dtypes)  # age stays int64
    with pytest.raises(ValueError, match=r"non-numeric columns \['city'\]"):
        additive_evasion_attack(model, df.iloc[:20].assign(city="a"), budget=2)


def test_attack_takes_numbers_held_as_objects_as_the_model_does():
    # Before: "X must be numeric, got dtype object" for an object array of
    # numbers, and "non-numeric columns ['debt']" for a DataFrame's object column
    # of numbers, although the model's validate_data takes both (as float64).
    import pandas as pd

    df, y = _income_debt_frame()
    model = LogisticRegression().fit(df, y)
    X = df.to_numpy(dtype=np.float64)
    on_array = LogisticRegression().fit(X, y)
    plain = additive_evasion_attack(on_array, X[:40], budget=30, step=2.0)
    held = additive_evasion_attack(on_array, X[:40].astype(object), budget=30,
                                   step=2.0)
    assert held.X_adv_.dtype == np.float64
    np.testing.assert_array_equal(held.X_adv_, plain.X_adv_)
    np.testing.assert_array_equal(held.success_, plain.success_)
    frame = df.iloc[:40].astype({"debt": object})
    assert model.predict(frame).shape == (40,)  # the model takes it
    got = additive_evasion_attack(model, frame, budget=30, step=2.0)
    want = additive_evasion_attack(model, df.iloc[:40], budget=30, step=2.0)
    assert got.X_adv_.dtypes.to_dict() == {"income": np.float64,
                                           "debt": np.float64, "age": np.int64}
    pd.testing.assert_frame_equal(got.X_adv_, want.X_adv_)
    # Strings are still refused, in scikit-learn's words for an array.
    with pytest.raises(ValueError, match="could not convert string to float"):
        additive_evasion_attack(on_array, np.full((3, 3), "a", dtype=object),
                                budget=2)
    with pytest.raises(ValueError, match=r"non-numeric columns \['debt'\]"):
        additive_evasion_attack(model, frame.assign(debt="a"), budget=2)


def _negated_input_model():
    """A fitted Pipeline whose first step, np.negative, the certificate refuses."""
    rng = np.random.RandomState(0)
    X = rng.rand(40, 3)
    y = (X[:, 0] > 0.5).astype(int)
    return make_pipeline(FunctionTransformer(np.negative),
                         LogisticRegression()).fit(X, y)


def test_a_refused_step_raises_a_public_exception():
    # Before: sknonneg._pipeline._NotMonotone, a private class, in tracebacks.
    import sknonneg.exceptions

    model = _negated_input_model()
    with pytest.raises(ValueError, match="does not keep a monotone") as info:
        monotone_certificate(model)
    error = info.value
    assert type(error).__module__ == "sknonneg.exceptions"
    assert type(error) is getattr(sknonneg.exceptions, type(error).__name__)
    assert type(error).__name__ in sknonneg.exceptions.__all__
    assert not type(error).__name__.startswith("_")
    assert type(error) is sknonneg.NonMonotoneStepError  # as the warnings are
    assert error.step is model[0]
    assert "is not a known non-decreasing ufunc" in error.reason


def test_the_refused_step_error_survives_pickling_and_copying():
    # Before: NonMonotoneStepError("message", step, reason) could not be rebuilt
    # from its args alone (message): pickle.loads and copy.copy raised "__init__()
    # missing 2 required positional arguments: 'step' and 'reason'", so a refusal
    # raised in a joblib or Dask worker reached the caller as that TypeError.
    import copy
    import pickle

    from joblib import Parallel, delayed

    import sknonneg

    model = _negated_input_model()
    with pytest.raises(sknonneg.NonMonotoneStepError) as info:
        monotone_certificate(model)
    error = info.value
    notes = hasattr(error, "add_note")  # Python >= 3.11
    if notes:
        error.add_note("raised in a worker")
    for again in (pickle.loads(pickle.dumps(error)), copy.copy(error),
                  copy.deepcopy(error)):
        assert type(again) is sknonneg.NonMonotoneStepError
        assert str(again) == str(error) and again.args == error.args
        assert again.reason == error.reason and again.name == error.name
        assert type(again.step) is FunctionTransformer
        if notes:
            assert again.__notes__ == ["raised in a worker"]
    with pytest.raises(sknonneg.NonMonotoneStepError, match="does not keep"):
        Parallel(n_jobs=2, backend="loky")(
            delayed(monotone_certificate)(m) for m in [model, model])


def test_certificate_names_a_multilabel_model():
    # Before: "has 3 classes" (labels are not classes; with two labels, "has 2
    # outputs", test_multilabel_models_are_refused).
    n_labels = 3
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    Y = (X[:, :n_labels] > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = NonNegMLPClassifier(3, positive=True, max_iter=5, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match=f"fitted to {n_labels} labels \\(multilabel\\)"
                                         ".*check_monotonic audits each label"):
        monotone_certificate(clf)


def test_linear_wrappers_without_coef_are_refused_as_such(data):
    # Before: RANSACRegressor (module sklearn.linear_model, no coef_) was read as
    # a linear model and reported "not fitted yet" although fitted.
    from sklearn.linear_model import RANSACRegressor

    X, _ = data
    with pytest.raises(TypeError, match="RANSACRegressor cannot be certified"):
        monotone_certificate(RANSACRegressor(random_state=0).fit(X, X[:, 0]))


def test_certificate_names_classes_as_plain_values(certified, data):
    cert = monotone_certificate(certified)
    assert "np." not in repr(cert) and "class 1)" in repr(cert)
    with pytest.raises(ValueError, match=r"one of the classes \[0, 1\]\. Got 7 instead"):
        cert.certified_for(7)
    with pytest.raises(ValueError, match=r"one of the classes \[0, 1\]\. Got 7 instead"):
        additive_evasion_attack(certified, data[0], budget=1.0, target_class=7)


def test_negative_transformer_weight_is_not_certified():
    # Before: ColumnTransformer(transformer_weights={"b": -1}) was ignored; "debt",
    # read through it, was certified non-decreasing while P(1) fell from 0.99999
    # to 0.948 as it rose, and check_monotonic audited it in the wrong direction.
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sknonneg.inspection import check_monotonic

    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.randn(300, 2), columns=["income", "debt"])
    y = (X.income - X.debt + 0.3 * rng.randn(300) > 0).astype(int)
    for weight, certified in [(-1.0, [1, 0]), (2.0, [1, 1]), (0.5, [1, 1])]:
        pre = ColumnTransformer([("a", StandardScaler(), ["income"]),
                                 ("b", StandardScaler(), ["debt"])],
                                transformer_weights={"b": weight})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = make_pipeline(pre, NonNegMLPClassifier(
                (4,), monotonic_cst=[1, 1], max_iter=50, random_state=0)).fit(X, y)
        np.testing.assert_array_equal(monotone_certificate(model).feature_signs_,
                                      certified)
        if weight < 0:
            with pytest.raises(ValueError, match="cannot map the constraint"):
                check_monotonic(model, X.iloc[:20])
            # The model is decreasing in debt: an explicit audit finds no drop.
            report = check_monotonic(model, X.iloc[:20], monotonic_cst=[1, -1])
            assert np.all(report.max_drop == 0)


def test_quantile_transformer_maps_directions_but_is_not_certified():
    # Before: check_monotonic refused to map a constraint through a
    # QuantileTransformer ("the preprocessing does not keep it apart"), against the
    # user guide; the certificate refused it as an unknown map.
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import QuantileTransformer

    from sknonneg.inspection import check_monotonic

    rng = np.random.RandomState(0)
    X = rng.exponential(size=(200, 2))
    y = (X[:, 0] + 0.3 * rng.randn(200) > 1).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make_pipeline(QuantileTransformer(n_quantiles=100), NonNegMLPClassifier(
            (4,), monotonic_cst=[1, 0], max_iter=30, random_state=0)).fit(X, y)
    report = check_monotonic(model, X[:30])
    np.testing.assert_array_equal(report.features, [0])
    np.testing.assert_array_equal(report.directions, [1])
    assert report.max_drop[0] == 0
    with pytest.raises(ValueError, match="NumPy's interpolation"):
        monotone_certificate(model)


def test_evasion_upper_of_minus_inf_freezes_and_large_budgets_fit_in_memory():
    # Before: an upper of only +-inf was not read (caps were applied only when one
    # was finite), so -inf features were raised (success 1.0 against 0.0 with
    # the same cap written -1e300); and budget=1e9 allocated the move history of
    # rows x 1e9 moves up front (MemoryError, 715 GiB).
    from sklearn.linear_model import LogisticRegression

    rng = np.random.RandomState(0)
    X = rng.poisson(1.0, size=(300, 6)).astype(float)
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    clf = LogisticRegression().fit(X, y)
    up = np.array([np.inf, -np.inf, np.inf, np.inf, np.inf, np.inf])
    frozen = additive_evasion_attack(clf, X, budget=5, upper=up)
    finite = additive_evasion_attack(clf, X, budget=5, upper=np.where(up < 0, -1e300,
                                                                      np.inf))
    assert np.array_equal(frozen.X_adv_, finite.X_adv_)
    np.testing.assert_array_equal(frozen.X_adv_[:, 1], X[:, 1])
    huge = additive_evasion_attack(clf, X, budget=1e9)
    small = additive_evasion_attack(clf, X, budget=200)
    np.testing.assert_array_equal(huge.X_adv_, small.X_adv_)  # done long before 200
    assert huge.cost_.max() < 200


def test_success_rate_at_refuses_negative_and_nan_budgets():
    # Before: success_rate_at(-1) and success_rate_at(nan) returned 0.0.
    from sklearn.linear_model import LogisticRegression

    rng = np.random.RandomState(0)
    X = rng.poisson(1.0, size=(100, 4)).astype(float)
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    res = additive_evasion_attack(LogisticRegression().fit(X, y), X, budget=3)
    for bad in (-1, float("nan"), "a", True):
        with pytest.raises(ValueError, match=r"The 'budget' parameter of EvasionResult.success_rate_at must "
                                             r"be a float in the range \[0, 3\]"):
            res.success_rate_at(bad)
    assert res.success_rate_at(0) == 0.0


@pytest.mark.parametrize("vectorizer", ["count", "tfidf", "char"])
def test_attack_on_a_text_pipeline_says_what_to_attack(vectorizer):
    # Before: only a certifiable vectorizer got the message; a TfidfVectorizer or a
    # char analyzer failed inside scikit-learn ('csr_matrix' object has no
    # attribute 'lower'), and texts failed with 'Expected 2D array'.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["win money now", "cheap money win", "meeting at noon",
             "lunch at noon today"] * 10
    y = [1, 1, 0, 0] * 10
    vec = {"count": CountVectorizer(), "tfidf": TfidfVectorizer(),
           "char": CountVectorizer(analyzer="char")}[vectorizer]
    pipe = make_pipeline(vec, LogisticRegression()).fit(texts, y)
    for X in (texts, pipe[0].transform(texts)):
        with pytest.raises(ValueError, match=r"does not edit text.*pipeline\[1:\]"):
            additive_evasion_attack(pipe, X, budget=3)
    # What it says to do works.
    res = additive_evasion_attack(pipe[1:], pipe[0].transform(texts), budget=3)
    assert res.attacked_.sum() > 0
    # And the docstring says it before the error does (before, it said X was
    # "the counts of its vectorizer, attacked with the rest of the Pipeline",
    # which read as the whole text Pipeline with its counts: refused).
    doc = " ".join(additive_evasion_attack.__doc__.split())
    assert "pipeline[1:]" in doc and "attacked with the rest" not in doc


def test_attack_refuses_a_multilabel_model_first():
    # Before: "target_class is required for a model with 3 classes", and with a
    # target_class, "multilabel models are not supported".
    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    Y = (rng.rand(60, 3) < 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = NonNegMLPClassifier(3, max_iter=5, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match="multilabel models are not supported"):
        additive_evasion_attack(clf, X, budget=2)


def test_gradient_refusal_names_the_step_without_a_gradient():
    # Before: "... which NonNegMLPClassifier (or a step of its Pipeline) does not
    # give", for a Normalizer in front of a network that has one.
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer

    rng = np.random.RandomState(0)
    X = rng.rand(80, 4)
    y = (X[:, 0] > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = make_pipeline(Normalizer(), NonNegMLPClassifier(
            3, max_iter=20, random_state=0)).fit(X, y)
    with pytest.raises(ValueError, match=r"its Pipeline does not give.*'normalizer'"):
        additive_evasion_attack(pipe, X, budget=2, method="gradient")


def test_greedy_attack_warns_of_samples_stopped_where_no_move_changes_the_score():
    # Before: on a fully grown tree or a 1-nearest-neighbour model (probabilities of
    # exactly 0 or 1, a margin of +inf) the greedy search stopped every sample that
    # one move did not evade, silently: 53% and 26% evaded at budget 3 where a brute
    # force over the same budget evades 98%, failures that read as robustness.
    import re

    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.RandomState(0)
    X = rng.poisson(1.0, size=(300, 6)).astype(float)
    y = (X[:, 0] + X[:, 1] - X[:, 2] - X[:, 3] > 0).astype(int)
    for flat in (DecisionTreeClassifier(random_state=0), KNeighborsClassifier(1)):
        flat.fit(X, y)
        with pytest.warns(UserWarning, match=(
                r"(\d+) of the (\d+) attacked samples were not evaded because the "
                r"greedy search stopped where no candidate move changed the model's "
                r"score .*does not show robustness.*larger step")) as record:
            res = additive_evasion_attack(flat, X, budget=3)
        message = [str(w.message) for w in record if "greedy" in str(w.message)][0]
        n_flat, n_attacked = map(int, re.search(r"(\d+) of the (\d+)", message).groups())
        assert n_attacked == res.attacked_.sum()
        # Every failure here is such a stop (the margin is +inf throughout).
        assert n_flat == np.sum(res.attacked_ & ~res.success_) > 0
    # Graded scores: failures are not warned of, nor are those of a certified
    # network, whose samples stop where every move raises the score or, for its
    # features of zero weight, leaves it as it is.
    graded = [LogisticRegression().fit(X, y),
              _net(max_iter=50).fit(X, y)]
    for model in graded:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            res = additive_evasion_attack(model, X, budget=3)
        assert np.sum(res.attacked_ & ~res.success_) > 0
    # Nor where a certified network's candidates (the moves of least first-order
    # change) are all features of weight 0, which leave its score as it is
    # (before: every failure of the text example's certified network was warned of).
    Xw = rng.poisson(0.3, size=(300, 60)).astype(float)
    yw = (Xw[:, 0] + Xw[:, 1] - Xw[:, 2] - Xw[:, 3] > 0).astype(int)
    sparse_net = _net(positive=True, l1=1e-2, max_iter=60).fit(Xw, yw)
    assert np.sum(np.abs(sparse_net.coefs_[0]).max(axis=1) == 0) > 5
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        res = additive_evasion_attack(sparse_net, Xw, budget=3, max_candidates=5)
    assert res.attacked_.sum() > 0 and res.success_rate_ == 0
    # Only the greedy search scores moves; the gradient one never stops this way.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        additive_evasion_attack(graded[1], X, budget=3, method="gradient")


@pytest.mark.parametrize("container", ["array", "sparse", "frame", "nullable"])
def test_attack_stops_boolean_features_at_one_and_keeps_them_boolean(container):
    # Before: boolean X was raised like any float (a presence flag to 2.0) and
    # X_adv_ came back as float64: 30 of the 92 evasions needed a flag of 2.
    import pandas as pd
    rng = np.random.RandomState(0)
    X = rng.rand(300, 5) < 0.4
    y = (X[:, 0].astype(int) - X[:, 1] - X[:, 2] + X[:, 3] > 0).astype(int)
    X_in = {"array": X, "sparse": sp.csr_matrix(X),
            "frame": pd.DataFrame(X, columns=list("abcde")),
            "nullable": pd.DataFrame({c: pd.array(X[:, j], dtype="boolean")
                                      for j, c in enumerate("abcde")})}[container]
    clf = LogisticRegression().fit(X_in, y)
    res = additive_evasion_attack(clf, X_in, budget=3)
    X_adv = res.X_adv_
    if container in ("frame", "nullable"):
        assert X_adv.dtypes.equals(X_in.dtypes)
    else:
        assert X_adv.dtype == bool
    dense = np.asarray(X_adv.toarray() if sp.issparse(X_adv) else X_adv, dtype=float)
    assert dense.max() <= 1 and np.all(dense >= X)
    assert res.success_.sum() > 0
    np.testing.assert_array_equal(clf.predict(X_adv)[res.success_], 0)
    np.testing.assert_array_equal(clf.predict(X_adv)[res.attacked_ & ~res.success_],
                                  1)
    # A fractional step leaves floats, still at most 1.
    half = additive_evasion_attack(clf, X_in, budget=3, step=0.5)
    half_adv = half.X_adv_
    half_adv = np.asarray(half_adv.toarray() if sp.issparse(half_adv) else half_adv,
                          dtype=float)
    assert half_adv.max() <= 1 and np.any(half_adv == 0.5)


@pytest.mark.parametrize("layout", ["passthrough", "none", "nested", "nested_more"])
def test_text_pipeline_whose_vectorizer_is_not_steps_0(layout):
    # Before: the attack read steps[0] only, so a vectorizer after a "passthrough"
    # (or None) step or inside a nested Pipeline failed inside scikit-learn
    # ('csr_matrix' object has no attribute 'lower'), and monotone_certificate
    # refused one after "passthrough" ("a vectorizer must be the first step"),
    # while it certified the nested one.
    from sklearn.pipeline import Pipeline

    docs = ["buy cheap pills now", "meeting at noon", "cheap cheap offer",
            "lunch tomorrow", "win money now", "project update attached"] * 10
    y = np.array([1, 0, 1, 0, 1, 0] * 10)
    vec = ("vec", CountVectorizer())
    tfidf = ("tf", TfidfTransformer(norm=None, sublinear_tf=True))
    steps = {"passthrough": [("noop", "passthrough"), vec],
             "none": [("noop", None), ("skip", "passthrough"), vec],
             "nested": [("pre", Pipeline([("noop", "passthrough"), vec]))],
             "nested_more": [("pre", Pipeline([vec, ("noop", "passthrough"),
                                                 tfidf]))]}[layout]
    pipe = Pipeline(steps + [("clf", _net())]).fit(docs, y)
    cert = monotone_certificate(pipe)
    assert cert.all_certified_ and "cheap" in set(cert.feature_names_)
    # It holds: appending words never lowers the score.
    rng = np.random.RandomState(0)
    words = list(cert.feature_names_) + ["unseen"]
    before = pipe.predict_proba(docs[:6])[:, 1]
    for _ in range(20):
        added = [d + " " + " ".join(rng.choice(words, size=rng.randint(1, 6)))
                 for d in docs[:6]]
        assert np.all(pipe.predict_proba(added)[:, 1] >= before)
    n = len(steps)  # the outer steps up to the vectorizer
    if layout == "nested_more":
        match = r"does not edit text.*steps that follow its vectorizer 'pre__vec'"
    else:
        match = (rf"does not edit text.*pipeline\[{n}:\].*"
                 rf"pipeline\[:{n}\]\.transform\(texts\)")
    for X in (docs, pipe[:n].transform(docs)):
        with pytest.raises(ValueError, match=match):
            additive_evasion_attack(pipe, X, budget=2)
    if layout != "nested_more":  # what it says to do works
        res = additive_evasion_attack(pipe[n:], pipe[:n].transform(docs), budget=2)
        assert res.attacked_.sum() > 0 and res.success_rate_ == 0.0


def test_passthrough_between_counts_and_sublinear_tf_is_transparent():
    # A "passthrough" after the vectorizer changes nothing: sublinear_tf still reads
    # integer counts (accepted), or float32 ones (refused, as without it).
    from sklearn.pipeline import Pipeline

    docs = ["cheap pills now", "meeting at noon", "cheap cheap offer",
            "lunch at noon"] * 5
    y = np.array([1, 0, 1, 0] * 5)
    for dtype, ok in ((np.int64, True), (np.float32, False)):
        pipe = Pipeline([("vec", CountVectorizer(dtype=dtype)), ("noop", "passthrough"),
                         ("tf", TfidfTransformer(norm=None, sublinear_tf=True)),
                         ("clf", _net())]).fit(docs, y)
        if ok:
            assert monotone_certificate(pipe).all_certified_
        else:
            with pytest.raises(ValueError, match="sublinear_tf=True on float32"):
                monotone_certificate(pipe)


def test_certificate_of_an_mlpregressor_names_its_output_function():
    # Before: MLPRegressor(loss="poisson"), whose output is exp, was described as
    # "identity output" (certified rightly: exp is increasing).
    from sklearn.neural_network import MLPRegressor

    rng = np.random.RandomState(0)
    X = rng.rand(60, 3)
    for loss, out in (("squared_error", "identity output"), ("poisson", "exp output")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg = MLPRegressor(hidden_layer_sizes=4, loss=loss, max_iter=20,
                               random_state=0).fit(X, X[:, 0] + 0.1)
        for W in reg.coefs_:
            np.clip(W, 0, None, out=W)
        assert reg.out_activation_ == out.split()[0]
        cert = monotone_certificate(reg)
        assert f"2 layers, {out}:" in repr(cert) and cert.all_certified_


@pytest.mark.parametrize("step", [1.0, 0.1])
def test_float32_x_adv_is_the_float64_array_the_attack_scored(step):
    # X_adv_ of a float32 X stays float64, the dtype the search scored: a float32
    # copy is not what the reported flags and margins describe. Counts raised by a
    # whole step cast back exactly, yet LogisticRegression scores float32 input in
    # float32, so margin_after_ does not match it; a step of 0.1 rounds the values.
    rng = np.random.RandomState(0)
    X = rng.poisson(1.0, size=(300, 6)).astype(np.float32)
    y = (X[:, 0] - X[:, 1] + 0.3 * X[:, 2] > 0).astype(int)
    clf = LogisticRegression().fit(X, y)
    res = additive_evasion_attack(clf, X, budget=4, step=step)
    rows = np.flatnonzero(res.attacked_)
    assert rows.size and res.success_rate_ > 0.5
    assert res.X_adv_.dtype == np.float64
    np.testing.assert_array_equal(clf.predict(X.astype(np.float64)) == 1, res.attacked_)
    np.testing.assert_array_equal(clf.predict(res.X_adv_)[rows] != 1, res.success_[rows])
    np.testing.assert_array_equal(clf.decision_function(res.X_adv_)[rows],
                                  res.margin_after_[rows])
    X32 = res.X_adv_.astype(np.float32)
    assert np.array_equal(X32, res.X_adv_) == (step == 1.0)  # exact cast, or not
    assert not np.array_equal(clf.decision_function(X32)[rows], res.margin_after_[rows])


@pytest.mark.parametrize("kwargs, message", [
    ({"budget": 3, "step": 5}, "budget=3 is less than step=5"),
    ({"budget": 0.99}, "budget=0.99 is less than step=1.0"),
    ({"budget": 3, "upper": -1}, "upper leaves no allowed feature room"),
    ({"budget": 1e300, "step": 1e-300}, "more than 1e9 rounds"),
])
def test_attack_that_can_make_no_move_is_refused(kwargs, message):
    # Before: no move fitted (a budget under one step, or an upper freezing every
    # feature), and the attack reported success_rate_=0.0 for a model evaded 94%
    # of the time at budget 3, step 1, which reads as robustness; a budget / step
    # of inf moves was a bare OverflowError.
    rng = np.random.default_rng(0)
    X = rng.poisson(1.0, size=(200, 4)).astype(float)
    model = LogisticRegression().fit(X, (X[:, 0] - X[:, 1] > 0).astype(int))
    assert additive_evasion_attack(model, X, budget=3).success_rate_ > 0.5
    with pytest.raises(ValueError, match=message):
        additive_evasion_attack(model, X, **kwargs)


def test_upper_check_reads_only_the_attacked_rows():
    # Before: the check read the column minima of all rows, so one row the model
    # did not flag (0 in the allowed feature) let an attack through whose flagged
    # rows could make no move (all at the cap): success_rate_ 0.0, as if robust.
    X = np.array([[5.0, 0.0], [5.0, 1.0], [5.0, 2.0], [0.0, 0.0]])
    model = LogisticRegression().fit(X, [1, 1, 1, 0])
    assert (model.predict(X) == [1, 1, 1, 0]).all()
    with pytest.raises(ValueError, match="no allowed feature room for one step on "
                                         "any attacked row"):
        additive_evasion_attack(model, X, budget=3, features=[0], upper=5.0)
    # A flagged row with room is attacked as before.
    X[0, 0] = 4.0
    assert additive_evasion_attack(model, X, budget=3, features=[0],
                                   upper=5.0).attacked_.sum() == 3


def test_unscorable_or_unfitted_models_get_clear_errors():
    # Before: a hard VotingClassifier (predict only) failed with an AttributeError
    # from deep inside the attack; a Pipeline whose final step is fitted but an
    # earlier one not gave monotone_certificate a bare AttributeError ('scale_').
    from sklearn.exceptions import NotFittedError

    rng = np.random.default_rng(0)
    X = rng.poisson(1.0, size=(100, 4)).astype(float)
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    hard = VotingClassifier([("a", LogisticRegression()),
                             ("b", DecisionTreeClassifier(max_depth=3))],
                            voting="hard").fit(X, y)
    with pytest.raises(ValueError, match="VotingClassifier does not give: it needs "
                                         "decision_function"):
        additive_evasion_attack(hard, X, budget=2)
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    pipe.steps[0] = ("standardscaler", StandardScaler())
    with pytest.raises(NotFittedError, match="StandardScaler"):
        monotone_certificate(pipe)


def test_absorbed_steps_warn_for_a_model_without_gradient():
    # Before: the greedy search dropped candidates that rounding absorbs, so a
    # model without an input gradient reported 0% evaded with no warning at all.
    from sklearn.naive_bayes import GaussianNB

    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(1e17, 1e15, 200), rng.normal(0, 1, 200)]
    y = (X[:, 0] < 1e17).astype(int)
    nb = GaussianNB().fit(X, y)
    with pytest.warns(UserWarning, match="too small to change"):
        result = additive_evasion_attack(nb, X, budget=50, step=1.0, features=[0])
    assert result.attacked_.sum() > 0 and result.success_rate_ == 0
    assert np.array_equal(result.X_adv_, X)


def test_integers_raised_past_2_53_by_the_budget_are_refused():
    # Before: only X was checked; 2**53 - 1 raised twice by 3 came back as
    # 2**53 + 4 (an increase of 5).
    from sklearn.linear_model import LogisticRegression

    X = np.array([[2**53 - 1, 0], [0, 0], [5, 0]], dtype=np.int64)
    clf = LogisticRegression().fit(X / 1e18, [1, 0, 1])
    with pytest.raises(ValueError, match="raised by the budget"):
        additive_evasion_attack(clf, X, budget=6, step=3, features=[0],
                                method="gradient")
    # Within 2**53 after the budget: attacked.
    additive_evasion_attack(clf, X - 10, budget=6, step=3, features=[0],
                            method="gradient")


# ---------------------------------------------------------------- hostile inputs

def test_attack_on_a_dataframe_of_sparse_columns():
    # Before: "Cannot interpret 'Sparse[int64, 0]' as a data type". Attacked as the
    # dense frame is, and X_adv_ comes back with the sparse columns it was given.
    import pandas as pd
    X, y = _counts()
    X = X.astype(np.int64)
    cols = [f"f{j}" for j in range(N_FEATURES)]
    dense = pd.DataFrame(X, columns=cols)
    sparse = pd.DataFrame.sparse.from_spmatrix(sp.csr_matrix(X), columns=cols)
    clf = LogisticRegression().fit(dense, y)
    want = additive_evasion_attack(clf, dense, budget=3)
    with warnings.catch_warnings():
        # No "X does not have valid feature names", no densifying warning.
        warnings.simplefilter("error")
        got = additive_evasion_attack(clf, sparse, budget=3)
    assert got.success_rate_ > 0.5
    assert list(got.X_adv_.columns) == cols
    assert (got.X_adv_.dtypes == sparse.dtypes).all()  # Sparse[int64, 0]
    np.testing.assert_array_equal(got.X_adv_.sparse.to_dense().to_numpy(),
                                  want.X_adv_.to_numpy())
    np.testing.assert_array_equal(got.success_, want.success_)
    np.testing.assert_allclose(got.margin_after_, want.margin_after_)
    # A fractional step: float64, still sparse.
    half = additive_evasion_attack(clf, sparse, budget=2, step=0.5)
    assert all(isinstance(d, pd.SparseDtype) and d.subtype == np.float64
               for d in half.X_adv_.dtypes)


def test_attack_on_sparse_boolean_columns_with_a_fractional_step():
    # Before: the search ran, then "fill_value must be a valid value for the
    # SparseDtype.subtype" (SparseDtype(float64, False)) when X_adv_ was built.
    import pandas as pd
    X, y = _counts()
    flags = X > 0
    cols = [f"f{j}" for j in range(N_FEATURES)]
    dense = pd.DataFrame(flags, columns=cols)
    sparse = pd.DataFrame.sparse.from_spmatrix(sp.csr_matrix(flags), columns=cols)
    clf = LogisticRegression().fit(dense, y)
    want = additive_evasion_attack(clf, dense, budget=2, step=0.5)
    got = additive_evasion_attack(clf, sparse, budget=2, step=0.5)
    assert all(isinstance(d, pd.SparseDtype) and d.subtype == np.float64
               and d.fill_value == 0.0 for d in got.X_adv_.dtypes)
    np.testing.assert_array_equal(got.X_adv_.sparse.to_dense().to_numpy(),
                                  want.X_adv_.to_numpy())
    np.testing.assert_array_equal(got.success_, want.success_)


@pytest.mark.parametrize("container", [sp.csr_array, sp.csc_array, sp.coo_array,
                                       sp.csr_matrix, sp.csc_matrix])
def test_attack_returns_the_sparse_container_it_was_given(data, container):
    # Before: a csr_matrix for a csr_array.
    X, y = data
    clf = LogisticRegression().fit(X, y)
    res = additive_evasion_attack(clf, container(X), budget=2)
    array = issubclass(container, sp.sparray)
    assert isinstance(res.X_adv_, sp.csr_array if array else sp.csr_matrix)
    assert isinstance(res.X_adv_, sp.sparray) == array
    np.testing.assert_array_equal(
        res.X_adv_.toarray(), additive_evasion_attack(clf, X, budget=2).X_adv_)


def test_attack_refuses_negative_feature_indices_and_says_why(data):
    # As scikit-learn's partial_dependence: indices count from the start. Before,
    # the refusal said only "Feature indices must be in [0, 8)".
    X, y = data
    clf = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"in the range \[0, 7\].*negative indices "
                                         r"are not accepted.*Got \[-1\] instead"):
        additive_evasion_attack(clf, X, budget=2, features=[0, -1])
    res = additive_evasion_attack(clf, X, budget=2, features=[N_FEATURES - 1])
    assert np.all(res.X_adv_[:, :-1] == X[:, :-1])


@pytest.mark.parametrize("method", ["greedy", "gradient"])
def test_infinite_budget_with_upper_is_the_search_without_a_budget(data, method):
    # Before: "budget must be a positive float, got inf", although with an upper
    # bound on every allowed feature the search ends.
    X, y = data
    clf = LogisticRegression().fit(X, y)
    res = additive_evasion_attack(clf, X, budget=np.inf, upper=4, method=method)
    # A budget larger than any sample's room under the bound: the same search.
    big = additive_evasion_attack(clf, X, budget=4 * N_FEATURES, upper=4,
                                  method=method)
    assert res.budget == np.inf and res.success_rate_ > 0.5
    np.testing.assert_array_equal(res.X_adv_, big.X_adv_)
    np.testing.assert_array_equal(res.n_steps_, big.n_steps_)
    assert res.success_rate_at(2) == big.success_rate_at(2)
    assert res.X_adv_.max() <= max(4, X.max())
    sparse = additive_evasion_attack(clf, sp.csr_matrix(X), budget=np.inf, upper=4,
                                     method=method)
    np.testing.assert_array_equal(sparse.X_adv_.toarray(), res.X_adv_)
    # Frozen (-inf) features need no bound; features outside `features` neither.
    upper = np.r_[np.full(N_FEATURES - 1, 4.0), np.inf]
    with pytest.raises(ValueError, match=r"budget=np.inf needs a finite upper.*1 of "
                                         r"them have none \(7\)"):
        additive_evasion_attack(clf, X, budget=np.inf, upper=upper)
    additive_evasion_attack(clf, X, budget=np.inf, upper=np.where(upper < 5, 4, -np.inf))
    additive_evasion_attack(clf, X, budget=np.inf, upper=upper,
                            features=np.arange(N_FEATURES - 1))
    with pytest.raises(ValueError, match="needs a finite upper"):
        additive_evasion_attack(clf, X, budget=np.inf)
    with pytest.raises(ValueError, match="more than 1e9 rounds"):
        additive_evasion_attack(clf, X, budget=np.inf, upper=1e12)
    for budget in (np.nan, -np.inf):
        with pytest.raises(ValueError, match="'budget' parameter of additive_evasion_attack "
                                             "must be a float in the range"):
            additive_evasion_attack(clf, X, budget=budget, upper=4)


def test_infinite_budget_on_int64_counts_asks_for_upper_and_its_rate_is_known(data):
    # Review of 93eeea0. Before: int64 X without upper was refused with "raises
    # integer features up to upper (9.22337e+18) ... Pass a lower upper" (no upper
    # had been passed: int64's maximum counted as a bound), and success_rate_at
    # (np.inf) of an infinite-budget result said "budget must be a float in
    # [0, inf], got inf".
    X, y = data
    counts = np.asarray(X, dtype=np.int64)
    clf = LogisticRegression().fit(counts, y)
    with pytest.raises(ValueError, match=r"budget=np.inf needs a finite upper bound"):
        additive_evasion_attack(clf, counts, budget=np.inf)
    # int32's maximum is out of the search's reach (1e9 steps): no bound either;
    # nor int64's at a huge step (float64 does not hold it: before, "pass a lower
    # upper" again).
    with pytest.raises(ValueError, match=r"budget=np.inf needs a finite upper bound"):
        additive_evasion_attack(clf, counts.astype(np.int32), budget=np.inf)
    with pytest.raises(ValueError, match=r"budget=np.inf needs a finite upper bound"):
        additive_evasion_attack(clf, counts, budget=np.inf, step=1e10)
    # Booleans are bounded at any step; at a tiny one the search is too long, and
    # says so (before: "2 of them have none").
    with pytest.raises(ValueError, match=r"steps of 1e-10"):
        additive_evasion_attack(clf, counts > 0, budget=np.inf, step=1e-10)
    # A small integer dtype bounds its features.
    for small_type in (np.int8, np.uint16):
        small = additive_evasion_attack(clf, counts.astype(small_type), budget=np.inf)
        assert small.budget == np.inf
    res = additive_evasion_attack(clf, counts, budget=np.inf, upper=4)
    assert res.success_rate_at(np.inf) == res.success_rate_
    with pytest.raises(ValueError, match=r"a float in the range \[0, inf\] \(finite, "
                                         r"or np.inf\)\. Got nan instead"):
        res.success_rate_at(np.nan)
    finite = additive_evasion_attack(clf, counts, budget=3)
    with pytest.raises(ValueError, match=r"a float in the range \[0, 3\]\. Got inf instead"):
        finite.success_rate_at(np.inf)


def _missing_credit_frame():
    import pandas as pd

    X, y = _credit_frame()
    X = X.copy()
    rng = np.random.RandomState(3)
    X.loc[rng.rand(len(X)) < 0.1, "late"] = np.nan
    X.loc[rng.rand(len(X)) < 0.1, "debts"] = np.nan
    X["empty"] = np.nan  # all missing at fit: SimpleImputer drops it
    X["income"] = X["income"].astype(float)
    return pd.DataFrame(X), y


@pytest.mark.parametrize("add_indicator", [False, True])
def test_simple_imputer_keeps_the_certificate(add_indicator):
    """SimpleImputer(missing_values=np.nan) passes every value that is not missing
    through unchanged: a rise of a present value is the same rise of its output.
    Numeric columns imputed then scaled, the most common preprocessing of tabular
    data with gaps, keep their constrained directions (before, the imputer was
    read as an arbitrary map of all its columns: no numeric column was certified,
    and check_monotonic refused to map the constraints back). The indicator
    columns depend on whether a value is missing only, which no rise changes; a
    column the imputer drops (all missing at fit) cannot change the score."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    from sknonneg.inspection import check_monotonic

    X, y = _missing_credit_frame()
    num = Pipeline([("impute", SimpleImputer(add_indicator=add_indicator,
                                             keep_empty_features=False)),
                    ("scale", StandardScaler())])
    pre = ColumnTransformer([("num", num, ["late", "debts", "empty", "income"]),
                             ("cat", OneHotEncoder(sparse_output=False), ["job"])]
                            ).set_output(transform="pandas")
    cst = {"num__late": 1, "num__debts": 1, "num__income": -1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Skipping features ..."
        pipe = Pipeline([("pre", pre), ("model", _net(monotonic_cst=cst))]).fit(X, y)
        cert = monotone_certificate(pipe)
        assert list(cert.feature_names_) == ["late", "debts", "income", "job",
                                             "empty"]
        up, down = cert.certified_for(), cert.certified_for(cert.classes_[0])
        np.testing.assert_array_equal(up, [True, True, False, False, True])
        np.testing.assert_array_equal(down, [False, False, True, False, True])
        np.testing.assert_array_equal(cert.feature_signs_, [1, 1, -1, 0, 1])
        report = check_monotonic(pipe, X)
        assert report.feature_names == ["late", "debts", "income"]
        np.testing.assert_array_equal(report.directions, [1, 1, -1])
        np.testing.assert_array_equal(report.max_drop, 0.0)


def test_simple_imputer_of_a_value_is_not_monotone():
    """With missing_values a number (0, -1), a rise from that value to one below
    the fill lowers the output: refused as a Pipeline step, read as an arbitrary
    map inside a ColumnTransformer."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer

    X, y = _counts()
    X = X.astype(float)
    imputer = SimpleImputer(missing_values=0.0, strategy="constant", fill_value=5.0)
    pipe = make_pipeline(imputer, LogisticRegression()).fit(X, y)
    # the rise 0 -> 1 of feature 0 is a fall 5 -> 1 of the model's input
    low, high = X[:1].copy(), X[:1].copy()
    low[0, 0], high[0, 0] = 0.0, 1.0
    assert pipe[0].transform(high)[0, 0] < pipe[0].transform(low)[0, 0]
    with pytest.raises(ValueError, match="missing_values=0.0"):
        monotone_certificate(pipe)
    ct = make_pipeline(ColumnTransformer([("imp", imputer, [0])],
                                         remainder="passthrough"),
                       LogisticRegression()).fit(X, y)
    cert = monotone_certificate(ct)
    assert cert.feature_signs_[0] == 0


def test_attack_through_a_simple_imputer():
    """The attack's first-order change maps each transformed feature to its one
    input feature; a SimpleImputer's indicator columns have none (whether a value
    is missing does not change as it rises), so with add_indicator=True the
    search scores moves only, and the gradient method says why."""
    from sklearn.impute import SimpleImputer

    X, y = _counts()
    gaps = X.copy()
    gaps[::7, 2] = np.nan
    for add_indicator in (False, True):
        pipe = make_pipeline(SimpleImputer(add_indicator=add_indicator),
                             StandardScaler(), _net(positive=True)).fit(gaps, y)
        assert monotone_certificate(pipe).all_certified_
        result = additive_evasion_attack(pipe, X, budget=3)
        assert result.attacked_.any() and not result.success_.any()
        if add_indicator:
            with pytest.raises(ValueError, match="gradient"):
                additive_evasion_attack(pipe, X, budget=3, method="gradient")
        else:
            assert not additive_evasion_attack(
                pipe, X, budget=3, method="gradient").success_.any()


@pytest.mark.parametrize("threshold", [None, 0.0])
@pytest.mark.parametrize("target_class", [0, 1])
@pytest.mark.parametrize("kind", ["mlp", "logistic"])
def test_attack_refuses_a_model_whose_scores_are_nan(kind, target_class, threshold):
    """Before: a model with a NaN weight (set by hand, or a diverged fit) was
    reported as "nothing attacked" (NaN margins compare false; predict's argmax
    of NaN is class 0 of a binary MLP), success rate NaN, or, flagging every row
    as class 0, as never evaded (0% success): silent garbage."""
    X, y = _counts(seed=3)
    if kind == "mlp":
        model = MLPClassifier((3,), max_iter=30, random_state=0)
    else:
        model = LogisticRegression()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    if kind == "mlp":
        model.coefs_[0][0, 0] = np.nan
    else:
        model.coef_[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"the scores of \w+ are not finite \(NaN\) "
                       rf"on {X.shape[0]} of the {X.shape[0]} rows of X \(rows 0, 1, "
                       r"2, .*refit it"):
        additive_evasion_attack(model, X, budget=3, target_class=target_class,
                                threshold=threshold)


def test_attack_with_a_threshold_refuses_rows_too_large_for_the_network():
    """Before: with threshold, a row on which the network's weighted sums overflow
    got a NaN margin and was silently left unattacked (predict refuses it)."""
    X, y = _counts(seed=3)
    net = _net().fit(X, y)
    X = X.copy()
    X[5] = 1.7e308
    with pytest.raises(ValueError, match=r"Input X has values too large for the "
                       r"fitted network: on 1 of the \d+ rows of X \(row 5\)"):
        additive_evasion_attack(net, X, budget=3, threshold=0.0)


def test_attack_on_finite_scores_counts_the_same_queries():
    """The check of every row's score runs beside predict, outside n_queries_."""
    X, y = _counts(seed=3)
    net = _net().fit(X, y)
    res = additive_evasion_attack(net, X, budget=2)
    thr = additive_evasion_attack(net, X, budget=2, threshold=0.0)
    assert res.n_queries_ + X.shape[0] == thr.n_queries_


def test_attack_refusal_of_nan_scores_names_an_overflowing_row_as_a_cause():
    """A LogisticRegression with finite weights of both signs scores inf - inf =
    NaN on a row near the largest float: the refusal names that cause and its
    remedy (scale X). Before, it blamed NaN or infinite weights only and said
    "refit it", which cannot help."""
    X, y = _counts(seed=3)
    clf = LogisticRegression().fit(X, y)
    assert np.all(np.isfinite(clf.coef_))
    # Every feature at 1.5e308: single products are already +inf and -inf (in
    # any order of summation, on any BLAS: their sum is NaN).
    with np.errstate(over="ignore"):
        products = clf.coef_[0] * 1.5e308
    assert (products == np.inf).any() and (products == -np.inf).any()
    X = X.astype(np.float64)
    X[4] = 1.5e308
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(clf.decision_function(X)).sum() == 1
        with pytest.raises(ValueError, match=r"not finite \(NaN\) on 1 of the \d+ "
                           r"rows of X \(row 4\).*so large that its arithmetic "
                           r"overflows \(inf - inf.*scale X"):
            additive_evasion_attack(clf, X, budget=2)
