"""The code of the prose documentation runs: README.md, doc/*.md, doc/*.rst and
doc/user_guide/*.rst.

Every Python block of a page (a ```python fence in Markdown; ``.. code-block::
python``, a ``::`` literal block that parses as Python, or a ``>>>`` session in
reStructuredText) is listed in ``PAGES`` below, in the page's order, either to run
or with the written reason it does not run here. The blocks of a page run in order
in one namespace, as a reader would paste them, after the page's ``prelude``: the
placeholders its prose names (``clf``, ``X`` and ``y`` "any estimator and data").
A check then asserts what the page says of the result. A block added to a page
without an entry here fails ``test_every_python_block_is_listed``.
"""

import contextlib
import doctest
import io
import re
import tokenize
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ extraction
def _markdown_blocks(text):
    """(line, code) of the ```python fences (also ```py, ```pycon)."""
    blocks = []
    for match in re.finditer(r"(?m)^([ \t]*)```(?:python|py|pycon)[ \t]*\n(.*?)^\1```",
                             text, flags=re.S):
        line = text.count("\n", 0, match.start()) + 2
        blocks.append((line, textwrap.dedent(match.group(2))))
    return blocks


def _indented_body(lines, start):
    """The indented block that begins after line ``start`` (blank lines first)."""
    head = lines[start]
    indent = len(head) - len(head.lstrip())
    body, i = [], start + 1
    while i < len(lines) and (not lines[i].strip() or
                              len(lines[i]) - len(lines[i].lstrip()) > indent):
        body.append(lines[i])
        i += 1
    first = next((k for k, line in enumerate(body) if line.strip()), len(body))
    # Directive options (``:linenos:``) come before the first blank line.
    if head.lstrip().startswith(".."):
        while first < len(body) and body[first].strip().startswith(":"):
            first += 1
        while first < len(body) and not body[first].strip():
            first += 1
    code = textwrap.dedent("\n".join(body[first:])).strip("\n") + "\n"
    return start + 2 + first, code


def _parses(code):
    try:
        compile(code, "<block>", "exec")
    except SyntaxError:
        return False
    return True


def _rst_blocks(text):
    """(line, code) of the Python blocks of a reStructuredText page."""
    lines = text.split("\n")
    blocks = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        directive = re.match(r"\.\. (?:code-block|code|sourcecode)::\s*(\S*)", stripped)
        if directive:
            if directive.group(1) in ("python", "py", "pycon", "python3"):
                blocks.append(_indented_body(lines, i))
        elif stripped.endswith("::") and not stripped.startswith(".."):
            # A literal block: Python when it parses as Python (shell lines do not).
            lineno, code = _indented_body(lines, i)
            if code.strip() and (_parses(code) or code.lstrip().startswith(">>>")):
                blocks.append((lineno, code))
    # >>> sessions that are not inside a literal block (doctest blocks).
    for match in re.finditer(r"(?m)^(?:[ \t]*>>> .*\n(?:[ \t]*(?:\.\.\.|>>>).*\n)*)+", text):
        line = text.count("\n", 0, match.start()) + 1
        if not any(start <= line < start + code.count("\n") for start, code in blocks):
            blocks.append((line, textwrap.dedent(match.group(0))))
    blocks.sort()
    return [(line, _from_session(code)) for line, code in blocks]


def _from_session(code):
    """The source of a ``>>>`` session (its expected output dropped)."""
    if not code.lstrip().startswith(">>>"):
        return code
    examples = doctest.DocTestParser().get_examples(code)
    return "".join(example.source for example in examples)


def extract_blocks(path):
    text = path.read_text(encoding="utf-8")
    return _markdown_blocks(text) if path.suffix == ".md" else _rst_blocks(text)


def _pages():
    return ([ROOT / "README.md"] + sorted((ROOT / "doc").glob("*.md"))
            + sorted((ROOT / "doc").glob("*.rst"))
            + sorted((ROOT / "doc" / "user_guide").glob("*.rst")))


def test_extraction_finds_each_kind_of_block():
    md = "x\n```python\na = 1\n```\n```bash\nls\n```\n  ```python\n  b = 2\n  ```\n"
    assert _markdown_blocks(md) == [(3, "a = 1\n"), (9, "b = 2\n")]
    rst = ("Text::\n\n    a = 1\n\nShell::\n\n    NUMBA_X=1 python x.py\n\n"
           ".. code-block:: python\n   :linenos:\n\n   b = 2\n   c = 3\n\n"
           ".. code-block:: bash\n\n   ls\n\n>>> d = 4\n>>> d\n4\n")
    assert _rst_blocks(rst) == [(3, "a = 1\n"), (12, "b = 2\nc = 3\n"),
                                (19, "d = 4\nd\n")]


# ------------------------------------------------------------------ the pages
class Run:
    """Run the block."""


class NotRun:
    """Do not run the block, for the written ``reason``."""

    def __init__(self, reason):
        self.reason = reason


RUN = Run()


def _small_digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:300] / 16, y[:300]


def _check_readme(ns):
    X = ns["X"] / 16
    clf = ns["clf"]
    # "(50, 64): hidden units as non-negative 'parts'"
    assert clf.components_.shape == (50, 64)
    assert (clf.components_ >= 0).all()
    # "hidden activations: a supervised feature extractor"
    assert clf.transform(X).shape == (X.shape[0], 50)
    assert clf.score(X, ns["y"]) > 0.9


_NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?")


def _output_comments(code):
    """The trailing comments of a block's ``print(...)`` lines, in order: what
    each line prints. Every ``print`` line of the README has one."""
    comments = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string[1:].strip()
    expected = []
    for number, line in enumerate(code.splitlines(), 1):
        if line.lstrip().startswith("print("):
            assert number in comments, f"print without its output: {line}"
            expected.append(comments[number])
    return expected


def _same_output(printed, expected):
    """The printed line is the comment, the numbers to within one unit of the
    comment's last digit (a 0 exactly, an integer or ``1.``-style value exactly)."""
    if _NUMBER.sub("#", printed).split() != _NUMBER.sub("#", expected).split():
        return False
    for got, want in zip(_NUMBER.findall(printed), _NUMBER.findall(expected)):
        decimals = len(want.partition(".")[2].partition("e")[0])
        tolerance = 0 if float(want) == 0 or not decimals else 10.0 ** -decimals
        if abs(float(got) - float(want)) > tolerance * (1 + 1e-9):
            return False
    return True


def test_same_output_reads_numbers_to_their_last_digit():
    assert _same_output("0.96", "0.96") and _same_output("0.955", "0.96")
    assert not _same_output("0.94", "0.96")
    assert not _same_output("1e-17", "0.0") and not _same_output("[1.e-17 0.]", "[0. 0.]")
    assert _same_output("(1797, 32) True", "(1797, 32) True")
    assert not _same_output("(1797, 32) False", "(1797, 32) True")
    assert not _same_output("(1796, 32) True", "(1797, 32) True")
    assert _output_comments("x = 1  # no\nprint(x)  # 1\n") == ["1"]
    with pytest.raises(AssertionError, match="print without its output"):
        _output_comments("print(1)\n")


def _check_readme_page(ns):
    """README.md: the digits block as the landing page's; every other block
    prints what its comments say, and the prose's numbers hold."""
    blocks = ns["__blocks__"]
    assert len(blocks) == 5
    _check_readme(blocks[0][2])
    for code, printed, _ in blocks:
        expected = _output_comments(code)
        lines = printed.splitlines()
        assert len(lines) == len(expected), (lines, expected)
        for got, want in zip(lines, expected):
            assert _same_output(got, want), (got, want)
    # Monotone by construction: the constrained features' exact zero drops.
    monotone = blocks[1][2]
    assert list(monotone["net"].monotonic_cst) == [0, 0, 0, 1, 1]
    # The baseline is scikit-learn's MLP with its target standardised, as the
    # regressor standardises its own: unscaled, it fitted worse and fell less.
    mlp = monotone["mlp"]
    assert isinstance(mlp.transformer_, StandardScaler)
    # "The price: ... accuracy 0.83 on its training rows and 0.78 on new rows
    # drawn alike, against 1.0 and 1.0 for the signed one; a threshold on the
    # number of spam words alone reaches 0.80 on the training rows".
    spam = blocks[2][2]
    X, y = spam["X"], spam["y"]
    X_new = np.random.RandomState(1).poisson(0.5, size=(2000, 20)).astype(float)
    y_new = (X_new[:, :10].sum(axis=1) > X_new[:, 10:].sum(axis=1) + 1).astype(int)
    assert round(spam["spam"].score(X, y), 2) == 0.83
    assert round(spam["spam"].score(X_new, y_new), 2) == 0.78
    assert spam["signed"].score(X, y) == 1.0
    assert spam["signed"].score(X_new, y_new) == 1.0
    spam_words = X[:, :10].sum(axis=1)
    best = max(np.mean((spam_words > t) == y) for t in range(int(spam_words.max()) + 1))
    assert round(best, 2) == 0.80
    assert all((W >= 0).all() for W in spam["spam"].coefs_)
    # The cap holds: lipschitz_max=3.0 bounds the fitted network's bound.
    abba = blocks[4][2]["abba"]
    assert abba.lipschitz_bound_ <= 3.0 * (1 + 1e-12)


def _check_inputs(ns):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 3))           # signed features
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    # The page's network takes no random_state: fix it for a reproducible test.
    model = ns["model"].set_params(nonnegmlpclassifier__random_state=0).fit(X, y)
    # "The split doubles the features": each part gets its own non-negative weights.
    net = model[-1]
    assert net.n_features_in_ == 6
    assert all((W >= 0).all() for W in net.coefs_)
    assert model.score(X, y) > 0.8
    # "feature_names_out names the parts".
    assert list(model[:-1].get_feature_names_out()) == [
        "x0_pos", "x1_pos", "x2_pos", "x0_neg", "x1_neg", "x2_neg"]


def _perf_prelude(ns):
    # "(``clf``, ``X`` and ``y`` any estimator and data)"
    from sknonneg import NonNegMLPClassifier

    ns["X"], ns["y"] = _small_digits()
    ns["clf"] = NonNegMLPClassifier(hidden_layer_sizes=10, max_iter=30, random_state=0)


def _check_perf(ns):
    assert ns["clf"].n_iter_ > 0
    assert ns["clf"].score(ns["X"], ns["y"]) > 0.8


def _persist_prelude(ns):
    # "(``clf`` a fitted estimator)"
    from sknonneg import NonNegMLPClassifier

    X, y = _small_digits()
    ns["X"] = X
    ns["fitted"] = ns["clf"] = NonNegMLPClassifier(
        hidden_layer_sizes=10, max_iter=30, random_state=0).fit(X, y)


def _check_persist(ns):
    from sknonneg import persist

    # "sknonneg's own types only"
    untrusted = persist.untrusted_types("model.skops")
    assert untrusted and all(name.startswith("sknonneg.") for name in untrusted)
    assert ns["clf"] is not ns["fitted"]
    np.testing.assert_array_equal(ns["clf"].predict_proba(ns["X"]),
                                  ns["fitted"].predict_proba(ns["X"]))


def _check_ramps(ns):
    import pandas as pd

    from sknonneg.inspection import check_monotonic

    rng = np.random.RandomState(0)
    n = 200
    X = pd.DataFrame({"capital-gain": rng.exponential(1000, n).round(),
                      "age": rng.randint(17, 90, n).astype(float)})
    y = ((X["capital-gain"] > 800) ^ (rng.rand(n) < 0.1)).astype(int)
    model = ns["model"].set_params(nonnegmlpclassifier__random_state=0).fit(X, y)
    # The dict named the raw features; each ramp got its feature's direction.
    cst = ns["cst"]
    assert all(v == 1 for k, v in cst.items() if k.startswith("capital-gain"))
    assert all(v == 0 for k, v in cst.items() if k.startswith("age"))
    # "keeps the guarantee exact in the raw feature", mapped back by itself.
    # "A model monotone by construction ... shows a largest drop of exactly 0".
    report = check_monotonic(model, X)
    assert list(report.features) == [0]    # capital-gain; age (0) is not checked
    assert report.is_monotonic and (report.max_drop == 0).all()
    assert model.score(X, y) > 0.8


_SCALING_REASON = (
    "needs the Dask cluster (client) and the data (X, y, clf, path) of "
    "examples/scaling_recipes.py, of which the page says every block is a piece: "
    "tests/test_dask.py::test_doc_code_blocks_are_the_example_script checks that, "
    "and test_doc_recipes_run runs every recipe on a LocalCluster")

# page (relative to the repository) -> prelude, one entry per Python block, check
PAGES = {
    "README.md": (None, [RUN] * 5, _check_readme_page),
    "doc/scaling.md": (None, [NotRun(_SCALING_REASON)] * 9, None),
    "doc/index.rst": (None, [RUN], _check_readme),  # the README's quick start
    "doc/user_guide/choosing.rst": (None, [RUN], _check_ramps),
    "doc/user_guide/inputs.rst": (None, [RUN], _check_inputs),
    "doc/user_guide/performance.rst": (_perf_prelude, [
        NotRun("reads full MNIST and fits 5,000 images with 150 units in float32: "
               "about 28 CPU-seconds on the test machine, plus compiling the "
               "float32 parallel kernels on a cold numba cache; it hard-codes the "
               "subset size, so it cannot be made small"),
        RUN,
    ], _check_perf),
    # The second block loads the file with InconsistentVersionWarning as an
    # error: the version that saved it, so it loads.
    "doc/user_guide/scale_persist.rst": (_persist_prelude, [RUN, RUN],
                                         _check_persist),
}


def test_every_python_block_is_listed():
    found = {str(path.relative_to(ROOT)): len(extract_blocks(path)) for path in _pages()}
    found = {page: n for page, n in found.items() if n}
    listed = {page: len(entries) for page, (_, entries, _) in PAGES.items()}
    assert found == listed


def test_not_run_blocks_say_why():
    for _, entries, _ in PAGES.values():
        for entry in entries:
            assert isinstance(entry, (Run, NotRun))
            if isinstance(entry, NotRun):
                assert len(entry.reason) > 40


@pytest.mark.parametrize("page", [page for page, (_, entries, _) in PAGES.items()
                                  if any(isinstance(e, Run) for e in entries)])
def test_page_code_runs(page, tmp_path, monkeypatch):
    prelude, entries, check = PAGES[page]
    if page == "doc/user_guide/scale_persist.rst":
        pytest.importorskip("skops")
    blocks = extract_blocks(ROOT / page)
    assert len(blocks) == len(entries)
    monkeypatch.chdir(tmp_path)            # blocks that write files write them here
    ns = {"__name__": "__doc__"}
    with warnings.catch_warnings():
        # Short fits (the preludes', the documented settings') may stop at max_iter.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if page == "README.md":
            # The front page's code runs as a reader sees it: without a warning.
            warnings.simplefilter("error")
        if prelude is not None:
            prelude(ns)
        run = []
        for (line, code), entry in zip(blocks, entries):
            if isinstance(entry, Run):
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed):
                    exec(compile(code, f"{page}:{line}", "exec"), ns)
                # The block, what it printed, and the names as it left them (a
                # later block may reuse X, y).
                run.append((code, printed.getvalue(), dict(ns)))
        ns["__blocks__"] = run
        check(ns)
