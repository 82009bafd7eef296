"""What the NumPy twins share."""

import numpy as np
import scipy.sparse as sp

from ..codes import FLUSH


def _flush(values):
    values[np.abs(values) < FLUSH] = 0.0
    return values


def _csr(data, indices, indptr, n_cols):
    return sp.csr_matrix((data, indices, indptr), shape=(indptr.shape[0] - 1, n_cols))
