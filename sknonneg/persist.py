"""Saving and loading fitted estimators with ``skops.io``: no code runs on load.

``pickle.load`` (and ``joblib.load``) can run arbitrary code: only load pickles you
made yourself. ``skops.io`` stores the same state in a zip of JSON and ``.npy``
files, and on load builds only the types it is told to trust. skops trusts NumPy's
arrays and scalars, SciPy's sparse matrices and scikit-learn's estimators by
default, but not ``numpy.dtype`` (a fitted ``SimpleImputer`` keeps one:
``trusted=["numpy.dtype"]``) nor every helper
object a fitted meta-estimator keeps (a ``VotingClassifier``'s ``Bunch``, a
``GridSearchCV``'s scorer and CV splitter): :func:`load` names those, and
``trusted=untrusted_types(file)``, once you have read that list, allows them.
sknonneg's own types must be allowed by name. ``TRUSTED_TYPES`` lists every type a sknonneg estimator is made of, and
:func:`load` loads a file only if every untrusted type in it is on that list.

Requires ``skops``, in sknonneg's ``persist`` extra (from the clone:
``python -m pip install -e ".[persist]"``).
"""

__all__ = ["TRUSTED_TYPES", "dump", "load", "untrusted_types"]

#: Names of the types a fitted sknonneg estimator is built from, beyond those skops
#: trusts by default: the types :func:`load` accepts without ``trusted=``.
TRUSTED_TYPES = (
    "sknonneg._engine.layout.ParameterLayout",
    "sknonneg._engine.layers.DenseLayer",
    "sknonneg._engine.layers.ABBALayer",
    "sknonneg._solvers.adam.ProjectedAdam",
    "sknonneg.neural_network._nonneg_mlp.NonNegMLPClassifier",
    "sknonneg.neural_network._nonneg_mlp_regressor.NonNegMLPRegressor",
    "sknonneg.neural_network._abba.ABBAClassifier",
    "sknonneg.neural_network._autoencoder.NonNegAutoencoder",
    "sknonneg.preprocessing._ramps.RampTransformer",
)


def _check_file(file, caller, method):
    """``file`` as skops takes it: a path (a bytes path decoded, as ``open`` reads
    it) or a file object with ``method``. A TypeError naming ``file`` for anything
    else (before: zipfile's or skops' "'int' object has no attribute 'seek'" /
    "'NoneType' object has no attribute 'write'"), and for bytes that are a file's
    content rather than its path (before, bytes passed this check and skops failed
    on them with "'bytes' object has no attribute 'write'" / "'seek'", a path of
    bytes included). A bytearray or memoryview is neither a path (``open`` takes
    none) nor a file object: before, every bytearray was said to be a file's
    content (``bytearray(b"model.skops")`` included) and a memoryview was named
    by its repr, ``<memory at 0x...>``."""
    import os

    takes = (f"{caller} takes file as a path (str, bytes or path-like) or a file "
             "object opened in binary mode")
    if isinstance(file, (bytearray, memoryview)):
        kind = type(file).__name__
        if method != "write" and _is_content(bytes(file)):  # the wording only
            raise TypeError(f"{takes}, got a {kind} that holds a file's content, not "
                            "its path: wrap the content in io.BytesIO(...).")
        where = ("an io.BytesIO() to write the file into" if method == "write"
                 else "wrap a file's content in io.BytesIO(...)")
        raise TypeError(f"{takes}, got a {kind}, which open() does not take as a "
                        f"path: pass the path as str or bytes, or {where}.")
    if isinstance(file, bytes):
        if _is_content(file):
            where = ("pass the path, or an io.BytesIO() to write the file into"
                     if method == "write" else "wrap the content in io.BytesIO(...)")
            raise TypeError(
                f"{takes}, got bytes that read as a file's content, not its path: "
                f"{where}.")
        return os.fsdecode(file)
    if not (isinstance(file, (str, os.PathLike)) or hasattr(file, method)):
        raise TypeError(f"{takes}, got {type(file).__name__}: {file!r}.")
    return file


def _is_content(data):
    """Whether ``data`` (bytes) reads as a file's content: a NUL byte (no path has
    one), or a zip's signature (b"PK\x03\x04", b"PK\x05\x06" when empty; before:
    any bytes starting with b"PK", a path b"PKG_model.skops" included)."""
    return b"\x00" in data or data[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def _name(file):
    """How a message names ``file``, at the start of a sentence: a path as it is;
    a file object by its path (``.name``, as ``open`` gives it) or, without one,
    as "The BytesIO file object". Before, a file object was named by its repr,
    ``<_io.BytesIO object at 0x...>``."""
    import os

    if isinstance(file, (str, os.PathLike)):
        return os.fsdecode(file)
    name = getattr(file, "name", None)
    if isinstance(name, (str, bytes, os.PathLike)):  # not the int of an fd
        return os.fsdecode(name)
    return f"The {type(file).__name__} file object"


def _skops_io():
    try:
        import skops.io
    except ImportError as exc:
        from ._validation import install_hint

        raise ImportError(
            f"sknonneg.persist needs skops; {install_hint('persist')} ({exc})"
        ) from exc
    return skops.io


def dump(estimator, file):
    """Save ``estimator`` (or any object made of trusted types) to ``file``.

    Parameters
    ----------
    estimator : object
        Usually a fitted sknonneg estimator, or a pipeline containing one. A
        network is saved as it was fitted: its fitted parameters, and the fitted
        values of the attributes derived from them (``out_activation_``,
        ``monotonic_cst_``, ...), whatever was set in their place since (which
        changes nothing the estimator computes either).
    file : str, bytes or path-like, or file object
        Destination, conventionally with the ``.skops`` extension, or a file object
        opened for writing in binary mode (an ``io.BytesIO``).

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sknonneg import persist
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "scaler.skops")
    ...     persist.dump(StandardScaler(), path)
    ...     os.path.getsize(path) > 0
    True

    An estimator that holds a metadata routing request (``set_fit_request`` and
    the like, under ``sklearn.set_config(enable_metadata_routing=True)``) cannot
    be saved: skops recurses without end on scikit-learn's request objects (a
    ``LogisticRegression`` fails the same way), and ``dump`` raises a ValueError
    that names the estimators holding one.
    """
    skops_io = _skops_io()
    file = _check_file(file, "dump", "write")
    try:
        skops_io.dump(estimator, file)
    except RecursionError:
        owners = _metadata_request_owners(estimator)
        if not owners:
            raise
        # Before: a traceback thousands of lines long ending in RecursionError.
        raise ValueError(
            f"skops cannot save scikit-learn's metadata routing requests (set by "
            f"set_fit_request, set_score_request, ...), and {', '.join(owners)} "
            f"{'holds' if len(owners) == 1 else 'hold'} one: skops recurses without "
            "end on it. Save an estimator made "
            "without the set_*_request calls and make them again after loading, or "
            "save with pickle or joblib if the file will only be loaded by you."
        ) from None


def _metadata_request_owners(obj, seen=None, depth=0):
    """Names of the estimators in ``obj`` (nested in meta-estimators, lists,
    tuples and dicts) that hold a metadata routing request."""
    from sklearn.base import BaseEstimator

    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 50:
        return []
    seen.add(id(obj))
    if isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, (list, tuple)):
        children = list(obj)
    elif isinstance(obj, BaseEstimator):
        children = list(vars(obj).values())
    else:
        return []
    owners = ([type(obj).__name__] if isinstance(obj, BaseEstimator)
              and "_metadata_request" in vars(obj) else [])
    for child in children:
        owners += _metadata_request_owners(child, seen, depth + 1)
    return owners


def untrusted_types(file):
    """List the types in ``file`` that skops does not trust by default.

    Parameters
    ----------
    file : str, bytes or path-like, or file object
        A file written by :func:`dump` or ``skops.io.dump``: its path, or a file
        object opened in binary mode (an ``io.BytesIO`` of its content; the content
        itself as bytes is a ``TypeError``).

    Returns
    -------
    names : list of str
        The sorted names of the untrusted types, e.g. sknonneg's own classes.

    Raises
    ------
    ValueError
        If ``file`` is not a skops file (not a zip archive, or one without a skops
        schema), or if it is damaged: a member missing, corrupted (bad CRC) or cut
        short, or a schema.json that is not a skops schema.

    Examples
    --------
    >>> import os, tempfile
    >>> from sknonneg import persist
    >>> from sknonneg.preprocessing import RampTransformer
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "ramps.skops")
    ...     persist.dump(RampTransformer(), path)
    ...     persist.untrusted_types(path)
    ['sknonneg.preprocessing._ramps.RampTransformer']
    """
    import json
    import zipfile
    import zlib

    file = _check_file(file, "untrusted_types", "read")
    # A file object is read again by skops: from where it was.
    start = file.tell() if hasattr(file, "seek") and hasattr(file, "tell") else None
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        if _starts_as_zip(file, start):
            # Before: a skops file cut short (an interrupted copy) was said not to
            # be one, and pointed to joblib.load.
            raise _damaged(file, zipfile.BadZipFile(
                "it starts as a zip archive, but the archive's directory at its end "
                "is missing or damaged")) from exc
        raise ValueError(
            f"{_name(file)} is not a file written by sknonneg.persist.dump or "
            f"skops.io.dump: {exc} (a pickle or joblib file is loaded with "
            "joblib.load, and only if you made it yourself).") from exc
    finally:
        if start is not None:
            file.seek(start)
    if "schema.json" not in names:
        raise ValueError(
            f"{_name(file)} is not a file written by sknonneg.persist.dump or "
            "skops.io.dump: a zip archive without the schema.json of a skops file.")
    try:
        return sorted(_skops_io().get_untrusted_types(file=file))
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError) as exc:
        # Before: a missing member was a raw KeyError, a corrupted one (bad CRC)
        # was said not to be a skops file at all.
        raise _damaged(file, exc) from exc
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError,
            AttributeError, RecursionError) as exc:
        # Before: raw errors of json and skops ("Invalid skops protocol None",
        # "'list' object has no attribute 'get'", a RecursionError on a deeply
        # nested schema). skops' own ValueErrors (a protocol newer than it reads)
        # are clear as they are.
        reason = str(exc).rstrip(".")
        raise _damaged(file, exc, f"its schema.json is not a skops schema: {reason}"
                       ) from exc


def _starts_as_zip(file, start=None):
    """Whether ``file`` (a path, or a file object read from ``start``) begins with
    a zip archive's signature."""
    try:
        if start is None:
            with open(file, "rb") as handle:
                head = handle.read(4)
        else:
            file.seek(start)
            head = file.read(4)
    except (OSError, TypeError, ValueError, AttributeError):
        return False
    return head == b"PK\x03\x04"


def _damaged(file, exc, reason=None):
    """The error for a skops file that cannot be read whole: a member missing,
    corrupted (bad CRC, bad compressed data) or cut short, or a schema that is not
    one."""
    if reason is None:
        reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    return ValueError(
        f"{_name(file)} is a damaged skops file: {reason} "
        f"({type(exc).__name__}). It was corrupted or cut short after it was "
        "written (or edited by hand); nothing was loaded from it. Restore it from a "
        "copy, or dump the model again.")


def load(file, *, trusted=()):
    """Load ``file`` if its only untrusted types are sknonneg's (or in ``trusted``).

    Parameters
    ----------
    file : str, bytes or path-like, or file object
        A file written by :func:`dump` or ``skops.io.dump``: its path, or a file
        object opened in binary mode (an ``io.BytesIO`` of its content; the content
        itself as bytes is a ``TypeError``).
    trusted : str, sequence of str or None, default=()
        Further type names to allow, e.g. those of your own transformers (one
        name may be given as a string; None: none, as ``()``). Names only: a type
        itself, which ``skops.io.load`` also takes, is a TypeError.

    Returns
    -------
    obj : object
        The loaded estimator.

    Raises
    ------
    ValueError
        If ``file`` is not a skops file (not a zip archive, or one without a skops
        schema), or a damaged one (a member missing, corrupted or cut short, a
        schema.json that is not a skops schema). If the file holds sknonneg
        types that this version does not have (also types passed in
        ``trusted``): it was written by another version (no compatibility is
        kept between versions before the first release). If a sknonneg estimator
        in it lacks one of its class's parameters (``get_params`` would fail: a
        file of another version, or edited), or a network holds fitted attributes
        without its fitted parameters. Or if a network in the
        file (classifier, regressor or autoencoder; alone or anywhere inside a
        meta-estimator, list or dict) is inconsistent: parameters of another
        length than its layout, non-finite or outside its sign constraints,
        shapes that disagree with ``n_features_in_``, ``n_outputs_`` (each an
        int) or ``classes_``, a ``classes_`` that is not sorted and unique (as the
        fit makes it; another order would give every prediction another label) or
        that differs from its label encoder's, a gain or a target scale
        (``y_scale_``) that is not a finite positive number (either would
        reverse the output's direction), a ``monotonic_cst_`` that its sign
        constraints do not keep, an output function (``out_activation_``) or a number of output units other than
        the parameters it was fitted with give (a classifier's ``output``, the
        autoencoder's ``decoder``), or a layout that is not the one the
        parameters it was fitted with build (valid as its parameter constraints
        define them): every layer's sign constraints, activation, ABBA role,
        slope and cap, L1 penalty and storage, and where each block lies in the
        parameters. The fitted arrays (``coefs_``, ...) are derived from the
        checked parameters on load, never read from the file.
    TypeError
        If ``trusted`` is not a str, a sequence of str or None, or ``file`` is
        neither a path nor a file object (the file's content as bytes included;
        a bytearray or memoryview too, which ``open`` does not take as a path).
    skops.io.exceptions.UntrustedTypesFoundException
        If the file holds a type that is neither trusted by skops, nor one of
        ``TRUSTED_TYPES``, nor in ``trusted``; nothing is built from it. A
        sknonneg type that this version has but does not trust by default (a
        ``MonotoneCertificate``, say) is one: pass its name in ``trusted`` if you
        trust the file.

    Warns
    -----
    sknonneg.InconsistentVersionWarning
        For each sknonneg object in the file that another version of sknonneg
        saved (or one that did not record its version: ``"unknown"``). Its
        parameters or fitted layout may differ: refit it with this version, or
        load it with the one that saved it.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sknonneg import NonNegMLPClassifier, persist
    >>> X = np.random.RandomState(0).uniform(size=(40, 3))
    >>> clf = NonNegMLPClassifier(hidden_layer_sizes=2, max_iter=5, random_state=0)
    >>> clf = clf.fit(X, (X[:, 0] > 0.5).astype(int))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "model.skops")
    ...     persist.dump(clf, path)
    ...     extra = [t for t in persist.untrusted_types(path)
    ...              if t not in persist.TRUSTED_TYPES]
    ...     loaded = persist.load(path)
    >>> extra
    []
    >>> bool(np.array_equal(loaded.predict_proba(X), clf.predict_proba(X)))
    True
    """
    import zipfile
    import zlib

    sio = _skops_io()
    file = _check_file(file, "load", "read")
    original = trusted
    if trusted is None:
        trusted = ()  # as skops takes it: no further types
    elif isinstance(trusted, str):
        trusted = [trusted]  # before: set("a.B") allowed the letters, not the name
    try:
        trusted = list(trusted)
    except TypeError:
        trusted = None
    if trusted is None or not all(isinstance(name, str) for name in trusted):
        # Before: trusted=5 or True was "'int' object is not iterable"; a type
        # (skops takes those) was never matched with the names in the file.
        raise TypeError(
            f"trusted must be a type name (str), a sequence of type names or None, "
            f"got {original!r}. Pass the names that "
            f"sknonneg.persist.untrusted_types(file) lists and you accept.")
    allowed = set(TRUSTED_TYPES) | set(trusted)
    found = untrusted_types(file)
    unknown = [name for name in found if name not in allowed]
    ours = [name for name in unknown if name.split(".")[0] == "sknonneg"]
    # Before: every sknonneg type off TRUSTED_TYPES was said to come from another
    # version, also one this version has (a MonotoneCertificate, say). Every
    # sknonneg name is looked up, also those in trusted (before, a file of another
    # version loaded with trusted=untrusted_types(file), as the docs advise for
    # meta-estimators, failed in skops with a raw ModuleNotFoundError).
    stale = [name for name in found
             if name.split(".")[0] == "sknonneg" and not _has_type(name)]
    if stale:
        raise ValueError(
            f"{_name(file)} was written by another version of sknonneg: it holds "
            f"{', '.join(stale)}, which this version does not have (its types are "
            f"sknonneg.persist.TRUSTED_TYPES). Load it with the version that wrote "
            f"it, or fit the model again and dump it with this one."
        )
    if unknown:
        from skops.io.exceptions import UntrustedTypesFoundException

        exc = UntrustedTypesFoundException(unknown)
        if ours:
            exc.args = (
                f"{exc.args[0]} {_name(file)} holds sknonneg types that this "
                f"version has but load does not trust by default: {', '.join(ours)} (it trusts "
                "sknonneg.persist.TRUSTED_TYPES, what a fitted estimator is made "
                "of). If you trust the file, read "
                "sknonneg.persist.untrusted_types(file) and pass the names you "
                "accept as trusted=.",)
        else:
            # Before: skops' bare message, with no word on how to allow them
            # (a Pipeline's SimpleImputer keeps a numpy.dtype, which skops does
            # not trust).
            exc.args = (
                f"{exc.args[0]} skops does not trust these types by default (a "
                "SimpleImputer keeps a numpy.dtype; meta-estimators keep helper "
                "objects). If you trust the file, read "
                "sknonneg.persist.untrusted_types(file) and pass the names you "
                "accept as trusted=.",)
        raise exc
    try:
        obj = sio.load(file, trusted=found)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _damaged(file, exc) from exc
    except (ValueError, IndexError, TypeError, KeyError, AttributeError,
            RecursionError) as exc:
        raise ValueError(f"{_name(file)} does not hold a consistent "
                         f"estimator: building it failed with {type(exc).__name__}: {exc}") from exc
    from .neural_network._base import BaseNetwork

    objects = list(_sknonneg_objects(obj))
    # First every object's own attribute names (a layout's too: the networks'
    # checks below call its methods), then the networks' fitted state.
    for item in objects:
        _check_not_shadowing(item, file)
        _check_parameters_present(item, file)
    for item in objects:
        if isinstance(item, BaseNetwork):
            _check_network(item, file)
    return obj


def _has_type(name):
    """Whether this version of sknonneg has the type or function ``name``
    (``"sknonneg.a.B"``):
    its module is imported (never ``__main__``, which would run the command line)
    and looked up, nothing else is run."""
    import importlib
    import importlib.util

    module, _, attr = name.rpartition(".")
    parts = module.split(".")
    if (not attr or parts[0] != "sknonneg" or "__main__" in parts
            or not all(part.isidentifier() for part in [*parts, attr])):
        return False
    try:
        if importlib.util.find_spec(module) is None:
            return False
        found = getattr(importlib.import_module(module), attr, None)
    except Exception:  # a module that does not import here is not this version's
        return False
    # A type or a function (a scorer's make_scorer(multilabel_hit_rate), a
    # FunctionTransformer(hoyer_sparsity)): before, only types counted, and a file
    # holding one of this version's functions was refused as another version's.
    return (callable(found) and f"{getattr(found, '__module__', '')}."
            f"{getattr(found, '__qualname__', '')}" == name)


def _sknonneg_objects(obj):
    """The objects of sknonneg's own types (or of subclasses of them) in ``obj``:
    itself, or anywhere in the attributes of the objects it holds (a Pipeline's
    steps, a search's ``best_estimator_``, a ``TransformedTargetRegressor``'s
    ``regressor_``, a ``ColumnTransformer``'s ``transformers_``, a network's layout
    and layers, lists, tuples, dicts and object arrays of those), each object
    visited once, parents before what they hold."""
    import numbers
    from collections import deque

    import numpy as np

    seen, queue = set(), deque([obj])
    while queue:
        item = queue.popleft()
        if id(item) in seen or item is None or isinstance(
                item, (str, bytes, numbers.Number, type)):
            continue
        seen.add(id(item))
        # Its type or a base of it is sknonneg's (a user's subclass of an
        # estimator too: checked as before, when the walk looked for BaseNetwork).
        if any(getattr(cls, "__module__", "").partition(".")[0] == "sknonneg"
               for cls in type(item).__mro__):
            yield item
        if isinstance(item, np.ndarray):
            if item.dtype == object:
                queue.extend(item.ravel().tolist())
        elif isinstance(item, dict):
            queue.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            queue.extend(item)
        elif hasattr(item, "__dict__"):
            queue.extend(vars(item).values())


def _check_not_shadowing(item, file):
    """A file sets the attributes of the objects it builds: one named like a method
    or class attribute of the type would replace it for every later call (before:
    a file giving ``predict_proba=4`` loaded, and ``predict_proba`` raised "'int'
    object is not callable"; a trusted callable would have computed something else;
    ``_FITTED_PARAMS`` or ``_parameter_constraints`` switched the checks off; a
    layout's ``pack=4`` loaded and broke the next warm start). Refused for every
    object of sknonneg's types (networks, their layouts, layers and solvers,
    ``RampTransformer``)."""
    shadowing = sorted(name for name in getattr(item, "__dict__", {})
                       if hasattr(type(item), name))
    if shadowing:
        raise ValueError(
            f"{_name(file)} holds an inconsistent {type(item).__name__}: its "
            f"attribute(s) {shadowing} would replace the method(s) or class attribute(s) of that "
            "name.")


def _check_parameters_present(item, file):
    """A file gives an estimator all of its constructor parameters (``get_params``
    reads them): one without a parameter of this version's class (written by a
    version before the parameter existed, or edited by hand) is refused. Before,
    it loaded and ``get_params``, ``repr``, ``clone`` and ``fit`` then failed with
    "'NonNegMLPClassifier' object has no attribute 'l1'"."""
    import inspect

    from sklearn.base import BaseEstimator

    if not isinstance(item, BaseEstimator):
        return
    # The constructor's named parameters, as get_params reads them (from the
    # signature: not scikit-learn's private BaseEstimator._get_param_names).
    init = type(item).__init__
    if init is object.__init__:
        return
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    names = [p.name for p in inspect.signature(init).parameters.values()
             if p.name != "self" and p.kind in kinds]
    missing = [name for name in names if name not in vars(item)]
    if missing:
        raise ValueError(
            f"{_name(file)} holds an inconsistent {type(item).__name__}: it "
            f"lacks the parameter(s) {missing} of this version's {type(item).__name__}. It was "
            "written by another version of sknonneg (or edited by hand): load it with "
            "the version that wrote it, or fit the model again and dump it with this "
            "one.")


def _check_network(est, file):
    """The fitted state of a loaded network agrees with itself (the estimator's
    ``_check_fitted_state``): a file edited by hand, or written by an incompatible
    version, is a ``ValueError`` naming ``file`` here rather than a wrong
    prediction, an overstated Lipschitz bound or certificate, or a read out of
    bounds in a kernel."""

    def fail(reason):
        raise ValueError(f"{_name(file)} holds an inconsistent "
                         f"{type(est).__name__}: {reason}.")

    # Looked up on the class: the file sets the instance's attributes, and one
    # named like the method would replace the check.
    try:
        type(est)._check_fitted_state(est, fail)
    except (AttributeError, TypeError, KeyError, IndexError) as exc:
        # Before: a file without classes_ (or another field the checks read)
        # escaped as the raw AttributeError, not naming the file.
        fail(f"checking its fitted state failed ({type(exc).__name__}: {exc})")
    if hasattr(est, "classes_"):
        _check_classes(est, fail)


def _check_classes(est, fail):
    """A classifier's ``classes_`` is 1-D, sorted and unique, as ``np.unique`` (and
    the fit's ``LabelEncoder``) makes it, and its label encoder has the same: before,
    a file with ``classes_`` ``[1, 0]`` loaded and flipped every prediction (and the
    certificate's ``positive_class_``); one with ``[0, 0]`` predicted a single
    class."""
    import numpy as np

    classes = np.asarray(est.classes_)
    if classes.ndim != 1:
        fail(f"its classes_ has shape {classes.shape}, not 1-D")
    try:
        unique = np.unique(classes)
    except TypeError as exc:
        fail(f"its classes_ cannot be sorted ({exc})")
    if not np.array_equal(unique, classes):
        repeated = len(unique) < len(classes)
        fail(f"its classes_ {'has repeated labels' if repeated else 'is not sorted'}"
             " (the fit makes it sorted and unique, as np.unique gives it); it "
             "would give every prediction another label")
    for name in ("_label_encoder", "_label_binarizer"):
        encoded = getattr(getattr(est, name, None), "classes_", None)
        if encoded is not None and not np.array_equal(np.asarray(encoded), classes):
            fail(f"its classes_ differs from the classes_ of its {name} (the fit "
                 "makes them equal)")
