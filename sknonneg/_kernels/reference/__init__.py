"""Plain NumPy twins of every kernel of ``sknonneg._kernels``, module by module.

The tests hold each kernel equal to its twin; the engine runs small problems on
them (``kernels(NUMPY)``), and the classifiers take ``fixed.monotone_expit`` for the
probabilities of monotone networks.
"""

from .abba import *  # noqa: F401,F403
from .dense import *  # noqa: F401,F403
from .fixed import *  # noqa: F401,F403
from .parameters import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
