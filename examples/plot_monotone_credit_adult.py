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
dependence plots (scikit-learn's ``PartialDependenceDisplay``, average and individual
curves) show them, the stretches where they fall in red.

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
official Adult split they lift the monotone network from 85.6% to 86.4%, see
:doc:`benchmarks/results/monotone_tabular.md </results/monotone_tabular>`).
"""

# %%
# Data
# ----
# 6,000 rows of the training file for training, 3,000 others for the audit, so
# that the example runs in under a minute.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.inspection import PartialDependenceDisplay, partial_dependence
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils import Bunch

from sknonneg import NonNegMLPClassifier
from sknonneg.datasets import load_adult
from sknonneg.inspection import check_monotonic
from sknonneg.preprocessing import RampTransformer

# max_iter=100 caps both fits (build time); the filter keeps a ConvergenceWarning off
# the page
warnings.filterwarnings("ignore", message=".*maximum iterations")
# sknonneg-data: adult.data.gz (read from the data folder, never downloaded)
X, y = load_adult(subset="train", return_X_y=True)
X_train, y_train = X.iloc[:6000], y.iloc[:6000]
X_audit, y_audit = X.iloc[6000:9000], y.iloc[6000:9000]

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
print("fitted constraints of the education-num columns:")
print(monotone[-1].monotonic_cst_[education])
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
# or undercount a violation, never invent one. A feature with at most ``n_steps``
# distinct values in the audited rows is moved along those values, one with more
# along ``n_steps`` of its quantiles, coinciding points kept once. With a coarse
# ``n_steps=10`` (the first audit of the unconstrained model below)
# ``hours-per-week`` is tried at only a few values, which step over the peak of
# the curves below (compare its ``max_drop`` under the two grids), and
# ``capital-gain``, 0 on most rows, at fewer still, so that the unconstrained
# model may look monotone in it. The default ``n_steps=100`` (the second audit,
# as scikit-learn's ``partial_dependence`` grid) tries finer grids and finds the
# falls the first one missed; the grid sizes are printed with each audit.
N_STEPS = 100  # the default
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
# Individual curves of a constrained feature
# ------------------------------------------
# The individual curves (ICE) of ``hours-per-week`` on 500 audited rows, as
# P(income > 50K): each row's ``hours-per-week`` is set to every value on the grid
# (its size is printed), its other features kept. A curve that falls anywhere along
# the grid, by more than 1e-9, breaks the promise. The counts over the 500 rows and
# over the 50 curves drawn below, the largest fall, and the largest fall up to the
# grid's middle and from there on are printed here.
FEATURE = "hours-per-week"
TOL = 1e-9  # rises and falls below this are rounding, not violations
rows = X_audit.iloc[:500]
drawn = np.random.default_rng(0).choice(len(rows), size=50, replace=False)


def largest_fall(curves):
    """Per row, the largest f(g_k) - f(g_l) over grid points g_k < g_l."""
    highest_so_far = np.maximum.accumulate(curves, axis=1)
    return (highest_so_far - curves).max(axis=1)


ice = {}
for name, model in [("monotone", monotone), ("unconstrained", free)]:
    result = partial_dependence(model, rows, [FEATURE], kind="both")
    grid, curves = result["grid_values"][0], result["individual"][0]
    ice[name] = result
    fall = largest_fall(curves)
    falling = fall > TOL
    print(f"{name}: {falling.sum()} of {len(curves)} rows' curves fall as {FEATURE} "
          f"rises ({len(grid)} grid points)")
    print(f"  of the {len(drawn)} curves drawn: {falling[drawn].sum()} fall; largest "
          f"fall {fall.max():.3f}, the average curve's "
          f"{largest_fall(result['average'])[0]:.3f}")
    if falling.any():
        middle = np.median(grid)
        early = largest_fall(curves[falling][:, grid <= middle])
        late = largest_fall(curves[falling][:, grid >= middle])
        print(f"  median fall of these rows {np.median(fall[falling]):.3f}; "
              f"largest up to {middle:.0f} hours {early.max():.3f}, "
              f"from there on {late.max():.3f}")

# %%
# Every curve of the monotone model rises or stays flat (none falls, as printed
# above). The unconstrained model's curves that fall somewhere are drawn in orange
# (how many is printed above and in the legend), the stretches where they fall in
# red; the two largest falls printed last, up to the grid's middle and from there
# on, say where the larger falls lie, and the average curve (dashed) falls too (its
# largest fall is printed above). The audit above counts the rows on which P(>50K)
# falls somewhere as ``hours-per-week`` rises (``n_violating_rows``) and the
# largest fall it found (``max_drop``), a lower bound on the model's true largest
# fall, as the largest fall printed here is: the two look at different rows (all
# 3,000 audited rows against these 500) and grids. The black marks in the band
# below the curves are the deciles of ``hours-per-week`` on these rows.
#
# The curves are drawn by scikit-learn's ``PartialDependenceDisplay`` from the
# results computed above (the drawn rows' curves and the average over all 500),
# then coloured: the display's own decile marks are replaced by the band below.
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), sharey=True, layout="constrained")
deciles = np.percentile(rows[FEATURE], np.arange(10, 100, 10))
for ax, (name, result) in zip(axes, ice.items()):
    grid, average = result["grid_values"][0], result["average"][0]
    curves = result["individual"][0][drawn]
    falling = largest_fall(curves) > TOL
    shown = Bunch(**result)
    shown["individual"] = result["individual"][:, drawn]
    display = PartialDependenceDisplay(
        [shown], features=[(0,)], feature_names=[FEATURE], target_idx=0,
        deciles={0: deciles}, kind="both", subsample=None)
    display.plot(ax=ax, ice_lines_kw={"color": "tab:blue", "lw": 0.5, "alpha": 0.5},
                 pd_line_kw={"color": "k", "ls": "--", "lw": 1.5})
    display.deciles_vlines_[0, 0].remove()
    ax = display.axes_[0, 0]
    # the display draws the drawn rows' curves first (in an order of its own):
    # each is coloured by its own values
    for line in ax.get_lines()[:len(drawn)]:
        if largest_fall(np.asarray(line.get_ydata())[None])[0] > TOL:
            line.set(color="tab:orange", lw=0.7, alpha=0.8)
    if falling.any():
        # the stretches where a curve falls: NaN elsewhere breaks the line
        steps_down = np.diff(curves[falling], axis=1) < -TOL
        down = np.zeros_like(curves[falling], dtype=bool)
        down[:, 1:] |= steps_down
        down[:, :-1] |= steps_down
        ax.plot(grid, np.where(down, curves[falling], np.nan).T, color="tab:red",
                lw=1.8)
    # the rug of deciles, in a band of its own below the curves
    ax.vlines(deciles, -0.075, -0.025, color="k", lw=1.0)
    ax.axhline(0.0, color="0.6", lw=0.6)
    ax.set_ylim(-0.09, 1.0)
    ax.set_yticks(np.linspace(0.0, 1.0, 6))
    ax.legend(handles=[
        plt.Line2D([], [], color="tab:blue", lw=0.8,
                   label=f"rises or stays flat ({np.sum(~falling)} rows)"),
        plt.Line2D([], [], color="tab:orange", lw=0.8,
                   label=f"falls somewhere ({np.sum(falling)} rows)"),
        plt.Line2D([], [], color="tab:red", lw=1.8, label="where it falls"),
        plt.Line2D([], [], color="k", ls="--", lw=1.5,
                   label=f"average ({len(rows)} rows)"),
        plt.Line2D([], [], color="k", marker="|", ls="", markersize=8,
                   label="deciles"),
    ], loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=3, fontsize="small")
    ax.set_xlabel(f"{FEATURE}")
    ax.set_ylabel("P(income > 50K)" if name == "monotone" else "")
    ax.set_title(name)
plt.show()
