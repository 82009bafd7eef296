"""Inspection and visualisation of networks with non-negative weights.

Tools to look inside fitted networks in the spirit of Chorowski & Zurada
(2015), "Learning understandable neural networks with nonnegative weight
constraints" (IEEE TNNLS 26(1)): first-layer weights as images (Figs. 2-3),
Hinton diagrams of the output layer with per-class activations (Fig. 2), the
strongest input features of each hidden unit (Fig. 4), and sparsity
summaries. They work on sknonneg networks, scikit-learn's
:class:`~sklearn.neural_network.MLPClassifier`, :class:`~sklearn.decomposition.PCA`,
:class:`~sklearn.decomposition.NMF`, and Pipelines ending in one of these.

Plotting needs matplotlib (``pip install sknonneg[plot]``); it is imported
only when something is drawn.
"""

from ._describe import describe_network
from ._features import top_features
from ._hidden_units import HiddenUnitsDisplay
from ._monotonic import MonotonicityReport, check_monotonic
from ._output_weights import OutputWeightsDisplay
from ._sparsity import hoyer_sparsity, weight_sparsity

__all__ = [
    "HiddenUnitsDisplay",
    "MonotonicityReport",
    "OutputWeightsDisplay",
    "check_monotonic",
    "describe_network",
    "hoyer_sparsity",
    "top_features",
    "weight_sparsity",
]
