"""Saving and loading fitted estimators with ``skops.io``: no code runs on load.

``pickle.load`` (and ``joblib.load``) can run arbitrary code: only load pickles you
made yourself. ``skops.io`` stores the same state in a zip of JSON and ``.npy``
files, and on load builds only the types it is told to trust. skops trusts NumPy's
and SciPy's types and scikit-learn's estimators by default, but not every helper
object a fitted meta-estimator keeps (a ``VotingClassifier``'s ``Bunch``, a
``GridSearchCV``'s scorer and CV splitter): :func:`load` names those, and
``trusted=untrusted_types(file)``, once you have read that list, allows them.
sknonneg's own types must be allowed by name. ``TRUSTED_TYPES`` lists every type a sknonneg estimator is made of, and
:func:`load` loads a file only if every untrusted type in it is on that list.

Requires ``skops`` (``pip install sknonneg[persist]``).
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


def _skops_io():
    try:
        import skops.io
    except ImportError as exc:
        raise ImportError(
            f"sknonneg.persist needs skops: pip install 'sknonneg[persist]' ({exc})"
        ) from exc
    return skops.io


def dump(estimator, file):
    """Save ``estimator`` (or any object made of trusted types) to ``file``.

    Parameters
    ----------
    estimator : object
        Usually a fitted sknonneg estimator, or a pipeline containing one.
    file : str or path-like
        Destination, conventionally with the ``.skops`` extension.

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
    file : str or path-like
        A file written by :func:`dump` or ``skops.io.dump``.

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
            f"{file!s} is not a file written by sknonneg.persist.dump or "
            f"skops.io.dump: {exc} (a pickle or joblib file is loaded with "
            "joblib.load, and only if you made it yourself).") from exc
    finally:
        if start is not None:
            file.seek(start)
    if "schema.json" not in names:
        raise ValueError(
            f"{file!s} is not a file written by sknonneg.persist.dump or "
            "skops.io.dump: a zip archive without the schema.json of a skops file.")
    try:
        return sorted(_skops_io().get_untrusted_types(file=file))
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError) as exc:
        # Before: a missing member was a raw KeyError, a corrupted one (bad CRC)
        # was said not to be a skops file at all.
        raise _damaged(file, exc) from exc
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError,
            AttributeError) as exc:
        # Before: raw errors of json and skops ("Invalid skops protocol None",
        # "'list' object has no attribute 'get'"). skops' own ValueErrors (a
        # protocol newer than it reads) are clear as they are.
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
        f"{file!s} is a damaged skops file: {reason} ({type(exc).__name__}). It was "
        "corrupted or cut short after it was written (or edited by hand); nothing "
        "was loaded from it. Restore it from a copy, or dump the model again.")


def load(file, *, trusted=()):
    """Load ``file`` if its only untrusted types are sknonneg's (or in ``trusted``).

    Parameters
    ----------
    file : str or path-like
        A file written by :func:`dump` or ``skops.io.dump``.
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
        kept between versions before the first release). Or if a network in the
        file (classifier, regressor or autoencoder; alone or anywhere inside a
        meta-estimator, list or dict) is inconsistent: parameters of another
        length than its layout, non-finite or outside its sign constraints,
        shapes that disagree with ``n_features_in_``, ``n_outputs_`` (each an
        int) or ``classes_``, a gain or a target scale (``y_scale_``) that is not
        a finite positive number (either would reverse the output's direction),
        a ``monotonic_cst_`` that its sign constraints do not keep, an output
        function (``out_activation_``) or a number of output units other than
        the parameters it was fitted with give (a classifier's ``output``, the
        autoencoder's ``decoder``), or a layout that is not the one the
        parameters it was fitted with build (valid as its parameter constraints
        define them): every layer's sign constraints, activation, ABBA role,
        slope and cap, L1 penalty and storage, and where each block lies in the
        parameters. The fitted arrays (``coefs_``, ...) are derived from the
        checked parameters on load, never read from the file.
    TypeError
        If ``trusted`` is not a str, a sequence of str or None.
    skops.io.exceptions.UntrustedTypesFoundException
        If the file holds a type that is neither trusted by skops, nor one of
        ``TRUSTED_TYPES``, nor in ``trusted``; nothing is built from it. A
        sknonneg type that this version has but does not trust by default (a
        ``MonotoneCertificate``, say) is one: pass its name in ``trusted`` if you
        trust the file.

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
            f"{file} was written by another version of sknonneg: it holds "
            f"{', '.join(stale)}, which this version does not have (its types are "
            f"sknonneg.persist.TRUSTED_TYPES). Load it with the version that wrote "
            f"it, or fit the model again and dump it with this one."
        )
    if unknown:
        from skops.io.exceptions import UntrustedTypesFoundException

        exc = UntrustedTypesFoundException(unknown)
        if ours:
            exc.args = (
                f"{exc.args[0]} {file} holds sknonneg types that this version has but "
                f"load does not trust by default: {', '.join(ours)} (it trusts "
                "sknonneg.persist.TRUSTED_TYPES, what a fitted estimator is made "
                "of). If you trust the file, read "
                "sknonneg.persist.untrusted_types(file) and pass the names you "
                "accept as trusted=.",)
        raise exc
    try:
        obj = sio.load(file, trusted=found)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _damaged(file, exc) from exc
    except (ValueError, IndexError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"{file!s} does not hold a consistent estimator: building it "
                         f"failed with {type(exc).__name__}: {exc}") from exc
    for estimator in _networks(obj):
        _check_network(estimator, file)
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


def _networks(obj):
    """sknonneg networks (classifiers, regressors, autoencoders) in ``obj``: itself,
    or anywhere in the attributes of the objects it holds (a Pipeline's steps, a
    search's ``best_estimator_``, a ``TransformedTargetRegressor``'s
    ``regressor_``, a ``ColumnTransformer``'s ``transformers_``, lists, tuples,
    dicts and object arrays of those), each object visited once."""
    import numbers

    import numpy as np

    from .neural_network._base import BaseNetwork

    seen, stack = set(), [obj]
    while stack:
        item = stack.pop()
        if id(item) in seen or item is None or isinstance(
                item, (str, bytes, numbers.Number, type)):
            continue
        seen.add(id(item))
        if isinstance(item, BaseNetwork):
            yield item
        if isinstance(item, np.ndarray):
            if item.dtype == object:
                stack.extend(item.ravel().tolist())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif hasattr(item, "__dict__"):
            stack.extend(vars(item).values())


def _check_network(est, file):
    """The fitted state of a loaded network agrees with itself: parameters of the
    layout's length, finite and within its bounds, shapes matching the number of
    features and outputs, and a layout and an output function that are the ones
    the parameters it was fitted with build (``_check_layout``). A file edited by
    hand, or written by an incompatible version, is a ``ValueError`` here rather
    than a wrong prediction, an overstated Lipschitz bound or certificate, or a
    read out of bounds in a kernel."""
    if not hasattr(est, "_theta"):
        return  # not fitted
    import numbers

    import numpy as np

    def fail(reason):
        raise ValueError(f"{file!s} holds an inconsistent {type(est).__name__}: "
                         f"{reason}.")

    layout, theta = getattr(est, "_layout", None), est._theta
    if layout is None or not hasattr(layout, "n_params"):
        fail("its parameter layout is missing")
    if not (isinstance(theta, np.ndarray) and theta.dtype == np.float64
            and theta.shape == (layout.n_params,)):
        fail(f"its parameters have shape {getattr(theta, 'shape', None)}, its layout "
             f"needs ({layout.n_params},)")
    if not np.all(np.isfinite(theta)):
        fail("its parameters are not all finite")
    box = getattr(layout, "box", None)
    if (box is not None and box.n_params == theta.shape[0]
            and not box.contains(theta)):
        fail("its parameters violate the layout's sign constraints")
    from ._engine.layers import ABBA_ACTIVATIONS, DENSE_ACTIVATIONS, DenseLayer

    for layer in getattr(layout, "network", ()):
        known = DENSE_ACTIVATIONS if isinstance(layer, DenseLayer) else ABBA_ACTIVATIONS
        if getattr(layer, "activation", None) not in known:
            fail(f"a layer has the unknown activation "
                 f"{getattr(layer, 'activation', None)!r}")
    sizes = list(layout.layer_sizes)
    for name in ("n_features_in_", "n_outputs_"):
        value = getattr(est, name, None)
        # Before: n_features_in_="3" was "n_features_in_=3 but the network's first
        # layer reads 3 features".
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            fail(f"its {name}={value!r} is of type {type(value).__name__}, not an "
                 f"int")
    n_features = est.n_features_in_
    if n_features != sizes[0] or est.components_.shape[1] != sizes[0]:
        fail(f"n_features_in_={n_features} but the network's first layer reads "
             f"{sizes[0]} features")
    if est.n_outputs_ != sizes[-1]:
        fail(f"n_outputs_={est.n_outputs_} but the network has {sizes[-1]} outputs")
    if hasattr(est, "classes_"):
        n_classes = len(est.classes_)
        if n_classes != sizes[-1] and not (n_classes == 2 and sizes[-1] == 1):
            fail(f"{n_classes} classes for {sizes[-1]} outputs")
    if any(w.min() < 0 for w in getattr(est, "coefs_a_", []) + getattr(est, "coefs_b_", [])):
        fail("an ABBA block is negative")
    def numbers_in(value, positive=False):
        """Whether ``value`` is made of finite (and positive) ints or floats; a
        string (before: numpy's raw TypeError, "ufunc 'isfinite' not
        supported") or a bool is not."""
        try:
            array = np.asarray(value)
        except (TypeError, ValueError):  # ragged nested lists
            return False
        return (array.dtype.kind in "iuf" and bool(np.all(np.isfinite(array)))
                and (not positive or bool(np.all(array > 0))))

    gain = est._fitted_gain() if hasattr(est, "_fitted_gain") else None
    if gain is not None and not numbers_in(gain, positive=True):
        fail(f"its gain {gain!r} is not a finite positive number")
    if hasattr(est, "y_scale_"):  # regressor: y = y_mean_ + y_scale_ * z
        shape = (sizes[-1],)
        if not (np.shape(est.y_scale_) == shape == np.shape(est.y_mean_)
                and numbers_in(est.y_mean_)
                and numbers_in(est.y_scale_, positive=True)):
            fail("its target scaling (y_mean_, y_scale_) is not finite and positive, "
                 f"of shape {shape}")
    cst = getattr(est, "monotonic_cst_", None)
    if cst is not None:
        signs = layout.coef_signs
        cst = np.asarray(cst)
        if (cst.shape != (sizes[0],) or not np.all(signs[0][cst != 0] == cst[cst != 0])
                or not all(np.all(s > 0) for s in signs[1:])):
            fail("its monotonic_cst_ is not what its network's sign constraints keep")
    _check_layout(est, layout, fail)


def _same(a, b):
    """Whether ``a`` and ``b`` are equal and of the same types, arrays (of one dtype)
    and containers compared entry by entry."""
    import numpy as np

    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _check_layout(est, layout, fail):
    """The loaded layout is the one the estimator's fitted parameters build: its
    ``_build_layout``, on a copy whose parameters are those of the fit (kept in
    ``_fitted_params``: ``_FITTED_PARAMS`` and ``_LAYOUT_PARAMS``; a file without
    them, the current ones), valid as the estimator's parameter constraints define
    them. Every layer's fields (signs, activation, ABBA role, slope and cap, L1,
    free or split storage), the packing of ``theta`` and the output function
    (``_check_out_activation``) must agree: an edited field would change what
    prediction computes (or what the Lipschitz bounds and monotonicity
    certificates promise) without any array changing."""
    from ._compat import validate_parameter_constraints

    names = (*est._FITTED_PARAMS, *getattr(est, "_LAYOUT_PARAMS", ()))
    ref = object.__new__(type(est))  # no __setstate__: nothing derived is rebuilt
    ref.__dict__.update(vars(est))
    errors = (ValueError, TypeError, KeyError, AttributeError, IndexError, MemoryError)
    try:
        fitted = getattr(est, "_fitted_params", None) or {}
        params = {name: est._fitted_param(name) for name in names
                  if name in fitted or hasattr(est, name)}
        ref.__dict__.update(params)
        constraints = est._parameter_constraints
        validate_parameter_constraints(
            {name: constraints[name] for name in params if name in constraints},
            params, caller_name=type(est).__name__)
        hidden = (ref._hidden_sizes() if "hidden_layer_sizes" in params
                  else [ref.n_components] if "n_components" in params else None)
    except errors as exc:
        fail(f"the parameters it was fitted with are not valid ({exc})")
    # The hidden widths first: a rebuild allocates per-row bounds of their size.
    if hidden is not None and list(hidden) != list(layout.layer_sizes[1:-1]):
        fail(f"its hidden layers have {list(layout.layer_sizes[1:-1])} units, the "
             f"parameters it was fitted with give {list(hidden)}")
    try:
        expected = ref._build_layout(est.n_features_in_, est.n_outputs_)
    except errors as exc:
        fail(f"the parameters it was fitted with build no network ({exc})")
    network = getattr(layout, "network", None)
    if not (isinstance(network, list) and len(network) == len(expected.network)):
        fail(f"its network has {len(network) if isinstance(network, list) else None} "
             f"layers, the parameters it was fitted with build "
             f"{len(expected.network)}")
    for i, (layer, want) in enumerate(zip(network, expected.network)):
        if type(layer) is not type(want):
            fail(f"layer {i} is a {type(layer).__name__}, the parameters it was "
                 f"fitted with build a {type(want).__name__}")
        got, wanted = vars(layer), vars(want)
        for field in sorted(set(got) | set(wanted)):
            if field not in got or field not in wanted or not _same(got[field],
                                                                   wanted[field]):
                fail(f"layer {i} has {field}={got.get(field, '(none)')!r}, the "
                     f"parameters it was fitted with give "
                     f"{wanted.get(field, '(none)')!r}")
    try:
        same_packing = (layout.packing() == expected.packing()
                        and _same(layout.layer_sizes, expected.layer_sizes)
                        and layout.n_layers == expected.n_layers
                        and layout.n_params == expected.n_params)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        same_packing = False
    if not same_packing:
        fail("its parameter layout does not place the blocks of its layers as they "
             "are built")
    if hasattr(ref, "monotonic_cst_") or hasattr(est, "monotonic_cst_"):
        if not _same(getattr(est, "monotonic_cst_", None),
                     getattr(ref, "monotonic_cst_", None)):
            fail(f"its monotonic_cst_={getattr(est, 'monotonic_cst_', None)!r} is not "
                 f"the monotonic_cst it was fitted with "
                 f"({getattr(ref, 'monotonic_cst_', None)!r})")
    _check_out_activation(est, ref, layout, fail)


def _check_out_activation(est, ref, layout, fail):
    """``out_activation_``, which prediction reads, is the output function of the
    parameters the network was fitted with (``ref`` holds them): a classifier's
    ``output`` (``"auto"`` resolved as its fit resolves it), with as many output
    units as that output gives its classes; the regressor's identity; the
    autoencoder's decoder. Before, a binary softmax classifier whose
    ``out_activation_`` was edited to "logistic" (or "bogus") loaded, and
    predict_proba changed by up to 0.37."""
    from .neural_network._autoencoder import NonNegAutoencoder
    from .neural_network._classifier import BaseNetworkClassifier, auto_output_of
    from .neural_network._nonneg_mlp_regressor import NonNegMLPRegressor

    got = getattr(est, "out_activation_", None)
    if isinstance(est, NonNegAutoencoder):
        want = "logistic" if ref.decoder == "sigmoid" else "identity"
    elif isinstance(est, NonNegMLPRegressor):
        want = "identity"
    elif isinstance(est, BaseNetworkClassifier):
        want = ref._output_type()
        multilabel = getattr(est, "_multilabel", None)
        n_classes, n_outputs = len(est.classes_), layout.layer_sizes[-1]
        if ref.output == "auto":
            auto = auto_output_of(bool(multilabel), n_classes,
                                  getattr(ref, "monotonic_cst", None))
            if not _same(want, auto):
                fail(f'output="auto" resolved to {want!r} (_auto_output), but it '
                     f"resolves to {auto!r} for the targets it was fitted on")
        if want not in ("softmax", "logistic") or (want == "softmax" and multilabel):
            fail(f"its output {want!r} is not one its targets were fitted with")
        units = 1 if want == "logistic" and n_classes == 2 and not multilabel \
            else n_classes
        if n_outputs != units:
            fail(f"its {n_classes} classes need {units} {want} output "
                 f"unit{'s' * (units != 1)}, its network has {n_outputs}")
    else:
        return
    if not _same(got, want):
        fail(f"its out_activation_={got!r} is not the output function it was fitted "
             f"with ({want!r})")
