"""Auto MPG: ramps for the scaled models, on development splits (issue 14).

A development run, on splits that are NOT the 10 evaluation splits of
``monotone_tabular.py`` (``ShuffleSplit(1, test_size=0.2, random_state=1000 +
k)``). Each model is ``monotone_tabular.py``'s for Auto MPG, chosen as the benchmark
chooses (inner 3-fold MSE on the training part, the benchmark's grid) and refitted
on the training part; a ``_ramps`` variant adds ``RampTransformer`` columns of the
five numeric features (after the log1p of weight, displacement and horsepower,
before the scaling), 5 or 10 knots, rule "distinct" or "quantile", in its grid,
and the monotone network constrains every ramp of a constrained feature, as on
COMPAS and Adult. The question: with ramps, does the monotone network pull ahead
of its unconstrained twin (the constraint removes more variance from a more
flexible model), and do Ridge and MLPRegressor, which get the same ramps, stay
behind? The ``_wide`` and ``_logy`` variants (both networks) ask the same with
more capacity and a lower l2, and on log(mpg).

Reported per model: the mean test MSE, and the paired difference in MSE against
the monotone network with ramps (the model's minus ours: > 0, ours better), mean
+- standard error over the splits.

Usage::

    PYTHONPATH=. python benchmarks/monotone_autompg_dev.py --splits 0 1 ... 14 \\
        --suffix _a
    PYTHONPATH=. python benchmarks/monotone_autompg_dev.py --combine _a _b
    PYTHONPATH=. python benchmarks/monotone_autompg_dev.py --variants mono free \\
        mono_wide free_wide mono_logy free_logy --suffix _wide_logy
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from _common import RESULTS, add_common_args, markdown_header  # noqa: E402
from _common import combined_parts, save_json, save_result, select_and_refit  # noqa: E402
from _common import start_dev_run  # noqa: E402
from monotone_tabular import AUTOMPG_CST, LOG_COLUMNS, MONOTONE, _ramp_grid  # noqa: E402
from monotone_tabular import _scaled, models  # noqa: E402

from sklearn.compose import TransformedTargetRegressor  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.metrics import mean_squared_error  # noqa: E402
from sklearn.model_selection import KFold, ShuffleSplit  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402

from sknonneg import NonNegMLPRegressor  # noqa: E402
from sknonneg.datasets import load_auto_mpg  # noqa: E402

RAMPS = ["displacement", "horsepower", "weight", "acceleration", "model_year"]
KP, RULE = "ramps__ramp__n_knots", "ramps__ramp__knots"
KNOTS = [5, 10]
REFERENCE = "mono"


def variants():
    """name -> (factory, grid, what)."""
    table, _ = models("autompg", False)
    log = LOG_COLUMNS["autompg"]
    rule = {RULE: ["distinct", "quantile"]}
    grid_nn = table[MONOTONE][1]
    out = {
        "mono": (*table[MONOTONE], "the benchmark's monotone network"),
        "free": (*table["sknonneg unconstrained"],
                 "the benchmark's unconstrained network"),
        "mlp": (*table["MLPRegressor"], "the benchmark's MLPRegressor"),
        "ridge": (*table["Ridge"], "the benchmark's Ridge"),
        "hgbm": (*table["HGB monotone"], "the benchmark's HGB monotone"),
        "hgb": (*table["HGB"], "the benchmark's HGB"),
        "mono_ramps": (lambda s: _scaled(NonNegMLPRegressor(
            positive=True, monotonic_cst=AUTOMPG_CST, random_state=s, max_iter=200),
            log, RAMPS), _ramp_grid({**grid_nn, **rule}, KP, KNOTS, AUTOMPG_CST),
            "monotone network, ramps"),
        "free_ramps": (lambda s: _scaled(NonNegMLPRegressor(
            positive=False, random_state=s, max_iter=200), log, RAMPS),
            _ramp_grid({**grid_nn, **rule}, KP, KNOTS), "unconstrained network, ramps"),
        "mlp_ramps": (lambda s: _scaled(MLPRegressor(
            hidden_layer_sizes=(32,), max_iter=3000, random_state=s), log, RAMPS),
            _ramp_grid({"model__alpha": [0.1, 1.0, 10.0], **rule}, KP, KNOTS),
            "MLPRegressor, ramps"),
        "ridge_ramps": (lambda s: _scaled(Ridge(), log, RAMPS),
                        _ramp_grid({"model__alpha": [0.1, 1.0, 10.0], **rule}, KP,
                                   KNOTS), "Ridge, ramps"),
    }
    # 6e3f78f: does the constraint pay with more capacity (wider and a lower
    # l2, where it should remove more variance), or on log(mpg)? The same variants
    # for both networks, so that the pair stays a pair.
    wide = {"model__hidden_layer_sizes": [(16,), (16, 16), (64,)],
            "model__l2": [3e-4, 1e-3, 3e-3]}
    for name, key in (("mono", MONOTONE), ("free", "sknonneg unconstrained")):
        factory = table[key][0]
        what = out[name][2].replace("the benchmark's ", "")
        out[f"{name}_wide"] = (factory, wide, f"{what}, sizes (16,) (16, 16) (64,), "
                                              "l2 3e-4 1e-3 3e-3")
        out[f"{name}_logy"] = (_log_target(factory), {
            f"regressor__{k}": v for k, v in grid_nn.items()},
            f"{what}, fitted to log(mpg), predicting exp")
    return out


def _log_target(factory):
    return lambda s: TransformedTargetRegressor(factory(s), func=np.log,
                                                inverse_func=np.exp)


def combine(suffixes):
    result, _ = combined_parts("monotone_autompg_dev", suffixes)
    save_json(RESULTS / "monotone_autompg_dev.json", result)
    (RESULTS / "monotone_autompg_dev.md").write_text(markdown(result))


def markdown(result):
    lines = markdown_header(result["record"], "Auto MPG: ramps on development splits "
                                              "(issue 14)")
    rows = pd.DataFrame(result["rows"])
    ref = rows[rows.variant == REFERENCE].set_index("split")
    lines += ["Development splits `ShuffleSplit(1, test_size=0.2, random_state=1000 "
              "+ k)`, not the evaluation splits. Each candidate chosen by inner "
              "3-fold MSE on the training part. Paired: the model's test MSE minus "
              f"`{REFERENCE}`'s (> 0: `{REFERENCE}` better), mean +- standard error.",
              "", "| model | what | splits | MSE | paired vs "
              f"{REFERENCE} | chosen knots |", "| --- | --- | ---: | ---: | --- | --- |"]
    for name, group in rows.groupby("variant", sort=False):
        g = group.set_index("split")
        common = g.index.intersection(ref.index)
        diff = g.mse[common] - ref.mse[common]
        se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
        knots = g.params.map(lambda p: "/".join(
            str(p.get(k, "")).strip("'") for k in (KP, RULE))).value_counts()
        knots = ", ".join(f"{k} x{n}" for k, n in knots.items()) if KP in str(
            g.params.iloc[0]) else "-"
        lines.append(f"| {name} | {result['what'][name]} | {len(g)} | "
                     f"{g.mse.mean():.3f} | {diff.mean():+.3f} +- {se:.3f} | {knots} |")
    mse = rows.pivot(index="split", columns="variant", values="mse")
    twins = [(f"mono{t}", f"free{t}") for t in ("", "_ramps", "_wide", "_logy")
             if f"mono{t}" in mse and f"free{t}" in mse]
    if twins:
        lines += ["", "Each monotone network against its unconstrained twin (the twin's "
                  "MSE minus the monotone one's, > 0: the monotone one better):", ""]
        for mono, free in twins:
            diff = (mse[free] - mse[mono]).dropna()
            se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
            lines.append(f"- `{mono}` against `{free}`: {diff.mean():+.3f} +- {se:.3f} "
                         f"({len(diff)} splits)")
    return "\n".join(lines) + "\n"


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False, seeds=False)
    parser.add_argument("--splits", type=int, nargs="+", default=list(range(30)))
    parser.add_argument("--variants", nargs="+", default=list(variants()))
    parser.add_argument("--suffix", default="")
    parser.add_argument("--combine", nargs="+", metavar="SUFFIX")
    args = parser.parse_args()
    if args.combine:
        return combine(args.combine)
    table = variants()
    X, y, result = start_dev_run(args, load_auto_mpg, table)
    stem = f"monotone_autompg_dev{args.suffix}"
    for k in args.splits:
        (tr, te), = ShuffleSplit(1, test_size=0.2, random_state=1000 + k).split(X, y)
        X_tr, y_tr, X_te, y_te = X.iloc[tr], y[tr], X.iloc[te], y[te]
        for name in args.variants:
            factory, grid, _ = table[name]
            c0 = time.process_time()
            best, cv_score, params = select_and_refit(
                factory, grid, k, "neg_mean_squared_error",
                KFold(3, shuffle=True, random_state=k), X_tr, y_tr)
            row = {"split": k, "variant": name,
                   "mse": float(mean_squared_error(y_te, best.predict(X_te))),
                   "cv_mse": -cv_score, "params": params,
                   "cpu_s": time.process_time() - c0}
            result["rows"].append(row)
            print(json.dumps(row), flush=True)
        save_result(stem, result, markdown)
    print(markdown(result))


if __name__ == "__main__":
    main()
