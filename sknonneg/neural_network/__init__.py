"""The estimators of sknonneg."""

from ._abba import ABBAClassifier
from ._nonneg_mlp import NonNegMLPClassifier

__all__ = ["ABBAClassifier", "NonNegMLPClassifier"]
