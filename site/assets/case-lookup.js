// Hämta anl-data, on the installer's case page: installation data looked up by meter number or
// EAN, shown as the fields it would change, then put into the case. The case and its form come
// from case.js (Elan.casePage); `current` and `editing` are read from it each time, as they
// change.
"use strict";
(async () => {
  // Set up once case.js has shown the case; not when it did not come (nor before sign-in).
  const page = Elan.casePage;
  if (!(await page?.loaded)) return;
  const { $, api, el } = Elan;
  const { gsrnProblem } = Elan.checks;
  const { labelText } = Elan.caseFields;
  const { id, form, inputs, message, keyOf, dirty, render, save, showFailure } = page;
  const dialog = $("#lookup-dialog");
  const lookupForm = $("#lookup-form");
  const lookupError = $("#lookup-error");
  const result = $("#lookup-result");
  const apply = $("#lookup-apply");
  const request = () => ({
    version: page.current.version,
    meter_number: $("#lookup-meter").value.trim() || null,
    ean: $("#lookup-ean").value.replace(/\s+/g, "") || null,
    overwrite: lookupForm.elements.overwrite.value === "yes",
  });
  const labelOf = (field) => {
    const label = $("label[for='" + keyOf(field) + "']");
    const section = label && label.closest("fieldset").querySelector("legend");
    return label ? section.textContent + ": " + labelText(label.htmlFor) : field;
  };
  const fail = (text) => {
    lookupError.textContent = text;
    lookupError.hidden = !text;
  };
  $("#open-lookup").addEventListener("click", async () => {
    try {
      if (page.editing && dirty()) await save();
    } catch (e) {
      showFailure(e);
      return;
    }
    fail("");
    result.replaceChildren();
    $("#lookup-found").textContent = "";
    apply.hidden = true;
    $("#lookup-meter").value = page.current.fields["installation.meter_number"] || "";
    $("#lookup-ean").value = page.current.fields["installation.ean"] || "";
    dialog.showModal();
  });
  $("#lookup-cancel").addEventListener("click", () => dialog.close());
  lookupForm.addEventListener("input", () => { apply.hidden = true; });
  lookupForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    fail("");
    result.replaceChildren();
    $("#lookup-found").textContent = "";
    apply.hidden = true;
    const r = request();
    if (!r.meter_number && !r.ean) return fail("Fyll i Mätarnummer eller Anläggnings-ID (EAN).");
    if (r.ean) {
      const p = gsrnProblem(r.ean, form.dataset.gsrnPrefixes.split(","), "Anläggnings-ID (EAN)", form.dataset.companyName);
      if (p) return fail(p);
    }
    try {
      const found = await api("POST", "/cases/" + id + "/lookup", { ...r, apply: false });
      const box = el("div", undefined, { class: "found" });
      $("#lookup-found").textContent = found.message;
      const who = found.installation["owner.name"];
      if (who) box.append(el("p", "Fastighetsägare: " + who + ". Kontrollera att det är rätt kund."));
      for (const w of found.warnings) box.append(el("p", w, { class: "error" }));
      if (found.changes.length) {
        // One change a row; on a phone a card: the field, then Före and Efter, one a line.
        const table = el("table", undefined, { class: "changes" });
        const head = el("tr");
        head.append(el("th", "Fält", { scope: "col" }), el("th", "Före", { scope: "col" }), el("th", "Efter", { scope: "col" }));
        const rows = el("tbody");
        table.append(el("caption", "Fält som ändras"), el("thead"), rows);
        table.tHead.append(head);
        // In the order of the form, not the order the server happens to list them in.
        const order = (c) => inputs.findIndex((i) => i.name === c.field);
        for (const c of [...found.changes].sort((a, b) => order(a) - order(b))) {
          const row = el("tr");
          row.append(el("th", labelOf(c.field), { scope: "row" }), el("td", c.before || "–", { "data-label": "Före" }), el("td", c.after || "–", { "data-label": "Efter" }));
          rows.append(row);
        }
        box.append(table);
      } else {
        box.append(el("p", "Inga fält ändras."));
      }
      result.append(box);
      apply.hidden = false;
      apply.focus();
    } catch (e) { fail(e.message); }
  });
  apply.addEventListener("click", async () => {
    try {
      const found = await api("POST", "/cases/" + id + "/lookup", { ...request(), apply: true });
      render(found.case);
      dialog.close();
      message.textContent = page.editing
        ? "Anläggningsdata är hämtad. Kontrollera att det är rätt kund och fyll i resten."
        : "Anläggningsdata är hämtad. Kontrollera att det är rätt kund och välj Redigera för att fylla i resten.";
      // In edit mode the next thing to do is the first empty field; else "Redigera".
      (page.editing ? inputs.find((i) => !i.value) || $("#save") : $("#edit")).focus();
    } catch (e) { fail(e.message); }
  });
})();
