"""Inspection and visualisation of networks with non-negative weights.

Tools to look inside fitted networks in the spirit of Chorowski & Zurada
(2015), "Learning understandable neural networks with nonnegative weight
constraints" (IEEE TNNLS 26(1)): first-layer weights as images (Figs. 2-3),
Hinton diagrams of the output layer with per-class activations (Fig. 2), the
strongest input features of each hidden unit (Fig. 4), and sparsity
summaries. They work on sknonneg networks, scikit-learn's
:class:`~sklearn.neural_network.MLPClassifier`, :class:`~sklearn.decomposition.PCA`,
:class:`~sklearn.decomposition.NMF`, and Pipelines ending in one of these.

ABBA networks and autoencoders read differently. An
:class:`~sknonneg.ABBAClassifier`'s units come in pairs, unit ``N + i`` the partner
of unit ``i`` (``N`` the layer's half-width): their first-layer images are each
other's negatives and its stored output matrix ``[[A, B], [B, A]]`` holds every
weight twice, all non-negative. ``pairs="once"`` in
:meth:`HiddenUnitsDisplay.from_estimator` and
:meth:`OutputWeightsDisplay.from_estimator` draws each pair once, by its unit
``i``: its image, and its signed weights on the logits, one row per class.
``order="class"`` groups the units of :class:`OutputWeightsDisplay` under the class
each favours, labelled beside the unit labels and separated by lines. The output
layer of a :class:`~sknonneg.NonNegAutoencoder` has one output per input feature
(784 for MNIST): :class:`OutputWeightsDisplay` wraps so many outputs into panels
that fit a page (``wrap``), and :class:`HiddenUnitsDisplay` shows the same decoder
weights as one image per unit.

Plotting needs matplotlib, in sknonneg's ``plot`` extra (from the clone:
``python -m pip install -e ".[plot]"``); it is imported only when something is
drawn.
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
