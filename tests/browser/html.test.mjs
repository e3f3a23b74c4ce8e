// Valid HTML and a strict Content-Security-Policy: the W3C Nu HTML checker (npm vnu-jar) on every
// generated page and on the pages as the script leaves them; the policy on every page that
// `handler serve` answers, and enforced in the browser.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { DEMO, ROOT, SITE, apiFromPage, launchBrowser, need, openPage, signIn, startServer, withPage } from "./support.mjs";
import { caseUrl, confirmMove, fileCase, listSays, openCase } from "./workspace.mjs";

const VNU = path.join(ROOT, "tests", "node_modules", "vnu-jar", "build", "dist", "vnu.jar");

let server;
let browser;
let out; // the site, built by `site build`
let pages; // its .html files, relative to `out`

before(async () => {
  need(SITE, "build it with `cargo build -p site` (scripts/test does)");
  out = mkdtempSync(path.join(tmpdir(), "elanmalan-site-"));
  execFileSync(SITE, ["build", "--out", out], { cwd: ROOT, stdio: "pipe" });
  pages = readdirSync(out, { recursive: true }).filter((f) => f.endsWith(".html")).sort();
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

/** Runs the Nu checker on files; returns its error messages, readable. */
function vnu(files, args = []) {
  need(VNU, "run `npm ci --prefix tests` (scripts/test does)");
  const run = spawnSync("java", ["-jar", VNU, "--format", "json", "--errors-only", ...args, ...files], { encoding: "utf8" });
  if (run.error) throw run.error;
  let report;
  try {
    report = JSON.parse(run.stderr);
  } catch {
    throw new Error(`the Nu checker did not answer with JSON (exit ${run.status}):\n${run.stderr}${run.stdout}`);
  }
  return report.messages
    .filter((m) => m.type === "error" || m.subType === "fatal")
    .map((m) => `${m.url.replace(/^file:/, "")}:${m.lastLine}: ${m.message}\n    ${(m.extract || "").replace(/\n/g, "⏎")}`);
}

/** The URL path of a built file: `ny/index.html` -> `/ny/`. */
const urlPath = (file) => "/" + file.replace(/index\.html$/, "");

test("every generated page is valid HTML (Nu checker, errors only)", () => {
  assert.ok(pages.length >= 4, `pages were built: ${pages.join(", ")}`);
  for (const expected of ["index.html", "ny/index.html", "logga-in/index.html", "anmalan/oresundskraft/service_change/index.html"]) {
    assert.ok(pages.includes(expected), `${expected} is built`);
  }
  const errors = vnu(pages.map((p) => path.join(out, p)));
  assert.deepEqual(errors, [], `${errors.length} HTML error(s):\n${errors.join("\n")}`);
  const css = readdirSync(path.join(out, "assets")).filter((f) => f.endsWith(".css")).map((f) => path.join(out, "assets", f));
  const cssErrors = vnu(css, ["--css"]);
  assert.deepEqual(cssErrors, [], `${cssErrors.length} CSS error(s):\n${cssErrors.join("\n")}`);
});

test("the pages as the script leaves them are valid HTML too", async () => {
  const app = await openPage(browser, { baseURL: server.url });
  const { page } = app;
  const dir = mkdtempSync(path.join(tmpdir(), "elanmalan-dom-"));
  const files = [];
  const snapshot = async (name) => {
    const file = path.join(dir, name + ".html");
    writeFileSync(file, "<!doctype html>\n" + (await page.evaluate(() => document.documentElement.outerHTML)));
    files.push(file);
  };
  try {
    await page.goto("/logga-in/");
    await page.getByRole("button", { name: `Logga in som ${DEMO.anna}` }).waitFor();
    await snapshot("sign-in");
    await signIn(page, DEMO.anna);
    await page.goto("/ny/");
    await page.getByLabel("Nätbolag").selectOption({ label: "Öresundskraft" });
    await page.getByLabel("Installationstyp").selectOption({ label: "Servisändring" });
    await page.getByLabel("Jobbtyp").selectOption({ label: "Flytt av servis" });
    await page.getByLabel("Nätområde").selectOption({ label: "Ängelholm" });
    await snapshot("new-case");
    await page.getByRole("button", { name: "Skapa anmälan" }).click();
    await page.locator("#case-status").filter({ hasText: "Ej skickat" }).waitFor();
    await page.getByRole("button", { name: "Hämta anl-data" }).click();
    const dialog = page.getByRole("dialog", { name: "Hämta anl-data" });
    await dialog.getByLabel("Mätarnummer").fill(DEMO.meter);
    await dialog.getByRole("button", { name: "Hämta data" }).click();
    await dialog.locator(".found").waitFor();
    await snapshot("lookup-found");
    await dialog.getByRole("button", { name: "Uppdatera och Stäng" }).click();
    await page.getByRole("button", { name: "Redigera" }).click();
    await page.getByRole("button", { name: "Spara" }).click();
    await page.locator("#error-summary").waitFor();
    await snapshot("case-errors");
    await page.goto("/");
    await page.locator("#cases tbody tr").first().waitFor();
    await snapshot("cases");
    const errors = vnu(files);
    assert.deepEqual(errors, [], `${errors.length} HTML error(s):\n${errors.join("\n")}`);
    app.assertClean();
  } finally {
    await app.context.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the network company's pages and the later life of a case, as the script leaves them, are valid HTML", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "elanmalan-dom-"));
  const files = [];
  const snapshot = async (page, name) => {
    const file = path.join(dir, name + ".html");
    writeFileSync(file, "<!doctype html>\n" + (await page.evaluate(() => document.documentElement.outerHTML)));
    files.push(file);
  };
  const anna = await openPage(browser, { baseURL: server.url });
  const karin = await openPage(browser, { baseURL: server.url });
  try {
    await signIn(anna.page, DEMO.anna);
    const [returned, approved] = [await fileCase(anna.page, 11), await fileCase(anna.page, 12)];
    await signIn(karin.page, DEMO.karin);
    await listSays(karin.page, /ärende/);
    await snapshot(karin.page, "inkorg");
    await openCase(karin.page, returned, "För godkännande");
    await karin.page.getByRole("button", { name: "Åter för komplettering" }).click();
    await karin.page.getByRole("dialog", { name: "Åter för komplettering?" }).getByRole("button", { name: "OK" }).click();
    await karin.page.locator("#err-action-message").filter({ hasText: "Skriv" }).waitFor();
    await snapshot(karin.page, "decision-dialog-error");
    await karin.page.getByRole("dialog").getByRole("textbox").fill("Komplettera.");
    await karin.page.getByRole("dialog").getByRole("button", { name: "OK" }).click();
    await karin.page.locator("#case-status").filter({ hasText: "Åter för komplettering" }).waitFor();
    await snapshot(karin.page, "decided");
    await openCase(karin.page, approved, "För godkännande");
    await confirmMove(karin.page, "Godkänn", { title: "Godkänn anmälan?" });
    await karin.page.locator("#case-status").filter({ hasText: "Godkänd" }).waitFor();
    await karin.page.goto("/uppslag/");
    await listSays(karin.page, /uppslag/, "#audit-status");
    await snapshot(karin.page, "uppslag");
    await karin.page.goto("/kunduppgifter/");
    await karin.page.getByLabel("Person- eller organisationsnummer").fill("19121212-1212");
    await karin.page.getByRole("button", { name: "Sök" }).click();
    await listSays(karin.page, /innehåller numret/, "#subject-status");
    await snapshot(karin.page, "kunduppgifter");

    await openCase(anna.page, returned, "Åter för komplettering");
    await snapshot(anna.page, "returned");
    await anna.page.goto(caseUrl(approved));
    await anna.page.getByRole("button", { name: "Skicka färdiganmälan" }).click();
    await anna.page.locator("#error-summary").waitFor();
    await snapshot(anna.page, "completion-errors");
    await anna.page.getByRole("textbox", { name: "Nytt meddelande" }).fill("Hej.");
    await anna.page.getByRole("button", { name: "Skicka meddelande" }).click();
    await anna.page.waitForFunction(() => document.querySelector("#history li:last-child")?.textContent.includes("Hej."));
    await snapshot(anna.page, "message");
    await anna.page.goto("/");
    await listSays(anna.page, /ärende/);
    await snapshot(anna.page, "cases-with-news");
    const errors = vnu(files);
    assert.deepEqual(errors, [], `${errors.length} HTML error(s):\n${errors.join("\n")}`);
    anna.assertClean();
    karin.assertClean();
  } finally {
    await anna.context.close();
    await karin.context.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("handler serve sends a Content-Security-Policy without 'unsafe-inline' on every page", async () => {
  const paths = [...pages.map(urlPath), "/anmalan/oresundskraft/service_change/?id=x"];
  // The one inline script, the case page's early case request, is allowed by its hash.
  const casePage = await (await fetch(server.url + paths.at(-1))).text();
  const inline = [...casePage.matchAll(/<script>([^<]*)<\/script>/g)].map((m) => m[1]);
  assert.equal(inline.length, 1, "the case page has one inline script");
  const early = `'sha256-${createHash("sha256").update(inline[0]).digest("base64")}'`;
  for (const p of paths) {
    const response = await fetch(server.url + p);
    assert.equal(response.status, 200, `${p} answers 200`);
    assert.match(response.headers.get("content-type"), /^text\/html/, `${p} is HTML`);
    const csp = response.headers.get("content-security-policy");
    assert.ok(csp, `${p} has a Content-Security-Policy`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${p}: ${csp}`);
    const directives = Object.fromEntries(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert.deepEqual(directives["script-src"], ["'self'", early], `${p}: scripts only from the site, and the early case request`);
    assert.deepEqual(directives["style-src"] ?? directives["default-src"], ["'self'"], `${p}: styles only from the site`);
    assert.deepEqual(directives["frame-ancestors"], ["'none'"], `${p}: never in a frame`);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  }
});

test("the browser enforces the policy, and no page violates it", async () => {
  const app = await openPage(browser, { baseURL: server.url });
  const { page } = app;
  try {
    await signIn(page, DEMO.anna);
    for (const file of pages) {
      await page.goto(urlPath(file), { waitUntil: "load" });
    }
    assert.deepEqual(app.csp, [], "no page logs a CSP violation");
    // The policy is real: an inline script is refused, and the refusal is seen.
    const ran = await page.evaluate(() => {
      const script = document.createElement("script");
      script.textContent = "window.inlineRan = true";
      document.body.append(script);
      return window.inlineRan === true;
    });
    assert.equal(ran, false, "an inline script does not run");
    await page.waitForTimeout(200);
    assert.ok(app.csp.length > 0, "and the violation is reported (so the checks above can see one)");
  } finally {
    await app.context.close();
  }
});

test("the case page asks for its case once, before its scripts have come", async () => {
  await withPage(browser, { baseURL: server.url }, async ({ page }) => {
    await signIn(page, DEMO.anna);
    const draft = (await apiFromPage(page, "POST", "/cases", {
      company: "oresundskraft", installation_type: "service_change", job_type: "move_service", network_area: "helsingborg",
    })).body;
    // The scripts are held back until the case has been asked for (or for 5 s): only the
    // page's head can ask while they are away.
    const events = [];
    let asked;
    const caseAsked = new Promise((resolve) => (asked = resolve));
    await page.route("**/assets/*.js", async (route) => {
      await Promise.race([caseAsked, new Promise((r) => setTimeout(r, 5_000))]);
      events.push("scripts");
      await route.continue();
    });
    page.on("request", (r) => {
      if (r.url().endsWith("/api/v1/cases/" + draft.id)) {
        events.push("case");
        asked();
      }
    });
    await page.goto(caseUrl(draft));
    await page.locator("#open-lookup").waitFor();
    assert.deepEqual(events.filter((e, i) => e !== events[i - 1]), ["case", "scripts"], "the case first, then the scripts, once each");
    assert.equal(events.filter((e) => e === "case").length, 1, "one request for the case");
  });
});
