// "Ny anmälan": Nätbolag, Installationstyp, Jobbtyp, Nätområde, "Skapa anmälan".
"use strict";
(async () => {
  const { $, api, el, byId, caseUrl, token, signIn, away, formsData, showErrors } = Elan;
  if (away) return;
  if (!token()) return signIn();
  const form = $("#new-case");
  const [company, type, job, area] = ["company", "installation_type", "job_type", "network_area"].map((id) => $("#" + id));
  // The companies come from the API, so that a company's newly published forms show at once.
  let forms;
  try {
    forms = await formsData();
  } catch (e) {
    return showErrors([{ message: e.message }]);
  }
  company.append(...forms.companies.map((c) => el("option", c.name, { value: c.id })));
  const fill = (select, items, prompt) => {
    select.replaceChildren(el("option", prompt, { value: "" }), ...items.map((i) => el("option", i.name, { value: i.id })));
    select.disabled = items.length === 0;
  };
  const chosenCompany = () => byId(forms.companies, company.value);
  company.addEventListener("change", () => {
    const c = chosenCompany();
    fill(type, c ? c.installation_types : [], c ? "Välj installationstyp" : "Välj först nätbolag");
    fill(area, c ? c.network_areas : [], c ? "Välj nätområde" : "Välj först nätbolag");
    fill(job, [], "Välj först installationstyp");
  });
  type.addEventListener("change", () => {
    const t = chosenCompany() && byId(chosenCompany().installation_types, type.value);
    fill(job, t ? t.job_types : [], t ? "Välj jobbtyp" : "Välj först installationstyp");
  });
  // After the back button the browser restores Nätbolag (by the time of "pageshow"), but not
  // the lists that follow it.
  addEventListener("pageshow", () => {
    if (company.value && type.disabled) company.dispatchEvent(new Event("change"));
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const labels = { company: "nätbolag", installation_type: "installationstyp", job_type: "jobbtyp", network_area: "nätområde" };
    // Only what can be chosen now: a job type only once there is an installation type.
    const missing = [company, type, job, area].filter((s) => !s.value && !s.disabled);
    showErrors(missing.map((s) => ({ key: s.id, message: "Välj " + labels[s.id] + "." })));
    if (missing.length) return;
    try {
      const c = await api("POST", "/cases", { company: company.value, installation_type: type.value, job_type: job.value, network_area: area.value });
      location.href = caseUrl(c);
    } catch (e) { showErrors([{ message: e.message }]); }
  });
})();
