// The static index: search and filter every proof in the browser, 50 rows a page.
(() => {
  "use strict";
  const PAGE = 50;
  const data = JSON.parse(document.getElementById("nsp-index").textContent);  // [text, outcome, dataset, rules, roles]
  const rows = Array.from(document.querySelectorAll("#proofs tbody tr"));
  const form = document.getElementById("filters");
  const count = document.getElementById("count");
  const empty = document.getElementById("empty");
  const pager = document.getElementById("pages");
  const FIELDS = ["rule", "role", "outcome", "dataset"];
  let page = 1;
  let shown = new Set(rows.map((_, i) => i));

  const params = new URLSearchParams(location.search);
  form.elements.q.value = params.get("q") || "";
  for (const f of FIELDS) {
    const v = params.get(f) || "";
    if (Array.from(form.elements[f].options).some((o) => o.value === v)) form.elements[f].value = v;
  }
  page = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);

  function hits() {
    const terms = form.elements.q.value.normalize("NFC").toLowerCase().split(/\s+/).filter(Boolean);
    const want = Object.fromEntries(FIELDS.map((f) => [f, form.elements[f].value]));
    const out = [];
    data.forEach((d, i) => {
      if (want.rule && !d[3].includes(want.rule)) return;
      if (want.role && !d[4].includes(want.role)) return;
      if (want.outcome && d[1] !== want.outcome) return;
      if (want.dataset && d[2] !== want.dataset) return;
      for (const t of terms) if (!d[0].includes(t)) return;
      out.push(i);
    });
    return out;
  }

  function button(label, cls, target, enabled) {
    const b = document.createElement("button");
    b.type = "button"; b.className = cls; b.textContent = label; b.disabled = !enabled;
    b.addEventListener("click", () => { page = target; apply(); window.scrollTo(0, 0); });
    return b;
  }

  function apply() {
    const found = hits();
    const pages = Math.max(1, Math.ceil(found.length / PAGE));
    page = Math.min(Math.max(1, page), pages);
    const now = new Set(found.slice((page - 1) * PAGE, page * PAGE));
    for (const i of shown) if (!now.has(i)) rows[i].hidden = true;
    for (const i of now) rows[i].hidden = false;
    shown = now;
    count.textContent = found.length.toLocaleString("en") + " of " + rows.length.toLocaleString("en") + " proofs";
    empty.hidden = found.length > 0;
    const label = document.createElement("span");
    label.className = "page-no";
    label.textContent = "Page " + page.toLocaleString("en") + " of " + pages.toLocaleString("en");
    pager.replaceChildren(button("← Previous", "prev", page - 1, page > 1), label, button("Next →", "next", page + 1, page < pages));
    const p = new URLSearchParams();
    if (form.elements.q.value) p.set("q", form.elements.q.value);
    for (const f of FIELDS) if (form.elements[f].value) p.set(f, form.elements[f].value);
    if (page > 1) p.set("page", String(page));
    try { history.replaceState(null, "", p.toString() ? "?" + p : location.pathname); } catch (e) { /* file: URLs may refuse */ }
  }

  form.addEventListener("submit", (ev) => { ev.preventDefault(); page = 1; apply(); });
  form.elements.q.addEventListener("input", () => { page = 1; apply(); });
  for (const f of FIELDS) form.elements[f].addEventListener("change", () => { page = 1; apply(); });
  apply();
  document.body.dataset.ready = "1";
})();
