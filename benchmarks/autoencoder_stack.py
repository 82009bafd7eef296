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
   ``partial_fit`` call over the training set (projected Adam at each step of
   ``--ft-lr``, batches of 200, gain 1), from the same pre-trained stack.

Its budget is the CPU time of all three stages. The baseline is the same classifier
(``NonNegMLPClassifier(**clf.get_params())``: the same parameters, the same step,
without the pre-trained weights)
from its default initialisation, trained by ``partial_fit`` epochs until it has used
as much CPU time: after the stacked arm (default), or, with ``--interleave``, in
turn with it, epoch by epoch, so that a change in the machine's load falls on both
arms alike (see ``interleaved``). Budgets are CPU seconds of this process (``time.process_time``,
one thread: the machine is shared), after an untimed warm-up that compiles the
kernels of every stage; the test error is measured at checkpoints (every
``--every`` epochs and at the end) outside the timed sections, on the 10,000 MNIST
test rows. Seeds may run as parallel processes (``--seeds 1``, ...) whose result
files ``--combine`` merges.

    python benchmarks/autoencoder_stack.py [--rows 60000] [--seeds 0 1 2]
        [--ae-epochs 10] [--ae2-epochs 20] [--ae-rows N] [--ft-epochs 30]
        [--ft-lr 1e-2 3e-3] [--schedule constant] [--interleave] [--tag TAG]

Writes benchmarks/results/autoencoder_stack[_TAG].{json,md}.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np
from scipy import stats

sys.path.insert(0, os.path.dirname(__file__))
from _common import (  # noqa: E402
    RESULTS, git_commit, machine, mnist, package_location, save_json, set_threads,
)

import sknonneg  # noqa: E402
from sknonneg import NonNegAutoencoder, NonNegMLPClassifier  # noqa: E402

SIZES = (196, 20)


def cpu():
    return time.process_time()


class Arm:
    """A classifier trained by ``partial_fit`` epochs over the training set, each
    epoch timed on its own (CPU seconds of this process); its test error is
    measured at epoch 1, every ``every`` epochs and at the end, outside the timing."""

    def __init__(self, clf, X, y, X_test, y_test, every):
        self.clf, self.data, self.test, self.every = clf, (X, y), (X_test, y_test), every
        self.classes = np.unique(y)
        self.used, self.n, self.curve, self.per_epoch = 0.0, 0, [], []

    def epoch(self):
        start = cpu()
        self.clf.partial_fit(*self.data, classes=self.classes)
        self.per_epoch.append(cpu() - start)
        self.used += self.per_epoch[-1]
        self.n += 1
        if self.n % self.every == 0 or self.n == 1:
            self.checkpoint()

    def checkpoint(self):
        self.curve.append((self.n, self.used, float(1.0 - self.clf.score(*self.test))))

    def result(self):
        if self.curve[-1][0] != self.n:
            self.checkpoint()
        later = float(np.median(self.per_epoch[1:])) if self.n > 1 else 0.0
        return {"cpu_s": self.used, "epochs": self.n,
                "first_epoch_cpu_s": self.per_epoch[0], "median_epoch_cpu_s": later,
                "error": self.curve[-1][2], "curve": self.curve,
                "epoch_cpu_s": self.per_epoch,
                "train_error": float(1.0 - self.clf.score(*self.data))}


def train_epochs(clf, X, y, X_test, y_test, *, epochs=None, budget=None, every=5):
    """``partial_fit`` epochs until ``epochs`` are done or ``budget`` CPU seconds
    are used; returns the CPU seconds, the epochs and the test-error curve
    ``[(epoch, cpu, error)]`` (the evaluations are not timed)."""
    arm = Arm(clf, X, y, X_test, y_test, every)
    while (epochs is not None and arm.n < epochs) or (budget is not None
                                                      and arm.used < budget):
        arm.epoch()
    return arm.result()


def interleaved(stacked, base, data, pretrain, args):
    """Both arms in turn, each epoch timed on its own, so that a change in the
    machine's load falls on both arms alike.

    The stacked arm runs its ``--ft-epochs`` epochs (the first one includes the
    output stage); after each, the baseline runs epochs while its CPU time is
    below the stacked arm's so far, pre-training included, and after the last,
    until it has used the whole budget (it may overrun it by less than one
    epoch, as ``train_epochs``). With ``--schedule linear`` the baseline's
    schedule length is fixed before its first epoch, after the stacked arm's
    first two: the stacked arm's epochs less one, plus the epochs that its
    pre-training and first epoch (the output stage) are worth at the cost of
    its second (a plain epoch of the same network on the same data).
    """
    st, ba = Arm(stacked, *data, args.every), Arm(base, *data, args.every)
    st.epoch()
    if args.ft_epochs > 1:
        st.epoch()
    if args.schedule == "linear":
        worth = int(round((pretrain + st.per_epoch[0]) / st.per_epoch[-1]))
        base.set_params(max_iter=max(1, args.ft_epochs - 1 + worth))
    while True:
        while ba.used < pretrain + st.used:
            ba.epoch()
        if st.n == args.ft_epochs:
            break
        st.epoch()
    return st.result(), {**ba.result(), "schedule_epochs": base.max_iter}


def run_seed(seed, data, args):
    X_train, y_train, X_test, y_test = data
    stages, stack, codes = {}, [], X_train
    if args.ae_rows and args.ae_rows < X_train.shape[0]:
        # Pre-training on a random subset of the training rows (drawn per seed).
        codes = X_train[np.random.RandomState(seed).choice(
            X_train.shape[0], args.ae_rows, replace=False)]
    for k, epochs in zip(SIZES, (args.ae_epochs, args.ae2_epochs)):
        start = cpu()
        ae = NonNegAutoencoder(k, nonneg_layers="both", max_iter=epochs,
                               dtype="float32", random_state=seed).fit(codes)
        codes = ae.transform(codes)
        stages[f"ae{k}_cpu_s"] = cpu() - start
        stack.append(ae)
    pretrain = sum(stages.values())
    row = {"seed": seed, **stages, "pretrain_cpu_s": pretrain}
    for lr in args.ft_lr:
        fine_tune = dict(solver="adam", learning_rate_init=lr, batch_size=200,
                         learning_rate=args.schedule, max_iter=args.ft_epochs,
                         dtype="float32", random_state=seed)
        clf = NonNegMLPClassifier.from_autoencoders(
            stack, output_init=args.output_init, **fine_tune)
        # The same classifier (its parameters, not the pre-trained weights, which
        # ``clone`` would keep).
        base = NonNegMLPClassifier(**clf.get_params())
        if args.interleave:
            stacked, baseline = interleaved(clf, base, data, pretrain, args)
        else:
            stacked = train_epochs(clf, X_train, y_train, X_test, y_test,
                                   epochs=args.ft_epochs, every=args.every)
        # How much of the pre-trained first layer fine-tuning kept: the relative
        # change of W1 and the median cosine between each unit's weights before
        # and after.
        w_pre, w_ft = stack[0].coefs_[0], clf.coefs_[0]
        cos = (w_pre * w_ft).sum(0) / (np.linalg.norm(w_pre, axis=0)
                                       * np.linalg.norm(w_ft, axis=0) + 1e-300)
        stacked["w1_relative_change"] = float(
            np.linalg.norm(w_ft - w_pre) / np.linalg.norm(w_pre))
        stacked["w1_median_cosine"] = float(np.median(cos))
        budget = pretrain + stacked["cpu_s"]
        row[f"budget_cpu_s_lr{lr:g}"] = budget
        row[f"stacked_lr{lr:g}"] = stacked
        if not args.interleave:
            # With a decaying step, the baseline's schedule spans the epochs the
            # budget buys at the stacked arm's epoch cost (same network, same data).
            if args.schedule == "linear":
                epoch_cpu = (stacked["median_epoch_cpu_s"] if stacked["epochs"] > 1
                             else stacked["cpu_s"])
                base.set_params(max_iter=max(1, int(round(budget / epoch_cpu))))
            baseline = train_epochs(base, X_train, y_train, X_test, y_test,
                                    budget=budget, every=args.every)
        row[f"baseline_lr{lr:g}"] = baseline
    return row


def summary(rows, arms):
    out = {}
    for arm in arms:
        errors = np.array([r[arm]["error"] for r in rows])
        out[arm] = {"mean": float(errors.mean()), "std": float(errors.std(ddof=1))
                    if len(errors) > 1 else 0.0, "errors": errors.tolist()}
    return out


def per_seed_rows(rows, lrs, cells):
    """Markdown rows ``| seed | step | cells(row, stacked, baseline) |``, one per
    seed and step."""
    return [f"| {r['seed']} | {lr} | "
            + cells(r, {**r[f"stacked_lr{lr}"], "lr": lr}, r[f"baseline_lr{lr}"]) + " |"
            for r in rows for lr in lrs]


def markdown(result, args):
    rows = result["results"]
    lrs = [f"{lr:g}" for lr in args.ft_lr]
    ae_rows = getattr(args, "ae_rows", None)
    pretrain_rows = (f" on a random subset of {ae_rows} training rows (drawn per "
                     "seed)" if ae_rows and ae_rows < result["rows_train"] else "")
    lines = ["# Fine-tuned stack of NonNegAutoencoders vs default initialisation "
             "(issue 15)", "", f"Command: `{result['command']}`  ",
             f"Commit: `{result['commit']}`  ",
             f"Load average at start / end: {result['load_start']} / "
             f"{result['load_end']}  ",
             f"784 -> 196 -> 20 -> softmax, non-negative; {result['rows_train']} MNIST "
             "training rows, the 10,000 test rows; equal CPU budgets (one thread). "
             f"Pre-training: {args.ae_epochs} + {args.ae2_epochs} autoencoder "
             f"epochs{pretrain_rows}; output stage: `output_init={args.output_init!r}`; fine-tuning: "
             f"{args.ft_epochs} epochs of projected Adam (batches of 200, gain 1) at "
             f"the step of the row ({getattr(args, 'schedule', 'constant')}; the first "
             "epoch includes the output stage); the "
             "baseline: the same classifier from its default initialisation, at the "
             "same step, for as many epochs as the budget allows"
             + ("; the two arms run in turn, epoch by epoch, in one process (the "
                "baseline catching up with the stacked arm's CPU time after each of "
                "its epochs; its linear schedule's length fixed after the stacked "
                "arm's second epoch)" if getattr(args, "interleave", False) else
                "; the arms run one after the other")
             + ". Kernels compiled by "
             f"an untimed warm-up ({result['warm_up_cpu_s']:.0f} CPU s) before the "
             "seeds.", "",
             "| Adam step | stacked: test error, mean +- std | baseline | stacked per "
             "seed | baseline per seed |", "|---|---|---|---|---|"]
    summ = result["summary"]
    for lr in lrs:
        st, ba = summ[f"stacked_lr{lr}"], summ[f"baseline_lr{lr}"]
        lines.append(
            f"| {lr} | {100 * st['mean']:.2f}% +- {100 * st['std']:.2f} | "
            f"{100 * ba['mean']:.2f}% +- {100 * ba['std']:.2f} | "
            + ", ".join(f"{100 * e:.2f}" for e in st["errors"]) + " | "
            + ", ".join(f"{100 * e:.2f}" for e in ba["errors"]) + " |")
    if len(rows) > 1:
        lines += ["", "Paired difference, stacked - baseline (test error, points), "
                  "over the seeds:", ""]
        for lr in lrs:
            diff = 100 * (np.array(summ[f"stacked_lr{lr}"]["errors"])
                          - np.array(summ[f"baseline_lr{lr}"]["errors"]))
            sd = diff.std(ddof=1)
            se = sd / np.sqrt(len(diff))
            t = diff.mean() / se if sd > 0 else float("nan")
            half = stats.t.ppf(0.975, len(diff) - 1) * se
            wins = int((diff < 0).sum())
            lines.append(f"- step {lr}: {diff.mean():+.2f} +- {sd:.2f} (t = {t:.2f}, "
                         f"two-sided 95% t-interval [{diff.mean() - half:+.2f}, "
                         f"{diff.mean() + half:+.2f}]; the stack lower on {wins} of "
                         f"{len(diff)} seeds; per seed "
                         + ", ".join(f"{d:+.2f}" for d in diff) + ")")
    if "train_error" in rows[0][f"stacked_lr{lrs[0]}"]:
        lines += ["", "Training error at the end, and how much of the pre-trained "
                  "first layer fine-tuning kept (relative change of W1, median "
                  "cosine of each unit's weights before / after):", "",
                  "| seed | step | stacked train error | baseline train error | "
                  "W1 relative change | W1 median cosine |", "|---" * 6 + "|"]
        lines += per_seed_rows(rows, lrs, lambda r, st, ba: (
            f"{100 * st['train_error']:.2f}% | {100 * ba['train_error']:.2f}% | "
            f"{st['w1_relative_change']:.2f} | {st['w1_median_cosine']:.2f}"))
    lines += ["", "CPU seconds per stage (per seed and step; the output stage is in "
              "the first fine-tuning epoch):", "",
              "| seed | step | AE 784->196 | AE 196->20 | first fine-tuning epoch | "
              "later epochs, median | fine-tuning, all | budget | baseline epochs "
              "(CPU s) |", "|---" * 9 + "|"]
    lines += per_seed_rows(rows, lrs, lambda r, st, ba: (
        f"{r['ae196_cpu_s']:.1f} | {r['ae20_cpu_s']:.1f} | "
        f"{st['first_epoch_cpu_s']:.2f} | {st['median_epoch_cpu_s']:.2f} | "
        f"{st['cpu_s']:.1f} | {r['budget_cpu_s_lr' + st['lr']]:.1f} | "
        f"{ba['epochs']} ({ba['cpu_s']:.1f}"
        + (f"; median epoch {ba['median_epoch_cpu_s']:.2f}; schedule "
           f"{ba['schedule_epochs']}" if "schedule_epochs" in ba else "") + ")"))
    lines += ["", "Test error against CPU seconds (epoch: CPU s -> error), seed "
              f"{rows[0]['seed']}; the stacked arms' CPU includes the pre-training:", ""]
    for lr in lrs:
        for arm in ("stacked", "baseline"):
            offset = rows[0]["pretrain_cpu_s"] if arm == "stacked" else 0.0
            points = "; ".join(f"{n}: {offset + c:.0f} -> {e:.4f}"
                               for n, c, e in rows[0][f"{arm}_lr{lr}"]["curve"])
            lines.append(f"- {arm}, step {lr}: {points}")
    return "\n".join(lines) + "\n"


def combine(paths, tag):
    """One result file from runs of the same settings (one seed each)."""
    import json
    runs = [json.loads(open(p).read()) for p in paths]
    first = runs[0]
    rows = [row for run in runs for row in run["results"]]
    result = {**first, "commands": [run["command"] for run in runs],
              "command": "; ".join(run["command"] for run in runs),
              "commit": ", ".join(sorted({run["commit"] for run in runs})),
              "load_start": ", ".join(str(run["load_start"]) for run in runs),
              "load_end": ", ".join(str(run["load_end"]) for run in runs),
              "warm_up_cpu_s": max(run["warm_up_cpu_s"] for run in runs),
              "results": rows, "summary": summary(rows, first["arms"])}
    suffix = f"_{tag}" if tag else ""
    save_json(RESULTS / f"autoencoder_stack{suffix}.json", result)
    (RESULTS / f"autoencoder_stack{suffix}.md").write_text(
        markdown(result, argparse.Namespace(**first["settings"])))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--ae-epochs", type=int, default=10)
    parser.add_argument("--ae2-epochs", type=int, default=20)
    parser.add_argument("--ae-rows", type=int, default=None,
                        help="pre-train the autoencoders on a random subset of this "
                             "many training rows (default: all of them)")
    parser.add_argument("--ft-epochs", type=int, default=30)
    parser.add_argument("--ft-lr", type=float, nargs="+", default=[1e-2, 3e-3])
    parser.add_argument("--output-init", default="fit", choices=["fit", "default"])
    parser.add_argument("--schedule", default="constant", choices=["constant", "linear"],
                        help="Adam's step: constant, or decaying linearly to 0 over "
                             "the arm's epochs (the baseline's estimated from the "
                             "budget)")
    parser.add_argument("--interleave", action="store_true",
                        help="run the two arms in turn, epoch by epoch, after the "
                             "pre-training (each timed on its own), instead of one "
                             "after the other")
    parser.add_argument("--every", type=int, default=5)
    parser.add_argument("--tag", default="")
    parser.add_argument("--combine", nargs="+", default=None, metavar="JSON",
                        help="write one summary of these result files (runs of the "
                             "same settings, one seed each, e.g. run as parallel "
                             "processes) instead of running anything")
    args = parser.parse_args(argv)
    if args.combine:
        return combine(args.combine, args.tag)
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
                                   "ft_epochs": 1, "ft_lr": args.ft_lr[:1]}))
    warm_up = cpu() - start
    print(f"warm-up: {warm_up:.1f} CPU s", flush=True)
    rows = []
    for seed in args.seeds:
        rows.append(run_seed(seed, data, args))
        print({k: (v if not isinstance(v, dict) else
                   {"error": v["error"], "epochs": v["epochs"], "cpu_s": v["cpu_s"]})
               for k, v in rows[-1].items()}, flush=True)
    arms = [f"{arm}_lr{lr:g}" for lr in args.ft_lr for arm in ("stacked", "baseline")]
    result = {"command": command, "commit": commit, "machine": machine(),
              "date": time.ctime(), "sknonneg": package_location(),
              "load_start": round(load_start, 2),
              "load_end": round(os.getloadavg()[0], 2), "warm_up_cpu_s": warm_up,
              "rows_train": int(X_train.shape[0]), "settings": vars(args),
              "arms": arms, "summary": summary(rows, arms), "results": rows}
    suffix = f"_{args.tag}" if args.tag else ""
    save_json(RESULTS / f"autoencoder_stack{suffix}.json", result)
    (RESULTS / f"autoencoder_stack{suffix}.md").write_text(markdown(result, args))


if __name__ == "__main__":
    main()
