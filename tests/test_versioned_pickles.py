"""Saved objects record the version of sknonneg that saved them, and loading one
saved by another version (or before versions were recorded) warns
``InconsistentVersionWarning``, through pickle, joblib and sknonneg.persist."""

import copy
import copyreg
import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone

import sknonneg
from sknonneg import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                      NonNegMLPRegressor)
from sknonneg.exceptions import InconsistentVersionWarning
from sknonneg.inspection import check_monotonic
from sknonneg.preprocessing import RampTransformer
from sknonneg.robustness import additive_evasion_attack, monotone_certificate

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.uniform(size=(40, 3))
Y = (X[:, 0] + X[:, 1] > 1).astype(int)
KW = {"hidden_layer_sizes": 2, "max_iter": 5, "random_state": 0}
KEY = "_sknonneg_version"


def _make(kind):
    if kind == "classifier":
        return NonNegMLPClassifier(**KW).fit(X, Y)
    if kind == "regressor":
        return NonNegMLPRegressor(loss="poisson", **KW).fit(X, X[:, 0])
    if kind == "abba":
        return ABBAClassifier(**KW).fit(X, Y)
    if kind == "autoencoder":
        return NonNegAutoencoder(n_components=2, max_iter=5, random_state=0).fit(X)
    if kind == "unfitted":
        return NonNegMLPClassifier()
    if kind == "ramps":
        return RampTransformer().fit(X)
    clf = NonNegMLPClassifier(positive=True, output="logistic", **KW).fit(X, Y)
    if kind == "certificate":
        return monotone_certificate(clf)
    if kind == "evasion":
        return additive_evasion_attack(clf, X, budget=1.0)
    if kind == "report":
        return check_monotonic(clf, X[:5], [1, 1, 1], n_steps=3)
    raise AssertionError(kind)


KINDS = ["classifier", "regressor", "abba", "autoencoder", "unfitted", "ramps",
         "certificate", "evasion", "report"]
ESTIMATORS = ["classifier", "regressor", "abba", "autoencoder", "unfitted", "ramps"]


def _same(a, b):
    """The loaded object ``b`` works as ``a`` does."""
    assert type(a) is type(b)
    assert KEY not in vars(b)
    fitted = hasattr(a, "n_features_in_")
    if fitted and hasattr(a, "predict"):
        np.testing.assert_array_equal(a.predict(X), b.predict(X))
    elif fitted and hasattr(a, "transform"):
        np.testing.assert_array_equal(a.transform(X), b.transform(X))
    elif hasattr(a, "feature_signs_"):
        np.testing.assert_array_equal(a.feature_signs_, b.feature_signs_)
        assert b.exact_ == a.exact_


def _persist_trusted(blob):
    """The sknonneg types beyond TRUSTED_TYPES in a file (a certificate's)."""
    from sknonneg import persist

    return [name for name in persist.untrusted_types(io.BytesIO(blob))
            if name not in persist.TRUSTED_TYPES]


def _round_trips(obj):
    """``(name, load)`` pairs: ``load()`` reads back ``obj`` as saved now."""
    trips = [("pickle", lambda blob=pickle.dumps(obj): pickle.loads(blob))]
    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    trips.append(("joblib", lambda b=buffer.getvalue(): joblib.load(io.BytesIO(b))))
    pytest.importorskip("skops")
    from sknonneg import persist

    buffer = io.BytesIO()
    persist.dump(obj, buffer)
    blob = buffer.getvalue()
    trusted = _persist_trusted(blob)
    trips.append(("persist", lambda: persist.load(io.BytesIO(blob), trusted=trusted)))
    return trips


@pytest.mark.parametrize("kind", KINDS)
def test_same_version_round_trips_and_copies_do_not_warn(kind):
    obj = _make(kind)
    state = obj.__getstate__()
    assert state[KEY] == sknonneg.__version__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, load in _round_trips(obj):
            _same(obj, load())
        _same(obj, copy.deepcopy(obj))
        _same(obj, copy.copy(obj))
        if kind in ESTIMATORS:
            clone(obj)
    assert KEY not in vars(obj)


def test_persist_lists_no_new_untrusted_type():
    from sknonneg import persist

    buffer = io.BytesIO()
    persist.dump(_make("classifier"), buffer)
    assert set(persist.untrusted_types(io.BytesIO(buffer.getvalue()))) <= set(
        persist.TRUSTED_TYPES)


@pytest.mark.parametrize("kind", KINDS)
def test_another_versions_file_warns_with_its_versions(kind, monkeypatch):
    obj = _make(kind)
    running = sknonneg.__version__
    monkeypatch.setattr(sknonneg, "__version__", "0.0.1")
    trips = _round_trips(obj)  # saved by "0.0.1"
    monkeypatch.setattr(sknonneg, "__version__", running)
    for name, load in trips:
        with pytest.warns(InconsistentVersionWarning) as record:
            loaded = load()
        _same(obj, loaded)
        mine = [w.message for w in record
                if type(w.message).__name__ == "InconsistentVersionWarning"
                and w.message.estimator_name == type(obj).__name__]
        assert len(mine) == 1, name
        warning = mine[0]
        assert warning.original_sknonneg_version == "0.0.1"
        assert warning.current_sknonneg_version == running
        message = str(warning)
        assert f"{type(obj).__name__} saved by sknonneg 0.0.1 with sknonneg " \
               f"{running}" in message
        assert "may not work" in message
        assert "Refit it with this version, or load it with sknonneg 0.0.1" in message


class _OldPickler(pickle.Pickler):
    """Pickles sknonneg's objects as they were pickled before their state held
    the version."""

    def reducer_override(self, obj):
        if type(obj).__module__.startswith("sknonneg.") and hasattr(obj, "__getstate__"):
            state = type(obj).__getstate__(obj)
            if isinstance(state, dict) and KEY in state:
                del state[KEY]
                return (copyreg.__newobj__, (type(obj),), state)
        return NotImplemented


@pytest.mark.parametrize("kind", KINDS)
def test_a_pickle_saved_before_versions_were_recorded_warns_unknown(kind):
    obj = _make(kind)
    buffer = io.BytesIO()
    _OldPickler(buffer).dump(obj)
    assert KEY.encode() not in buffer.getvalue()
    with pytest.warns(InconsistentVersionWarning,
                      match=f"{type(obj).__name__} saved by an unknown version of "
                            "sknonneg") as record:
        loaded = pickle.loads(buffer.getvalue())
    _same(obj, loaded)
    assert {w.message.original_sknonneg_version for w in record
            if isinstance(w.message, InconsistentVersionWarning)} == {"unknown"}


def _schema_state(schema):
    node = schema["content"]
    return node["content"] if node.get("__loader__") == "DictNode" else node


@pytest.mark.parametrize("edit", ["edited", "missing"])
def test_a_skops_file_whose_recorded_version_is_edited_or_missing_warns(tmp_path,
                                                                       edit):
    pytest.importorskip("skops")
    import json
    import zipfile

    from sknonneg import persist

    clf = _make("classifier")
    path = tmp_path / "clf.skops"
    persist.dump(clf, path)
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    schema = json.loads(files["schema.json"])
    state = _schema_state(schema)
    assert json.loads(state[KEY]["content"]) == sknonneg.__version__
    if edit == "edited":
        state[KEY]["content"] = json.dumps("9.9")
    else:
        del state[KEY]
    files["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    saved = "9.9" if edit == "edited" else "unknown"
    with pytest.warns(InconsistentVersionWarning) as record:
        loaded = persist.load(path)
    _same(clf, loaded)
    [warning] = [w.message for w in record
                 if isinstance(w.message, InconsistentVersionWarning)]
    assert (warning.estimator_name, warning.original_sknonneg_version,
            warning.current_sknonneg_version) == (
        "NonNegMLPClassifier", saved, sknonneg.__version__)


def test_overridden_setstate_still_upgrades_old_states():
    # NonNegMLPRegressor and MonotoneCertificate fill in what older states lack,
    # with the version popped before their attributes are set.
    reg = NonNegMLPRegressor(**KW).fit(X, X[:, 0])
    state = reg.__getstate__()
    del state["loss"]
    old = NonNegMLPRegressor.__new__(NonNegMLPRegressor)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        old.__setstate__(state)
    assert old.loss == "squared_error" and KEY not in vars(old)
    np.testing.assert_array_equal(old.predict(X), reg.predict(X))

    cert = _make("certificate")
    state = cert.__getstate__()
    del state["exact_"], state[KEY]
    old = copy.copy(cert)
    old.__dict__.clear()
    with pytest.warns(InconsistentVersionWarning, match="unknown"):
        old.__setstate__(state)
    assert old.exact_ is False and KEY not in vars(old)


def test_the_warning_pickles_and_reads_as_scikit_learns():
    warning = InconsistentVersionWarning(estimator_name="ABBAClassifier",
                                         current_sknonneg_version="0.2",
                                         original_sknonneg_version="0.1")
    assert isinstance(warning, UserWarning)
    copied = pickle.loads(pickle.dumps(warning))
    assert str(copied) == str(warning)
    assert (copied.estimator_name, copied.current_sknonneg_version,
            copied.original_sknonneg_version) == ("ABBAClassifier", "0.2", "0.1")
    with pytest.raises(InconsistentVersionWarning):
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            clf = NonNegMLPClassifier()
            state = clf.__getstate__()
            state[KEY] = "0.0.0"
            NonNegMLPClassifier.__new__(NonNegMLPClassifier).__setstate__(state)


class _OwnGetstate(NonNegMLPClassifier):
    """A user's subclass whose ``__getstate__`` does not call ``super()``."""

    def __getstate__(self):
        return self.__dict__.copy()


class _OwnReduce(RampTransformer):
    """A user's subclass pickled through its own ``__reduce__``."""

    def __reduce__(self):
        return (type(self), (), self.__dict__.copy())


class _Plain(NonNegMLPClassifier):
    """A user's subclass that leaves pickling to sknonneg."""


def test_a_subclass_pickling_without_the_version_does_not_warn_unknown(monkeypatch):
    # A user's subclass whose own __getstate__ (or __reduce__) leaves
    # the version out was told, on every copy and same-version round trip
    # ("Loading _OwnGetstate saved by an unknown version of sknonneg"), that its
    # file came from an unknown version: a missing version says nothing of
    # when such a class was saved.
    own = _OwnGetstate(**KW).fit(X, Y)
    reduced = _OwnReduce().fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        for obj in (own, reduced):
            _same(obj, copy.deepcopy(obj))
            _same(obj, pickle.loads(pickle.dumps(obj)))
    # a subclass that leaves pickling to sknonneg still records the version and
    # warns for another's, or for a pickle saved before versions were recorded
    plain = _Plain(**KW).fit(X, Y)
    assert plain.__getstate__()[KEY] == sknonneg.__version__
    running = sknonneg.__version__
    monkeypatch.setattr(sknonneg, "__version__", "0.0.1")
    blob = pickle.dumps(plain)
    monkeypatch.setattr(sknonneg, "__version__", running)
    with pytest.warns(InconsistentVersionWarning, match="_Plain saved by sknonneg "
                                                        "0.0.1"):
        _same(plain, pickle.loads(blob))
    state = plain.__getstate__()
    del state[KEY]  # as saved before versions were recorded
    old = _Plain.__new__(_Plain)
    with pytest.warns(InconsistentVersionWarning, match="_Plain saved by an unknown"):
        old.__setstate__(state)
    _same(plain, old)
