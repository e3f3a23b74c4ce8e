// The installer's manual, steps 1-21 (docs/design.md, section 5), walked in a real browser by the names
// a person sees (docs/design.md, section 6.4): at a phone's width, and with the keyboard only at 320 px.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  DEMO,
  PHONE,
  apiFromPage,
  assertNoHorizontalScroll,
  launchBrowser,
  openPage,
  signIn,
  startServer,
} from "./support.mjs";

let server;
let browser;
let caseUrl; // the case Anna files in the first test

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// --- Small helpers -----------------------------------------------------------------------------

const RED = "rgb(177, 14, 30)"; // #b10e1e, the colour of "missing" and "invalid"

/** The visible texts of a select's real options (not its "Välj ..." prompt). */
const optionTexts = (select) =>
  select.locator("option").evaluateAll((options) => options.filter((o) => o.value).map((o) => o.textContent.trim()));

async function waitFor(check, what, timeout = 5_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A GSRN from its first 17 digits: GS1 mod-10 check digit (forms/src/formats.rs). */
function completeGsrn(digits17) {
  const sum = [...digits17].reverse().reduce((a, d, i) => a + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
  return digits17 + ((10 - (sum % 10)) % 10);
}
assert.equal(completeGsrn(DEMO.ean.slice(0, 17)), DEMO.ean);

/** The `.field` box around an input. */
const boxOf = (input) => input.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' field ')][1]");

/** A field of the case form, by its section (fieldset) and label. */
const field = (page, section, label) =>
  page.getByRole("group", { name: section, exact: true }).getByLabel(label);

// --- Steps 1-21 at a phone's width ----------------------------------------------------------------

describe("the installer's manual, steps 1-21, on a phone (390x844)", () => {
  test("Anna files a Servisändring at Öresundskraft", async () => {
    const app = await openPage(browser, { viewport: PHONE, baseURL: server.url });
    const { page } = app;
    try {
      // 1. Sign in.
      await signIn(page, DEMO.anna);
      await page.getByText("Du har inga ärenden ännu").waitFor();

      // 2. "Ny anmälan".
      await page.getByRole("main").getByRole("link", { name: "Ny anmälan" }).click();
      await page.waitForLoadState("load"); // the new page's script has run (it is async)
      await page.getByRole("heading", { name: "Ny anmälan", level: 1 }).waitFor();
      const forms = (await apiFromPage(page, "GET", "/forms")).body;
      const company = forms.companies.find((c) => c.name === "Öresundskraft");
      assert.ok(company, "the API knows Öresundskraft");

      // 3. Nätbolag.
      const companySelect = page.getByLabel("Nätbolag");
      const typeSelect = page.getByLabel("Installationstyp");
      const jobSelect = page.getByLabel("Jobbtyp");
      const areaSelect = page.getByRole("group", { name: "Anläggning" }).getByLabel("Nätområde");
      assert.equal(await typeSelect.isDisabled(), true, "Installationstyp waits for Nätbolag");
      await companySelect.selectOption({ label: "Öresundskraft" });

      // 4. Installationstyp: the five of the manual, as Öresundskraft offers them.
      assert.deepEqual(
        await optionTexts(typeSelect),
        company.installation_types.map((t) => t.name),
      );
      for (const name of ["Servisändring", "Säkringsändring", "Arbete i befintlig anläggning", "Tillfällig anläggning", "Utökning"]) {
        assert.ok((await optionTexts(typeSelect)).includes(name), `Installationstyp offers ${name}`);
      }
      // Job types belong to the type AND the company: Öresundskraft offers only Byggström as
      // Tillfällig anläggning, not Evenemang.
      await typeSelect.selectOption({ label: "Tillfällig anläggning" });
      assert.deepEqual(await optionTexts(jobSelect), ["Byggström"]);

      // 5. Jobbtyp of Servisändring.
      await typeSelect.selectOption({ label: "Servisändring" });
      const serviceChange = company.installation_types.find((t) => t.id === "service_change");
      assert.deepEqual(await optionTexts(jobSelect), serviceChange.job_types.map((j) => j.name));
      assert.ok(!(await optionTexts(jobSelect)).includes("Byggström"));
      await jobSelect.selectOption({ label: "Flytt av servis" });

      // 6. Nätområde under "Anläggning": only Öresundskraft's areas.
      assert.deepEqual(await optionTexts(areaSelect), company.network_areas.map((a) => a.name));
      const otherAreas = forms.companies.filter((c) => c.id !== company.id).flatMap((c) => c.network_areas.map((a) => a.name));
      for (const name of otherAreas) {
        assert.ok(!(await optionTexts(areaSelect)).includes(name), `Nätområde does not offer ${name} (another company's)`);
      }
      // The demo installation is in Ängelholm (no "wrong area" warning then).
      await areaSelect.selectOption({ label: "Ängelholm" });
      await assertNoHorizontalScroll(page);

      // 7. "Skapa anmälan" -> a draft.
      await page.getByRole("button", { name: "Skapa anmälan" }).click();
      await page.waitForURL(/\/anmalan\/oresundskraft\/service_change\/\?id=/);
      caseUrl = page.url();
      const status = page.locator("#case-status");
      await assert.doesNotReject(status.filter({ hasText: "Status: Ej skickat" }).waitFor());
      await page.getByRole("heading", { name: /Servisändring/, level: 1 }).waitFor();
      await assertNoHorizontalScroll(page);

      // 8. "Hämta anl-data" opens the dialog.
      const lookupRequests = [];
      page.on("request", (r) => {
        if (r.url().includes("/lookup")) lookupRequests.push(r.url());
      });
      await page.getByRole("button", { name: "Hämta anl-data" }).click();
      const dialog = page.getByRole("dialog", { name: "Hämta anl-data" });
      await dialog.waitFor();
      const meter = dialog.getByLabel("Mätarnummer");
      const ean = dialog.getByLabel("Anläggnings-ID (EAN)");
      const fetchButton = dialog.getByRole("button", { name: "Hämta data" });
      const lookupError = dialog.getByRole("alert");

      // 14. An unknown Mätarnummer: find the right number, empty the old ones, fetch again.
      await meter.fill("39999999");
      await fetchButton.click();
      await lookupError.filter({ hasText: "Ingen anläggning hittades" }).waitFor();
      const guidance = await lookupError.textContent();
      assert.match(guidance, /Töm/);
      assert.match(guidance, /Mätarnummer/);
      assert.match(guidance, /Anläggnings-ID \(EAN\)/);
      assert.equal(lookupRequests.length, 1);

      // An EAN with a wrong check digit is refused in the dialog, before any request.
      await meter.fill("");
      await ean.fill(DEMO.badEan);
      await fetchButton.click();
      await lookupError.filter({ hasText: "Kontrollsiffran" }).waitFor();
      assert.equal(lookupRequests.length, 1, "no lookup request for an EAN with a wrong check digit");
      await ean.fill("");

      // 9-12. The right Mätarnummer, "Skriv över fält i anmälan?" Ja (the default), "Hämta data".
      await meter.fill(DEMO.meter);
      const overwrite = dialog.getByRole("group", { name: "Skriv över fält i anmälan?" });
      assert.equal(await overwrite.getByRole("radio", { name: "Ja" }).isChecked(), true, "Ja is the default");
      assert.equal(await overwrite.getByRole("radio", { name: "Nej" }).isChecked(), false);
      await fetchButton.click();
      const found = dialog.locator(".found");
      await found.waitFor();
      assert.equal(await lookupError.isVisible(), false, "the old error is gone");
      // The short "found" sentence is what a screen reader announces; the details follow it.
      assert.match(await dialog.locator("#lookup-found[role=status]").textContent(), /^Anläggningen hittades: /);
      const foundText = await found.textContent();
      // 15. The installation and its customer are shown, so the installer can check them.
      const changes = await dialog.getByRole("table", { name: "Fält som ändras" }).locator("tr").evaluateAll((rows) =>
        rows.slice(1).map((r) => Array.from(r.cells, (c) => c.textContent.trim())),
      );
      const change = (label) => changes.find(([f]) => f === label);
      assert.deepEqual(change("Anläggning: Mätarnummer"), ["Anläggning: Mätarnummer", "–", DEMO.meter]);
      assert.deepEqual(change("Anläggning: Anläggnings-ID (EAN)"), ["Anläggning: Anläggnings-ID (EAN)", "–", DEMO.ean]);
      const ownerName = change("Fastighetsägare: Namn")?.[2];
      assert.ok(ownerName && ownerName !== "–", "the owner's name is among the changes");
      assert.ok(foundText.includes("Fastighetsägare: " + ownerName), "the found message names the customer");
      const street = change("Anläggning: Gatuadress")?.[2];
      assert.ok(street && foundText.includes(street), "the found message names the installation's address");
      assert.ok(!changes.some(([f]) => /Person-\/organisationsnummer/.test(f)), "identity numbers never come from a lookup");
      assert.equal(lookupRequests.length, 2);

      // 13. "Uppdatera och Stäng" applies it.
      await dialog.getByRole("button", { name: "Uppdatera och Stäng" }).click();
      await dialog.waitFor({ state: "hidden" });
      await page.locator("#case-message").filter({ hasText: "Anläggningsdata är hämtad" }).waitFor();
      assert.equal(await field(page, "Anläggning", "Mätarnummer").inputValue(), DEMO.meter);
      assert.equal(await field(page, "Anläggning", "Anläggnings-ID (EAN)").inputValue(), DEMO.ean);
      assert.equal(await field(page, "Fastighetsägare", "Namn").inputValue(), ownerName);
      assert.equal(await field(page, "Anläggning", "Gatuadress").inputValue(), street);
      // 17. Identity numbers are withheld: the installer asks the customer.
      assert.equal(await field(page, "Fastighetsägare", "Person-/organisationsnummer").inputValue(), "");
      assert.equal(await field(page, "Fastighetsägare", "Namn").getAttribute("readonly"), "", "view mode until Redigera");

      // 16. "Redigera": the installer changes the owner's name, and the numbers are wrong (another
      // real installation's EAN, an unknown meter, a made-up technical number).
      await page.getByRole("button", { name: "Redigera" }).click();
      const ownerNameInput = field(page, "Fastighetsägare", "Namn");
      assert.equal(await ownerNameInput.isEditable(), true);
      await ownerNameInput.fill("Eva Ändrad");
      const otherEan = completeGsrn("73599910000000002");
      await field(page, "Anläggning", "Mätarnummer").fill("12345678");
      await field(page, "Anläggning", "Anläggnings-ID (EAN)").fill(otherEan);
      await field(page, "Anläggning", "Tekniskt nummer").fill("T-GAMMALT");
      await page.getByRole("button", { name: "Hämta anl-data" }).click();
      await dialog.waitFor();
      assert.equal(await meter.inputValue(), "12345678", "the dialog starts from the case's numbers");
      assert.equal(await ean.inputValue(), otherEan);
      // 14. Clear the old Mätarnummer and EAN, enter the right number, fetch again with "Nej".
      await ean.fill("");
      await meter.fill(DEMO.meter);
      await overwrite.getByRole("radio", { name: "Nej" }).check();
      await fetchButton.click();
      await found.waitFor();
      const changes2 = await dialog.getByRole("table", { name: "Fält som ändras" }).locator("tr").evaluateAll((rows) =>
        rows.slice(1).map((r) => Array.from(r.cells, (c) => c.textContent.trim())),
      );
      // 10-11. The exception: EAN, Tekniskt nummer and Mätarnummer are overwritten even with Nej.
      assert.deepEqual(changes2, [
        ["Anläggning: Anläggnings-ID (EAN)", otherEan, DEMO.ean],
        ["Anläggning: Mätarnummer", "12345678", DEMO.meter],
        ["Anläggning: Tekniskt nummer", "T-GAMMALT", changes2[2]?.[2]],
      ], "with Nej only the three numbers change, in the order of the form");
      assert.notEqual(changes2[2][2], "T-GAMMALT");
      await dialog.getByRole("button", { name: "Uppdatera och Stäng" }).click();
      await dialog.waitFor({ state: "hidden" });
      await waitFor(async () => (await field(page, "Anläggning", "Mätarnummer").inputValue()) === DEMO.meter, "Mätarnummer overwritten");
      assert.equal(await field(page, "Anläggning", "Anläggnings-ID (EAN)").inputValue(), DEMO.ean);
      assert.equal(await field(page, "Anläggning", "Tekniskt nummer").inputValue(), changes2[2][2]);
      assert.equal(await ownerNameInput.inputValue(), "Eva Ändrad", "Nej keeps what the installer wrote");

      // 18. "Kopiera från ägare".
      await page.getByRole("button", { name: "Kopiera från ägare" }).click();
      assert.equal(await field(page, "Betalningsansvarig", "Namn").inputValue(), "Eva Ändrad");
      assert.equal(await field(page, "Betalningsansvarig", "Gatuadress").inputValue(), await field(page, "Fastighetsägare", "Gatuadress").inputValue());
      assert.equal(await field(page, "Betalningsansvarig", "Ort").inputValue(), await field(page, "Fastighetsägare", "Ort").inputValue());
      await page.locator("#case-message").filter({ hasText: "kopierade till betalningsansvarig" }).waitFor();

      // 19. Mandatory fields still empty are red and say "(obligatoriskt)".
      const placement = page.getByLabel("Önskad mätarplacering");
      const placementBox = boxOf(placement);
      assert.equal(await placementBox.evaluate((e) => e.classList.contains("missing")), true, "Önskad mätarplacering is marked missing");
      assert.equal(await placement.evaluate((e) => getComputedStyle(e).borderTopColor), RED, "its border is red");
      assert.equal(await placementBox.evaluate((e) => getComputedStyle(e).borderLeftColor), RED, "with a red bar");
      assert.match(await placementBox.locator("label").textContent(), /\(obligatoriskt\)/);
      const ownerId = field(page, "Fastighetsägare", "Person-/organisationsnummer");
      assert.equal(await boxOf(ownerId).evaluate((e) => e.classList.contains("missing")), true);
      // A filled mandatory field is not red.
      const nameBox = boxOf(ownerNameInput);
      assert.equal(await nameBox.evaluate((e) => e.classList.contains("missing")), false);
      assert.notEqual(await ownerNameInput.evaluate((e) => getComputedStyle(e).borderTopColor), RED);
      assert.match(await nameBox.locator("label").textContent(), /\(obligatoriskt\)/);

      // 20. "Spara" with fields missing: the summary at the top lists them, linked to the fields.
      await page.getByRole("button", { name: "Spara" }).click();
      const summary = page.locator("#error-summary");
      await summary.waitFor();
      // Announced once, by focus (GOV.UK's error summary), under its heading: no live region too.
      assert.equal(await summary.getAttribute("role"), null);
      assert.equal(await summary.getAttribute("aria-labelledby"), "error-summary-title");
      await waitFor(() => summary.evaluate((e) => e === document.activeElement), "focus on the error summary");
      const links = summary.getByRole("link");
      const linkTexts = await links.allTextContents();
      for (const expected of [
        "Anläggning: Fyll i Önskad mätarplacering.",
        "Fastighetsägare: Fyll i Person-/organisationsnummer.",
        "Betalningsansvarig: Fyll i Person-/organisationsnummer.",
        "Arbete och övrigt: Fyll i Beskrivning av arbetet.",
        "Arbete och övrigt: Fyll i Planerat startdatum.",
      ]) {
        assert.ok(linkTexts.includes(expected), `the summary lists "${expected}": ${JSON.stringify(linkTexts)}`);
      }
      assert.equal(new Set(linkTexts).size, linkTexts.length, "each link says which field it leads to");
      await page.locator("#case-message").filter({ hasText: "Anmälan är sparad men kan inte skickas" }).waitFor();
      // Every listed field has its own message, and the link moves focus to it.
      const targets = await links.evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      for (const href of targets) {
        const message = page.locator("#err-" + href.slice(1));
        assert.equal(await message.isVisible(), true, `${href} has an inline message`);
        assert.match(await message.textContent(), /^Fel: /);
        assert.ok((await page.locator(href).getAttribute("aria-describedby")).includes("err-" + href.slice(1)));
      }
      await summary.getByRole("link", { name: /Önskad mätarplacering/ }).click();
      await waitFor(() => placement.evaluate((e) => e === document.activeElement), "focus on Önskad mätarplacering");
      // The field's box (label, hint, message) is scrolled into view, not just the field.
      const inView = (e) => {
        const r = e.getBoundingClientRect();
        return r.top >= -1 && r.bottom <= window.innerHeight + 1;
      };
      assert.ok(await placement.evaluate(inView), "the field is in view");
      assert.ok(await placementBox.locator("label").evaluate(inView), "its label is in view");
      assert.ok(await placementBox.locator(".error").evaluate(inView), "its message is in view");

      // Fill in the rest (17: the identity numbers the installer asked the customer for).
      await placement.selectOption({ label: "Fasad" });
      await ownerId.fill("19121212-1212");
      await field(page, "Betalningsansvarig", "Person-/organisationsnummer").fill("19121212-1212");
      const phone = field(page, "Fastighetsägare", "Telefon");
      if (!(await phone.inputValue())) await phone.fill("042-12 34 56");
      await page.getByLabel("Önskad huvudsäkring").fill("25");
      await page.getByLabel("Beskrivning av arbetet").fill("Servisen flyttas till fasaden. Ny kabel förläggs i mark.");
      const start = page.getByLabel("Planerat startdatum");
      await start.fill("2026-12-07");
      assert.equal(await page.locator(".field.missing").count(), 0, "no mandatory field is still empty");
      assert.equal(await page.locator("#err-work-planned_start").isVisible(), false, "a corrected field's message goes away");

      // 20-21. "Spara" -> confirmation; "Avbryt" keeps the draft, which the company cannot see.
      // Straight from the last field: leaving it must not move Spara away from under the click.
      assert.equal(await start.evaluate((e) => e === document.activeElement), true);
      await page.getByRole("button", { name: "Spara" }).click();
      const confirm = page.getByRole("dialog", { name: "Skicka anmälan?" });
      await confirm.waitFor();
      assert.equal(await summary.isVisible(), false, "the error summary is gone");
      await confirm.getByRole("button", { name: "Avbryt" }).click();
      await confirm.waitFor({ state: "hidden" });
      const message = page.locator("#case-message");
      await message.filter({ hasText: "Nätbolaget kan inte se den förrän du skickar den" }).waitFor();
      assert.equal(await message.getAttribute("role"), "status");
      assert.match(await status.textContent(), /Ej skickat/);
      const id = new URL(caseUrl).searchParams.get("id");
      const saved = (await apiFromPage(page, "GET", "/cases/" + id)).body;
      assert.equal(saved.status, "draft");
      assert.equal(saved.fields["owner.identity_number"], "19121212-1212");
      assert.deepEqual(saved.problems, []);

      // 21. "Spara" again and "OK": sent.
      await page.getByRole("button", { name: "Spara" }).click();
      await confirm.waitFor();
      await confirm.getByRole("button", { name: "OK" }).click();
      await status.filter({ hasText: "För godkännande" }).waitFor();
      await message.filter({ hasText: "Anmälan är skickad till Öresundskraft" }).waitFor();
      // Focus goes to the page's heading, not lost with the hidden Spara; the message and the
      // status below it are live regions and announce themselves.
      assert.equal(await page.locator("h1").evaluate((e) => e === document.activeElement), true, "focus on the heading");
      // Read-only from now on.
      assert.equal(await page.getByRole("button", { name: "Redigera" }).count(), 0, "no Redigera");
      assert.equal(await page.getByRole("button", { name: "Spara" }).count(), 0, "no Spara");
      assert.equal(await page.getByRole("button", { name: "Hämta anl-data" }).count(), 0, "no Hämta anl-data");
      const editable = await page.locator("#case-form").evaluate((form) =>
        Array.from(form.querySelectorAll("input, select, textarea"))
          .filter((i) => !(i.readOnly || i.disabled))
          .map((i) => i.name),
      );
      assert.deepEqual(editable, [], "every field is read-only");
      await assertNoHorizontalScroll(page);

      // "Mina ärenden": newest first, with the status. Another draft is made after the sent one.
      const other = await apiFromPage(page, "POST", "/cases", {
        company: "oresundskraft", installation_type: "fuse_change", job_type: "increase_main_fuse", network_area: "helsingborg",
      });
      assert.equal(other.status, 201);
      await page.getByRole("navigation", { name: "Huvudmeny" }).getByRole("link", { name: "Mina ärenden" }).click();
      await page.waitForLoadState("load"); // the new page's script has run (it is async)
      const rows = page.getByRole("table").locator("tbody tr");
      await rows.first().waitFor();
      const table = await rows.evaluateAll((trs) => trs.map((r) => Array.from(r.cells, (c) => c.textContent.trim())));
      assert.equal(table.length, 2);
      // Ärende, Ärendenummer, Status, Ändrad.
      assert.match(table[0][0], /^Säkringsändring – adress saknas ännu/);
      assert.equal(table[0][2], "Ej skickat");
      assert.match(table[1][0], new RegExp("^Servisändring – " + street));
      assert.match(table[1][0], /Öresundskraft$/);
      assert.equal(table[1][2], "För godkännande");
      for (const row of table) assert.match(row[1], /^ÖK-\d{4}-\d{5}$/, "each case with its number");
      await assertNoHorizontalScroll(page);
      // The link opens the case.
      await page.getByRole("link", { name: /^Servisändring / }).click();
      await page.waitForLoadState("load"); // the new page's script has run (it is async)
      await status.filter({ hasText: "För godkännande" }).waitFor();
      assert.equal(page.url(), caseUrl);
      app.assertClean();
    } finally {
      await app.context.close();
    }
  });

  test("the case is invisible to Bertil of another firm", async () => {
    assert.ok(caseUrl, "the first test made a case");
    const app = await openPage(browser, { viewport: PHONE, baseURL: server.url });
    const { page } = app;
    try {
      await signIn(page, DEMO.bertil);
      await page.getByText("Du har inga ärenden ännu").waitFor();
      assert.equal(await page.getByRole("table").isVisible(), false);
      await page.goto(caseUrl);
      const status = page.locator("#case-status");
      await status.filter({ hasText: "Anmälan finns inte" }).waitFor();
      assert.equal(await page.getByRole("button", { name: "Redigera" }).count(), 0);
      assert.equal(await page.getByRole("button", { name: "Hämta anl-data" }).count(), 0);
      assert.equal(await page.locator("#case-form").isVisible(), false, "no empty form under the message");
      const values = await page.locator("#case-form").evaluate((form) =>
        Array.from(form.querySelectorAll("input, select, textarea")).map((i) => i.value).filter(Boolean),
      );
      assert.deepEqual(values, [], "none of the case's data is on the page");
      assert.doesNotMatch(await page.locator("main").textContent(), /Eva Ändrad|19121212/);
      app.assertClean();
    } finally {
      await app.context.close();
    }
  });
});

// --- Keyboard only, at 320 px ---------------------------------------------------------------------

/** What has focus: tag, id, and accessible-ish name. */
const focused = (page) =>
  page.evaluate(() => {
    const e = document.activeElement;
    const label = e.labels && e.labels[0] ? e.labels[0].textContent.trim() : "";
    return { tag: e.tagName.toLowerCase(), id: e.id, text: (label || e.textContent || "").trim(), type: e.type || "" };
  });

/** Fails unless the focused element shows a clear focus indicator (style.css: 3px yellow). */
async function assertFocusVisible(page) {
  const style = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { outline: s.outlineStyle, width: parseFloat(s.outlineWidth), html: document.activeElement.outerHTML.slice(0, 100) };
  });
  assert.ok(style.outline !== "none" && style.width >= 2, `focus is visible on ${style.html} (outline ${style.outline} ${style.width}px)`);
}

/** Presses Tab until `match(focus)`; fails after `max` presses. Every stop must show focus. */
async function tabTo(page, match, what, max = 40) {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press("Tab");
    if ((await focused(page)).tag !== "body") await assertFocusVisible(page);
    if (match(await focused(page))) return i;
  }
  throw new Error(`Tab never reached ${what}; focus is on ${JSON.stringify(await focused(page))}`);
}

/** Arrow keys on a focused, closed select until the option `label` is chosen. */
async function arrowTo(page, label) {
  for (let i = 0; i < 30; i++) {
    const chosen = await page.evaluate(() => {
      const s = document.activeElement;
      return s.tagName === "SELECT" ? s.options[s.selectedIndex]?.textContent.trim() : null;
    });
    assert.notEqual(chosen, null, "a select has focus");
    if (chosen === label) return;
    await page.keyboard.press("ArrowDown");
  }
  throw new Error(`ArrowDown never chose ${label}`);
}

test("keyboard only at 320 px: Ny anmälan and Hämta anl-data", async () => {
  const app = await openPage(browser, { viewport: { width: 320, height: 700 }, baseURL: server.url });
  const { page } = app;
  const narrow = () => assertNoHorizontalScroll(page);
  try {
    // Sign in with the keyboard.
    await page.goto("/logga-in/");
    await page.getByRole("button", { name: `Logga in som ${DEMO.anna}` }).waitFor();
    await narrow();
    await tabTo(page, (f) => f.tag === "button" && f.text === `Logga in som ${DEMO.anna}`, "Anna's sign-in button");
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.pathname === "/");
    await page.locator("#cases-status").filter({ hasText: /ärende/ }).waitFor();
    await narrow();

    // "Ny anmälan" from the list.
    await tabTo(page, (f) => f.tag === "a" && f.text === "Ny anmälan" && f.id === "", "a Ny anmälan link");
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => u.pathname === "/ny/");
    await page.getByLabel("Nätbolag").waitFor();
    await narrow();

    // The skip link comes first and leads past the menu to the form.
    await page.keyboard.press("Tab");
    assert.equal((await focused(page)).text, "Hoppa till innehållet");
    await assertFocusVisible(page);
    assert.ok(await page.evaluate(() => document.activeElement.getBoundingClientRect().left >= 0), "the skip link shows when focused");
    await page.keyboard.press("Enter");
    // Anläggnings-ID (EAN) first (the fast path, tests/browser/fast-path.test.mjs); left empty.
    await page.keyboard.press("Tab");
    assert.equal((await focused(page)).id, "ean");
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "select", id: "company", text: "Nätbolag", type: "select-one" });
    await arrowTo(page, "Öresundskraft");
    await page.keyboard.press("Tab");
    assert.equal((await focused(page)).text, "Installationstyp", "the next select is enabled and next in order");
    await arrowTo(page, "Servisändring");
    await page.keyboard.press("Tab");
    assert.equal((await focused(page)).text, "Jobbtyp");
    await arrowTo(page, "Byte av servisledning");
    await page.keyboard.press("Tab");
    assert.equal((await focused(page)).text, "Nätområde");
    await arrowTo(page, "Ängelholm");
    await narrow();
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "button", id: "", text: "Skapa anmälan", type: "submit" });
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/anmalan\/oresundskraft\/service_change\/\?id=/);
    await page.locator("#case-status").filter({ hasText: "Ej skickat" }).waitFor();
    await narrow();

    // "Hämta anl-data" with Space; focus starts in the dialog.
    await tabTo(page, (f) => f.text === "Hämta anl-data", "Hämta anl-data");
    await page.keyboard.press("Space");
    const dialog = page.getByRole("dialog", { name: "Hämta anl-data" });
    await dialog.waitFor();
    assert.equal((await focused(page)).text, "Mätarnummer", "focus moves into the dialog");
    await narrow();
    await page.keyboard.type(DEMO.meter);
    await page.keyboard.press("Tab");
    assert.equal((await focused(page)).text, "Anläggnings-ID (EAN)");
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "input", id: "", text: "Ja", type: "radio" });
    await page.keyboard.press("ArrowRight");
    assert.equal((await focused(page)).text, "Nej");
    assert.equal(await dialog.getByRole("radio", { name: "Nej" }).isChecked(), true, "arrow keys choose Nej");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await dialog.getByRole("radio", { name: "Ja" }).isChecked(), true, "and back to Ja");
    await page.keyboard.press("Tab");
    assert.equal((await focused(page)).text, "Hämta data");
    await page.keyboard.press("Enter");
    await dialog.locator(".found").waitFor();
    await waitFor(async () => (await focused(page)).text === "Uppdatera och Stäng", "focus on Uppdatera och Stäng");
    await narrow();
    const box = await dialog.evaluate((d) => ({ scroll: d.scrollWidth, client: d.clientWidth }));
    assert.ok(box.scroll <= box.client, `the dialog does not scroll sideways at 320 px (${box.scroll} > ${box.client})`);

    // Escape closes without applying; focus returns to the button that opened it.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    assert.equal((await focused(page)).text, "Hämta anl-data", "focus returns to Hämta anl-data");
    assert.equal(await page.locator("#installation-meter_number").inputValue(), "", "Escape applied nothing");

    // Again with Enter: Enter in the number field fetches, Enter on the focused button applies.
    await page.keyboard.press("Enter");
    await dialog.waitFor();
    assert.equal((await focused(page)).text, "Mätarnummer");
    await page.keyboard.type(DEMO.meter);
    await page.keyboard.press("Enter");
    await dialog.locator(".found").waitFor();
    await waitFor(async () => (await focused(page)).text === "Uppdatera och Stäng", "focus on Uppdatera och Stäng");
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "hidden" });
    assert.equal(await page.locator("#installation-meter_number").inputValue(), DEMO.meter);
    assert.equal((await focused(page)).text, "Redigera", "focus goes on to Redigera");

    // "Redigera" puts focus in the first empty field.
    await page.keyboard.press("Enter");
    const first = await focused(page);
    assert.ok(["input", "select", "textarea"].includes(first.tag), `focus in a field, not ${JSON.stringify(first)}`);
    assert.equal(await page.evaluate(() => document.activeElement.value), "", "the first empty field");
    await narrow();

    // "Spara" with fields missing: focus goes to the error summary; its links lead to the fields.
    await tabTo(page, (f) => f.text === "Spara", "Spara", 80);
    await page.keyboard.press("Enter");
    await page.locator("#error-summary").waitFor();
    await waitFor(async () => (await focused(page)).id === "error-summary", "focus on the error summary");
    await narrow();
    await page.keyboard.press("Tab");
    const link = await focused(page);
    assert.equal(link.tag, "a", "the first stop after the summary is its first link");
    await page.keyboard.press("Enter");
    const target = await focused(page);
    assert.ok(["input", "select", "textarea"].includes(target.tag), `the link focuses a field, not ${JSON.stringify(target)}`);
    assert.ok(link.text.endsWith("Fyll i " + target.text.replace(" (obligatoriskt)", "") + "."), `${link.text} leads to ${target.text}`);

    // Mina ärenden with a case, at 320 px.
    await page.goto("/");
    await page.locator("#cases tbody tr").first().waitFor();
    await narrow();
    app.assertClean();
  } finally {
    await app.context.close();
  }
});

// --- When the sign-in runs out in the middle of editing ---------------------------------------------

test("edits not yet saved survive a sign-in that ran out", async () => {
  const app = await openPage(browser, { viewport: PHONE, baseURL: server.url });
  const { page } = app;
  try {
    await signIn(page, DEMO.anna);
    const created = await apiFromPage(page, "POST", "/cases", {
      company: "oresundskraft", installation_type: "fuse_change", job_type: "increase_main_fuse", network_area: "helsingborg",
    });
    assert.equal(created.status, 201);
    await page.goto(`/anmalan/oresundskraft/fuse_change/?id=${created.body.id}`);
    await page.getByRole("button", { name: "Redigera" }).click();
    await field(page, "Fastighetsägare", "Namn").fill("Greta Ek");

    // The token runs out; "Spara" meets a 401 and takes Anna to the sign-in.
    await page.evaluate(() => sessionStorage.setItem("token", "expired"));
    await page.getByRole("button", { name: "Spara" }).click();
    await page.waitForURL(/\/logga-in\//);
    await page.getByRole("button", { name: `Logga in som ${DEMO.anna}` }).click();

    // Back on the case, the unsaved name is there, ready to be saved.
    await page.waitForURL(/\/anmalan\/oresundskraft\/fuse_change\//);
    await page.getByText("Dina osparade ändringar är tillbaka").waitFor();
    assert.equal(await field(page, "Fastighetsägare", "Namn").inputValue(), "Greta Ek");
    assert.equal(await field(page, "Fastighetsägare", "Namn").getAttribute("readonly"), null);
    await page.getByRole("button", { name: "Spara" }).click();
    await waitFor(async () => {
      const saved = await apiFromPage(page, "GET", `/cases/${created.body.id}`);
      return saved.body.fields["owner.name"] === "Greta Ek";
    }, "the name to be saved");
    app.assertClean();
  } finally {
    await app.context.close();
  }
});

test("the sign-in only ever returns to a page of this site", async () => {
  const away = ["https://evil.example/", "//evil.example/x", "/.//evil.example/x", "/%2e//evil.example/", "javascript:alert(1)", "http://["];
  // Where the browser is sent after signing in: the navigation request itself, so that a page
  // that does not exist (a 404 is fine) is told apart from another site. A page of its own for
  // each, so that no navigation runs into the next.
  for (const next of [...away, "/ny/"]) {
    const app = await openPage(browser, { viewport: PHONE, baseURL: server.url });
    const { page } = app;
    try {
      await page.goto(`/logga-in/?next=${encodeURIComponent(next)}`);
      const sent = page.waitForRequest((r) => r.isNavigationRequest() && !r.url().includes("/logga-in/"));
      await page.getByRole("button", { name: `Logga in som ${DEMO.anna}` }).click();
      const url = new URL((await sent).url());
      assert.equal(url.origin, server.url, `${next} stays on this site`);
      if (next === "/ny/") assert.equal(url.pathname, "/ny/");
    } finally {
      await app.context.close();
    }
  }
});

test("Esc on the confirmation keeps the draft; a spaced EAN is found; Ny anmälan survives the back button", async () => {
  const app = await openPage(browser, { viewport: PHONE, baseURL: server.url });
  const { page } = app;
  try {
    await signIn(page, DEMO.anna);
    await page.goto("/ny/");
    await page.getByLabel("Nätbolag").selectOption({ label: "Öresundskraft" });
    await page.getByLabel("Installationstyp").selectOption({ label: "Säkringsändring" });
    await page.getByLabel("Jobbtyp").selectOption({ label: "Höjning av huvudsäkring" });
    await page.getByLabel("Nätområde").selectOption({ label: "Helsingborg" });
    await page.getByRole("button", { name: "Skapa anmälan" }).click();
    await page.waitForURL(/\/anmalan\/oresundskraft\/fuse_change\//);
    await page.goBack();
    await page.waitForURL(/\/ny\/$/);
    // The browser restores Nätbolag; the lists that follow it are there again.
    if ((await page.getByLabel("Nätbolag").inputValue()) === "oresundskraft") {
      assert.equal(await page.getByLabel("Installationstyp").isEnabled(), true);
      assert.equal(await page.getByLabel("Nätområde").isEnabled(), true);
    }
    await page.goForward();
    await page.getByText("Status: Ej skickat").waitFor();

    // The EAN as it is often written, in groups: found all the same.
    await page.getByRole("button", { name: "Hämta anl-data" }).click();
    const dialog = page.getByRole("dialog", { name: "Hämta anl-data" });
    const spaced = DEMO.ean.replace(/^(\d{6})(\d{3})(\d{3})/, "$1 $2 $3 ");
    await dialog.getByLabel("Anläggnings-ID (EAN)").fill(spaced);
    await dialog.getByRole("button", { name: "Hämta data" }).click();
    await dialog.getByRole("button", { name: "Uppdatera och Stäng" }).click();
    await dialog.waitFor({ state: "hidden" });
    assert.equal(await field(page, "Anläggning", "Anläggnings-ID (EAN)").inputValue(), DEMO.ean);

    // Fill in the rest, Spara, and Esc on the confirmation: not sent.
    await page.getByRole("button", { name: "Redigera" }).click();
    await field(page, "Fastighetsägare", "Person-/organisationsnummer").fill("19121212-1212");
    await page.getByRole("button", { name: "Kopiera från ägare" }).click();
    await field(page, "Arbete och övrigt", "Beskrivning av arbetet").fill("Huvudsäkringen höjs till 25 A.");
    await field(page, "Arbete och övrigt", "Önskad huvudsäkring").fill("25");
    await page.getByRole("button", { name: "Spara" }).click();
    const confirm = page.getByRole("dialog", { name: "Skicka anmälan?" });
    await confirm.waitFor();
    await page.keyboard.press("Escape");
    await confirm.waitFor({ state: "hidden" });
    await page.locator("#case-message").filter({ hasText: "sparad men inte skickad" }).waitFor();
    await page.getByText("Status: Ej skickat").waitFor();
    app.assertClean();
  } finally {
    await app.context.close();
  }
});
