// The case page's first script, inline at the top of its head: it asks for the case at once,
// while the styles and scripts download, a round trip sooner than they could on a slow
// connection (BENCHMARKS.md). common.js takes the answer. Its SHA-256 is in the
// Content-Security-Policy (site::content_security_policy), which refuses any other inline script.
"use strict";
(() => {
  const token = sessionStorage.getItem("token");
  const id = new URLSearchParams(location.search).get("id");
  if (token && id) {
    window.earlyCase = fetch("/api/v1/cases/" + id, { headers: { Authorization: "Bearer " + token } });
    window.earlyCase.catch(() => {}); // common.js reports a failure
  }
})();
