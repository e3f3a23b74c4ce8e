// Sign-in with BankID through Cognito's OpenID Connect federation with a BankID broker
// (infra/template.yaml, BankIdProvider; docs/deploy.md, "BankID"). Two small servers on loopback
// stand in for what runs elsewhere:
// - the broker: an OpenID Connect provider that signs its id token (RS256, published as a JWKS)
//   and, as brokers do, puts the personal identity number in a claim of its own;
// - Cognito: the site's authority (as in oidc.test.mjs), which on `identity_provider=BankID`
//   sends the browser to the broker, takes the code back at /oauth2/idpresponse, verifies the
//   broker's token and keeps only what the template's AttributeMapping maps. A linked user
//   (admin-link-provider-for-user) signs in as their own account, whose token is the real
//   `handler serve`'s; an unlinked one gets no account, since the pool requires an e-mail.
// The site is built for this sign-in and its API calls go to `handler serve`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { ROOT, SITE, axeCheck, launchBrowser, need, startServer, withPage } from "./support.mjs";

const CLIENT_ID = "elanmalan-site";
const BROKER_CLIENT = { id: "elanmalan-at-broker", secret: "broker-secret" };
const PERSONAL_NUMBER = "198112189876";

// What the template gives Cognito: the provider's name, its scopes and its attribute mapping.
const template = readFileSync(path.join(ROOT, "infra", "template.yaml"), "utf8");
const provider = /\n {2}BankIdProvider:\n((?: {4}.*\n|\n)+)/.exec(template)[1];
const PROVIDER_NAME = /ProviderName: (\S+)/.exec(provider)[1];
const SCOPES = /authorize_scopes: (.+)/.exec(provider)[1].trim();
const MAPPING = Object.fromEntries(
  /AttributeMapping:\n((?: {8}.*\n)+)/.exec(provider)[1].trim().split("\n").map((line) => line.trim().split(/:\s*/)),
);

const b64url = (data) => Buffer.from(data).toString("base64url");
const read = (request) =>
  new Promise((resolve) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => resolve(body));
  });
const json = (response, status, value) =>
  response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(value));

let browser, server, api, site, broker, dir, origin, brokerOrigin;
/** The person the broker signs in next: their pairwise `sub`. */
let person = "pairwise-sub-of-anna";
/** admin-link-provider-for-user: BankID's `sub` -> the demo user of the linked account. */
const links = new Map([["pairwise-sub-of-anna", "anna"]]);
const seen = { authorize: [], cognitoUsers: [], brokerToken: null };

// --- The broker --------------------------------------------------------------------------------
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const KID = "broker-key-1";
const brokerCodes = new Map();

function brokerToken(claims) {
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: KID }));
  const payload = b64url(JSON.stringify(claims));
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), keys.privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

async function handleBroker(request, response) {
  const url = new URL(request.url, brokerOrigin);
  if (url.pathname === "/.well-known/openid-configuration") {
    return json(response, 200, {
      issuer: brokerOrigin,
      authorization_endpoint: `${brokerOrigin}/authorize`,
      token_endpoint: `${brokerOrigin}/token`,
      jwks_uri: `${brokerOrigin}/jwks`,
    });
  }
  if (url.pathname === "/jwks") {
    return json(response, 200, { keys: [{ ...keys.publicKey.export({ format: "jwk" }), kid: KID, alg: "RS256", use: "sig" }] });
  }
  if (url.pathname === "/authorize") {
    // The BankID app's part (the person signs with their BankID) is the broker's business.
    if (url.searchParams.get("client_id") !== BROKER_CLIENT.id) return response.writeHead(400).end();
    const code = b64url(randomBytes(16));
    brokerCodes.set(code, { sub: person, nonce: url.searchParams.get("nonce"), scope: url.searchParams.get("scope") });
    const back = new URL(url.searchParams.get("redirect_uri"));
    back.searchParams.set("code", code);
    back.searchParams.set("state", url.searchParams.get("state"));
    return response.writeHead(302, { Location: back.href }).end();
  }
  if (url.pathname === "/token" && request.method === "POST") {
    const form = new URLSearchParams(await read(request));
    const basic = Buffer.from(`${BROKER_CLIENT.id}:${BROKER_CLIENT.secret}`).toString("base64");
    const grant = brokerCodes.get(form.get("code"));
    brokerCodes.delete(form.get("code"));
    if (request.headers.authorization !== `Basic ${basic}` || !grant) return json(response, 400, { error: "invalid_grant" });
    const now = Math.floor(Date.now() / 1000);
    seen.brokerToken = { scope: grant.scope };
    return json(response, 200, {
      token_type: "Bearer",
      id_token: brokerToken({
        iss: brokerOrigin, aud: BROKER_CLIENT.id, sub: grant.sub, iat: now, exp: now + 300, nonce: grant.nonce,
        name: "Anna Andersson", given_name: "Anna", family_name: "Andersson", personal_identity_number: PERSONAL_NUMBER,
      }),
    });
  }
  response.writeHead(404).end();
}

// --- Cognito (and the site, and the API behind it) ----------------------------------------------
const sessions = new Map(); // Cognito's state at the broker -> the site's request
const siteCodes = new Map(); // Cognito's code for the site -> { token, challenge }

/** Verifies the broker's id token as Cognito does: its key from the broker's JWKS, iss, aud, exp, nonce. */
async function verifiedClaims(idToken, nonce) {
  const [header, payload, signature] = idToken.split(".");
  const { kid, alg } = JSON.parse(Buffer.from(header, "base64url"));
  const { keys: published } = await (await fetch(`${brokerOrigin}/jwks`)).json();
  const jwk = published.find((k) => k.kid === kid);
  assert.ok(jwk && alg === "RS256", "the broker's key is in its JWKS");
  const key = createPublicKey({ key: jwk, format: "jwk" });
  assert.ok(verify("sha256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url")), "the broker's signature");
  const claims = JSON.parse(Buffer.from(payload, "base64url"));
  assert.equal(claims.iss, brokerOrigin);
  assert.equal(claims.aud, BROKER_CLIENT.id);
  assert.equal(claims.nonce, nonce);
  assert.ok(claims.exp > Date.now() / 1000);
  return claims;
}

function backToSite(request, params) {
  const back = new URL(request.redirect_uri);
  for (const [k, v] of Object.entries(params)) back.searchParams.set(k, v);
  back.searchParams.set("state", request.state);
  return back.href;
}

async function handleSite(request, response) {
  const url = new URL(request.url, origin);
  if (url.pathname === "/oauth2/authorize") {
    const params = Object.fromEntries(url.searchParams);
    seen.authorize.push(params);
    if (params.client_id !== CLIENT_ID || params.identity_provider !== PROVIDER_NAME) return response.writeHead(400).end();
    const state = b64url(randomBytes(16));
    const nonce = b64url(randomBytes(16));
    sessions.set(state, { ...params, nonce });
    const to = new URL(`${brokerOrigin}/authorize`);
    to.search = new URLSearchParams({
      response_type: "code", client_id: BROKER_CLIENT.id, redirect_uri: `${origin}/oauth2/idpresponse`, scope: SCOPES, state, nonce,
    });
    return response.writeHead(302, { Location: to.href }).end();
  }
  if (url.pathname === "/oauth2/idpresponse") {
    const session = sessions.get(url.searchParams.get("state"));
    sessions.delete(url.searchParams.get("state"));
    if (!session) return response.writeHead(400).end();
    const answer = await fetch(`${brokerOrigin}/token`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from(`${BROKER_CLIENT.id}:${BROKER_CLIENT.secret}`).toString("base64")}` },
      body: new URLSearchParams({ grant_type: "authorization_code", code: url.searchParams.get("code"), redirect_uri: `${origin}/oauth2/idpresponse` }),
    }).then((r) => r.json());
    const claims = await verifiedClaims(answer.id_token, session.nonce);
    // What Cognito keeps of the broker's token: the mapped attributes only.
    const attributes = Object.fromEntries(Object.entries(MAPPING).map(([attribute, claim]) => [attribute, claims[claim]]));
    seen.cognitoUsers.push(attributes);
    const user = links.get(attributes.username);
    if (!user) {
      // No linked account, and no new one: the pool requires an e-mail, which BankID does not give.
      return response.writeHead(302, {
        Location: backToSite(session, { error: "invalid_request", error_description: "Invalid user attributes: email: The attribute is required" }),
      }).end();
    }
    const { token } = await fetch(`${api}/api/v1/local/sign-in`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ user }),
    }).then((r) => r.json());
    const code = b64url(randomBytes(16));
    siteCodes.set(code, { token, challenge: session.code_challenge });
    return response.writeHead(302, { Location: backToSite(session, { code }) }).end();
  }
  if (url.pathname === "/oauth2/token" && request.method === "POST") {
    const form = new URLSearchParams(await read(request));
    const grant = siteCodes.get(form.get("code"));
    siteCodes.delete(form.get("code"));
    const challenge = createHash("sha256").update(form.get("code_verifier") || "").digest("base64url");
    if (!grant || form.get("client_id") !== CLIENT_ID || challenge !== grant.challenge) return json(response, 400, { error: "invalid_grant" });
    return json(response, 200, { id_token: grant.token, token_type: "Bearer" });
  }
  if (url.pathname.startsWith("/api/")) {
    const headers = { ...request.headers };
    delete headers.host;
    const body = ["GET", "HEAD"].includes(request.method) ? undefined : await read(request);
    const answer = await fetch(api + url.pathname + url.search, { method: request.method, headers, body });
    response.writeHead(answer.status, { "Content-Type": answer.headers.get("content-type") || "application/json" });
    return response.end(Buffer.from(await answer.arrayBuffer()));
  }
  let file = path.join(dir, decodeURIComponent(url.pathname));
  if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, "index.html");
  if (!file.startsWith(dir) || !existsSync(file)) return response.writeHead(404).end();
  const type = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" }[path.extname(file)];
  response.writeHead(200, { "Content-Type": `${type || "application/octet-stream"}; charset=utf-8` });
  response.end(readFileSync(file));
}

const listen = (handle) =>
  new Promise((resolve) => {
    const server = createServer((request, response) =>
      handle(request, response).catch((e) => {
        console.error(e);
        if (!response.headersSent) response.writeHead(500);
        response.end();
      }),
    );
    server.listen(0, "127.0.0.1", () => resolve(server));
  });

before(async () => {
  need(SITE, "run `cargo build -p site` (scripts/test does)");
  server = await startServer();
  api = server.url;
  broker = await listen(handleBroker);
  brokerOrigin = `http://127.0.0.1:${broker.address().port}`;
  site = await listen(handleSite);
  origin = `http://127.0.0.1:${site.address().port}`;
  dir = mkdtempSync(path.join(tmpdir(), "elanmalan-bankid-"));
  execFileSync(SITE, [
    "build", "--out", dir, "--oidc-authority", origin, "--oidc-client-id", CLIENT_ID, "--oidc-identity-provider", PROVIDER_NAME,
  ]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  site?.close();
  broker?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the template maps only the broker's sub, never its personal identity number", () => {
  assert.deepEqual(MAPPING, { username: "sub" });
  assert.equal(SCOPES, "openid");
});

test("a linked BankID signs in as the person's own account, and no identity number reaches the site", async () => {
  person = "pairwise-sub-of-anna";
  seen.cognitoUsers.length = 0;
  await withPage(browser, { baseURL: origin, viewport: { width: 320, height: 640 } }, async ({ page }) => {
    await page.goto("/logga-in/");
    await axeCheck(page, "Logga in med BankID");
    await page.getByRole("button", { name: "Logga in med BankID" }).click();
    await page.getByRole("heading", { name: "Mina ärenden", level: 1 }).waitFor();

    assert.equal(seen.authorize.at(-1).identity_provider, PROVIDER_NAME);
    assert.equal(seen.brokerToken.scope, "openid");
    // The API answered the list with the linked account's token: Anna's firm.
    const token = await page.evaluate(() => sessionStorage.getItem("token"));
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url"));
    assert.equal(claims["custom:org"] ?? claims.org, "demo_el");
    const listed = await page.evaluate(async () => {
      const r = await fetch("/api/v1/cases", { headers: { Authorization: "Bearer " + sessionStorage.getItem("token") } });
      return r.status;
    });
    assert.equal(listed, 200);
    // Neither Cognito's user nor anything the page holds carries the personal identity number.
    assert.deepEqual(seen.cognitoUsers, [{ username: "pairwise-sub-of-anna" }]);
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }) + document.cookie);
    assert.ok(!stored.includes(PERSONAL_NUMBER) && !token.includes(PERSONAL_NUMBER));
  });
});

test("a BankID that no account is linked to gets no account and no token", async () => {
  person = "pairwise-sub-of-a-stranger";
  await withPage(browser, { baseURL: origin }, async ({ page }) => {
    await page.goto("/logga-in/");
    await page.getByRole("button", { name: "Logga in med BankID" }).click();
    await page.getByText("Inloggningen misslyckades").waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem("token")), null);
  });
});

test("e-mail and password go straight to Cognito's own sign-in", async () => {
  await withPage(browser, { baseURL: origin }, async ({ page }) => {
    await page.goto("/logga-in/");
    const asked = page.waitForRequest((r) => r.url().includes("/oauth2/authorize"));
    await page.getByRole("button", { name: "Logga in med e-post och lösenord" }).click();
    const params = new URL((await asked).url()).searchParams;
    assert.equal(params.get("identity_provider"), "COGNITO");
    assert.equal(params.get("client_id"), CLIENT_ID);
  });
});
