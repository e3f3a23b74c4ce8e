// The network company's workspace in the browser (issue 8), beyond the life of one case
// (life-390.test.mjs, life-320.test.mjs): two case handlers deciding the same case at once, an
// installer who withdrew meanwhile, an automatic approval, lists that page ("Visa fler"),
// "Uppslag" and its CSV, who sees which pages, and Hämta anl-data's changes at 320 px.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import {
  DEMO,
  PHONE,
  apiFromPage,
  assertNoHorizontalScroll,
  axeCheck,
  launchBrowser,
  openPage,
  screenshot,
  signIn,
  startServer,
  withPage,
} from "./support.mjs";
import { NARROW, NUMBER, caseUrl, fileCase, listSays, openCase, rowsOf, status, timeline, waitForFinal } from "./workspace.mjs";

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

// --- Two case handlers at once ----------------------------------------------------------------------

describe("two case handlers, and an installer who withdrew meanwhile", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("Karin and Olle decide the same case at once: one wins, the other sees why and the case as it is", async () => {
    const anna = await withPage(browser, { viewport: PHONE, baseURL: server.url }, async ({ page }) => {
      await signIn(page, DEMO.anna);
      return fileCase(page, 5);
    });
    const open = async (name) => {
      const app = await openPage(browser, { viewport: PHONE, baseURL: server.url });
      await signIn(app.page, name);
      await openCase(app.page, anna, "För godkännande");
      return app;
    };
    const [karin, olle] = [await open(DEMO.karin), await open(DEMO.olle)];
    try {
      // Both have the dialog open; both press OK at the same moment.
      await karin.page.getByRole("button", { name: "Godkänn" }).click();
      await olle.page.getByRole("button", { name: "Ej godkänd" }).click();
      const karinDialog = karin.page.getByRole("dialog", { name: "Godkänn anmälan?" });
      const olleDialog = olle.page.getByRole("dialog", { name: "Ej godkänd?" });
      await olleDialog.getByRole("textbox").fill("Fel nätområde.");
      await Promise.all([
        karinDialog.getByRole("button", { name: "OK" }).click(),
        olleDialog.getByRole("button", { name: "OK" }).click(),
      ]);
      // Each ends with the dialog closed and the case as the server has it.
      const stored = await waitForFinal(karin.page, anna.id);
      const expected = stored.status === "approved" ? "Godkänd" : "Ej godkänd";
      for (const { page } of [karin, olle]) await status(page).filter({ hasText: "Status: " + expected }).waitFor();
      const [winner, loser] = stored.status === "approved" ? [karin, olle] : [olle, karin];
      assert.equal(await winner.page.locator("#error-summary").isVisible(), false, "the winner sees no error");
      const summary = loser.page.locator("#error-summary");
      await summary.waitFor();
      const said = await summary.textContent();
      assert.match(said, /Något gick fel/);
      assert.match(said, /Ladda om|ändrad|någon annan|status/i, `the server's message: ${said}`);
      assert.equal(await loser.page.locator("#decisions").isVisible(), false, "no decisions on a decided case");
      const decided = stored.history.filter((h) => ["approve", "reject"].includes(h.action));
      assert.equal(decided.length, 1, "exactly one decision was stored");
      await axeCheck(loser.page, "the handler who came second");
      await screenshot(loser.page, "second-handler-390", { fullPage: false });
      karin.assertClean();
      olle.assertClean();
    } finally {
      await karin.context.close();
      await olle.context.close();
    }
  });

  test("the installer withdraws while Karin has the case open: Karin sees the server's message and Makulerad", async () => {
    await withPage(browser, { viewport: PHONE, baseURL: server.url }, async ({ page: annaPage }) => {
      await signIn(annaPage, DEMO.anna);
      const c = await fileCase(annaPage, 6);
      await withPage(browser, { viewport: PHONE, baseURL: server.url }, async ({ page }) => {
        await signIn(page, DEMO.karin);
        const read = page.waitForResponse((r) => r.url().endsWith(`/cases/${c.id}/read`));
        await openCase(page, c, "För godkännande");
        await read;
        // Meanwhile Anna withdraws it.
        const now = (await apiFromPage(annaPage, "GET", `/cases/${c.id}`)).body;
        const withdrawn = await apiFromPage(annaPage, "POST", `/cases/${c.id}/withdraw`, { version: now.version });
        assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
        await page.getByRole("button", { name: "Åter för komplettering" }).click();
        const dialog = page.getByRole("dialog", { name: "Åter för komplettering?" });
        await dialog.getByRole("textbox").fill("Komplettera med mätarställning.");
        const answer = page.waitForResponse((r) => r.url().endsWith("/decision"));
        await dialog.getByRole("button", { name: "OK" }).click();
        const response = await answer;
        assert.equal(response.status(), 409);
        const { error } = await response.json();
        assert.ok(["version_conflict", "invalid_status"].includes(error.code), error.code);
        await status(page).filter({ hasText: "Status: Makulerad" }).waitFor();
        const summary = page.locator("#error-summary");
        await summary.waitFor();
        assert.ok((await summary.textContent()).includes(error.message), "the server's own words");
        await axeCheck(page, "a decision on a withdrawn case");
      });
    });
  });

  test("a case approved by the network company's own rule says so in Händelser", async () => {
    await withPage(browser, { viewport: PHONE, baseURL: server.url }, async ({ page }) => {
      await signIn(page, DEMO.anna);
      const c = await fileCase(page, 7, { type: "fuse_change", job: "increase_main_fuse", fields: { "work.requested_main_fuse": "25" } });
      assert.equal(c.status, "approved", "Säkringsändring to 25 A is approved at once");
      await openCase(page, c, "Godkänd");
      const last = (await timeline(page)).at(-1);
      assert.match(last, /^Godkänd .* · Automatiskt /);
      assert.match(last, /Säkringsändring till högst 25 A/);
      await page.getByRole("form", { name: "Färdiganmälan" }).waitFor();
    });
  });
});

// --- Lists that page, Uppslag and its CSV ----------------------------------------------------------

describe("lists page with Visa fler; Uppslag", () => {
  let server;
  let filed = [];
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("Mina ärenden and the Inkorg load the next page with Visa fler", async () => {
    await withPage(browser, { viewport: NARROW, baseURL: server.url }, async ({ page }) => {
      await signIn(page, DEMO.anna);
      for (const n of [1, 2, 3]) filed.push(await fileCase(page, n));
      // A lookup that finds nothing, for Uppslag.
      const draft = (await apiFromPage(page, "POST", "/cases", { company: "oresundskraft", installation_type: "service_change", job_type: "move_service", network_area: "angelholm" })).body;
      const miss = await apiFromPage(page, "POST", `/cases/${draft.id}/lookup`, { version: draft.version, meter_number: "39999999" });
      assert.equal(miss.status, 404);
      await page.goto("/?limit=3");
      await listSays(page, /^3 ärenden visas/);
      const more = page.getByRole("button", { name: "Visa fler" });
      await more.waitFor();
      await axeCheck(page, "Mina ärenden, with Visa fler");
      await more.click();
      await listSays(page, /^4 ärenden,/);
      assert.equal(await more.isVisible(), false, "no more to show");
      assert.deepEqual((await rowsOf(page)).map((r) => r[1]), [draft, ...[...filed].reverse()].map((c) => c.number));
      // Focus moves to the first new case.
      assert.equal(await page.evaluate(() => document.activeElement.closest("tr")?.rowIndex), 4);
      await assertNoHorizontalScroll(page);
    });
    await withPage(browser, { viewport: NARROW, baseURL: server.url }, async ({ page }) => {
      await signIn(page, DEMO.karin);
      await page.goto("/inkorg/?limit=2");
      await listSays(page, /^2 ärenden visas/);
      await page.getByRole("button", { name: "Visa fler" }).click();
      await listSays(page, /^3 ärenden,/);
      assert.deepEqual((await rowsOf(page)).map((r) => r[1]), filed.map((c) => c.number));
      await axeCheck(page, "Inkorg after Visa fler at 320 px");
    });
  });

  test("Uppslag: the lookups as a table, Visa fler, and the period as a CSV file", async () => {
    for (const viewport of [PHONE, NARROW]) {
      await withPage(browser, { viewport, baseURL: server.url }, async ({ page }) => {
        await signIn(page, DEMO.karin);
        await page.getByRole("navigation", { name: "Huvudmeny" }).getByRole("link", { name: "Uppslag" }).click();
        await page.waitForLoadState("load"); // the new page's script has run (it is async)
        await page.getByRole("heading", { name: "Uppslag", level: 1 }).waitFor();
        // Four lookups: three that filed the cases, one that found nothing.
        await listSays(page, /^4 uppslag/, "#audit-status");
        const rows = await rowsOf(page, "#audit");
        assert.equal(rows.length, 4);
        for (const r of rows) {
          assert.equal(r[1], "anna");
          assert.match(r[3], NUMBER);
          assert.equal(r[4], "Mätarnummer");
        }
        assert.deepEqual(rows.map((r) => r[5]).sort(), ["Ja", "Ja", "Ja", "Nej"]);
        await axeCheck(page, `Uppslag at ${viewport.width} px`);
        if (viewport === PHONE) await screenshot(page, "uppslag-390");

        // The CSV of the period, fetched with the token and saved as a file.
        const download = page.waitForEvent("download");
        await page.getByRole("button", { name: "Ladda ner CSV" }).click();
        const file = await download;
        assert.match(file.suggestedFilename(), /^uppslag-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
        const csv = readFileSync(await file.path(), "utf8");
        const lines = csv.trim().split(/\r?\n/);
        assert.equal(lines.length, 5, csv);
        assert.match(lines[0], /ärende/i);
        assert.ok(lines.some((l) => l.includes(filed[0].number)));

        // Page by page.
        await page.goto("/uppslag/?limit=3");
        await listSays(page, /^3 uppslag visas/, "#audit-status");
        await page.getByRole("button", { name: "Visa fler" }).click();
        await listSays(page, /^4 uppslag under/, "#audit-status");
        // A period without lookups.
        await page.getByLabel("Från och med").fill("2020-01-01");
        await page.getByLabel("Till och med").fill("2020-01-31");
        await page.getByRole("button", { name: "Visa", exact: true }).click();
        await listSays(page, "Inga uppslag under perioden.", "#audit-status");
        assert.equal(await page.locator("#audit").isVisible(), false);
      });
    }
  });

  test("an installer has no Inkorg or Uppslag, a network company no Mina ärenden or Ny anmälan", async () => {
    await withPage(browser, { viewport: PHONE, baseURL: server.url }, async ({ page }) => {
      await signIn(page, DEMO.anna);
      for (const p of ["/inkorg/", "/uppslag/"]) {
        await page.goto(p);
        await page.waitForURL((u) => u.pathname === "/");
      }
    });
    await withPage(browser, { viewport: PHONE, baseURL: server.url }, async ({ page }) => {
      await signIn(page, DEMO.karin);
      for (const p of ["/", "/ny/"]) {
        await page.goto(p);
        await page.waitForURL((u) => u.pathname === "/inkorg/");
      }
      await page.getByRole("heading", { name: "Inkorg", level: 1 }).waitFor();
    });
  });
});

// --- Hämta anl-data's changes, readable at 320 px ----------------------------------------------------

test("Fält som ändras at 320 px: one value a line, an EAN and an e-mail address whole", async () => {
  const server = await startServer();
  try {
    await withPage(browser, { viewport: NARROW, baseURL: server.url }, async ({ page }) => {
      await signIn(page, DEMO.anna);
      const c = (await apiFromPage(page, "POST", "/cases", { company: "oresundskraft", installation_type: "service_change", job_type: "move_service", network_area: "angelholm" })).body;
      await page.goto(caseUrl(c));
      await status(page).filter({ hasText: "Ej skickat" }).waitFor();
      await page.getByRole("button", { name: "Hämta anl-data" }).click();
      const dialog = page.getByRole("dialog", { name: "Hämta anl-data" });
      await dialog.getByLabel("Mätarnummer").fill(DEMO.meter);
      await dialog.getByRole("button", { name: "Hämta data" }).click();
      const table = dialog.getByRole("table", { name: "Fält som ändras" });
      await table.waitFor();
      // The header row is hidden on a phone; each value says what it is.
      assert.equal(await table.locator("thead").evaluate((e) => e.getBoundingClientRect().height <= 1), true, "the header row is hidden");
      const lines = await table.locator("tbody tr").evaluateAll((rows) =>
        rows.map((r) => {
          const lineCount = (cell) => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            return new Set(Array.from(range.getClientRects(), (rect) => Math.round(rect.top))).size;
          };
          return { field: r.cells[0].textContent, after: r.cells[2].textContent, label: getComputedStyle(r.cells[2], "::before").content, lines: lineCount(r.cells[2]) };
        }),
      );
      const ean = lines.find((l) => l.field === "Anläggning: Anläggnings-ID (EAN)");
      assert.equal(ean.after, DEMO.ean);
      assert.equal(ean.lines, 1, "the EAN on one line");
      assert.equal(ean.label, '"Efter: "');
      const email = lines.find((l) => l.field === "Fastighetsägare: E-post");
      assert.ok(email, JSON.stringify(lines.map((l) => l.field)));
      assert.equal(email.lines, 1, `the e-mail address ${email.after} on one line`);
      await axeCheck(page, "lookup dialog, changes at 320 px");
      await screenshot(page, "lookup-changes-320", { fullPage: false });
    });
  } finally {
    await server.stop();
  }
});

// --- Kunduppgifter: a data subject's cases found, exported and erased (issue 11) ---------------------

test("Kunduppgifter: Karin finds a person's cases, downloads the registerutdrag and erases the person from the case that is over", async () => {
  const server = await startServer();
  try {
    const filed = await withPage(browser, { viewport: PHONE, baseURL: server.url }, async ({ page }) => {
      await signIn(page, DEMO.anna);
      return [await fileCase(page, 1), await fileCase(page, 2)];
    });
    await withPage(browser, { viewport: NARROW, baseURL: server.url }, async ({ page }) => {
      await signIn(page, DEMO.karin);
      const [open, over] = filed;
      const rejected = await apiFromPage(page, "POST", `/cases/${over.id}/decision`, { version: over.version, decision: "reject", message: "Fel adress." });
      assert.equal(rejected.status, 200);
      await page.getByRole("navigation", { name: "Huvudmeny" }).getByRole("link", { name: "Kunduppgifter" }).click();
      await page.waitForLoadState("load"); // the new page's script has run (it is async)
      await page.getByRole("heading", { name: "Kunduppgifter", level: 1 }).waitFor();
      const number = page.getByLabel("Person- eller organisationsnummer");
      assert.equal(await number.getAttribute("name"), null, "no name: the form never puts the number in an address");

      // Not a number (its check digit is wrong): said at the field.
      await number.fill("19121212-1213");
      await page.getByRole("button", { name: "Sök" }).click();
      await page.locator("#identity-number-error").getByText(/Kontrollsiffran stämmer inte/).waitFor();
      assert.equal(await number.getAttribute("aria-invalid"), "true");

      await number.fill("19121212-1212");
      await page.getByRole("button", { name: "Sök" }).click();
      await listSays(page, "2 ärenden innehåller numret.", "#subject-status");
      const rows = await rowsOf(page, "#subject-cases");
      assert.deepEqual(rows.map((r) => r[0]).sort(), [open.number, over.number].sort());
      for (const r of rows) assert.equal(r[2], "Fastighetsägare, Betalningsansvarig");
      assert.deepEqual(rows.map((r) => r[3]).sort(), ["Ja", "Nej, ärendet pågår"]);
      await axeCheck(page, "Kunduppgifter at 320 px");
      await assertNoHorizontalScroll(page);
      await screenshot(page, "kunduppgifter-320");

      // The registerutdrag: both cases as a JSON file.
      const download = page.waitForEvent("download");
      await page.getByRole("button", { name: "Ladda ner registerutdrag" }).click();
      const file = await download;
      assert.match(file.suggestedFilename(), /^registerutdrag-\d{4}-\d{2}-\d{2}\.json$/);
      const saved = JSON.parse(readFileSync(await file.path(), "utf8"));
      assert.deepEqual(saved.cases.map((c) => c.number).sort(), [open.number, over.number].sort());

      // Erased from the case that is over, after a confirmation; the open case keeps it.
      page.once("dialog", (dialog) => dialog.accept());
      await page.getByRole("button", { name: "Radera ur avslutade ärenden" }).click();
      await listSays(page, new RegExp("^Raderat ur " + over.number), "#subject-status");
      assert.deepEqual((await rowsOf(page, "#subject-cases")).map((r) => r[0]), [open.number]);
    });
  } finally {
    await server.stop();
  }
});
