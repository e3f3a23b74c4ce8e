// "Webhooks" (issue 24): Öresundskraft's admin registers a receiver on 127.0.0.1 at 320 px, sees
// its secret once, and after an installer sends a case sees the delivery listed; the receiver got
// the event. A case handler who is not an admin gets no Webhooks.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, test } from "node:test";
import { DEMO, assertNoHorizontalScroll, axeCheck, launchBrowser, signIn, startServer, withPage } from "./support.mjs";
import { NARROW, fileCase } from "./workspace.mjs";

let server;
let browser;
let receiver;
const received = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  receiver = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: JSON.parse(body) });
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  receiver?.close();
});

test("Webhooks: the admin registers a receiver, sees the secret once, and sees a delivery listed", async () => {
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  await withPage(browser, { viewport: NARROW, baseURL: server.url }, async ({ page }) => {
    await signIn(page, DEMO.admin);
    await page.getByRole("navigation", { name: "Huvudmeny" }).getByRole("link", { name: "Webhooks" }).click();
    await page.waitForURL((u) => u.pathname === "/webhooks/");
    await page.locator("#hooks-status").getByText("Inga webhooks ännu.").waitFor();
    await axeCheck(page, "Webhooks, none yet");
    await assertNoHorizontalScroll(page);

    // A private address is refused at its field.
    await page.getByLabel("Adress").fill("http://10.0.0.5:8080/hook");
    await page.getByRole("button", { name: "Lägg till" }).click();
    await page.locator("#url-error").getByText(/inte en privat|https:\/\//).waitFor();
    await axeCheck(page, "Webhooks, a refused address");

    await page.getByLabel("Adress").fill(url);
    await page.getByRole("button", { name: "Lägg till" }).click();
    const secret = page.locator("#secret");
    await secret.getByText(/^whsec_/).waitFor();
    const shown = await secret.innerText();
    await page.locator("#hooks tbody tr").filter({ hasText: url }).waitFor();
    await axeCheck(page, "Webhooks, the secret shown");
    await assertNoHorizontalScroll(page);

    // Shown once: not after a reload.
    await page.reload();
    await page.locator("#hooks tbody tr").filter({ hasText: url }).waitFor();
    assert.equal(await page.locator("#secret-box").isHidden(), true);
    assert.equal((await page.content()).includes(shown), false);
  });

  await withPage(browser, { viewport: NARROW, baseURL: server.url }, async ({ page }) => {
    await signIn(page, DEMO.anna);
    await fileCase(page, 1);
  });
  for (let i = 0; i < 100 && !received.length; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(received.length, 1, "the receiver got case.sent");
  assert.equal(received[0].body.type, "case.sent");
  assert.match(received[0].headers["webhook-signature"], /^v1,/);

  await withPage(browser, { viewport: NARROW, baseURL: server.url }, async ({ page }) => {
    await signIn(page, DEMO.admin);
    await page.goto("/webhooks/");
    await page.getByRole("button", { name: "Leveranser till " + url }).click();
    const row = page.locator("#deliveries tbody tr").first();
    await row.getByText("Levererad (204)").waitFor();
    assert.match(await row.innerText(), /case\.sent/);
    await axeCheck(page, "Webhooks, deliveries");
    await assertNoHorizontalScroll(page);
  });

  await withPage(browser, { viewport: NARROW, baseURL: server.url }, async ({ page }) => {
    await signIn(page, DEMO.karin);
    const menu = page.getByRole("navigation", { name: "Huvudmeny" });
    await menu.getByRole("link", { name: "Inkorg" }).waitFor();
    assert.equal(await menu.getByRole("link", { name: "Webhooks" }).count(), 0);
  });
});
