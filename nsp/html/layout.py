"""Layered drawing of a provenance DAG, computed in Python (a small Sugiyama layout).

1. Layers: a fact's layer is its derivation depth, the longest path from a stated fact
   (``networkx.topological_generations``): premises and axioms on top, what is derived from them
   below. A graph with a cycle (a broken input) is layered without its back edges, which are
   still drawn and flagged.
2. An edge spanning several layers is routed through one dummy point per layer it crosses (up
   to a budget, shortest edges first, so a 10,000-node graph stays linear in size).
3. Order within layers: barycentre sweeps (down using sources, up using uses), keeping the
   ordering with the fewest edge crossings (counted exactly with a Fenwick tree). Above
   ``COUNT_LIMIT`` points (nodes and dummies) counting costs more than it saves: the sweeps
   run without it and the last ordering is kept (``Layout.crossings`` is then -1).
4. Coordinates: with the order fixed, each layer's x positions are the least-squares closest to
   the mean x of its neighbours subject to minimum spacing, solved exactly by pool-adjacent-
   violators; alternating down and up passes. Boxes share one width; each may have its own
   height (``heights``, e.g. a wrapped formula): a layer is as tall as its tallest box, boxes
   are aligned at the layer's top, and edges leave from each box's own bottom.

Everything is deterministic: ties are broken by node id, never by hash or set order.
Coordinates are integers (top-left of a node box; routes are lists of points).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable

import networkx as nx

NODE_W = 280
NODE_H = 82
GAP_X = 28
GAP_Y = 64
DUMMY_W = 12
MARGIN = 24
SWEEPS = 6
COUNT_LIMIT = 4000
PLACEMENT_PASSES = 4


@dataclass
class Layout:
    """Positions of one drawn graph. ``pos[n]`` is the top-left corner of node ``n``'s box."""

    pos: dict[Hashable, tuple[int, int]]
    layer: dict[Hashable, int]
    routes: dict[tuple, list[tuple[int, int]]]  # edge (u, v) -> points, u's bottom to v's top
    back_edges: set = field(default_factory=set)
    width: int = 0
    height: int = 0
    crossings: int = 0
    node_w: int = NODE_W
    node_h: int = NODE_H
    heights: dict = field(default_factory=dict)  # node -> box height, where not node_h

    def box_h(self, n) -> int:
        return self.heights.get(n, self.node_h)


def _sort_key(n) -> tuple:
    return (0, n) if isinstance(n, str) else (1, str(n))


def back_edges(g: nx.DiGraph) -> set:
    """Edges closing a cycle, found by an iterative DFS in id order (empty for a DAG)."""
    if nx.is_directed_acyclic_graph(g):
        return set()
    state: dict = {}
    back = set()
    for root in sorted(g, key=_sort_key):
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(sorted(g.successors(root), key=_sort_key)))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(sorted(g.successors(nxt), key=_sort_key))))
            elif state[nxt] == 1:
                back.add((node, nxt))
    return back


def _layers(g: nx.DiGraph, back: set, key) -> list[list]:
    dag = nx.DiGraph()
    dag.add_nodes_from(sorted(g, key=_sort_key))
    dag.add_edges_from((u, v) for u, v in g.edges if (u, v) not in back and u != v)
    return [sorted(gen, key=key) for gen in nx.topological_generations(dag)]


class _Dummy:
    """A bend point of a long edge; identity is (edge, step)."""

    __slots__ = ("edge", "step")

    def __init__(self, edge, step):
        self.edge, self.step = edge, step


def _crossings(upper_pos: dict, lower: list, up_nb: dict) -> int:
    """Edge crossings between two adjacent ordered layers (Fenwick-tree inversion count)."""
    pairs = []
    for j, item in enumerate(lower):
        for u in up_nb.get(item, ()):
            p = upper_pos.get(u)
            if p is not None:
                pairs.append((p, j))
    if len(pairs) < 2:
        return 0
    pairs.sort()
    size = len(lower) + 1
    tree = [0] * (size + 1)
    count = seen = 0
    for _, j in pairs:
        k = j + 1
        le = 0
        while k > 0:  # how many seen so far have lower position <= j
            le += tree[k]
            k -= k & -k
        count += seen - le
        k = j + 1
        while k <= size:
            tree[k] += 1
            k += k & -k
        seen += 1
    return count


def _pava(targets: list[float], offs: list[float]) -> list[float]:
    """x minimising sum (x_i - t_i)^2 with x_i - x_{i-1} >= offs[i] - offs[i-1] (isotonic
    regression of t - offs, shifted back); ``offs`` are the cumulative minimum gaps."""
    sums: list[float] = []  # pooled blocks: sum and count
    counts: list[int] = []
    for t, o in zip(targets, offs):
        s, c = t - o, 1
        while sums and sums[-1] * c > s * counts[-1]:  # previous block's mean > this one's
            s += sums.pop()
            c += counts.pop()
        sums.append(s)
        counts.append(c)
    out: list[float] = []
    for s, c in zip(sums, counts):
        out.extend([s / c] * c)
    return [y + o for y, o in zip(out, offs)]


def layered(g: nx.DiGraph, node_w: int = NODE_W, node_h: int = NODE_H, gap_x: int = GAP_X, gap_y: int = GAP_Y,
            dummy_budget: int | None = None, key=_sort_key, heights: dict | None = None) -> Layout:
    """Lay out ``g`` (see the module docstring). ``g`` is not changed. ``key`` orders each layer
    before the sweeps (and so breaks their ties); it must be a total order on the nodes.
    ``heights`` gives a node's box height where it is not ``node_h``."""
    tall = {n: h for n, h in (heights or {}).items() if n in g and h != node_h}
    back = back_edges(g)
    layers = _layers(g, back, key)
    layer = {n: i for i, gen in enumerate(layers) for n in gen}
    budget = max(2000, 4 * len(g)) if dummy_budget is None else dummy_budget

    # Long edges through dummies, shortest first, within the budget.
    up_nb: dict = {n: [] for n in g}  # neighbours one layer up
    down_nb: dict = {n: [] for n in g}
    chains: dict[tuple, list[_Dummy]] = {}
    edges = sorted(g.edges, key=lambda e: (abs(layer[e[1]] - layer[e[0]]), _sort_key(e[0]), _sort_key(e[1])))
    for u, v in edges:
        a, b = (v, u) if (u, v) in back else (u, v)
        if a == b:
            continue
        span = layer[b] - layer[a]
        chain: list[_Dummy] = []
        if 1 < span <= budget + 1:
            budget -= span - 1
            for k in range(1, span):
                d = _Dummy((u, v), k)
                layers[layer[a] + k].append(d)
                layer[d] = layer[a] + k
                up_nb[d], down_nb[d] = [], []
                chain.append(d)
        path = [a, *chain, b]
        for x, y in zip(path, path[1:]):
            if layer[y] - layer[x] == 1:
                down_nb[x].append(y)
                up_nb[y].append(x)
        chains[(u, v)] = chain

    counted = sum(map(len, layers)) <= COUNT_LIMIT
    order, crossings = _order(layers, up_nb, down_nb, counted)
    xs = _place(order, up_nb, down_nb, node_w, gap_x)

    min_left = min((xs[n] - _w(n, node_w) / 2 for lay in order for n in lay), default=0.0)
    shift = MARGIN - min_left
    pos = {}
    centre = {}
    h = tall.get
    rows = [max((h(n, node_h) for n in lay if not isinstance(n, _Dummy)), default=node_h) for lay in order]
    tops = [MARGIN]
    for r in rows:
        tops.append(tops[-1] + r + gap_y)
    for k, lay in enumerate(order):
        for n in lay:
            cx = round(xs[n] + shift)
            centre[n] = cx
            if not isinstance(n, _Dummy):
                pos[n] = (cx - node_w // 2, tops[k])
    routes = {}
    for (u, v), chain in chains.items():
        (ux, uy), (vx, vy) = pos[u], pos[v]
        if (u, v) in back:  # drawn from u's top up to v's bottom, off-centre to stay visible
            off = node_w // 4
            pts = [(ux + node_w // 2 + off, uy)]
            pts += [p for d in reversed(chain) for p in ((centre[d], tops[layer[d]] + rows[layer[d]]),
                                                         (centre[d], tops[layer[d]]))]
            pts.append((vx + node_w // 2 + off, vy + h(v, node_h)))
        else:
            pts = [(ux + node_w // 2, uy + h(u, node_h))]
            pts += [p for d in chain for p in ((centre[d], tops[layer[d]]),
                                               (centre[d], tops[layer[d]] + rows[layer[d]]))]
            pts.append((vx + node_w // 2, vy))
        routes[(u, v)] = pts
    _spread_ports(routes, pos, node_w)
    for u, v in g.edges:
        if u == v:
            x, y = pos[u]
            mid = y + h(u, node_h) // 2
            routes[(u, v)] = [(x + node_w, mid), (x + node_w + 20, mid)]
    right = max((x + node_w for x, _ in pos.values()), default=0)
    right = max([right] + [centre[d] + DUMMY_W for d in centre if isinstance(d, _Dummy)])
    width = right + MARGIN
    height = tops[-1] - gap_y + MARGIN if order else MARGIN * 2 + node_h
    return Layout({n: pos[n] for n in g}, {n: layer[n] for n in g}, routes, back, width, height, crossings,
                  node_w, node_h, tall)


def _spread_ports(routes: dict, pos: dict, node_w: int) -> None:
    """Spread the ends of a node's edges along its top (incoming) and bottom (outgoing) side, in
    the order of where the edges come from or go to, so arrows do not pile up on one point."""
    ins: dict = {}
    outs: dict = {}
    for (u, v), pts in routes.items():
        outs.setdefault(u, []).append((pts[1][0], _sort_key(v), (u, v)))
        ins.setdefault(v, []).append((pts[-2][0], _sort_key(u), (u, v)))
    for ends, first in ((outs, True), (ins, False)):
        for n, items in ends.items():
            if len(items) < 2:
                continue
            items.sort()
            span = min(node_w * 0.6, (len(items) - 1) * 16)
            left = pos[n][0] + node_w / 2 - span / 2
            for i, (_, _, e) in enumerate(items):
                x = round(left + span * i / (len(items) - 1))
                pts = routes[e]
                j = 0 if first else -1
                pts[j] = (x, pts[j][1])


def _w(n, node_w: int) -> float:
    return DUMMY_W if isinstance(n, _Dummy) else node_w


def _order(layers: list[list], up_nb: dict, down_nb: dict, counted: bool) -> tuple[list[list], int]:
    order = [list(lay) for lay in layers]

    def total(o):
        if not counted:
            return -1
        return sum(_crossings({n: i for i, n in enumerate(o[k - 1])}, o[k], up_nb) for k in range(1, len(o)))

    best, best_c = [list(lay) for lay in order], total(order)
    for sweep in range(SWEEPS if counted else 4):
        down = sweep % 2 == 0
        rng = range(1, len(order)) if down else range(len(order) - 2, -1, -1)
        for k in rng:
            ref = order[k - 1] if down else order[k + 1]
            nb = up_nb if down else down_nb
            where = {n: i for i, n in enumerate(ref)}.__getitem__  # neighbours are all in ref
            lay = order[k]
            keyed = sorted((sum(map(where, ns)) / len(ns) if (ns := nb[n]) else float(i), i)
                           for i, n in enumerate(lay))
            order[k] = [lay[i] for _, i in keyed]
        if not counted:
            continue
        c = total(order)
        if c < best_c:
            best, best_c = [list(lay) for lay in order], c
        if best_c == 0:
            break
    return (best, best_c) if counted else (order, -1)


def _place(order: list[list], up_nb: dict, down_nb: dict, node_w: int, gap_x: int) -> dict:
    xs: dict = {}
    offsets = []
    for lay in order:  # packed and centred on 0; offs: cumulative minimum gaps
        offs, x = [], 0.0
        for i, n in enumerate(lay):
            if i:
                x += (_w(lay[i - 1], node_w) + _w(n, node_w)) / 2 + gap_x
            offs.append(x)
        offsets.append(offs)
        mid = x / 2
        xs.update(zip(lay, (o - mid for o in offs)))
    get = xs.__getitem__
    for p in range(PLACEMENT_PASSES):
        down = p % 2 == 0
        rng = range(1, len(order)) if down else range(len(order) - 2, -1, -1)
        nb = up_nb if down else down_nb
        for k in rng:
            lay = order[k]
            targets = [sum(map(get, ns)) / len(ns) if (ns := nb[n]) else get(n) for n in lay]
            xs.update(zip(lay, _pava(targets, offsets[k])))
    return xs


# ---------------------------------------------------------------- folding long proofs


def overview(g: nx.DiGraph, max_nodes: int, max_depth: int) -> tuple[set, dict]:
    """The facts a folded view shows, and ``{shown fact: number of hidden facts behind it}``.

    Walks back from the graph's sinks (what the proof concludes), breadth first in id order, up
    to ``max_depth`` derivation steps and ``max_nodes`` facts; each shown fact with a hidden
    source gets a fold summarising its hidden sub-proof (hidden ancestors).
    """
    sinks = sorted((n for n in g if g.out_degree(n) == 0), key=_sort_key) or sorted(g, key=_sort_key)[:1]
    shown: set = set()
    frontier = []
    for n in sinks:
        if len(shown) < max_nodes:
            shown.add(n)
            frontier.append(n)
    depth = 0
    while frontier and depth < max_depth and len(shown) < max_nodes:
        nxt = []
        for n in frontier:
            for p in sorted(g.predecessors(n), key=_sort_key):
                if p not in shown and len(shown) < max_nodes:
                    shown.add(p)
                    nxt.append(p)
        frontier = nxt
        depth += 1
    folds = {}
    frontier = [n for n in sorted(shown, key=_sort_key) if any(p not in shown for p in g.predecessors(n))]
    if frontier:
        below = hidden_ancestor_counts(g, shown)
        folds = {n: below[n] for n in frontier}
    return shown, folds


def hidden_ancestor_counts(g: nx.DiGraph, shown: set) -> dict:
    """For every node, how many of its ancestors are not in ``shown``: one pass in dependency
    order, ancestor sets as bitsets (Python ints) over the hidden nodes."""
    hidden = {n: i for i, n in enumerate(sorted((n for n in g if n not in shown), key=_sort_key))}
    bits: dict = {}
    try:
        order = list(nx.topological_sort(g))
    except nx.NetworkXUnfeasible:  # a cycle: fall back to plain reachability
        return {n: len(nx.ancestors(g, n) - shown) for n in g}
    for n in order:
        b = 0
        for p in g.predecessors(n):
            b |= bits[p]
            if p in hidden:
                b |= 1 << hidden[p]
        bits[n] = b
    return {n: b.bit_count() for n, b in bits.items()}
