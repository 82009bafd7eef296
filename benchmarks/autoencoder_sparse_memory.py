"""Memory of a NonNegAutoencoder fit on a wide sparse input: the peak allocation
(tracemalloc) above the start of ``fit``, for each decoder and solver, one epoch or
iteration, against the size of a dense float64 copy of the input; and of computing
``reconstruction_err_`` (included in the fit's peak; measured alone too).

    python benchmarks/autoencoder_sparse_memory.py

The input is a 300 x 60,000 CSR matrix at 1% density (values uniform in [0, 1)),
16 components; with Adam (default ``batch_size``: two batches of 150 rows) and the
sigmoid decoder also its first 299 rows at ``batch_size=150``, batches of 150 and
149 rows (a fit whose rows the batch size does not divide: two batch sizes, each
with its objective). Each configuration runs in a fresh process, so that one's
caches do not count in another's peak. Results: benchmarks/results/autoencoder_sparse_memory
.{json,md}; quoted in doc/reliability.md ("Memory for wide sparse input").
"""

import json
import subprocess
import sys

from _common import REPO, markdown_header, run_without_options

ROWS, COLUMNS, DENSITY, COMPONENTS = 300, 60_000, 0.01, 16

_CHILD = """
import json, sys, tracemalloc, warnings
import numpy as np, scipy.sparse as sp
warnings.simplefilter("ignore")
from sknonneg import NonNegAutoencoder
rows, columns, density, k, decoder, solver, used, batch_size = json.loads(sys.argv[1])
X = sp.random(rows, columns, density=density, format="csr", random_state=0)
X.data[:] = np.random.RandomState(0).rand(X.nnz)
X = X[:used]
make = lambda: NonNegAutoencoder(n_components=k, decoder=decoder, solver=solver,
                                 batch_size=batch_size, max_iter=1, random_state=0)
make().fit(X[:10])  # compiles what the fit runs, outside the measurement
ae = make()
tracemalloc.start()
start = tracemalloc.get_traced_memory()[0]
ae.fit(X)
fit_peak = tracemalloc.get_traced_memory()[1] - start
tracemalloc.reset_peak()
start = tracemalloc.get_traced_memory()[0]
ae._reconstruction_error(X)
error_peak = tracemalloc.get_traced_memory()[1] - start
print(json.dumps({"fit_peak_mb": fit_peak / 2**20, "error_peak_mb": error_peak / 2**20,
                  "n_params": int(sum(c.size for c in ae.coefs_)
                                  + sum(b.size for b in ae.intercepts_))}))
"""


# (decoder, solver, rows used, batch_size); None: the default.
CONFIGURATIONS = [(decoder, solver, ROWS, None) for decoder in ("sigmoid", "linear")
                  for solver in ("adam", "lbfgsb")]
CONFIGURATIONS.insert(1, ("sigmoid", "adam", ROWS - 1, 150))


def measure():
    rows = []
    for decoder, solver, used, batch_size in CONFIGURATIONS:
        args = json.dumps([ROWS, COLUMNS, DENSITY, COMPONENTS, decoder, solver, used,
                           batch_size])
        out = subprocess.run([sys.executable, "-c", _CHILD, args], cwd=REPO,
                             capture_output=True, text=True, check=True)
        rows.append({"decoder": decoder, "solver": solver, "rows": used,
                     "batch_size": batch_size,
                     **json.loads(out.stdout.strip().splitlines()[-1])})
    return {"rows": rows, "shape": [ROWS, COLUMNS], "density": DENSITY,
            "n_components": COMPONENTS, "dense_copy_mb": ROWS * COLUMNS * 8 / 2**20}


def markdown(result):
    lines = markdown_header(result["record"], "Autoencoder memory on wide sparse input")
    rows, columns = result["shape"]
    lines += [f"{rows} x {columns} CSR at {result['density']:.0%} density, "
              f"{result['n_components']} components, one epoch (Adam) or iteration "
              "(L-BFGS-B); peak traced allocation (tracemalloc) above the start of "
              f"`fit`. A dense float64 copy of the input: "
              f"{result['dense_copy_mb']:.0f} MB.", "",
              "| decoder | solver | rows | batch_size | parameters | fit peak (MB) | "
              "reconstruction_err_ alone (MB) |",
              "| --- | --- | ---: | --- | ---: | ---: | ---: |"]
    lines += [f"| {r['decoder']} | {r['solver']} | {r.get('rows', rows)} | "
              f"{r.get('batch_size') or 'default'} | {r['n_params']:,} | "
              f"{r['fit_peak_mb']:.0f} | {r['error_peak_mb']:.0f} |"
              for r in result["rows"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    # --help prints the docstring; otherwise it measures and writes the results.
    run_without_options(__doc__, "autoencoder_sparse_memory", measure, markdown)
