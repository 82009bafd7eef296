"""COMPAS: variants of the monotone network on development splits (issue 14).

A development run, on splits that are NOT the 10 evaluation splits of
``monotone_tabular.py`` (``StratifiedShuffleSplit(1, test_size=0.2,
random_state=1000 + k)``, as ``monotone_compas_grids_dev.py``). Each variant is
the benchmark's monotone network with one change; its candidate is chosen as the
benchmark chooses (inner 3-fold log-loss on the training part, the benchmark's
grid) and refitted on the training part. Reported per variant: the mean test
accuracy and log-loss, and the paired difference in accuracy against the
benchmark's network (``base``), mean +- standard error over the splits. The
references (the benchmark's ``HGB monotone``, ``HGB``, ``LogisticRegression``)
run on the same splits.

``--cells`` adds where ``base`` and ``HGB monotone`` disagree: the test rows of
all splits pooled, the rows on which their predictions differ and which model is
right there, and by age x prior-offence cell the observed rate of recidivism next
to each model's mean probability.

Usage::

    PYTHONPATH=. python benchmarks/monotone_compas_variants.py --splits 0 1 2 3 4 \\
        --variants hgbm hgb lr base tanh relu --cells --suffix _a
    PYTHONPATH=. python benchmarks/monotone_compas_variants.py --combine _a _b
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
from monotone_tabular import COMPAS_CST, LOG_COLUMNS, MONOTONE, _ramp_grid  # noqa: E402
from monotone_tabular import _scaled, models  # noqa: E402

from sklearn.metrics import accuracy_score, log_loss  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.model_selection import StratifiedShuffleSplit  # noqa: E402

from sknonneg import NonNegMLPClassifier  # noqa: E402
from sknonneg.datasets import load_compas  # noqa: E402

KP, RULE = "ramps__ramp__n_knots", "ramps__ramp__knots"
SIZES = [(16,), (16, 16)]
L2 = [1e-4, 3e-4, 1e-3]


def _with(factory, **params):
    return lambda s: factory(s).set_params(**params)


def _grid(n_knots=10, rules=("distinct", "quantile"), sizes=SIZES, output_l2=None,
          l2=L2, first_l1=None, activations=None):
    """The benchmark's network grid, with ``n_knots``, ``rules``, ``sizes``; with
    ``output_l2``, the output layer's l2 is that fraction of the hidden layers';
    with ``first_l1``, these values of an L1 penalty on the first layer (none on
    the later layers) in the grid; with ``activations``, these activations in the
    grid."""
    grids = []
    for size in sizes:
        alphas = l2 if output_l2 is None else [[a] * len(size) + [a * output_l2]
                                               for a in l2]
        grid = {"model__hidden_layer_sizes": [size], "model__l2": alphas,
                RULE: list(rules)}
        if first_l1 is not None:
            grid["model__l1"] = [[a] + [0.0] * len(size) for a in first_l1]
        if activations is not None:
            grid["model__activation"] = list(activations)
        grids += _ramp_grid(grid, KP, [n_knots], COMPAS_CST)
    return grids


def variants():
    """name -> (factory, grid, what it changes)."""
    table, _ = models("compas", False)
    base, base_grid = table[MONOTONE]
    counts = LOG_COLUMNS["compas"]
    return {
        "hgbm": (*table["HGB monotone"], "the benchmark's HGB monotone"),
        "hgb": (*table["HGB"], "the benchmark's HGB"),
        "lr": (*table["LogisticRegression"], "the benchmark's LogisticRegression"),
        "base": (base, base_grid, "the benchmark's monotone network"),
        "tanh": (_with(base, model__activation="tanh"), base_grid,
                 'activation="tanh"'),
        "relu": (_with(base, model__activation="relu"), base_grid,
                 'activation="relu" (the logit is then convex in the inputs)'),
        "k20q": (base, _grid(20, ("quantile",)), "20 quantile knots"),
        "wide": (base, _grid(sizes=[(32,), (32, 16)]), "(32,) or (32, 16)"),
        "it500": (_with(base, model__max_iter=500), base_grid, "max_iter=500"),
        "out10": (base, _grid(output_l2=0.1), "output layer l2 / 10"),
        "out0": (base, _grid(output_l2=0.0), "output layer l2 = 0"),
        "deep": (base, _grid(sizes=[*SIZES, (64, 32)], l2=[1e-5, *L2]),
                 "(64, 32) and l2=1e-5 added to the grid"),
        "l1": (base, _grid(first_l1=[0.0, 3e-4, 3e-3]),
               "first-layer l1 in {0, 3e-4, 3e-3} added to the grid (sparse jumps "
               "of the ramps, as a tree's splits)"),
        "k20q_l1": (base, _grid(20, ("quantile",), first_l1=[0.0, 3e-4, 3e-3]),
                    "20 quantile knots and first-layer l1 in {0, 3e-4, 3e-3} (dense "
                    "knots, sparse jumps: a fused lasso of each feature's shape)"),
        "tanh_out0": (_with(base, model__activation="tanh"), _grid(output_l2=0.0),
                      'activation="tanh" and output layer l2 = 0 (the two best '
                      "single changes of monotone_compas_variants.md, together)"),
        "act_cv": (base, _grid(activations=("logistic", "tanh")),
                   'activation in {"logistic", "tanh"} added to the grid (chosen by '
                   "the inner CV, as the other hyper-parameters)"),
        "small": (base, _grid(rules=("quantile",), sizes=[(16,)]),
                  "a smaller grid: (16,), 10 quantile knots, l2 in {1e-4, 3e-4, "
                  "1e-3} (3 candidates instead of 12: less selection noise)"),
        "age_raw": (lambda s: _scaled(NonNegMLPClassifier(
            monotonic_cst=COMPAS_CST, random_state=s, output="logistic",
            max_iter=200), counts, counts), base_grid,
            "age not ramped (ramps on the four counts only)"),
    }


def cells(frame):
    """The rows where base and hgbm disagree; calibration by age x priors cell."""
    nn, tree = frame.p_base > 0.5, frame.p_hgbm > 0.5
    dis = frame[nn != tree]
    out = {"rows": int(len(frame)), "disagree": int(len(dis)),
           "base_right": int(((dis.p_base > 0.5) == dis.y).sum()),
           "hgbm_right": int(((dis.p_hgbm > 0.5) == dis.y).sum()),
           "disagree_observed_rate": float(dis.y.mean()),
           "disagree_mean_p_base": float(dis.p_base.mean()),
           "disagree_mean_p_hgbm": float(dis.p_hgbm.mean())}
    age = pd.cut(frame.age, [0, 22, 25, 30, 35, 45, 200])
    priors = pd.cut(frame.priors_count, [-1, 0, 1, 3, 6, 1000])
    g = frame.groupby([age, priors], observed=True).agg(
        n=("y", "size"), observed=("y", "mean"), p_base=("p_base", "mean"),
        p_hgbm=("p_hgbm", "mean"))
    out["cells"] = [{"age": str(a), "priors": str(p), **{k: float(v) for k, v in
                                                       row.items()}}
                    for (a, p), row in g.iterrows()]
    return out


def merge_cells(parts):
    """The cell summaries of separate runs (disjoint splits) pooled: counts added,
    means weighted by their counts."""
    out = {k: sum(c[k] for c in parts)
           for k in ("rows", "disagree", "base_right", "hgbm_right")}
    for k in ("disagree_observed_rate", "disagree_mean_p_base", "disagree_mean_p_hgbm"):
        out[k] = sum(c[k] * c["disagree"] for c in parts) / max(out["disagree"], 1)
    cells = {}
    for c in parts:
        for r in c["cells"]:
            key = (r["age"], r["priors"])
            acc = cells.setdefault(key, {"age": r["age"], "priors": r["priors"],
                                         "n": 0.0, "observed": 0.0, "p_base": 0.0,
                                         "p_hgbm": 0.0})
            acc["n"] += r["n"]
            for k in ("observed", "p_base", "p_hgbm"):
                acc[k] += r[k] * r["n"]
    for acc in cells.values():
        for k in ("observed", "p_base", "p_hgbm"):
            acc[k] /= acc["n"]
    out["cells"] = list(cells.values())
    return out


def combine(suffixes, out_suffix=""):
    """monotone_compas_variants{out_suffix}.{json,md} from the files of separate
    runs."""
    result, parts = combined_parts("monotone_compas_variants", suffixes)
    if all(p.get("cells") for p in parts):
        result["cells"] = merge_cells([p["cells"] for p in parts])
    save_json(RESULTS / f"monotone_compas_variants{out_suffix}.json", result)
    (RESULTS / f"monotone_compas_variants{out_suffix}.md").write_text(markdown(result))


def markdown(result):
    rec = result["record"]
    lines = markdown_header(rec, "COMPAS: monotone network variants on development "
                                 "splits (issue 14)")
    rows = pd.DataFrame(result["rows"])
    base = rows[rows.variant == "base"].set_index("split")
    lines += ["Development splits `StratifiedShuffleSplit(1, test_size=0.2, "
              "random_state=1000 + k)`, not the evaluation splits. Each candidate "
              "chosen by inner 3-fold log-loss on the training part. Paired: the "
              "variant's accuracy minus `base`'s, mean +- standard error (points).", "",
              "| variant | what | splits | accuracy | test log-loss | paired vs base |",
              "| --- | --- | ---: | ---: | ---: | --- |"]
    for name, group in rows.groupby("variant", sort=False):
        g = group.set_index("split")
        common = g.index.intersection(base.index)
        diff = 100 * (g.acc[common] - base.acc[common])
        se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
        lines.append(f"| {name} | {result['what'][name]} | {len(g)} | "
                     f"{100 * g.acc.mean():.2f} | {g.ll.mean():.4f} | "
                     f"{diff.mean():+.2f} +- {se:.2f} |")
    if result.get("cells"):
        c = result["cells"]
        lines += ["", "## Where base and HGB monotone disagree", "",
                  f"Test rows of all splits pooled: {c['rows']}; they disagree on "
                  f"{c['disagree']}: base right on {c['base_right']}, HGB monotone on "
                  f"{c['hgbm_right']}. On those rows the observed rate is "
                  f"{c['disagree_observed_rate']:.3f}, base's mean probability "
                  f"{c['disagree_mean_p_base']:.3f}, HGB monotone's "
                  f"{c['disagree_mean_p_hgbm']:.3f}.", "",
                  "| age | priors | rows | observed | base | HGB monotone |",
                  "| --- | --- | ---: | ---: | ---: | ---: |"]
        lines += [f"| {r['age']} | {r['priors']} | {int(r['n'])} | "
                  f"{r['observed']:.3f} | {r['p_base']:.3f} | {r['p_hgbm']:.3f} |"
                  for r in c["cells"]]
    return "\n".join(lines) + "\n"


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False, seeds=False)
    parser.add_argument("--splits", type=int, nargs="+", default=list(range(10)))
    parser.add_argument("--variants", nargs="+", default=["hgbm", "hgb", "lr", "base"])
    parser.add_argument("--cells", action="store_true",
                        help="pool base's and hgbm's test probabilities by cell "
                             "(needs both in --variants)")
    parser.add_argument("--suffix", default="")
    parser.add_argument("--combine", nargs="+", metavar="SUFFIX",
                        help="only merge the result files of these suffixes into "
                             "monotone_compas_variants{--out-suffix}.{json,md}")
    parser.add_argument("--out-suffix", default="")
    args = parser.parse_args()
    if args.combine:
        return combine(args.combine, args.out_suffix)
    table = variants()
    X, y, result = start_dev_run(args, load_compas, table)
    pooled = []
    stem = f"monotone_compas_variants{args.suffix}"
    for k in args.splits:
        (tr, te), = StratifiedShuffleSplit(1, test_size=0.2,
                                           random_state=1000 + k).split(X, y)
        X_tr, y_tr, X_te, y_te = X.iloc[tr], y[tr], X.iloc[te], y[te]
        probas = {}
        for name in args.variants:
            factory, grid, _ = table[name]
            c0 = time.process_time()
            best, cv_score, params = select_and_refit(
                factory, grid, k, "neg_log_loss",
                StratifiedKFold(3, shuffle=True, random_state=k), X_tr, y_tr)
            proba = best.predict_proba(X_te)[:, 1]
            probas[name] = proba
            row = {"split": k, "variant": name,
                   "acc": float(accuracy_score(y_te, best.predict(X_te))),
                   "ll": float(log_loss(y_te, proba)), "cv_ll": -cv_score,
                   "params": params, "cpu_s": time.process_time() - c0}
            result["rows"].append(row)
            print(json.dumps(row), flush=True)
        if args.cells and {"base", "hgbm"} <= set(probas):
            part = X_te[["age", "priors_count"]].copy()
            part["y"], part["p_base"], part["p_hgbm"] = y_te, probas["base"], probas["hgbm"]
            pooled.append(part)
        if pooled:
            result["cells"] = cells(pd.concat(pooled))
        save_result(stem, result, markdown)
    print(markdown(result))


if __name__ == "__main__":
    main()
