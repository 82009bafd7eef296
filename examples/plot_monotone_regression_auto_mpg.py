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
the data about as well (its test MSE, printed below, is no better), but
:func:`sknonneg.inspection.check_monotonic` finds test
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
from sklearn.inspection import partial_dependence
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sknonneg import NonNegMLPRegressor
from sknonneg.datasets import load_auto_mpg
from sknonneg.inspection import check_monotonic
from sknonneg.robustness import monotone_certificate

# the default max_iter=200 caps both networks (build time); the filter keeps a
# ConvergenceWarning off the page
warnings.filterwarnings("ignore", message=".*maximum iterations")

# sknonneg-data: autompg.csv.gz (read from the data folder, never downloaded)
X, y = load_auto_mpg(return_X_y=True)
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
# Individual curves of displacement
# ---------------------------------
# The individual curves (ICE) of every test car for ``displacement``, where the
# audit found the unconstrained network's violations: each car's displacement is
# set to every displacement of the test cars (the grid's size is printed), its
# other features kept. Each curve is
# centred at the smallest displacement (the y axis is the change in predicted mpg
# from there), and a curve that rises anywhere along the grid, by more than 1e-9
# mpg, breaks the promise: those are drawn in orange, with the stretches where
# they rise in red. The counts and the largest rise are printed here and in the
# legends.
FEATURE = "displacement"
TOL = 1e-9  # mpg: rises below this are rounding, not violations


def ice_curves(model):
    """Grid and centred ICE curves (one row per test car) of ``FEATURE``."""
    pd_result = partial_dependence(model, X_test, [FEATURE], kind="individual",
                                   grid_resolution=100)
    curves = pd_result["individual"][0]
    return pd_result["grid_values"][0], curves - curves[:, :1]


def largest_rise(curves):
    """Per car, the largest f(g_l) - f(g_k) over grid points g_k < g_l."""
    lowest_so_far = np.minimum.accumulate(curves, axis=1)
    return (curves - lowest_so_far).max(axis=1)


ice = {name: ice_curves(models[name])
       for name in ["monotone network", "unconstrained network"]}
for name, (grid, curves) in ice.items():
    rise = largest_rise(curves)
    rising = rise > TOL
    print(f"{name}: {rising.sum()} of {len(curves)} cars' curves rise with "
          f"{FEATURE} ({len(grid)} grid points)")
    print(f"  largest rise {rise.max():.3f} mpg; the average curve's "
          f"{largest_rise(curves.mean(axis=0)[None])[0]:.3f} mpg")
    if rising.any():
        # where each rising curve starts to rise: below or above the grid's middle
        middle = np.median(grid)
        first_up = grid[np.argmax(np.diff(curves[rising], axis=1) > TOL, axis=1)]
        print(f"  rising from below {middle:.0f} cubic inches: "
              f"{np.sum(first_up < middle)} cars; from above: "
              f"{np.sum(first_up >= middle)} cars")
        print(f"  median rise of these cars {np.median(rise[rising]):.3f} mpg")

# %%
# Every curve of the monotone network falls or stays flat, on every car. Those of
# the unconstrained network mostly fall too, and its average curve (dashed) does
# not rise (its largest rise is printed above): the violations do not show in
# the average. The orange curves, counted above, rise somewhere: some from the
# smallest engines, where they rise first and then fall, the others from larger
# engines, most of them turning up again near the largest (the printed split);
# for these cars a larger engine is predicted to save fuel. Most of these rises
# are small (see the median rise printed above) next to the several mpg that the
# curves fall. The audit above moved displacement along the same values (every
# displacement of the test cars: fewer than its default 100 grid points), so its
# ``max_drop`` and ``n_violating_rows`` are the largest rise and the count printed
# here; on a feature with more distinct values than grid points the two grids
# (quantiles for the audit, scikit-learn's percentiles 5 to 95 for the curves)
# would differ, and each could step over a rise the other finds.
fig, axes = plt.subplots(1, 2, figsize=(9, 4.2), sharey=True, layout="constrained")
for ax, (name, (grid, curves)) in zip(axes, ice.items()):
    rising = largest_rise(curves) > TOL
    ax.plot(grid, curves[~rising].T, color="tab:blue", lw=0.5, alpha=0.4)
    if rising.any():
        ax.plot(grid, curves[rising].T, color="tab:orange", lw=1.0)
        # the stretches where a curve rises: NaN elsewhere breaks the line
        steps_up = np.diff(curves[rising], axis=1) > TOL
        up = np.zeros_like(curves[rising], dtype=bool)
        up[:, 1:] |= steps_up
        up[:, :-1] |= steps_up
        ax.plot(grid, np.where(up, curves[rising], np.nan).T, color="tab:red", lw=2.5)
    ax.plot(grid, curves.mean(axis=0), color="k", ls="--", lw=1.5)
    ax.axhline(0.0, color="k", lw=0.8)
    ax.legend(handles=[
        plt.Line2D([], [], color="tab:blue", lw=0.8,
                   label=f"falls or stays flat ({np.sum(~rising)} cars)"),
        plt.Line2D([], [], color="tab:orange", lw=1.0,
                   label=f"rises somewhere ({np.sum(rising)} cars)"),
        plt.Line2D([], [], color="tab:red", lw=2.5, label="where it rises"),
        plt.Line2D([], [], color="k", ls="--", lw=1.5, label="average"),
    ], loc="lower left", fontsize="small")
    ax.set_xlabel("displacement (cubic inches)")
    ax.set_title(name)
axes[0].set_ylabel("change in predicted mpg")
plt.show()
