"""Paired timing of NonNegAutoencoder's default fit on Reuters tf-idf: this
checkout against another commit's, with NMF's time beside them.

Reuters top-10 training set (6,490 documents x 9,936 terms, tf-idf of log(1 +
count), float32 CSR, as ``autoencoder_solver_tfidf.py``).
``NonNegAutoencoder(k, decoder="linear", dtype="float32", random_state=0)``, the
defaults otherwise (projected Adam, batches of 200, 50 epochs), at each ``k`` of
``--ks``. Each fit runs in a subprocess of its own that imports ``sknonneg`` from
one side only (``--base``, a checkout of the commit to compare with, made by
``git worktree add --detach /tmp/base <commit>``; or this checkout), after an
untimed warm-up fit there (4 codes, 1 epoch, 400 rows: the kernels are loaded or
compiled outside the timing). The sides alternate, A then B, after one untimed
round of each (whose codes and parts are compared: ``np.array_equal``), for
``--repeats`` rounds; medians of the wall and CPU seconds of ``fit`` and their
ratios (the CPU seconds are the steadier on a shared machine).
One thread (BLAS and numba). ``NMF(k, init="nndsvda", max_iter=400, tol=1e-4,
random_state=0)`` fitted 3 times in this process, its median beside them.

    python benchmarks/autoencoder_speed.py --base /tmp/base [--repeats 5] [--ks 16 64]

Writes benchmarks/results/autoencoder_speed_<commit>.{json,md}, <commit> this
checkout's (``git rev-parse --short=7 HEAD``; ``-dirty`` where the tree differs).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

if __name__ == "__main__" and "--worker" in sys.argv:
    # One fit in a process of its own: sknonneg from the checkout given, nothing of
    # this one (``_common`` puts this checkout first on the path: not imported).
    import argparse
    import warnings

    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", required=True)  # the checkout to import from
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--save", default=None)
    args = parser.parse_args()
    sys.path.insert(0, args.worker)
    import numpy as np
    import scipy.sparse as sp
    from threadpoolctl import threadpool_limits

    import sknonneg
    from sknonneg import NonNegAutoencoder

    threadpool_limits(limits=1)
    X = sp.load_npz(args.data).tocsr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        NonNegAutoencoder(4, decoder="linear", dtype="float32", max_iter=1).fit(X[:400])
        model = NonNegAutoencoder(args.k, decoder="linear", dtype="float32",
                                  random_state=0)
        load = os.getloadavg()[0]
        wall0, cpu0 = time.perf_counter(), time.process_time()
        model.fit(X)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if args.save:
        np.savez(args.save, codes=model.transform(X), parts=model.components_)
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "load": load,
                      "n_iter": int(model.n_iter_),
                      "sknonneg": os.path.dirname(sknonneg.__file__)}))
    sys.exit(0)

import argparse  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from _common import (  # noqa: E402
    DEFAULT_DATA_HOME, REPO, RESULTS, Timer, markdown_header, reuters, run_record,
    save_json, set_threads,
)
from sklearn.decomposition import NMF  # noqa: E402
from sklearn.feature_extraction.text import TfidfTransformer  # noqa: E402


def short_commit(path):
    """``git rev-parse --short=7 HEAD`` of the checkout at ``path``, ``-dirty`` where
    its tracked files differ from it."""
    head = subprocess.run(["git", "rev-parse", "--short=7", "HEAD"], cwd=path,
                          capture_output=True, text=True, check=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           cwd=path, capture_output=True, text=True).stdout.strip()
    return head + ("-dirty" if dirty else "")


def run_fit(checkout, k, data, save=None):
    """One fit in a subprocess importing sknonneg from ``checkout``: its record."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", str(checkout),
               "--k", str(k), "--data", data] + (["--save", save] if save else [])
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    result = subprocess.run(command, capture_output=True, text=True, env=env,
                            cwd=str(checkout), check=False)
    if result.returncode != 0:
        raise RuntimeError(f"fit on {checkout} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(args):
    set_threads(1)
    bow = reuters(args.data_home)
    X = sp.csr_matrix(TfidfTransformer().fit(bow.X_train).transform(bow.X_train),
                      dtype=np.float32)
    sides = {"A": os.path.abspath(args.base), "B": str(REPO)}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "tfidf.npz")
        sp.save_npz(data, X)
        for k in args.ks:
            saved = {side: os.path.join(tmp, f"{side}{k}.npz") for side in sides}
            for side, checkout in sides.items():  # untimed round; their results kept
                run_fit(checkout, k, data, saved[side])
            a, b = (np.load(saved[side]) for side in sides)
            equal = {name: bool(np.array_equal(a[name], b[name]))
                     for name in ("codes", "parts")}
            runs = {side: [] for side in sides}
            for repeat in range(args.repeats):
                for side, checkout in sides.items():
                    # The side, not the machine's path of its checkout.
                    runs[side].append({**run_fit(checkout, k, data), "sknonneg": side})
                    print(k, side, repeat, runs[side][-1], flush=True)
            nmf = []
            for _ in range(3):
                model = NMF(k, init="nndsvda", max_iter=400, tol=1e-4, random_state=0)
                with Timer() as t:
                    model.fit(X)
                nmf.append({"wall_s": t.wall, "cpu_s": t.cpu,
                            "n_iter": int(model.n_iter_)})
            med = {side: float(np.median([r["wall_s"] for r in runs[side]]))
                   for side in sides}
            rows.append({"k": k, "equal": equal, "runs": runs, "nmf": nmf,
                         "median_wall_s": med,
                         "median_cpu_s": {side: float(np.median(
                             [r["cpu_s"] for r in runs[side]])) for side in sides},
                         "ratio_A_over_B": med["A"] / med["B"],
                         "nmf_median_wall_s": float(np.median(
                             [r["wall_s"] for r in nmf])),
                         "n_iter": {side: runs[side][0]["n_iter"] for side in sides}})
            print(rows[-1]["k"], med, rows[-1]["ratio_A_over_B"], equal, flush=True)
    return {"shape": list(X.shape), "base_commit": short_commit(args.base),
            "commit": short_commit(REPO), "repeats": args.repeats, "rows": rows}


def markdown(result):
    rec = result["record"]
    lines = markdown_header(rec, "NonNegAutoencoder's default fit on Reuters tf-idf: "
                                 f"{result['commit']} against {result['base_commit']}")
    lines += [
        f"Training set {result['shape'][0]} x {result['shape'][1]}, tf-idf of log(1 + "
        "count), float32 CSR. NonNegAutoencoder(k, decoder='linear', dtype='float32', "
        "random_state=0), the defaults otherwise (projected Adam, 50 epochs of batches "
        "of 200). A: sknonneg at "
        f"{result['base_commit']}; B: at {result['commit']}. Each fit in a process of "
        "its own (after a warm-up fit there), A and B alternating, "
        f"{result['repeats']} rounds after an untimed one; one thread; medians of the "
        "wall and CPU seconds of fit (on a shared machine the CPU seconds are the "
        "steadier: the wall seconds include the time the process waited for a core). "
        "'Same results': np.array_equal of transform(X) and components_ of A's and "
        "B's fits. NMF(k, init='nndsvda', max_iter=400, tol=1e-4): median of 3 fits "
        "in the driver process.", "",
        "| k | A wall s | B wall s | A / B wall | A CPU s | B CPU s | A / B CPU "
        "| same results | epochs | NMF wall s | NMF CPU s | B / NMF CPU |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: "
        "| ---: |"]
    for r in result["rows"]:
        wall, cpu = r["median_wall_s"], r["median_cpu_s"]
        nmf_cpu = float(np.median([x["cpu_s"] for x in r["nmf"]]))
        same = "yes" if all(r["equal"].values()) else f"no {r['equal']}"
        lines.append(
            f"| {r['k']} | {wall['A']:.2f} | {wall['B']:.2f} "
            f"| {r['ratio_A_over_B']:.2f} | {cpu['A']:.2f} | {cpu['B']:.2f} "
            f"| {cpu['A'] / cpu['B']:.2f} | {same} | {r['n_iter']['B']} "
            f"| {r['nmf_median_wall_s']:.2f} | {nmf_cpu:.2f} "
            f"| {cpu['B'] / nmf_cpu:.1f} |")
    lines += ["", "Every run (wall / CPU seconds, the 1-minute load at its start):", ""]
    for r in result["rows"]:
        for side in ("A", "B"):
            runs = ", ".join(f"{x['wall_s']:.1f} / {x['cpu_s']:.1f} ({x['load']:.1f})"
                             for x in r["runs"][side])
            lines.append(f"- k = {r['k']}, {side}: {runs}")
    lines += ["", f"Versions: {rec['versions']}", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True,
                        help="a checkout of the commit to compare with (side A)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--ks", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME))
    args = parser.parse_args()
    result = measure(args)
    result["record"] = run_record()
    stem = f"autoencoder_speed_{result['commit']}"
    save_json(RESULTS / f"{stem}.json", result)
    (RESULTS / f"{stem}.md").write_text(markdown(result))
    print((RESULTS / f"{stem}.md").read_text())


if __name__ == "__main__":
    main()
