"""``early_stopping="auto"`` above 10,000 rows against no early stopping, on data
other than Adult (issue 18, eighth round: what the default costs where nothing
warned).

- ``friedman``: ``NonNegMLPRegressor`` at its defaults (``positive="hidden"``,
  ``(100,)``, 200 L-BFGS-B iterations) on Friedman's regression problem #1
  (``sklearn.datasets.make_friedman1``, 10 features, 5 of them noise, Gaussian
  noise of standard deviation 1: the noise caps R^2 near 0.96), 20,000 training and
  10,000 test rows, inputs standardised in a ``Pipeline``; scikit-learn's
  ``MLPRegressor`` at its defaults for scale.
- ``mnist``: ``NonNegMLPClassifier((150,), positive=True)`` at its defaults
  otherwise (200 L-BFGS-B iterations, the gain annealed 1 -> 2) on full MNIST
  (60,000 training images /255, the 10,000 test images), as the README's demo fits
  it; ``--data-home`` or ``SKNONNEG_DATA`` must hold ``mnist.npz``.

Each with ``early_stopping=False`` and ``"auto"`` (on: both have more than 10,000
rows), for the seeds given; test score, iterations, whether the fit warned, CPU
seconds.

Run from the repository root::

    python benchmarks/early_stopping_auto.py --sections friedman mnist

Results: ``benchmarks/results/early_stopping_auto.{json,md}``.
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

from _common import (  # noqa: E402
    DEFAULT_DATA_HOME, RESULTS, markdown_header, mnist, run_record, save_json,
    set_threads)
from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor  # noqa: E402


def friedman(args):
    X, y = make_friedman1(30_000, noise=1.0, random_state=0)
    data = X[:20_000], X[20_000:], y[:20_000], y[20_000:]
    models = [
        ("NonNegMLPRegressor(early_stopping=False)",
         lambda s: make_pipeline(StandardScaler(),
                                 NonNegMLPRegressor(early_stopping=False, random_state=s))),
        ("NonNegMLPRegressor(early_stopping='auto')",
         lambda s: make_pipeline(
             StandardScaler(), NonNegMLPRegressor(early_stopping="auto", random_state=s))),
        ("MLPRegressor()",
         lambda s: make_pipeline(StandardScaler(), MLPRegressor(random_state=s))),
    ]
    return data, models


def mnist_section(args):
    X, y, X_test, y_test = mnist(args.data_home, dtype=np.float64)
    models = [
        (f"NonNegMLPClassifier((150,), positive=True, early_stopping={es!r})",
         lambda s, es=es: NonNegMLPClassifier((150,), positive=True, early_stopping=es,
                                              random_state=s))
        for es in (False, "auto")]
    return (X, X_test, y, y_test), models


SECTIONS = {"friedman": friedman, "mnist": mnist_section}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS),
                        choices=list(SECTIONS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="early_stopping_auto")
    args = parser.parse_args()
    set_threads(args.threads)
    rows = []
    for section in args.sections:
        (X_train, X_test, y_train, y_test), models = SECTIONS[section](args)
        for seed in args.seeds:
            for name, make in models:
                model = make(seed)
                cpu0 = time.process_time()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", ConvergenceWarning)
                    model.fit(X_train, y_train)
                est = model[-1] if hasattr(model, "steps") else model
                rows.append({
                    "section": section, "model": name, "seed": seed,
                    "test_score": model.score(X_test, y_test),
                    "train_score": model.score(X_train, y_train),
                    "n_iter": est.n_iter_,
                    "held_out": bool(getattr(est, "do_early_stopping_", False)),
                    "warned": any(issubclass(w.category, ConvergenceWarning)
                                  for w in caught),
                    "cpu_s": time.process_time() - cpu0})
                print(rows[-1], flush=True)
    rec = {**run_record(), "rows": rows}
    save_json(RESULTS / f"{args.out}.json", rec)
    (RESULTS / f"{args.out}.md").write_text(markdown(rec) + "\n")


def markdown(rec):
    out = markdown_header(
        rec, "early_stopping='auto' above 10,000 rows, off Adult (issue 18)") + [
           "friedman: make_friedman1 (noise 1), 20,000 training / 10,000 test rows, "
           "StandardScaler in a Pipeline, score R^2. mnist: 60,000 training / 10,000 "
           "test images, score accuracy. Defaults except what the model names.", "",
           "| section | model | seed | held out | iterations | warned | train score "
           "| test score | CPU s |",
           "| --- | --- | ---: | --- | ---: | --- | ---: | ---: | ---: |"]
    for r in rec["rows"]:
        out.append(f"| {r['section']} | {r['model']} | {r['seed']} | "
                   f"{'yes' if r['held_out'] else 'no'} | {r['n_iter']} | "
                   f"{'yes' if r['warned'] else 'no'} | {r['train_score']:.4f} | "
                   f"{r['test_score']:.4f} | {r['cpu_s']:.1f} |")
    out += ["", "| section | model | seeds | mean test score |",
            "| --- | --- | ---: | ---: |"]
    seen = []
    for r in rec["rows"]:
        if (r["section"], r["model"]) not in seen:
            seen.append((r["section"], r["model"]))
    for section, name in seen:
        scores = [r["test_score"] for r in rec["rows"]
                  if r["section"] == section and r["model"] == name]
        out.append(f"| {section} | {name} | {len(scores)} | {np.mean(scores):.4f} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
