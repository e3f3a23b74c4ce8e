// Tid per status (the case's status_times) and, for an installer whose case waits for a
// decision, the queue it is in (the company's figures, never another case): loaded next to the
// case's request like Bilagor, since the page is drawn without it (and stays under 14 KB).
"use strict";
(() => {
  const { $, api, count, casePage: page } = Elan;
  const { statuses } = Elan.words();
  let asked;
  const show = (c) => {
    $("#status-times").textContent = "Tid per status. " + c.status_times.map((t) => statuses[t.status] + ": " + t.text).join(", ");
    if (Elan.role !== "installer" || c.status !== "submitted" || asked) return;
    asked = api("GET", `/companies/${c.company}/handling-times?installation_type=${c.installation_type}`).then(({ days, sent_to_decision: f, waiting }) => {
      // "inom 2 dagar", but "under en minut" alone.
      const within = (text) => (text.startsWith("under") ? "" : "inom ") + text;
      if (f.count) $("#queue").textContent = `Nätbolagets beslut de senaste ${days} dagarna: hälften ${within(f.median_text)}, 9 av 10 ${within(f.p90_text)}. ${count(waiting, "anmälan", "anmälningar")} väntar på beslut.`;
    }, () => {});
  };
  page.onCase.push(show);
  if (page.current) show(page.current);
})();
