"""Early stopping with a refit on all rows, for ``NonNegMLPRegressor`` below 10,000 rows.

The default regressor (full-batch L-BFGS-B, ``l2=1e-4``, ``early_stopping="auto"``:
on only above 10,000 rows) over-fits small noisy data (5-fold R^2 about 0.09 on
standardised diabetes, where ``early_stopping=True`` gives about 0.46). Early
stopping by default below 10,000 rows was measured and not adopted
(``doc/defaults.md``, eighth, eleventh and thirteenth rounds): holding 10% of the
rows out cost clean small data about 0.005 R^2. This round measures a candidate
those rounds did not: **early stopping with a refit**. Hold out
``validation_fraction``, find the iteration of the best held-out score, then fit
again on *all* rows from the same start for that many iterations ("CV for the
number of rounds, then refit", as with gradient boosting).

    python benchmarks/regressor_refit_round.py [--splits 10] [--threads 1]

What "the iteration of the best held-out score" is
--------------------------------------------------
Under full-batch L-BFGS-B early stopping scores the held-out rows after *every*
iteration (the solver's callback; the default ``scoring="loss"``: minus the
held-out squared error of the standardised targets) and keeps the parameters of
the best score, the first of equal ones (``validation_scores_`` holds one score
per iteration, so the best iteration is ``argmax(validation_scores_) + 1``). The
default ``gain="auto"`` anneals 1 -> 2 over 5 L-BFGS-B runs (stages) of
``max_iter / 5`` iterations; a stall of the held-out score (no improvement on the
stage's own best by ``tol`` for ``n_iter_no_change`` checks) ends a stage early and
hands its unused iterations to the next stage. So the best iterate is defined by
the stages the early-stopping fit ran (their gains and lengths), not by a count
alone.

The refit (this script's definition, fixed before any run)
-----------------------------------------------------------
"ES + refit" replays the early-stopping fit's stages on all training rows: stage
``s`` at the gain that stage had, for the number of iterations it ran, stopping
after the stage and iteration of the best held-out score. It starts where a fit
without early stopping starts (the same ``random_state``: the same hidden
weights, drawn before the validation split; the output layer fitted to all rows).
It is run through the public API as warm starts: a fit at the first stage's gain
(a float) for that stage's iterations, then ``warm_start=True`` with the next
stage's gain and iterations, and so on. (Checked before this round: the five
warm-started stages of 40 iterations at ``gain_schedule((1, 2), 5)`` reproduce
``NonNegMLPRegressor()``'s 200-iteration fit bit for bit. A fit whose held-out
score never stalls and is best at its last iteration is therefore refitted to
exactly the default fit.) The stage lengths are read from the early-stopping
fit's ``verbose=2`` log ("stage s/5: ... iterations=n"); the log is captured,
not printed, and its cost is inside the timed early-stopping fit.

"ES + refit + allowance": the same, with the iterations scaled by the ratio of
the rows, ``1 / (1 - validation_fraction)`` = 10/9: the replayed stages'
cumulative ends ``c`` become ``min(max_iter, ceil(10 c / 9))`` (a stage whose
length becomes 0 is skipped), so every stage grows by about a ninth and the
refit never runs more than ``max_iter`` iterations.

Reported, not eligible: ``early_stopping=True`` (the fit on 90% of the rows that
the refits start from; the earlier rounds decided on it), and "ES + refit,
max_iter": a clone with ``early_stopping=False`` and ``max_iter`` = the best
iteration, which anneals the gain over 5 stages of that shorter length (what a
user can write without the stage lengths).

Data (none used by an earlier round's decision; Auto MPG and COMPAS not used)
------------------------------------------------------------------------------
Eight data sets in the rule, fresh seeds:

- Friedman #1 (``make_friedman1``, 10 features, 5 used) with 150, 400 and 1,000
  rows, each with noise 1 and noise 5 (six data sets, ``random_state`` 20-25 in
  the order 150/1, 150/5, 400/1, 400/5, 1000/1, 1000/5);
- ``make_regression(400, 20, n_informative=4, noise=60, random_state=26)``: a
  linear target with few informative features, signal-to-noise about 4;
- a smooth low-noise function where over-fitting costs nothing:
  ``x ~ U(0, 1)^5`` (600 rows, ``RandomState(27)``),
  ``y = sin(3 x0) + x1^2 + x2 x3 + N(0, 0.05^2)`` (``x4`` unused).

Context, outside the rule: diabetes (442 rows, the same splits) and the 60-row
data of ``signed_regression_start.py`` (``default_rng(0).random((60, 3))``,
``y = 1 + x0 + x1^2 / 2``, scored on its 1,000 fresh rows of ``default_rng(1)``,
each "split" k there only the seed k).

Protocol
--------
10 random 80/20 splits, ``ShuffleSplit(10, test_size=0.2, random_state=1)``,
decided before the run (a fit takes about 0.3 CPU s; the whole run should take a
few CPU minutes on one thread). Both ``StandardScaler`` and ``MinMaxScaler``,
fitted on the training part. Every network seeded by the split index
(``random_state=k``), defaults otherwise. Score: test R^2. A cell is (data set,
scaler, split); a paired difference is the candidate's R^2 minus the current
default's in the same cell. CPU seconds per fit (``time.process_time``, one
thread): a refit candidate's time is its early-stopping fit plus its refit.

Decision rule (fixed and committed before the run)
---------------------------------------------------
A refit candidate ("ES + refit", "ES + refit + allowance") is *eligible* if

1. its mean paired R^2 gain over all 160 cells of the eight data sets
   (8 x 2 scalers x 10 splits) is >= +0.01, and
2. on no data set (its 20 cells: both scalers, all splits) is its mean paired
   difference below -0.005.

Of the eligible candidates the one with the larger mean gain is adopted, except
that where both are eligible and their mean gains are within 0.002 of each other,
"ES + refit" (no allowance) is. The adopted candidate becomes what
``early_stopping="auto"`` does for the regressor below 10,000 rows; the classifier
is unchanged. If neither is eligible, nothing changes in the estimator, and the
round is written up as measured and not adopted. The context data and the
reported arms do not enter the rule, and the fit-time ratio (reported) does not
either. Results: ``benchmarks/results/regressor_refit_round.{json,md}``.

Result (the run at 4363c1f, after the rule above was committed): **not adopted**.
Mean paired gains over the 160 cells were +0.191 ("ES + refit") and +0.209 (with
the allowance), but clean Friedman #1 lost more than 0.005: -0.023, -0.014 and
-0.007 at 150, 400 and 1,000 rows (with the allowance -0.020, -0.009, -0.004).
``doc/defaults.md``, fourteenth round, has the write-up.

Private imports (sknonneg._*): ``gain_schedule`` (``sknonneg._solvers.schedules``)
gives the gains of the default's 5 L-BFGS-B stages, so that the replayed stages run
at exactly the gains the early-stopping fit had; no public API hands them out.
"""

import argparse
import contextlib
import io
import math
import re
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_diabetes, make_friedman1, make_regression
from sklearn.model_selection import ShuffleSplit
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from _common import add_common_args, markdown_header, save_result, set_threads

DEFAULT = "default"
ES = "early_stopping=True"
REFIT = "ES + refit"
ALLOWANCE = "ES + refit + allowance"
COMPRESSED = "ES + refit, max_iter"
MODELS = (DEFAULT, ES, REFIT, ALLOWANCE, COMPRESSED)
ELIGIBLE = (REFIT, ALLOWANCE)
MIN_GAIN, MAX_LOSS, TIE = 0.01, -0.005, 0.002
STAGE = re.compile(r"stage (\d+)/(\d+): .*?iterations=(\d+)")


def _friedman(n, noise, seed):
    return make_friedman1(n_samples=n, noise=noise, random_state=seed)


def _smooth(n=600, seed=27):
    rng = np.random.RandomState(seed)
    X = rng.uniform(size=(n, 5))
    y = (np.sin(3 * X[:, 0]) + X[:, 1] ** 2 + X[:, 2] * X[:, 3]
         + rng.normal(scale=0.05, size=n))
    return X, y


def _datasets():
    """``(name, in_rule, X, y)``."""
    seed = 20
    for n in (150, 400, 1000):
        for noise in (1, 5):
            yield f"friedman1_{n}_noise{noise}", True, *_friedman(n, noise, seed)
            seed += 1
    X, y = make_regression(400, 20, n_informative=4, noise=60.0, random_state=26)
    yield "make_regression_400", True, X, y
    yield "smooth_600", True, *_smooth()
    yield "diabetes", False, *load_diabetes(return_X_y=True)


def _small60():
    X = np.random.default_rng(0).random((60, 3))
    X_te = np.random.default_rng(1).random((1000, 3))
    return (X, 1 + X[:, 0] + X[:, 1] ** 2 / 2,
            X_te, 1 + X_te[:, 0] + X_te[:, 1] ** 2 / 2)


def _splits(name, X, y, n_splits):
    """``(k, X_train, y_train, X_test, y_test)``."""
    if name == "small60":
        X, y, X_te, y_te = _small60()
        for k in range(n_splits):
            yield k, X, y, X_te, y_te
        return
    for k, (tr, te) in enumerate(ShuffleSplit(n_splits, test_size=0.2,
                                              random_state=1).split(X)):
        yield k, X[tr], y[tr], X[te], y[te]


def _quiet_fit(est, X, y):
    """``est.fit(X, y)`` with its warnings recorded and its log captured:
    ``(est, warning names, log, cpu s)``."""
    buf = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, \
            contextlib.redirect_stdout(buf):
        warnings.simplefilter("always")
        start = time.process_time()
        est.fit(X, y)
        cpu = time.process_time() - start
    return est, sorted({type(w.message).__name__ for w in caught}), buf.getvalue(), cpu


def _stages(log, n_stages):
    """The iterations each stage of a logged ``verbose=2`` fit ran."""
    found = [(int(s), int(n)) for s, total, n in STAGE.findall(log)]
    assert [s for s, _ in found] == list(range(1, len(found) + 1)), found
    return [n for _, n in found]


def _replay(stages, best_iter, factor, max_iter):
    """Stage lengths of a refit: ``stages`` cut after iteration ``best_iter``, their
    cumulative ends scaled by ``factor`` (rounded up, at most ``max_iter``)."""
    ends, total = [], 0
    for n in stages:
        end = min(total + n, best_iter)
        ends.append(end)
        total += n
        if end == best_iter:
            break
    scaled = [min(max_iter, math.ceil(factor * e - 1e-9)) for e in ends]
    return np.diff([0, *scaled]).tolist()


def _refit(base, gains, lengths, X, y):
    """Warm-started stages (``lengths[s]`` iterations at ``gains[s]``) on all rows."""
    est, names, cpu = None, set(), 0.0
    for s, n in enumerate(lengths):
        if n == 0:
            continue
        step = (clone(base).set_params(early_stopping=False)
                if est is None else est.set_params(warm_start=True))
        step.set_params(gain=float(gains[s]), max_iter=int(n))
        est, caught, _, seconds = _quiet_fit(step, X, y)
        names.update(caught)
        cpu += seconds
    return est, sorted(names), cpu


def run(args):
    from sknonneg import NonNegMLPRegressor
    from sknonneg._solvers.schedules import gain_schedule

    rows, stage_rows = [], []
    datasets = [*_datasets(), ("small60", False, None, None)]
    for name, in_rule, X, y in datasets:
        for k, X_tr, y_tr, X_te, y_te in _splits(name, X, y, args.splits):
            for scaler in (StandardScaler, MinMaxScaler):
                sc = scaler().fit(X_tr)
                A, B = sc.transform(X_tr), sc.transform(X_te)
                base = NonNegMLPRegressor(random_state=k)
                gains = gain_schedule((1.0, 2.0), 5)
                fits = {}
                est, caught, _, cpu = _quiet_fit(clone(base), A, y_tr)
                fits[DEFAULT] = (est, caught, cpu, est.n_iter_)
                es, caught, log, es_cpu = _quiet_fit(
                    clone(base).set_params(early_stopping=True, verbose=2), A, y_tr)
                fits[ES] = (es, caught, es_cpu, es.n_iter_)
                best = int(np.argmax(es.validation_scores_)) + 1
                stages = _stages(log, 5)
                assert sum(stages) == es.n_iter_, (stages, es.n_iter_)
                frac = es.validation_fraction
                for model, factor in ((REFIT, 1.0), (ALLOWANCE, 1.0 / (1.0 - frac))):
                    lengths = _replay(stages, best, factor, base.max_iter)
                    est, caught, cpu = _refit(base, gains, lengths, A, y_tr)
                    fits[model] = (est, caught, es_cpu + cpu, int(sum(lengths)))
                    stage_rows.append({"data": name, "scaler": scaler.__name__,
                                       "split": k, "model": model,
                                       "es_stages": stages, "best_iter": best,
                                       "refit_stages": lengths})
                est, caught, _, cpu = _quiet_fit(
                    clone(base).set_params(max_iter=best), A, y_tr)
                fits[COMPRESSED] = (est, caught, es_cpu + cpu, est.n_iter_)
                for model in MODELS:
                    est, caught, cpu, n_iter = fits[model]
                    rows.append({
                        "data": name, "in_rule": in_rule, "split": k,
                        "scaler": scaler.__name__, "model": model,
                        "r2": float(est.score(B, y_te)),
                        "train_r2": float(est.score(A, y_tr)),
                        "n_iter": int(n_iter), "cpu_s": cpu, "warnings": caught})
                print(name, scaler.__name__, k, best, stages,
                      {m: round(r["r2"], 4) for m, r in
                       zip(MODELS, rows[-len(MODELS):])}, flush=True)
    return {"splits": args.splits, "rows": rows, "stages": stage_rows}


def _paired(rows, model, keep):
    by = {(r["data"], r["scaler"], r["split"], r["model"]): r["r2"] for r in rows}
    return np.array([by[(d, s, k, model)] - by[(d, s, k, DEFAULT)]
                     for (d, s, k, m) in by if m == DEFAULT and keep(d, s)])


def _se(x):
    return x.std(ddof=1) / np.sqrt(x.size) if x.size > 1 else float("nan")


def decide(rows):
    """``(adopted or None, {model: (mean gain, worst data set, its mean, eligible)})``."""
    rule = sorted({r["data"] for r in rows if r["in_rule"]})
    verdict = {}
    for model in ELIGIBLE:
        gain = _paired(rows, model, lambda d, s: d in rule).mean()
        per = {d: _paired(rows, model, lambda dd, s, d=d: dd == d).mean() for d in rule}
        worst = min(per, key=per.get)
        verdict[model] = (gain, worst, per[worst],
                          bool(gain >= MIN_GAIN and per[worst] >= MAX_LOSS))
    eligible = [m for m in ELIGIBLE if verdict[m][3]]
    if not eligible:
        return None, verdict
    if len(eligible) == 2 and abs(verdict[REFIT][0] - verdict[ALLOWANCE][0]) <= TIE:
        return REFIT, verdict
    return max(eligible, key=lambda m: verdict[m][0]), verdict


def _markdown(result):
    rows = result["rows"]
    lines = (markdown_header(result["record"], "NonNegMLPRegressor: early stopping "
                             "with a refit on all rows") if result.get("record") else [])
    adopted, verdict = decide(rows)
    lines += [
        f"Test R^2, mean over {result['splits']} random 80/20 splits (ShuffleSplit, "
        "random_state=1; each network seeded by the split) and, where stated, both "
        "scalers (fitted on the training part). Paired: the model's R^2 minus the "
        "default's in the same cell, mean +- standard error. Candidates and rule: "
        "the module docstring (fixed before the run).", "",
        "## The rule", ""]
    for model, (gain, worst, low, ok) in verdict.items():
        lines.append(f"- {model}: mean paired gain over the 160 cells {gain:+.4f} "
                     f"(needs >= {MIN_GAIN:+.3f}); worst data set {worst} {low:+.4f} "
                     f"(needs >= {MAX_LOSS:+.3f}): "
                     f"{'eligible' if ok else 'not eligible'}.")
    lines += ["", f"**{'Adopted: ' + adopted if adopted else 'Not adopted'}.**", "",
              "## Test R^2 per data set and scaler", "",
              "| data | in rule | scaler | " + " | ".join(MODELS) + " |",
              "| --- | --- | --- | " + " | ".join("---:" for _ in MODELS) + " |"]
    keys = list(dict.fromkeys((r["data"], r["in_rule"], r["scaler"]) for r in rows))
    for data, in_rule, scaler in keys:
        cell = [r for r in rows if (r["data"], r["scaler"]) == (data, scaler)]
        lines.append(f"| {data} | {'yes' if in_rule else 'context'} | {scaler} | "
                     + " | ".join(f"{np.mean([r['r2'] for r in cell if r['model'] == m]):.4f}"
                                  for m in MODELS) + " |")
    others = MODELS[1:]
    lines += ["", "## Paired difference against the default, per data set (both "
              "scalers)", "",
              "| data | in rule | " + " | ".join(others) + " |",
              "| --- | --- | " + " | ".join("---" for _ in others) + " |"]
    for data, in_rule in dict.fromkeys((d, i) for d, i, _ in keys):
        vals = []
        for m in others:
            x = _paired(rows, m, lambda d, s, data=data: d == data)
            vals.append(f"{x.mean():+.4f} +- {_se(x):.4f}")
        lines.append(f"| {data} | {'yes' if in_rule else 'context'} | "
                     + " | ".join(vals) + " |")
    rule = {r["data"] for r in rows if r["in_rule"]}
    vals = []
    for m in others:
        x = _paired(rows, m, lambda d, s: d in rule)
        vals.append(f"{x.mean():+.4f} +- {_se(x):.4f}")
    lines.append("| **all rule cells** | yes | " + " | ".join(vals) + " |")
    lines += ["", "## Iterations and CPU", "",
              "Median iterations (for the refits: the iterations of the refit; the "
              "early-stopping fit before it ran `early_stopping=True`'s), median CPU "
              "seconds per fit (a refit: its early-stopping fit plus the refit) and "
              "the ratio of the medians to the default's, over the rule's cells; the "
              "warnings any fit raised (the refits' own fits stop at their "
              "iteration count and warn ConvergenceWarning by construction).", "",
              "| model | median iterations | median CPU s | CPU ratio | warnings |",
              "| --- | ---: | ---: | ---: | --- |"]
    base_cpu = np.median([r["cpu_s"] for r in rows if r["in_rule"]
                          and r["model"] == DEFAULT])
    for m in MODELS:
        runs = [r for r in rows if r["in_rule"] and r["model"] == m]
        cpu = np.median([r["cpu_s"] for r in runs])
        warned = sorted({w for r in runs for w in r["warnings"]})
        lines.append(f"| {m} | {np.median([r['n_iter'] for r in runs]):.0f} | "
                     f"{cpu:.3f} | {cpu / base_cpu:.2f} | {', '.join(warned) or '-'} |")
    lines += ["", "Best held-out iteration of the early-stopping fit per data set "
              "(median and range over scalers and splits):", "",
              "| data | median | min | max |", "| --- | ---: | ---: | ---: |"]
    for data in dict.fromkeys(d for d, _, _ in keys):
        best = [s["best_iter"] for s in result["stages"]
                if s["data"] == data and s["model"] == REFIT]
        lines.append(f"| {data} | {np.median(best):.0f} | {min(best)} | {max(best)} |")
    return "\n".join(lines) + "\n"


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False, seeds=False)
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--out", default="regressor_refit_round")
    args = parser.parse_args()
    set_threads(args.threads)
    result = run(args)
    save_result(args.out, result, _markdown)
    print(_markdown(result))


if __name__ == "__main__":
    main()
