"""
======================================
Grid search on a (tiny) Dask cluster
======================================

sknonneg estimators are plain scikit-learn estimators, so
:class:`~sklearn.model_selection.GridSearchCV` runs on a Dask cluster through
joblib's Dask backend without any change. Here the cluster is in-process (worker
threads of this Python process), which needs no setup; on a real cluster only the
``Client`` changes. See :doc:`/scaling` for process-based clusters,
:class:`~sknonneg.parallel.ThreadLimits` and training over the blocks of a Dask array.

You will see the search's table of results and a chart of the eight candidates'
cross-validated accuracy, the best at the top.
"""

# %%
# An in-process cluster
# ---------------------
# One worker with two threads. Inside a Dask task sknonneg's kernels run
# single-threaded, so two threads run two fits at a time.
import warnings

import joblib
import matplotlib.pyplot as plt
import pandas as pd
from dask.distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sknonneg import NonNegMLPClassifier

# max_iter=40 stops every fit of the search early, on purpose (build time)
warnings.simplefilter("ignore", ConvergenceWarning)
cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                       dashboard_address=None)
client = Client(cluster)

# %%
# The search
# ----------
# Eight candidates on 600 digits, three folds: 24 short fits.
X, y = load_digits(return_X_y=True)
X, y = X[:600] / 16.0, y[:600]
search = GridSearchCV(
    NonNegMLPClassifier(max_iter=40, random_state=0),
    {"positive": [True, "hidden"], "l1": [0.0, 1e-4], "hidden_layer_sizes": [10, 20]},
    cv=StratifiedKFold(3, shuffle=True, random_state=0), n_jobs=-1)
with joblib.parallel_config(backend="dask"):
    search.fit(X, y)
print("best:", search.best_params_, round(search.best_score_, 3))

results = pd.DataFrame(search.cv_results_)
results[["param_positive", "param_l1", "param_hidden_layer_sizes", "mean_test_score",
         "rank_test_score"]].sort_values("rank_test_score")

# %%
# The candidates' mean accuracy over the three folds (the bars: one standard
# deviation), the best at the top.
ranked = results.sort_values("rank_test_score", ascending=False)
labels = [f"positive={positive!r}, l1={l1:g}, {units} units" for positive, l1, units
          in ranked[["param_positive", "param_l1", "param_hidden_layer_sizes"]].values]
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
ax.errorbar(ranked["mean_test_score"], labels, xerr=ranked["std_test_score"], fmt="o",
            capsize=3)
ax.grid(axis="x", alpha=0.3)
ax.set_xlabel("mean cross-validated accuracy (3 folds, 600 digits)")
ax.set_title("GridSearchCV on a Dask cluster: 8 candidates")
plt.show()

# %%
# Close the cluster when done.
client.close()
cluster.close()
