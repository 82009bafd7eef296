"""Poisson regression of counts: NonNegMLPRegressor(loss="poisson"), monotone and not.

The count: COMPAS's ``priors_count`` (the number of prior offences of 6172
defendants, ``sknonneg.datasets.load_compas``), from the other 12 columns: the three
juvenile offence counts, age, sex, felony charge and race (one-hot). Mean 3.2,
variance 22.5 (over-dispersed), a third of them 0. The monotone network is
increasing in the three juvenile counts (a person with more juvenile offences is
not predicted fewer adult ones); age is left free.

Every model is fitted on the same repeated 80/20 splits (``ShuffleSplit``), its
hyper-parameters chosen by ``GridSearchCV`` (3-fold) on the training part only, by
the mean Poisson deviance for every model. Every model that scales its inputs
gets log1p of the three juvenile counts, then ``StandardScaler`` (both increasing
per feature: the constraints keep their sense, and ``check_monotonic`` moves the raw
columns through them); the gradient-boosted trees take the raw columns. Columns:
the mean Poisson deviance and D^2 (the share of the deviance explained,
``d2_tweedie_score(power=1)``) on the test part, the per-split paired difference of
the deviance against the monotone network (the model's minus ours: > 0, ours
better), the largest drop ``check_monotonic`` finds on the test rows along the
three juvenile counts (raw predictions, no tolerance), and the refit of the chosen
model on the whole training part (wall and CPU seconds, one thread).

Needs scikit-learn 1.7 or later (``MLPRegressor(loss="poisson")``; sknonneg itself
takes 1.6).

Usage::

    PYTHONPATH=. python benchmarks/poisson_counts.py --quick   # smoke run
    PYTHONPATH=. python benchmarks/poisson_counts.py           # 5 splits

Results: ``benchmarks/results/poisson_counts{,_quick}.{json,md}``.
"""

import argparse

import numpy as np

from _common import (RESULTS, add_common_args, deviance_table,  # noqa: E402
                     markdown_header, save_result, set_threads, timed_search_refit)

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import PoissonRegressor
from sklearn.metrics import d2_tweedie_score, mean_poisson_deviance
from sklearn.model_selection import ShuffleSplit
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sknonneg import NonNegMLPRegressor
from sknonneg.datasets import load_compas
from sknonneg.inspection import check_monotonic

COUNTS = ["juv_fel_count", "juv_misd_count", "juv_other_count"]
OURS = "sknonneg poisson monotone"


def load(data_home):
    X, _ = load_compas(data_home=data_home, return_X_y=True)
    y = X.pop("priors_count").to_numpy()
    return X, y


def _scaled(model):
    """log1p of the juvenile counts, then StandardScaler, then ``model``."""
    log1p = FunctionTransformer(np.log1p, feature_names_out="one-to-one")
    log = ColumnTransformer([("log", log1p, COUNTS)],
                            remainder="passthrough", verbose_feature_names_out=False)
    return Pipeline([("log", log), ("scale", StandardScaler()), ("model", model)])


def models(columns, quick):
    """``{name: (factory(seed), grid)}``: every model of the run and its grid."""
    cst = {c: 1 for c in COUNTS}
    it = 40 if quick else 200
    # Grids reach past every value a smoke run chose (no choice at an edge there).
    nn_grid = {"model__hidden_layer_sizes": [(16,), (16, 16)],
               "model__l2": [1e-6, 1e-5, 1e-4, 1e-3, 1e-2]}

    def ours(positive, mono):
        # After the scaler the columns are positions (a NumPy array): the constraint
        # by position, in the order the ColumnTransformer puts them (counts first).
        order = COUNTS + [c for c in columns if c not in COUNTS]
        by_position = [cst.get(c, 0) for c in order] if mono else None
        return lambda s: _scaled(NonNegMLPRegressor(
            loss="poisson", positive=positive, monotonic_cst=by_position,
            max_iter=it, random_state=s))

    # HGB stops on its own validation loss (10% of the training part, 20 rounds
    # without progress, up to 5000 rounds), so that no step size is cut short;
    # the grid reaches past every edge earlier runs chose (0.01; 0.1 with 3
    # leaves), down to stumps.
    hgb_grid = {"learning_rate": [0.003, 0.01, 0.03, 0.1, 0.3],
                "max_leaf_nodes": [2, 3, 7, 15, 31]}
    hgb = dict(loss="poisson", max_iter=5000, early_stopping=True,
               n_iter_no_change=20)
    return {
        OURS: (ours("auto", True), nn_grid),
        "sknonneg poisson unconstrained": (ours(False, False), nn_grid),
        # scikit-learn's MLP as a competent user fits small tabular data: L-BFGS, a
        # budget it converges within, alpha by CV (its default 1e-4 included) and
        # the same two architectures as ours.
        "MLPRegressor(loss='poisson')": (
            lambda s: _scaled(MLPRegressor(loss="poisson", solver="lbfgs",
                                           max_iter=300 if quick else 2000,
                                           random_state=s)),
            {"model__hidden_layer_sizes": [(16,), (16, 16)],
             "model__alpha": [1e-4, 1.0, 10.0, 100.0, 1000.0]}),
        "HGB poisson monotone": (
            lambda s: HistGradientBoostingRegressor(monotonic_cst=cst, random_state=s,
                                                    **hgb), hgb_grid),
        "HGB poisson": (
            lambda s: HistGradientBoostingRegressor(random_state=s, **hgb), hgb_grid),
        "PoissonRegressor": (
            lambda s: _scaled(PoissonRegressor(max_iter=1000)),
            {"model__alpha": [1e-4, 1e-3, 1e-2, 1e-1, 1.0]}),
    }


def run(args):
    if "loss" not in MLPRegressor().get_params():
        raise SystemExit("poisson_counts.py compares with MLPRegressor(loss='poisson'), "
                         "which needs scikit-learn 1.7 or later.")
    set_threads(args.threads)
    X, y = load(args.data_home)
    n_splits = 2 if args.quick else args.splits
    splits = list(ShuffleSplit(n_splits, test_size=0.2, random_state=0).split(X))
    table = models(list(X.columns), args.quick)
    rows = []
    for k, (train, test) in enumerate(splits):
        if args.only_splits and k not in args.only_splits:
            continue
        Xtr, Xte, ytr, yte = X.iloc[train], X.iloc[test], y[train], y[test]
        for name, (factory, grid) in table.items():
            model, best_params, wall, cpu, n_warnings = timed_search_refit(
                factory, grid, k, "neg_mean_poisson_deviance", Xtr, ytr)
            pred = model.predict(Xte)
            report = check_monotonic(model, Xte, monotonic_cst={c: 1 for c in COUNTS})
            rows.append({
                "split": k, "model": name,
                "deviance": float(mean_poisson_deviance(yte, pred)),
                "d2": float(d2_tweedie_score(yte, pred, power=1)),
                "max_violation": float(max(0.0, np.max(report.max_drop))),
                "fit_wall_s": wall, "fit_cpu_s": cpu,
                "params": {p: repr(v) for p, v in best_params.items()},
                "convergence_warnings": n_warnings,
            })
            print(f"split {k} {name:32s} deviance {rows[-1]['deviance']:.4f} "
                  f"D^2 {rows[-1]['d2']:.4f} violation {rows[-1]['max_violation']:.3g} "
                  f"fit {cpu:.2f} CPU-s {best_params}", flush=True)
    grids = {name: {p: [repr(v) for v in values] for p, values in grid.items()}
             for name, (_, grid) in table.items()}
    return {"rows": rows, "models": list(table), "grids": grids,
            "data": {"n_rows": int(X.shape[0]), "mean": float(y.mean()),
                     "variance": float(y.var()), "share_zero": float(np.mean(y == 0))}}


def markdown(result):
    rec = result["record"]
    rows = result["rows"]
    lines = markdown_header(rec, "Poisson regression of counts: COMPAS priors_count")
    data = result["data"]
    lines += [
        f"Target `priors_count` ({data['n_rows']} rows, mean {data['mean']:.2f}, "
        f"variance {data['variance']:.1f}, {100 * data['share_zero']:.0f}% zeros) from "
        "the other 12 columns of `load_compas`; repeated 80/20 splits, every model's "
        "grid chosen by 3-fold CV on the training part by the mean Poisson deviance. "
        "Paired difference: the model's test deviance minus the monotone network's, "
        "per split (> 0: ours better), mean and the splits it is > 0 on. Violation: "
        "the largest drop `check_monotonic` finds on the test rows along the three "
        "juvenile counts (raw predictions, no tolerance). Fit: the chosen model's "
        "refit on the training part, median CPU seconds (one thread). "
        "ConvergenceWarnings: over each model's grid search and refit, all splits. "
        "Splits at a "
        "grid edge: splits whose choice took the first or last value of a numeric "
        "grid of three values or more (the parameters named).", ""]
    splits = sorted({r["split"] for r in rows})
    lines += deviance_table(result, rows, OURS, 4)
    lines += ["", f"Splits: {', '.join(map(str, splits))}.", ""]
    return "\n".join(lines) + "\n"


def main():
    parser = add_common_args(argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter),
        seeds=False)
    parser.add_argument("--splits", type=int, default=5,
                        help="number of repeated 80/20 splits (default 5)")
    parser.add_argument("--only-splits", type=int, nargs="+", default=None,
                        help="run these splits only (of --splits)")
    parser.add_argument("--suffix", default="", help="results file suffix")
    args = parser.parse_args()
    stem = "poisson_counts" + ("_quick" if args.quick else "") + args.suffix
    save_result(stem, run(args), markdown)
    print((RESULTS / f"{stem}.md").read_text())


if __name__ == "__main__":
    main()
