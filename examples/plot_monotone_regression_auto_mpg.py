"""
========================================================
A monotone regression on Auto MPG, certified and plotted
========================================================

A pricing-style rule for a regression: the predicted fuel economy (miles per
gallon) must never rise when a car gets heavier, or its engine larger or more
powerful, whatever its other features. :class:`sknonneg.NonNegMLPRegressor` with
``monotonic_cst`` keeps that promise exactly (its default ``positive="auto"``
then makes every layer after the first non-negative, and the first layer's rows
of the constrained features non-positive). The same network unconstrained fits
the data as well, but :func:`sknonneg.inspection.check_monotonic` finds test
cars whose predicted economy rises with one of these features (the audit
printed below names which, on how many cars and by how much);
:func:`sknonneg.robustness.monotone_certificate` proves the directions of the
constrained model from its weights, through the preprocessing.

The data are UCI Auto MPG (392 cars with a known horsepower, ``autompg.csv.gz``),
read from the data folder (:func:`sknonneg.datasets.get_data_home`:
``SKNONNEG_DATA``); nothing is downloaded, and without the file the example stops
with a ``FileNotFoundError`` that names it. ``benchmarks/monotone_tabular.py``
compares these models, and scikit-learn's, over ten splits
(:doc:`benchmarks/results/monotone_tabular.md </results/monotone_tabular>`).
"""

# %%
# Data and pipelines
# ------------------
# Weight, displacement and horsepower go through ``log1p`` (consumption goes
# roughly as the inverse of weight), then every column through a
# ``StandardScaler``: both are non-decreasing in each column, so a constraint on
# the scaled column is the same constraint on the raw one.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.inspection import PartialDependenceDisplay
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sknonneg import NonNegMLPRegressor
from sknonneg.datasets import load_auto_mpg
from sknonneg.inspection import check_monotonic
from sknonneg.robustness import monotone_certificate

# both networks stop at the default max_iter=200, unconverged (build time)
warnings.filterwarnings("ignore", message=".*maximum iterations")

# sknonneg-data: autompg.csv.gz (read from the data folder, never downloaded)
X, y = load_auto_mpg()
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                    random_state=0)
DECREASING = {"weight": -1, "displacement": -1, "horsepower": -1}


def pipeline(model):
    log = ColumnTransformer(
        [("log1p", FunctionTransformer(np.log1p, feature_names_out="one-to-one"),
          list(DECREASING))],
        remainder="passthrough", verbose_feature_names_out=False,
    ).set_output(transform="pandas")  # named columns: monotonic_cst as a dict
    return Pipeline([("log", log),
                     ("scale", StandardScaler().set_output(transform="pandas")),
                     ("model", model)])


# %%
# Three models
# ------------
# The monotone network, the same network unconstrained (``positive=False``), and
# scikit-learn's gradient boosting with the same constraints (on the raw
# columns: trees need no scaling).
monotone = pipeline(NonNegMLPRegressor(
    hidden_layer_sizes=(16,), monotonic_cst=DECREASING, l2=1e-3, random_state=0))
free = pipeline(NonNegMLPRegressor(
    hidden_layer_sizes=(16,), positive=False, l2=1e-3, random_state=0))
trees = HistGradientBoostingRegressor(
    monotonic_cst=DECREASING, learning_rate=0.1, max_leaf_nodes=7, random_state=0)
models = {"monotone network": monotone, "unconstrained network": free,
          "HGB monotone": trees}
for name, model in models.items():
    model.fit(X_train, y_train)
    mse = mean_squared_error(y_test, model.predict(X_test))
    print(f"{name:22s} test MSE {mse:6.2f}")

# %%
# The audit and the certificate
# -----------------------------
# ``check_monotonic`` moves each constrained feature of every test car along a
# grid and reports the largest rise of the predicted mpg (for a ``-1`` feature):
# exactly 0 for the monotone network, whose directions it reads through the
# pipeline. The certificate proves the same from the weights, for every
# input: ``-1`` where the prediction cannot rise when the feature does.
print("monotone network")
print(check_monotonic(monotone, X_test).to_frame().to_string())
print("\nunconstrained network")
print(check_monotonic(free, X_test, monotonic_cst=DECREASING).to_frame().to_string())
certificate = monotone_certificate(monotone)
print("\ncertified direction of the monotone network's prediction, per column:")
print(pd.Series(certificate.feature_signs_,
                index=certificate.feature_names_).to_string())

# %%
# Partial dependence of displacement
# ----------------------------------
# The individual curves (ICE) of every test car and their average, for
# ``displacement``, where the audit found the unconstrained network's
# violations; centred at the smallest displacement, so that a curve above 0 is
# a car whose predicted economy rose with its engine size (the y axis is the
# change in predicted mpg from that start). Every curve of the monotone network
# stays at or below 0.
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
curve_axes = []
for ax, name in zip(axes, ["monotone network", "unconstrained network"]):
    display = PartialDependenceDisplay.from_estimator(
        models[name], X_test, ["displacement"], kind="both", centered=True,
        ax=ax)
    # The display draws on axes of its own inside ``ax``: the line goes there.
    curve_ax = display.axes_[0, 0]
    curve_ax.axhline(0.0, color="k", lw=0.8)
    curve_ax.legend(loc="lower left", fontsize="small")
    curve_ax.set_xlabel("displacement (cubic inches)")
    curve_ax.set_ylabel("change in predicted mpg")
    curve_axes.append(curve_ax)
    ax.set_title(name)
# One vertical scale for both panels.
low = min(a.get_ylim()[0] for a in curve_axes)
high = max(a.get_ylim()[1] for a in curve_axes)
for curve_ax in curve_axes:
    curve_ax.set_ylim(low, high)
fig.tight_layout()
plt.show()
