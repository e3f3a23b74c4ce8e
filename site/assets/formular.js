// "Formulär": the network company's admins manage the company's own form file
// (companies/<id>.toml) as versions. The versions with their state and note, a new version
// uploaded as a draft (its problems shown at their lines), "Förhandsgranska" in a new tab,
// "Publicera" confirmed in a dialog that names what changes, and who published what. The server
// checks the file and decides who may do what; this page only shows it.
"use strict";
(() => {
  const { $, $$, api, el, when, token, signIn, away, admin, org, showErrors } = Elan;
  if (away) return;
  if (!token()) return signIn();
  const status = $("#forms-status");
  if (!admin) {
    status.textContent = "Formulär är till för nätbolagets administratörer. Be en administratör om du behöver ändra formulären.";
    return;
  }
  const toml = $("#toml");
  const message = $("#forms-message");
  $("#toml-path").textContent = "companies/" + org + ".toml";
  let published = null;

  const cell = (label, content, attrs) => {
    const td = el("td", undefined, { "data-label": label, ...attrs });
    td.append(content);
    return td;
  };
  // In a new tab that keeps the opener: only then does the tab get this one's sign-in
  // (sessionStorage), which the preview's case page needs.
  const preview = (url, version) => el("a", "Förhandsgranska", {
    href: url, target: "_blank", rel: "opener", "aria-label": "Förhandsgranska version " + version + " (öppnas i en ny flik)",
  });

  function versionRow(v) {
    const tr = el("tr");
    const actions = el("td");
    if (v.preview_url) actions.append(preview(v.preview_url, v.version), " ");
    if (v.state !== "published") {
      const publish = el("button", "Publicera", { type: "button", "aria-label": "Publicera version " + v.version });
      publish.addEventListener("click", () => confirmPublish(v.version));
      actions.append(publish);
    }
    tr.append(cell("Version", String(v.version)), cell("Status", v.state_label), cell("Skapad", when(v.created_at), { class: "when" }),
      cell("Av", v.created_by), cell("Anteckning", v.note || "–"), actions);
    return tr;
  }

  function publicationRow(p) {
    const tr = el("tr");
    const what = p.version + (p.previous ? " (ersatte " + p.previous + ")" : "");
    tr.append(cell("Version", what), cell("Publicerad av", p.by), cell("Tidpunkt", when(p.at), { class: "when" }));
    return tr;
  }

  async function load() {
    const data = await api("GET", "/definitions");
    published = data.published;
    $("#versions tbody").replaceChildren(...data.versions.map(versionRow));
    $("#publications tbody").replaceChildren(...data.publications.map(publicationRow));
    $("#publications").hidden = !data.publications.length;
    $("#publications-status").hidden = !!data.publications.length;
    status.hidden = true;
    return data;
  }

  // The published version's file, to start a new version from.
  async function start() {
    try {
      await load();
    } catch (e) {
      status.textContent = e.message;
      return;
    }
    $("#admin").hidden = false;
    if (!toml.value) toml.value = (await api("GET", "/definitions/" + published).catch(() => ({}))).toml || "";
  }

  // --- A new version -------------------------------------------------------------------------
  $("#toml-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (file) toml.value = await file.text();
  });

  // A problem's link selects its line in the file, scrolled into view.
  function selectLine(line) {
    const lines = toml.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    toml.focus();
    toml.setSelectionRange(start, start + (lines[line - 1] || "").length);
    toml.scrollTop = ((line - 3) * toml.scrollHeight) / lines.length;
  }

  const uploadMessage = $("#upload-message");
  $("#upload").addEventListener("submit", async (event) => {
    event.preventDefault();
    uploadMessage.replaceChildren();
    try {
      const v = await api("POST", "/definitions", { toml: toml.value, note: $("#note").value.trim() });
      showErrors([]);
      $("#note").value = "";
      uploadMessage.append("Version " + v.version + " sparad som utkast. ", preview(v.preview_url, v.version));
      await load();
    } catch (e) {
      showErrors(e.fields.length
        ? e.fields.map((f) => ({ key: "toml", message: f.line ? "Rad " + f.line + ", kolumn " + f.column + ": " + f.message : f.message }))
        : [{ message: e.message }]);
      // showErrors' links focus the file; these select the problem's line too.
      $$("#error-summary a").forEach((a, i) => e.fields[i].line && a.addEventListener("click", () => selectLine(e.fields[i].line)));
    }
  });

  // --- Publicera ----------------------------------------------------------------------------
  const dialog = $("#publish-dialog");
  const dialogError = $("#publish-error");
  let chosen = null;
  async function confirmPublish(version) {
    chosen = version;
    message.textContent = "";
    let changes;
    try {
      changes = (await api("GET", "/definitions/" + version + "/changes")).changes;
    } catch (e) {
      message.textContent = e.message;
      return;
    }
    $("#publish-title").textContent = "Publicera version " + version + "?";
    $("#publish-text").textContent = "Nya ärenden och nätbolagets sidor använder version " + version +
      " så snart den är publicerad. Ärenden som redan finns behåller sin version.";
    $("#publish-changes").replaceChildren(...(changes.length ? changes.map((c) => el("li", c.text)) : [el("li", "Inga ändringar")]));
    dialogError.hidden = true;
    dialog.showModal();
  }
  $("#publish-cancel").addEventListener("click", () => dialog.close());
  $("#publish-ok").addEventListener("click", async () => {
    const ok = $("#publish-ok");
    ok.disabled = true;
    try {
      await api("POST", "/definitions/" + chosen + "/publish", { published });
      dialog.close();
      await load();
      uploadMessage.replaceChildren();
      message.textContent = "Version " + chosen + " är publicerad.";
    } catch (e) {
      // Someone else published meanwhile: the list as it is now, and the server's message.
      if (e.status === 409) {
        dialog.close();
        await load().catch(() => {});
        message.textContent = e.message;
      } else {
        dialogError.textContent = e.message;
        dialogError.hidden = false;
      }
    } finally {
      ok.disabled = false;
    }
  });

  start();
})();
