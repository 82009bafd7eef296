"""Cost of the overflow screen of prediction (``range_overflow_rows``).

Every prediction method and ``transform`` refuses rows on which a weighted sum of the
network could overflow (``sknonneg._lipschitz.range_overflow_rows``; ordinary input is
cleared by one screen over the whole X, its max and min). This times
``predict_proba`` with the screen and, in the same process, alternating, with it
switched off (the estimator's ``_check_range`` replaced by the identity), on the same
fitted networks and data: the paired difference is the screen's cost.

    python benchmarks/range_check_cost.py [--repeats 15] [--threads 1]

Random uniform inputs of MNIST's shape (784 columns); networks of 100 hidden units
fitted for 5 iterations on 2,000 rows (the fit does not matter to the cost).
Results: benchmarks/results/range_check_cost.{json,md}.
"""

import argparse
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp

from _common import RESULTS, add_common_args, git_commit, machine, save_json, set_threads


def _paired(est, X, repeats):
    """Median seconds of predict_proba with the screen and without, alternating."""
    with_screen, without = [], []
    original = est._check_range
    for _ in range(repeats):
        for on, times in ((True, with_screen), (False, without)):
            est._check_range = original if on else (lambda X: X)
            t0 = time.perf_counter()
            est.predict_proba(X)
            times.append(time.perf_counter() - t0)
    est._check_range = original
    return float(np.median(with_screen)), float(np.median(without))


def main():
    from sknonneg import NonNegMLPClassifier

    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False, seeds=False)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    set_threads(args.threads)
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(args.rows, 784))
    y = (X[:, :10].sum(axis=1) > 5).astype(int)
    rows = []
    for positive in (True, False):
        for dtype in ("float64", "float32"):
            est = NonNegMLPClassifier(100, positive=positive, dtype=dtype, max_iter=5,
                                      random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(X[:2000], y[:2000])
            for layout, data in (("dense", X), ("csr, 10% stored", sp.random(
                    args.rows, 784, density=0.1, format="csr", random_state=0))):
                est.predict_proba(data)  # warm-up (compilation, caches)
                on, off = _paired(est, data, args.repeats)
                rows.append({"positive": positive, "dtype": dtype, "input": layout,
                             "with_screen_s": on, "without_s": off,
                             "cost": on / off - 1.0})
    command = "python benchmarks/range_check_cost.py " + " ".join(
        a for a in sys.argv[1:] if a != args.data_home and a != "--data-home")
    result = {"command": command, "git_commit": git_commit(), "machine": machine(),
              "threads": args.threads, "repeats": args.repeats, "rows": rows}
    save_json(RESULTS / "range_check_cost.json", result)
    md = ["# Cost of the overflow screen of prediction", "",
          f"Command: `{command}` at commit `{result['git_commit']}`, "
          f"{args.threads} thread(s), {args.rows:,} x 784 rows, median of "
          f"{args.repeats} alternating paired calls of `predict_proba` with the screen "
          "and without it (same process, same fitted network); shared 2-core machine.",
          "", "| network | dtype | input | with screen (s) | without (s) | cost |",
          "|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {'positive=True' if r['positive'] else 'positive=False'} | "
                  f"{r['dtype']} | {r['input']} | {r['with_screen_s']:.4f} | "
                  f"{r['without_s']:.4f} | {100 * r['cost']:+.1f}% |")
    (RESULTS / "range_check_cost.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
