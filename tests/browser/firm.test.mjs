// "Företag" (issue 23): Demo El AB's admin sees the firm's name and numbers and its colleagues at
// 320 px, adds a colleague by e-mail address and removes her again; an installer who is no admin
// sees the colleagues but no controls. The case shows the firm's name.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, assertNoHorizontalScroll, axeCheck, serverAndBrowser, signIn, withPage } from "./support.mjs";

const running = serverAndBrowser();

const NARROW = { width: 320, height: 640 };

test("Företag: the admin adds a colleague and removes her; a colleague sees no controls", async () => {
  await withPage(running.browser, { viewport: NARROW, baseURL: running.server.url }, async ({ page }) => {
    await signIn(page, DEMO.dan);
    await page.getByRole("navigation", { name: "Huvudmeny" }).getByRole("link", { name: "Företag" }).click();
    await page.getByRole("heading", { name: "Demo El AB", level: 1 }).waitFor();
    assert.match(await page.locator("#firm-numbers").innerText(), /Organisationsnummer 556677-8899/);
    const rows = page.locator("#members tbody tr");
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2);
    await axeCheck(page, "Företag, admin");
    await assertNoHorizontalScroll(page);

    // A bad address is named at its field, and nothing is added.
    await page.getByLabel("E-postadress").fill("inte en adress");
    await page.getByRole("button", { name: "Lägg till" }).click();
    await page.locator("#email-error").getByText("Ange en e-postadress").waitFor();
    assert.equal(await rows.count(), 2);

    await page.getByLabel("E-postadress").fill("alva@demo-el.example");
    await page.getByLabel("Namn (frivilligt)").fill("Alva Ek");
    await page.getByRole("button", { name: "Lägg till" }).click();
    await page.getByRole("status").getByText("alva@demo-el.example är tillagd").waitFor();
    assert.equal(await rows.count(), 3);
    assert.match(await rows.filter({ hasText: "alva@demo-el.example" }).innerText(), /Alva Ek/);

    page.once("dialog", (dialog) => dialog.accept());
    await page.getByRole("button", { name: "Ta bort alva@demo-el.example" }).click();
    await page.getByRole("status").getByText("alva@demo-el.example är borttagen").waitFor();
    assert.equal(await rows.count(), 2);
    // No one removes themselves.
    assert.equal(await page.getByRole("button", { name: "Ta bort dan@demo-el.example" }).count(), 0);
  });

  await withPage(running.browser, { viewport: NARROW, baseURL: running.server.url }, async ({ page }) => {
    await signIn(page, DEMO.anna);
    await page.goto("/foretag/");
    await page.locator("#members tbody tr").first().waitFor();
    assert.equal(await page.getByRole("button", { name: /^Ta bort/ }).count(), 0);
    assert.equal(await page.locator("#add-member").isVisible(), false);
    await axeCheck(page, "Företag, colleague");
  });
});
