// The live preview of `handler serve --definitions DIR --watch` in a real browser: an open page
// reloads itself when a definition file changes, shows the problems of a broken change in a
// banner at the top while it keeps showing the last good definitions, and drops the banner when
// the file is fixed. All of it under the server's Content-Security-Policy.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEMO, ROOT, launchBrowser, screenshot, signIn, startServer, withPage } from "./support.mjs";

const definitions = mkdtempSync(path.join(tmpdir(), "elanmalan-preview-"));
const company = path.join(definitions, "companies", "oresundskraft.toml");
let server;
let browser;

before(async () => {
  cpSync(path.join(ROOT, "forms", "definitions"), definitions, { recursive: true });
  server = await startServer({ args: ["--definitions", definitions, "--watch"] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(definitions, { recursive: true, force: true });
});

/** The company file with its line 5 (`name = "Öresundskraft"`) replaced. */
function writeLine5(line) {
  const lines = readFileSync(company, "utf8").split("\n");
  assert.match(lines[4], /^n(a)?me = /);
  lines[4] = line;
  writeFileSync(company, lines.join("\n"));
}

test("an open page follows the definitions: reloaded on a change, a banner while they are broken", async () => {
  await withPage(browser, { baseURL: server.url }, async ({ page }) => {
    await signIn(page, DEMO.anna);
    await page.goto("/ny/");
    const company = page.getByLabel("Nätbolag");
    await company.locator("option", { hasText: /^Öresundskraft$/ }).waitFor({ state: "attached" });

    writeLine5('name = "Öresundskraft Förhandsgranskning"');
    await company.locator("option", { hasText: "Öresundskraft Förhandsgranskning" }).waitFor({ state: "attached" });
    assert.equal(await page.locator("#preview-problems").count(), 0);

    writeLine5('nme = "Trasigt"');
    const banner = page.getByRole("alert").filter({ hasText: "Definitionerna har fel" });
    await banner.waitFor();
    assert.equal(
      await banner.getByRole("heading").textContent(),
      "Definitionerna har fel – sidan visar de senaste fungerande.",
    );
    assert.match(await banner.locator("li").first().textContent(), /companies\/oresundskraft\.toml:5:1: okänd nyckel `nme`; menade du `name`\?/);
    await company.locator("option", { hasText: "Öresundskraft Förhandsgranskning" }).waitFor({ state: "attached" });
    await screenshot(page, "preview-broken-definitions", { fullPage: false });

    writeLine5('name = "Öresundskraft Igen"');
    await company.locator("option", { hasText: "Öresundskraft Igen" }).waitFor({ state: "attached" });
    assert.equal(await page.locator("#preview-problems").count(), 0);
  });
});
