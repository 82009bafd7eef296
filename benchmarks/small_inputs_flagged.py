"""Fits on inputs flagged as small against the constant model.

Training scores of ABBAClassifier (defaults, and hidden_layer_sizes=(20, 20),
l1=1e-4, activation="capped_leaky_relu", lipschitz_max=1), NonNegMLPClassifier and
NonNegMLPRegressor, both solvers, random_state 0, 1, 2, on min-max scaled breast
cancer (binary), iris (multiclass) and diabetes (regression) times a scale s in
1e-4, 1e-20, 1e-155 (every one flagged by the InputScaleWarning: largest column
root-mean-square below 1e-3). Classifiers: 1 - log-loss / the class prior's
log-loss; regressor: R^2. 0 is the constant model, below 0 worse.

What it checks (not a default): no fit ends below -0.01, and every fit at or below
0.01 raised a DegenerateFitWarning. Training data only: no split is scored.

Run from the repository root: python benchmarks/small_inputs_flagged.py [--stem S]
[--label TEXT] (writes benchmarks/results/<stem>.json and .md; --label says which
tree was measured, for a run of this file copied into another tree).
"""
import argparse
import time
import warnings

import numpy as np

from _common import RESULTS, markdown_header, save_result

from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.metrics import log_loss, r2_score
from sklearn.preprocessing import MinMaxScaler

from sknonneg import (ABBAClassifier, DegenerateFitWarning, NonNegMLPClassifier,
                      NonNegMLPRegressor)

SCALES = (1e-4, 1e-20, 1e-155)
SEEDS = (0, 1, 2)
SOLVERS = ("adam", "lbfgsb")
DATA = {"breast_cancer": load_breast_cancer, "iris": load_iris,
        "diabetes": load_diabetes}
ESTIMATORS = [  # (name, data sets, factory)
    ("ABBA", ("breast_cancer", "iris"), lambda **kw: ABBAClassifier(**kw)),
    ("ABBA (20, 20)", ("breast_cancer", "iris"),
     lambda **kw: ABBAClassifier((20, 20), **kw)),
    ("ABBA l1=1e-4", ("breast_cancer", "iris"),
     lambda **kw: ABBAClassifier(l1=1e-4, **kw)),
    ("ABBA capped_leaky_relu", ("breast_cancer", "iris"),
     lambda **kw: ABBAClassifier(activation="capped_leaky_relu", **kw)),
    ("ABBA lipschitz_max=1", ("breast_cancer", "iris"),
     lambda **kw: ABBAClassifier(lipschitz_max=1.0, **kw)),
    ("NonNegMLPClassifier", ("breast_cancer", "iris"),
     lambda **kw: NonNegMLPClassifier(**kw)),
    ("NonNegMLPRegressor", ("diabetes",), lambda **kw: NonNegMLPRegressor(**kw)),
]


def skill(est, X, y):
    if isinstance(est, NonNegMLPRegressor):
        return float(r2_score(y, est.predict(X)))
    prior = np.bincount(y) / len(y)
    return float(1 - log_loss(y, est.predict_proba(X))
                 / log_loss(y, np.tile(prior, (len(y), 1))))


def measure():
    rows = []
    cpu0 = time.process_time()
    for data in DATA:
        X0, y = DATA[data](return_X_y=True)
        X0 = MinMaxScaler().fit_transform(X0)
        for name, sets, make in ESTIMATORS:
            if data not in sets:
                continue
            for scale in SCALES:
                for solver in SOLVERS:
                    for seed in SEEDS:
                        X = X0 * scale
                        with warnings.catch_warnings(record=True) as rec:
                            warnings.simplefilter("always")
                            est = make(solver=solver, random_state=seed).fit(X, y)
                        rows.append({
                            "data": data, "estimator": name, "scale": scale,
                            "solver": solver, "seed": seed, "score": skill(est, X, y),
                            "degenerate_warning": any(
                                issubclass(w.category, DegenerateFitWarning)
                                for w in rec)})
    return {"rows": rows, "cpu_s": time.process_time() - cpu0}


def markdown(result):
    lines = markdown_header(result["record"],
                            "Fits on inputs flagged as small against the constant model")
    if result.get("label"):
        lines += [f"Tree measured: {result['label']}", ""]
    rows = result["rows"]
    worst = min(r["score"] for r in rows)
    silent = [r for r in rows if r["score"] <= 0.01 and not r["degenerate_warning"]]
    lines += [f"{len(rows)} fits; worst score {worst:.4g}; fits below -0.01: "
              f"{sum(r['score'] < -0.01 for r in rows)}; fits at or below 0.01 "
              f"without a DegenerateFitWarning: {len(silent)}.", "",
              "Worst of random_state 0, 1, 2 (0 is the constant model; every seed "
              "in the JSON):", "",
              "| data | estimator | solver | "
              + " | ".join(f"X * {s:g}" for s in SCALES) + " |",
              "| --- | --- | --- |" + " ---: |" * len(SCALES)]
    keys = []
    for r in rows:
        key = (r["data"], r["estimator"], r["solver"])
        if key not in keys:
            keys.append(key)
    for key in keys:
        cells = [min(r["score"] for r in rows if (r["data"], r["estimator"],
                                                  r["solver"]) == key
                     and r["scale"] == s) for s in SCALES]
        lines.append(f"| {' | '.join(key)} | "
                     + " | ".join(f"{c:.3g}" for c in cells) + " |")
    lines += ["", f"CPU: {result['cpu_s']:.0f} s.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stem", default="small_inputs_flagged")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    result = measure()
    result["label"] = args.label
    save_result(args.stem, result, markdown)
    print((RESULTS / f"{args.stem}.md").read_text())
