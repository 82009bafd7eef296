"""Loaders for the benchmark datasets used with sknonneg.

Data files are looked up in a data home directory (see
:func:`get_data_home`: the ``data_home`` argument, else the
``SKNONNEG_DATA`` environment variable, else ``~/sknonneg_data``) under
their exact file names:

- ``mnist.npz`` (:func:`load_mnist`)
- ``reuters21578_modapte_top10.jsonl.gz`` and
  ``reuters21578_modapte_all90.jsonl.gz`` (:func:`load_reuters`)
- ``compas-scores-two-years.csv.gz``, ``autompg.csv.gz``, ``adult.data.gz``,
  ``adult.test.gz`` and ``spambase.csv.gz`` (:func:`load_compas`,
  :func:`load_auto_mpg`, :func:`load_adult`, :func:`load_spambase`; read only,
  never downloaded)

Missing files are downloaded from the mirrors in :data:`MIRRORS` (or the
``SKNONNEG_DATA_MIRRORS`` environment variable) and checked against their
recorded sha256 before being cached.

The loaders are called as scikit-learn's fetchers (``fetch_openml``,
``fetch_20newsgroups``) are: every argument is keyword-only (an argument that was
positional before, ``data_home`` of :func:`load_mnist` and :func:`load_reuters`,
``subset`` of :func:`load_reuters` and :func:`load_adult`, is still accepted by
position, with a ``FutureWarning``, until version 0.2), and they return a
:class:`~sklearn.utils.Bunch`, or the arrays with ``return_X_y=True``. MNIST and
Reuters come as their official train / test split (``data_train``, ``target_train``,
``data_test``, ``target_test``); the tabular loaders give ``data``, ``target``,
``frame``, ``feature_names``, ``target_names`` and ``DESCR``, as pandas objects by
default (``as_frame=True``). Before version 0.1 the tabular loaders returned an
``(X, y)`` tuple: ``X, y = load_compas()`` now fails (a Bunch has more than two keys
to unpack) and is written ``X, y = load_compas(return_X_y=True)``. The Bunch was
chosen over keeping the tuple as the default because it is what a scikit-learn user
expects of a loader and carries the names and description a tuple cannot, and because
the package has had no release whose callers a changed default would surprise (a
changed default cannot be announced by a warning without every call warning); the
failure it brings is loud, never a silently different result. ``as_frame`` defaults
to True, as ``fetch_openml``'s ``"auto"`` resolves for dense data: Adult's
categorical columns are strings, and ``monotonic_cst`` dictionaries name features;
``as_frame=False`` gives numeric NumPy arrays (a ``ValueError`` for Adult, whose
string columns no numeric array holds; ``fetch_openml`` refuses only OpenML's STRING
attributes so, and gives Adult's nominal ones as an object array or ordinal codes).
"""

from ._base import (
    MIRRORS,
    RemoteFileMetadata,
    clear_data_home,
    fetch_file,
    get_data_home,
)
from ._mnist import load_mnist
from ._tabular import load_adult, load_auto_mpg, load_compas, load_spambase
from ._reuters import (
    expand_multilabel,
    load_reuters,
    multilabel_hit_rate,
    reuters_bag_of_words,
)

__all__ = [
    "MIRRORS",
    "RemoteFileMetadata",
    "clear_data_home",
    "expand_multilabel",
    "fetch_file",
    "get_data_home",
    "load_adult",
    "load_auto_mpg",
    "load_compas",
    "load_mnist",
    "load_reuters",
    "load_spambase",
    "multilabel_hit_rate",
    "reuters_bag_of_words",
]
