"""Warm time of the dense kernels (serial flavour, one BLAS thread): the logistic
activation, and each activation where the kernels take its code.

20000 x 200 inputs, 150 hidden units, 10 softmax outputs; median of N process-CPU
timings after two warm-up calls. The data (and the output kernel's input) are passed
read-only, as the engine passes them since f7e79db. Works on trees before the activation code (logistic
only). Usage: ``OPENBLAS_NUM_THREADS=1 PYTHONPATH=TREE python
benchmarks/activation_kernels.py [N [ACTIVATIONS [KERNELS]]]``: ACTIVATIONS and KERNELS
comma-separated subsets (``logistic,tanh``; ``forward,backprop,fused,loss_grad``: the
last the output layer's kernel alone, on the hidden activations), all by default.

Private imports (sknonneg._*): a kernel benchmark: it times the kernels themselves
(``sknonneg._kernels``), which no public API exposes.
"""
import inspect, statistics, sys, time
import numpy as np
if set(sys.argv[1:]) & {"-h", "--help"}:  # positional arguments only (see above)
    print(__doc__)
    sys.exit(0)
import sknonneg; print(sknonneg.__file__, file=sys.stderr)
from sknonneg._kernels import kernels
from _tree import softmax_targets
k = kernels(False)
new = "activation_code" in inspect.signature(k.linear_sigmoid_forward.py_func).parameters
codes = {"logistic": 3, "tanh": 1, "relu": 4, "identity": 0} if new else {"logistic": None}
if len(sys.argv) > 2:
    codes = {name: code for name, code in codes.items() if name in sys.argv[2].split(",")}
only = (sys.argv[3].split(",") if len(sys.argv) > 3
        else ("forward", "backprop", "fused", "loss_grad"))
rng = np.random.default_rng(0)
n, d, h, o = 20000, 200, 150, 10
res = {}
for dtype in (np.float32, np.float64):
    X = rng.random((n, d)).astype(dtype)
    W = (rng.normal(size=(d, h)) * 0.1).astype(dtype); b = rng.normal(size=h).astype(dtype)
    Wo = rng.normal(size=(h, o)).astype(dtype); bo = rng.normal(size=o).astype(dtype)
    y = softmax_targets(rng.integers(0, o, n))
    sw = np.ones(n)
    # The data read-only, as the engine hands it to the kernels (f7e79db on).
    for array in (X, y, sw):
        array.flags.writeable = False
    out = np.empty((n, h), dtype); pa = np.empty((1, h))
    out_read = out.view(); out_read.flags.writeable = False  # loss_grad's input
    scratch = np.empty((1, max(16, (1 << 17) // (h * np.dtype(dtype).itemsize)), h), dtype)
    delta_o = rng.normal(size=(n, o)).astype(dtype)
    for name, code in codes.items():
        extra = () if code is None else (code,)
        def fwd():
            k.linear_sigmoid_forward(X, W, b, 1.5, *extra, sw, 1, pa, out)
        def bwd():
            k.sigmoid_backprop(delta_o, Wo, out, 1.5, *extra, 0.0, sw, 1, scratch, out2)
        out2 = np.empty_like(out)
        logits = np.empty((n, o), dtype); dl = np.empty((n, o), dtype)
        pc = np.empty((1, o, h), dtype); pi = np.empty((1, o), dtype)
        cg = np.empty((h, o), dtype); ig = np.empty(o, dtype)
        def fused():
            k.linear_sigmoid_loss_backprop(X, W, b, Wo, bo, y, 0, sw, 1.0 / n, 1.5, *extra, 0.0, 1,
                                           scratch, pa, pc, pi, cg, ig, out, logits, dl)
        def loss_grad():
            k.linear_loss_grad(out_read, Wo, bo, y, 0, sw, 1.0 / n, 1, logits, dl)
        for label, f in (("forward", fwd), ("backprop", bwd), ("fused", fused),
                         ("loss_grad", loss_grad)):
            if label not in only:
                continue
            f(); f()
            ts = []
            for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 15):
                t0 = time.process_time(); f(); ts.append(time.process_time() - t0)
            res[(np.dtype(dtype).name, name, label)] = statistics.median(ts) * 1e3
for key, v in res.items():
    print(*key, f"{v:.2f} ms")
