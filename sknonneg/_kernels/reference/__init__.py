"""Plain NumPy twins of every kernel of ``sknonneg._kernels``, module by module.

For the tests only: the engine never imports them.
"""

from .abba import *  # noqa: F401,F403
from .dense import *  # noqa: F401,F403
from .fixed import *  # noqa: F401,F403
from .parameters import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
