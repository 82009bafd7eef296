"""Fine-tuned stack of non-negative autoencoders against the same network from its
default initialisation, at equal CPU time (issue 15, NCAE section III-C).

Network 784 -> 196 -> 20 -> softmax with non-negative weights in every layer.
Pre-training: NonNegAutoencoder(196, nonneg_layers="both") on the pixels, then
NonNegAutoencoder(20, nonneg_layers="both") on its codes (each at its defaults
otherwise); ``NonNegMLPClassifier.from_autoencoders`` then fine-tunes the whole
network with Adam for ``--epochs`` epochs. The baseline is the same classifier
(same parameters) from its default initialisation, trained by ``partial_fit``
epochs of the same Adam until it has used as much CPU time as pre-training and
fine-tuning together. Budgets are CPU seconds of this process (one thread), since
the machine is shared. Test error on the 10,000 MNIST test rows.

    python benchmarks/autoencoder_stack.py [--rows 60000] [--seeds 0 1 2] [--epochs 10]

Writes benchmarks/results/autoencoder_stack[_TAG].{json,md}.
"""

import argparse
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
from _common import RESULTS, git_commit, machine, mnist, save_json, set_threads  # noqa: E402
from sklearn.base import clone  # noqa: E402

import sknonneg  # noqa: E402
from sknonneg import NonNegAutoencoder, NonNegMLPClassifier  # noqa: E402

SIZES = (196, 20)
FINE_TUNE = dict(solver="adam", learning_rate_init=1e-3, batch_size=200)


def cpu():
    return time.process_time()


def run_seed(seed, X_train, y_train, X_test, y_test, epochs):
    start = cpu()
    stack, codes = [], X_train
    for k in SIZES:
        ae = NonNegAutoencoder(k, nonneg_layers="both", dtype="float32",
                               random_state=seed).fit(codes)
        stack.append(ae)
        codes = ae.transform(codes)
    pretrain = cpu() - start
    clf = NonNegMLPClassifier.from_autoencoders(stack, max_iter=epochs, random_state=seed,
                                                dtype="float32", **FINE_TUNE)
    clf.fit(X_train, y_train)
    budget = cpu() - start
    stacked_error = 1.0 - clf.score(X_test, y_test)

    base = clone(clf)  # the same parameters, without the pre-trained weights
    classes = np.unique(y_train)
    start, n_epochs = cpu(), 0
    while cpu() - start < budget:
        base.partial_fit(X_train, y_train, classes=classes)
        n_epochs += 1
    return {"seed": seed, "pretrain_cpu_s": pretrain, "budget_cpu_s": budget,
            "stacked_error": float(stacked_error), "fine_tune_epochs": epochs,
            "baseline_error": float(1.0 - base.score(X_test, y_test)),
            "baseline_epochs": n_epochs, "baseline_cpu_s": cpu() - start}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--tag", default="")
    args = parser.parse_args(argv)
    set_threads(1)
    warnings.simplefilter("ignore")
    import os
    X_train, y_train, X_test, y_test = mnist(args.data_home or os.environ.get("SKNONNEG_DATA"))
    if args.rows < X_train.shape[0]:
        idx = np.random.RandomState(0).choice(X_train.shape[0], args.rows, replace=False)
        X_train, y_train = X_train[idx], y_train[idx]
    rows = []
    for seed in args.seeds:
        rows.append(run_seed(seed, X_train, y_train, X_test, y_test, args.epochs))
        print(rows[-1], flush=True)
    suffix = f"_{args.tag}" if args.tag else ""
    result = {"command": "python benchmarks/autoencoder_stack.py "
                         + " ".join(sys.argv[1:] if argv is None else argv),
              "commit": git_commit(), "machine": machine(), "date": time.ctime(),
              "sknonneg": sknonneg.__file__, "rows_train": int(X_train.shape[0]),
              "results": rows}
    save_json(RESULTS / f"autoencoder_stack{suffix}.json", result)
    lines = ["# Fine-tuned stack of NonNegAutoencoders vs default initialisation "
             "(issue 15)", "", f"Command: `{result['command']}`  ",
             f"Commit: `{result['commit']}`  ",
             f"784 -> 196 -> 20 -> softmax, non-negative; {X_train.shape[0]} MNIST "
             "training rows, the 10,000 test rows; equal CPU budgets (one thread).", "",
             "| seed | budget CPU s | pre-training CPU s | stacked test error | "
             "baseline test error | baseline epochs |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['seed']} | {r['budget_cpu_s']:.0f} | {r['pretrain_cpu_s']:.0f} | "
              f"{r['stacked_error']:.4f} | {r['baseline_error']:.4f} | "
              f"{r['baseline_epochs']} |" for r in rows]
    (RESULTS / f"autoencoder_stack{suffix}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
