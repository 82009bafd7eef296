"""Cost of the sparse-structure check (sknonneg._validation.check_sparse_structure),
and of telling whether a matrix is in canonical form (sorted indices, no duplicate
entries: scipy's ``has_canonical_format``, read before every fit to decide whether
duplicates must be summed on a copy), against one L-BFGS-B iteration, a whole fit
and a prediction, on full MNIST as CSR.

    python benchmarks/sparse_validation_cost.py [--data-home DIR] [--fit-iter 10]

The check runs once per fit / partial_fit / prediction call. Results:
benchmarks/results/sparse_validation_cost.{json,md}.

Private imports (sknonneg._*): it times the sparse-structure check
(``check_sparse_structure``) alone, which every fit and prediction runs inside.
"""

import argparse
import sys
import time

import numpy as np
import scipy.sparse as sp

from _common import RESULTS, add_common_args, git_commit, machine, save_json, set_threads


def _median_time(f, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main():
    from sknonneg import NonNegMLPClassifier
    from sknonneg._validation import check_sparse_structure
    from sknonneg.datasets import load_mnist

    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False, seeds=False)
    parser.add_argument("--fit-iter", type=int, default=10)
    args = parser.parse_args()
    set_threads(args.threads)
    X, X_test, y, _ = load_mnist(data_home=args.data_home, return_X_y=True)
    X = sp.csr_matrix((X / 255.0).astype(np.float32))
    X_test = sp.csr_matrix((X_test / 255.0).astype(np.float32))
    check = _median_time(lambda: check_sparse_structure(X), 7)
    check_test = _median_time(lambda: check_sparse_structure(X_test), 7)

    # scipy caches the answer on the matrix: each repeat reads a fresh matrix over
    # the same arrays (no copy), and the construction alone is subtracted.
    def fresh(M):
        return sp.csr_matrix((M.data, M.indices, M.indptr), shape=M.shape, copy=False)

    construct_test = _median_time(lambda: fresh(X_test), 7)
    canonical_test = max(0.0, _median_time(lambda: fresh(X_test).has_canonical_format, 7)
                         - construct_test)
    construct = _median_time(lambda: fresh(X), 7)
    canonical = max(0.0, _median_time(lambda: fresh(X).has_canonical_format, 7)
                    - construct)
    est = NonNegMLPClassifier((150,), max_iter=2, dtype="float32",
                              early_stopping=False, random_state=0)
    est.fit(X, y)  # warm-up: compiles the kernels
    est.set_params(max_iter=args.fit_iter)
    t0 = time.perf_counter()
    est.fit(X, y)
    fit_s = time.perf_counter() - t0
    per_iter = fit_s / max(1, len(est.loss_curve_))
    predict = _median_time(lambda: est.predict_proba(X_test), 3)
    result = {
        "command": "python benchmarks/sparse_validation_cost.py "
                   + " ".join(a for a in sys.argv[1:] if a != args.data_home
                              and a != "--data-home"),
        "git_commit": git_commit(), "machine": machine(), "threads": args.threads,
        "nnz_train": int(X.nnz), "check_train_s": check, "check_test_s": check_test,
        "fit_s": fit_s, "fit_iterations": len(est.loss_curve_),
        "s_per_iteration": per_iter, "predict_proba_test_s": predict,
        "check_vs_one_iteration": check / per_iter,
        "check_vs_200_iteration_fit": check / (200 * per_iter),
        "check_vs_predict": check_test / predict,
        "canonical_train_s": canonical, "canonical_test_s": canonical_test,
        "canonical_vs_predict": canonical_test / predict,
        "canonical_vs_one_iteration": canonical / per_iter,
    }
    save_json(RESULTS / "sparse_validation_cost.json", result)
    md = [
        "# Cost of the sparse-structure check on full MNIST (CSR, float32)", "",
        f"Command: `{result['command']}` at commit `{result['git_commit']}`, "
        f"{args.threads} thread(s); shared 2-core machine.", "",
        "| quantity | seconds | check / quantity |", "|---|---|---|",
        f"| check, 60k x 784 train CSR ({X.nnz:,} stored values) | {check:.4f} | |",
        f"| one L-BFGS-B iteration (150 hidden units, mean of {len(est.loss_curve_)}) "
        f"| {per_iter:.4f} | {100 * check / per_iter:.2f}% |",
        f"| a 200-iteration fit (estimated) | {200 * per_iter:.1f} | "
        f"{100 * check / (200 * per_iter):.3f}% |",
        f"| predict_proba on the 10k test CSR | {predict:.4f} | "
        f"{100 * check_test / predict:.2f}% (check of the test CSR: {check_test:.4f} s) |",
        "", "Telling whether the matrix is canonical (`has_canonical_format`, one "
        "O(nnz) pass):", "",
        "| quantity | seconds | canonical check / quantity |", "|---|---|---|",
        f"| canonical check, train CSR | {canonical:.4f} | |",
        f"| one L-BFGS-B iteration | {per_iter:.4f} | {100 * canonical / per_iter:.2f}% |",
        f"| predict_proba on the 10k test CSR | {predict:.4f} | "
        f"{100 * canonical_test / predict:.2f}% (canonical check of the test CSR: "
        f"{canonical_test:.4f} s) |",
    ]
    (RESULTS / "sparse_validation_cost.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
