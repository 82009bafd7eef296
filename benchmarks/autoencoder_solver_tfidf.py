"""Does full-batch L-BFGS-B compete with Adam for the linear autoencoder on tf-idf,
now that the Gram head makes a full-batch evaluation cheap?

Reuters top-10 training set (6,490 documents x 9,936 terms, tf-idf of log(1 +
count), float32 CSR; the test set's 2,545 documents through the same tf-idf).
``NonNegAutoencoder(k, decoder="linear", dtype="float32", random_state=0)``: the
default solver (projected Adam, batches of 200, 50 epochs) and ``solver="lbfgsb"``
(full batch, ``max_iter`` 100 and 300 iterations); ``NMF(k, init="nndsvda",
max_iter=400, tol=1e-4)`` as the reference. One fit each, one seed, one thread; wall
and CPU seconds of ``fit``; mean squared reconstruction error per entry on the
training and test documents.

    python benchmarks/autoencoder_solver_tfidf.py

Writes benchmarks/results/autoencoder_solver_tfidf.{json,md}.
"""

import os
import sys
import warnings

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(__file__))
from _common import (  # noqa: E402
    DEFAULT_DATA_HOME, Timer, markdown_header, reuters, run_without_options,
    set_threads, versions,
)
from sklearn.decomposition import NMF  # noqa: E402
from sklearn.feature_extraction.text import TfidfTransformer  # noqa: E402

from sknonneg import NonNegAutoencoder  # noqa: E402

STEM = "autoencoder_solver_tfidf"
KS = (16, 64)
MODELS = (("Adam, 50 epochs (default)", {}),
          ("L-BFGS-B, 100 iterations", {"solver": "lbfgsb", "max_iter": 100}),
          ("L-BFGS-B, 300 iterations", {"solver": "lbfgsb", "max_iter": 300}))


def mse(model, X):
    """Mean squared reconstruction error per entry (dense blocks of 500 rows)."""
    total = 0.0
    for start in range(0, X.shape[0], 500):
        block = X[start:start + 500]
        recon = model.inverse_transform(model.transform(block))
        total += float(((recon - block.toarray()) ** 2).sum())
    return total / (X.shape[0] * X.shape[1])


def measure():
    set_threads(1)
    bow = reuters(DEFAULT_DATA_HOME)
    tfidf = TfidfTransformer().fit(bow.X_train)
    X = sp.csr_matrix(tfidf.transform(bow.X_train), dtype=np.float32)
    X_test = sp.csr_matrix(tfidf.transform(bow.X_test), dtype=np.float32)
    # Warm-up: the kernels' compilation is not in the first timed fit.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        NonNegAutoencoder(4, decoder="linear", dtype="float32", max_iter=1).fit(X[:400])
        NonNegAutoencoder(4, decoder="linear", dtype="float32", solver="lbfgsb",
                          max_iter=2).fit(X[:400])
    rows = []
    for k in KS:
        for name, params in MODELS:
            model = NonNegAutoencoder(k, decoder="linear", dtype="float32",
                                      random_state=0, **params)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter
                with Timer() as t:
                    model.fit(X)
            rows.append({"k": k, "model": name, "wall_s": t.wall, "cpu_s": t.cpu,
                         "load": t.load, "n_iter": int(model.n_iter_),
                         "train_mse": mse(model, X), "test_mse": mse(model, X_test)})
            print(rows[-1], flush=True)
        nmf = NMF(k, init="nndsvda", max_iter=400, tol=1e-4, random_state=0)
        with Timer() as t:
            nmf.fit(X)
        rows.append({"k": k, "model": "NMF", "wall_s": t.wall, "cpu_s": t.cpu,
                     "load": t.load, "n_iter": int(nmf.n_iter_),
                     "train_mse": mse(nmf, X), "test_mse": mse(nmf, X_test)})
        print(rows[-1], flush=True)
    return {"shape": list(X.shape), "test_shape": list(X_test.shape),
            "versions": versions(), "rows": rows}


def markdown(result):
    rec = result["record"]
    lines = markdown_header(rec, "Linear autoencoder on Reuters tf-idf: Adam or "
                                 "full-batch L-BFGS-B")
    lines += [
        f"Training set {result['shape'][0]} x {result['shape'][1]} (test "
        f"{result['test_shape'][0]} documents), tf-idf of log(1 + count), float32 CSR. "
        "NonNegAutoencoder(k, decoder='linear', dtype='float32', random_state=0), "
        "the defaults otherwise; NMF(k, init='nndsvda', max_iter=400, tol=1e-4). One "
        "fit each, one seed, one thread, after a warm-up; MSE per entry.", "",
        "| k | model | iterations | fit wall s | fit CPU s | train MSE | test MSE |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in result["rows"]:
        lines.append(f"| {r['k']} | {r['model']} | {r['n_iter']} | {r['wall_s']:.1f} "
                     f"| {r['cpu_s']:.1f} | {r['train_mse']:.4e} | "
                     f"{r['test_mse']:.4e} |")
    lines += ["", f"Versions: {result['versions']}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    # --help prints the docstring; otherwise it measures and writes the results.
    run_without_options(__doc__, STEM, measure, markdown)
