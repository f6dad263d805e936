"""HTML pages for provenance graphs: one page per proof, and an index of proofs.

Pages are self-contained (inline CSS and JavaScript, no external link of any kind) and carry a
Content-Security-Policy that lets only their own scripts run (by SHA-256), as a second line of
defence behind escaping: every string from data (formulas, sentences, labels, ids, rules,
attributes) is escaped for HTML/SVG, and data for scripts is JSON with ``<``, ``>``, ``&``,
U+2028 and U+2029 written as ``\\uXXXX`` so it cannot close its ``<script>`` element. Scripts
put data in the page with ``textContent`` only.

A proof page draws the DAG as inline SVG (layout: :mod:`nsp.html.layout`). A fact's box shows
its whole formula, wrapped at spaces into lines of ``FORMULA_CHARS`` (a longer word is split),
and its sentence the same way; the box is as tall as its lines. Only beyond ``FORMULA_LINES`` /
``SENTENCE_LINES`` lines is the text cut ("…"); the whole text is then in the box's tooltip and
in the step panel. A graph of more than
``FULL_MAX`` facts is first shown folded: the conclusions and up to ``OVERVIEW_DEPTH`` steps
behind them (at most ``OVERVIEW_MAX`` facts), each fact with hidden sources getting a clickable
summary ("⋯ N hidden steps"); the whole graph's SVG markup waits, unparsed, in a
``<script type="text/x-nsp-svg">`` element until asked for (parsing it at load would cost more
than the rest of the page). That markup is built by :func:`svg` like the rest, with every data
string escaped, so it holds no raw ``<`` from data and cannot end its element early.

Output is a pure function of the input: the same graph and links give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import networkx as nx
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from nsp.html.layout import GAP_Y, NODE_H, Layout, _sort_key, layered, overview
from nsp.html.load import Entry, Summary

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "assets"
FULL_MAX = 200
OVERVIEW_MAX = 120
OVERVIEW_DEPTH = 6
STEP_LIST_MAX = 400  # facts listed in the page's text table (larger graphs: the panel only)
FORMULA_CHARS = 36  # per line in a box (12px monospace: 36 characters fill the box's 260px)
SENTENCE_CHARS = 40
FORMULA_LINES = 12
SENTENCE_LINES = 4
LINE_H = 16  # pixels between wrapped lines
RECORD_CHARS = 20_000
SHOWN_ATTRS = ("formula", "text", "source_text", "label", "role", "rule", "checked_by", "id")
OUTCOMES = ("True", "False", "Uncertain", "Inconsistent", "Unknown")


def esc(value) -> str:
    """Text for HTML or SVG content and attribute values."""
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def script_json(value) -> str:
    """JSON that is safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def wrap(text: str, width: int, most: int) -> list[str]:
    """``text`` (white space collapsed) in lines of at most ``width`` characters, broken at spaces
    (a longer word is split). At most ``most`` lines: when text is left over, the last line ends
    in "…"."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if len(lines) > most:
            break
        if line and len(line) + 1 + len(word) <= width:
            line += " " + word
            continue
        if line:
            lines.append(line)
        while len(word) > width and len(lines) <= most:
            lines.append(word[:width])
            word = word[width:]
        line = word
    if line:
        lines.append(line)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: width - 1] + "…"
    return lines


def _str(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def csp(*scripts: str) -> str:
    """The pages' policy: no network, no plugins; only the given inline scripts run."""
    return ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            f"script-src {' '.join(_sha256(s) for s in scripts)}; form-action 'self'; base-uri 'none'")


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["shorten"] = shorten
    env.globals.update(asset=asset, csp=csp, OUTCOMES=OUTCOMES)
    return env


# ---------------------------------------------------------------- facts


@dataclass(frozen=True)
class Fact:
    """What a page shows of one node (plain text; escaped when written)."""

    k: int
    id: str
    formula: str
    sentence: str
    label: str
    role: str
    rule: str
    checked_by: str
    extra: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str:
        return self.label or self.id[:10]


def facts_of(g: nx.DiGraph) -> tuple[list[Fact], list, dict]:
    """The graph's facts in dependency order (ids as ties), that order of node ids, and
    ``{node id: number}`` (its position in the order)."""
    try:
        order = list(nx.lexicographical_topological_sort(g, key=_str))
    except nx.NetworkXUnfeasible:  # a cycle: a broken graph is still shown
        order = sorted(g, key=_str)
    facts = []
    for k, n in enumerate(order):
        d = g.nodes[n]
        formula = _str(d.get("formula"))
        sentence = _str(d.get("text") or d.get("source_text"))
        if " ".join(sentence.split()) == " ".join(formula.split()):
            sentence = ""
        extra = tuple((k2, _str(v)) for k2, v in sorted(d.items()) if k2 not in SHOWN_ATTRS and v not in (None, ""))
        facts.append(Fact(k, _str(n), formula, sentence, _str(d.get("label")), _str(d.get("role")),
                          _str(d.get("rule")), _str(d.get("checked_by")), extra))
    return facts, order, {n: k for k, n in enumerate(order)}


def page_data(g: nx.DiGraph, facts: list[Fact], order: list, number: dict) -> dict:
    """What the page's script needs: per fact its text and its sources / uses by number."""
    nodes = []
    for f, n in zip(facts, order):
        preds = sorted(g.predecessors(n), key=number.get)
        succs = sorted(g.successors(n), key=number.get)
        nodes.append({
            "id": f.id, "f": f.formula, "t": f.sentence, "l": f.label, "r": f.role, "u": f.rule, "c": f.checked_by,
            "x": [list(kv) for kv in f.extra],
            "p": [number[p] for p in preds],
            "a": [_str(g.edges[p, n].get("as", "")) for p in preds],
            "s": [number[s] for s in succs],
        })
    return {"nodes": nodes}


# ---------------------------------------------------------------- SVG


@dataclass(frozen=True)
class Box:
    """The text lines of a fact's box and the height they need."""

    formula: tuple[str, ...]
    sentence: tuple[str, ...]
    height: int


def box_of(f: Fact, node_h: int = NODE_H) -> Box:
    """Formula lines from y=38 and sentence lines 18px below them, each ``LINE_H`` apart; the
    rule line sits 10px above the bottom, 26px below the last text line (one formula line and one
    sentence line fill the standard ``node_h``)."""
    formula = tuple(wrap(f.formula, FORMULA_CHARS, FORMULA_LINES)) or ("",)
    sentence = tuple(wrap("“" + f.sentence + "”", SENTENCE_CHARS, SENTENCE_LINES)) if f.sentence else ()
    last = 38 + LINE_H * (len(formula) - 1) + ((18 + LINE_H * (len(sentence) - 1)) if sentence else 0)
    return Box(formula, sentence, max(node_h, last + 26))


def _path(points: Sequence[tuple[int, int]]) -> str:
    (x0, y0), rest = points[0], points[1:]
    parts = [f"M{x0},{y0}"]
    px, py = x0, y0
    for x, y in rest:
        if x == px:
            parts.append(f"L{x},{y}")
        else:
            k = max(abs(y - py) // 2, GAP_Y // 2)
            k = k if y >= py else -k
            parts.append(f"C{px},{py + k} {x},{y - k} {x},{y}")
        px, py = x, y
    return " ".join(parts)


def svg(g: nx.DiGraph, layout: Layout, facts: list[Fact], number: dict, folds: dict, view: str,
        boxes: Sequence[Box] | None = None) -> str:
    """The drawing of ``g`` (a view of the page's graph) as one ``<svg>`` element. ``boxes[k]``
    is fact ``k``'s box (the one its layout height came from); made here when not given."""
    w, h = layout.width, layout.height
    nw, nh = layout.node_w, layout.node_h
    tooltips = len(layout.pos) <= FULL_MAX
    out = [f'<svg class="dag" data-view="{view}" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" role="img" aria-label="proof graph">',
           '<defs><marker id="arrow-' + view + '" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
           'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z"/></marker></defs>',
           '<g class="edges">']
    for (u, v) in sorted(layout.routes, key=lambda e: (_sort_key(e[0]), _sort_key(e[1]))):
        pts = layout.routes[(u, v)]
        if isinstance(u, tuple):  # fold -> fact
            out.append(f'<path class="e fold-e" d="{_path(pts)}"/>')
            continue
        part = _str(g.edges[u, v].get("as", ""))
        cls = "e" + (f" as-{esc(part)}" if part in ("parent", "lemma") else "") + (
            " back" if (u, v) in layout.back_edges else "")
        out.append(f'<path class="{cls}" data-s="{number[u]}" data-t="{number[v]}" d="{_path(pts)}" '
                   f'marker-end="url(#arrow-{view})"/>')
    out.append("</g><g class=\"nodes\">")
    for n in sorted(layout.pos, key=_sort_key):
        x, y = layout.pos[n]
        if isinstance(n, tuple):
            target = n[1]
            k = number[target]
            hidden = folds[target]
            out.append(
                f'<a class="fold" href="#all-n-{k}" data-k="{k}" transform="translate({x},{y + nh // 4})">'
                f'<title>{hidden} hidden step{"s" if hidden != 1 else ""}: show the whole graph</title>'
                f'<rect width="{nw}" height="{nh // 2}" rx="{nh // 4}"/>'
                f'<text x="{nw // 2}" y="{nh // 4 + 5}" text-anchor="middle">⋯ {hidden:,} hidden '
                f'step{"s" if hidden != 1 else ""} — show</text></a>')
            continue
        f = facts[number[n]]
        box = boxes[f.k] if boxes is not None else box_of(f, nh)
        bh = layout.box_h(n)
        head = f"{f.name} · {f.role}" if f.role else f.name
        foot = (f.rule or "no rule") + (f" · {f.checked_by}" if f.checked_by else "")
        tip = f.formula + (f"\n“{f.sentence}”" if f.sentence else "")
        lines = [f'<text class="h" x="10" y="18">{esc(shorten(head, 38))}</text>']
        ty = 38
        for line in box.formula:
            lines.append(f'<text class="f" x="10" y="{ty}">{esc(line)}</text>')
            ty += LINE_H
        ty += 18 - LINE_H
        for line in box.sentence:
            lines.append(f'<text class="s" x="10" y="{ty}">{esc(line)}</text>')
            ty += LINE_H
        lines.append(f'<text class="r" x="10" y="{bh - 10}">{esc(shorten(foot, 40))}</text>')
        role = f.role if f.role in ("axiom", "premise", "derived", "theorem", "conjecture", "mutant") else "other"
        title = f"<title>{esc(tip)}</title>" if tooltips else ""  # large views: added on hover by the script
        out.append(f'<a class="n role-{role}" id="node-{f.k}" href="#n-{f.k}" data-k="{f.k}" '
                   f'transform="translate({x},{y})">{title}'
                   f'<rect width="{nw}" height="{bh}" rx="7"/>{"".join(lines)}</a>')
    out.append("</g></svg>")
    return "".join(out)


def _natural(text: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text))


def layer_key(g: nx.DiGraph):
    """Order within a layer before crossing reduction: by label, naturally (p2 before p10), then
    id; folds last."""
    def key(n):
        if isinstance(n, tuple):
            return (1, (), _str(n[1]))
        return (0, _natural(_str(g.nodes[n].get("label"))), _str(n))
    return key


def _with_folds(g: nx.DiGraph, shown: set, folds: dict) -> nx.DiGraph:
    view = nx.DiGraph()
    view.add_nodes_from(sorted(shown, key=_sort_key))
    view.add_edges_from((u, v) for u, v in g.edges if u in shown and v in shown)
    for n in sorted(folds, key=_sort_key):
        view.add_edge(("fold", n), n)
    return view


# ---------------------------------------------------------------- pages


@dataclass(frozen=True)
class Links:
    """Where a page's navigation goes (already URLs; escaped when written)."""

    index: str
    prev: str | None = None
    next: str | None = None


def proof_page(entry: Entry, position: int, total: int, links: Links) -> str:
    """The page of one proof (``position`` is 1-based, among ``total``)."""
    g = entry.graph
    facts, order, number = facts_of(g)
    folded = len(g) > FULL_MAX
    boxes = [box_of(f) for f in facts]
    heights = {n: boxes[number[n]].height for n in g if boxes[number[n]].height != NODE_H}
    if folded:
        shown, folds = overview(g, OVERVIEW_MAX, OVERVIEW_DEPTH)
        main_svg = svg(g, layered(_with_folds(g, shown, folds), key=layer_key(g), heights=heights), facts, number,
                       folds, "overview", boxes)
        full_svg = svg(g, layered(g, key=layer_key(g), heights=heights), facts, number, {}, "full", boxes)
        n_shown = len(shown)
    else:
        main_svg = svg(g, layered(g, key=layer_key(g), heights=heights), facts, number, {}, "full", boxes)
        full_svg, n_shown = "", len(g)
    rec = {k: v for k, v in entry.record.items() if k not in ("graph", "nodes", "edges", "links")}
    if isinstance(rec.get("explanation"), dict):
        rec["explanation"] = {k: v for k, v in rec["explanation"].items() if k != "graph"}
    bare = "nodes" in entry.record  # a bare graph is its own record: nothing more to show
    record_text = "" if bare or not rec else json.dumps(rec, ensure_ascii=False, sort_keys=True, indent=1)
    if len(record_text) > RECORD_CHARS:
        record_text = record_text[:RECORD_CHARS] + "\n…"
    attrs = [(k, _str(v)) for k, v in sorted(g.graph.items()) if v not in (None, "", [], {})]
    sources = {} if len(facts) > STEP_LIST_MAX else {
        f.k: [(number[p], _str(g.edges[p, n].get("as", ""))) for p in sorted(g.predecessors(n), key=number.get)]
        for f, n in zip(facts, order)}
    js = asset("proof.js")
    return _env().get_template("proof.html").render(
        s=entry.summary, position=position, total=total, links=links, js=js,
        main_svg=Markup(main_svg), full_svg=Markup(full_svg), folded=folded, n_shown=n_shown, n_facts=len(g),
        n_edges=g.number_of_edges(), attrs=attrs, record_text=record_text,
        facts=facts if len(facts) <= STEP_LIST_MAX else [], sources=sources,
        data=Markup(script_json(page_data(g, facts, order, number))),
    )


@dataclass(frozen=True)
class Row:
    number: int  # 0-based entry number
    href: str
    summary: Summary


def index_page(rows: Sequence[Row], facets: dict, total: int, *, static_search: list | None = None,
               query: dict | None = None, matched: int | None = None, page: int = 1, pages: int = 1,
               page_href=None, title: str = "nsp proofs") -> str:
    """The index. Static sites pass every row and ``static_search`` (the search data the script
    filters on); the server passes one page of rows, the ``query`` it answered and the pager."""
    js = asset("index.js") if static_search is not None else asset("serve.js")
    return _env().get_template("index.html").render(
        rows=rows, facets=facets, total=total, static=static_search is not None, js=js, title=title,
        changes=any(r.summary.change is not None for r in rows),
        search=Markup(script_json(static_search)) if static_search is not None else "",
        q=query or {}, matched=total if matched is None else matched, page=page, pages=pages,
        page_href=page_href or (lambda p: "#"),
    )
