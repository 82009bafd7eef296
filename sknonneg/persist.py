"""Saving and loading fitted estimators with ``skops.io``: no code runs on load.

``pickle.load`` (and ``joblib.load``) can run arbitrary code: only load pickles you
made yourself. ``skops.io`` stores the same state in a zip of JSON and ``.npy``
files, and on load builds only the types it is told to trust. Types from NumPy,
SciPy and scikit-learn are trusted by default; sknonneg's own types must be allowed
by name. ``TRUSTED_TYPES`` lists every type a sknonneg estimator is made of, and
:func:`load` loads a file only if every untrusted type in it is on that list.

Requires ``skops`` (``pip install sknonneg[persist]``).
"""

__all__ = ["TRUSTED_TYPES", "dump", "load", "untrusted_types"]

# Everything a fitted sknonneg estimator is built from, beyond what skops trusts.
TRUSTED_TYPES = (
    "sknonneg._engine.layout.ParameterLayout",
    "sknonneg._engine.layers.DenseLayer",
    "sknonneg._engine.layers.ABBALayer",
    "sknonneg._solvers.adam.ProjectedAdam",
    "sknonneg.neural_network._nonneg_mlp.NonNegMLPClassifier",
    "sknonneg.neural_network._abba.ABBAClassifier",
    "sknonneg.neural_network._autoencoder.NonNegAutoencoder",
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
    """
    _skops_io().dump(estimator, file)


def untrusted_types(file):
    """Types in ``file`` that skops does not trust by default (sorted names).

    Parameters
    ----------
    file : str or path-like

    Returns
    -------
    names : list of str
    """
    return sorted(_skops_io().get_untrusted_types(file=file))


def load(file, *, trusted=()):
    """Load ``file`` if its only untrusted types are sknonneg's (or in ``trusted``).

    Parameters
    ----------
    file : str or path-like
        A file written by :func:`dump` or ``skops.io.dump``.
    trusted : sequence of str, default=()
        Further type names to allow, e.g. those of your own transformers.

    Returns
    -------
    obj : object
        The loaded estimator.

    Raises
    ------
    skops.io.exceptions.UntrustedTypesFoundException
        If the file holds a type that is neither trusted by skops, nor one of
        ``TRUSTED_TYPES``, nor in ``trusted``; nothing is built from it.
    ValueError
        If the file holds sknonneg types that this version does not have: it was
        written by another version (no compatibility is kept between versions
        before the first release).
    """
    sio = _skops_io()
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
    return sio.load(file, trusted=found)
