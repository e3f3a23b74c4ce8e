// Kundlänk (issue 23): the installer makes a link on a sent case and removes it; the customer's
// page shows the case's status and nothing personal, without sign-in. At a narrow phone's width
// (320 px), axe on every state, no sideways scrolling.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, axeCheck, serverAndBrowser, signIn, withPage } from "./support.mjs";
import { NARROW, fileCase, openCase } from "./workspace.mjs";

const running = serverAndBrowser();

test("Kundlänk: made and removed by the installer, the customer sees the status only", async () => {
  await withPage(running.browser, { viewport: NARROW, baseURL: running.server.url }, async ({ page }) => {
    await signIn(page, DEMO.anna);
    const c = await fileCase(page, 1);
    await openCase(page, c, "För godkännande");
    await page.getByRole("button", { name: "Kundlänk", exact: true }).click();
    const panel = page.locator("#kundlank-panel");
    await panel.getByText("Ingen kundlänk ännu.").waitFor();
    await panel.getByRole("button", { name: "Skapa ny länk" }).click();
    const url = panel.getByLabel("Länk till kunden");
    await panel.getByText("Länken är skapad", { exact: false }).waitFor();
    const link = await url.inputValue();
    assert.match(link, /\/kund\/#[A-Za-z0-9_-]{43}$/);
    await axeCheck(page, "case page, Kundlänk made");

    // The customer: no sign-in, in a browser of their own.
    await withPage(running.browser, { viewport: NARROW }, async ({ page: customer }) => {
      await customer.goto(link);
      const list = customer.locator("#customer");
      await list.locator("[data-key=status_label]").filter({ hasText: "För godkännande" }).waitFor();
      assert.equal(await list.locator("[data-key=number]").textContent(), c.number);
      assert.equal(await list.locator("[data-key=company]").textContent(), "Öresundskraft");
      assert.match(await list.locator("[data-key=sent_at]").textContent(), /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(await list.locator("[data-key=decided_at]").isVisible(), false, "not decided yet");
      const text = await customer.locator("body").textContent();
      for (const personal of [DEMO.meter, DEMO.ean, "19121212", c.fields["owner.name"], c.fields["installation.street_address"]]) {
        assert.ok(personal && !text.includes(personal), `${personal} on the customer's page`);
      }
      assert.equal(await customer.locator("meta[name=robots]").getAttribute("content"), "noindex");
      await axeCheck(customer, "customer's page");

      // Removed: the page says so, in Swedish.
      await panel.getByRole("button", { name: "Ta bort länken" }).click();
      await panel.getByText("Länken är borttagen", { exact: false }).waitFor();
      await customer.reload();
      await customer.locator("#customer-message").filter({ hasText: "Länken fungerar inte längre" }).waitFor();
      assert.equal(await list.isVisible(), false);
      await axeCheck(customer, "customer's page, link removed");
    });
  });
});
