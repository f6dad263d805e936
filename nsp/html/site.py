"""The static site: ``nsp html INPUT... -o SITE/``.

Layout of SITE::

    index.html          every proof: search, filters, 50 rows a page (all in the browser)
    p/000001.html ...   one page per proof, in input order, linked previous / next

Every file is written to a temporary name in its directory and renamed into place
(``os.replace``), so a reader never sees a half-written page; ``index.html`` is written last. Proof
pages of an earlier, longer run (``p/NNNNNN.html`` beyond the new count) are removed. The bytes
depend only on the inputs (and ``title``): no dates, no absolute paths beyond the inputs' names
as given on the command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from nsp.html.load import BatchIndex
from nsp.html.render import Links, Row, index_page, proof_page
from nsp.records import check_output_folder, write_atomic

PAGE_NAME = re.compile(r"\d{6,}\.html")


def page_name(i: int) -> str:
    """File name of entry ``i`` (0-based) inside ``p/``."""
    return f"{i + 1:06d}.html"


@dataclass(frozen=True)
class SiteResult:
    pages: int
    index: Path
    removed: int


def default_title(inputs) -> str:
    names = [Path(str(p)).name or str(p) for p in inputs]
    return "nsp proofs: " + ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def write_site(inputs, out_dir, title: str | None = None, on_skip: Callable[[str], None] | None = None,
               on_page: Callable[[int, int], None] | None = None) -> SiteResult:
    """Write the site for ``inputs`` (files or directories) into ``out_dir`` (a folder, or a new one
    in a folder that exists: :func:`nsp.records.check_output_folder`, checked first). Raises
    :class:`nsp.html.load.InputError` for an input that cannot be read, :class:`nsp.errors.OutputError`
    for an output folder nsp will not write."""
    out = check_output_folder(out_dir)
    index = BatchIndex(inputs, on_skip)
    pages_dir = out / "p"
    pages_dir.mkdir(parents=True, exist_ok=True)  # out's parent exists: out and p/ only
    n = len(index)
    names = [page_name(i) for i in range(n)]
    for i in range(n):
        links = Links("../index.html", names[i - 1] if i else None, names[i + 1] if i + 1 < n else None)
        write_atomic(pages_dir / names[i], proof_page(index.entry(i), i + 1, n, links), fsync=False)
        if on_page is not None:
            on_page(i + 1, n)
    keep = set(names)
    removed = 0
    for f in sorted(pages_dir.iterdir()):
        if PAGE_NAME.fullmatch(f.name) and f.name not in keep:
            f.unlink()
            removed += 1
    rows = [Row(i, "p/" + names[i], s) for i, s in enumerate(index.summaries)]
    search = [[index.search[i].decode("utf-8"), s.outcome, s.dataset, list(s.rules), list(s.roles)]
              for i, s in enumerate(index.summaries)]
    path = out / "index.html"
    write_atomic(path, index_page(rows, index.facets(), n, static_search=search,
                                  title=title or default_title(inputs)), fsync=False)
    return SiteResult(n, path, removed)
