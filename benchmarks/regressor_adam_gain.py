"""NonNegMLPRegressor under projected Adam: an annealed gain (1 -> 2) or a fixed 1.

When this ran, ``gain="auto"`` was the paper's annealing ``(1.0, 2.0)`` for the
regressor whatever the solver, while the classifier's ``"auto"`` was a fixed ``1.0``
under Adam (lower MNIST test error); on these results the regressor's ``"auto"`` became
a fixed ``1.0`` under Adam too (``doc/defaults.md``, tenth round). Both Adam arms pass
their gain explicitly, so a rerun measures the same two choices. This measures the
regressor's two choices under Adam, everything else at
the defaults (100 hidden units, ``learning_rate_init=1e-3``, 200 epochs, batches of
200, ``positive="auto"``), on the same splits, with the full-batch L-BFGS-B default as
a reference in the same run:

    python benchmarks/regressor_adam_gain.py [--splits 5] [--threads 1]

Data: scikit-learn's diabetes (442 rows), Friedman #1 (2,000 rows, noise 1) and Auto
MPG (392 rows; skipped without the data folder), features scaled by a
``StandardScaler`` or a ``MinMaxScaler`` fitted on the training part (both, as a
competent user would use either), random 80/20 splits. Test R^2, mean over splits,
and the paired difference (the fixed gain's minus the annealed one's).

Results: benchmarks/results/regressor_adam_gain.{json,md}.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.model_selection import ShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from _common import add_common_args, markdown_header, save_result, set_threads


def _datasets(data_home):
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes", X, y
    X, y = make_friedman1(n_samples=2000, noise=1.0, random_state=0)
    yield "friedman1", X, y
    try:
        from sknonneg.datasets import load_auto_mpg
        X, y = load_auto_mpg(data_home=data_home, return_X_y=True)
    except (OSError, ValueError) as exc:
        print(f"Auto MPG skipped: {exc}")
        return
    yield "autompg", X.to_numpy(), y.to_numpy()


MODELS = {
    "adam, gain (1, 2)": {"solver": "adam", "gain": (1.0, 2.0)},
    "adam, gain 1": {"solver": "adam", "gain": 1.0},
    "lbfgsb (default)": {},
}


def main():
    from sknonneg import NonNegMLPRegressor

    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False, seeds=False)
    parser.add_argument("--splits", type=int, default=5)
    args = parser.parse_args()
    set_threads(args.threads)
    rows = []
    for name, X, y in _datasets(args.data_home):
        splits = ShuffleSplit(args.splits, test_size=0.2, random_state=0).split(X)
        for k, (train, test) in enumerate(splits):
            for scaler in (StandardScaler, MinMaxScaler):
                for model, params in MODELS.items():
                    est = make_pipeline(scaler(), NonNegMLPRegressor(
                        random_state=k, **params))
                    start = time.process_time()
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        est.fit(X[train], y[train])
                    reg = est[-1]
                    rows.append({
                        "data": name, "split": k, "scaler": scaler.__name__,
                        "model": model, "r2": float(est.score(X[test], y[test])),
                        "n_iter": int(reg.n_iter_), "gain": float(reg.gain_),
                        "cpu_s": time.process_time() - start,
                        "warnings": sorted({type(w.message).__name__ for w in caught})})
                    print(rows[-1], flush=True)
    save_result("regressor_adam_gain", {"splits": args.splits, "rows": rows}, _markdown)
    print(_markdown({"splits": args.splits, "rows": rows, "record": None}))


def _markdown(result):
    rows = result["rows"]
    lines = (markdown_header(result["record"], "NonNegMLPRegressor under Adam: annealed "
                             "or fixed gain") if result.get("record") else [])
    lines += [
        f"Test R^2, mean over {result['splits']} random 80/20 splits (ShuffleSplit, "
        "random_state=0; the estimator seeded by the split); the scaler fitted on the "
        "training part. Paired: the fixed gain's R^2 minus the annealed one's, per "
        "split, mean +- std (> 0: the fixed gain is better). CPU seconds per fit "
        "(median). Warnings: those raised by any fit of the cell.", "",
        "| data | scaler | model | test R^2 | paired (gain 1 - gain (1, 2)) | epochs "
        "(median) | CPU s | warnings |", "| --- | --- | --- | ---: | --- | ---: | ---: "
        "| --- |"]
    keys = sorted({(r["data"], r["scaler"]) for r in rows}, key=lambda k: (
        [r["data"] for r in rows].index(k[0]), k[1]))
    for data, scaler in keys:
        cell = [r for r in rows if r["data"] == data and r["scaler"] == scaler]
        by = {m: sorted((r for r in cell if r["model"] == m), key=lambda r: r["split"])
              for m in MODELS}
        diff = np.array([b["r2"] - a["r2"] for a, b in zip(
            by["adam, gain (1, 2)"], by["adam, gain 1"])])
        for model, runs in by.items():
            if not runs:
                continue
            paired = (f"{diff.mean():+.4f} +- {diff.std(ddof=1):.4f}"
                      if model == "adam, gain 1" and diff.size > 1 else "")
            warned = sorted({w for r in runs for w in r["warnings"]})
            lines.append(
                f"| {data} | {scaler} | {model} | {np.mean([r['r2'] for r in runs]):.4f} "
                f"| {paired} | {np.median([r['n_iter'] for r in runs]):.0f} | "
                f"{np.median([r['cpu_s'] for r in runs]):.2f} | "
                f"{', '.join(warned) or '-'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
