"""
========================================================
A monotone income model on Adult, audited and plotted
========================================================

A credit-style rule: the predicted probability of earning more than 50K must never
fall when ``education-num``, ``capital-gain`` or ``hours-per-week`` rises, whatever
the other features. :class:`sknonneg.NonNegMLPClassifier` with ``monotonic_cst``
keeps that promise exactly, by construction (the first layer's weights of those
features are bounded at zero, every later layer is non-negative, the output is a
single logistic unit). The same network unconstrained does not:
:func:`sknonneg.inspection.check_monotonic` finds its violations, and the partial
dependence plots show them.

The data are UCI Adult (the official training file, ``adult.data.gz``), read from
the data folder (:func:`sknonneg.datasets.get_data_home`: ``SKNONNEG_DATA``);
nothing is downloaded, and without the file the example stops with a
``FileNotFoundError`` that names it. The categorical columns go through a ``ColumnTransformer`` (one-hot).
Each numeric column is expanded by :class:`sknonneg.preprocessing.RampTransformer`
into piecewise-linear ramps between knots (a monotone calibration of the feature,
as TensorFlow Lattice's calibrators), then scaled by a ``StandardScaler``. Every
ramp is non-decreasing in its feature, exactly in floating point, so a constraint
on all the ramps of a feature is the same constraint on the raw feature; the ramps
let a small network fit a heavy-tailed amount such as ``capital-gain`` (on the
official Adult split they lift the monotone network from 85.6% to 86.5%, see
:doc:`benchmarks/results/monotone_tabular.md </results/monotone_tabular>`).
"""

# %%
# Data
# ----
# 6,000 rows of the training file for training, 3,000 others for the audit, so
# that the example runs in under a minute.
import warnings

import matplotlib.pyplot as plt
from sklearn.compose import ColumnTransformer
from sklearn.inspection import PartialDependenceDisplay
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sknonneg import NonNegMLPClassifier
from sknonneg.datasets import load_adult
from sknonneg.inspection import check_monotonic
from sknonneg.preprocessing import RampTransformer

# max_iter=100 stops both fits before convergence, on purpose (build time)
warnings.filterwarnings("ignore", message=".*maximum iterations")
# sknonneg-data: adult.data.gz (read from the data folder, never downloaded)
X, y = load_adult("train")
X_train, y_train = X.iloc[:6000], y[:6000]
X_audit, y_audit = X.iloc[6000:9000], y[6000:9000]

NUMERIC = ["age", "fnlwgt", "education-num", "capital-gain", "capital-loss",
           "hours-per-week"]
CATEGORICAL = ["workclass", "education", "marital-status", "occupation",
               "relationship", "race", "sex", "native-country"]
INCREASING = ["education-num", "capital-gain", "hours-per-week"]


def pipeline(model):
    ramps = Pipeline([("ramp", RampTransformer(n_knots=20)),
                      ("scale", StandardScaler())])
    pre = ColumnTransformer([
        ("num", ramps, NUMERIC),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False,
                              min_frequency=20), CATEGORICAL),
    ]).set_output(transform="pandas")  # named columns: monotonic_cst as a dict
    return Pipeline([("pre", pre), ("model", model)])


# %%
# Two networks, one constrained
# -----------------------------
# The constraints are given by name, on the columns the ``ColumnTransformer``
# outputs: ``RampTransformer.expand_monotonic_cst`` gives every ramp of a feature
# (``education-num_ramp0`` ... and ``education-num`` itself) the feature's
# direction, and the ``num__`` prefix is the ``ColumnTransformer``'s.
# ``output="auto"`` (the default) picks the single logistic output that
# monotonicity needs on a binary problem.
expanded = RampTransformer(n_knots=20).expand_monotonic_cst(
    {f: 1 for f in INCREASING})
monotone = pipeline(NonNegMLPClassifier(
    hidden_layer_sizes=(32,),
    monotonic_cst={f"num__{k}": v for k, v in expanded.items()},
    l2=1e-3, max_iter=100, random_state=0)).fit(X_train, y_train)
free = pipeline(NonNegMLPClassifier(
    hidden_layer_sizes=(32,), positive=False, output="logistic", l2=1e-3,
    max_iter=100, random_state=0)).fit(X_train, y_train)
names = monotone[-1].feature_names_in_
education = [i for i, n in enumerate(names) if n.startswith("num__education-num")]
print("fitted constraints of the education-num columns:",
      monotone[-1].monotonic_cst_[education])
for name, model in [("monotone", monotone), ("unconstrained", free)]:
    print(f"{name}: accuracy on held-out rows "
          f"{model.score(X_audit, y_audit):.3f}")

# %%
# The audit
# ---------
# ``check_monotonic`` moves each constrained feature of every audited row along a
# grid and reports the largest drop of P(>50K): exactly 0 for the monotone model.
# For the monotone pipeline it reads the directions itself, mapping the ramps'
# constraints back to the raw columns; the unconstrained one is given them.
#
# The audit is empirical: it only sees the grid points it tries, so it can miss
# or undercount a violation, never invent one. The grid is made of quantiles of
# the audited rows, with coinciding points kept once. With the default
# ``n_steps=10`` (the first audit of the unconstrained model below)
# ``hours-per-week`` is tried at only a few values, which step over the peak of
# the curves below (compare its ``max_drop`` under the two grids), and
# ``capital-gain``, 0 on most rows, at fewer still, so that the unconstrained
# model may look monotone in it. ``n_steps=50`` (the second audit) tries finer
# grids (``capital-gain`` still gets only a few points, its quantiles coincide)
# and finds larger falls; the grid sizes are printed with each audit.
N_STEPS = 50
print("monotone")
print(check_monotonic(monotone, X_audit, n_steps=N_STEPS).to_frame().to_string())
unconstrained_cst = {f: 1 for f in INCREASING}
for n_steps in [10, N_STEPS]:
    report = check_monotonic(free, X_audit, monotonic_cst=unconstrained_cst,
                             n_steps=n_steps)
    print(f"\nunconstrained, n_steps={n_steps}")
    print(report.to_frame().to_string())
    print("grid points tried:",
          {name: len(grid) for name, grid in zip(report.feature_names, report.grids)})

# %%
# The certificate
# ---------------
# The audit tries a grid on some rows; ``monotone_certificate`` proves a direction
# from the weights, for every input. Through the ``ColumnTransformer`` each raw
# column is read on its own: a numeric one is certified in a direction when all
# of its ramps are, the one-hot coded categories are not (a category has no
# order to rise along). ``1``: P(>50K) cannot fall when the feature rises; ``-1``:
# cannot rise; ``0``: no direction proven. The unconstrained network has signed
# weights after its first layer, so no direction can be read from them: it is
# refused.
import pandas as pd  # noqa: E402

from sknonneg.robustness import monotone_certificate  # noqa: E402

certificate = monotone_certificate(monotone)
print("certified direction of P(>50K), per raw column:")
print(pd.Series(certificate.feature_signs_,
                index=certificate.feature_names_).to_string())
try:
    monotone_certificate(free)
except ValueError as exc:
    print("\nunconstrained:", str(exc).split(":")[0])

# %%
# Partial dependence of a constrained feature
# -------------------------------------------
# The average curves and 50 individual ones (ICE) of ``hours-per-week``, as
# P(income > 50K): every curve of the monotone model rises or stays flat. The
# unconstrained model's curves fall after a peak: the audit above counts the rows
# on which P(>50K) falls somewhere as ``hours-per-week`` rises
# (``n_violating_rows``) and the largest fall it found (``max_drop``), a lower
# bound on the model's true largest fall.
fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
for ax, (name, model) in zip(axes, [("monotone", monotone),
                                    ("unconstrained", free)]):
    display = PartialDependenceDisplay.from_estimator(
        model, X_audit.iloc[:500], ["hours-per-week"], kind="both",
        subsample=50, random_state=0, ax=ax)
    # The display draws on axes of its own inside ``ax``.
    curve_ax = display.axes_[0, 0]
    (average,), _ = curve_ax.get_legend_handles_labels()  # the average's line
    curve_ax.get_legend().remove()  # one legend for both, below the panels
    curve_ax.set_ylim(0.0, 1.0)
    curve_ax.set_ylabel("P(income > 50K)")
    curve_ax.set_title(name)
fig.legend(
    handles=[plt.Line2D([], [], color="tab:blue", lw=0.5, alpha=0.5,
                        label="one person (ICE)"),
             plt.Line2D([], [], color=average.get_color(),
                        ls=average.get_linestyle(), label="average")],
    loc="outside lower center", ncols=2, fontsize="small")
plt.show()
