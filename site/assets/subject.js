// "Kunduppgifter": the network company's cases that hold a person's or an organisation's
// identity number, exported as JSON (registerutdrag) or erased from the cases that are over.
// The number goes in the request body only, never in the address.
"use strict";
(() => {
  const { $, api, el, token, signIn, away, caseUrl, count } = Elan;
  if (away) return;
  if (!token()) return signIn();
  const input = $("#identity-number");
  const error = $("#identity-number-error");
  const status = $("#subject-status");
  const table = $("#subject-cases");
  const actions = $("#subject-actions");
  // Section id -> its title, for the sections that hold an identity number.
  const sections = Elan.words();
  const body = () => ({ identity_number: input.value.trim() });

  // Runs `request`; a problem with the number is shown at the field, anything else as status.
  const ask = async (request) => {
    error.hidden = true;
    input.removeAttribute("aria-invalid");
    try {
      return await request();
    } catch (e) {
      const problem = (e.fields || []).find((p) => p.field === "identity_number");
      if (problem) {
        error.textContent = problem.message;
        error.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
      status.textContent = e.message;
    }
  };

  const search = () => ask(async () => {
    const { cases } = await api("POST", "/data-subject/cases", body());
    const rows = cases.map((c) => {
      const tr = el("tr");
      const number = el("td", undefined, { "data-label": "Ärendenummer" });
      number.append(el("a", c.number, { href: caseUrl(c) }));
      const where = c.fields.map((f) => sections[f.split(".")[0]] || f).join(", ");
      tr.append(number, el("td", c.status_label, { "data-label": "Status" }), el("td", where, { "data-label": "Numret står i" }),
        el("td", c.erasable ? "Ja" : "Nej, ärendet pågår", { "data-label": "Kan raderas" }));
      return tr;
    });
    $("tbody", table).replaceChildren(...rows);
    table.hidden = actions.hidden = !cases.length;
    status.textContent = cases.length ? count(cases.length, "ärende", "ärenden") + " innehåller numret." : "Inga ärenden innehåller numret.";
  });

  $("#subject").addEventListener("submit", (event) => {
    event.preventDefault();
    status.textContent = "Söker …";
    search();
  });

  // "Ladda ner registerutdrag": the cases as a JSON file, saved from memory.
  $("#export").addEventListener("click", () => ask(async () => {
    const data = await api("POST", "/data-subject/export", body());
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
    const link = el("a", undefined, { href: URL.createObjectURL(blob), download: "registerutdrag-" + data.exported_at.slice(0, 10) + ".json" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    status.textContent = "Registerutdraget är nedladdat.";
  }));

  $("#erase").addEventListener("click", () => ask(async () => {
    if (!confirm("Radera personens uppgifter ur de avslutade ärendena? Det går inte att ångra.")) return;
    const { erased, kept } = await api("POST", "/data-subject/erase", body());
    await search();
    status.textContent = (erased.length ? "Raderat ur " + erased.join(", ") + "." : "Inget raderades.") +
      kept.map((k) => " " + k.number + ": " + k.reason).join("");
  }));
})();
