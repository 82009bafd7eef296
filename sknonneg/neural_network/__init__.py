"""The estimators of sknonneg."""

from ._abba import ABBAClassifier
from ._autoencoder import NonNegAutoencoder
from ._nonneg_mlp import NonNegMLPClassifier
from ._nonneg_mlp_regressor import NonNegMLPRegressor

__all__ = ["ABBAClassifier", "NonNegAutoencoder", "NonNegMLPClassifier", "NonNegMLPRegressor"]
