// Conditional fields (visible_when) in the case page: Fiktiva Elnät Syd's "Energilagrets
// kapacitet" appears, mandatory, when "Installeras ett energilager (batteri)?" is Ja, and
// disappears with Nej, without a reload; a hidden value is kept and not checked.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, PHONE, apiFromPage, serverAndBrowser, signIn, withPage } from "./support.mjs";
import { caseUrl } from "./workspace.mjs";

const running = serverAndBrowser();

test("a conditional field appears and disappears with its choice, and keeps its value", async () => {
  await withPage(running.browser, { viewport: PHONE, baseURL: running.server.url }, async ({ page }) => {
    await signIn(page, DEMO.anna);
    const created = await apiFromPage(page, "POST", "/cases", {
      company: "fiktiva_elnat_syd",
      installation_type: "service_change",
      job_type: "move_service",
      network_area: "sjostad",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await page.goto(caseUrl(created.body));
    await page.getByRole("button", { name: "Redigera" }).click();

    const question = page.getByLabel("Installeras ett energilager (batteri)?");
    const capacity = page.getByLabel(/^Energilagrets kapacitet/);
    const capacityBox = page.locator(".field", { has: page.locator("#work-battery_kwh") });
    assert.equal(await capacity.isVisible(), false, "hidden before the question is answered");

    await question.selectOption({ label: "Ja" });
    await capacity.waitFor({ state: "visible" });
    assert.match(await capacityBox.locator("label").textContent(), /\(obligatoriskt\)/);
    assert.equal(await capacityBox.evaluate((b) => b.classList.contains("missing")), true, "mandatory and empty: marked");

    await capacity.fill("tio");
    await question.selectOption({ label: "Nej" });
    await capacity.waitFor({ state: "hidden" });

    // Saved with the answer Nej: the hidden value is not checked, and it is kept.
    await page.getByRole("button", { name: "Spara" }).click();
    // The rest of the case is empty: saved, not yet sendable, and Energilagrets kapacitet is
    // not among what must be put right.
    await page.locator("#case-message").filter({ hasText: "Anmälan är sparad" }).waitFor();
    assert.doesNotMatch(await page.locator("#error-summary").textContent(), /Energilagrets kapacitet/);
    const stored = await apiFromPage(page, "GET", "/cases/" + created.body.id);
    assert.equal(stored.body.fields["work.battery"], "no");
    assert.equal(stored.body.fields["work.battery_kwh"], "tio", "kept while hidden");
    assert.ok(!stored.body.problems.some((p) => p.field === "work.battery_kwh"), JSON.stringify(stored.body.problems));

    // Ja again: the value is back, and now it is checked.
    await question.selectOption({ label: "Ja" });
    await capacity.waitFor({ state: "visible" });
    assert.equal(await capacity.inputValue(), "tio");
    await capacity.focus();
    await capacity.blur();
    await page.locator("#err-work-battery_kwh").filter({ hasText: "Energilagrets kapacitet ska vara ett heltal." }).waitFor();
  });
});
