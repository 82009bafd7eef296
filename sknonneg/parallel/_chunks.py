"""Training from data larger than memory: ``partial_fit`` over row chunks.

Works with anything sliced by rows into NumPy arrays: a memory-mapped ``.npy``
(``np.load(path, mmap_mode="r")``), an ``np.memmap``, an h5py or zarr array, and
with a CSR matrix (its row slices stay sparse). Classifiers, regressors and the
autoencoder alike (``classes`` for the first, ``y=None`` for the last). Only one
chunk is read (and converted to floats) at a time, so the memory a fit needs is set
by ``chunk_size``, not by the size of the file.
"""

import inspect
from numbers import Integral, Number

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from .._compat import check_sample_weight
from .._frames import is_polars
from .._validation import (check_bool, check_flags, check_positive_weights,
                           check_sparse_structure, parameter_error)

__all__ = ["iter_chunks", "partial_fit_chunks"]


def _check_positive_int(value, name, caller):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise parameter_error(caller, name, "a positive int", value)


def _check_partial_fit(estimator, func, pipeline_hint, classes=None):
    """A ``TypeError`` up front if ``estimator`` has no ``partial_fit`` (an SVC, a
    Pipeline), which ``func`` calls once per chunk, or is given ``classes`` that its
    ``partial_fit`` does not take (a regressor, the autoencoder), or is a class."""
    if isinstance(estimator, type):
        # Before: "partial_fit() missing 1 required positional argument: 'y'"
        # from the first chunk (the method called unbound).
        raise TypeError(f"{func} needs an estimator instance, not a class: pass "
                        f"{estimator.__name__}() (with its parameters).")
    name = type(estimator).__name__
    if callable(getattr(estimator, "partial_fit", None)):
        if classes is not None and not _takes_param(estimator, "classes"):
            # Before: "partial_fit() got an unexpected keyword argument 'classes'"
            # from the first chunk.
            raise TypeError(f"{name}.partial_fit takes no classes (only a "
                            f"classifier's does); call {func} without classes=.")
        return
    hint = ""
    if hasattr(estimator, "steps"):
        hint = (f" For a Pipeline whose steps before the last are fitted, train "
                f"its last step: {pipeline_hint}.")
    raise TypeError(
        f"{func} needs an estimator that learns incrementally, with a partial_fit "
        f"method (NonNegMLPClassifier, NonNegMLPRegressor, NonNegAutoencoder), "
        f"and {name} has none.{hint}")


def iter_chunks(n_samples, chunk_size, *, n_epochs=1, shuffle=False, random_state=None):
    """Row slices ``(start, stop)`` of the chunks, epoch after epoch.

    Parameters
    ----------
    n_samples : int
        Number of rows.
    chunk_size : int
        Rows per chunk (the last chunk of an epoch may be shorter).
    n_epochs : int, default=1
        Passes over the data.
    shuffle : bool, default=False
        Visit the chunks of each epoch in a random order (the rows inside a chunk
        keep their order: reads stay sequential).
    random_state : int, RandomState instance or None, default=None
        Seeds the chunk order when ``shuffle=True``.

    Returns
    -------
    chunks : iterator of (int, int)
        ``(start, stop)`` of each chunk (arguments are checked at the call, the
        chunks produced as they are read).

    Examples
    --------
    >>> from sknonneg.parallel import iter_chunks
    >>> list(iter_chunks(10, 4))
    [(0, 4), (4, 8), (8, 10)]
    """
    # Checked at the call, not at the first next() (before: a generator's body).
    _check_positive_int(chunk_size, "chunk_size", "iter_chunks")
    _check_positive_int(n_epochs, "n_epochs", "iter_chunks")
    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 0:
        raise parameter_error("iter_chunks", "n_samples", "a non-negative int",
                              n_samples)
    # Before: any truthy value shuffled.
    shuffle = check_bool(shuffle, "shuffle", "iter_chunks")
    n_chunks = -(-int(n_samples) // int(chunk_size))
    if shuffle and n_chunks > np.iinfo(np.intp).max:
        # Before: NumPy's "Maximum allowed size exceeded" at the first chunk.
        raise ValueError(
            f"iter_chunks with shuffle=True draws an order of the {n_chunks} chunks "
            f"of n_samples={n_samples} rows by chunk_size={chunk_size}, more than "
            "an array can hold: pass a larger chunk_size.")
    return _chunks(int(n_samples), int(chunk_size), int(n_epochs), bool(shuffle),
                   check_random_state(random_state))


def _chunks(n_samples, chunk_size, n_epochs, shuffle, rng):
    # The starts as they are read (before: np.arange of every start, up front: an
    # n_samples beyond NumPy's integers failed with "Maximum allowed size
    # exceeded", without shuffle too). The shuffled order is the one it was.
    n_chunks = -(-n_samples // chunk_size)
    for _ in range(n_epochs):
        order = rng.permutation(n_chunks) if shuffle else range(n_chunks)
        for i in order:
            start = int(i) * chunk_size
            yield start, min(n_samples, start + chunk_size)


def partial_fit_chunks(estimator, X, y=None, *, classes=None, chunk_size=10_000,
                       n_epochs=1, shuffle=False, random_state=None, transform=None,
                       sample_weight=None):
    """Train ``estimator`` with one ``partial_fit`` call per chunk of rows of ``X``.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        Trained in place; if already fitted, training continues from its state.
        One without ``partial_fit`` (an SVC, a Pipeline) is a ``TypeError``.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Sliced by rows only, e.g. ``np.load("X.npy", mmap_mode="r")``, or a CSR
        matrix (its row slices stay sparse), or a pandas or polars DataFrame (its
        row slices keep the column names, as ``partial_fit`` on the whole frame
        would). A
        list (or tuple) of rows is read into an array first, as ``check_array``
        reads it. With a ``transform``, also a sequence of raw samples, one per
        row (a list of texts, a 1-D array or a pandas Series), sliced as given
        and handed to ``transform`` (a ``HashingVectorizer``'s, or a fitted
        ``pipe[:-1].transform``), which makes their rows.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs) or None, default=None
        Labels or targets, sliced like ``X`` (may be memory-mapped too); None for
        an unsupervised estimator (``NonNegAutoencoder``).
    classes : array-like of shape (n_classes,), default=None
        All classes (passed to every call; a classifier's ``partial_fit`` needs it
        on the first, except for multilabel indicator targets); None for a
        regressor. Labels of a 1-D ``y`` outside ``classes`` are refused before
        any chunk is fitted; another error of a chunk's ``partial_fit`` (NaN in
        its rows) comes after the chunks before it were fitted, with a note
        naming the chunk's rows.
    chunk_size : int, default=10_000
        Rows per ``partial_fit`` call.
    n_epochs : int, default=1
        Passes over the data. The gain of a ``NonNegMLPClassifier`` anneals over
        ``max_iter`` calls: set ``max_iter`` to about ``n_epochs * n_chunks``.
    shuffle : bool, default=False
        Visit the chunks of each epoch in a random order.
    random_state : int, RandomState instance or None, default=None
        Seeds the chunk order.
    transform : callable, default=None
        Applied to each chunk of ``X`` as it is read, e.g. ``lambda X: X / 255.0``
        for images stored as uint8 (keeps the file 8x smaller than float64). It
        receives the chunk as sliced: a DataFrame for a DataFrame ``X``, a CSR
        matrix for a sparse one, a list for a list of raw samples, else an array.
    sample_weight : float or array-like of shape (n_samples,), default=None
        One weight per row of ``X`` (may be memory-mapped too), sliced like ``X``
        and ``y``: each ``partial_fit`` call gets its chunk's weights, in the
        chunk order of ``shuffle``. Checked before the first call, a chunk at a
        time: finite, non-negative, and not all 0 within a chunk (``partial_fit``
        refuses such a chunk), else ``ValueError``; ``TypeError`` if the
        estimator's ``partial_fit`` takes no ``sample_weight``. A number weights
        every row by it, as in ``fit`` and ``partial_fit``; it is passed as is to
        every call and checked first with their rule (finite, non-negative, not
        0), so that a bad one is refused before any chunk is fitted.

    Returns
    -------
    estimator : object
        The trained estimator.

    Notes
    -----
    Peak memory is about one chunk converted to floats plus the network's
    per-sample buffers for the rows it evaluates at once (the chunk; under Adam,
    one mini-batch of it), whatever the size of ``X``: activations and their
    gradients, ``rows * (sum(hidden_layer_sizes) + 2 * n_outputs)`` floats (a
    hidden layer's gradient overwrites its activations; an ``ABBAClassifier``
    holds four floats per hidden unit).

    Examples
    --------
    >>> import numpy as np
    >>> from sknonneg import NonNegMLPClassifier
    >>> from sknonneg.parallel import partial_fit_chunks
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(300, 4))
    >>> y = (X[:, 0] > 0.5).astype(int)
    >>> clf = NonNegMLPClassifier(hidden_layer_sizes=3, max_iter=3, random_state=0)
    >>> clf = partial_fit_chunks(clf, X, y, classes=[0, 1], chunk_size=100)
    >>> clf.n_iter_, clf.predict(X[:3]).shape
    (3, (3,))
    """
    # Before: AttributeError on the first chunk.
    _check_partial_fit(estimator, "partial_fit_chunks",
                       "partial_fit_chunks(pipe[-1], X, y, "
                       "transform=pipe[:-1].transform)", classes)
    if transform is not None and not callable(transform):
        raise parameter_error("partial_fit_chunks", "transform", "a callable or None",
                              transform)
    shape = getattr(X, "shape", None)
    listed = shape is None and isinstance(X, (list, tuple))
    raw = transform is not None and _raw_samples(X, listed)
    if raw:
        # Texts (or other raw samples) that transform maps to rows, as a
        # HashingVectorizer's transform does: sliced as given. Before: refused as
        # "a list that reads as an array of shape (n,)", although the advice for a
        # Pipeline, transform=pipe[:-1].transform, hands such texts to a vectorizer.
        listed, shape = False, (len(X),)
    elif listed:
        # Before: refused ("X must be a 2-D array sliced by rows ... got list"),
        # although documented as array-like; a list is in memory already, and is
        # read as an array, as check_array reads it.
        try:
            X = np.asarray(X)
        except ValueError as exc:  # ragged rows
            raise ValueError(f"X must be a 2-D array-like; a list whose rows "
                             f"cannot form one was given ({exc})") from None
        shape = X.shape
    if not raw and (shape is None or len(shape) != 2):
        # A list is named as given (before: "ndarray of shape (0,)", the array
        # it was read as).
        got = ("a list that reads as an array" if listed
               else type(X).__name__)
        raise TypeError(
            f"X must be a 2-D array sliced by rows (a NumPy array, np.memmap, h5py or "
            f"zarr array, a CSR matrix, a DataFrame, a list of rows), got "
            f"{got}" + ("" if shape is None else f" of shape {shape}")
            + (", or, with a transform that makes the rows (a vectorizer's), a "
               "sequence of raw samples (texts)" if shape is not None
               and len(shape) == 1 else "")
            + "."        )
    # Named after this function (before: the iter_chunks it calls).
    _check_positive_int(chunk_size, "chunk_size", "partial_fit_chunks")
    _check_positive_int(n_epochs, "n_epochs", "partial_fit_chunks")
    # Named after this function (before: the iter_chunks it calls).
    check_flags("partial_fit_chunks", shuffle=shuffle)
    # Before scipy slices it: its C++ row slicing trusts indptr (a malformed one
    # crashed the process here) and drops column indices out of range silently.
    check_sparse_structure(X)
    if sp.issparse(X) and X.format != "csr":
        X = X.tocsr()  # COO, DOK ...: not sliced by rows (CSC slowly)
    if sp.issparse(y):
        check_sparse_structure(y, name="y")
        y = y.tocsr()  # a sparse label indicator matrix, as partial_fit takes it
    n_samples = shape[0]
    if n_samples == 0:
        # Before: no chunk, no partial_fit call, and the estimator came back
        # unfitted without a word.
        raise ValueError(f"Found array with 0 sample(s) (shape={tuple(shape)}) while a "
                         "minimum of 1 is required by partial_fit_chunks.")
    if y is not None and not sp.issparse(y) and np.ndim(y) == 0:
        # Before: "TypeError: object of type 'int' has no len()".
        raise ValueError(f"y must be of shape (n_samples,) or (n_samples, n_outputs), "
                         f"got shape {np.shape(y)}.")
    n_y = None if y is None else (y.shape[0] if sp.issparse(y) else len(y))
    if y is not None and n_y != n_samples:
        raise ValueError(f"X has {n_samples} rows but y has {n_y}.")
    _check_chunk_labels(y, classes)
    fit_params = partial_fit_params(classes)
    if sample_weight is not None:
        # Before: no sample_weight (fit_dask_blocks took one).
        sample_weight = _check_chunk_weights(estimator, sample_weight, n_samples,
                                             chunk_size)
        if isinstance(sample_weight, Number):  # every chunk's, as fit_dask_blocks
            fit_params["sample_weight"], sample_weight = sample_weight, None
    for i, (start, stop) in enumerate(iter_chunks(n_samples, chunk_size,
                                                  n_epochs=n_epochs, shuffle=shuffle,
                                                  random_state=random_state)):
        X_chunk = _rows(X, start, stop)
        if transform is not None:
            X_chunk = transform(X_chunk)
        y_chunk = None if y is None else _rows(y, start, stop)
        if sample_weight is not None:
            fit_params["sample_weight"] = _rows(sample_weight, start, stop)
        try:
            estimator.partial_fit(X_chunk, y_chunk, **fit_params)
        except Exception as exc:
            if hasattr(exc, "add_note"):  # Python 3.11+
                before = (f"the {i} chunk{'s' * (i > 1)} before it "
                          f"{'were' if i > 1 else 'was'} fitted" if i
                          else "no chunk was fitted before it")
                exc.add_note(f"partial_fit_chunks: raised by partial_fit on the "
                             f"chunk of rows {start}:{stop} (call {i + 1}); "
                             f"{before}.")
            raise
    return estimator


def _check_chunk_labels(y, classes):
    """Labels of a 1-D ``y`` that are not in ``classes``, refused before any chunk
    is fitted (before: a later chunk's ``partial_fit`` refused them after the
    earlier chunks had been fitted, naming no row). Labels ``np.unique`` cannot
    sort are left to ``partial_fit``."""
    if y is None or classes is None or sp.issparse(y) or np.ndim(y) != 1:
        return
    try:
        y = np.asarray(y)
        labels = np.unique(y)
        unknown = labels[~np.isin(labels, np.asarray(classes))]
        # Only labels that match rows: NaN (or pd.NA) matches none, and is left to
        # partial_fit ("Input y contains NaN").
        hit = np.isin(y, unknown)
        unknown = np.unique(y[hit]) if hit.any() else unknown[:0]
    except (TypeError, ValueError):
        return
    if unknown.shape[0]:
        row = int(np.flatnonzero(hit)[0])
        shown = ", ".join(repr(v.item() if hasattr(v, "item") else v)
                          for v in unknown[:5])
        raise ValueError(f"y holds label{'s' * (unknown.shape[0] > 1)} {shown}"
                         f"{' ...' if unknown.shape[0] > 5 else ''} not in classes "
                         f"(first at row {row}); partial_fit_chunks refuses them "
                         "before it fits any chunk.")


def _check_chunk_weights(estimator, sample_weight, n_samples, chunk_size):
    """``sample_weight`` (an array unless it is sliced by rows: a pandas Series or a
    memory-mapped array), checked chunk by chunk with the estimators' own rule
    (``check_positive_weights``) so that no chunk fails after others were fitted."""
    if not _takes_param(estimator, "sample_weight"):
        raise TypeError(f"{type(estimator).__name__}.partial_fit takes no "
                        "sample_weight.")
    if isinstance(sample_weight, Number):
        # Before: refused ("must be 1-D ... got shape ()"), though fit and
        # partial_fit take a number, as scikit-learn's estimators do.
        return check_scalar_weight(sample_weight)
    if sp.issparse(sample_weight):
        raise TypeError("sample_weight must be a 1-D array-like, got a sparse "
                        "matrix.")
    if getattr(sample_weight, "shape", None) is None:
        sample_weight = np.asarray(sample_weight)  # a list
    shape = tuple(sample_weight.shape)
    if len(shape) != 1:
        raise ValueError(f"sample_weight must be 1-D, of shape (n_samples,), got "
                         f"shape {shape}.")
    if shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} rows but sample_weight has {shape[0]}.")
    for start, stop in iter_chunks(n_samples, chunk_size):
        weights = _rows(sample_weight, start, stop)
        try:
            check_positive_weights(weights)
        except (TypeError, ValueError) as exc:
            raise ValueError(_weight_problem(weights, start, stop, chunk_size)) from exc
    return sample_weight


def check_scalar_weight(sample_weight):
    """A number given as ``sample_weight``, returned as is (``partial_fit`` weights
    every row of its chunk by it) once the estimators' own checks accept it:
    finite, non-negative and not 0, with their messages."""
    check_positive_weights(check_sample_weight(sample_weight, np.empty((1, 1)),
                                               dtype=np.float64))
    return sample_weight


def _weight_problem(weights, start, stop, chunk_size):
    """What is wrong with the weights of rows ``start:stop``, refused by
    ``check_positive_weights``."""
    try:
        weights = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        return f"sample_weight must be numbers; rows {start}:{stop} are not ({exc})."
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if bad.size:
        first = int(bad[0])
        return (f"sample_weight must be finite and non-negative, got "
                f"{float(weights[first])!r} at row {start + first} ({bad.size} such "
                f"row(s) in rows {start}:{stop}).")
    return (f"sample_weight is 0 on every row of the chunk {start}:{stop} "
            f"(chunk_size={chunk_size}), which partial_fit refuses.")


def _takes_param(estimator, name):
    """Whether ``estimator.partial_fit`` has a parameter ``name`` (or ``**kwargs``);
    True when its signature cannot be read."""
    try:
        params = inspect.signature(estimator.partial_fit).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == name or p.kind is p.VAR_KEYWORD for p in params)


def _raw_samples(X, listed):
    """Whether ``X`` is a sequence of raw samples, one per row, for a ``transform``
    to map to rows (texts for a vectorizer): a non-empty list or tuple of scalars
    (strings, dicts ...), or a non-empty 1-D array or pandas Series."""
    if listed:
        return len(X) > 0 and all(np.ndim(x) == 0 for x in X)
    shape = getattr(X, "shape", None)
    return shape is not None and len(shape) == 1 and shape[0] > 0


def _rows(values, start, stop):
    """Rows ``start:stop`` of ``values``: a pandas or polars object stays one (by
    position), so that ``partial_fit`` sees its column names (before: a DataFrame
    lost them, and with them ``feature_names_in_`` and a ``monotonic_cst`` given
    by name; a polars one too); a sparse matrix stays sparse;
    anything else becomes an array."""
    if hasattr(values, "iloc"):
        return values.iloc[start:stop]
    if is_polars(values) or is_polars(values, "Series"):
        # A polars frame or series stays one, for the same reason (before: it
        # became an array).
        return values[start:stop]
    rows = values[start:stop]
    if isinstance(values, (list, tuple)):  # raw samples (texts) for a transform
        return rows
    return rows if sp.issparse(rows) else np.asarray(rows)


def partial_fit_params(classes, fit_params=None):
    """Keyword arguments of a ``partial_fit`` call: ``fit_params`` and ``classes``
    where given (a regressor's ``partial_fit`` does not take it)."""
    params = dict(fit_params or {})
    if classes is not None:
        params["classes"] = classes
    return params
