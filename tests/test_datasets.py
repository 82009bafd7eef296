"""Tests for sknonneg.datasets.

Real-data tests read the shared offline copies (the ``SKNONNEG_DATA``
directory if set, else ``shared/data`` beside the repository checkout) and
are skipped when the files are absent. Download tests only talk to a local
HTTP server bound to 127.0.0.1; every other connection is refused.
"""

import functools
import gzip
import hashlib
import http.server
import json
import os
import re
import socket
import threading
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import sknonneg.datasets as ds
from sknonneg.datasets import (
    RemoteFileMetadata,
    clear_data_home,
    expand_multilabel,
    fetch_file,
    get_data_home,
    load_compas,
    load_mnist,
    load_reuters,
    multilabel_hit_rate,
    reuters_bag_of_words,
)
from sknonneg.datasets import _base, _mnist, _reuters, _tabular

# Captured before the autouse fixture below removes it from the environment.
_ENV_DATA_HOME = os.environ.get("SKNONNEG_DATA")
_ORIGINAL_MIRRORS = _base.MIRRORS
_SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

MNIST_FILE = "mnist.npz"
TOP10_FILE = "reuters21578_modapte_top10.jsonl.gz"
ALL90_FILE = "reuters21578_modapte_all90.jsonl.gz"

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch):
    """No real mirrors, no env configuration, no connections off 127.0.0.1."""
    monkeypatch.setattr(_base, "MIRRORS", [])
    for var in ("SKNONNEG_DATA", "SKNONNEG_DATA_MIRRORS"):
        monkeypatch.delenv(var, raising=False)
    # make urllib bypass any configured proxy for the local test server
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")

    real_create_connection = socket.create_connection

    def guarded_create_connection(address, *args, **kwargs):
        if address[0] not in _LOCAL_HOSTS:
            raise AssertionError(f"test tried to connect to {address!r}")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)


# --------------------------------------------------------------------------
# helpers / fixtures for the fake data and the local HTTP server
# --------------------------------------------------------------------------


def _sha256_file(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def http_server(tmp_path):
    """Serve a temporary directory on 127.0.0.1; yields (base_url, dir)."""
    serve_dir = tmp_path / "served"
    serve_dir.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(serve_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", serve_dir
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _make_fake_mnist(path, seed=0, n_train=12, n_test=5):
    rng = np.random.default_rng(seed)
    arrays = dict(
        X_train=rng.integers(0, 256, (n_train, 784), dtype=np.uint8),
        y_train=rng.integers(0, 10, n_train, dtype=np.uint8),
        X_test=rng.integers(0, 256, (n_test, 784), dtype=np.uint8),
        y_test=rng.integers(0, 10, n_test, dtype=np.uint8),
    )
    np.savez_compressed(path, **arrays)
    return arrays


_FAKE_REUTERS = [
    {"id": 5, "split": "train", "text": "GRAIN\nWheat and corn prices rose",
     "title": "GRAIN", "categories": ["grain", "wheat", "corn", "corn"],
     "all_topics": ["grain", "wheat", "corn", "corn"]},
    {"id": 6, "split": "train", "text": "EARN\nNet profit up for the quarter",
     "title": "EARN", "categories": ["earn"], "all_topics": ["earn"]},
    {"id": 9, "split": "train", "text": "ACQ\nCompany agrees to acquire rival",
     "title": "ACQ", "categories": ["acq"], "all_topics": ["acq"]},
    {"id": 14826, "split": "test", "text": "TRADE\nTrade deficit widens",
     "title": "TRADE", "categories": ["trade", "trade"],
     "all_topics": ["trade", "trade"]},
    {"id": 14829, "split": "test", "text": "CORN\nCorn and grain exports",
     "title": "CORN", "categories": ["corn", "grain"],
     "all_topics": ["corn", "grain"]},
]


def _make_fake_reuters(path):
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for doc in _FAKE_REUTERS:
            f.write(json.dumps(doc) + "\n")


@pytest.fixture
def small_fake_files(monkeypatch):
    """The loaders take the fake files above: 12 / 5 MNIST images, 3 / 2 Reuters
    documents, where the real files hold thousands (the loaders refuse any other
    number)."""
    monkeypatch.setattr(_mnist, "N_SAMPLES", {"train": 12, "test": 5})
    monkeypatch.setattr(_reuters, "N_DOCUMENTS",
                        dict.fromkeys(_reuters.N_DOCUMENTS, {"train": 3, "test": 2}))


def _leftovers(directory):
    return sorted(p.name for p in Path(directory).iterdir())


# --------------------------------------------------------------------------
# data home
# --------------------------------------------------------------------------


def test_get_data_home_argument_creates_dir(tmp_path):
    target = tmp_path / "a" / "b"
    home = get_data_home(target)
    assert isinstance(home, str)
    assert Path(home) == target.resolve()
    assert target.is_dir()


def test_get_data_home_env_var(monkeypatch, tmp_path):
    env_dir = tmp_path / "from_env"
    monkeypatch.setenv("SKNONNEG_DATA", str(env_dir))
    assert Path(get_data_home()) == env_dir
    assert env_dir.is_dir()
    # an explicit argument wins over the environment variable
    arg_dir = tmp_path / "from_arg"
    assert Path(get_data_home(arg_dir)) == arg_dir


def test_get_data_home_default_and_tilde(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SKNONNEG_DATA", "")  # empty means unset
    assert Path(get_data_home()) == tmp_path / "sknonneg_data"
    assert Path(get_data_home("~/other")) == tmp_path / "other"


def test_get_data_home_that_is_a_file(tmp_path, monkeypatch):
    # Before: os.makedirs' "FileExistsError: [Errno 17] File exists", from every
    # loader, whose data home (argument or SKNONNEG_DATA) named a file.
    path = tmp_path / "data.csv"
    path.write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file, not a directory"):
        get_data_home(path)
    monkeypatch.setenv("SKNONNEG_DATA", str(path))
    with pytest.raises(NotADirectoryError, match="SKNONNEG_DATA"):
        load_compas()


def test_get_data_home_that_cannot_be_created(tmp_path, monkeypatch):
    # Before: a bare "PermissionError: [Errno 13] Permission denied:
    # '/nonexistent/sknonneg_data'" from os.makedirs, from every loader, for a user
    # whose home is not writable (seen as a non-root user with HOME=/nonexistent).
    import sknonneg.datasets._base as base

    def denied(path, exist_ok=False):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(base.os, "makedirs", denied)
    target = tmp_path / "absent"
    with pytest.raises(PermissionError, match="cannot be created.*SKNONNEG_DATA"):
        get_data_home(target)
    monkeypatch.delenv("SKNONNEG_DATA", raising=False)
    monkeypatch.setenv("HOME", str(target))  # a home without the data files
    # A loader that only reads does not create the data home: it says where it
    # looked and how to point it elsewhere.
    with pytest.raises(FileNotFoundError, match="data_home"):
        load_compas()


def test_clear_data_home(tmp_path):
    home = tmp_path / "home"
    get_data_home(home)
    (home / "x.txt").write_text("x")
    clear_data_home(home)
    assert not home.exists()


def test_label_matrices_read_duplicates_as_their_sum_and_refuse_nan():
    # Before: expand_multilabel emitted a label once per stored entry (a +1 and a
    # -1 at one place, 0 by scipy's reading, gave it twice), and a NaN label
    # counted as present (multilabel_hit_rate([[nan, 0], [0, 1]], [0, 1]) was 1.0).
    import scipy.sparse as sp

    from sknonneg.datasets import expand_multilabel, multilabel_hit_rate

    Y = sp.csr_matrix((np.array([1.0, -1.0, 1.0]), np.array([0, 0, 1]),
                       np.array([0, 2, 3])), shape=(2, 2))
    assert not Y.has_canonical_format
    X = np.arange(2.0)[:, None]
    _, y, index = expand_multilabel(X, Y, return_index=True)
    np.testing.assert_array_equal(y, [1])
    np.testing.assert_array_equal(index, [1])
    assert multilabel_hit_rate(Y, [0, 1]) == 0.5  # row 0 has no label: no hit
    # Before: a repeated class was looked up in its last column, silently.
    with pytest.raises(ValueError, match=r"classes must be distinct .*\['a'\]"):
        multilabel_hit_rate(np.eye(3), ["a", "a", "b"], classes=["a", "a", "b"])
    for bad in (np.array([[np.nan, 0], [0, 1]]), sp.csr_matrix([[np.inf, 0], [0, 1]])):
        with pytest.raises(ValueError, match="contains NaN or infinity"):
            multilabel_hit_rate(bad, [0, 1])
        with pytest.raises(ValueError, match="contains NaN or infinity"):
            expand_multilabel(X, bad)


def test_clear_data_home_refuses_home_current_and_linked_folders(tmp_path,
                                                                  monkeypatch):
    # Before: any folder was deleted: clear_data_home("~") the home folder, ""
    # the current one; a missing one was first created, with its parents.
    home, work = tmp_path / "user", tmp_path / "user" / "work"
    work.mkdir(parents=True)
    (work / "keep.txt").write_text("x")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    for target in ("~", "", str(tmp_path), str(work), "~/work"):
        with pytest.raises(ValueError, match="refuses to delete .*home folder or "
                                             "the current folder"):
            clear_data_home(target)
    assert (work / "keep.txt").exists()
    missing = tmp_path / "a" / "b"
    clear_data_home(missing)  # nothing to delete, nothing created
    assert not (tmp_path / "a").exists()
    data = tmp_path / "data"
    data.mkdir()
    link = tmp_path / "link"
    link.symlink_to(data, target_is_directory=True)
    with pytest.raises(ValueError, match="is a symbolic link"):
        clear_data_home(link)
    assert data.exists()
    clear_data_home(data)
    assert not data.exists()


# --------------------------------------------------------------------------
# missing files without download
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "loader, filename",
    [
        (load_mnist, MNIST_FILE),
        (functools.partial(load_reuters, subset="top10"), TOP10_FILE),
        (functools.partial(load_reuters, subset="all90"), ALL90_FILE),
    ],
)
def test_missing_file_no_download(tmp_path, loader, filename):
    with pytest.raises(OSError) as excinfo:
        loader(data_home=tmp_path, download_if_missing=False)
    assert isinstance(excinfo.value, FileNotFoundError)
    msg = str(excinfo.value)
    assert str(tmp_path) in msg
    assert filename in msg
    assert "SKNONNEG_DATA" in msg and "data_home" in msg
    assert _leftovers(tmp_path) == []


def test_missing_file_no_urls_configured(tmp_path):
    # the autouse fixture empties MIRRORS and the metadata has no urls
    with pytest.raises(OSError, match="no download URL") as excinfo:
        load_mnist(data_home=tmp_path)
    assert str(tmp_path) in str(excinfo.value)
    assert MNIST_FILE in str(excinfo.value)


def test_unknown_reuters_subset(tmp_path):
    with pytest.raises(ValueError, match="subset"):
        load_reuters(data_home=tmp_path, subset="top5")


# --------------------------------------------------------------------------
# download path (local HTTP server only)
# --------------------------------------------------------------------------


def test_download_mnist_from_url(monkeypatch, tmp_path, http_server,
                                 small_fake_files):
    base_url, serve_dir = http_server
    arrays = _make_fake_mnist(serve_dir / MNIST_FILE)
    sha = _sha256_file(serve_dir / MNIST_FILE)
    monkeypatch.setattr(
        _mnist, "MNIST",
        RemoteFileMetadata(MNIST_FILE, sha, urls=(f"{base_url}/{MNIST_FILE}",)),
    )
    home = tmp_path / "home"

    bunch = load_mnist(data_home=home)
    assert _leftovers(home) == [MNIST_FILE]  # no temp files left behind
    assert _sha256_file(home / MNIST_FILE) == sha
    np.testing.assert_array_equal(bunch.data_train, arrays["X_train"])
    np.testing.assert_array_equal(bunch.target_test, arrays["y_test"])
    assert bunch.data_train.dtype == np.uint8
    assert bunch.target_train.dtype == np.int64
    assert bunch.image_shape == (28, 28)
    assert bunch.target_names == [str(i) for i in range(10)]
    assert "CC BY-SA 3.0" in bunch.DESCR

    # cached: works without the server's file, also with verify=True
    (serve_dir / MNIST_FILE).unlink()
    X_train, X_test, y_train, y_test = load_mnist(
        data_home=home, return_X_y=True, verify=True,
        download_if_missing=False,
    )
    np.testing.assert_array_equal(X_test, arrays["X_test"])
    np.testing.assert_array_equal(y_train, arrays["y_train"])


def test_download_checksum_mismatch_leaves_nothing(
    monkeypatch, tmp_path, http_server
):
    base_url, serve_dir = http_server
    _make_fake_mnist(serve_dir / MNIST_FILE)
    monkeypatch.setattr(
        _mnist, "MNIST",
        RemoteFileMetadata(MNIST_FILE, "0" * 64,
                           urls=(f"{base_url}/{MNIST_FILE}",)),
    )
    home = tmp_path / "home"
    with pytest.raises(OSError, match="checksum mismatch") as excinfo:
        load_mnist(data_home=home)
    assert str(home) in str(excinfo.value)
    assert not home.exists()  # created to download into, removed with the download
    # still not cached: a second attempt fails the same way
    home.mkdir()
    with pytest.raises(OSError, match="checksum mismatch"):
        load_mnist(data_home=home)
    assert _leftovers(home) == []  # a data home that was there is kept


def test_download_tries_urls_in_turn(monkeypatch, tmp_path, http_server,
                                     small_fake_files):
    """404 and corrupted mirrors are skipped; the good one is used."""
    base_url, serve_dir = http_server
    (serve_dir / "bad").mkdir()
    (serve_dir / "bad" / MNIST_FILE).write_bytes(b"corrupted")
    (serve_dir / "good").mkdir()
    arrays = _make_fake_mnist(serve_dir / "good" / MNIST_FILE, seed=1)
    sha = _sha256_file(serve_dir / "good" / MNIST_FILE)
    monkeypatch.setattr(_mnist, "MNIST", RemoteFileMetadata(MNIST_FILE, sha))
    monkeypatch.setattr(
        _base, "MIRRORS",
        [f"{base_url}/missing/", f"{base_url}/bad", f"{base_url}/good/"],
    )
    home = tmp_path / "home"
    bunch = load_mnist(data_home=home)
    np.testing.assert_array_equal(bunch.data_test, arrays["X_test"])
    assert _leftovers(home) == [MNIST_FILE]


def test_download_all_urls_fail_reports_each(monkeypatch, tmp_path,
                                             http_server):
    base_url, serve_dir = http_server
    (serve_dir / MNIST_FILE).write_bytes(b"corrupted")
    monkeypatch.setattr(
        _mnist, "MNIST", RemoteFileMetadata(MNIST_FILE, "0" * 64)
    )
    monkeypatch.setattr(_base, "MIRRORS", [f"{base_url}/nope", base_url])
    home = tmp_path / "home"
    with pytest.raises(OSError) as excinfo:
        load_mnist(data_home=home)
    msg = str(excinfo.value)
    assert f"{base_url}/nope/{MNIST_FILE}" in msg and "404" in msg
    assert "checksum mismatch" in msg
    assert "SKNONNEG_DATA" in msg
    assert not home.exists()


@pytest.mark.parametrize("loader", [load_mnist, load_reuters])
def test_failed_download_leaves_no_tree_of_empty_folders(monkeypatch, tmp_path,
                                                         http_server, loader):
    # Before: a mistyped data_home (download_if_missing=True, no mirror serving the
    # file) raised OSError but left typo/shared/dta created, with its parents.
    base_url, _ = http_server
    monkeypatch.setattr(_base, "MIRRORS", [f"{base_url}/nothing-here/"])
    with pytest.raises(OSError, match="(?s)could not be downloaded.*404"):
        loader(data_home=tmp_path / "typo" / "shared" / "dta")
    assert _leftovers(tmp_path) == ["served"]
    # Only the folders it created: an existing parent stays, with what it holds.
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "note.txt").write_text("x")
    with pytest.raises(OSError, match="could not be downloaded"):
        loader(data_home=tmp_path / "kept" / "a" / "b")
    assert _leftovers(tmp_path / "kept") == ["note.txt"]


def test_download_mirror_from_env_var(monkeypatch, tmp_path, http_server,
                                      small_fake_files):
    base_url, serve_dir = http_server
    _make_fake_reuters(serve_dir / TOP10_FILE)
    sha = _sha256_file(serve_dir / TOP10_FILE)
    monkeypatch.setitem(
        _reuters.REUTERS, "top10", RemoteFileMetadata(TOP10_FILE, sha)
    )
    monkeypatch.setenv("SKNONNEG_DATA_MIRRORS", f"{base_url}/nope, {base_url}")
    monkeypatch.setenv("SKNONNEG_DATA", str(tmp_path / "env_home"))

    bunch = load_reuters()  # data home from SKNONNEG_DATA
    assert _leftovers(tmp_path / "env_home") == [TOP10_FILE]
    assert bunch.data_train[0].startswith("GRAIN\n")
    # duplicated labels in the file are removed, order kept
    assert bunch.target_train == [["grain", "wheat", "corn"], ["earn"],
                                  ["acq"]]
    assert bunch.target_test == [["trade"], ["corn", "grain"]]
    assert bunch.target_names == ["acq", "corn", "earn", "grain", "trade",
                                  "wheat"]
    np.testing.assert_array_equal(bunch.ids_train, [5, 6, 9])
    np.testing.assert_array_equal(bunch.ids_test, [14826, 14829])
    assert bunch.ids_test.dtype == np.int64
    assert bunch.subset == "top10"
    assert "Reuters-21578, Distribution 1.0" in bunch.DESCR

    bow = reuters_bag_of_words(bunch)
    assert sp.issparse(bow.X_train) and bow.X_train.format == "csr"
    assert bow.X_train.shape[0] == 3 and bow.X_test.shape[0] == 2
    assert "and" not in bow.vectorizer.vocabulary_  # English stop word
    assert "wheat" in bow.vectorizer.vocabulary_  # lower-cased
    assert bow.Y_train.shape == (3, 6) and bow.Y_test.shape == (2, 6)
    assert list(bow.binarizer.classes_) == bunch.target_names
    np.testing.assert_array_equal(bow.Y_train.sum(axis=1), [3, 1, 1])
    X_rep, y = expand_multilabel(bow.X_train, bow.Y_train)
    assert X_rep.shape[0] == 5
    assert [bunch.target_names[k] for k in y] == [
        "corn", "grain", "wheat", "earn", "acq"]


def test_existing_file_verify(monkeypatch, tmp_path, small_fake_files):
    home = tmp_path / "home"
    home.mkdir()
    arrays = _make_fake_mnist(home / MNIST_FILE)
    monkeypatch.setattr(
        _mnist, "MNIST", RemoteFileMetadata(MNIST_FILE, "0" * 64)
    )
    # not hashed by default
    bunch = load_mnist(data_home=home, download_if_missing=False)
    np.testing.assert_array_equal(bunch.data_train, arrays["X_train"])
    with pytest.raises(OSError, match="checksum mismatch"):
        load_mnist(data_home=home, verify=True)
    assert _leftovers(home) == [MNIST_FILE]  # the user's file is kept


def test_corrupt_archives_raise_oserror(monkeypatch, tmp_path):
    (tmp_path / MNIST_FILE).write_bytes(b"not an npz file")
    with pytest.raises(OSError, match="MNIST"):
        load_mnist(data_home=tmp_path)
    np.savez_compressed(tmp_path / MNIST_FILE, X_train=np.zeros((2, 784)))
    with pytest.raises(OSError, match="missing arrays"):
        load_mnist(data_home=tmp_path)
    (tmp_path / TOP10_FILE).write_bytes(b"not gzip")
    with pytest.raises(OSError, match="Reuters"):
        load_reuters(data_home=tmp_path)


@pytest.mark.parametrize("verify", [False, True])
@pytest.mark.parametrize("loader, filename", [(load_mnist, MNIST_FILE),
                                              (load_reuters, TOP10_FILE)],
                         ids=["mnist", "reuters"])
def test_a_directory_in_place_of_the_file_is_named(tmp_path, loader, filename, verify):
    # Before: a bare IsADirectoryError ("[Errno 21] Is a directory") from np.load's
    # open, gzip's or the hash's.
    (tmp_path / filename).mkdir()
    with pytest.raises(OSError, match=rf"{re.escape(repr(str(tmp_path / filename)))} "
                                      rf"is a directory, not the data file "
                                      rf"'{re.escape(filename)}': replace it with "
                                      r"the file \(sha256 [0-9a-f]{64}\)"):
        loader(data_home=tmp_path, verify=verify)


def test_fetch_file_returns_existing_path(tmp_path):
    (tmp_path / "f.bin").write_bytes(b"abc")
    meta = RemoteFileMetadata("f.bin", hashlib.sha256(b"abc").hexdigest())
    path = fetch_file(meta, tmp_path, verify=True)
    assert Path(path) == tmp_path / "f.bin"


def test_default_mirror_list_is_configurable():
    # the public list that users modify in place is the one _base reads
    assert ds.MIRRORS is _ORIGINAL_MIRRORS
    assert all(url.startswith("https://") for url in _ORIGINAL_MIRRORS)
    meta = RemoteFileMetadata("x.gz", "0" * 64, urls=("http://127.0.0.1/a",))
    _base.MIRRORS.append("http://127.0.0.1/m/")
    assert _base._candidate_urls(meta) == [
        "http://127.0.0.1/a", "http://127.0.0.1/m/x.gz"]


# --------------------------------------------------------------------------
# multi-label helpers
# --------------------------------------------------------------------------


@pytest.mark.parametrize("sparse_Y", [False, True])
def test_expand_multilabel(sparse_Y):
    X = np.arange(8.0).reshape(4, 2)
    Y = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 0], [1, 1, 1]])
    if sparse_Y:
        Y = sp.csc_matrix(Y)
    X_rep, y, idx = expand_multilabel(X, Y, return_index=True)
    np.testing.assert_array_equal(idx, [0, 0, 1, 3, 3, 3])
    np.testing.assert_array_equal(y, [0, 2, 1, 0, 1, 2])
    np.testing.assert_array_equal(X_rep, X[idx])
    # sparse X and lists of documents are indexed the same way
    X_rep_sp, y_sp = expand_multilabel(sp.csr_matrix(X), Y)
    assert sp.issparse(X_rep_sp)
    np.testing.assert_array_equal(X_rep_sp.toarray(), X[idx])
    docs, _ = expand_multilabel(["a", "b", "c", "d"], Y)
    assert docs == ["a", "a", "b", "d", "d", "d"]


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil", "dok", "dia", "bsr"])
@pytest.mark.parametrize("kind", ["matrix", "array"])
def test_expand_multilabel_takes_every_sparse_format(fmt, kind):
    # Before: COO and DIA matrices failed with "'coo_matrix' object is not
    # subscriptable", BSR with an empty NotImplementedError, although X is
    # documented as any sparse matrix. They are read as CSR; a sparse array stays
    # an array.
    X = np.arange(12.0).reshape(4, 3)
    Y = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 0], [1, 1, 1]])
    X_sp = getattr(sp, f"{fmt}_{kind}")(X)
    X_rep, y, idx = expand_multilabel(X_sp, Y, return_index=True)
    np.testing.assert_array_equal(X_rep.toarray(), X[idx])
    np.testing.assert_array_equal(y, [0, 2, 1, 0, 1, 2])
    expected = fmt if fmt not in ("coo", "dia", "bsr") else "csr"
    assert X_rep.format == expected
    assert isinstance(X_rep, sp.sparray) == (kind == "array")


def test_expand_multilabel_errors():
    with pytest.raises(ValueError, match="indicator"):
        expand_multilabel(np.zeros((2, 1)), np.array([0, 1]))
    with pytest.raises(ValueError, match="inconsistent"):
        expand_multilabel(np.zeros((3, 1)), np.eye(2))
    # Before: any non-zero value was a present label, so probabilities made a row
    # of every entry and -1/+1 labels one of every -1; refused as
    # multilabel_hit_rate refuses them. Bools and 0/1 floats are labels.
    X = np.zeros((2, 1))
    with pytest.raises(ValueError, match="continuous-multioutput .*Y > 0.5"):
        expand_multilabel(X, np.array([[0.2, 0.9], [0.6, 0.1]]))
    with pytest.raises(ValueError, match="got the value -1.*pass Y > 0"):
        expand_multilabel(X, sp.csr_matrix(np.array([[1, -1], [-1, 1]])))
    for Y in (np.array([[True, False], [True, True]]), np.array([[1.0, 0], [1, 1]])):
        np.testing.assert_array_equal(expand_multilabel(X, Y)[1], [0, 0, 1])
    # A (document, label) pair listed twice in a COO matrix sums to 2: the message
    # says so and how to read it as present.
    Y = sp.coo_matrix((np.ones(3), ([0, 0, 1], [1, 1, 0])), shape=(2, 2))
    with pytest.raises(ValueError, match=r"got the value 2.0 after summing its entries "
                                         r"stored more than once.*pass Y > 0"):
        expand_multilabel(X, Y)
    np.testing.assert_array_equal(expand_multilabel(X, Y > 0)[1], [1, 0])


def test_multilabel_hit_rate():
    Y = np.array([[1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 1]])
    assert multilabel_hit_rate(Y, [1, 2, 0, 0]) == 0.75
    assert multilabel_hit_rate(sp.csr_matrix(Y), np.array([0, 0, 1, 0])) == 0.25
    assert multilabel_hit_rate(
        Y, ["b", "c", "a", "c"], classes=["a", "b", "c"]) == 1.0
    with pytest.raises(ValueError, match="not in classes"):
        multilabel_hit_rate(Y, ["b", "c", "a", "z"], classes=["a", "b", "c"])
    with pytest.raises(ValueError, match="outside"):
        multilabel_hit_rate(Y, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="integer"):
        multilabel_hit_rate(Y, ["a", "b", "c", "a"])
    with pytest.raises(ValueError, match="1-D"):
        multilabel_hit_rate(Y, Y)



@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_multilabel_hit_rate_refuses_values_other_than_0_and_1(sparse):
    # Before: any non-zero value read as a present label, so probabilities or
    # -1/+1 labels gave a hit rate of 1.0, silently (scikit-learn's metrics refuse
    # a continuous-multioutput target).
    wrap = sp.csr_matrix if sparse else np.asarray
    proba = np.array([[0.2, 0.9, 0.4], [0.7, 0.1, 0.3]])
    with pytest.raises(ValueError, match=r"^Input Y_true is continuous-multioutput "
                       r"\(it holds 0\.2\), which is not supported: a label "
                       r"indicator matrix holds only 0 \(absent\) and 1 "
                       r"\(present\)\. Threshold scores or probabilities first, "
                       r"e\.g\. Y_true > 0\.5\.$"):
        multilabel_hit_rate(wrap(proba), [0, 2])
    signs = np.array([[-1, 1, -1], [1, -1, -1]])
    with pytest.raises(ValueError, match=r"^Input Y_true must be a label indicator "
                       r"matrix of 0 \(absent\) and 1 \(present\), got the value "
                       r"-1\. For -1/\+1 labels, pass Y_true > 0\.$"):
        multilabel_hit_rate(wrap(signs), [0, 2])
    with pytest.raises(ValueError, match=r"got the value 2\.$"):
        multilabel_hit_rate(wrap(np.array([[0, 2, 0], [1, 0, 0]])), [1, 0])
    # 0/1 as ints, floats or bools, and the thresholded inputs, are taken.
    for Y in (proba > 0.5, signs > 0, (signs > 0).astype(float),
              (signs > 0).astype(np.int8)):
        assert multilabel_hit_rate(wrap(Y), [0, 2]) == 0.0
        assert multilabel_hit_rate(wrap(Y), [1, 0]) == 1.0


def test_multilabel_hit_rate_reads_sparse_duplicates_as_their_sum():
    # Duplicates summed first (as scipy reads them): two stored 1s are a 2.
    twice = sp.coo_matrix((np.ones(3), ([0, 0, 1], [1, 1, 0])), shape=(2, 2))
    with pytest.raises(ValueError, match=r"got the value 2\.0 after summing its "
                                         r"entries stored more than once"):
        multilabel_hit_rate(twice, [1, 0])
    halves = sp.coo_matrix(([0.5, 0.5, 1.0], ([0, 0, 1], [1, 1, 0])), shape=(2, 2))
    assert multilabel_hit_rate(halves, [1, 0]) == 1.0

# --------------------------------------------------------------------------
# real data (shared offline copies)
# --------------------------------------------------------------------------


def _real_data_home(filename):
    candidates = []
    if _ENV_DATA_HOME:
        candidates.append(Path(_ENV_DATA_HOME).expanduser())
    candidates.append(_SHARED_DATA)
    for directory in candidates:
        if (directory / filename).is_file():
            return directory
    pytest.skip(
        f"real data file {filename!r} not found in "
        f"{[str(c) for c in candidates]} (set SKNONNEG_DATA to a directory "
        f"holding it)"
    )


@pytest.fixture(scope="module")
def real_mnist():
    return load_mnist(data_home=_real_data_home(MNIST_FILE), download_if_missing=False)


@pytest.fixture(scope="module", params=["top10", "all90"])
def real_reuters(request):
    filename = {"top10": TOP10_FILE, "all90": ALL90_FILE}[request.param]
    home = _real_data_home(filename)
    bunch = load_reuters(data_home=home, subset=request.param,
                         download_if_missing=False)
    return bunch, reuters_bag_of_words(bunch)


def test_real_mnist(real_mnist):
    m = real_mnist
    assert m.data_train.shape == (60000, 784)
    assert m.data_test.shape == (10000, 784)
    assert m.data_train.dtype == np.uint8 and m.data_train.max() == 255
    np.testing.assert_array_equal(
        np.bincount(m.target_train, minlength=10),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    )
    np.testing.assert_array_equal(
        np.bincount(m.target_test, minlength=10),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    )
    assert m.data_train[0].reshape(m.image_shape).shape == (28, 28)


_REAL_COUNTS = {
    # n_train, n_test, n_classes, train/test docs with > 1 distinct label.
    # The data README says 214 / 437 test multi-label documents: that counts
    # test document 19918 whose raw label list is ["trade", "trade"].
    "top10": (6490, 2545, 10, 620, 213),
    "all90": (7770, 3019, 90, 1192, 436),
}

_TOP10_PER_CATEGORY = {
    "earn": (2877, 1087), "acq": (1650, 719), "money-fx": (538, 179),
    "grain": (433, 149), "crude": (389, 189), "trade": (369, 117),
    "interest": (347, 131), "ship": (197, 89), "wheat": (212, 71),
    "corn": (181, 56),
}


def test_real_reuters(real_reuters):
    bunch, bow = real_reuters
    n_train, n_test, n_classes, multi_train, multi_test = _REAL_COUNTS[
        bunch.subset]
    assert len(bunch.data_train) == len(bunch.target_train) == n_train
    assert len(bunch.data_test) == len(bunch.target_test) == n_test
    assert len(bunch.ids_train) == n_train and len(bunch.ids_test) == n_test
    assert len(set(bunch.ids_train) | set(bunch.ids_test)) == n_train + n_test
    assert len(bunch.target_names) == n_classes
    assert bunch.target_names == sorted(bunch.target_names)
    assert all(isinstance(t, str) for t in bunch.data_train[:10])
    assert all(len(labels) >= 1 for labels in bunch.target_train)
    assert sum(len(t) > 1 for t in bunch.target_train) == multi_train
    assert sum(len(t) > 1 for t in bunch.target_test) == multi_test

    # bag of words: CSR, rows match, indicator columns follow target_names
    assert sp.issparse(bow.X_train) and bow.X_train.format == "csr"
    assert sp.issparse(bow.X_test) and bow.X_test.format == "csr"
    assert bow.X_train.shape[0] == n_train and bow.X_test.shape[0] == n_test
    assert bow.X_train.shape[1] == bow.X_test.shape[1] == len(
        bow.feature_names)
    assert bow.X_train.min() >= 0
    assert bow.Y_train.shape == (n_train, n_classes)
    assert bow.Y_test.shape == (n_test, n_classes)
    assert list(bow.binarizer.classes_) == bunch.target_names
    if bunch.subset == "top10":
        for name, (n_tr, n_te) in _TOP10_PER_CATEGORY.items():
            k = bunch.target_names.index(name)
            assert (bow.Y_train[:, k].sum(), bow.Y_test[:, k].sum()) == (
                n_tr, n_te), name

    # paper protocol: one training row per (document, label) pair
    X_rep, y_single = expand_multilabel(bow.X_train, bow.Y_train)
    extra = sum(len(t) - 1 for t in bunch.target_train)
    assert X_rep.shape == (n_train + extra, bow.X_train.shape[1])
    assert y_single.shape == (n_train + extra,)
    assert extra >= multi_train


def test_real_reuters_hit_rate_sanity(real_reuters):
    from sklearn.naive_bayes import MultinomialNB

    bunch, bow = real_reuters
    X_rep, y_single = expand_multilabel(bow.X_train, bow.Y_train)
    pred = MultinomialNB().fit(X_rep, y_single).predict(bow.X_test)
    hit = multilabel_hit_rate(bow.Y_test, pred)
    # measured: 0.958 (top10), 0.857 (all90)
    assert hit > {"top10": 0.93, "all90": 0.83}[bunch.subset]
    names = [bunch.target_names[k] for k in pred]
    assert multilabel_hit_rate(bow.Y_test, names,
                               classes=bunch.target_names) == hit


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint16])
def test_mnist_refuses_images_that_are_not_uint8_pixels(tmp_path, small_fake_files,
                                                         dtype):
    # Before: any numeric images loaded as they were: an export scaled to [0, 1]
    # (float) came back as data_train, though the docstring promises uint8 pixels
    # 0..255 and tells the user to divide them by 255.
    arrays = _make_fake_mnist(tmp_path / MNIST_FILE)
    scale = 255.0 if np.issubdtype(dtype, np.floating) else 1
    arrays["X_train"] = (arrays["X_train"] / scale).astype(dtype)
    np.savez_compressed(tmp_path / MNIST_FILE, **arrays)
    with pytest.raises(OSError, match=rf"unexpected train dtypes X={np.dtype(dtype)}, "
                       r"y=uint8; expected uint8 images \(pixels 0\.\.255"):
        load_mnist(data_home=tmp_path, download_if_missing=False)


def test_a_damaged_file_is_not_just_said_to_download_again(tmp_path, monkeypatch):
    # Before: "delete it to download it again" (a count or sha256 that differs),
    # though the default mirror is a placeholder, not known to serve the files:
    # followed, the advice lost the file and the next load failed to download it.
    placeholder = (r"delete it to download it again from a mirror that serves it "
                   r"\(sknonneg.datasets.MIRRORS or the SKNONNEG_DATA_MIRRORS "
                   r"environment variable; the default entry is a placeholder")
    _make_fake_mnist(tmp_path / MNIST_FILE)
    with pytest.raises(OSError, match=r"Check it with verify=True .*; replace it "
                       r"with a good copy, or " + placeholder):
        load_mnist(data_home=tmp_path, download_if_missing=False)
    with pytest.raises(OSError, match=r"checksum mismatch .*Replace it with a good "
                       r"copy, or " + placeholder):
        load_mnist(data_home=tmp_path, download_if_missing=False, verify=True)
    _make_fake_reuters(tmp_path / TOP10_FILE)
    with pytest.raises(OSError, match=r"documented size\).*; replace it with a good "
                       r"copy, or " + placeholder):
        load_reuters(data_home=tmp_path, download_if_missing=False)


# ------------------------------------------- MNIST and Reuters: partial files
def test_mnist_and_reuters_refuse_another_number_of_samples(tmp_path):
    # Before: load_mnist and load_reuters loaded a partial file (a valid archive, a
    # gzip cut at a line end) as a smaller data set, silently, where the tabular
    # loaders refuse it. Here without the real files: the fakes hold 12 / 5 images
    # and 3 / 2 documents.
    _make_fake_mnist(tmp_path / MNIST_FILE)
    with pytest.raises(OSError, match=r"mnist\.npz' gives 12 train images, expected "
                       r"60000 .*cut short.* verify=True .*download it again"):
        load_mnist(data_home=tmp_path, download_if_missing=False)
    _make_fake_reuters(tmp_path / TOP10_FILE)
    with pytest.raises(OSError, match=r"top10\.jsonl\.gz' gives 3 training and 2 "
                       r"test documents, expected 6490 and 2545 .*cut short.* "
                       r"verify=True .*download it again"):
        load_reuters(data_home=tmp_path, download_if_missing=False)


def test_real_mnist_and_reuters_files_cut_short_are_refused(tmp_path):
    # Before: 100 images per split loaded as (100, 784); Reuters without its last
    # 500 lines as 6490 / 2045 documents (its DESCR says 6,490 / 2,545).
    with np.load(_real_data_home(MNIST_FILE) / MNIST_FILE) as real:
        np.savez_compressed(tmp_path / MNIST_FILE,
                            **{key: real[key][:100] for key in real.files})
    with pytest.raises(OSError, match="gives 100 train images, expected 60000"):
        load_mnist(data_home=tmp_path, download_if_missing=False)
    for subset, filename in (("top10", TOP10_FILE), ("all90", ALL90_FILE)):
        lines = gzip.decompress(
            (_real_data_home(filename) / filename).read_bytes()).splitlines(True)
        (tmp_path / filename).write_bytes(gzip.compress(b"".join(lines[:-500])))
        with pytest.raises(OSError, match=r"test documents, expected \d+ and \d+ "
                                          r"\(the subset's documented size\)"):
            load_reuters(data_home=tmp_path, subset=subset, download_if_missing=False)


# ------------------------------------------------------------ tabular loaders
@pytest.fixture
def small_tabular_files(monkeypatch):
    """The loaders take the small files of these tests: 2 rows each, where the real
    files give thousands (the loaders refuse any other number of rows)."""
    monkeypatch.setattr(_tabular, "N_ROWS", dict.fromkeys(_tabular.N_ROWS, 2))


def test_tabular_loaders_read_the_data_home(tmp_path, small_tabular_files):
    import gzip

    import pandas as pd

    from sknonneg.datasets import load_adult, load_auto_mpg, load_compas, load_spambase

    with gzip.open(tmp_path / "autompg.csv.gz", "wt") as f:
        f.write("cylinders,displacement,horsepower,weight,acceleration,model_year,"
                "origin,car_name,mpg\n8,307.0,130.0,3504.0,12.0,70,1,a b,18.0\n"
                "4,97.0,?,2130.0,14.5,70,3,c,27.0\n4,97.0,88.0,2130.0,14.5,70,2,d,26.0\n")
    X, y = load_auto_mpg(data_home=tmp_path, return_X_y=True)
    assert X.shape == (2, 9) and list(y) == [18.0, 26.0]
    assert list(X["origin_2"]) == [0.0, 1.0]
    row = ("39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, "
           "Not-in-family, White, Male, 2174, 0, 40, United-States, {}\n")
    with gzip.open(tmp_path / "adult.test.gz", "wt") as f:
        f.write("|1x3 Cross validator\n" + row.format("<=50K.") + row.format(">50K."))
    X, y = load_adult(subset="test", data_home=tmp_path, return_X_y=True)
    assert X.shape == (2, 14) and list(y) == [0, 1]
    assert X["education-num"].dtype == np.float64
    columns = ["days_b_screening_arrest", "is_recid", "c_charge_degree", "score_text",
               "priors_count", "juv_fel_count", "juv_misd_count", "juv_other_count",
               "age", "sex", "race", "two_year_recid"]
    frame = pd.DataFrame([[0, 1, "F", "Low", 2, 0, 0, 0, 30, "Male", "Other", 1],
                          [50, 1, "F", "Low", 2, 0, 0, 0, 30, "Male", "Other", 1],
                          [-3, 0, "M", "High", 0, 1, 0, 0, 22, "Female", "Asian", 0]],
                         columns=columns)
    frame.to_csv(tmp_path / "compas-scores-two-years.csv.gz", index=False)
    X, y = load_compas(data_home=tmp_path, return_X_y=True)
    assert X.shape == (2, 9) and list(y) == [1, 0]  # 7 features + 2 races present
    assert list(X["charge_felony"]) == [1.0, 0.0]
    (tmp_path / "spambase.csv.gz").write_bytes(gzip.compress(_SPAMBASE_CSV.encode()))
    X, y = load_spambase(data_home=tmp_path, return_X_y=True)
    assert X.shape == (2, 57) and list(y) == [1, 0] and y.dtype == np.int64
    assert list(X.columns) == _tabular.SPAMBASE_COLUMNS
    assert (X.dtypes == np.float64).all()
    assert list(X["word_freq_make"]) == [0.0, 0.21]
    assert list(X["capital_run_length_total"]) == [278.0, 1028.0]
    with pytest.raises(FileNotFoundError, match="adult.data.gz"):
        load_adult(data_home=tmp_path)
    with pytest.raises(ValueError, match="subset"):
        load_adult(subset="valid", data_home=tmp_path)


@pytest.mark.parametrize("loader, filename, content", [
    ("load_auto_mpg", "autompg.csv.gz", b"not gzip at all"),
    ("load_compas", "compas-scores-two-years.csv.gz", gzip.compress(b"a,b\n1,2\n")),
    ("load_auto_mpg", "autompg.csv.gz",
     gzip.compress(b"mpg,cylinders\nfast,4\n")),
    ("load_adult", "adult.data.gz", gzip.compress(b"x\x00\xff\xfe,1\n" * 3)),
    ("load_adult", "adult.data.gz", b""),
    ("load_adult", "adult.data.gz", gzip.compress(b"")),
    ("load_spambase", "spambase.csv.gz", gzip.compress(b"a,is_spam\n1,0\n")),
    ("load_spambase", "spambase.csv.gz", b"not gzip at all"),
], ids=["not-gzip", "compas-columns", "auto-mpg-not-numeric", "adult-binary",
        "adult-empty", "adult-empty-gzip", "spambase-columns", "spambase-not-gzip"])
def test_tabular_loaders_name_a_file_they_cannot_parse(tmp_path, loader, filename,
                                                       content):
    # Before: BadGzipFile without the path, or AttributeError / KeyError from deep
    # inside pandas ("'DataFrame' object has no attribute 'days_b_screening_arrest'");
    # an empty adult.data loaded as a training set of 0 rows.
    import sknonneg.datasets as datasets

    (tmp_path / filename).write_bytes(content)
    # The message says what the file should be and where it comes from (it pointed
    # to "the data README", which the package does not ship).
    with pytest.raises(OSError, match=f"could not be read as {filename}.*replace it "
                                      r"with .*\(archive\.ics\.uci\.edu|github\.com"):
        getattr(datasets, loader)(data_home=tmp_path)


@pytest.mark.parametrize("loader, source", [
    ("load_compas", "github.com/propublica/compas-analysis"),
    ("load_auto_mpg", "archive.ics.uci.edu/dataset/9/auto+mpg"),
    ("load_adult", "archive.ics.uci.edu/dataset/2/adult"),
    ("load_spambase", "archive.ics.uci.edu/dataset/94/spambase"),
])
def test_tabular_loaders_say_where_a_missing_file_comes_from(tmp_path, loader, source):
    import sknonneg.datasets as datasets

    with pytest.raises(FileNotFoundError,
                       match=f"is not in the data home.*{re.escape(source)}"):
        getattr(datasets, loader)(data_home=tmp_path)


@pytest.mark.parametrize("content", [b"", gzip.compress(b"", mtime=0)],
                         ids=["empty", "empty-gzip"])
def test_an_empty_reuters_file_is_refused(tmp_path, content):
    # Before: an empty file loaded as a corpus of 0 train and 0 test documents.
    from sknonneg.datasets import load_reuters

    (tmp_path / TOP10_FILE).write_bytes(content)
    with pytest.raises(OSError, match="could not read Reuters file"):
        load_reuters(data_home=tmp_path)


def test_real_reuters_all90_positive_network_leaves_no_large_label_at_prior():
    # Reuters all-90 (tf-idf, the benchmark's vectoriser): the positive network of
    # 30 units at its defaults, seed 1, left 12 labels at their prior, one with
    # 1,650 positive training documents, and a test micro-F1 of 0.57, while its
    # outputs started at 0.5 (benchmarks/results/reuters90_prior.md). Started at
    # their labels' log-odds, no label with 10 or more positive documents stays
    # at its prior. (Criterion of DegenerateFitWarning: training log-loss within
    # 1% of the prior's.)
    import warnings

    from scipy.special import log_expit
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    from sknonneg import NonNegMLPClassifier

    bunch = load_reuters(data_home=_real_data_home(ALL90_FILE), subset="all90",
                         download_if_missing=False)
    vec = TfidfVectorizer(min_df=3, sublinear_tf=True, stop_words="english")
    X_train = vec.fit_transform(bunch.data_train)
    mlb = MultiLabelBinarizer()
    Y_train = mlb.fit_transform(bunch.target_train)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiny labels' DegenerateFitWarning
        clf = NonNegMLPClassifier((30,), output="logistic",
                                  random_state=1).fit(X_train, Y_train)
    z = clf.decision_function(X_train)
    nll = -(Y_train * log_expit(z) + (1 - Y_train) * log_expit(-z)).mean(axis=0)
    p = Y_train.mean(axis=0)
    prior = -(p * np.log(p) + (1 - p) * np.log1p(-p))
    counts = Y_train.sum(axis=0)
    assert counts[nll >= 0.99 * prior].max(initial=0) < 10
    pred = clf.predict(vec.transform(bunch.data_test))
    assert f1_score(mlb.transform(bunch.target_test), pred, average="micro") > 0.8


# ------------------------------------------------- tabular loaders: rows cut short
_AUTO_MPG_CSV = (
    "cylinders,displacement,horsepower,weight,acceleration,model_year,origin,"
    "car_name,mpg\n8,307.0,130.0,3504.0,12.0,70,1,a b,18.0\n"
    "4,97.0,?,2130.0,14.5,70,3,c,27.0\n4,97.0,88.0,2130.0,14.5,70,2,d,26.0\n")
_COMPAS_CSV = (
    "days_b_screening_arrest,is_recid,c_charge_degree,score_text,priors_count,"
    "juv_fel_count,juv_misd_count,juv_other_count,age,sex,race,two_year_recid\n"
    "0,1,F,Low,2,0,0,0,30,Male,Other,1\n50,1,F,Low,2,0,0,0,30,Male,Other,1\n"
    "-3,0,M,High,0,1,0,0,22,Female,Asian,0\n")
_ADULT_ROW = ("39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, "
              "Not-in-family, White, Male, 2174, 0, 40, United-States, {}\n")
_ADULT_CSV = _ADULT_ROW.format("<=50K") + _ADULT_ROW.format(">50K")
# UCI's 57 names and is_spam, then two mails (spam, not): 54 frequencies and 3 runs.
_SPAMBASE_CSV = (
    ",".join(_tabular.SPAMBASE_COLUMNS + ["is_spam"]) + "\n"
    + ",".join(["0.0"] * 51 + ["0.778", "0.0", "0.0", "3.756", "61.0", "278.0", "1"])
    + "\n"
    + ",".join(["0.21"] + ["0.0"] * 53 + ["5.114", "101.0", "1028.0", "0"]) + "\n")
_TABULAR = {"load_compas": ("compas-scores-two-years.csv.gz", _COMPAS_CSV),
            "load_auto_mpg": ("autompg.csv.gz", _AUTO_MPG_CSV),
            "load_adult": ("adult.data.gz", _ADULT_CSV),
            "load_spambase": ("spambase.csv.gz", _SPAMBASE_CSV)}


def _cut_last_line(text, keep_fields):
    """``text`` with its last line cut after ``keep_fields`` fields (no newline), as
    a file cut within that line reads once gzipped again."""
    *head, last = text.rstrip("\n").split("\n")
    return "\n".join(head + [",".join(last.split(",")[:keep_fields])])


@pytest.mark.parametrize("loader", sorted(_TABULAR))
@pytest.mark.parametrize("keep", [-1, 2], ids=["last-field", "most-fields"])
def test_tabular_loaders_refuse_a_row_cut_short(tmp_path, loader, keep,
                                                small_tabular_files):
    # Before: a valid gzip whose last line lacked its last field loaded, compas with
    # a y ending in -2**63 (NaN cast to int64, only NumPy's RuntimeWarning), auto
    # mpg with a NaN mpg, adult without the row; a line cut after 2 fields was
    # dropped by compas's filter and auto mpg's missing-horsepower rule.
    import sknonneg.datasets as datasets

    filename, text = _TABULAR[loader]
    load = functools.partial(getattr(datasets, loader), data_home=tmp_path)
    (tmp_path / filename).write_bytes(gzip.compress(text.encode()))
    X, y = load(return_X_y=True)  # the whole file loads
    (tmp_path / filename).write_bytes(gzip.compress(_cut_last_line(text, keep).encode()))
    with pytest.raises(OSError, match=rf"{re.escape(str(tmp_path / filename))} could "
                                      r"not be read .*data row \d+ with no .*cut short"):
        load()


@pytest.mark.parametrize("loader, old, new, match", [
    ("load_compas", "Asian,0\n", "Asian,0.5\n", r"two_year_recid must be one of "
                                                r"\[0, 1\], got 0\.5"),
    ("load_compas", "Asian,0\n", "Asian,2\n", r"two_year_recid .* got 2 in 1 row"),
    ("load_compas", "Asian,0\n", "Asian,\n", "no two_year_recid"),
    ("load_compas", "-3,0,M,High,0,1,0,0,22", "-3,0,M,High,,1,0,0,22",
     "no priors_count"),
    ("load_auto_mpg", "2130.0,14.5,70,2,d,26.0", "2130.0,,70,2,d,26.0",
     "no acceleration"),
    ("load_adult", ">50K\n", "maybe\n", r"income must be one of .*'maybe'"),
    ("load_adult", " 2174,", " ,", "no capital-gain"),
    ("load_spambase", "1028.0,0\n", "1028.0,2\n", r"is_spam must be one of "
                                                 r"\[0, 1\], got 2 in 1 row"),
    ("load_spambase", "278.0,1\n", "278.0,0.5\n", r"is_spam .* got 0\.5"),
    ("load_spambase", "1028.0,0\n", "1028.0,\n", "no is_spam"),
    # The evasion setting relies on features >= 0 (adding words only raises them).
    ("load_spambase", "\n0.21,", "\n-0.21,", r"every feature must be a finite number "
                                             r">= 0, 1 value\(s\) are not, the first "
                                             r"is word_freq_make = -0\.21 in data "
                                             r"row 2"),
    ("load_spambase", "3.756,", "inf,", "capital_run_length_average = inf in data "
                                       "row 1"),
    ("load_spambase", "0.778,", "often,", "could not convert string to float"),
    ("load_spambase", "0.778,", ",", "no char_freq_!"),
])
def test_tabular_loaders_refuse_missing_values_and_bad_targets(tmp_path, loader, old,
                                                               new, match):
    import sknonneg.datasets as datasets

    filename, text = _TABULAR[loader]
    assert old in text
    (tmp_path / filename).write_bytes(gzip.compress(text.replace(old, new).encode()))
    with pytest.raises(OSError, match=f"could not be read as {filename}.*{match}"):
        getattr(datasets, loader)(data_home=tmp_path)


def test_real_tabular_files_load_with_their_shapes():
    # The shapes of the shared data's README (and the docstrings): the checks of a
    # row cut short refuse none of the real rows.
    from sknonneg.datasets import load_adult, load_auto_mpg, load_compas, load_spambase

    home = _real_data_home("compas-scores-two-years.csv.gz")
    X, y = load_compas(data_home=home, return_X_y=True)
    assert X.shape == (6172, 13) and y.dtype == np.int64 and set(y) == {0, 1}
    X, y = load_auto_mpg(data_home=_real_data_home("autompg.csv.gz"),
                         return_X_y=True)
    assert X.shape == (392, 9) and np.isfinite(y).all()
    for subset, n_rows in (("train", 32561), ("test", 16281)):
        filename = "adult.data.gz" if subset == "train" else "adult.test.gz"
        X, y = load_adult(subset=subset, data_home=_real_data_home(filename),
                          return_X_y=True)
        assert X.shape == (n_rows, 14) and set(y) == {0, 1}
    X, y = load_spambase(data_home=_real_data_home("spambase.csv.gz"),
                         return_X_y=True)
    assert X.shape == (4597, 57) and (X.dtypes == np.float64).all()
    assert list(X.columns) == _tabular.SPAMBASE_COLUMNS  # the file's header's order
    assert (X.to_numpy() >= 0).all() and y.dtype == np.int64
    assert np.bincount(y).tolist() == [2785, 1812]  # the shared data's README


# --------------------------------------- tabular loaders: rows missing, verify=True
_TABULAR_REAL = [("load_compas", "compas-scores-two-years.csv.gz", None),
                 ("load_auto_mpg", "autompg.csv.gz", None),
                 ("load_adult", "adult.data.gz", "train"),
                 ("load_adult", "adult.test.gz", "test"),
                 ("load_spambase", "spambase.csv.gz", None)]
# The rows the docstrings promise, and the sha256 of the shared data's README.
_TABULAR_ROWS = {"compas-scores-two-years.csv.gz": 6172, "autompg.csv.gz": 392,
                 "adult.data.gz": 32561, "adult.test.gz": 16281,
                 "spambase.csv.gz": 4597}
_TABULAR_SHA256 = {
    "compas-scores-two-years.csv.gz":
        "9c82d38dc1990fafc7a216ec2bc42d7de4ebf4f2a1bb86678da2e8a5cd774ccb",
    "autompg.csv.gz":
        "1ca4e811fa53eb7dc62e7654f9e75b2b73bf1c82bc8ec5e8653b4fad138a2853",
    "adult.data.gz":
        "79d673241aeed099ca33f8cfca8928cf5223509841c9857b1af0d5d6326467ab",
    "adult.test.gz":
        "cf86718d77ed3ab47d59b5277fff2b14b2c2fae24e14d4b09a365d006fb1025e",
    "spambase.csv.gz":
        "82dc5f470ec14a2c5cf2484a8e20e839736936d7990ac96c7e90b0048390c5f8",
}


def _load_tabular(loader, subset, **kwargs):
    import sknonneg.datasets as datasets

    if subset is not None:
        kwargs["subset"] = subset
    return getattr(datasets, loader)(**kwargs, return_X_y=True)


@pytest.mark.parametrize("loader, filename, subset", _TABULAR_REAL,
                         ids=["compas", "auto-mpg", "adult-train", "adult-test",
                              "spambase"])
def test_tabular_loaders_refuse_a_file_with_half_its_lines(tmp_path, loader, filename,
                                                           subset):
    # Before: a valid gzip of the first half of the lines (cut at a line end, or a
    # partial re-export) loaded as a smaller data set, silently (Adult: 16281 rows
    # for the 32561 the docstring promises).
    lines = gzip.decompress(
        (_real_data_home(filename) / filename).read_bytes()).splitlines(True)
    half = b"".join(lines[:len(lines) // 2])
    (tmp_path / filename).write_bytes(gzip.compress(half))
    expected = _TABULAR_ROWS[filename]
    with pytest.raises(OSError, match=rf"{re.escape(str(tmp_path / filename))} could "
                                      rf"not be read as {re.escape(filename)} "
                                      rf"\(ValueError: it gives \d+ rows, expected "
                                      rf"{expected} .*cut short"):
        _load_tabular(loader, subset, data_home=tmp_path)


def test_tabular_loaders_refuse_another_number_of_rows(tmp_path, monkeypatch):
    # The same without the real files: one row more than the file gives.
    monkeypatch.setattr(_tabular, "N_ROWS", dict.fromkeys(_tabular.N_ROWS, 3))
    for loader, (filename, text) in _TABULAR.items():
        (tmp_path / filename).write_bytes(gzip.compress(text.encode()))
        with pytest.raises(OSError, match=rf"{re.escape(filename)} .*it gives 2 "
                                          r"rows, expected 3"):
            _load_tabular(loader, None, data_home=tmp_path)


@pytest.mark.parametrize("loader, filename, subset", _TABULAR_REAL,
                         ids=["compas", "auto-mpg", "adult-train", "adult-test",
                              "spambase"])
def test_tabular_loaders_verify_the_sha256(tmp_path, loader, filename, subset):
    # Before: no verify= option (TypeError), unlike load_mnist and load_reuters.
    real = _real_data_home(filename) / filename
    X, y = _load_tabular(loader, subset, data_home=real.parent, verify=True)
    assert len(y) == _TABULAR_ROWS[filename]
    # The same rows gzipped again (another header time stamp): loads, but is not
    # the recorded file, which verify=True says.
    copy = tmp_path / filename
    copy.write_bytes(gzip.compress(gzip.decompress(real.read_bytes()), mtime=1))
    X2, y2 = _load_tabular(loader, subset, data_home=tmp_path)
    np.testing.assert_array_equal(y2, y)
    with pytest.raises(OSError, match=rf"checksum mismatch for existing file "
                                      rf"{re.escape(repr(str(copy)))}: expected "
                                      rf"sha256 {_TABULAR_SHA256[filename]}, got "
                                      rf"{_sha256_file(copy)}"):
        _load_tabular(loader, subset, data_home=tmp_path, verify=True)


def test_tabular_loaders_document_the_default_data_home(tmp_path, monkeypatch,
                                                         small_tabular_files):
    # Their docstrings said the default was SKNONNEG_DATA, without the
    # ~/sknonneg_data the code falls back to (as load_mnist's docstring says).
    import sknonneg.datasets as datasets

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "sknonneg_data").mkdir()
    for loader, (filename, text) in _TABULAR.items():
        (tmp_path / "sknonneg_data" / filename).write_bytes(gzip.compress(text.encode()))
        X, y = getattr(datasets, loader)(return_X_y=True)  # SKNONNEG_DATA unset
        assert len(y) == 2
        doc = " ".join(getattr(datasets, loader).__doc__.split())
        assert "``SKNONNEG_DATA`` environment variable, else ``~/sknonneg_data``" in doc


def test_load_adult_says_data_home_is_keyword_only(tmp_path, monkeypatch):
    # Before: load_adult("/data") (load_mnist and load_reuters take data_home first)
    # said only "subset must be 'train' or 'test', got '/data'".
    from sknonneg.datasets import load_adult

    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    hint = r"Got .* instead\. It looks like a folder: data_home is keyword-only, " \
           r"load_adult\(data_home=\.\.\.\)"
    for value in [str(tmp_path), tmp_path, "data", f"data{os.sep}", b"data",
                  "/no/such/folder"]:
        # load_adult(value) passes subset by position: deprecated, still read.
        with pytest.raises(ValueError, match=r"The 'subset' parameter of load_adult "
                                             r"must be a str among \{'train', "
                                             r"'test'\}\. " + hint), \
                pytest.warns(FutureWarning, match="Pass subset=.* as keyword args"):
            load_adult(value)
        with pytest.raises(ValueError, match=r"The 'subset' parameter of load_adult "
                                             r"must be a str among \{'train', "
                                             r"'test'\}\. " + hint):
            load_adult(subset=value)
    for value in ["valid", "Train", None, 3]:
        with pytest.raises(ValueError, match="The 'subset' parameter") as excinfo:
            load_adult(subset=value, data_home=tmp_path)
        assert "keyword-only" not in str(excinfo.value)


@pytest.mark.parametrize("call, name", [
    (lambda v: ds.load_compas(verify=v), "'verify' parameter of load_compas"),
    (lambda v: ds.load_auto_mpg(verify=v), "'verify' parameter of load_auto_mpg"),
    (lambda v: ds.load_adult(verify=v), "'verify' parameter of load_adult"),
    (lambda v: ds.load_spambase(verify=v), "'verify' parameter of load_spambase"),
    (lambda v: ds.load_mnist(verify=v), "'verify' parameter of load_mnist"),
    (lambda v: ds.load_mnist(return_X_y=v), "'return_X_y' parameter of load_mnist"),
    (lambda v: ds.load_reuters(download_if_missing=v),
     "'download_if_missing' parameter of load_reuters"),
    (lambda v: ds.fetch_file(_mnist.MNIST, verify=v), "'verify' parameter of fetch_file"),
    (lambda v: ds.expand_multilabel(np.ones((2, 1)), np.eye(2), return_index=v),
     "'return_index' parameter of expand_multilabel"),
])
@pytest.mark.parametrize("value", [1, 0, "no", None, 1.0])
def test_boolean_flags_must_be_bools(tmp_path, monkeypatch, call, name, value):
    # Before: any truthy value was True ("no" verified the file), 0 and None False.
    # Refused before any file is read (the data home is empty).
    monkeypatch.setenv("SKNONNEG_DATA", str(tmp_path))
    with pytest.raises(ValueError, match=rf"The {name} must be an instance of "
                                         rf"'bool'.*Got {value!r} instead"):
        call(value)
    with pytest.raises(TypeError):  # InvalidParameterError is both, as sklearn's
        call(value)


def test_load_reuters_return_X_y(tmp_path, small_fake_files):
    # Before: no return_X_y (a TypeError), which load_mnist and scikit-learn's
    # fetch_20newsgroups have; a positional data_home still reads, with a warning.
    _make_fake_reuters(tmp_path / TOP10_FILE)
    bunch = load_reuters(data_home=tmp_path, download_if_missing=False)
    parts = load_reuters(data_home=tmp_path, download_if_missing=False,
                         return_X_y=True)
    assert parts == (bunch.data_train, bunch.data_test, bunch.target_train,
                     bunch.target_test)
    with pytest.warns(FutureWarning, match="Pass data_home=.* as keyword args"):
        again = load_reuters(tmp_path, download_if_missing=False, return_X_y=True)
    assert again == parts


def test_load_spambase_does_not_say_added_words_only_raise_its_features():
    """Spambase's word and character features are percents of the mail: an added
    word dilutes every other one (doc/robustness.md, "Certify on counts"). Before,
    load_spambase's docstring said that adding words or characters to a mail can
    only raise every feature, which would make a filter certified on them immune
    to added words; the benchmark evades it by dilution."""
    import re

    from sknonneg.datasets import load_spambase

    doc = " ".join(load_spambase.__doc__.split())
    assert not re.search(r"can only raise", doc)
    assert "dilution" in doc
