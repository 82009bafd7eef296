"""Settings scoped to a ``with`` block in the current thread.

The engine's switches for tests, benchmarks and ``sknonneg.parallel.warm_kernels``
(the NumPy-twin limit, the Gram head, the blocked CSC layout) hold for the length of
a ``with`` block in the thread (``contextvars`` context) that opens it, never in
another: a fit in another thread keeps its behaviour while ``warm_kernels`` runs in
its own, and a thread started inside the block does not inherit it (run it in
``contextvars.copy_context()`` to hand it over). Each exit removes its own entry, so
blocks that close out of order (generators, ``ExitStack``) never leave a value
behind: the innermost open one applies, else the default.
"""

import contextlib
import contextvars

__all__ = ["ScopedSetting"]


class ScopedSetting:
    """A value with a ``default``, changed by ``with setting.scoped(value):``."""

    def __init__(self, name, default):
        # One entry (token, value) per open block, innermost last.
        self._entries = contextvars.ContextVar(name, default=())
        self.default = default

    def get(self):
        """The value of the innermost open block of this thread, else the default."""
        entries = self._entries.get()
        return entries[-1][1] if entries else self.default

    @contextlib.contextmanager
    def scoped(self, value):
        entry = (object(), value)
        self._entries.set(self._entries.get() + (entry,))
        try:
            yield
        finally:
            self._entries.set(tuple(e for e in self._entries.get() if e is not entry))
