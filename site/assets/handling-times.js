// "Handläggningstider": the network company's handling times per month, installation type and
// network area (median and 90th percentile, as the server counts them), and the same as CSV.
"use strict";
(() => {
  const { $, api, el, token, signIn, away } = Elan;
  if (away) return;
  if (!token()) return signIn();
  const [from, to, status, table] = [$("#from"), $("#to"), $("#times-status"), $("#times")];
  const query = new URLSearchParams(location.search);
  // The last twelve months unless the address says otherwise (as the server does).
  const now = new Date();
  const month = (d) => d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0");
  to.value = query.get("to") || month(now);
  from.value = query.get("from") || month(new Date(now.getFullYear(), now.getMonth() - 11, 1));
  const range = () => new URLSearchParams({ from: from.value, to: to.value });
  // "3 st · median 2 dagar 3 timmar · 90 %: 4 dagar", or a dash when nothing ended.
  const figures = (f) => (f.count ? f.count + " st · median " + f.median_text + " · 90 %: " + f.p90_text : "–");
  const cell = (label, text) => el("td", text, { "data-label": label });
  async function load() {
    status.textContent = "Hämtar handläggningstider …";
    try {
      const { rows } = await api("GET", "/handling-times?" + range());
      $("tbody", table).replaceChildren(...rows.map((r) => {
        const tr = el("tr");
        tr.append(cell("Månad", r.month), cell("Installationstyp", r.installation_type_name), cell("Nätområde", r.network_area_name),
          cell("Skickad till beslut", figures(r.sent_to_decision)), cell("Färdiganmälan till avslut", figures(r.completion_to_closed)));
        return tr;
      }));
      table.hidden = !rows.length;
      status.textContent = rows.length ? "" : "Inga handläggningstider under perioden.";
    } catch (e) {
      table.hidden = true;
      status.textContent = e.message;
    }
  }
  $("#period").addEventListener("submit", (event) => {
    event.preventDefault();
    history.replaceState(null, "", "?" + range());
    load();
  });
  // "Ladda ner CSV": the same period as a file, fetched with the token and saved from memory.
  $("#csv").addEventListener("click", () => Elan.downloadCsv("/handling-times.csv?" + range(), "handlaggningstider-" + from.value + "-" + to.value + ".csv", status,
    "CSV-filen för " + from.value + "–" + to.value + " är nedladdad."));
  load();
})();
