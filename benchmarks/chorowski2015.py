"""Reproduce the experiments of Chorowski & Zurada (2015) with NonNegMLPClassifier.

"Learning understandable neural networks with nonnegative weight constraints",
IEEE TNNLS 26(1). Table I of the paper gives, per experiment, the hidden size and the
penalties of its objective (1); we map pH1 -> l1[0], pC1 -> l1[1], pH2 -> l2[0],
pC2 -> l2[1], pS -> activity_l1, and anneal the sigmoid gain from 1 to 2 as the
paper does. The paper does not give iteration counts or batch sizes; ours are in the
row specifications below.

Rows (block "paper": Table I settings; block "ours": our own settings):

* reduced MNIST (digits 1, 2, 6; 10 hidden units; 3 outputs), full-batch L-BFGS-B;
* full MNIST (150 hidden units), the paper's stratified mini-batch scheme (each
  epoch, ``steps_per_batch`` L-BFGS-B steps on each stratified batch);
* Reuters-21578 ModApte top-10 (15 hidden units), bag of words log(1 + count),
  every multi-label training document used once per label, a test document correct
  when the predicted class is one of its labels; full-batch L-BFGS-B.

Block "ours" (full MNIST): the same network without the L1 and activity penalties
(l2 = 1e-6 on the output layer only), trained with the estimator's projected Adam
(batch 128, learning rate 6e-3 decayed linearly over 30 epochs, gain still annealed
1 -> 2), for both the non-negative and the unconstrained network.

For each row: test error over the seeds (mean, std, min, max), fit time (wall and
CPU seconds of the process; the benchmark machine is shared, so the load average at
the start of each fit is recorded too), fraction of zero weights per layer
(``|w| <= 1e-6 max|w|``) and the paper's figure.

Usage (from the repository root)::

    python benchmarks/chorowski2015.py                      # every row, seeds 0 1 2
    python benchmarks/chorowski2015.py --rows full_pos --seeds 0
    python benchmarks/chorowski2015.py --quick              # smoke run

Results are merged row by row into ``benchmarks/results/chorowski2015.json`` (a
row is replaced when it is run again) and ``chorowski2015.md`` is rewritten from
the JSON. With ``--save-models`` the seed-0 networks are pickled to
``benchmarks/results/models/`` (git-ignored) for ``compare_features.py``.
"""

import argparse
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS,
    Timer,
    add_common_args,
    load_json,
    machine,
    mnist,
    pct,
    reuters,
    reuters_error,
    save_json,
    set_threads,
)

from sknonneg import NonNegMLPClassifier  # noqa: E402
from sknonneg.inspection import weight_sparsity  # noqa: E402

# paper: (error, minutes of training) as printed in the paper
ROWS = {
    # ---------------- block "paper": Table I settings --------------------------
    "reduced_unc": dict(block="paper", data="reduced", positive=False, hidden=10,
                        l1=[1e-4, 0.0], l2=[0.0, 1e-4], activity_l1=0.0,
                        batch_size=None, max_iter=200, paper_error=0.010),
    "reduced_pos": dict(block="paper", data="reduced", positive=True, hidden=10,
                        l1=[3e-4, 0.0], l2=[0.0, 1e-4], activity_l1=0.0,
                        batch_size=None, max_iter=200, paper_error=0.015),
    "full_unc": dict(block="paper", data="mnist", positive=False, hidden=150,
                     l1=[0.0, 0.0], l2=[0.0, 1e-4], activity_l1=0.0,
                     batch_size=2500, steps_per_batch=3, max_iter=30,
                     paper_error=0.024, paper_minutes=15),
    "full_pos": dict(block="paper", data="mnist", positive=True, hidden=150,
                     l1=[1e-5, 1e-4], l2=[0.0, 3e-6], activity_l1=1e-3,
                     batch_size=2500, steps_per_batch=3, max_iter=30,
                     paper_error=0.049, paper_minutes=37),
    "reuters_unc": dict(block="paper", data="reuters", positive=False, hidden=15,
                        l1=[1e-4, 3e-4], l2=[0.0, 3e-4], activity_l1=0.0,
                        batch_size=None, max_iter=150, paper_error=0.124),
    "reuters_pos": dict(block="paper", data="reuters", positive=True, hidden=15,
                        l1=[1e-4, 3e-4], l2=[0.0, 3e-4], activity_l1=0.0,
                        batch_size=None, max_iter=150, paper_error=0.128),
    # ---------------- block "ours": our own settings ---------------------------
    "full_pos_ours": dict(block="ours", data="mnist", positive=True, hidden=150,
                          l1=[0.0, 0.0], l2=[0.0, 1e-6], activity_l1=0.0,
                          solver="adam", batch_size=128, learning_rate_init=6e-3,
                          learning_rate="linear", max_iter=30, paper_error=0.049,
                          paper_minutes=37),
    "full_unc_ours": dict(block="ours", data="mnist", positive=False, hidden=150,
                          l1=[0.0, 0.0], l2=[0.0, 1e-6], activity_l1=0.0,
                          solver="adam", batch_size=128, learning_rate_init=6e-3,
                          learning_rate="linear", max_iter=30, paper_error=0.024,
                          paper_minutes=15),
}

LABELS = {
    "reduced": "Reduced MNIST (1, 2, 6)",
    "mnist": "Full MNIST",
    "reuters": "Reuters-21578 top 10",
}


def make_estimator(spec, seed, quick):
    max_iter = spec["max_iter"]
    if quick:
        max_iter = 2 if spec["batch_size"] else 30
    return NonNegMLPClassifier(
        hidden_layer_sizes=(spec["hidden"],), positive=spec["positive"],
        gain=(1.0, 2.0), l1=spec["l1"], l2=spec["l2"],
        early_stopping=False,  # the paper's protocol (and the recorded runs): none
        activity_l1=spec["activity_l1"], output="softmax",
        solver=spec.get("solver", "lbfgsb"),
        learning_rate_init=spec.get("learning_rate_init", 1e-3),
        learning_rate=spec.get("learning_rate", "constant"),
        batch_size=(min(spec["batch_size"], 1000) if quick and spec["batch_size"]
                    else spec["batch_size"]),
        steps_per_batch=spec.get("steps_per_batch", 3), max_iter=max_iter,
        dtype="float32", random_state=seed,
    )


def load_data(kind, data_home, quick, cache):
    if kind not in cache:
        if kind == "reduced":
            cache[kind] = mnist(data_home, digits=[1, 2, 6], quick=quick)
        elif kind == "mnist":
            cache[kind] = mnist(data_home, quick=quick)
        else:
            bow = reuters(data_home, quick=quick)
            cache[kind] = (bow.Xe, bow.ye, bow, None)
    return cache[kind]


def run_row(name, spec, seeds, data_home, quick, cache, models_dir):
    X, y, X_test, y_test = load_data(spec["data"], data_home, quick, cache)
    runs = []
    for seed in seeds:
        est = make_estimator(spec, seed, quick)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            with Timer() as t:
                est.fit(X, y)
        if spec["data"] == "reuters":
            err = reuters_error(est, X_test)
        else:
            err = 1.0 - est.score(X_test, y_test)
        sp = weight_sparsity(est)
        run = dict(seed=seed, test_error=float(err), fit_wall_s=t.wall, fit_cpu_s=t.cpu,
                   load_avg_start=t.load, load_avg_end=t.load_end,
                   n_iter=int(est.n_iter_), final_loss=float(est.loss_),
                   zero_fraction=[float(v) for v in sp["fraction_zero"]],
                   negative_fraction=[float(v) for v in sp["fraction_negative"]],
                   hoyer=[float(v) for v in sp["hoyer"]],
                   dead_units=[int(v) for v in sp["dead_units"]])
        print(f"  {name} seed={seed}: error={100 * err:.2f}% fit={t.wall:.1f}s wall "
              f"{t.cpu:.1f}s cpu (load {t.load:.1f}) iters={est.n_iter_} "
              f"zeros={[round(z, 3) for z in run['zero_fraction']]}", flush=True)
        runs.append(run)
        if models_dir is not None and seed == seeds[0]:
            models_dir.mkdir(parents=True, exist_ok=True)
            with open(models_dir / f"{name}.pkl", "wb") as f:
                pickle.dump(est, f)
    errs = np.array([r["test_error"] for r in runs])
    summary = dict(
        n_seeds=len(runs), error_mean=float(errs.mean()), error_std=float(errs.std()),
        error_min=float(errs.min()), error_max=float(errs.max()),
        fit_wall_mean_s=float(np.mean([r["fit_wall_s"] for r in runs])),
        fit_cpu_mean_s=float(np.mean([r["fit_cpu_s"] for r in runs])),
        zero_fraction_mean=np.mean([r["zero_fraction"] for r in runs], axis=0).tolist(),
    )
    params = {k: v for k, v in spec.items() if k not in ("paper_error", "paper_minutes")}
    est_params = {k: v for k, v in make_estimator(spec, 0, quick).get_params().items()
                  if k in ("solver", "batch_size", "max_iter", "steps_per_batch",
                           "learning_rate_init", "learning_rate", "gain", "dtype")}
    return dict(spec=params, estimator=est_params, paper_error=spec.get("paper_error"),
                paper_minutes=spec.get("paper_minutes"), summary=summary, runs=runs,
                n_train=int(X.shape[0]),
                n_test=int(X_test.X_test.shape[0] if spec["data"] == "reuters"
                           else X_test.shape[0]),
                n_features=int(X.shape[1]))


def markdown(results):
    lines = ["# Chorowski & Zurada (2015) reproduction: test errors", ""]
    lines += [
        "Generated by `benchmarks/chorowski2015.py` from `chorowski2015.json`. "
        "Errors in %, mean ± std over the seeds (min-max in brackets). Fit time: mean "
        "wall seconds per fit, and CPU seconds of the process (all threads) in "
        "parentheses; the 2-core machine was shared with other jobs, the load average "
        "at the start of each fit is in the JSON. Zeros: fraction of weights with "
        "|w| <= 1e-6 max|w|, input->hidden / hidden->output.", ""]
    for block, title in (("paper", "Paper's settings (Table I)"), ("ours", "Our settings")):
        rows = [(k, r) for k, r in results["rows"].items() if r["spec"]["block"] == block]
        if not rows:
            continue
        lines += [f"## {title}", "",
                  "| row | data | weights | hidden | solver | seeds | test error % | "
                  "paper % | fit s wall (cpu) | paper min | zeros in->h | zeros h->out |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for name, r in rows:
            s, spec, e = r["summary"], r["spec"], r["estimator"]
            if e.get("solver", "lbfgsb") == "adam":
                solver = "Adam, batch {}, lr {:g}{}, {} ep".format(
                    e["batch_size"], e["learning_rate_init"],
                    " linear decay" if e.get("learning_rate") == "linear" else "",
                    e["max_iter"])
            elif e["batch_size"] is None:
                solver = "L-BFGS-B full batch, {} it".format(e["max_iter"])
            else:
                solver = "L-BFGS-B mini-batch {} x {} steps, {} ep".format(
                    e["batch_size"], e["steps_per_batch"], e["max_iter"])
            err = f"{pct(s['error_mean'])} ± {pct(s['error_std'])} " \
                  f"[{pct(s['error_min'])}-{pct(s['error_max'])}]"
            z = s["zero_fraction_mean"]
            lines.append(
                f"| {name} | {LABELS[spec['data']]} | "
                f"{'non-negative' if spec['positive'] else 'unconstrained'} | "
                f"{spec['hidden']} | {solver} | {s['n_seeds']} | {err} | "
                f"{pct(r['paper_error'])} | {s['fit_wall_mean_s']:.0f} "
                f"({s['fit_cpu_mean_s']:.0f}) | {r['paper_minutes'] or ''} | "
                f"{z[0]:.3f} | {z[1]:.3f} |")
        lines.append("")
    lines += ["## Settings", "", "| row | l1 (pH1, pC1) | l2 (pH2, pC2) | activity_l1 (pS) |",
              "|---|---|---|---|"]
    for name, r in results["rows"].items():
        sp = r["spec"]
        lines.append(f"| {name} | {sp['l1']} | {sp['l2']} | {sp['activity_l1']} |")
    lines += ["", "Commands:", ""]
    lines += [f"    {c}" for c in results.get("commands", [])]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser)
    parser.add_argument("--rows", nargs="+", choices=list(ROWS), default=list(ROWS),
                        help="rows to run (default: all)")
    parser.add_argument("--save-models", action="store_true",
                        help="pickle the first seed's networks to results/models/")
    args = parser.parse_args(argv)
    set_threads(args.threads)
    suffix = "_quick" if args.quick else ""
    json_path = RESULTS / f"chorowski2015{suffix}.json"
    results = load_json(json_path) or {"rows": {}, "commands": []}
    results["machine"] = machine()
    results["threads"] = args.threads
    cache = {}
    models_dir = RESULTS / "models" if args.save_models else None
    for name in args.rows:
        print(f"{name}: {ROWS[name]}", flush=True)
        results["rows"][name] = run_row(name, ROWS[name], args.seeds, args.data_home,
                                        args.quick, cache, models_dir)
        order = [k for k in ROWS if k in results["rows"]]
        results["rows"] = {k: results["rows"][k] for k in order}
        command = "python benchmarks/chorowski2015.py " + " ".join(
            (["--quick"] if args.quick else []) + ["--rows", name, "--seeds"]
            + [str(s) for s in args.seeds]
            + (["--save-models"] if args.save_models else [])
            + ([f"--threads {args.threads}"] if args.threads != 1 else []))
        results["commands"] = [c for c in results["commands"]
                               if f"--rows {name} " not in c] + [command]
        save_json(json_path, results)
        (RESULTS / f"chorowski2015{suffix}.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
