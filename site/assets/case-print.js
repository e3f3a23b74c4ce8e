// "Skriv ut / PDF" on a sent case: the case as a PDF from the API (GET /cases/{id}/document.pdf,
// "Installationsmedgivande" once approved), fetched with the token and saved from memory, since a
// plain link would carry no token. The page itself prints cleanly too (style.css, @media print).
"use strict";
(async () => {
  const page = Elan.casePage;
  if (!(await page?.loaded)) return;
  const { $, api, el } = Elan;
  const button = $("button[data-action=pdf]");
  button.addEventListener("click", async () => {
    button.disabled = true;
    page.message.textContent = "Hämtar PDF …";
    try {
      const response = await api("GET", "/cases/" + page.id + "/document.pdf");
      const link = el("a", undefined, { href: URL.createObjectURL(await response.blob()), download: (page.current.number || "anmalan") + ".pdf" });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      page.message.textContent = "PDF:en är nedladdad. Öppna den för att skriva ut eller spara den.";
    } catch (e) {
      page.message.textContent = e.message;
    } finally {
      button.disabled = false;
    }
  });
})();
