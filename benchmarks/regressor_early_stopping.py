"""NonNegMLPRegressor above 10,000 rows: ``early_stopping="auto"`` against no early
stopping (issue 18, eighth round: the regressor's default changed with the
classifier's).

Friedman's regression problem #1 (``sklearn.datasets.make_friedman1``, 10 features,
5 of them noise, Gaussian noise of standard deviation 1), 30,000 rows split 2:1
(20,000 training rows, above the threshold; 10,000 test rows), inputs standardised
in a ``Pipeline``; the regressor at its defaults (``positive="hidden"``, ``(100,)``,
200 L-BFGS-B iterations) with ``early_stopping`` False and ``"auto"``, for three
seeds. Recorded: test R^2 (the noise caps it near 0.96), iterations, whether the
fit warned, CPU seconds. For scale, scikit-learn's ``MLPRegressor`` at its defaults
(Adam, ``early_stopping=False``) in the same pipeline.

Run from the repository root::

    python benchmarks/regressor_early_stopping.py

Results: ``benchmarks/results/regressor_early_stopping.{json,md}``.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.datasets import make_friedman1  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from _common import RESULTS, run_record, save_json, set_threads  # noqa: E402
from sknonneg import NonNegMLPRegressor  # noqa: E402

MODELS = [
    ("NonNegMLPRegressor(early_stopping=False)",
     lambda s: NonNegMLPRegressor(early_stopping=False, random_state=s)),
    ("NonNegMLPRegressor() (early_stopping='auto')",
     lambda s: NonNegMLPRegressor(random_state=s)),
    ("MLPRegressor()", lambda s: MLPRegressor(random_state=s)),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="regressor_early_stopping")
    args = parser.parse_args()
    set_threads(args.threads)
    X, y = make_friedman1(30_000, noise=1.0, random_state=0)
    X_train, X_test, y_train, y_test = X[:20_000], X[20_000:], y[:20_000], y[20_000:]
    rows = []
    for seed in args.seeds:
        for name, make in MODELS:
            model = make_pipeline(StandardScaler(), make(seed))
            cpu0 = time.process_time()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                model.fit(X_train, y_train)
            est = model[-1]
            rows.append({
                "model": name, "seed": seed, "test_r2": model.score(X_test, y_test),
                "train_r2": model.score(X_train, y_train), "n_iter": est.n_iter_,
                "early_stopping": bool(getattr(est, "do_early_stopping_",
                                               est.early_stopping)),
                "warned": any(issubclass(w.category, ConvergenceWarning)
                              for w in caught),
                "cpu_s": time.process_time() - cpu0})
            print(rows[-1], flush=True)
    rec = {**run_record(), "rows": rows}
    save_json(RESULTS / f"{args.out}.json", rec)
    (RESULTS / f"{args.out}.md").write_text(markdown(rec) + "\n")


def markdown(rec):
    out = ["# NonNegMLPRegressor above 10,000 rows: early stopping (issue 18)", "",
           f"Command: `{rec['command']}`  ",
           f"git_commit {rec['git_commit']}, sknonneg from {rec['sknonneg']}, "
           f"{rec['machine']['cpu_count']} CPUs (shared; load {rec['load_1min']:.1f} at "
           "the end)", "",
           "make_friedman1 (noise 1), 20,000 training and 10,000 test rows, "
           "StandardScaler in a Pipeline; defaults except `early_stopping`.", "",
           "| model | seed | held out | iterations | warned | train R^2 | test R^2 "
           "| CPU s |",
           "| --- | ---: | --- | ---: | --- | ---: | ---: | ---: |"]
    for r in rec["rows"]:
        out.append(f"| {r['model']} | {r['seed']} | "
                   f"{'yes' if r['early_stopping'] else 'no'} | {r['n_iter']} | "
                   f"{'yes' if r['warned'] else 'no'} | {r['train_r2']:.4f} | "
                   f"{r['test_r2']:.4f} | {r['cpu_s']:.1f} |")
    out += ["", "| model | mean test R^2 |", "| --- | ---: |"]
    for name, _ in MODELS:
        scores = [r["test_r2"] for r in rec["rows"] if r["model"] == name]
        out.append(f"| {name} | {np.mean(scores):.4f} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
