"""Run times of the README's demo and of a first ABBAClassifier fit, cold and warm.

Each measurement is a fresh Python process; "cold" gives it an empty
``NUMBA_CACHE_DIR``, "warm" the one its cold run filled. CPU seconds (user + system)
and peak memory come from ``resource.getrusage(RUSAGE_CHILDREN)``, wall seconds
from the parent's clock. Measured:

- ``python -m sknonneg`` (the digits demo), cold and warm;
- with ``--mnist``, ``python -m sknonneg --data-home DATA`` (the full-MNIST demo),
  cold and warm, with the per-model fit times the demo prints;
- ``ABBAClassifier((50,))`` fitted on all 1797 of scikit-learn's digits (pixels / 16):
  above the NumPy-path limit (an ABBA layer counts four times its weights), so its
  first fit compiles: cold, warm, and on the NumPy twins (``numpy_max_work``).

Usage::

    python benchmarks/demo_timings.py [--mnist] [--data-home DIR] [--repeats 3]
                                      [--suffix _digits]

Private imports (sknonneg._*): ``numpy_max_work`` (in the child process) forces the
NumPy twins of the kernels, to time a fit on them: a choice of kernels that no
parameter makes.
"""

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_DATA_HOME, RESULTS, markdown_header, save_result, versions  # noqa: E402

_ABBA = """
import time, warnings
warnings.simplefilter("ignore")
from sklearn.datasets import load_digits
from sknonneg import ABBAClassifier
from sknonneg._kernels import numpy_max_work
X, y = load_digits(return_X_y=True)
X = X / 16.0
clf = ABBAClassifier((50,), random_state=0)
t = time.process_time()
if {numpy}:
    with numpy_max_work(1 << 40):
        clf.fit(X, y)
else:
    clf.fit(X, y)
print("FIT", time.process_time() - t)
"""


def _run(cmd, cache_dir):
    """``(cpu seconds, wall seconds, peak MB, stdout)`` of ``cmd`` in a fresh
    process whose numba cache is ``cache_dir``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of the children is the largest so far: each run is reported as the
    # running maximum (the first runs are the small ones).
    return cpu, wall, after.ru_maxrss / 1024, out


def _cold_warm(name, cmd, repeats, parse=None):
    rows = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            for state in ("cold", "warm"):
                cpu, wall, peak, out = _run(cmd, cache)
                rows.append({"run": name, "cache": state, "cpu_s": cpu, "wall_s": wall,
                             "peak_mb": peak, **(parse(out) if parse else {})})
    return rows


def _demo_fits(out):
    """What the demo prints, by model: fit seconds, test accuracy (%) and the
    fraction of zero weights per layer (%)."""
    fits, accuracy, zeros = {}, {}, {}
    for line in out.splitlines():
        match = re.match(r"(.+?)\s+(\d+\.\d+)%\s+(\d+\.\d+)% /\s+(\d+\.\d+)%"
                         r".*?(\d+\.\d+)\*?\s*$", line)
        if match:
            name = match.group(1).strip()
            accuracy[name] = float(match.group(2))
            zeros[name] = [float(match.group(3)), float(match.group(4))]
            fits[name] = float(match.group(5))
    return {"fit_s": fits, "accuracy_pct": accuracy, "zero_weights_pct": zeros}


def measure(args):
    rows = _cold_warm("digits demo", [sys.executable, "-m", "sknonneg"], args.repeats)
    abba = [sys.executable, "-c", _ABBA.format(numpy=False)]
    parse = lambda out: {"fit_cpu_s": float(out.split("FIT")[1])}  # noqa: E731
    rows += _cold_warm("ABBAClassifier((50,)) on digits, numba kernels", abba,
                       args.repeats, parse)
    with tempfile.TemporaryDirectory() as cache:
        for _ in range(args.repeats):
            cpu, wall, peak, out = _run(
                [sys.executable, "-c", _ABBA.format(numpy=True)], cache)
            rows.append({"run": "ABBAClassifier((50,)) on digits, NumPy twins",
                         "cache": "-", "cpu_s": cpu, "wall_s": wall, "peak_mb": peak,
                         **parse(out)})
    if args.mnist:
        rows += _cold_warm("full-MNIST demo", [sys.executable, "-m", "sknonneg",
                                               "--data-home", args.data_home],
                           1, _demo_fits)
    return {"rows": rows, "versions": versions()}


def markdown(result):
    lines = markdown_header(result["record"], "Demo and first-fit run times")
    lines += [f"Versions: {result['versions']}. Fresh processes; cold: an empty "
              "NUMBA_CACHE_DIR, warm: the one the cold run filled. Medians over the "
              "repeats; peak memory is the running maximum of the children "
              "(resource.getrusage).", "",
              "| run | cache | CPU s | wall s | fit CPU s | repeats |",
              "| --- | --- | ---: | ---: | ---: | ---: |"]
    groups = {}
    for r in result["rows"]:
        groups.setdefault((r["run"], r["cache"]), []).append(r)
    for (run, cache), rs in groups.items():
        fit = [r["fit_cpu_s"] for r in rs if "fit_cpu_s" in r]
        lines.append(f"| {run} | {cache} | {np.median([r['cpu_s'] for r in rs]):.2f} | "
                     f"{np.median([r['wall_s'] for r in rs]):.1f} | "
                     f"{np.median(fit):.2f} | {len(rs)} |" if fit else
                     f"| {run} | {cache} | {np.median([r['cpu_s'] for r in rs]):.2f} | "
                     f"{np.median([r['wall_s'] for r in rs]):.1f} | - | {len(rs)} |")
    for r in result["rows"]:
        if r.get("fit_s"):
            lines.append(f"\nFull-MNIST demo, {r['cache']} cache: peak "
                         f"{r['peak_mb']:.0f} MB; fit seconds as printed: "
                         + ", ".join(f"{k} {v:.1f}" for k, v in r["fit_s"].items()))
            if r.get("accuracy_pct"):
                lines.append(
                    f"\nFull-MNIST demo, {r['cache']} cache: test accuracy and zero "
                    "weights (layer 1 / 2) as printed: " + ", ".join(
                        f"{k} {r['accuracy_pct'][k]:.2f}% ({z[0]:.1f}% / {z[1]:.1f}%)"
                        for k, z in r["zero_weights_pct"].items()))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mnist", action="store_true",
                        help="also run the full-MNIST demo (about 5 minutes)")
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--suffix", default="",
                        help="write results/demo_timings{SUFFIX}.{json,md}, e.g. to "
                             "keep the full-MNIST rows of a run with --mnist")
    args = parser.parse_args()
    stem = f"demo_timings{args.suffix}"
    save_result(stem, measure(args), markdown)
    print((RESULTS / f"{stem}.md").read_text())
