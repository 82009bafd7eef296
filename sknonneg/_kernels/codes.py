"""The kernels' integer codes and constants, importable without numba.

The engine and the NumPy twins (``reference``) read them; the numba kernel modules
re-export them, so ``sknonneg._kernels.abba.TANH`` and ``sknonneg._kernels.TANH`` are
these. Importing numba costs about as much as importing scikit-learn's neural
networks, so nothing imports it before a numba kernel is needed (small problems
run on the NumPy twins and never do).
"""

__all__ = ["ADAM_GRAD_CAP", "FLUSH", "SOFTMAX_NLL", "LOGISTIC_NLL", "SQUARED_ERROR",
           "SIGMOID_SQUARED_ERROR", "LOSS_CODES",
           "IDENTITY", "TANH", "CAPPED_LEAKY_RELU", "LOGISTIC", "RELU",
           "DENSE_ACTIVATION_CODES", "ABBA_ACTIVATION_CODES",
           "FIRST", "INNER", "LAST"]

# Values below FLUSH are written as exact zeros (see ``support``).
FLUSH = 1e-30
# Output losses (``losses``).
SOFTMAX_NLL, LOGISTIC_NLL, SQUARED_ERROR, SIGMOID_SQUARED_ERROR = 0, 1, 2, 3
# Every loss code, each a branch of its own in ``losses._loss_rows`` and in the twin
# (``reference.dense.linear_loss_grad``); an unknown code gives NaN there (an error in
# the twin), and ``Objective`` refuses a loss whose code is not here.
LOSS_CODES = (SOFTMAX_NLL, LOGISTIC_NLL, SQUARED_ERROR, SIGMOID_SQUARED_ERROR)
# Activations, one set of codes: ABBA layers take IDENTITY, TANH, CAPPED_LEAKY_RELU
# (``abba``); dense hidden layers LOGISTIC, TANH, RELU, IDENTITY (``dense``), each
# applied to ``gain * (x W + b)``. A code is an argument of the kernels; the dense
# kernels have a compiled variant for LOGISTIC and one for the other codes, which
# reads it at run time (``support.PerActivation``).
IDENTITY, TANH, CAPPED_LEAKY_RELU, LOGISTIC, RELU = 0, 1, 2, 3, 4
# The codes each kind of kernel has a branch for; another code gives NaN there (an
# error in the twins), and the layers refuse it before a kernel sees it.
DENSE_ACTIVATION_CODES = (LOGISTIC, TANH, RELU, IDENTITY)
ABBA_ACTIVATION_CODES = (IDENTITY, TANH, CAPPED_LEAKY_RELU)
# ABBA layer roles (``abba``).
FIRST, INNER, LAST = 0, 1, 2
# Gradient entries beyond +-ADAM_GRAD_CAP enter Adam's moments clipped to it
# (``parameters.projected_adam_step``): the square of a larger one overflows the
# second moment (a gradient of 1e300, from nonneg_penalty=1e300, made v infinite and
# froze the parameter), and Adam's step m / sqrt(v) is scale-free per parameter, so
# the clipped step is the one exact arithmetic would take (about the learning rate,
# in the gradient's sign). Far above any gradient of a sane fit.
ADAM_GRAD_CAP = 1e150
