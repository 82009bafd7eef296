"""The held-out check of ``early_stopping="auto"`` for ``NonNegMLPRegressor``'s
log-link losses (``loss="poisson"``, ``"gamma"``, ``"tweedie"``), preregistered.

Below 10,000 rows the regressor's default (``early_stopping="auto"``, full-batch
L-BFGS-B) runs a held-out check with the squared error only (the fifteenth round,
``regressor_guarded_refit_round.py``); with a log-link loss it runs the full
schedule, and over-fits small noisy data badly (the user guide's table,
``benchmarks/results/regressor_small_noisy_check.md``: held-out D^2 -0.24 on
counts, -0.62 on amounts). This script tests, on fresh data, the same check for
the log-link losses.

    python benchmarks/regressor_log_link_check_round.py [--splits 10] [--threads 1]

The candidate (rule and constants fixed before any run on the data below)
--------------------------------------------------------------------------
"check, noise margin": exactly the squared error's check, with the gate
(``_held_out_check_rows``) admitting the three log-link losses as well:

- the check: a clone with ``early_stopping=True``, ``n_iter_no_change=max_iter +
  1``, ``scoring="loss"``, holding out ``n_val = ceil(0.1 n)`` rows (of positive
  weight), scoring after every iteration minus the mean held-out deviance of the
  fitted loss (half the Poisson / Gamma / Tweedie deviance of the targets divided
  by the training part's mean, with the fitted ``power``), weighted by the
  sample weights;
- ``gap = (best - final) / |best|`` of those scores (``_overfit_gap``): how much
  larger the held-out deviance is at the end than at its best, relative to it;
- refit on all rows to the best iteration (``_refit_plan``, unchanged: the check's
  stages cut after the first best iteration, cumulative ends scaled by
  ``1 / (1 - 0.1)``) where ``gap > sqrt(2 / n_val)``; else the full fit.

The margin is kept. ``sqrt(2 / n_val)`` is one standard error of a mean of
``n_val`` squared Gaussian errors relative to that mean: the coefficient of
variation of one squared error is ``sqrt(2)``. The analogue for a log-link loss
is the coefficient of variation of one unit deviance at the true mean, measured
by simulation (2,000,000 draws each, development): Gamma, shape 0.5 / 1 / 2 / 5 /
20: 1.35 / 1.39 / 1.41 / 1.41 / 1.41 (the deviance of a Gamma variable divided by
its mean does not depend on the mean); Poisson, mean 0.1 / 0.3 / 1 / 3 / 10:
1.96 / 0.97 / 1.02 / 1.42 / 1.42 (log-normal means, ``log mu ~ N(0, 0.8^2)``:
1.13); Tweedie power 1.5, mean 1 and dispersion 0.5 / 1 / 2: 1.42 / 1.19 / 0.90
(mean 0.3 / 3, dispersion 1: 0.93 / 1.39). So ``sqrt(2 / n_val)`` is between 0.7
and 1.0 standard errors for most data, 1.4 only for counts of mean near 0.1;
the squared error's development found margins of 0.75 to 2 standard errors
equally safe. On the development data (the user guide's counts and amounts, 5
folds, 320 training rows, margin 0.25) the check's gaps were 0.8 to 6.9.

Data (fresh: no generator seed, size or function used by an earlier round; Auto
MPG, COMPAS not used; no data set in /work/shared/data has a natural count,
amount or Tweedie target, so all are simulated)
--------------------------------------------------------------------------------
``x ~ N(0, 1)^d`` from ``RandomState(seed)``, the targets drawn from the same
generator after ``x``:

- ``poisson_interact_200``: 200 rows, d=10, seed 51, ``log mu = 0.4 x0 - 0.4 x1
  + 0.5 x2 x3 + 0.4 sin(2 x4) - 0.3 x5 x6``, counts ``Poisson(mu)``;
- ``poisson_linear_2000``: 2000 rows, d=6, seed 52, ``log mu = 1 + 0.3 x0 - 0.2
  x1 + 0.25 x2 + 0.1 x3 + 0.05 x0 x1`` (near-linear, counts of mean about 3:
  clean data where more iterations help);
- ``gamma_interact_500``: 500 rows, d=12, seed 53, ``log mu = 0.5 x0 + 0.4 x1 x2
  - 0.4 |x3| + 0.3 cos(2 x4)``, ``Gamma(shape 2, scale mu / 2)``;
- ``gamma_linear_2000``: 2000 rows, d=5, seed 54, ``log mu = 0.4 x0 - 0.3 x1 +
  0.2 x2 + 0.1 x3 x4``, ``Gamma(shape 10, scale mu / 10)`` (near-linear, low
  noise);
- ``tweedie_interact_500``: 500 rows, d=8, seed 55, ``log mu = 0.4 x0 + 0.4 x1
  x2 - 0.3 x3 + 0.3 sin(2 x4)``; compound Poisson-Gamma of power 1.5 and
  dispersion 1: ``N ~ Poisson(mu^0.5 / 0.5)``, ``y`` the sum of ``N``
  ``Gamma(1, 0.5 mu^0.5)`` (0 where ``N = 0``);
- ``tweedie_linear_200``: 200 rows, d=20, seed 56, ``log mu = 0.3 x0 - 0.3 x1 +
  0.2 x2 + 0.2 x3`` (16 noise features), the same compound Poisson-Gamma.

Models: ``NonNegMLPRegressor(loss=L, random_state=k)`` (``power=1.5`` for
Tweedie), defaults otherwise: the current default (no check), the candidate (the
same estimator with the gate widened: a subclass setting the private class
attribute ``_held_out_check_losses``), and, reported only,
``early_stopping=True``.

Protocol
--------
10 random 80/20 splits, ``ShuffleSplit(10, test_size=0.2, random_state=5)``,
fixed before the run. Both ``StandardScaler`` and ``MinMaxScaler``, fitted on the
training part. Every network seeded by the split index. Score: test D^2 of the
fitted loss's deviance (``d2_tweedie_score``, power 1, 2 or 1.5). A cell is (data
set, scaler, split): 6 x 2 x 10 = 120 cells; a paired difference is the
candidate's D^2 minus the current default's in the same cell. CPU seconds per fit
(``time.process_time``, one thread), reported.

Decision rule (fixed and committed before the run)
--------------------------------------------------
Adopt the candidate if

1. its mean paired test D^2 gain over all 120 cells is >= +0.01, and
2. on no data set (its 20 cells) is its mean paired difference below -0.005.

Adopted: ``early_stopping="auto"`` runs the check for the log-link losses too.
Not adopted: no package change; the round is written up as measured. Nothing in
the candidate or the rule changes after the run.
Results: ``benchmarks/results/regressor_log_link_check_round.{json,md}``.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.metrics import d2_tweedie_score
from sklearn.model_selection import ShuffleSplit
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from _common import add_common_args, markdown_header, save_result, set_threads

DEFAULT = "default"
CANDIDATE = "check, noise margin"
ES = "early_stopping=True"
MODELS = (DEFAULT, CANDIDATE, ES)
MIN_GAIN, MAX_LOSS = 0.01, -0.005
POWER = {"poisson": 1.0, "gamma": 2.0, "tweedie": 1.5}


def _tweedie(rng, mu):
    """Compound Poisson-Gamma draws of power 1.5, dispersion 1, means ``mu``."""
    n = rng.poisson(np.sqrt(mu) / 0.5)
    y = rng.gamma(np.maximum(n, 1) * 1.0, 0.5 * np.sqrt(mu))
    return np.where(n > 0, y, 0.0)


def _datasets():
    """``(name, loss, X, y)``."""
    rng = np.random.RandomState(51)
    X = rng.standard_normal((200, 10))
    mu = np.exp(0.4 * X[:, 0] - 0.4 * X[:, 1] + 0.5 * X[:, 2] * X[:, 3]
                + 0.4 * np.sin(2 * X[:, 4]) - 0.3 * X[:, 5] * X[:, 6])
    yield "poisson_interact_200", "poisson", X, rng.poisson(mu).astype(float)
    rng = np.random.RandomState(52)
    X = rng.standard_normal((2000, 6))
    mu = np.exp(1 + 0.3 * X[:, 0] - 0.2 * X[:, 1] + 0.25 * X[:, 2] + 0.1 * X[:, 3]
                + 0.05 * X[:, 0] * X[:, 1])
    yield "poisson_linear_2000", "poisson", X, rng.poisson(mu).astype(float)
    rng = np.random.RandomState(53)
    X = rng.standard_normal((500, 12))
    mu = np.exp(0.5 * X[:, 0] + 0.4 * X[:, 1] * X[:, 2] - 0.4 * np.abs(X[:, 3])
                + 0.3 * np.cos(2 * X[:, 4]))
    yield "gamma_interact_500", "gamma", X, rng.gamma(2.0, mu / 2.0)
    rng = np.random.RandomState(54)
    X = rng.standard_normal((2000, 5))
    mu = np.exp(0.4 * X[:, 0] - 0.3 * X[:, 1] + 0.2 * X[:, 2] + 0.1 * X[:, 3] * X[:, 4])
    yield "gamma_linear_2000", "gamma", X, rng.gamma(10.0, mu / 10.0)
    rng = np.random.RandomState(55)
    X = rng.standard_normal((500, 8))
    mu = np.exp(0.4 * X[:, 0] + 0.4 * X[:, 1] * X[:, 2] - 0.3 * X[:, 3]
                + 0.3 * np.sin(2 * X[:, 4]))
    yield "tweedie_interact_500", "tweedie", X, _tweedie(rng, mu)
    rng = np.random.RandomState(56)
    X = rng.standard_normal((200, 20))
    mu = np.exp(0.3 * X[:, 0] - 0.3 * X[:, 1] + 0.2 * X[:, 2] + 0.2 * X[:, 3])
    yield "tweedie_linear_200", "tweedie", X, _tweedie(rng, mu)


def _fit(est, X, y):
    """``(est, warning names, cpu s)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.process_time()
        est.fit(X, y)
        cpu = time.process_time() - start
    return est, sorted({type(w.message).__name__ for w in caught}), cpu


def run(args):
    from sknonneg import NonNegMLPRegressor

    class Candidate(NonNegMLPRegressor):
        _held_out_check_losses = ("squared_error", "poisson", "gamma", "tweedie")

    rows = []
    for name, loss, X, y in _datasets():
        splits = list(ShuffleSplit(args.splits, test_size=0.2, random_state=5).split(X))
        extra = {"power": 1.5} if loss == "tweedie" else {}
        for k, (tr, te) in enumerate(splits):
            for scaler in (StandardScaler, MinMaxScaler):
                sc = scaler().fit(X[tr])
                A, B, y_tr, y_te = sc.transform(X[tr]), sc.transform(X[te]), y[tr], y[te]
                base = NonNegMLPRegressor(loss=loss, random_state=k, **extra)
                fits = {DEFAULT: _fit(clone(base), A, y_tr),
                        CANDIDATE: _fit(Candidate(**base.get_params()), A, y_tr),
                        ES: _fit(clone(base).set_params(early_stopping=True), A, y_tr)}
                cand = fits[CANDIDATE][0]
                assert cand.held_out_check_, (name, k)
                for model in MODELS:
                    est, warned, cpu = fits[model]
                    rows.append({
                        "data": name, "loss": loss, "split": k,
                        "scaler": scaler.__name__, "model": model,
                        "d2": float(d2_tweedie_score(y_te, est.predict(B),
                                                     power=POWER[loss])),
                        "train_d2": float(d2_tweedie_score(y_tr, est.predict(A),
                                                           power=POWER[loss])),
                        "n_iter": int(est.n_iter_), "cpu_s": cpu,
                        "gap": cand.held_out_gap_ if model == CANDIDATE else None,
                        "refit_n_iter": (cand.refit_n_iter_ if model == CANDIDATE
                                         else None),
                        "n_train": len(y_tr), "warnings": warned})
                print(name, scaler.__name__, k, round(cand.held_out_gap_, 3),
                      cand.refit_n_iter_,
                      {m: round(r["d2"], 4) for m, r in
                       zip(MODELS, rows[-len(MODELS):])}, flush=True)
    return {"splits": args.splits, "rows": rows}


def _paired(rows, model, keep):
    by = {(r["data"], r["scaler"], r["split"], r["model"]): r["d2"] for r in rows}
    return np.array([by[(d, s, k, model)] - by[(d, s, k, DEFAULT)]
                     for (d, s, k, m) in by if m == DEFAULT and keep(d)])


def _se(x):
    return float(np.std(x, ddof=1) / np.sqrt(len(x))) if len(x) > 1 else float("nan")


def decide(rows):
    """``(adopted, mean gain, {data set: mean paired difference})``."""
    data = list(dict.fromkeys(r["data"] for r in rows))
    gain = float(_paired(rows, CANDIDATE, lambda d: True).mean())
    per = {d: float(_paired(rows, CANDIDATE, lambda dd, d=d: dd == d).mean())
           for d in data}
    return bool(gain >= MIN_GAIN and min(per.values()) >= MAX_LOSS), gain, per


def _markdown(result):
    rows = result["rows"]
    adopted, gain, per = decide(rows)
    worst = min(per, key=per.get)
    n_cells = len({(r["data"], r["scaler"], r["split"]) for r in rows})
    lines = markdown_header(result["record"], "NonNegMLPRegressor: the held-out check "
                            "for the log-link losses")
    lines += [
        f"Test D^2 of the fitted deviance, mean over {result['splits']} random 80/20 "
        "splits (ShuffleSplit, random_state=5; each network seeded by the split) and "
        "both scalers (fitted on the training part) where stated. Paired: the "
        "model's D^2 minus the default's in the same cell, mean +- standard error. "
        "Candidate and rule: the module docstring (fixed before the run).", "",
        "## The rule", "",
        f"- mean paired gain over the {n_cells} cells {gain:+.4f} (needs >= "
        f"{MIN_GAIN:+.3f}); worst data set {worst} {per[worst]:+.4f} (needs >= "
        f"{MAX_LOSS:+.3f}).", "",
        f"**{'Adopted' if adopted else 'Not adopted'}.**", "",
        "## Test D^2 per data set and scaler", "",
        "| data | scaler | " + " | ".join(MODELS) + " |",
        "| --- | --- | " + " | ".join("---:" for _ in MODELS) + " |"]
    keys = list(dict.fromkeys((r["data"], r["scaler"]) for r in rows))
    for data, scaler in keys:
        cell = [r for r in rows if (r["data"], r["scaler"]) == (data, scaler)]
        lines.append(f"| {data} | {scaler} | " + " | ".join(
            f"{np.mean([r['d2'] for r in cell if r['model'] == m]):.4f}" for m in MODELS)
            + " |")
    lines += ["", "## Paired difference against the default, per data set (both "
              "scalers); the candidate's refitted share, gap and margin", "",
              "| data | " + " | ".join(MODELS[1:]) + " | refitted | gap median "
              "(min, max) | margin | refit iterations median |",
              "| --- | " + " | ".join("---" for _ in MODELS[1:])
              + " | ---: | --- | ---: | ---: |"]
    for data in dict.fromkeys(d for d, _ in keys):
        vals = []
        for m in MODELS[1:]:
            x = _paired(rows, m, lambda d, data=data: d == data)
            vals.append(f"{x.mean():+.4f} +- {_se(x):.4f}")
        c = [r for r in rows if r["data"] == data and r["model"] == CANDIDATE]
        g = [r["gap"] for r in c]
        refit = [r["refit_n_iter"] for r in c if r["refit_n_iter"] is not None]
        n_val = int(np.ceil(0.1 * c[0]["n_train"]))
        lines.append(f"| {data} | " + " | ".join(vals)
                     + f" | {len(refit) / len(c):.2f} | {np.median(g):.3f} "
                     f"({min(g):.3f}, {max(g):.3f}) | {np.sqrt(2 / n_val):.3f} | "
                     + (f"{np.median(refit):.0f}" if refit else "-") + " |")
    vals = []
    for m in MODELS[1:]:
        x = _paired(rows, m, lambda d: True)
        vals.append(f"{x.mean():+.4f} +- {_se(x):.4f}")
    lines.append("| **all cells** | " + " | ".join(vals) + " | | | | |")
    lines += ["", "## Iterations and CPU", "",
              "Median iterations of the fit kept, median CPU seconds per fit (the "
              "candidate: its check plus the fit on all rows), ratio to the default's "
              "median, and the warnings any fit raised.", "",
              "| model | median iterations | median CPU s | CPU ratio | warnings |",
              "| --- | ---: | ---: | ---: | --- |"]
    base_cpu = np.median([r["cpu_s"] for r in rows if r["model"] == DEFAULT])
    for m in MODELS:
        runs = [r for r in rows if r["model"] == m]
        cpu = np.median([r["cpu_s"] for r in runs])
        warned = sorted({w for r in runs for w in r["warnings"]})
        lines.append(f"| {m} | {np.median([r['n_iter'] for r in runs]):.0f} | "
                     f"{cpu:.3f} | {cpu / base_cpu:.2f} | {', '.join(warned) or '-'} |")
    lines.append("")
    lines.append(f"Total CPU of the fits: {sum(r['cpu_s'] for r in rows):.0f} s.")
    return "\n".join(lines) + "\n"


def main():
    parser = add_common_args(argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter),
        quick=False, seeds=False)
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--out", default="regressor_log_link_check_round")
    args = parser.parse_args()
    set_threads(args.threads)
    result = run(args)
    save_result(args.out, result, _markdown)
    print(_markdown(result))


if __name__ == "__main__":
    main()
