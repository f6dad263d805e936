"""Graph files: the one reader of the files that hold provenance graphs (``nsp graph verify|proof|
uses|merge``, ``nsp html``, ``nsp serve``).

A graph file is UTF-8 text (the policy and bounds of :mod:`nsp.files`) holding, as one JSON
document (pretty-printed or not) or as JSONL (one value a line):

- node-link graphs (objects with a ``"nodes"`` list);
- records that carry a graph under ``"graph"`` (``nsp synth mutate`` and ``synth search`` output,
  whose own ``"nodes"`` is a list of ids) or under ``"explanation": {"graph": ...}``
  (``nsp prove --explain --json``);
- a JSON array of any of these.

:func:`values` gives every JSON value with its byte offset and length (``nsp serve`` indexes a
large file by them and reads one graph back at a time); :func:`graphs_in_file` the node-link
dicts of a file. Only JSON is read here: what a graph means is :mod:`nsp.graph.provenance`'s and
the independent checker's (:mod:`nsp.graph.verify`) business, but the shape every reader relies on
is checked here once (:func:`check_shape`: node ids, string formulas, links between listed
nodes). Errors are :class:`GraphFileError` naming the file, the line, (in an array) the position,
and the node or link.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from nsp import jsonio
from nsp.errors import BadInput
from nsp.files import decode_text, lines, read_bytes


class GraphFileError(BadInput):
    """A graph file that cannot be read, or a value in it that holds no provenance graph."""


def graph_data(value) -> tuple[dict, dict] | None:
    """``(node-link graph, record)`` held by one JSON value, or None. A bare graph is its own record."""
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("nodes"), list) and all(isinstance(n, dict) for n in value["nodes"]):
        return value, value
    g = value.get("graph")
    if isinstance(g, dict) and isinstance(g.get("nodes"), list):
        return g, value
    exp = value.get("explanation")
    if isinstance(exp, dict):
        g = exp.get("graph")
        if isinstance(g, dict) and isinstance(g.get("nodes"), list):
            return g, value
    return None


def values(path: str | Path) -> Iterator[tuple[int, int, int, int, object]]:
    """``(offset, length, line, position, value)`` for each JSON value of a file: one per JSONL
    line, or one for a whole (multi-line) JSON document; a top-level array yields its items
    (``position`` their index, else -1)."""
    path = Path(path)
    first = True
    try:
        for no, offset, raw, text in lines(path):
            if not text.strip():
                continue
            try:
                value = jsonio.loads(text)
            except json.JSONDecodeError as e:
                if first:
                    break  # not JSONL: try the whole file as one document
                raise GraphFileError(f"invalid JSON: {e.msg}", f"{path}:{no}") from None
            first = False
            yield from _spread(offset, len(raw), no, value)
        else:
            return
        data = read_bytes(path)
        try:
            value = jsonio.loads(decode_text(data, str(path)))
        except json.JSONDecodeError as e:
            raise GraphFileError(f"neither JSON nor JSONL ({e.msg} at line {e.lineno}, column {e.colno})",
                                 str(path)) from None
    except GraphFileError:
        raise
    except BadInput as e:  # decoding, size: the same one line, as a graph file's error
        raise GraphFileError(e.message, e.where) from None
    yield from _spread(0, len(data), 1, value)


def _spread(offset: int, length: int, line: int, value) -> Iterator[tuple[int, int, int, int, object]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield offset, length, line, i, item
    else:
        yield offset, length, line, -1, value


def checked_graph(value, at: str) -> tuple[dict, dict]:
    """``(node-link graph, record)`` held by one JSON value, its shape checked (:func:`check_shape`);
    :class:`GraphFileError` at ``at`` (``FILE:LINE``) for a value that holds no graph or a malformed one."""
    data = graph_data(value)
    if data is None:
        raise GraphFileError(NOT_A_GRAPH, at)
    check_shape(data[0], at)
    return data


def _shown(value) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_id(value) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def check_shape(graph: dict, at: str) -> None:
    """A node-link graph's shape, as every reader relies on it: each node an object with an ``"id"``
    (a string or an integer) and, when it has one, a string ``"formula"``; ``"edges"`` (or
    ``"links"``), when present, a list of objects whose ``source`` and ``target`` are ids of its
    nodes. :class:`GraphFileError` at ``at`` naming the node or link (by index, or by id)."""
    ids = set()
    for i, node in enumerate(graph["nodes"]):
        if not isinstance(node, dict):
            raise GraphFileError(f"node {i} is {_shown(node)}, not an object", at)
        if "id" not in node:
            raise GraphFileError(f'node {i} has no "id"', at)
        if not _is_id(node["id"]):
            raise GraphFileError(f'node {i}: "id" must be a string, not {_shown(node["id"])}', at)
        if "formula" in node and not isinstance(node["formula"], str):
            raise GraphFileError(f'node {_shown(node["id"])}: "formula" must be a string, not '
                                 f'{_shown(node["formula"])}', at)
        ids.add(node["id"])
    key = "edges" if "edges" in graph else "links"
    links = graph.get(key, [])
    if not isinstance(links, list):
        raise GraphFileError(f'"{key}" must be a list of links, not {_shown(links)}', at)
    for i, link in enumerate(links):
        if not isinstance(link, dict):
            raise GraphFileError(f"{key}[{i}] is {_shown(link)}, not an object", at)
        for end in ("source", "target"):
            if end not in link:
                raise GraphFileError(f'{key}[{i}] has no "{end}"', at)
            if not _is_id(link[end]) or link[end] not in ids:
                raise GraphFileError(f"{key}[{i}]: {end} {_shown(link[end])} is not a node of the graph", at)


def where(path, line: int, position: int) -> str:
    """``FILE:LINE`` of a value, with ``[position]`` inside a top-level array."""
    return f"{path}:{line}" + (f"[{position}]" if position >= 0 else "")


NOT_A_GRAPH = ('expected a node-link graph (with "nodes"), a record with a "graph", '
               "or nsp prove --explain --json output")


def graphs_in_file(path: str | Path) -> Iterator[dict]:
    """The node-link dicts of a graph file, in order, their shape checked (:func:`check_shape`).
    Raises :class:`GraphFileError` for a value that holds no graph or a malformed one, and for a
    file that holds none."""
    found = False
    for _, _, line, pos, value in values(path):
        found = True
        yield checked_graph(value, where(path, line, pos))[0]
    if not found:
        raise GraphFileError("no graph in the file", str(path))
