"""The pages that doc/conf.py writes at build time (doc/results/, doc/api/).

doc/conf.py is loaded from a copy of doc/ in a temporary folder (with benchmarks/
and examples/ linked beside it), so that what it writes at import stays there.
"""

import importlib.util
import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GENERATED = {"_build", "api", "auto_examples", "gen_modules", "generated", "results"}


@pytest.fixture(scope="module")
def conf(tmp_path_factory):
    pytest.importorskip("docutils")
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(ROOT / "doc", root / "doc",
                    ignore=lambda folder, names: [n for n in names if n in GENERATED]
                    if Path(folder) == ROOT / "doc" else [])
    for name in ("benchmarks", "examples"):
        (root / name).symlink_to(ROOT / name)
    spec = importlib.util.spec_from_file_location("sknonneg_doc_conf",
                                                  root / "doc" / "conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_results_index_file_names_can_wrap(conf):
    # The index's first column showed each file name on one line, and the
    # longest (autoencoder_stack_mnist60k_linear_short_confirm.md, 50 characters)
    # widened the table past the article at a 1280-pixel window: "Cited from" was
    # cut off at the right edge. Each name may now break after its underscores.
    index = (Path(conf.DOC) / "results" / "index.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \[(.+?)\]\(([\w-]+)\.md\) \|", index, re.M)
    assert len(rows) == len(conf.RESULTS_PAGES) > 10
    for text, stem in rows:
        # The text shows the file's name ...
        assert text.replace("<wbr>", "") == f"{stem}.md"
        # ... with a break opportunity at least every 20 characters.
        assert max(len(part) for part in text.split("<wbr>")) <= 20, text


def test_results_pages_show_the_figures_their_file_names(conf):
    # autoencoder_vs_nmf.md and autoencoder_vs_nmf_k196.md name their
    # figures by path (doc/figures/...png), which the site showed as code that no
    # reader could open; the figures were nowhere on the site.
    text = ("`doc/figures/autoencoder_parts_mnist_k196_mnist60k_k196.png` and "
            "`doc/figures/autoencoder_parts_mnist_k{16,64}_mnist60k_k{16,64}.png`, "
            "`doc/figures/no_such_figure.png`")
    assert conf.cited_figures(text) == [
        "autoencoder_parts_mnist_k196_mnist60k_k196.png",
        "autoencoder_parts_mnist_k16_mnist60k_k16.png",
        "autoencoder_parts_mnist_k64_mnist60k_k64.png"]
    results = Path(conf.DOC) / "results"
    shown = {}
    for page in results.glob("*.md"):
        names = re.findall(r"^!\[[^\]]*\]\(\.\./figures/([\w.-]+)\)$",
                           page.read_text(encoding="utf-8"), re.M)
        if names:
            shown[page.stem] = names
    for stem, names in shown.items():
        source = Path(conf.RESULTS) / f"{stem}.md"
        assert names == conf.cited_figures(source.read_text(encoding="utf-8"))
        assert all((Path(conf.DOC) / "figures" / name).is_file() for name in names)
    assert shown["autoencoder_vs_nmf_k196"] == ["autoencoder_parts_mnist_k196_k196.png"]
    assert len(shown["autoencoder_vs_nmf"]) == 3


# Characters of code that fit on one line of a block beside "On this page" at a
# 1280-pixel window: 611 pixels of the block's width; a 69-character line scrolled.
PAGE_TOC_CODE_WIDTH = 68


def _code_lines(path):
    """The lines of a page's code blocks, ```text blocks included (engine.md's file
    tree: its descriptions, lines of up to 96 characters, were cut off at
    the block's edge beside "On this page", every line to be scrolled sideways)."""
    text = path.read_text(encoding="utf-8")
    lines = []
    if path.suffix == ".md":
        for match in re.finditer(r"(?ms)^([ \t]*)```([^\n`]*)\n(.*?)^\1```", text):
            if match.group(2).startswith("{"):
                continue
            lines += textwrap.dedent(match.group(3)).split("\n")
        return lines
    source = text.split("\n")
    for i, line in enumerate(source):
        stripped = line.strip()
        if stripped.startswith(".. math::") or not (
                stripped.startswith(".. code-block::") or
                (stripped.endswith("::") and not stripped.startswith(".."))):
            continue
        indent = len(line) - len(line.lstrip())
        body = []
        for follow in source[i + 1:]:
            if follow.strip() and len(follow) - len(follow.lstrip()) <= indent:
                break
            body.append(follow)
        lines += [entry for entry in textwrap.dedent("\n".join(body)).split("\n")
                  if not entry.startswith(":")]
    return lines


def _has_sections(path):
    """Whether a page has a heading below its title (what "On this page" lists)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return re.search(r"(?m)^##+ ", text) is not None
    underlines = re.findall(r"(?m)^\S.*\n([=\-~^\"'`#*+]){3,}$", text)
    return len(underlines) > 1


def test_code_beside_the_page_toc_fits_its_column(conf):
    # Beside "On this page" a code block is 611 pixels wide at a
    # 1280-pixel window; every recipe of scaling.md (lines of 74-86 characters) and
    # one block each of performance.rst and reliability.md scrolled sideways. scaling.md
    # now lists its sections at the top (full width), the other two blocks are
    # wrapped.
    pages = [page for page, items in
             conf.html_theme_options["secondary_sidebar_items"].items()
             if "page-toc" in items]
    assert "user_guide/performance" in pages
    too_long = []
    for page in pages:
        path = next(Path(conf.DOC).glob(f"{page}.*"))
        if not _has_sections(path):
            continue  # an empty "On this page" is not shown: the code has the width
        too_long += [f"{page}: {line}" for line in _code_lines(path)
                     if len(line.rstrip()) > PAGE_TOC_CODE_WIDTH]
    assert not too_long, "\n".join(too_long)


def _markdown_lines():
    """``(path, line number, line)`` of the Markdown pages written by hand, outside
    fenced code blocks."""
    for path in sorted((ROOT / "doc").rglob("*.md")):
        if GENERATED.intersection(path.relative_to(ROOT / "doc").parts[:-1]):
            continue
        fenced = False
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            if line.lstrip().startswith("```"):
                fenced = not fenced
            elif not fenced:
                yield path, number, line


def test_code_in_markdown_table_cells_is_closed():
    # engine.md's kernel table wrote `l2 |W|^2` in a cell; the pipes split
    # the cell, so the page showed "`l2" with its backtick and lost the rest of the
    # row. A pipe inside a table cell, in code too, is written \|: every cell of every
    # Markdown table row of the pages then holds its code spans whole.
    broken = []
    for path, number, line in _markdown_lines():
        if not line.startswith("|"):
            continue
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        broken += [f"{path.name}:{number}: {cell.strip()}" for cell in cells
                   if cell.count("`") % 2]
    assert not broken, "\n".join(broken)


def test_no_wrapped_line_starts_a_block_quote():
    # A paragraph wrapped so that a line starts with ">= 0" or "> 1" renders that
    # line and the rest of the paragraph as a block quote: defaults.md's eleventh
    # round said "(adopt if ... is" and, indented in a quote, ">= 0): Friedman";
    # its ninth round "a network whose every weight is" / ">= 0 does that". Block
    # quotes in these pages start "> " followed by a letter or markup.
    quoted = [f"{path.name}:{number}: {line}" for path, number, line
              in _markdown_lines() if re.match(r">\s*[=0-9+-]", line)]
    assert not quoted, "\n".join(quoted)


def test_api_reference_documents_every_public_name_and_module(conf):
    # The reference had a page for every name, but sknonneg.exceptions
    # and sknonneg.neural_network (whose names sknonneg re-exports) were nowhere on
    # the site, nor in its module index, though every warning's Examples import
    # from sknonneg.exceptions. Every public module's __all__ has its entries in
    # the autosummary of its own page, or of sknonneg's, which declares the module.
    import importlib
    import pkgutil

    import sknonneg

    api = Path(conf.DOC) / "api"

    def documented(page):
        text = (api / f"{page}.rst").read_text(encoding="utf-8")
        return text, set(re.findall(r"(?m)^    (\w+)$", text)) | set(
            re.findall(r"(?m)^\.\. py:data:: (\w+)$", text))

    modules = ["sknonneg"] + [f"sknonneg.{info.name}"
                              for info in pkgutil.iter_modules(sknonneg.__path__)
                              if not info.name.startswith("_")]
    assert {"sknonneg.exceptions", "sknonneg.neural_network", "sknonneg.inspection",
            "sknonneg.persist"} <= set(modules)
    top_text, top_names = documented("sknonneg")
    for module_name in modules:
        exported = {name for name in importlib.import_module(module_name).__all__
                    if not name.startswith("_") or name.endswith("__")}
        if (api / f"{module_name}.rst").is_file():
            names = documented(module_name)[1]
        else:
            assert f".. py:module:: {module_name}\n" in top_text, module_name
            names = top_names
        assert exported <= names, (module_name, exported - names)
    # No private name is documented as public.
    for page in api.glob("*.rst"):
        _, names = documented(page.stem)
        assert not [name for name in names
                    if name.startswith("_") and not name.endswith("__")], page.name


def test_api_index_lists_every_class_and_function(conf):
    # The API reference's index listed each module with the words
    # "Classes", "Functions", "Constants" under it and no name: a reader looking up
    # an estimator's parameters had to guess its module, open its page and find it
    # in a table there. The index now lists every class and function of every
    # public module with its summary, under the module's own summary.
    index = (Path(conf.DOC) / "api" / "index.rst").read_text(encoding="utf-8")
    sections = dict(re.findall(r"(?ms)^:mod:`([\w.]+)`\n-+\n(.*?)(?=^:mod:|\Z)", index))
    assert list(sections) == conf.public_modules()
    for module_name, body in sections.items():
        classes, functions, data = conf.public_names(module_name)
        listed = re.findall(r"(?m)^    (\w+)$", body)
        assert listed == classes + functions, module_name
        assert all(f":data:`{name}`" in body for name in data), module_name
    assert "NonNegMLPClassifier" in sections["sknonneg"]


def test_single_backquotes_render_as_code(conf):
    # The class pages show the methods inherited from scikit-learn with
    # their docstrings, written for scikit-learn's default role (code): with
    # Sphinx's, `fit` and `X` of fit_transform and get_feature_names_out rendered as
    # italic citations (<cite>) on the five estimators' pages.
    import inspect

    from docutils import nodes
    from docutils.core import publish_doctree

    from sknonneg.preprocessing import RampTransformer

    doc = inspect.getdoc(RampTransformer.fit_transform)
    spans = re.findall(r"(?<![`:\w])`(\w+)`(?![`_])", doc)
    assert "fit" in spans
    tree = publish_doctree(f".. default-role:: {conf.default_role}\n\n{doc}",
                           settings_overrides={"report_level": 5})
    code = {node.astext() for node in tree.findall(nodes.literal)}
    assert set(spans) <= code
    assert not list(tree.findall(nodes.title_reference))


def test_pages_cited_by_their_file_link_to_the_page(conf):
    # The docstrings cite the pages by their file in the repository
    # (``doc/defaults.md``: 7 times on NonNegMLPClassifier's page, 4 on the
    # regressor's), as do results files; the site showed each as code that no
    # reader could open. A citation of a page now links to it; one of a file that
    # is not a page (a figure) stays code.
    from types import SimpleNamespace

    from docutils import nodes
    from docutils.core import publish_doctree

    tree = publish_doctree("See ``doc/defaults.md``, ``doc/user_guide/inputs.rst``, "
                           "``doc/figures/fig3_mnist_units.png`` and "
                           "``doc/no_such_page.md``.")
    app = SimpleNamespace(
        env=SimpleNamespace(found_docs={"defaults", "user_guide/inputs", "index"}),
        builder=SimpleNamespace(get_relative_uri=lambda source, target:
                                f"../{target}.html"))
    conf._link_page_citations(app, tree, "generated/sknonneg.NonNegMLPClassifier")
    links = {node.astext(): node["refuri"] for node in tree.findall(nodes.reference)}
    assert links == {"doc/defaults.md": "../defaults.html",
                     "doc/user_guide/inputs.rst": "../user_guide/inputs.html"}
    assert {node.astext() for node in tree.findall(nodes.literal)} >= {
        "doc/figures/fig3_mnist_units.png", "doc/no_such_page.md"}


def test_public_names_written_as_code_link_to_their_reference(conf):
    # The prose pages named the API as code, not through a role, 152
    # times (``check_monotonic`` 18 times, ``DegenerateFitWarning`` 22), and the
    # docstrings did too: none could be followed to the parameters. A public name
    # written as code (qualified, or alone where it is unambiguous and no common
    # word) now links to its reference, except on its own page, in a heading or
    # in a link.
    from types import SimpleNamespace

    from docutils import nodes
    from docutils.core import publish_doctree

    assert conf.API_NAMES["check_monotonic"] == "sknonneg.inspection.check_monotonic"
    assert conf.API_NAMES["NonNegMLPClassifier"] == "sknonneg.NonNegMLPClassifier"
    assert conf.API_NAMES["sknonneg.exceptions"] == "sknonneg.exceptions"
    assert "load" not in conf.API_NAMES and "sknonneg" not in conf.API_NAMES

    tree = publish_doctree(
        "Title ``check_monotonic``\n========================\n\n"
        "Use ``check_monotonic()``, ``sknonneg.persist.load``, ``load``, "
        "``NonNegMLPClassifier``, ``fit`` and `a link <https://example.org>`_.")
    entry = SimpleNamespace
    objects = {name: entry(docname=f"generated/{name}", node_id=name) for name in (
        "sknonneg.inspection.check_monotonic", "sknonneg.persist.load",
        "sknonneg.NonNegMLPClassifier")}
    domain = SimpleNamespace(objects=objects, modules={})
    app = SimpleNamespace(
        env=SimpleNamespace(get_domain=lambda name: domain),
        builder=SimpleNamespace(get_relative_uri=lambda source, target:
                                f"../{target}.html"))
    conf._link_api_names(app, tree, "generated/sknonneg.NonNegMLPClassifier")
    links = {node.astext(): node["refuri"] for node in tree.findall(nodes.reference)
             if node.get("internal")}
    assert links == {
        "check_monotonic()": "../generated/sknonneg.inspection.check_monotonic.html"
                             "#sknonneg.inspection.check_monotonic",
        "sknonneg.persist.load": "../generated/sknonneg.persist.load.html"
                                 "#sknonneg.persist.load"}
    title = next(iter(tree.findall(nodes.title)))
    assert not list(title.findall(nodes.reference))


def test_landing_page_links_the_guarantee_pages():
    # Review 46i: the choosing, robustness and reliability pages, where the
    # guarantees are stated, were reachable only through the User guide's toctree.
    index = (ROOT / "doc" / "index.rst").read_text(encoding="utf-8")
    targets = set(re.findall(r":doc:`(?:[^`<]*<)?([^`>]+)>?`", index))
    assert {"user_guide/choosing", "robustness", "reliability"} <= targets


def test_landing_page_starts_a_new_user():
    # The landing page said what sknonneg is, but not for whom; it gave
    # the install and the demo on two lines of its own, not the README's quick start
    # (so not the test command), and none of the examples that answer a first
    # question: a monotone credit score, a readable topic model, a spam filter that
    # added words cannot fool.
    index = (ROOT / "doc" / "index.rst").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = re.search(r"(?s)## Quick start\n.*?```bash\n(.*?)```", readme).group(1)
    commands = [line.split("#")[0].strip() for line in quick_start.splitlines()
                if line.strip()]
    assert len(commands) == 2
    for command in commands:
        assert command in index, command
    assert "It is for " in index
    targets = set(re.findall(r":doc:`(?:[^`<]*<)?([^`>]+)>?`", index))
    examples = {"auto_examples/plot_monotone_credit_adult",
                "auto_examples/plot_paper_figures",
                "auto_examples/plot_text_filter_additive_evasion"}
    assert examples <= targets
    for target in examples:
        assert (ROOT / "examples" / f"{target.split('/')[1]}.py").is_file()


def test_landing_page_reaches_each_first_task_in_one_click():
    # A new user looks for how to fit a monotone model, the evasion certificate, the
    # autoencoder and what each warning means. The landing page linked the first
    # three, but the warnings only through the User guide's contents (two clicks,
    # under "Penalties, early stopping and warnings"), and the autoencoder's gallery
    # example not at all. Each is now one link away, and the warnings section names
    # every warning class of sknonneg.exceptions.
    index = (ROOT / "doc" / "index.rst").read_text(encoding="utf-8")
    docs = set(re.findall(r":doc:`(?:[^`<]*<)?([^`>]+)>?`", index))
    refs = set(re.findall(r":ref:`(?:[^`<]*<)?([^`>]+)>?`", index))
    assert {"auto_examples/plot_monotone_credit_adult", "robustness",
            "auto_examples/plot_autoencoder_parts"} <= docs
    assert "fitting-warnings" in refs
    fitting = (ROOT / "doc" / "user_guide" / "fitting.rst").read_text(encoding="utf-8")
    section = fitting.split(".. _fitting-warnings:")[1].split("\n.. _")[0]
    import sknonneg.exceptions

    warnings_ = [name for name in sknonneg.exceptions.__all__
                 if name.endswith("Warning")]
    assert len(warnings_) == 3
    for name in warnings_ + ["ConvergenceWarning", "UserWarning"]:
        assert f"``{name}``" in section, name


def test_top_pages_without_sub_pages_have_no_empty_section_navigation(conf):
    # The changes page showed the theme's left column with its "Section
    # Navigation" heading and nothing under it: a page of the top navigation whose
    # file holds no toctree has no pages to list, so its sidebar is turned off.
    index = (ROOT / "doc" / "index.rst").read_text(encoding="utf-8")
    toctree = index.split(".. toctree::")[1]
    entries = [line.strip() for line in toctree.split("\n")[1:]
               if line.strip() and not line.strip().startswith(":")]
    leaves = []
    for entry in entries:
        files = list((ROOT / "doc").glob(f"{entry}.*"))
        if files and "toctree" not in files[0].read_text(encoding="utf-8"):
            leaves.append(entry)
    assert "changes" in leaves
    for page in leaves:
        assert conf.html_sidebars.get(page) == [], page


def test_readme_links_resolve():
    # The README is read on the repository page, where a relative link opens a file
    # of the repository: each must name one that exists (a heading of the README
    # itself for a "#..." link), and the user guide pages it sends the reader to
    # hold what it left to them.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"(?s)```.*?```", "", readme)
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert len(links) >= 10
    headings = {re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
                for line in readme.splitlines() if line.startswith("#")}
    broken = []
    for link in links:
        if re.match(r"[a-z]+://", link):
            continue
        path, _, fragment = link.partition("#")
        if not path:
            if fragment not in headings:
                broken.append(link)
        elif not (ROOT / path).exists():
            broken.append(link)
    assert not broken, broken
    pages = {"doc/user_guide/fitting.rst": ["alpha / (2 n_{samples})", "0.907", "0.65 -> 0.82",
                                            "(97.23% -> 97.07%", "DegenerateFitWarning"],
             "doc/user_guide/inputs.rst": ["InputScaleWarning", "178", "669 against 0.47"],
             "doc/user_guide/performance.rst": ["The demo and its run times",
                                                "2 min 30 s", "97.28% and 97.95%"],
             "doc/user_guide/data.rst": ["verify=True", "placeholder"]}
    for page, facts in pages.items():
        assert page in links
        source = (ROOT / page).read_text(encoding="utf-8")
        for fact in facts:
            assert fact in source, (page, fact)


def test_every_gallery_example_has_a_title_an_introduction_and_a_thumbnail():
    # The gallery's index showed sphinx-gallery's placeholder (grey
    # leaves) for "Grid search on a (tiny) Dask cluster" and "Scale-out recipes",
    # which drew no figure. Every example has a title, a paragraph that says what
    # it shows, and a thumbnail: a figure it draws, or an image it names.
    examples = sorted(path for path in (ROOT / "examples").glob("*.py")
                      if not path.name.startswith("_"))
    assert len(examples) >= 10
    for path in examples:
        source = path.read_text(encoding="utf-8")
        docstring = re.match(r'"""\n(=+)\n(.+)\n(=+)\n\n(.+?)\n"""', source, re.S)
        assert docstring, f"{path.name}: no title"
        assert len(docstring.group(2).strip()) > 10, path.name
        assert len(docstring.group(4).split("\n\n")[0].split()) >= 20, path.name
        thumbnail = re.search(r"^# sphinx_gallery_thumbnail_path = \"([^\"]+)\"$",
                              source, re.M)
        if thumbnail:
            assert (ROOT / "doc" / thumbnail.group(1)).is_file(), path.name
        else:
            assert re.search(r"plt\.(show|subplots|figure)\(|Display\.from_",
                             source), f"{path.name}: draws no figure, names no thumbnail"


def _sections(path):
    """The headings one level below a page's title."""
    headings = _headings(path)
    if path.suffix == ".md":
        return [line for _, line in headings if line.startswith("## ")]
    text = path.read_text(encoding="utf-8").split("\n")
    levels = []
    for number, line in headings:
        char = text[number - 1][0] if number - 1 < len(text) else ""
        if text[number - 3 : number - 2] == [text[number - 1]]:
            char += "over"  # a title with an overline
        levels.append((char, line))
    order = list(dict.fromkeys(char for char, _ in levels))
    return [line for char, line in levels if len(order) > 1 and char == order[1]]


def test_user_guide_index_stays_a_readable_table_of_contents():
    # The User guide's index listed every page to depth 2, 81 entries,
    # 23 of them the rounds of "How the defaults were chosen" ("Fourth round (a):
    # ...", "Sixth round: are the warnings real?"): the pages a new user reads
    # were lost among them, under no word of introduction. The pages for using
    # sknonneg are listed with their sections, the background pages by title.
    index = ROOT / "doc" / "user_guide" / "index.rst"
    text = index.read_text(encoding="utf-8")
    assert re.search(r"^User guide\n=+\n\n\w", text, re.M)
    listed = {}
    for block in re.findall(r"(?m)^\.\. toctree::\n((?:   .*\n|\n)+)", text):
        depth = int(re.search(r":maxdepth: (\d+)", block).group(1))
        for entry in re.findall(r"(?m)^   ([\w/]+)$", block):
            path = next((ROOT / "doc" / "user_guide").glob(f"{entry}.*")) if not \
                entry.startswith("/") else next((ROOT / "doc").glob(f"{entry[1:]}.*"))
            listed[path.stem] = (depth, len(_sections(path)))
    assert {"nonneg", "choosing", "defaults", "engine", "reliability"} <= set(listed)
    too_long = {page: n for page, (depth, n) in listed.items() if depth > 1 and n > 12}
    assert not too_long, too_long


def _headings(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        fenced, found = False, []
        for number, line in enumerate(text.split("\n"), 1):
            if line.lstrip().startswith("```"):
                fenced = not fenced
            elif not fenced and re.match(r"#{1,6} ", line):
                found.append((number, line))
        return found
    lines = text.split("\n")
    return [(number, lines[number - 2]) for number, line in enumerate(lines, 1)
            if number > 1 and re.fullmatch(r"([=\-~^\"'`#*+])\1{2,}", line)
            and lines[number - 2].strip() and len(line) >= len(lines[number - 2].rstrip())]


def _pages():
    for path in sorted((ROOT / "doc").rglob("*")):
        if path.suffix in (".md", ".rst") and not GENERATED.intersection(
                path.relative_to(ROOT / "doc").parts[:-1]):
            yield path


def test_headings_say_what_the_section_is_about():
    # defaults.md had "## A re-check of the images section (session N,
    # `defaults_part40_images`)". Headings name their subject; the results files and
    # commits that are the evidence go in the text under them. "session N" (the
    # project's development history) appears in no visible text: results files whose
    # names hold it are cited by name, which the check leaves out.
    bad = []
    for path in _pages():
        for number, line in _headings(path):
            if re.search(r"session|defaults_part|results/|\b(?=[0-9a-f]*[a-f])"
                         r"(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b", line, re.I):
                bad.append(f"{path.name}:{number}: {line}")
        text = re.sub(r"[\w./-]*_session\d+[\w.]*", "", path.read_text(encoding="utf-8"))
        bad += [f"{path.name}: ...{m.group(0)}..."
                for m in re.finditer(r".{0,30}\bsessions? \d+.{0,10}", text, re.I)]
    assert not bad, "\n".join(bad)


def test_markdown_headings_do_not_skip_a_level():
    # reproduction.md went from "## Results" to "#### Paper's settings (Table I)"
    # and from "## Hidden units vs PCA and NMF" to "#### Full MNIST": the page showed
    # the tables' titles in the smallest heading type, below no ### heading, and
    # doc/conf.py silenced MyST's warning for it (myst.header, which the generated
    # results pages still need). A heading of a page written for the site is at most
    # one level below the one before it.
    skipped = []
    for path in _pages():
        if path.suffix != ".md":
            continue
        level = 0
        for number, line in _headings(path):
            new = len(line) - len(line.lstrip("#"))
            if new > level + 1:
                skipped.append(f"{path.name}:{number}: h{level} -> h{new}: {line}")
            level = new
    assert not skipped, "\n".join(skipped)


# Characters of code that fit on one line of a block on a page without "On this
# page", at a 1280-pixel window: defaults.md's block with a line of 111 characters
# scrolled by 93 pixels (about 11 characters); its commands of up to 263 characters
# and reproduction.md's of up to 226 were cut off at the block's edge.
FULL_WIDTH_CODE_WIDTH = 100


def test_code_of_full_width_pages_fits_the_article():
    pages = [path for path in _pages() if path.suffix == ".md"
             and path.stem not in {"changes"}]
    too_long = [f"{path.name}: {line}" for path in pages for line in _code_lines(path)
                if len(line.rstrip()) > FULL_WIDTH_CODE_WIDTH]
    assert not too_long, "\n".join(too_long)


def _blocks(path):
    """What a reader meets as one unbroken block: the text between blank lines, and
    in a Markdown page each cell of a table (a table's rows are not separated by
    blank lines; a cell is what runs on). Code blocks are left out."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        kept, fence = [], None
        for line in text.split("\n"):
            opening = re.match(r"[ \t]*(`{3,})(\{?)", line)
            if fence is None and opening:
                fence = opening.group(1) if not opening.group(2) else ""
                line = ""  # a directive's fence (```{contents}) keeps its body
            elif fence is not None and line.strip().startswith(fence or "```"):
                fence, line = None, ""
            kept.append("" if fence else line)
        text = "\n".join(kept)
    for block in re.split(r"\n[ \t]*\n", text):
        if path.suffix == ".md" and block.lstrip().startswith("|"):
            for row in block.split("\n"):
                yield from re.split(r"(?<!\\)\|", row)
        else:
            yield block


def test_doc_paragraphs_stay_readable():
    # Review 46i: choosing.rst's monotonic_cst section ended in one paragraph of
    # 3,846 characters of benchmark figures; they are a list and tables now. No block
    # of the user guide's pages between blank lines runs past 2,500 characters.
    # Nor of the Markdown pages (reliability.md had a list of 7,750
    # characters without a blank line, robustness.md a paragraph of 5,768, engine.md,
    # defaults.md and reproduction.md blocks of 2,576 to 5,152); their long lists
    # have sub-headings, and their long items a lead sentence and a list.
    long = []
    for path in _pages():
        for block in _blocks(path):
            if len(block) > 2500:
                long.append(f"{path.name}: {len(block)} characters: {block[:60]!r}")
    assert not long, "\n".join(long)


def _git(*args):
    import subprocess

    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True,
                          text=True)


def _skip_without_a_checkout():
    try:
        checkout = _git("rev-parse", "--verify", "-q", "HEAD").returncode == 0
    except OSError:  # no git
        checkout = False
    if not checkout:
        pytest.skip("not a git checkout, or no git")


def test_commits_off_the_history_are_said_to_be():
    # defaults.md said a rerun was made "at c888dc3", a commit of a work
    # branch rebased onto main (as e5bc918), which the repository holds but its
    # history does not (an earlier fix had fixed the same for 719f3a4 and the
    # compare_features commits). A commit the repository can resolve but HEAD does
    # not descend from is named only in a block that says it is not in the history.
    # Commits the repository cannot resolve at all are benchmarks/results/README.md's
    # table; without git or a checkout there is nothing to check.
    _skip_without_a_checkout()
    hashes = re.compile(r"(?<![\w/.-])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])"
                        r"[0-9a-f]{7,40}(?![\w])")
    off, cache = [], {}
    for path in _pages():
        for block in _blocks(path):
            for name in set(hashes.findall(block)):
                if name not in cache:
                    cache[name] = (
                        _git("cat-file", "-e", name + "^{commit}").returncode == 0
                        and _git("merge-base", "--is-ancestor", name,
                                 "HEAD").returncode == 1)
                said = re.search(r"not in (this|its|the|main's) (repository's )?"
                                 r"history", " ".join(block.split()))
                if cache[name] and not said:
                    off.append(f"{path.name}: {name}: {block[:80]!r}")
    assert not off, "\n".join(off)


def test_robustness_page_gap_of_free_output_layer_is_the_results_files():
    # robustness.md said positive="output" and the unconstrained network
    # agree on Reuters "to 0.04 point" of ROC AUC, 99.57 against 99.54; the results
    # file gives 99.575 and 99.541, 0.03 point. Each number the sentence gives is
    # the results file's, rounded as written.
    import json

    text = " ".join((ROOT / "doc" / "robustness.md").read_text(encoding="utf-8").split())
    found = re.search(r"their ROC AUC agree to ([\d.]+) point, ([\d.]+) against "
                      r"([\d.]+), and their evasion rates at each budget to "
                      r"([\d.]+) points", text)
    assert found, "the sentence comparing the two networks on Reuters moved"
    gap, output, free, evasion = (float(v) for v in found.groups())
    results = json.loads((ROOT / "benchmarks" / "results" / "evasion_spam.json")
                         .read_text(encoding="utf-8"))
    reuters, = (v for k, v in results["summaries"].items() if k.startswith("Reuters"))
    a, b = reuters['NonNeg positive="output"'], reuters["NonNeg unconstrained"]
    assert (output, free) == (round(100 * a["roc_auc"], 2), round(100 * b["roc_auc"], 2))
    assert gap == round(100 * abs(a["roc_auc"] - b["roc_auc"]), 2)
    assert evasion == round(max(100 * abs(a["success"][k] - b["success"][k])
                                for k in a["success"]), 1)


def test_results_commits_are_on_main_or_mapped():
    # autoencoder_sparse_memory recorded dd145cf, a commit of a work
    # branch rebased onto main (as 67e1f41), which the history does not hold and
    # git's garbage collection removes. Every commit a results file records (its
    # run record's) is one HEAD descends from, or benchmarks/results/README.md names
    # it (with its counterpart on main, or the reason there is none).
    _skip_without_a_checkout()
    results = ROOT / "benchmarks" / "results"
    readme = (results / "README.md").read_text(encoding="utf-8")
    unmapped, checked = [], 0
    # One `git merge-base` per distinct commit: 254 commits named, 137 distinct
    # (a call per name took the test past 2 s on a loaded machine).
    on_main = {}
    for path in sorted(results.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            continue
        # The run record's commit, the one a script without a run record writes at
        # the top ("commit"), and the one save_json adds at write time
        # (provenance.git_commit_at_write): monotone_free_features named only the
        # second, 0271845, a rebased work-branch commit that no test looked up.
        commits = []
        for holder, key in ((data.get("record"), "git_commit"), (data, "commit"),
                            (data.get("provenance"), "git_commit_at_write")):
            value = holder.get(key) if isinstance(holder, dict) else None
            if isinstance(value, str):
                commits.append(value.replace("-dirty", "").strip())
        for commit in dict.fromkeys(commits):
            if not re.fullmatch(r"[0-9a-f]{7,40}", commit):
                continue
            checked += 1
            if commit not in on_main:
                on_main[commit] = _git("merge-base", "--is-ancestor", commit,
                                       "HEAD").returncode == 0
            if (not on_main[commit]
                    and not re.search(rf"(?<![0-9a-f]){commit}", readme)):
                unmapped.append(f"{path.name}: {commit}")
    assert checked > 50
    assert not unmapped, "\n".join(unmapped)


def test_autoencoder_tfidf_solver_advice_is_the_results_files():
    # The user guide advises Adam on tf-idf with the numbers of
    # benchmarks/autoencoder_output_bias.py. Each number the paragraph gives is the
    # results files', rounded as written (in the past tense since the sigmoid
    # decoder's encoder L2 is measured in the columns' spans).
    text = " ".join((ROOT / "doc" / "user_guide" / "nonneg.rst")
                    .read_text(encoding="utf-8").split())
    found = re.search(
        r"3\.59 of 4\.07 on 2,000 Reuters tf-idf documents .*? the reconstruction "
        r"term, ([\d.]+), is the mean row's ([\d.]+) to 0\.2%.*?the other 500 "
        r"(?:is|was) ([\d.]+) and ([\d.]+) of the mean row's \(two seeds; Adam: "
        r"([\d.]+) and ([\d.]+)\), ([\d.]+) after 200 iterations and ([\d.]+) with "
        r"``l2=0``.*?L-BFGS-B (?:ends|ended) at ([\d.]+) and ([\d.]+)", text)
    assert found, "the paragraph on the autoencoder's solver on tf-idf moved"
    numbers = [float(v) for v in found.groups()]
    results = ROOT / "benchmarks" / "results"
    start = json.loads((results / "autoencoder_output_bias_start.json")
                       .read_text(encoding="utf-8"))["rows"][0]
    assert start["candidate"] == "current"
    assert round(start["l2_encoder"], 2) == 3.59 and round(start["objective"], 2) == 4.07
    assert numbers[:2] == [round(start["reconstruction"], 4),
                           round(start["mean_row_reconstruction"], 4)]
    assert abs(start["reconstruction"] / start["mean_row_reconstruction"] - 1) < 0.002
    rows = json.loads((results / "autoencoder_output_bias_reuters.json")
                      .read_text(encoding="utf-8"))["rows"]

    def ratio(solver, seed, candidate="current", **extra):
        row, = (r for r in rows if r["k"] == 64 and r["solver"] == solver
                and r["nonneg"] == "bounds" and r["seed"] == seed
                and r["candidate"] == candidate
                and {k: r[k] for k in ("l2", "max_iter") if k in r} == extra)
        return round(row["ratio_to_mean_row"], 4)

    assert numbers[2:] == [ratio("lbfgsb", 0), ratio("lbfgsb", 1), ratio("adam", 0),
                           ratio("adam", 1), ratio("lbfgsb", 0, max_iter=200),
                           ratio("lbfgsb", 0, l2=0.0), ratio("lbfgsb", 0, "exact"),
                           ratio("lbfgsb", 1, "exact")]


def test_no_internal_review_labels_in_docs_and_code():
    # The pages and the package's comments cited the internal labels of the
    # development's reviews (the word review, session, audit or task and a number), which mean
    # nothing to a reader of the project. They now cite what each stood for: the
    # commit, the results file, or nothing. doc/changes.md is a record and is left
    # out, as are the results files (records of their runs); the benchmark
    # scripts' and the tests' docstrings and comments are read.
    label = re.compile(r"\b(?:review|session|audit|task)s? ?\d{1,2}[a-h]?\b"
                       r"|\b\d{2}[a-h]'s\b", re.IGNORECASE)
    paths = [*(ROOT / "doc").glob("*.md"), *(ROOT / "doc").glob("*.rst"),
             *(ROOT / "doc" / "user_guide").glob("*.rst"), ROOT / "README.md",
             *(ROOT / "sknonneg").rglob("*.py"), *(ROOT / "examples").glob("*.py"),
             *(ROOT / "benchmarks").glob("*.py"), *(ROOT / "tests").rglob("*.py")]
    found = []
    for path in sorted(paths):
        if path == ROOT / "doc" / "changes.md":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in label.finditer(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    assert not found, "\n".join(found)
