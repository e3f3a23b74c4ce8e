// Spara and Skicka, on the case page: Spara saves the case, then a confirmation sends it (OK) or
// keeps the draft (Avbryt). The case and what is done with it come from case.js (Elan.casePage).
"use strict";
(async () => {
  // Set up once case.js has shown the case; not when it did not come (nor before sign-in).
  const page = Elan.casePage;
  if (!(await page?.loaded)) return;
  const { $, api, showErrors } = Elan;
  const { id, form, message, companyName, groups, save, check, editables, render, setEditing } = page;
  const { showFailure, showServerProblems, inSection, failed } = page;
  const is = (...statuses) => statuses.includes(page.current.status);
  const confirm = $("#confirm-dialog");
  const confirmText = $("#confirm-text");
  // Here rather than in the page, which every case page would carry (14 KB).
  const asking = (again) => `Anmälan är sparad. Vill du skicka den till ${companyName}${again ? " igen" : ""} nu? Väljer du Avbryt ligger den kvar ` +
    (again ? `hos dig som ${page.words.statuses.returned} tills du skickar den.` : "som ej skickad, och nätbolaget kan inte se den förrän du skickar den.");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    try {
      await save();
    } catch (e) {
      showFailure(e);
      return;
    }
    const problems = check([...editables(), ...groups.items]);
    if (page.current.problems.length) {
      showServerProblems(page.current.problems);
      message.textContent = "Anmälan är sparad men kan inte skickas förrän felen ovan är rättade.";
      return;
    }
    if (problems.length) {
      showErrors(problems.map(inSection));
      return;
    }
    showErrors([]);
    confirmText.textContent = asking(is("returned"));
    confirm.showModal();
  });
  $("#confirm-cancel").addEventListener("click", () => confirm.close("cancel"));
  $("#confirm-ok").addEventListener("click", () => confirm.close("ok"));
  // Avbryt, Esc and the phone's back button all close the dialog without sending.
  confirm.addEventListener("close", async () => {
    if (confirm.returnValue !== "ok") {
      message.textContent = is("returned")
        ? "Anmälan är sparad men inte skickad igen (" + page.current.status_label + "). Skicka den när du är klar."
        : "Anmälan är sparad men inte skickad (" + page.current.status_label + "). Nätbolaget kan inte se den förrän du skickar den.";
      $("#save").focus();
      return;
    }
    confirm.returnValue = "";
    try {
      render(await api("POST", "/cases/" + id + "/submit", { version: page.current.version }));
      setEditing(false);
      message.textContent = "Anmälan är skickad till " + companyName + (is("approved") ? " och godkändes direkt." : is("completed") ? " som färdiganmälan." : ".");
      $("h1").focus();
    } catch (e) {
      failed(e);
    }
  });
})();
