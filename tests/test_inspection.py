"""Tests for sknonneg.inspection (headless)."""

import io
import math
import re
import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from scipy.special import expit  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.decomposition import NMF, PCA  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402
from sklearn.utils.extmath import safe_sparse_dot  # noqa: E402

from sknonneg import NonNegMLPClassifier  # noqa: E402
from sknonneg._compat import InvalidParameterError  # noqa: E402
from sknonneg.inspection import (  # noqa: E402
    HiddenUnitsDisplay,
    OutputWeightsDisplay,
    describe_network,
    hoyer_sparsity,
    top_features,
    weight_sparsity,
)

N_HIDDEN = 12


# --------------------------------------------------------------------------
# stand-ins and fixtures
# --------------------------------------------------------------------------
class NonNegStandIn(MLPClassifier):
    """MLPClassifier clipped to non-negative weights after fitting.

    Mimics the fitted contract of NonNegMLPClassifier (components_,
    weight_constraints_, transform, lipschitz_bound_) for these tests only.
    """

    def fit(self, X, y):
        super().fit(X, y)
        for W in self.coefs_:
            np.clip(W, 0, None, out=W)
        self.weight_constraints_ = ["nonneg"] * len(self.coefs_)
        self.lipschitz_bound_ = float(
            np.prod([np.linalg.norm(W, 2) for W in self.coefs_])
        )
        return self

    @property
    def components_(self):
        return self.coefs_[0].T

    def transform(self, X):
        H = X
        for W, b in zip(self.coefs_[:-1], self.intercepts_[:-1]):
            H = expit(safe_sparse_dot(H, W) + b)
        return np.asarray(H)


def _bars(bc):
    """``(x, y, width, height)`` of every bar of a row of bars (``bars_[i]``, a
    collection of rectangles), as a bar ``Rectangle``'s ``get_x()``, ``get_y()``,
    ``get_width()``, ``get_height()`` (width, height negative for a bar left of,
    down from, its base): one row of shape (4,) per bar."""
    verts = np.array([p.vertices[:4] for p in bc.get_paths()]).reshape(-1, 4, 2)
    x, y = verts[:, 0, 0], verts[:, 0, 1]
    return np.stack([x, y, verts[:, 1, 0] - x, verts[:, 2, 1] - y], axis=1)


def _digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def _mlp_kw():
    return dict(
        hidden_layer_sizes=(N_HIDDEN,), activation="logistic", max_iter=25,
        random_state=0,
    )


def _make(name):
    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if name == "mlp":
            return MLPClassifier(**_mlp_kw()).fit(X, y)
        if name == "nonneg_standin":
            return NonNegStandIn(**_mlp_kw()).fit(X, y)
        if name == "abba_standin":
            est = MLPClassifier(**_mlp_kw()).fit(X, y)
            est.weight_constraints_ = ["abba", "abba"]
            est.components_ = est.coefs_[0].T.copy()
            return est
        if name == "pipeline_mlp":
            return make_pipeline(MinMaxScaler(), MLPClassifier(**_mlp_kw())).fit(X, y)
        if name == "pca":
            return PCA(N_HIDDEN, random_state=0).fit(X)
        if name == "nmf":
            return NMF(N_HIDDEN, init="nndsvda", max_iter=50, random_state=0).fit(X)
        if name == "nonneg_real":
            return NonNegMLPClassifier(
                hidden_layer_sizes=(N_HIDDEN,), positive=True, max_iter=20,
                random_state=0,
            ).fit(X, y)
    raise ValueError(name)


_CACHE = {}


def fitted(name):
    if name not in _CACHE:
        _CACHE[name] = _make(name)
    return _CACHE[name]


def _final(est):
    return est[-1] if hasattr(est, "steps") else est


def _components(est):
    est = _final(est)
    return est.components_ if hasattr(est, "components_") else est.coefs_[0].T


NETWORKS = [
    "mlp",
    "nonneg_standin",
    "abba_standin",
    "pipeline_mlp",
    "nonneg_real",
]
ALL_ESTIMATORS = NETWORKS + ["pca", "nmf"]
NONNEG = {"nonneg_standin", "nmf", "nonneg_real"}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _all_axes(fig):
    """Axes of a figure including inset (child) axes."""
    stack, out = list(fig.get_axes()), []
    while stack:
        ax = stack.pop()
        out.append(ax)
        stack.extend(ax.child_axes)
    return out


def _count_images(fig):
    return sum(
        isinstance(artist, AxesImage) for ax in _all_axes(fig) for artist in ax.get_images()
    )


def _squares(disp):
    """``(x, y, width, height, faces)`` of the squares of an OutputWeightsDisplay,
    every panel's in turn (``squares_``: one collection per panel, one closed
    path per square): each square's centre and sides in data units, and its fill
    colour (RGBA rows)."""
    corners = [p.vertices[:4] for coll in disp.squares_ for p in coll.get_paths()]
    corners = np.reshape(corners, (-1, 4, 2))
    lo, hi = corners.min(axis=1), corners.max(axis=1)
    faces = np.concatenate([coll.get_facecolors() for coll in disp.squares_]
                           or [np.zeros((0, 4))])
    assert len(faces) == len(corners)  # one colour per square
    return ((lo[:, 0] + hi[:, 0]) / 2, (lo[:, 1] + hi[:, 1]) / 2,
            hi[:, 0] - lo[:, 0], hi[:, 1] - lo[:, 1], faces)


# --------------------------------------------------------------------------
# import behaviour
# --------------------------------------------------------------------------
def test_import_does_not_import_matplotlib():
    code = (
        "import sys, sknonneg.inspection; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plotting_without_matplotlib_has_clear_error(monkeypatch):
    est = fitted("nmf")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'python -m pip install -e "\.\[plot\]"'):
        HiddenUnitsDisplay.from_estimator(est)
    # non-plotting helpers still work
    assert len(top_features(est, k=2)) == 2 * N_HIDDEN


# --------------------------------------------------------------------------
# HiddenUnitsDisplay
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALL_ESTIMATORS)
def test_hidden_units_display_each_estimator(name):
    est = fitted(name)
    W = _components(est)
    disp = HiddenUnitsDisplay.from_estimator(est, image_shape=(8, 8))
    assert _count_images(disp.figure_) == N_HIDDEN
    assert len(disp.images_) == N_HIDDEN
    np.testing.assert_allclose(disp.images_[3].get_array(), W[3].reshape(8, 8))
    vmins = np.array([im.get_clim()[0] for im in disp.images_])
    vmaxs = np.array([im.get_clim()[1] for im in disp.images_])
    if name in NONNEG:
        assert np.all(W >= 0)
        assert not disp.signed_
        np.testing.assert_array_equal(vmins, 0)
        np.testing.assert_allclose(vmaxs, W.max())
    else:
        assert np.any(W < 0)
        assert disp.signed_
        np.testing.assert_allclose(vmins, -vmaxs)
        np.testing.assert_allclose(vmaxs, np.abs(W).max())
    assert disp.images_[0].get_cmap().name == "gray"


@pytest.mark.parametrize("name", ["mlp", "nonneg_standin"])
def test_hidden_units_normalize_unit(name):
    est = fitted(name)
    W = _components(est)
    disp = HiddenUnitsDisplay.from_estimator(est, normalize="unit")
    for i, im in enumerate(disp.images_):
        vmin, vmax = im.get_clim()
        m = np.abs(W[i]).max() if disp.signed_ else W[i].max()
        if m == 0:  # dead unit
            continue
        assert vmax == pytest.approx(m)
        assert vmin == pytest.approx(-m if disp.signed_ else 0.0)


def test_hidden_units_default_shape_and_errors():
    est = fitted("nmf")
    disp = HiddenUnitsDisplay.from_estimator(est)  # 64 features -> 8 x 8
    assert disp.images_[0].get_array().shape == (8, 8)
    # Tabular features (not a square count) point to top_features (49d: a
    # tabular user was told only to pass an image shape).
    with pytest.raises(ValueError, match=r"not a perfect square; pass image_shape="
                       r"\(height, width\)\. Where the features are not the pixels "
                       r"of an image, sknonneg\.inspection\.top_features lists"):
        HiddenUnitsDisplay(np.ones((2, 10))).plot()
    with pytest.raises(ValueError, match="image_shape"):
        HiddenUnitsDisplay.from_estimator(est, image_shape=(4, 4))
    disp = HiddenUnitsDisplay(np.ones((2, 10)), image_shape=(2, 5)).plot()
    assert disp.images_[1].get_array().shape == (2, 5)
    with pytest.raises(ValueError, match="network"):
        HiddenUnitsDisplay.from_estimator(est, order="output_weight")
    with pytest.raises(ValueError, match="order"):
        HiddenUnitsDisplay.from_estimator(fitted("mlp"), order="bogus")
    # Before: n_cols=0 was a ZeroDivisionError; -1.5 and True passed to int().
    for n_cols in [0, -2, 1.5, True]:
        with pytest.raises(ValueError, match="The 'n_cols' parameter of HiddenUnitsDisplay.plot "
                           r"must be an int in the range \[1, inf\) or None"):
            HiddenUnitsDisplay.from_estimator(est, n_cols=n_cols)
    assert HiddenUnitsDisplay.from_estimator(est, n_cols=np.int64(4)).axes_.shape[1] == 4
    # Negative indices count from the end (as the message now says, not [0, n)).
    disp = HiddenUnitsDisplay.from_estimator(fitted("mlp"), units=[-1])
    np.testing.assert_array_equal(disp.unit_ids, [N_HIDDEN - 1])
    with pytest.raises(ValueError, match=rf"in the range \[-{N_HIDDEN}, {N_HIDDEN - 1}\]"):
        HiddenUnitsDisplay.from_estimator(fitted("mlp"), units=[N_HIDDEN])


def test_hidden_units_order_and_selection():
    est = fitted("mlp")
    W, W_out = est.coefs_[0].T, est.coefs_[1]
    strength = np.abs(W_out).sum(axis=1)

    disp = HiddenUnitsDisplay.from_estimator(est, units=5, order="output_weight")
    expected = np.argsort(-strength, kind="stable")[:5]
    np.testing.assert_array_equal(disp.unit_ids, expected)
    assert len(disp.images_) == 5
    np.testing.assert_allclose(disp.images_[0].get_array(), W[expected[0]].reshape(8, 8))

    units = [7, 2, 9]
    disp = HiddenUnitsDisplay.from_estimator(est, units=units)
    np.testing.assert_array_equal(disp.unit_ids, units)

    disp = HiddenUnitsDisplay.from_estimator(est, order="class")
    favoured = np.argmax(W_out, axis=1)[disp.unit_ids]
    assert np.all(np.diff(favoured) >= 0)  # grouped by class, in classes_ order
    assert sorted(disp.unit_ids) == list(range(N_HIDDEN))
    assert all("→" in lab for lab in disp.unit_labels)


def test_hidden_units_on_axes_subfigures_and_axes_list():
    # Fig. 3 of the paper: three estimators side by side
    fig = plt.figure(figsize=(9, 3))
    axes = fig.subplots(1, 3)
    for ax, name in zip(axes, ["mlp", "pca", "nmf"]):
        disp = HiddenUnitsDisplay.from_estimator(fitted(name), ax=ax)
        assert disp.ax_ is ax
        assert disp.figure_ is fig
    assert _count_images(fig) == 3 * N_HIDDEN

    fig = plt.figure()
    subfigs = fig.subfigures(1, 2)
    HiddenUnitsDisplay.from_estimator(fitted("mlp"), ax=subfigs[0], n_cols=4)
    d = HiddenUnitsDisplay.from_estimator(fitted("nmf"), ax=subfigs[1], units=6)
    assert d.axes_.shape == (2, 4)  # ceil(sqrt(2 * 6)) columns for 6 units
    assert _count_images(fig) == N_HIDDEN + 6

    fig, axs = plt.subplots(2, 7)
    d = HiddenUnitsDisplay.from_estimator(fitted("nonneg_standin"), ax=axs, colorbar=True)
    assert _count_images(fig) == N_HIDDEN
    assert d.colorbar_ is not None
    assert not axs[1, 6].axison  # unused axes switched off
    with pytest.raises(ValueError, match="Axes"):
        HiddenUnitsDisplay.from_estimator(fitted("mlp"), ax=axs[0])


# --------------------------------------------------------------------------
# OutputWeightsDisplay
# --------------------------------------------------------------------------
@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("name", NETWORKS)
def test_output_weights_display_each_network(name, transpose):
    est = fitted(name)
    W_out = _final(est).coefs_[-1]
    disp = OutputWeightsDisplay.from_estimator(est, transpose=transpose)
    nnz = int(np.count_nonzero(W_out))
    # one collection of squares, drawn in the diagram (no patch per square)
    assert len(disp.squares_) == 1 and disp.squares_[0].axes is disp.ax_
    assert len(disp.ax_.patches) == 0
    x, y, width, height, faces = _squares(disp)
    assert len(width) == nnz
    assert disp.bar_ax_ is None and disp.bars_ == []
    # area proportional to |w| / max|w|; white positive, black negative; each
    # centred on its weight's cell
    wmax = np.abs(W_out).max()
    flat = [w for w in W_out.ravel() if w != 0]  # same (row-major) order
    units, outputs = np.nonzero(W_out)
    np.testing.assert_allclose((x, y), (outputs, units) if transpose
                               else (units, outputs), atol=1e-12)
    for w, side, side_y, face in zip(flat, width, height, faces):
        assert side == pytest.approx(side_y)
        assert side ** 2 == pytest.approx(0.81 * abs(w) / wmax)
        colour = (1, 1, 1, 1) if w > 0 else (0, 0, 0, 1)
        assert tuple(face) == colour
    labels = [t.get_text() for t in (disp.ax_.get_xticklabels() if transpose
                                     else disp.ax_.get_yticklabels())]
    assert labels == [str(c) for c in _final(est).classes_]


def test_output_weights_nonneg_is_sparse_hinton():
    est = fitted("nonneg_standin")
    W_out = est.coefs_[-1]
    assert np.count_nonzero(W_out) < W_out.size  # clipping produced zeros
    disp = OutputWeightsDisplay.from_estimator(est)
    faces = _squares(disp)[-1]
    assert len(faces) == np.count_nonzero(W_out)
    assert all(tuple(face) == (1, 1, 1, 1) for face in faces)


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("name", ["mlp", "nonneg_standin", "pipeline_mlp"])
def test_output_weights_with_activations_and_images(name, transpose):
    est = fitted(name)
    X, y = _digits()
    disp = OutputWeightsDisplay.from_estimator(
        est, X, y, order="class", show_images=True, transpose=transpose
    )
    classes = _final(est).classes_
    assert len(disp.bars_) == len(classes)
    assert all(len(bc.get_paths()) == N_HIDDEN for bc in disp.bars_)
    assert disp.images_display_ is not None
    assert len(disp.images_display_.images_) == N_HIDDEN
    assert _count_images(disp.figure_) == N_HIDDEN
    # mean activations match a direct computation (logistic hidden layer)
    final = _final(est)
    Xt = est[:-1].transform(X) if hasattr(est, "steps") else X
    H = expit(Xt @ final.coefs_[0] + final.intercepts_[0])
    expected = np.vstack([H[y == c].mean(axis=0) for c in classes])[:, disp.unit_ids]
    np.testing.assert_allclose(disp.mean_activations, expected, rtol=1e-10)
    # images follow the same unit order as the diagram columns
    np.testing.assert_allclose(
        disp.images_display_.images_[0].get_array(),
        _components(est)[disp.unit_ids[0]].reshape(8, 8),
    )


def test_output_weights_errors_and_axes():
    with pytest.raises(TypeError, match="output layer"):
        OutputWeightsDisplay.from_estimator(fitted("pca"))
    fig, (ax1, ax2) = plt.subplots(2, 1)
    X, y = _digits()
    disp = OutputWeightsDisplay.from_estimator(fitted("mlp"), X[:200], ax=(ax1, ax2))
    assert disp.ax_ is ax1 and disp.bar_ax_ is ax2
    assert len(disp.bars_) == len(np.unique(fitted("mlp").predict(X[:200])))
    # blue/red variant
    disp = OutputWeightsDisplay.from_estimator(
        fitted("mlp"), positive_color="tab:blue", negative_color="tab:red"
    )
    assert {tuple(np.round(face, 3)) for face in _squares(disp)[-1]} == {
        tuple(np.round(matplotlib.colors.to_rgba(c), 3)) for c in ("tab:blue", "tab:red")
    }


def test_output_weights_of_a_regressor_and_an_autoencoder():
    # Before: both were labelled "output (class)", the autoencoder's 64 outputs
    # "out0".."out63" overlapped on one tick each, and X gave a regressor one
    # strip of bars per distinct predicted value (300 strips for 300 rows).
    from sknonneg import NonNegAutoencoder, NonNegMLPRegressor

    X, y = _digits()
    X = pd.DataFrame(X, columns=[f"px{j}" for j in range(X.shape[1])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = NonNegMLPRegressor(6, max_iter=20, random_state=0).fit(X, y * 1.0)
        ae = NonNegAutoencoder(n_components=6, max_iter=20, random_state=0).fit(X)
    disp = OutputWeightsDisplay.from_estimator(reg)
    assert disp.ax_.get_ylabel() == "output"
    disp = OutputWeightsDisplay.from_estimator(reg, transpose=True)
    assert disp.ax_.get_xlabel() == "output"
    # the title fits over the one-column diagram
    assert disp.figure_.get_size_inches()[0] >= 0.12 * len("NonNegMLPRegressor")
    with pytest.raises(ValueError, match="for classifiers"):
        OutputWeightsDisplay.from_estimator(reg, X[:300])
    disp = OutputWeightsDisplay.from_estimator(ae)
    assert disp.ax_.get_ylabel() == "reconstructed feature"
    labels = [t.get_text() for t in disp.ax_.get_yticklabels()]
    assert labels == [f"px{j}" for j in range(0, 64, 2)]  # 40 labels at most
    plt.close("all")
    # describe_network names them alike (it listed out0 ... out63).
    from sknonneg.inspection import describe_network

    assert "outputs (64): px0, px1, px2" in describe_network(ae)


def test_autoencoder_outputs_named_by_the_pipeline_before_it():
    # Topic words: in CountVectorizer -> NonNegAutoencoder, top_features named the
    # parts' features after the vocabulary, but describe_network listed the
    # outputs (the same features, reconstructed) as x0, x1, ... and
    # OutputWeightsDisplay labelled them so.
    from sknonneg import NonNegAutoencoder
    from sknonneg.inspection import describe_network

    docs = ["apple banana apple", "banana cherry", "cherry date date",
            "apple date", "banana banana cherry"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = make_pipeline(
            CountVectorizer(),
            NonNegAutoencoder(2, decoder="linear", max_iter=5, random_state=0),
        ).fit(docs)
    words = ["apple", "banana", "cherry", "date"]
    assert set(top_features(pipe, k=1)["feature"]) <= set(words)
    assert "outputs (4): apple, banana, cherry, date" in describe_network(pipe)
    disp = OutputWeightsDisplay.from_estimator(pipe)
    assert [t.get_text() for t in disp.ax_.get_yticklabels()] == words
    plt.close("all")


# --------------------------------------------------------------------------
# top_features
# --------------------------------------------------------------------------
def _check_top_k(table, W, names, k, by_abs):
    assert list(table.columns) == ["unit", "rank", "feature", "weight"]
    assert len(table) == W.shape[0] * k
    key = -np.abs(W) if by_abs else -W
    top = np.argsort(key, axis=1, kind="stable")[:, :k]
    for u in range(W.shape[0]):
        rows = table[table["unit"] == u].sort_values("rank")
        np.testing.assert_allclose(rows["weight"], W[u, top[u]])
        # each listed feature really has the listed weight
        lookup = dict(zip(names, W[u]))
        np.testing.assert_allclose([lookup[f] for f in rows["feature"]], rows["weight"])
        assert list(rows["feature"]) == [names[j] for j in top[u]]


@pytest.mark.parametrize("name", ALL_ESTIMATORS)
def test_top_features_matches_argsort(name):
    est = fitted(name)
    W = _components(est)
    k = 5
    table = top_features(est, k=k)
    names = [f"x{i}" for i in range(W.shape[1])]
    _check_top_k(table, W, names, k, by_abs=name not in NONNEG)
    if name in NONNEG:
        # non-negative: ranked by weight descending
        for _, rows in table.groupby("unit"):
            assert np.all(np.diff(rows["weight"].to_numpy()) <= 0)
    else:
        assert (table["weight"] < 0).any()  # signs are kept


def test_top_features_pandas_names_and_options():
    X, y = _digits()
    cols = [f"px{r}{c}" for r in range(8) for c in range(8)]
    df = pd.DataFrame(X, columns=cols)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = MLPClassifier(**_mlp_kw()).fit(df, y)
    table = top_features(est, k=3)
    _check_top_k(table, est.coefs_[0].T, cols, 3, by_abs=True)
    custom = [c.upper() for c in cols]
    assert set(top_features(est, custom, k=3)["feature"]) <= set(custom)
    with pytest.raises(ValueError, match="feature_names"):
        top_features(est, cols[:-1])
    pos = top_features(est, k=4, by="positive", units=[0, 1])
    assert list(pos["unit"].unique()) == [0, 1]
    assert np.all(pos.groupby("unit")["weight"].apply(lambda s: s.is_monotonic_decreasing))
    neg = top_features(est, k=4, by="negative")
    assert (neg["weight"] < 0).all()
    nz = top_features(fitted("nonneg_standin"), k=64, drop_zero=True)
    assert (nz["weight"] != 0).all()
    assert len(top_features(est, k=1000)) == N_HIDDEN * 64  # k capped


def test_top_features_text_pipeline():
    docs = [
        "goal match team score goal", "team coach match league",
        "stock market shares price", "market price bank shares stock",
        "rain cloud storm wind", "storm wind rain forecast",
    ] * 5
    y = ["sport", "sport", "finance", "finance", "weather", "weather"] * 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = make_pipeline(
            CountVectorizer(), NonNegStandIn(hidden_layer_sizes=(4,), max_iter=50, random_state=0)
        ).fit(docs, y)
    table = top_features(pipe, k=3)
    vocab = pipe[0].get_feature_names_out()
    _check_top_k(table, pipe[-1].components_, list(vocab), 3, by_abs=False)
    assert set(table["feature"]) <= set(vocab)
    # Hinton diagram and activations through the pipeline (sparse input)
    disp = OutputWeightsDisplay.from_estimator(pipe, docs, y, transpose=True)
    assert len(disp.bars_) == 3


# --------------------------------------------------------------------------
# sparsity
# --------------------------------------------------------------------------
def test_hoyer_sparsity_basic():
    assert hoyer_sparsity([0, 0, 3, 0]) == pytest.approx(1.0)
    assert hoyer_sparsity(np.eye(5)[2]) == pytest.approx(1.0)
    assert hoyer_sparsity(np.full(7, 0.3)) == pytest.approx(0.0)
    assert hoyer_sparsity([-2, 2, 2, -2]) == pytest.approx(0.0)
    assert np.isnan(hoyer_sparsity(np.zeros(4)))
    M = np.array([[1.0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]])
    s = hoyer_sparsity(M)
    np.testing.assert_allclose(s[:2], [1.0, 0.0])
    assert np.isnan(s[2])
    np.testing.assert_allclose(hoyer_sparsity(M.T, axis=0)[:2], [1.0, 0.0])
    assert hoyer_sparsity(M, average=True) == pytest.approx(0.5)
    v = np.array([1.0, 2.0, 0.0, 0.5])
    n = v.size
    expected = (np.sqrt(n) - np.abs(v).sum() / np.linalg.norm(v)) / (np.sqrt(n) - 1)
    assert hoyer_sparsity(v) == pytest.approx(expected)


def test_hoyer_sparsity_huge_values_and_non_finite():
    # Before: the squares of 1e200 overflowed, so a constant vector read as
    # sparse (1.0), and NaN input gave NaN silently.
    assert hoyer_sparsity([1e200, 1e200, 1e200]) == pytest.approx(0.0, abs=1e-12)
    assert hoyer_sparsity([1e200, 0, 0]) == pytest.approx(1.0)
    assert hoyer_sparsity([1e-300, 1e-300, 0]) == pytest.approx(
        hoyer_sparsity([1, 1, 0]))
    for bad in ([np.nan, 1.0], [np.inf, 1.0]):
        with pytest.raises(ValueError, match="NaN or infinity"):
            hoyer_sparsity(bad)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_weight_sparsity_and_describe_network_name_themselves_for_non_finite_weights(
        bad):
    # Before: both said "Input contains NaN or infinity: hoyer_sparsity needs finite
    # values", naming a function the user did not call.
    with pytest.raises(ValueError, match=r"^Input contains NaN or infinity: "
                       r"weight_sparsity needs finite weights; layer 'layer0' has 1 "):
        weight_sparsity(np.array([[bad, 1.0]]))
    with pytest.raises(ValueError, match=r"^Input contains NaN or infinity: "
                       r"weight_sparsity needs finite weights; layer 'layer1' has 2 "):
        weight_sparsity([np.ones((2, 2)), np.array([[bad, bad], [1.0, 1.0]])])
    est = _small_mlp()[0]
    est.coefs_ = [est.coefs_[0], est.coefs_[1].copy()]
    est.coefs_[1][0, 0] = bad
    for func in (weight_sparsity, describe_network):
        with pytest.raises(ValueError, match=rf"^Input contains NaN or infinity: "
                           rf"{func.__name__} needs finite weights; layer "
                           rf"'h1->output' has 1 NaN or infinite value"):
            func(est)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_top_features_of_non_finite_weights_is_an_error(bad):
    # Before: listed silently, a NaN weight ranked wherever the sort put it.
    est = _small_mlp()[0]
    est.coefs_ = [est.coefs_[0].copy(), est.coefs_[1]]
    est.coefs_[0][1, 2] = bad
    with pytest.raises(ValueError, match=r"^Input contains NaN or infinity: "
                       r"top_features needs finite weights; the first layer has 1 "):
        top_features(est)


@pytest.mark.parametrize("func", [hoyer_sparsity, weight_sparsity])
def test_sparsity_refuses_complex_and_masked_weights(func):
    # Before: complex input was cast to float with a ComplexWarning, dropping the
    # imaginary part (hoyer_sparsity([1j, 0]) was NaN, the all-zero answer, not
    # 1.0), and a masked array's mask was ignored (its masked values measured).
    import scipy.sparse as sp

    name = func.__name__
    complex_W = np.array([[1j, 0.0], [0.0, 2.0]])
    for W in (complex_W, sp.csr_matrix(complex_W)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(ValueError, match=f"Complex data not supported: {name}"):
                func(W)
    masked = np.ma.array([[1.0, 2.0], [3.0, 4.0]], mask=[[0, 0], [0, 1]])
    with pytest.raises(ValueError, match=r"Masked arrays are not supported.*"
                                         r"\.filled\(0\)"):
        func(masked)
    # A masked array with nothing masked is its data.
    unmasked = np.ma.array([[1.0, 0.0], [3.0, 4.0]])
    if func is hoyer_sparsity:
        np.testing.assert_array_equal(func(unmasked), func(unmasked.data))
    else:
        pd.testing.assert_frame_equal(func(unmasked), func(unmasked.data))


@pytest.mark.parametrize("name", ALL_ESTIMATORS)
def test_hoyer_and_weight_sparsity_on_estimators(name):
    est = fitted(name)
    W = _components(est)
    s = hoyer_sparsity(est)
    assert s.shape == (W.shape[0],)
    np.testing.assert_allclose(s, hoyer_sparsity(W))
    df = weight_sparsity(est)
    final = _final(est)
    n_layers = len(final.coefs_) if hasattr(final, "coefs_") else 1
    assert len(df) == n_layers
    first = df.iloc[0]
    assert (first["n_in"], first["n_out"]) == (64, N_HIDDEN)
    thr = 1e-6 * np.abs(W).max()
    assert first["n_zero"] == np.count_nonzero(np.abs(W) <= thr)
    assert first["hoyer"] == pytest.approx(np.nanmean(hoyer_sparsity(W)))
    if name in NONNEG:
        assert (df["fraction_negative"] == 0).all()
        assert (df["constraint"] == "nonneg").all()
    declared = getattr(final, "weight_constraints_", None)
    if declared is not None:
        assert list(df["constraint"]) == list(declared)
        assert df["declared"].all()


def test_weight_sparsity_tolerance_modes():
    W = np.array([[0.0, 1e-3, 10.0], [5e-6, -2.0, 0.0]])
    rel = weight_sparsity(W, tol=1e-3)  # |w| <= 0.01
    assert rel.iloc[0]["n_zero"] == 4
    absolute = weight_sparsity(W, tol=1e-5, relative=False)
    assert absolute.iloc[0]["n_zero"] == 3
    assert absolute.iloc[0]["fraction_negative"] == pytest.approx(1 / 6)
    assert absolute.iloc[0]["constraint"] == "free"
    two = weight_sparsity([np.abs(W), W.T])
    assert list(two["constraint"]) == ["nonneg", "free"]
    assert list(two.index) == ["layer0", "layer1"]


# --------------------------------------------------------------------------
# describe_network and misc.
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", NETWORKS)
def test_describe_network_networks(name):
    est = fitted(name)
    text = describe_network(est)
    assert f"64 -> {N_HIDDEN} -> 10" in text
    assert f"64 x {N_HIDDEN}" in text and f"{N_HIDDEN} x 10" in text
    final = _final(est)
    for c in getattr(final, "weight_constraints_", []):
        assert c in text
    bound = getattr(final, "lipschitz_bound_", None)
    assert ("Lipschitz bound" in text) == (bound is not None)
    if name == "mlp":
        assert "(inferred)" in text and "free" in text


def test_describe_network_decomposition_and_pipeline():
    assert describe_network(fitted("pca")).startswith(f"PCA: 64 input features -> {N_HIDDEN}")
    text = describe_network(fitted("nmf"))
    assert f"64 x {N_HIDDEN}" in text and "nonneg" in text
    assert "MinMaxScaler" in describe_network(fitted("pipeline_mlp"))


def test_unfitted_and_unsupported_estimators():
    with pytest.raises(NotFittedError):
        top_features(MLPClassifier())
    # Before: hoyer_sparsity's was "float() argument must be ... not
    # 'MLPClassifier'".
    for unfitted in (MLPClassifier(), make_pipeline(MinMaxScaler(), NMF(2))):
        with pytest.raises(NotFittedError):
            hoyer_sparsity(unfitted)
    X, y = _digits()
    lr = LogisticRegression(max_iter=50).fit(X[:100], y[:100])
    with pytest.raises(TypeError, match="not supported"):
        describe_network(lr)
    with pytest.raises(TypeError, match="not supported"):
        hoyer_sparsity(lr)


def test_abba_classifier_is_inspectable():
    """ABBAClassifier shows its effective signed first layer and its bound."""
    from sklearn.datasets import load_digits

    from sknonneg import ABBAClassifier

    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    est = ABBAClassifier((6,), max_iter=10, random_state=0).fit(X, y)
    assert est.components_.shape == (12, 64)
    a, b = est.coefs_a_[0], est.coefs_b_[0]
    np.testing.assert_allclose(est.components_[:6], (a - b).T)
    disp = HiddenUnitsDisplay.from_estimator(est, image_shape=(8, 8))
    assert len(disp.images_) == 12
    assert disp.signed_ and np.all(disp.vmin_ == -disp.vmax_)
    report = describe_network(est)
    assert "Lipschitz bound" in report and "abba" in report
    # coefs_ are the doubled matrices: the header says so, and the 20 outputs are
    # the [u, v] halves of the 10 classes' logits, not 20 classes.
    assert "128 -> 12 -> 20" in report and "ABBA form [[A, B], [B, A]] of 64 -> 6 -> 10" in report
    assert "outputs (20): 0 (u), 1 (u)" in report and "9 (v)" in report
    binary = ABBAClassifier((6,), output="logistic", max_iter=3, random_state=0).fit(
        X, y % 2)
    assert "outputs (2): 1 (vs 0) (u), 1 (vs 0) (v)" in describe_network(binary)
    words = top_features(est, k=3)
    assert len(words) == 12 * 3
    plt.close("all")


def test_describe_network_names_the_output_functions_it_knows():
    # Before: "activation=None" for the autoencoder, which has no activation
    # parameter, and no output function for the regressor; then "output=logistic"
    # alone for the autoencoder, whose codes are sigmoid units too.
    from sknonneg import NonNegAutoencoder, NonNegMLPRegressor

    X = np.random.RandomState(0).rand(40, 4)
    head = describe_network(NonNegAutoencoder(n_components=2, max_iter=3).fit(X))
    assert head.splitlines()[0].endswith(
        "(1 hidden layer); activation=logistic, output=logistic")
    linear = NonNegAutoencoder(n_components=2, decoder="linear", max_iter=3).fit(X)
    assert describe_network(make_pipeline(MinMaxScaler(), linear)).splitlines()[0] \
        .endswith("(1 hidden layer); activation=logistic, output=identity")
    reg = NonNegMLPRegressor(hidden_layer_sizes=3, max_iter=3).fit(X, X[:, 0])
    assert reg.out_activation_ == "identity"
    assert describe_network(reg).splitlines()[0].endswith(
        "activation=logistic, output=identity")


def test_output_weights_of_a_multilabel_classifier_name_labels():
    # Before: "output (class)" for the labels of a multilabel target.
    from sklearn.neural_network import MLPClassifier

    rng = np.random.RandomState(0)
    X = rng.rand(80, 6)
    Y = (X[:, :3] > 0.5).astype(int)
    y = (X[:, 0] > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fits = {
            "output (label)": [NonNegMLPClassifier(4, max_iter=5, random_state=0).fit(X, Y),
                               MLPClassifier(4, max_iter=5, random_state=0).fit(X, Y)],
            "output (class)": [NonNegMLPClassifier(4, max_iter=5, random_state=0).fit(X, y),
                               NonNegMLPClassifier(4, output="logistic", max_iter=5,
                                                   random_state=0).fit(X, y),
                               MLPClassifier(4, max_iter=5, random_state=0).fit(X, y)],
        }
    for name, models in fits.items():
        for model in models:
            assert OutputWeightsDisplay.from_estimator(model).ax_.get_ylabel() == name
    # and the bars of mean activations are per label
    disp = OutputWeightsDisplay.from_estimator(fits["output (label)"][0], X)
    assert disp.bar_ax_.get_ylabel() == "mean activation\nper label"
    disp = OutputWeightsDisplay.from_estimator(fits["output (class)"][0], X)
    assert disp.bar_ax_.get_ylabel() == "mean activation\nper class"
    plt.close("all")



def test_output_weights_take_a_sparse_label_matrix():
    # A sparse indicator y, passed or predicted by a model fitted on one (which
    # predicts a CSR matrix, as MLPClassifier), draws the bars of the dense one.
    # Before: TypeError "len() of unsized object".
    import scipy.sparse as sp

    rng = np.random.RandomState(0)
    X = rng.rand(80, 6)
    Y = (X[:, :3] > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = NonNegMLPClassifier(4, max_iter=5, random_state=0).fit(
            X, sp.csr_matrix(Y))
    expected = OutputWeightsDisplay.from_estimator(model, X, model.predict(X).toarray())
    for y in (None, sp.csr_matrix(model.predict(X).toarray())):
        disp = OutputWeightsDisplay.from_estimator(model, X, y)
        np.testing.assert_array_equal(disp.mean_activations, expected.mean_activations)
    disp = OutputWeightsDisplay.from_estimator(model, X, sp.csr_matrix(Y))
    np.testing.assert_array_equal(
        disp.mean_activations, OutputWeightsDisplay.from_estimator(
            model, X, Y).mean_activations)
    plt.close("all")

def test_hoyer_sparsity_of_a_sparse_matrix_and_a_bad_axis():
    # Before: "setting an array element with a sequence" for a sparse matrix and
    # "IndexError: tuple index out of range" for an axis past the last.
    import scipy.sparse as sp

    W = np.array([[0.0, 2.0, 0.0], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(hoyer_sparsity(sp.csr_matrix(W)), hoyer_sparsity(W))
    with pytest.raises(np.exceptions.AxisError, match="axis 2 is out of bounds"):
        hoyer_sparsity(W, axis=2)


@pytest.mark.parametrize("transpose", [False, True])
def test_output_weights_negative_activations_stay_in_their_row(transpose):
    # Before: bars of negative mean activations (ABBA's tanh) hung from the row's
    # bottom into the next class's row, the last row's clipped at the axis.
    from sknonneg import ABBAClassifier

    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        abba = ABBAClassifier(4, max_iter=30, random_state=0).fit(X - 0.5, y % 3)
    disp = OutputWeightsDisplay.from_estimator(abba, X - 0.5, y % 3,
                                               transpose=transpose)
    assert min(_bars(bc)[:, 3 if not transpose else 2].min()
               for bc in disp.bars_) < 0  # tanh: some are negative
    n_rows = len(disp.bars_)
    for r, bc in enumerate(disp.bars_):
        centre = r if transpose else n_rows - 1 - r
        for x, y, width, height in _bars(bc):
            start = x if transpose else y
            length = width if transpose else height
            lo, hi = sorted((start, start + length))
            assert centre - 0.5 <= lo and hi <= centre + 0.5


def test_output_weights_refuses_meaningless_arguments():
    X, y = _digits()
    est = fitted("mlp")
    # Printed as scikit-learn prints arrays (before: a list of np.int64(...)
    # reprs), and the lengths in scikit-learn's words (before: no counts).
    with pytest.raises(ValueError, match=r"^y has labels \[100 101 102 103 104\] that "
                       r"are not among the estimator's classes_ \[0 1 2 3 4 5 6 7 8 9\]"):
        OutputWeightsDisplay.from_estimator(est, X[:50], y[:50] + 100)
    with pytest.raises(ValueError, match=r"^Found input variables with inconsistent "
                       r"numbers of samples: \[50, 49\]$"):
        OutputWeightsDisplay.from_estimator(est, X[:50], y[:49])
    with pytest.raises(ValueError, match="pass X too"):
        OutputWeightsDisplay.from_estimator(est, y=y[:50])
    # Two columns for a network that is not multilabel: before, read as a label
    # indicator matrix, silently (bars named '0' and '1').
    with pytest.raises(ValueError, match=r"^y should be a 1d array, got an array of "
                       r"shape \(50, 2\) instead\.$"):
        OutputWeightsDisplay.from_estimator(est, X[:50], np.c_[y[:50], y[:50]])
    for bad in (-1, 0, 1.5, "a"):
        with pytest.raises(ValueError, match=r"The 'max_size' parameter of OutputWeightsDisplay.plot "
                           r"must be a float in the range \(0, 1\]"):
            OutputWeightsDisplay.from_estimator(est, max_size=bad)
    fig, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="a pair of Axes"):
        OutputWeightsDisplay.from_estimator(est, X[:50], ax=axes)
    plt.close("all")


def _small_mlp(columns=None):
    rng = np.random.RandomState(0)
    X = rng.rand(60, 3)
    y = (X[:, 0] > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = MLPClassifier((3,), max_iter=50, random_state=0).fit(
            X if columns is None else pd.DataFrame(X, columns=columns), y)
    return model, X, y


@pytest.mark.parametrize("bad", ["nan", "inf", "2 of 3 features", "str", "1-D",
                                 "no rows"])
@pytest.mark.parametrize("give_y", [True, False])
def test_output_weights_validates_X_for_a_scikit_learn_mlp(bad, give_y):
    # Before: with y given, X reached a raw forward pass from coefs_ unchecked
    # (inspection's hidden_activations): NaN drew all-NaN bars with a
    # RuntimeWarning, 2 of 3 features was numpy's "matmul: Input operand 1 has a
    # mismatch", a str array a UFuncTypeError. Now the errors of model.predict(X).
    model, X, y = _small_mlp()
    Xbad = {"nan": np.where(np.arange(3) == 1, np.nan, X),
            "inf": np.where(np.arange(3) == 1, np.inf, X),
            "2 of 3 features": X[:, :2], "str": X.astype(str), "1-D": X[0],
            "no rows": X[:0]}[bad]
    with pytest.raises(ValueError) as expected:
        model.predict(Xbad)
    first_line = str(expected.value).splitlines()[0]
    with pytest.raises(ValueError, match=re.escape(first_line)):
        OutputWeightsDisplay.from_estimator(model, Xbad, y[:len(Xbad)] if give_y
                                            else None)


def test_output_weights_checks_feature_names_for_a_scikit_learn_mlp():
    # Before: a DataFrame with other column names was drawn silently (with y), and
    # a list of lists was "'list' object has no attribute 'ndim'".
    model, X, y = _small_mlp(columns=list("abc"))
    with pytest.raises(ValueError, match="The feature names should match those"):
        OutputWeightsDisplay.from_estimator(
            model, pd.DataFrame(X, columns=list("xyz")), y)
    with pytest.warns(UserWarning, match="X does not have valid feature names, but "
                      "MLPClassifier was fitted with feature names"):
        OutputWeightsDisplay.from_estimator(model, X, y)
    expected = OutputWeightsDisplay.from_estimator(
        model, pd.DataFrame(X, columns=list("abc")), y).mean_activations
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        listed = OutputWeightsDisplay.from_estimator(model, X.tolist(), y)
    np.testing.assert_allclose(listed.mean_activations, expected)


def test_output_weights_warns_about_feature_names_once():
    # Without y the rows' classes come from predict, which checked the feature
    # names a second time: the same warning twice. Ours and scikit-learn's MLP.
    from sknonneg import NonNegMLPClassifier
    model, X, y = _small_mlp(columns=list("abc"))
    ours = NonNegMLPClassifier(4, max_iter=5, random_state=0).fit(
        pd.DataFrame(X, columns=list("abc")), y)
    for est in (model, ours):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            OutputWeightsDisplay.from_estimator(est, X)
        names = [w for w in caught if "feature names" in str(w.message)]
        assert len(names) == 1, [str(w.message) for w in caught]


def test_hidden_activations_of_a_duck_typed_network_checks_X():
    # An object with coefs_ that is no scikit-learn estimator: check_array, and
    # the number of features against coefs_[0].
    from types import SimpleNamespace

    from sknonneg.inspection._utils import hidden_activations

    model, X, _ = _small_mlp()
    duck = SimpleNamespace(coefs_=model.coefs_, intercepts_=model.intercepts_,
                           activation=model.activation)
    np.testing.assert_allclose(hidden_activations(duck, X.tolist()),
                               np.maximum(X @ model.coefs_[0] + model.intercepts_[0],
                                          0))
    with pytest.raises(ValueError, match="X has 2 features, but SimpleNamespace is "
                       "expecting 3 features as input"):
        hidden_activations(duck, X[:, :2])
    with pytest.raises(ValueError, match="Input contains NaN"):
        hidden_activations(duck, np.full((2, 3), np.nan))


def test_hidden_units_imshow_kw_limits_and_norm_win():
    # Before: imshow_kw={"vmin": ...} was "got multiple values for keyword argument
    # 'vmin'", and a norm met the computed vmin/vmax ("Passing a Normalize
    # instance simultaneously with vmin/vmax").
    from matplotlib.colors import PowerNorm

    est = fitted("nonneg_standin")
    disp = HiddenUnitsDisplay.from_estimator(est, imshow_kw={"vmin": 0.1, "vmax": 2})
    assert all(im.get_clim() == (0.1, 2) for im in disp.images_)
    np.testing.assert_array_equal(disp.vmin_, 0.1)
    np.testing.assert_array_equal(disp.vmax_, 2)
    # one of the two: the other is computed
    disp = HiddenUnitsDisplay.from_estimator(est, imshow_kw={"vmax": 3})
    assert all(im.get_clim() == (0, 3) for im in disp.images_)
    norm = PowerNorm(0.5, vmin=0, vmax=5)
    disp = HiddenUnitsDisplay.from_estimator(est, imshow_kw={"norm": norm})
    assert all(im.norm is norm for im in disp.images_)
    np.testing.assert_array_equal(disp.vmax_, 5)


@pytest.mark.parametrize("transpose", [False, True])
def test_output_weights_pair_of_axes_bars_line_up_with_the_diagram(transpose):
    # Before: with ax=(hinton_ax, bar_ax) the bar Axes kept its own unit axis: not
    # inverted with transpose (unit 0's bars at the bottom, its square on top),
    # padded limits (-0.635..5.635 against -0.5..5.5), no unit labels, and its own
    # extent, so the bars did not line up with the diagram's columns (rows).
    X, y = _digits()
    est = fitted("nonneg_standin")
    units = [0, 5, 3]
    fig, axes = plt.subplots(1, 2, layout="constrained") if transpose else plt.subplots(2, 1)
    disp = OutputWeightsDisplay.from_estimator(est, X, y, ax=axes, units=units,
                                               transpose=transpose)
    ax, bar_ax = disp.ax_, disp.bar_ax_
    assert bar_ax is axes[1]
    fig.canvas.draw()
    ax_pos, bar_pos = ax.get_position(), bar_ax.get_position()
    if transpose:
        assert bar_ax.yaxis_inverted() and ax.yaxis_inverted()
        assert bar_ax.get_ylim() == ax.get_ylim() == (len(units) - 0.5, -0.5)
        labels = [t.get_text() for t in bar_ax.get_yticklabels()]
        np.testing.assert_allclose(bar_ax.get_yticks(), np.arange(len(units)))
        # unit 0's bars are in the top row, as its squares are
        assert {round(y + h / 2, 9) for _, y, _, h in _bars(disp.bars_[0])
                } == {0, 1, 2}
        np.testing.assert_allclose([bar_pos.y0, bar_pos.height],
                                   [ax_pos.y0, ax_pos.height], atol=1e-9)
    else:
        assert bar_ax.get_xlim() == ax.get_xlim() == (-0.5, len(units) - 0.5)
        labels = [t.get_text() for t in bar_ax.get_xticklabels()]
        np.testing.assert_allclose([bar_pos.x0, bar_pos.width],
                                   [ax_pos.x0, ax_pos.width], atol=1e-9)
    assert labels == [str(u) for u in units]
    # Axes already shared with each other stay so (and still line up)
    fig, axes = plt.subplots(2, 1, sharex=True)
    disp = OutputWeightsDisplay.from_estimator(est, X, y, ax=axes)
    fig.canvas.draw()
    assert axes[1].get_xlim() == (-0.5, N_HIDDEN - 0.5)
    np.testing.assert_allclose(axes[1].get_position().x0, axes[0].get_position().x0)


def test_order_class_of_abba_uses_the_logits_it_raises():
    # Before: the argmax ran over ABBA's 2C output columns [u, v], so a unit was
    # filed under "out12" of a 10-class problem: the v half of class 2, whose
    # logit (u - v) / 2 that unit lowers.
    from sknonneg import ABBAClassifier

    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        abba = ABBAClassifier(6, max_iter=30, random_state=0).fit(X, y)
        binary = ABBAClassifier(6, output="logistic", max_iter=10,
                                random_state=0).fit(X, y % 2)
    W = abba.coefs_[-1]
    effect = W[:, :10] - W[:, 10:]
    for disp in (HiddenUnitsDisplay.from_estimator(abba, order="class"),
                 OutputWeightsDisplay.from_estimator(abba, order="class")):
        ids = disp.unit_ids
        favoured = np.argmax(effect[ids], axis=1)
        assert np.all(np.diff(favoured) >= 0)
    disp = HiddenUnitsDisplay.from_estimator(abba, order="class")
    assert disp.unit_labels == [f"{u}→{abba.classes_[c]}"
                                for u, c in zip(disp.unit_ids, favoured)]
    # binary logistic: one logit (u - v) / 2; its sign picks the class
    W = binary.coefs_[-1]
    disp = HiddenUnitsDisplay.from_estimator(binary, order="class")
    sign = (W[:, 0] - W[:, 1])[disp.unit_ids]
    assert disp.unit_labels == [
        f"{u}→{'none' if s == 0 else int(s > 0)}" for u, s in zip(disp.unit_ids, sign)]


def test_order_class_a_unit_with_zero_output_weights_favours_no_class():
    # Before: a binary network's unit of output weight 0 was titled "→0", as
    # favouring classes_[0] (the code tested w > 0), which no unit of a
    # non-negative network can do; an all-zero row of a multiclass one was filed
    # under classes_[0] too (the argmax of zeros).
    import copy

    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        binary = MLPClassifier(3, max_iter=5, random_state=0).fit(X, y % 2)
    binary.coefs_[-1][:] = [[0.5], [0.0], [-0.3]]
    disp = HiddenUnitsDisplay.from_estimator(binary, order="class")
    assert disp.unit_labels == ["2→0", "0→1", "1→none"]
    multi = copy.deepcopy(fitted("mlp"))
    multi.coefs_[-1][4] = 0.0
    disp = HiddenUnitsDisplay.from_estimator(multi, order="class")
    assert disp.unit_labels[-1] == "4→none"
    assert not any(lab.endswith("none") for lab in disp.unit_labels[:-1])


def test_weight_sparsity_of_abba_is_that_of_its_signed_weights():
    # Before: the doubled [[A, B], [B, A]] was measured: the first and last
    # layers, stored as A = W+, B = W-, read "zero 50.0%" whatever the weights,
    # and a Hoyer value of the duplicated [W+; W-] columns.
    from sknonneg import ABBAClassifier

    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier((6, 5), activation="tanh", max_iter=20,
                            random_state=0).fit(X, y)
    mlp.coefs_[0][:20] = 0.0  # 20 of 64 input features unused
    mlp.coefs_[1][:, 0] = 0.0  # a dead unit in h2
    abba = ABBAClassifier.from_mlp(mlp)
    got, want = weight_sparsity(abba), weight_sparsity(mlp)
    cols = ["n_in", "n_out", "n_weights", "n_zero", "fraction_zero",
            "fraction_negative", "hoyer", "dead_units"]
    pd.testing.assert_frame_equal(got[cols], want[cols], check_dtype=False)
    assert list(got["constraint"]) == ["abba"] * 3
    assert got.loc["input->h1", "fraction_zero"] == pytest.approx(20 / 64)
    # a hidden-to-hidden ABBA layer can have A and B both non-zero: one weight
    for block in (abba.coefs_a_[1], abba.coefs_b_[1]):  # read-only views
        block.base.flags.writeable = block.flags.writeable = True
    abba.coefs_a_[1][:] = abba.coefs_b_[1][:] = 1.0
    row = weight_sparsity(abba).loc["h1->h2"]
    assert (row["n_zero"], row["fraction_negative"], row["hoyer"]) == (0, 0.0, 0.0)
    report = describe_network(abba)
    assert "input->h1         64 x 6  abba" in report
    assert "128 -> 12 -> 10 -> 20" in report and "pairs (A_ij, B_ij)" in report


def _overlap(a, b):
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_output_weights_transposed_labels_do_not_run_together():
    # Before, transposed: ABBA's 20 output labels on top read "0 (u)1 (u)2 (u)...",
    # and a binary net's one-column diagram's "output (class)" ran into the bars'
    # "mean activation per class" beside it.
    from sknonneg import ABBAClassifier

    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        abba = ABBAClassifier(6, max_iter=10, random_state=0).fit(X, y)
        binary = NonNegMLPClassifier(5, output="logistic", max_iter=10,
                                     random_state=0).fit(X, y % 2)
    for est, target in ((abba, y), (binary, y % 2)):
        disp = OutputWeightsDisplay.from_estimator(est, X, target, transpose=True)
        fig = disp.figure_
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in (disp.ax_, disp.bar_ax_):
            boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels()
                     if t.get_text()]
            assert not any(_overlap(a, b) for a, b in zip(boxes, boxes[1:]))
        labels = [a.xaxis.label.get_window_extent(renderer)
                  for a in (disp.ax_, disp.bar_ax_)]
        assert not _overlap(*labels)
        # and all of it inside the figure
        for box in labels + [disp.ax_.title.get_window_extent(renderer)]:
            assert box.y1 <= fig.bbox.y1 and box.x0 >= 0
    assert disp.ax_.get_xlabel() == "output\n(class)"  # one column: on two lines
    assert disp.bar_ax_.get_xlabel() == "mean activation\nper class"
    disp = OutputWeightsDisplay.from_estimator(abba, X, y, transpose=True)
    assert {t.get_rotation() for t in disp.ax_.get_xticklabels()} == {90}
    # labels that fit their cells stay level
    disp = OutputWeightsDisplay.from_estimator(abba, transpose=True)
    assert {t.get_rotation() for t in disp.ax_.get_xticklabels()} == {0}
    disp = OutputWeightsDisplay.from_estimator(fitted("mlp"), transpose=True)
    assert {t.get_rotation() for t in disp.ax_.get_xticklabels()} == {0}


def test_inspection_arguments_are_checked_with_their_names():
    # Before: bar_colors too short was an IndexError; signed="yes" passed as True;
    # image_shape=(-8, -8) failed in numpy's reshape and 64 was "'int' object is
    # not iterable"; hoyer_sparsity(axis=None or 1.0) said "out of bounds";
    # top_features(k=True) was k=1; weight_sparsity of a sparse matrix said "is not
    # an estimator instance" and printed the matrix; a constant vector had a
    # Hoyer sparsity of 5.4e-16.
    import scipy.sparse as sp

    X, y = _digits()
    est = fitted("mlp")
    with pytest.raises(ValueError, match=r"The 'bar_colors' parameter of "
                       r"OutputWeightsDisplay.plot must be a list of at least one "
                       r"matplotlib color per row of bars \(10\) or None\. Got"):
        OutputWeightsDisplay.from_estimator(est, X, y, bar_colors=["k"])
    OutputWeightsDisplay.from_estimator(est, X[:20], y[:20], bar_colors=["k"] * 10)
    # Before: colours of mixed kinds were numpy's "inhomogeneous shape", a value
    # that is no colour matplotlib's "Invalid RGBA argument", naming no parameter.
    mixed = [(1.0, 0.0, 0.0, 0.5), "C1", "#00ff00", "0.5"] + ["k"] * 6
    disp = OutputWeightsDisplay.from_estimator(est, X[:20], y[:20], bar_colors=mixed)
    np.testing.assert_allclose(
        [bc.get_facecolors()[0] for bc in disp.bars_],
        [matplotlib.colors.to_rgba(c) for c in mixed])
    plt.close("all")
    for bad in (["notacolor"] * 10, [[1.0, 0.0]] + ["k"] * 9, ["k"]):
        with pytest.raises(ValueError, match=r"'bar_colors' parameter of "
                           r"OutputWeightsDisplay.plot must be a list of at least "
                           r"one matplotlib color per row of bars \(10\)"):
            OutputWeightsDisplay.from_estimator(est, X[:20], y[:20], bar_colors=bad)
        # refused before a figure is made (before: one left open each time)
        assert plt.get_fignums() == []
    for bad in ("yes", 1, None):
        # scikit-learn's InvalidParameterError (a ValueError and a TypeError), as
        # the displays' other flags (before: a plain ValueError), named after
        # the method called.
        for call, name in ((HiddenUnitsDisplay.from_estimator,
                            "HiddenUnitsDisplay.from_estimator"),
                           (HiddenUnitsDisplay(est.coefs_[0].T).plot,
                            "HiddenUnitsDisplay.plot")):
            with pytest.raises(InvalidParameterError,
                               match=rf"^The 'signed' parameter of {name} must be a "
                                     r"str among \{'auto'\} or an instance of "
                                     rf"'bool'.* Got {re.escape(repr(bad))} instead"):
                call(signed=bad) if name.endswith("plot") else call(est, signed=bad)
    plt.close("all")
    assert HiddenUnitsDisplay.from_estimator(est, signed=np.True_).signed_
    for bad in ((-8, -8), 64, (8, 8, 1), (8.0, 8), (True, 64)):
        with pytest.raises(ValueError, match="The 'image_shape' parameter of "
                           "HiddenUnitsDisplay.from_estimator must be a pair of ints"):
            HiddenUnitsDisplay.from_estimator(est, image_shape=bad)
    for bad in (None, 1.0, True):
        with pytest.raises(TypeError, match="The 'axis' parameter of hoyer_sparsity must be an int"):
            hoyer_sparsity(np.ones((2, 3)), axis=bad)
    with pytest.raises(ValueError, match="The 'k' parameter of top_features must be an int "
                       r"in the range \[1, inf\)\. Got True instead"):
        top_features(est, k=True)
    W = np.array([[0.0, 2.0], [0.0, 1.0], [0.0, 0.0]])
    pd.testing.assert_frame_equal(weight_sparsity(sp.csr_matrix(W)), weight_sparsity(W))
    assert weight_sparsity(np.ones((2, 3)))["hoyer"].iloc[0] == 0.0
    assert hoyer_sparsity(np.full(1000, 0.1)) == 0.0
    assert hoyer_sparsity([0, 0, 1, 0]) == 1.0


@pytest.mark.parametrize("name", ["mlp", "nonneg_real"])
def test_output_weights_ravels_a_column_vector_y(name):
    # Before: y of shape (n, 1) for a multiclass network was read as a one-label
    # indicator matrix, silently: one row of bars, labelled "0", averaged over the
    # samples whose class is not 0.
    from sklearn.exceptions import DataConversionWarning

    X, y = _digits()
    X, y = X[:300], y[:300]
    est = fitted(name)
    flat = OutputWeightsDisplay.from_estimator(est, X, y)
    with pytest.warns(DataConversionWarning, match="A column-vector y was passed"):
        column = OutputWeightsDisplay.from_estimator(est, X, y.reshape(-1, 1))
    assert column.activation_labels == flat.activation_labels
    assert len(column.activation_labels) == 10
    np.testing.assert_allclose(column.mean_activations, flat.mean_activations)
    plt.close("all")


def test_describe_network_names_passthrough_steps():
    # Before: "preceded by: str -> NoneType" for "passthrough" and None steps.
    from sklearn.pipeline import Pipeline

    X, y = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = Pipeline([("a", "passthrough"), ("b", None), ("scale", MinMaxScaler()),
                         ("clf", MLPClassifier(**_mlp_kw()))]).fit(X[:200], y[:200])
    text = describe_network(pipe)
    lines = text.splitlines()
    assert "  preceded by: passthrough -> passthrough -> MinMaxScaler" in lines
    assert "NoneType" not in text and "str ->" not in text


def test_hidden_units_display_argument_errors_name_the_argument():
    # Before: units=True was units=1 (top_features refuses k=True); unit_ids of the
    # wrong length raised "unit_labels must have one entry per unit", naming an
    # argument that was not passed; 3-D weights raised "too many values to unpack
    # (expected 2)".
    est = fitted("mlp")
    for bad in (True, False, np.True_):
        with pytest.raises(ValueError, match="The 'units' parameter of "
                           r"HiddenUnitsDisplay.from_estimator must be an int in the "
                           r"range \[1, inf\), an array-like of int or None"):
            HiddenUnitsDisplay.from_estimator(est, units=bad)
    with pytest.raises(ValueError, match=r"unit_ids must have one entry per unit "
                       r"\(2 rows of weights\), got shape \(1,\)"):
        HiddenUnitsDisplay(np.ones((2, 4)), unit_ids=[5]).plot()
    with pytest.raises(ValueError, match=r"unit_labels must have one entry per unit "
                       r"\(2 rows of weights\), got 3"):
        HiddenUnitsDisplay(np.ones((2, 4)), unit_labels=["a", "b", "c"]).plot()
    with pytest.raises(ValueError, match=r"weights must be a 2-D array of shape "
                       r"\(n_units, n_features\), got shape \(2, 2, 4\)"):
        HiddenUnitsDisplay(np.ones((2, 2, 4))).plot()
    assert list(HiddenUnitsDisplay(np.ones((2, 4)), unit_ids=[5, 7]).plot()
                .unit_ids) == [5, 7]
    plt.close("all")


def test_weight_sparsity_refuses_weights_that_are_not_2d():
    # Before: a (2, 3, 4) array was read as a layer of 2 inputs and 3 outputs with
    # 24 weights and 12 dead units, more than its outputs.
    from sknonneg.inspection import weight_sparsity

    with pytest.raises(ValueError, match=r"must be 2-D .*\(2, 3, 4\)"):
        weight_sparsity(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"must be 2-D"):
        weight_sparsity([np.ones((3, 2)), np.ones((2, 2, 2))])
    assert weight_sparsity(np.ones((3, 2))) is not None
    # Before: a 1-D array was read as one row (n_in=1, n_out=3), an orientation
    # the docs did not give, while a 3-D one was refused.
    with pytest.raises(ValueError, match=r"must be 2-D .*\(3,\)"):
        weight_sparsity(np.ones(3))
    with pytest.raises(ValueError, match=r"must be 2-D .*\(\)"):
        weight_sparsity(np.ones(()))


@pytest.mark.parametrize("call", [
    lambda: hoyer_sparsity(np.eye(3), average="no"),
    lambda: weight_sparsity(np.eye(3), relative="no"),
])
def test_sparsity_flags_must_be_bools(call):
    # Before: any truthy value ("no") was taken as True, where iter_chunks refuses
    # a shuffle that is not a bool. In scikit-learn's words (one check for every
    # public function's flags, the datasets' too): both a TypeError and a ValueError.
    with pytest.raises(TypeError, match=r"^The '(average|relative)' parameter of "
                       r"(hoyer_sparsity|weight_sparsity) must be an instance of "
                       r"'bool' .*Got 'no' instead\.$") as info:
        call()
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("bad", ["no", 1, None, 1.0])
@pytest.mark.parametrize("name, caller, call", [
    ("drop_zero", "top_features",
     lambda bad: top_features(fitted("nmf"), k=4, drop_zero=bad)),
    ("colorbar", "HiddenUnitsDisplay.from_estimator",
     lambda bad: HiddenUnitsDisplay.from_estimator(fitted("mlp"), colorbar=bad)),
    ("titles", "HiddenUnitsDisplay.from_estimator",
     lambda bad: HiddenUnitsDisplay.from_estimator(fitted("mlp"), titles=bad)),
    ("titles", "HiddenUnitsDisplay.plot",
     lambda bad: HiddenUnitsDisplay(np.eye(4)).plot(titles=bad)),
    ("show_images", "OutputWeightsDisplay.from_estimator",
     lambda bad: OutputWeightsDisplay.from_estimator(fitted("mlp"), show_images=bad)),
    ("transpose", "OutputWeightsDisplay.from_estimator",
     lambda bad: OutputWeightsDisplay.from_estimator(fitted("mlp"), transpose=bad)),
])
def test_inspection_flags_must_be_bools(name, caller, call, bad):
    # Before: any truthy value was taken as True: top_features(drop_zero="no")
    # dropped the zero rows, colorbar="no" drew a colour bar, show_images="no" the
    # images (hoyer_sparsity's average and weight_sparsity's relative already
    # refused it, in these words).
    # The function called is named (before: from_estimator's flags were checked
    # by, and named after, the plot method it calls).
    with pytest.raises(TypeError, match=rf"^The '{name}' parameter of "
                       rf"{re.escape(caller)} must be an instance of 'bool' .*Got "
                       rf"{re.escape(repr(bad))} instead\.$"):
        call(bad)
    assert plt.get_fignums() == []  # refused before drawing
    call(np.False_)


@pytest.mark.parametrize("Display", [HiddenUnitsDisplay, OutputWeightsDisplay])
def test_display_title_must_be_a_bool_or_a_str(Display):
    # Before: title=1.0 was drawn as the title "1.0", np.True_ as "True".
    W = np.eye(4)
    with pytest.raises(TypeError, match=rf"^The 'title' parameter of {Display.__name__}"
                                        r"\.plot must be a bool or a str\. Got 1\.0 "
                                        r"instead\.$"):
        Display(W, estimator_name="net").plot(title=1.0)
    assert plt.get_fignums() == []

    def drawn(title):
        disp = Display(W, estimator_name="net").plot(title=title)
        # HiddenUnitsDisplay titles its figure, OutputWeightsDisplay its Axes
        suptitle = disp.figure_._suptitle  # Figure.get_suptitle needs matplotlib 3.8
        text = (disp.ax_.get_title() if Display is OutputWeightsDisplay
                else "" if suptitle is None else suptitle.get_text())
        plt.close("all")
        return text

    assert drawn(np.True_) == drawn(True) == "net"
    assert drawn("mine") == "mine"
    assert drawn(False) == drawn(np.False_) == drawn(None) == ""


def test_weight_sparsity_takes_a_list_of_sparse_layers():
    # Before: "[<Compressed Sparse Row sparse matrix ...>] is not an estimator
    # instance", though one sparse matrix is taken. Explicitly stored zeros are
    # zeros: densified, the layers read as their dense selves.
    import scipy.sparse as sp

    W0 = np.array([[0.0, 1.0, 0.0], [0.0, 2.0, -0.5]])
    W1 = np.array([[1.0], [0.0], [3.0]])
    explicit = sp.csr_matrix((np.array([0.0, 1.0, 2.0, -0.5]),
                              (np.array([0, 0, 1, 1]), np.array([0, 1, 1, 2]))),
                             shape=(2, 3))
    assert explicit.nnz == 4  # one stored zero
    want = weight_sparsity([W0, W1])
    for layers in ([explicit, sp.csc_matrix(W1)], (explicit, W1),
                   [sp.coo_matrix(W0), sp.csr_array(W1)]):
        pd.testing.assert_frame_equal(weight_sparsity(layers), want)
    assert want["n_zero"].tolist() == [3, 1]
    assert want["dead_units"].tolist() == [1, 0]


@pytest.mark.parametrize("weights, got", [
    (pd.DataFrame([[0.0, 1.0], [0.0, 2.0]]), r"got DataFrame\. Pass np\.asarray"),
    ([[0.0, 1.0], [0.0, 2.0]], r"got a list holding list\. Pass np\.asarray"),
    ((np.eye(2), "W"), r"got a tuple holding str\. Pass np\.asarray"),
    ("coefs", r"got str\.$"),
    (None, r"got NoneType\.$"),
], ids=["DataFrame", "nested-list", "tuple-of-str", "str", "None"])
def test_weight_sparsity_names_what_it_takes(weights, got):
    # Before: scikit-learn's "<the whole input> is not an estimator instance".
    match = (r"^weight_sparsity takes a fitted estimator \(a network with coefs_, an "
             r"estimator with components_ such as PCA or NMF, or a Pipeline ending "
             r"in one\), a 2-D ndarray or sparse matrix of weights, or a list of "
             r"them \(one per layer\); " + got)
    with pytest.raises(TypeError, match=match):
        weight_sparsity(weights)
    with pytest.raises(NotFittedError):  # an unfitted estimator is told so
        weight_sparsity(LogisticRegression())


# --------------------------------------------------------------------------
# argument checks and layout of the displays (visual probe 28)
# --------------------------------------------------------------------------
def test_output_weights_label_lists_of_the_wrong_length_name_the_parameter():
    # Before: a bare IndexError while drawing; unit_weights with the wrong number
    # of rows raised HiddenUnitsDisplay's "unit_ids must have one entry per unit
    # (4 rows...)", about an argument that was right.
    rng = np.random.RandomState(0)
    W = rng.randn(5, 3)
    with pytest.raises(ValueError, match=r"unit_ids must have one entry per unit "
                       r"\(5 rows of weights\), got shape \(2,\)"):
        OutputWeightsDisplay(W, unit_ids=[0, 1]).plot()
    with pytest.raises(ValueError, match=r"output_labels must have one entry per "
                       r"output \(3 columns of weights\), got 1"):
        OutputWeightsDisplay(W, output_labels=["a"]).plot()
    with pytest.raises(ValueError, match=r"activation_labels must have one entry per "
                       r"row of mean_activations \(2\), got 1"):
        OutputWeightsDisplay(W, mean_activations=rng.rand(2, 5),
                             activation_labels=["a"]).plot()
    with pytest.raises(ValueError, match=r"unit_weights must have one row per unit "
                       r"\(5 rows of weights\), got shape \(4, 64\)"):
        OutputWeightsDisplay(W, unit_weights=rng.rand(4, 64)).plot()
    assert plt.get_fignums() == []  # refused before drawing
    disp = OutputWeightsDisplay(W, unit_ids=[3, 1, 4, 0, 2], output_labels="abc",
                                mean_activations=rng.rand(2, 5),
                                activation_labels=["p", "q"],
                                unit_weights=rng.rand(5, 64)).plot()
    assert [t.get_text() for t in disp.ax_.get_yticklabels()] == ["a", "b", "c"]


def test_displays_refuse_an_ax_they_cannot_draw_in():
    # Before: OutputWeightsDisplay's ax="foo" was "'str' object has no attribute
    # 'figure'", HiddenUnitsDisplay's "got 1 Axes for 12 units".
    est = fitted("mlp")
    for bad in ("foo", 3, ("foo", "bar")):
        with pytest.raises(TypeError, match="The 'ax' parameter of "
                           "OutputWeightsDisplay.plot must be a matplotlib Axes, a "
                           r"pair of Axes \(hinton_ax, bar_ax\) or None\. Got"):
            OutputWeightsDisplay.from_estimator(est, ax=bad)
    with pytest.raises(ValueError, match=r"pair of Axes \(hinton_ax, bar_ax\) or None\. Got "
                       r"\[None, None, None\] instead\. \(3 given\.\)"):
        OutputWeightsDisplay.from_estimator(est, ax=[None] * 3)
    for bad in ("foo", 3, ["foo"] * N_HIDDEN):
        with pytest.raises(TypeError, match="The 'ax' parameter of "
                           "HiddenUnitsDisplay.plot must be a matplotlib Axes, an "
                           "array-like of Axes, a Figure, a SubFigure or None. Got"):
            HiddenUnitsDisplay.from_estimator(est, ax=bad)
    assert plt.get_fignums() == []
    # what they accept still works
    fig, axes = plt.subplots(3, 4)
    HiddenUnitsDisplay.from_estimator(est, ax=axes)
    HiddenUnitsDisplay.from_estimator(est, ax=list(axes.ravel()))
    fig, (a1, a2) = plt.subplots(2, 1)
    OutputWeightsDisplay.from_estimator(est, _digits()[0][:50], ax=np.array([a1, a2]))


def test_hidden_units_colorbar_with_unit_scales_is_refused_before_drawing():
    # Before: the ValueError came after the figure was made, which stayed open.
    plt.close("all")
    with pytest.raises(ValueError, match="colorbar=True requires normalize='global'"):
        HiddenUnitsDisplay.from_estimator(fitted("mlp"), normalize="unit",
                                          colorbar=True)
    assert plt.get_fignums() == []


def test_output_weights_transpose_must_be_a_bool():
    # Before: transpose="no" was taken as True.
    drawn = OutputWeightsDisplay.from_estimator(fitted("mlp"))
    plt.close("all")
    for bad in ("no", 1, None):
        with pytest.raises(TypeError, match="^The 'transpose' parameter of "
                           "OutputWeightsDisplay.plot must be an instance of 'bool'"):
            drawn.plot(transpose=bad)
    assert plt.get_fignums() == []
    disp = OutputWeightsDisplay.from_estimator(fitted("mlp"), transpose=np.True_)
    assert disp.ax_.get_ylabel() == "hidden unit"


def test_output_weights_colors_must_be_colors():
    # Before: positive_color=None drew the positive squares in matplotlib's
    # default blue, although the docstring promises fill colours, and a value
    # that is no colour ("nope") failed inside matplotlib once the figure was
    # made. Now refused first, in scikit-learn's words, naming the method.
    drawn = OutputWeightsDisplay.from_estimator(fitted("mlp"))
    plt.close("all")
    for name in ("positive_color", "negative_color", "background_color"):
        for bad in (None, "nope", 0.5):
            with pytest.raises(InvalidParameterError,
                               match=rf"^The '{name}' parameter of "
                                     r"OutputWeightsDisplay.plot must be a "
                                     rf"matplotlib color.* Got {re.escape(repr(bad))}"):
                drawn.plot(**{name: bad})
            with pytest.raises(InvalidParameterError,
                               match=rf"^The '{name}' parameter of "
                                     r"OutputWeightsDisplay.from_estimator"):
                OutputWeightsDisplay.from_estimator(fitted("mlp"), **{name: bad})
    assert plt.get_fignums() == []
    disp = drawn.plot(positive_color="tab:blue", negative_color=(1.0, 0.0, 0.0),
                      background_color="none")
    faces = {tuple(face) for coll in disp.ax_.collections
             for face in coll.get_facecolors()}
    assert matplotlib.colors.to_rgba("tab:blue") in faces
    assert (1.0, 0.0, 0.0, 1.0) in faces
    plt.close("all")


def test_order_class_needs_a_classifier():
    # Before: a regressor's and an autoencoder's units were grouped under made-up
    # classes: "2→neg" (one output), "→out0" (several outputs; the autoencoder's
    # outputs, "x3" in OutputWeightsDisplay, were "out3").
    from sknonneg import NonNegAutoencoder, NonNegMLPRegressor

    X, y = _digits()
    X, y = X[:300], y[:300]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        models = [
            NonNegMLPRegressor(6, max_iter=10, random_state=0).fit(X, y * 1.0),
            NonNegMLPRegressor(6, max_iter=10, random_state=0).fit(
                X, np.c_[y, -y, y ** 2] * 1.0),
            NonNegAutoencoder(n_components=6, max_iter=10, random_state=0).fit(X),
        ]
    for est in models:
        msg = (f"order='class' groups units by the class they favour, for "
               f"classifiers; {type(est).__name__} has no classes_")
        with pytest.raises(ValueError, match=msg):
            HiddenUnitsDisplay.from_estimator(est, order="class")
        with pytest.raises(ValueError, match=msg):
            OutputWeightsDisplay.from_estimator(est, order="class")
        # the other orders are still for every network
        OutputWeightsDisplay.from_estimator(est, order="output_weight")
        plt.close("all")
    disp = HiddenUnitsDisplay.from_estimator(fitted("mlp"), order="class")
    assert all("→" in label for label in disp.unit_labels)


def _outside(fig, texts):
    """Texts of ``texts`` whose drawn extent leaves the figure."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    out = []
    for t in texts:
        if not t.get_visible() or not t.get_text():
            continue
        e = t.get_window_extent(renderer)
        if e.x0 < box.x0 - 0.5 or e.x1 > box.x1 + 0.5 or e.y0 < box.y0 - 0.5 \
                or e.y1 > box.y1 + 0.5:
            out.append(t.get_text())
    return out


def test_output_weights_long_labels_stay_inside_the_figure():
    # Before: the default layout's left margin was one inch, whatever the labels:
    # "class_with_a_rather_long_name_0" or "three (vs eight)" began off the canvas
    # and the axis labels beside them ("output (class)", "mean activation per
    # class") were not drawn at all.
    X, y = _digits()
    X, y = X[:400], y[:400]
    long_names = np.array([f"class_with_a_rather_long_name_{c % 4}" for c in y])
    cols = [f"a_very_long_feature_name_{j:02d}_mm" for j in range(64)]
    Xdf = pd.DataFrame(X, columns=cols)
    binary = y[np.isin(y, [3, 8])]
    Xb = Xdf[np.isin(y, [3, 8])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        from sknonneg import NonNegAutoencoder

        cases = [
            (NonNegMLPClassifier(7, max_iter=20, random_state=0).fit(Xdf, long_names),
             Xdf, long_names),
            (NonNegMLPClassifier(5, output="logistic", max_iter=20, random_state=0)
             .fit(Xb, np.where(binary == 3, "three", "eight")),
             Xb, np.where(binary == 3, "three", "eight")),
            (NonNegAutoencoder(n_components=4, max_iter=5, random_state=0)
             .fit(Xdf), None, None),
        ]
    for est, Xc, yc in cases:
        for args in ((), (Xc, yc)) if Xc is not None else ((),):
            disp = OutputWeightsDisplay.from_estimator(est, *args)
            fig = disp.figure_
            axes = [a for a in (disp.ax_, disp.bar_ax_) if a is not None]
            texts = [t for a in axes for t in a.get_yticklabels() + a.get_xticklabels()]
            texts += [a.yaxis.label for a in axes] + [a.xaxis.label for a in axes]
            assert _outside(fig, texts) == [], (est, len(args))
            assert disp.ax_.yaxis.label.get_window_extent().width > 0
            plt.close("all")
    # short labels keep the one-inch margin of before
    disp = OutputWeightsDisplay.from_estimator(fitted("mlp"))
    left = disp.figure_.subplotpars.left * disp.figure_.get_size_inches()[0]
    assert left == pytest.approx(1.0)


def test_output_weights_tick_labels_are_thinned_to_the_room_they_have():
    # Before: at most 40 labels per axis whatever their room: 200 units' labels
    # ran together ("95100105110"), as did 10 class labels on rows 0.05 inch high
    # and an autoencoder's 16 unit labels on cells 0.14 inch wide ("10111213").
    from sknonneg import NonNegAutoencoder

    X, y = _digits()
    X, y = X[:400], y[:400]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        wide = NonNegMLPClassifier(200, max_iter=3, random_state=0).fit(X, y)
        ae = NonNegAutoencoder(n_components=16, max_iter=3, random_state=0).fit(X)
    for est, args in ((wide, (X, y)), (ae, ())):
        for transpose in (False, True):
            disp = OutputWeightsDisplay.from_estimator(est, *args,
                                                       transpose=transpose)
            disp.figure_.canvas.draw()
            renderer = disp.figure_.canvas.get_renderer()
            # every panel's (the 200 units wrap into panels, each thinned apart)
            panels = [*disp.axes_, *(() if disp.bar_axes_ is None else disp.bar_axes_)]
            assert len(disp.axes_) > 1 or est is ae
            for ax in panels:
                for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
                    boxes = [t.get_window_extent(renderer) for t in labels
                             if t.get_visible() and t.get_text()]
                    assert not any(_overlap(a, b) for a, b in zip(boxes, boxes[1:])), (
                        type(est).__name__, transpose, [t.get_text() for t in labels])
            plt.close("all")
    # steps of 1, 2 or 5 (times a power of ten): 200 units in one diagram (not
    # wrapped into panels) labelled every 10th (without the bars, which take
    # the diagram's labels as they are and were 2,000 patches to draw: 0.6 s)
    disp = OutputWeightsDisplay.from_estimator(wide, wrap=None)
    assert [t.get_text() for t in disp.ax_.get_xticklabels()][:3] == ["0", "10", "20"]
    # labels that have room are all kept
    disp = OutputWeightsDisplay.from_estimator(fitted("mlp"), X, y)
    assert len(disp.ax_.get_xticklabels()) == N_HIDDEN
    assert len(disp.ax_.get_yticklabels()) == len(disp.bar_ax_.get_yticklabels()) == 10


def test_output_weights_images_with_a_pair_of_axes_is_an_error():
    # Before: show_images=True with ax=(hinton_ax, bar_ax) drew no images, and
    # said nothing (a pair of Axes leaves no room for their strip).
    X, y = _digits()
    fig, axes = plt.subplots(2)
    try:
        with pytest.raises(ValueError, match="a pair of Axes .* leaves no room"):
            OutputWeightsDisplay.from_estimator(fitted("nonneg_real"), X, y, ax=axes,
                                                show_images=True)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_hidden_units_of_non_finite_weights_is_an_error(bad):
    # Before: a NaN set the colour scale to [-1, 1] silently (weights of 100 drawn
    # saturated, a wrong colour bar); an inf made the limits infinite.
    W = np.random.RandomState(0).uniform(-100, 100, size=(4, 9))
    W[1, 3] = bad
    with pytest.raises(ValueError, match="weights must be finite; got 1 NaN or "
                                         "infinite value"):
        HiddenUnitsDisplay(W).plot()
    plt.close("all")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_output_weights_of_non_finite_values_is_an_error(bad):
    # Before: OutputWeightsDisplay drew NaN or infinite weights as a blank diagram
    # (every square sized by the non-finite largest weight), and NaN mean
    # activations as missing bars; HiddenUnitsDisplay refused such weights. Non-finite
    # unit_weights were refused by the HiddenUnitsDisplay drawn inside, as
    # "weights must be finite", naming the other parameter.
    rng = np.random.RandomState(0)
    W = rng.randn(4, 3)
    W[1, 2] = bad
    with pytest.raises(ValueError, match="^weights must be finite; got 1 NaN or "
                                         "infinite value"):
        OutputWeightsDisplay(W).plot()
    with pytest.raises(ValueError, match="^weights must be finite; got 1 NaN"):
        OutputWeightsDisplay(W[:, 2]).plot()  # 1-D: one output
    acts = rng.rand(2, 4)
    acts[0, 0] = bad
    with pytest.raises(ValueError, match="^mean_activations must be finite; got 1 "):
        OutputWeightsDisplay(W[:, :2], mean_activations=acts).plot()
    images = rng.rand(4, 9)
    images[3, 3] = bad
    with pytest.raises(ValueError, match="^unit_weights must be finite; got 1 "):
        OutputWeightsDisplay(W[:, :2], unit_weights=images).plot()
    assert plt.get_fignums() == []  # refused before drawing


def test_displays_refuse_weights_they_cannot_draw():
    # Before: OutputWeightsDisplay's 3-D weights were "too many values to unpack",
    # 3-D mean_activations "only 0-dimensional arrays can be converted to Python
    # scalars", no unit a ZeroDivisionError (HiddenUnitsDisplay's "zero-size array
    # to reduction operation maximum"); complex weights were drawn without their
    # imaginary part, with a ComplexWarning.
    W = np.ones((4, 3))
    with pytest.raises(ValueError, match=r"^weights must be a 2-D array of shape "
                       r"\(n_units, n_outputs\).*got shape \(2, 2, 2\)"):
        OutputWeightsDisplay(np.ones((2, 2, 2))).plot()
    with pytest.raises(ValueError, match=r"^mean_activations must be a 2-D array of "
                       r"shape \(n_rows, n_units\), got shape \(2, 4, 1\)"):
        OutputWeightsDisplay(W, mean_activations=np.ones((2, 4, 1))).plot()
    for Display, empty in [(OutputWeightsDisplay, np.ones((0, 3))),
                           (HiddenUnitsDisplay, np.ones((0, 4)))]:
        with pytest.raises(ValueError, match=r"^weights must not be empty: got "
                           r"shape \(0, \d\)"):
            Display(empty).plot()
        with pytest.raises(ValueError, match="^Complex data not supported: weights"):
            Display(np.ones((4, 4)) + 1j).plot()
        with pytest.raises(ValueError, match="^weights must be a numeric array: "
                           "could not convert string to float"):
            Display([["a", "b", "c", "d"]]).plot()
        with pytest.raises(ValueError, match="^weights must be a numeric array: "
                           "setting an array element"):
            Display([[1.0, 2.0, 3.0, 4.0], [1.0]]).plot()  # ragged
    assert plt.get_fignums() == []


def test_top_features_units_count_from_the_end_and_refuse_repeats():
    est = fitted("mlp")
    last = top_features(est, k=2, units=[-1])
    assert last["unit"].tolist() == [N_HIDDEN - 1] * 2
    assert last.equals(top_features(est, k=2, units=[N_HIDDEN - 1]))
    # Before: accepted, each repeated unit listed twice ((unit, rank) not unique).
    for units in ([3, 3], [-1, N_HIDDEN - 1]):
        with pytest.raises(ValueError, match=r"must not repeat a unit.*\[" +
                           str(units[1] % N_HIDDEN) + r"\]"):
            top_features(est, k=2, units=units)
    with pytest.raises(ValueError, match="must not repeat a unit"):
        HiddenUnitsDisplay.from_estimator(est, units=[0, 0])


def test_top_features_refuses_repeated_feature_names():
    est = fitted("mlp")
    names = [f"f{j}" for j in range(64)]
    names[5] = "f0"
    # Before: accepted; two features were both called "f0" in the table.
    with pytest.raises(ValueError, match=r"feature_names must be unique; \['f0'\]"):
        top_features(est, names, k=2)


@pytest.mark.parametrize("thing", [np.arange(2000.0), np.ones((30, 40)), [[1.0, 2.0]],
                                   "model", 3])
def test_describe_network_of_a_non_estimator_is_a_short_type_error(thing):
    # Before: scikit-learn's "<the whole input> is not an estimator instance."
    with pytest.raises(TypeError, match=rf"got a {type(thing).__name__} object, "
                                        "which is not an estimator instance") as info:
        describe_network(thing)
    assert len(str(info.value)) < 300 and "1.999e+03" not in str(info.value)
    with pytest.raises(TypeError, match=rf"^{type(thing).__name__} object is not an "
                                        "estimator instance") as info:
        top_features(thing)
    assert len(str(info.value)) < 300


def test_output_weights_images_of_an_autoencoder_are_its_encoder_weights():
    # Before: show_images drew components_, which for an autoencoder are its
    # decoder's rows: the weights the diagram itself draws, twice, and never the
    # first-layer (encoder) weights the docstring promises.
    from sknonneg import NonNegAutoencoder

    X = np.random.RandomState(0).rand(30, 16)
    ae = NonNegAutoencoder(n_components=3, max_iter=5, random_state=0).fit(X)
    disp = OutputWeightsDisplay.from_estimator(ae, show_images=True)
    shown = [np.asarray(im.get_array()).ravel() for im in disp.images_display_.images_]
    encoder = ae.coefs_[0].T
    for image in shown:
        assert any(np.allclose(image, row) for row in encoder)
        assert not any(np.allclose(image, row) for row in ae.components_)
    plt.close("all")


def _inches(fig, artist_or_box):
    """``[x0, y0, width, height]`` in inches of an Axes' position (or a Bbox in
    figure fractions)."""
    box = (artist_or_box.get_position() if hasattr(artist_or_box, "get_position")
           else artist_or_box)
    w, h = fig.get_size_inches()
    return np.array([box.x0 * w, box.y0 * h, box.width * w, box.height * h])


@pytest.mark.parametrize("kw", [{}, {"colorbar": True}, {"titles": False},
                                {"image_shape": (12, 4), "colorbar": True}])
def test_hidden_units_layout_is_that_of_the_compressed_layout(kw):
    # Before: the figure was laid out by matplotlib's "compressed" layout, whose
    # time grows with the square of the number of Axes (25 CPU seconds to draw
    # 1,000 units). Its own layout puts every image, the suptitle and the colour
    # bar where the compressed layout put them, within a tenth of an inch.
    kw = dict(kw)
    shape = kw.pop("image_shape", (8, 8))
    rng = np.random.default_rng(0)
    W = np.abs(rng.normal(size=(20, shape[0] * shape[1])))
    disp = HiddenUnitsDisplay(W, image_shape=shape, estimator_name="net").plot(**kw)
    fig = disp.figure_
    fig.canvas.draw()
    from matplotlib.layout_engine import ConstrainedLayoutEngine
    assert not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    # the same figure, laid out by the compressed layout
    ref, axes = plt.subplots(*disp.axes_.shape, squeeze=False, layout="compressed",
                             figsize=fig.get_size_inches())
    for i, a in enumerate(axes.ravel()):
        if i >= len(W):
            a.set_axis_off()
            continue
        a.imshow(W[i].reshape(shape), cmap="gray", vmin=0, vmax=W.max())
        a.set_xticks([])
        a.set_yticks([])
        if kw.get("titles", True):
            a.set_title(str(i), fontsize="x-small", pad=2)
    ref.suptitle("net")
    if kw.get("colorbar"):
        cbar = ref.colorbar(axes[0, 0].images[0], ax=list(axes.ravel()), shrink=0.8)
    ref.canvas.draw()
    for a, b in zip(disp.axes_.ravel()[:len(W)], axes.ravel()):
        got, want = _inches(fig, a), _inches(ref, b)
        np.testing.assert_allclose(got, want, atol=0.1)
        np.testing.assert_allclose(got[2:], want[2:], rtol=0.01)  # one size
    inv = fig.dpi_scale_trans.inverted()
    np.testing.assert_allclose(
        fig.texts[0].get_window_extent().transformed(inv).extents,
        ref.texts[0].get_window_extent().transformed(ref.dpi_scale_trans.inverted()
                                                     ).extents, atol=0.1)
    if kw.get("colorbar"):
        got, want = _inches(fig, disp.colorbar_.ax), _inches(ref, cbar.ax)
        np.testing.assert_allclose(got, want, atol=0.2)
        np.testing.assert_allclose(got[2:], want[2:], rtol=0.05)


def test_hidden_units_layout_keeps_titles_clear_and_follows_the_figure():
    # The grid, its titles, the suptitle and the colour bar inside the figure and
    # clear of each other, the images at their aspect ratio, at every draw: after
    # the figure is resized too, as a layout engine; and a pickled figure keeps
    # its layout.
    import pickle

    rng = np.random.default_rng(0)
    W = np.abs(rng.normal(size=(30, 12 * 4)))
    labels = [f"unit {i}→class {i % 10}" for i in range(30)]  # wider than 0.5 in
    disp = HiddenUnitsDisplay(W, image_shape=(4, 12), unit_labels=labels,
                              estimator_name="net").plot(colorbar=True)
    fig = disp.figure_

    def check(fig, axes, cax):
        fig.canvas.draw()
        r = fig.canvas.get_renderer()
        frame = fig.bbox
        boxes = [a.get_window_extent(r) for a in axes.ravel()[:30]]
        titles = [a.title.get_window_extent(r) for a in axes.ravel()[:30]]
        sizes = {(round(b.width, 3), round(b.height, 3)) for b in boxes}
        assert len(sizes) == 1
        (w, h), = sizes
        assert h / w == pytest.approx(4 / 12, rel=0.01)
        everything = boxes + titles + [cax.get_tightbbox(r),
                                       fig.texts[0].get_window_extent(r)]
        for b in everything:
            assert frame.x0 - 1 <= b.x0 and b.x1 <= frame.x1 + 1
            assert frame.y0 - 1 <= b.y0 and b.y1 <= frame.y1 + 1
        drawn = boxes + titles
        for i, b in enumerate(drawn):  # not even a title over its own image
            for c in drawn[i + 1:]:
                assert not b.shrunk(0.99, 0.99).overlaps(c.shrunk(0.99, 0.99))
        right = max(b.x1 for b in boxes + titles)
        assert cax.get_window_extent(r).x0 > right
        top = max(b.y1 for b in boxes + titles)
        assert fig.texts[0].get_window_extent(r).y0 > top

    check(fig, disp.axes_, disp.colorbar_.ax)
    fig.set_size_inches(9, 1.7)  # lower: the titles wider than the images
    check(fig, disp.axes_, disp.colorbar_.ax)
    assert disp.axes_[0, 0].title.get_window_extent().width > (
        disp.axes_[0, 0].get_window_extent().width)
    fig.set_size_inches(12, 2.5)  # lower: the grid as high as the figure, centred
    check(fig, disp.axes_, disp.colorbar_.ax)
    other = pickle.loads(pickle.dumps(fig))
    check(other, np.array([a for a in other.axes if a.images]),
          [a for a in other.axes if a.get_label() == "<colorbar>"][0])
    assert type(other.get_layout_engine()) is type(fig.get_layout_engine())
    plt.close(other)
    # the colour bar removed, the figure is laid out as one without it
    disp.colorbar_.remove()
    fig.canvas.draw()
    plain = HiddenUnitsDisplay(W, image_shape=(4, 12), unit_labels=labels,
                               estimator_name="net").plot()
    plain.figure_.set_size_inches(fig.get_size_inches())
    plain.figure_.canvas.draw()
    np.testing.assert_allclose([a.get_position().bounds for a in disp.axes_.ravel()],
                               [a.get_position().bounds
                                for a in plain.axes_.ravel()], atol=1e-12)


@pytest.mark.parametrize("location", ["right", "left", "top", "bottom"])
def test_hidden_units_layout_makes_room_for_a_colour_bar_and_suptitle_added_later(
        location):
    # A colour bar and a suptitle added to the display's figure after it was made
    # are laid out with the grid, as matplotlib's compressed layout laid them out.
    rng = np.random.default_rng(0)
    disp = HiddenUnitsDisplay(np.abs(rng.normal(size=(20, 64)))).plot(title=False)
    fig = disp.figure_
    cbar = fig.colorbar(disp.images_[0], ax=disp.axes_, location=location)
    sup = fig.suptitle("added later")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    drawn = [a.get_window_extent(r) for a in disp.axes_.ravel()[:20]] + [
        a.title.get_window_extent(r) for a in disp.axes_.ravel()[:20]]
    for extra in (cbar.ax.get_tightbbox(r), sup.get_window_extent(r)):
        assert fig.bbox.x0 - 1 <= extra.x0 and extra.x1 <= fig.bbox.x1 + 1
        assert fig.bbox.y0 - 1 <= extra.y0 and extra.y1 <= fig.bbox.y1 + 1
        assert not any(extra.overlaps(b) for b in drawn)
    assert not cbar.ax.get_tightbbox(r).overlaps(sup.get_window_extent(r))
    # the bar along the grid's side, as long (Figure.colorbar's shrink, 1.0) as
    # the images are high (wide)
    box = cbar.ax.get_window_extent(r)
    images = [a.get_window_extent(r) for a in disp.axes_.ravel()[:20]]
    if location in ("right", "left"):
        span = max(b.y1 for b in images) - min(b.y0 for b in images)
        assert box.height == pytest.approx(span, rel=0.1)
    else:
        span = max(b.x1 for b in images) - min(b.x0 for b in images)
        assert box.width == pytest.approx(span, rel=0.1)
    # removed, the figure is laid out as one that never had it
    cbar.remove()
    fig.canvas.draw()
    plain = HiddenUnitsDisplay(disp.weights).plot(title=False)
    plain.figure_.suptitle("added later")
    plain.figure_.canvas.draw()
    np.testing.assert_allclose([a.get_position().bounds for a in disp.axes_.ravel()],
                               [a.get_position().bounds
                                for a in plain.axes_.ravel()], atol=1e-12)


@pytest.mark.parametrize("n_units, kw", [(1, {}), (20, {"n_cols": 20})])
def test_hidden_units_layout_keeps_the_colour_bar_inside_at_the_first_draw(
        n_units, kw):
    # Before: the colour bar's tick labels were measured where Figure.colorbar put
    # it, before the layout moved and resized it: at the first draw (a fresh
    # figure's savefig) the labels of one unit's, or one row's, colour bar ran
    # 4.7 px past the figure's right edge; only a second draw put them inside.
    rng = np.random.default_rng(0)
    disp = HiddenUnitsDisplay(np.abs(rng.normal(size=(n_units, 64)))).plot(
        colorbar=True, **kw)
    fig = disp.figure_
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    assert disp.colorbar_.ax.get_tightbbox(r).x1 <= fig.bbox.x1
    first = [a.get_position().bounds for a in fig.axes]
    fig.canvas.draw()  # a second draw changes nothing
    np.testing.assert_allclose([a.get_position().bounds for a in fig.axes], first,
                               atol=1e-12)
    plt.close("all")


def test_hidden_units_layout_of_tall_images_keeps_the_colour_bar_thin():
    # Before: a colour bar beside tall images was shrink (0.8) times the grid's
    # height and 1/20 of that wide, however wide the grid: beside 4 images of
    # 40 x 2 pixels it was wider than an image and the images 0.59 times as large
    # as the compressed layout made them. As Figure.colorbar's fraction (0.15)
    # has it, the bar is at most 0.15 of the grid's width thick (and shorter).
    rng = np.random.default_rng(0)
    W = np.abs(rng.normal(size=(4, 80)))
    disp = HiddenUnitsDisplay(W, image_shape=(40, 2)).plot(colorbar=True,
                                                           title=False)
    fig = disp.figure_
    # the layout in a figure 70.5 inches high, the size plot gave it before
    # the own figure was bounded (25.6 inches)
    fig.set_size_inches(5.2, 70.5)
    fig.set_dpi(20)
    fig.canvas.draw()
    ref, axes = plt.subplots(*disp.axes_.shape, squeeze=False, layout="compressed",
                             figsize=fig.get_size_inches(), dpi=20)
    for i, a in enumerate(axes.ravel()):
        if i >= len(W):
            a.set_axis_off()
            continue
        a.imshow(W[i].reshape(40, 2), cmap="gray", vmin=0, vmax=W.max())
        a.set_xticks([])
        a.set_yticks([])
        a.set_title(str(i), fontsize="x-small", pad=2)
    cbar = ref.colorbar(axes[0, 0].images[0], ax=list(axes.ravel()), shrink=0.8)
    ref.canvas.draw()
    for a, b in zip(disp.axes_.ravel()[:len(W)], axes.ravel()):
        np.testing.assert_allclose(_inches(fig, a)[2:], _inches(ref, b)[2:],
                                   rtol=0.01)
    got, want = _inches(fig, disp.colorbar_.ax), _inches(ref, cbar.ax)
    np.testing.assert_allclose(got[2:], want[2:], rtol=0.05)
    assert got[2] <= 0.15 * (_inches(fig, disp.axes_[0, -1])[:2].sum()
                             - _inches(fig, disp.axes_[0, 0])[0]) + 1e-9
    plt.close("all")


def test_hidden_units_layout_makes_room_for_figure_labels_added_later():
    # Before: a supxlabel / supylabel added to the display's figure (which
    # matplotlib's compressed layout made room for) was drawn over the images.
    rng = np.random.default_rng(0)
    disp = HiddenUnitsDisplay(np.abs(rng.normal(size=(20, 64))),
                              estimator_name="net").plot(colorbar=True)
    fig = disp.figure_
    xlabel, ylabel = fig.supxlabel("pixel column"), fig.supylabel("pixel row")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    drawn = [a.get_window_extent(r) for a in disp.axes_.ravel()[:20]] + [
        a.title.get_window_extent(r) for a in disp.axes_.ravel()[:20]] + [
        disp.colorbar_.ax.get_tightbbox(r), fig.texts[0].get_window_extent(r)]
    for label in (xlabel, ylabel):
        box = label.get_window_extent(r)
        assert fig.bbox.x0 - 1 <= box.x0 and box.x1 <= fig.bbox.x1 + 1
        assert fig.bbox.y0 - 1 <= box.y0 and box.y1 <= fig.bbox.y1 + 1
        assert not any(box.overlaps(b) for b in drawn)
    # the images as large as the room left allows: no smaller than the
    # compressed layout makes them
    ref = HiddenUnitsDisplay(disp.weights, estimator_name="net").plot(colorbar=True)
    ref.figure_.set_layout_engine("compressed")
    ref.figure_.supxlabel("pixel column")
    ref.figure_.supylabel("pixel row")
    ref.figure_.canvas.draw()
    assert (disp.axes_[0, 0].get_window_extent(r).width
            >= 0.97 * ref.axes_[0, 0].get_window_extent().width)
    plt.close("all")


@pytest.mark.parametrize("extra", ["colorbar", "legend"])
def test_hidden_units_layout_keeps_a_second_colour_bar_or_outside_legend_clear(extra):
    # Before: the display's layout placed one colour bar; a second one added to the
    # figure (fig.colorbar(..., location="left")), or a figure legend placed
    # "outside", stayed where matplotlib put it, over the images. The compressed
    # layout (the display's figure's before) stacked them; the figure falls back
    # to it for these.
    rng = np.random.default_rng(0)
    disp = HiddenUnitsDisplay(np.abs(rng.normal(size=(20, 64))),
                              estimator_name="net").plot(colorbar=True)
    fig = disp.figure_
    fig.canvas.draw()  # laid out once by the display's layout first
    if extra == "colorbar":
        added = fig.colorbar(disp.images_[0], ax=disp.axes_, location="left").ax
    else:
        added = fig.legend(handles=[matplotlib.lines.Line2D([], [], label="abc")],
                           loc="outside right center")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    images = [a.get_window_extent(r) for a in disp.axes_.ravel()[:20]]
    assert not added.get_tightbbox(r).overlaps(disp.colorbar_.ax.get_tightbbox(r))
    for box in (added.get_tightbbox(r), disp.colorbar_.ax.get_tightbbox(r),
                fig.texts[0].get_window_extent(r)):
        assert fig.bbox.x0 - 1 <= box.x0 and box.x1 <= fig.bbox.x1 + 1
        assert fig.bbox.y0 - 1 <= box.y0 and box.y1 <= fig.bbox.y1 + 1
        assert not any(box.overlaps(b) for b in images)
    plt.close("all")


@pytest.mark.parametrize("engine", ["compressed", "constrained"])
def test_hidden_units_layout_leaves_the_axes_in_a_layout_switched_to(engine):
    # Before: the display's layout set every Axes' position with set_position,
    # which takes an Axes out of every layout (in_layout False): after one draw, a
    # figure switched to the compressed layout laid the images out without their
    # titles' margins and put the colour bar at the figure's edge, its labels cut
    # off (0.023 of the figure from a fresh compressed figure's positions).
    rng = np.random.default_rng(0)
    W = np.abs(rng.normal(size=(20, 64)))
    labels = [f"unit {i}, a long one" for i in range(20)]
    disp = HiddenUnitsDisplay(W, unit_labels=labels, estimator_name="net").plot(
        colorbar=True)
    fig = disp.figure_
    fig.canvas.draw()
    assert all(a.get_in_layout() for a in fig.axes)
    fresh = HiddenUnitsDisplay(W, unit_labels=labels, estimator_name="net").plot(
        colorbar=True)
    for f in (fig, fresh.figure_):
        f.set_layout_engine(engine)
        f.canvas.draw()
    np.testing.assert_allclose([a.get_position().bounds for a in fig.axes],
                               [a.get_position().bounds for a in fresh.figure_.axes],
                               atol=0.005)
    r = fig.canvas.get_renderer()
    for a in fig.axes:
        box = a.get_tightbbox(r)
        assert fig.bbox.x0 - 1 <= box.x0 and box.x1 <= fig.bbox.x1 + 1
    plt.close("all")


def test_hidden_units_layout_measures_with_the_canvas_public_renderer(monkeypatch, tmp_path):
    # Before: ImageGridLayout.execute called Figure._get_renderer(), a
    # matplotlib private, at every draw. Now the canvas' public get_renderer()
    # where the canvas has one (Agg: PNG); the private only for a vector save,
    # whose canvas has none (as matplotlib's own layout engines call it). The
    # layout is the same; PNG, SVG and PDF saves all lay the figure out.
    from matplotlib.figure import Figure

    W = np.abs(np.random.default_rng(0).normal(size=(6, 64)))

    def bounds(disp):
        return np.array([a.get_position().bounds for a in disp.axes_.ravel()]
                        + [disp.colorbar_.ax.get_position().bounds])

    ref = HiddenUnitsDisplay(W, estimator_name="net").plot(colorbar=True)
    ref.figure_.savefig(tmp_path / "ref.png")
    calls = []
    private = Figure._get_renderer

    def spy(fig):
        calls.append(type(fig.canvas).__name__)
        return private(fig)

    monkeypatch.setattr(Figure, "_get_renderer", spy)
    disp = HiddenUnitsDisplay(W, estimator_name="net").plot(colorbar=True)
    disp.figure_.savefig(tmp_path / "a.png")
    disp.figure_.canvas.draw()
    assert calls == []
    np.testing.assert_allclose(bounds(disp), bounds(ref), rtol=0, atol=1e-12)
    for fmt in ("svg", "pdf"):
        for a in disp.axes_.ravel():  # moved away: the save lays them out again
            a.set_position([0.4, 0.4, 0.1, 0.1])
        disp.figure_.savefig(tmp_path / f"a.{fmt}")
        assert (tmp_path / f"a.{fmt}").stat().st_size > 1000
        # the vector renderer's text metrics: the same layout within 0.1 %
        np.testing.assert_allclose(bounds(disp), bounds(ref), atol=1e-3)
    plt.close("all")


def test_hidden_units_layout_engine_set_takes_a_pad_and_names_what_it_refuses():
    # Before: fig.get_layout_engine().set(...) (the compressed layout's way to
    # tune its pads, which worked on the display's figure before its layout of
    # its own) raised matplotlib's bare NotImplementedError, whatever was passed.
    rng = np.random.default_rng(0)
    disp = HiddenUnitsDisplay(np.abs(rng.normal(size=(6, 64)))).plot(title=False)
    fig = disp.figure_
    engine = fig.get_layout_engine()
    fig.canvas.draw()
    before = disp.axes_[0, 1].get_position().x0 - disp.axes_[0, 0].get_position().x1
    engine.set(pad=0.2)  # both pads
    spaces = {"wspace": 0.02, "hspace": 0.02}  # matplotlib's rcParams
    assert engine.get() == {"w_pad": 0.2, "h_pad": 0.2, **spaces}
    fig.canvas.draw()
    after = disp.axes_[0, 1].get_position().x0 - disp.axes_[0, 0].get_position().x1
    assert after * fig.get_size_inches()[0] == pytest.approx(0.4)  # 2 pads apart
    assert after > before
    engine.set(w_pad=0.1)  # as the constrained layout's set: one pad, not both
    assert engine.get() == {"w_pad": 0.1, "h_pad": 0.2, **spaces}
    fig.canvas.draw()
    after = disp.axes_[0, 1].get_position().x0 - disp.axes_[0, 0].get_position().x1
    assert after * fig.get_size_inches()[0] == pytest.approx(0.2)
    with pytest.raises(TypeError, match=r"\['rect'\]; it takes w_pad, "
                       r"h_pad and pad \(in inches\), wspace and hspace"):
        engine.set(rect=(0, 0, 1, 1))
    for name in ("pad", "w_pad", "h_pad", "wspace", "hspace"):
        for bad in (-1.0, np.nan, "0.1", True):
            with pytest.raises(ValueError, match=f"The '{name}' parameter of "
                               r"ImageGridLayout.set must be a float in the "
                               r"range \[0, inf\)"):
                engine.set(**{name: bad})
    assert engine.get() == {"w_pad": 0.1, "h_pad": 0.2, **spaces}
    plt.close("all")


def test_hidden_units_layout_takes_its_pads_from_the_rcparams():
    # Before: the display's own figure kept 3/72 inch pads whatever
    # rcParams["figure.constrained_layout.w_pad"/"h_pad"] said (in rc_context
    # too); matplotlib's compressed layout, which it had before, reads them when
    # the layout is made, as the display's layout now does.
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    rng = np.random.default_rng(0)
    W = np.abs(rng.normal(size=(6, 64)))
    pads = {"figure.constrained_layout.w_pad": 0.3,
            "figure.constrained_layout.h_pad": 0.2}
    with matplotlib.rc_context(pads):
        disp = HiddenUnitsDisplay(W, estimator_name="net").plot(n_cols=3)
        assert ConstrainedLayoutEngine().get()["w_pad"] == 0.3  # as matplotlib's
    fig = disp.figure_
    assert fig.get_layout_engine().get() == {"w_pad": 0.3, "h_pad": 0.2,
                                             "wspace": 0.02, "hspace": 0.02}
    fig.canvas.draw()  # after the context: the pads of the layout as made
    w, h = fig.get_size_inches()
    pos = [[a.get_position() for a in row] for row in disp.axes_]
    title = disp.axes_[1, 0].title.get_window_extent().y1 / fig.dpi
    # two w_pads between columns; two h_pads between a row and the titles below
    assert (pos[0][1].x0 - pos[0][0].x1) * w == pytest.approx(0.6)
    assert pos[0][0].y0 * h - title == pytest.approx(0.4, abs=0.01)
    assert fig.get_layout_engine().get() != HiddenUnitsDisplay(W).plot(
        ).figure_.get_layout_engine().get()  # outside the context: the defaults
    plt.close("all")
    # a negative or NaN pad (matplotlib's rcParams take them) refused, naming
    # the rcParam the user set (before: "The 'w_pad' parameter of
    # ImageGridLayout.set", a method the user did not call), and the figure
    # made for it closed
    for key, value in (("w_pad", -0.1), ("h_pad", float("nan"))):
        with matplotlib.rc_context({f"figure.constrained_layout.{key}": value}):
            with pytest.raises(ValueError, match=re.escape(
                    f"rcParams['figure.constrained_layout.{key}'] must be a "
                    f"float >= 0 (inches) for HiddenUnitsDisplay's grid layout "
                    f"(ImageGridLayout); got {value!r}.")):
                HiddenUnitsDisplay(W).plot()
        assert plt.get_fignums() == []


def _compressed_reference(W, image_shape, grid, figsize, titles):
    """The images ``W`` (rows reshaped to ``image_shape``) in a ``grid`` of
    matplotlib's own ``layout="compressed"`` figure of ``figsize``, titled as
    HiddenUnitsDisplay titles them, drawn: ``(figure, axes)``, the reference
    that its grid layout is compared with."""
    ref, axes = plt.subplots(*grid, squeeze=False, layout="compressed",
                             figsize=figsize)
    for i, a in enumerate(axes.ravel()):
        a.imshow(W[i].reshape(image_shape))
        a.set_xticks([])
        a.set_yticks([])
        if titles:
            a.set_title(str(i), fontsize="x-small", pad=2)
    ref.canvas.draw()
    return ref, axes


def test_hidden_units_layout_spaces_the_cells_as_the_compressed_layout(tmp_path):
    # Before: the grid layout read the rcParams' pads but not
    # rcParams["figure.constrained_layout.wspace"/"hspace"], and its
    # set(wspace=..., hspace=...) was refused: a user asking for more space
    # between the images (as the compressed layout, which the display's figure
    # had before, gives it) got none, and an enlarged figure kept two pads
    # between its images where the compressed layout spreads wspace. Now the
    # space between two columns (rows) is wspace / n_cols of the figure's width
    # (hspace / n_rows of its height) where that is more than two pads, as the
    # constrained layout's margins make it; at matplotlib's defaults the pads
    # win in the display's own figures of square images, which are unchanged
    # (not of tall images: test_hidden_units_tall_images_are_spaced_by_hspace_
    # at_the_defaults).
    rng = np.random.default_rng(0)
    W = np.abs(rng.normal(size=(6, 64)))

    def gaps(fig, axes):
        """Inches between the first two columns' images, and between the first
        row's images and the top of the second row's (titles)."""
        w, h = fig.get_size_inches()
        a, b, c = axes[0, 0], axes[0, 1], axes[1, 0]
        below = (c.title.get_window_extent().y1 / fig.dpi if c.get_title()
                 else c.get_position().y1 * h)
        return ((b.get_position().x0 - a.get_position().x1) * w,
                a.get_position().y0 * h - below)

    def compressed(disp, fig, titles):
        ref, axes = _compressed_reference(W, (8, 8), disp.axes_.shape,
                                          fig.get_size_inches(), titles)
        return gaps(ref, axes)

    spaces = {"figure.constrained_layout.wspace": 0.2,
              "figure.constrained_layout.hspace": 0.3}
    for titles in (True, False):
        with matplotlib.rc_context(spaces):
            disp = HiddenUnitsDisplay(W).plot(n_cols=3, titles=titles, title=False)
            fig = disp.figure_
            assert fig.get_layout_engine().get()["wspace"] == 0.2
            fig.canvas.draw()
            got, want = gaps(fig, disp.axes_), compressed(disp, fig, titles)
        w, h = fig.get_size_inches()
        np.testing.assert_allclose(got, [0.2 * w / 3, 0.3 * h / 2], rtol=1e-9)
        np.testing.assert_allclose(got, want, atol=1e-3)
        plt.close("all")
    # set() as the constrained layout's; a space below the two pads: the pads
    disp = HiddenUnitsDisplay(W).plot(n_cols=3, title=False)
    fig = disp.figure_
    fig.canvas.draw()
    default = gaps(fig, disp.axes_)
    assert default[0] == pytest.approx(2 * 0.04167)  # the pads win at 0.02
    fig.get_layout_engine().set(wspace=0.3)
    fig.canvas.draw()
    assert gaps(fig, disp.axes_)[0] == pytest.approx(0.3 * fig.get_size_inches()[0] / 3)
    assert gaps(fig, disp.axes_)[1] == pytest.approx(default[1])
    fig.get_layout_engine().set(wspace=0.001)
    fig.canvas.draw()
    assert gaps(fig, disp.axes_) == pytest.approx(default)
    # at matplotlib's defaults, an enlarged figure: wspace (0.02 of 20 inches
    # over 3 columns) wins over two pads, as in the compressed layout
    fig.get_layout_engine().set(wspace=0.02)
    fig.set_size_inches(20, 6)
    fig.canvas.draw()
    got, want = gaps(fig, disp.axes_), compressed(disp, fig, True)
    assert got[0] == pytest.approx(0.02 * 20 / 3)
    np.testing.assert_allclose(got, want, atol=1e-3)
    plt.close("all")
    # a negative rcParams space refused by name; the figure made for it closed
    with matplotlib.rc_context({"figure.constrained_layout.hspace": -0.1}):
        with pytest.raises(ValueError, match=re.escape(
                "rcParams['figure.constrained_layout.hspace'] must be a float >= 0 "
                "(a fraction of the figure) for HiddenUnitsDisplay's grid layout")):
            HiddenUnitsDisplay(W).plot()
    assert plt.get_fignums() == []


@pytest.mark.parametrize("titles", [True, False])
def test_hidden_units_tall_images_are_spaced_by_hspace_at_the_defaults(titles):
    # At matplotlib's defaults (hspace 0.02, h_pad 3/72 inch) the space between
    # two rows is hspace / n_rows of the figure's height where that is more
    # than two pads, as in the compressed layout: the pads win in the figure
    # plot makes for square images, but not for images about 2.3 times as high
    # as wide (2.7 without titles), whose rows are over 4.2 inches high. Here
    # (16 x 4 images, two rows) the rows are 0.02 * H / 2 apart, as in the
    # compressed layout. Before the spaces were read they were two pads (0.083
    # inch) apart, and the notes said every default figure was unchanged.
    W = np.abs(np.random.default_rng(0).normal(size=(4, 64)))
    disp = HiddenUnitsDisplay(W, image_shape=(16, 4)).plot(
        n_cols=2, titles=titles, title=False)
    fig = disp.figure_
    fig.canvas.draw()
    w, h = fig.get_size_inches()

    def gap(fig, axes):
        """Inches between the first row's images and the top of the second
        row (its titles, or its images without titles)."""
        below = axes[1, 0]
        top = (below.title.get_window_extent().y1 / fig.dpi if below.get_title()
               else below.get_position().y1 * h)
        return axes[0, 0].get_position().y0 * h - top

    assert 0.02 * h / 2 > 2 * 3 / 72
    assert gap(fig, disp.axes_) == pytest.approx(0.02 * h / 2, rel=1e-9)
    ref, axes = _compressed_reference(W, (16, 4), (2, 2), (w, h), titles)
    assert gap(fig, disp.axes_) == pytest.approx(gap(ref, axes), abs=1e-3)
    plt.close("all")


def test_hidden_units_two_colour_bars_are_laid_out_with_the_layout_pads():
    # Two colour bars are left to matplotlib's compressed layout. Before, it was
    # made with the rcParams' pads and spaces, whatever the display's layout
    # had been set to: set(pad=0.3) left the images 0.083 inch apart.
    W = np.abs(np.random.default_rng(0).normal(size=(6, 64)))
    disp = HiddenUnitsDisplay(W).plot(n_cols=3, colorbar=True, title=False)
    fig = disp.figure_
    fig.colorbar(disp.images_[0], ax=list(disp.axes_.ravel()), location="left")
    fig.get_layout_engine().set(pad=0.3)
    fig.canvas.draw()
    a, b = disp.axes_[0, 0].get_position(), disp.axes_[0, 1].get_position()
    assert (b.x0 - a.x1) * fig.get_size_inches()[0] == pytest.approx(0.6)
    plt.close("all")


def test_hidden_units_inset_titles_do_not_run_into_the_images_above():
    # Before: plot(ax=one Axes) gave each title 0.3 of its image's height;
    # with 400 units in a 10 x 7 inch Axes the images are 25 pixels high, the
    # room 7.5 pixels, the titles (x-small, 2 points above the image) 11: each
    # ran 2 pixels into the image above it (60 units in a 3 x 3 inch figure
    # as well). Now the room is at least the title's pad and font size (the
    # images smaller where the height binds: 60 units in 8 x 2 inches).
    W = np.random.default_rng(0).normal(size=(60, 64))
    for n, figsize in ((60, (3, 3)), (60, (8, 2)), (16, (10, 7))):
        fig, ax = plt.subplots(figsize=figsize)
        disp = HiddenUnitsDisplay(W[:n]).plot(ax=ax)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        axes = disp.axes_
        for i in range(1, axes.shape[0]):
            for j in range(axes.shape[1]):
                below, above = axes[i, j], axes[i - 1, j]
                if below.get_title():
                    top = below.title.get_window_extent(renderer).y1
                    assert top <= above.bbox.y0, (n, i, j, top, above.bbox.y0)
        plt.close(fig)


def test_hidden_units_refused_by_imshow_leaves_no_open_figure():
    # Before: a cmap or imshow_kw that matplotlib's imshow refuses raised after
    # plot had made its figure, which stayed open (one more per refusal).
    rng = np.random.default_rng(0)
    disp = HiddenUnitsDisplay(np.abs(rng.normal(size=(4, 64))))
    plt.close("all")
    with pytest.raises(ValueError, match="nocmap"):
        disp.plot(cmap="nocmap")
    with pytest.raises((AttributeError, TypeError), match="nokey"):
        disp.plot(imshow_kw={"nokey": 1})
    assert plt.get_fignums() == []
    fig, ax = plt.subplots()  # a figure of the user's is the user's to close
    with pytest.raises(ValueError, match="nocmap"):
        disp.plot(ax=ax, cmap="nocmap")
    assert plt.get_fignums() == [fig.number]
    plt.close("all")


def test_hidden_units_n_cols_is_at_most_one_column_per_unit():
    """Before: n_cols was the number of columns whatever the units: n_cols=10**6
    built a million Axes (minutes) to draw a few images, n_units + 3 three empty
    cells. Now it is a maximum, as scikit-learn's PartialDependenceDisplay's
    n_cols, on every kind of ax that makes a grid."""
    est = fitted("nmf")
    n_units = _components(est).shape[0]
    for n_cols in (n_units + 3, 10**6):
        disp = HiddenUnitsDisplay.from_estimator(est, n_cols=n_cols)
        assert disp.axes_.shape == (1, n_units)
        disp = HiddenUnitsDisplay(_components(est), image_shape=(8, 8)).plot(
            ax=plt.figure(), n_cols=n_cols)
        assert disp.axes_.shape == (1, n_units)
        _, ax = plt.subplots()
        disp = HiddenUnitsDisplay.from_estimator(est, ax=ax, n_cols=n_cols)
        assert disp.axes_.shape == (1, n_units)
        plt.close("all")
    assert HiddenUnitsDisplay.from_estimator(est, n_cols=2).axes_.shape == (
        -(-n_units // 2), 2)
    plt.close("all")


@pytest.mark.parametrize("show_images", [True, False])
def test_output_weights_image_shape_is_checked_with_or_without_images(show_images):
    """Before: with show_images=False a wrong image_shape passed silently, where
    show_images=True refused it; and the display's plot took any image_shape
    without unit_weights."""
    est = fitted("mlp")
    with pytest.raises(ValueError, match=r"image_shape=\(4, 4\) does not match "
                       r"n_features=64"):
        OutputWeightsDisplay.from_estimator(est, show_images=show_images,
                                            image_shape=(4, 4))
    for bad in ((-8, -8), 64, (8, 8, 1)):
        with pytest.raises(ValueError, match="The 'image_shape' parameter of "
                           "OutputWeightsDisplay.from_estimator must be a pair of ints"):
            OutputWeightsDisplay.from_estimator(est, show_images=show_images,
                                                image_shape=bad)
        with pytest.raises(ValueError, match="The 'image_shape' parameter of "
                           "OutputWeightsDisplay must be a pair of ints"):
            OutputWeightsDisplay(est.coefs_[-1], image_shape=bad).plot()
    disp = OutputWeightsDisplay.from_estimator(est, show_images=show_images,
                                               image_shape=(8, 8))
    assert (disp.images_display_ is not None) == show_images
    plt.close("all")


@pytest.mark.parametrize("value, text", [
    (1.23444, "1.235"), (11.170158, "11.18"), (1.2345e8, "1.235e+08"),
    (1.0005e-5, "1.001e-05"), (1.0, "1"), (9.9999, "10"), (2.5e-320, "2.5e-320")])
def test_describe_network_rounds_up_in_float_notation(value, text):
    # Before: the rounded-up bound printed through Decimal, as
    # 1.235E+8, 0.00001001 and 1.000 where a float prints 1.235e+08, 1.001e-05, 1.
    from decimal import Decimal

    from sknonneg.inspection._describe import _rounded_up

    assert _rounded_up(value) == text
    assert Decimal(text) >= Decimal(value)


def test_describe_network_rounds_up_never_below_the_value():
    from decimal import Decimal

    from sknonneg.inspection._describe import _rounded_up

    rng = np.random.default_rng(0)
    values = np.concatenate([10.0 ** rng.uniform(-320, 308, 2000),
                             [np.finfo(float).max, np.finfo(float).tiny, 5e-324]])
    for value in values:
        text = _rounded_up(value)
        assert Decimal(text) >= Decimal(float(value)), (value, text)
        assert "E" not in text and not text.endswith(".000")


def test_describe_network_prints_the_lipschitz_bound_rounded_up_and_says_of_what():
    # Before: f"{bound:.4g}" rounded to nearest (11.170158... printed as 11.17,
    # below the bound it reports), and a Pipeline's report gave the bound of its
    # last step with nothing saying that it is in the units of the scaled input.
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(6):
            est = NonNegMLPClassifier((4,), max_iter=10, random_state=seed).fit(X, y)
            text = describe_network(est)
            printed = float(re.search(r"Lipschitz bound: (\S+)", text).group(1))
            assert est.lipschitz_bound_ <= printed <= est.lipschitz_bound_ * 1.001
            assert "of the logits with respect to the input" in text
        pipe = make_pipeline(StandardScaler(), NonNegMLPRegressor(
            (4,), max_iter=10, random_state=0)).fit(X, X[:, 0])
    text = describe_network(pipe)
    assert "of the predictions with respect to the network's input, after the " \
           "preceding steps" in text


def test_a_fitted_search_is_pointed_to_its_best_estimator():
    # Before: "GridSearchCV is not supported: expected a fitted estimator with
    # `coefs_` ...", without saying that the network is its best_estimator_.
    from sklearn.model_selection import GridSearchCV

    X, y = load_digits(return_X_y=True)
    search = GridSearchCV(PCA(), {"n_components": [2, 3]}, cv=2).fit(X / 16, y)
    for call in (lambda: HiddenUnitsDisplay.from_estimator(search),
                 lambda: OutputWeightsDisplay.from_estimator(search),
                 lambda: describe_network(search),
                 lambda: top_features(search),
                 lambda: weight_sparsity(search)):
        with pytest.raises(TypeError, match="GridSearchCV is not supported.*pass "
                                            "GridSearchCV.best_estimator_"):
            call()
    HiddenUnitsDisplay.from_estimator(search.best_estimator_)  # what it advises
    plt.close("all")
    # An estimator that is not a search gets no such advice.
    with pytest.raises(TypeError, match=r"not supported: .*\(e\.g\. PCA, NMF\)\.$"):
        describe_network(LogisticRegression().fit(X / 16, y))


def _abba(hidden=6, max_iter=20, **kw):
    from sknonneg import ABBAClassifier

    X, y = _digits()
    if kw.get("output") == "logistic":
        y = y % 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ABBAClassifier(hidden, max_iter=max_iter, random_state=0,
                              **kw).fit(X[:400], y[:400])


def test_hidden_units_of_abba_pairs_once_draws_each_pair_once():
    # Before: no way to leave out the second half of ABBA's first layer, whose
    # images are the first half's negated: half the panel repeated the other half
    # with its colours swapped.
    abba = _abba()
    comps = abba.components_
    np.testing.assert_array_equal(comps[6:], -comps[:6])
    disp = HiddenUnitsDisplay.from_estimator(abba, pairs="once")
    assert len(disp.images_) == 6
    np.testing.assert_array_equal(disp.unit_ids, np.arange(6))
    for i, im in enumerate(disp.images_):
        np.testing.assert_array_equal(np.asarray(im.get_array()).ravel(), comps[i])
    assert [a.get_title() for a in disp.axes_.ravel()[:6]] == [
        f"{i} & {i + 6}" for i in range(6)]
    assert disp.signed_
    # units select pairs: unit 7 is pair 1's second unit, 1 the same pair
    disp = HiddenUnitsDisplay.from_estimator(abba, pairs="once", units=[7, 3, 1, -1])
    assert list(disp.unit_ids) == [1, 3, 5]
    assert disp.unit_labels == ["1 & 7", "3 & 9", "5 & 11"]
    # an int: the first n pairs after ordering; the order of "both" without the
    # second units (a pair's units have the same outgoing weight magnitude)
    both = HiddenUnitsDisplay.from_estimator(abba, order="output_weight")
    once = HiddenUnitsDisplay.from_estimator(abba, order="output_weight",
                                             pairs="once", units=4)
    assert list(once.unit_ids) == [u for u in both.unit_ids if u < 6][:4]
    # "class": the class whose logit unit i raises most, as with "both"
    both = HiddenUnitsDisplay.from_estimator(abba, order="class")
    once = HiddenUnitsDisplay.from_estimator(abba, order="class", pairs="once")
    expect = {int(u): lab.split("→")[1] for u, lab in zip(both.unit_ids,
                                                         both.unit_labels)}
    # titled by unit i's class, the partner after it (before: "2 & 8→0", read as
    # if the partner, which lowers that logit, favoured the class too)
    assert once.unit_labels == [f"{u}→{expect[int(u)]} (& {u + 6})"
                                for u in once.unit_ids]
    with pytest.raises(ValueError, match=r"The 'units' parameter of "
                       r"HiddenUnitsDisplay.from_estimator must be an int in the "
                       r"range \[1, 6\] \(the network's pairs of units, with "
                       r"pairs='once'\)\. Got 7 instead\."):
        HiddenUnitsDisplay.from_estimator(abba, pairs="once", units=7)
    with pytest.raises(ValueError, match="no such pairs"):
        HiddenUnitsDisplay.from_estimator(fitted("mlp"), pairs="once")
    with pytest.raises(InvalidParameterError, match="'pairs' parameter"):
        HiddenUnitsDisplay.from_estimator(abba, pairs="twice")
    # the default draws both units of every pair, as before
    assert len(HiddenUnitsDisplay.from_estimator(abba).images_) == 12
    plt.close("all")


def test_output_weights_of_multilabel_abba_pairs_once_rows_are_labels():
    # Before: pairs="once" named the rows "logit (class)" for a multilabel
    # target too, whose rows are labels (pairs="both" says "output (label)").
    from sknonneg import ABBAClassifier

    X, y = _digits()
    Y = np.c_[y % 2, y > 4, y == 0][:400]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        abba = ABBAClassifier(5, max_iter=20, random_state=0).fit(X[:400], Y)
    once = OutputWeightsDisplay.from_estimator(abba, pairs="once")
    assert once.weights.shape == (5, 3)
    assert once.ax_.get_ylabel() == "logit (label)"
    assert [t.get_text() for t in once.ax_.get_yticklabels()] == ["0", "1", "2"]
    both = OutputWeightsDisplay.from_estimator(abba)
    assert both.ax_.get_ylabel() == "output (label)"
    plt.close("all")


def test_output_weights_of_abba_pairs_once_draws_signed_logit_weights():
    # Before: only coefs_[-1] as stored, [[A, B], [B, A]]: 2 C rows of u and v
    # halves by 2 N columns, every square white (non-negative), each weight drawn
    # twice. With pairs="once", one row per class's logit and one column per pair
    # of units, the squares unit i's signed weights on the logits.
    from matplotlib.colors import to_rgba

    abba = _abba()
    X, y = _digits()
    X, y = X[:400], y[:400]
    disp = OutputWeightsDisplay.from_estimator(abba, X, y, pairs="once",
                                               show_images=True)
    A, B = abba.coefs_a_[-1], abba.coefs_b_[-1]
    effect = (A - B) / 2  # (6, 10): unit i's weights on the 10 logits
    np.testing.assert_allclose(effect, (abba.coefs_[-1][:6, :10]
                                        - abba.coefs_[-1][:6, 10:]) / 2)
    assert [t.get_text() for t in disp.ax_.get_yticklabels()] == [
        str(c) for c in abba.classes_]
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == [
        str(i) for i in range(6)]
    assert disp.ax_.get_ylabel() == "logit (class)"
    assert disp.ax_.get_xlabel() == "hidden unit i (pair i & i + 6)"
    xs, ys, sides, _, faces = _squares(disp)
    assert len(sides) == np.count_nonzero(effect)
    wmax = np.abs(effect).max()
    for col, row, side, face in zip(xs, ys, sides, faces):
        j, c = int(round(col)), int(round(row))
        w = effect[j, c]
        assert side == pytest.approx(0.9 * np.sqrt(abs(w) / wmax))
        assert tuple(face) == to_rgba("white" if w > 0 else "black")
    assert any(tuple(face) == to_rgba("black") for face in faces)
    images = [np.asarray(im.get_array()).ravel()
              for im in disp.images_display_.images_]
    np.testing.assert_array_equal(images, abba.components_[:6])
    H = abba.transform(X)
    heights = _bars(disp.bars_[0])[:, 3]  # class 0's row of bars
    top = max(1.0, np.abs(np.vstack([H[y == c].mean(axis=0)[:6]
                                     for c in abba.classes_])).max())
    np.testing.assert_allclose(heights, 0.42 * H[y == 0].mean(axis=0)[:6] / top,
                               rtol=1e-6, atol=1e-12)
    # transposed, ordered, a subset of pairs
    disp = OutputWeightsDisplay.from_estimator(abba, pairs="once", transpose=True,
                                               order="output_weight", units=[9, 2])
    assert list(disp.unit_ids) == sorted(
        [3, 2], key=lambda u: -np.abs(abba.coefs_[-1][u]).sum())
    np.testing.assert_allclose(disp.weights, effect[disp.unit_ids])
    assert disp.ax_.get_ylabel() == "hidden unit i (pair i & i + 6)"
    binary = _abba(output="logistic", max_iter=5)
    disp = OutputWeightsDisplay.from_estimator(binary, pairs="once")
    assert disp.weights.shape == (6, 1)
    assert [t.get_text() for t in disp.ax_.get_yticklabels()] == ["1 (vs 0)"]
    with pytest.raises(ValueError, match="no such pairs"):
        OutputWeightsDisplay.from_estimator(fitted("mlp"), pairs="once")
    with pytest.raises(InvalidParameterError, match="'pairs' parameter"):
        OutputWeightsDisplay.from_estimator(abba, pairs=True)
    # the default is the stored matrix, as before
    disp = OutputWeightsDisplay.from_estimator(abba)
    assert disp.weights.shape == (12, 20) and disp.ax_.get_xlabel() == "hidden unit"
    plt.close("all")


def _runs(groups):
    starts = [0] + [j for j in range(1, len(groups)) if groups[j] != groups[j - 1]]
    ends = starts[1:] + [len(groups)]
    return starts, ends


@pytest.mark.parametrize("transpose", [False, True])
def test_output_weights_order_class_labels_and_separates_the_groups(transpose):
    # Before: order="class" grouped the units by class but drew nothing to say
    # which class a group was, nor where one group ended and the next began.
    X, y = _digits()
    est = fitted("mlp")
    disp = OutputWeightsDisplay.from_estimator(est, X[:200], y[:200], order="class",
                                               show_images=not transpose,
                                               transpose=transpose)
    hidden = HiddenUnitsDisplay.from_estimator(est, order="class")
    groups = [lab.split("→")[1] for lab in hidden.unit_labels]
    assert disp.unit_groups == groups and len(set(groups)) > 2
    starts, ends = _runs(groups)
    axis = disp.ax_.yaxis if transpose else disp.ax_.xaxis
    labels = axis.get_ticklabels(minor=True)
    assert [t.get_text() for t in labels] == [groups[a] for a in starts]
    np.testing.assert_allclose(axis.get_ticklocs(minor=True),
                               [(a + b - 1) / 2 for a, b in zip(starts, ends)])
    assert all(t.get_visible() for t in labels)
    # one line per boundary across the diagram, one across the bars
    at = [(line.get_ydata() if transpose else line.get_xdata())[0]
          for line in disp.separators_]
    assert at == [b - 0.5 for b in starts[1:]] * 2
    assert {line.axes for line in disp.separators_} == {disp.ax_, disp.bar_ax_}
    # in a colour none of the bars has (before: tab:orange, class 1's bars')
    from matplotlib.colors import to_rgba
    bar_colours = {tuple(c) for bc in disp.bars_ for c in bc.get_facecolors()}
    assert not {to_rgba(line.get_color()) for line in disp.separators_} & bar_colours
    assert not {to_rgba(t.get_color()) for t in labels} & bar_colours
    unit_label = disp.ax_.get_ylabel() if transpose else disp.ax_.get_xlabel()
    assert unit_label == "hidden unit, by the class it favours"
    # the group labels lie beyond the unit labels, inside the figure, and the
    # bars' axis does not repeat them
    fig = disp.figure_
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    units = [t.get_window_extent(renderer) for t in axis.get_ticklabels()
             if t.get_visible() and t.get_text()]
    bar_axis = disp.bar_ax_.yaxis if transpose else disp.bar_ax_.xaxis
    assert not any(t.get_visible() and t.get_text()
                   for t in bar_axis.get_ticklabels(minor=True)
                   if t.get_window_extent(renderer).overlaps(canvas))
    for t in labels:
        box = t.get_window_extent(renderer)
        assert canvas.x0 <= box.x0 and box.x1 <= canvas.x1
        assert canvas.y0 <= box.y0 and box.y1 <= canvas.y1
        if transpose:
            assert box.x1 <= min(u.x0 for u in units)
        else:
            assert box.y0 >= max(u.y1 for u in units)
    plt.close("all")


def test_output_weights_unit_groups_parameter():
    W = np.array([[1.0, 0.0], [0.5, 0.2], [0.0, 1.0]])
    disp = OutputWeightsDisplay(W, unit_groups=["a", "a", "b"]).plot()
    assert [t.get_text() for t in disp.ax_.get_xticklabels(minor=True)] == ["a", "b"]
    assert [line.get_xdata()[0] for line in disp.separators_] == [1.5]
    assert OutputWeightsDisplay(W).plot().separators_ == []
    with pytest.raises(ValueError, match="unit_groups must have one entry per unit"):
        OutputWeightsDisplay(W, unit_groups=["a", "b"]).plot()
    # a pair of Axes: the groups are drawn in both
    fig, (ax, bar_ax) = plt.subplots(2)
    disp = OutputWeightsDisplay(W, unit_groups=["a", "b", "b"],
                                mean_activations=np.ones((2, 3))).plot(
        ax=(ax, bar_ax))
    assert {line.axes for line in disp.separators_} == {ax, bar_ax}
    plt.close("all")


@pytest.mark.parametrize("colour", ["black", "white", "0.5", "tab:blue"])
@pytest.mark.parametrize("transpose", [False, True])
def test_group_separators_show_over_squares_of_any_colour(colour, transpose):
    # Before: a dashed dark-grey line (0.15), lost over the black squares of a
    # dense Hinton diagram (MLPClassifier((300,)) on digits, order="class") and
    # barely apart from its grey. Now a white line with a dark-grey outline (path
    # effects): drawn over squares and background of one colour, the pixels of the
    # line differ from it by at least 0.4 in grey level, whatever the colour.
    from matplotlib import patheffects
    from matplotlib.colors import to_rgb

    W = np.ones((6, 3))  # 6 units, 3 outputs
    disp = OutputWeightsDisplay(W, unit_groups=["a"] * 3 + ["b"] * 3,
                                mean_activations=np.ones((2, 6))).plot(
        transpose=transpose, positive_color=colour, background_color=colour)
    fig = disp.figure_
    fig.set_dpi(100)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3].mean(axis=-1) / 255
    level = np.mean(to_rgb(colour))
    height = pixels.shape[0]
    for row in range(3):  # along the line, at each output's row (column)
        point = (row, 2.5) if transpose else (2.5, row)
        x, y = disp.ax_.transData.transform(point)
        r, c = int(round(height - y)), int(round(x))
        band = pixels[r - 4:r + 5, c] if transpose else pixels[r, c - 4:c + 5]
        assert np.abs(band - level).max() >= 0.4, (colour, row, band)
    # the artists: a white core, a wider dark-grey outline under it, in the
    # diagram and in the bars
    assert len(disp.separators_) == 2
    for line in disp.separators_:
        assert to_rgb(line.get_color()) == (1.0, 1.0, 1.0)
        assert line.get_linestyle() == "-"
        stroke, normal = line.get_path_effects()
        assert isinstance(stroke, patheffects.Stroke)
        assert isinstance(normal, patheffects.Normal)
    plt.close("all")


@pytest.mark.parametrize("transpose", [False, True])
def test_output_weights_of_many_outputs_wrap_into_panels_that_fit_a_page(transpose):
    # Before: one diagram with cells of at least 0.05 inch: an autoencoder of
    # MNIST's 784 pixels came out a strip of 2.8 x 40.6 inches (40.5 x 2.1
    # transposed). Now the outputs are split among panels side by side
    # (stacked, transposed), the figure about a page.
    from sknonneg import NonNegAutoencoder

    X = np.random.RandomState(0).rand(40, 784)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = NonNegAutoencoder(n_components=4, max_iter=3, random_state=0).fit(X)
    W = ae.coefs_[-1]
    disp = OutputWeightsDisplay.from_estimator(ae, show_images=not transpose,
                                               transpose=transpose)
    width, height = disp.figure_.get_size_inches()
    assert width <= 11 and height <= 11
    n_panels = len(disp.axes_)
    assert n_panels > 1 and disp.ax_ is disp.axes_[0]
    # the panels take the outputs in turn, each once, all at one scale
    shown, offset = [], 0
    for ax in disp.axes_:
        lo, hi = (ax.get_xlim() if transpose else sorted(ax.get_ylim()))
        n = int(round(hi - lo))
        labels = [t.get_text() for t in (ax.get_xticklabels() if transpose
                                         else ax.get_yticklabels())]
        assert labels[0] == f"x{offset}"
        shown.append(n)
        offset += n
        assert {p.axes for p in ax.patches} <= {ax}
    assert sum(shown) == 784 and len(set(shown[:-1])) == 1
    # a collection of squares per panel, in its Axes
    assert [coll.axes for coll in disp.squares_] == list(disp.axes_)
    sides = _squares(disp)[2]
    assert len(sides) == np.count_nonzero(W)
    np.testing.assert_allclose(np.sort(sides), np.sort(0.9 * np.sqrt(
        np.abs(W[W != 0]) / np.abs(W).max())))
    if not transpose:
        assert disp.images_display_ is not None
        assert disp.ax_.get_ylabel() == "reconstructed feature"
        # side by side, at one height
        tops = [ax.get_position().y1 for ax in disp.axes_]
        np.testing.assert_allclose(tops, tops[0])
    # the cells are larger than the old figure's 0.05 inch
    ax = disp.axes_[0]
    ax.apply_aspect()
    box = ax.get_position()
    assert box.width * width / 4 > 0.05 if not transpose else (
        box.height * height / 4 > 0.05)
    # an int: that many outputs per panel; None: one diagram, as before
    if transpose:
        assert len(OutputWeightsDisplay.from_estimator(ae, wrap=200).axes_) == 4
    else:
        whole = OutputWeightsDisplay.from_estimator(ae, wrap=None)
        assert len(whole.axes_) == 1 and whole.figure_.get_size_inches()[1] > 39
    plt.close("all")


def test_output_weights_wrap_leaves_figures_that_fit_alone():
    est = fitted("mlp")
    X, y = _digits()
    for transpose in (False, True):
        auto = OutputWeightsDisplay.from_estimator(est, X[:100], transpose=transpose)
        whole = OutputWeightsDisplay.from_estimator(est, X[:100], transpose=transpose,
                                                    wrap=None)
        assert len(auto.axes_) == 1
        np.testing.assert_array_equal(auto.figure_.get_size_inches(),
                                      whole.figure_.get_size_inches())
    with pytest.raises(InvalidParameterError, match="'wrap' parameter"):
        OutputWeightsDisplay.from_estimator(est, wrap=0)
    with pytest.raises(InvalidParameterError, match="'wrap' parameter"):
        OutputWeightsDisplay.from_estimator(est, wrap=True)
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="pass ax=None"):
        OutputWeightsDisplay.from_estimator(est, ax=ax, wrap=3)
    plt.close("all")


@pytest.mark.parametrize("transpose", [False, True])
def test_output_weights_wrapped_bars_are_labelled_once_clear_of_other_panels(
        transpose):
    # Before: every panel of a wrapped figure labelled its bars "mean activation
    # per class"; side by side, that label stood in the gap over the bars of the
    # panel before.
    est = fitted("mlp")
    X, y = _digits()
    disp = OutputWeightsDisplay.from_estimator(est, X[:200], y[:200], wrap=4,
                                               transpose=transpose)
    fig = disp.figure_
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bar_axes = [ax for ax in fig.axes if ax not in set(disp.axes_)]
    assert len(disp.axes_) == 3 and len(bar_axes) == 3
    labels = [ax.xaxis.label if transpose else ax.yaxis.label for ax in bar_axes]
    assert [lab.get_text() for lab in labels] == ["mean activation\nper class",
                                                   "", ""]
    extent = labels[0].get_window_extent(renderer)
    for ax in fig.axes:
        if ax is not bar_axes[0]:
            assert not extent.overlaps(ax.get_window_extent(renderer))
    plt.close("all")


def _wide_mlp(n_units, y=None):
    X, y0 = _digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLPClassifier((n_units,), max_iter=5, random_state=0).fit(
            X, y0 if y is None else y)


@pytest.mark.parametrize("transpose", [False, True])
def test_output_weights_squares_are_one_collection_per_panel(transpose):
    # Before: squares_ was a list of Rectangle patches, one per non-zero weight,
    # each added to the Axes with add_patch, which updates the data limits patch
    # by patch: 5.3 s to build the display of a classifier of 1,000 units on MNIST
    # (benchmarks/results/inspection_draw_before.md), most of it adding patches.
    # Now one PolyCollection per panel, drawing the same pixels; its facecolors
    # are the squares' colours as drawn.
    from matplotlib.collections import PolyCollection

    W = np.random.RandomState(0).randn(200, 3)  # 200 units: wrapped
    W[::7] = 0
    disp = OutputWeightsDisplay(W).plot(transpose=transpose)
    assert len(disp.axes_) > 1
    assert len(disp.squares_) == len(disp.axes_)
    for coll, ax in zip(disp.squares_, disp.axes_):
        assert isinstance(coll, PolyCollection)
        assert coll.axes is ax and coll in ax.collections
        assert len(ax.patches) == 0  # no patch per square
    x, y, width, height, faces = _squares(disp)
    assert len(width) == np.count_nonzero(W)
    np.testing.assert_allclose(width, height)
    # a collection is what is drawn: recolouring it recolours the squares
    small = OutputWeightsDisplay(np.array([[1.0, -1.0]])).plot(
        transpose=transpose, title=False)
    (coll,) = small.squares_
    fig = small.figure_
    fig.canvas.draw()
    centre = small.ax_.transData.transform((0, 0))
    r, c = int(round(fig.bbox.height - centre[1])), int(round(centre[0]))
    before = np.asarray(fig.canvas.buffer_rgba())[r, c, :3].copy()
    coll.set_facecolor(["red", "blue"])
    fig.canvas.draw()
    after = np.asarray(fig.canvas.buffer_rgba())[r, c, :3]
    assert tuple(before) == (255, 255, 255) and tuple(after) == (255, 0, 0)
    plt.close("all")


@pytest.mark.parametrize("transpose", [False, True])
def test_output_weights_of_many_units_wrap_the_units_into_panels(transpose):
    # Before: wrap="auto" wrapped only the outputs, so that a classifier of 1,000
    # hidden units came out one strip 51 inches long, its cells 0.05 inch, and
    # its images and bars unreadable. Now the units are split among panels
    # stacked (side by side, with transpose) that fit a page, every panel at the
    # scale of all (squares, bars and images). 200 units here, beyond the 180
    # that fit a page at 0.05 inch (400 until 6ee575c: twice the drawing, the same
    # checks).
    X, y = _digits()
    est = _wide_mlp(200)
    W = est.coefs_[-1]
    disp = OutputWeightsDisplay.from_estimator(est, X[:300], y[:300],
                                               show_images=not transpose,
                                               transpose=transpose)
    width, height = disp.figure_.get_size_inches()
    assert width <= 11.5 and height <= 11.5
    n_panels = len(disp.axes_)
    assert n_panels > 1 and disp.ax_ is disp.axes_[0]
    # the panels take the units in turn, each once, and every output
    shown = []
    for ax in disp.axes_:
        lo, hi = sorted(ax.get_ylim() if transpose else ax.get_xlim())
        shown.append(int(round(hi - lo)))
        n_out = int(round(np.ptp(ax.get_xlim() if transpose else ax.get_ylim())))
        assert n_out == W.shape[1]
    assert sum(shown) == 200 and len(set(shown[:-1])) == 1
    assert [coll.axes for coll in disp.squares_] == list(disp.axes_)
    sides = _squares(disp)[2]
    assert len(sides) == np.count_nonzero(W)
    np.testing.assert_allclose(np.sort(sides), np.sort(0.9 * np.sqrt(
        np.abs(W[W != 0]) / np.abs(W).max())))
    # the cells of a panel larger than the strip's 0.05 inch
    ax = disp.axes_[0]
    ax.apply_aspect()
    box = ax.get_position()
    cell = (box.height * height if transpose else box.width * width) / shown[0]
    assert cell > 0.06
    # bars: every panel's, panel by panel, each in that panel's bar Axes, one
    # scale for all: an activation's bar as long in every panel
    n_rows = 10
    assert len(disp.bars_) == n_panels * n_rows
    assert len(disp.bar_axes_) == n_panels and disp.bar_ax_ is disp.bar_axes_[0]
    H = disp.mean_activations
    lengths = []
    for p in range(n_panels):
        bars = disp.bars_[p * n_rows:(p + 1) * n_rows]
        assert {bc.axes for bc in bars} == {disp.bar_axes_[p]}
        lengths.append(np.array([_bars(bc)[:, 2 if transpose else 3]
                                 for bc in bars]))
    lengths = np.hstack(lengths)
    np.testing.assert_allclose(lengths, 0.84 * H / max(1.0, np.abs(H).max()))
    if not transpose:
        assert len(disp.images_displays_) == n_panels
        assert disp.images_display_ is disp.images_displays_[0]
        images = np.concatenate([d.images_ for d in disp.images_displays_])
        assert len(images) == 200
        assert len({im.get_clim() for im in images}) == 1
    # None: one strip, as before: 200 cells of 0.05 inch and the margins
    whole = OutputWeightsDisplay.from_estimator(est, wrap=None, transpose=transpose)
    size = whole.figure_.get_size_inches()
    assert len(whole.axes_) == 1 and max(size) > 10 and max(size) / min(size) > 4
    plt.close("all")


@pytest.mark.parametrize("transpose", [False, True])
def test_output_weights_bars_are_a_collection_per_row(transpose):
    # Before: bars_ held a BarContainer per row, a Rectangle patch per bar added to
    # the Axes one by one (18,000 for 90 labels x 200 units: seconds). Now a
    # PolyCollection per row, with the same rectangles, colour and legend label.
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgba

    rng = np.random.default_rng(0)
    acts = rng.normal(size=(3, 5))  # signed: bars up and down from mid-row
    acts[1, 2] = 0.0  # a bar of no length is still one of the row
    disp = OutputWeightsDisplay(rng.normal(size=(5, 3)), mean_activations=acts,
                                activation_labels=["a", "b", "c"]).plot(
        transpose=transpose, bar_colors=["red", "green", "blue"])
    assert len(disp.bars_) == 3
    _, ref = plt.subplots()
    for r, bc in enumerate(disp.bars_):
        assert isinstance(bc, PolyCollection) and bc.axes is disp.bar_ax_
        assert bc in disp.bar_ax_.collections
        assert len(bc.get_paths()) == 5  # one per unit
        assert bc.get_label() == "abc"[r]
        np.testing.assert_array_equal(bc.get_facecolors(),
                                      [to_rgba(["red", "green", "blue"][r])])
        # the rectangles Axes.bar (barh) draws for the row
        base = (r if transpose else 2 - r) - 0.42 + 0.42
        length = 0.42 * acts[r] / np.abs(acts).max()
        rects = (ref.barh(np.arange(5), length, left=base, height=0.7) if transpose
                 else ref.bar(np.arange(5), length, bottom=base, width=0.7))
        np.testing.assert_allclose(
            _bars(bc), [[b.get_x(), b.get_y(), b.get_width(), b.get_height()]
                        for b in rects], atol=1e-12)
    # every row a legend entry, labelled and coloured as its bars
    legend = disp.bar_ax_.legend()
    assert [t.get_text() for t in legend.get_texts()] == ["a", "b", "c"]
    np.testing.assert_array_equal([to_rgba(h.get_facecolor())
                                   for h in legend.legend_handles],
                                  [to_rgba(c) for c in ["red", "green", "blue"]])
    plt.close("all")


@pytest.mark.parametrize("transpose", [False, True])
def test_output_weights_images_are_tiles_of_the_strip_drawn_as_insets(transpose):
    # Before: show_images made an inset Axes per unit (6 CPU seconds for 1,000
    # units, matplotlib making the Axes). Now every image is an AxesImage of the
    # strip's one Axes, between its tile (the inset's background) and its frame
    # (the inset's spines), and the picture is that of the insets to the pixel.
    from matplotlib.image import AxesImage

    rng = np.random.default_rng(0)
    n, shape = 7, (4, 3)
    images = rng.normal(size=(n, 12))
    disp = OutputWeightsDisplay(rng.normal(size=(n, 3)), unit_weights=images,
                                image_shape=shape,
                                mean_activations=rng.random((2, n))).plot(
        transpose=transpose)
    strip = disp.images_display_.ax_
    fig = disp.figure_
    assert strip.child_axes == [] and len(fig.axes) == 3  # no inset Axes
    axes = disp.images_display_.axes_
    assert axes.shape == ((n, 1) if transpose else (1, n))
    assert all(a is strip for a in axes.flat)
    ims = disp.images_display_.images_
    assert len(ims) == n and all(isinstance(im, AxesImage) for im in ims)
    assert list(strip.images) == list(ims)
    for im, w in zip(ims, images):
        np.testing.assert_array_equal(im.get_array(), w.reshape(shape))
    # every image after its tile, before its frame: n tiles, n frames
    drawn = {*strip.patches, *strip.images, *strip.artists}
    kids = [a for a in strip.get_children() if a in drawn]
    assert len(kids) == 3 * n
    assert all(kids[3 * i + 1] is im for i, im in enumerate(ims))
    # the strip's limits and aspect untouched (matplotlib < 3.9's imshow set the
    # aspect "equal" whatever the image's transform, shrinking the strip)
    assert strip.get_xlim() == (0.0, 1.0) and strip.get_aspect() == "auto"
    fig.set_size_inches(9, 5)  # the tiles follow the figure
    fig.canvas.draw()
    tiles = np.asarray(fig.canvas.buffer_rgba()).copy()
    boxes = [im.get_window_extent().bounds for im in ims]
    # the same figure with an inset Axes per image, as the strip was drawn before
    for a in kids:
        a.remove()
    for i, box in enumerate(disp.images_display_._fill_boxes(*axes.shape)):
        inset = strip.inset_axes(box)
        inset.imshow(images[i].reshape(shape), cmap="gray",
                     interpolation="nearest", vmin=ims[i].get_clim()[0],
                     vmax=ims[i].get_clim()[1])
        inset.set_xticks([])
        inset.set_yticks([])
    fig.canvas.draw()
    assert [a.bbox.bounds for a in strip.child_axes] == boxes
    np.testing.assert_array_equal(np.asarray(fig.canvas.buffer_rgba()), tiles)
    plt.close("all")


def test_output_weights_strip_is_transparent_where_its_insets_were():
    # savefig(transparent=True) makes every Axes' patch transparent for the
    # save, the inset Axes' of the old strip too. Before: the tiles' background
    # stayed opaque, so a translucent image was drawn over white.
    import io

    rng = np.random.default_rng(0)
    disp = OutputWeightsDisplay(rng.normal(size=(4, 2)),
                                unit_weights=np.abs(rng.normal(size=(4, 16))),
                                image_shape=(4, 4)).plot()
    fig = disp.figure_
    fig.set_dpi(72)
    for im in disp.images_display_.images_:
        im.set_alpha(0.0)  # the background alone shows
    fig.canvas.draw()
    width, height = (int(v) for v in fig.canvas.get_width_height())
    boxes = [im.get_window_extent() for im in disp.images_display_.images_]

    def alpha(**kwargs):
        buf = io.BytesIO()
        fig.savefig(buf, format="rgba", dpi=72, **kwargs)
        rgba = np.frombuffer(buf.getvalue(), np.uint8).reshape(height, width, 4)
        # the inside of every tile (its frame left out)
        return [rgba[height - int(b.y1) + 3:height - int(b.y0) - 3,
                     int(b.x0) + 3:int(b.x1) - 3, 3] for b in boxes]

    assert all(a.size and (a == 255).all() for a in alpha())
    assert all(a.size and (a == 0).all() for a in alpha(transparent=True))
    # and after the transparent save, the background is drawn again
    assert all((a == 255).all() for a in alpha())
    plt.close("all")


def test_output_weights_draws_in_an_axes_of_a_subfigure():
    # Before: an Axes of a SubFigure was an AttributeError ("'SubFigure' object
    # has no attribute 'get_size_inches'", from the diagram's cell size). Now it
    # is laid out as the same Axes in a figure of the subfigure's size.
    rng = np.random.default_rng(0)
    args = (rng.normal(size=(9, 3)),)
    kw = {"unit_weights": np.abs(rng.normal(size=(9, 16))),
          "mean_activations": rng.random((3, 9))}
    fig = plt.figure(figsize=(10, 6))
    sub = fig.subfigures(1, 2)[0]  # the left half: 5 x 6 inches at x = 0
    disp = OutputWeightsDisplay(*args, **kw).plot(ax=sub.subplots())
    alone = OutputWeightsDisplay(*args, **kw).plot(
        ax=plt.figure(figsize=(5, 6)).subplots())
    assert disp.figure_ is sub  # as HiddenUnitsDisplay's figure_
    fig.canvas.draw()
    alone.figure_.canvas.draw()
    for a, b in [(disp.ax_, alone.ax_), (disp.bar_ax_, alone.bar_ax_),
                 (disp.images_display_.ax_, alone.images_display_.ax_)]:
        np.testing.assert_allclose(a.get_window_extent().bounds,
                                   b.get_window_extent().bounds, atol=1e-6)
        assert ([t.get_text() for t in a.get_xticklabels()]
                == [t.get_text() for t in b.get_xticklabels()])
    plt.close("all")


def test_output_weights_wrapped_outputs_hold_the_bars_of_every_panel():
    # Before: bars_ held the first panel's bars only (and bar_ax_ its Axes), though
    # every panel draws its own.
    X, y = _digits()
    est = fitted("mlp")
    disp = OutputWeightsDisplay.from_estimator(est, X[:200], y[:200], wrap=4,
                                               show_images=True)
    n_panels, n_rows = len(disp.axes_), 10
    assert n_panels == 3
    assert len(disp.bars_) == n_panels * n_rows
    assert len(disp.bar_axes_) == n_panels and len(disp.images_displays_) == n_panels
    for p in range(n_panels):
        assert {bc.axes for bc in disp.bars_[p * n_rows:(p + 1) * n_rows]
                } == {disp.bar_axes_[p]}
        # every panel's rows labelled with the classes, a bar per unit in each
        assert [bc.get_label() for bc in disp.bars_[p * n_rows:(p + 1) * n_rows]
                ] == [str(c) for c in est.classes_]
        assert all(len(bc.get_paths()) == disp.weights.shape[0]
                   for bc in disp.bars_[p * n_rows:(p + 1) * n_rows])
        assert disp.images_displays_[p].ax_.figure is disp.figure_
    # one panel: the lists of one
    one = OutputWeightsDisplay.from_estimator(est, X[:200], y[:200])
    assert len(one.bars_) == n_rows and list(one.bar_axes_) == [one.bar_ax_]
    assert one.images_displays_ is None
    plt.close("all")


def test_output_weights_group_labels_replace_thinned_unit_labels():
    # Before: with order="class", 200 units in one diagram kept every 10th unit's
    # id under the group labels ("153 90 173 ...", ids of units in class order,
    # which name no position one could count from).
    X, y = _digits()
    names = np.array("zero one two three four five six seven eight nine".split())
    est = _wide_mlp(200, names[y])
    for wrap in (None, "auto"):
        disp = OutputWeightsDisplay.from_estimator(est, X[:300], names[y[:300]],
                                                   order="class", wrap=wrap)
        fig = disp.figure_
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        canvas = fig.bbox
        for p, ax in enumerate(disp.axes_):
            # no unit ids: not every unit has room for one
            assert not [t for t in ax.get_xticklabels() if t.get_text()]
            groups = [t for t in ax.get_xticklabels(minor=True)
                      if t.get_visible() and t.get_text()]
            assert groups
            boxes = [t.get_window_extent(renderer) for t in groups]
            assert not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:]))
            for box in boxes:
                assert canvas.x0 <= box.x0 + 1 and box.x1 <= canvas.x1 + 1
                assert box.y1 <= canvas.y1
                if p == 0:
                    assert not box.overlaps(
                        ax.xaxis.label.get_window_extent(renderer))
    plt.close("all")


@pytest.mark.parametrize("transpose", [False, True])
def test_output_weights_group_labels_of_short_runs_do_not_run_together(transpose):
    # Before: every run was named, so that the names of runs of one unit, on
    # cells of 0.05 inch, ran into each other (upright, or one under the other
    # with transpose). Now a name that would run into the one before is left
    # out (the separators still mark its run).
    W = np.random.RandomState(0).rand(200, 10)
    groups = ["first"] * 90 + ["b", "c", "d", "e"] + ["last"] * 106
    disp = OutputWeightsDisplay(W, unit_groups=groups).plot(wrap=None,
                                                            transpose=transpose)
    fig = disp.figure_
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axis = disp.ax_.yaxis if transpose else disp.ax_.xaxis
    labels = [t for t in axis.get_ticklabels(minor=True)
              if t.get_visible() and t.get_text()]
    names = [t.get_text() for t in labels]
    assert names[0] == "first" and names[-1] == "last" and len(names) < 6
    boxes = [t.get_window_extent(renderer) for t in labels]
    assert not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:]))
    for box in boxes:
        assert fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1
        assert not box.overlaps(axis.label.get_window_extent(renderer))
    # all six runs are separated
    assert len(disp.separators_) == 5
    plt.close("all")


@pytest.mark.parametrize("shape, n_cols", [((1, 64), 1), ((2, 32), 1), ((1, 64), None)])
@pytest.mark.parametrize("titles", [True, False])
@pytest.mark.parametrize("colorbar", [False, True])
def test_hidden_units_own_figure_of_flat_images_shows_them(shape, n_cols, titles,
                                                           colorbar):
    # Before: the figure plot made was n_rows * cell * h / w * 1.25 + 0.5 inches
    # high, a few title rows for flat images: 1 x 64 images in one column under
    # a name were 0.001 inch wide (the PNG: the titles, no image); the figure
    # is now high enough for the titles, the suptitle and images half a cell
    # wide.
    W = np.random.default_rng(0).normal(size=(4, 64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        disp = HiddenUnitsDisplay(W, image_shape=shape, estimator_name="net").plot(
            n_cols=n_cols, titles=titles, colorbar=colorbar)
        fig = disp.figure_
        fig.canvas.draw()
    w, h = fig.get_size_inches()
    renderer = fig.canvas.get_renderer()
    axes = disp.axes_
    for i in range(axes.shape[0]):
        for j in range(axes.shape[1]):
            a = axes[i, j]
            if not a.get_visible() or not a.axison:
                continue
            box = a.get_position()
            assert box.width * w >= 0.5, (i, j, box.width * w)
            assert 0 <= box.y0 and box.y1 <= 1 and 0 <= box.x0 and box.x1 <= 1
            if i and titles:
                # the title clear of the image above
                assert a.title.get_window_extent(renderer).y1 <= axes[i - 1, j].bbox.y0
    sup = fig._suptitle.get_window_extent(renderer)
    assert sup.y0 >= max(a.title.get_window_extent(renderer).y1 if titles
                         else a.bbox.y1 for a in axes[0])
    plt.close(fig)


def test_hidden_units_own_figure_size_is_kept_where_the_images_fitted():
    # The figure is made higher only where the titles and suptitle left the
    # images no room: the common shapes keep their figure size to the bit
    # (n_cols * cell + 0.3 or 1.0 by n_rows * cell * h / w * 1.25 or 1.05 + 0.5).
    W = np.random.default_rng(0).normal(size=(100, 784))
    for n, shape, kw, (n_rows, n_cols) in (
            (16, (28, 28), {}, (3, 6)),
            (100, (28, 28), dict(colorbar=True), (7, 15)),
            (4, (16, 4), dict(n_cols=2), (2, 2)),
            (3, (4, 16), dict(titles=False), (1, 3)),
            (1, (8, 8), {}, (1, 1))):
        h, w = shape
        cell = max(0.5, min(1.4, 10.0 / n_cols))
        size = (n_cols * cell + (1.0 if kw.get("colorbar") else 0.3),
                n_rows * cell * h / w * (1.25 if kw.get("titles", True) else 1.05)
                + 0.5)
        disp = HiddenUnitsDisplay(W[:n, :h * w], image_shape=shape,
                                  estimator_name="net").plot(**kw)
        assert disp.axes_.shape == (n_rows, n_cols)
        assert tuple(disp.figure_.get_size_inches()) == size, (n, shape, kw)
        plt.close(disp.figure_)


@pytest.mark.parametrize("n, shape, n_cols", [(16, (1, 64), 2), (16, (2, 200), 2),
                                               (16, (64, 1), 16), (36, (64, 1), 34),
                                               (16, (200, 2), 16)])
def test_hidden_units_own_figure_of_extreme_aspect_is_laid_out_by_it(n, shape, n_cols):
    # Before: six columns whatever the aspect, each image a cell of 0.7 to 1.4
    # inches wide: 16 images of 1 x 64 were lines 0.011 inch high (a pixel) in
    # a figure 8.7 x 0.84 inches, of 2 x 200 0.007 inch, and 16 of 64 x 1 made
    # a figure 1.5 x 25.6 inches in three rows. Beyond the aspect limit (4) the
    # columns and the images' size are computed from the aspect: the figure is
    # no more than 8 times as wide as high or 4 times as high as wide, each
    # pixel of an image 0.03 inch at least.
    W = np.random.default_rng(0).random((n, shape[0] * shape[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        disp = HiddenUnitsDisplay(W, image_shape=shape, estimator_name="net").plot()
        fig = disp.figure_
        fig.canvas.draw()
    assert disp.axes_.shape[1] == n_cols
    width, height = fig.get_size_inches()
    assert 1 / 4 <= width / height <= 8 and max(width, height) <= 25.6
    for a in disp.axes_.ravel()[:n]:
        box = a.get_window_extent()
        pixel = min(box.width / shape[1], box.height / shape[0]) / fig.dpi
        assert pixel >= 0.03, pixel
    plt.close(fig)


@pytest.mark.parametrize("n", [200, 400])
def test_hidden_units_many_tall_images_keep_the_figure_within_the_bound(n):
    # The default columns of tall images beyond the aspect limit stop at 64:
    # before, 400 images of 64 x 1 got ceil(sqrt(2 * 400 * 16)) = 114 columns,
    # whose numeric titles and pads alone made the figure 30.3 inches wide,
    # past the 25.6 inches the layout promises (7.9 at the square default).
    W = np.random.default_rng(0).random((n, 64))
    disp = HiddenUnitsDisplay(W, image_shape=(64, 1), estimator_name="net").plot()
    disp.figure_.canvas.draw()
    assert disp.axes_.shape[1] == 64
    assert max(disp.figure_.get_size_inches()) <= 25.6
    plt.close(disp.figure_)


def test_hidden_units_own_figure_at_the_aspect_limit_is_laid_out_as_square_ones():
    # At the limit (height / width 4 or 1 / 4), as before: the default
    # ceil(sqrt(2 n)) columns, the figure n_cols * cell + 0.3 inches wide.
    for n, limit in ((16, (32, 8)), (16, (8, 32)), (5, (4, 1)), (40, (1, 4))):
        disp = HiddenUnitsDisplay(np.ones((n, limit[0] * limit[1])),
                                  image_shape=limit).plot()
        cols = math.ceil(math.sqrt(2 * n))
        cell = max(0.5, min(1.4, 10 / cols))
        assert disp.axes_.shape[1] == cols
        assert disp.figure_.get_size_inches()[0] == cols * cell + 0.3
        plt.close(disp.figure_)


@pytest.mark.parametrize("shape", [(8, 8), (28, 28), (16, 4), (4, 16), (2, 32),
                                   (32, 2), (1, 64), (64, 1)])
def test_hidden_units_default_figures_are_laid_out_without_a_warning(shape):
    # The layout warns where its images would be less than a pixel large; no
    # figure that plot makes is such a figure.
    W = np.random.default_rng(0).normal(size=(30, shape[0] * shape[1]))
    for n, kw in ((1, {}), (2, dict(n_cols=1)), (5, dict(n_cols=1, colorbar=True)),
                  (8, dict(titles=False)), (30, dict(colorbar=True))):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            disp = HiddenUnitsDisplay(W[:n], image_shape=shape,
                                      estimator_name="net").plot(**kw)
            disp.figure_.draw_without_rendering()
        plt.close(disp.figure_)


@pytest.mark.parametrize("kw", [dict(wspace=10.0), dict(hspace=10.0), dict(pad=10.0)])
def test_hidden_units_layout_warns_where_the_images_collapse(kw):
    # Before: a space or pad larger than the figure put the images outside it
    # (x0 of -3.48 to 4.03, 1.5e-4 of the figure wide), without a word. Now, as
    # the constrained layout where the Axes collapse: a warning that names the
    # pads and spaces, and the Axes left where they were.
    W = np.random.default_rng(0).normal(size=(12, 784))
    disp = HiddenUnitsDisplay(W).plot(colorbar=True, n_cols=4)
    fig = disp.figure_
    fig.canvas.draw()
    before = [a.get_position().bounds for a in disp.axes_.ravel()]
    fig.get_layout_engine().set(**kw)
    name = next(iter(kw))
    with pytest.warns(UserWarning, match=rf"less than a pixel.*{name[:2]}.*set\("):
        fig.canvas.draw()
    assert [a.get_position().bounds for a in disp.axes_.ravel()] == before
    fig.get_layout_engine().set(**{name: 0.02 if "space" in name else 3 / 72})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()
    plt.close(fig)


def test_hidden_units_inset_titles_of_several_lines_clear_the_images_above():
    # Before: plot(ax=one Axes) gave a title the room of one line; a unit label
    # with a newline ran into the image above it.
    W = np.random.default_rng(0).normal(size=(12, 64))
    labels = [f"unit {i}\nclass {i % 3}" for i in range(12)]
    fig, ax = plt.subplots(figsize=(6, 4))
    disp = HiddenUnitsDisplay(W, unit_labels=labels).plot(ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = disp.axes_
    for i in range(1, axes.shape[0]):
        for j in range(axes.shape[1]):
            if axes[i, j].get_title():
                top = axes[i, j].title.get_window_extent(renderer).y1
                assert top <= axes[i - 1, j].bbox.y0, (i, j)
    plt.close(fig)


def test_hidden_units_inset_titles_do_not_run_into_each_other():
    # Before: where the Axes' height bound the images, titles wider than them
    # ran into their neighbours' (here 16.6 pixels over each other); the
    # columns are now at least as wide as the widest title and 2 points, and
    # where the Axes is too narrow for that, a warning names the way out.
    W = np.random.default_rng(0).normal(size=(30, 64))
    fig, ax = plt.subplots(figsize=(8, 1.5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        disp = HiddenUnitsDisplay(W, unit_labels=[f"unit {i:02d}" for i in range(30)]
                                  ).plot(ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [a.title.get_window_extent(renderer) for a in disp.axes_[0]]
    for left, right in zip(boxes[:-1], boxes[1:]):
        assert right.x0 - left.x1 >= 2 * fig.dpi / 72 - 1e-6
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(4, 4))
    with pytest.warns(UserWarning, match="titles=False.*unit_labels"):
        HiddenUnitsDisplay(W, unit_labels=[f"unit number {i}" for i in range(30)]
                           ).plot(ax=ax)
    plt.close(fig)


def test_hidden_units_layout_warnings_point_at_the_users_draw():
    # matplotlib calls the layout's execute from Figure.draw. Before, the
    # collapse warning (stacklevel=2) pointed at a line of matplotlib's
    # figure.py, and the compressed layout's own warning, where two colour
    # bars hand the figure to it, at a line of _grid_layout.py; both now point
    # at the line that drew the figure (here, this file).
    W = np.random.default_rng(0).normal(size=(12, 784))
    disp = HiddenUnitsDisplay(W).plot(colorbar=True, n_cols=4)
    fig = disp.figure_
    fig.get_layout_engine().set(wspace=10.0)
    with pytest.warns(UserWarning, match="less than a pixel") as record:
        fig.canvas.draw()
    assert {w.filename for w in record} == {__file__}
    plt.close(fig)
    disp = HiddenUnitsDisplay(np.abs(W[:6])).plot(n_cols=3, colorbar=True)
    fig = disp.figure_
    fig.colorbar(disp.images_[0], ax=list(disp.axes_.ravel()), location="left")
    fig.get_layout_engine().set(pad=5.0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    assert record and all("constrained_layout not applied" in str(w.message)
                          for w in record)
    assert {w.filename for w in record} == {__file__}
    plt.close(fig)


def _warn_once_here():
    warnings.warn("a warning of another module", UserWarning)


def test_hidden_units_compressed_fallback_warns_once_at_a_line():
    # Under the default filters a warning is shown once at a line, as
    # matplotlib's compressed layout shows its own. Before, the fallback took
    # matplotlib's warnings in catch_warnings, which changes the filters and so
    # makes every module's registry forget what it has shown: each draw warned
    # again, and so did any other module's warning already shown.
    W = np.abs(np.random.default_rng(0).normal(size=(6, 784)))
    disp = HiddenUnitsDisplay(W).plot(n_cols=3, colorbar=True)
    fig = disp.figure_
    fig.colorbar(disp.images_[0], ax=list(disp.axes_.ravel()), location="left")
    fig.get_layout_engine().set(pad=5.0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("default")
        _warn_once_here()
        for _ in range(3):
            fig.canvas.draw()
            _warn_once_here()
    texts = [str(w.message) for w in record]
    assert texts.count("a warning of another module") == 1
    collapsed = [w for w in record if "constrained_layout not applied" in str(w.message)]
    assert len(collapsed) == 1 and collapsed[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="constrained_layout not applied"):
            fig.canvas.draw()
    plt.close(fig)


def test_hidden_units_inset_titles_warning_points_at_the_users_line():
    # Before: stacklevel=3 pointed at the line of _hidden_units.py where
    # from_estimator calls plot, when the display was made that way.
    X = np.abs(np.random.default_rng(0).normal(size=(50, 64)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        nmf = NMF(30, init="nndsvda", max_iter=50).fit(X)
    for make in (lambda ax: HiddenUnitsDisplay.from_estimator(nmf, ax=ax),
                 lambda ax: HiddenUnitsDisplay(nmf.components_).plot(ax=ax)):
        fig, ax = plt.subplots(figsize=(0.6, 3))
        with pytest.warns(UserWarning, match="titles=False") as record:
            make(ax)
        assert {w.filename for w in record} == {__file__}
        plt.close(fig)


@pytest.mark.parametrize("n, shape, kw", [
    (2, (64, 1), {}), (2, (256, 1), dict(colorbar=True)), (2, (100, 2), {}),
    (3, (256, 1), dict(n_cols=1)), (8, (64, 1), dict(n_cols=1, colorbar=True)),
    (60, (8, 8), dict(n_cols=60)),
    (40, (8, 8), dict(n_cols=1, titles=False))])
def test_hidden_units_own_figure_is_bounded(n, shape, kw):
    # Before: the figure was n_rows * cell * h / w * 1.25 + 0.5 inches high
    # and n_cols * cell + 0.3 wide whatever the shape: two 64 x 1 images made
    # a figure 3.1 x 112.5 inches, eight in one column 896.5 inches high, 60
    # images in one row 30.3 inches wide. Neither side is now over 25.6
    # inches; the images are smaller, still visible, their titles clear.
    W = np.random.default_rng(0).normal(size=(n, shape[0] * shape[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        disp = HiddenUnitsDisplay(W, image_shape=shape, estimator_name="net").plot(**kw)
        fig = disp.figure_
        fig.canvas.draw()
    width, height = fig.get_size_inches()
    assert max(width, height) <= 25.6
    renderer = fig.canvas.get_renderer()
    titled = [a for a in disp.axes_.ravel() if a.axison]
    for a in titled:
        box = a.get_window_extent(renderer)
        # at least 3 pixels across and along, inside the figure
        assert min(box.width, box.height) >= 3, (box.width, box.height)
        assert box.x0 >= 0 and box.y0 >= 0
        assert box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height
    if kw.get("titles", True):
        titles = [a.title.get_window_extent(renderer) for a in disp.axes_[0]
                  if a.axison]
        for left, right in zip(titles[:-1], titles[1:]):
            assert right.x0 >= left.x1
        assert all(t.y1 <= fig.bbox.height for t in titles)
    if disp.colorbar_ is not None:
        bar = disp.colorbar_.ax.get_tightbbox(renderer)
        assert bar.x1 <= fig.bbox.width and bar.y1 <= fig.bbox.height
    plt.close(fig)


def test_hidden_units_own_figure_grows_past_the_bound_only_for_title_rows():
    # 150 titled images in one column need more than 25.6 inches for their
    # titles and pads alone: the figure is as high as they need, with images a
    # tenth of an inch (before: 262.9 inches high, images of 1.4 inches).
    W = np.random.default_rng(0).normal(size=(150, 64))
    disp = HiddenUnitsDisplay(W).plot(n_cols=1)
    fig = disp.figure_
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()
    width, height = fig.get_size_inches()
    assert 25.6 < height < 50 and width <= 25.6
    side = disp.axes_[0, 0].get_position().height * height
    assert side == pytest.approx(0.1, rel=0.05)
    renderer = fig.canvas.get_renderer()
    for upper, lower in zip(disp.axes_[:-1, 0], disp.axes_[1:, 0]):
        assert lower.title.get_window_extent(renderer).y1 <= upper.bbox.y0 + 1e-6
    plt.close(fig)


@pytest.mark.parametrize("n, shape, kw", [
    (2, (1, 64), dict(n_cols=1)), (1, (4, 16), {}), (8, (1, 64), {}),
    (2, (1, 256), {}), (3, (1, 64), dict(n_cols=1, titles=False))])
@pytest.mark.parametrize("name", [None, "a network with a long name"])
def test_hidden_units_colour_bar_of_a_flat_grid_is_three_quarters_of_an_inch(
        n, shape, kw, name):
    # Before: the bar was 0.8 of the grid's height: two 1 x 64 images in one
    # column had a bar 0.17 inch long, two 1 x 256 images one 0.005 inch, its
    # labels over each other. It is now 0.75 inch long at least, inside the
    # figure, below the suptitle, its labels apart.
    W = np.random.default_rng(0).normal(size=(n, shape[0] * shape[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        disp = HiddenUnitsDisplay(W, image_shape=shape, estimator_name=name).plot(
            colorbar=True, **kw)
        fig = disp.figure_
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    cax = disp.colorbar_.ax
    assert cax.bbox.height / fig.dpi >= 0.75 - 1e-9
    tight = cax.get_tightbbox(renderer)
    assert tight.y0 >= 0 and tight.y1 <= fig.bbox.height
    assert tight.x1 <= fig.bbox.width
    if name is not None:
        assert tight.y1 <= fig._suptitle.get_window_extent(renderer).y0
    labels = sorted((t.get_window_extent(renderer) for t in cax.get_yticklabels()
                     if t.get_text() and t.get_visible()), key=lambda b: b.y0)
    assert len(labels) >= 2
    for low, high in zip(labels[:-1], labels[1:]):
        assert high.y0 >= low.y1
    # the images still shown
    assert disp.axes_[0, 0].bbox.width / fig.dpi >= 0.5
    plt.close(fig)


def test_hidden_units_colour_bar_keeps_its_length_where_it_was_long_enough():
    # The bar of a grid whose bar was 0.75 inch long or more is 0.8 of its
    # height, as before.
    W = np.random.default_rng(0).normal(size=(16, 784))
    for n, shape in ((16, (28, 28)), (1, (8, 8)), (4, (16, 4))):
        disp = HiddenUnitsDisplay(W[:n, :shape[0] * shape[1]], image_shape=shape
                                  ).plot(colorbar=True)
        fig = disp.figure_
        fig.canvas.draw()
        grid = [a.get_window_extent() for a in disp.axes_.ravel() if a.axison]
        top = max(a.title.get_window_extent().y1 if a.title.get_text() else 0
                  for a in disp.axes_[-1])
        low = min(b.y0 for b in grid)
        high = max(b.y1 for b in grid)
        # the grid's height: its images and titles, the top row's titles left out
        assert disp.colorbar_.ax.bbox.height == pytest.approx(0.8 * (high - low),
                                                              rel=1e-6)
        assert top >= 0
        plt.close(fig)
