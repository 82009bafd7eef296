"""The output layer's starting spread of the log-link losses (Poisson, Gamma).

``HalfPoissonDeviance`` and ``HalfGammaDeviance`` start the output layer narrower
than the other losses (``init_std = (1.0, 0.25)``: a spread ``sigma`` of the
log-mean biases the mean prediction by ``exp(sigma^2 / 2)``). This fits
``NonNegMLPRegressor(16, loss=...)`` on simulated data whose log-mean rises in
feature 0, falls in feature 1 and depends on feature 2 through a sine (as the
tests' ``poisson_counts`` and ``gamma_amounts``), 1000 training rows, 3 seeds, at
output spreads 1.0, 0.5, 0.25 and 0.1, with the default L-BFGS-B fit, Adam (50
epochs of 100-row batches, step 0.01) and 20 L-BFGS-B iterations, and reports the
mean deviance on 4000 fresh rows (and the true means' deviance, the floor).

It sets the loss class's ``init_std`` (an attribute the engine documents,
``doc/engine.md``) for the duration of each fit.

Usage::

    python benchmarks/log_link_init_spread.py

Results: ``benchmarks/results/log_link_init_spread.{json,md}``.

Private imports (sknonneg._*): it sets the log-link losses' ``init_std``, the start
being measured, which is a constant of the engine (``get_loss``), not a parameter.
"""

import argparse
import warnings

import numpy as np

from _common import add_common_args, markdown_header, save_result, set_threads

from sklearn.metrics import mean_gamma_deviance, mean_poisson_deviance

from sknonneg import NonNegMLPRegressor
from sknonneg._engine.losses import get_loss

SPREADS = [1.0, 0.5, 0.25, 0.1]
SOLVERS = {"default L-BFGS-B": {},
           "Adam, 50 epochs": dict(solver="adam", batch_size=100, max_iter=50,
                                   learning_rate_init=0.01),
           "20 L-BFGS-B iterations": dict(max_iter=20)}
DEVIANCE = {"poisson": mean_poisson_deviance, "gamma": mean_gamma_deviance}


def simulated(loss, n, seed):
    """``X``, targets and their true means: Poisson counts (log-mean offset
    -0.5) or Gamma amounts of shape 4 (offset 0.5)."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(size=(n, 4))
    offset = -0.5 if loss == "poisson" else 0.5
    mu = np.exp(offset + 1.5 * X[:, 0] - X[:, 1] + np.sin(4 * X[:, 2]))
    y = (rng.poisson(mu).astype(float) if loss == "poisson"
         else rng.gamma(4.0, mu / 4.0))
    return X, y, mu


def measure(args):
    set_threads(args.threads)
    rows = []
    for loss, deviance in DEVIANCE.items():
        cls = type(get_loss(loss))
        saved = cls.init_std
        Xt, yt, mut = simulated(loss, 4000, 100)
        floor = float(deviance(yt, mut))
        try:
            for spread in SPREADS:
                cls.init_std = (saved[0], spread)
                for solver, params in SOLVERS.items():
                    scores = []
                    for seed in range(3):
                        X, y, _ = simulated(loss, 1000, seed)
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")  # capped fits
                            est = NonNegMLPRegressor(16, loss=loss, random_state=seed,
                                                     **params).fit(X, y)
                        scores.append(float(deviance(yt, est.predict(Xt))))
                    rows.append({"loss": loss, "spread": spread, "solver": solver,
                                 "deviance": float(np.mean(scores)),
                                 "per_seed": scores, "true_means": floor})
                    print(rows[-1], flush=True)
        finally:
            cls.init_std = saved
    return {"rows": rows, "default_spread": 0.25}


def markdown(result):
    lines = markdown_header(result["record"],
                            "Output start of the log-link losses (Poisson, Gamma)")
    lines += ["Mean test deviance on 4000 fresh rows, mean over 3 seeds (1000 "
              "training rows each), of `NonNegMLPRegressor(16, loss=...)` with the "
              "output layer's starting spread set to each value; the default is "
              f"{result['default_spread']}. Bold: the lowest of its row.", ""]
    for loss in DEVIANCE:
        rows = [r for r in result["rows"] if r["loss"] == loss]
        lines += [f"## {loss} (true means' deviance {rows[0]['true_means']:.4f})", "",
                  "| solver | " + " | ".join(f"spread {s}" for s in SPREADS) + " |",
                  "| --- |" + " ---: |" * len(SPREADS)]
        for solver in SOLVERS:
            values = [next(r["deviance"] for r in rows if r["solver"] == solver
                           and r["spread"] == s) for s in SPREADS]
            best = min(values)
            cells = [f"**{v:.4f}**" if v == best else f"{v:.4f}" for v in values]
            lines.append(f"| {solver} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main():
    parser = add_common_args(argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter),
        quick=False, seeds=False)
    save_result("log_link_init_spread", measure(parser.parse_args()), markdown)


if __name__ == "__main__":
    main()
