// "Webhooks": the network company's admins register addresses that hear of its cases' steps,
// see each one's latest deliveries, rotate its secret (shown once), resume a paused one and
// remove one. The server checks the addresses and decides who may; this page only shows it.
"use strict";
(() => {
  const { $, $$, api, el, token, signIn, away, admin } = Elan;
  if (away) return;
  if (!token()) return signIn();
  const status = $("#hooks-status");
  if (!admin) {
    status.textContent = "Webhooks är till för nätbolagets administratörer.";
    return;
  }
  $("#admin").hidden = false;
  const form = $("#add-hook");
  // The events' names are the API's (docs/api.md, "Webhooks").
  const EVENTS = ["sent", "approved", "returned", "rejected", "withdrawn", "completed", "closed", "message"].map((e) => "case." + e);
  $("#events").replaceChildren(...EVENTS.map((id) => {
    const box = el("input", undefined, { type: "checkbox", name: "events", value: id });
    box.checked = id === "case.sent" || id === "case.approved";
    const line = el("label");
    line.append(box, " " + id);
    return line;
  }));
  const time = (t) => new Date(t).toLocaleString("sv-SE");
  const button = (text, label, work) => {
    const b = el("button", text, { type: "button", "aria-label": label });
    b.addEventListener("click", () => act(work));
    return b;
  };
  const secret = (made) => {
    $("#secret").textContent = made.secret;
    $("#secret-box").hidden = false;
    $("#secret-box").focus();
  };

  const deliveries = async (hook) => {
    const list = await api("GET", "/webhooks/" + hook.id + "/deliveries");
    $("#deliveries-title").textContent = "Leveranser till " + hook.url;
    $("#deliveries tbody").replaceChildren(...list.deliveries.map((d) => {
      const tr = el("tr");
      tr.append(el("td", time(d.at), { "data-label": "Tid" }), el("td", d.type, { "data-label": "Händelse" }),
        el("td", String(d.attempt), { "data-label": "Försök" }),
        el("td", d.delivered ? "Levererad (" + d.status + ")" : d.reason, { "data-label": "Resultat" }));
      return tr;
    }));
    if (!list.deliveries.length) status.textContent = "Inga leveranser ännu till " + hook.url + ".";
    $("#deliveries-box").hidden = false;
  };

  const show = (hooks) => {
    $("#hooks tbody").replaceChildren(...hooks.map((h) => {
      const tr = el("tr");
      const state = h.paused_at ? "Pausad sedan " + time(h.paused_at)
        : h.failing_since ? "Misslyckas sedan " + time(h.failing_since) : "Aktiv";
      const cell = el("td", undefined, { "data-label": "Åtgärder" });
      cell.append(
        button("Leveranser", "Leveranser till " + h.url, () => deliveries(h)),
        button("Ny hemlighet", "Ny hemlighet för " + h.url, async () => {
          if (!confirm("Skapa en ny hemlighet? Den gamla signerar också i ett dygn till.")) return;
          secret(await api("POST", "/webhooks/" + h.id + "/rotate", {}));
        }));
      if (h.paused_at) cell.append(button("Återuppta", "Återuppta " + h.url, () => api("POST", "/webhooks/" + h.id + "/resume", {})));
      cell.append(button("Ta bort", "Ta bort " + h.url, async () => {
        if (!confirm("Ta bort webhooken till " + h.url + "?")) return;
        await api("DELETE", "/webhooks/" + h.id);
        $("#deliveries-box").hidden = true;
      }));
      tr.append(el("td", h.url, { "data-label": "Adress" }), el("td", h.events.join(", "), { "data-label": "Händelser" }),
        el("td", state, { "data-label": "Läge" }), cell);
      return tr;
    }));
    status.textContent = hooks.length ? "" : "Inga webhooks ännu.";
  };

  // Runs `work`, then shows the webhooks as they are now; a problem with a field is shown at it.
  const act = async (work) => {
    for (const e of $$(".error", form)) e.hidden = true;
    try {
      await work();
      show((await api("GET", "/webhooks")).webhooks);
      return true;
    } catch (e) {
      status.textContent = e.message;
      for (const p of e.fields || []) {
        const error = $("#" + p.field + "-error");
        if (error) {
          error.textContent = p.message;
          error.hidden = false;
          (p.field === "url" ? $("#url") : $("#events input")).focus();
        }
      }
    }
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const url = $("#url").value.trim();
    const events = $$("#events input:checked").map((b) => b.value);
    if (await act(async () => secret(await api("POST", "/webhooks", { url, events })))) {
      form.reset();
    }
  });
  act(() => Promise.resolve());
})();
