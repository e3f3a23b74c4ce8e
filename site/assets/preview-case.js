// The preview of a draft version of the company's forms ("Förhandsgranska" on Formulär): the case
// page as that version renders it, with a case that lives only in this page. Bundled right after
// common.js, it stands in for the API's case calls before the case scripts take `Elan.api`:
// Spara and sending ask the server to check the fields by the draft version (`POST
// <check_url>`) and show its problems; nothing is stored and nothing is sent.
"use strict";
(() => {
  const { $, api, words } = Elan;
  const banner = $("#preview");
  if (!banner) return;
  const form = $("#case-form");
  const draft = {
    id: "", number: "", firm: {}, company: form.dataset.company, installation_type: form.dataset.installationType,
    job_type: banner.dataset.jobType, network_area: "", status: "draft", status_label: words().statuses.draft,
    version: 1, definitions_version: +form.dataset.definitionsVersion, fields: {}, history: [], attachments: [],
    problems: [], unread: false, actions: ["edit", "submit"],
  };
  // A copy: the page keeps what it is given and changes it.
  const shown = () => structuredClone(draft);
  const refuse = (message) => Promise.reject(Object.assign(new Error(message), { status: 400, fields: [] }));

  // The server's check of the fields by the draft version: the fields as it keeps them (with
  // computed values) and what would stop sending.
  async function check() {
    const path = banner.dataset.checkUrl.replace(/^\/api\/v1/, "");
    const answer = await api("POST", path, { installation_type: draft.installation_type, job_type: draft.job_type, fields: draft.fields });
    Object.assign(draft, { fields: answer.fields || draft.fields, problems: answer.problems });
  }

  Elan.api = async (method, path, body) => {
    if (!path.startsWith("/cases/")) return api(method, path, body);
    const what = path.split("/")[3];
    if (method === "GET" && !what) {
      await check();
      return shown();
    }
    if (method === "PATCH") {
      for (const [k, v] of Object.entries(body.fields)) {
        if (v === null) delete draft.fields[k];
        else draft.fields[k] = v;
      }
      await check();
      draft.version++;
      return shown();
    }
    if (what === "submit") {
      await check();
      if (draft.problems.length) {
        throw Object.assign(new Error("Anmälan har fel som behöver rättas."), { status: 422, fields: draft.problems });
      }
      // After the page has said what sending does: here, nothing.
      setTimeout(() => { $("#case-message").textContent = "Förhandsgranskning: inget skickas."; });
      return shown();
    }
    if (what === "lookup") return refuse("Hämtning av anläggningsdata finns inte i förhandsgranskningen.");
    return refuse("Det går inte i förhandsgranskningen.");
  };
})();
