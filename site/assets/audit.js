// "Uppslag": the network company's log of lookups (Hämta anl-data) for a period, paged by the
// server, and the same period as a CSV file.
"use strict";
(() => {
  const { $, api, el, when, count, token, signIn, away, pagedList } = Elan;
  if (away) return;
  if (!token()) return signIn();
  const period = $("#period");
  const [from, to] = [$("#from"), $("#to")];
  const status = $("#audit-status");
  const query = new URLSearchParams(location.search);
  const limit = Math.min(Math.max(+query.get("limit") || 50, 1), 100);
  // The last seven days unless the address says otherwise (as the server does).
  const day = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  const today = new Date();
  to.value = query.get("to") || day(today);
  from.value = query.get("from") || day(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6));
  const range = () => new URLSearchParams({ from: from.value, to: to.value });

  // "Sökt på" and the caps as the CSV spells them (forms::words).
  const { acts, keys, limits } = Elan.words();
  const capital = (s) => s && s[0].toUpperCase() + s.slice(1);
  const cell = (label, text, attrs) => el("td", text, { "data-label": label, ...attrs });
  const list = pagedList({
    table: $("#audit"),
    status,
    more: $("#more"),
    row(e) {
      const tr = el("tr");
      tr.append(cell("Tidpunkt", when(e.at), { class: "when" }), cell("Användare", e.user), cell("Installationsföretag", e.firm || "–"),
        cell("Ärendenummer", e.case_number || "–"), cell("Sökt på", capital(acts[e.act] || keys[e.by] || e.by)),
        cell("Hittad", e.limit_reached ? "Nej, spärrad av gränsen " + limits[e.limit_reached] : e.found ? "Ja" : "Nej"));
      return tr;
    },
    async load(cursor) {
      const params = range();
      params.set("limit", limit);
      if (cursor) params.set("cursor", cursor);
      const { entries, next_cursor } = await api("GET", "/audit?" + params);
      return { items: entries, next: next_cursor };
    },
    describe: (n, more) => (n ? count(n, "uppslag", "uppslag") + (more ? " visas. Välj Visa fler för att se fler." : " under perioden.") : "Inga uppslag under perioden."),
  });
  period.addEventListener("submit", (event) => {
    event.preventDefault();
    history.replaceState(null, "", "?" + range());
    status.textContent = "Hämtar uppslag …";
    list.reload();
  });

  // "Ladda ner CSV": the same period as a file, fetched with the token and saved from memory.
  $("#csv").addEventListener("click", () => Elan.downloadCsv("/audit.csv?" + range(), "uppslag-" + from.value + "-" + to.value + ".csv", status,
    "CSV-filen för " + from.value + "–" + to.value + " är nedladdad."));
  list.reload();
})();
