"""Satellites (from_mlp, inspection, parallel, datasets, persist) answer bad input
with a clear TypeError / ValueError / OSError, never an internal error."""

import gzip
import json
import re
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknonneg import ABBAClassifier, NonNegMLPClassifier
from sknonneg.inspection import top_features

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ESTIMATORS = [NonNegMLPClassifier, ABBAClassifier]
RNG = np.random.default_rng(0)
X = RNG.random((30, 6))
Y = np.arange(30) % 3
Y_MULTI = np.eye(3, dtype=int)[Y]
Y_MULTI[0] = 1


def _est(Est, **params):
    return Est(**{"hidden_layer_sizes": 4, "max_iter": 3, "random_state": 0, **params})


# ---------------------------------------------------------------------- from_mlp
@pytest.mark.parametrize("model", [
    LogisticRegression().fit(X, Y),
    MLPRegressor(hidden_layer_sizes=(3,), max_iter=5).fit(X, Y.astype(float)),
    make_pipeline(StandardScaler(), MLPClassifier((3,), activation="tanh",
                                                  max_iter=5)).fit(X, Y),
    _est(ABBAClassifier).fit(X, Y),
    "not an estimator",
], ids=["logistic-regression", "mlp-regressor", "pipeline", "abba", "string"])
def test_from_mlp_refuses_other_models(model):
    with pytest.raises(TypeError, match="from_mlp needs a fitted MLPClassifier"):
        ABBAClassifier.from_mlp(model)


def test_from_mlp_on_nonneg_keeps_its_fitted_output():
    mlp = _est(NonNegMLPClassifier, output="logistic").fit(X, Y)
    mlp.set_params(output="softmax")  # after fit: ignored, as in predict
    abba = ABBAClassifier.from_mlp(mlp)
    np.testing.assert_allclose(abba.predict_proba(X), mlp.predict_proba(X), atol=1e-10)


# -------------------------------------------------------------------- inspection
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("units", [[99], [-99], [0, 100], [], [0.5], "a"])
def test_top_features_unit_out_of_range(Est, units):
    est = _est(Est).fit(X, Y)
    with pytest.raises(ValueError, match="units"):
        top_features(est, units=units)


@pytest.mark.parametrize("units, match", [
    ([2**70], r"in the range \[-4, 3\]"),  # beyond int64: an OverflowError before
    (2**70, r"in the range \[-4, 3\]"),
    ([[0, 1]], "1-D"),  # flattened to [0, 1] before
    (np.array([[0], [1]]), "1-D"),
])
def test_unit_selection_refuses_huge_and_nested_indices(units, match):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sknonneg.inspection import HiddenUnitsDisplay, OutputWeightsDisplay

    est = _est(NonNegMLPClassifier).fit(X, Y)
    with pytest.raises(ValueError, match=match):
        top_features(est, units=units)
    if np.ndim(units):  # an int is a count for the displays
        with pytest.raises(ValueError, match=match):
            HiddenUnitsDisplay.from_estimator(est, units=units, image_shape=(2, 3))
        with pytest.raises(ValueError, match=match):
            OutputWeightsDisplay.from_estimator(est, units=units)
    plt.close("all")


@pytest.mark.parametrize("dtype", ["string", "category", object])
def test_output_weights_display_refuses_a_missing_label(dtype):
    # Before: bare TypeErrors from sorting the labels of y, "boolean value of NA
    # is ambiguous" ("string") or "'<' not supported between instances of ..."
    # (category, objects).
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from sknonneg.inspection import OutputWeightsDisplay

    labels = np.array(["a", "b", "c"])[Y]
    est = _est(NonNegMLPClassifier).fit(X, labels)
    y = pd.Series(labels, dtype=dtype)
    y[3] = None
    for y_bad in (y, y.to_numpy(dtype=object)):
        with pytest.raises(ValueError, match="Input y contains NaN"):
            OutputWeightsDisplay.from_estimator(est, X, y_bad)
    plt.close("all")


@pytest.mark.parametrize("dtype", ["boolean", "Int64", "Float64", float, "list"])
def test_output_weights_display_refuses_a_missing_numeric_label(dtype):
    # Before: "boolean value of NA is ambiguous" (np.unique of pd.NA; boolean),
    # or "y has labels [nan] that are not among the estimator's classes_" where
    # fit says "Input y contains NaN."; a list with None: a bare TypeError.
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from sknonneg.inspection import OutputWeightsDisplay

    labels = Y == 1 if dtype == "boolean" else Y
    if dtype == "list":
        good = list(np.array(["a", "b", "c"])[Y])
    else:
        good = pd.Series(labels, dtype=dtype)
    est = _est(NonNegMLPClassifier).fit(X, labels if dtype != "list" else good)
    bad = good.copy()
    bad[3] = None
    try:
        with pytest.raises(ValueError, match="Input y contains NaN"):
            OutputWeightsDisplay.from_estimator(est, X, bad)
        # without the missing label it draws a row of bars per class
        disp = OutputWeightsDisplay.from_estimator(est, X, good)
        assert len(disp.bars_) == len(est.classes_)
    finally:
        plt.close("all")


@pytest.mark.parametrize("display, kwargs, match", [
    ("OutputWeightsDisplay", {"X": X, "bar_colors": 3}, "'bar_colors' parameter of OutputWeightsDisplay.plot must be a list"),
    ("HiddenUnitsDisplay", {"image_shape": (2, 3), "imshow_kw": "x"},
     "'imshow_kw' parameter of HiddenUnitsDisplay.plot must be a dict"),
])
def test_displays_refuse_wrongly_typed_drawing_arguments(display, kwargs, match):
    # Before: "object of type 'int' has no len()" and "dictionary update sequence
    # element #0 has length 1; 2 is required".
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sknonneg import inspection

    est = _est(NonNegMLPClassifier).fit(X, Y)
    with pytest.raises((TypeError, ValueError), match=match):
        getattr(inspection, display).from_estimator(est, **kwargs)
    plt.close("all")


@pytest.mark.parametrize("display, kwargs, match", [
    # Before: "'int' object is not iterable" and len()'s TypeError.
    ("HiddenUnitsDisplay", {"unit_labels": 3}, "unit_labels must be a list"),
    ("HiddenUnitsDisplay", {"unit_labels": np.array(3)}, "unit_labels must be a list"),
    ("OutputWeightsDisplay", {"output_labels": 3.5}, "output_labels must be a list"),
    ("OutputWeightsDisplay", {"mean_activations": np.ones((2, 4)),
                              "activation_labels": 3}, "activation_labels must be"),
])
def test_displays_refuse_labels_that_are_not_a_list(display, kwargs, match):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sknonneg import inspection

    extra = {"image_shape": (2, 3)} if display == "HiddenUnitsDisplay" else {}
    disp = getattr(inspection, display)(RNG.random((4, 6)), **extra, **kwargs)
    with pytest.raises(ValueError, match=match):
        disp.plot()
    plt.close("all")


@pytest.mark.parametrize("weights, match", [
    (None, "got None"),  # before: "weights must be finite; got 1 NaN"
    ("sparse", None),  # before: "setting an array element with a sequence"
])
def test_displays_take_sparse_weights_and_name_missing_ones(weights, match):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import scipy.sparse as sp

    from sknonneg.inspection import HiddenUnitsDisplay, OutputWeightsDisplay

    W = RNG.random((4, 6))
    for Display, extra in [(HiddenUnitsDisplay, {"image_shape": (2, 3)}),
                           (OutputWeightsDisplay, {})]:
        if weights is None:
            with pytest.raises(ValueError, match=match):
                Display(None, **extra).plot()
        else:
            dense = Display(W, **extra).plot()
            sparse = Display(sp.csr_matrix(W), **extra).plot()
            if Display is HiddenUnitsDisplay:  # the same pictures
                for a, b in zip(dense.images_, sparse.images_):
                    np.testing.assert_array_equal(a.get_array(), b.get_array())
            else:  # the same squares
                for a, b in zip(dense.squares_, sparse.squares_, strict=True):
                    assert len(a.get_paths()) == len(b.get_paths())
                    for pa, pb in zip(a.get_paths(), b.get_paths()):
                        np.testing.assert_array_equal(pa.vertices, pb.vertices)
                    np.testing.assert_array_equal(a.get_facecolors(),
                                                  b.get_facecolors())
    plt.close("all")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_output_weights_display_on_multilabel(Est):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sknonneg.inspection import OutputWeightsDisplay

    est = _est(Est, output="logistic").fit(X, Y_MULTI)
    disp = OutputWeightsDisplay.from_estimator(est, X=X, y=Y_MULTI)
    assert disp.mean_activations.shape[0] == 3
    disp = OutputWeightsDisplay.from_estimator(est, X=X)  # predicted labels
    with pytest.raises(ValueError, match="1-D labels or a 2-D"):
        OutputWeightsDisplay.from_estimator(est, X=X, y=np.zeros((30, 2, 2)))
    plt.close("all")


# ---------------------------------------------------------------------- parallel
def test_predict_blocks_errors():
    da = pytest.importorskip("dask.array")
    from sknonneg.parallel import predict_blocks

    est = _est(NonNegMLPClassifier).fit(X, Y)
    with pytest.raises(TypeError, match="needs a dask array"):
        predict_blocks(est, X)
    X_da = da.from_array(X, chunks=10)
    for method in ["bogus", "fit", "partial_fit"]:
        with pytest.raises(ValueError, match="method must be one of"):
            predict_blocks(est, X_da, method=method)
    with pytest.raises(ValueError, match="has no method"):
        predict_blocks(LogisticRegression().fit(X, Y), X_da, method="transform")
    with pytest.raises(ValueError, match="2-D"):
        predict_blocks(est, da.from_array(X[:, 0], chunks=10))


@pytest.mark.parametrize("shape", [(1, 30, 6), (30,)])
def test_fit_dask_blocks_refuses_an_x_that_is_not_2d(shape):
    # Before: a (1, 30, 6) X with 30 labels was "X has 1 rows but y has 30.", and a
    # 1-D X failed in the first block's partial_fit.
    da = pytest.importorskip("dask.array")
    pytest.importorskip("distributed")
    from sknonneg.parallel import fit_dask_blocks

    X_da = da.from_array(np.resize(X, shape), chunks=10)
    with pytest.raises(ValueError, match="X must be a 2-D dask array"):
        fit_dask_blocks(_est(NonNegMLPClassifier), X_da, Y, classes=[0, 1, 2])


# ---------------------------------------------------------------------- datasets
def test_load_reuters_subset_must_be_a_known_name(tmp_path):
    from sknonneg.datasets import load_reuters

    for subset in ["grain", ["top10"], None]:
        with pytest.raises(ValueError, match="The 'subset' parameter of load_reuters "
                                             "must be a str among {'all90', 'top10'}"):
            load_reuters(data_home=tmp_path, subset=subset, download_if_missing=False)


@pytest.mark.parametrize("record, match", [
    ({"id": "abc", "split": "train", "text": "t", "categories": ["grain"]}, "id"),
    ({"id": 1.5, "split": "train", "text": "t", "categories": ["grain"]}, "id"),
    ({"id": 1, "split": "dev", "text": "t", "categories": ["grain"]}, "split"),
    ({"id": 1, "split": "train", "text": 3, "categories": ["grain"]}, "text"),
    ({"id": 1, "split": "train", "text": "t", "categories": "grain"}, "categories"),
    ({"id": 1, "split": "train", "text": "t", "categories": [1]}, "categories"),
    ({"id": 1, "split": "train", "text": "t"}, "categories"),
])
def test_load_reuters_malformed_records(tmp_path, record, match):
    from sknonneg.datasets import load_reuters
    from sknonneg.datasets._reuters import REUTERS

    with gzip.open(tmp_path / REUTERS["top10"].filename, "wt") as f:
        f.write(json.dumps(record) + "\n")
    with pytest.raises(OSError, match=match):
        load_reuters(data_home=tmp_path, download_if_missing=False)


@pytest.mark.parametrize("content", ["npy", "string-labels", "float-labels",
                                     "labels-out-of-range"])
def test_load_mnist_bad_files(tmp_path, content):
    from sknonneg.datasets import load_mnist

    path = tmp_path / "mnist.npz"
    X_img, y = np.zeros((4, 784), dtype=np.uint8), np.arange(4)
    if content == "npy":
        with open(path, "wb") as f:
            np.save(f, X_img)
    else:
        y = {"string-labels": y.astype(str), "float-labels": y + 0.5,
             "labels-out-of-range": y + 20}[content]
        np.savez(path, X_train=X_img, y_train=y, X_test=X_img, y_test=y)
    with pytest.raises(OSError, match="MNIST|labels|dtypes"):
        load_mnist(data_home=tmp_path, download_if_missing=False)


def test_load_mnist_of_a_file_that_is_not_an_archive_says_so(tmp_path):
    # Before: np.load read it as a pickle and the message advised loading it
    # "unsafely using the allow_pickle= keyword" (load_mnist has no such option).
    from sknonneg.datasets import load_mnist

    (tmp_path / "mnist.npz").write_text("<html>404 Not Found</html>\n")
    with pytest.raises(OSError, match="neither an .npz archive") as info:
        load_mnist(data_home=tmp_path, download_if_missing=False)
    assert "pickle" not in str(info.value)


def test_loaders_do_not_create_a_missing_data_home(tmp_path):
    # Before: every loader created the data home and its missing parents, so a
    # mistyped path left a tree of empty folders (the CLI too).
    from sknonneg.datasets import load_auto_mpg, load_compas, load_mnist, load_spambase

    for load in (load_compas, load_auto_mpg, load_spambase):
        with pytest.raises(FileNotFoundError):
            load(data_home=tmp_path / "typo" / "sub")
    with pytest.raises(FileNotFoundError):
        load_mnist(data_home=tmp_path / "typo" / "sub", download_if_missing=False)
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize("call, error, match", [
    # Before: os.fspath's "expected str, bytes or os.PathLike object, not int".
    (lambda ds, home: ds.load_compas(data_home=3), TypeError, "data_home must be"),
    (lambda ds, home: ds.get_data_home(["a"]), TypeError, "data_home must be"),
    # Before: AttributeError "'str' object has no attribute 'filename'".
    (lambda ds, home: ds.fetch_file("mnist.npz", home), TypeError,
     "metadata must be a RemoteFileMetadata"),
    # Before: checked by urlopen only, once a download was tried.
    (lambda ds, home: ds.fetch_file(ds.RemoteFileMetadata("a.txt", "0" * 64), home,
                                    timeout=-1), ValueError, "'timeout' parameter"),
])
def test_dataset_functions_refuse_wrongly_typed_arguments(tmp_path, call, error,
                                                          match):
    from sknonneg import datasets

    with pytest.raises(error, match=match):
        call(datasets, tmp_path)


def _reuters_bunch(**changes):
    from sklearn.utils import Bunch

    return Bunch(**{"data_train": ["apple banana", "banana cherry"],
                    "target_train": [["fruit"], ["berry"]], "data_test": ["apple"],
                    "target_test": [["fruit"]], "target_names": ["berry", "fruit"],
                    **changes})


@pytest.mark.parametrize("bunch, error, match", [
    # Before: AttributeError "'NoneType' object has no attribute 'data_train'".
    (None, TypeError, "takes the Bunch of load_reuters"),
    ({"data_train": ["a"]}, ValueError, "missing: data_test"),
    # Before: "fruit" read as the letters f, r, u, i, t (none a category: an
    # empty row of Y, with a warning).
    (_reuters_bunch(target_train=["fruit", "berry"]), ValueError,
     "one list of category names per document"),
    # Before: dropped with a warning, the document left without its label.
    (_reuters_bunch(target_train=[["fruit"], ["nut"]]), ValueError,
     r"not in target_names: \['nut'\]"),
    # Before: X_train of 2 rows and Y_train of 1.
    (_reuters_bunch(target_train=[["fruit"]]), ValueError, "2 documents but"),
    # Before: CountVectorizer's "'int' object has no attribute 'lower'".
    (_reuters_bunch(data_train=[1, 2]), ValueError, "list of documents"),
])
def test_reuters_bag_of_words_checks_its_bunch(bunch, error, match):
    from sknonneg.datasets import reuters_bag_of_words

    with pytest.raises(error, match=match):
        reuters_bag_of_words(bunch)


@pytest.mark.parametrize("changes", [
    {"target_train": [np.array(["fruit"]), np.array(["berry"], dtype=object)]},
    {"target_train": [("fruit",), {"berry"}]},
    {"data_train": [b"apple banana", b"banana cherry"]},
    {"data_train": np.array(["apple banana", "banana cherry"]),
     "target_names": np.array(["berry", "fruit"])},
], ids=["arrays", "tuple-set", "bytes", "numpy-str"])
def test_reuters_bag_of_words_reads_what_its_vectorizer_and_binarizer_read(changes):
    # A document's labels as an array (a column of lists read from Arrow or
    # Parquet holds arrays) and documents as UTF-8 bytes, which CountVectorizer and
    # MultiLabelBinarizer read. Before: refused by df60632's check.
    from sknonneg.datasets import reuters_bag_of_words

    bow = reuters_bag_of_words(_reuters_bunch(**changes))
    expected = reuters_bag_of_words(_reuters_bunch())
    assert (bow.X_train != expected.X_train).nnz == 0
    np.testing.assert_array_equal(bow.Y_train, expected.Y_train)


@pytest.mark.parametrize("dtype, expected", [
    (None, np.float64), ("float32", np.float32), (np.int16, np.int16), (bool, np.bool_)])
def test_reuters_bag_of_words_makes_the_dtype_asked_for(dtype, expected):
    # Before: dtype=None passed the check as NumPy's float64 but reached
    # CountVectorizer as None, which made int32 counts.
    from sknonneg.datasets import reuters_bag_of_words

    bow = reuters_bag_of_words(_reuters_bunch(), dtype=dtype)
    assert bow.X_train.dtype == expected and bow.X_test.dtype == expected


def test_reuters_bag_of_words_counts_never_wrap():
    # Before: dtype=np.int8 wrapped 200 occurrences of a word to -56; complex
    # counts were made, and dtype="x" was scipy's "data type 'x' not understood".
    from sknonneg.datasets import reuters_bag_of_words

    bunch = _reuters_bunch(data_train=["apple " * 200 + "banana", "banana cherry"])
    with pytest.raises(ValueError, match="int8 cannot hold the counts"):
        reuters_bag_of_words(bunch, dtype=np.int8)
    for dtype in ["x", np.complex128]:
        with pytest.raises(ValueError, match="'dtype' parameter"):
            reuters_bag_of_words(bunch, dtype=dtype)
    bow = reuters_bag_of_words(bunch, dtype=np.int16)
    assert bow.X_train.dtype == np.int16 and bow.vectorizer.dtype == np.int16
    assert bow.X_train.max() == 200


@pytest.mark.parametrize("Y, match", [
    (np.eye(3, dtype=complex), "Complex data not supported"),  # accepted before
    (np.eye(3).astype(str), "numeric label indicator"),  # scipy's dtype error before
])
def test_label_indicator_helpers_refuse_non_real_matrices(Y, match):
    from sknonneg.datasets import expand_multilabel, multilabel_hit_rate

    with pytest.raises(ValueError, match=match):
        expand_multilabel(np.zeros((3, 2)), Y)
    with pytest.raises(ValueError, match=match):
        multilabel_hit_rate(Y, [0, 1, 2])


@pytest.mark.parametrize("dtype", [object, str, bytes])
def test_label_indicator_helpers_refuse_strings_of_any_dtype(dtype):
    # Before: an object array of '1'/'0' strings was read as numbers (float('1'))
    # where the same values as a str array were refused; scikit-learn's
    # type_of_target reads both as multiclass-multioutput class labels, not a
    # label indicator matrix, and the helpers document 0/1 numbers.
    from sknonneg.datasets import expand_multilabel, multilabel_hit_rate

    Y = np.eye(3, dtype=int).astype(str).astype(dtype)
    match = (r"numeric label indicator matrix .* got strings \(dtype "
             rf"{re.escape(str(Y.dtype))}\).*Convert it first")
    with pytest.raises(ValueError, match=match):
        expand_multilabel(np.zeros((3, 2)), Y)
    with pytest.raises(ValueError, match=match):
        multilabel_hit_rate(Y, [0, 1, 2])


def test_label_indicator_helpers_read_an_object_matrix_of_numbers():
    from sknonneg.datasets import multilabel_hit_rate

    Y = np.eye(3, dtype=int)
    assert multilabel_hit_rate(Y.astype(object), [0, 1, 0]) == multilabel_hit_rate(
        Y, [0, 1, 0])


@pytest.mark.parametrize("name", ["../outside.txt", "sub/inside.txt", "ABSOLUTE", ".."])
def test_fetch_file_keeps_to_the_data_home(tmp_path, name):
    # Before: the name was joined to the data home, so an absolute one or one with
    # ".." read (and would have downloaded to) a file outside it.
    from sknonneg.datasets import RemoteFileMetadata, fetch_file

    home = tmp_path / "home"
    (home / "sub").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("x")
    (home / "sub" / "inside.txt").write_text("x")
    if name == "ABSOLUTE":
        name = str(tmp_path / "outside.txt")
    with pytest.raises(ValueError, match="must be a plain file name"):
        fetch_file(RemoteFileMetadata(name, "0" * 64), home, download_if_missing=False)


# ----------------------------------------------------------------------- persist
@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("tamper", ["short-theta", "n-features", "negative",
                                    "nan", "n-outputs"])
def test_persist_load_refuses_inconsistent_files(tmp_path, Est, tamper):
    pytest.importorskip("skops")
    from sknonneg import persist

    est = _est(Est, l1=1e-3).fit(X, Y)
    if tamper == "short-theta":
        est._theta = est._theta[:-1]
    elif tamper == "n-features":
        est.n_features_in_ = 200_000
    elif tamper == "negative":
        est._theta = np.where(est._layout.lower == 0, -1.0, est._theta)
    elif tamper == "nan":
        est._theta = est._theta.copy()
        est._theta[0] = np.nan
    elif tamper == "n-outputs":
        est.n_outputs_ = 7
    path = tmp_path / "est.skops"
    persist.dump(make_pipeline(StandardScaler(), est), path)
    with pytest.raises(ValueError, match="est.skops"):
        persist.load(path)


# What each kind of network has to tamper with: an autoencoder has no gain, no
# target scaling and no monotonic_cst, a classifier no target scaling. Only these
# combinations are generated (before: the others were skipped on every run).
_TAMPERABLE = {"regressor": ["nan", "negative", "gain", "y_scale", "y_mean",
                             "monotonic_cst"],
               "autoencoder": ["nan", "negative"],
               "binary": ["nan", "negative", "gain", "monotonic_cst"]}


@pytest.mark.parametrize("kind, tamper", [
    pytest.param(kind, tamper, id=f"{tamper}-{kind}")
    for tamper in ["nan", "negative", "gain", "y_scale", "y_mean", "monotonic_cst"]
    for kind in ["regressor", "autoencoder", "binary"] if tamper in _TAMPERABLE[kind]])
def test_persist_load_refuses_inconsistent_networks_of_every_kind(tmp_path, kind,
                                                                   tamper):
    # Before: load checked classifiers only, so a regressor or an autoencoder with
    # NaN or sign-violating parameters loaded silently; and for every network a
    # negative gain, a negative y_scale_ (both flip the output's direction) or a
    # monotonic_cst_ its sign constraints do not keep was loaded as it was.
    pytest.importorskip("skops")
    from sknonneg import NonNegAutoencoder, NonNegMLPRegressor, persist

    cst = [1, 0, -1, 0, 0, 0]
    if kind == "regressor":
        est = _est(NonNegMLPRegressor, monotonic_cst=cst).fit(X, X[:, 0] - X[:, 2])
    elif kind == "autoencoder":
        est = NonNegAutoencoder(n_components=2, max_iter=3, random_state=0).fit(X)
    else:
        est = _est(NonNegMLPClassifier, monotonic_cst=cst).fit(X, Y % 2)
    relevant = {"gain": hasattr(est, "_fitted_gain"), "y_scale": kind == "regressor",
                "y_mean": kind == "regressor", "monotonic_cst": kind != "autoencoder"}
    assert relevant.get(tamper, True), f"a {kind} has no {tamper}"  # see _TAMPERABLE
    persist.dump(est, tmp_path / "ok.skops")
    persist.load(tmp_path / "ok.skops")  # untampered: loads
    if tamper == "nan":
        est._theta = est._theta.copy()
        est._theta[0] = np.nan
    elif tamper == "negative":
        est._theta = np.where(est._layout.lower == 0, -1.0, est._theta)
    elif tamper == "gain":
        est._gain_ = -1.0
    elif tamper == "y_scale":
        est.y_scale_ = -est.y_scale_
    elif tamper == "y_mean":
        est.y_mean_ = np.full_like(est.y_mean_, np.nan)
    else:
        # In the fitted state that dump saves, as a file edited by hand holds it:
        # a monotonic_cst_ set on the estimator since the fit is saved as fitted
        # (test_fitted_state.py's test_readers_of_monotonic_cst_use_the_fitted_
        # directions), so it cannot make an inconsistent file.
        est._fitted_public = {**est._fitted_public,
                              "monotonic_cst_": np.ones(X.shape[1], dtype=np.int8)}
    persist.dump(est, tmp_path / "est.skops")
    with pytest.raises(ValueError, match="est.skops holds an inconsistent"):
        persist.load(tmp_path / "est.skops")


@pytest.mark.parametrize("wrap", ["grid-search", "target-transform", "column-transformer",
                                  "dict-of-pipelines"])
def test_persist_load_checks_networks_nested_anywhere(tmp_path, wrap):
    # Before: load looked for networks under steps, estimators, estimator(_) and
    # final_estimator_ only, so a network with a negative gain (its output's
    # direction flipped) loaded unchecked as a GridSearchCV's best_estimator_, a
    # TransformedTargetRegressor's regressor_ or a ColumnTransformer's fitted
    # transformers_, and monotone_certificate then certified it.
    pytest.importorskip("skops")
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.model_selection import GridSearchCV

    from sknonneg import NonNegAutoencoder, NonNegMLPRegressor, persist

    if wrap == "grid-search":
        obj = GridSearchCV(_est(NonNegMLPClassifier, output="logistic"),
                           {"l2": [1e-4]}, cv=2).fit(X, Y % 2)
        net = obj.best_estimator_
    elif wrap == "target-transform":
        obj = TransformedTargetRegressor(_est(NonNegMLPRegressor),
                                         func=np.log1p, inverse_func=np.expm1)
        obj.fit(X, np.abs(X[:, 0]))
        net = obj.regressor_
    elif wrap == "column-transformer":
        obj = ColumnTransformer([("ae", NonNegAutoencoder(n_components=2, max_iter=3,
                                                          random_state=0), [0, 1, 2])])
        obj.fit(np.abs(X))
        net = obj.transformers_[0][1]
    else:
        obj = {"model": make_pipeline(StandardScaler(),
                                      _est(NonNegMLPClassifier).fit(X, Y))}
        net = obj["model"][-1]
    persist.dump(obj, tmp_path / "ok.skops")
    persist.load(tmp_path / "ok.skops",
                 trusted=persist.untrusted_types(tmp_path / "ok.skops"))
    if hasattr(net, "_fitted_gain"):
        net._gain_ = -1.0
    else:
        net._theta = np.where(net._layout.lower == 0, -1.0, net._theta)
    persist.dump(obj, tmp_path / "est.skops")
    with pytest.raises(ValueError, match="est.skops holds an inconsistent"):
        persist.load(tmp_path / "est.skops",
                     trusted=persist.untrusted_types(tmp_path / "est.skops"))


def test_persist_load_takes_one_trusted_name_as_a_string(tmp_path):
    # Before: set("pkg.Type") allowed its letters, and the very name passed was
    # reported untrusted.
    pytest.importorskip("skops")
    from sklearn.ensemble import VotingClassifier

    from sknonneg import persist

    vote = VotingClassifier([("a", _est(NonNegMLPClassifier)),
                             ("b", _est(NonNegMLPClassifier, random_state=1))],
                            voting="soft").fit(X, Y % 2)
    persist.dump(vote, tmp_path / "vote.skops")
    extra = [t for t in persist.untrusted_types(tmp_path / "vote.skops")
             if t not in persist.TRUSTED_TYPES]
    assert len(extra) == 1  # scikit-learn's Bunch, which skops does not trust
    loaded = persist.load(tmp_path / "vote.skops", trusted=extra[0])
    np.testing.assert_array_equal(loaded.predict_proba(X), vote.predict_proba(X))


@pytest.mark.parametrize("func", ["dump", "load", "untrusted_types"])
@pytest.mark.parametrize("file", [None, 3.5])
def test_persist_refuses_a_file_that_is_neither_a_path_nor_a_file_object(func, file):
    # Before: "'NoneType' object has no attribute 'seek'" (or 'write') from zipfile
    # or skops.
    pytest.importorskip("skops")
    from sknonneg import persist

    args = (StandardScaler(), file) if func == "dump" else (file,)
    with pytest.raises(TypeError, match=f"{func} takes file as a path"):
        getattr(persist, func)(*args)


def test_persist_roundtrip_still_loads(tmp_path):
    pytest.importorskip("skops")
    from sknonneg import persist

    for Est in ESTIMATORS:
        est = _est(Est).fit(X, Y)
        persist.dump(est, tmp_path / "ok.skops")
        np.testing.assert_array_equal(persist.load(tmp_path / "ok.skops").predict_proba(X),
                                      est.predict_proba(X))


def test_partial_fit_chunks_errors():
    from sknonneg.parallel import iter_chunks, partial_fit_chunks

    est = _est(NonNegMLPClassifier)
    with pytest.raises(TypeError, match="2-D array sliced by rows"):
        partial_fit_chunks(est, X[:, 0].tolist(), Y, classes=[0, 1, 2])
    with pytest.raises(TypeError, match="2-D array sliced by rows"):
        partial_fit_chunks(est, X[:, 0], Y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match="rows but y has"):
        partial_fit_chunks(est, X, Y[:-1], classes=[0, 1, 2])
    with pytest.raises(TypeError, match="The 'transform' parameter of "
                                        "partial_fit_chunks must be a callable"):
        partial_fit_chunks(est, X, Y, classes=[0, 1, 2], transform=3)
    for bad in [0, 1.5, True, "2"]:
        with pytest.raises(ValueError, match="The 'chunk_size' parameter of "
                                             "iter_chunks must be a positive int"):
            list(iter_chunks(10, bad))
        # Named after the function called, not the iter_chunks it calls.
        with pytest.raises(ValueError, match="The 'chunk_size' parameter of "
                                             "partial_fit_chunks must be"):
            partial_fit_chunks(est, X, Y, classes=[0, 1, 2], chunk_size=bad)
    with pytest.raises(ValueError, match="n_epochs"):
        list(iter_chunks(10, 3, n_epochs=0))


# ------------------------------------------------------- evasion attack, sparsity
def _binary_model():
    y = (X[:, 0] > 0.5).astype(int)
    return LogisticRegression().fit(X, y)


@pytest.mark.parametrize("kwargs, match", [
    ({"threshold": np.nan}, "'threshold' parameter of additive_evasion_attack must be a finite float"),
    ({"threshold": np.inf}, "'threshold' parameter of additive_evasion_attack must be a finite float"),
    ({"threshold": "0.5"}, "'threshold' parameter of additive_evasion_attack must be a finite float"),
    ({"upper": np.nan}, "upper must not contain NaN"),
    ({"upper": [1.0, np.nan, 1.0, 1.0, 1.0, 1.0]}, "upper must not contain NaN"),
    ({"upper": [1.0, 2.0]}, r"'upper' parameter of additive_evasion_attack must be a float or an "
     r"array-like of shape \(6,\)"),
    ({"features": []}, "features selects no feature"),
    ({"features": np.zeros(6, dtype=bool)}, "features selects no feature"),
    # Before: NumPy's "could not convert string to float: 'a'"; names read as
    # indices by a nested list flattened; 2**70 taken for a name; a list of
    # classes broadcast against classes_ ("operands could not be broadcast"),
    # [[1]] an IndexError inside the search.
    ({"upper": "a"}, "'upper' parameter of additive_evasion_attack must be a float or an array"),
    ({"features": [[0, 1]]}, "'features' parameter of additive_evasion_attack must be a 1-D"),
    ({"features": [2**70]}, r"'features' parameter of additive_evasion_attack must be feature "
     r"indices in the range \[0, 5\]"),
    ({"target_class": [0, 1]}, "'target_class' parameter of additive_evasion_attack must be one "
     "class label"),
    ({"target_class": [[1]]}, "'target_class' parameter of additive_evasion_attack must be one "
     "class label"),
])
def test_additive_evasion_attack_refuses_bad_arguments(kwargs, match):
    # Before: a NaN threshold flagged no row and reported a NaN success rate, a NaN
    # upper bound was read as "no bound", an empty features list was reported as
    # "got dtype float64", and an all-False mask was attacked with nothing to raise
    # and reported a success rate of 0.
    from sknonneg.robustness import additive_evasion_attack

    with pytest.raises(ValueError, match=match):
        additive_evasion_attack(_binary_model(), X, budget=2, **kwargs)


def test_additive_evasion_attack_reads_an_object_array_of_indices():
    # An object array of ints (a pandas Index of dtype object, or a list with one
    # index beyond int64) holds indices: in range, they are read as such. Before,
    # a259d08 refused [0, 2] as "Feature indices must be in [0, 5]".
    from sknonneg.robustness import additive_evasion_attack

    model = _binary_model()
    ref = additive_evasion_attack(model, X, budget=2, features=[0, 2])
    got = additive_evasion_attack(model, X, budget=2,
                                  features=np.array([0, 2], dtype=object))
    np.testing.assert_array_equal(got.X_adv_, ref.X_adv_)
    with pytest.raises(ValueError, match=rf"in the range \[0, 5\].*Got \[{2**70}\] instead"):
        additive_evasion_attack(model, X, budget=2, features=[0, 2**70])


def test_additive_evasion_attack_refuses_a_regressor():
    # Before: AttributeError 'NonNegMLPRegressor' object has no attribute 'classes_'.
    from sknonneg import NonNegMLPRegressor
    from sknonneg.robustness import additive_evasion_attack

    reg = NonNegMLPRegressor(hidden_layer_sizes=(3,), max_iter=3).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="attacks classifiers.*no classes_"):
        additive_evasion_attack(reg, X, budget=2)


def test_additive_evasion_attack_takes_counts_beyond_int64():
    # A Python int beyond int64 is a positive int (before: "ufunc 'isfinite' not
    # supported for the input types"); the counts are caps, so the result is that
    # of a count above every candidate and row.
    from sknonneg.robustness import additive_evasion_attack

    model = _binary_model()
    big = additive_evasion_attack(model, X, budget=2, max_candidates=2**70,
                                  batch_rows=2**70)
    ref = additive_evasion_attack(model, X, budget=2, max_candidates=6,
                                  batch_rows=30)
    np.testing.assert_array_equal(big.X_adv_, ref.X_adv_)
    # A threshold and a budget of success_rate_at beyond int64 are numbers too.
    everyone = additive_evasion_attack(model, X, budget=2, threshold=-2**70)
    assert everyone.attacked_.all()
    with pytest.raises(ValueError, match=r"range \[0, 2\] \(the attack's budget\)\. "
                       r"Got 1180591620717411303424 instead"):
        ref.success_rate_at(2**70)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["mlp-first-layer", "mlp-intercept", "logistic",
                                   "linear-regression", "y_mean_"])
def test_monotone_certificate_refuses_non_finite_weights(where, value):
    # Before: read by their signs: an inf first-layer weight certified its feature
    # (every feature certified), a NaN one left only its feature out, while the
    # model's scores were NaN.
    from sklearn.linear_model import LinearRegression

    from sknonneg.robustness import monotone_certificate

    y = (X[:, 0] > 0.5).astype(int)
    if where.startswith("mlp"):
        model = MLPClassifier((3,), max_iter=50, random_state=0).fit(X, y)
        for W in model.coefs_:
            W[...] = np.abs(W)  # certified for every feature when finite
        assert monotone_certificate(model).all_certified_
        if where == "mlp-first-layer":
            model.coefs_[0][0, 0] = value
        else:
            model.intercepts_[0][0] = value
    elif where == "logistic":
        model = LogisticRegression().fit(X, y)
        model.coef_[0, 0] = value
    elif where == "linear-regression":
        model = LinearRegression().fit(X, X[:, 0])
        model.coef_[0] = value
    else:
        # sknonneg's regressor predicts y_mean_ + y_scale_ * z. Before (review
        # 45d): certified with a NaN or inf y_mean_, every prediction NaN or inf.
        from sknonneg import NonNegMLPRegressor

        model = NonNegMLPRegressor(hidden_layer_sizes=3, positive=True, max_iter=5,
                                   random_state=0).fit(X, X[:, 0])
        assert monotone_certificate(model).all_certified_
        model.y_mean_ = value
        assert not np.isfinite(model.predict(X[:2])).any()
    with pytest.raises(ValueError, match="NaN or infinite|y_mean_ .* is not finite"):
        monotone_certificate(model)


@pytest.mark.parametrize("target_class", [[0], [0, 1], np.array([1])])
def test_certified_for_refuses_a_list_of_classes(target_class):
    # Before: [0] was taken as class 0, [0, 1] NumPy's "truth value of an array
    # with more than one element is ambiguous".
    from sknonneg.robustness import monotone_certificate

    cert = monotone_certificate(_binary_model())
    with pytest.raises(ValueError, match="'target_class' parameter of "
                       "MonotoneCertificate.certified_for must be one class label"):
        cert.certified_for(target_class)


def test_additive_evasion_attack_accepts_finite_threshold_and_scalar_upper():
    from sknonneg.robustness import additive_evasion_attack

    res = additive_evasion_attack(_binary_model(), X, budget=2, step=0.5,
                                  threshold=np.float32(0.0), upper=1.5)
    assert np.all(res.X_adv_ <= 1.5 + 1e-12) and np.all(res.cost_ <= 2)


@pytest.mark.parametrize("tol", [np.nan, np.inf, -1.0, "1e-6"])
def test_weight_sparsity_refuses_bad_tol(tol):
    # Before: tol=NaN compared False with every weight: no weight counted as zero,
    # silently (also through describe_network).
    from sknonneg.inspection import describe_network, weight_sparsity

    est = _est(NonNegMLPClassifier).fit(X, Y)
    with pytest.raises(ValueError, match="The 'tol' parameter of weight_sparsity "
                                         r"must be a float in the range \[0, inf\)"):
        weight_sparsity(est, tol=tol)
    with pytest.raises(ValueError, match="The 'tol' parameter of describe_network "
                                         r"must be a float in the range \[0, inf\)"):
        describe_network(est, tol=tol)


def test_weight_sparsity_takes_an_int_tol_beyond_int64():
    # Before: "ufunc 'isfinite' not supported for the input types" (a TypeError).
    # Every weight is within 2**70 of zero (and of 2**70 times the largest).
    from sknonneg.inspection import weight_sparsity

    est = _est(NonNegMLPClassifier).fit(X, Y)
    for relative in (True, False):
        table = weight_sparsity(est, tol=2**70, relative=relative)
        assert (table["n_zero"] == table["n_weights"]).all()


def test_load_mnist_of_a_damaged_archive_raises_oserror(tmp_path):
    # Before: a byte flipped inside the compressed data escaped as zlib.error, one
    # inside an array's header as tokenize.TokenError, not the documented OSError
    # (the Reuters and tabular loaders already wrapped zlib.error).
    import io

    from sknonneg.datasets import load_mnist

    rng = np.random.RandomState(0)
    buf = io.BytesIO()
    np.savez_compressed(buf, X_train=rng.randint(0, 255, (12, 784)).astype(np.uint8),
                        y_train=np.arange(12), X_test=np.zeros((3, 784), np.uint8),
                        y_test=np.arange(3))
    good = buf.getvalue()
    kinds = set()
    # The members' data and headers, and the zip's directory at the end (where a
    # flipped byte gave NotImplementedError "zip file version" or RuntimeError
    # "is encrypted").
    damages = [(pos, 0xFF) for pos in range(60, 2000, 7)] + [
        (pos, mask) for pos in range(len(good) - 300, len(good))
        for mask in (0xFF, 0x01, 0x20)]
    for pos, mask in damages:
        damaged = bytearray(good)
        damaged[pos] ^= mask
        (tmp_path / "mnist.npz").write_bytes(bytes(damaged))
        try:
            load_mnist(data_home=tmp_path, download_if_missing=False)
        except OSError as exc:
            cause = exc.__cause__
            kinds.add(type(cause).__name__ if cause is not None else "OSError")
    # Among them the four that escaped before.
    assert {"error", "TokenError", "NotImplementedError", "RuntimeError"} <= kinds


def test_partial_fit_chunks_refuses_labels_outside_classes_before_any_chunk():
    # Before: the third chunk's partial_fit refused label 2 after two chunks had
    # been fitted (n_iter_ == 2), naming no row.
    from sknonneg.parallel import partial_fit_chunks

    X = np.random.RandomState(0).rand(50, 3)
    y = np.array([0] * 20 + [1] * 20 + [2] * 10)
    est = NonNegMLPClassifier(hidden_layer_sizes=(3,), solver="adam", random_state=0)
    with pytest.raises(ValueError, match=r"label 2 not in classes \(first at row 40\)"):
        partial_fit_chunks(est, X, y, classes=[0, 1], chunk_size=20)
    assert not hasattr(est, "coefs_")


def test_partial_fit_chunks_says_which_chunk_raised():
    from sknonneg.parallel import partial_fit_chunks

    X = np.random.RandomState(0).rand(50, 3)
    X[45, 0] = np.nan
    est = NonNegMLPClassifier(hidden_layer_sizes=(3,), solver="adam", random_state=0)
    with pytest.raises(ValueError, match="contains NaN") as caught:
        partial_fit_chunks(est, X, np.array([0, 1] * 25), classes=[0, 1],
                           chunk_size=20)
    if hasattr(caught.value, "add_note"):
        assert any("chunk of rows 40:50 (call 3); the 2 chunks before it were fitted"
                   in note for note in caught.value.__notes__)


def test_sparsity_reads_a_dataframe_as_data_whatever_its_column_names():
    # A DataFrame exposes its columns as attributes: one named components_ or
    # fit was read as an estimator (its column measured alone; an AttributeError).
    import pandas as pd
    from sknonneg.inspection import hoyer_sparsity, weight_sparsity

    for name in ["components_", "steps", "coefs_", "get_params"]:
        df = pd.DataFrame({name: [1.0, 0.0], "b": [1.0, 1.0]})
        np.testing.assert_array_equal(hoyer_sparsity(df), [0.0, 1.0])
    with pytest.raises(TypeError, match="got DataFrame"):
        weight_sparsity(pd.DataFrame({"fit": [1.0, 0.0], "b": [1.0, 1.0]}))
    with pytest.raises(ValueError, match="empty list"):
        weight_sparsity([])


def test_partial_fit_chunks_names_a_class_and_a_flat_list():
    from sknonneg.parallel import partial_fit_chunks

    X = np.zeros((4, 3))
    with pytest.raises(TypeError, match=r"an estimator instance, not a class: pass "
                       r"NonNegMLPClassifier\(\)"):
        partial_fit_chunks(NonNegMLPClassifier, X, [0, 1, 0, 1], classes=[0, 1])
    for flat in ([], [1.0, 2.0]):
        with pytest.raises(TypeError, match="a list that reads as an array of shape"):
            partial_fit_chunks(NonNegMLPClassifier(), flat, [0, 1][:len(flat)],
                               classes=[0, 1])


def test_partial_fit_chunks_leaves_nan_labels_to_partial_fit():
    # NaN matches no class (NaN != NaN): the label check found no row for it and
    # raised an IndexError; partial_fit's own "Input y contains NaN" is the error.
    from sknonneg.parallel import partial_fit_chunks

    X = np.random.RandomState(0).rand(40, 3)
    y = np.array([0.0, 1.0] * 20)
    y[25] = np.nan
    for classes in ([0, 1], [0, 1, np.nan]):
        with pytest.raises(ValueError, match="contains NaN"):
            partial_fit_chunks(NonNegMLPClassifier(hidden_layer_sizes=(3,)), X, y,
                               classes=classes, chunk_size=20)


def test_from_constructors_point_a_fitted_search_to_its_best_estimator():
    """``ABBAClassifier.from_mlp`` and ``NonNegMLPClassifier.from_autoencoders``
    given a fitted search say to pass its best_estimator_, in the words of
    monotone_certificate and check_monotonic (one wording, the verb aside); before,
    a TypeError without the hint."""
    from sklearn.model_selection import GridSearchCV

    from sknonneg.inspection import check_monotonic
    from sknonneg import NonNegAutoencoder
    from sknonneg.robustness import monotone_certificate

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(40, 3))
    y = (X.sum(axis=1) > 1.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp = GridSearchCV(MLPClassifier((3,), activation="tanh", max_iter=20,
                                         random_state=0),
                           {"alpha": [1e-4, 1e-3]}, cv=2).fit(X, y)
        ae = GridSearchCV(NonNegAutoencoder(2, max_iter=5, random_state=0),
                          {"l2": [1e-4, 1e-3]}, cv=2,
                          scoring=lambda est, X_, y_=None: 0.0).fit(X)
    hint = "A fitted search predicts with its best_estimator_: {} GridSearchCV.best_estimator_."
    for call in (lambda: ABBAClassifier.from_mlp(mlp),
                 lambda: NonNegMLPClassifier.from_autoencoders([ae]),
                 lambda: NonNegMLPClassifier.from_autoencoders(ae)):
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value).endswith(" " + hint.format("pass")), str(info.value)
    with pytest.raises(TypeError) as info:
        monotone_certificate(mlp)
    assert str(info.value).endswith(" " + hint.format("certify"))
    with pytest.raises(ValueError) as info:
        check_monotonic(mlp, X)
    assert hint.format("check") in str(info.value)
    # What they advise works.
    assert ABBAClassifier.from_mlp(mlp.best_estimator_).n_features_in_ == 3
    NonNegMLPClassifier.from_autoencoders([ae.best_estimator_], output_init="default")


def test_install_advice_is_the_readmes(monkeypatch, tmp_path):
    """The messages for a missing optional dependency, and the docs, install
    sknonneg's extra as the README installs sknonneg, from the clone with
    ``python -m pip install -e ".[extra]"``, in one wording
    (``sknonneg._validation.install_hint``); before, ``pip install
    sknonneg[plot]`` (and ``[dask]``, ``[persist]``, ``[tbb]``), a package index
    sknonneg is not on."""
    import pathlib
    import sys

    import sknonneg.parallel
    from sknonneg import persist
    from sknonneg._validation import install_hint
    from sknonneg.inspection import HiddenUnitsDisplay

    # Every module of the three (an imported dask.array is found without dask).
    for name in [*sys.modules, "matplotlib", "skops", "skops.io", "dask", "distributed"]:
        if name.split(".")[0] in ("matplotlib", "skops", "dask", "distributed"):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "sknonneg.parallel._dask", raising=False)
    monkeypatch.delattr(sknonneg.parallel, "_dask", raising=False)
    X = np.random.default_rng(0).uniform(size=(20, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = NonNegMLPClassifier(2, max_iter=3, random_state=0).fit(X, X[:, 0] > 0.5)
    for extra, call in (("plot", lambda: HiddenUnitsDisplay.from_estimator(
                            net, image_shape=(3, 1))),
                        ("persist", lambda: persist.dump(net, tmp_path / "net.skops")),
                        ("dask", lambda: sknonneg.parallel.fit_dask_blocks)):
        with pytest.raises(ImportError) as info:
            call()
        hint = install_hint(extra)
        assert f'python -m pip install -e ".[{extra}]"' in hint
        assert hint in str(info.value), str(info.value)
    root = pathlib.Path(__file__).resolve().parents[1]
    files = [root / "README.md", *root.glob("doc/**/*.md"), *root.glob("doc/**/*.rst"),
             *root.glob("sknonneg/**/*.py"), *root.glob("examples/*.py")]
    wrong = re.compile(r"pip install\s+['\"]?sknonneg\[")
    found = [f"{path.relative_to(root)}: {m.group()}" for path in files
             if "_build" not in path.parts
             for m in wrong.finditer(path.read_text(encoding="utf-8"))]
    assert not found, found
