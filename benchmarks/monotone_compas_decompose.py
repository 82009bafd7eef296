"""COMPAS: the selection score and the grids, one at a time (issue 14).

A sensitivity run beside ``monotone_tabular.py --tasks compas``, on its 10
evaluation splits and seeds, for the monotone sknonneg estimator and both
HistGradientBoosting models: each is run with the previous grids (before 9afceb8) or
the current ones, and selected by accuracy or by log-loss, so that the effect of
each change on each model can be read apart. It picks nothing: the benchmark's
protocol was fixed before this run.

Usage::

    PYTHONPATH=. python benchmarks/monotone_compas_decompose.py --grids previous \
        --scoring neg_log_loss --suffix _prev_ll
"""

import argparse
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(__file__))
import monotone_tabular as mt  # noqa: E402
from _common import RESULTS, add_common_args, git_commit, save_json, set_threads  # noqa: E402

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sknonneg.datasets import load_compas  # noqa: E402

MODELS = (mt.MONOTONE, "HGB monotone", "HGB")
# The grids of the previous run (commit 71bac2b): networks l2 {1e-3, 1e-2}, HGB 7
# or 31 leaves.
PREVIOUS = {
    mt.MONOTONE: {"model__l2": [1e-3, 1e-2]},
    "HGB monotone": {"max_leaf_nodes": [7, 31]},
    "HGB": {"max_leaf_nodes": [7, 31]},
}


def _previous(grid, name):
    change = PREVIOUS[name]
    if isinstance(grid, list):
        return [{**g, **change} for g in grid]
    return {**grid, **change}


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False, seeds=False)
    parser.add_argument("--grids", choices=["previous", "current"], required=True)
    parser.add_argument("--scoring", choices=["accuracy", "neg_log_loss"], required=True)
    parser.add_argument("--splits", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--suffix", required=True)
    args = parser.parse_args()
    set_threads(args.threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    import sknonneg
    print("sknonneg from", sknonneg.__file__, flush=True)
    mt.SCORING["compas"] = args.scoring
    X, y = load_compas(data_home=args.data_home, return_X_y=True)
    y = y.to_numpy()
    table, cst = mt.models("compas", False)
    rows = []
    c0 = time.process_time()
    for k, (tr, te) in enumerate(mt.splits("compas", X, y, False)):
        if k not in args.splits:
            continue
        for name in MODELS:
            factory, grid = table[name]
            if args.grids == "previous":
                grid = _previous(grid, name)
            row = mt.run_one("compas", name, factory, grid, cst, X.iloc[tr], y[tr],
                             X.iloc[te], y[te], seed=k, audit_rows=None)
            row["split"] = k
            rows.append(row)
            print(k, name, round(100 * row["metric"], 2), row["best_params"],
                  flush=True)
        save_json(RESULTS / f"monotone_compas_decompose{args.suffix}.json",
                  {"commit": git_commit(), "grids": args.grids,
                   "scoring": args.scoring, "cpu_s": time.process_time() - c0,
                   "command": "python benchmarks/monotone_compas_decompose.py "
                              + " ".join(sys.argv[1:]), "rows": rows})


if __name__ == "__main__":
    main()
