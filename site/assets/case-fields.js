// The case page's fields: a field's problem by the server's rules (checks.js), as the person
// sees it (with the field's label), and its error message at the field. Stateless, like
// checks.js; case.js and the case page's other scripts use it.
"use strict";
Elan.caseFields = (() => {
  const { $, el } = Elan;
  const { valueProblem } = Elan.checks;

  // A field's label without its "(obligatoriskt)".
  const labelText = (id) => $("label[for='" + id + "']").firstChild.textContent.trim();

  function fieldProblem(input, form) {
    const value = input.value.trim();
    const label = labelText(input.id);
    if (!value) return input.getAttribute("aria-required") === "true" ? "Fyll i " + label + "." : null;
    const max = +input.getAttribute("maxlength");
    if (max && value.length > max) return label + " får vara högst " + max + " tecken.";
    const unit = input.parentElement.querySelector(".unit");
    return valueProblem(input.dataset.type, value, {
      label, pattern: input.dataset.pattern, prefixes: form.dataset.gsrnPrefixes.split(","), company: form.dataset.companyName,
      min: input.dataset.min, max: input.dataset.max, unit: unit && unit.textContent, decimals: +input.dataset.decimals || 0,
    });
  }

  // A field's message is made with its first error, and named in its aria-describedby.
  function setFieldError(key, message) {
    const box = $("#" + key)?.closest(".field");
    if (!box) return;
    let error = $("#err-" + key);
    if (!error) {
      if (!message) return;
      const input = $("#" + key);
      error = el("p", undefined, { class: "error", id: "err-" + key });
      input.before(error);
      input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " err-" + key).trim());
    }
    error.textContent = message ? "Fel: " + message : "";
    error.hidden = !message;
    box.classList.toggle("invalid", !!message);
  }

  return { labelText, fieldProblem, setFieldError };
})();
