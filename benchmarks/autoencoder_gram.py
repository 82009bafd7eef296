"""NonNegAutoencoder(decoder="linear") on Reuters tf-idf: the Gram head against the
direct (fused) head, with sklearn's NMF as the reference.

The linear decoder's squared error against the input itself runs through the Gram
identity (``sknonneg._engine.layers.DenseLayer.gram_head``): per mini-batch of
``n_b`` rows, ``2 k^2 d + 2 nnz k`` multiply-adds instead of the ``2 n_b k d`` of the
dense reconstruction and residual. ``with sknonneg._engine.objective.gram_head(False)``
forces the direct path (a private switch, for this script and the tests).

For each k: a warm-up fit of each path (one epoch: compilation), then
``--repeats`` fits of ``--epochs`` epochs of each path, alternated (old, new, old,
new, ...), from the same seed; medians of wall and CPU seconds per epoch (the
training loop's own epochs, timed by wrapping its ``_epoch_step``; the whole fits
are recorded too) and the ratio old/new; the reconstruction mean squared error per
entry on the training set of each path's fit (the same start and batches: they
differ by rounding only). NMF(k, init="nndsvda", max_iter=400, tol=1e-4) is timed once per k on the
same data, to convergence, as in ``benchmarks/autoencoder_vs_nmf.py``; its MSE is
that of its own fit (not comparable epoch for epoch).

Data: Reuters top-10 ModApte training documents, tf-idf of log(1 + count)
(``benchmarks/autoencoder_vs_nmf.py``'s), float32 CSR; the autoencoder in float32,
its defaults otherwise (Adam, batches of 200 rows, nonneg="bounds" on the decoder).

    python benchmarks/autoencoder_gram.py                  # k 16 64, 3 epochs x 3
    python benchmarks/autoencoder_gram.py --k 16 64 196 --epochs 3 --repeats 3

Writes benchmarks/results/autoencoder_gram.{json,md}.

Private imports (sknonneg._*): it switches the objective's Gram head on and off
(``sknonneg._engine.objective.gram_head``) to time the two heads on the same fits:
an engine benchmark; and it wraps the training loop's ``_epoch_step``
(``sknonneg.neural_network._training.TrainableNetwork``) to time each epoch
alone, without the work after the last one (no public API times an epoch).
"""

import argparse
import os
import statistics
import sys

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(__file__))
from _common import (  # noqa: E402
    DEFAULT_DATA_HOME,
    RESULTS,
    Timer,
    markdown_header,
    reuters,
    save_result,
    set_threads,
    versions,
)
from sklearn.decomposition import NMF  # noqa: E402
from sklearn.feature_extraction.text import TfidfTransformer  # noqa: E402

import sknonneg._engine.objective as engine_objective  # noqa: E402
from sknonneg import NonNegAutoencoder  # noqa: E402
from sknonneg.neural_network._training import TrainableNetwork  # noqa: E402

STEM = "autoencoder_gram"


class EpochTimes:
    """Wall and CPU seconds of each epoch of the training loop (the fit's own
    ``_epoch_step``, wrapped): the start (initialisation) and the end of a fit
    (``reconstruction_err_``, a pass through the dense reconstruction) are not
    the path's work, and take as long as an epoch or more."""

    def __init__(self):
        self.times = []

    def __enter__(self):
        original = self.original = TrainableNetwork._epoch_step

        def timed(*args, **kwargs):
            with Timer() as t:
                out = original(*args, **kwargs)
            self.times.append((t.wall, t.cpu))
            return out
        TrainableNetwork._epoch_step = timed
        return self

    def __exit__(self, *exc):
        TrainableNetwork._epoch_step = self.original


def fit(X, k, epochs, gram, seed, dtype="float32"):
    with engine_objective.gram_head(gram):
        est = NonNegAutoencoder(k, decoder="linear", dtype=dtype, max_iter=epochs,
                                tol=0.0, random_state=seed)
        with Timer() as t, EpochTimes() as epoch_times:
            est.fit(X)
    mse = est.reconstruction_err_ ** 2 / (X.shape[0] * X.shape[1])
    return est, t, epoch_times.times, float(mse)


def dense_data(seed=0, n_samples=6000, n_features=784, density=0.6):
    """Synthetic dense data (uniform values, ``density`` of them non-zero: above the
    25% under which the kernels take a dense input as CSR)."""
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, n_features))
    X *= rng.random((n_samples, n_features)) < density
    return X.astype(np.float32)


def measure(args):
    if args.dense:
        X = dense_data(args.seed)
        data = (f"Synthetic dense data: {X.shape[0]} rows x {X.shape[1]} columns, "
                "uniform values, 60% of them non-zero (a dense input as the kernels "
                "take it), float32")
        # The estimators keep the direct path for a dense input in a float32 fit;
        # "always" forces the head there, to measure what it would cost.
        new = "always"
    else:
        bow = reuters(args.data_home)
        tfidf = TfidfTransformer().fit(bow.X_train)
        X = sp.csr_matrix(tfidf.transform(bow.X_train), dtype=np.float32)
        data = (f"Reuters top-10 training set: {X.shape[0]} documents x "
                f"{X.shape[1]} terms, {X.nnz} stored values (tf-idf of log(1 + "
                "count), float32 CSR)")
        new = True
    dtype = args.dtype
    rows = []
    for k in args.k:
        fit(X, k, 1, False, args.seed, dtype)  # warm-up: compilation of both paths
        fit(X, k, 1, new, args.seed, dtype)
        runs = {"old": [], "new": []}
        fitted = {}
        for _ in range(args.repeats):
            for name, gram in (("old", False), ("new", new)):
                est, t, epochs, mse = fit(X, k, args.epochs, gram, args.seed, dtype)
                runs[name].append({"wall_s": t.wall, "cpu_s": t.cpu, "load": t.load,
                                   "n_iter": est.n_iter_, "mse": mse,
                                   "epoch_wall_s": [e[0] for e in epochs],
                                   "epoch_cpu_s": [e[1] for e in epochs]})
                fitted[name] = est
        row = {"k": k, "n_samples": X.shape[0], "n_features": X.shape[1],
               "nnz": int(X.nnz) if sp.issparse(X) else int(np.count_nonzero(X)),
               "epochs": args.epochs, "runs": runs}
        for name in ("old", "new"):
            r = runs[name]
            row[f"{name}_fit_wall_s"] = statistics.median(x["wall_s"] for x in r)
            row[f"{name}_fit_cpu_s"] = statistics.median(x["cpu_s"] for x in r)
            row[f"{name}_epoch_s"] = statistics.median(
                e for x in r for e in x["epoch_wall_s"])
            row[f"{name}_epoch_cpu_s"] = statistics.median(
                e for x in r for e in x["epoch_cpu_s"])
            row[f"{name}_mse"] = r[-1]["mse"]
        row["ratio_wall"] = row["old_epoch_s"] / row["new_epoch_s"]
        row["ratio_cpu"] = row["old_epoch_cpu_s"] / row["new_epoch_cpu_s"]
        row["ratio_fit_wall"] = row["old_fit_wall_s"] / row["new_fit_wall_s"]
        row["mse_rel_diff"] = abs(row["new_mse"] - row["old_mse"]) / row["old_mse"]
        # Whether the new path's batches (200 rows, float32) take the Gram head.
        row["gram_head"] = bool(engine_objective.gram_head_applies(
            fitted["new"]._layout.network, "squared_error", True,
            min(200, X.shape[0]), np.dtype(dtype), sparse=not args.dense))
        old_c, new_c = fitted["old"].components_, fitted["new"].components_
        row["components_max_abs_diff"] = float(np.max(np.abs(new_c - old_c)))
        row["components_max_abs"] = float(np.max(np.abs(old_c)))
        nmf = NMF(k, init="nndsvda", max_iter=400, tol=1e-4, random_state=args.seed)
        with Timer() as t:
            nmf.fit(X)
        row.update(nmf_wall_s=t.wall, nmf_cpu_s=t.cpu, nmf_n_iter=int(nmf.n_iter_),
                   nmf_mse=float(nmf.reconstruction_err_ ** 2
                                 / (X.shape[0] * X.shape[1])))
        rows.append(row)
        print(f"k={k}: old {row['old_epoch_s']:.3f} s/epoch, new "
              f"{row['new_epoch_s']:.3f} s/epoch, ratio {row['ratio_wall']:.2f}; "
              f"MSE {row['old_mse']:.6g} / {row['new_mse']:.6g}; NMF "
              f"{row['nmf_wall_s']:.2f} s", flush=True)
    return {"threads": args.threads, "epochs": args.epochs, "repeats": args.repeats,
            "seed": args.seed, "dense": bool(args.dense), "dtype": dtype,
            "data": data, "versions": versions(), "rows": rows}


def markdown(result):
    rec = result["record"]
    dense = result.get("dense", False)
    lines = markdown_header(rec, "NonNegAutoencoder(decoder='linear'): Gram head vs "
                                 "direct head, " + ("dense data" if dense
                                                    else "Reuters tf-idf"))
    r0 = result["rows"][0]
    data = result.get("data") or (
        f"Reuters top-10 training set: {r0['n_samples']} documents x "
        f"{r0['n_features']} terms, {r0['nnz']} stored values (tf-idf of log(1 + "
        "count), float32 CSR)")
    dtype = result.get("dtype", "float32")
    batches = -(-r0["n_samples"] // 200)
    lines += [
        f"{data}. NonNegAutoencoder(k, decoder='linear', "
        f"dtype='{dtype}', max_iter={result['epochs']}, tol=0), Adam on batches of 200 "
        f"rows; {result['threads']} thread(s); a warm-up fit per path, then "
        f"{result['repeats']} fits per path alternated, medians. old: the direct "
        "(fused) head (`gram_head(False)`); new: the Gram head"
        + ((' (`gram_head("always")`: the estimators keep the direct path for a '
            "dense input in a float32 fit, this measures what the head would cost "
            "there)" if dtype == "float32" else " (the estimators take it for a "
            "dense input in a float64 fit)") if dense
           else "") + ". MSE: mean squared "
        "error per entry on the training set after the fit (same seed, same batches). "
        "NMF(k, init='nndsvda', max_iter=400, tol=1e-4): one fit to convergence.",
        "",
        f"s/epoch: median wall seconds of an epoch ({batches} batches) over all "
        "epochs of the timed fits (CPU seconds in the JSON); fit s: median wall "
        "seconds of a whole fit of these epochs, initialisation and the final "
        "`reconstruction_err_` (a dense pass) included.",
        "",
        ("Gram head: whether the estimators take it on this data "
         "(`sknonneg._engine.objective.gram_head_applies`: a dense input in a "
         "float64 fit only)."
         if dense else
         "Gram head: whether the new path takes it (a float32 fit: k <= rows / 2, "
         "`sknonneg._engine.objective.gram_head_applies`; the last batch of an "
         "epoch, 90 rows, keeps the direct path at k = 64); where it does not, both "
         "columns time the same direct path.")
        + " The Gram head's products run on one "
        "BLAS thread whatever the thread budget (the numba kernels around them "
        "use it).",
        "",
        "| k | Gram head | old s/epoch | new s/epoch | ratio (wall) | ratio (CPU) | "
        "old fit s | new fit s | old MSE | new MSE | MSE rel. diff | max abs diff "
        "components_ (max abs) | NMF fit s (iters) | NMF MSE |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(
            f"| {r['k']} | {'yes' if r['gram_head'] else 'no'} | "
            f"{r['old_epoch_s']:.3f} | {r['new_epoch_s']:.3f} | "
            f"{r['ratio_wall']:.2f} | {r['ratio_cpu']:.2f} | "
            f"{r['old_fit_wall_s']:.2f} | {r['new_fit_wall_s']:.2f} | "
            f"{r['old_mse']:.6g} | "
            f"{r['new_mse']:.6g} | {r['mse_rel_diff']:.1e} | "
            f"{r['components_max_abs_diff']:.1e} ({r['components_max_abs']:.3g}) | "
            f"{r['nmf_wall_s']:.2f} ({r['nmf_n_iter']}) | {r['nmf_mse']:.6g} |")
    v = result["versions"]
    lines += ["", "Versions: " + ", ".join(f"{name} {ver}" for name, ver in v.items()),
              ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-home", default=DEFAULT_DATA_HOME)
    parser.add_argument("--dense", action="store_true",
                        help="synthetic dense data instead of Reuters tf-idf")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--suffix", default="",
                        help="appended to the results' file names")
    args = parser.parse_args()
    set_threads(args.threads)  # the BLAS pool: sknonneg's thread budget too
    stem = STEM + args.suffix
    save_result(stem, measure(args), markdown)
    print((RESULTS / f"{stem}.md").read_text())


if __name__ == "__main__":
    main()
