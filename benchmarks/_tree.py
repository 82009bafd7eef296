"""Helpers of the benchmarks that run on any tree (``PYTHONPATH=TREE``) and call its
kernels directly: the kernels' arguments in the form that tree takes.

Private imports (sknonneg._*): a helper of the kernel benchmarks: the targets in the
layout a tree's output kernels take (``SoftmaxNLL.prepare_targets``), which no
public API hands out.
"""

import numpy as np


def softmax_targets(labels):
    """Class indices in the layout the tree's output kernels take: what its engine's
    ``SoftmaxNLL.prepare_targets`` makes (one float64 column; int64 in trees before
    the targets had one layout), int64 in trees without the engine."""
    try:
        from sknonneg._engine.losses import SoftmaxNLL
    except ImportError:
        return np.asarray(labels, dtype=np.int64)
    return SoftmaxNLL().prepare_targets(labels)
