"""Reuters-21578 (ModApte split) loader and multi-label helpers."""

import gzip
import json
import zlib
from collections.abc import Mapping, Sequence, Set

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils import Bunch, _safe_indexing

from .._compat import num_samples
from .._validation import check_flags, check_sparse_structure, parameter_error
from ._base import (
    RemoteFileMetadata,
    _deprecate_positional_args,
    fetch_file,
    _redownload_hint,
)

__all__ = [
    "expand_multilabel",
    "load_reuters",
    "multilabel_hit_rate",
    "reuters_bag_of_words",
]

#: Metadata of the Reuters files, keyed by ``subset``.
REUTERS = {
    "top10": RemoteFileMetadata(
        filename="reuters21578_modapte_top10.jsonl.gz",
        sha256="5c9f6d2df0f4e58200fe92bff9e1271c951b082ad31c68ad46b5177a61b9c13a",
        size=2700105,
    ),
    "all90": RemoteFileMetadata(
        filename="reuters21578_modapte_all90.jsonl.gz",
        sha256="ad618c5e9783649bfe839d9824ebac55bfda9b2931f94da5d2657abf311289f5",
        size=3419069,
    ),
}

#: Training and test documents of each subset's file (the counts its description
#: gives), always checked: a file cut at a line end is a valid gzip all the same.
N_DOCUMENTS = {
    "top10": {"train": 6490, "test": 2545},
    "all90": {"train": 7770, "test": 3019},
}

_SUBSET_DESCR = {
    "top10": """\
**Subset "top10" (R10):** ModApte documents (``LEWISSPLIT`` TRAIN/TEST with
``TOPICS="YES"``) that carry at least one of the ten most frequent training
categories: earn, acq, money-fx, grain, crude, trade, interest, ship, wheat,
corn. 6,490 training and 2,545 test documents; 620 training and 213 test
documents have more than one of these labels.
""",
    "all90": """\
**Subset "all90" (R90):** the ModApte "90 categories" version: categories
with at least one training and one test document, and the documents that
carry at least one of them. 7,770 training and 3,019 test documents (NLTK's
``reuters`` corpus has 7,769 training documents); 1,192 training and 436 test
documents have more than one label.
""",
}

REUTERS_DESCR = """\
.. _reuters_dataset:

Reuters-21578 text categorization collection (ModApte split)
-------------------------------------------------------------

**Source:** Reuters-21578, Distribution 1.0, prepared by David D. Lewis from
Reuters newswire stories of 1987. Copyright Reuters Ltd.

**License:** free distribution for research purposes only; cite it as
"Reuters-21578, Distribution 1.0" (see README.txt of the distribution).

{subset}
**Format:** each document's text is its TITLE, a newline, then its BODY
(DATELINE excluded, SGML entities decoded). Targets are multi-label: each
document has a list of category names (duplicates present in the original
SGML are removed). ``ids_*`` hold the original NEWID of each document; NLTK's
file id would be ``training/<id>`` or ``test/<id>``.
"""


def _dedupe(labels):
    return list(dict.fromkeys(labels))


def _record(doc):
    """``(split, text, categories, id)`` of one JSON record, checked: a
    ``ValueError`` (turned into an ``OSError`` naming the line) if malformed."""
    split, text, categories = doc["split"], doc["text"], doc["categories"]
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    if (not isinstance(categories, list) or not categories
            or not all(isinstance(c, str) for c in categories)):
        raise ValueError(f"categories must be a non-empty list of strings, got "
                         f"{categories!r}")
    doc_id = doc["id"]
    if isinstance(doc_id, bool) or not isinstance(doc_id, (int, str)):
        raise ValueError(f"id must be an integer, got {doc_id!r}")
    return split, text, _dedupe(categories), int(doc_id)


@_deprecate_positional_args("data_home", "subset")
def load_reuters(
    *,
    data_home=None,
    subset="top10",
    download_if_missing=True,
    return_X_y=False,
    verify=False,
):
    """Load the Reuters-21578 ModApte text categorization data (multi-label).

    The data is read from
    ``<data_home>/reuters21578_modapte_<subset>.jsonl.gz`` (gzipped JSON
    lines with fields ``id``, ``split``, ``text``, ``title``, ``categories``,
    ``all_topics``).

    Every argument is keyword-only, as in scikit-learn's fetchers; ``data_home``
    and ``subset`` passed by position are deprecated (a ``FutureWarning``, an error
    from version 0.2).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Directory holding the data file. ``None`` means the
        ``SKNONNEG_DATA`` environment variable, else ``~/sknonneg_data``
        (see :func:`sknonneg.datasets.get_data_home`).
    subset : {"top10", "all90"}, default="top10"
        ``"top10"``: documents of the 10 most frequent categories (R10).
        ``"all90"``: the 90 categories with at least one train and one test
        document (R90).
    download_if_missing : bool, default=True
        If the file is missing, download it from the configured mirrors
        (checked against its sha256; folders of ``data_home`` created for it
        are removed again if no download succeeds). If False, raise
        :class:`FileNotFoundError` instead.
    return_X_y : bool, default=False
        If True, return ``(data_train, data_test, target_train, target_test)``
        (the order of :func:`sklearn.model_selection.train_test_split`, as
        :func:`load_mnist` returns them) instead of a Bunch.
    verify : bool, default=False
        If True, check the sha256 of an already present file.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data_train : list of str
            Training documents (title, newline, body).
        target_train : list of list of str
            Category names of each training document (at least one each,
            no duplicates, in the order of the original markup).
        data_test : list of str
            Test documents.
        target_test : list of list of str
            Category names of each test document.
        target_names : list of str
            Sorted names of all categories of the subset.
        ids_train : ndarray of shape (n_train,), dtype int64
            Reuters NEWID of each training document.
        ids_test : ndarray of shape (n_test,), dtype int64
            Reuters NEWID of each test document.
        subset : str
            The ``subset`` argument.
        filename : str
            Path of the file that was read.
        DESCR : str
            Description of the dataset (source, license, format).

    (data_train, data_test, target_train, target_test) : tuple of list
        Returned instead when ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If ``subset`` is unknown.
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is False.
    OSError
        If the download failed, or the file is corrupt or gives another number
        of documents than the subset has (see its ``DESCR``).

    See Also
    --------
    reuters_bag_of_words : Bag-of-words features and indicator targets.
    expand_multilabel : Repeat multi-label documents once per label.
    multilabel_hit_rate : Fraction of predictions that are one of the labels.

    Examples
    --------
    >>> from sknonneg.datasets import load_reuters
    >>> reuters = load_reuters(subset="top10")  # doctest: +SKIP
    >>> len(reuters.data_train), len(reuters.data_test)  # doctest: +SKIP
    (6490, 2545)
    """
    if not isinstance(subset, str) or subset not in REUTERS:
        raise parameter_error("load_reuters", "subset",
                              "a str among {" + ", ".join(map(repr, sorted(REUTERS))) + "}",
                              subset)
    check_flags("load_reuters", download_if_missing=download_if_missing,
                return_X_y=return_X_y, verify=verify)
    path = fetch_file(
        REUTERS[subset],
        data_home,
        download_if_missing=download_if_missing,
        verify=verify,
    )

    parts = {
        "train": {"data": [], "target": [], "ids": []},
        "test": {"data": [], "target": [], "ids": []},
    }
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for lineno, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                doc = json.loads(line)
                try:
                    split, text, categories, doc_id = _record(doc)
                except (KeyError, TypeError, ValueError) as exc:
                    raise OSError(
                        f"{path!r} line {lineno}: unexpected record "
                        f"({exc!r}); expected fields id, split "
                        f"('train'/'test'), text, categories"
                    ) from exc
                part = parts[split]
                part["data"].append(text)
                part["target"].append(categories)
                part["ids"].append(doc_id)
    except (EOFError, zlib.error, gzip.BadGzipFile, UnicodeDecodeError,
            json.JSONDecodeError) as exc:
        raise OSError(f"could not read Reuters file {path!r}: {exc}") from exc
    empty = [split for split, part in parts.items() if not part["data"]]
    if empty:
        raise OSError(f"could not read Reuters file {path!r}: it holds no "
                      f"{' and no '.join(empty)} documents of the ModApte split; "
                      f"replace it with the file of that name.")
    # Before: a file without its last lines loaded as a smaller data set, silently.
    counts = {split: len(part["data"]) for split, part in parts.items()}
    if counts != N_DOCUMENTS[subset]:
        expected = N_DOCUMENTS[subset]
        raise OSError(
            f"{path!r} gives {counts['train']} training and {counts['test']} test "
            f"documents, expected {expected['train']} and {expected['test']} (the "
            f"subset's documented size): the file is cut short or another version of "
            f"it. Check it with verify=True (sha256 {REUTERS[subset].sha256}); "
            + _redownload_hint())

    if return_X_y:
        return (parts["train"]["data"], parts["test"]["data"],
                parts["train"]["target"], parts["test"]["target"])
    target_names = sorted(
        {c for part in parts.values() for labels in part["target"]
         for c in labels}
    )
    return Bunch(
        data_train=parts["train"]["data"],
        target_train=parts["train"]["target"],
        data_test=parts["test"]["data"],
        target_test=parts["test"]["target"],
        target_names=target_names,
        ids_train=np.asarray(parts["train"]["ids"], dtype=np.int64),
        ids_test=np.asarray(parts["test"]["ids"], dtype=np.int64),
        subset=subset,
        filename=path,
        DESCR=REUTERS_DESCR.format(subset=_SUBSET_DESCR[subset]),
    )


def reuters_bag_of_words(
    bunch,
    *,
    max_features=None,
    min_df=1,
    max_df=1.0,
    binary=False,
    stop_words="english",
    lowercase=True,
    dtype=np.float64,
):
    """Build bag-of-words features and label indicator matrices for Reuters.

    A :class:`~sklearn.feature_extraction.text.CountVectorizer` is fitted on
    the training documents only (lower-cased, English stop words removed by
    default) and applied to both splits. The label lists are turned into
    indicator matrices with a
    :class:`~sklearn.preprocessing.MultiLabelBinarizer` whose classes are
    ``bunch.target_names``, so column ``k`` is category
    ``target_names[k]``.

    Parameters
    ----------
    bunch : Bunch
        As returned by :func:`load_reuters` (needs ``data_train``,
        ``data_test``, ``target_train``, ``target_test``, ``target_names``):
        documents as str (or UTF-8 bytes), one list, tuple, set or 1-D array of
        category names per document, each one of ``target_names`` (anything else
        is a ``ValueError``).
    max_features : int, default=None
        Keep only the ``max_features`` most frequent training terms.
    min_df : int or float, default=1
        Ignore terms with a lower document frequency in the training set
        (count, or proportion if float).
    max_df : int or float, default=1.0
        Ignore terms with a higher document frequency in the training set.
    binary : bool, default=False
        If True, features are 0/1 presence indicators instead of counts.
    stop_words : {"english"}, list or None, default="english"
        Stop words removed before counting.
    lowercase : bool, default=True
        Lower-case the text before tokenizing.
    dtype : dtype, default=np.float64
        Dtype of the feature matrices: a real numeric dtype. A count it cannot
        hold (above 127 for ``np.int8``) is a ``ValueError``, never wrapped.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        X_train : scipy.sparse.csr_matrix of shape (n_train, n_features)
            Non-negative term counts of the training documents.
        X_test : scipy.sparse.csr_matrix of shape (n_test, n_features)
            Term counts of the test documents (training vocabulary).
        Y_train : ndarray of shape (n_train, n_classes), dtype int64
            Label indicator matrix of the training documents.
        Y_test : ndarray of shape (n_test, n_classes), dtype int64
            Label indicator matrix of the test documents.
        vectorizer : CountVectorizer
            The fitted vectorizer.
        binarizer : MultiLabelBinarizer
            The fitted binarizer (``classes_`` equals ``target_names``).
        feature_names : ndarray of str
            Vocabulary terms, one per column of ``X_*``.
        target_names : list of str
            Category names, one per column of ``Y_*``.

    Examples
    --------
    >>> from sknonneg.datasets import load_reuters, reuters_bag_of_words
    >>> bow = reuters_bag_of_words(load_reuters())  # doctest: +SKIP
    >>> bow.X_train.shape[0], bow.Y_train.shape  # doctest: +SKIP
    (6490, (6490, 10))
    """
    bunch = _check_reuters_bunch(bunch)
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:
        np_dtype = None
    if np_dtype is None or np_dtype.kind not in "fiub":
        # Before: scipy's "data type 'x' not understood"; complex counts were made.
        raise parameter_error("reuters_bag_of_words", "dtype",
                              "a real numeric dtype (np.float64, np.float32, an "
                              "integer type)", dtype)
    narrow = np_dtype.kind in "iu" or np_dtype == np.float16
    vectorizer = CountVectorizer(
        lowercase=lowercase,
        stop_words=stop_words,
        max_features=max_features,
        min_df=min_df,
        max_df=max_df,
        binary=binary,
        # Counted in int64 for an integer dtype (or float16), then checked against
        # its range: before, np.int8 wrapped a word counted 128 times in a document
        # to -128, and float16 made 70,000 inf.
        # np_dtype, not dtype: None is NumPy's float64 (the default), where
        # CountVectorizer(dtype=None) made int32 counts (75313d7).
        dtype=np.int64 if narrow else np_dtype,
    )
    X_train = vectorizer.fit_transform(bunch["data_train"]).tocsr()
    X_test = vectorizer.transform(bunch["data_test"]).tocsr()
    if narrow:
        top = max((int(M.data.max()) for M in (X_train, X_test) if M.nnz), default=0)
        largest = (np.iinfo(np_dtype).max if np_dtype.kind in "iu"
                   else int(np.finfo(np_dtype).max))
        if top > largest:
            raise ValueError(
                f"dtype={np_dtype.name} cannot hold the counts: a word occurs {top} "
                f"times in a document, above its maximum {largest}. Pass a wider "
                "dtype (np.float64 by default).")
        X_train, X_test = X_train.astype(np_dtype), X_test.astype(np_dtype)
        vectorizer.set_params(dtype=np_dtype)

    target_names = list(bunch["target_names"])
    binarizer = MultiLabelBinarizer(classes=target_names)
    Y_train = binarizer.fit_transform(bunch["target_train"])
    Y_test = binarizer.transform(bunch["target_test"])
    return Bunch(
        X_train=X_train,
        X_test=X_test,
        Y_train=np.asarray(Y_train, dtype=np.int64),
        Y_test=np.asarray(Y_test, dtype=np.int64),
        vectorizer=vectorizer,
        binarizer=binarizer,
        feature_names=vectorizer.get_feature_names_out(),
        target_names=target_names,
    )


_BUNCH_KEYS = ("data_train", "data_test", "target_train", "target_test", "target_names")


def _check_reuters_bunch(bunch):
    """``bunch`` checked as :func:`reuters_bag_of_words` reads it: the five keys of
    :func:`load_reuters`, documents as str, one list of labels per document, each
    label one of ``target_names``. Before: a dict or a Bunch without a key was an
    AttributeError; a str of labels ("earn") was read as its letters, labels outside
    ``target_names`` were dropped with a warning, and documents and label lists of
    different lengths gave X and Y of different numbers of rows."""
    if not isinstance(bunch, Mapping):
        raise TypeError(f"reuters_bag_of_words takes the Bunch of load_reuters (a "
                        f"mapping with {', '.join(_BUNCH_KEYS)}), got "
                        f"{type(bunch).__name__}.")
    missing = [key for key in _BUNCH_KEYS if key not in bunch]
    if missing:
        raise ValueError(f"reuters_bag_of_words needs the keys {', '.join(_BUNCH_KEYS)} "
                         f"of load_reuters' Bunch; missing: {', '.join(missing)}.")
    names = bunch["target_names"]
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise ValueError("target_names must be a list of category names (str).")
    known = set(names)
    for split in ("train", "test"):
        docs, labels = bunch[f"data_{split}"], bunch[f"target_{split}"]
        # bytes as CountVectorizer reads them (decoded as UTF-8); a document's
        # labels as a list, tuple, set or 1-D array (a column of lists read
        # from Arrow or Parquet holds arrays), as MultiLabelBinarizer reads them.
        if isinstance(docs, (str, bytes)) or not all(isinstance(d, (str, bytes))
                                                     for d in docs):
            raise ValueError(f"data_{split} must be a list of documents (str).")
        if isinstance(labels, (str, bytes)) or not all(_is_label_list(t)
                                                       for t in labels):
            raise ValueError(f"target_{split} must hold one list of category names "
                             f"per document (a str would be read as its letters).")
        if len(docs) != len(labels):
            raise ValueError(f"data_{split} has {len(docs)} documents but "
                             f"target_{split} has {len(labels)} label lists.")
        unknown = sorted({str(lab) for t in labels for lab in t if lab not in known})
        if unknown:
            raise ValueError(f"target_{split} holds labels that are not in "
                             f"target_names: {unknown[:5]}.")
    return bunch


def _is_label_list(labels):
    """Whether ``labels`` is one document's collection of category names (not a
    str, read as its letters)."""
    if isinstance(labels, np.ndarray):
        return labels.ndim == 1
    return (isinstance(labels, (Sequence, Set))
            and not isinstance(labels, (str, bytes, bytearray)))


def _indicator_csr(Y, name, binary=False):
    """``Y`` as a canonical CSR matrix (duplicates summed, zeros eliminated); with
    ``binary``, refused unless every value is 0 or 1 (or a bool)."""
    check_sparse_structure(Y, name)
    stored = Y.nnz if sp.issparse(Y) else None
    if sp.issparse(Y):
        Y = sp.csr_matrix(Y)
    else:
        Y = np.asarray(Y)
        if Y.ndim != 2:
            raise ValueError(
                f"{name} must be a 2-D label indicator matrix of shape "
                f"(n_samples, n_classes), got an array of shape {Y.shape}"
            )
        strings = Y.dtype.kind in "US" or (
            Y.dtype.kind == "O"
            and any(isinstance(v, (str, bytes, np.str_, np.bytes_)) for v in Y.flat))
        if strings:
            # Strings are class labels, not 0/1 numbers, as scikit-learn's
            # type_of_target reads them (multiclass-multioutput, of either
            # dtype). Before: an object array of '1'/'0' strings was read as
            # numbers (float('1')), the same values as a str array refused.
            raise ValueError(
                f"Input {name} must be a numeric label indicator matrix of 0 "
                f"(absent) and 1 (present), got strings (dtype {Y.dtype}), which "
                "scikit-learn's type_of_target reads as multiclass-multioutput "
                f"class labels. Convert it first, e.g. {name}.astype(int) for "
                "'0'/'1' strings.")
        if Y.dtype.kind == "O":
            # An object array of 0/1 numbers (from a DataFrame, say) is read as
            # numbers (before: scipy's "does not support dtype object").
            try:
                Y = Y.astype(np.float64)
            except (TypeError, ValueError):
                pass
        if Y.dtype.kind not in "biufc":
            # Before: scipy's "scipy.sparse does not support dtype <U21".
            raise ValueError(f"Input {name} must be a numeric label indicator matrix of "
                             f"0 (absent) and 1 (present), got dtype {Y.dtype}.")
        Y = sp.csr_matrix(Y)
    if Y.dtype.kind == "c":
        # Before: accepted, 1+0j read as a present label (and 1j as an absent one).
        raise ValueError(f"Complex data not supported: {name} is a label indicator "
                         "matrix of 0 (absent) and 1 (present).")
    Y = Y.copy()
    # Before: duplicate entries each counted (a +1 and a -1 stored at one place,
    # 0 by scipy's reading, gave that label twice), and NaN or inf labels were
    # counted as present (a hit rate of 1.0 for a NaN).
    Y.sum_duplicates()
    # Entries stored more than once at one place were summed (by the conversion
    # of a COO matrix, or here).
    summed = stored is not None and Y.nnz < stored
    if Y.dtype.kind in "fc" and not np.all(np.isfinite(Y.data)):
        raise ValueError(f"Input {name} contains NaN or infinity: a label indicator "
                         "matrix holds 0 (absent) and 1 (present).")
    Y.eliminate_zeros()
    Y.sort_indices()
    if binary:
        _check_binary(Y, name, summed)
    return Y


def _check_binary(Y, name, summed=False):
    """``ValueError`` unless the canonical CSR ``Y`` holds only 1 (and implicit 0):
    probabilities or -1/+1 labels would otherwise all read as present labels.
    ``summed``: the input stored entries more than once at one place, summed (a
    (document, label) pair listed twice in a COO matrix reads as 2)."""
    bad = Y.data != 1
    if not np.any(bad):
        return
    values = Y.data[bad]
    if summed:
        raise ValueError(
            f"Input {name} must be a label indicator matrix of 0 (absent) and 1 "
            f"(present), got the value {values[0].item()!r} after summing its "
            "entries stored more than once at one (row, column), as scipy reads "
            f"them. For a label listed twice, pass {name} > 0 (or "
            f"{name}.astype(bool)).")
    fractional = values[values != np.round(values)] if Y.dtype.kind in "fc" else []
    if len(fractional):
        # scikit-learn's type_of_target reads such a matrix as
        # continuous-multioutput, which its classification metrics refuse.
        raise ValueError(
            f"Input {name} is continuous-multioutput (it holds "
            f"{fractional[0].item()!r}), "
            "which is not supported: a label indicator matrix holds only 0 (absent) "
            "and 1 (present). Threshold scores or probabilities first, e.g. "
            f"{name} > 0.5.")
    hint = f" For -1/+1 labels, pass {name} > 0." if np.any(values == -1) else ""
    raise ValueError(
        f"Input {name} must be a label indicator matrix of 0 (absent) and 1 "
        f"(present), got the value {values[0].item()!r}.{hint}")


def expand_multilabel(X, Y, *, return_index=False):
    """Repeat each multi-label sample once per label (single-label training).

    This is the usual protocol for training a single-label classifier on
    Reuters: a document with ``k`` labels becomes ``k`` training samples,
    each with one of its labels. Samples without any label are dropped.
    Rows are emitted in sample order, and within a sample in increasing
    class index.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features) or list
        Samples; any container supported by
        :func:`sklearn.utils._safe_indexing` (arrays, sparse matrices and
        arrays of any format, lists of documents, DataFrames).
    Y : {array-like, sparse matrix} of shape (n_samples, n_classes)
        Label indicator matrix of 0 (absent) and 1 (present), ints, floats or
        bools (numbers in an object array too), e.g. ``Y_train`` from
        :func:`reuters_bag_of_words`. Other values (probabilities, -1/+1
        labels, strings such as ``'0'``/``'1'`` of any dtype, which
        scikit-learn's ``type_of_target`` reads as class labels) are refused,
        as :func:`multilabel_hit_rate` refuses them: read as present labels,
        every entry would become a row.
    return_index : bool, default=False
        If True, also return the index of the original sample of each row.

    Returns
    -------
    X_rep : same type as X, n_rows = Y.nnz
        The samples, each repeated once per label. A sparse ``X`` in COO, DIA
        or BSR format, which cannot be indexed by rows, is returned in CSR format
        (a sparse array as ``csr_array``, a sparse matrix as ``csr_matrix``).
    y_single : ndarray of shape (Y.nnz,), dtype int64
        Class index (column of ``Y``) of each row.
    sample_index : ndarray of shape (Y.nnz,), dtype int64
        Row of ``X`` each output row comes from; only if ``return_index``.

    Examples
    --------
    >>> import numpy as np
    >>> from sknonneg.datasets import expand_multilabel
    >>> X = np.array([[1.0], [2.0]])
    >>> Y = np.array([[1, 0, 1], [0, 1, 0]])
    >>> X_rep, y = expand_multilabel(X, Y)
    >>> X_rep.ravel().tolist(), y.tolist()
    ([1.0, 1.0, 2.0], [0, 2, 1])
    """
    check_flags("expand_multilabel", return_index=return_index)
    Y = _indicator_csr(Y, "Y", binary=True)
    check_sparse_structure(X)
    n_samples = num_samples(X)
    if Y.shape[0] != n_samples:
        raise ValueError(
            f"X and Y have inconsistent numbers of samples: {n_samples} "
            f"and {Y.shape[0]}"
        )
    sample_index = np.repeat(
        np.arange(Y.shape[0], dtype=np.int64), np.diff(Y.indptr)
    )
    y_single = Y.indices.astype(np.int64)
    if sp.issparse(X) and X.format in ("coo", "dia", "bsr"):
        # Before: these formats cannot be indexed by rows, and _safe_indexing
        # failed with "'coo_matrix' object is not subscriptable" (DIA too) or an
        # empty NotImplementedError (BSR). Read as CSR, as check_array does.
        X = X.tocsr()
    X_rep = _safe_indexing(X, sample_index)
    if return_index:
        return X_rep, y_single, sample_index
    return X_rep, y_single


def multilabel_hit_rate(Y_true, y_pred, *, classes=None):
    """Fraction of samples whose single predicted class is one of its labels.

    The Reuters evaluation protocol for a single-label classifier: a test
    document counts as correctly classified if the predicted category is
    any of its true categories. The error rate is ``1 - hit_rate``.

    Parameters
    ----------
    Y_true : {array-like, sparse matrix} of shape (n_samples, n_classes)
        True label indicator matrix of 0 (absent) and 1 (present), ints, floats
        or bools (numbers in an object array too), e.g. ``Y_test`` from
        :func:`reuters_bag_of_words`. Entries stored more than once in a sparse
        matrix count as their sum, as scipy reads them. Any other value
        (probabilities, -1/+1 labels, NaN, strings such as ``'0'``/``'1'`` of
        any dtype) is a ``ValueError``: threshold scores first (``Y > 0.5``).
    y_pred : array-like of shape (n_samples,)
        Predicted classes: column indices of ``Y_true`` when ``classes`` is
        None, otherwise labels that are looked up in ``classes``. For a
        score matrix, pass ``scores.argmax(axis=1)``.
    classes : array-like of shape (n_classes,), default=None
        Label of each column of ``Y_true`` (e.g. ``target_names``).

    Returns
    -------
    hit_rate : float
        Fraction of samples in [0, 1] whose prediction is a true label.

    Examples
    --------
    >>> import numpy as np
    >>> from sknonneg.datasets import multilabel_hit_rate
    >>> Y_true = np.array([[1, 1, 0], [0, 0, 1]])
    >>> multilabel_hit_rate(Y_true, [1, 0])
    0.5
    >>> multilabel_hit_rate(Y_true, ["b", "c"], classes=["a", "b", "c"])
    1.0
    """
    # Before: any non-zero value was a present label, so probabilities or -1/+1
    # labels gave a hit rate of 1.0, silently.
    Y = _indicator_csr(Y_true, "Y_true", binary=True)
    n_samples, n_classes = Y.shape
    y_pred = np.asarray(y_pred)
    if y_pred.ndim != 1 or y_pred.shape[0] != n_samples:
        raise ValueError(
            f"y_pred must be 1-D with {n_samples} entries, got shape "
            f"{y_pred.shape}"
        )
    if classes is not None:
        classes = list(classes)
        if len(classes) != n_classes:
            raise ValueError(
                f"classes has {len(classes)} entries but Y_true has "
                f"{n_classes} columns"
            )
        lookup = {c: k for k, c in enumerate(classes)}
        if len(lookup) != len(classes):
            # Before: a repeated class was looked up in its last column, silently.
            repeated = sorted({str(c) for c in classes if classes.count(c) > 1})
            raise ValueError(f"classes must be distinct (one per column of Y_true); "
                             f"{repeated} appear more than once.")
        unknown = sorted({str(p) for p in y_pred.tolist() if p not in lookup})
        if unknown:
            raise ValueError(f"y_pred contains labels not in classes: {unknown}")
        cols = np.array([lookup[p] for p in y_pred.tolist()], dtype=np.int64)
    else:
        if y_pred.size and not np.issubdtype(y_pred.dtype, np.integer):
            raise ValueError(
                "y_pred must hold integer column indices when classes is "
                f"None, got dtype {y_pred.dtype}; pass classes=... to map "
                "labels"
            )
        cols = y_pred.astype(np.int64)
        if cols.size and (cols.min() < 0 or cols.max() >= n_classes):
            raise ValueError(
                f"y_pred holds column indices outside [0, {n_classes})"
            )
    if n_samples == 0:
        raise ValueError("Y_true has no samples")
    hits = Y[np.arange(n_samples), cols]
    return float(np.count_nonzero(np.asarray(hits).ravel()) / n_samples)
