"""Dask primitives for sknonneg: training over the blocks of a dask array, parallel
prediction, and a worker plugin for threads and compiled kernels.

``dask_ml.wrappers.Incremental`` and ``ParallelPostFit`` do the first two when dask-ml
is installed; these functions do the same with Dask alone, and keep every task pure
(each ``partial_fit`` step works on a copy of the model it receives, so a step that
Dask reruns after a lost worker or a failure starts from the right state).
"""

import copy
import inspect
import threading
import warnings
from numbers import Number

import numpy as np
import scipy.sparse as sp
from distributed.diagnostics.plugin import WorkerPlugin
from sklearn.utils import check_random_state

from .._validation import check_flags, check_sparse_structure, parameter_error
from ..neural_network._base import fitted_attribute
from ._chunks import (
    _check_partial_fit,
    _check_positive_int,
    _takes_param,
    check_scalar_weight,
    partial_fit_params,
)
from ._workers import _warm_target, warm_kernels

__all__ = ["ThreadLimits", "fit_dask_blocks", "predict_blocks"]


def _row_blocks(X):
    """Delayed row blocks of a dask array (one chunk across the columns)."""
    if X.ndim == 2 and len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X, list(X.to_delayed().ravel())


def _dask_frame_advice(func, X):
    """The ``TypeError`` message for a dask DataFrame or Series given as ``X``
    (``None`` for anything else): it converts with ``to_dask_array``, not
    ``dask.array.from_array``."""
    if not callable(getattr(X, "to_dask_array", None)):
        return None
    return (f"{func} needs a dask array, got a dask {type(X).__name__}; convert it "
            f"with X.to_dask_array(lengths=True) (lengths=True computes the row "
            f"count of each partition, the row chunk sizes of the array).")


def _partial_fit_keywords(estimator):
    """The keyword arguments ``estimator.partial_fit`` takes beyond ``X`` and ``y``,
    in words."""
    try:
        params = inspect.signature(estimator.partial_fit).parameters.values()
    except (TypeError, ValueError):  # pragma: no cover - a signature always reads
        return "other keyword arguments"
    names = [p.name for p in params if p.name not in ("X", "y")
             and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    return ", ".join(names) if names else "none"


def _partial_fit_step(state, X, y, classes, fit_params):
    """``(model, rows seen)`` after one ``partial_fit`` on the block ``X``; a block of
    0 rows (its size unknown until computed, after boolean indexing) adds nothing
    and is skipped, as ``predict_blocks`` skips it."""
    model, n_seen = state
    if X.shape[0] == 0:
        return state
    model = copy.deepcopy(model)
    model = model.partial_fit(X, y, **partial_fit_params(classes, fit_params))
    return model, n_seen + X.shape[0]


def _no_rows_message(shape):
    return (f"Found array with 0 sample(s) (shape={shape}) while a minimum of 1 is "
            "required by fit_dask_blocks: every block of X is empty.")


def _unknown_chunks_message(unknown, name):
    """Why ``name`` (y or sample_weight) cannot be split at the row chunks of X when
    those of ``unknown`` (X, or ``name`` itself) are not known."""
    at = "at them" if unknown == "X" else "at those of X"
    fix = (f"pass {name} as a dask array indexed like X (with the same mask)"
           if unknown == "X" else "index X with the same mask")
    return (f"The row chunk sizes of {unknown} are unknown (nan, as after boolean "
            f"indexing), so {name} cannot be split {at}: call {unknown} = "
            f"{unknown}.compute_chunk_sizes() first (it computes {unknown} once), or "
            f"{fix}.")


def _trained(state, shape):
    """The model of the last step; refused if no block had a row."""
    model, n_seen = state
    if n_seen == 0:
        raise ValueError(_no_rows_message(shape))
    return model


def fit_dask_blocks(estimator, X, y=None, *, classes=None, n_epochs=1, shuffle_blocks=False,
                    random_state=None, compute=True, **fit_params):
    """Train with one ``partial_fit`` call per block of a dask array, in sequence.

    Each step is a Dask task that receives the model of the previous step and one
    block, so only one block at a time needs to be in memory, on whichever worker
    holds it; the model (a few times the size of its weights) travels between
    workers. The result equals an in-memory loop of ``partial_fit`` over the same
    blocks in the same order, run with the same thread budget.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        Not modified: training starts from a copy (continuing from its state if
        it is already fitted). One without ``partial_fit`` (an SVC, a Pipeline)
        is a ``TypeError``, also with ``compute=False``.
    X : dask.array.Array of shape (n_samples, n_features)
        Chunked along the rows (chunks across the columns are merged). Blocks of
        0 rows (after boolean indexing, say) are skipped: they add nothing to
        ``partial_fit``. If every block is empty, ``ValueError``.
    y : dask.array.Array, array-like, sparse matrix or None, default=None
        Labels or targets of shape (n_samples,) or (n_samples, n_outputs),
        rechunked to the row chunks of ``X`` when they differ
        (an in-memory array is split at them, an in-memory sparse label indicator
        matrix into CSR row slices); None for an unsupervised estimator
        (``NonNegAutoencoder``). When the row chunk sizes of ``X`` are unknown
        (``nan``, after boolean indexing), ``y`` must be a dask array with the same
        row chunks (indexed with the same mask), else ``ValueError``: or call
        ``X = X.compute_chunk_sizes()`` first (it computes ``X`` once). A dask
        ``y`` of unknown row chunk sizes with an ``X`` of known ones is a
        ``ValueError`` too: call ``y = y.compute_chunk_sizes()``, or index ``X``
        with the same mask.
    classes : array-like of shape (n_classes,), default=None
        All classes, required by a classifier's first ``partial_fit`` call (not
        for multilabel indicator targets); None for a regressor.
    n_epochs : int, default=1
        Passes over the blocks.
    shuffle_blocks : bool, default=False
        Visit the blocks of each epoch in a random order.
    random_state : int, RandomState instance or None, default=None
        Seeds the block order when ``shuffle_blocks=True``.
    compute : bool, default=True
        Return the trained estimator; ``False`` returns a ``dask.delayed`` of it.
    **fit_params : dict
        Passed to every ``partial_fit`` call (a keyword that the estimator's
        ``partial_fit`` does not take is a ``TypeError``, also with
        ``compute=False``); ``sample_weight``, one weight per
        row of ``X`` (a 1-D dask or in-memory array), is split at ``X``'s row chunks
        as ``y`` is, each call getting its block's weights (with the same rule
        for unknown chunk sizes). A number as ``sample_weight`` weights every row
        by it, as in ``fit`` and ``partial_fit``: it goes to every call as is,
        once checked with their rule (finite, non-negative, not 0), at the call
        also with ``compute=False``.

    Returns
    -------
    estimator : estimator or Delayed
        The trained copy.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sknonneg import NonNegMLPClassifier
    >>> from sknonneg.parallel import fit_dask_blocks
    >>> rng = np.random.RandomState(0)
    >>> X = da.from_array(rng.uniform(size=(300, 4)), chunks=(100, 4))
    >>> y = (X[:, 0] > 0.5).astype(int)
    >>> clf = NonNegMLPClassifier(hidden_layer_sizes=3, max_iter=3, random_state=0)
    >>> clf = fit_dask_blocks(clf, X, y, classes=[0, 1])  # 3 blocks, one call each
    >>> clf.n_iter_, clf.t_
    (3, 300)
    """
    import dask
    import dask.array as da

    # Before: AttributeError from the first step, with compute=False only when the
    # returned Delayed was computed.
    _check_partial_fit(estimator, "fit_dask_blocks",
                       "fit_dask_blocks(pipe[-1], predict_blocks(pipe[:-1], X, "
                       "method='transform'), y)", classes)
    # Before: any truthy value ("no") shuffled or computed, and compute=0 returned
    # the Delayed.
    check_flags("fit_dask_blocks", shuffle_blocks=shuffle_blocks, compute=compute)
    if not isinstance(X, da.Array):
        # Before: a dask DataFrame or Series was told to wrap itself with
        # dask.array.from_array.
        raise TypeError(
            _dask_frame_advice("fit_dask_blocks", X)
            or f"fit_dask_blocks needs a dask array, got {type(X).__name__}; wrap it "
            "with dask.array.from_array(X, chunks=...), or use partial_fit_chunks for "
            "an in-memory or memory-mapped X.")
    unknown = [key for key in fit_params if not _takes_param(estimator, key)]
    if unknown:
        # Before: "BaseNetworkClassifier.partial_fit() got an unexpected keyword
        # argument 'foo'" (a private base class) from the first step, with
        # compute=False only when the returned Delayed was computed.
        name = type(estimator).__name__
        raise TypeError(
            f"fit_dask_blocks() got an unexpected keyword argument {unknown[0]!r}: "
            f"its **fit_params go to {name}.partial_fit, which takes "
            f"{_partial_fit_keywords(estimator)}.")
    # Before: n_epochs=0 returned the estimator untrained, silently.
    _check_positive_int(n_epochs, "n_epochs", "fit_dask_blocks")
    if X.ndim != 2:
        # As predict_blocks says it. Before: a 3-D X of shape (1, 60, 5) with 60
        # labels was "X has 1 rows but y has 60."
        raise ValueError(f"X must be a 2-D dask array, got {X.ndim} dimensions.")
    X, x_blocks = _row_blocks(X)
    sizes_known = not any(np.isnan(size) for size in X.chunks[0])
    if sizes_known and X.shape[0] == 0:
        raise ValueError(_no_rows_message(X.shape))

    def split_like_x(values, name):
        """The row blocks of ``values`` (a dask or in-memory array), at ``X``'s."""
        in_memory = not isinstance(values, da.Array)
        if not sizes_known and (in_memory or values.chunks[0] != X.chunks[0]):
            # Before: "TypeError: slice indices must be integers or None" for an
            # in-memory y, split at X's chunks of unknown (nan) size.
            raise ValueError(_unknown_chunks_message("X", name))
        if (sizes_known and not in_memory
                and any(np.isnan(size) for size in values.chunks[0])):
            # Before: dask's "Chunks must be unchanging along dimensions with
            # missing values" from the rechunk below.
            raise ValueError(_unknown_chunks_message(name, name))
        if in_memory and sp.issparse(values):
            if name != "y":
                # Before: a bare "IndexError: tuple index out of range".
                raise TypeError(f"{name} must be a 1-D array-like, got a sparse "
                                "matrix.")
            # A sparse label indicator matrix, as partial_fit takes it (and
            # partial_fit_chunks): split into CSR row slices at X's row chunks.
            # Before: np.asarray made it 0-d, "IndexError: tuple index out of range".
            check_sparse_structure(values, name=name)
            values = values.tocsr()
            if values.shape[0] != X.shape[0]:
                raise ValueError(f"X has {X.shape[0]} rows but {name} has "
                                 f"{values.shape[0]}.")
            stops = np.cumsum(X.chunks[0])
            return [dask.delayed(values[stop - size:stop], traverse=False)
                    for size, stop in zip(X.chunks[0], stops)]
        if in_memory:
            values = np.asarray(values)
        expected = ((1,) if name == "sample_weight" else (1, 2))
        if values.ndim not in expected:
            # Before: a scalar gave a bare "IndexError: tuple index out of range".
            shapes = ("1-D, of shape (n_samples,)" if name == "sample_weight"
                      else "of shape (n_samples,) or (n_samples, n_outputs)")
            raise ValueError(f"{name} must be {shapes}, got shape {values.shape}.")
        # Known lengths that differ (a dask array said "Chunks do not add up to
        # shape" from the rechunk below); unknown ones (nan) are left to the blocks.
        n_x, n_v = X.shape[0], values.shape[0]
        if not (np.isnan(n_x) or np.isnan(n_v)) and n_x != n_v:
            raise ValueError(f"X has {n_x} rows but {name} has {n_v}.")
        if in_memory:
            values = da.from_array(values, chunks=(X.chunks[0],) + values.shape[1:])
        if values.chunks[0] != X.chunks[0]:
            values = values.rechunk({0: X.chunks[0]})
        return _row_blocks(values)[1]

    y_blocks = [None] * len(x_blocks) if y is None else split_like_x(y, "y")
    # Before: the whole sample_weight went to every block's partial_fit, which
    # refused it ("sample_weight.shape == (200,), expected (50,)").
    weights = fit_params.pop("sample_weight", None)
    if isinstance(weights, Number):
        # Before: refused ("must be 1-D ... got shape ()"), though fit and
        # partial_fit take a number, as scikit-learn's estimators do.
        fit_params["sample_weight"] = check_scalar_weight(weights)
        weights = None
    w_blocks = (None if weights is None
                else split_like_x(weights, "sample_weight"))
    rng = check_random_state(random_state)
    step = dask.delayed(_partial_fit_step, pure=True)
    state = dask.delayed((estimator, 0), traverse=False)
    for _ in range(n_epochs):
        order = rng.permutation(len(x_blocks)) if shuffle_blocks else range(len(x_blocks))
        for i in order:
            # Before: a block of 0 rows failed the fit ("Found array with 0
            # sample(s)"). Those of unknown size are skipped by the step itself.
            if sizes_known and X.chunks[0][i] == 0:
                continue
            params = (fit_params if w_blocks is None
                      else {**fit_params, "sample_weight": w_blocks[i]})
            state = step(state, x_blocks[i], y_blocks[i], classes, params)
    model = dask.delayed(_trained, pure=True)(state, (0,) + X.shape[1:])
    return model.compute() if compute else model


def _apply(X, estimator, method, dtype, tail):
    """``estimator.method(X)``; for a block of 0 rows (which estimators refuse) an
    empty result of the output's ``dtype`` and ``tail`` shape, without a call."""
    if X.shape[0] == 0:
        return np.empty((0,) + tail, dtype=dtype)
    return _dense(getattr(estimator, method)(X))


def _dense(out):
    """``out``, a sparse one as a dense array: the CSR prediction of a multilabel
    classifier fitted on a sparse y made a dask array of sparse blocks, on which
    ``sum(axis=0)``, ``mean``, ``==`` and ``da.store`` failed."""
    return out.toarray() if sp.issparse(out) else out


def _first_row(X):
    """The first row of the dask array ``X``, computed (the work of one block,
    more only when leading blocks are empty); None if ``X`` has no rows."""
    for i, size in enumerate(X.chunks[0]):
        if size == 0:
            continue
        block = X.blocks[i] if np.isnan(size) else X.blocks[i][:1]
        block = block.compute()
        if block.shape[0]:
            return block[:1]
    return None


def _final_step_output(estimator, method, dtype, n_input):
    """``(dtype, tail)`` of ``method``'s output for a Pipeline that refuses a row of
    zeros: from its final step's output on a row of zeros of ``n_features_in_``
    columns, of the type the preprocessing gives a row of ``n_input`` zeros of
    ``dtype`` (the input's): its values may be what the final step refuses (a log's
    -inf), its type is what real rows reach the final step in. Where the
    preprocessing refuses zeros itself, of ``dtype`` widened to the final step's
    ``coef_``'s floating type where it has one (a guess: a step that narrows the
    input's type to float32 before a float32 ``coef_`` is then read as float64).
    None for a single estimator, a final step without ``n_features_in_``, or one
    that refuses that row too."""
    from .._pipeline import split_pipeline

    steps, final = split_pipeline(estimator)
    n_features = getattr(final, "n_features_in_", None)
    if final is estimator or not isinstance(n_features, (int, np.integer)):
        return None
    transformed = _transformed_type(steps, n_input, dtype)
    if transformed is not None:
        dtype = transformed
    else:
        coef = getattr(final, "coef_", None)
        if isinstance(coef, np.ndarray) and coef.dtype.kind == "f":
            dtype = np.result_type(dtype, coef.dtype)
    return _zeros_output(final, method, n_features, dtype)


def _transformed_type(steps, n_features, dtype):
    """The numeric dtype of what the fitted ``steps`` (``(name, transformer)``
    pairs) make of a row of ``n_features`` zeros of ``dtype``; None where a step
    refuses it or gives no numeric array (a DataFrame of mixed types)."""
    from .._pipeline import is_passthrough

    out = np.zeros((1, n_features), dtype)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # a probe's warnings are not the user's
            for _, step in steps:
                if not is_passthrough(step):
                    out = step.transform(out)
    except Exception:
        return None
    if not hasattr(out, "dtype") and hasattr(out, "to_numpy"):
        out = out.to_numpy()  # set_output(transform="pandas")
    kind = getattr(getattr(out, "dtype", None), "kind", None)
    return np.dtype(out.dtype) if kind in ("b", "i", "u", "f") else None


def _zeros_output(estimator, method, n_features, dtype):
    """``(dtype, tail)`` of ``method``'s output on a row of ``n_features`` zeros of
    ``dtype``; None where the estimator refuses it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a probe's warnings are not the user's
            sample = _dense(getattr(estimator, method)(
                np.zeros((1, n_features), dtype)))
    except Exception:
        return None
    return sample.dtype, sample.shape[1:]


def _fitted_output(estimator, method, dtype=np.float64):
    """``(dtype, tail)`` of ``method``'s output read from the fitted attributes of
    ``estimator`` (a Pipeline: of its final step), where they say it: a single-label
    classifier's ``predict`` (``classes_.dtype``), ``predict_proba`` and
    ``predict_log_proba`` (float64, one column per class) and ``decision_function``
    (float64; one column per class beyond two, None for a one-vs-one
    ``decision_function_shape``), a regressor's ``predict`` (the floating type of
    ``dtype`` (the input's) and its ``coef_``, else that of the last of its
    ``coefs_``, else float64; ``n_outputs_`` columns, or as ``coef_``'s rows,
    except a 2-D ``coef_`` of one row, which says nothing); None otherwise
    (``transform``, multilabel models)."""
    from sklearn.base import is_classifier, is_regressor

    from .._pipeline import split_pipeline
    from ..neural_network._classifier import is_multilabel

    final = split_pipeline(estimator)[1]
    if is_classifier(final):
        classes = getattr(final, "classes_", None)
        binarizer = getattr(final, "label_binarizer_", None)
        if (not isinstance(classes, np.ndarray) or classes.ndim != 1
                or len(classes) < 2 or is_multilabel(final)
                or str(getattr(binarizer, "y_type_", "")).startswith("multilabel")):
            return None
        n_classes = len(classes)
        if method == "predict":
            return classes.dtype, ()
        if method in ("predict_proba", "predict_log_proba"):
            return np.dtype(np.float64), (n_classes,)
        if method == "decision_function":
            if getattr(final, "decision_function_shape", None) == "ovo":
                return None  # n_classes (n_classes - 1) / 2 columns, or ovr's
            return np.dtype(np.float64), (() if n_classes == 2 else (n_classes,))
        return None
    if is_regressor(final) and method == "predict":
        coef = getattr(final, "coef_", None)
        n_outputs = getattr(final, "n_outputs_", None)
        if isinstance(n_outputs, (int, np.integer)):
            tail = () if n_outputs == 1 else (int(n_outputs),)
        elif isinstance(coef, np.ndarray) and (
                coef.ndim == 1 or (coef.ndim == 2 and coef.shape[0] > 1)):
            tail = () if coef.ndim == 1 else (coef.shape[0],)
        else:
            # A coef_ of one row says nothing: LinearRegression fitted on y of
            # shape (n, 1) predicts (n, 1), PLSRegression fitted on y of shape
            # (n,) predicts (n,).
            return None
        if isinstance(coef, np.ndarray) and coef.dtype.kind == "f":
            # X @ coef_ + intercept_: the wider of the two floating types
            out = np.result_type(np.dtype(dtype), coef.dtype)
            return (out if out.kind == "f" else np.dtype(np.float64)), tail
        coefs = fitted_attribute(final, "coefs_", None)
        if (isinstance(coefs, list) and coefs and isinstance(coefs[-1], np.ndarray)
                and coefs[-1].dtype.kind == "f"):
            # scikit-learn's MLPRegressor predicts in its weights' type (float32
            # after a float32 fit); sknonneg's networks keep float64 weights
            return coefs[-1].dtype, tail
        return np.dtype(np.float64), tail  # forests: float64 always
    return None


def _sample_output(estimator, method, X):
    """``(dtype, tail)`` of ``method``'s output, for the result: from its output on
    a row of zeros (nothing of ``X`` computed: the result stays lazy), or, where
    the estimator refuses zeros (a OneHotEncoder whose categories exclude 0,
    Box-Cox, a log), on the first real row of ``X``, computed now. Before: zeros
    only, and such pipelines failed although every real row predicts. Where ``X``
    has no row at all (every block empty after boolean indexing, say), from a
    Pipeline's final step on a row of zeros (:func:`_final_step_output`), else from
    the estimator's fitted attributes (:func:`_fitted_output`): before, an error."""
    zeros = _zeros_output(estimator, method, X.shape[1], X.dtype)
    if zeros is not None:
        return zeros
    row = _first_row(X)
    if row is not None:
        sample = _dense(getattr(estimator, method)(row))
        return sample.dtype, sample.shape[1:]
    fitted = (_final_step_output(estimator, method, X.dtype, X.shape[1])
              or _fitted_output(estimator, method, X.dtype))
    if fitted is None:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of "
            f"1 is required by predict_blocks: every block of X is empty, "
            f"{type(estimator).__name__} refuses a row of zeros, and its fitted "
            f"attributes do not say the dtype and columns of its {method} "
            "output, so those of an empty result are unknown.")
    return fitted


_PREDICT_METHODS = frozenset({"predict", "predict_proba", "predict_log_proba",
                              "decision_function", "transform"})


def predict_blocks(estimator, X, *, method="predict"):
    """Lazy block-wise prediction of a fitted estimator over a dask array.

    Parameters
    ----------
    estimator : fitted estimator
        Sent once to the workers (it is a single key of the graph), not once per
        block.
    X : dask.array.Array of shape (n_samples, n_features)
        Chunked along the rows. ``method`` is applied to a row of zeros to learn
        the output's dtype and columns; if the estimator refuses it (a
        ``OneHotEncoder`` whose categories exclude 0, Box-Cox, a log), to the first
        row of ``X`` instead, computed at once (the work of the blocks it depends
        on: all of them after a reduction such as ``X - X.mean(0)``). Blocks of 0
        rows (after boolean indexing, say) give 0 rows without a call. If every
        block is empty and the estimator refuses zeros, the result (of 0 rows)
        takes the dtype and columns of a Pipeline's final step on a row of zeros
        (of the type its preprocessing makes of a row of zeros of ``X``'s type),
        else those that the fitted attributes say (a single-label classifier's
        ``classes_``, a regressor's ``n_outputs_`` or ``coef_``: see Returns); where
        neither says (``method="transform"`` of a step that refuses zeros itself),
        ``ValueError``.
    method : {"predict", "predict_proba", "predict_log_proba", "decision_function", \
"transform"}, default="predict"
        The method to apply to every block.

    Returns
    -------
    result : dask.array.Array
        Of shape (n_samples,) or (n_samples, n_outputs), chunked like the rows of
        ``X``, dense (the sparse predictions of a multilabel classifier fitted on
        a sparse ``y`` are densified per block). ``.compute()`` it, or keep it
        lazy. An empty result read from the fitted attributes (see ``X``) has
        ``classes_.dtype`` for ``predict`` of a classifier, float64 with one
        column per class for probabilities, float64 for ``decision_function``
        (one column per class beyond two), and for a regressor float64 (its
        ``coef_``'s floating dtype for a linear model), one column per output
        beyond one.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sknonneg import NonNegMLPClassifier
    >>> from sknonneg.parallel import predict_blocks
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(300, 4))
    >>> y = (X[:, 0] > 0.5).astype(int)
    >>> clf = NonNegMLPClassifier(hidden_layer_sizes=3, random_state=0).fit(X, y)
    >>> proba = predict_blocks(clf, da.from_array(X, chunks=(100, 4)),
    ...                        method="predict_proba")
    >>> proba.chunks
    ((100, 100, 100), (2,))
    >>> bool(np.allclose(proba.compute(), clf.predict_proba(X)))
    True
    """
    import dask
    import dask.array as da

    if not isinstance(X, da.Array):
        raise TypeError(
            _dask_frame_advice("predict_blocks", X)
            or f"predict_blocks needs a dask array, got {type(X).__name__}; wrap it "
            f"with dask.array.from_array(X, chunks=...) or call "
            f"estimator.{method}(X).")
    if method not in _PREDICT_METHODS:
        raise ValueError(f"method must be one of {sorted(_PREDICT_METHODS)}, "
                         f"got {method!r}.")
    if not callable(getattr(estimator, method, None)):
        raise ValueError(f"{type(estimator).__name__} has no method {method!r}.")
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D dask array, got {X.ndim} dimensions.")
    X, _ = _row_blocks(X)
    dtype, tail = _sample_output(estimator, method, X)
    est = dask.delayed(estimator, traverse=False)
    meta = np.empty((0,) + tail, dtype=dtype)
    if not tail:
        return X.map_blocks(_apply, est, method, dtype, tail, drop_axis=1,
                            dtype=dtype, meta=meta)
    return X.map_blocks(_apply, est, method, dtype, tail, chunks=(X.chunks[0], tail),
                        dtype=dtype, meta=meta)


# The thread limits ThreadLimits set in this process, shared by the workers that run
# in it (an in-process cluster): the first setup records the original limits, the
# last teardown restores them. Before, each worker recorded the limits it found, the
# second one the first one's 1, and a teardown in that order left the process at 1.
_PROCESS_LIMITS = {"workers": 0, "limits": None}
_PROCESS_LIMITS_LOCK = threading.Lock()


def _new_process_limits_lock():
    """In a forked child: a lock that a parent's thread held (in its setup or
    teardown) is never released there; before, the child's own ThreadLimits
    deadlocked on it. The parent's workers do not run in the child either (their
    teardown never comes there): the child counts its own from 0, and its first
    setup records the limits it inherited. Before, a child forked while a worker
    of the parent had set ``ThreadLimits(1)`` counted that worker, so the last
    teardown of its own ``ThreadLimits(3)`` restored nothing and left it at 3."""
    global _PROCESS_LIMITS_LOCK
    _PROCESS_LIMITS_LOCK = threading.Lock()
    _PROCESS_LIMITS["workers"] = 0
    _PROCESS_LIMITS["limits"] = None


def _process_limits_lock():
    """``_PROCESS_LIMITS_LOCK``, replaced in a forked child
    (``_new_process_limits_lock``, registered at the first setup, not at import:
    ``reset_at_fork``)."""
    from .._threads import reset_at_fork

    reset_at_fork(_new_process_limits_lock)
    return _PROCESS_LIMITS_LOCK


def _thread_pools():
    """The process's BLAS and OpenMP pools (threadpoolctl's controllers)."""
    from threadpoolctl import ThreadpoolController

    return list(ThreadpoolController().lib_controllers)


def _set_pools(limits):
    """Each pool at its limit (``limits``: (pool, n_threads) pairs), effective from
    the worker's thread.
    Before, ``threadpool_limits`` here was silently ignored where another thread
    (the main one, by a plain ``threadpool_limits(2)`` call) was threadpoolctl
    3.8's controlling thread: an in-process worker kept 2 BLAS threads under
    ``ThreadLimits(1)``. ``set_pool_threads_locked`` takes the control, checks and
    gives it back, as the fits' own holds do (under the fits' lock)."""
    from .._threads import set_pool_threads_locked

    set_pool_threads_locked(limits)


# The largest thread count the pools take (threadpoolctl passes it to the
# libraries' set_num_threads as a C int).
_MAX_THREADS = 2**31 - 1


class ThreadLimits(WorkerPlugin):
    """Worker plugin: limits a worker's thread pools and warms sknonneg's kernels.

    ``client.register_plugin(ThreadLimits(1))``: each worker, and each worker that
    replaces a lost one, then limits its BLAS pools to ``n_threads``
    (process-wide, with threadpoolctl; sknonneg's fits give numba the same budget)
    and compiles the kernels of ``warm_for`` before its first task. Dask's nanny
    already starts worker processes with one-thread BLAS pools; the plugin makes
    that explicit, holds for workers started any other way, and sets other
    budgets (a worker that owns several cores and runs one task at a time).

    OpenMP's limit is not process-wide but a setting of each thread: the plugin
    sets it in the thread that runs ``setup`` (the worker's event loop, where
    ``client.run`` runs too), not in the threads that run the tasks. Those take
    theirs from ``OMP_NUM_THREADS`` when the process starts: Dask's nanny sets it
    to 1 for the worker processes it starts; for an in-process worker
    (``Client(processes=False)``) or one started without a nanny, set
    ``OMP_NUM_THREADS`` before the process starts, or wrap the task in
    ``threadpoolctl.threadpool_limits``. sknonneg's fits do not depend on it
    (each sets numba's thread count, in its own thread, to the BLAS budget);
    other libraries' OpenMP code in the tasks (scikit-learn's
    HistGradientBoosting, say) does.

    Parameters
    ----------
    n_threads : int, default=1
        Threads per pool: the cores of a worker divided by its threads (at most
        ``2**31 - 1``, the C int the pools take).
    warm_for : estimator or None or False, default=None
        A sknonneg estimator whose kernels to compile (see :func:`warm_kernels`);
        ``None``: ``NonNegMLPClassifier()``; ``False``: no warm-up.

    Examples
    --------
    An in-process cluster shows the limit on its worker (a cluster of worker
    processes is the usual case: ``Client(n_workers=4, threads_per_worker=1)``);
    ``client.run`` reads the pools in the worker's event-loop thread.

    >>> from distributed import Client
    >>> from threadpoolctl import threadpool_info
    >>> from sknonneg.parallel import ThreadLimits
    >>> client = Client(processes=False, n_workers=1, threads_per_worker=1,
    ...                 dashboard_address=":0")
    >>> _ = client.register_plugin(ThreadLimits(n_threads=1, warm_for=False))
    >>> per_worker = client.run(lambda: {p["num_threads"] for p in threadpool_info()})
    >>> list(per_worker.values())
    [{1}]
    >>> client.close()
    """

    name = "sknonneg-thread-limits"

    def __init__(self, n_threads=1, warm_for=None):
        _check_positive_int(n_threads, "n_threads", "ThreadLimits")
        if n_threads > _MAX_THREADS:
            # The pools take a C int: before, 2**31 was accepted and wrapped, each
            # worker's OpenMP left at 1 thread, and 2**70 failed on every worker
            # with ctypes' "ArgumentError: int too long to convert".
            raise parameter_error("ThreadLimits", "n_threads",
                                  f"a positive int at most {_MAX_THREADS} (the pools "
                                  "take a C int)", n_threads)
        if warm_for is not False:
            _warm_target(warm_for)  # a TypeError here, not on every worker
        self.n_threads = int(n_threads)
        self.warm_for = warm_for

    async def setup(self, worker):
        """Limit the worker's threads and compile the kernels (called by Dask).

        Parameters
        ----------
        worker : distributed.Worker
            The worker this plugin is registered on.
        """
        import asyncio

        from .._threads import pool_limit

        with _process_limits_lock():
            pools = _thread_pools()
            if _PROCESS_LIMITS["workers"] == 0:
                # A pool that a fit in another thread holds at one thread: its
                # limit before that hold (before, the 1 was recorded and the
                # last teardown left the process at it).
                _PROCESS_LIMITS["limits"] = [(lib, pool_limit(lib)) for lib in pools]
            _set_pools([(lib, self.n_threads) for lib in pools])  # originals above
            _PROCESS_LIMITS["workers"] += 1
            self._registered = True
        if self.warm_for is not False:
            # Off the event loop: compiling takes seconds.
            await asyncio.get_running_loop().run_in_executor(
                None, warm_kernels, self.warm_for)

    def teardown(self, worker):
        """Restore the worker's thread limits (called by Dask).

        The process gets back the limits it had before the first worker in it set
        them, once its last worker ends.

        Parameters
        ----------
        worker : distributed.Worker
            The worker this plugin is registered on.
        """
        if not getattr(self, "_registered", False):
            return
        self._registered = False
        with _process_limits_lock():
            _PROCESS_LIMITS["workers"] -= 1
            if _PROCESS_LIMITS["workers"] == 0 and _PROCESS_LIMITS["limits"] is not None:
                _set_pools(_PROCESS_LIMITS["limits"])
                _PROCESS_LIMITS["limits"] = None
