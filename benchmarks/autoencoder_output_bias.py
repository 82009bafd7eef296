"""Does a lower clip of the sigmoid decoder's initial output biases help
``NonNegAutoencoder`` (found in development: ``solver="lbfgsb"`` at its other
defaults is degenerate on 2,000 Reuters tf-idf documents)?

The initial output biases are ``logit(clip(column mean, _LOGIT_CLIP, 1 -
_LOGIT_CLIP))`` with ``_LOGIT_CLIP = 1e-3``; tf-idf's column means are ~1e-4. The
candidates change only that clip (every other draw of the initialisation is the
same, so each row compares the same start but for the output biases):

- ``current``: clip at 1e-3 (the code as it is);
- ``clip1e-6``: clip at 1e-6;
- ``exact``: no clip where the column mean is in (0, 1) (``sigmoid(b2)`` is the
  column mean), 1e-3 (1 - 1e-3) where it is 0 (1): zero-mean columns such as
  MNIST's border pixels, where ``logit(0) = -inf``.

Private imports (sknonneg._*): ``sknonneg.neural_network._autoencoder``, to set
its constant ``_LOGIT_CLIP`` and wrap its ``logit`` (used by the initialisation
only): the clip is what is measured, and no public parameter sets it; and, for the
``start`` part, to record the initial parameters (``_init_theta``) and read them
(``_layout``): the objective's terms at the start are not public.

Data, each split into training rows and held-out rows (the training documents of
Reuters only, never its test set; the vectorizer fitted on the training rows):
Reuters top-10 tf-idf (the first 2,000 training documents,
``TfidfVectorizer(stop_words="english", min_df=3)``, 1,500 to fit, 500 held out;
and the whole training set, its first four fifths to fit, the last fifth held out),
MNIST (the first 5,000 training images / 255, and binarised at 0.5; 4,000 / 1,000),
digits / 16 (1,347 / 450). ``NonNegAutoencoder(n_components=k, solver=...,
nonneg=..., random_state=seed)`` at its other defaults (sigmoid decoder, 50
iterations). Error: mean squared reconstruction error per entry of the held-out
rows; the mean row's: that of the training rows' mean row on the held-out rows.

Rule of adoption, written before measuring: a candidate is adopted only if
(1) on Reuters tf-idf with ``solver="lbfgsb"`` (k = 16 and 64) its held-out error
ratio to the mean row is below 0.99 where the current code's is at least 0.99, or
at least 0.02 lower than the current code's; and (2) with the default solver
(Adam), on every data set, k, ``nonneg`` mode and seed, its held-out error is at
most the current code's times 1.01 (or the current code's spread over seeds, if
larger). The context rows (``lbfgsb`` with ``l2=0``, and ``max_iter=200``) are not
candidates: they change a default, and are there to locate the cause.

    python benchmarks/autoencoder_output_bias.py --part reuters
    python benchmarks/autoencoder_output_bias.py --part reuters-full
    python benchmarks/autoencoder_output_bias.py --part mnist
    python benchmarks/autoencoder_output_bias.py --part digits

    python benchmarks/autoencoder_output_bias.py --part start
    python benchmarks/autoencoder_output_bias.py --part summary

Writes benchmarks/results/autoencoder_output_bias_<part>.{json,md}; ``summary``
reads the four measuring parts' JSON and applies the rule above
(benchmarks/results/autoencoder_output_bias_summary.{json,md}).
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(__file__))
from _common import (  # noqa: E402
    DEFAULT_DATA_HOME, markdown_header, save_result, set_threads,
)
from scipy.special import logit  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

import sknonneg.neural_network._autoencoder as _ae  # noqa: E402
from sknonneg import NonNegAutoencoder  # noqa: E402
from sknonneg.datasets import load_reuters  # noqa: E402

CANDIDATES = ("current", "clip1e-6", "exact")


def _exact_logit(p):
    p = np.where(p <= 0.0, 1e-3, np.where(p >= 1.0, 1.0 - 1e-3, p))
    return logit(p)


def set_candidate(name):
    """The initialisation's clip of the output biases for candidate ``name``."""
    _ae.logit = logit
    if name == "current":
        _ae._LOGIT_CLIP = 1e-3
    elif name == "clip1e-6":
        _ae._LOGIT_CLIP = 1e-6
    elif name == "exact":
        _ae._LOGIT_CLIP = 0.0
        _ae.logit = _exact_logit
    else:
        raise ValueError(name)


def dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)


def errors(model, X_fit, X_ho):
    """Held-out mean squared error per entry of the model and of the training
    rows' mean row."""
    mean_row = np.asarray(X_fit.mean(axis=0)).ravel()
    Xh = dense(X_ho)
    recon = model.inverse_transform(model.transform(X_ho))
    return (float(((recon - Xh) ** 2).mean()),
            float(((Xh - mean_row) ** 2).mean()))


def datasets(part):
    if part == "reuters":
        docs = load_reuters(data_home=DEFAULT_DATA_HOME).data_train[:2000]
        vec = TfidfVectorizer(stop_words="english", min_df=3).fit(docs[:1500])
        yield "reuters-tfidf-2000", vec.transform(docs[:1500]), vec.transform(docs[1500:])
    elif part == "reuters-full":
        docs = load_reuters(data_home=DEFAULT_DATA_HOME).data_train
        cut = len(docs) * 4 // 5
        vec = TfidfVectorizer(stop_words="english", min_df=3).fit(docs[:cut])
        yield "reuters-tfidf-train", vec.transform(docs[:cut]), vec.transform(docs[cut:])
    elif part == "mnist":
        X = np.load(os.path.join(DEFAULT_DATA_HOME, "mnist.npz"))["X_train"][:5000] / 255.0
        yield "mnist-5000/255", X[:4000], X[4000:]
        Xb = (X > 0.5).astype(np.float64)
        yield "mnist-5000-binary", Xb[:4000], Xb[4000:]
    else:
        X = load_digits().data / 16.0
        yield "digits/16", X[:1347], X[1347:]


def grid(part):
    if part == "reuters":
        return ([dict(k=k, solver=s, nonneg="bounds", seed=seed) for k in (16, 64)
                 for s in ("adam", "lbfgsb") for seed in (0, 1)]
                + [dict(k=64, solver="adam", nonneg="penalty", seed=seed) for seed in (0, 1)])
    if part == "reuters-full":
        return [dict(k=64, solver=s, nonneg="bounds", seed=0) for s in ("adam", "lbfgsb")]
    if part == "mnist":
        return ([dict(k=64, solver=s, nonneg="bounds", seed=seed)
                 for s in ("adam", "lbfgsb") for seed in (0, 1, 2)]
                + [dict(k=64, solver="adam", nonneg="penalty", seed=seed)
                   for seed in (0, 1, 2)])
    return [dict(k=k, solver=s, nonneg=n, seed=seed) for k in (16, 64)
            for s in ("adam", "lbfgsb") for n in ("bounds", "penalty")
            for seed in (0, 1, 2)]


def measure(part):
    set_threads(1)
    rows = []
    for data, X_fit, X_ho in datasets(part):
        settings = grid(part)
        if part == "reuters":  # context, not candidates
            settings += [dict(k=64, solver="lbfgsb", nonneg="bounds", seed=0, l2=0.0),
                         dict(k=64, solver="lbfgsb", nonneg="bounds", seed=0, max_iter=200)]
        for cfg in settings:
            for cand in CANDIDATES:
                if ("l2" in cfg or "max_iter" in cfg) and cand != "current":
                    continue
                set_candidate(cand)
                extra = {key: cfg[key] for key in ("l2", "max_iter") if key in cfg}
                model = NonNegAutoencoder(n_components=cfg["k"], solver=cfg["solver"],
                                          nonneg=cfg["nonneg"], random_state=cfg["seed"],
                                          **extra)
                start = time.perf_counter()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    model.fit(X_fit)
                seconds = time.perf_counter() - start
                err, mean_err = errors(model, X_fit, X_ho)
                row = dict(data=data, **cfg, candidate=cand, heldout_error=err,
                           mean_row_error=mean_err, ratio_to_mean_row=err / mean_err,
                           loss_first=float(model.loss_curve_[0]), loss_last=float(model.loss_),
                           n_iter=int(model.n_iter_), seconds=round(seconds, 1),
                           warnings=sorted({type(w.message).__name__ for w in caught}))
                rows.append(row)
                print(data, cfg, cand, f"ratio {err / mean_err:.4f}", row["warnings"],
                      f"{seconds:.0f}s", flush=True)
    set_candidate("current")
    return {"rows": rows}


def markdown(result):
    lines = markdown_header(result["record"], "Sigmoid decoder's initial output biases: "
                            "held-out error per candidate clip")
    lines += ["Held-out mean squared error per entry over the mean row's "
              "(`ratio`), and over the current code's (`vs current`).", "",
              "| data | k | solver | nonneg | seed | extra | candidate | ratio | vs current "
              "| first loss | last loss | warnings |", "|" + "---|" * 12]
    current = {}
    for r in result["rows"]:
        key = (r["data"], r["k"], r["solver"], r["nonneg"], r["seed"],
               r.get("l2"), r.get("max_iter"))
        if r["candidate"] == "current":
            current[key] = r["heldout_error"]
        extra = ", ".join(f"{k}={r[k]}" for k in ("l2", "max_iter") if k in r)
        lines.append(f"| {r['data']} | {r['k']} | {r['solver']} | {r['nonneg']} | "
                     f"{r['seed']} | {extra} | {r['candidate']} | "
                     f"{r['ratio_to_mean_row']:.4f} | "
                     f"{r['heldout_error'] / current[key]:.4f} | {r['loss_first']:.4f} | "
                     f"{r['loss_last']:.4f} | {', '.join(r['warnings'])} |")
    return "\n".join(lines) + "\n"


def start_terms():
    """The objective's terms at the start (the degenerate case above: the first 2,000
    Reuters training documents, all fitted, ``solver="lbfgsb"``, k = 64), per
    candidate: the reconstruction term against the mean row's, and the ``l2``
    term of each layer."""
    docs = load_reuters(data_home=DEFAULT_DATA_HOME).data_train[:2000]
    X = TfidfVectorizer(stop_words="english", min_df=3).fit_transform(docs)
    original, store = _ae.NonNegAutoencoder._init_theta, {}

    def recording(self, *args, **kwargs):
        store["theta"] = original(self, *args, **kwargs).copy()
        return store["theta"].copy()

    rows = []
    _ae.NonNegAutoencoder._init_theta = recording
    try:
        for cand in CANDIDATES:
            set_candidate(cand)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = NonNegAutoencoder(solver="lbfgsb", max_iter=1,
                                          random_state=0).fit(X)
            (coef1, _), (coef2, _) = model._layout.views(store["theta"])
            theta = model._theta.copy()
            model._theta[:] = store["theta"]
            recon = model._reconstruction_error(X) ** 2 / (2 * X.shape[0])
            model._theta[:] = theta
            mean_row = np.asarray(X.mean(axis=0)).ravel()
            mean_recon = float(sum(((X[i].toarray().ravel() - mean_row) ** 2).sum()
                                   for i in range(X.shape[0]))) / (2 * X.shape[0])
            l2_encoder = model.l2 * float((coef1 ** 2).sum())
            l2_decoder = model.l2 * float((coef2 ** 2).sum())
            rows.append(dict(candidate=cand, reconstruction=recon,
                             mean_row_reconstruction=mean_recon,
                             l2_encoder=l2_encoder, l2_decoder=l2_decoder,
                             objective=recon + l2_encoder + l2_decoder,
                             column_mean_median=float(np.median(mean_row)),
                             column_mean_min=float(mean_row.min())))
            print(rows[-1], flush=True)
    finally:
        _ae.NonNegAutoencoder._init_theta = original
        set_candidate("current")
    return {"shape": list(X.shape), "rows": rows}


def start_markdown(result):
    lines = markdown_header(result["record"], "Sigmoid decoder's start on 2,000 Reuters "
                            "tf-idf documents: the objective's terms")
    lines += [f"{result['shape'][0]} x {result['shape'][1]} tf-idf, "
              "`NonNegAutoencoder(solver=\"lbfgsb\", random_state=0)` (k = 64, l2 = 1e-5; "
              "sparsity_weight 0: no KL term).", "",
              "| candidate | reconstruction term | mean row's | l2, encoder | l2, decoder "
              "| objective |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['candidate']} | {r['reconstruction']:.4f} | "
              f"{r['mean_row_reconstruction']:.4f} | {r['l2_encoder']:.4f} | "
              f"{r['l2_decoder']:.4f} | {r['objective']:.4f} |" for r in result["rows"]]
    return "\n".join(lines) + "\n"


PARTS = ("reuters", "reuters_full", "mnist", "digits")


def summary():
    """The rule of adoption applied to the parts' rows."""
    import json

    results = os.path.join(os.path.dirname(__file__), "results")
    rows = [r for part in PARTS for r in json.load(open(os.path.join(
        results, f"autoencoder_output_bias_{part}.json")))["rows"]
        if "l2" not in r and "max_iter" not in r]

    def group(r):
        return r["data"], r["k"], r["solver"], r["nonneg"]

    current = {group(r) + (r["seed"],): r for r in rows if r["candidate"] == "current"}
    spread = {}
    for key, r in current.items():
        spread.setdefault(key[:4], []).append(r["heldout_error"])
    verdict = {}
    for cand in CANDIDATES[1:]:
        adam, lbfgsb = [], []
        for r in rows:
            if r["candidate"] != cand:
                continue
            base = current[group(r) + (r["seed"],)]
            errs = spread[group(r)]
            allowed = max(1.01, max(errs) / min(errs))
            entry = dict(data=r["data"], k=r["k"], nonneg=r["nonneg"], seed=r["seed"],
                         vs_current=r["heldout_error"] / base["heldout_error"],
                         allowed=allowed, ratio=r["ratio_to_mean_row"],
                         current_ratio=base["ratio_to_mean_row"])
            if r["solver"] == "adam":
                adam.append(entry)
            elif r["data"].startswith("reuters"):
                lbfgsb.append(entry)
        adam_ok = all(e["vs_current"] <= e["allowed"] for e in adam)
        fixes = all((e["ratio"] < 0.99 <= e["current_ratio"])
                    or e["ratio"] <= e["current_ratio"] - 0.02 for e in lbfgsb)
        verdict[cand] = dict(adam_not_worse=adam_ok, fixes_lbfgsb_tfidf=fixes,
                             adopted=adam_ok and fixes,
                             worst_adam_vs_current=max(e["vs_current"] for e in adam),
                             lbfgsb_tfidf=lbfgsb)
    return {"verdict": verdict}


def summary_markdown(result):
    lines = markdown_header(result["record"], "Sigmoid decoder's initial output biases: "
                            "the rule of adoption applied")
    for cand, v in result["verdict"].items():
        lines += [f"## {cand}", "",
                  f"Adam not worse than the current code on every row: {v['adam_not_worse']} "
                  f"(worst held-out error over the current code's: "
                  f"{v['worst_adam_vs_current']:.4f}); fixes or clearly improves L-BFGS-B "
                  f"on tf-idf: {v['fixes_lbfgsb_tfidf']}; adopted: {v['adopted']}.", "",
                  "| data | k | seed | ratio to mean row | current code's | vs current |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {e['data']} | {e['k']} | {e['seed']} | {e['ratio']:.4f} | "
                  f"{e['current_ratio']:.4f} | {e['vs_current']:.4f} |"
                  for e in v["lbfgsb_tfidf"]]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", required=True, choices=(
        "reuters", "reuters-full", "mnist", "digits", "start", "summary"))
    args = parser.parse_args()
    stem = f"autoencoder_output_bias_{args.part.replace('-', '_')}"
    if args.part == "summary":
        save_result(stem, summary(), summary_markdown)
    elif args.part == "start":
        save_result(stem, start_terms(), start_markdown)
    else:
        save_result(stem, measure(args.part), markdown)
    print(open(os.path.join(os.path.dirname(__file__), "results", stem + ".md")).read())
