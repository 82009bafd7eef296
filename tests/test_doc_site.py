"""The pages that doc/conf.py writes at build time (doc/results/, doc/api/).

doc/conf.py is loaded from a copy of doc/ in a temporary folder (with benchmarks/
and examples/ linked beside it), so that what it writes at import stays there.
"""

import importlib.util
import re
import shutil
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
    # Audit 43b: the index's first column showed each file name on one line, and the
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
    # Audit 43b: autoencoder_vs_nmf.md and autoencoder_vs_nmf_k196.md name their
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
