// The live preview of `handler serve --watch`, added to every page by the server (never part of
// the built site): reloads the page when the definitions change, and while they are broken
// shows their problems at the top of the page; warns when good ones drop what cases use.
"use strict";
(() => {
  // The generation of the definitions that this page was served with.
  const served = Number(document.currentScript.dataset.generation);
  const wait = (ms) => new Promise((done) => setTimeout(done, ms));

  // One banner: the problems of broken definitions, or the warnings of good ones.
  function show(id, heading, problems) {
    document.getElementById(id)?.remove();
    if (!problems.length) return;
    const banner = document.createElement("div");
    banner.id = id;
    banner.className = "error-summary";
    banner.setAttribute("role", "alert");
    const title = document.createElement("h2");
    title.textContent = heading;
    const list = document.createElement("ul");
    for (const problem of problems) {
      const item = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = problem;
      item.append(code);
      list.append(item);
    }
    banner.append(title, list);
    (document.getElementById("main") || document.body).prepend(banner);
  }

  async function follow() {
    let since = null;
    for (;;) {
      let status;
      try {
        const response = await fetch("/_preview/events" + (since === null ? "" : "?since=" + since));
        if (!response.ok) throw new Error(String(response.status));
        status = await response.json();
      } catch {
        await wait(1000); // the server is restarting: ask again
        continue;
      }
      if (status.generation !== served) {
        location.reload();
        return;
      }
      if (since === null) {
        show("preview-problems", "Definitionerna har fel – sidan visar de senaste fungerande.", status.problems);
        show("preview-warnings", "Varning: ärenden använder det som har tagits bort.", status.warnings || []);
      }
      since = status.generation;
    }
  }
  follow();
})();
