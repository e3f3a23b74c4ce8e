// A repeatable group and a computed value on the case page, at 320 px: Öresundskraft's
// "Utökning – Ny produktionsanläggning" takes its inverters with "Lägg till" and "Ta bort", shows
// their total as it changes, checks each item as any field and sends them as one array. A case
// of another job type has none of those fields.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO, apiFromPage, axeCheck, launchBrowser, signIn, startServer, withPage } from "./support.mjs";
import { NARROW, caseUrl, status } from "./workspace.mjs";

let browser;
let server;

before(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startServer()]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A draft extension case of `job` with all but the production section filled in through the API. */
async function draft(page, job) {
  const call = async (method, path, body, expected = 200) => {
    const r = await apiFromPage(page, method, path, body);
    assert.equal(r.status, expected, `${method} ${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  let c = await call("POST", "/cases", { company: "oresundskraft", installation_type: "extension", job_type: job, network_area: "helsingborg" }, 201);
  c = (await call("POST", `/cases/${c.id}/lookup`, { version: c.version, meter_number: DEMO.meter, apply: true })).case;
  c = await call("POST", `/cases/${c.id}/copy-from-owner`, { version: c.version });
  return call("PATCH", `/cases/${c.id}`, {
    version: c.version,
    fields: {
      "owner.identity_number": "19121212-1212",
      "payer.identity_number": "19121212-1212",
      "work.description": "Solceller på taket.",
      "work.requested_main_fuse": "25",
    },
  });
}

test("inverters are added, checked, removed and sent as one array with their total", async () => {
  await withPage(browser, { viewport: NARROW, baseURL: server.url }, async ({ page }) => {
    await signIn(page, DEMO.anna);
    const c = await draft(page, "add_production");
    await page.goto(caseUrl(c));
    await status(page).filter({ hasText: "Status: Ej skickat" }).waitFor();
    await page.getByRole("button", { name: "Redigera" }).click();

    const group = page.getByRole("group", { name: /^Växelriktare/ }).first();
    const add = page.getByRole("button", { name: "Lägg till", exact: true });
    const total = page.locator("#production-total_power_kw");
    const item = (n) => page.getByRole("group", { name: "Växelriktare " + n, exact: true });
    await add.click();
    await add.click();
    assert.equal(await group.locator("fieldset").count(), 2);
    assert.deepEqual(await group.locator("legend").allTextContents(), ["Växelriktare 1", "Växelriktare 2"]);

    for (const [n, power] of [[1, "5,5"], [2, "5"]]) {
      await item(n).getByLabel(/^Tillverkare/).fill("SMA");
      await item(n).getByLabel(/^Modell/).fill("Sunny Tripower " + n);
      await item(n).getByLabel(/^Effekt/).fill(power);
      await item(n).getByLabel(/^Faser/).selectOption({ label: "3-fas" });
    }
    assert.equal(await total.textContent(), "10,5", "the sum, as it is typed");
    assert.equal(await page.getByLabel("Planerad inmatning till nätet").isVisible(), false, "under 43,6 kW");

    // An item's field is checked by the server's rules, by its own id.
    const power2 = item(2).getByLabel(/^Effekt/);
    await power2.fill("5,55");
    await power2.blur();
    await page.locator("#err-production-inverters-2-power_kw").filter({ hasText: "Effekt ska vara ett tal med högst 1 decimal" }).waitFor();
    // Over the limit for microproduction: the description appears.
    await power2.fill("50");
    assert.equal(await total.textContent(), "55,5");
    await page.getByLabel("Planerad inmatning till nätet").waitFor();
    await power2.fill("5");
    await page.getByLabel("Planerad inmatning till nätet").waitFor({ state: "hidden" });
    await axeCheck(page, "two inverters at 320 px");

    // Removing the first renumbers the second, and the total follows.
    await item(1).getByRole("button", { name: "Ta bort" }).click();
    assert.deepEqual(await group.locator("legend").allTextContents(), ["Växelriktare 1"]);
    assert.equal(await item(1).getByLabel(/^Effekt/).inputValue(), "5");
    assert.equal(await item(1).getByLabel(/^Modell/).inputValue(), "Sunny Tripower 2");
    assert.equal(await total.textContent(), "5");

    await page.getByLabel(/^Installeras ett batterilager\?/).selectOption({ label: "Nej" });
    await page.getByRole("button", { name: "Spara" }).click();
    const confirm = page.getByRole("dialog", { name: "Skicka anmälan?" });
    await confirm.waitFor();
    await confirm.getByRole("button", { name: "OK" }).click();
    await page.locator("#case-message").filter({ hasText: "Anmälan är skickad till Öresundskraft" }).waitFor();
    // Micro-production with a main fuse up to 63 A is approved at once (the company's rule).
    await status(page).filter({ hasText: "Status: Godkänd" }).waitFor();
    assert.equal(await total.textContent(), "5", "the server's value");

    const stored = (await apiFromPage(page, "GET", "/cases/" + c.id)).body;
    assert.equal(stored.status, "approved");
    assert.deepEqual(stored.fields["production.inverters"], [{ manufacturer: "SMA", model: "Sunny Tripower 2", power_kw: "5", phases: "3" }]);
    assert.equal(stored.fields["production.total_power_kw"], "5");
  });
});

test("the server's problem with an item shows at its field, and another job type has no production section", async () => {
  await withPage(browser, { viewport: NARROW, baseURL: server.url }, async ({ page }) => {
    await signIn(page, DEMO.anna);
    let c = await draft(page, "add_production");
    // Stored with a second inverter without its power: the server names it.
    const inverters = [{ manufacturer: "SMA", model: "A", power_kw: "4.5", phases: "1" }, { manufacturer: "SMA", model: "B", phases: "1" }];
    c = (await apiFromPage(page, "PATCH", "/cases/" + c.id, { version: c.version, fields: { "production.inverters": inverters } })).body;
    await page.goto(caseUrl(c));
    await status(page).filter({ hasText: "Status: Ej skickat" }).waitFor();
    const total = page.locator("#production-total_power_kw");
    assert.equal(await total.textContent(), "4,5");
    assert.equal(await page.getByRole("button", { name: "Lägg till", exact: true }).isVisible(), false, "not while reading");
    await page.getByRole("button", { name: "Redigera" }).click();
    await page.getByRole("button", { name: "Spara" }).click();
    await page.locator("#err-production-inverters-2-power_kw").filter({ hasText: "Fyll i Effekt." }).waitFor();
    const summary = await page.locator("#error-summary").textContent();
    assert.match(summary, /Växelriktare 2: Fyll i Effekt\./);
    assert.doesNotMatch(summary, /Växelriktare 2: Växelriktare 2/);
    const describedBy = await page.locator("#production-inverters-2-power_kw").getAttribute("aria-describedby");
    assert.match(describedBy, /err-production-inverters-2-power_kw/);

    const other = await draft(page, "add_load");
    await page.goto(caseUrl(other));
    await status(page).filter({ hasText: "Status: Ej skickat" }).waitFor();
    assert.equal(await page.locator("#section-production").isVisible(), false);
    assert.equal(await page.getByText("Total installerad effekt").isVisible(), false);
  });
});
