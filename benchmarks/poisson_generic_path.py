"""What the Poisson loss's generic path costs against the squared error's fused one.

``HalfPoissonDeviance`` has no kernel code: its output layer is a matrix product and
its ``value_grad`` in NumPy, where the squared error's output layer and loss rows are
one fused numba kernel. This times one evaluation of the training objective (loss
and gradient) of ``NonNegMLPRegressor`` with each loss on the same network shape and
data, on one thread, alternating the two, after a warm-up: the median of the
repeats and the ratio (Poisson / squared error), measured in the same run. A fused
Poisson row would at best remove that difference; it was not written, as the
ratio shows what it could pay.

It reads the estimator's objective (``_make_objective``), a private of sknonneg, as
``paired_engine.py`` does: no public call times one evaluation.

Usage::

    python benchmarks/poisson_generic_path.py [--repeats 15]

Results: ``benchmarks/results/poisson_generic_path.{json,md}``.
"""

import argparse
import time
import warnings

import numpy as np

from _common import add_common_args, markdown_header, save_result, set_threads

from sknonneg import NonNegMLPRegressor

SHAPES = [(5000, 20, 16), (50000, 20, 32), (50000, 20, 128)]
LOSSES = ["squared_error", "poisson"]


def measure(args):
    set_threads(args.threads)
    rows = []
    rng = np.random.RandomState(0)
    for n, d, h in SHAPES:
        X = rng.uniform(size=(n, d))
        y = rng.poisson(np.exp(X[:, :5].sum(axis=1) - 2)).astype(float)
        evaluate = {}
        for loss in LOSSES:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = NonNegMLPRegressor(h, loss=loss, max_iter=2,
                                         random_state=0).fit(X, y)
            targets, _ = est._transform_targets(y)
            objective = est._make_objective(est._layout, X, targets, np.ones(n), 1.0,
                                            parallel=None)
            theta = est._theta.copy()
            objective.loss_grad(theta)  # warm-up: compiled kernels, buffers
            evaluate[loss] = (objective, theta)
        times = {loss: [] for loss in LOSSES}
        for _ in range(args.repeats):
            for loss in LOSSES:  # alternated: both see the same load
                objective, theta = evaluate[loss]
                start = time.process_time()
                objective.loss_grad(theta)
                times[loss].append(time.process_time() - start)
        medians = {loss: float(np.median(t)) for loss, t in times.items()}
        rows.append({"n_samples": n, "n_features": d, "n_hidden": h,
                     "ms_squared_error": 1e3 * medians["squared_error"],
                     "ms_poisson": 1e3 * medians["poisson"],
                     "ratio": medians["poisson"] / medians["squared_error"]})
        print(rows[-1], flush=True)
    return {"rows": rows, "repeats": args.repeats, "threads": args.threads}


def markdown(result):
    lines = markdown_header(result["record"],
                            "Poisson loss (generic path) vs squared error (fused)")
    lines += [f"One evaluation of the training objective (loss and gradient), CPU "
              f"time, median of {result['repeats']} repeats, the two losses "
              f"alternated, {result['threads']} thread(s); uniform inputs, Poisson "
              "counts; one hidden layer of logistic units.", "",
              "| rows | features | hidden | squared error (ms) | Poisson (ms) "
              "| ratio |",
              "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in result["rows"]:
        lines.append(f"| {r['n_samples']} | {r['n_features']} | {r['n_hidden']} | "
                     f"{r['ms_squared_error']:.2f} | {r['ms_poisson']:.2f} | "
                     f"{r['ratio']:.2f} |")
    return "\n".join(lines) + "\n"


def main():
    parser = add_common_args(argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter),
        quick=False, seeds=False)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    save_result("poisson_generic_path", measure(args), markdown)


if __name__ == "__main__":
    main()
