// The proof page: select a fact (URL hash #n-K), show its step, highlight its dependency chain.
// Data comes from the page's JSON block and reaches the page through textContent only.
(() => {
  "use strict";
  const N = JSON.parse(document.getElementById("nsp-data").textContent).nodes;
  const viewport = document.getElementById("viewport");
  const panel = document.getElementById("panel");
  const CHAIN_SHOWN = 60;
  let svg = viewport.querySelector("svg");
  let zoom = 1;
  let byTarget = null;
  let marked = [];

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    for (const kid of kids) e.append(kid);  // strings become text nodes
    return e;
  }
  const name = (k) => N[k].l || N[k].id.slice(0, 10);
  const short = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
  const node = (k) => document.getElementById("node-" + k);

  function applyZoom() {
    const w = +svg.getAttribute("width"), h = +svg.getAttribute("height");
    svg.style.width = Math.round(w * zoom) + "px";
    svg.style.height = Math.round(h * zoom) + "px";
    const label = document.querySelector('button[data-zoom="reset"]');
    if (label) label.textContent = Math.round(zoom * 100) + "%";
  }
  function fitZoom() {
    const w = +svg.getAttribute("width");
    return Math.max(0.8, Math.min(1, (viewport.clientWidth - 8) / w));
  }

  // Box text is wrapped in Python for a 12px monospace font; where the browser's font runs wider
  // (another font, a fallback glyph), a line is squeezed into its box rather than spilling out.
  const FIT_MAX = 400;
  function fitText(root) {
    const boxes = root.querySelectorAll("a.n");
    if (boxes.length > FIT_MAX) return;  // large views: measuring every line costs more than it helps
    for (const a of boxes) {
      const room = +a.querySelector("rect").getAttribute("width") - 18;  // text starts at x=10
      for (const t of a.querySelectorAll("text")) {
        if (t.getComputedTextLength() > room) {
          t.setAttribute("textLength", String(room));
          t.setAttribute("lengthAdjust", "spacingAndGlyphs");
        }
      }
    }
  }

  function showFull() {
    const t = document.getElementById("full-view");
    if (!t) return;
    // Markup the page's renderer wrote (every data string escaped there), kept unparsed until now.
    const tpl = document.createElement("template");
    tpl.innerHTML = t.textContent;
    viewport.replaceChildren(tpl.content);
    t.remove();
    svg = viewport.querySelector("svg");
    byTarget = null;
    marked = [];
    const note = document.getElementById("folded-note");
    if (note) note.textContent = "Showing all " + N.length.toLocaleString("en") + " facts.";
    applyZoom();
    fitText(svg);
  }

  function edgesByTarget() {
    if (!byTarget) {
      byTarget = new Map();
      for (const p of svg.querySelectorAll("path.e[data-t]")) {
        const t = +p.dataset.t;
        if (!byTarget.has(t)) byTarget.set(t, []);
        byTarget.get(t).push(p);
      }
    }
    return byTarget;
  }

  function ancestors(k) {
    const seen = new Set(), stack = [k];
    while (stack.length) {
      for (const p of N[stack.pop()].p) if (!seen.has(p)) { seen.add(p); stack.push(p); }
    }
    seen.delete(k);
    return seen;
  }

  function mark(e, c) { e.classList.add(c); marked.push([e, c]); }
  function clear() { for (const [e, c] of marked) e.classList.remove(c); marked = []; }

  function reveal(e) {
    const r = e.getBoundingClientRect(), v = viewport.getBoundingClientRect();
    if (r.left < v.left || r.right > v.right) viewport.scrollLeft += r.left - v.left - (v.width - r.width) / 2;
    if (r.top < v.top || r.bottom > v.bottom) viewport.scrollTop += r.top - v.top - (v.height - r.height) / 2;
  }

  function factList(cls, ks, parts) {
    const ul = el("ul", { class: cls });
    ks.forEach((k, i) => {
      const li = el("li", {}, el("a", { href: "#n-" + k, "data-k": k }, name(k)));
      if (parts && parts[i]) li.append(el("span", { class: "as" }, parts[i]));
      li.append(el("code", {}, short(N[k].f, 160)));
      ul.append(li);
    });
    return ul;
  }

  function renderPanel(k, anc) {
    const n = N[k];
    const out = [el("h2", {}, el("span", { class: "name" }, name(k)), el("span", { class: "role" }, n.r || "fact")),
                 el("div", { class: "formula" }, n.f)];
    if (n.t) out.push(el("p", { class: "sentence" }, "“" + n.t + "”"));
    const dl = el("dl");
    const add = (a, b) => { if (b !== "" && b != null) dl.append(el("dt", {}, a), el("dd", {}, String(b))); };
    add("rule", n.u);
    add("checked by", n.c || (n.p.length ? "" : "— (stated, not derived)"));
    add("id", n.id);
    for (const [a, b] of n.x) add(a, b);
    out.push(dl);
    out.push(el("h3", {}, "Sources (" + n.p.length + ")"));
    out.push(n.p.length ? factList("sources", n.p, n.a) : el("p", { class: "hint" }, "None: stated, not derived."));
    out.push(el("h3", {}, "Used by (" + n.s.length + ")"));
    out.push(n.s.length ? factList("used-by", n.s) : el("p", { class: "hint" }, "Nothing in this graph uses it."));
    out.push(el("h3", {}, "Dependency chain (" + anc.size + ")"));
    if (anc.size) {
      const chain = Array.from(anc).sort((a, b) => a - b);  // numbers follow dependency order
      out.push(el("p", { class: "hint" }, "Every fact it depends on, highlighted in the graph, sources first:"));
      out.push(factList("chain", chain.slice(0, CHAIN_SHOWN)));
      if (chain.length > CHAIN_SHOWN) out.push(el("p", { class: "hint" }, "… and " + (chain.length - CHAIN_SHOWN) + " more."));
    } else {
      out.push(el("p", { class: "hint" }, "None."));
    }
    panel.replaceChildren(...out);
    panel.scrollTop = 0;
  }

  function select(k) {
    clear();
    const anc = ancestors(k), bt = edgesByTarget();
    for (const a of anc) {
      const e = node(a);
      if (e) mark(e, "anc");
      for (const p of bt.get(a) || []) mark(p, "anc");
    }
    for (const p of bt.get(k) || []) mark(p, "anc");
    for (const s of N[k].s) {
      const e = node(s);
      if (e) mark(e, "use");
      for (const p of bt.get(s) || []) if (+p.dataset.s === k) mark(p, "use");
    }
    const me = node(k);
    if (me) { mark(me, "sel"); reveal(me); }
    renderPanel(k, anc);
    document.body.dataset.selected = String(k);
  }

  function route() {
    const h = location.hash.slice(1);
    let m;
    if (h === "all") { showFull(); return; }
    if ((m = /^all-n-(\d+)$/.exec(h)) && +m[1] < N.length) { showFull(); select(+m[1]); return; }
    if ((m = /^n-(\d+)$/.exec(h)) && +m[1] < N.length) {
      if (!node(+m[1])) showFull();
      select(+m[1]);
    }
  }

  document.querySelector(".toolbar").addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-zoom]");
    if (!b) return;
    const z = b.dataset.zoom;
    zoom = z === "in" ? Math.min(3, zoom * 1.25) : z === "out" ? Math.max(0.05, zoom / 1.25)
      : z === "fit" ? Math.min(1, (viewport.clientWidth - 8) / +svg.getAttribute("width")) : 1;
    applyZoom();
  });
  viewport.addEventListener("pointerover", (ev) => {  // tooltips for large views, made on first hover
    const a = ev.target.closest("a.n");
    if (!a || a.querySelector("title")) return;
    const n = N[+a.dataset.k];
    const t = document.createElementNS("http://www.w3.org/2000/svg", "title");
    t.textContent = n.f + (n.t ? "\n“" + n.t + "”" : "");
    a.prepend(t);
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") { clear(); delete document.body.dataset.selected; }
  });
  window.addEventListener("hashchange", route);
  zoom = fitZoom();
  applyZoom();
  if (svg) fitText(svg);
  route();
  document.body.dataset.ready = "1";
})();
