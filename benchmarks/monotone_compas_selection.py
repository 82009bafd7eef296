"""COMPAS: how much of the gap between models is model-selection noise (issue 14).

A development run, on splits that are NOT the 10 evaluation splits of
``monotone_tabular.py`` (``StratifiedShuffleSplit(random_state=1000 + k)``).
For each model and split, every candidate of the model's grid is scored by inner
CV on the training part (``RepeatedStratifiedKFold(3, n_repeats=3)``, accuracy and
log-loss) and refitted on the whole training part for its test accuracy. Then
four selection rules are compared on the same numbers, for every model alike:
accuracy on 3 folds (the benchmark's rule until now), accuracy on 3x3 folds,
log-loss on 3 folds, log-loss on 3x3 folds; plus the oracle (best candidate on
the test part, not a result: an upper bound of what selection can give) and the
mean over candidates.

Usage::

    PYTHONPATH=. python benchmarks/monotone_compas_selection.py --splits 0 1 2
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
from monotone_tabular import models  # noqa: E402

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import accuracy_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, RepeatedStratifiedKFold  # noqa: E402
from sklearn.model_selection import StratifiedShuffleSplit  # noqa: E402

from sknonneg.datasets import load_compas  # noqa: E402

RULES = ("acc3", "acc9", "ll3", "ll9")


def _save(args, rows, c0):
    """Write the rows so far (a run stopped early keeps its finished splits)."""
    out = {"commit": git_commit(), "cpu_s": time.process_time() - c0,
           "command": "python benchmarks/monotone_compas_selection.py "
                      + " ".join(sys.argv[1:]), "rows": rows}
    (RESULTS / f"monotone_compas_selection{args.suffix}.json").write_text(
        json.dumps(out, indent=1))
    return out


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False, seeds=False)
    parser.add_argument("--splits", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+",
                        default=["sknonneg monotone", "HGB monotone", "HGB"])
    parser.add_argument("--suffix", default="")
    args = parser.parse_args()
    set_threads(args.threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    import sknonneg
    print("sknonneg from", sknonneg.__file__, flush=True)
    X, y = load_compas(data_home=args.data_home, return_X_y=True)
    y = y.to_numpy()
    table, _ = models("compas", False)
    rows = []
    c0 = time.process_time()
    for k in args.splits:
        tr, te = next(StratifiedShuffleSplit(1, test_size=0.2, random_state=1000 + k)
                      .split(X, y))
        X_tr, y_tr, X_te, y_te = X.iloc[tr], y[tr], X.iloc[te], y[te]
        for name in args.models:
            factory, grid = table[name]
            cv = RepeatedStratifiedKFold(n_splits=3, n_repeats=3, random_state=k)
            search = GridSearchCV(factory(k), grid, cv=cv, n_jobs=1, refit=False,
                                  scoring={"acc": "accuracy", "ll": "neg_log_loss"})
            search.fit(X_tr, y_tr)
            res = search.cv_results_
            inner = {}
            for m in ("acc", "ll"):
                folds = np.array([res[f"split{i}_test_{m}"] for i in range(9)])
                inner[m + "3"] = folds[:3].mean(0)
                inner[m + "9"] = folds.mean(0)
            test = []
            for params in res["params"]:
                est = clone(factory(k)).set_params(**params).fit(X_tr, y_tr)
                test.append(accuracy_score(y_te, est.predict(X_te)))
            test = np.array(test)
            row = {"split": k, "model": name, "test": test.tolist(),
                   "oracle": float(test.max()), "mean_candidates": float(test.mean())}
            for rule in RULES:
                row[rule] = float(test[int(np.argmax(inner[rule]))])
            rows.append(row)
            _save(args, rows, c0)
            print(k, name, {r: round(100 * row[r], 2) for r in
                            (*RULES, "oracle", "mean_candidates")}, flush=True)
    out = _save(args, rows, c0)
    for rule in (*RULES, "oracle", "mean_candidates"):
        line = []
        for name in args.models:
            v = [r[rule] for r in rows if r["model"] == name]
            line.append(f"{name} {100 * np.mean(v):.2f}")
        print(rule, "; ".join(line))
    print("CPU s", out["cpu_s"])


if __name__ == "__main__":
    main()
