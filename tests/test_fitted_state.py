"""State after set_params / partial_fit: parameters are validated at every call,
prediction uses what was fitted, and every target-shape mismatch is a ValueError."""

import importlib.util
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from sknonneg import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                      NonNegMLPRegressor)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [NonNegMLPClassifier, ABBAClassifier]
RNG = np.random.default_rng(0)
X = RNG.random((30, 4))
Y = np.arange(30) % 3
Y_MULTI = np.eye(3)[Y]
Y_MULTI[0] = 1


def _est(Est, **params):
    return Est(**{"hidden_layer_sizes": 3, "max_iter": 3, "random_state": 0, **params})


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("output", ["softmax", "logistic"])
def test_prediction_ignores_parameters_changed_after_fit(Est, sparse, output):
    Xf = sp.csr_matrix(X) if sparse else X
    est = _est(Est, output=output).fit(Xf, Y)
    expected = [est.predict_proba(Xf), est.decision_function(Xf), est.transform(Xf)]
    changes = [{"output": "bogus"}, {"output": "softmax" if output == "logistic"
                                     else "logistic"}, {"dtype": "float32"}]
    if Est is ABBAClassifier:
        changes += [{"activation": "relu"}, {"activation": "identity"}, {"cap": 0.1},
                    {"lipschitz_max": 0.01}]
    for change in changes:
        est.set_params(**change)
        got = [est.predict_proba(Xf), est.decision_function(Xf), est.transform(Xf)]
        for a, b in zip(expected, got):
            np.testing.assert_array_equal(a, b)
    assert est.out_activation_ == output


@pytest.mark.parametrize("decoder", ["sigmoid", "linear"])
def test_autoencoder_prediction_ignores_parameters_changed_after_fit(decoder):
    # Before: inverse_transform read the decoder parameter, so
    # set_params(decoder=...) after the fit changed the reconstructions.
    from sknonneg import NonNegAutoencoder

    est = NonNegAutoencoder(n_components=2, decoder=decoder, max_iter=5,
                            random_state=0).fit(X)
    codes = est.transform(X)
    expected = [codes, est.inverse_transform(codes)]
    for change in ({"decoder": "linear" if decoder == "sigmoid" else "sigmoid"},
                   {"n_components": 3}, {"dtype": "float32"}):
        est.set_params(**change)
        got = [est.transform(X), est.inverse_transform(codes)]
        for a, b in zip(expected, got):
            np.testing.assert_array_equal(a, b)
    assert est.out_activation_ == ("logistic" if decoder == "sigmoid" else "identity")


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("bad, match", [
    ({"max_iter": 0}, "'max_iter' parameter"),
    ({"solver": "bogus"}, "'solver' parameter"),
    ({"learning_rate_init": -1.0}, "'learning_rate_init' parameter"),
    ({"hidden_layer_sizes": 0}, "hidden_layer_sizes"),
])
@pytest.mark.parametrize("first", ["fit", "partial_fit"])
def test_partial_fit_validates_parameters_every_call(Est, bad, match, first):
    est = _est(Est)
    est.fit(X, Y) if first == "fit" else est.partial_fit(X, Y, classes=[0, 1, 2])
    est.set_params(**bad)
    with pytest.raises(ValueError, match=match):
        est.partial_fit(X, Y)


@pytest.mark.parametrize("name", ["NonNegMLPRegressor", "NonNegAutoencoder"])
@pytest.mark.parametrize("bad, match", [
    ({"learning_rate_init": -1.0}, "'learning_rate_init' parameter"),
    ({"tol": -5.0}, "'tol' parameter"),
    ({"batch_size": 0}, "'batch_size' parameter"),
])
def test_later_partial_fit_validates_parameters_regressor_autoencoder(name, bad, match):
    # Before, the regressor validated its parameters on the first partial_fit call
    # only: a later one took learning_rate_init=-1 and tol=-5, and batch_size=0
    # was a ZeroDivisionError.
    import sknonneg

    est = getattr(sknonneg, name)(max_iter=3, random_state=0, solver="adam")
    args = (X,) if name == "NonNegAutoencoder" else (X, X.sum(axis=1))
    est.partial_fit(*args)
    est.set_params(**bad)
    with pytest.raises(ValueError, match=match):
        est.partial_fit(*args)


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("change", [{"output": "logistic"}, {"dtype": "float32"}])
def test_partial_fit_refuses_a_changed_model_definition(Est, change):
    est = _est(Est).partial_fit(X, Y, classes=[0, 1, 2])
    est.set_params(**change)
    with pytest.raises(ValueError, match="changed since the model was fitted"):
        est.partial_fit(X, Y)
    # fit starts anew with the new parameters
    est.fit(X, Y)
    assert est.predict_proba(X).dtype == np.float64


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("y_bad", [Y_MULTI[:, :2], np.hstack([Y_MULTI, Y_MULTI[:, :1]]),
                                   Y], ids=["fewer-columns", "more-columns", "1d"])
def test_multilabel_partial_fit_shape_mismatch(Est, y_bad):
    est = _est(Est, output="logistic").partial_fit(X, Y_MULTI)
    with pytest.raises(ValueError, match="label indicator matrix with 3 columns"):
        est.partial_fit(X, y_bad)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_multiclass_partial_fit_refuses_indicator(Est):
    est = _est(Est).fit(X, Y)
    with pytest.raises(ValueError, match="1-D class labels"):
        est.partial_fit(X, np.eye(3)[Y])


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_warm_start_with_new_output_starts_anew(Est):
    est = _est(Est, warm_start=True).fit(X, Y)
    est.set_params(output="logistic").fit(X, Y_MULTI)
    assert est.out_activation_ == "logistic"
    assert est.predict_proba(X).shape == (30, 3)


def test_warm_start_with_permuted_hidden_sizes_starts_anew():
    """Hidden sizes (5, 7) and (7, 5) between as many inputs as outputs have the
    same number of parameters, packed differently: the warm start must not read
    one as the other, it starts anew, as a fresh estimator does."""
    rng = np.random.RandomState(0)
    X10, y10 = rng.rand(50, 10), np.arange(50) % 10
    params = {"max_iter": 3, "random_state": 0}
    est = NonNegMLPClassifier(hidden_layer_sizes=(5, 7), warm_start=True, **params)
    est.fit(X10, y10).set_params(hidden_layer_sizes=(7, 5)).fit(X10, y10)
    fresh = NonNegMLPClassifier(hidden_layer_sizes=(7, 5), **params).fit(X10, y10)
    np.testing.assert_array_equal(est.coefs_[0], fresh.coefs_[0])
    assert [c.shape for c in est.coefs_] == [(10, 7), (7, 5), (5, 10)]


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_warm_start_with_other_classes_names_warm_start(Est):
    est = _est(Est, warm_start=True).fit(X, Y)
    with pytest.raises(ValueError, match="warm_start=True continues the previous "
                       "fit.*classes not in.*warm_start=False"):
        est.fit(X, np.arange(30) % 4)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_refuses_other_classes_after_the_first_call(Est):
    # As scikit-learn's partial_fit; before, other classes were silently ignored.
    est = _est(Est).partial_fit(X, Y, classes=[0, 1, 2])
    est.partial_fit(X, Y, classes=[2, 1, 0]).partial_fit(X, Y)  # the same set
    # scikit-learn's words, the argument as passed (before: array([0, 1, 2, 3])
    # and a trailing full stop).
    with pytest.raises(ValueError, match=r"^`classes=\[0, 1, 2, 3\]` is not the same "
                       r"as on last call to partial_fit, was: array\(\[0, 1, 2\]\)$"):
        est.partial_fit(X, Y, classes=[0, 1, 2, 3])


@pytest.mark.parametrize("Est, target, change", [
    ("NonNegMLPClassifier", "classes", {"hidden_layer_sizes": (3, 2)}),
    ("NonNegMLPClassifier", "classes", {"positive": False}),
    ("NonNegMLPClassifier", "classes", {"positive": "hidden"}),
    ("NonNegMLPRegressor", "values", {"hidden_layer_sizes": 5}),
    ("NonNegMLPRegressor", "values", {"monotonic_cst": [1, 0, 0, -1]}),
    ("NonNegMLPRegressor", "values", {"positive": True}),
    ("ABBAClassifier", "classes", {"hidden_layer_sizes": (3, 3)}),
    ("NonNegAutoencoder", None, {"n_components": 3}),
    ("NonNegAutoencoder", None, {"nonneg": False}),
    ("NonNegAutoencoder", None, {"decoder": "linear"}),
])
def test_partial_fit_refuses_a_changed_network(Est, target, change):
    # Before: the change was ignored and partial_fit went on with the first
    # call's network (or, for the decoder, with another loss on the same weights).
    import sknonneg

    cls = getattr(sknonneg, Est)
    params = {"max_iter": 3, "random_state": 0}
    if Est == "NonNegAutoencoder":
        est, args, later = cls(n_components=2, **params), (X,), (X,)
    else:
        est = cls(hidden_layer_sizes=3, **params)
        y = Y if target == "classes" else X[:, 0]
        kw = {"classes": [0, 1, 2]} if target == "classes" else {}
        args, later = (X, y), (X, y)
        est.partial_fit(*args, **kw)
    if Est == "NonNegAutoencoder":
        est.partial_fit(*args)
    # Spellings of the same network, and a penalty, may change.
    same = {"l2": 0.1} if Est == "NonNegAutoencoder" else {
        "hidden_layer_sizes": [3], "l2": 0.1}
    est.set_params(**same).partial_fit(*later)
    est.set_params(**change)
    with pytest.raises(ValueError, match="changed since the model was fitted"):
        est.partial_fit(*later)


@pytest.mark.parametrize("first, change", [
    ({"output": "softmax"}, {"output": "logistic"}),
    ({"hidden_layer_sizes": (5, 7)}, {"hidden_layer_sizes": (7, 5)}),
], ids=["output", "same-size-other-packing"])
def test_warm_start_that_starts_anew_equals_a_fresh_fit_with_adam(first, change):
    # A warm start that cannot continue starts anew: its theta did,
    # and now Adam's moments do too (they were carried over when the sizes
    # matched, so the "fresh" fit differed from a fresh fit).
    rng = np.random.RandomState(0)
    Xw, yw = rng.rand(60, 10), rng.randint(0, 10, 60)
    params = {"solver": "adam", "max_iter": 3, "random_state": 0}
    est = NonNegMLPClassifier(warm_start=True, **params, **first).fit(Xw, yw)
    est.set_params(**change).fit(Xw, yw)
    fresh = NonNegMLPClassifier(**params, **{**first, **change}).fit(Xw, yw)
    np.testing.assert_array_equal(est._theta, fresh._theta)


@pytest.mark.parametrize("change", [
    {"hidden_layer_sizes": 5}, {"positive": True}, {"l1": 1e-3},
    {"monotonic_cst": [1, 0, 0, -1]},
], ids=["hidden_layer_sizes", "positive", "l1", "monotonic_cst"])
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_regressor_warm_start_after_a_changed_network_scales_new_targets(change,
                                                                         solver):
    # warm_start's docs: after a change of what shapes the network it "starts
    # anew ... it equals a fresh fit". Before, only theta started anew: the
    # targets were standardised with the previous fit's y_mean_ and y_scale_,
    # so new targets (10 y + 3) were fitted off scale (R^2 0.37 against a fresh
    # fit's 0.85).
    rng = np.random.RandomState(0)
    Xw = rng.rand(60, 4)
    yw = Xw @ [1.0, 2.0, 0.0, -1.0]
    params = {"hidden_layer_sizes": 4, "solver": solver, "max_iter": 5,
              "random_state": 0}
    est = NonNegMLPRegressor(warm_start=True, **params).fit(Xw, yw)
    est.set_params(**change).fit(Xw, 10 * yw + 3)
    fresh = NonNegMLPRegressor(**{**params, **change}).fit(Xw, 10 * yw + 3)
    np.testing.assert_array_equal(est.y_mean_, fresh.y_mean_)
    np.testing.assert_array_equal(est.y_scale_, fresh.y_scale_)
    np.testing.assert_array_equal(est._theta, fresh._theta)
    np.testing.assert_array_equal(est.predict(Xw), fresh.predict(Xw))
    # Targets of another number of outputs, as a fresh fit takes them.
    est.set_params(hidden_layer_sizes=3).fit(Xw, np.c_[yw, -yw])
    assert est.n_outputs_ == 2


def test_classifier_warm_start_after_a_changed_network_takes_new_classes():
    # The same for a classifier: its classes were kept, and other labels refused
    # ("warm_start=True continues the previous fit"), where the fit started anew.
    rng = np.random.RandomState(0)
    Xw, yw = rng.rand(60, 4), np.arange(60) % 3
    params = {"max_iter": 4, "random_state": 0}
    est = NonNegMLPClassifier(4, warm_start=True, **params).fit(Xw, yw)
    est.set_params(hidden_layer_sizes=5).fit(Xw, yw > 0)
    fresh = NonNegMLPClassifier(5, **params).fit(Xw, yw > 0)
    np.testing.assert_array_equal(est.classes_, [False, True])
    np.testing.assert_array_equal(est._theta, fresh._theta)
    # Unchanged parameters continue, and refuse other classes as before.
    with pytest.raises(ValueError, match="continues the previous fit"):
        est.fit(Xw, yw)


@pytest.mark.parametrize("name, first, change", [
    ("NonNegMLPClassifier", {}, {"dtype": "float32"}),
    ("NonNegMLPRegressor", {}, {"dtype": "float32"}),
    ("NonNegAutoencoder", {}, {"dtype": "float32"}),
    ("ABBAClassifier", {}, {"dtype": "float32"}),
    ("ABBAClassifier", {}, {"activation": "identity"}),
    ("ABBAClassifier", {"activation": "capped_leaky_relu"}, {"cap": 0.2}),
    ("ABBAClassifier", {"activation": "capped_leaky_relu"}, {"cap_slope": 0.5}),
    ("ABBAClassifier", {"lipschitz_max": 1.0}, {"lipschitz_max": 5.0}),
])
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_warm_start_after_a_change_prediction_reads_equals_a_fresh_fit(
        name, first, change, solver):
    # Before: a warm start after set_params(dtype=...) (every estimator), or
    # ABBA's activation, cap, cap_slope or lipschitz_max, continued the old weights,
    # histories and Adam's moments (predict_proba 0.008 to 0.42 from a fresh fit),
    # where the docs promise a fresh fit: only the output, the activation of
    # NonNegMLP* and the decoder were compared.
    import sknonneg

    Est = getattr(sknonneg, name)
    rng = np.random.RandomState(0)
    Xw, yw = rng.rand(40, 3), (rng.rand(40) > 0.5).astype(int)
    args = (Xw,) if name == "NonNegAutoencoder" else (Xw, yw)
    size = ({"n_components": 2} if name == "NonNegAutoencoder"
            else {"hidden_layer_sizes": 4})
    params = {**size, "solver": solver, "max_iter": 5, "random_state": 0, **first}
    est = Est(warm_start=True, **params).fit(*args)
    est.set_params(**change).fit(*args)
    fresh = Est(**{**params, **change}).fit(*args)
    np.testing.assert_array_equal(est._theta, fresh._theta)
    assert len(est.loss_curve_) == len(fresh.loss_curve_)
    # Unchanged parameters still continue.
    before = len(est.loss_curve_)
    est.fit(*args)
    assert len(est.loss_curve_) > before


def _partly_constrained_ramp_data():
    """A frame whose ramp columns a ``monotonic_cst={"x_ramp0": 1}`` constrains
    only in part (the "ramp columns" warning), and a binary target."""
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    Xf = pd.DataFrame(rng.rand(60, 3), columns=["x_ramp0", "x_ramp1", "z"])
    return Xf, (Xf.sum(axis=1).to_numpy() > 1.5).astype(int)


@pytest.mark.parametrize("Est", [NonNegMLPRegressor, NonNegMLPClassifier])
def test_warm_start_raises_the_layout_warnings_once(Est):
    # Whether a warm start continues is asked by building the layout
    # (_same_fitted_network), which warned as the fit does: a dict monotonic_cst
    # that constrains some ramp columns of a feature and leaves the others free
    # warned twice at a warm start (the first time from _base.py).
    import warnings

    Xf, yf = _partly_constrained_ramp_data()
    est = Est(hidden_layer_sizes=3, monotonic_cst={"x_ramp0": 1}, max_iter=5,
              random_state=0, warm_start=True)
    for _ in range(2):  # the first fit, then a warm start that continues it
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(Xf, yf)
        ramps = [w for w in caught if "ramp columns" in str(w.message)]
        assert len(ramps) == 1, [(w.filename, w.lineno) for w in ramps]
    assert est.n_iter_ == 5 and len(est.loss_curve_) == 10  # it continued


@pytest.mark.parametrize("Est", [NonNegMLPRegressor, NonNegMLPClassifier])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_the_ramp_warning_points_at_the_callers_line(Est, method):
    # Before: a fixed stacklevel=4 put the "ramp columns" warning at a
    # line inside sknonneg (_training.py, _base.py), so Python's default filter
    # showed it once per process, whichever user line caused it.
    import warnings

    Xf, yf = _partly_constrained_ramp_data()
    est = Est(hidden_layer_sizes=3, monotonic_cst={"x_ramp0": 1}, max_iter=5,
              solver="adam", random_state=0)
    extra = ({"classes": [0, 1]} if Est is NonNegMLPClassifier
             and method == "partial_fit" else {})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(est, method)(Xf, yf, **extra)
    ramps = [w for w in caught if "ramp columns" in str(w.message)]
    assert [w.filename for w in ramps] == [__file__]


@pytest.mark.parametrize("Est", [NonNegMLPRegressor, NonNegMLPClassifier])
def test_a_stream_of_partial_fit_calls_raises_the_layout_warnings_once(Est):
    # Before: every later partial_fit call rebuilt the layout to
    # check it was unchanged (_check_layout_unchanged) and repeated the first
    # call's build warnings, although it builds nothing new. Warnings about the
    # data of a call still apply: batch_size larger than each call's rows warns
    # at every call.
    import warnings

    Xf, yf = _partly_constrained_ramp_data()
    est = Est(hidden_layer_sizes=3, monotonic_cst={"x_ramp0": 1}, solver="adam",
              batch_size=100, random_state=0)
    extra = {"classes": [0, 1]} if Est is NonNegMLPClassifier else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(4):
            est.partial_fit(Xf.iloc[15 * k:15 * k + 15], yf[15 * k:15 * k + 15],
                            **extra)
    ramps = [w for w in caught if "ramp columns" in str(w.message)]
    assert len(ramps) == 1, [(w.filename, w.lineno) for w in ramps]
    clipped = [w for w in caught if "It is going to be clipped" in str(w.message)]
    assert len(clipped) == 4
    np.testing.assert_array_equal(est.monotonic_cst_, [1, 0, 0])
    # After fit, a later call builds nothing new either.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.set_params(batch_size=None).fit(Xf, yf)
        est.partial_fit(Xf, yf)
    assert len([w for w in caught if "ramp columns" in str(w.message)]) == 1


def test_autoencoder_warm_start_after_a_decoder_change_starts_anew():
    from sknonneg import NonNegAutoencoder

    params = {"n_components": 2, "max_iter": 3, "random_state": 0}
    est = NonNegAutoencoder(warm_start=True, **params).fit(X)
    est.set_params(decoder="linear").fit(X)
    fresh = NonNegAutoencoder(decoder="linear", **params).fit(X)
    np.testing.assert_array_equal(est._theta, fresh._theta)


def _partial_fit_args(name):
    """``(estimator, args, kwargs)`` of a first partial_fit of ``name``."""
    import sknonneg

    Est = getattr(sknonneg, name)
    if name == "NonNegAutoencoder":
        return Est(n_components=2, max_iter=3, random_state=0), (X,), {}
    est = _est(Est)
    if name == "NonNegMLPRegressor":
        return est, (X, X[:, 0]), {}
    return est, (X, Y), {"classes": [0, 1, 2]}


ALL_NAMES = ["NonNegMLPClassifier", "ABBAClassifier", "NonNegMLPRegressor",
             "NonNegAutoencoder"]


@pytest.mark.parametrize("name", ALL_NAMES)
def test_a_refused_first_partial_fit_leaves_the_estimator_unfitted(name):
    # Before: classes_, n_features_in_, n_outputs_, loss_curve_, n_iter_ (and
    # y_mean_, y_scale_) were set before the sample weights were checked, so
    # check_is_fitted passed and predict raised AttributeError ('coefs_').
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    est, args, kw = _partial_fit_args(name)
    before = dict(vars(est))
    with pytest.raises(ValueError, match="sample_weight"):
        est.partial_fit(*args, **kw, sample_weight=-np.ones(X.shape[0]))
    assert vars(est) == before
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(NotFittedError):
        est.predict(X) if hasattr(est, "predict") else est.transform(X)
    # and the estimator then fits as a fresh one does
    est.partial_fit(*args, **kw)
    fresh, _, _ = _partial_fit_args(name)
    fresh.partial_fit(*args, **kw)
    np.testing.assert_array_equal(est._theta, fresh._theta)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_a_first_partial_fit_refused_on_its_labels_leaves_the_estimator_unfitted(Est):
    # Before: n_features_in_ stayed behind (y checked against classes after X).
    est = _est(Est)
    with pytest.raises(ValueError, match="`y` has classes not in `classes`"):
        est.partial_fit(X, Y, classes=[0, 1])
    assert not [k for k in vars(est) if k.endswith("_")]


@pytest.mark.parametrize("name", ALL_NAMES)
def test_a_refused_later_partial_fit_leaves_the_fitted_model_as_it_was(name):
    # An Adam epoch that overflows raises midway: before, Adam's moments and the
    # batches' random state stayed advanced, so the next call differed from the
    # same call without the refused one in between.
    def fitted(refused):
        est, args, kw = _partial_fit_args(name)
        est.set_params(solver="adam", batch_size=10)
        est.partial_fit(*args, **kw)
        if refused:
            step = est.learning_rate_init
            est.set_params(learning_rate_init=1e300)
            before = {k: v for k, v in vars(est).items() if k.endswith("_")}
            with pytest.raises(ValueError, match="overflowed"):
                est.partial_fit(*args)
            after = {k: v for k, v in vars(est).items() if k.endswith("_")}
            assert after.keys() == before.keys()
            assert all(after[k] is before[k] for k in before)
            est.set_params(learning_rate_init=step)
        return est.partial_fit(*args)

    np.testing.assert_array_equal(fitted(True)._theta, fitted(False)._theta)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_multilabel_partial_fit_classes_are_the_column_indices(Est):
    # Before: classes=[0, 1, 2] for a 2-column indicator y was accepted (and
    # ignored) by the first call, then refused by the second as not the same.
    Y2 = Y_MULTI[:, :2]
    for classes in ([0, 1, 2], [1, 2], ["a", "b"]):
        est = _est(Est, output="logistic")
        with pytest.raises(ValueError, match="multilabel indicator y are its column"):
            est.partial_fit(X, Y2, classes=classes)
        assert not [k for k in vars(est) if k.endswith("_")]
    for first in ([0, 1], [1, 0], np.array([0, 1]), None):
        est = _est(Est, output="logistic").partial_fit(X, Y2, classes=first)
        np.testing.assert_array_equal(est.classes_, [0, 1])
        est.partial_fit(X, Y2, classes=[0, 1]).partial_fit(X, Y2)
        assert est.n_iter_ == 3


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_n_iter_counts_the_last_fit_and_the_partial_fit_calls_since(Est):
    # As documented under n_iter_ (scikit-learn's MLP sets 1 at every partial_fit).
    est = _est(Est, solver="adam", max_iter=4, warm_start=True)
    est.partial_fit(X, Y, classes=[0, 1, 2])
    est.partial_fit(X, Y)
    assert est.n_iter_ == 2
    est.fit(X, Y)
    est.fit(X, Y)  # a warm start counts its own epochs
    assert est.n_iter_ == 4 and len(est.loss_curve_) == 10  # 2 + 4 + 4
    est.partial_fit(X, Y)
    assert est.n_iter_ == 5 and len(est.loss_curve_) == 11


@pytest.mark.parametrize("Est, listed", [
    (NonNegMLPClassifier, "(hidden_layer_sizes, positive, monotonic_cst or l1, set"),
    (ABBAClassifier, "(hidden_layer_sizes or l1, set")])
def test_partial_fit_layout_message_names_the_estimators_own_parameters(Est, listed):
    # Before: every estimator's message named hidden_layer_sizes, positive,
    # monotonic_cst, n_components and nonneg, whatever it had.
    est = _est(Est).partial_fit(X, Y, classes=[0, 1, 2])
    est.set_params(hidden_layer_sizes=(2,))
    with pytest.raises(ValueError, match="changed since the model was fitted") as info:
        est.partial_fit(X, Y)
    assert listed in str(info.value)
    assert "n_components" not in str(info.value)


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor, ABBAClassifier,
                                 NonNegAutoencoder])
def test_fitted_arrays_are_read_only_also_in_copies(Est, numba_kernels):
    # Before: an in-place edit (pruning a unit, coefs_[0][:, 0] = 0) changed what
    # predict computed, while a pickle, a deepcopy, a saved file and a warm start
    # carried _theta, which it did not change: the copy predicted otherwise,
    # silently. Refused now, in the original and in every copy.
    import copy
    import pickle
    import warnings

    from sklearn.datasets import load_digits


    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    est = Est(max_iter=3, random_state=0)
    target = {NonNegAutoencoder: None, NonNegMLPRegressor: y * 1.0}.get(Est, y % 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, target)
    names = ["coefs_", "intercepts_", "components_"]
    if Est is ABBAClassifier:
        names += ["coefs_a_", "coefs_b_"]
    copies = [est, pickle.loads(pickle.dumps(est)), copy.deepcopy(est)]
    for fitted in copies:
        for name in names:
            value = getattr(fitted, name)
            for array in ([value] if isinstance(value, np.ndarray) else value):
                with pytest.raises(ValueError, match="read-only"):
                    array[...] = 0.0
                # Nor can its flag be set back (before: it could, on every array
                # that owned its data, and an ABBA classifier edited after
                # a.flags.writeable = True predicted from the edit, its copies not).
                with pytest.raises(ValueError, match="WRITEABLE"):
                    array.flags.writeable = True
    # Prediction runs on the numba kernels from the read-only arrays (copied
    # writeable for them, kernel_array), and every copy predicts alike.
    outputs = [fitted.transform(X) if Est is NonNegAutoencoder else fitted.predict(X)
               for fitted in copies]
    for out in outputs[1:]:
        np.testing.assert_array_equal(out, outputs[0])


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor, NonNegAutoencoder])
def test_prediction_does_not_copy_the_weights(Est, monkeypatch):
    # The public fitted arrays are read-only; prediction reads the writeable views
    # of the fitted parameters instead, which the kernels take as they are. Before
    # (with coefs_ read-only), every predict of a float64 fit copied every layer
    # (12 MiB per call for a 784 x 2000 first layer).
    import warnings

    from sknonneg._engine import layers

    seen = []
    original = layers.kernel_array

    def spy(value, dtype):
        out = original(value, dtype)
        seen.append(out is value)
        return out

    monkeypatch.setattr(layers, "kernel_array", spy)
    rng = np.random.default_rng(0)
    X = rng.random((40, 6))
    y = rng.integers(0, 2, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = Est(max_iter=3, random_state=0)
        est.fit(X) if Est is NonNegAutoencoder else est.fit(X, y)
    seen.clear()
    est.transform(X[:3]) if Est is NonNegAutoencoder else est.predict(X[:3])
    assert seen and all(seen)


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor])
@pytest.mark.parametrize("change", [{"activation": "bogus"}, {"gain": None},
                                    {"gain": []}, {"solver": []},
                                    {"activation": "relu", "gain": 3.0}])
def test_dense_prediction_ignores_invalid_parameters_set_after_fit(Est, change):
    # Before: the fitted gain's fallback (for a network never fitted) was computed
    # from the current gain, activation and solver at every call, so after
    # set_params(activation="bogus") (or gain=None, solver=[]) predict, score,
    # transform, lipschitz_bound_, gain_ and describe_network raised KeyError,
    # TypeError or IndexError, and persist.dump wrote a file load refused. Only
    # the next fit reads (and validates) a parameter.
    from sknonneg.inspection import describe_network

    y = Y if Est is NonNegMLPClassifier else X @ [1.0, 2.0, 0.5, 1.0]
    est = _est(Est).fit(X, y)
    methods = ["predict", "transform"] + (["predict_proba", "decision_function"]
                                          if Est is NonNegMLPClassifier else [])
    expected = {m: getattr(est, m)(X) for m in methods}

    def state():
        return (est.score(X, y), est.gain_, est.activation_, describe_network(est),
                getattr(est, "lipschitz_bound_", None))

    before = state()
    est.set_params(**change)
    for m in methods:
        np.testing.assert_array_equal(getattr(est, m)(X), expected[m])
    assert state() == before
    if change.get("gain") != 3.0:
        with pytest.raises(ValueError):
            est.fit(X, y)


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor, ABBAClassifier])
def test_describe_network_names_the_fitted_activation(Est):
    # Before: describe_network printed the activation parameter, so after
    # set_params(activation=...) it described a network that was not fitted
    # (ABBA: an activation it does not support).
    from sknonneg.inspection import describe_network

    y = X @ [1.0, 2.0, 0.5, 1.0] if Est is NonNegMLPRegressor else Y
    est = _est(Est).fit(X, y)
    fitted = "tanh" if Est is ABBAClassifier else "logistic"
    assert f"activation={fitted}," in describe_network(est).splitlines()[0]
    est.set_params(activation="identity")
    assert f"activation={fitted}," in describe_network(est).splitlines()[0]


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_check_monotonic_reads_the_fitted_constraints(Est):
    # Before: for a network fitted without monotonic_cst, check_monotonic(est, X)
    # read a monotonic_cst set with set_params after the fit, also through a
    # Pipeline, and reported it as the model's constraint (violated); it now reads
    # monotonic_cst_ (None: no constraint to audit, the existing error).
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sknonneg.inspection import check_monotonic

    y = (X[:, 0] > 0.5).astype(int) if Est is NonNegMLPClassifier else X[:, 0]
    for model in (_est(Est, positive=False),
                  make_pipeline(StandardScaler(), _est(Est, positive=False))):
        model.fit(X, y)
        key = "monotonic_cst" if not hasattr(model, "steps") else (
            model.steps[-1][0] + "__monotonic_cst")
        model.set_params(**{key: [-1, 0, 0, 0]})
        with pytest.raises(ValueError, match="has no monotonic_cst_"):
            check_monotonic(model, X)
    # Fitted with constraints: those, not a later parameter.
    est = _est(Est, monotonic_cst=[1, 0, 0, 0]).fit(X, y)
    est.set_params(monotonic_cst=[0, -1, 0, 0])
    report = check_monotonic(est, X)
    assert list(report.features) == [0] and list(report.directions) == [1]


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, ABBAClassifier,
                                 NonNegMLPRegressor])
def test_partial_fit_after_early_stopping_drops_the_validation_scores(Est):
    # partial_fit holds no rows out, and its update leaves the parameters that the
    # earlier fit's early stopping scored: validation_scores_ and
    # best_validation_score_ no longer describe the model (before, they were
    # kept). A fit without early stopping has None for both, and so has this.
    rng = np.random.default_rng(1)
    Xb = rng.random((200, 4))
    yb = (Xb[:, 0] > 0.5).astype(int) if Est is not NonNegMLPRegressor else Xb[:, 0]
    est = _est(Est, early_stopping=True, max_iter=8,
               n_iter_no_change=20).fit(Xb, yb)
    assert est.do_early_stopping_ and est.validation_scores_
    est.set_params(early_stopping=False).partial_fit(Xb, yb)  # it refuses True
    assert est.do_early_stopping_ is False
    assert est.validation_scores_ is None
    assert est.best_validation_score_ is None


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor, ABBAClassifier])
def test_later_partial_fit_takes_a_changed_l1(Est, tmp_path):
    # reliability.md: between partial_fit calls penalties may change, l1 too
    # (between non-zero values, where the layout stays), as in a warm start.
    # Before, a later call went on with the first call's layout, whose layers
    # hold l1: l1=1e-3 -> 1 changed nothing (the weights after 20 calls were
    # those without the change, exactly), while l2 and a warm start took theirs.
    rng = np.random.RandomState(0)
    Xl = rng.rand(80, 4)
    yl = Xl @ [1.0, 2.0, -1.0, 0.5]
    if Est is not NonNegMLPRegressor:
        yl = (yl > np.median(yl)).astype(int)
    params = {"hidden_layer_sizes": 4, "l1": 1e-3, "solver": "adam",
              "learning_rate_init": 0.05, "random_state": 0}
    kw = {} if Est is NonNegMLPRegressor else {"classes": [0, 1]}
    kept, changed = Est(**params), Est(**params)
    for est in (kept, changed):
        est.partial_fit(Xl, yl, **kw)
    changed.set_params(l1=1.0)
    for _ in range(20):
        kept.partial_fit(Xl, yl)
        changed.partial_fit(Xl, yl)

    def weights(est):
        return sum(np.abs(c).sum() for c in est.coefs_)

    assert weights(changed) < 0.75 * weights(kept)  # 0.44 to 0.63; before, 1
    if importlib.util.find_spec("skops") is not None:
        # The l1 it trains with is the one recorded (persist.load rebuilds the
        # layout from it).
        from sknonneg import persist

        persist.dump(changed, tmp_path / "model.skops")
        loaded = persist.load(tmp_path / "model.skops")
        np.testing.assert_array_equal(loaded.predict(Xl), changed.predict(Xl))


@pytest.mark.parametrize("first, change, cst", [
    ({"positive": True}, {"monotonic_cst": [1, 1, 1, 1]}, [1, 1, 1, 1]),
    ({"positive": True, "monotonic_cst": [1, 1, 1, 1]}, {"monotonic_cst": None}, None),
], ids=["added", "removed"])
@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_later_partial_fit_after_another_spelling_of_the_network_saves(
        Est, first, change, cst, tmp_path):
    # monotonic_cst=[1, 1, 1, 1] on a network whose weights are all >= 0 is
    # another spelling of it: a later partial_fit continues (reliability.md), and
    # records the parameters it now trains with, as a warm start does. Before,
    # it set monotonic_cst_ from them but kept the first call's monotonic_cst as
    # the one fitted, and persist.load refused the saved model ("its
    # monotonic_cst_=array([1, 1, 1, 1]) is not the monotonic_cst it was fitted
    # with (None)").
    pytest.importorskip("skops")
    from sknonneg import persist

    rng = np.random.RandomState(0)
    Xm = rng.rand(60, 4)
    ym = Xm.sum(axis=1)
    if Est is NonNegMLPClassifier:
        ym = (ym > np.median(ym)).astype(int)
    kw = {}
    if Est is NonNegMLPClassifier:  # monotonic_cst needs a logistic output
        kw, first = {"classes": [0, 1]}, {**first, "output": "logistic"}
    est = Est(hidden_layer_sizes=3, solver="adam", random_state=0, **first)
    est.partial_fit(Xm, ym, **kw).set_params(**change).partial_fit(Xm, ym)
    assert est.n_iter_ == 2  # it continued
    if cst is None:
        assert est.monotonic_cst_ is None
    else:
        np.testing.assert_array_equal(est.monotonic_cst_, cst)
    path = tmp_path / "model.skops"
    persist.dump(est, path)
    loaded = persist.load(path)
    np.testing.assert_array_equal(loaded.predict(Xm), est.predict(Xm))
    est.partial_fit(Xm, ym)  # and continues again


@pytest.mark.parametrize("change", [{"nonneg": False}, {"nonneg_layers": "both"}])
def test_autoencoder_later_partial_fit_reports_the_penalty_it_trains_with(change):
    # nonneg between "penalty" and False, or the layers the penalty holds, may
    # change between partial_fit calls (reliability.md), and the call trains with
    # the new penalty: weight_constraints_ says so, as after a warm start. Before,
    # it kept the first call's (["free", "penalty"] after nonneg_layers="both").
    params = {"n_components": 2, "nonneg": "penalty", "max_iter": 3,
              "random_state": 0}
    streamed = NonNegAutoencoder(**params).partial_fit(X)
    warm = NonNegAutoencoder(warm_start=True, **params).fit(X)
    streamed.set_params(**change).partial_fit(X)
    warm.set_params(**change).fit(X)
    assert streamed.weight_constraints_ == warm.weight_constraints_
    assert streamed.n_iter_ == 2  # it continued


# Each parameter set after a fit, one at a time, to other valid values: what a
# fitted model computes and what is certified or audited about it read the fitted
# state, never a parameter set since (reliability.md, "Prediction uses what was
# fitted"; the tests above hold a few parameters and prediction methods each).
_CHANGES = {
    "hidden_layer_sizes": [(2,), (2, 2)], "positive": [True, False, "output", "hidden"],
    "monotonic_cst": [None, [1, 0, -1, 0], [0, 0, 0, 0]],
    "activation": ["logistic", "tanh", "relu", "identity", "capped_leaky_relu"],
    "gain": [0.5, 3.0], "l1": [0.1], "l2": [1.0], "dtype": ["float32", "float64"],
    "output": ["softmax", "logistic"],
    "loss": ["squared_error", "poisson", "gamma", "tweedie"], "power": [1.2],
    "cap": [0.1], "cap_slope": [0.5], "lipschitz_max": [0.01, None],
    "class_weight": ["balanced", None], "n_components": [2],
    "decoder": ["linear", "sigmoid"], "nonneg": ["bounds", False, "penalty"],
    "nonneg_layers": ["both", "decoder"],
}


def _fitted_outputs(est, y):
    """Everything a fitted model answers: its methods' outputs, its computed and
    fitted attributes, its certificate and audit, or each one's error."""
    from sknonneg.inspection import check_monotonic
    from sknonneg.robustness import monotone_certificate

    def call(f):
        try:
            return f()
        except (AttributeError, TypeError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"

    out = {}
    for name in ["predict", "predict_proba", "predict_log_proba", "decision_function",
                 "transform", "certified_radius"]:
        if hasattr(est, name):
            out[name] = call(lambda: getattr(est, name)(X))
    if hasattr(est, "inverse_transform"):
        out["inverse_transform"] = call(lambda: est.inverse_transform(est.transform(X)))
    if y is not None:
        out["score"] = call(lambda: est.score(X, y))
    out["names"] = call(est.get_feature_names_out)
    for name in ["lipschitz_bound_", "lipschitz_bound_separable_", "gain_",
                 "activation_", "out_activation_", "monotonic_cst_",
                 "weight_constraints_", "coefs_", "components_"]:
        out[name] = call(lambda: getattr(est, name))
    out["certificate"] = call(lambda: (lambda c: (c.feature_signs_, c.exact_))(
        monotone_certificate(est)))
    if getattr(est, "monotonic_cst_", None) is not None:
        out["audit"] = call(lambda: check_monotonic(est, X, n_steps=5).max_drop)
    return out


@pytest.mark.parametrize("Est, params, target", [
    (NonNegMLPClassifier, {"monotonic_cst": [1, -1, 0, 0], "output": "logistic"},
     "binary"),
    (NonNegMLPClassifier, {"positive": False}, "classes"),
    (NonNegMLPRegressor, {"monotonic_cst": [1, -1, 0, 0]}, "values"),
    (NonNegMLPRegressor, {"loss": "tweedie", "positive": True}, "amounts"),
    (ABBAClassifier, {"activation": "capped_leaky_relu", "lipschitz_max": 2.0},
     "binary"),
    (NonNegAutoencoder, {"decoder": "linear", "nonneg": False}, None),
])
def test_no_output_reads_a_parameter_set_after_the_fit(Est, params, target):
    y = {"binary": (X[:, 0] > 0.5).astype(int), "classes": Y,
         "values": X[:, 0] - X[:, 1], "amounts": np.exp(X[:, 0]), None: None}[target]
    if Est is NonNegAutoencoder:
        est = Est(n_components=3, max_iter=5, random_state=0, **params).fit(X)
    else:
        est = _est(Est, max_iter=5, **params).fit(X, y)
    expected = _fitted_outputs(est, y)
    fitted_params = est.get_params()
    for name, values in _CHANGES.items():
        for value in values:
            if name not in fitted_params or value == fitted_params[name]:
                continue
            est.set_params(**{name: value})
            got = _fitted_outputs(est, y)
            for key, want in expected.items():
                have = got[key]
                if isinstance(want, tuple):  # the certificate's signs and exact_
                    assert isinstance(have, tuple), (name, value, key, have)
                    np.testing.assert_array_equal(have[0], want[0])
                    assert have[1] == want[1], (name, value, key)
                elif isinstance(want, list) and want and isinstance(want[0],
                                                                    np.ndarray):
                    for a, b in zip(have, want, strict=True):
                        np.testing.assert_array_equal(a, b)
                else:
                    assert type(have) is type(want), (name, value, key, have)
                    np.testing.assert_array_equal(have, want, err_msg=str(
                        (name, value, key)))
            est.set_params(**{name: fitted_params[name]})


def _counts_problem():
    rng = np.random.default_rng(0)
    Xc = rng.poisson(1.0, size=(200, 5)).astype(float)
    yc = (Xc[:, 0] + Xc[:, 1] - Xc[:, 2] - Xc[:, 3] > 0).astype(int)
    return Xc, yc


def _what_is_claimed(est, Xc):
    from sknonneg.robustness import additive_evasion_attack, monotone_certificate

    cert = monotone_certificate(est)
    attack = additive_evasion_attack(est, Xc, budget=2, method="gradient")
    return [est.predict_proba(Xc), est.lipschitz_bound_, est.certified_radius(Xc),
            cert.feature_signs_, np.asarray(attack.X_adv_)]


def test_arrays_put_in_the_fitted_lists_change_no_claim_about_the_network():
    # coefs_'s arrays are read-only (an edit in place is refused), but the list is
    # a list: an array can be put in its place, or another list in place of it.
    # Prediction computes with the fitted parameters, and so must every claim
    # about the network. Before: after clf.coefs_[0] = np.maximum(clf.coefs_[0],
    # 0) ("pruning" the negative weights of a positive="output" network) the
    # certificate certified every feature (exact_ True) and lipschitz_bound_,
    # certified_radius and the attack's gradient read the edit, while predict
    # still used the signed layer: a "certified" feature's rise lowered P(1) by
    # up to 0.996 and the attack evaded 92% of the rows at budget 3.
    from sknonneg.robustness import monotone_certificate

    Xc, yc = _counts_problem()
    clf = NonNegMLPClassifier(hidden_layer_sizes=4, positive="output",
                              output="logistic", max_iter=60, random_state=0).fit(Xc, yc)
    expected = _what_is_claimed(clf, Xc)
    assert not expected[3].all() and clf.coefs_[0].min() < 0
    with pytest.raises(ValueError, match="read-only"):
        clf.coefs_[0][clf.coefs_[0] < 0] = 0.0
    for edit in ("element", "list"):
        if edit == "element":
            clf.coefs_[0] = np.maximum(clf.coefs_[0], 0.0)
            clf.intercepts_[0] = clf.intercepts_[0] * 0.0
        else:
            clf.coefs_ = [np.zeros_like(W) for W in clf.coefs_]
        for want, got in zip(expected, _what_is_claimed(clf, Xc)):
            np.testing.assert_array_equal(got, want)
        assert monotone_certificate(clf).exact_
        # The range check reads the fitted network too (zeros would clear any X).
        with pytest.raises(ValueError, match="too large"):
            clf.predict(np.full((1, 5), 1e307))


def test_fitted_layer_kinds_set_since_do_not_certify_a_free_network():
    # weight_constraints_ describes the layers; it can be set. Before: set to
    # ["nonneg", "nonneg"] on a positive="hidden" network whose free output
    # weights were >= 0, the network was certified with exact_ True, though it
    # predicts through BLAS (its layout's output layer is free): the refusal of
    # test_robustness.py's test_certificate_refuses_free_later_layers_... .
    from sknonneg.robustness import monotone_certificate

    Xc, yc = _counts_problem()
    clf = NonNegMLPClassifier(hidden_layer_sizes=3, positive="hidden",
                              output="logistic", max_iter=30, random_state=0).fit(Xc, yc)
    for coef, _ in clf._layout.views(clf._theta)[1:]:  # free weights that are >= 0
        np.abs(coef, out=coef)
    clf._set_fitted_layers(clf._theta)
    assert clf.weight_constraints_ == ["nonneg", "free"] and not clf._fixed_order()
    clf.weight_constraints_ = ["nonneg", "nonneg"]
    with pytest.raises(ValueError, match=r"its weight layer\(s\) \[2\] were fitted free"):
        monotone_certificate(clf)


def test_regressor_bounds_and_certificate_read_the_fitted_network():
    from sknonneg.robustness import monotone_certificate

    Xc, _ = _counts_problem()
    reg = NonNegMLPRegressor(hidden_layer_sizes=3, monotonic_cst=[1, -1, 0, 0, 0],
                             max_iter=30, random_state=0).fit(Xc, Xc[:, 0] - Xc[:, 1])
    before = (reg.predict(Xc), reg.lipschitz_bound_,
              monotone_certificate(reg).feature_signs_)
    reg.coefs_[0] = np.abs(reg.coefs_[0])  # would certify features 1 to 4 upwards
    reg.coefs_[1] = 1e3 * reg.coefs_[1]
    after = (reg.predict(Xc), reg.lipschitz_bound_,
             monotone_certificate(reg).feature_signs_)
    for want, got in zip(before, after):
        np.testing.assert_array_equal(got, want)


def _abba_capped():
    """An ABBA network with lipschitz_max=1 fitted on a small XOR-like problem,
    and its data."""
    rng = np.random.default_rng(0)
    Xa = rng.standard_normal((120, 4))
    ya = (Xa[:, 0] + Xa[:, 1] * Xa[:, 2] > 0).astype(int)
    return Xa, ABBAClassifier(hidden_layer_sizes=5, lipschitz_max=1.0, max_iter=30,
                              random_state=0).fit(Xa, ya)


def test_abba_predicts_with_its_fitted_blocks_not_arrays_put_in_its_lists():
    # Before: ABBA predicted from its public lists coefs_a_, coefs_b_ and
    # intercepts_: clf.coefs_a_[0] = 50 * ones changed predict_proba (a copy and
    # a pickle kept the fitted network), while lipschitz_bound_ (at most
    # lipschitz_max=1) and certified_radius described the fitted one: 43% of
    # random perturbations within 0.9 times a certified radius changed predict.
    import pickle

    Xa, clf = _abba_capped()
    expected = [clf.predict_proba(Xa), clf.certified_radius(Xa), clf.transform(Xa)]
    clf.coefs_a_[0] = 50.0 * np.ones_like(clf.coefs_a_[0])
    clf.coefs_b_[-1] = -np.ones_like(clf.coefs_b_[-1])  # a negative block
    clf.intercepts_ = [np.zeros_like(b) for b in clf.intercepts_]
    for want, got in zip(expected, [clf.predict_proba(Xa), clf.certified_radius(Xa),
                                    clf.transform(Xa)]):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(Xa),
                                  expected[0])


def test_abba_certified_radius_divides_by_the_fitted_bound_not_a_set_one():
    # Before: ABBA's lipschitz_bound_ is a stored attribute (the dense networks'
    # is a property, computed from the fitted parameters), and certified_radius
    # divided by it: clf.lipschitz_bound_ = 1e-9 made every radius 1e10 times
    # larger (0.169 -> 1.5e9), a radius within which predict did change. Then the
    # radius, the cap check, copies and pickles used the fitted network's bound,
    # and the assignment was taken and ignored; now it raises, as the dense
    # networks'.
    import copy
    import pickle

    Xa, clf = _abba_capped()
    radius = clf.certified_radius(Xa)
    assert np.all(np.isfinite(radius)) and radius.max() > 0
    bound = clf.lipschitz_bound_
    for name in ("lipschitz_bound_", "lipschitz_bound_separable_"):
        with pytest.raises(AttributeError, match=f"{name} of ABBAClassifier is "
                                                 "computed from the fitted network "
                                                 "and cannot be set"):
            setattr(clf, name, 1e-9)
        with pytest.raises(AttributeError, match="cannot be deleted"):
            delattr(clf, name)
    assert clf.lipschitz_bound_ == bound and "lipschitz_bound_" not in vars(clf)
    np.testing.assert_array_equal(clf.certified_radius(Xa), radius)
    for other in (copy.deepcopy(clf), pickle.loads(pickle.dumps(clf))):
        np.testing.assert_array_equal(other.certified_radius(Xa), radius)
    # a loaded model states the bound of the network it holds
    assert pickle.loads(pickle.dumps(clf)).lipschitz_bound_ == bound


def test_autoencoder_decodes_with_its_fitted_parts():
    # Before: inverse_transform decoded with the public list's coefs_[1]:
    # ae.coefs_[1] = -parts decoded with negative parts (nonneg="bounds"), while
    # transform, components_, copies and pickles kept the fitted ones.
    ae = NonNegAutoencoder(n_components=2, max_iter=5, random_state=0).fit(X)
    codes = ae.transform(X)
    expected = ae.inverse_transform(codes)
    ae.coefs_[1] = -ae.coefs_[1]
    ae.intercepts_[1] = ae.intercepts_[1] + 1.0
    np.testing.assert_array_equal(ae.inverse_transform(codes), expected)
    np.testing.assert_array_equal(ae.transform(X), codes)


def test_from_autoencoders_stacks_the_fitted_encoder_not_the_public_lists():
    # from_autoencoders read ae.coefs_[0], ae.intercepts_[0] and
    # ae.weight_constraints_, public lists in which an array (or a value) can be
    # put that changes no transform: a "pruned" array put there was
    # stacked, a negative one on a non-negative encoder was refused, and
    # weight_constraints_ set to "free" made positive a list instead of True.
    X = np.random.RandomState(0).rand(60, 5)
    ae = NonNegAutoencoder(n_components=3, nonneg_layers="both", max_iter=5,
                           random_state=0).fit(X)
    fitted = np.array(ae.coefs_[0])
    codes = ae.transform(X)
    ref = NonNegMLPClassifier.from_autoencoders([ae])
    ae.coefs_[0] = -np.ones_like(fitted)
    ae.intercepts_[0] = np.full(3, 7.0)
    ae.weight_constraints_ = ["free", "free"]
    np.testing.assert_array_equal(ae.transform(X), codes)
    clf = NonNegMLPClassifier.from_autoencoders([ae])
    assert clf.positive is True and ref.positive is True
    np.testing.assert_array_equal(clf._pretrained[0][0], fitted)
    np.testing.assert_array_equal(clf._pretrained[1][0], ref._pretrained[1][0])


# Every reader of a fitted network reads what was fitted (reliability.md,
# "Prediction uses what was fitted"): the arrays of coefs_, intercepts_,
# components_ (and ABBA's coefs_a_, coefs_b_) are read-only, but an array can be
# put in a list's place, another list in an attribute's, and another value in
# out_activation_ or weight_constraints_ (the computed ones, lipschitz_bound_,
# gain_, ..., refuse an assignment: test_computed_fitted_attributes_refuse_...). None of
# that changes a prediction, so none of it changes what is drawn, reported,
# saved, converted or certified either (fitted_attribute).
def _edit_public_state(est):
    """Puts other values in the place of every public fitted attribute derived
    from the fitted parameters: arrays of other values (and of another width) in
    the lists, another output function, other layer kinds and bound, and ABBA's
    blocks on a dense network."""
    est.coefs_[0] = -3.0 * np.ones_like(est.coefs_[0])
    last = est.coefs_[-1]
    est.coefs_[-1] = np.ones((last.shape[0] + 2, last.shape[1] + 1))
    est.intercepts_ = [np.full_like(b, 9.0) for b in est.intercepts_]
    est.components_ = np.ones((7, est.n_features_in_))
    est.weight_constraints_ = ["free"] * len(est.weight_constraints_)
    if hasattr(est, "coefs_a_"):
        est.coefs_a_ = [np.ones((a.shape[0], a.shape[1] + 1)) for a in est.coefs_a_]
        est.coefs_b_[0] = -np.ones_like(est.coefs_b_[0])
    else:  # ABBA's blocks set on a network that has none
        est.coefs_a_ = est.coefs_b_ = [np.ones((2, 2))] * len(est.coefs_)
    est.out_activation_ = {"softmax": "logistic", "logistic": "softmax",
                           "identity": "exp", "exp": "identity"}[est.out_activation_]


def _fitted_readers(est):
    """What the readers of a fitted network other than prediction give."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sknonneg.inspection import (HiddenUnitsDisplay, OutputWeightsDisplay,
                                     describe_network, top_features,
                                     weight_sparsity)

    out = {"describe": describe_network(est),
           "sparsity": weight_sparsity(est).to_string(),
           "features": top_features(est, k=2).to_string(),
           "names": list(est.get_feature_names_out())}
    hidden = HiddenUnitsDisplay.from_estimator(est, image_shape=(2, 2))
    out["images"] = [image.get_array().tolist() for image in hidden.images_]
    from sklearn.base import is_classifier

    weights = OutputWeightsDisplay.from_estimator(
        est, X=X if is_classifier(est) else None)
    # squares_: one collection per panel, one closed path per square.
    out["squares"] = [([p.vertices.tolist() for p in panel.get_paths()],
                       panel.get_facecolors().tolist()) for panel in weights.squares_]
    plt.close("all")
    return out


@pytest.mark.parametrize("Est, params", [
    (NonNegMLPClassifier, {"output": "logistic", "positive": "output"}),
    (NonNegMLPClassifier, {}),
    (NonNegMLPRegressor, {"loss": "poisson"}),
    (ABBAClassifier, {"lipschitz_max": 2.0}),
    (NonNegAutoencoder, {}),
], ids=["logistic", "softmax", "regressor", "abba", "autoencoder"])
def test_readers_of_the_fitted_network_ignore_public_attributes_set_since(Est,
                                                                          params):
    # Before: describe_network, weight_sparsity, top_features and the two
    # displays drew and reported the arrays put in the lists (a 4-3-2 network
    # became 4-3-3 in describe_network, ABBA's bound 1e-9 was "Lipschitz bound:
    # 1e-09"), and get_feature_names_out named as many features as rows put in
    # coefs_[-1].
    pytest.importorskip("matplotlib")
    if Est is NonNegAutoencoder:
        est = Est(n_components=3, max_iter=5, random_state=0, **params).fit(X)
    else:
        y = np.exp(X[:, 0]) if Est is NonNegMLPRegressor else (
            (X[:, 0] > 0.5).astype(int) if params.get("output") else Y)
        est = _est(Est, max_iter=5, **params).fit(X, y)
    expected = _fitted_readers(est)
    _edit_public_state(est)
    got = _fitted_readers(est)
    assert [key for key, want in expected.items() if got[key] != want] == []


def test_classifier_output_function_is_the_fitted_one(tmp_path):
    # Before: out_activation_ = "softmax" on a binary classifier with a single
    # logistic output made predict_proba a column of 1.0 (the softmax of one
    # logit) and its log a column of 0, while monotone_certificate still
    # certified the network and a pickle or a saved file kept the edit (which
    # persist.load then refused).
    import pickle

    from sknonneg import persist
    from sknonneg.robustness import monotone_certificate

    Xc, yc = _counts_problem()
    clf = NonNegMLPClassifier(hidden_layer_sizes=3, monotonic_cst=[1, 1, 0, 0, 0],
                              max_iter=20, random_state=0).fit(Xc, yc)
    assert clf.out_activation_ == "logistic" and clf.coefs_[-1].shape[1] == 1
    expected = [clf.predict_proba(Xc), clf.predict_log_proba(Xc),
                clf.decision_function(Xc), clf.predict(Xc)]
    signs = monotone_certificate(clf).feature_signs_
    clf.out_activation_ = "softmax"
    copies = [pickle.loads(pickle.dumps(clf))]
    path = tmp_path / "model.skops"
    persist.dump(clf, path)
    copies.append(persist.load(path))
    for model in (clf, *copies):
        got = [model.predict_proba(Xc), model.predict_log_proba(Xc),
               model.decision_function(Xc), model.predict(Xc)]
        for want, have in zip(expected, got):
            np.testing.assert_array_equal(have, want)
        np.testing.assert_array_equal(monotone_certificate(model).feature_signs_,
                                      signs)
    assert [c.out_activation_ for c in copies] == ["logistic", "logistic"]


def test_partial_fit_trains_the_fitted_output_function():
    # Before: partial_fit built its targets for out_activation_: set to
    # "logistic" on a 3-class softmax network, one-hot rows were passed to the
    # softmax loss ("softmax targets are class indices"), and with
    # set_params(output="logistic") beside it, the output was taken as
    # unchanged: partial_fit trained the softmax network with a logistic loss.
    est = _est(NonNegMLPClassifier, solver="adam").partial_fit(X, Y,
                                                              classes=[0, 1, 2])
    ref = pickle_copy(est).partial_fit(X, Y)
    est.out_activation_ = "logistic"
    est.partial_fit(X, Y)
    np.testing.assert_array_equal(est._theta, ref._theta)
    est.set_params(output="logistic")
    with pytest.raises(ValueError, match="output changed since the model was fitted"):
        est.partial_fit(X, Y)


def pickle_copy(est):
    import pickle

    return pickle.loads(pickle.dumps(est))


def test_from_mlp_converts_the_fitted_network():
    # Before: ABBAClassifier.from_mlp read a NonNegMLPClassifier's public coefs_,
    # intercepts_ and out_activation_: arrays put in the lists were converted
    # (the ABBA network then predicted other probabilities than the source), and
    # out_activation_ = "logistic" on a softmax network built a logistic one.
    clf = _est(NonNegMLPClassifier, activation="tanh", max_iter=5).fit(X, Y)
    expected = ABBAClassifier.from_mlp(clf)
    clf.coefs_[0] = np.zeros_like(clf.coefs_[0])
    clf.intercepts_ = [np.ones_like(b) for b in clf.intercepts_]
    clf.out_activation_ = "logistic"
    got = ABBAClassifier.from_mlp(clf)
    np.testing.assert_array_equal(got.predict_proba(X), expected.predict_proba(X))
    assert got.out_activation_ == "softmax"
    np.testing.assert_allclose(got.predict_proba(X), clf.predict_proba(X), atol=1e-12)


def test_autoencoder_readers_ignore_public_attributes_set_since():
    # Before: n_components_ was the width of whatever array was put in
    # coefs_[0], and inverse_transform and the reconstruction_err_ of a later
    # partial_fit decoded with out_activation_, set to "identity" on a sigmoid
    # decoder.
    ae = NonNegAutoencoder(n_components=2, solver="adam", max_iter=5,
                           random_state=0).partial_fit(X)
    ref = pickle_copy(ae).partial_fit(X)
    codes = ae.transform(X)
    expected = ae.inverse_transform(codes)
    ae.coefs_[0] = np.ones((4, 5))
    ae.out_activation_ = "identity"
    assert ae.n_components_ == 2
    np.testing.assert_array_equal(ae.inverse_transform(codes), expected)
    ae.partial_fit(X)
    assert ae.reconstruction_err_ == ref.reconstruction_err_
    np.testing.assert_array_equal(ae._theta, ref._theta)



def test_monotonic_cst_is_read_only_and_not_the_layouts_sign_vector():
    # Before: monotonic_cst_ was the fitted layout's first sign vector itself and
    # writeable: reg.monotonic_cst_[:] = 1 made the layout's first layer "nonneg"
    # (lipschitz_bound_ 2.36 -> 2.34, computed as for weights >= 0 that feature
    # 1's are not), and pickles carried the edited bounds.
    import pickle

    rng = np.random.RandomState(0)
    Xm = rng.rand(60, 3)
    reg = NonNegMLPRegressor(hidden_layer_sizes=3, monotonic_cst=[1, -1, 0],
                             max_iter=20, random_state=0).fit(Xm, Xm[:, 0] - Xm[:, 1])
    bound, signs = reg.lipschitz_bound_, np.array(reg._layout.coef_signs[0])
    with pytest.raises(ValueError, match="read-only"):
        reg.monotonic_cst_[:] = 1
    assert not np.shares_memory(reg.monotonic_cst_, reg._layout.coef_signs[0])
    assert reg.lipschitz_bound_ == bound
    np.testing.assert_array_equal(reg._layout.coef_signs[0], signs)
    copy = pickle.loads(pickle.dumps(reg))
    assert not copy.monotonic_cst_.flags.writeable
    np.testing.assert_array_equal(copy.monotonic_cst_, [1, -1, 0])


def test_readers_of_monotonic_cst_use_the_fitted_directions():
    # Before: check_monotonic audited the directions set in monotonic_cst_ since
    # the fit (reg.monotonic_cst_ = [1, 1, 1]: feature 1 "dropped" by 1.1 where
    # the network keeps it decreasing), and a pickle carried them.
    import pickle

    from sknonneg.inspection import check_monotonic

    rng = np.random.RandomState(0)
    Xm = rng.rand(60, 3)
    reg = NonNegMLPRegressor(hidden_layer_sizes=3, monotonic_cst=[1, -1, 0],
                             max_iter=20, random_state=0).fit(Xm, Xm[:, 0] - Xm[:, 1])
    report = check_monotonic(reg, Xm, n_steps=5)
    reg.monotonic_cst_ = np.array([1, 1, 1])
    again = check_monotonic(reg, Xm, n_steps=5)
    np.testing.assert_array_equal(again.directions, report.directions)
    np.testing.assert_array_equal(again.max_drop, report.max_drop)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(reg)).monotonic_cst_,
                                  [1, -1, 0])


def test_partial_fit_continues_after_output_set_to_auto_that_resolves_to_the_fit():
    """``set_params(output="auto")`` after a ``partial_fit`` at an explicit output
    that "auto" resolves to for the fitted classes continues the network. Before, a
    monotone binary network started at ``output="logistic"`` was refused with
    "output='auto' gives a softmax ... Pass output="logistic" (or "auto")": "auto"
    read softmax, having never been resolved by a fit. An "auto" that resolves to
    another output is still refused."""
    rng = np.random.default_rng(0)
    X = rng.random((40, 3))
    y = (X[:, 0] > 0.5).astype(int)
    kw = {"hidden_layer_sizes": (3,), "solver": "adam", "max_iter": 5,
          "random_state": 0}
    clf = NonNegMLPClassifier(output="logistic", monotonic_cst=[1, 0, 0], **kw)
    clf.partial_fit(X, y, classes=[0, 1])
    clf.set_params(output="auto").partial_fit(X, y)
    assert clf.n_iter_ == 2 and clf.out_activation_ == "logistic"
    assert clf.coefs_[-1].shape == (3, 1)
    from sknonneg.inspection import check_monotonic

    assert check_monotonic(clf, X, n_steps=5).is_monotonic

    soft = NonNegMLPClassifier(output="softmax", **kw).partial_fit(X, y, classes=[0, 1])
    soft.set_params(output="auto").partial_fit(X, y)  # "auto" is a softmax here
    assert soft.n_iter_ == 2 and soft.out_activation_ == "softmax"
    soft.set_params(monotonic_cst=[1, 0, 0])  # now "auto" is one logistic unit
    with pytest.raises(ValueError, match="output changed since the model was fitted"):
        soft.partial_fit(X, y)


@pytest.mark.parametrize("planted", [[1, -1, 0], (1, 1, 1), 7])
def test_persist_load_names_a_monotonic_cst_that_is_not_an_array(tmp_path, planted):
    # A file edited by hand can hold monotonic_cst_ as a list (or any value). Before:
    # unpickling made it read-only through its .flags, and load said "building it
    # failed with AttributeError: 'list' object has no attribute 'flags'" (a bare
    # AttributeError from pickle.loads). Now it is read as an array and refused by
    # the check of the fitted state, which names the attribute, as for an array.
    from sknonneg import persist

    rng = np.random.RandomState(0)
    Xm = rng.rand(40, 3)
    reg = NonNegMLPRegressor(hidden_layer_sizes=3, monotonic_cst=[1, -1, 0],
                             max_iter=5, random_state=0).fit(Xm, Xm[:, 0] - Xm[:, 1])
    # in the fitted state that dump saves, as the edited file holds it
    reg._fitted_public = {**reg._fitted_public, "monotonic_cst_": planted}
    persist.dump(reg, tmp_path / "reg.skops")
    with pytest.raises(ValueError, match=r"holds an inconsistent NonNegMLPRegressor: "
                                         r"its monotonic_cst_"):
        persist.load(tmp_path / "reg.skops")



def test_output_set_to_auto_after_a_fit_at_an_explicit_output_ignores_older_fits():
    """A fit at an explicit ``output`` forgets how an earlier fit resolved
    ``"auto"``: ``set_params(output="auto")`` since then resolves for this fit's
    classes (one logistic unit for a binary target under ``monotonic_cst``), and
    ``partial_fit`` continues the network. Before, the earlier fit's
    ``"softmax"`` stayed, and partial_fit refused with "output='auto' gives a
    softmax ... Pass output="logistic" (or "auto")"."""
    rng = np.random.default_rng(0)
    X = rng.random((40, 3))
    y = (X[:, 0] > 0.5).astype(int)
    kw = {"hidden_layer_sizes": (3,), "solver": "adam", "max_iter": 5,
          "random_state": 0}
    clf = NonNegMLPClassifier(output="auto", **kw).fit(X, y)  # a softmax
    assert clf.out_activation_ == "softmax"
    clf.set_params(output="logistic", monotonic_cst=[1, 0, 0]).fit(X, y)
    proba = clf.predict_proba(X)
    clf.set_params(output="auto").partial_fit(X, y)
    assert clf.n_iter_ == 6 and clf.out_activation_ == "logistic"
    assert clf.coefs_[-1].shape == (3, 1)
    assert clf.predict_proba(X).shape == (40, 2)
    assert not np.array_equal(clf.predict_proba(X), proba)  # trained on


@pytest.mark.parametrize("output", ["logistic", "softmax"])
def test_warm_start_at_output_auto_after_a_fit_at_the_output_it_resolves_to(output):
    """``set_params(output="auto", warm_start=True).fit`` after a fit at the output
    ``"auto"`` resolves to continues the network with its output function, and
    predicts with it. Before, a network fitted at ``output="logistic"`` under
    ``monotonic_cst`` was continued with one logistic unit but predicted as a
    softmax of it: ``predict_proba`` a column of 1.0 (shape (n, 1)), ``predict``
    the first class only."""
    rng = np.random.default_rng(0)
    X = rng.random((40, 3))
    y = (X[:, 0] > 0.5).astype(int)
    cst = [1, 0, 0] if output == "logistic" else None
    clf = NonNegMLPClassifier(output=output, monotonic_cst=cst,
                              hidden_layer_sizes=(3,), solver="adam", max_iter=20,
                              random_state=0).fit(X, y)
    units = clf.coefs_[-1].shape[1]
    clf.set_params(output="auto", warm_start=True, max_iter=1).fit(X, y)
    assert clf.n_iter_ == 1 and clf.coefs_[-1].shape[1] == units
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert 0.0 < proba[:, 1].min() and proba[:, 1].max() < 1.0
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.out_activation_ == output
    clf.partial_fit(X, y)  # and continues at its output
    assert clf.predict_proba(X).shape == (40, 2)


def _fitted_for_computed():
    Xs = X[:, :4]
    yb = (Xs[:, 0] > np.median(Xs[:, 0])).astype(int)
    kw = {"hidden_layer_sizes": (3,), "max_iter": 5, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [(NonNegMLPClassifier(**kw).fit(Xs, yb),
                 ("lipschitz_bound_", "gain_", "activation_")),
                (NonNegMLPRegressor(**kw).fit(Xs, Xs[:, 0]),
                 ("lipschitz_bound_", "gain_", "activation_")),
                (ABBAClassifier(**kw).fit(Xs, yb),
                 ("lipschitz_bound_", "lipschitz_bound_separable_")),
                (NonNegAutoencoder(n_components=2, max_iter=5,
                                   random_state=0).fit(Xs), ("n_components_",))]


def test_computed_fitted_attributes_refuse_an_assignment_saying_so(tmp_path):
    # Every fitted attribute that is computed from the fitted network (a
    # property) refuses an assignment and del with an AttributeError that names
    # it and says why; before, Python's "property 'gain_' of 'NonNegMLPClassifier'
    # object has no setter", and ABBA's bounds were stored attributes, taken and
    # ignored. Copies, pickles, clones and saved files are unchanged.
    import copy
    import pickle

    from sklearn.base import clone

    from sknonneg import persist

    for est, names in _fitted_for_computed():
        cls = type(est).__name__
        for name in names:
            value = getattr(est, name)
            with pytest.raises(AttributeError, match=rf"^{name} of {cls} is computed "
                                                     "from the fitted network and "
                                                     "cannot be set"):
                setattr(est, name, value)
            with pytest.raises(AttributeError, match="cannot be deleted"):
                delattr(est, name)
            others = [copy.deepcopy(est), pickle.loads(pickle.dumps(est))]
            if importlib.util.find_spec("skops") is not None:
                persist.dump(est, tmp_path / "model.skops")
                others.append(persist.load(tmp_path / "model.skops"))
            for other in others:
                assert getattr(other, name) == value
        assert not hasattr(clone(est), "n_features_in_")


def test_a_saved_state_holding_abbas_bounds_loads_without_them():
    # A state written while ABBA's bounds were stored attributes holds them: on
    # loading they are dropped (the fitted parameters give them), not set where
    # the property would refuse them or persist.load find them shadowing it.
    import pickle

    clf = _fitted_for_computed()[2][0]
    bound = clf.lipschitz_bound_
    state = clf.__getstate__()
    state.update(lipschitz_bound_=1e-9, lipschitz_bound_separable_=1e-9)
    other = ABBAClassifier.__new__(ABBAClassifier)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        other.__setstate__(state)
    assert other.lipschitz_bound_ == bound and "lipschitz_bound_" not in vars(other)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(other)).predict(X[:, :4]),
                                  clf.predict(X[:, :4]))
