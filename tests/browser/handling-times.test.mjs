// Handläggningstider (issue 24, part 4) at 320 px with axe: the network company's page from its
// menu, with a row for a case decided this month and "Ladda ner CSV"; the case page's "Tid per
// status" for both sides; and the queue an installer's sent case waits in.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, apiFromPage, assertNoHorizontalScroll, axeCheck, serverAndBrowser, signIn, withPage } from "./support.mjs";
import { NARROW, caseUrl, fileCase } from "./workspace.mjs";

const running = serverAndBrowser();

test("Handläggningstider: the company's page and CSV, the time per status, the installer's queue", async () => {
  // Anna sends two Servisändringar; Karin approves the first.
  const [decided, waiting] = await withPage(running.browser, { viewport: NARROW, baseURL: running.server.url }, async ({ page }) => {
    await signIn(page, DEMO.anna);
    return [await fileCase(page, 1), await fileCase(page, 2)];
  });
  await withPage(running.browser, { viewport: NARROW, baseURL: running.server.url }, async ({ page }) => {
    await signIn(page, DEMO.karin);
    const r = await apiFromPage(page, "POST", `/cases/${decided.id}/decision`, { version: decided.version, decision: "approve" });
    assert.equal(r.status, 200, JSON.stringify(r.body));

    await page.getByRole("navigation", { name: "Huvudmeny" }).getByRole("link", { name: "Handläggningstider" }).click();
    await page.getByRole("heading", { name: "Handläggningstider", level: 1 }).waitFor();
    const rows = page.locator("#times tbody tr");
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    // The cells; at 320 px each is a line of a card, named by its column (data-label).
    const cells = await rows.first().locator("td").evaluateAll((tds) => tds.map((td) => [td.dataset.label, td.textContent]));
    assert.deepEqual(cells.slice(1), [
      ["Installationstyp", "Servisändring"],
      ["Nätområde", "Helsingborg"],
      ["Skickad till beslut", "1 st · median under en minut · 90 %: under en minut"],
      ["Färdiganmälan till avslut", "–"],
    ]);
    assert.match(cells[0][1], /^\d{4}-\d{2}$/);
    await axeCheck(page, "Handläggningstider at 320 px");
    await assertNoHorizontalScroll(page);

    // "Ladda ner CSV": a file with `;` between cells and the row in it.
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Ladda ner CSV" }).click();
    const file = await download;
    assert.match(file.suggestedFilename(), /^handlaggningstider-\d{4}-\d{2}-\d{4}-\d{2}\.csv$/);
    const text = await (await file.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString("utf8"));
    assert.match(text, /^\uFEFFMånad;Installationstyp;Nätområde;/);
    assert.match(text, /\r\n\d{4}-\d{2};Servisändring;Helsingborg;1;0,0;0,0;0;;\r\n$/);

    // The case shows Karin how long it waited in each status.
    await page.goto(caseUrl(decided));
    await page.locator("#status-times").filter({ hasText: /^Tid per status. Ej skickat: .*, För godkännande: .*, Godkänd: / }).waitFor();
  });

  // Anna's waiting case: the time per status and the queue it is in (one decision, one waiting).
  await withPage(running.browser, { viewport: NARROW, baseURL: running.server.url }, async ({ page }) => {
    await signIn(page, DEMO.anna);
    await page.goto(caseUrl(waiting));
    await page.locator("#status-times").filter({ hasText: /^Tid per status. Ej skickat: .*, För godkännande: under en minut$/ }).waitFor();
    await page.locator("#queue").filter({
      hasText: "Nätbolagets beslut de senaste 90 dagarna: hälften under en minut, 9 av 10 under en minut. 1 anmälan väntar på beslut.",
    }).waitFor();
    await axeCheck(page, "a sent case with its queue at 320 px");
    // The installer has no Handläggningstider: the page sends her home.
    await page.goto("/handlaggningstider/");
    await page.waitForURL((u) => u.pathname === "/");
  });
});
