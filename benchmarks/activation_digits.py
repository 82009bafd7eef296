"""Digits, 5-fold CV accuracy of NonNegMLPClassifier for each ``activation``.

Every other parameter at its default (``hidden_layer_sizes=(100,)``,
``positive=True``, ``gain="auto"``, L-BFGS-B, 200 iterations); inputs ``X / 16``.
With ``--sklearn``, scikit-learn's ``MLPClassifier`` with the same activation (its
defaults: Adam, 200 epochs, ``alpha=1e-4``) on the same folds, as a reference for
users switching.
Reported: mean and standard deviation of the fold accuracies, and the median CPU
seconds of a fit (the machine is shared: wall seconds move with its load).

Usage: ``python benchmarks/activation_digits.py [--folds 5] [--sklearn]``; writes
``benchmarks/results/activation_digits.{json,md}``.
"""

import argparse
import os
import resource
import statistics
import sys
import time
import warnings

import numpy as np
from _common import RESULTS, git_commit, machine, save_json
from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier

import sknonneg
from sknonneg import NonNegMLPClassifier

ACTIVATIONS = ["logistic", "tanh", "relu", "identity"]


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(make, X, y, folds):
    scores, cpus = [], []
    for train, test in folds:
        est = make()
        c0 = cpu()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X[train], y[train])
        cpus.append(cpu() - c0)
        scores.append(float(np.mean(est.predict(X[test]) == y[test])))
    return {"scores": scores, "mean": float(np.mean(scores)),
            "std": float(np.std(scores)), "fit_cpu_median": statistics.median(cpus)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--sklearn", action="store_true",
                        help="also MLPClassifier with the same activation")
    args = parser.parse_args(argv)
    print("sknonneg from", sknonneg.__file__, file=sys.stderr)
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=0).split(X, y))
    results = {"command": "python benchmarks/activation_digits.py "
               + " ".join(argv if argv is not None else sys.argv[1:]),
               "commit": git_commit(), "machine": machine(),
               "load_start": os.getloadavg()[0], "rows": {}}
    t0 = time.perf_counter()
    for activation in ACTIVATIONS:
        row = results["rows"][activation] = {
            "sknonneg": run(lambda: NonNegMLPClassifier(activation=activation,
                                                        random_state=0), X, y, folds)}
        if args.sklearn:
            row["sklearn"] = run(lambda: MLPClassifier(activation=activation,
                                                       random_state=0), X, y, folds)
        print(activation, {k: round(v["mean"], 4)
                           for k, v in results["rows"][activation].items()},
              file=sys.stderr)
    results["wall"] = time.perf_counter() - t0
    results["load_end"] = os.getloadavg()[0]
    save_json(RESULTS / "activation_digits.json", results)
    (RESULTS / "activation_digits.md").write_text(markdown(results))
    print(markdown(results))


def markdown(r):
    lines = [
        "# Digits: 5-fold CV accuracy per hidden activation",
        "",
        f"Command: `{r['command']}`; commit `{r['commit']}`; "
        f"{r['machine']['cpu_count']} CPUs, load average {r['load_start']:.1f} -> "
        f"{r['load_end']:.1f} (shared machine). `NonNegMLPClassifier` at its defaults "
        "(100 hidden units, `positive=True`, `gain=\"auto\"`, L-BFGS-B, 200 "
        "iterations) but `activation`; with `--sklearn`, scikit-learn's "
        "`MLPClassifier` at its defaults (Adam, 200 epochs) with the same activation; "
        "the same folds (`StratifiedKFold(5, shuffle=True, random_state=0)`), inputs "
        "`X / 16`.",
        "",
        "| activation | NonNegMLPClassifier | fit CPU s | MLPClassifier | fit CPU s |",
        "|---|---:|---:|---:|---:|",
    ]
    for activation, row in r["rows"].items():
        cells = []
        for key in ("sknonneg", "sklearn"):
            res = row.get(key)
            cells += (["not run", ""] if res is None else [
                f"{100 * res['mean']:.2f} +- {100 * res['std']:.2f}",
                f"{res['fit_cpu_median']:.2f}"])
        lines.append(f"| {activation} | " + " | ".join(cells) + " |")
    lines += ["", "Accuracy: mean +- standard deviation over the folds, in %; CPU: "
              "median seconds of one fit (user + system).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
