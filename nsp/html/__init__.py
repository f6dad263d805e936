"""Browsing provenance graphs as HTML: ``nsp html`` (a static site) and ``nsp serve`` (a local server).

    load     find graphs in any file nsp writes; the byte-offset :class:`~nsp.html.load.BatchIndex`
    change   what a mutant's graph changed (law, where, the changed sub-formula), for the index
    layout   layered DAG layout in Python (derivation depth, barycentre ordering); per-box heights; folding
    render   the proof page (inline SVG, step panel) and the index page; escaping rules
    site     the static site writer (deterministic bytes, atomic writes)
    server   the on-demand server (pagination, server-side search and filters)
    samples  sample graphs for tests and benchmarks

Pages are self-contained: inline CSS and JavaScript from ``assets/``, Jinja2 templates from
``templates/``, no external link, and a Content-Security-Policy that lets only their own scripts
run. Every string that comes from data is escaped.
"""
