"""Free features under monotonic_cst: does depth let them be modelled as well as
without constraints? (issue 14)

Synthetic regression, x ~ U(-1, 1)^4, y = 2 x0 + sin(3 x1) (1 + x0) + cos(2 x2) x1
+ x3^2 + noise(0.1): increasing in x0 (dy/dx0 = 2 + sin(3 x1) > 0), the free
features x1, x2, x3 non-monotone and interacting with x0 and with each other. Test
MSE (2000 train / 2000 test rows, 3 seeds) of NonNegMLPRegressor with
``monotonic_cst=[1, 0, 0, 0]`` (positive=True) and unconstrained (positive=False),
one and two hidden layers; and of the monotone network with its first layer split
into constrained-only and free-only units (half each; the other weights held at 0
by their bounds, ``DenseLayer(zeros=...)``), which keeps the guarantee too: does
the split match the unconstrained network better than units that mix both?

Usage: ``PYTHONPATH=. python benchmarks/monotone_free_features.py``; results in
``benchmarks/results/monotone_free_features.{json,md}``.

Private imports (sknonneg._*): the split first layer it compares (constrained-only
and free-only units, ``DenseLayer(zeros=...)`` in a ``ParameterLayout``) is a layout
no estimator parameter builds.
"""

import os
import time
import warnings

import numpy as np

from _common import RESULTS, git_commit, machine, save_json, set_threads

from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_squared_error

from sknonneg import NonNegMLPRegressor
from sknonneg._engine import DenseLayer, ParameterLayout


class SplitFirstLayer(NonNegMLPRegressor):
    """The monotone regressor with a split first layer: its first half of units
    reads only the constrained features, the second half only the free ones."""

    def _build_layout(self, n_features, n_outputs):
        layout = super()._build_layout(n_features, n_outputs)
        first, cst = layout.network[0], self.monotonic_cst_
        zeros = np.zeros(first.shape, dtype=bool)
        half = first.n_out // 2
        zeros[cst == 0, :half] = True  # constrained-only units
        zeros[cst != 0, half:] = True  # free-only units
        return ParameterLayout([DenseLayer(first.n_in, first.n_out, first.signs,
                                           first.activation, first.l1, zeros=zeros),
                                *layout.network[1:]])


CONFIGS = [
    ("monotone, (32,)", dict(hidden_layer_sizes=(32,), positive=True,
                             monotonic_cst=[1, 0, 0, 0])),
    ("monotone, (32, 16)", dict(hidden_layer_sizes=(32, 16), positive=True,
                                monotonic_cst=[1, 0, 0, 0])),
    ("monotone split, (32,)", dict(hidden_layer_sizes=(32,), positive=True,
                                   monotonic_cst=[1, 0, 0, 0], split=True)),
    ("monotone split, (32, 16)", dict(hidden_layer_sizes=(32, 16), positive=True,
                                      monotonic_cst=[1, 0, 0, 0], split=True)),
    ("monotone split, (64, 16)", dict(hidden_layer_sizes=(64, 16), positive=True,
                                      monotonic_cst=[1, 0, 0, 0], split=True)),
    ("unconstrained, (32,)", dict(hidden_layer_sizes=(32,), positive=False)),
    ("unconstrained, (32, 16)", dict(hidden_layer_sizes=(32, 16), positive=False)),
]


def data(seed, n):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, 4))
    y = (2 * X[:, 0] + np.sin(3 * X[:, 1]) * (1 + X[:, 0]) + np.cos(2 * X[:, 2]) * X[:, 1]
         + X[:, 3] ** 2 + 0.1 * rng.normal(size=n))
    return X, y


def main():
    set_threads(1)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    rows = []
    for seed in range(3):
        X, y = data(seed, 4000)
        for name, params in CONFIGS:
            params = dict(params)
            cls = SplitFirstLayer if params.pop("split", False) else NonNegMLPRegressor
            t0, c0 = time.perf_counter(), time.process_time()
            est = cls(l2=1e-4, max_iter=300, random_state=seed,
                      **params).fit(X[:2000], y[:2000])
            rows.append({"model": name, "seed": seed,
                         "mse": mean_squared_error(y[2000:], est.predict(X[2000:])),
                         "fit_time": time.perf_counter() - t0,
                         "fit_cpu_time": time.process_time() - c0})
            print(rows[-1], flush=True)
    lines = ["# Free features under monotonic_cst", "",
             f"Command: `python benchmarks/monotone_free_features.py`; commit "
             f"`{git_commit()}`; load average {os.getloadavg()[0]:.1f} at the end "
             "(shared 2-core machine, 1 thread). Data and models: see the script's "
             "docstring. Noise variance 0.01 is the floor.", "",
             "| model | test MSE mean | per seed | fit time (s) | fit CPU time (s) |",
             "| --- | --- | --- | --- | --- |"]
    for name, _ in CONFIGS:
        mse = [r["mse"] for r in rows if r["model"] == name]
        t = [r["fit_time"] for r in rows if r["model"] == name]
        cpu = [r["fit_cpu_time"] for r in rows if r["model"] == name]
        lines.append(f"| {name} | {np.mean(mse):.4f} | "
                     f"{', '.join(f'{m:.4f}' for m in mse)} | {np.median(t):.1f} | "
                     f"{np.median(cpu):.1f} |")
    save_json(RESULTS / "monotone_free_features.json",
              {"commit": git_commit(), "machine": machine(), "rows": rows})
    (RESULTS / "monotone_free_features.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    # No options; --help prints this docstring (before: it ran the benchmark and
    # rewrote the result files).
    import argparse

    argparse.ArgumentParser(description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter
                            ).parse_args()
    main()
