// Meddelanden, on the case page: either side writes once the case is sent. The case comes from
// case.js (Elan.casePage), and the message's case goes back to it.
"use strict";
(async () => {
  // Set up once case.js has shown the case; not when it did not come (nor before sign-in).
  const page = Elan.casePage;
  if (!(await page?.loaded)) return;
  const { $, api } = Elan;
  const { setFieldError } = Elan.caseFields;
  const { id, absorb, failed } = page;
  const text = $("#message-text");
  $("#message-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (!value) {
      setFieldError("message-text", "Skriv ett meddelande.");
      return text.focus();
    }
    try {
      const c = await api("POST", "/cases/" + id + "/messages", { text: value });
      text.value = "";
      setFieldError("message-text", null);
      absorb(c);
      $("#history li:last-child").tabIndex = -1;
      $("#history li:last-child").focus();
    } catch (e) {
      if (e.status === 409) return failed(e);
      setFieldError("message-text", e.message);
      text.focus();
    }
  });
})();
