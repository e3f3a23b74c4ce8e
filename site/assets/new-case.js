// "Ny anmälan": Anläggnings-ID (EAN), or Nätbolag and Nätområde; Installationstyp, Jobbtyp,
// "Skapa anmälan". From the anläggnings-ID, its GSRN prefix names the company (the catalog
// carries the prefixes) and the server takes the network area and the customer from the
// registry, so only the installation type and job type are left to choose.
"use strict";
(async () => {
  const { $, api, el, byId, caseUrl, token, signIn, away, formsData, showErrors, checks } = Elan;
  if (away) return;
  if (!token()) return signIn();
  const form = $("#new-case");
  const [ean, company, type, job, area] = ["ean", "company", "installation_type", "job_type", "network_area"].map((id) => $("#" + id));
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
  const eanValue = () => ean.value.replace(/\s+/g, "");
  // The company whose prefix the anläggnings-ID starts with.
  const ofEan = (v) => forms.companies.find((c) => c.gsrn_prefixes.some((p) => v.startsWith(p)));
  const companyChanged = () => {
    const c = chosenCompany();
    fill(type, c ? c.installation_types : [], c ? "Välj installationstyp" : "Välj först nätbolag");
    fill(area, c ? c.network_areas : [], c ? "Välj nätområde" : "Välj först nätbolag");
    fill(job, [], "Välj först installationstyp");
  };
  company.addEventListener("change", companyChanged);
  // With an anläggnings-ID, Nätbolag shows the company it names and Nätområde is the registry's.
  const eanChanged = () => {
    const v = eanValue();
    const c = v ? ofEan(v) : chosenCompany();
    const before = company.value;
    company.value = c ? c.id : "";
    company.disabled = !!v;
    if (company.value !== before || type.disabled) companyChanged();
    $("#area-part").hidden = !!v;
  };
  ean.addEventListener("input", eanChanged);
  type.addEventListener("change", () => {
    const t = chosenCompany() && byId(chosenCompany().installation_types, type.value);
    fill(job, t ? t.job_types : [], t ? "Välj jobbtyp" : "Välj först installationstyp");
  });
  // After the back button the browser restores Nätbolag (by the time of "pageshow"), but not
  // the lists that follow it.
  addEventListener("pageshow", () => {
    if (eanValue()) eanChanged();
    else if (company.value && type.disabled) companyChanged();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const labels = { company: "nätbolag", installation_type: "installationstyp", job_type: "jobbtyp", network_area: "nätområde" };
    const v = eanValue();
    const label = "Anläggnings-ID (EAN)";
    // Any prefix passes the core's check here; which company has it is asked after.
    const eanProblem = v && (checks.gsrnProblem(v, [v.slice(0, 9)], label, "") ||
      (!ofEan(v) && label + " hör inte till något av nätbolagen i Elanmälan. Kontrollera numret mot kundens elräkning, eller välj nätbolag i stället."));
    // Only what can be chosen now: a job type only once there is an installation type.
    const missing = (v ? [type, job] : [company, type, job, area]).filter((s) => !s.value && !s.disabled);
    const problems = missing.map((s) => ({ key: s.id, message: "Välj " + labels[s.id] + "." }));
    showErrors(eanProblem ? [{ key: "ean", message: eanProblem }, ...problems] : problems);
    if (eanProblem || missing.length) return;
    const chosen = { installation_type: type.value, job_type: job.value };
    try {
      const c = await api("POST", "/cases", v ? { ean: v, ...chosen } : { company: company.value, network_area: area.value, ...chosen });
      // Started from the anläggnings-ID, the lookup is done: the case opens for editing.
      location.href = caseUrl(c) + (v ? "#edit" : "");
    } catch (e) {
      showErrors(e.fields.length ? e.fields.map((p) => ({ key: p.field, message: p.message })) : [{ message: e.message }]);
    }
  });
})();
