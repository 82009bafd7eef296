"""The estimators of sknonneg."""

from ._nonneg_mlp import NonNegMLPClassifier

__all__ = ["NonNegMLPClassifier"]
