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
