"""COMPAS: where each model's inner-CV optimum lies on wide grids (issue 14).

A development run, on splits that are NOT the 10 evaluation splits of
``monotone_tabular.py`` (``StratifiedShuffleSplit(1, test_size=0.2,
random_state=1000 + k)``, as ``monotone_compas_selection.py``). For each model
and split, every candidate of a wide grid (each model's grid of the benchmark
extended at both ends, and the ramps' knot rule added) is scored by inner CV on
the training part (3 stratified folds, log-loss and accuracy, as the benchmark
selects) and refitted on the whole training part for its test accuracy. It
chooses nothing by itself: its output is read to centre each model's grid of the
benchmark where the inner CV puts the optimum, on training parts only.

Usage::

    PYTHONPATH=. python benchmarks/monotone_compas_grids_dev.py --splits 0 1 2
"""

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import RESULTS, add_common_args, git_commit, set_threads  # noqa: E402
from monotone_tabular import COMPAS_CST, RAMP_COLUMNS, _ramp_grid, models  # noqa: E402

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import accuracy_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.model_selection import StratifiedShuffleSplit  # noqa: E402

from sknonneg.datasets import load_compas  # noqa: E402

KP, RULE = "ramps__ramp__n_knots", "ramps__ramp__knots"
KNOTS = [10, 20]
RULES = ["distinct", "quantile"]


def wide_grids():
    """name -> the wide grid of that model (dev only)."""
    nn = {"model__hidden_layer_sizes": [(16,), (16, 16)],
          "model__l2": [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3], RULE: RULES}
    hgb = {"learning_rate": [0.03, 0.1], "max_leaf_nodes": [2, 3, 4, 7, 15],
           "min_samples_leaf": [20, 100, 300]}
    return {
        "sknonneg monotone": _ramp_grid(nn, KP, KNOTS, COMPAS_CST),
        "sknonneg monotone (no ramps)": {k: v for k, v in nn.items() if k != RULE},
        "sknonneg unconstrained": _ramp_grid(nn, KP, KNOTS),
        "MLPClassifier": _ramp_grid({"model__alpha": [3.0, 10.0, 30.0, 100.0, 300.0],
                                     RULE: RULES}, KP, KNOTS),
        "HGB monotone": hgb,
        "HGB": hgb,
        "LogisticRegression": _ramp_grid({"model__C": [1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1.0],
                                          RULE: RULES}, KP, KNOTS),
    }


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False, seeds=False)
    parser.add_argument("--splits", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=None)
    parser.add_argument("--suffix", default="")
    args = parser.parse_args()
    set_threads(args.threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    import sknonneg
    print("sknonneg from", sknonneg.__file__, flush=True)
    assert RAMP_COLUMNS["compas"]
    X, y = load_compas(data_home=args.data_home, return_X_y=True)
    y = y.to_numpy()
    table, _ = models("compas", False)
    grids = wide_grids()
    names = args.models or list(grids)
    rows, c0 = [], time.process_time()
    out_path = RESULTS / f"monotone_compas_grids_dev{args.suffix}.json"
    for k in args.splits:
        tr, te = next(StratifiedShuffleSplit(1, test_size=0.2, random_state=1000 + k)
                      .split(X, y))
        X_tr, y_tr, X_te, y_te = X.iloc[tr], y[tr], X.iloc[te], y[te]
        for name in names:
            factory = table[name][0]
            cv = StratifiedKFold(3, shuffle=True, random_state=k)
            search = GridSearchCV(factory(k), grids[name], cv=cv, n_jobs=1,
                                  refit=False,
                                  scoring={"acc": "accuracy", "ll": "neg_log_loss"})
            search.fit(X_tr, y_tr)
            res = search.cv_results_
            test = []
            for params in res["params"]:
                est = clone(factory(k)).set_params(**params).fit(X_tr, y_tr)
                test.append(accuracy_score(y_te, est.predict(X_te)))
            params = [{p: repr(v) for p, v in d.items() if not p.endswith("_cst")}
                      for d in res["params"]]
            rows.append({"split": k, "model": name, "params": params,
                         "inner_ll": res["mean_test_ll"].tolist(),
                         "inner_acc": res["mean_test_acc"].tolist(),
                         "test": test})
            best = int(np.argmax(res["mean_test_ll"]))
            print(k, name, "ll-choice", params[best], round(100 * test[best], 2),
                  "oracle", round(100 * max(test), 2), flush=True)
            (out_path).write_text(json.dumps(
                {"commit": git_commit(), "cpu_s": time.process_time() - c0,
                 "command": "python benchmarks/monotone_compas_grids_dev.py "
                            + " ".join(sys.argv[1:]), "rows": rows}, indent=1))
    print("CPU s", time.process_time() - c0)


if __name__ == "__main__":
    main()
