"""Finding provenance graphs in the files nsp writes, and indexing them by byte offset.

Accepted inputs (one file, or a directory of ``*.json`` / ``*.jsonl`` / ``*.ndjson`` files):

- one node-link graph (a JSON object with ``"nodes"``), pretty-printed or on one line;
- a JSONL of graphs;
- a JSONL of records that carry a graph under ``"graph"`` (``nsp synth mutate`` output) or under
  ``"explanation": {"graph": ...}`` (``nsp prove --explain --json`` output, one or many lines);
- a JSON array of any of these.

Each graph becomes one *entry*. Its :class:`Summary` (what the index lists, searches and filters)
comes from the record and the graph:

    title     record ``id`` | record ``file`` | graph ``problem`` / ``id`` / ``input_id`` | FILE#N
    outcome   record ``verdict`` | record ``outcome`` | graph ``outcome`` / ``verdict``
    dataset   record ``dataset`` | graph ``dataset`` | the input file's name without suffix
    rules     the rules of its nodes and edges; roles: the roles of its nodes
    headline  the formula of its main fact: the record's ``mutant_id`` node, else the sink
              (a fact nothing is derived from) with the highest role (theorem, mutant,
              conjecture, derived, ...), ties by id
    change    for a mutant's graph: the law or rule applied, where, and the changed sub-formula
              (:mod:`nsp.html.change`); the law is also search text

A :class:`BatchIndex` scans the files once, keeping per entry only ``(file, offset, length,
position in a top-level array)``, the summary and a lower-case UTF-8 search text; an entry's
graph is read again from its offset when a page needs it, so a 100,000-graph JSONL is listed
without holding any graph in memory. Reading never changes a file.
"""

from __future__ import annotations

import json
import unicodedata
from array import array
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from nsp import jsonio
from nsp.graph.files import GraphFileError, checked_graph, graph_data, values
from nsp.graph.files import where as value_where
from nsp.graph.provenance import from_json
from nsp.html.change import Change, change_of

SUFFIXES = (".json", ".jsonl", ".ndjson")
ROLE_RANK = {"theorem": 0, "mutant": 1, "conjecture": 2, "derived": 3, "axiom": 4, "premise": 5}
HEADLINE_CHARS = 240


InputError = GraphFileError  # a file that cannot be read, or holds no graph where one was expected


@dataclass(frozen=True, slots=True)
class Summary:
    """What the index shows of one entry (all plain text; escaping is the renderer's job)."""

    title: str
    outcome: str
    dataset: str
    rules: tuple[str, ...]
    roles: tuple[str, ...]
    nodes: int
    edges: int
    headline: str
    where: str  # "FILE:LINE" of the entry's JSON value
    change: Change | None = None  # what a mutant's graph changed (None: not a mutant)


@dataclass(frozen=True, slots=True)
class Entry:
    """One graph, its summary, and the JSON value it came from (record or graph)."""

    graph: nx.DiGraph
    summary: Summary
    record: dict


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _edges(data: dict) -> list:
    edges = data.get("edges", data.get("links", []))
    return edges if isinstance(edges, list) else []


def _first(*values) -> str:
    for v in values:
        if v is not None and v != "":
            return _text(v)
    return ""


def summarise(data: dict, record: dict, where: str, stem: str, number: int) -> tuple[Summary, bytes]:
    """The summary and the search text (lower-case UTF-8) of one graph, from its raw node-link dict."""
    attrs = data.get("graph") if isinstance(data.get("graph"), dict) else {}
    rec = record if record is not data else {}
    nodes = [n for n in data["nodes"] if isinstance(n, dict)]
    edges = [e for e in _edges(data) if isinstance(e, dict)]
    title = _first(rec.get("id"), rec.get("file"), attrs.get("problem"), attrs.get("id"), attrs.get("input_id"),
                   attrs.get("name")) or f"{stem}#{number}"
    outcome = _first(rec.get("verdict"), rec.get("outcome"), attrs.get("outcome"), attrs.get("verdict"))
    dataset = _first(rec.get("dataset"), attrs.get("dataset")) or stem
    rules: set[str] = set()
    roles: set[str] = set()
    has_out: set[str] = set()
    for e in edges:
        r, src = e.get("rule"), e.get("source")
        rules.add(r if type(r) is str else _text(r))
        has_out.add(src if type(src) is str else _text(src))
    seen: dict[str, None] = {title: None, outcome: None, dataset: None}
    ids = []
    for n in nodes:  # one pass: rules, roles, ids and the search strings
        r, ro, i = n.get("rule"), n.get("role"), n.get("id")
        rules.add(r if type(r) is str else _text(r))
        roles.add(ro if type(ro) is str else _text(ro))
        ids.append(i if type(i) is str else _text(i))
        for key in ("formula", "text", "source_text", "label", "id"):
            v = n.get(key)
            if v:
                seen[v if type(v) is str else _text(v)] = None
    main = None
    mutant = _text(rec.get("mutant_id"))
    if mutant:
        main = next((n for n, i in zip(nodes, ids) if i == mutant), None)
    if main is None:
        sinks = [(ROLE_RANK.get(n.get("role"), 9), i, k) for k, (n, i) in enumerate(zip(nodes, ids)) if i not in has_out]
        if sinks or nodes:
            main = nodes[min(sinks)[2]] if sinks else nodes[0]
    headline = _text(main.get("formula")) if main else ""
    if len(headline) > HEADLINE_CHARS:
        headline = headline[: HEADLINE_CHARS - 1] + "…"
    change = change_of(nodes, edges, rec)
    if change is not None and change.how:
        seen[change.how] = None
    summary = Summary(title, outcome, dataset, tuple(sorted(rules - {""})), tuple(sorted(roles - {""})),
                      len(nodes), len(edges), headline, where, change)
    search = normalise("\n".join(seen)).encode("utf-8")
    return summary, search


def normalise(text: str) -> str:
    """Search normal form: NFC, lower case (as JavaScript's ``toLowerCase``, which the static
    index uses)."""
    return unicodedata.normalize("NFC", text).lower()


def to_graph(data: dict, where: str) -> nx.DiGraph:
    """A networkx graph from node-link data; node ids become strings. Raises InputError."""
    try:
        nodes = [dict(n, id=_text(n.get("id"))) for n in data["nodes"] if isinstance(n, dict)]
        edges = [dict(e, source=_text(e.get("source")), target=_text(e.get("target")))
                 for e in _edges(data) if isinstance(e, dict)]
        clean = {k: v for k, v in data.items() if k not in ("nodes", "edges", "links")}
        clean.update(nodes=nodes, edges=edges, directed=True, multigraph=False)
        if not isinstance(clean.get("graph"), dict):
            clean["graph"] = {}
        return from_json(clean)
    except (TypeError, KeyError, ValueError, nx.NetworkXError) as e:
        raise InputError(f"{where}: not a node-link graph ({type(e).__name__}: {e})") from None


# ---------------------------------------------------------------- scanning files


def input_files(paths) -> list[tuple[Path, bool]]:
    """``(file, strict)`` for each input: files as given (strict), directories expanded (sorted,
    recursive, by suffix; a file there holding no graph is skipped, not an error)."""
    out: list[tuple[Path, bool]] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
            out.extend((f, False) for f in found)
        elif p.is_file():
            out.append((p, True))
        else:
            raise InputError("not a regular file or folder" if p.exists() else "no such file or directory", str(p))
    return out


class BatchIndex:
    """Every graph in some inputs: summaries and search texts in memory, graphs on disk.

    ``len(index)`` entries, numbered from 0 in input order. :meth:`entry` reads one back.
    """

    def __init__(self, paths, on_skip=None):
        self.files: list[Path] = []
        self._file = array("i")
        self._offset = array("q")
        self._length = array("q")
        self._pos = array("i")
        self.summaries: list[Summary] = []
        self.search: list[bytes] = []
        intern: dict = {}
        for path, strict in input_files(paths):
            fid = len(self.files)
            self.files.append(path)
            first = len(self.summaries)
            count = 0
            try:
                for offset, length, line, pos, value in values(path):
                    where = value_where(path, line, pos)
                    found = checked_graph(value, where)
                    count += 1
                    s, search = summarise(found[0], found[1], where, path.stem, count)
                    s = Summary(s.title, intern.setdefault(s.outcome, s.outcome),
                                intern.setdefault(s.dataset, s.dataset), intern.setdefault(s.rules, s.rules),
                                intern.setdefault(s.roles, s.roles), s.nodes, s.edges, s.headline, s.where,
                                s.change)
                    self._file.append(fid)
                    self._offset.append(offset)
                    self._length.append(length)
                    self._pos.append(pos)
                    self.summaries.append(s)
                    self.search.append(search)
            except InputError as e:
                if strict:
                    raise
                if on_skip is not None:
                    on_skip(str(e))
                self._truncate(first)

    def _truncate(self, n: int) -> None:
        """Forget every entry from number ``n`` on (a skipped file's, which come last)."""
        for arr in (self._file, self._offset, self._length, self._pos):
            del arr[n:]
        del self.summaries[n:]
        del self.search[n:]

    def __len__(self) -> int:
        return len(self.summaries)

    def entry(self, i: int) -> Entry:
        """Read entry ``i`` back from its file (one seek and one read)."""
        path = self.files[self._file[i]]
        with path.open("rb") as f:
            f.seek(self._offset[i])
            raw = f.read(self._length[i])
        value = jsonio.loads(raw)
        if self._pos[i] >= 0:
            value = value[self._pos[i]]
        data, record = graph_data(value)
        summary = self.summaries[i]
        return Entry(to_graph(data, summary.where), summary, record)

    def matching(self, query: str = "", rule: str = "", role: str = "", outcome: str = "",
                 dataset: str = "") -> list[int]:
        """Entry numbers whose search text holds every word of ``query`` (case-insensitive) and
        whose rules / roles / outcome / dataset include the given values (empty: any)."""
        terms = [t.encode("utf-8") for t in normalise(query).split()]
        out = []
        for i, s in enumerate(self.summaries):
            if rule and rule not in s.rules:
                continue
            if role and role not in s.roles:
                continue
            if outcome and s.outcome != outcome:
                continue
            if dataset and s.dataset != dataset:
                continue
            if terms:
                text = self.search[i]
                if not all(t in text for t in terms):
                    continue
            out.append(i)
        return out

    def facets(self) -> dict[str, list[str]]:
        """The values each filter can take, sorted."""
        rules, roles, outcomes, datasets = set(), set(), set(), set()
        for s in self.summaries:
            rules.update(s.rules)
            roles.update(s.roles)
            outcomes.add(s.outcome)
            datasets.add(s.dataset)
        return {"rule": sorted(rules), "role": sorted(roles), "outcome": sorted(outcomes - {""}),
                "dataset": sorted(datasets)}

