"""The hypothesis profiles of tests/conftest.py reach every property test.

"dev" (``HYPOTHESIS_PROFILE=dev``) is how the property tests are searched at depth
(2000 examples, a random seed that ``--hypothesis-seed`` sets). A test decorated
with a fixed ``@settings(max_examples=n)`` keeps ``n`` under every profile, and
``derandomize=True`` ignores the seed: before, five of the seven files of property
tests did, so a dev run of them searched no deeper than the suite's "ci" run.
They now take their number from ``conftest.examples(n)``.
"""

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("hypothesis")

TESTS = os.path.dirname(os.path.abspath(__file__))

_SCRIPT = textwrap.dedent("""
    import glob, importlib, os, sys
    sys.path.insert(0, {tests!r})
    import conftest  # registers and loads the profiles
    from hypothesis import settings

    dev = settings.get_profile("dev")
    found, wrong = [], []
    for path in sorted(glob.glob(os.path.join({tests!r}, "test_*.py"))):
        with open(path, encoding="utf-8") as f:
            if "hypothesis" not in f.read():
                continue
        module = importlib.import_module(os.path.basename(path)[:-3])
        for name, obj in vars(module).items():
            if not (name.startswith("test") and getattr(obj, "is_hypothesis_test",
                                                        False)):
                continue
            found.append(name)
            used = obj._hypothesis_internal_use_settings
            if (used.max_examples != dev.max_examples
                    or used.derandomize != dev.derandomize):
                wrong.append((module.__name__, name, used.max_examples,
                              used.derandomize))
    print(len(found))
    print(wrong)
""")


def test_every_property_test_searches_at_the_dev_profiles_depth():
    env = dict(os.environ, HYPOTHESIS_PROFILE="dev")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [os.path.dirname(TESTS), env.get("PYTHONPATH")] if p)
    result = subprocess.run([sys.executable, "-c", _SCRIPT.format(tests=TESTS)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    n_found, wrong = result.stdout.strip().splitlines()[-2:]
    assert int(n_found) >= 10  # the property tests of the seven files were found
    assert wrong == "[]", wrong
