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
    """
    _skops_io().dump(estimator, file)


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
    import zipfile

    try:
        return sorted(_skops_io().get_untrusted_types(file=file))
    except zipfile.BadZipFile as exc:
        raise ValueError(
            f"{file!s} is not a file written by sknonneg.persist.dump or "
            f"skops.io.dump: {exc} (a pickle or joblib file is loaded with "
            "joblib.load, and only if you made it yourself).") from exc


def load(file, *, trusted=()):
    """Load ``file`` if its only untrusted types are sknonneg's (or in ``trusted``).

    Parameters
    ----------
    file : str or path-like
        A file written by :func:`dump` or ``skops.io.dump``.
    trusted : str or sequence of str, default=()
        Further type names to allow, e.g. those of your own transformers (one
        name may be given as a string).

    Returns
    -------
    obj : object
        The loaded estimator.

    Raises
    ------
    ValueError
        If ``file`` is not a skops file (not a zip archive). If the file holds
        sknonneg types that this version does not have: it was
        written by another version (no compatibility is kept between versions
        before the first release). Or if a network in the file (classifier,
        regressor or autoencoder; alone or anywhere inside a meta-estimator,
        list or dict) is inconsistent: parameters of another length
        than its layout, non-finite or outside its sign constraints, shapes that
        disagree with ``n_features_in_``, ``n_outputs_`` or ``classes_``, a gain or
        a target scale (``y_scale_``) that is not finite and positive (either would
        reverse the output's direction), or a ``monotonic_cst_`` that its sign
        constraints do not keep. The fitted arrays (``coefs_``, ...) are derived
        from the checked parameters on load, never read from the file.
    skops.io.exceptions.UntrustedTypesFoundException
        If the file holds a type that is neither trusted by skops, nor one of
        ``TRUSTED_TYPES``, nor in ``trusted``; nothing is built from it.

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
    sio = _skops_io()
    if isinstance(trusted, str):
        trusted = [trusted]  # before: set("a.B") allowed the letters, not the name
    allowed = set(TRUSTED_TYPES) | set(trusted)
    found = untrusted_types(file)
    unknown = [name for name in found if name not in allowed]
    stale = [name for name in unknown if name.split(".")[0] == "sknonneg"]
    if stale:
        raise ValueError(
            f"{file} was written by another version of sknonneg: it holds "
            f"{', '.join(stale)}, which this version does not have (its types are "
            f"sknonneg.persist.TRUSTED_TYPES). Load it with the version that wrote "
            f"it, or fit the model again and dump it with this one."
        )
    if unknown:
        from skops.io.exceptions import UntrustedTypesFoundException

        raise UntrustedTypesFoundException(unknown)
    try:
        obj = sio.load(file, trusted=found)
    except (ValueError, IndexError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"{file!s} does not hold a consistent estimator: building it "
                         f"failed with {type(exc).__name__}: {exc}") from exc
    for estimator in _networks(obj):
        _check_network(estimator, file)
    return obj


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
    features and outputs. A file edited by hand, or written by an incompatible
    version, is a ``ValueError`` here rather than a wrong prediction or a read
    out of bounds in a kernel."""
    if not hasattr(est, "_theta"):
        return  # not fitted
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
    n_features = getattr(est, "n_features_in_", None)
    if n_features != sizes[0] or est.components_.shape[1] != sizes[0]:
        fail(f"n_features_in_={n_features} but the network's first layer reads "
             f"{sizes[0]} features")
    if getattr(est, "n_outputs_", None) != sizes[-1]:
        fail(f"n_outputs_={getattr(est, 'n_outputs_', None)} but the network has "
             f"{sizes[-1]} outputs")
    if hasattr(est, "classes_"):
        n_classes = len(est.classes_)
        if n_classes != sizes[-1] and not (n_classes == 2 and sizes[-1] == 1):
            fail(f"{n_classes} classes for {sizes[-1]} outputs")
    if any(w.min() < 0 for w in getattr(est, "coefs_a_", []) + getattr(est, "coefs_b_", [])):
        fail("an ABBA block is negative")
    gain = est._fitted_gain() if hasattr(est, "_fitted_gain") else None
    if gain is not None and not (np.all(np.isfinite(gain))
                                 and np.all(np.asarray(gain) > 0)):
        fail(f"its gain {gain!r} is not finite and positive")
    if hasattr(est, "y_scale_"):  # regressor: y = y_mean_ + y_scale_ * z
        shape = (sizes[-1],)
        if not (np.shape(est.y_scale_) == shape == np.shape(est.y_mean_)
                and np.all(np.isfinite(est.y_mean_))
                and np.all(np.isfinite(est.y_scale_))
                and np.all(np.asarray(est.y_scale_) > 0)):
            fail("its target scaling (y_mean_, y_scale_) is not finite and positive, "
                 f"of shape {shape}")
    cst = getattr(est, "monotonic_cst_", None)
    if cst is not None:
        signs = layout.coef_signs
        cst = np.asarray(cst)
        if (cst.shape != (sizes[0],) or not np.all(signs[0][cst != 0] == cst[cst != 0])
                or not all(np.all(s > 0) for s in signs[1:])):
            fail("its monotonic_cst_ is not what its network's sign constraints keep")
