// "Företag": the installer's firm, its numbers and its colleagues. The firm's admin adds a
// colleague by the e-mail address they sign in with ("Lägg till") and removes one ("Ta bort");
// the server decides who may, and what a removal means (no access at once).
"use strict";
(() => {
  const { $, $$, api, el, token, signIn, away, admin, claims } = Elan;
  if (away) return;
  if (!token()) return signIn();
  const status = $("#firm-status");
  const form = $("#add-member");
  const own = (claims.email || "").toLowerCase();

  const show = (firm) => {
    $("#firm-name").textContent = firm.name;
    $("#firm-numbers").textContent = "Organisationsnummer " + firm.org_number +
      (firm.registration_number ? ", registreringsnummer hos Elsäkerhetsverket " + firm.registration_number : "") + ".";
    const rows = firm.members.map((m) => {
      const tr = el("tr");
      tr.append(el("td", m.name || "–", { "data-label": "Namn" }), el("td", m.email, { "data-label": "E-postadress" }));
      if (admin) {
        const cell = el("td", undefined, { "data-label": "Åtgärd" });
        if (m.email !== own) {
          const remove = el("button", "Ta bort", { type: "button", "aria-label": "Ta bort " + m.email });
          remove.addEventListener("click", () => act(async () => {
            if (!confirm("Ta bort " + m.email + " ur företaget? Hen kommer inte längre åt företagets ärenden.")) return;
            await api("DELETE", "/firm/members/" + encodeURIComponent(m.email));
            return m.email + " är borttagen.";
          }));
          cell.append(remove);
        } else {
          // One's own address cannot be removed here: say so rather than leave the label empty.
          cell.textContent = "– (du själv)";
        }
        tr.append(cell);
      }
      return tr;
    });
    $("#members tbody").replaceChildren(...rows);
  };

  // Runs `work`, then shows the firm as it is now and what `work` says was done (after the
  // list, so that what is announced is already on the page); a problem with a field is shown
  // at it.
  const act = async (work) => {
    for (const e of $$(".error", form)) e.hidden = true;
    try {
      const done = await work();
      show(await api("GET", "/firm"));
      if (typeof done === "string") status.textContent = done;
      return true;
    } catch (e) {
      status.textContent = e.message;
      for (const p of e.fields || []) {
        const error = $("#" + p.field + "-error");
        if (error) {
          error.textContent = p.message;
          error.hidden = false;
          $("#" + p.field).focus();
        }
      }
    }
  };

  if (admin) {
    form.hidden = false;
    for (const th of $$("[data-admin-only]")) th.hidden = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const email = $("#email").value.trim();
      const name = $("#name").value.trim();
      if (await act(() => api("POST", "/firm/members", { email, name: name || undefined }))) {
        status.textContent = email + " är tillagd och ser nu företagets ärenden.";
        form.reset();
      }
    });
  }
  act(() => Promise.resolve());
})();
