// The served index: filtering happens on the server; a changed filter submits the form.
(() => {
  "use strict";
  const form = document.getElementById("filters");
  for (const s of form.querySelectorAll("select")) s.addEventListener("change", () => form.submit());
  document.body.dataset.ready = "1";
})();
