"""The one place where sknonneg touches scikit-learn and scipy internals.

Parameter validation with ``_parameter_constraints`` is scikit-learn's own convention,
but its constraint classes live in a private module, and so do the sample-weight check
every scikit-learn estimator uses, the count of samples of any array-like and the
output container of ``set_output``. They are imported here only, so that a move in a
future scikit-learn release is mended in one file.
"""

import functools

from sklearn import get_config
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
)

try:
    from sklearn.utils._set_output import _get_output_config
except ImportError:  # moved in a future scikit-learn: transform_output falls back
    _get_output_config = None
from sklearn.utils.validation import _check_sample_weight as check_sample_weight
from sklearn.utils.validation import _num_samples as num_samples

__all__ = ["Interval", "InvalidParameterError", "Options", "StrOptions",
           "check_sample_weight", "lbfgsb_setulb", "num_samples",
           "transform_output", "validate_parameter_constraints"]


def transform_output(estimator):
    """The container that scikit-learn wraps ``estimator.transform``'s output in:
    ``"default"`` (as returned), ``"pandas"`` or ``"polars"``; the estimator's
    ``set_output``, else the global ``transform_output`` configuration.

    A transformer whose output names may be refused checks them itself when they
    will be used: scikit-learn 1.6 and 1.7 swallow any exception of
    ``get_feature_names_out`` while wrapping the output, and number the columns
    instead (1.9 lets it through).

    Where scikit-learn's private ``_get_output_config`` is gone or answers in
    another form, the same rule is read from what ``set_output`` stores on the
    estimator and from the public ``sklearn.get_config()``. Before, a move of
    the private function made ``import sknonneg`` fail."""
    if _get_output_config is not None:
        try:
            return _get_output_config("transform", estimator)["dense"]
        except (TypeError, KeyError, AttributeError):
            pass
    own = getattr(estimator, "_sklearn_output_config", None)
    if isinstance(own, dict) and own.get("transform") is not None:
        return own["transform"]
    return get_config().get("transform_output", "default")


@functools.cache
def lbfgsb_setulb():
    """scipy's reverse-communication L-BFGS-B routine, if it has the C signature
    (scipy >= 1.15) that ``sknonneg._solvers.lbfgsb.LBFGSB`` drives; else ``None``.
    Looked up at the first call (the first L-BFGS-B fit), not at import.

    ``scipy.optimize.minimize`` converts the bounds with Python loops over every
    variable on each call, which dominates short runs such as the mini-batch steps;
    driving ``setulb`` directly converts them once.
    The signature is checked from the docstring so that a change in scipy falls
    back to ``minimize`` instead of failing.
    """
    try:
        from scipy.optimize import _lbfgsb
    except ImportError:  # pragma: no cover - depends on the scipy version
        return None
    setulb = getattr(_lbfgsb, "setulb", None)
    signature = (getattr(setulb, "__doc__", None) or "").strip().splitlines()
    expected = ("setulb(m,x,l,u,nbd,f,g,factr,pgtol,wa,iwa,task,lsave,isave,dsave,"
                "maxls,ln_task)")
    if not signature or signature[0].replace(" ", "") != expected:
        return None  # pragma: no cover - depends on the scipy version
    return setulb
