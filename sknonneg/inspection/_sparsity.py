"""Sparsity measures for network weights and dictionary components."""

from numbers import Integral

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._validation import (check_bool, check_sparse_structure, is_finite_number,
                           parameter_error)
from ._utils import (
    final_estimator,
    fitted_attribute,
    get_components,
    get_layers,
    layer_constraints,
)


def _real_array(W, caller, name="W"):
    """``W`` as a float ndarray; a complex or a masked one is a ``ValueError``.

    Before: ``np.asarray(W, dtype=float)`` dropped the imaginary part with a
    ComplexWarning (``[1j, 0]`` read as ``[0, 0]``: a sparsity of NaN, not 1), and
    the mask of a masked array (its masked values read as any other), as
    scikit-learn's ``check_array`` refuses complex data."""
    if sp.issparse(W):
        W = check_sparse_structure(W, name=name)
    dtype = getattr(W, "dtype", None)
    if dtype is None:
        W = np.asarray(W)
        dtype = W.dtype
    if np.issubdtype(dtype, np.complexfloating):
        raise ValueError(
            f"Complex data not supported: {caller} measures real weights; pass "
            f"np.abs({name}) for the magnitudes of complex ones.")
    if np.ma.is_masked(W):
        raise ValueError(
            f"Masked arrays are not supported: {caller} would read the masked "
            f"entries as the values under the mask. Pass {name}.filled(0) to count "
            "them as zeros.")
    if sp.issparse(W):
        return W.toarray().astype(float)
    return np.asarray(W, dtype=float)


def _is_array_like(obj):
    """Whether ``obj`` is data (an array, a DataFrame: they convert to arrays),
    never an estimator, whatever its attribute names: a DataFrame exposes its
    columns as attributes, and one named ``components_`` or ``fit`` was read as an
    estimator (before: its column measured alone, or an AttributeError)."""
    return hasattr(obj, "__array__") or hasattr(obj, "to_numpy")


def _as_matrix(W):
    """Array from an array-like or from a fitted estimator's first layer."""
    if not _is_array_like(W) and (
            hasattr(W, "coefs_") or hasattr(W, "components_") or hasattr(W, "steps")
            or hasattr(W, "get_params")):
        # an unfitted estimator gets NotFittedError there (before: a TypeError
        # from float() of the estimator)
        return get_components(W)
    return _real_array(W, "hoyer_sparsity")


def hoyer_sparsity(W, axis=-1, average=False):
    """Hoyer (2004) sparsity of vectors.

    For a vector :math:`w` of length :math:`n > 1`,

    .. math::

        \\mathrm{sparsity}(w) = \\frac{\\sqrt{n} - \\|w\\|_1 / \\|w\\|_2}
                                      {\\sqrt{n} - 1},

    which is 1 for a vector with a single non-zero entry (e.g. one-hot) and 0
    for a vector whose entries all have the same magnitude (e.g. constant).
    The measure depends only on absolute values, so it applies equally to
    signed and non-negative weights.

    Parameters
    ----------
    W : {array-like, sparse matrix} or fitted estimator
        Vector or matrix of real values (a sparse one is densified; complex
        data and a masked array with masked entries are a ``ValueError``, as
        the mask would be ignored: pass ``np.abs(W)`` or ``W.filled(0)``). A
        fitted estimator
        (network, PCA, NMF or a Pipeline ending in one) is replaced by its
        ``components_`` (else ``coefs_[0].T``) as an ``(n_units, n_features)``
        matrix, so that the default ``axis=-1`` gives one value per unit: the
        first layer's weight vectors of a classifier or regressor, the decoder's
        rows (the parts) of a ``NonNegAutoencoder``, and for an
        ``ABBAClassifier`` its ``2 N_1`` signed units, each unit's vector and its
        negation (of equal sparsity; :func:`weight_sparsity` counts ``N_1``).
    axis : int, default=-1
        Axis along which the vectors lie. Use ``axis=0`` for an
        ``(n_in, n_out)`` matrix such as ``coefs_[i]`` to measure each
        neuron's incoming weights.
    average : bool, default=False
        If True return the mean over vectors (ignoring undefined ones).

    Returns
    -------
    sparsity : float or ndarray
        Per-vector sparsity (a float for 1-D input), or its mean when
        ``average=True``. All-zero vectors have undefined sparsity and give
        ``nan``; so does ``n == 1``.

    References
    ----------
    P. O. Hoyer, "Non-negative matrix factorization with sparseness
    constraints", JMLR 5 (2004) 1457-1469.

    Examples
    --------
    >>> from sknonneg.inspection import hoyer_sparsity
    >>> hoyer_sparsity([0, 0, 1, 0])
    1.0
    >>> hoyer_sparsity([2, 2, 2, 2])
    0.0
    """
    average = check_bool(average, "average", "hoyer_sparsity")  # before: "no" averaged
    A = _as_matrix(W)
    if A.ndim == 0:
        raise ValueError("hoyer_sparsity needs at least a 1-D array")
    if not np.all(np.isfinite(A)):
        raise ValueError("Input contains NaN or infinity: hoyer_sparsity needs "
                         "finite values.")
    if not isinstance(axis, (Integral, np.integer)) or isinstance(axis, (bool, np.bool_)):
        # Before: None and 1.0 were reported "out of bounds".
        raise parameter_error("hoyer_sparsity", "axis", "an int", axis)
    if not -A.ndim <= axis < A.ndim:
        raise getattr(np, "exceptions", np).AxisError(  # NumPy < 1.25: np.AxisError
            f"axis {axis!r} is out of bounds for array of dimension {A.ndim}")
    n = A.shape[axis]
    absA = np.abs(A)
    # Each vector divided by its largest magnitude (the measure is scale-free): the
    # squares of magnitudes near 1e200 would overflow.
    top = absA.max(axis=axis, keepdims=True) if A.size else absA
    absA = absA / np.where(top > 0, top, 1.0)
    l1 = absA.sum(axis=axis)
    l2 = np.sqrt((absA**2).sum(axis=axis))
    sqrt_n = np.sqrt(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = sqrt_n - l1 / l2
        # l1 / l2 is sqrt(n) exactly for equal magnitudes, up to the rounding of
        # n terms: such a gap is 0 (before: 5.4e-16 for a constant vector).
        gap = np.where(np.abs(gap) <= 4 * n * np.finfo(float).eps * sqrt_n, 0.0, gap)
        s = gap / (sqrt_n - 1.0)
    s = np.where(l2 > 0, s, np.nan) if n > 1 else np.full_like(l1, np.nan)
    # guard tiny excursions outside [0, 1] from rounding
    s = np.clip(s, 0.0, 1.0)
    if average:
        if np.all(np.isnan(s)):
            return float("nan")
        return float(np.nanmean(s))
    if np.ndim(s) == 0:
        return float(s)
    return s


def _zero_threshold(W, tol, relative):
    if relative:
        m = np.max(np.abs(W)) if W.size else 0.0
        return tol * m
    return tol


def _abba_pairs(estimator, layers, constraints):
    """Replace the declared ``"abba"`` layers by their blocks ``(A, B)``."""
    final = final_estimator(estimator)
    a = fitted_attribute(final, "coefs_a_", None)
    b = fitted_attribute(final, "coefs_b_", None)
    if a is None or b is None or len(a) != len(layers):
        return layers
    return [
        (np.asarray(a[i], dtype=float), np.asarray(b[i], dtype=float))
        if c == "abba" else W
        for i, (W, c) in enumerate(zip(layers, constraints))
    ]


_ACCEPTED = ("a fitted estimator (a network with coefs_, an estimator with "
             "components_ such as PCA or NMF, or a Pipeline ending in one), a 2-D "
             "ndarray or sparse matrix of weights, or a list of them (one per "
             "layer)")


def _check_is_estimator(estimator):
    """``TypeError`` naming what ``weight_sparsity`` accepts, for an input that is
    neither weights nor an estimator (before: scikit-learn's "... is not an
    estimator instance", with the whole input printed, for a DataFrame of weights
    or a list of lists)."""
    if not _is_array_like(estimator) and (
            hasattr(estimator, "fit") or hasattr(estimator, "coefs_")
            or hasattr(estimator, "components_")):
        return
    listed = isinstance(estimator, (list, tuple))
    if listed:
        kinds = sorted({type(W).__name__ for W in estimator
                        if not isinstance(W, np.ndarray)})
        got = f"a {type(estimator).__name__} holding {', '.join(kinds)}"
    else:
        got = type(estimator).__name__
    hint = (" Pass np.asarray of it (of each layer)."
            if listed or hasattr(estimator, "to_numpy") else "")
    raise TypeError(f"weight_sparsity takes {_ACCEPTED}; got {got}.{hint}")


def weight_sparsity(estimator, tol=1e-6, relative=True):
    """Fraction of (near-)zero weights and Hoyer sparsity per layer.

    Parameters
    ----------
    estimator : fitted estimator, ndarray, sparse matrix or list of them
        A network exposing ``coefs_`` (NonNegMLPClassifier, ABBAClassifier,
        MLPClassifier), an estimator exposing ``components_`` (PCA, NMF), a
        Pipeline ending in one of these, or weight matrices given directly: a
        2-D ndarray or sparse matrix, or a list (or tuple) of them, one per
        layer (each ``(n_in, n_out)``, one column per receiving neuron; a sparse
        one is densified, so an explicitly stored zero counts as a zero).
        Anything else (a pandas DataFrame, nested lists) is a ``TypeError``:
        pass ``np.asarray`` of it. Complex weights and a masked array with
        masked entries are a ``ValueError``.
    tol : float, default=1e-6
        Zero threshold. A weight counts as zero when ``|w| <= tol * max|w|``
        (``max`` over the layer) if ``relative=True``, or when
        ``|w| <= tol`` if ``relative=False``.
    relative : bool, default=True
        Whether ``tol`` is relative to the layer's largest magnitude (which
        makes the result independent of the weight scale) or absolute.

    Returns
    -------
    sparsity : pandas.DataFrame
        One row per weight layer, indexed by the layer name
        (``"input->h1"``, ``"h1->output"``, ..., or ``"components"`` for
        PCA/NMF), with columns

        - ``n_in``, ``n_out``: layer shape (for ABBAClassifier, of the blocks;
          see Notes);
        - ``n_weights``, ``n_zero``: number of weights and of zero weights;
        - ``fraction_zero``: ``n_zero / n_weights``;
        - ``fraction_negative``: fraction of weights ``< -threshold``;
        - ``hoyer``: mean Hoyer sparsity of the receiving neurons' incoming
          weight vectors (for PCA/NMF: of the components);
        - ``dead_units``: receiving neurons whose incoming weights are all
          zero;
        - ``constraint``: declared ``weight_constraints_`` entry, or the sign
          pattern (``"nonneg"``/``"free"``) when the estimator declares none;
        - ``declared``: whether ``constraint`` was declared.

    See Also
    --------
    hoyer_sparsity : Hoyer sparsity of arbitrary vectors.
    describe_network : Text summary built on this table.

    Notes
    -----
    An ABBAClassifier's ``coefs_[l]`` is the doubled matrix ``[[A, B], [B, A]]``
    with ``A, B >= 0`` (``coefs_a_``, ``coefs_b_``). Its ``"abba"`` layers are
    measured on the blocks, ``N_{l-1} x N_l``: the weight from unit ``i`` to
    unit ``j`` is the pair ``(A_ij, B_ij)``, of magnitude ``A_ij + B_ij`` (the
    matrix ``S_l`` of the Lipschitz bound) and sign that of ``A_ij - B_ij``.
    It is zero when ``A_ij + B_ij`` is (at the threshold above, relative to the
    largest ``A + B``), negative when ``A_ij - B_ij`` is below minus the
    threshold, and ``hoyer`` is that of the columns of ``A + B``. The first and
    last layers act only through ``A - B`` and are stored as ``A = (A - B)^+``,
    ``B = (A - B)^-``: there ``A + B = |A - B|``, and the numbers are those of
    the signed network ``A - B``, comparable with an MLP's (the doubled matrix
    would always read at least 50% zero and a Hoyer value of duplicated
    vectors).

    Examples
    --------
    >>> import numpy as np
    >>> from sknonneg.inspection import weight_sparsity
    >>> df = weight_sparsity(np.array([[0.0, 1.0], [0.0, 2.0]]))
    >>> df.loc["layer0", ["n_zero", "fraction_zero", "dead_units"]].tolist()
    [2.0, 0.5, 1.0]
    """
    return _weight_table(estimator, tol, relative, "weight_sparsity")


def _weight_table(estimator, tol, relative, caller):
    """:func:`weight_sparsity`'s table, for ``caller`` (the public function the
    user called, which its errors name: ``describe_network`` builds its report on
    this table)."""
    if not is_finite_number(tol) or tol < 0:
        raise parameter_error(caller, "tol", "a float in the range [0, inf) (finite)",
                              tol)
    # Before: "no" made tol relative.
    relative = check_bool(relative, "relative", caller)
    check_sparse_structure(estimator, name="estimator")  # before scipy prints it
    if sp.issparse(estimator):
        # as hoyer_sparsity does (before: "... is not an estimator instance", with
        # the whole matrix printed)
        estimator = estimator.toarray()
    if isinstance(estimator, (list, tuple)) and not len(estimator):
        # Before: an empty table, without the documented columns.
        raise ValueError(f"{caller} got an empty {type(estimator).__name__}: pass "
                         "one weight matrix per layer, at least one.")
    if isinstance(estimator, (list, tuple)):
        # Sparse layers, as a single sparse matrix is taken (before: "[<Compressed
        # Sparse Row sparse matrix ...>] is not an estimator instance").
        estimator = type(estimator)(
            check_sparse_structure(W, name=f"estimator[{i}]").toarray()
            if sp.issparse(W) else W for i, W in enumerate(estimator))
    if isinstance(estimator, np.ndarray) or (
        isinstance(estimator, (list, tuple))
        and all(isinstance(W, np.ndarray) for W in estimator)
    ):
        mats = [estimator] if isinstance(estimator, np.ndarray) else estimator
        layers = [_real_array(
            W, caller,
            "estimator" if W is estimator else f"estimator[{i}]")
            for i, W in enumerate(mats)]
        if any(W.ndim != 2 for W in layers):
            # Before: a 3-D array was read as a (2, 3) layer with 24 weights and
            # more dead units than outputs; a 1-D one as a single row (n_in=1),
            # an orientation the docs did not give.
            shapes = [W.shape for W in layers]
            raise ValueError(f"weight matrices must be 2-D (n_in, n_out), got "
                             f"arrays of shapes {shapes}.")
        names = [f"layer{i}" for i in range(len(layers))]
        constraints = ["nonneg" if np.all(W >= 0) else "free" for W in layers]
        declared = False
    else:
        _check_is_estimator(estimator)
        layers, names = get_layers(estimator)
        constraints, declared = layer_constraints(estimator, layers)
        layers = _abba_pairs(estimator, layers, constraints)

    rows = []
    for name, W, constraint in zip(names, layers, constraints):
        n_bad = sum(int(np.count_nonzero(~np.isfinite(M)))
                    for M in (W if isinstance(W, tuple) else (W,)))
        if n_bad:
            # Before: hoyer_sparsity's "Input contains NaN or infinity:
            # hoyer_sparsity needs finite values", a function not called.
            raise ValueError(
                f"Input contains NaN or infinity: {caller} needs finite weights; "
                f"layer {name!r} has {n_bad} NaN or infinite value(s).")
        if isinstance(W, tuple):
            # ABBA blocks (A, B): the weight i -> j is the pair (A_ij, B_ij), of
            # magnitude A_ij + B_ij and sign that of A_ij - B_ij. Before: the
            # doubled [[A, B], [B, A]] was measured, where the first and last
            # layers, stored as A = W+, B = W-, always read 50% zero.
            A, B = W
            magnitude, signed = A + B, A - B
        else:
            magnitude, signed = np.abs(W), W
        thr = _zero_threshold(magnitude, tol, relative)
        zero = magnitude <= thr
        size = magnitude.size
        rows.append(
            {
                "n_in": magnitude.shape[0],
                "n_out": magnitude.shape[1],
                "n_weights": size,
                "n_zero": int(zero.sum()),
                "fraction_zero": float(zero.mean()) if size else float("nan"),
                "fraction_negative": float((signed < -thr).mean())
                if size
                else float("nan"),
                "hoyer": hoyer_sparsity(magnitude, axis=0, average=True),
                "dead_units": int(np.all(zero, axis=0).sum()),
                "constraint": constraint,
                "declared": declared,
            }
        )
    df = pd.DataFrame(rows, index=pd.Index(names, name="layer"))
    return df
