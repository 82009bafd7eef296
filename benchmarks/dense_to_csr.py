"""Does the numba dense-to-CSR kernel pay for itself against scipy?

A dense input that is mostly zeros (MNIST pixels: 19% non-zero) is laid out as CSR
for the kernels (``sknonneg._engine.data.csr_if_mostly_zeros``). This times that
conversion on the MNIST training images (60,000 x 784, pixels / 255) in float32 and
float64, per way of doing it:

- ``scipy.sparse.csr_matrix(X)``, the baseline a user would write (it goes
  through COO);
- the NumPy twins of the two kernels (count the non-zeros per row, then fill);
- the serial and the parallel numba kernels (count, then fill).

and a float64 input to float32 CSR, as a float32 fit reads a float64 ``X`` (scipy:
``csr_matrix(X).astype(np.float32)``; ours: straight into float32, with no dense
float32 copy on the way).

Every way is warmed up once (the numba kernels compiled or loaded from the cache),
then run ``--repeats`` times; the table gives the median and the least wall
seconds, and the ratio of medians to scipy's. All results are checked equal to
scipy's matrix. The ``parallel`` row uses every core numba may use here.

Usage::

    SKNONNEG_DATA=../shared/data python benchmarks/dense_to_csr.py [--repeats 7]

Private imports (sknonneg._*): a kernel benchmark: it times the dense-to-CSR
conversion kernel (``sknonneg._kernels``, ``CSRInput``) against scipy, below any
public API.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA_HOME, markdown_header, mnist, save_result  # noqa: E402

from sknonneg._engine.data import CSRInput  # noqa: E402
from sknonneg._kernels import NUMPY, kernels  # noqa: E402

STEM = "dense_to_csr"


def _ways(dtype):
    """{name: conversion of a dense X to CSR with values in ``dtype``}."""
    def ours(flavour):
        kernel_set = kernels(flavour)
        return lambda X: CSRInput.from_dense(X, kernel_set, dtype=dtype)

    return {"scipy csr_matrix": lambda X: sp.csr_matrix(X).astype(dtype, copy=False),
            "NumPy twins": ours(NUMPY),
            "numba serial": ours(False),
            "numba parallel": ours(True)}


def _same(ours, reference):
    if isinstance(ours, CSRInput):
        return (np.array_equal(ours.indptr, reference.indptr)
                and np.array_equal(ours.indices, reference.indices)
                and np.array_equal(ours.data, reference.data))
    return (ours != reference).nnz == 0


def measure(data_home, repeats):
    X64, _, _, _ = mnist(data_home, dtype=np.float64)
    rows = []
    cases = [("float32", X64.astype(np.float32), np.float32),
             ("float64", X64, np.float64),
             ("float64 to float32", X64, np.float32)]
    for case, X, dtype in cases:
        X = np.ascontiguousarray(X)
        reference = sp.csr_matrix(X).astype(dtype)
        reference.sort_indices()
        baseline = None
        for name, convert in _ways(dtype).items():
            result = convert(X)  # warm-up: compiles or loads the kernels
            if not _same(result, reference):
                raise AssertionError(f"{name} differs from scipy's CSR matrix")
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                convert(X)
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            baseline = median if baseline is None else baseline
            rows.append({"dtype": case, "way": name, "median_s": median,
                         "min_s": min(times), "ratio_to_scipy": median / baseline})
    return {"shape": list(X64.shape), "density": float(np.count_nonzero(X64) / X64.size),
            "repeats": repeats, "rows": rows}


def markdown(res):
    lines = markdown_header(res["record"], "Dense to CSR: numba kernels against scipy")
    lines += [f"MNIST training images {res['shape'][0]} x {res['shape'][1]}, "
              f"{100 * res['density']:.1f}% non-zero; warm-up once, then "
              f"{res['repeats']} runs; wall seconds. Ratio: median over scipy's "
              "median in the same case (< 1: faster than scipy). The machine is "
              "shared: compare ratios, not seconds, across runs.", "",
              "| dtype | way | median (s) | least (s) | ratio to scipy |",
              "| --- | --- | ---: | ---: | ---: |"]
    for r in res["rows"]:
        lines.append(f"| {r['dtype']} | {r['way']} | {r['median_s']:.4f} | "
                     f"{r['min_s']:.4f} | {r['ratio_to_scipy']:.3f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME))
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    save_result(STEM, measure(args.data_home, args.repeats), markdown)
    print((Path(__file__).resolve().parent / "results" / f"{STEM}.md").read_text())


if __name__ == "__main__":
    main()
