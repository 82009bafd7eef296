"""The version of sknonneg that saved an object, recorded in its pickled state.

scikit-learn's ``BaseEstimator`` records its own version (``_sklearn_version``) in
the state of its estimators and warns ``InconsistentVersionWarning`` when one saved
by another scikit-learn is loaded; it does so for classes of the ``sklearn``
package only. :class:`VersionedState` does the same for sknonneg's objects:
``__getstate__`` adds ``_sknonneg_version`` (``sknonneg.__version__``), and
``__setstate__`` removes it and warns
:class:`~sknonneg.exceptions.InconsistentVersionWarning` when it differs from the
running version, or is missing (a state saved before sknonneg recorded it:
``"unknown"``), unless a class outside sknonneg pickles the object its own way
(``_records_version``). ``pickle``, ``joblib`` and ``skops`` (``sknonneg.persist``) all
save through ``__getstate__`` and load through ``__setstate__``; ``copy.deepcopy``
and ``clone`` round-trip in one version and do not warn.
"""

import warnings

from .exceptions import InconsistentVersionWarning

__all__ = ["UNKNOWN_VERSION", "VERSION_KEY", "VersionedState"]

#: The key of the recorded version in a pickled state.
VERSION_KEY = "_sknonneg_version"

#: The recorded version of a state saved before sknonneg recorded one.
UNKNOWN_VERSION = "unknown"


def _running_version():
    # Read when an object is pickled or unpickled, by then the package is imported
    # (its __init__ defines __version__ after importing the estimators).
    from . import __version__

    return __version__


_PICKLING = ("__getstate__", "__reduce__", "__reduce_ex__")


def _records_version(cls):
    """Whether every state of ``cls`` that a version of sknonneg recording versions
    saved holds it: none of the classes before :class:`VersionedState` in its MRO
    that define how it is pickled (``__getstate__``, ``__reduce__``,
    ``__reduce_ex__``) is outside sknonneg. A user's subclass that pickles its own
    way without ``super()`` leaves the version out: a state without one then says
    nothing of when it was saved, and loading it does not warn (before, every
    copy and same-version round trip of such a subclass warned that "an unknown
    version of sknonneg" saved it). A recorded version still warns when it is
    another's."""
    for klass in cls.__mro__:
        if klass is VersionedState:
            return True
        if (not klass.__module__.startswith("sknonneg.")
                and any(name in vars(klass) for name in _PICKLING)):
            return False
    return True


class VersionedState:
    """Mixin recording sknonneg's version in the pickled state of an object.

    Put it before ``BaseEstimator`` (or ``object``) in the bases; a subclass's own
    ``__getstate__`` / ``__setstate__`` calls ``super()``, and its ``__setstate__``
    receives the state with the version still in it (it is removed here). A state
    without a version warns ``"unknown"`` only where sknonneg's classes alone
    define how the object is pickled (``_records_version``)."""

    def __getstate__(self):
        try:
            state = super().__getstate__()
        except AttributeError:  # Python 3.10: object has no __getstate__
            state = None
        if state is None:
            state = self.__dict__.copy()
        if not isinstance(state, dict):  # not one of sknonneg's states: left alone
            return state
        return {**state, VERSION_KEY: _running_version()}

    def __setstate__(self, state):
        if isinstance(state, dict):
            state = dict(state)
            saved = state.pop(VERSION_KEY, None)
            if saved is None and _records_version(type(self)):
                saved = UNKNOWN_VERSION
            running = _running_version()
            if saved is not None and str(saved) != running:
                warnings.warn(InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_sknonneg_version=running,
                    original_sknonneg_version=str(saved)))
        try:
            setstate = super().__setstate__
        except AttributeError:  # object has no __setstate__
            self.__dict__.update(state)
        else:
            setstate(state)
