"""pytest plugin of ``benchmarks/cold_suite.py``: per test, its CPU and wall seconds, the
CPU seconds of the child processes reaped while it ran (``children``: a fresh
interpreter it ran, joblib or dask workers shut down within it; a worker of an
earlier test's pool that exits during this one is counted here) and the numba
compilations it triggered (kernel, signature, CPU seconds) and the CPU seconds of
the garbage collections that ran in it (``gc``, through ``gc.callbacks``; ``gc_full``
those of generation 2), appended as
JSON lines to ``$COMPILEPROF_OUT`` as the suite runs (each pytest-xdist worker
tags its lines). Load with ``-p _compile_profile`` and ``benchmarks/`` on the path."""
import json
import os
import resource
import time

import pytest

_current = ["<collection>"]
_depth = [0]
_out = [None]
_gc = {"start": None, "cpu": 0.0, "full": 0.0}


def _cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _worker():
    return os.environ.get("PYTEST_XDIST_WORKER", "-")


def _write(rec):
    if _out[0] is None:
        _out[0] = open(os.environ["COMPILEPROF_OUT"], "a")
    _out[0].write(json.dumps(rec) + "\n")
    _out[0].flush()


def _install():
    from numba.core import event

    class L(event.Listener):
        stack = []

        def on_start(self, ev):
            _depth[0] += 1
            self.stack.append(_cpu())

        def on_end(self, ev):
            t0 = self.stack.pop()
            _depth[0] -= 1
            d = ev.data or {}
            disp = d.get("dispatcher")
            f = getattr(disp, "py_func", None)
            name = f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', disp)}"
            flags = getattr(disp, "targetoptions", {}) or {}
            _write(dict(kind="compile", test=_current[0], fn=name,
                        parallel=bool(flags.get("parallel")), sig=str(d.get("args")),
                        cpu=_cpu() - t0, depth=_depth[0], worker=_worker()))

    event.register("numba:compile", L())


def _gc_callback(phase, info):
    if phase == "start":
        _gc["start"] = _cpu()
    elif _gc["start"] is not None:
        spent = _cpu() - _gc["start"]
        _gc["start"] = None
        _gc["cpu"] += spent
        if info.get("generation") == 2:
            _gc["full"] += spent


def pytest_configure(config):
    import gc

    import numba  # noqa: F401
    _install()
    gc.callbacks.append(_gc_callback)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _current[0] = item.nodeid
    c0, k0, w0 = _cpu(), _children(), time.perf_counter()
    g0, f0 = _gc["cpu"], _gc["full"]
    yield
    _write(dict(kind="test", test=item.nodeid, cpu=_cpu() - c0,
                children=_children() - k0, wall=time.perf_counter() - w0,
                gc=_gc["cpu"] - g0, gc_full=_gc["full"] - f0, worker=_worker()))
