"""Fine-tuned stack of non-negative autoencoders against the same network from its
default initialisation, at equal CPU time (issue 15, NCAE section III-C).

Network 784 -> 196 -> 20 -> softmax with non-negative weights in every layer. The
stacked arm follows the stacked-autoencoder recipe:

1. pre-training: ``NonNegAutoencoder(196, nonneg_layers="both")`` on the pixels for
   ``--ae-epochs`` epochs, then ``NonNegAutoencoder(20, nonneg_layers="both")`` on
   its codes for ``--ae2-epochs`` (each at its defaults otherwise: projected Adam,
   step 0.01, batches of 200);
2. the output stage: ``NonNegMLPClassifier.from_autoencoders(stack,
   output_init=--output-init)``: its first ``partial_fit`` fits the softmax on the
   frozen codes (full-batch L-BFGS-B) and runs one epoch;
3. fine-tuning of the whole network: ``--ft-epochs`` epochs in all, each a
   ``partial_fit`` call over the training set (projected Adam, step ``--ft-lr``,
   batches of 200, gain 1).

Its budget is the CPU time of all three stages. The baseline is the same classifier
(``clone``: the same parameters, without the pre-trained weights) from its default
initialisation, trained by ``partial_fit`` epochs until it has used as much CPU
time; ``--baseline-lr`` adds a second baseline at another step (e.g. the
classifier's default 1e-3 when the stack is fine-tuned at a smaller one). Budgets
are CPU seconds of this process (``time.process_time``, one thread: the machine is
shared); the test error is measured at checkpoints (every ``--every`` epochs and at
the end) outside the timed sections, on the 10,000 MNIST test rows.

    python benchmarks/autoencoder_stack.py [--rows 60000] [--seeds 0 1 2]
        [--ae-epochs 10] [--ft-epochs 20] [--ft-lr 1e-3] [--tag TAG]

Writes benchmarks/results/autoencoder_stack[_TAG].{json,md}.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import RESULTS, git_commit, machine, mnist, save_json, set_threads  # noqa: E402
from sklearn.base import clone  # noqa: E402

import sknonneg  # noqa: E402
from sknonneg import NonNegAutoencoder, NonNegMLPClassifier  # noqa: E402

SIZES = (196, 20)


def cpu():
    return time.process_time()


def train_epochs(clf, X, y, X_test, y_test, *, epochs=None, budget=None, every=5):
    """``partial_fit`` epochs until ``epochs`` are done or ``budget`` CPU seconds
    are used; returns the CPU seconds, the epochs and the test-error curve
    ``[(epoch, cpu, error)]`` (the evaluations are not timed)."""
    classes = np.unique(y)
    used, n, curve, first = 0.0, 0, [], None
    while (epochs is not None and n < epochs) or (budget is not None and used < budget):
        start = cpu()
        clf.partial_fit(X, y, classes=classes)
        used += cpu() - start
        first = used if first is None else first
        n += 1
        if n % every == 0 or n == 1:
            curve.append((n, used, float(1.0 - clf.score(X_test, y_test))))
    if curve[-1][0] != n:
        curve.append((n, used, float(1.0 - clf.score(X_test, y_test))))
    return {"cpu_s": used, "epochs": n, "first_epoch_cpu_s": first,
            "error": curve[-1][2], "curve": curve}


def run_seed(seed, data, args):
    X_train, y_train, X_test, y_test = data
    stages, stack, codes = {}, [], X_train
    for k, epochs in zip(SIZES, (args.ae_epochs, args.ae2_epochs)):
        start = cpu()
        ae = NonNegAutoencoder(k, nonneg_layers="both", max_iter=epochs,
                               dtype="float32", random_state=seed).fit(codes)
        codes = ae.transform(codes)
        stages[f"ae{k}_cpu_s"] = cpu() - start
        stack.append(ae)
    pretrain = sum(stages.values())
    fine_tune = dict(solver="adam", learning_rate_init=args.ft_lr, batch_size=200,
                     max_iter=args.ft_epochs, dtype="float32", random_state=seed)
    clf = NonNegMLPClassifier.from_autoencoders(stack, output_init=args.output_init,
                                                **fine_tune)
    stacked = train_epochs(clf, X_train, y_train, X_test, y_test,
                           epochs=args.ft_epochs, every=args.every)
    budget = pretrain + stacked["cpu_s"]
    row = {"seed": seed, **stages, "pretrain_cpu_s": pretrain, "budget_cpu_s": budget,
           "stacked": stacked}
    baselines = [("baseline", clone(clf))]
    for lr in args.baseline_lr:
        baselines.append((f"baseline_lr{lr:g}",
                          clone(clf).set_params(learning_rate_init=lr)))
    for name, base in baselines:
        row[name] = train_epochs(base, X_train, y_train, X_test, y_test,
                                 budget=budget, every=args.every)
    return row


def summary(rows, arms):
    out = {}
    for arm in arms:
        errors = np.array([r[arm]["error"] for r in rows])
        out[arm] = {"mean": float(errors.mean()), "std": float(errors.std(ddof=1))
                    if len(errors) > 1 else 0.0, "errors": errors.tolist()}
    return out


def markdown(result, args):
    rows, arms = result["results"], result["arms"]
    lines = ["# Fine-tuned stack of NonNegAutoencoders vs default initialisation "
             "(issue 15)", "", f"Command: `{result['command']}`  ",
             f"Commit: `{result['commit']}`  ",
             f"Load average at start / end: {result['load_start']} / "
             f"{result['load_end']}  ",
             f"784 -> 196 -> 20 -> softmax, non-negative; {result['rows_train']} MNIST "
             "training rows, the 10,000 test rows; equal CPU budgets (one thread). "
             f"Pre-training: {args.ae_epochs} + {args.ae2_epochs} autoencoder "
             f"epochs; output stage: `output_init={args.output_init!r}`; fine-tuning: "
             f"{args.ft_epochs} epochs of projected Adam at step {args.ft_lr:g} "
             "(the first includes the output stage). Kernels compiled by an untimed "
             f"warm-up ({result['warm_up_cpu_s']:.0f} CPU s) before the seeds.", "",
             "| arm | test error, mean +- std | per seed |", "|---|---|---|"]
    for arm, s in result["summary"].items():
        per = ", ".join(f"{e:.4f}" for e in s["errors"])
        lines.append(f"| {arm} | {100 * s['mean']:.2f}% +- {100 * s['std']:.2f} | "
                     f"{per} |")
    lines += ["", "CPU seconds per stage (per seed):", "",
              "| seed | AE 784->196 | AE 196->20 | first fine-tuning epoch (with the "
              "output stage) | fine-tuning, all | budget | "
              + " | ".join(f"{a} epochs" for a in arms[1:]) + " |",
              "|---" * (6 + len(arms) - 1) + "|"]
    for r in rows:
        lines.append(
            f"| {r['seed']} | {r['ae196_cpu_s']:.1f} | {r['ae20_cpu_s']:.1f} | "
            f"{r['stacked']['first_epoch_cpu_s']:.1f} | {r['stacked']['cpu_s']:.1f} | "
            f"{r['budget_cpu_s']:.1f} | "
            + " | ".join(f"{r[a]['epochs']} ({r[a]['cpu_s']:.1f} s)" for a in arms[1:])
            + " |")
    lines += ["", "Test error against CPU seconds (epoch: CPU s -> error), seed "
              f"{rows[0]['seed']}; the stacked arm's CPU includes its pre-training:", ""]
    for arm in arms:
        offset = rows[0]["pretrain_cpu_s"] if arm == "stacked" else 0.0
        points = "; ".join(f"{n}: {offset + c:.0f} -> {e:.4f}"
                           for n, c, e in rows[0][arm]["curve"])
        lines.append(f"- {arm}: {points}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--ae-epochs", type=int, default=10)
    parser.add_argument("--ae2-epochs", type=int, default=50)
    parser.add_argument("--ft-epochs", type=int, default=20)
    parser.add_argument("--ft-lr", type=float, default=1e-3)
    parser.add_argument("--baseline-lr", type=float, nargs="*", default=[])
    parser.add_argument("--output-init", default="fit", choices=["fit", "default"])
    parser.add_argument("--every", type=int, default=5)
    parser.add_argument("--tag", default="")
    args = parser.parse_args(argv)
    set_threads(1)
    warnings.simplefilter("ignore")
    command = ("python benchmarks/autoencoder_stack.py "
               + " ".join(sys.argv[1:] if argv is None else argv))
    commit, load_start = git_commit(), os.getloadavg()[0]
    print(sknonneg.__file__, commit, flush=True)
    X_train, y_train, X_test, y_test = mnist(
        args.data_home or os.environ.get("SKNONNEG_DATA"))
    if args.rows < X_train.shape[0]:
        idx = np.random.RandomState(0).choice(X_train.shape[0], args.rows, replace=False)
        X_train, y_train = X_train[idx], y_train[idx]
    data = (X_train, y_train, X_test, y_test)
    # Warm-up, untimed: every stage once on 3,000 rows (enough for the numba
    # kernels, not the NumPy twins, wherever the full run uses them), so that no
    # arm's budget pays for compiling kernels.
    start = cpu()
    run_seed(0, (X_train[:3000], y_train[:3000], X_test[:1000], y_test[:1000]),
             argparse.Namespace(**{**vars(args), "ae_epochs": 1, "ae2_epochs": 1,
                                   "ft_epochs": 1}))
    warm_up = cpu() - start
    print(f"warm-up: {warm_up:.1f} CPU s", flush=True)
    rows = []
    for seed in args.seeds:
        rows.append(run_seed(seed, data, args))
        print({k: (v if not isinstance(v, dict) else
                   {"error": v["error"], "epochs": v["epochs"], "cpu_s": v["cpu_s"]})
               for k, v in rows[-1].items()}, flush=True)
    arms = ["stacked", "baseline"] + [f"baseline_lr{lr:g}" for lr in args.baseline_lr]
    result = {"command": command, "commit": commit, "machine": machine(),
              "date": time.ctime(), "sknonneg": sknonneg.__file__,
              "load_start": round(load_start, 2),
              "load_end": round(os.getloadavg()[0], 2), "warm_up_cpu_s": warm_up,
              "rows_train": int(X_train.shape[0]), "settings": vars(args),
              "arms": arms, "summary": summary(rows, arms), "results": rows}
    suffix = f"_{args.tag}" if args.tag else ""
    save_json(RESULTS / f"autoencoder_stack{suffix}.json", result)
    (RESULTS / f"autoencoder_stack{suffix}.md").write_text(markdown(result, args))


if __name__ == "__main__":
    main()
