"""sknonneg.persist.load refuses what it cannot load faithfully (edited layouts,
damaged files, types it does not trust) with a clear error, and loads every
legitimately fitted estimator bit for bit."""

import copy
import io
import json
import pickle
import re
import zipfile

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknonneg import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                      NonNegMLPRegressor)

pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]
skops = pytest.importorskip("skops")
from sknonneg import persist  # noqa: E402

RNG = np.random.RandomState(0)
X = RNG.uniform(size=(60, 4))
Y2 = (X[:, 0] + X[:, 1] > 1).astype(int)
Y3 = np.minimum((X[:, 0] * 3).astype(int), 2)
YML = (X[:, :3] > 0.5).astype(int)
KW = {"hidden_layer_sizes": 3, "max_iter": 5, "random_state": 0}


# ------------------------------------------------------- editing a .skops file
def _read(path):
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    return json.loads(files["schema.json"]), files


def _write(path, schema, files):
    files = dict(files)
    files["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)


def _node(schema, *keys):
    node = schema
    for key in keys:
        node = node["content"]
        if isinstance(node, dict) and node.get("__loader__") == "DictNode":
            node = node["content"]
        node = node[key]
    return node


_FRESH_ID = iter(range(10**9, 10**9 + 10**6))


def _edit(schema, keys, content):
    """Sets a JSON node's content; a fresh ``__id__`` so that no other object that
    shared the node (skops keeps one node per object) changes with it."""
    node = _node(schema, *keys)
    node["content"] = content
    node["__id__"] = next(_FRESH_ID)


def _get_array(files, node):
    return np.load(io.BytesIO(files[node["file"]]), allow_pickle=False)


def _set_array(files, node, array):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    files[node["file"]] = buf.getvalue()


# ------------------------------------------------------ legitimate estimators
def _fitted(case):
    if case.startswith("clf-positive-"):
        positive = {"true": True, "false": False, "hidden": "hidden",
                    "output": "output", "list": [True, False]}[case.split("-")[-1]]
        return NonNegMLPClassifier(positive=positive, **KW).fit(X, Y3)
    if case == "clf-monotone":
        return NonNegMLPClassifier(monotonic_cst=[1, -1, 0, 0], **KW).fit(X, Y2)
    if case == "clf-monotone-dict":
        import pandas as pd
        frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
        return NonNegMLPClassifier(monotonic_cst={"a": 1, "c": -1}, **KW).fit(frame, Y2)
    if case == "clf-logistic":
        return NonNegMLPClassifier(output="logistic", **KW).fit(X, Y2)
    if case == "clf-softmax":
        return NonNegMLPClassifier(output="softmax", **KW).fit(X, Y2)
    if case == "clf-multilabel":
        return NonNegMLPClassifier(**KW).fit(X, YML)
    if case == "clf-l1":
        return NonNegMLPClassifier(positive=False, l1=1e-3, **KW).fit(X, Y3)
    if case == "regressor":
        return NonNegMLPRegressor(**KW).fit(X, X[:, 0])
    if case == "regressor-monotone":
        return NonNegMLPRegressor(monotonic_cst=[1, 0, -1, 0], **KW).fit(X, X[:, 0])
    if case.startswith("abba-") and case.count("-") == 2 and case.split("-")[1] in (
            "tanh", "identity", "clr"):
        _, activation, lipschitz_max = case.split("-")
        return ABBAClassifier(
            activation=activation.replace("clr", "capped_leaky_relu"),
            lipschitz_max=None if lipschitz_max == "none" else float(lipschitz_max),
            **KW).fit(X, Y3)
    if case == "abba-deep-l1":
        return ABBAClassifier(hidden_layer_sizes=(3, 2), l1=1e-3, max_iter=5,
                              random_state=0).fit(X, Y2)
    if case == "abba-from-mlp":
        mlp = NonNegMLPClassifier(positive=False, activation="tanh", **KW).fit(X, Y2)
        return ABBAClassifier.from_mlp(mlp)
    if case in ("autoencoder-false", "autoencoder-bounds", "autoencoder-penalty"):
        nonneg = {"false": False, "bounds": "bounds",
                  "penalty": "penalty"}[case.split("-")[1]]
        return NonNegAutoencoder(n_components=2, nonneg=nonneg, max_iter=3,
                                 random_state=0).fit(X)
    if case == "warm-start":
        est = NonNegMLPClassifier(warm_start=True, **KW).fit(X, Y3)
        return est.fit(X, Y3)
    if case == "partial-fit":
        est = NonNegMLPClassifier(**KW)
        est.partial_fit(X, Y3, classes=[0, 1, 2])
        return est.partial_fit(X, Y3)
    if case == "abba-partial-fit":
        est = ABBAClassifier(**KW)
        est.partial_fit(X, Y2, classes=[0, 1])
        return est.partial_fit(X, Y2)
    if case == "regressor-partial-fit":
        est = NonNegMLPRegressor(**KW)
        est.partial_fit(X, X[:, 0])
        return est.partial_fit(X, X[:, 0])
    if case == "autoencoder-partial-fit":
        est = NonNegAutoencoder(n_components=2, max_iter=3, random_state=0)
        est.partial_fit(X)
        return est.partial_fit(X)
    if case == "from-autoencoders":
        ae = NonNegAutoencoder(n_components=3, max_iter=3, random_state=0).fit(X)
        return NonNegMLPClassifier.from_autoencoders([ae], max_iter=5,
                                                     random_state=0).fit(X, Y3)
    if case == "set-params-after-fit":
        # The file holds the fitted network, not what the changed parameters
        # would build: it loads.
        est = NonNegMLPClassifier(positive=True, monotonic_cst=[1, 0, 0, 0],
                                  **KW).fit(X, Y2)
        return est.set_params(positive=False, monotonic_cst=None,
                              hidden_layer_sizes=7, l1=0.5, activation="relu")
    if case == "abba-set-params-after-fit":
        est = ABBAClassifier(activation="capped_leaky_relu", **KW).fit(X, Y2)
        return est.set_params(cap_slope=0.5, cap=3.0, lipschitz_max=1.0,
                              hidden_layer_sizes=(2, 2), l1=0.1, activation="tanh")
    if case == "autoencoder-set-params-after-fit":
        est = NonNegAutoencoder(n_components=2, nonneg="bounds", max_iter=3,
                                random_state=0).fit(X)
        return est.set_params(n_components=3, nonneg=False)
    if case == "pipeline":
        return make_pipeline(StandardScaler(), NonNegMLPClassifier(**KW)).fit(X, Y2)
    raise AssertionError(case)


LEGIT = ["clf-positive-true", "clf-positive-false", "clf-positive-hidden",
         "clf-positive-output", "clf-positive-list", "clf-monotone",
         "clf-monotone-dict", "clf-logistic", "clf-softmax", "clf-multilabel",
         "clf-l1", "regressor", "regressor-monotone",
         *[f"abba-{a}-{m}" for a in ("tanh", "identity", "clr") for m in ("none", "2")],
         "abba-deep-l1", "abba-from-mlp", "autoencoder-false", "autoencoder-bounds",
         "autoencoder-penalty", "warm-start", "partial-fit", "abba-partial-fit",
         "regressor-partial-fit", "autoencoder-partial-fit", "from-autoencoders",
         "set-params-after-fit", "abba-set-params-after-fit",
         "autoencoder-set-params-after-fit", "pipeline"]


@pytest.mark.parametrize("case", LEGIT)
def test_load_gives_back_every_legitimately_fitted_estimator(tmp_path, case):
    est = _fitted(case)
    data = X
    if case == "clf-monotone-dict":
        import pandas as pd

        data = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    path = tmp_path / "est.skops"
    persist.dump(est, path)
    loaded = persist.load(path)
    for method in ("predict_proba", "predict", "transform", "decision_function"):
        if hasattr(est, method):
            try:
                want = getattr(est, method)(data)
            except (AttributeError, NotImplementedError):
                continue
            np.testing.assert_array_equal(getattr(loaded, method)(data), want)
            break
    else:
        raise AssertionError("nothing compared")
    final = est[-1] if hasattr(est, "steps") else est
    loaded_final = loaded[-1] if hasattr(loaded, "steps") else loaded
    np.testing.assert_array_equal(loaded_final._theta, final._theta)


def test_an_autoencoder_copied_after_set_params_keeps_its_fitted_decoder(tmp_path):
    # Before: after set_params(decoder="linear", nonneg=False) on a fitted
    # autoencoder, persist.load (and pickle) rebuilt out_activation_="identity"
    # and weight_constraints_=["free", "free"] from the new parameters: the
    # copy's inverse_transform differed from the original's by up to 0.9.
    ae = NonNegAutoencoder(n_components=2, nonneg="bounds", max_iter=3,
                           random_state=0).fit(X)
    want = ae.inverse_transform(ae.transform(X))
    ae.set_params(decoder="linear", nonneg=False)
    path = tmp_path / "ae.skops"
    persist.dump(ae, path)
    for loaded in (persist.load(path), pickle.loads(pickle.dumps(ae))):
        assert loaded.out_activation_ == "logistic"
        assert loaded.weight_constraints_ == ["free", "nonneg"]
        np.testing.assert_array_equal(loaded.inverse_transform(loaded.transform(X)),
                                      want)


# --------------------------------------------------- edited network layouts
def _abba_file(tmp_path, **params):
    est = ABBAClassifier(hidden_layer_sizes=(4, 3), activation="capped_leaky_relu",
                         cap_slope=0.1, max_iter=10, random_state=0, **params)
    path = tmp_path / "abba.skops"
    persist.dump(est.fit(X, Y2), path)
    return path


@pytest.mark.parametrize("layer, field, content", [
    (0, "slope", "50.0"), (1, "slope", "50.0"), (0, "slope", "0.5"),
    (0, "slope", "NaN"), (0, "cap", "5.0"), (1, "cap", "-1.0"), (0, "cap", "0.0"),
    (1, "role", "-1"), (1, "role", "\"x\""), (0, "role", "1"), (2, "role", "1"),
    (0, "activation", "\"tanh\""), (0, "free", "false"), (1, "l1", "-1.0"),
])
def test_load_refuses_an_edited_abba_layer(tmp_path, layer, field, content):
    # Before: an edited slope (0.1 -> 50) loaded, and certified_radius, whose
    # lipschitz_bound_ does not read the slope, overstated robustness 10x; an
    # edited cap changed predictions; an edited role loaded and broke predict_proba
    # (AttributeError, a matmul error).
    path = _abba_file(tmp_path)
    schema, files = _read(path)
    assert field in _node(schema, "_layout", "network", layer)["content"]["content"]
    _edit(schema, ["_layout", "network", layer, field], content)
    _write(path, schema, files)
    # (A layer's storage edited fails to build: also a ValueError.)
    with pytest.raises(ValueError, match="abba.skops (holds an inconsistent "
                                         "ABBAClassifier|does not hold a consistent)"):
        persist.load(path)


def test_load_refuses_an_edited_slope_with_its_fitted_parameter(tmp_path):
    # The layer and the parameter it was fitted with edited alike: cap_slope=50 is
    # no valid parameter (its activation would no longer be 1-Lipschitz).
    path = _abba_file(tmp_path)
    schema, files = _read(path)
    for layer in range(2):
        _edit(schema, ["_layout", "network", layer, "slope"], "50.0")
    _edit(schema, ["_fitted_params", "cap_slope"], "50.0")
    _edit(schema, ["cap_slope"], "50.0")
    _write(path, schema, files)
    with pytest.raises(ValueError, match="holds an inconsistent ABBAClassifier"):
        persist.load(path)


def test_load_refuses_sign_constraints_that_are_not_the_fitted_positive(tmp_path):
    # Before: a positive=True network whose first layer's signs were set to 0 (free)
    # and whose weights were made negative loaded, with weight_constraints_[0] ==
    # "free" and no feature certified monotone.
    clf = NonNegMLPClassifier(hidden_layer_sizes=4, positive=True, output="logistic",
                              max_iter=30, random_state=0).fit(X, Y2)
    path = tmp_path / "bin.skops"
    persist.dump(clf, path)
    schema, files = _read(path)
    signs = _node(schema, "_layout", "network", 0, "signs")
    _set_array(files, signs, np.zeros(X.shape[1], np.int8))
    signs["__id__"] = next(_FRESH_ID)
    theta_node = _node(schema, "_theta")
    theta = _get_array(files, theta_node).copy()
    theta[:X.shape[1] * 4] = -np.abs(theta[:X.shape[1] * 4]) - 1.0
    _set_array(files, theta_node, theta)
    _write(path, schema, files)
    with pytest.raises(ValueError,
                       match="bin.skops holds an inconsistent NonNegMLPClassifier"):
        persist.load(path)


@pytest.mark.parametrize("kind", ["regressor", "autoencoder", "monotone"])
def test_load_refuses_sign_constraints_of_other_networks(tmp_path, kind):
    layer = 0
    if kind == "regressor":
        est = NonNegMLPRegressor(positive=True, **KW).fit(X, X[:, 0])
        signs = np.zeros(X.shape[1], np.int8)
    elif kind == "autoencoder":
        est = NonNegAutoencoder(n_components=2, nonneg="bounds", max_iter=3,
                                random_state=0).fit(X)
        layer, signs = 1, np.zeros(2, np.int8)  # its decoder is bounded
    else:  # its monotonic_cst_ edited with the signs, as the old check wanted
        est = NonNegMLPClassifier(monotonic_cst=[1, 0, 0, 0], **KW).fit(X, Y2)
        signs = np.array([1, 1, 0, 0], np.int8)
    path = tmp_path / "est.skops"
    persist.dump(est, path)
    schema, files = _read(path)
    node = _node(schema, "_layout", "network", layer, "signs")
    assert not np.array_equal(_get_array(files, node), signs)
    _set_array(files, node, signs)
    node["__id__"] = next(_FRESH_ID)
    if kind == "monotone":
        node = _node(schema, "monotonic_cst_")
        _set_array(files, node, signs)
        node["__id__"] = next(_FRESH_ID)
    _write(path, schema, files)
    with pytest.raises(ValueError, match="est.skops holds an inconsistent"):
        persist.load(path)


@pytest.mark.parametrize("case, edits", [
    ("clf-softmax", {"out_activation_": "logistic"}),
    ("clf-softmax", {"out_activation_": "bogus"}),
    ("clf-logistic", {"out_activation_": "softmax"}),
    ("clf-softmax", {"out_activation_": "logistic", ("_fitted_params", "output"):
                     "logistic", "output": "logistic"}),  # 2 units, not 1
    ("clf-auto-binary", {"out_activation_": "logistic", "_auto_output": "logistic"}),
    ("clf-auto-3", {"out_activation_": "logistic", "_auto_output": "logistic"}),
    ("clf-auto-3", {"_auto_output": "bogus", "out_activation_": "bogus"}),
    ("abba", {"out_activation_": "logistic"}),
    ("regressor", {"out_activation_": "logistic"}),
])
def test_load_refuses_an_output_function_it_was_not_fitted_with(tmp_path, case, edits):
    # Before: a binary softmax classifier whose out_activation_ was edited to
    # "logistic" (or "bogus") loaded, and predict_proba changed by up to 0.37; a
    # regressor's "logistic" loaded and its monotone_certificate said so.
    est = {"clf-softmax": lambda: _fitted("clf-softmax"),
           "clf-logistic": lambda: _fitted("clf-logistic"),
           "clf-auto-binary": lambda: NonNegMLPClassifier(**KW).fit(X, Y2),
           "clf-auto-3": lambda: NonNegMLPClassifier(**KW).fit(X, Y3),
           "abba": lambda: ABBAClassifier(**KW).fit(X, Y2),
           "regressor": lambda: _fitted("regressor")}[case]()
    path = tmp_path / "est.skops"
    persist.dump(est, path)
    schema, files = _read(path)
    for keys, value in edits.items():
        keys = [keys] if isinstance(keys, str) else list(keys)
        _edit(schema, keys, json.dumps(value))
    _write(path, schema, files)
    with pytest.raises(ValueError, match="est.skops holds an inconsistent "
                                         f"{type(est).__name__}: .*output"):
        persist.load(path)


@pytest.mark.parametrize("key, content, message", [
    ("_gain_", '"x"', "its gain 'x' is not a finite positive number"),
    ("n_features_in_", '"4"', "its n_features_in_='4' is of type str, not an int"),
    ("n_features_in_", "4.0", "its n_features_in_=4.0 is of type float, not an int"),
    ("n_outputs_", "true", "its n_outputs_=True is of type bool, not an int"),
])
def test_load_refuses_a_fitted_field_of_the_wrong_type(tmp_path, key, content,
                                                       message):
    # Before: _gain_="x" was numpy's raw TypeError "ufunc 'isfinite' not
    # supported"; n_features_in_="4" was "n_features_in_=4 but the network's first
    # layer reads 4 features"; 4.0 "expected a sequence of integers ... got
    # '4.0'"; n_outputs_=True loaded (True == 1).
    path = tmp_path / "clf.skops"
    persist.dump(_fitted("clf-logistic"), path)
    schema, files = _read(path)
    _edit(schema, [key], content)
    _write(path, schema, files)
    with pytest.raises(ValueError, match="clf.skops holds an inconsistent "
                                         "NonNegMLPClassifier: " + re.escape(message)):
        persist.load(path)


def _add_attribute(schema, keys, name):
    """Adds an int attribute ``name`` to the state of the object at ``keys``
    (a copy of the network's ``n_features_in_`` node, under a fresh id)."""
    node = copy.deepcopy(_node(schema, "n_features_in_"))
    node["__id__"] = next(_FRESH_ID)
    state = _node(schema, *keys)["content"] if keys else schema["content"]
    state["content"][name] = node
    state["key_types"]["content"].append(
        copy.deepcopy(state["key_types"]["content"][0]))


@pytest.mark.parametrize("keys, owner, name", [
    *[((), "NonNegMLPClassifier", name)
      for name in ["predict_proba", "_fitted_gain", "_build_layout",
                   "_check_fitted_state", "_set_fitted_layers", "_FITTED_PARAMS",
                   "_parameter_constraints"]],
    # The network's layout (before this, only the network itself was checked:
    # a layout's pack=4 loaded, and the next warm start failed).
    (("_layout",), "ParameterLayout", "pack"),
    (("_layout",), "ParameterLayout", "project"),
])
def test_load_refuses_an_attribute_that_would_replace_a_method(tmp_path, keys,
                                                               owner, name):
    # A file sets the instance's attributes. Before: predict_proba=4 (or the
    # check's own name) loaded, and the method was gone; _fitted_gain=4 was a raw
    # TypeError "'int' object is not callable" rather than the file's error.
    from sknonneg._engine.layout import ParameterLayout

    if owner == "ParameterLayout":
        assert hasattr(ParameterLayout, name)
    path = tmp_path / "clf.skops"
    persist.dump(_fitted("clf-logistic"), path)
    schema, files = _read(path)
    _add_attribute(schema, keys, name)
    _write(path, schema, files)
    with pytest.raises(ValueError, match=f"clf.skops holds an inconsistent {owner}: "
                       r"its attribute\(s\) \['" + name
                       + r"'\] would replace the method\(s\) or class attribute"):
        persist.load(path)


def test_load_refuses_a_shadowing_attribute_of_a_ramp_transformer(tmp_path):
    # Not a network: before, only networks were checked, and a RampTransformer
    # in a pipeline loaded with transform=4.
    from sklearn.datasets import load_digits

    from sknonneg.preprocessing import RampTransformer

    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(RampTransformer(n_knots=3), NonNegMLPClassifier(
        hidden_layer_sizes=(3,), max_iter=3, random_state=0)).fit(X[:200], y[:200])
    path = tmp_path / "pipe.skops"
    persist.dump(pipe, path)
    schema, files = _read(path)
    ramp = schema["content"]["content"]["steps"]["content"][0]["content"][1]
    node = copy.deepcopy(ramp["content"]["content"]["n_features_in_"])
    node["__id__"] = next(_FRESH_ID)
    ramp["content"]["content"]["transform"] = node
    ramp["content"]["key_types"]["content"].append(
        copy.deepcopy(ramp["content"]["key_types"]["content"][0]))
    _write(path, schema, files)
    with pytest.raises(ValueError, match="pipe.skops holds an inconsistent "
                       r"RampTransformer: its attribute\(s\) \['transform'\]"):
        persist.load(path)


def test_load_names_the_file_for_a_missing_field_and_a_theta_of_another_dtype(
        tmp_path):
    # Before: a file without classes_ escaped as the raw AttributeError of the
    # check; a float32 _theta of the right shape was "its parameters have shape
    # (23,), its layout needs (23,)".
    path = tmp_path / "clf.skops"
    persist.dump(_fitted("clf-logistic"), path)
    schema, files = _read(path)
    state = schema["content"]
    del state["key_types"]["content"][list(state["content"]).index("classes_")]
    del state["content"]["classes_"]
    _write(path, schema, files)
    with pytest.raises(ValueError, match="clf.skops holds an inconsistent "
                       r"NonNegMLPClassifier: checking its fitted state failed "
                       r"\(AttributeError: .*classes_"):
        persist.load(path)
    persist.dump(_fitted("clf-logistic"), path)
    schema, files = _read(path)
    node = _node(schema, "_theta")
    theta = _get_array(files, node)
    _set_array(files, node, theta.astype(np.float32))
    _write(path, schema, files)
    with pytest.raises(ValueError, match=re.escape(
            f"its parameters are ndarray of dtype float32 and shape {theta.shape}, "
            f"its layout needs float64 of shape {theta.shape}")):
        persist.load(path)


# ------------------------------------------------------------- damaged files
def _clf_file(tmp_path):
    path = tmp_path / "clf.skops"
    persist.dump(NonNegMLPClassifier(**KW).fit(X, Y2), path)
    return path


def test_load_calls_a_file_missing_a_member_damaged(tmp_path):
    # Before: a raw KeyError from load and untrusted_types.
    path = _clf_file(tmp_path)
    _, files = _read(path)
    del files[next(n for n in files if n.endswith(".npy"))]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    for read in (persist.untrusted_types, persist.load):
        with pytest.raises(ValueError, match="clf.skops is a damaged skops file"):
            read(path)


@pytest.mark.parametrize("member", ["npy", "schema"])
def test_load_calls_a_corrupted_file_damaged(tmp_path, member):
    # Before: a flipped byte (bad CRC) was reported as "not a file written by
    # sknonneg.persist.dump or skops.io.dump".
    path = _clf_file(tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = next(i for i in z.infolist()
                    if i.filename.endswith(".npy" if member == "npy" else ".json"))
    data[info.header_offset + 30 + len(info.filename) + 40] ^= 0xFF
    path.write_bytes(bytes(data))
    for read in (persist.untrusted_types, persist.load):
        with pytest.raises(ValueError, match="damaged") as err:
            read(path)
        assert "not a file written" not in str(err.value)


@pytest.mark.parametrize("cut", [1, 100, "half"])
def test_load_calls_a_file_cut_short_damaged(tmp_path, cut):
    # Before: a skops file cut short (an interrupted copy) was "not a file written
    # by sknonneg.persist.dump or skops.io.dump ... (a pickle or joblib file is
    # loaded with joblib.load ...)", although it starts as a zip archive.
    path = _clf_file(tmp_path)
    data = path.read_bytes()
    data = data[:len(data) // 2 if cut == "half" else -cut]
    path.write_bytes(data)
    for read in (persist.untrusted_types, persist.load):
        for file in (path, io.BytesIO(data)):
            with pytest.raises(ValueError, match="is a damaged skops file: it starts "
                                                 "as a zip archive") as err:
                read(file)
            assert "joblib" not in str(err.value)


@pytest.mark.parametrize("schema, error", [
    ("{", "JSONDecodeError"), ("{}", "TypeError"), ("[]", "AttributeError"),
    ("\"x\"", "AttributeError"), (b"\xff", "UnicodeDecodeError"),
    pytest.param("[" * 100_000 + "]" * 100_000, "RecursionError", id="nested"),
])
def test_load_calls_a_schema_that_is_not_one_damaged(tmp_path, schema, error):
    # Before: the raw errors of json and skops: JSONDecodeError, TypeError
    # "Invalid skops protocol None", AttributeError "'list' object has no
    # attribute 'get'", and a RecursionError from json on a deeply nested schema.
    path = tmp_path / "clf.skops"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("schema.json", schema)
    for read in (persist.untrusted_types, persist.load):
        with pytest.raises(ValueError, match="clf.skops is a damaged skops file: its "
                           f"schema.json is not a skops schema: .*\\({error}\\)"):
            read(path)


def test_load_still_says_what_is_not_a_skops_file(tmp_path):
    path = tmp_path / "model.joblib"
    path.write_bytes(b"\x80\x04not a zip")
    with pytest.raises(ValueError, match="is not a file written by"):
        persist.load(path)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hello")
    for read in (persist.untrusted_types, persist.load):
        with pytest.raises(ValueError, match="is not a file written by"):
            read(other)


def test_load_takes_trusted_none_as_no_further_types(tmp_path):
    # Before: TypeError 'NoneType' object is not iterable.
    path = _clf_file(tmp_path)
    assert isinstance(persist.load(path, trusted=None), NonNegMLPClassifier)
    with open(path, "rb") as fh:  # a file object is read from where it was
        assert isinstance(persist.load(fh, trusted=None), NonNegMLPClassifier)


@pytest.mark.parametrize("trusted", [5, True, [5], ["a.B", NonNegMLPClassifier],
                                     NonNegMLPClassifier])
def test_load_refuses_trusted_that_is_not_type_names(tmp_path, trusted):
    # Before: trusted=5 or True was "'int' object is not iterable", a type alone
    # "'type' object is not iterable"; [5] and a list holding a type were taken
    # silently, the type never matched (names are compared).
    path = _clf_file(tmp_path)
    with pytest.raises(TypeError, match="trusted must be a type name \\(str\\), a "
                       "sequence of type names or None, got .*untrusted_types"):
        persist.load(path, trusted=trusted)
    # Names in any sequence are taken (a tuple, an array of them).
    names = persist.untrusted_types(path)
    for trusted in (tuple(names), np.array(names)):
        assert isinstance(persist.load(path, trusted=trusted), NonNegMLPClassifier)


# --------------------------------------------------------------- other types
def test_load_does_not_call_an_untrusted_sknonneg_type_another_versions(tmp_path):
    # Before: "was written by another version of sknonneg: it holds
    # ...MonotoneCertificate, which this version does not have"; it has it.
    from skops.io.exceptions import UntrustedTypesFoundException

    from sknonneg.robustness import monotone_certificate

    clf = NonNegMLPClassifier(positive=True, output="logistic", **KW).fit(X, Y2)
    path = tmp_path / "cert.skops"
    persist.dump(monotone_certificate(clf), path)
    with pytest.raises(UntrustedTypesFoundException, match="trusted=") as err:
        persist.load(path)
    assert "another version" not in str(err.value)
    assert "MonotoneCertificate" in str(err.value)
    cert = persist.load(path, trusted=persist.untrusted_types(path))
    assert type(cert).__name__ == "MonotoneCertificate"


def test_load_says_another_version_for_a_type_this_one_lacks(tmp_path):
    path = _clf_file(tmp_path)
    schema, files = _read(path)
    schema["__class__"] = "NonNegMLPClassifierOfTomorrow"
    _write(path, schema, files)
    with pytest.raises(ValueError, match="written by another version of sknonneg"):
        persist.load(path)
    schema["__class__"], schema["__module__"] = "Main", "sknonneg.__main__"
    _write(path, schema, files)
    with pytest.raises(ValueError, match="written by another version of sknonneg"):
        persist.load(path)


@pytest.mark.parametrize("module, name", [
    ("sknonneg._engine.layout_v2", "ParameterLayout"),  # a module it lacks
    ("sknonneg._engine.layout", "ParameterLayoutV2"),  # a class it lacks
])
def test_load_says_another_version_also_for_trusted_types(tmp_path, module, name):
    # Before: loaded with trusted=persist.untrusted_types(path), as the docs advise
    # for meta-estimators, a raw ModuleNotFoundError, or "does not hold a
    # consistent estimator: building it failed with AttributeError".
    path = _clf_file(tmp_path)
    schema, files = _read(path)
    _node(schema, "_layout").update(__module__=module, __class__=name)
    _write(path, schema, files)
    for trusted in ((), persist.untrusted_types(path)):
        with pytest.raises(ValueError, match=f"written by another version of "
                                             f"sknonneg: it holds {module}.{name},"):
            persist.load(path, trusted=trusted)


def test_a_file_holding_sknonneg_functions_loads_with_its_trusted_names(tmp_path):
    # Before: the check for another version's types counted classes only, and since
    # it covers the trusted names too, a file holding one of this version's
    # functions (a make_scorer(multilabel_hit_rate), a FunctionTransformer of
    # hoyer_sparsity) could not be loaded at all: "written by another version".
    from sklearn.metrics import make_scorer
    from sklearn.preprocessing import FunctionTransformer

    from sknonneg.datasets import multilabel_hit_rate
    from sknonneg.inspection import hoyer_sparsity

    rng = np.random.RandomState(0)
    X = rng.rand(60, 4)
    clf = NonNegMLPClassifier(3, max_iter=5, random_state=0).fit(X, X[:, 0] > 0.5)
    for obj in ({"model": clf, "scorer": make_scorer(multilabel_hit_rate)},
                [FunctionTransformer(hoyer_sparsity), clf]):
        path = tmp_path / "f.skops"
        persist.dump(obj, path)
        trusted = persist.untrusted_types(path)
        assert any(name.endswith(("multilabel_hit_rate", "hoyer_sparsity"))
                   for name in trusted)
        loaded = persist.load(path, trusted=trusted)
        model = loaded["model"] if isinstance(loaded, dict) else loaded[1]
        np.testing.assert_array_equal(model.predict_proba(X), clf.predict_proba(X))


def test_load_refuses_fitted_parameters_that_build_another_network(tmp_path):
    # The hidden widths are compared before anything of their size is built.
    path = _clf_file(tmp_path)
    schema, files = _read(path)
    _edit(schema, ["_fitted_params", "hidden_layer_sizes"], "1000000000")
    _write(path, schema, files)
    with pytest.raises(ValueError, match="clf.skops holds an inconsistent "
                                         "NonNegMLPClassifier: its hidden layers"):
        persist.load(path)


def test_dump_names_the_metadata_requests_skops_cannot_save(tmp_path):
    # Before: a traceback thousands of lines long ending in RecursionError (skops
    # on scikit-learn's MetadataRequest; a LogisticRegression fails the same way).
    import sklearn

    X = np.random.RandomState(0).rand(30, 3)
    y = np.arange(30) % 2
    with sklearn.config_context(enable_metadata_routing=True):
        est = NonNegMLPClassifier(hidden_layer_sizes=3, max_iter=3, random_state=0)
        scaler = StandardScaler().set_fit_request(sample_weight=False)
        pipe = make_pipeline(scaler, est.set_fit_request(sample_weight=True))
        pipe.fit(X, y, sample_weight=np.ones(30))
        path = tmp_path / "m.skops"
        with pytest.raises(ValueError, match="StandardScaler, NonNegMLPClassifier "
                           "hold one"):
            persist.dump(pipe, path)
    assert not path.exists()


class _MyClassifier(NonNegMLPClassifier):
    """A user's subclass (trusted by the caller when loading)."""


def test_load_checks_a_users_subclass_of_a_network(tmp_path):
    # A subclass defined outside sknonneg is checked as its base. A walk that
    # selected objects by their type's module alone skipped it: predict_proba=4
    # loaded, and every fitted-state check was skipped (review).
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    est = _MyClassifier(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(
        X[:100] / 16, y[:100] % 2)
    path = tmp_path / "mine.skops"
    persist.dump(est, path)
    loaded = persist.load(path, trusted=persist.untrusted_types(path))
    np.testing.assert_array_equal(loaded.predict_proba(X[:5] / 16),
                                  est.predict_proba(X[:5] / 16))
    schema, files = _read(path)
    _add_attribute(schema, (), "predict_proba")
    _write(path, schema, files)
    with pytest.raises(ValueError, match="mine.skops holds an inconsistent "
                       r"_MyClassifier: its attribute\(s\) \['predict_proba'\]"):
        persist.load(path, trusted=persist.untrusted_types(path))


@pytest.mark.parametrize("classes, reason", [
    ([1, 0], "its classes_ is not sorted"),
    ([0, 0], "its classes_ has repeated labels"),
])
def test_load_refuses_classes_that_are_not_sorted_and_unique(tmp_path, classes, reason):
    # Before: a file whose classes_ was [1, 0] loaded, and every prediction (and
    # the certificate's positive_class_) was flipped; [0, 0] predicted one class.
    clf = copy.deepcopy(_fitted("clf-logistic"))
    clf.classes_ = np.array(classes)
    clf._label_encoder.classes_ = clf.classes_
    path = tmp_path / "clf.skops"
    persist.dump(clf, path)
    with pytest.raises(ValueError, match="clf.skops holds an inconsistent "
                       f"NonNegMLPClassifier: {reason} "
                       r"\(the fit makes it sorted and unique"):
        persist.load(path)


def test_load_refuses_classes_unlike_its_label_encoder(tmp_path):
    # Before: partial_fit encoded labels with the encoder's classes, predict
    # decoded them with classes_: a file where they differ learnt one label as
    # another.
    clf = copy.deepcopy(_fitted("clf-logistic"))
    clf.classes_ = np.array([0, 2])
    path = tmp_path / "clf.skops"
    persist.dump(clf, path)
    with pytest.raises(ValueError, match="its classes_ differs from the classes_ "
                                         "of its _label_encoder"):
        persist.load(path)


def test_load_refuses_a_poisson_regressor_whose_y_mean_is_not_its_y_scale(tmp_path):
    # loss="poisson" fits y / y_mean_ and predicts y_scale_ exp(z), the same
    # number. Before, a file whose y_mean_ was edited loaded, and a warm start's
    # score read the edited mean.
    y = np.abs(X[:, 0]) + 1.0
    est = NonNegMLPRegressor(loss="poisson", **KW).fit(X, y)
    path = tmp_path / "poisson.skops"
    persist.dump(est, path)
    schema, files = _read(path)
    node = _node(schema, "y_mean_")
    _set_array(files, node, 2.0 * _get_array(files, node))
    node["__id__"] = next(_FRESH_ID)
    _write(path, schema, files)
    with pytest.raises(ValueError, match="poisson.skops holds an inconsistent "
                                         "NonNegMLPRegressor.*y_mean_"):
        persist.load(path)


def test_load_names_the_way_to_trust_a_pipelines_helper_types(tmp_path):
    """A Pipeline with a SimpleImputer (the usual first step on tabular data with
    gaps) keeps a numpy.dtype, which skops does not trust. Before, persist.load
    raised skops' bare "Untrusted types found in the file: ['numpy.dtype']." and
    the docs said NumPy's types were trusted; the message now says how to allow
    them, and the file loads with them allowed and predicts the same."""
    from skops.io.exceptions import UntrustedTypesFoundException
    from sklearn.impute import SimpleImputer

    rng = np.random.RandomState(0)
    X = rng.rand(60, 3)
    X[::5, 1] = np.nan
    y = (np.nan_to_num(X[:, 0]) > 0.5).astype(int)
    est = make_pipeline(SimpleImputer(), StandardScaler(), NonNegMLPClassifier(
        hidden_layer_sizes=(3,), max_iter=5, random_state=0)).fit(X, y)
    path = tmp_path / "imputed.skops"
    persist.dump(est, path)
    if "numpy.dtype" not in persist.untrusted_types(path):
        pytest.skip("this version of skops trusts numpy.dtype")
    with pytest.raises(UntrustedTypesFoundException,
                       match=r"numpy\.dtype.*untrusted_types\(.*trusted="):
        persist.load(path)
    loaded = persist.load(path, trusted=["numpy.dtype"])
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


def test_a_path_given_as_bytes_is_a_path_and_content_as_bytes_is_refused(tmp_path):
    # Before: bytes passed the file check, and skops failed on them with
    # "'bytes' object has no attribute 'write'" (dump) or "... 'seek'" (load,
    # untrusted_types), a path given as bytes included.
    path = tmp_path / "clf.skops"
    clf = NonNegMLPClassifier(**KW).fit(X, Y2)
    persist.dump(clf, bytes(path))
    assert persist.untrusted_types(bytes(path)) == persist.untrusted_types(path)
    loaded = persist.load(bytes(path))
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    for read in (persist.untrusted_types, persist.load):
        with pytest.raises(TypeError, match="read as a file's content, not its path: "
                           "wrap the content in io.BytesIO"):
            read(path.read_bytes())
    assert isinstance(persist.load(io.BytesIO(path.read_bytes())), NonNegMLPClassifier)


def test_a_bytes_path_starting_with_pk_is_a_path(tmp_path, monkeypatch):
    # Before: any bytes starting with b"PK" read as a zip's content, so the
    # relative path b"PKG_model.skops" was a TypeError ("wrap the content in
    # io.BytesIO"); a zip's signature is b"PK\x03\x04" (b"PK\x05\x06" empty).
    monkeypatch.chdir(tmp_path)
    clf = NonNegMLPClassifier(**KW).fit(X, Y2)
    persist.dump(clf, b"PKG_model.skops")
    assert (tmp_path / "PKG_model.skops").is_file()
    assert (persist.untrusted_types(b"PKG_model.skops")
            == persist.untrusted_types("PKG_model.skops"))
    loaded = persist.load(b"PKG_model.skops")
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # a zip's content, even cut to its signature, is still refused
    for content in (b"PK\x03\x04", b"PK\x05\x06"):
        with pytest.raises(TypeError, match="read as a file's content"):
            persist.load(content)


def _estimator_state(schema):
    node = schema["content"]
    return node["content"] if node.get("__loader__") == "DictNode" else node


@pytest.mark.parametrize("case", [
    ("clf", "l1"), ("clf", "tol"), ("reg", "l2"), ("reg", "monotonic_cst"),
    ("abba", "activation"), ("ae", "n_components"), ("ramp", "n_knots")])
def test_load_refuses_an_estimator_without_one_of_its_parameters(tmp_path, case):
    # A file of a version before the parameter existed (or edited by hand). Before:
    # it loaded, and get_params, repr, clone and fit then failed with
    # "'NonNegMLPClassifier' object has no attribute 'l1'".
    from sknonneg.preprocessing import RampTransformer

    kind, param = case
    est = {"clf": lambda: NonNegMLPClassifier(**KW).fit(X, Y2),
           "reg": lambda: NonNegMLPRegressor(**KW).fit(X, X[:, 0]),
           "abba": lambda: ABBAClassifier(max_iter=5, random_state=0).fit(X, Y2),
           "ae": lambda: NonNegAutoencoder(n_components=2, max_iter=5,
                                           random_state=0).fit(X),
           "ramp": lambda: RampTransformer().fit(X)}[kind]()
    assert param in est.get_params()
    path = tmp_path / "model.skops"
    persist.dump(make_pipeline(StandardScaler(), est), path)
    schema, files = _read(path)
    steps = _estimator_state(schema)["steps"]["content"]
    state = _estimator_state(steps[1]["content"][1])
    del state[param]
    _write(path, schema, files)
    with pytest.raises(ValueError, match=rf"model.skops holds an inconsistent "
                       rf"{type(est).__name__}: it lacks the parameter\(s\) "
                       rf"\['{param}'\] of this version's .*another version"):
        persist.load(path)


@pytest.mark.parametrize("make", [
    lambda: NonNegMLPClassifier(**KW).fit(X, Y2),
    lambda: NonNegMLPRegressor(**KW).fit(X, X[:, 0]),
    lambda: NonNegAutoencoder(n_components=2, max_iter=5, random_state=0).fit(X)])
def test_load_refuses_fitted_attributes_without_the_fitted_parameters(tmp_path, make):
    # Before: a file without _theta (and the rest of a fitted state) loaded, and
    # predict (transform) raised "object has no attribute 'coefs_'".
    path = tmp_path / "model.skops"
    persist.dump(make(), path)
    schema, files = _read(path)
    del _estimator_state(schema)["_theta"]
    _write(path, schema, files)
    with pytest.raises(ValueError, match=r"model.skops holds an inconsistent \w+: "
                       r"it holds fitted attributes \(.*\) but not its fitted "
                       r"parameters \(_theta\)"):
        persist.load(path)
    # An unfitted estimator still loads.
    persist.dump(make().__class__(), path)
    assert not hasattr(persist.load(path), "_theta")


def test_messages_name_a_file_object_by_its_name_not_its_repr(tmp_path):
    # Before: "<_io.BytesIO object at 0x7f...> is not a file written by ...",
    # "<_io.BufferedReader name='...'> is not ...".
    for content, said in ((b"not a zip", "is not a file written by"),
                          (b"PK\x03\x04 cut short", "is a damaged skops file")):
        for read in (persist.untrusted_types, persist.load):
            with pytest.raises(ValueError, match=f"^The BytesIO file object {said}"
                               ) as info:
                read(io.BytesIO(content))
            assert " at 0x" not in str(info.value)
    path = tmp_path / "empty.skops"
    path.write_bytes(b"")
    with open(path, "rb") as handle, pytest.raises(
            ValueError, match=f"^{re.escape(str(path))} is not a file written by"):
        persist.load(handle)
    # An inconsistent estimator, read from a file object.
    clf = NonNegMLPClassifier(**KW).fit(X, Y2)
    persist.dump(clf, tmp_path / "clf.skops")
    schema, files = _read(tmp_path / "clf.skops")
    del _estimator_state(schema)["_theta"]
    _write(tmp_path / "clf.skops", schema, files)
    with pytest.raises(ValueError, match="^The BytesIO file object holds an "
                       "inconsistent NonNegMLPClassifier: it holds fitted"):
        persist.load(io.BytesIO((tmp_path / "clf.skops").read_bytes()))


def test_a_bytearray_or_memoryview_is_told_apart_from_a_path_and_content(tmp_path):
    # Before: every bytearray was said to "read as a file's content", a path
    # bytearray(b"model.skops") included, and a memoryview was named by its repr
    # ("got memoryview: <memory at 0x...>").
    path = tmp_path / "clf.skops"
    persist.dump(NonNegMLPClassifier(**KW).fit(X, Y2), path)
    content = path.read_bytes()
    for kind in (bytearray, memoryview):
        for read in (persist.untrusted_types, persist.load):
            with pytest.raises(TypeError, match=rf"got a {kind.__name__}, which "
                               r"open\(\) does not take as a path: pass the path as "
                               r"str or bytes, or wrap a file's content in "
                               r"io.BytesIO") as info:
                read(kind(bytes(path)))
            assert "read as a file's content" not in str(info.value)
            with pytest.raises(TypeError, match=rf"got a {kind.__name__} that holds "
                               r"a file's content, not its path: wrap the content in "
                               r"io.BytesIO\(...\)") as info:
                read(kind(content))
            assert "<memory at" not in str(info.value)
        with pytest.raises(TypeError, match=rf"dump takes .*got a {kind.__name__}, "
                           r"which open\(\) does not take as a path: pass the path as "
                           r"str or bytes, or an io.BytesIO\(\) to write the file "
                           "into"):
            persist.dump(NonNegMLPClassifier(), kind(bytes(tmp_path / "x.skops")))
    # bytes content given to dump: not told to wrap it in io.BytesIO
    with pytest.raises(TypeError, match="got bytes that read as a file's content, not "
                       r"its path: pass the path, or an io.BytesIO\(\) to write"):
        persist.dump(NonNegMLPClassifier(), content)
    assert persist.load(io.BytesIO(content)).get_params() == (
        NonNegMLPClassifier(**KW).get_params())
