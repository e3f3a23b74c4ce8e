// Kundlänk on the case page: the installer makes a link for the customer (shown once, to copy),
// sees until when the case's link works, and removes it. What the link shows is the customer's
// page's (customer.js); the server decides who may have one.
"use strict";
(async () => {
  const page = Elan.casePage;
  if (!(await page?.loaded)) return;
  const { $, api, el, when } = Elan;
  const path = "/cases/" + page.id + "/customer-link";
  const button = $("button[data-action=link]");
  const panel = el("div", undefined, { class: "notice", id: "kundlank-panel" });
  const said = el("p", undefined, { role: "status" });
  const url = el("input", undefined, { type: "text", id: "kundlank-url", readonly: "" });
  const copied = el("div", undefined, { class: "field" });
  copied.append(el("label", "Länk till kunden", { for: "kundlank-url" }), url);
  const make = el("button", "Skapa ny länk", { type: "button", class: "primary" });
  const copy = el("button", "Kopiera", { type: "button" });
  const remove = el("button", "Ta bort länken", { type: "button" });
  panel.append(el("h2", "Kundlänk"), el("p", "Kunden ser ärendenummer, nätbolag och status, inga personuppgifter. En ny länk ersätter den gamla."), said, copied, make, copy, remove);
  panel.hidden = true;
  button.after(panel);
  const show = (text, link, expires) => {
    said.textContent = text + (expires ? " Den gäller till " + when(expires).slice(0, 10) + "." : "");
    copied.hidden = copy.hidden = !link;
    url.value = link || "";
    remove.hidden = !expires;
  };
  const act = async (work) => {
    try {
      await work();
    } catch (e) {
      show(e.message);
    }
  };
  button.addEventListener("click", () => act(async () => {
    panel.hidden = !panel.hidden;
    if (panel.hidden) return;
    try {
      const link = await api("GET", path);
      show("Kunden har en länk.", null, link.expires_at);
    } catch (e) {
      if (e.status !== 404) throw e;
      show("Ingen kundlänk ännu.");
    }
  }));
  make.addEventListener("click", () => act(async () => {
    const link = await api("POST", path);
    show("Länken är skapad. Kopiera den och ge den till kunden; den visas bara nu.", link.url, link.expires_at);
    url.focus();
    url.select();
  }));
  copy.addEventListener("click", () => act(async () => {
    await navigator.clipboard.writeText(url.value);
    said.textContent = "Länken är kopierad.";
  }));
  remove.addEventListener("click", () => act(async () => {
    await api("DELETE", path);
    show("Länken är borttagen och fungerar inte längre.");
  }));
})();
