"""Reuters-21578, all 90 ModApte labels: hidden width and constraints of the
multilabel network, and how many labels each leaves at their prior.

The defaults benchmark (``defaults.py``) measures the 10 largest labels. With all
90 (1 to 2,877 positive training documents each) a fully non-negative network of
30 units left labels at their prior (training log-loss within 1% of the constant
predictor's, what ``DegenerateFitWarning`` names) while its outputs started at 0.5
(before 41aa8be; ``reuters90_prior.py`` compares the two starts); its hidden
units, shared by the outputs, can only add words up. This run measures, in one process and on the same tf-idf features, the
non-negative network at several widths, with ``l1="auto"`` (1e-4 on its first
layer) and without it, next to ``positive="hidden"`` and
``positive=False``, and scikit-learn's ``OneVsRestClassifier(LinearSVC())`` as the
reference a text user would reach for first (its default C; tf-idf rows need no
scaling).

Columns: test micro-F1 and macro-F1 (over the 90 labels; a label with no test
document and no prediction counts 0, scikit-learn's ``zero_division`` default
warns and takes 0), the number of labels at their prior on the training data (with
how many positive training documents the largest of them has), fit wall and CPU
seconds.

Usage::

    PYTHONPATH=. python benchmarks/reuters90_width.py
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import add_common_args, markdown_header, save_result, set_threads  # noqa: E402

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.preprocessing import MultiLabelBinarizer  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from sknonneg import NonNegMLPClassifier  # noqa: E402
from sknonneg.datasets import load_reuters  # noqa: E402

CONFIGS = [
    ("positive=True, (30,)", {"positive": True, "hidden_layer_sizes": (30,)}),
    ("positive=True, (90,)", {"positive": True, "hidden_layer_sizes": (90,)}),
    ("positive=True, (200,)", {"positive": True, "hidden_layer_sizes": (200,)}),
    # l1="auto" is 1e-4 on the first layer of these networks (tuned on the 10
    # largest labels); the same without it:
    ("positive=True, (30,), l1=0", {"positive": True, "hidden_layer_sizes": (30,),
                                    "l1": 0.0}),
    ("positive=True, (90,), l1=0", {"positive": True, "hidden_layer_sizes": (90,),
                                    "l1": 0.0}),
    ('positive="hidden", (30,)', {"positive": "hidden", "hidden_layer_sizes": (30,)}),
    ("positive=False, (30,)", {"positive": False, "hidden_layer_sizes": (30,)}),
]


def at_prior(logits, Y, margin=0.01):
    """Indices of the labels whose training log-loss is within ``margin`` of the
    constant predictor's (labels present and absent in ``Y`` only)."""
    bad = []
    for j in range(Y.shape[1]):
        t = Y[:, j].astype(float)
        p = t.mean()
        if p in (0.0, 1.0):
            continue
        z = logits[:, j]
        nll = np.mean(np.logaddexp(0.0, -z) * t + np.logaddexp(0.0, z) * (1 - t))
        prior = -(p * np.log(p) + (1 - p) * np.log1p(-p))
        if nll >= prior * (1 - margin):
            bad.append(j)
    return np.asarray(bad, dtype=int)


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__))
    parser.add_argument("--output", default="reuters90_width")
    args = parser.parse_args()
    if args.quick:  # a smoke run: seed 0 only, to its own files (before, it wrote
        args.output += "_quick"  # over the recorded reuters90_width.{json,md})
    set_threads(args.threads)
    bunch = load_reuters(data_home=args.data_home, subset="all90")
    vec = TfidfVectorizer(min_df=3, sublinear_tf=True, stop_words="english")
    X_train = vec.fit_transform(bunch.data_train)
    X_test = vec.transform(bunch.data_test)
    mlb = MultiLabelBinarizer()
    Y_train = mlb.fit_transform(bunch.target_train)
    Y_test = mlb.transform(bunch.target_test)
    counts = Y_train.sum(axis=0)
    rows = []

    def record(name, est, fit_s, cpu_s, logits=None):
        pred = est.predict(X_test)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # labels without test documents
            row = {"model": name,
                   "micro_f1": float(f1_score(Y_test, pred, average="micro")),
                   "macro_f1": float(f1_score(Y_test, pred, average="macro",
                                              zero_division=0))}
        if logits is not None:
            bad = at_prior(logits, Y_train)
            row["labels_at_prior"] = int(bad.size)
            row["largest_at_prior"] = int(counts[bad].max()) if bad.size else 0
        row.update(fit_s=fit_s, fit_cpu_s=cpu_s)
        rows.append(row)
        print(row, flush=True)

    t0, c0 = time.perf_counter(), time.process_time()
    svc = OneVsRestClassifier(LinearSVC()).fit(X_train, Y_train)
    # (Its labels at prior are not counted: its decision function is a margin, not
    # a logit.)
    record("OneVsRest(LinearSVC())", svc, time.perf_counter() - t0,
           time.process_time() - c0)
    for name, params in CONFIGS:
        seeds = [0] if args.quick else args.seeds
        for seed in seeds:
            est = NonNegMLPClassifier(output="logistic", random_state=seed, **params)
            t0, c0 = time.perf_counter(), time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the table counts what they warn of
                est.fit(X_train, Y_train)
            record(f"NonNegMLPClassifier({name}), seed {seed}", est,
                   time.perf_counter() - t0, time.process_time() - c0,
                   est.decision_function(X_train))
    result = {"rows": rows, "n_train": int(X_train.shape[0]),
              "n_test": int(X_test.shape[0]), "n_features": int(X_train.shape[1]),
              "labels": int(Y_train.shape[1]),
              "positive_docs_min_median_max": [int(counts.min()),
                                               int(np.median(counts)),
                                               int(counts.max())]}
    save_result(args.output, result, markdown)


def markdown(result):
    rec = result["record"]
    lines = markdown_header(rec, "Reuters-21578, all 90 labels: width and constraints "
                                 "of the multilabel network")
    lo, med, hi = result["positive_docs_min_median_max"]
    lines += [
        f"{result['n_train']} training and {result['n_test']} test documents, "
        f"{result['n_features']} tf-idf features (min_df=3, sublinear tf, English "
        f"stop words), 90 labels with {lo} to {hi} positive training documents "
        f"(median {med}). Networks: `NonNegMLPClassifier(output=\"logistic\")` at its "
        "defaults otherwise (L-BFGS-B, 200 iterations, l2=1e-5, l1=\"auto\"). "
        "Reference: `OneVsRestClassifier(LinearSVC())` at its defaults. Labels at "
        "prior: training log-loss within 1% of the constant predictor's, as "
        "`DegenerateFitWarning` counts them (not for the SVM, whose decision "
        "function is a margin, not a logit).", "",
        "| model | test micro-F1 | test macro-F1 | labels at prior (largest, "
        "positive docs) | fit s | fit CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in result["rows"]:
        lines.append(
            f"| {r['model']} | {r['micro_f1']:.4f} | {r['macro_f1']:.4f} | "
            f"{r.get('labels_at_prior', 'n/a')} ({r.get('largest_at_prior', 'n/a')}) "
            f"| {r['fit_s']:.1f} | {r['fit_cpu_s']:.1f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
