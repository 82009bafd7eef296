"""numba's on-disk cache of the kernels: a damaged cache file is recompiled, not fatal."""

import pytest

# Each process of ``test_damaged_cache_files_are_recompiled`` calls one small kernel
# (``l2_penalty_grad_to``, imported on its own: no other kernel module is imported, and
# one serial kernel of two loops is compiled) and prints its results, whether it was
# compiled or loaded, and the warnings.
# The package itself is registered without running ``sknonneg/__init__.py``, which
# imports the estimators and scikit-learn (about 3 of the 4 CPU-seconds of each of the
# nine processes of this file's two tests); the kernel modules, numba and the guard of
# its disk cache (``sknonneg._kernels.support``) are imported and run as in any process.
ONE_KERNEL = r"""
import importlib.util
import json
import sys
import types
import warnings

import numpy as np

package = types.ModuleType("sknonneg")
package.__path__ = list(importlib.util.find_spec("sknonneg").submodule_search_locations)
sys.modules["sknonneg"] = package

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from sknonneg._kernels.parameters import l2_penalty_grad_to

    coef = np.array([[0.5, -2.0, 1.0], [3.0, 0.25, -1.5]])
    grad = np.ones((2, 3))
    total = l2_penalty_grad_to(coef, 0.125, grad, grad)
stats = l2_penalty_grad_to.stats
print(json.dumps({"total": total, "grad": grad.tolist(),
                  "hits": sum(stats.cache_hits.values()),
                  "misses": sum(stats.cache_misses.values()),
                  "warnings": [f"{w.category.__name__}: {w.message}" for w in caught]}))
"""


# Its own xdist group: it compiles in a cache folder of its own, shares nothing with
# the kernel groups' compilations, and waits on subprocesses most of its time.
@pytest.mark.xdist_group("kernel-cache")
def test_damaged_cache_files_are_recompiled(tmp_path):
    """An index (``.nbi``) cut short, then a data file (``.nbc``) garbled with its
    index intact: the next process warns, naming the file, recompiles and gives the
    same numbers (before: ``UnpicklingError`` from numba's cache loader in every
    later process); the one after loads the rewritten cache without a warning."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))

    def run():
        result = subprocess.run([sys.executable, "-c", ONE_KERNEL], env=env,
                                timeout=300, cwd=Path(__file__).resolve().parents[1],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    def numbers(out):
        return out["total"], out["grad"]

    first = run()
    assert first["misses"] == 1 and first["warnings"] == []
    [index] = tmp_path.rglob("*l2_penalty_grad*.nbi")
    [data] = tmp_path.rglob("*l2_penalty_grad*.nbc")
    assert run()["hits"] == 1  # cached as numba caches it

    for damaged, damage in ((index, lambda: os.truncate(index, 7)),
                            (data, lambda: data.write_bytes(b"\x80\x05garbled"))):
        damage()
        out = run()
        assert out["misses"] == 1, out
        assert numbers(out) == numbers(first)
        [warning] = out["warnings"]
        assert warning.startswith("UserWarning: ") and str(damaged) in warning, warning
        assert "recompiled" in warning

    last = run()
    assert last["hits"] == 1 and last["misses"] == 0 and last["warnings"] == []
    assert numbers(last) == numbers(first)


def test_every_kernel_dispatcher_guards_its_cache():
    """Every numba dispatcher of the kernel modules (those imported directly too, and
    ``PerActivation``'s variants) is made by ``support.njit``, which guards its disk
    cache (``test_damaged_cache_files_are_recompiled``)."""
    import importlib

    from numba.core.dispatcher import Dispatcher

    from sknonneg._kernels import kernel_modules, support

    if not support.CACHE:
        pytest.skip("numba caches nothing here")
    modules = [*kernel_modules(), importlib.import_module("sknonneg._kernels.losses"),
               support]
    dispatchers = {}
    for module in modules:
        for name, value in vars(module).items():
            if isinstance(value, support.PerActivation):
                for code in support.ACTIVATION_CODES:
                    dispatchers[f"{name}/{code}"] = value.variant(code)
            elif isinstance(value, Dispatcher):
                dispatchers[f"{module.__name__}.{name}"] = value
    assert len(dispatchers) > 50
    assert [n for n, d in dispatchers.items() if not support.cache_guarded(d)] == []


def test_an_intact_cache_file_is_kept_and_the_error_raised(tmp_path):
    # Before: any error while loading a kernel from the cache (other than OSError)
    # removed that signature's data file and warned it was damaged, also when the
    # file was intact and the error came from elsewhere: in every process, the
    # real error hidden. Now only a file that does not parse as a pickle goes.
    import pickle
    import types
    import warnings

    from sknonneg._kernels import support

    intact = tmp_path / "k-1.py311.1.nbc"
    intact.write_bytes(pickle.dumps({"compiled": [1.0, 2.0]}, protocol=-1))
    assert not support._pickle_damaged(intact)
    cut = tmp_path / "cut.nbc"
    cut.write_bytes(intact.read_bytes()[:-3])
    garbled = tmp_path / "garbled.nbc"
    garbled.write_bytes(b"\x80\x05garbled")
    assert support._pickle_damaged(cut) and support._pickle_damaged(garbled)

    def failing_load(sig, target_context):
        raise ImportError("a module the compiled code needs")

    cache_file = types.SimpleNamespace(
        _index_path=str(tmp_path / "k-1.py311.nbi"),
        # The guard keys every entry on the kernels' sources too (_guard_cache).
        _load_index=lambda: {("sig", "codegen", support.kernel_sources_digest()):
                             intact.name},
        _data_path=lambda name: str(tmp_path / name))
    cache = types.SimpleNamespace(
        load_overload=failing_load, save_overload=lambda sig, data: None,
        _index_key=lambda sig, codegen: (sig, codegen), _cache_file=cache_file)
    dispatcher = types.SimpleNamespace(_cache=cache, __name__="k")
    support._guard_cache(dispatcher)
    context = types.SimpleNamespace(codegen=lambda: "codegen")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ImportError, match="a module the compiled code needs"):
            cache.load_overload("sig", context)
    assert intact.exists()
    # The same error with the data file garbled: removed, warned, recompiled.
    intact.write_bytes(b"\x80\x05garbled")
    with pytest.warns(UserWarning, match="removed the damaged cache file"):
        assert cache.load_overload("sig", context) is None
    assert not intact.exists()


@pytest.mark.xdist_group("kernel-cache")
def test_a_change_to_another_kernel_module_recompiles(tmp_path):
    """A kernel's cache entry is keyed on the source of every kernel module: after a
    change to another module (here a comment added to ``losses.py``, which
    ``l2_penalty_grad_to`` does not even read), the next process compiles the kernel
    afresh. Before: numba keyed the entry on the kernel's own bytecode and module
    file only, and a kernel that inlines another module's code (``dense``'s output
    kernels and the loss rows of ``losses``) kept running that code's old version
    after it was edited, until ``__pycache__`` was cleared."""
    import json
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import sknonneg

    shutil.copytree(Path(sknonneg.__file__).parent, tmp_path / "sknonneg",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"))
    env.pop("PYTHONPATH", None)

    def run():
        # cwd first on sys.path (``python -c``): the copy is the one imported.
        result = subprocess.run([sys.executable, "-c", ONE_KERNEL], env=env,
                                timeout=300, cwd=tmp_path, capture_output=True,
                                text=True)
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])

    first = run()
    assert first["misses"] == 1 and first["warnings"] == []
    assert run()["hits"] == 1  # unchanged sources: loaded from the cache
    with open(tmp_path / "sknonneg" / "_kernels" / "losses.py", "a") as losses:
        losses.write("\n# edited\n")
    edited = run()
    assert edited["misses"] == 1 and edited["hits"] == 0, edited
    assert (edited["total"], edited["grad"]) == (first["total"], first["grad"])
    assert run()["hits"] == 1


def test_kernel_sources_digest_covers_every_kernel_module(tmp_path):
    from pathlib import Path

    from sknonneg._kernels import support

    folder = Path(support.__file__).parent
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(name)
    before = support.kernel_sources_digest(str(tmp_path))
    (tmp_path / "b.py").write_text("changed")
    assert support.kernel_sources_digest.__wrapped__(str(tmp_path)) != before
    (tmp_path / "notes.txt").write_text("not a module")
    assert (support.kernel_sources_digest.__wrapped__(str(tmp_path))
            == support.kernel_sources_digest.__wrapped__(str(tmp_path)))
    assert len(support.kernel_sources_digest()) == 64
    assert support.kernel_sources_digest() == support.kernel_sources_digest(
        str(folder))
