"""
=======================================================================
Features from positive and unconstrained networks, PCA and NMF
=======================================================================

A fitted :class:`~sknonneg.NonNegMLPClassifier` is also a transformer:
``transform`` returns its hidden activations, a supervised feature extractor, and
``components_`` its first-layer weights, as ``PCA`` and ``NMF`` expose theirs. This
example extracts 32 features from the 8x8 digits four ways, a positive network
(``positive=True``), the same network without constraints (``positive=False``), PCA and
NMF, and feeds each to the same classifier, a logistic regression.

So that the comparison is fair, every feature set goes through a
:class:`~sklearn.preprocessing.StandardScaler` before the classifier: the networks'
sigmoid activations, PCA scores and NMF activations come on very different scales.
The networks' own predictions are shown too. On the 1,797 digits (70% for training)
the whole example takes a few seconds.
"""

# %%
# Four feature extractors, one classifier
# ---------------------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.decomposition import NMF, PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknonneg import NonNegMLPClassifier
from sknonneg.inspection import HiddenUnitsDisplay, weight_sparsity

# max_iter caps the fits (build time; NMF stops at its cap); the filter keeps a
# ConvergenceWarning off the page
warnings.simplefilter("ignore", ConvergenceWarning)
X, y = load_digits(return_X_y=True)
X = X / 16.0  # non-negative pixels in [0, 1]: the setting in which units are parts
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, random_state=0, stratify=y)

n_features = 32
extractors = {
    "positive network": NonNegMLPClassifier(
        hidden_layer_sizes=n_features, positive=True, l1=1e-4, max_iter=200,
        random_state=0),
    "unconstrained network": NonNegMLPClassifier(
        hidden_layer_sizes=n_features, positive=False, l1=1e-4, max_iter=200,
        random_state=0),
    "PCA": PCA(n_features, random_state=0),
    "NMF": NMF(n_features, init="nndsvda", max_iter=300, random_state=0),
}

rows = []
for name, extractor in extractors.items():
    model = make_pipeline(extractor, StandardScaler(),
                          LogisticRegression(max_iter=2000))
    model.fit(X_train, y_train)  # the networks are trained on the labels here
    fitted = model[0]
    zeros = weight_sparsity(fitted)
    row = {
        "features": name,
        "logistic regression on the features": model.score(X_test, y_test),
        "network's own prediction": (fitted.score(X_test, y_test)
                                     if hasattr(fitted, "predict") else np.nan),
        "zero first-layer weights": zeros["fraction_zero"].iloc[0],
        "negative first-layer weights": zeros["fraction_negative"].iloc[0],
        "dead units": zeros["dead_units"].iloc[0],
    }
    rows.append(row)
results = pd.DataFrame(rows).set_index("features")
results.round(3)

# %%
# All four feature sets classify the digits well once standardised; the networks'
# features, trained on the labels, come out ahead of PCA's and NMF's, and the
# positive network's hidden units are as good features as the unconstrained ones
# (its own softmax output loses a little). Its first-layer weights are all
# non-negative and mostly exactly zero, as NMF's are; PCA's and the unconstrained
# network's are signed. Each bar carries its accuracy in %; PCA and NMF predict
# nothing themselves, so they have no second bar. The axis starts at 85%, and a gap
# of one percentage point is a handful of test images (printed below).
n_test = len(y_test)
print(f"{n_test} test images: one percentage point is {n_test / 100:.1f} images")
accuracy = 100 * results[["logistic regression on the features",
                          "network's own prediction"]]
fig, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
accuracy.plot.barh(ax=ax, xlim=(85, 100), width=0.8)
for bars in ax.containers:
    widths = bars.datavalues
    ax.bar_label(bars, labels=[f"{w:.1f}" if np.isfinite(w) else "" for w in widths],
                 padding=2, fontsize="small")
ax.set_xlabel(f"test accuracy (% of the {n_test} held-out digits)")
ax.set_ylabel("")
ax.set_title(f"Test accuracy with {n_features} features extracted four ways",
             fontsize="medium")
# below the axis, where the layout makes room for it
ax.get_legend().remove()
_ = fig.legend(loc="outside lower center", ncols=2, fontsize="small", frameon=False)

# %%
# What the features look like
# ---------------------------
# The first-layer weights as 8x8 images, each scaled to its own largest magnitude
# (signed: zero is grey; non-negative: zero is black). Positive units and NMF
# components are sparse, most of their 64 pixels exactly zero (on 8x8 images,
# scattered dots and short pieces more than whole strokes); the unconstrained
# units are signed,
# scattered pixels (most of their weights are exactly zero, see the table), and
# PCA's components are global, signed patterns. A uniform grey tile among the
# unconstrained units is a dead unit: the l1 penalty drove all its weights to
# exactly zero (the table above counts them under ``dead units``).
fig, axes = plt.subplots(2, 2, figsize=(11, 6.5))
for ax, (name, extractor) in zip(axes.ravel(), extractors.items()):
    HiddenUnitsDisplay.from_estimator(extractor, image_shape=(8, 8), ax=ax, n_cols=8,
                                      normalize="unit", titles=False, title=name)
plt.show()
