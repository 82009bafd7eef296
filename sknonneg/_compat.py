"""The one place where sknonneg touches scikit-learn internals.

Parameter validation with ``_parameter_constraints`` is scikit-learn's own convention,
but its constraint classes live in a private module, and so does the sample-weight check
every scikit-learn estimator uses. They are imported here only, so
that a move in a future scikit-learn release is mended in one file.
"""

from sklearn.utils._param_validation import (  # noqa: F401
    HasMethods,
    Hidden,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import _check_sample_weight as check_sample_weight  # noqa: F401
