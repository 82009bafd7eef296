"""sknonneg: scikit-learn estimators for neural networks with non-negative weights."""

from .exceptions import (DegenerateFitWarning, InconsistentVersionWarning,
                         InputScaleWarning, NonMonotoneStepError,
                         UncertifiableModelError)
from .neural_network import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                             NonNegMLPRegressor)

#: The installed version of sknonneg, a PEP 440 string (``pyproject.toml`` reads the
#: package's version from it).
__version__ = "0.1.0.dev0"

__all__ = ["ABBAClassifier", "DegenerateFitWarning", "InconsistentVersionWarning",
           "InputScaleWarning", "NonMonotoneStepError", "NonNegAutoencoder",
           "NonNegMLPClassifier", "NonNegMLPRegressor", "UncertifiableModelError",
           "__version__"]
