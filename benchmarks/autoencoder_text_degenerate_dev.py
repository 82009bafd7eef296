"""Why a NonNegAutoencoder fit on Reuters tf-idf ends at the mean row's error (dev).

The finding: ``NonNegAutoencoder(64, decoder="linear", dtype="float32",
random_state=0)`` (the configuration of ``autoencoder_speed.py``, its other
parameters at their defaults) fitted on the Reuters top-10 tf-idf training matrix
(6,490 x 9,936, float32 CSR) ends with a training reconstruction error within 1%
of the mean row's and raises a ``DegenerateFitWarning``; at k = 16 it does not.
This script measures why, for k in ``--k`` (default 16 32 64 128).

DEVELOPMENT data only: the TRAINING part of Reuters-21578 ModApte top-10 (6,490
documents) is split once as ``autoencoder_text_parts_dev.py`` splits it
(``train_test_split(test_size=0.2, random_state=44)``), and the fits read the
first ``--dev-docs`` (4,000) of the 5,192 development-training documents; the
1,298 validation documents are only scored. The test part, on which
``autoencoder_vs_nmf.py`` evaluates, is never loaded. The matrix is built as
``benchmarks/_common.reuters`` and ``autoencoder_speed.py`` build theirs, on those
documents: ``CountVectorizer(stop_words="english", min_df=3)`` fitted on the
development-training documents, ``log(1 + count)``, ``TfidfTransformer()`` fitted
there too, float32 CSR.

Configurations, seed 0 (``--seeds``):

- ``linear32``: ``decoder="linear", dtype="float32"``, defaults otherwise (the
  finding's);
- ``linear32_tol0``: the same with ``tol=0``: all 50 epochs (is ``tol`` stopping
  the fit early?);
- ``linear32_lr003``: the same with ``learning_rate_init=0.003`` (the step the
  user guide measured better on tf-idf, ``doc/defaults.md``);
- ``linear32_lr001``: the same with ``learning_rate_init=0.001`` (added after
  the first two commands: 0.003 was not enough at k = 128);
- ``linear32_l2_0``: the same with ``l2=0`` (is the L2 penalty holding it at the
  mean row?);
- ``sigmoid``: every parameter at its default (``decoder="sigmoid"``, float64).

Columns: ``n_iter`` (epochs run; 50 is the limit), ``train_ratio`` (the training
reconstruction error per entry over the mean row's: the ``DegenerateFitWarning``
fires at 0.99 and above), ``val_ratio`` (the same on the validation documents, the
mean row being the development-training one), ``degenerate`` (whether the
warning fired), ``first_loss`` / ``last_loss`` (the epoch losses),
``l2_share_start`` / ``l2_share_end`` (the share of the L2 term,
``l2 * (||W1||^2 + ||W2||^2)``, in the objective at the starting weights and at
the end), ``dead`` (codes whose standard deviation over the training rows is below
1e-3), ``saturated`` (codes whose mean over the training rows is below 0.01 or
above 0.99), ``parts_mean`` (mean weight of ``components_``), ``b2_mean`` (mean
output bias), ``fit_cpu_s``.

    PYTHONPATH=. python benchmarks/autoencoder_text_degenerate_dev.py --quick
    PYTHONPATH=. python benchmarks/autoencoder_text_degenerate_dev.py --k 64 \
        --configs linear32 linear32_tol0 linear32_lr003 linear32_l2_0 sigmoid
    PYTHONPATH=. python benchmarks/autoencoder_text_degenerate_dev.py --append \
        --k 16 32 128 --configs linear32 linear32_tol0 linear32_lr003

    PYTHONPATH=. python benchmarks/autoencoder_text_degenerate_dev.py --append \
        --k 64 128 --configs linear32_lr001

(the run recorded in the results: the three commands, in this order; ``--append``
adds a command's rows to those before).

Writes benchmarks/results/autoencoder_text_degenerate_dev[_quick].{json,md}.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(__file__))
from _common import RESULTS, add_common_args, markdown_header  # noqa: E402
from _common import run_record, save_json, set_threads  # noqa: E402

from sklearn.feature_extraction.text import CountVectorizer  # noqa: E402
from sklearn.feature_extraction.text import TfidfTransformer  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from sknonneg import NonNegAutoencoder  # noqa: E402
from sknonneg.datasets import load_reuters  # noqa: E402
from sknonneg.exceptions import DegenerateFitWarning  # noqa: E402

SPLIT_SEED = 44
STEM = "autoencoder_text_degenerate_dev"
CONFIGS = {
    "linear32": dict(decoder="linear", dtype="float32"),
    "linear32_tol0": dict(decoder="linear", dtype="float32", tol=0.0),
    "linear32_lr003": dict(decoder="linear", dtype="float32",
                           learning_rate_init=0.003),
    "linear32_lr001": dict(decoder="linear", dtype="float32",
                           learning_rate_init=0.001),
    "linear32_l2_0": dict(decoder="linear", dtype="float32", l2=0.0),
    "sigmoid": dict(),
}


def data(data_home, quick, dev_docs):
    docs = load_reuters(data_home=data_home, subset="top10").data_train
    dev, val = train_test_split(docs, test_size=0.2, random_state=SPLIT_SEED)
    dev = dev[:dev_docs]
    if quick:
        dev, val = dev[:1200], val[:400]
    counts = CountVectorizer(stop_words="english", min_df=3)
    C_dev = sp.csr_matrix(counts.fit_transform(dev), dtype=np.float64)
    C_val = sp.csr_matrix(counts.transform(val), dtype=np.float64)
    C_dev.data, C_val.data = np.log1p(C_dev.data), np.log1p(C_val.data)
    tfidf = TfidfTransformer().fit(C_dev)
    return (sp.csr_matrix(tfidf.transform(C_dev), dtype=np.float32),
            sp.csr_matrix(tfidf.transform(C_val), dtype=np.float32))


def mse(X, R):
    return float(np.mean((X.toarray().astype(np.float64) - R) ** 2))


def l2_term(est, coefs):
    return est.l2 * sum(float(np.sum(np.asarray(c, np.float64) ** 2)) for c in coefs)


def start_l2_share(est, X):
    """The L2 term's share of the objective at a start drawn as the fit draws its
    own (``_init_theta`` with ``RandomState(seed)``; the fit's own draw may differ,
    its distribution does not), over the rows ``X``."""
    probe = NonNegAutoencoder(**est.get_params())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe.set_params(max_iter=1).fit(X[:50])  # sets the fitted layout
    layout = probe._build_layout(X.shape[1], X.shape[1])
    theta = probe._init_theta(layout, X, np.random.RandomState(est.random_state))
    coefs, intercepts = layout.arrays(theta)
    H = 1.0 / (1.0 + np.exp(-(X @ coefs[0] + intercepts[0])))
    out = H @ coefs[1] + intercepts[1]
    if est.decoder == "sigmoid":
        out = 1.0 / (1.0 + np.exp(-out))
    recon = 0.5 * float(np.sum((X.toarray().astype(np.float64) - out) ** 2)) / X.shape[0]
    pen = l2_term(est, coefs)
    return pen / (pen + recon), recon


def measure(name, k, seed, X, X_val, mean_row):
    est = NonNegAutoencoder(k, random_state=seed, **CONFIGS[name])
    t0 = time.process_time()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.fit(X)
    cpu = time.process_time() - t0
    H = np.asarray(est.transform(X), dtype=np.float64)
    R = est.inverse_transform(H)
    Hv = est.transform(X_val)
    train = mse(X, R) / mse(X, np.broadcast_to(mean_row, X.shape))
    val = (mse(X_val, est.inverse_transform(Hv))
           / mse(X_val, np.broadcast_to(mean_row, X_val.shape)))
    share0, recon0 = start_l2_share(est, X[:2000])
    pen = l2_term(est, est.coefs_)
    means = H.mean(0)
    return {
        "config": name, "k": k, "seed": seed, "n_iter": est.n_iter_,
        "train_ratio": train, "val_ratio": val,
        "degenerate": any(w.category is DegenerateFitWarning for w in record),
        "warnings": sorted({w.category.__name__ for w in record}),
        "first_loss": float(est.loss_curve_[0]), "last_loss": float(est.loss_),
        "l2_share_start": share0, "l2_share_end": pen / float(est.loss_),
        "dead": int(np.sum(H.std(0) < 1e-3)),
        "saturated": int(np.sum((means < 0.01) | (means > 0.99))),
        "parts_mean": float(np.mean(est.components_)),
        "b2_mean": float(np.mean(est.intercepts_[1])),
        "fit_cpu_s": cpu,
    }


COLS = ["n_iter", "train_ratio", "val_ratio", "degenerate", "first_loss", "last_loss",
        "l2_share_start", "l2_share_end", "dead", "saturated", "parts_mean", "b2_mean",
        "fit_cpu_s"]


def markdown(result):
    lines = markdown_header(result["record"], "NonNegAutoencoder on Reuters tf-idf: "
                            "why the fit ends at the mean row's error (development run)")
    s = result["sizes"]
    lines += [f"Development data only: {s['dev']} development-training and "
              f"{s['val']} validation documents of the TRAINING part "
              f"(`train_test_split(test_size=0.2, random_state={SPLIT_SEED})`), "
              f"{s['terms']} terms; the test part is never read. Seeds "
              f"{result['seeds']}. Columns: see the script's docstring.", ""]
    for k in result["ks"]:
        lines += [f"## k = {k}", "", "| config | " + " | ".join(COLS) + " |",
                  "| --- |" + " ---: |" * len(COLS)]
        for r in result["rows"]:
            if r["k"] != k:
                continue
            cells = []
            for c in COLS:
                v = r[c]
                cells.append(str(v) if isinstance(v, (bool, int)) else f"{v:.4g}")
            lines.append(f"| {r['config']} (seed {r['seed']}) | " + " | ".join(cells)
                         + " |")
        lines.append("")
    if result.get("reading"):
        lines += ["## Reading", "", result["reading"].strip(), ""]
    return "\n".join(lines) + "\n"


def main():
    parser = add_common_args(argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter))
    parser.set_defaults(seeds=None)
    parser.add_argument("--k", type=int, nargs="+", default=[16, 32, 64, 128])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS))
    parser.add_argument("--dev-docs", type=int, default=4000)
    parser.add_argument("--append", action="store_true",
                        help="add the rows to those of the results JSON")
    args = parser.parse_args()
    set_threads(args.threads)
    seeds = args.seeds or [0]
    X, X_val = data(args.data_home, args.quick, args.dev_docs)
    mean_row = np.asarray(X.mean(axis=0), dtype=np.float64)
    stem = STEM + ("_quick" if args.quick else "")
    result = {"ks": args.k, "seeds": seeds, "quick": args.quick,
              "sizes": {"dev": X.shape[0], "val": X_val.shape[0], "terms": X.shape[1]},
              "rows": []}
    if args.append and (RESULTS / f"{stem}.json").exists():
        import json
        result["rows"] = json.loads((RESULTS / f"{stem}.json").read_text())["rows"]
        result["ks"] = sorted({r["k"] for r in result["rows"]} | set(args.k))
    for k in args.k:
        for name in args.configs:
            for seed in seeds:
                row = measure(name, k, seed, X, X_val, mean_row)
                result["rows"].append(row)
                print({c: row[c] for c in ["config", "k", *COLS]}, flush=True)
                result["record"] = run_record()
                save_json(RESULTS / f"{stem}.json", result)
                (RESULTS / f"{stem}.md").write_text(markdown(result))


if __name__ == "__main__":
    main()
