// "Formulär" (issue 21): Öresundskraft's admin uploads a new version of the company's form file
// with a typo and is shown the problem at its line, fixes it, previews the draft (a case page that
// sends nothing), publishes it after a confirmation that names the changes, and an installer's
// next "Ny anmälan" has the new field, from the same running `handler serve`. A case handler
// who is not an admin gets no Formulär.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, apiFromPage, assertNoHorizontalScroll, axeCheck, openPage, screenshot, serverAndBrowser, signIn, withPage } from "./support.mjs";

const running = serverAndBrowser();

const WIDE = { width: 1200, height: 900 };
const LABEL = "Kontakttider på plats";
/** A new mandatory field of Servisändring, with `key` for the label's key (a typo: "lable"). */
const newField = (key) =>
  `\n[[field]]\nid = "work.contact_hours"\n${key} = "${LABEL}"\ntype = "text"\nmandatory = true\ninstallation_types = ["service_change"]\n`;

test("Formulär: a typo shown at its line, a preview that sends nothing, Publicera, and the installer's next case has the field", async () => {
  const admin = await openPage(running.browser, { viewport: WIDE, baseURL: running.server.url });
  const { page } = admin;
  try {
    await signIn(page, DEMO.admin);
    await page.getByRole("navigation", { name: "Huvudmeny" }).getByRole("link", { name: "Formulär" }).click();
    await page.waitForURL((u) => u.pathname === "/formular/");
    const file = page.getByLabel("Formulärfil (companies/oresundskraft.toml)");
    // Version 1, the shipped file, is published and fills the text area.
    await page.waitForFunction(() => document.querySelector("#toml").value.includes('name = "Öresundskraft"'));
    const versions = page.locator("#versions tbody tr");
    assert.equal(await versions.count(), 1);
    assert.match(await versions.first().innerText(), /^1\s+Publicerad\b/);
    await axeCheck(page, "Formulär");
    const shipped = await file.inputValue();

    // A typo: nothing is stored, and the problem names its line; its link selects that line.
    await file.fill(shipped + newField("lable"));
    await page.getByLabel("Anteckning").fill("Kontakttider på plats för servisändringar");
    await page.getByRole("button", { name: "Spara som utkast" }).click();
    const summary = page.locator("#error-summary");
    const problem = summary.getByRole("link", { name: /^Rad \d+, kolumn \d+: .*lable/ });
    await problem.waitFor();
    const line = Number(/^Rad (\d+)/.exec(await problem.textContent())[1]);
    const typed = (await file.inputValue()).split("\n");
    assert.equal(typed[line - 1], `lable = "${LABEL}"`, "the problem names the typo's line");
    await problem.click();
    const selected = await file.evaluate((t) => t.value.slice(t.selectionStart, t.selectionEnd));
    assert.equal(selected, `lable = "${LABEL}"`);
    assert.equal(await versions.count(), 1, "nothing is stored");
    await screenshot(page, "formular-problem", { fullPage: false });

    // Fixed: version 2, a draft, with its preview.
    await file.fill(shipped + newField("label"));
    await page.getByRole("button", { name: "Spara som utkast" }).click();
    const saved = page.locator("#upload-message");
    await saved.filter({ hasText: "Version 2 sparad som utkast" }).waitFor();
    assert.equal(await summary.isHidden(), true);
    assert.equal(await versions.count(), 2);
    assert.match(await versions.nth(1).innerText(), /^2\s+Utkast\b[\s\S]*Kontakttider på plats för servisändringar/);

    // "Förhandsgranska" opens the draft in a new tab: a banner, and the new field on Servisändring.
    const opened = page.waitForEvent("popup");
    await saved.getByRole("link", { name: /^Förhandsgranska version 2/ }).click();
    const preview = await opened;
    try {
      await preview.getByText("Förhandsgranskning av version 2 – inget skickas").waitFor();
      await preview.getByRole("link", { name: "Servisändring" }).click();
      await preview.getByRole("heading", { name: "Förhandsgranskning av version 2 – inget skickas" }).waitFor();
      await preview.getByText("Status: Ej skickat").waitFor();
      await preview.getByLabel(LABEL).waitFor({ state: "attached" });
      // Spara checks by the draft: the new mandatory field is missing.
      await preview.getByRole("button", { name: "Redigera" }).click();
      await preview.getByLabel("Gatuadress").first().fill("Storgatan 1");
      await preview.getByRole("button", { name: "Spara" }).click();
      await preview.locator("#err-work-contact_hours").waitFor();
      await preview.getByText("Anmälan är sparad men kan inte skickas").waitFor();
      await screenshot(preview, "formular-preview", { fullPage: false });
    } finally {
      await preview.close();
    }
    // The installers still get version 1.
    assert.equal((await apiFromPage(page, "GET", "/definitions")).body.published, 1);

    // "Publicera": the confirmation names what changes; then version 2 is the one in use.
    await page.getByRole("button", { name: "Publicera version 2" }).click();
    const dialog = page.getByRole("dialog", { name: "Publicera version 2?" });
    await dialog.waitFor();
    const changes = await dialog.locator("#publish-changes li").allTextContents();
    assert.ok(changes.some((c) => c.includes(LABEL)), `the changes name the new field: ${changes.join(" | ")}`);
    await axeCheck(page, "Publicera version 2?");
    await dialog.getByRole("button", { name: "Publicera", exact: true }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.locator("#forms-message").filter({ hasText: "Version 2 är publicerad." }).waitFor();
    assert.match(await versions.nth(0).innerText(), /^1\s+Tidigare publicerad\b/);
    assert.match(await versions.nth(1).innerText(), /^2\s+Publicerad\b/);
    await page.getByRole("button", { name: "Publicera version 1" }).waitFor();
    const published = page.locator("#publications tbody tr");
    assert.equal(await published.count(), 1);
    assert.match(await published.first().innerText(), /^2\s+admin_oresund\s/);
    await screenshot(page, "formular-published");
    // On a phone too: the versions and the file read whole without sideways scrolling.
    await page.setViewportSize({ width: 320, height: 640 });
    await assertNoHorizontalScroll(page);
    await screenshot(page, "formular-320");
    admin.assertClean();
  } finally {
    await admin.context.close();
  }

  // The installer's next case, without a restart: the new field, mandatory.
  await withPage(running.browser, { baseURL: running.server.url }, async ({ page }) => {
    await signIn(page, DEMO.anna);
    await page.goto("/ny/");
    await page.getByLabel("Nätbolag").selectOption({ label: "Öresundskraft" });
    await page.getByLabel("Installationstyp").selectOption({ label: "Servisändring" });
    await page.getByLabel("Jobbtyp").selectOption({ label: "Flytt av servis" });
    await page.getByLabel("Nätområde").selectOption({ label: "Helsingborg" });
    await page.getByRole("button", { name: "Skapa anmälan" }).click();
    await page.waitForURL(/\/anmalan\/oresundskraft\/service_change\/\?id=/);
    await page.getByText("Status: Ej skickat").waitFor();
    const field = page.getByLabel(new RegExp(`^${LABEL}`));
    assert.equal(await field.getAttribute("aria-required"), "true");
    const id = new URL(page.url()).searchParams.get("id");
    assert.equal((await apiFromPage(page, "GET", `/cases/${id}`)).body.definitions_version, 2);
  });
});

test("a case handler who is not an admin gets no Formulär", async () => {
  await withPage(running.browser, { baseURL: running.server.url }, async ({ page }) => {
    await signIn(page, DEMO.karin);
    assert.equal(await page.getByRole("link", { name: "Formulär" }).count(), 0, "no menu link");
    await page.goto("/formular/");
    await page.getByText("Formulär är till för nätbolagets administratörer.", { exact: false }).waitFor();
    assert.equal(await page.locator("#admin").isHidden(), true);
    assert.equal((await apiFromPage(page, "GET", "/definitions")).status, 403);
  });
});
