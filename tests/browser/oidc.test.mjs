// The production sign-in: OpenID Connect's authorization code flow with PKCE (Amazon Cognito's
// hosted UI), configured at build time. A small authority on loopback plays Cognito's part: it
// checks what a real one checks (client id, redirect, S256 challenge against the verifier) and
// hands out an id token, which the page must keep for the API.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { SITE, launchBrowser, need, openPage } from "./support.mjs";

const CLIENT_ID = "elanmalan-test-client";
let browser, server, dir, origin;
const seen = { authorize: null, token: null };

/** Serves the built site and, under /oauth2/, the authority. */
function handle(request, response) {
  const url = new URL(request.url, origin);
  if (url.pathname === "/oauth2/authorize") {
    seen.authorize = Object.fromEntries(url.searchParams);
    const back = new URL(url.searchParams.get("redirect_uri"));
    back.searchParams.set("code", "the-code");
    back.searchParams.set("state", url.searchParams.get("state"));
    response.writeHead(302, { Location: back.href }).end();
    return;
  }
  if (url.pathname === "/oauth2/token" && request.method === "POST") {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      seen.token = Object.fromEntries(new URLSearchParams(body));
      const challenge = createHash("sha256").update(seen.token.code_verifier || "").digest("base64url");
      const ok = seen.token.code === "the-code" && seen.token.client_id === CLIENT_ID &&
        challenge === seen.authorize?.code_challenge;
      response.writeHead(ok ? 200 : 400, { "Content-Type": "application/json" });
      response.end(JSON.stringify(ok ? { id_token: "the-id-token", token_type: "Bearer" } : { error: "invalid_grant" }));
    });
    return;
  }
  let file = path.join(dir, decodeURIComponent(url.pathname));
  if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, "index.html");
  if (!file.startsWith(dir) || !existsSync(file)) {
    response.writeHead(404).end();
    return;
  }
  const type = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" }[path.extname(file)];
  response.writeHead(200, { "Content-Type": `${type || "application/octet-stream"}; charset=utf-8` });
  response.end(readFileSync(file));
}

before(async () => {
  need(SITE, "run `cargo build -p site` (scripts/test does)");
  dir = mkdtempSync(path.join(tmpdir(), "elanmalan-oidc-"));
  server = createServer(handle);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  execFileSync(SITE, ["build", "--out", dir, "--oidc-authority", origin, "--oidc-client-id", CLIENT_ID]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("signing in with OpenID Connect and PKCE keeps the id token and returns to Mina ärenden", async () => {
  const app = await openPage(browser, { baseURL: origin });
  const { page } = app;
  try {
    await page.goto("/");
    await page.waitForURL(/\/logga-in\//);
    await page.getByRole("button", { name: "Logga in" }).click();
    await page.waitForURL((url) => url.pathname === "/");

    assert.equal(seen.authorize.response_type, "code");
    assert.equal(seen.authorize.client_id, CLIENT_ID);
    assert.equal(seen.authorize.code_challenge_method, "S256");
    assert.equal(seen.authorize.redirect_uri, `${origin}/logga-in/`);
    assert.match(seen.authorize.state, /^[A-Za-z0-9_-]{16,}$/);
    assert.match(seen.token.code_verifier, /^[A-Za-z0-9_-]{43,128}$/);
    assert.equal(seen.token.grant_type, "authorization_code");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("token")), "the-id-token");
    // The one-time values are not left behind.
    assert.equal(await page.evaluate(() => sessionStorage.getItem("oidc_verifier")), null);
  } finally {
    await app.context.close();
  }
});

test("a sign-in answer with another state is refused", async () => {
  const app = await openPage(browser, { baseURL: origin });
  const { page } = app;
  try {
    await page.goto("/logga-in/?code=the-code&state=forged");
    await page.getByText("Inloggningen kunde inte kontrolleras").waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem("token")), null);
  } finally {
    await app.context.close();
  }
});
