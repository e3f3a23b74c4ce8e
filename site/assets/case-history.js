// Händelser, the case page's history of its case, oldest first: who did what and when, in the
// core's words (forms::words), and what was said.
"use strict";
Elan.renderHistory = (c) => {
  const { $, el, when } = Elan;
  const { done, roles, sent_again: sentAgain, automatic: [automatic, automaticLabel] } = Elan.words();
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
