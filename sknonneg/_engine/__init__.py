"""The engine every sknonneg estimator describes its network to.

An estimator builds its layers (``layers``), a loss by name (``losses``), its
penalties (``penalties``) and, for ABBA's ``lipschitz_max``, a reparametrisation
(``reparametrization``), places the layers' parameters in one vector ``theta``
(``layout``) and hands everything to ``Objective`` (``objective``), which computes
the loss and its gradient with the kernels of ``sknonneg._kernels`` on data laid out
once per data set (``data``). See ``doc/engine.md``.
"""

from .data import CSRInput, DenseInput, csr_if_mostly_zeros, prepare_input
from .layers import ABBALayer, DenseLayer, activation_function
from .layout import ParameterLayout
from .losses import (LogisticNLL, SigmoidSquaredError, SoftmaxNLL, SquaredError,
                     get_loss)
from .objective import Objective, forward
from .penalties import L2, ActivityL1, KLSparsity, NegativeWeightsL2
from .reparametrization import LipschitzCap
from .row_blocks import RowBlockObjective

__all__ = [
    "ABBALayer", "ActivityL1", "CSRInput", "DenseInput", "DenseLayer", "KLSparsity",
    "L2", "LipschitzCap", "LogisticNLL", "NegativeWeightsL2", "Objective",
    "ParameterLayout", "RowBlockObjective", "SigmoidSquaredError", "SoftmaxNLL",
    "SquaredError", "activation_function", "csr_if_mostly_zeros", "forward",
    "get_loss", "prepare_input",
]
