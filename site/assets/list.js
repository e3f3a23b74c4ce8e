// The lists of cases: "Mina ärenden" (the installer's firm's cases, last changed first) and
// "Inkorg" (the network company's sent cases, those waiting for a decision first, oldest first,
// with filters and search). The server filters, orders and pages; "Visa fler" asks for more.
"use strict";
(async () => {
  const { $, api, el, byId, when, caseUrl, count, page, token, signIn, away, org, formsData, pagedList } = Elan;
  if (away) return;
  if (!token()) return signIn();
  const inbox = page === "inbox";
  const filters = $("#filters");
  const status = $("#cases-status");
  const query = new URLSearchParams(location.search);
  const limit = Math.min(Math.max(+query.get("limit") || 50, 1), 100);

  // The companies' names, asked for beside the first page of cases; without them the list
  // still shows, by ids.
  const companies = formsData().catch(() => ({}));
  let forms = {};
  const label = (id, name, attrs) => el("td", name, { "data-label": id, ...attrs });
  function row(c) {
    const company = byId(forms.companies, c.company);
    const type = company && byId(company.installation_types, c.installation_type);
    // The link names the case by its type and address, so that links can be told apart.
    const address = [c.fields["installation.street_address"], c.fields["installation.city"]].filter(Boolean).join(", ");
    const name = (type ? type.name : c.installation_type) + " – " + (address || "adress saknas ännu");
    // The installer sees which network company; the network company which firm and area.
    const area = company && byId(company.network_areas, c.network_area);
    const sub = inbox ? [c.firm.name, area && area.name].filter(Boolean).join(", ") : company ? company.name : c.company;
    const tr = el("tr", undefined, c.unread ? { class: "unread" } : {});
    const what = el("td");
    what.append(el("a", name, { href: caseUrl(c) }), el("span", sub, { class: "sub" }));
    const state = label("Status", c.status_label);
    // News from the other side: said in words, not only shown.
    if (c.unread) state.append(" ", el("strong", "Nytt", { class: "badge" }));
    tr.append(what, label("Ärendenummer", c.number || "–"), state,
      label(inbox ? "Skickad" : "Ändrad", when(inbox ? c.submitted_at || c.updated_at : c.updated_at), { class: "when" }));
    return tr;
  }

  const chosen = () => Object.fromEntries(filters ? [...new FormData(filters)].filter(([, v]) => v.trim()) : []);
  const list = pagedList({
    table: $("#cases"),
    status,
    more: $("#more"),
    row,
    async load(cursor) {
      const params = new URLSearchParams({ limit, ...chosen() });
      if (cursor) params.set("cursor", cursor);
      const [{ cases, next_cursor }, catalog] = await Promise.all([api("GET", "/cases?" + params), companies]);
      forms = catalog;
      return { items: cases, next: next_cursor };
    },
    describe(n, more) {
      if (n === 0) {
        if (!inbox) return "Du har inga ärenden ännu. Välj Ny anmälan för att skapa ett.";
        return Object.keys(chosen()).length ? "Inga ärenden matchar sökningen." : "Inga skickade ärenden ännu.";
      }
      return count(n, "ärende", "ärenden") + (more ? " visas" : "") +
        (inbox ? ", de som väntar på beslut först." : ", senast ändrade först.") +
        (more ? " Välj Visa fler för att se fler." : "");
    },
  });

  if (filters) {
    // The choices are the network company's own areas and installation types.
    const company = byId((await companies).companies, org) || {};
    for (const [id, items] of [["network_area", company.network_areas], ["installation_type", company.installation_types]]) {
      $("#" + id).append(...(items || []).map((i) => el("option", i.name, { value: i.id })));
    }
    // The filters are in the address, so that a reload or the back button keeps them.
    for (const [k, v] of query) if (filters.elements[k]) filters.elements[k].value = v;
    const search = () => {
      const params = new URLSearchParams(chosen());
      if (query.has("limit")) params.set("limit", limit);
      history.replaceState(null, "", location.pathname + (params.size ? "?" + params : ""));
      status.textContent = "Söker …";
      list.reload();
    };
    filters.addEventListener("submit", (event) => {
      event.preventDefault();
      search();
    });
    filters.addEventListener("reset", () => setTimeout(search));
  }
  list.reload();
})();
