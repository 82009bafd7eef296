"""sknonneg: scikit-learn estimators for neural networks with non-negative weights."""

from .neural_network import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                             NonNegMLPRegressor)

__version__ = "0.1.0.dev0"

__all__ = ["ABBAClassifier", "NonNegAutoencoder", "NonNegMLPClassifier", "NonNegMLPRegressor",
           "__version__"]
