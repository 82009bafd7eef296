"""Development runs for ``regressor_guarded_refit_round.py``: the fourteenth round's
data (``regressor_refit_round.py``: its 8 data sets, diabetes as context, its
splits and seeds), used here to choose the guard.

    python benchmarks/regressor_guarded_refit_dev.py [--threads 1]

Per cell (data set, scaler, split): the default fit on all training rows; a fit
with ``early_stopping=True`` and ``n_iter_no_change=10**6`` (the stall rule off:
the default's whole schedule on 90% of the rows, the held-out score after every
iteration); its first best iteration ``b`` and relative over-fit
``gap = (best - final) / |best|`` of ``validation_scores_``; and two refits on
all rows, the stages cut after ``b`` ("refit") and their ends scaled by 10/9
("allowance"), as the fourteenth round's ``_replay`` and ``_refit``. The guard
``gap > threshold`` then keeps the default's fit where it does not fire, and the
Markdown tabulates the rule's quantities over a grid of thresholds: a fixed
``c`` and a noise margin ``z sqrt(2 / n_val)`` (``n_val = ceil(0.1 n_train)``).
Everything here is development: thresholds were read off these tables.
Results: ``benchmarks/results/regressor_guarded_refit_dev.{json,md}``.

Private imports (sknonneg._*): ``gain_schedule`` (``sknonneg._solvers.schedules``)
gives the gains of the default's 5 L-BFGS-B stages, so that the replayed stages run
at exactly the gains the held-out fit had; no public API hands them out.
"""

import argparse
import math

import numpy as np
from sklearn.base import clone
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from _common import add_common_args, markdown_header, save_result, set_threads
from regressor_refit_round import (_datasets, _quiet_fit, _refit, _replay, _splits,
                                   _stages)

FIXED = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
Z = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


def run(args):
    from sknonneg import NonNegMLPRegressor
    from sknonneg._solvers.schedules import gain_schedule

    gains = gain_schedule((1.0, 2.0), 5)
    out = []
    for name, in_rule, X, y in _datasets():
        for k, X_tr, y_tr, X_te, y_te in _splits(name, X, y, 10):
            for scaler in (StandardScaler, MinMaxScaler):
                sc = scaler().fit(X_tr)
                A, B = sc.transform(X_tr), sc.transform(X_te)
                base = NonNegMLPRegressor(random_state=k)
                d, _, _, _ = _quiet_fit(clone(base), A, y_tr)
                es, _, log, _ = _quiet_fit(clone(base).set_params(
                    early_stopping=True, n_iter_no_change=10**6, verbose=2), A, y_tr)
                v = np.asarray(es.validation_scores_)
                b = int(np.argmax(v)) + 1
                rec = {"data": name, "in_rule": in_rule, "scaler": scaler.__name__,
                       "split": k, "n_train": len(y_tr), "best_iter": b,
                       "gap": float((v.max() - v[-1]) / abs(v.max())),
                       "default": float(d.score(B, y_te))}
                stages = _stages(log, 5)
                for tag, factor in (("refit", 1.0), ("allowance", 10 / 9)):
                    est, _, _ = _refit(base, gains, _replay(stages, b, factor, 200),
                                       A, y_tr)
                    rec[tag] = float(est.score(B, y_te))
                out.append(rec)
                print(name, scaler.__name__, k, b, round(rec["gap"], 3), flush=True)
    return {"rows": out}


def _noise(r):
    return math.sqrt(2.0 / math.ceil(0.1 * r["n_train"]))


def _line(rows, label, fire, arm):
    names = list(dict.fromkeys(r["data"] for r in rows))
    diff = {n: [(r[arm] if fire(r) else r["default"]) - r["default"]
                for r in rows if r["data"] == n] for n in names}
    share = {n: np.mean([fire(r) for r in rows if r["data"] == n]) for n in names}
    rule = [x for r in rows if r["in_rule"]
            for x in [(r[arm] if fire(r) else r["default"]) - r["default"]]]
    worst = min(np.mean(diff[n]) for n in names
                if any(r["in_rule"] for r in rows if r["data"] == n))
    return (f"| {arm} | {label} | {np.mean(rule):+.4f} | {worst:+.4f} | "
            + " | ".join(f"{np.mean(diff[n]):+.4f} ({share[n]:.2f})" for n in names)
            + " |")


def _markdown(result):
    rows = result["rows"]
    names = list(dict.fromkeys(r["data"] for r in rows))
    lines = (markdown_header(result["record"], "Guarded refit: development runs on "
                             "the fourteenth round's data")
             if result.get("record") else [])
    lines += ["Mean paired R^2 difference against the default (in brackets: the share "
              "of cells refitted) where the refit replaces the default's fit only if "
              "the guard fires; 'rule mean' over the 160 rule cells, 'worst' the "
              "lowest rule data set's mean (diabetes is context).", "",
              "| arm | guard | rule mean | worst | " + " | ".join(names) + " |",
              "| --- | --- | ---: | ---: | " + " | ".join("---:" for _ in names) + " |"]
    for arm in ("refit", "allowance"):
        lines.append(_line(rows, "always", lambda r: True, arm))
        for c in FIXED:
            lines.append(_line(rows, f"gap > {c}", lambda r, c=c: r["gap"] > c, arm))
        for z in Z:
            lines.append(_line(rows, f"gap > {z} sqrt(2/n_val)",
                               lambda r, z=z: r["gap"] > z * _noise(r), arm))
    lines += ["", "Relative over-fit `gap` per data set (quantiles over 20 cells):", "",
              "| data | min | 25% | median | 75% | max |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for n in names:
        g = np.quantile([r["gap"] for r in rows if r["data"] == n], [0, .25, .5, .75, 1])
        lines.append(f"| {n} | " + " | ".join(f"{x:.3f}" for x in g) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False, seeds=False)
    parser.add_argument("--out", default="regressor_guarded_refit_dev")
    args = parser.parse_args()
    set_threads(args.threads)
    result = run(args)
    save_result(args.out, result, _markdown)
    print(_markdown(result))


if __name__ == "__main__":
    main()
