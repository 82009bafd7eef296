"""Compile time of each dense kernel, per flavour and dtype, with an empty numba cache.

In a fresh process with ``NUMBA_CACHE_DIR`` set to a new empty directory, calls each
kernel once (compilation) and again (warm): compile CPU = process CPU seconds of the
first call minus the second. Small inputs (64 x 20 -> 16 -> 4), the activation code
``--code`` (3, logistic, by default; trees before the activation code take none).
Works on trees before and after the activation code. Also reports the size of each
compiled kernel's LLVM IR (characters of ``inspect_llvm``), which, unlike CPU seconds
on a shared machine, does not move with the load: it shows what was compiled.

The data arrays are passed read-only, as the engine passes them since f7e79db (a
tree before it compiled them as writeable arrays, a signature apart: compare trees
on either side of that change with care).

Usage: ``PYTHONPATH=TREE python benchmarks/kernel_compile.py [--json FILE]``; run it
on two trees alternately to compare them (``OPENBLAS_NUM_THREADS=1``).

Private imports (sknonneg._*): a kernel benchmark: it compiles and times each kernel
(``sknonneg._kernels``) itself.
"""
import argparse
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time


def child(args):
    import numpy as np

    import sknonneg
    from sknonneg._kernels import kernels

    from _tree import softmax_targets

    print(sknonneg.__file__, file=sys.stderr)
    rng = np.random.default_rng(0)
    n, d, h, o = 64, 20, 16, 4
    res, ir = {}, {}
    for flavour in args.flavours.split(","):
        k = kernels(flavour == "parallel")
        new = "activation_code" in inspect.signature(
            k.linear_sigmoid_forward.py_func).parameters
        extra = (args.code,) if new else ()
        for dtype in (np.float32, np.float64):
            X = rng.random((n, d)).astype(dtype)
            W = (rng.normal(size=(d, h)) * 0.1).astype(dtype)
            b = rng.normal(size=h).astype(dtype)
            Wo = rng.normal(size=(h, o)).astype(dtype)
            bo = rng.normal(size=o).astype(dtype)
            y = softmax_targets(rng.integers(0, o, n))
            sw = np.ones(n)
            nc = 2 if flavour == "parallel" else 1
            out = np.empty((n, h), dtype)
            out2 = np.empty_like(out)
            pa = np.empty((nc, h))
            scratch = np.empty((nc, 16, h), dtype)
            delta_o = rng.normal(size=(n, o)).astype(dtype)
            logits = np.empty((n, o), dtype)
            dl = np.empty((n, o), dtype)
            pc = np.empty((nc, o, h), dtype)
            pi = np.empty((nc, o), dtype)
            cg = np.empty((h, o), dtype)
            ig = np.empty(o, dtype)
            import scipy.sparse as sp
            Xs = sp.csr_matrix(X)
            # The data read-only, as the engine hands it to the kernels (since
            # f7e79db: one compiled signature for writeable and read-only
            # input); the weights and buffers writeable, as theirs are.
            for array in (X, y, sw, Xs.data, Xs.indices, Xs.indptr):
                array.flags.writeable = False
            calls = {
                "forward": lambda: k.linear_sigmoid_forward(X, W, b, 1.5, *extra, sw, nc,
                                                            pa, out),
                "csr_forward": lambda: k.csr_linear_sigmoid_forward(
                    Xs.data, Xs.indices, Xs.indptr, W, b, 1.5, *extra, sw, nc, pa, out),
                "backprop": lambda: k.sigmoid_backprop(delta_o, Wo, out, 1.5, *extra, 0.0,
                                                       sw, nc, scratch, out2),
                "fused": lambda: k.linear_sigmoid_loss_backprop(
                    X, W, b, Wo, bo, y, 0, sw, 1.0 / n, 1.5, *extra, 0.0, nc, scratch, pa,
                    pc, pi, cg, ig, out, logits, dl),
            }
            for name, f in calls.items():
                t0 = time.process_time()
                f()
                t1 = time.process_time()
                f()
                t2 = time.process_time()
                key = f"{flavour} {np.dtype(dtype).name} {name}"
                res[key] = (t1 - t0) - (t2 - t1)
                kernel = getattr(k, {"forward": "linear_sigmoid_forward",
                                     "csr_forward": "csr_linear_sigmoid_forward",
                                     "backprop": "sigmoid_backprop",
                                     "fused": "linear_sigmoid_loss_backprop"}[name])
                if hasattr(kernel, "variant"):
                    kernel = kernel.variant(args.code)
                ir[key] = len(kernel.inspect_llvm(kernel.signatures[-1]))
    return res, ir


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--code", type=int, default=3)
    parser.add_argument("--flavours", default="serial,parallel")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args)))
        return
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cmd = [sys.executable, __file__, "--child", "--code", str(args.code),
               "--flavours", args.flavours]
        r0 = os.times()
        out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
        r1 = os.times()
    res, ir = json.loads(out.stdout.strip().splitlines()[-1])
    res["total kernels"] = sum(res.values())
    res["process cpu"] = (r1.children_user - r0.children_user
                          + r1.children_system - r0.children_system)
    res["load"] = os.getloadavg()[0]
    print(out.stderr.strip().splitlines()[0], file=sys.stderr)
    for key, v in res.items():
        print(f"{key:32s} {v:7.2f} s" + (f"  {ir[key]:8d} LLVM IR chars" if key in ir
                                          else ""))
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps({"cpu_s": res, "llvm_chars": ir}) + "\n")


if __name__ == "__main__":
    main()
