// Bilagor on the case page (Öresundskraft with the test's file fields, see support.mjs): the
// installer attaches a PDF to Situationsplan, sees it listed as a
// download link, removes it with "Ta bort"; a renamed program is refused with the server's
// Swedish message at the field. The network company sees the links only.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEMO, PHONE, apiFromPage, axeCheck, serverAndBrowser, signIn, withPage } from "./support.mjs";

const running = serverAndBrowser();

const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(3000, 7)]);
const program = Buffer.concat([Buffer.from("MZ\x90\x00\x03"), Buffer.alloc(2000, 0)]);

test("attach a PDF, see it listed and download it, remove it; a renamed program is refused at the field", async () => {
  await withPage(running.browser, { viewport: PHONE, baseURL: running.server.url }, async ({ page }) => {
    await signIn(page, DEMO.anna);
    const created = await apiFromPage(page, "POST", "/cases", {
      company: "oresundskraft", installation_type: "service_change", job_type: "move_service", network_area: "helsingborg",
    });
    assert.equal(created.status, 201);
    await page.goto(`/anmalan/oresundskraft/service_change/?id=${created.body.id}`);
    await page.getByText("Status: Ej skickat").waitFor();

    const box = page.locator("[data-files='work.site_plan']");
    await assert.doesNotReject(box.getByText("PDF, JPEG eller PNG, högst 10 MB").waitFor());
    const picker = page.getByLabel("Situationsplan", { exact: true });
    const attach = box.getByRole("button", { name: "Bifoga fil" });

    await picker.setInputFiles({ name: "Situationsplan.pdf", mimeType: "application/pdf", buffer: pdf });
    await attach.click();
    const link = box.getByRole("link", { name: "Situationsplan.pdf" });
    await link.waitFor();
    // The link downloads the very bytes, under the file's name.
    const href = await link.getAttribute("href");
    const bytes = await page.evaluate(async (url) => Array.from(new Uint8Array(await (await fetch(url)).arrayBuffer())), href);
    assert.deepEqual(Buffer.from(bytes), pdf);
    await axeCheck(page, "a case page with an attachment");

    // The page's version followed the attachment: Redigera and Spara still work.
    await page.getByRole("button", { name: "Redigera" }).click();
    await page.getByLabel("Beskrivning av arbetet").fill("Servisen flyttas.");
    await page.getByRole("button", { name: "Spara" }).click();
    await page.getByText(/Anmälan är sparad/).first().waitFor();

    // A program renamed plan.pdf: the server's message at the field, nothing listed.
    await picker.setInputFiles({ name: "plan.pdf", mimeType: "application/pdf", buffer: program });
    await attach.click();
    const error = box.locator(".error");
    await error.getByText("Filen plan.pdf är inte en PDF-, JPEG- eller PNG-fil.", { exact: false }).waitFor();
    assert.equal(await error.textContent(), "Fel: Filen plan.pdf är inte en PDF-, JPEG- eller PNG-fil. Bifoga situationsplan som PDF, JPEG eller PNG.");
    assert.equal(await box.getByRole("link").count(), 1);

    // Ta bort.
    await box.getByRole("button", { name: "Ta bort Situationsplan.pdf" }).click();
    await link.waitFor({ state: "detached" });
    const stored = await apiFromPage(page, "GET", `/cases/${created.body.id}`);
    assert.deepEqual(stored.body.attachments, []);
  });
});
