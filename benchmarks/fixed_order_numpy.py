"""Small-batch prediction of monotone networks: the NumPy fixed-order product.

A network whose layers after the first are non-negative predicts with the
fixed-order kernels (exact monotonicity in floating point); small problems take
their NumPy twin (``sknonneg._kernels.reference.fixed``). That twin summed a layer's
product by a Python loop over the input columns, so one row of 784 features cost
784 loop iterations per layer. It now computes every term at once and sums them in
the same order with ``np.add.accumulate`` (the same bits; the tests hold them equal)
in chunks of input columns (at most 2^17 terms, a core's cache) when the layer's
output has at most ``ACCUMULATE_MAX_OUTPUTS`` entries (rows x units), and keeps the
loop above that, where it is faster.

This times ``predict_proba`` of fitted networks on batches of 1 to 256 rows with
the accumulating path and, alternating in the same process, with it switched off
(``ACCUMULATE_MAX_OUTPUTS = 0``: the loop, the code before this change), medians of
``--repeats`` alternating pairs, one thread:

    python benchmarks/fixed_order_numpy.py [--repeats 15]

Networks: digits (64 features, the default 100 hidden units, 10 classes), an
MNIST-shaped input (784 features, 100 units, 10 classes) and Spambase's shape (57
features, 16 units, one logistic output), each fitted for a few iterations on random
data (the fit does not matter to the cost), the same input through 2048 and 512
units, and 20,000 dense features through 100 units. Also the product alone for a
single dense row of 20,000 features (Reuters-sized) into 15 units, 5,000 into 400
and 100,000 into 200. Results: benchmarks/results/fixed_order_numpy.{json,md}.

Private imports (sknonneg._*): a kernel benchmark: it times the NumPy twin of the
fixed-order product (``sknonneg._kernels.reference.fixed``) itself.
"""

import argparse
import time
import warnings

import numpy as np

from _common import save_result, set_threads, versions

CASES = [("digits", 64, 100, 10), ("MNIST-shaped", 784, 100, 10),
         ("Spambase-shaped", 57, 16, 2), ("MNIST-shaped, wide", 784, 2048, 10),
         ("MNIST-shaped, 512 units", 784, 512, 10),
         ("wide dense input", 20000, 100, 10)]
BATCHES = [1, 4, 16, 64, 256]


def _median_pair(run, repeats):
    """Median seconds of ``run()`` with the accumulating path and without, in
    alternating pairs (after one call of each to warm up)."""
    from sknonneg._kernels.reference import fixed

    limit = fixed.ACCUMULATE_MAX_OUTPUTS
    on, off = [], []
    try:
        for value, times in ((limit, on), (0, off)):
            fixed.ACCUMULATE_MAX_OUTPUTS = value
            run()
        for _ in range(repeats):
            for value, times in ((limit, on), (0, off)):
                fixed.ACCUMULATE_MAX_OUTPUTS = value
                t0 = time.perf_counter()
                run()
                times.append(time.perf_counter() - t0)
    finally:
        fixed.ACCUMULATE_MAX_OUTPUTS = limit
    return float(np.median(on)), float(np.median(off))


def measure(repeats):
    from sknonneg import NonNegMLPClassifier
    from sknonneg._kernels.reference import fixed

    rng = np.random.default_rng(0)
    rows = []
    for name, n_features, n_units, n_classes in CASES:
        X = rng.random((2000, n_features))
        y = rng.integers(0, n_classes, 2000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf = NonNegMLPClassifier((n_units,), max_iter=3, random_state=0).fit(X, y)
        assert clf._fixed_order()
        for n in BATCHES:
            batch = X[:n]
            on, off = _median_pair(lambda: clf.predict_proba(batch), repeats)
            rows.append({"case": name, "what": "predict_proba", "rows": n,
                         "features": n_features, "units": n_units,
                         "new_s": on, "loop_s": off, "speedup": off / on})
    for n_features, n_units in ((20000, 15), (5000, 400), (100000, 200)):
        x = rng.random((1, n_features))
        x[x < 0.5] = 0.0
        coef = rng.random((n_features, n_units))
        out = np.empty((1, n_units))
        on, off = _median_pair(lambda: fixed.fixed_order_product(x, coef, 1, out),
                               repeats)
        rows.append({"case": "dense row", "what": "fixed_order_product", "rows": 1,
                     "features": n_features, "units": n_units, "new_s": on,
                     "loop_s": off, "speedup": off / on})
    return {"repeats": repeats, "threads": 1, "versions": versions(),
            "accumulate_max_outputs": fixed.ACCUMULATE_MAX_OUTPUTS, "rows": rows}


def markdown(result):
    rec = result["record"]
    lines = ["# NumPy fixed-order product: small-batch prediction", "",
             f"Command: `{rec['command']}`  ",
             f"git_commit {rec['git_commit']}; {rec['machine']['cpu_count']} CPUs "
             f"(shared; 1-minute load {rec['load_1min']:.1f} at the end); one thread; "
             f"medians of {result['repeats']} alternating pairs in one process.", "",
             "`new`: the twin as it is (every term at once, `np.add.accumulate`, up to "
             f"{result['accumulate_max_outputs']} outputs per layer, in chunks of "
             "input columns of at most 2^17 terms; else the loop); "
             "`loop`: `ACCUMULATE_MAX_OUTPUTS = 0`, the loop over the input columns, "
             "which is the code before this change. Both give the same bits.", "",
             "| case | call | rows | features | units | new (ms) | loop (ms) | "
             "loop / new |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in result["rows"]:
        lines.append(f"| {r['case']} | {r['what']} | {r['rows']} | "
                     f"{r['features']} | {r['units']} | {1e3 * r['new_s']:.3f} | "
                     f"{1e3 * r['loop_s']:.3f} | {r['speedup']:.2f} |")
    lines += ["", "Versions: " + ", ".join(f"{k} {v}" for k, v in
                                           result["versions"].items()), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    set_threads(1)
    result = measure(args.repeats)
    save_result("fixed_order_numpy", result, markdown)
    print(markdown(result))
