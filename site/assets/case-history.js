// Händelser, the case page's history of its case, oldest first: who did what and when, in the
// core's words (forms::words), and what was said; above it the time per status (the server's
// status_times) and, for an installer waiting for a decision, the company's queue.
"use strict";
Elan.renderHistory = (c) => {
  const { $, el, when, api, count } = Elan;
  const { done, roles, statuses, sent_again: sentAgain, automatic: [automatic, automaticLabel] } = Elan.words();
  $("#status-times").textContent = "Tid per status: " + (c.status_times || []).map((t) => statuses[t.status] + " " + t.text).join(", ");
  if (Elan.role === "installer" && c.status === "submitted" && !Elan.queue) {
    Elan.queue = api("GET", `/companies/${c.company}/handling-times?installation_type=${c.installation_type}`).then(({ days, sent_to_decision: f, waiting }) => {
      if (f.count) $("#queue").textContent = `Nätbolagets beslut de senaste ${days} dagarna: hälften inom ${f.median_text}, 9 av 10 inom ${f.p90_text}. ${count(waiting, "anmälan", "anmälningar")} väntar på beslut.`;
    }, () => {});
  }
  $("#history").replaceChildren(...c.history.map((h) => {
    const li = el("li", undefined, { class: "ev-" + h.action });
    const who = h.role ? roles[h.role] + " (" + h.by + ")" : h.by === automatic ? automaticLabel : h.by;
    const what = h.action === "submit" && h.from === "returned" ? sentAgain : done[h.action] || h.action;
    const head = el("p");
    head.append(el("strong", what), " ", el("time", when(h.at), { datetime: new Date(h.at).toISOString() }), " · " + who);
    li.append(head);
    if (h.message) li.append(el("p", h.message, { class: "said" }));
    return li;
  }));
};
