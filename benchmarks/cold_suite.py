"""The test suite with an empty numba cache: where its time goes.

Clones the repository's HEAD into a temporary directory (no numba cache files in the
tree; ``../shared`` linked beside it when there), points ``NUMBA_CACHE_DIR`` at a new
empty directory and runs the README's test command there with a small pytest plugin
(``benchmarks/_compile_profile.py``) that records, per test, its CPU and wall seconds
and the numba compilations it triggered (kernel, signature, CPU seconds). Reports
user + system CPU seconds of the whole run (all workers), wall seconds, the CPU
seconds per pytest-xdist worker (on an idle machine with one core per worker, the
wall time is about the busiest worker's CPU time plus start-up), compilation per
kernel and the slowest tests.

Usage: ``python benchmarks/cold_suite.py [--serial] [--durations N] [--output cold_suite]``;
writes ``benchmarks/results/<output>.{json,md}`` (the ``N`` slowest tests, 15 unless
told; pytest's own ``--durations=N`` report is in ``pytest.log`` beside the profile, in
the temporary directory the run prints). ``--analyse PROFILE.jsonl`` only reports on
the profile of an earlier run (``--cpu``/``--wall`` give its totals).
"""

import argparse
import collections
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
XDIST_ARGS = ["-n", "2", "--dist", "loadgroup"]


def _git(*args, cwd=REPO):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout.strip()


def run(serial, durations=15):
    """Runs the cold suite in a fresh clone; returns (profile path, summary dict)."""
    work = Path(tempfile.mkdtemp(prefix="cold_suite_"))
    clone = work / "p"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    shared = REPO.parent / "shared"
    if shared.is_dir():
        (work / "shared").symlink_to(shared)
    profile = work / "profile.jsonl"
    env = dict(os.environ, NUMBA_CACHE_DIR=tempfile.mkdtemp(prefix="numba_cache_"),
               COMPILEPROF_OUT=str(profile),
               PYTHONPATH=os.pathsep.join([str(clone), str(HERE)]))
    if shared.is_dir() and (shared / "data").is_dir():
        env.setdefault("SKNONNEG_DATA", str(shared / "data"))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-p", "_compile_profile", f"--durations={durations}"]
    if not serial:
        command += XDIST_ARGS
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start, load = time.perf_counter(), os.getloadavg()[0]
    result = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    (work / "pytest.log").write_text(result.stdout + result.stderr)
    print(f"profile and pytest's output: {work}", file=sys.stderr)
    tail = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    return profile, {"cpu": cpu, "wall": wall, "returncode": result.returncode,
                     "summary_line": tail, "load_start": load,
                     "load_end": os.getloadavg()[0],
                     "pytest_command": " ".join(["python", *command[1:]])}


def analyse(profile, n_slowest=15):
    records = [json.loads(line) for line in open(profile)]
    tests = [r for r in records if r["kind"] == "test"]
    compiles = [r for r in records if r["kind"] == "compile" and r["depth"] == 0]
    by_worker = collections.defaultdict(lambda: {"tests": 0, "cpu": 0.0, "compile": 0.0})
    for t in tests:
        w = by_worker[t.get("worker", "-")]
        w["tests"] += 1
        w["cpu"] += t["cpu"]
    for c in compiles:
        by_worker[c.get("worker", "-")]["compile"] += c["cpu"]
    by_kernel = collections.defaultdict(lambda: {"variants": 0, "cpu": 0.0})
    for c in compiles:
        k = by_kernel[c["fn"].rsplit(".", 1)[-1]]
        k["variants"] += 1
        k["cpu"] += c["cpu"]
    compiled_by_test = collections.defaultdict(float)
    for c in compiles:
        compiled_by_test[c["test"]] += c["cpu"]
    by_file = collections.defaultdict(lambda: {"tests": 0, "cpu": 0.0, "compile": 0.0})
    for t in tests:
        f = by_file[t["test"].split("::")[0]]
        f["tests"] += 1
        f["cpu"] += t["cpu"]
        f["compile"] += compiled_by_test.get(t["test"], 0.0)
    seen = collections.defaultdict(set)
    for c in compiles:
        seen[(c["fn"], c["sig"])].add(c.get("worker", "-"))
    slowest = sorted(tests, key=lambda t: -t["cpu"])[:n_slowest]
    # Profiles written before ``children`` was recorded have none.
    children = sorted((t for t in tests if t.get("children", 0.0) >= 0.05),
                      key=lambda t: -t["children"])
    # Profiles written before ``gc`` was recorded have none.
    gc_tests = sorted((t for t in tests if t.get("gc", 0.0) >= 0.05),
                      key=lambda t: -t["gc"])
    return {"n_tests": len(tests), "test_cpu": sum(t["cpu"] for t in tests),
            "gc_cpu": (sum(t.get("gc", 0.0) for t in tests)
                       if any("gc" in t for t in tests) else None),
            "gc_full_cpu": sum(t.get("gc_full", 0.0) for t in tests),
            "gc": [{"test": t["test"], "cpu": t["gc"], "full": t.get("gc_full", 0.0)}
                   for t in gc_tests[:n_slowest]],
            "children_cpu": (sum(t.get("children", 0.0) for t in tests)
                             if any("children" in t for t in tests) else None),
            "children": [{"test": t["test"], "cpu": t["children"]}
                         for t in children[:n_slowest]],
            "compile_cpu": sum(c["cpu"] for c in compiles), "n_compiles": len(compiles),
            "compiled_twice": sum(len(w) > 1 for w in seen.values()),
            "by_worker": dict(by_worker), "by_kernel": dict(by_kernel),
            "by_file": dict(by_file),
            "slowest": [{"test": t["test"], "cpu": t["cpu"],
                         "compile": compiled_by_test.get(t["test"], 0.0)}
                        for t in slowest]}


def markdown(r):
    a = r["analysis"]
    lines = ["# The test suite with an empty numba cache", "",
             f"Command: `{r['command']}`; commit `{r['commit']}`; pytest: "
             f"`{r['pytest_command']}`; 2 CPUs shared with other work, load average "
             f"{r['load_start']:.1f} -> {r['load_end']:.1f}, so wall seconds move with "
             "the load and CPU seconds are the figure to read.", "",
             f"- Result: {r['summary_line']}",
             f"- Whole run: {r['cpu']:.0f} CPU-s (user + system, all processes), "
             f"{r['wall']:.0f} s wall.",
             f"- In tests: {a['test_cpu']:.0f} CPU-s over {a['n_tests']} tests, of which "
             f"numba compilation {a['compile_cpu']:.0f} CPU-s ({a['n_compiles']} kernel "
             f"signatures; {a['compiled_twice']} compiled by both workers).",
             "- In the child processes reaped during tests (fresh interpreters, "
             "joblib and dask workers; not in the tables below): "
             + ("not recorded in this profile" if a.get("children_cpu") is None
                else f"{a['children_cpu']:.0f} CPU-s") + ".",
             "- Garbage collection in tests (gc.callbacks): "
             + ("not recorded in this profile" if a.get("gc_cpu") is None
                else f"{a['gc_cpu']:.1f} CPU-s, of which full collections "
                     f"{a['gc_full_cpu']:.1f}") + ".", "",
             "| worker | tests | CPU s in tests | of which compilation |",
             "|---|---:|---:|---:|"]
    for w, v in sorted(a["by_worker"].items()):
        lines.append(f"| {w} | {v['tests']} | {v['cpu']:.0f} | {v['compile']:.0f} |")
    lines += ["", "| test file | tests | CPU s | of which compilation |",
              "|---|---:|---:|---:|"]
    for f, v in sorted(a["by_file"].items(), key=lambda kv: -kv[1]["cpu"]):
        lines.append(f"| {f} | {v['tests']} | {v['cpu']:.1f} | {v['compile']:.1f} |")
    lines += ["", "| kernel | signatures compiled | CPU s |", "|---|---:|---:|"]
    for k, v in sorted(a["by_kernel"].items(), key=lambda kv: -kv[1]["cpu"]):
        lines.append(f"| `{k}` | {v['variants']} | {v['cpu']:.1f} |")
    lines += ["", "Slowest tests (CPU s, of which compilation):", ""]
    for t in a["slowest"]:
        lines.append(f"- {t['cpu']:.1f} ({t['compile']:.1f}): `{t['test']}`")
    if a.get("gc"):
        lines += ["", "Tests whose garbage collections took most CPU (CPU s, of which "
                  "full collections):", ""]
        for t in a["gc"]:
            lines.append(f"- {t['cpu']:.2f} ({t['full']:.2f}): `{t['test']}`")
    if a.get("children"):
        lines += ["", "Tests during which the child processes reaped took most CPU "
                  "(CPU s):", ""]
        for t in a["children"]:
            lines.append(f"- {t['cpu']:.1f}: `{t['test']}`")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serial", action="store_true", help="without pytest-xdist")
    parser.add_argument("--durations", type=int, default=15, metavar="N",
                        help="the N slowest tests (and pytest's --durations=N)")
    parser.add_argument("--output", default="cold_suite")
    parser.add_argument("--analyse", metavar="PROFILE.jsonl")
    parser.add_argument("--cpu", type=float, default=float("nan"))
    parser.add_argument("--wall", type=float, default=float("nan"))
    parser.add_argument("--summary", default="")
    parser.add_argument("--pytest-command", default="")
    parser.add_argument("--load", type=float, nargs=2, default=[float("nan")] * 2)
    parser.add_argument("--commit", help="the commit the analysed run tested")
    args = parser.parse_args(argv)
    if args.analyse:
        profile = Path(args.analyse)
        summary = {"cpu": args.cpu, "wall": args.wall, "returncode": None,
                   "summary_line": args.summary, "load_start": args.load[0],
                   "load_end": args.load[1], "pytest_command": args.pytest_command}
    else:
        profile, summary = run(args.serial, args.durations)
    argv = list(argv if argv is not None else sys.argv[1:])
    if args.analyse:  # the profile's name only, not where it lay
        argv[argv.index(args.analyse)] = Path(args.analyse).name
    results = {"command": "python benchmarks/cold_suite.py " + " ".join(argv),
               "commit": args.commit or _git("rev-parse", "--short", "HEAD"), **summary,
               "analysis": analyse(profile, args.durations)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.output}.json").write_text(json.dumps(results, indent=1))
    (RESULTS / f"{args.output}.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
