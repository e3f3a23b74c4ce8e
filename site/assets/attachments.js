// Bilagor, on the case pages of forms with file fields: each file field lists its files as
// download links; while the installer may change that part of the case, a file is attached in
// three steps (a link from the server, the bytes to it, a confirmation) and removed with "Ta
// bort". The server checks each file; its message shows at the field. case.js tells this
// script of every case it shows (Elan.casePage.onCase) and takes the changed case
// (Elan.casePage.absorb).
// A file field's box ends with a paragraph holding the file picker and "Bifoga fil".
"use strict";
(() => {
  const { $, $$, api, el } = Elan;
  // The case as case.js shows it; none before sign-in (case.js has gone to it).
  const page = Elan.casePage;
  if (!page) return;
  const path = "/cases/" + new URLSearchParams(location.search).get("id") + "/attachments";
  const boxes = $$("[data-files]");
  let shown;
  const fail = (box, text) => {
    const p = $(".error", box);
    p.textContent = text && "Fel: " + text;
    p.hidden = !text;
    box.classList.toggle("invalid", !!text);
  };
  async function act(box, step) {
    fail(box, "");
    try {
      const c = await step();
      page.absorb(c);
      show(c);
    } catch (e) {
      fail(box, e.message);
    }
  }
  async function show(c) {
    const now = c.status + c.attachments.map((a) => a.id);
    if (now === shown) return;
    shown = now;
    const files = c.attachments[0] ? (await api("GET", path)).attachments : [];
    for (const box of boxes) {
      // Open while case.js offers the installer that part's controls.
      // (A completion-only job's completion notice goes with the notice.)
      const on = !$(box.closest("#completion-form") && $("#completion-only").hidden ? "#completion-actions" : "#toolbar").hidden;
      box.lastElementChild.hidden = !on;
      $("input", box).disabled = !on;
      $("ul", box).replaceChildren(...files.filter((a) => a.field === box.dataset.files).map((a) => {
        const li = el("li");
        li.append(el("a", a.name, { href: a.download_url }));
        if (on) {
          const b = el("button", "Ta bort", { type: "button", "aria-label": "Ta bort " + a.name });
          b.onclick = () => act(box, () => api("DELETE", path + "/" + a.id + "?version=" + page.current.version));
          li.append(" ", b);
        }
        return li;
      }));
    }
  }
  for (const box of boxes) {
    const input = $("input", box);
    box.lastElementChild.lastElementChild.onclick = () => act(box, async () => {
      const file = input.files[0];
      if (!file) throw Error("Välj en fil först.");
      const body = { field: box.dataset.files, name: file.name };
      const up = await api("POST", path, { ...body, size: file.size });
      const put = await fetch(up.upload_url, { method: "PUT", headers: up.headers, body: file }).catch(() => 0);
      if (!put.ok) throw Error((await put.json?.().catch(() => 0))?.error?.message || "Filen kom inte fram. Försök igen.");
      body.version = page.current.version;
      input.value = "";
      return api("PUT", path + "/" + up.id, body);
    });
  }
  page.onCase.push(show);
  if (page.current) show(page.current);
})();
