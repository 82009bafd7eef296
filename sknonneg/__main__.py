"""The package's job in miniature: ``python -m sknonneg [--data-home DIR]``.

Fits a positive network and an unconstrained one on the same data with the same
objective, next to scikit-learn's ``MLPClassifier`` and an ``NMF(k) + StandardScaler +
LogisticRegression`` pipeline, and prints test accuracy, the fraction of zero weights
per layer and the fit time, one line as each model finishes. Without arguments it uses
scikit-learn's bundled 8x8 digits (no download); with ``--data-home DIR`` full MNIST
from ``DIR/mnist.npz``.

Every baseline is configured as a competent user would configure it, and its budget is
printed in its row:

- on digits, ``MLPClassifier`` gets the same network, activation, solver and iteration
  budget as ours (logistic units, L-BFGS, ``--max-iter``), and NMF runs to convergence
  (up to 2000 iterations; it needs about 1300 on digits at 50 components: with 500, as
  before, it stopped short of its ``tol``, 0.2 points lower);
- on full MNIST, where scikit-learn's L-BFGS MLP alone would take minutes, it runs with
  its own defaults (ReLU, Adam) for 15 epochs, and NMF is scikit-learn's
  ``MiniBatchNMF`` (batches of 2048 rows, 20 passes), so that the whole demo stays
  within a few minutes on two cores.

The NMF codes are standardised before the logistic regression: without that step its
lbfgs solver stalls on their uneven scales (65% instead of 94% on digits).

On digits every model runs with one BLAS thread: the products are far too small to
split, and on a loaded 2-core machine a second, spinning BLAS thread made the NMF
baseline alone take minutes instead of about a second of CPU time. The networks run on
the NumPy twins of the kernels there (small problems, ``sknonneg._kernels.flavour_for``),
so nothing is compiled; on MNIST the first network fit includes numba's one-time
compilation (cached on disk for later runs).
"""

import contextlib

import argparse
import os
import sys
import time
import warnings

import numpy as np
from sklearn.decomposition import NMF, MiniBatchNMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from . import NonNegMLPClassifier, __version__
from .exceptions import DegenerateFitWarning
from .neural_network._base import fitted_attribute

# Relative to the largest |weight| of its layer.
ZERO_TOL = 1e-6


def zero_fractions(coefs):
    """Fraction of (near-)zero weights in each layer."""
    return [float(np.mean(np.abs(w) <= ZERO_TOL * max(np.abs(w).max(), 1e-300)))
            for w in coefs]


def load_data(data_home):
    if data_home is None:
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X / 16.0, y, test_size=0.25, stratify=y, random_state=0)
        return "digits (sklearn, 8x8)", X_train, X_test, y_train, y_test
    from .datasets import load_mnist

    X_train, X_test, y_train, y_test = load_mnist(
        data_home=data_home, download_if_missing=False, return_X_y=True)
    return ("MNIST (28x28)", X_train / 255.0, X_test / 255.0, y_train, y_test)


def models(n_hidden, max_iter, seed, large=False):
    """The demo's models, by row label; ``large``: the full-MNIST budgets."""
    if large:
        mlp_label = "sklearn MLPClassifier(relu, adam, 15 ep.)"
        mlp = MLPClassifier((n_hidden,), max_iter=15, random_state=seed)
        nmf_label = f"MiniBatchNMF({n_hidden}, 20 ep.) + LogReg"
        nmf = MiniBatchNMF(n_hidden, init="nndsvda", batch_size=2048, max_iter=20,
                           random_state=seed)
    else:
        mlp_label = "sklearn MLPClassifier(logistic, lbfgs)"
        mlp = MLPClassifier((n_hidden,), activation="logistic", solver="lbfgs",
                            max_iter=max_iter, random_state=seed)
        nmf_label = f"NMF({n_hidden}) + LogisticRegression"
        nmf = NMF(n_hidden, init="nndsvda", max_iter=2000, random_state=seed)
    return {
        "NonNegMLPClassifier(positive=True)": NonNegMLPClassifier(
            (n_hidden,), positive=True, max_iter=max_iter, random_state=seed),
        "NonNegMLPClassifier(positive=False)": NonNegMLPClassifier(
            (n_hidden,), positive=False, max_iter=max_iter, random_state=seed),
        mlp_label: mlp,
        nmf_label: make_pipeline(nmf, StandardScaler(),
                                 LogisticRegression(max_iter=1000)),
    }


def layer_weights(model):
    if hasattr(model, "coefs_"):
        return fitted_attribute(model, "coefs_")
    nmf, logreg = model[0], model[-1]
    return [nmf.components_.T, logreg.coef_.T]


def _int_at_least(low, high=None):
    """An argparse type: an int >= ``low`` (and <= ``high``; a usage error
    otherwise, exit 2)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be an int >= {low}, got {value}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be an int <= {high}, got {value}")
        return value
    return parse


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sknonneg",
        description="Positive vs unconstrained networks, MLPClassifier and NMF.")
    parser.add_argument("--data-home", default=None,
                        help="folder holding mnist.npz (default: sklearn's digits)")
    parser.add_argument("--hidden", type=_int_at_least(1), default=None,
                        help="hidden units (default: 50 on digits, 150 on MNIST)")
    parser.add_argument("--max-iter", type=_int_at_least(1), default=200,
                        help="iterations of the two networks and, on digits, of "
                             "sklearn's MLPClassifier (default: 200)")
    # The estimators' random_state range (NumPy's seeds).
    parser.add_argument("--seed", type=_int_at_least(0, 2**32 - 1), default=0,
                        help="random_state of every model (default: 0; the digits "
                             "train/test split is fixed)")
    args = parser.parse_args(argv)
    if args.data_home is not None and not args.data_home.strip():
        parser.error("--data-home must name the folder that holds mnist.npz")

    try:
        name, X_train, X_test, y_train, y_test = load_data(args.data_home)
    # Missing, unreadable or damaged: a message, not a traceback. A missing file, a
    # file for the folder and a folder for the file in the CLI's terms: load_mnist's
    # spoke of download_if_missing=False, data_home=... and SKNONNEG_DATA, which the
    # command line does not take.
    except OSError as exc:
        from .datasets._mnist import MNIST

        home = os.path.abspath(os.path.expanduser(args.data_home))
        path = os.path.join(home, MNIST.filename)
        if isinstance(exc, NotADirectoryError):
            what = f"{home} is a file, not a folder"
        elif isinstance(exc, FileNotFoundError):
            what = f"{MNIST.filename} is not in {home}"
        elif os.path.isdir(path):
            # Before: load_mnist's advice, "pass data_home=... / set the
            # SKNONNEG_DATA environment variable".
            what = f"{path} is a folder, not the file {MNIST.filename}"
        else:
            parser.exit(2, f"{parser.prog}: error: {exc}\n(On the command line, "
                           "--data-home names the folder that holds mnist.npz.)\n")
        parser.exit(2, f"{parser.prog}: error: {what}: --data-home names the folder "
                       f"that holds {MNIST.filename} (sha256 {MNIST.sha256}); without "
                       "--data-home the demo runs on scikit-learn's digits.\n")
    n_hidden = args.hidden if args.hidden is not None else (
        50 if args.data_home is None else 150)
    print(f"sknonneg {__version__}: {name}, {X_train.shape[0]} train / "
          f"{X_test.shape[0]} test samples, {X_train.shape[1]} features, "
          f"{n_hidden} hidden units\n")
    large = args.data_home is not None
    table = models(n_hidden, args.max_iter, args.seed, large)
    width = max(40, *map(len, table))
    header = (f"{'model':<{width}} {'test acc':>8} {'zero w (layer 1 / 2)':>21} "
              f"{'fit s':>7}")
    print(header)
    print("-" * len(header))
    threads = contextlib.nullcontext() if large else threadpool_limits(limits=1)
    stopped = False
    with threads:
        for label, model in table.items():
            try:
                stopped |= _fit_and_print(label, model, X_train, X_test, y_train,
                                          y_test, width)
            except MemoryError as exc:
                parser.exit(1, f"{parser.prog}: error: {exc}\n(Fewer --hidden units "
                               "need less memory.)\n")
    if stopped:
        print("\n* did not converge: its fit raised a ConvergenceWarning (fit the "
              "model alone to read it).")
    if large:
        print("\nThe first NonNegMLPClassifier fit includes numba's one-time compilation "
              "(cached on disk for later runs).")
    return 0


def _fit_and_print(label, model, X_train, X_test, y_train, y_test, width=40):
    """Fits ``model`` and prints its row; returns whether it warned that it did
    not converge (a ``ConvergenceWarning``: its row is marked ``*``; a
    ``DegenerateFitWarning`` is shown as it is). Before, the demo silenced those
    warnings, and a baseline stopped at its iteration limit looked converged."""
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    stopped = False
    for w in caught:  # other warnings go on, named after the model's row
        if issubclass(w.category, ConvergenceWarning) and not issubclass(
                w.category, DegenerateFitWarning):
            stopped = True
        else:
            # Before: shown as raised, at "<frozen runpy>", naming no model (two
            # rows are NonNegMLPClassifier).
            warnings.warn_explicit(f"{label}: {w.message}", w.category,
                                   "python -m sknonneg", 0)
    accuracy = model.score(X_test, y_test)
    zeros = " / ".join(f"{z:6.1%}" for z in zero_fractions(layer_weights(model)))
    print(f"{label:<{width}} {accuracy:8.2%} {zeros:>21} {elapsed:7.2f}"
          f"{'*' if stopped else ''}", flush=True)
    return stopped


if __name__ == "__main__":
    sys.exit(main())
