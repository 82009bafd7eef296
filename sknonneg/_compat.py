"""The one place where sknonneg touches scikit-learn and scipy internals.

Parameter validation with ``_parameter_constraints`` is scikit-learn's own convention,
but its constraint classes live in a private module, and so do the sample-weight check
every scikit-learn estimator uses, the count of samples of any array-like and the
output container of ``set_output``. They are imported here only, so that a move in a
future scikit-learn release is mended in one file.

Where a private name is gone, sknonneg falls back on its own code for all but the
parameter validation: ``check_sample_weight`` and ``num_samples`` (scikit-learn
1.6 to 1.9 have no public equivalents) on the copies below, which behave and word
their errors as scikit-learn 1.9's do for the calls sknonneg makes, and
``transform_output`` on public configuration. The constraint classes of
``sklearn.utils._param_validation`` are too large to copy: without them
``import sknonneg`` fails with an ``ImportError`` that names the scikit-learn
versions sknonneg supports (before, Python's bare "cannot import name").
"""

import functools
import numbers

import numpy as np
import sklearn
from sklearn import get_config
from sklearn.utils.validation import check_array, check_non_negative

# The scikit-learn releases that sknonneg is known to work with: the floor of
# pyproject.toml's dependency, and the newest release tested.
SUPPORTED_SKLEARN = ("1.6", "1.9")
_OLDEST, _NEWEST = SUPPORTED_SKLEARN


def _next_minor(version):
    """``"1.10"`` for ``"1.9"``: the first release above the newest tested."""
    major, minor = version.split(".")
    return f"{major}.{int(minor) + 1}"


try:
    from sklearn.utils._param_validation import (
        Interval,
        InvalidParameterError,
        Options,
        StrOptions,
        validate_parameter_constraints,
    )
except ImportError as exc:
    raise ImportError(
        f"sknonneg validates its parameters with scikit-learn's "
        f"sklearn.utils._param_validation (Interval, InvalidParameterError, "
        f"Options, StrOptions, validate_parameter_constraints), which the "
        f"installed scikit-learn {sklearn.__version__} does not provide ({exc}). "
        f"sknonneg supports scikit-learn {_OLDEST} to {_NEWEST} (the releases "
        f"it is tested with): install one of those, e.g. python -m pip install "
        f"\"scikit-learn>={_OLDEST},<{_next_minor(_NEWEST)}\"."
    ) from exc

try:
    from sklearn.utils._set_output import _get_output_config
except ImportError:  # moved in a future scikit-learn: transform_output falls back
    _get_output_config = None


def _own_num_samples(x):
    """scikit-learn 1.9's ``sklearn.utils.validation._num_samples``, used where
    that private function is gone: the number of samples (rows) of an
    array-like, a sparse matrix or a DataFrame, with its ``TypeError`` for
    anything else (an estimator, a scalar, an object without a length)."""
    message = f"Expected sequence or array-like, got {type(x)}"
    if hasattr(x, "fit") and callable(x.fit):
        # An ensemble's length is not a number of samples.
        raise TypeError(message)
    if hasattr(x, "shape") and x.shape is not None:
        if len(x.shape) == 0:
            raise TypeError(
                "Input should have at least 1 dimension i.e. satisfy "
                f"`len(x.shape) > 0`, got scalar `{x!r}` instead.")
        if isinstance(x.shape[0], numbers.Integral):
            return x.shape[0]
    if not hasattr(x, "__len__") and not hasattr(x, "shape"):
        if hasattr(x, "__array__"):
            x = np.asarray(x)
        else:
            raise TypeError(message)
    try:
        return len(x)
    except TypeError as type_error:
        raise TypeError(message) from type_error


def _own_check_sample_weight(sample_weight, X, *, dtype=None,
                             ensure_non_negative=False, copy=False):
    """scikit-learn 1.9's ``sklearn.utils.validation._check_sample_weight`` for
    NumPy, sparse and DataFrame ``X`` (the calls sknonneg makes), used where
    that private function is gone: ``sample_weight`` as a C-contiguous 1-D
    float array of one weight per row of ``X`` (ones for None, a number
    repeated), with scikit-learn's errors and their wording (through the public
    ``check_array`` and ``check_non_negative``): NaN or infinite weights, a
    weight array of another shape, weights all 0, and negative weights where
    ``ensure_non_negative``."""
    n_samples = _own_num_samples(X)
    if dtype is not None and dtype not in (np.float64, np.float32):
        dtype = np.float64
    if sample_weight is None:
        sample_weight = np.ones(n_samples, dtype=dtype)
    elif isinstance(sample_weight, numbers.Number):
        sample_weight = np.full(n_samples, sample_weight, dtype=dtype)
    else:
        sample_weight = check_array(
            sample_weight, accept_sparse=False, ensure_2d=False,
            dtype=[np.float64, np.float32] if dtype is None else dtype,
            order="C", copy=copy, input_name="sample_weight")
        if sample_weight.ndim != 1:
            raise ValueError(
                f"Sample weights must be 1D array or scalar, got "
                f"{sample_weight.ndim}D array. Expected either a scalar value "
                f"or a 1D array of length {n_samples}.")
        if sample_weight.shape != (n_samples,):
            raise ValueError(
                f"sample_weight.shape == {sample_weight.shape}, expected "
                f"{(n_samples,)}!")
    if np.all(sample_weight == 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    if ensure_non_negative:
        check_non_negative(sample_weight, "`sample_weight`")
    return sample_weight


try:
    from sklearn.utils.validation import _check_sample_weight as check_sample_weight
except ImportError:  # moved in a future scikit-learn: sknonneg's own copy
    check_sample_weight = _own_check_sample_weight
try:
    from sklearn.utils.validation import _num_samples as num_samples
except ImportError:  # moved in a future scikit-learn: sknonneg's own copy
    num_samples = _own_num_samples

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
