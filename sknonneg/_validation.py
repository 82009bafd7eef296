"""Input checks shared by the estimators and the satellites, done once per data set.

The numba kernels do not check bounds: a sparse matrix whose ``indices`` point past
``n_features`` makes them read memory they do not own. Every sparse input therefore
has its structure checked here (O(nnz), vectorised) before any kernel, or any
scipy conversion that trusts it, sees it. The numerical checks state sknonneg's
policy: a computation that overflows is a ``ValueError`` naming the input or the
parameter, never a silent ``inf`` or ``NaN``.
"""

from collections.abc import Mapping
import inspect
import os
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp

from ._compat import InvalidParameterError, StrOptions, validate_parameter_constraints
from ._frames import is_polars

__all__ = [
    "check_auto_or_bool",
    "check_bool",
    "check_colors",
    "check_finite_output",
    "check_network_range",
    "check_finite_parameters",
    "check_flags",
    "check_fits_in_memory",
    "check_network_fits_in_memory",
    "check_input_scale",
    "check_missing_targets",
    "check_normal_magnitude",
    "check_not_flushed",
    "check_positive_weights",
    "check_reconstruction_scale",
    "check_sparse_structure",
    "check_target_scale",
    "check_workspace_fits_in_memory",
    "has_spread",
    "largest_magnitude",
    "memory_shortfall",
    "overflow_remedies",
    "scale_score_weights",
    "user_stacklevel",
]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel(through=()):
    """``stacklevel`` for a ``warnings.warn`` made by the caller of this function:
    the first frame outside sknonneg, so that a warning points at the code that
    called ``fit`` (or at the scikit-learn meta-estimator that did), however deep in
    sknonneg it was raised. A fixed count broke whenever a call was added between
    ``fit`` and the warning.

    ``through``: names of further packages whose frames are passed too, e.g.
    ``("matplotlib",)`` for a warning raised where matplotlib calls sknonneg (a
    layout engine's ``execute``, run by ``Figure.draw``): the warning then points at
    the user's ``savefig`` or ``draw``, as matplotlib's own warnings do. A frame walk
    works on every supported Python (``warnings.warn``'s ``skip_file_prefixes`` is
    Python >= 3.12 only)."""
    frame = inspect.currentframe().f_back  # the function that calls warnings.warn
    level = 1
    while frame is not None and (
            frame.f_code.co_filename.startswith(_PACKAGE_DIR)
            or frame.f_globals.get("__name__") in _METHOD_WRAPPERS
            or _in_package(frame.f_globals.get("__name__"), through)):
        frame = frame.f_back
        level += 1
    return level


def _in_package(module, packages):
    """Whether the module named ``module`` is one of ``packages`` or in one."""
    return isinstance(module, str) and any(
        module == p or module.startswith(p + ".") for p in packages)


# Modules whose frames wrap an estimator's own method rather than call it: the
# warning goes past them too (before: a warning from fit_transform pointed into
# scikit-learn's set_output wrapper, not at the user's line).
_METHOD_WRAPPERS = frozenset({"sklearn.utils._set_output"})

_COMPRESSED = ("csr", "csc", "bsr")


def _index_array(name, values, what):
    if not isinstance(values, np.ndarray) or values.ndim != 1:
        raise ValueError(f"Input {name} is a malformed sparse matrix: its {what} "
                         f"must be a 1-D array.")
    if not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"Input {name} is a malformed sparse matrix: its {what} "
                         f"must have an integer dtype, got {values.dtype}.")
    return values


def _check_in_range(name, values, bound, what):
    """All ``values`` in ``[0, bound)``; min/max are two vectorised passes."""
    if values.size and (values.min() < 0 or values.max() >= bound):
        raise ValueError(
            f"Input {name} is a malformed sparse matrix: its {what} must lie in "
            f"[0, {bound}), got values in [{values.min()}, {values.max()}]."
        )



def check_flags(caller, **flags):
    """Every flag of ``caller`` a bool (``True``, ``False`` or NumPy's), else
    scikit-learn's ``InvalidParameterError`` (a ``ValueError`` and a ``TypeError``)
    in its parameter validation's words, naming the flag and ``caller``. Before,
    any truthy value (``1``, ``"no"``) was read as True. For the flags of public
    functions (datasets, inspection, parallel); the estimators' parameters go
    through ``_parameter_constraints``."""
    validate_parameter_constraints({name: ["boolean"] for name in flags}, flags,
                                   caller_name=caller)


def is_finite_number(value):
    """Whether ``value`` is a real number, not a bool, and finite: an int of any
    size is (``np.isfinite`` refuses one beyond int64, such as 2**70, with a
    TypeError, "ufunc 'isfinite' not supported for the input types")."""
    return (isinstance(value, Real) and not isinstance(value, bool)
            and (isinstance(value, Integral) or bool(np.isfinite(value))))


def install_hint(extra):
    """The one wording of every message that names an optional dependency: how
    to install sknonneg's ``extra`` (``"plot"``, ``"dask"``, ``"persist"``) the
    way the README installs sknonneg, from a clone. Before, the messages sent
    users to PyPI, which sknonneg is not on."""
    return (f'install sknonneg\'s "{extra}" extra from the sknonneg clone: '
            f'python -m pip install -e ".[{extra}]"')


def search_hint(estimator, action):
    """The one wording, for every refusal of a fitted search (``GridSearchCV``,
    ``RandomizedSearchCV``, the halving ones) where its refitted model would be
    taken: " A fitted search predicts with its best_estimator_: <action>
    GridSearchCV.best_estimator_." (``action`` the verb: "certify", "check",
    "pass"), or "" for an estimator without ``best_estimator_``. Before, the
    constructors that take a fitted model (``from_mlp``, ``from_autoencoders``)
    refused a search without it, and the inspection functions said it in other
    words."""
    if not hasattr(estimator, "best_estimator_"):
        return ""
    return (f" A fitted search predicts with its best_estimator_: {action} "
            f"{type(estimator).__name__}.best_estimator_.")


def parameter_error(caller, name, must, value, note=""):
    """scikit-learn's ``InvalidParameterError`` in its parameter validation's words
    ("The 'name' parameter of caller must be ... Got value instead."), for the
    checks that its constraints cannot say (one value per layer, a schedule, a
    limit that depends on another parameter); ``note`` follows, as a sentence.
    A value whose ``repr`` is longer than ``_LONGEST_SHOWN`` characters is shown
    abridged (the first items of each sequence, the ends of a long string)."""
    return InvalidParameterError(
        f"The {name!r} parameter of {caller} must be {must}. Got {_shown(value)} "
        f"instead." + (f" {note}" if note else ""))


# The longest repr of a value that parameter_error shows whole (before: a list
# of 100,000 numbers as upper made a message of 689,030 characters)
_LONGEST_SHOWN = 200


def _shown(value):
    """``repr(value)``, or, where longer than ``_LONGEST_SHOWN``, ``reprlib``'s
    abridged one."""
    shown = repr(value)
    if len(shown) <= _LONGEST_SHOWN:
        return shown
    import reprlib

    short = reprlib.Repr()  # (keyword arguments: Python >= 3.12 only)
    short.maxlevel = 3
    short.maxlist = short.maxtuple = short.maxset = short.maxdict = 8
    short.maxstring = short.maxother = 60
    return short.repr(value)


def check_bool(value, name, caller):
    """``value`` as a bool, checked by :func:`check_flags` as ``caller``'s flag
    ``name``."""
    check_flags(caller, **{name: value})
    return bool(value)


def check_auto_or_bool(value, name, caller):
    """``value``, ``"auto"`` or a bool (NumPy's read as Python's), else
    scikit-learn's ``InvalidParameterError`` in its parameter validation's words,
    naming ``name`` and ``caller``, as :func:`check_flags` refuses a flag."""
    validate_parameter_constraints({name: [StrOptions({"auto"}), "boolean"]},
                                   {name: value}, caller_name=caller)
    return value if isinstance(value, str) else bool(value)


def check_colors(caller, **colors):
    """Every value a matplotlib colour (``matplotlib.colors.is_color_like``: a
    name, a grey level such as ``"0.5"``, an RGB(A) tuple, ``"none"``), else
    scikit-learn's ``InvalidParameterError`` in the words of its parameter
    validation, naming the parameter and ``caller``. Before, a display drew
    None in matplotlib's default colour, and refused other values only once the
    figure was made."""
    try:
        from matplotlib.colors import is_color_like
    except ImportError:
        return  # the display's import of pyplot says what to install
    for name, value in colors.items():
        if not is_color_like(value):
            raise InvalidParameterError(
                f"The {name!r} parameter of {caller} must be a matplotlib color "
                f"(a name such as 'white', a grey level such as '0.5', an RGB or "
                f"RGBA tuple, or 'none' for no fill). Got {value!r} instead.")


def check_sparse_structure(X, name="X"):
    """Raise ``ValueError`` unless the sparse matrix ``X`` is structurally sound.

    Checks, for CSR / CSC / BSR: ``indptr`` of length ``n_major + 1``, starting at
    0, non-decreasing and ending at ``nnz``; ``indices`` (and ``data``) of length
    ``nnz``; every index in ``[0, n_minor)``. For COO: ``row``, ``col`` and
    ``data`` of one length and every coordinate inside the shape. For LIL (whose
    ``rows`` and ``data`` are public lists that scipy's conversions copy as they
    are): one list of each per row, of equal lengths, every column index inside the
    shape. For DIA: one row of ``data`` per offset. scipy's 1-D sparse arrays (CSR,
    COO, DOK) are checked as the one row they store. DOK is checked by scipy itself
    (an index outside the shape cannot be stored). Dense input is returned
    untouched. The cost is O(nnz) (a few vectorised passes), about 1% of
    one gradient evaluation.

    Parameters
    ----------
    X : object
        Any input; only scipy sparse matrices and arrays are checked.
    name : str, default="X"
        Name of the input in the error message.

    Returns
    -------
    X : object
        The input, unchanged.
    """
    if not sp.issparse(X):
        return X
    shape = X.shape
    fmt = X.format
    if len(shape) == 1 and fmt in ("csr", "coo", "dok"):
        # scipy's 1-D sparse arrays (before: called malformed): checked as the one
        # row they store; the estimators then refuse them as 1-D input, in
        # scikit-learn's words.
        shape = (1, shape[0])
    if len(shape) != 2 or min(shape) < 0:
        raise ValueError(f"Input {name} is a malformed sparse matrix: shape {shape}.")
    if fmt in _COMPRESSED:
        indptr = _index_array(name, X.indptr, "indptr")
        indices = _index_array(name, X.indices, "indices")
        if fmt == "bsr":
            r, c = X.blocksize
            if r < 1 or c < 1 or shape[0] % r or shape[1] % c:
                raise ValueError(f"Input {name} is a malformed sparse matrix: block "
                                 f"size {X.blocksize} does not divide shape {shape}.")
            n_major, n_minor = shape[0] // r, shape[1] // c
        elif fmt == "csr":
            n_major, n_minor = shape
        else:
            n_major, n_minor = shape[1], shape[0]
        if indptr.shape[0] != n_major + 1:
            raise ValueError(
                f"Input {name} is a malformed sparse matrix: indptr has "
                f"{indptr.shape[0]} entries, expected {n_major + 1} for shape {shape}."
            )
        nnz = indices.shape[0]
        if indptr[0] != 0 or indptr[-1] != nnz:
            raise ValueError(
                f"Input {name} is a malformed sparse matrix: indptr must start at 0 "
                f"and end at the number of stored values ({nnz}), got "
                f"{indptr[0]} and {indptr[-1]}."
            )
        if X.data.shape[0] != nnz:
            raise ValueError(
                f"Input {name} is a malformed sparse matrix: data has "
                f"{X.data.shape[0]} entries, indices {nnz}."
            )
        if n_major and np.any(indptr[1:] < indptr[:-1]):
            raise ValueError(f"Input {name} is a malformed sparse matrix: indptr must "
                             f"be non-decreasing.")
        _check_in_range(name, indices, n_minor, "indices")
    elif fmt == "coo":
        coords = getattr(X, "coords", None) or (X.row, X.col)
        if len(coords) == 1:  # a 1-D array: its one row
            coords = (np.zeros_like(coords[0]), coords[0])
        row, col = (_index_array(name, c, what)
                    for c, what in zip(coords, ("row", "col")))
        if not (row.shape[0] == col.shape[0] == X.data.shape[0]):
            raise ValueError(f"Input {name} is a malformed sparse matrix: row, col and "
                             f"data must have the same length.")
        _check_in_range(name, row, shape[0], "row indices")
        _check_in_range(name, col, shape[1], "column indices")
    elif fmt == "lil":
        _check_lil(X, name, shape)
    elif fmt == "dia":
        offsets, data = X.offsets, X.data
        _index_array(name, offsets, "offsets")
        if (not isinstance(data, np.ndarray) or data.ndim != 2
                or data.shape[0] != offsets.shape[0]):
            raise ValueError(
                f"Input {name} is a malformed sparse matrix: a DIA matrix needs one "
                f"row of data per offset, got data of shape "
                f"{getattr(data, 'shape', None)} for {offsets.shape[0]} offsets.")
    return X


def _check_lil(X, name, shape):
    """A LIL matrix's ``rows`` and ``data`` are public Python lists that scipy's
    conversions copy unchecked: one list per row, of equal lengths, and every column
    index inside ``[0, n_columns)``."""
    rows, data = X.rows, X.data
    if len(rows) != shape[0] or len(data) != shape[0]:
        raise ValueError(
            f"Input {name} is a malformed sparse matrix: a LIL matrix of shape {shape} "
            f"needs {shape[0]} rows and data lists, got {len(rows)} and {len(data)}.")
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    if not np.array_equal(lengths, np.fromiter(map(len, data), dtype=np.int64,
                                               count=len(data))):
        raise ValueError(f"Input {name} is a malformed sparse matrix: each row of a "
                         f"LIL matrix needs as many data values as column indices.")
    if lengths.sum():
        try:
            indices = np.concatenate([np.asarray(r) for r in rows if len(r)])
        except (TypeError, ValueError):
            indices = None
        if indices is None or indices.ndim != 1 or not (
                np.issubdtype(indices.dtype, np.integer)):
            raise ValueError(f"Input {name} is a malformed sparse matrix: the column "
                             f"indices of a LIL matrix must be integers.")
        _check_in_range(name, indices, shape[1], "column indices")


def largest_magnitude(X):
    """``max|X|`` over the stored values of an array or a sparse matrix (no ``|X|``
    temporary), or None when there are none."""
    values = X.data if sp.issparse(X) else np.asarray(X)
    if values.size == 0:
        return None
    return max(float(values.max()), -float(values.min()))


def check_not_flushed(X, largest, original, name="X"):
    """Raise ``ValueError`` if the cast of ``original`` to ``X``'s dtype made every
    value of ``X`` zero (``largest``, ``max|X|``, is 0) although ``original`` has
    values that are not.

    A float64 value below half of float32's smallest subnormal number (1.4e-45)
    is 0 in float32. Before, such an input was fitted as a matrix of zeros, a
    constant model, where inputs a little larger (all subnormal in float32) are
    refused by ``check_input_scale``. Only the whole input is checked: a few
    values, or a column, that round to 0 are the rounding of a narrower type.
    Reads ``original`` only when ``X`` is all zeros.
    """
    if largest != 0.0 or original is None or original is X:
        return
    before = largest_magnitude(original)
    if before is not None and before > 0.0:
        raise ValueError(
            f"Input {name} has values of magnitude at most {before:.3g}, which are "
            f"all 0 in {X.dtype.name} (its smallest positive number is "
            f"{float(np.finfo(X.dtype).smallest_subnormal):.3g}): the fit would see "
            f"a matrix of zeros. Scale the features, e.g. with "
            f"sklearn.preprocessing.MaxAbsScaler, or use dtype='float64'."
        )


def check_input_scale(X, name="X", *, original=None, initialise=True):
    """Raise ``ValueError`` if ``X`` is so large that the network's sums overflow.

    The data-dependent initialisation (in float64, whatever the compute dtype)
    adds up to ``n_features`` products of the input with weights of order one and
    squares the sums (their variance): both stay finite while ``max|X| *
    n_features`` is below ``sqrt(finfo(float64).max)`` = 1.3e154. Beyond, the fit
    would silently collapse to constant outputs or NaN. (float32 fits also need
    X to fit float32, which the dtype conversion checks.) Below it, the first
    layer's gradient is of the input's magnitude, and L-BFGS-B runs a loss whose
    gradient passes 2^128 scaled down by a power of two
    (``sknonneg._solvers.lbfgsb.loss_shift``), so that its sums of squared
    gradients do not overflow either.

    ``X`` in its compute dtype must also stay within a sixteenth of that dtype's
    largest value, the limit of prediction's range check (``range_overflow_rows``,
    where a sum of the network could overflow); only float32 reaches it first.
    Before, a float32 fit took values of 3e37 and its ``predict`` then refused the
    training rows.

    At the other end, a float32 ``X`` whose every value is subnormal (below
    ``finfo(float32).tiny``) is refused: the initialisation's weights, of the
    inverse of the input's scale, would overflow float32, and the fit stopped with a
    message about ``learning_rate_init`` (``check_normal_magnitude``, the rule the
    autoencoder's fits share). (float64 has no such limit: the inverse of its
    smallest value is finite.)

    ``original``: ``X`` before its cast to the compute dtype, if it was cast; an
    ``X`` of zeros whose original was not is refused (``check_not_flushed``).
    ``initialise``: the fit draws a start on ``X`` (a first fit or ``partial_fit``
    call); False for one that continues a fitted network, where nothing is
    initialised and the refusal of subnormal values gives their own reason
    (``check_normal_magnitude``'s ``why`` None; before, it named the
    initialisation there too).
    """
    dtype = np.float64
    largest = largest_magnitude(X)
    if largest is None:
        return X
    check_not_flushed(X, largest, original, name)
    limit = float(np.sqrt(np.finfo(dtype).max)) / max(1, X.shape[1])
    if largest > limit:
        raise ValueError(
            f"Input {name} has values of magnitude up to {largest:.3g}: sums of "
            f"{X.shape[1]} such values and their squares overflow "
            f"{np.dtype(dtype).name} (at most {limit:.3g} is supported). Scale the "
            f"features, e.g. with sklearn.preprocessing.MaxAbsScaler."
        )
    compute = float(np.finfo(X.dtype).max) / 16.0 if X.dtype.kind == "f" else np.inf
    if largest > compute:
        raise ValueError(
            f"Input {name} has values of magnitude up to {largest:.3g}: in "
            f"{X.dtype.name} the network reads values up to {compute:.3g} (a "
            f"sixteenth of its range, so that its sums cannot overflow), and "
            f"prediction would refuse these rows. Use dtype='float64', or scale the "
            f"features, e.g. with sklearn.preprocessing.MaxAbsScaler."
        )
    check_normal_magnitude(
        X, largest, name,
        why=(f"the initialisation scales the first layer's weights to the inverse "
             f"of the input's scale, which overflows {X.dtype.name}." if initialise
             else None))
    return X


def check_normal_magnitude(X, largest, name="X", *, why=None):
    """Raise ``ValueError`` if every value of ``X``, of a float type narrower than
    float64, is below that type's smallest normal number (``finfo(dtype).tiny``,
    1.18e-38 for float32) and not all are 0; ``largest`` is ``max|X|``.

    The rule of every float32 fit (``check_input_scale``, whose ``why`` is the
    networks' initialisation where the fit draws a start;
    ``check_reconstruction_scale``, the autoencoder's).
    ``why``: the sentence that says what such an input does to the estimator;
    None: what such values are in that dtype (subnormal numbers, multiples of the
    smallest one, with fewer significant bits). float64 has no such limit: the
    inverse of its smallest value is finite.
    """
    if X.dtype.kind != "f" or X.dtype.itemsize >= 8:
        return
    finfo = np.finfo(X.dtype)
    tiny = float(finfo.tiny)
    if not 0.0 < largest < tiny:
        return
    if why is None:
        step = float(finfo.smallest_subnormal)
        bits = int(np.floor(np.log2(largest / step))) + 1  # of largest / step
        why = (f"{X.dtype.name} holds such values as subnormal numbers, multiples "
               f"of {step:.3g} with at most {bits} significant bits (a normal "
               f"{X.dtype.name} has {finfo.nmant + 1}).")
    raise ValueError(
        f"Input {name} has values of magnitude at most {largest:.3g}, below "
        f"{X.dtype.name}'s smallest normal number ({tiny:.3g}): {why} Scale the "
        f"features, e.g. with sklearn.preprocessing.MaxAbsScaler, or use "
        f"dtype='float64'."
    )


def check_reconstruction_scale(X, dtype, name="X", *, original=None):
    """Raise ``ValueError`` if an autoencoder's target ``X`` is so large that its
    gradient overflows.

    An autoencoder reconstructs ``X``: its decoder weights grow to the scale ``s =
    max|X|``, the error it back-propagates is of that scale too, so the encoder's
    gradient (input times error times decoder weight) reaches ``s^3`` summed over
    the ``n_samples * n_features`` entries, in the compute ``dtype``; L-BFGS-B's
    curvature pairs multiply two such gradients, ``s^6``, in float64. Both stay
    finite while ``s`` is below ``(finfo(dtype).max / (n_samples n_features))^(1/3)``
    and ``(finfo(float64).max / (n_samples n_features))^(1/6)``: 1e50 for float64,
    1e11 for float32 on a few thousand entries. Beyond, the fit overflowed (a
    ``RuntimeWarning``, then an error or a reconstruction of garbage).

    A float32 ``X`` whose every value is subnormal is refused, as the networks'
    (``check_normal_magnitude``; before, the autoencoder fitted it, in float32's
    rounding of such values, where the networks refused it).

    ``original``: as for ``check_input_scale``.
    """
    largest = largest_magnitude(X)
    if largest is not None:
        check_not_flushed(X, largest, original, name)
        check_normal_magnitude(X, largest, name)
    entries = float(max(1, X.shape[0])) * max(1, X.shape[1])
    limit = min((float(np.finfo(dtype).max) / entries) ** (1.0 / 3.0),
                (float(np.finfo(np.float64).max) / entries) ** (1.0 / 6.0))
    if largest is not None and largest > limit:
        raise ValueError(
            f"Input {name} has values of magnitude up to {largest:.3g}: an "
            f"autoencoder's gradient on {X.shape[0]} x {X.shape[1]} such values "
            f"overflows {np.dtype(dtype).name} (at most {limit:.3g} is supported). "
            f"Scale the features, e.g. with sklearn.preprocessing.MaxAbsScaler."
        )
    return X


def check_missing_targets(y, name="y"):
    """scikit-learn's ``ValueError`` ("Input y contains NaN.") where ``y`` holds a
    missing value (``pd.NA``, None, NaN) among strings, categories or objects: a
    pandas Series, DataFrame, Index or array (``pd.array``), or a NumPy array of
    objects.

    scikit-learn's ``check_array`` converts a nullable numeric column (its
    ``pd.NA`` becomes NaN, refused in these words), but finds the missing values
    of the other columns by comparing them with themselves, and ``pd.NA`` has no
    truth value: before, a label column of pandas' ``"string"`` dtype (what
    ``convert_dtypes`` and ``read_csv(dtype_backend="numpy_nullable")`` give
    text) with a missing label failed ``fit`` with pandas' bare TypeError
    "boolean value of NA is ambiguous", as it fails scikit-learn's own
    estimators, and a classifier's ``score`` failed on any missing label
    (also "'<' not supported between instances of 'NoneType' and 'str'", from
    sorting the labels). A list or tuple is read as a NumPy array of objects
    (before: None among strings failed ``score`` with that TypeError, and NaN
    among strings became the label ``"nan"``, NumPy making a string of it).
    A polars Series or DataFrame with a null (a missing value of any dtype) is
    refused in the same words. Numbers, bools and dates, a pandas
    ``MultiIndex`` and anything else (sparse matrices) are left to
    ``check_array`` and the metrics."""
    if isinstance(y, (list, tuple)):
        try:
            y = np.asarray(y, dtype=object)
        except ValueError:  # ragged beyond what NumPy holds: check_array's
            return
    if isinstance(y, np.ndarray):
        columns = [y] if y.dtype == object else []
    elif type(y).__module__.startswith("pandas"):
        if getattr(y, "nlevels", 1) > 1:
            # a MultiIndex (pandas has no isna for it; before: its
            # NotImplementedError): check_array's
            return
        ndim = getattr(y, "ndim", None)
        if ndim == 2 and hasattr(y, "iloc"):  # a DataFrame, column by column
            columns = [y.iloc[:, j] for j in range(y.shape[1])]
        elif ndim == 1 and hasattr(y, "isna"):  # a Series, an Index, an array
            columns = [y]
        else:
            columns = []
        # Numbers, bools and dates (kinds b, i, u, f, c, m, M) are check_array's,
        # unless a DataFrame mixes them with text: it then becomes an array of
        # objects, in which pd.NA of a nullable number has no truth value either
        # (before: "boolean value of NA is ambiguous" for Int64 and str columns)
        text = [column for column in columns
                if getattr(column.dtype, "kind", "O") not in "biufcmM"]
        columns = columns if text and ndim == 2 else text
    elif is_polars(y) or is_polars(y, "Series"):
        # A null of a polars column (a float column's NaN is no null: it is
        # check_array's). Before: a text label column with a null failed fit
        # with "Mix type of y not allowed, got types {'binary', 'unknown'}".
        columns = y.get_columns() if is_polars(y) else [y]
        if any(column.null_count() for column in columns):
            raise ValueError(f"Input {name} contains NaN.")
        return
    else:
        return
    if not columns:
        return
    import pandas as pd  # a dependency; imported only where there is text to read

    if any(bool(np.asarray(pd.isna(column)).any()) for column in columns):
        raise ValueError(f"Input {name} contains NaN.")


def check_positive_weights(sample_weight):
    """Finite, non-negative sample weights with a positive sum, scaled so that the
    largest is 1.

    Every objective, initialisation and score divides by the weights' sum, so the
    scale changes nothing but the range: weights of 1e307 would overflow their
    sum, and subnormal ones (5e-324) lose their ratios to rounding and divide by
    zero. Scaled, the sum lies in ``[1, n_samples]``.
    """
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    if not np.all(np.isfinite(sample_weight)) or np.any(sample_weight < 0):
        raise ValueError("sample_weight must be finite and non-negative.")
    largest = float(sample_weight.max()) if sample_weight.size else 0.0
    if not largest > 0:
        raise ValueError("sample_weight must have a positive sum.")
    return sample_weight / largest if largest != 1.0 else sample_weight


def scale_score_weights(sample_weight):
    """A ``score``'s ``sample_weight`` divided by its largest magnitude, as
    ``check_positive_weights`` scales a fit's.

    An accuracy or an R^2 is a ratio of weighted sums, unchanged by the weights'
    scale, but scikit-learn's metrics sum the weights as given: uniform weights of
    1e307 overflowed (an accuracy of NaN, an R^2 of 1.0 or NaN, RuntimeWarnings)
    and subnormal ones (5e-324) underflowed (an R^2 of 1.0). Weights that the
    metric refuses (not a 1-d array of finite numbers, or all 0) are returned as
    given, for the metric's own error; negative weights, which it takes, are
    scaled like the others.
    """
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight)
    if (weights.ndim != 1 or weights.dtype.kind not in "biuf"
            or not np.all(np.isfinite(weights))):
        return sample_weight
    largest = float(np.max(np.abs(weights), initial=0))
    return weights / largest if largest > 0 else sample_weight


def squared_errors_limit(n_rows, dtype=np.float64):
    """The largest ``max|e|`` whose squares, summed over ``n_rows`` (with the
    factor 2 of a difference of two such values), stay finite in ``dtype``:
    ``sqrt(finfo(dtype).max) / (2 sqrt(n_rows))``."""
    return float(np.sqrt(np.finfo(dtype).max)) / (2.0 * np.sqrt(max(1, n_rows)))


def check_target_scale(y, name="y"):
    """Raise ``ValueError`` if the regression target ``y`` is so large that its
    squared errors overflow.

    The regressor's own statistics cannot overflow (its standard deviation and
    ``score`` are computed in units of the largest deviation), but the squared
    errors of its predictions in the targets' units, summed over the rows as
    scikit-learn's ``mean_squared_error`` and ``r2_score`` sum them, stay finite
    only while ``2 max|y| sqrt(n_samples)`` is below ``sqrt(finfo(float64).max)``
    = 1.3e154: a model whose every metric is ``inf`` or ``NaN`` is refused at fit.
    """
    y = np.asarray(y)
    largest = largest_magnitude(y)
    limit = squared_errors_limit(y.shape[0])
    if largest is not None and largest > limit:
        raise ValueError(
            f"Input {name} has values of magnitude up to {largest:.3g}: their "
            f"squared deviations summed over {y.shape[0]} rows overflow float64 (at "
            f"most {limit:.3g} is supported). Scale the target, e.g. with "
            f"sklearn.compose.TransformedTargetRegressor."
        )
    return y


# The float64 vectors of the size of ``theta`` that any fit holds at once: the
# parameters, their gradient and a trial point (each solver adds its own workspace:
# ``check_workspace_fits_in_memory``).
_FIT_VECTORS = 3


def _physical_memory():
    """This machine's physical memory in bytes, or None where the system does not
    say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def memory_shortfall(n_values):
    """``(needed, total)`` bytes when ``n_values`` float64 values exceed this
    machine's physical memory, else None (also where the system does not say).
    Counted in Python ints: a NumPy integer count would overflow int64."""
    needed, total = 8 * int(n_values), _physical_memory()
    return (needed, total) if total is not None and needed > total else None


def check_fits_in_memory(n_params, layer_sizes):
    """``MemoryError`` naming the network when ``n_params`` parameters cannot be
    fitted in this machine's physical memory: a typo such as
    ``hidden_layer_sizes=(10**9,)`` would otherwise fill it until the system kills
    the process. A guard against the absurd, not a promise that a network which
    passes fits beside everything else in memory."""
    short = memory_shortfall(int(n_params) * _FIT_VECTORS)
    if short is not None:
        needed, total = short
        raise MemoryError(
            f"The network {tuple(int(s) for s in layer_sizes)} (layer sizes, inputs "
            f"first) has at least {int(n_params):,} parameters: fitting it needs at "
            f"least {needed / 2**30:.1f} GiB, more than this machine's "
            f"{total / 2**30:.1f} GiB of memory. Use fewer hidden units or input "
            "features.")


def check_network_fits_in_memory(layer_sizes):
    """``check_fits_in_memory`` for a network of these layer sizes (inputs first),
    counting at least the weights and biases of each layer: called before any
    array of the network (a sign vector, a block's bounds) is allocated."""
    sizes = [int(s) for s in layer_sizes]
    check_fits_in_memory(
        sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:])), sizes)


def check_workspace_fits_in_memory(n_params, values_per_param, what, advice):
    """``MemoryError`` when a solver's workspace, ``values_per_param`` float64 values
    per parameter beside the fit's own vectors (``check_fits_in_memory``), exceeds
    this machine's physical memory. The workspace is allocated lazily (``calloc``)
    and its pages touched as the solver fills it: left alone, the fit ran until the
    system killed the process, iterations into it."""
    short = memory_shortfall(int(n_params) * (_FIT_VECTORS + values_per_param))
    if short is not None:
        needed, total = short
        raise MemoryError(
            f"{what} needs at least {needed / 2**30:.1f} GiB for {int(n_params):,} "
            f"parameters, more than this machine's {total / 2**30:.1f} GiB of "
            f"memory. {advice}")


def _unchecked_input_note():
    """The cause to name first when scikit-learn's ``assume_finite=True`` let input
    through without its NaN/inf check; empty otherwise."""
    from sklearn import get_config

    if not get_config().get("assume_finite", False):
        return ""
    return ("scikit-learn's assume_finite=True is set, so the input was not checked "
            "for NaN or infinity: look there first (sklearn.set_config(assume_finite="
            "False) checks it). ")


def check_network_range(layers, X, dtype, name="X"):
    """Raise ``ValueError`` if a weighted sum of the network could overflow on
    some row of ``X`` (:func:`sknonneg._lipschitz.range_overflow_rows`): an
    overflowed pre-activation saturates a sigmoid or tanh on whichever side the
    order of the sum gives, a finite and wrong output that ``check_finite_output``
    cannot see."""
    from ._lipschitz import range_overflow_rows

    bad = range_overflow_rows(layers, X, dtype)
    if bad.any():
        raise ValueError(
            f"Input {name} has values too large for the fitted network: on "
            f"{int(bad.sum())} of its {bad.shape[0]} rows a weighted sum of a layer "
            f"could exceed the range of {np.dtype(dtype).name}, and an overflowed sum "
            f"would give a wrong output silently. {_unchecked_input_note()}Scale "
            f"{name} as the training data was."
        )
    return X


def check_finite_output(values, name="X"):
    """Raise ``ValueError`` if the network's output on input ``name`` overflowed."""
    if not np.all(np.isfinite(values)):
        note = _unchecked_input_note()
        raise ValueError(
            f"The network's output overflowed to non-finite values on input {name}"
            + (f". {note}Otherwise, its" if note else ": its")
            + f" values are too large for the fitted weights. Scale {name} as the "
            f"training data was."
        )
    return values


# The parameters that the advice for a loss or parameters not finite may name, in
# the order named: the gain, then the penalties (an autoencoder's own first).
_OVERFLOW_GAIN = "gain"
_OVERFLOW_PENALTIES = ("nonneg_penalty", "sparsity_weight", "l1", "l2", "activity_l1")
# The solvers whose line search sets the steps (``learning_rate_init`` unread).
_LINE_SEARCH_SOLVERS = ("lbfgsb", "lbfgs")


def overflow_remedies(params=None):
    """The advice for a fit whose loss or parameters were not finite: lower the
    step size, and the gain and penalties that the estimator has (``params``,
    its parameter names; None: a network's). Before, every
    estimator was told to lower "gain or the penalties (l1, l2, activity_l1)",
    which an autoencoder does not have (its penalties are ``nonneg_penalty``,
    ``sparsity_weight`` and ``l2``), nor an ABBAClassifier its gain and
    ``activity_l1``.

    The step size, ``learning_rate_init``, is named only where the fit takes
    steps of it: ``params`` a mapping (``get_params()``) whose ``solver`` is
    not L-BFGS-B, or names without a solver. L-BFGS-B's line search sets its
    steps and never reads ``learning_rate_init``; before, an L-BFGS-B fit that
    overflowed was told to lower it."""
    if params is None:
        params = {_OVERFLOW_GAIN, "l1", "l2", "activity_l1"}
    solver = params.get("solver") if isinstance(params, Mapping) else None
    params = set(params)
    penalties = [name for name in _OVERFLOW_PENALTIES if name in params]
    named = ([] if solver in _LINE_SEARCH_SOLVERS else ["learning_rate_init"])
    named += [_OVERFLOW_GAIN] if _OVERFLOW_GAIN in params else []
    if penalties:
        named.append(f"the penalties ({', '.join(penalties)})")
    if not named:
        return "Scale the input features."
    lower = (named[0] if len(named) == 1
             else f"{', '.join(named[:-1])} or {named[-1]}")
    return f"Lower {lower}, or scale the input features."


def check_finite_parameters(theta, where, loss=0.0, dtype=None, params=None):
    """Raise ``ValueError`` if the packed parameters ``theta`` or the ``loss`` are not
    all finite, or (``dtype``, the network's compute dtype) not all within its range.

    ``where`` names what produced them (a solver and its step size, say), so the
    message tells the user which parameter to change. ``theta`` is read in pieces:
    no temporary of its size (a wide network's parameters take hundreds of MB).
    A float32 network keeps float64 parameters: one beyond float32's range is inf
    where the network computes (before, such a fit passed, and its diagnostics and
    predictions met NumPy's "overflow encountered in cast" and NaN).
    ``params``: the names of the estimator's parameters, of which the advice
    names those it has (``overflow_remedies``; None: a network's). The message
    names what overflowed: the parameters, or the loss alone at parameters
    that are finite (and within the dtype's range).
    """
    theta = np.asarray(theta).reshape(-1)
    piece = 1 << 16
    # float64's largest without a dtype: an inf parameter is beyond it (before,
    # the bound was inf, and only NaN was refused there).
    top = float(np.finfo(np.float64 if dtype is None else dtype).max)
    in_range = all(bool(np.all(np.abs(theta[i:i + piece]) <= top))  # NaN: False
                   for i in range(0, theta.shape[0], piece))
    if in_range and np.isfinite(loss):
        return
    name = "" if dtype is None else np.dtype(dtype).name
    if in_range:
        # The loss alone: before, "The network's parameters overflowed" here too.
        within = f" and within the range of {name}" if name else ""
        what = (f"The training loss overflowed to a non-finite value "
                f"({float(loss)}) {where}; the network's parameters are "
                f"finite{within}")
    else:
        beyond = (f" (or beyond the range of {name}, the network's dtype)" if name
                  else "")
        what = (f"The network's parameters overflowed to non-finite values "
                f"{where}{beyond}")
    raise ValueError(f"{what}. {_unchecked_input_note()}{overflow_remedies(params)}")


def has_spread(std, mean_square):
    """Which units have a standard deviation above rounding noise.

    ``std`` is the spread of each unit's pre-activation over the data, and
    ``mean_square`` the mean of its square. A sum of ``n`` terms carries a rounding
    error of about ``n`` ulp of its magnitude, so a spread below ``1e-7`` (float64)
    of the root mean square is noise, not information: rescaling it to unit spread
    would give huge weights that depend on the summation order (dense and CSR copies
    of one input would then start, and predict, differently).
    """
    rms = np.sqrt(np.maximum(mean_square, 0.0))
    with np.errstate(invalid="ignore"):
        return np.isfinite(std) & np.isfinite(rms) & (std > 1e-7 * rms) & (std > 0)
