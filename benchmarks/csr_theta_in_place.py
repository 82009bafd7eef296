"""What the padded copy of a CSR first layer's weights bought in a float64 fit.

Until fe2a691 a first layer on CSR input read its weights from a copy with rows
padded to whole cache lines (``csr_coef``, ``layers.padded_width``), refilled from
``theta`` at every evaluation; a dense input's float64 fit read ``theta``'s own
block. This times, on one thread (the serial kernels), for float64 weights:

- ``copy``: filling the padded copy from ``theta`` (what ``DenseLayer.load`` did);
- the CSR forward kernel (``csr_linear_sigmoid_forward``) and the fused
  one-hidden-layer kernel (``linear_sigmoid_loss_backprop``, softmax, 10 classes),
  each reading the padded copy and ``theta``'s unpadded block;

on batches of 200 and 32 rows of Reuters-21578 top-10 tf-idf (the 6,490 training
documents, ``TfidfVectorizer(min_df=3, sublinear_tf=True, stop_words="english")``:
9,936 terms) at 30, 64 and 100 units, and of a synthetic bag-of-words of 200,000
terms (Zipf-distributed columns, drawn as many times per row as Reuters stores
values; the repeated draws merge, so its rows store about half as many: 28 against
Reuters' 46-60 in the recorded run) at 100 units. Each kernel's outputs are
checked equal, bit for bit, on both layouts. Times: the least of ``--repeats``
means of a loop of calls, in microseconds.

Usage::

    SKNONNEG_DATA=../shared/data python benchmarks/csr_theta_in_place.py [--repeats 5]

Private imports (sknonneg._*): a kernel benchmark: it calls the CSR kernels with and
without the padded copy of the weights (``sknonneg._kernels``,
``sknonneg._engine``), below any public API.
"""

import argparse
import os
import sys
import time
from pathlib import Path

# One BLAS thread (the fused kernel's products), set before NumPy and SciPy load it.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA_HOME, markdown_header, save_result  # noqa: E402

STEM = "csr_theta_in_place"
N_CLASSES = 10


def _least_mean(func, n_calls, repeats):
    func()
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n_calls):
            func()
        best = min(best, (time.perf_counter() - start) / n_calls)
    return best * 1e6


def _reuters(data_home):
    from sklearn.feature_extraction.text import TfidfVectorizer

    from sknonneg.datasets import load_reuters

    bunch = load_reuters(data_home=data_home, subset="top10")
    vectorizer = TfidfVectorizer(min_df=3, sublinear_tf=True, stop_words="english")
    return vectorizer.fit_transform(bunch.data_train).tocsr()


def _bag_of_words(rng, n_rows, n_columns, per_row):
    columns = rng.zipf(1.3, size=(n_rows, per_row)) % n_columns
    X = sp.csr_matrix((rng.random(n_rows * per_row),
                       (np.repeat(np.arange(n_rows), per_row), columns.ravel())),
                      shape=(n_rows, n_columns))
    X.sum_duplicates()
    return X


def _case(kernel_set, X, units, batch, rng, repeats):
    from sknonneg._engine.data import CSRInput, read_only_view
    from sknonneg._engine.layers import backprop_scratch, padded_width
    from sknonneg._kernels import SOFTMAX_NLL

    n_in = X.shape[1]
    rows = rng.choice(X.shape[0], batch, replace=False)
    kernel_input = CSRInput(X[rows], np.float64)
    data, indices, indptr = (read_only_view(a) for a in (
        kernel_input.data, kernel_input.indices, kernel_input.indptr))
    theta = rng.normal(scale=0.1, size=n_in * units + units)
    coef = theta[:n_in * units].reshape(n_in, units)  # theta's block
    padded = np.zeros((n_in, padded_width(units, np.float64)))
    intercept = np.zeros(units)
    weights = read_only_view(np.ones(batch))
    partial = np.zeros((1, units))
    hidden = np.empty((batch, units))
    out_coef = rng.normal(scale=0.1, size=(units, N_CLASSES))
    out_intercept = np.zeros(N_CLASSES)
    y = read_only_view(np.eye(N_CLASSES)[rng.integers(0, N_CLASSES, batch)])
    scratch = backprop_scratch(1, units, np.float64, min_rows=N_CLASSES)
    partial_out = np.zeros((1, N_CLASSES, units))
    partial_out_intercept = np.zeros((1, N_CLASSES))
    out_grad, out_intercept_grad = np.empty((units, N_CLASSES)), np.empty(N_CLASSES)
    logits, delta = np.empty((batch, N_CLASSES)), np.empty((batch, N_CLASSES))
    softmax = SOFTMAX_NLL

    def copy():
        padded[:, :units] = coef

    def forward(weights_):
        return kernel_set.csr_linear_sigmoid_forward(
            data, indices, indptr, weights_, intercept, 1.0, 0, weights, 1, partial,
            hidden)

    def fused(weights_):
        return kernel_set.linear_sigmoid_loss_backprop(
            (data, indices, indptr), weights_, intercept, out_coef, out_intercept, y,
            softmax, weights, 1.0 / batch, 1.0, 0, 0.0, 1, scratch, partial,
            partial_out, partial_out_intercept, out_grad, out_intercept_grad, hidden,
            logits, delta)

    copy()
    same = True
    for kernel, outputs in ((forward, (hidden,)),
                            (fused, (hidden, logits, delta, out_grad,
                                     out_intercept_grad))):
        results = []
        for weights_ in (padded, coef):
            value = kernel(weights_)
            results.append((np.asarray(value), *(a.copy() for a in outputs)))
        same &= all(np.array_equal(a, b) for a, b in zip(*results))
    n_calls = max(3, int(2e5 // (batch * units)))
    row = {"inputs": n_in, "units": units, "batch": batch,
           "stored per row": float(np.diff(kernel_input.indptr).mean()),
           "copy": _least_mean(copy, n_calls, repeats),
           "forward padded": _least_mean(lambda: forward(padded), n_calls, repeats),
           "forward theta": _least_mean(lambda: forward(coef), n_calls, repeats),
           "fused padded": _least_mean(lambda: fused(padded), n_calls, repeats),
           "fused theta": _least_mean(lambda: fused(coef), n_calls, repeats),
           "bits equal": bool(same)}
    print(row, flush=True)
    return row


def measure(data_home, repeats, quick):
    from threadpoolctl import threadpool_limits

    from sknonneg._kernels import kernels

    threadpool_limits(1)
    kernel_set = kernels(False)
    rng = np.random.default_rng(0)
    reuters = _reuters(data_home)
    per_row = int(round(np.diff(reuters.indptr).mean()))
    wide = _bag_of_words(rng, 2000, 200_000, per_row)
    rows = []
    for units in ((30,) if quick else (30, 64, 100)):
        for batch in (200, 32):
            rows.append(_case(kernel_set, reuters, units, batch, rng, repeats))
    for batch in (200, 32):
        rows.append(_case(kernel_set, wide, 100, batch, rng, repeats))
    return {"rows": rows, "repeats": repeats, "quick": quick}


def markdown(result):
    lines = markdown_header(result["record"], "A CSR first layer's padded copy, "
                            "float64: what it cost and what it bought")
    lines += ["Serial kernels, one thread; times in microseconds (least of "
              f"{result['repeats']} means of a loop of calls). *Per evaluation*: "
              "copy + fused kernel on the padded copy (before) against the fused "
              "kernel on theta's block (now).", "",
              "| inputs | units | batch | stored / row | copy | forward padded | "
              "forward theta | fused padded | fused theta | theta / padded (fused) "
              "| per evaluation before / now | bits equal |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
              "| ---: | --- |"]
    for r in result["rows"]:
        before = r["copy"] + r["fused padded"]
        lines.append(
            f"| {r['inputs']:,} | {r['units']} | {r['batch']} | "
            f"{r['stored per row']:.0f} | {r['copy']:.1f} | {r['forward padded']:.1f} "
            f"| {r['forward theta']:.1f} | {r['fused padded']:.1f} | "
            f"{r['fused theta']:.1f} | {r['fused theta'] / r['fused padded']:.3f} | "
            f"{before:.0f} / {r['fused theta']:.0f} | {r['bits equal']} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5,
                        help="timed loops per kernel (default 5)")
    parser.add_argument("--quick", action="store_true",
                        help="30 units only; writes csr_theta_in_place_quick.*")
    parser.add_argument("--data-home", default=None,
                        help="the Reuters files (default: $SKNONNEG_DATA, else "
                             "../shared/data)")
    args = parser.parse_args(argv)
    result = measure(args.data_home or str(DEFAULT_DATA_HOME), args.repeats,
                     args.quick)
    save_result(STEM + ("_quick" if args.quick else ""), result, markdown)
    print(markdown(result))


if __name__ == "__main__":
    main()
