"""How much a fit depends on the number of threads it runs on.

The numba kernels split a batch's rows into one chunk per thread and add the chunks'
partial gradients up, so the same fit on another number of threads adds the same
terms in another grouping: results differ by rounding, which L-BFGS-B can amplify
over its iterations. This fits the same networks (scikit-learn's digits repeated 6
times, pixels / 16: 10,782 rows, above the NumPy-path limit, so the numba kernels
run) with 1 and then 2 threads (numba's and the BLAS's) in one process, and reports
the largest difference of the training-set probabilities and the number of
predicted labels that differ; scikit-learn's ``MLPClassifier`` (``lbfgs``, whose
products go through the BLAS) beside them. No timing.

Usage::

    python benchmarks/thread_count_rounding.py
"""

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_header, run_without_options, versions  # noqa: E402

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from sknonneg import ABBAClassifier, NonNegMLPClassifier  # noqa: E402

MODELS = {
    "NonNegMLPClassifier (64,), L-BFGS-B, 30 iterations":
        lambda: NonNegMLPClassifier((64,), max_iter=30, random_state=0),
    "NonNegMLPClassifier (64,), L-BFGS-B, 200 iterations":
        lambda: NonNegMLPClassifier((64,), max_iter=200, random_state=0),
    "NonNegMLPClassifier (64,), Adam, 5 epochs":
        lambda: NonNegMLPClassifier((64,), solver="adam", max_iter=5, random_state=0),
    "ABBAClassifier (32,), L-BFGS-B, 20 iterations":
        lambda: ABBAClassifier((32,), max_iter=20, random_state=0),
    "scikit-learn MLPClassifier (64,), lbfgs, 200 iterations":
        lambda: MLPClassifier((64,), solver="lbfgs", max_iter=200, random_state=0),
}


def measure():
    import numba
    from threadpoolctl import threadpool_limits

    X, y = load_digits(return_X_y=True)
    X, y = np.tile(X / 16.0, (6, 1)), np.tile(y, 6)
    proba = {}
    for n_threads in (1, 2):
        numba.set_num_threads(n_threads)
        with threadpool_limits(n_threads), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            proba[n_threads] = {name: make().fit(X, y).predict_proba(X)
                                for name, make in MODELS.items()}
    rows = []
    for name in MODELS:
        a, b = proba[1][name], proba[2][name]
        rows.append({"model": name, "max_abs_proba_diff": float(np.max(np.abs(a - b))),
                     "labels_differing": int(np.sum(a.argmax(1) != b.argmax(1))),
                     "n_samples": int(X.shape[0])})
    return {"rows": rows, "versions": versions()}


def markdown(result):
    lines = markdown_header(result["record"], "Fits on 1 and on 2 threads")
    lines += [f"Versions: {result['versions']}. Training-set probabilities of the same "
              "fit (same data, same random_state) on 1 and on 2 threads, one process.",
              "", "| model | largest probability difference | labels that differ |",
              "| --- | ---: | ---: |"]
    for r in result["rows"]:
        lines.append(f"| {r['model']} | {r['max_abs_proba_diff']:.2g} | "
                     f"{r['labels_differing']} of {r['n_samples']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    # --help prints the docstring; otherwise it measures and writes the results.
    run_without_options(__doc__, "thread_count_rounding", measure, markdown)
