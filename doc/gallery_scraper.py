"""The gallery's matplotlib scraper: figures saved with ``bbox_inches="tight"``.

Titles above the axes and tick labels beyond them (Hinton diagrams labelled with word
lists, ``suptitle`` over several panels) are then kept in the image, as
``fig.savefig(..., bbox_inches="tight")`` keeps them when an example is run as a script.
It lives in a module of its own so that Sphinx can pickle the configuration.
"""

from sphinx_gallery.scrapers import matplotlib_scraper


def tight_matplotlib_scraper(block, block_vars, gallery_conf, **kwargs):
    """Save the example's figures as sphinx-gallery does, cropped to their content."""
    kwargs.setdefault("bbox_inches", "tight")
    return matplotlib_scraper(block, block_vars, gallery_conf, **kwargs)
