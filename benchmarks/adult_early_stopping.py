"""Early stopping on Adult: which score, and where it stops (issue 18, eighth round).

Development runs on the training rows of fold 0 of the defaults benchmark's 5-fold
split only (an inner stratified 80/20 split of them, ``random_state=0``, as
``adult_tail.py``; the benchmark's held-out fold is not read). For each scaler and
network (the default ``(100,)``, ``l2=1e-5``, and the grid's ``(50,)``,
``l2=1e-4``), the positive network is fitted:

- without early stopping (``early_stopping=False``: the defaults before the eighth
  round, 200 L-BFGS-B iterations);
- with early stopping scored by held-out accuracy (``scoring=None``, as
  scikit-learn's ``MLPClassifier`` scores it);
- with early stopping scored by the held-out loss (``scoring="loss"``): what
  ``early_stopping="auto"`` does on these 20,838 rows, the default.

Recorded: iterations run, the iteration of the best held-out score (the parameters
kept), the held-out loss at the end of each of the five gain stages that ran, and
the accuracy on the inner validation rows (5,210 rows: one standard error is about
0.5 points), with the CPU time of the fit.

Run from the repository root (``SKNONNEG_DATA`` set)::

    python benchmarks/adult_early_stopping.py

Results: ``benchmarks/results/adult_early_stopping.{json,md}``.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from _common import (  # noqa: E402
    DEFAULT_DATA_HOME, RESULTS, markdown_header, run_record, save_json,
    set_threads)
from adult_tail import fold0_inner_split  # noqa: E402
from defaults import _adult  # noqa: E402
from sknonneg import NonNegMLPClassifier  # noqa: E402

NETWORKS = [("(100,), l2=1e-5 (defaults)", {}),
            ("(50,), l2=1e-4", {"hidden_layer_sizes": (50,), "l2": 1e-4})]
CONFIGS = [("no early stopping", {"early_stopping": False}),
           ("accuracy (scoring=None)", {"early_stopping": True, "scoring": None}),
           ("loss (scoring='loss', the default)", {"early_stopping": True})]


def run(A, B, y_fit, y_val, params):
    est = NonNegMLPClassifier(random_state=0, **params)
    cpu0 = time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        est.fit(A, y_fit)
    cpu = time.process_time() - cpu0
    row = {"n_iter": est.n_iter_, "cpu_s": cpu,
           "warned": any(issubclass(w.category, ConvergenceWarning) for w in caught),
           "val_acc": est.score(B, y_val), "train_acc": est.score(A, y_fit)}
    scores = est.validation_scores_
    if scores is not None:
        row["best_iter"] = int(np.argmax(scores)) + 1
        row["best_score"] = float(np.max(scores))
        row["checks"] = len(scores)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="adult_early_stopping")
    args = parser.parse_args()
    set_threads(args.threads)
    X, y = _adult(args.data_home)
    rows = []
    for scaler in ("minmax", "standard"):
        A, B, y_fit, y_val, _ = fold0_inner_split(X, y, scaler)
        for net, net_params in NETWORKS:
            for config, params in CONFIGS:
                row = {"scaler": scaler, "network": net, "early_stopping": config,
                       **run(A, B, y_fit, y_val, {**net_params, **params})}
                rows.append(row)
                print(row, flush=True)
    rec = {**run_record(), "n_fit": int(A.shape[0]), "n_val": int(B.shape[0]),
           "rows": rows}
    save_json(RESULTS / f"{args.out}.json", rec)
    (RESULTS / f"{args.out}.md").write_text(markdown(rec) + "\n")


def markdown(rec):
    out = markdown_header(
        rec, "Early stopping on Adult: which score, and where it stops (issue 18)") + [
           "Training rows of fold 0 of the defaults benchmark's split only: "
           f"{rec['n_fit']} rows fitted, {rec['n_val']} inner validation rows (one standard error about "
           "0.5 points); positive network, defaults except the network named. With early "
           "stopping the estimator holds out another 10% of the fitted rows. `best`: the "
           "check whose parameters are kept.", "",
           "| scaler | network | early stopping | iterations | best | warned | train acc "
           "| inner validation acc | CPU s |",
           "| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: |"]
    for r in rec["rows"]:
        out.append(f"| {r['scaler']} | {r['network']} | {r['early_stopping']} | "
                   f"{r['n_iter']} | {r.get('best_iter', '')} | "
                   f"{'yes' if r['warned'] else 'no'} | {r['train_acc']:.4f} | "
                   f"{r['val_acc']:.4f} | {r['cpu_s']:.1f} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
