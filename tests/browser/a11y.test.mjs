// axe-core (WCAG 2.0/2.1 A and AA) on every page in the states a person meets them in: zero
// violations, at a desktop width and at a phone's width.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO, axeCheck, launchBrowser, openPage, startServer } from "./support.mjs";

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** axeCheck (support.mjs), and a note of the state checked. */
async function check(page, state, checked) {
  checked.push(state);
  await axeCheck(page, state);
}

const VIEWPORTS = [
  ["desktop (1280x800)", { width: 1280, height: 800 }],
  ["narrow phone (320x700), no sideways scrolling either", { width: 320, height: 700 }],
];

for (const [name, viewport] of VIEWPORTS) {
  test(`no axe violations in any state, ${name}`, async () => {
    // A server of its own, so that Mina ärenden starts empty.
    const server = await startServer();
    const app = await openPage(browser, { viewport, baseURL: server.url });
    const { page } = app;
    const checked = [];
    try {
      // Sign-in page.
      await page.goto("/logga-in/");
      await page.getByRole("button", { name: `Logga in som ${DEMO.anna}` }).waitFor();
      await check(page, "sign-in page", checked);

      // Mina ärenden, empty.
      await page.getByRole("button", { name: `Logga in som ${DEMO.anna}` }).click();
      await page.waitForURL((u) => u.pathname === "/");
      await page.locator("#cases-status").filter({ hasText: "Du har inga ärenden" }).waitFor();
      await check(page, "Mina ärenden, empty", checked);

      // Ny anmälan: submitted empty (error summary), then with every choice made.
      await page.getByRole("main").getByRole("link", { name: "Ny anmälan" }).click();
      await page.waitForLoadState("load"); // the new page's script has run (it is async)
      await page.getByLabel("Nätbolag").waitFor();
      await check(page, "Ny anmälan, nothing chosen", checked);
      await page.getByRole("button", { name: "Skapa anmälan" }).click();
      await page.locator("#error-summary").waitFor();
      await check(page, "Ny anmälan, error summary", checked);
      await page.getByLabel("Nätbolag").selectOption({ label: "Öresundskraft" });
      await page.getByLabel("Installationstyp").selectOption({ label: "Servisändring" });
      await page.getByLabel("Jobbtyp").selectOption({ label: "Flytt av servis" });
      await page.getByLabel("Nätområde").selectOption({ label: "Ängelholm" });
      await check(page, "Ny anmälan, with selections", checked);

      // The case page: a new draft in view mode.
      await page.getByRole("button", { name: "Skapa anmälan" }).click();
      const status = page.locator("#case-status");
      await status.filter({ hasText: "Ej skickat" }).waitFor();
      await check(page, "case page, new draft, view mode", checked);
      assert.equal(await page.getByRole("button", { name: "Skriv ut / PDF" }).count(), 0, "not on a draft");

      // Hämta anl-data: the dialog, an unknown number, then a found installation.
      await page.getByRole("button", { name: "Hämta anl-data" }).click();
      const dialog = page.getByRole("dialog", { name: "Hämta anl-data" });
      await dialog.waitFor();
      await check(page, "lookup dialog open", checked);
      await dialog.getByLabel("Mätarnummer").fill("39999999");
      await dialog.getByRole("button", { name: "Hämta data" }).click();
      await dialog.getByRole("alert").waitFor();
      await check(page, "lookup dialog, installation not found", checked);
      await dialog.getByLabel("Mätarnummer").fill(DEMO.meter);
      await dialog.getByRole("button", { name: "Hämta data" }).click();
      await dialog.locator(".found").waitFor();
      await check(page, "lookup dialog, installation found", checked);
      await dialog.getByRole("button", { name: "Uppdatera och Stäng" }).click();
      await dialog.waitFor({ state: "hidden" });
      await page.locator("#case-message").filter({ hasText: "Anläggningsdata är hämtad" }).waitFor();
      await check(page, "case page, after the lookup, view mode", checked);

      // Redigera, Spara with fields missing: error summary and inline messages.
      await page.getByRole("button", { name: "Redigera" }).click();
      await check(page, "case page, edit mode", checked);
      await page.getByRole("button", { name: "Kopiera från ägare" }).click();
      await page.getByRole("button", { name: "Spara" }).click();
      await page.locator("#error-summary").waitFor();
      await page.locator("#case-message").filter({ hasText: "kan inte skickas" }).waitFor();
      await check(page, "case page, edit mode, error summary shown", checked);

      // Fill in the rest and Spara: the confirmation dialog.
      const group = (name) => page.getByRole("group", { name, exact: true });
      await page.getByLabel("Önskad mätarplacering").selectOption({ label: "Fasad" });
      await group("Fastighetsägare").getByLabel("Person-/organisationsnummer").fill("19121212-1212");
      await group("Betalningsansvarig").getByLabel("Person-/organisationsnummer").fill("19121212-1212");
      await page.getByLabel("Beskrivning av arbetet").fill("Servisen flyttas.");
      await page.getByLabel("Planerat startdatum").fill("2026-12-07");
      await page.getByRole("button", { name: "Spara" }).click();
      const confirm = page.getByRole("dialog", { name: "Skicka anmälan?" });
      await confirm.waitFor().catch(async (e) => {
        // Say why the confirmation did not come: what the page lists as wrong.
        const errors = await page.locator("#error-summary").textContent();
        throw new Error(`${e.message}\nerror summary: ${errors}\nmessage: ${await page.locator("#case-message").textContent()}`);
      });
      await check(page, "confirmation dialog open", checked);
      await confirm.getByRole("button", { name: "Avbryt" }).click();
      await page.locator("#case-message").filter({ hasText: "Nätbolaget kan inte se den" }).waitFor();
      await check(page, "case page, saved but not sent", checked);

      // OK: sent, read-only.
      await page.getByRole("button", { name: "Spara" }).click();
      await confirm.waitFor();
      await confirm.getByRole("button", { name: "OK" }).click();
      await status.filter({ hasText: "För godkännande" }).waitFor();
      // "Skriv ut / PDF" on a sent case: it saves the case's PDF (case-print.js).
      const pdf = page.getByRole("button", { name: "Skriv ut / PDF" });
      await pdf.waitFor();
      await check(page, "sent case, read-only", checked);
      const download = page.waitForEvent("download");
      await pdf.click();
      assert.match((await download).suggestedFilename(), /^ÖK-\d{4}-\d{5}\.pdf$/);
      await page.locator("#case-message").filter({ hasText: "PDF:en är nedladdad" }).waitFor();
      // On paper (the print stylesheet): the notice, without the menu and the controls.
      await page.emulateMedia({ media: "print" });
      assert.equal(await page.getByRole("navigation", { name: "Huvudmeny" }).isVisible(), false, "no menu on paper");
      assert.equal(await pdf.isVisible(), false, "no buttons on paper");
      assert.equal(await page.locator("#case-number").isVisible(), true);
      assert.equal(await page.getByLabel("Beskrivning av arbetet").isVisible(), true);
      await page.emulateMedia({ media: "screen" });

      // Mina ärenden with the case.
      await page.getByRole("navigation", { name: "Huvudmeny" }).getByRole("link", { name: "Mina ärenden" }).click();
      await page.waitForLoadState("load"); // the new page's script has run (it is async)
      await page.locator("#cases tbody tr").first().waitFor();
      await check(page, "Mina ärenden, with a case", checked);

      // Another firm's case: the error, not the data.
      const caseUrl = await page.locator("#cases tbody a").first().getAttribute("href");
      await page.evaluate(() => sessionStorage.clear());
      await page.goto("/logga-in/");
      await page.getByRole("button", { name: `Logga in som ${DEMO.bertil}` }).click();
      await page.waitForURL((u) => u.pathname === "/");
      await page.goto(caseUrl);
      await status.filter({ hasText: "Anmälan finns inte" }).waitFor();
      await check(page, "case page, not yours", checked);

      // The network company: Inkorg, the sent case with its decisions and a decision dialog,
      // Uppslag.
      await page.evaluate(() => sessionStorage.clear());
      await page.goto("/logga-in/");
      await page.getByRole("button", { name: `Logga in som ${DEMO.karin}` }).click();
      await page.waitForURL((u) => u.pathname === "/inkorg/");
      await page.locator("#cases tbody tr").first().waitFor();
      await check(page, "Inkorg, with a case", checked);
      await page.locator("#cases tbody a").first().click();
      await status.filter({ hasText: "För godkännande" }).waitFor();
      await check(page, "case page, network company, decisions", checked);
      await page.getByRole("button", { name: "Ej godkänd" }).click();
      const decision = page.getByRole("dialog", { name: "Ej godkänd?" });
      await decision.getByRole("button", { name: "OK" }).click();
      await decision.locator(".error").filter({ hasText: "Skriv" }).waitFor();
      await check(page, "decision dialog, message missing", checked);
      await decision.getByRole("button", { name: "Avbryt" }).click();
      await page.getByRole("navigation", { name: "Huvudmeny" }).getByRole("link", { name: "Uppslag" }).click();
      await page.waitForLoadState("load"); // the new page's script has run (it is async)
      await page.locator("#audit tbody tr").first().waitFor();
      await check(page, "Uppslag, with lookups", checked);
      app.assertClean();
    } finally {
      console.log(`# ${name}: checked ${checked.length} states: ${checked.join("; ")}`);
      await app.context.close();
      await server.stop();
    }
  });
}
