"""The start of a signed squared-error output layer: spread 1, 0.5, 0.25 or 0.1.

``NonNegMLPRegressor`` scales every output unit so that its value has a standard
deviation of ``SquaredError.init_std[1]`` = 1 over the data at the start, the
spread of the standardised target itself. A *signed* output layer (the default
``positive="auto"``, which resolves to ``"hidden"``; ``positive=False``; a list
ending in False) adds that spread as an independent random guess: on the 60 x 3
table data of ``doc/reliability.md`` ("Small inputs", ``X`` itself) the starting
training MSE was 0.4 to 3.3 times the constant model's over seeds 0-4, and the
default regressor with ``solver="adam"`` (200 epochs) ended at a training R^2 of
-0.17 at seed 2 (L-BFGS-B: 0.999). The classifier's signed softmax had the same
defect and starts at 0.1 since 74788bd (``signed_softmax_start.py``). This script
measures the candidates for the regressor's squared error, a loss's
``signed_output_init_std`` (``SquaredError``; this script sets the class
attribute for each row; spread 1 is the start before this round, bit for bit).

Preregistered rule (fixed and committed before these numbers were measured)
--------------------------------------------------------------------------
- Candidates: a signed squared-error output layer starts at spread 0.5, 0.25 or
  0.1, against 1 (today's). Non-negative output layers (``positive=True``,
  ``"output"``), the hidden layers and the other losses are unchanged.
- Data: development data only, none of the 10 evaluation splits of
  ``monotone_tabular.py``: diabetes (442 rows); Friedman #1 with 1,000 rows
  (noise 1, ``random_state=0``) and with 200 rows (noise 1,
  ``random_state=3``); Auto MPG (392 rows; skipped without the data folder) on
  ``monotone_autompg_dev.py``'s development splits; each seed ``k`` splits 80/20
  by ``ShuffleSplit(1, test_size=0.2, random_state=1000 + k)``, features scaled
  by a ``StandardScaler`` fitted on the training part. The 60-row data
  ``np.random.default_rng(0).random((60, 3))``, target ``1 + x0 + x1^2 / 2``,
  unscaled (as ``doc/reliability.md`` fits it), held out on 1,000 fresh rows of
  ``np.random.default_rng(1)``. California housing is not available offline:
  not used.
- Networks (``NonNegMLPRegressor``, defaults otherwise, ``random_state=k``): the
  default (100 units, ``positive="auto"``); two hidden layers of 50
  (``positive="auto"``); 100 units with ``positive=False``. Each with L-BFGS-B
  (the default solver) and with Adam (``solver="adam"``, the default
  ``max_iter=200``). Seeds 0, 1, 2.
- Score: held-out R^2 (MSE recorded too).
- Choice: a candidate's *Adam gain* is the mean, over every (data set, network,
  seed) cell, of its Adam held-out R^2 minus spread 1's in the same cell. A
  candidate is *eligible* if its Adam gain is > 0 and, on every data set, its
  L-BFGS-B held-out R^2, averaged over the three networks and three seeds, is
  not lower than spread 1's by more than 0.01. Of the eligible candidates, the
  one with the largest Adam gain is adopted; where others are within 0.005 of
  it, the largest spread among them (the smaller change). If none is eligible,
  the package keeps spread 1.

Also recorded, outside the rule: the training MSE of each starting network
relative to the constant model's (one Adam epoch at a step of 1e-12, as
``signed_softmax_start.py`` measures it; 1 is the constant model's), the warnings
of every fit; and, for the log-link losses, whose signed output layers already
start at ``init_std[1]`` = 0.25 (``log_link_init_spread.md``), the start's
training mean deviance relative to the constant model's and the held-out D^2 of
the default network (``positive="auto"``) under both solvers on
``regressor_small_defaults.py``'s simulated Poisson, Gamma and Tweedie (1.5)
targets (1,000 rows, seeds 0-2, the same development splits). They are not
candidates in this round: no log-link start changes here.

    python benchmarks/signed_regression_start.py [--seeds 0 1 2] [--threads 1]

Results: benchmarks/results/signed_regression_start.{json,md}.

Private imports (sknonneg._*): it sets ``SquaredError.signed_output_init_std``, the
start being measured, which is a constant of the engine, not a parameter.
"""

import argparse
import time
import warnings
from contextlib import contextmanager

import numpy as np
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.metrics import (d2_tweedie_score, mean_squared_error, mean_tweedie_deviance,
                             r2_score)
from sklearn.model_selection import ShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _common import add_common_args, markdown_header, save_result, set_threads

SPREADS = [1.0, 0.5, 0.25, 0.1]  # 1: the start before this round
CANDIDATES = [0.5, 0.25, 0.1]
LBFGSB_TOLERANCE = 0.01
TIE = 0.005
NETWORKS = {
    "default": {},
    "(50, 50)": {"hidden_layer_sizes": (50, 50)},
    "positive=False": {"positive": False},
}
POWER = {"poisson": 1.0, "gamma": 2.0, "tweedie": 1.5}


@contextmanager
def signed_output_spread(spread):
    """``SquaredError.signed_output_init_std`` set to ``spread`` for the block."""
    from sknonneg._engine.losses import SquaredError

    saved = SquaredError.signed_output_init_std
    SquaredError.signed_output_init_std = spread
    try:
        yield
    finally:
        SquaredError.signed_output_init_std = saved


def _split(X, y, seed):
    train, test = next(ShuffleSplit(1, test_size=0.2,
                                    random_state=1000 + seed).split(X))
    return X[train], y[train], X[test], y[test]


def _datasets(data_home, seed):
    """``(name, scaled, X_train, y_train, X_test, y_test)`` for one seed."""
    X, y = load_diabetes(return_X_y=True)
    yield ("diabetes", True, *_split(X, y, seed))
    X, y = make_friedman1(n_samples=1000, noise=1.0, random_state=0)
    yield ("friedman1_1000", True, *_split(X, y, seed))
    X, y = make_friedman1(n_samples=200, noise=1.0, random_state=3)
    yield ("friedman1_200", True, *_split(X, y, seed))
    try:
        from sknonneg.datasets import load_auto_mpg
        X, y = load_auto_mpg(data_home=data_home, return_X_y=True)
        yield ("autompg_dev", True, *_split(X.to_numpy(), y.to_numpy(), seed))
    except (OSError, ValueError) as exc:
        if seed == 0:
            print(f"Auto MPG skipped: {exc}")

    X = np.random.default_rng(0).random((60, 3))
    X_te = np.random.default_rng(1).random((1000, 3))
    yield ("small60", False, X, 1 + X[:, 0] + X[:, 1] ** 2 / 2,
           X_te, 1 + X_te[:, 0] + X_te[:, 1] ** 2 / 2)


def _fit(est, scaled, X, y):
    model = make_pipeline(StandardScaler(), est) if scaled else est
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.process_time()
        model.fit(X, y)
        cpu = time.process_time() - start
    return model, cpu, sorted({type(w.message).__name__ for w in caught})


def _start_ratio(model, X, y, loss="squared_error"):
    """Training loss of the (started) model relative to the constant model's."""
    pred = model.predict(X)
    if loss == "squared_error":
        return float(np.mean((pred - y) ** 2) / np.var(y))
    const = np.full_like(y, np.mean(y), dtype=float)
    return float(mean_tweedie_deviance(y, pred, power=POWER[loss])
                 / mean_tweedie_deviance(y, const, power=POWER[loss]))


def _squared_error_rows(args):
    from sknonneg import NonNegMLPRegressor

    rows = []
    for seed in args.seeds:
        for data, scaled, X_tr, y_tr, X_te, y_te in _datasets(args.data_home, seed):
            for network, params in NETWORKS.items():
                for spread in SPREADS:
                    with signed_output_spread(spread):
                        model, _, _ = _fit(NonNegMLPRegressor(
                            solver="adam", max_iter=1, learning_rate_init=1e-12,
                            random_state=seed, **params), scaled, X_tr, y_tr)
                    start_ratio = _start_ratio(model, X_tr, y_tr)
                    for solver in ("lbfgsb", "adam"):
                        with signed_output_spread(spread):
                            model, cpu, caught = _fit(NonNegMLPRegressor(
                                solver=solver, random_state=seed, **params),
                                scaled, X_tr, y_tr)
                        pred = model.predict(X_te)
                        rows.append({
                            "data": data, "network": network, "spread": spread,
                            "solver": solver, "seed": seed,
                            "n_train": int(len(y_tr)), "n_test": int(len(y_te)),
                            "start_mse_ratio": start_ratio,
                            "n_iter": int(model[-1].n_iter_ if scaled
                                          else model.n_iter_),
                            "r2": float(r2_score(y_te, pred)),
                            "mse": float(mean_squared_error(y_te, pred)),
                            "train_r2": float(model.score(X_tr, y_tr)),
                            "cpu_s": cpu, "warnings": caught})
                        print(rows[-1], flush=True)
    return rows


def _log_link_rows(args):
    """Outside the rule: the log-link losses' start at their spread 0.25."""
    from regressor_small_defaults import _simulated

    from sknonneg import NonNegMLPRegressor

    rows = []
    for loss, n, data_seed in (("poisson", 1000, 10), ("gamma", 1000, 11),
                               ("tweedie", 1000, 12)):
        X, y = _simulated(loss, n, data_seed)
        for seed in args.seeds:
            X_tr, y_tr, X_te, y_te = _split(X, y, seed)
            model, _, _ = _fit(NonNegMLPRegressor(
                loss=loss, solver="adam", max_iter=1, learning_rate_init=1e-12,
                random_state=seed), True, X_tr, y_tr)
            start_ratio = _start_ratio(model, X_tr, y_tr, loss)
            for solver in ("lbfgsb", "adam"):
                model, cpu, caught = _fit(NonNegMLPRegressor(
                    loss=loss, solver=solver, random_state=seed), True, X_tr, y_tr)
                rows.append({
                    "loss": loss, "solver": solver, "seed": seed,
                    "start_deviance_ratio": start_ratio,
                    "d2": float(d2_tweedie_score(y_te, model.predict(X_te),
                                                 power=POWER[loss])),
                    "cpu_s": cpu, "warnings": caught})
                print(rows[-1], flush=True)
    return rows


def _runs(rows, **where):
    return [r for r in rows if all(r.get(k) == v for k, v in where.items())]


def _mean(rows, key="r2", **where):
    return float(np.mean([r[key] for r in _runs(rows, **where)]))


def _paired(rows, spread, solver, key="r2", **where):
    """Per cell, the candidate's score minus spread 1's."""
    base = {(r["data"], r["network"], r["seed"]): r[key]
            for r in _runs(rows, spread=1.0, solver=solver, **where)}
    return np.array([r[key] - base[(r["data"], r["network"], r["seed"])]
                     for r in _runs(rows, spread=spread, solver=solver, **where)])


def decide(rows):
    """The preregistered rule (module docstring) applied to ``rows``."""
    datasets = list(dict.fromkeys(r["data"] for r in rows))
    candidates = {}
    for spread in CANDIDATES:
        gain = float(_paired(rows, spread, "adam").mean())
        checks = []
        for data in datasets:
            old = _mean(rows, data=data, solver="lbfgsb", spread=1.0)
            new = _mean(rows, data=data, solver="lbfgsb", spread=spread)
            checks.append({"data": data, "spread_1": old, "candidate": new,
                           "difference": new - old,
                           "passes": bool(new >= old - LBFGSB_TOLERANCE - 1e-12)})
        candidates[spread] = {
            "adam_gain": gain, "lbfgsb_checks": checks,
            "eligible": bool(gain > 0 and all(c["passes"] for c in checks))}
    eligible = [s for s in CANDIDATES if candidates[s]["eligible"]]
    adopted = None
    if eligible:
        best = max(candidates[s]["adam_gain"] for s in eligible)
        adopted = max(s for s in eligible
                      if candidates[s]["adam_gain"] >= best - TIE - 1e-12)
    return {"candidates": {str(s): c for s, c in candidates.items()},
            "adopted": adopted}


def main():
    parser = add_common_args(argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter),
        quick=False)
    args = parser.parse_args()
    set_threads(args.threads)
    rows = _squared_error_rows(args)
    log_rows = _log_link_rows(args)
    result = {"spreads": SPREADS, "candidates": CANDIDATES,
              "lbfgsb_tolerance": LBFGSB_TOLERANCE, "tie": TIE,
              "seeds": args.seeds, "networks": {k: {p: list(v) if isinstance(v, tuple)
                                                    else v for p, v in d.items()}
                                                for k, d in NETWORKS.items()},
              "rows": rows, "log_link_rows": log_rows}
    result["decision"] = decide(rows)
    save_result("signed_regression_start", result, _markdown)
    print(_markdown(result))


def _fmt(values):
    return f"{np.mean(values):.4f} ({np.min(values):.4f})"


def _markdown(result):
    rows = result["rows"]
    lines = (markdown_header(result["record"], "The start of a signed squared-error "
                             "output layer") if result.get("record") else [])
    lines += [
        "**Preregistered rule** (fixed and committed before these numbers were "
        "measured; the docstring of `benchmarks/signed_regression_start.py`): "
        "candidates 0.5, 0.25 and 0.1 for the spread of a signed squared-error "
        "output layer's values at the start (1 before). A candidate's Adam gain: "
        "the mean over every (data set, network, seed) cell of its Adam held-out "
        "R^2 minus spread 1's. Eligible: Adam gain > 0, and on every data set its "
        f"L-BFGS-B held-out R^2 (mean of 3 networks x {len(result['seeds'])} seeds) "
        f"not lower than spread 1's by more than {result['lbfgsb_tolerance']}. "
        "Adopted: the eligible candidate with the largest Adam gain (within "
        f"{result['tie']} of it, the largest spread); none eligible: spread 1 "
        "stays.", "",
        "Development data only (none of `monotone_tabular.py`'s evaluation "
        "splits): seed k splits 80/20 by `ShuffleSplit(1, test_size=0.2, "
        "random_state=1000 + k)`, features standardised on the training part; "
        "`small60`: the 60 x 3 table data of `doc/reliability.md` (unscaled), held "
        "out on 1,000 fresh rows. Networks: `default` (100 units, "
        "`positive=\"auto\"`, i.e. `\"hidden\"`), `(50, 50)` (`\"auto\"`), "
        "`positive=False` (100 units); L-BFGS-B and Adam at their defaults "
        f"(`max_iter=200`). Seeds {', '.join(map(str, result['seeds']))}. Each "
        "cell: held-out R^2, mean (worst) over the seeds. \"start\": training MSE "
        "of the starting network over the constant model's (median over seeds).",
        ""]
    spreads = result["spreads"]
    lines += ["| data | network | spread | start | L-BFGS-B | Adam | Adam warnings |",
              "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for data in dict.fromkeys(r["data"] for r in rows):
        for network in dict.fromkeys(r["network"] for r in rows):
            for spread in spreads:
                where = dict(data=data, network=network, spread=spread)
                adam = _runs(rows, solver="adam", **where)
                lbfgsb = _runs(rows, solver="lbfgsb", **where)
                warned = sorted({w for r in adam for w in r["warnings"]})
                lines.append(
                    f"| {data} | {network} | {spread:g} | "
                    f"{np.median([r['start_mse_ratio'] for r in adam]):.2f} | "
                    f"{_fmt([r['r2'] for r in lbfgsb])} | {_fmt([r['r2'] for r in adam])}"
                    f" | {', '.join(w.replace('Warning', '') for w in warned) or '-'} |")
    lines += ["", "Per data set, mean held-out R^2 over networks and seeds:", "",
              "| data | solver | " + " | ".join(f"{s:g}" for s in spreads) + " |",
              "| --- | --- | " + " | ".join("---:" for _ in spreads) + " |"]
    for data in dict.fromkeys(r["data"] for r in rows):
        for solver in ("lbfgsb", "adam"):
            lines.append(f"| {data} | {solver} | " + " | ".join(
                f"{_mean(rows, data=data, solver=solver, spread=s):.4f}"
                for s in spreads) + " |")
    decision = result["decision"]
    lines += ["", "### Decision", "",
              "| candidate | Adam gain (mean paired R^2) | worst L-BFGS-B data set "
              "(difference) | eligible |", "| ---: | ---: | --- | --- |"]
    for spread, c in decision["candidates"].items():
        worst = min(c["lbfgsb_checks"], key=lambda k: k["difference"])
        lines.append(f"| {spread} | {c['adam_gain']:+.4f} | {worst['data']} "
                     f"({worst['difference']:+.4f}) | "
                     f"{'yes' if c['eligible'] else 'no'} |")
    adopted = decision["adopted"]
    lines += ["", "Adopted: " + (f"**{adopted:g}**" if adopted is not None
                                  else "**none** (the package keeps spread 1)") + "."]
    log_rows = result.get("log_link_rows") or []
    if log_rows:
        lines += ["", "### Log-link losses (outside the rule; their spread 0.25)", "",
                  "Simulated targets of `regressor_small_defaults.py` (1,000 rows, "
                  "the same splits), the default network: the start's training mean "
                  "deviance over the constant model's (median), held-out D^2, mean "
                  "(worst) over the seeds.", "",
                  "| loss | start | L-BFGS-B D^2 | Adam D^2 | warnings |",
                  "| --- | ---: | ---: | ---: | --- |"]
        for loss in dict.fromkeys(r["loss"] for r in log_rows):
            runs = _runs(log_rows, loss=loss)
            warned = sorted({w for r in runs for w in r["warnings"]})
            lines.append(
                f"| {loss} | "
                f"{np.median([r['start_deviance_ratio'] for r in runs]):.3f} | "
                f"{_fmt([r['d2'] for r in _runs(runs, solver='lbfgsb')])} | "
                f"{_fmt([r['d2'] for r in _runs(runs, solver='adam')])} | "
                f"{', '.join(w.replace('Warning', '') for w in warned) or '-'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
