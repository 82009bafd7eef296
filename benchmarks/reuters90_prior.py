"""Reuters-21578: multilabel outputs started at their labels' log-odds against
started at 0.5 (the previous default), on all 90 labels and on the 10 largest.

``NonNegMLPClassifier`` centres each unit's pre-activation over the training rows
at initialisation; with multilabel targets it now raises each output's bias by its
label's log-odds (clipped to ``[1e-3, 1 - 1e-3]``). This run measures that start
against the centred one (the class with ``_prior_intercepts`` undone, nothing
else changed), each fit in the same process:

- ``inner``: the development protocol of ``reuters_inner.py`` (the ModApte
  training documents split once, seed 0, 80% / 20%; the vectoriser fitted on the
  inner 80%; scored on the other 20%), where the change was chosen: all 90 labels
  and the top 10, ``positive=True`` at its defaults (``l1="auto"``, 1e-4 on the
  first layer), with ``l1=0``, and ``positive="hidden"``;
- ``test``: the ModApte split (7,770 / 3,019 documents for all 90 labels, 6,490 /
  2,545 for the top 10), ``positive=True`` at its defaults, as a check after the
  choice;
- ``path`` (``--protocols path``, a separate run): how the fit goes wrong from the
  centred start, on the inner split, all 90 labels: ``positive=True`` at its
  defaults stopped after 10, 20 and 200 L-BFGS-B iterations, with the hidden units
  that are constant over the fitted documents (standard deviation below 1e-3, as
  ``reuters_inner.py`` counts them), the labels whose output weights are all 0,
  and the training loss.

Columns: micro- and macro-F1 on the scored part, documents left without a label,
labels at their prior on the training part (training log-loss within 1% of the
constant predictor's, the criterion of ``DegenerateFitWarning``) with the positive
documents of the largest of them, and the fit's CPU seconds. Networks: ``(30,)``,
``output="logistic"``, 200 L-BFGS-B iterations, vectoriser ``TfidfVectorizer(
min_df=3, sublinear_tf=True, stop_words="english")``.

Usage::

    PYTHONPATH=. python benchmarks/reuters90_prior.py
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import add_common_args, markdown_header, save_result, set_threads  # noqa: E402
from reuters90_width import at_prior  # noqa: E402
from reuters_inner import CentredStart  # noqa: E402

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.preprocessing import MultiLabelBinarizer  # noqa: E402

from sknonneg import NonNegMLPClassifier  # noqa: E402
from sknonneg.datasets import load_reuters  # noqa: E402


STARTS = {"log-odds": NonNegMLPClassifier, "centred (before)": CentredStart}
CONFIGS = {
    "positive=True": {"positive": True},
    "positive=True, l1=0": {"positive": True, "l1": 0.0},
    'positive="hidden"': {"positive": "hidden"},
}


def split(data_home, subset, protocol):
    bunch = load_reuters(data_home=data_home, subset=subset)
    if protocol == "inner":
        docs, labels = list(bunch.data_train), list(bunch.target_train)
        order = np.random.RandomState(0).permutation(len(docs))
        n_fit = int(round(0.8 * len(docs)))
        fit, score = order[:n_fit], order[n_fit:]
        docs_fit, docs_score = [docs[i] for i in fit], [docs[i] for i in score]
        labels_fit, labels_score = [labels[i] for i in fit], [labels[i] for i in score]
    else:
        docs_fit, docs_score = bunch.data_train, bunch.data_test
        labels_fit, labels_score = bunch.target_train, bunch.target_test
    vec = TfidfVectorizer(min_df=3, sublinear_tf=True, stop_words="english")
    X_fit = vec.fit_transform(docs_fit)
    X_score = vec.transform(docs_score)
    mlb = MultiLabelBinarizer()
    Y_fit = mlb.fit_transform(labels_fit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # labels absent from the fitted part
        Y_score = mlb.transform(labels_score)
    return X_fit, X_score, Y_fit, Y_score


def path(args):
    """The ``path`` protocol (module docstring)."""
    X_fit, _, Y_fit, _ = split(args.data_home, "all90", "inner")
    counts = Y_fit.sum(axis=0)
    rows = []
    for start, cls in STARTS.items():
        for seed in args.seeds:
            for max_iter in (10, 20, 200):
                est = cls((30,), output="logistic", random_state=seed,
                          max_iter=max_iter)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # stopped early on purpose
                    est.fit(X_fit, Y_fit)
                bad = at_prior(est.decision_function(X_fit), Y_fit)
                row = {"protocol": "path", "labels": "all90", "start": start,
                       "seed": seed, "max_iter": max_iter,
                       "constant_units": int(
                           (est.transform(X_fit).std(axis=0) < 1e-3).sum()),
                       "zero_output_columns": int(
                           np.all(est.coefs_[-1] == 0, axis=0).sum()),
                       "labels_at_prior": int(bad.size),
                       "largest_at_prior": int(counts[bad].max()) if bad.size else 0,
                       "loss": float(est.loss_curve_[-1])}
                rows.append(row)
                print(row, flush=True)
    return rows


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__))
    parser.add_argument("--protocols", nargs="+", default=["inner", "test"])
    parser.add_argument("--output", default="reuters90_prior")
    args = parser.parse_args()
    if args.quick:  # a smoke run: one seed, the test split only
        args.seeds, args.protocols = args.seeds[:1], ["test"]
        args.output += "_quick"
    set_threads(args.threads)
    rows = []
    if "path" in args.protocols:
        rows += path(args)
    for protocol in args.protocols:
        if protocol == "path":
            continue
        for subset in ("all90", "top10"):
            X_fit, X_score, Y_fit, Y_score = split(args.data_home, subset, protocol)
            counts = Y_fit.sum(axis=0)
            configs = (CONFIGS if protocol == "inner"
                       else {"positive=True": CONFIGS["positive=True"]})
            for config, params in configs.items():
                for start, cls in STARTS.items():
                    for seed in args.seeds:
                        est = cls((30,), output="logistic", random_state=seed,
                                  **params)
                        cpu = time.process_time()
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")  # counted below
                            est.fit(X_fit, Y_fit)
                        cpu = time.process_time() - cpu
                        pred = est.predict(X_score)
                        bad = at_prior(est.decision_function(X_fit), Y_fit)
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            row = {
                                "protocol": protocol, "labels": subset,
                                "config": config, "start": start, "seed": seed,
                                "micro_f1": float(f1_score(Y_score, pred,
                                                           average="micro")),
                                "macro_f1": float(f1_score(Y_score, pred,
                                                           average="macro",
                                                           zero_division=0)),
                            }
                        row.update(
                            no_label=int((pred.sum(axis=1) == 0).sum()),
                            n_scored=int(pred.shape[0]),
                            labels_at_prior=int(bad.size),
                            largest_at_prior=int(counts[bad].max()) if bad.size else 0,
                            cpu_s=cpu)
                        rows.append(row)
                        print(row, flush=True)
    save_result(args.output, {"rows": rows}, markdown)


def markdown(result):
    lines = markdown_header(result["record"], "Reuters-21578: multilabel outputs "
                            "started at their labels' log-odds or at 0.5")
    if any(r["protocol"] != "path" for r in result["rows"]):
        lines += table(result)
    path_rows = [r for r in result["rows"] if r["protocol"] == "path"]
    if path_rows:
        lines += [
            "", "Path (inner split, all 90 labels, `positive=True` at its defaults, "
            "stopped after `max_iter` iterations): hidden units constant over the "
            "fitted documents (of 30), labels whose output weights are all 0, labels "
            "at prior (largest), training loss.", "",
            "| start | seed | max_iter | constant units | zero output columns | "
            "labels at prior (largest) | loss |",
            "| --- | ---: | ---: | ---: | ---: | --- | ---: |"]
        for r in path_rows:
            lines.append(
                f"| {r['start']} | {r['seed']} | {r['max_iter']} | "
                f"{r['constant_units']} | {r['zero_output_columns']} | "
                f"{r['labels_at_prior']} ({r['largest_at_prior']}) | {r['loss']:.3f} |")
    return "\n".join(lines) + "\n"


def table(result):
    lines = [
        "Networks `NonNegMLPClassifier((30,), output=\"logistic\")`, 200 L-BFGS-B "
        "iterations, on `TfidfVectorizer(min_df=3, sublinear_tf=True, "
        "stop_words=\"english\")` rows. `inner`: the ModApte training documents split "
        "once (seed 0, 80% / 20%), scored on the held-out 20% (where the start was "
        "chosen); `test`: the ModApte test documents (a check afterwards). "
        "`centred (before)`: every output centred over the training rows "
        "(probability 0.5 on the mean row), the previous default. Labels at prior: "
        "training log-loss within 1% of the constant predictor's (as "
        "`DegenerateFitWarning`), with the positive training documents of the "
        "largest.", "",
        "| protocol | labels | network | start | seeds | micro-F1 (per seed) | mean "
        "micro-F1 | mean macro-F1 | no label (of scored) | labels at prior (largest) "
        "| CPU s |",
        "| --- | --- | --- | --- | ---: | --- | ---: | ---: | --- | --- | ---: |"]
    groups = {}
    for r in result["rows"]:
        if r["protocol"] == "path":
            continue
        groups.setdefault((r["protocol"], r["labels"], r["config"], r["start"]),
                          []).append(r)
    for (protocol, labels, config, start), rs in groups.items():
        lines.append(
            f"| {protocol} | {labels} | {config} | {start} | {len(rs)} | "
            + ", ".join(f"{r['micro_f1']:.4f}" for r in rs)
            + f" | {np.mean([r['micro_f1'] for r in rs]):.4f} | "
            f"{np.mean([r['macro_f1'] for r in rs]):.4f} | "
            + ", ".join(str(r["no_label"]) for r in rs) + f" (of {rs[0]['n_scored']}) | "
            + ", ".join(f"{r['labels_at_prior']} ({r['largest_at_prior']})" for r in rs)
            + f" | {np.median([r['cpu_s'] for r in rs]):.1f} |")
    return lines


if __name__ == "__main__":
    main()
