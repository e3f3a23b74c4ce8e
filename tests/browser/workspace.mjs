// The whole life of a case in the browser, both sides (issue 8), shared by life-390.test.mjs and
// life-320.test.mjs, and the helpers of the network company's workspace tests: the Inkorg, the
// decisions (Godkänn, Åter för komplettering, Ej godkänd) and Avsluta; the installer's answer to
// a return, Makulera and Färdiganmälan; Händelser and Meddelanden. axe on every state, no
// sideways scrolling at a phone's width; screenshots in target/screenshots/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DEMO, apiFromPage, axeCheck, launchBrowser, screenshot, signIn, startServer, withPage } from "./support.mjs";

export const NARROW = { width: 320, height: 700 };
export const NUMBER = /^ÖK-\d{4}-\d{5}$/;

// --- Small helpers -----------------------------------------------------------------------------

/**
 * A complete Servisändring at Öresundskraft, filed through the API from the installer's page
 * (the installer's manual walk, manual.test.mjs, files one through the form): installation `n`
 * of the demo registry, sent unless `send` is false. Returns the case.
 */
export async function fileCase(page, n, { send = true, type = "service_change", job = "move_service", area = "helsingborg", fields = {} } = {}) {
  const call = async (method, path, body, expected = 200) => {
    const r = await apiFromPage(page, method, path, body);
    assert.equal(r.status, expected, `${method} ${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  let c = await call("POST", "/cases", { company: "oresundskraft", installation_type: type, job_type: job, network_area: area }, 201);
  const meter = "3" + String(n).padStart(7, "0");
  c = (await call("POST", `/cases/${c.id}/lookup`, { version: c.version, meter_number: meter, apply: true })).case;
  c = await call("POST", `/cases/${c.id}/copy-from-owner`, { version: c.version });
  c = await call("PATCH", `/cases/${c.id}`, {
    version: c.version,
    fields: {
      "owner.identity_number": "19121212-1212",
      "payer.identity_number": "19121212-1212",
      "work.description": "Servisen flyttas till fasaden.",
      ...(type === "service_change" ? { "installation.desired_meter_placement": "facade", "work.planned_start": "2026-12-07" } : {}),
      ...fields,
    },
  });
  assert.deepEqual(c.problems, [], "the case is complete");
  if (send) c = await call("POST", `/cases/${c.id}/submit`, { version: c.version });
  return c;
}

export const caseUrl = (c) => `/anmalan/${c.company}/${c.installation_type}/?id=${encodeURIComponent(c.id)}`;

/** The rows of a list (table) as the texts of their cells. */
export const rowsOf = (page, selector = "#cases") =>
  page.locator(`${selector} tbody tr`).evaluateAll((trs) => trs.map((r) => Array.from(r.cells, (c) => c.textContent.trim())));

/** Waits until the list's status line says `text` (a pattern). */
export const listSays = (page, text, selector = "#cases-status") => page.locator(selector).filter({ hasText: text }).waitFor();

export const status = (page) => page.locator("#case-status");

/** Opens a case page and waits for its status line. */
export async function openCase(page, c, label) {
  await page.goto(caseUrl(c));
  await status(page).filter({ hasText: "Status: " + label }).waitFor();
}

/** Clicks `name`, waits for its confirmation dialog, optionally writes the message, OK. */
export async function confirmMove(page, name, { message, title } = {}) {
  await page.getByRole("button", { name, exact: true }).click();
  const dialog = page.getByRole("dialog", { name: title });
  await dialog.waitFor();
  if (message !== undefined) await dialog.getByRole("textbox").fill(message);
  await dialog.getByRole("button", { name: "OK" }).click();
  return dialog;
}

/** The texts of the timeline (Händelser), one entry each. */
export const timeline = (page) =>
  // Each line's paragraphs joined by a space, read from the text, not the layout: innerText is
  // textContent while the list is not laid out yet, which ran the lines together.
  page.getByRole("region", { name: "Händelser" }).locator("li").evaluateAll((lis) => lis.map((li) => [...li.children].map((p) => p.textContent).join(" ").replace(/\s+/g, " ").trim()));

/** Every control of the case form and the completion notice that can be changed. */
export const editable = (page, form = "#case-form") =>
  page.locator(form).evaluate((f) => Array.from(f.querySelectorAll("input, select, textarea")).filter((i) => !(i.readOnly || i.disabled)).map((i) => i.name));

/** Polls the case until it is no longer submitted; returns it. */
export async function waitForFinal(page, id) {
  const end = Date.now() + 10_000;
  for (;;) {
    const c = (await apiFromPage(page, "GET", `/cases/${id}`)).body;
    if (c.status !== "submitted") return c;
    if (Date.now() > end) throw new Error("the case was never decided");
    await new Promise((r) => setTimeout(r, 100));
  }
}

// --- The whole life ---------------------------------------------------------------------------------

/**
 * The life of four cases, both sides, at `viewport`'s width: Anna sends three and keeps a draft;
 * Karin returns one with a message and approves another; Anna answers the return, withdraws the
 * third and files the completion notice on the approved one; Karin closes it.
 */
export function lifeOfACase(viewport) {
  const width = viewport.width + " px";
  describe(`the life of a case, both sides, at ${width}`, () => {
    let browser;
    let server;
    const cases = {};
    // axe (and at these widths: no sideways scrolling) on a state, and a screenshot of some:
    // of the whole page, or of what is in view (`name` ending in "!": a dialog, the top).
    const check = async (page, state, name) => {
      await axeCheck(page, `${state} at ${width}`);
      if (name) await screenshot(page, `${name.replace("!", "")}-${viewport.width}`, { fullPage: !name.endsWith("!") });
    };

    before(async () => {
      browser = await launchBrowser();
      server = await startServer();
    });
    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    test("Anna sends three cases and keeps a draft", async () => {
      await withPage(browser, { viewport, baseURL: server.url }, async ({ page }) => {
        await signIn(page, DEMO.anna);
        cases.returned = await fileCase(page, 1, { area: "angelholm" });
        cases.approved = await fileCase(page, 2, { area: "hoganas" });
        cases.withdrawn = await fileCase(page, 3);
        cases.draft = await fileCase(page, 4, { send: false });
        for (const c of [cases.returned, cases.approved, cases.withdrawn]) {
          assert.equal(c.status, "submitted");
          assert.match(c.number, NUMBER);
        }
        // Mina ärenden: last changed first, each with its number; cards, not a wide table.
        await page.goto("/");
        await listSays(page, /^4 ärenden/);
        const rows = await rowsOf(page);
        assert.deepEqual(rows.map((r) => r[1]), [cases.draft, cases.withdrawn, cases.approved, cases.returned].map((c) => c.number));
        assert.deepEqual(rows.map((r) => r[2]), ["Ej skickat", "För godkännande", "För godkännande", "För godkännande"]);
        await check(page, "Mina ärenden with four cases");
      });
    });

    test("Karin's Inkorg: the sent cases, waiting ones first, oldest first; filters and search", async () => {
      await withPage(browser, { viewport, baseURL: server.url }, async ({ page }) => {
        await signIn(page, DEMO.karin);
        assert.equal(new URL(page.url()).pathname, "/inkorg/", "a network company starts in its Inkorg");
        const menu = page.getByRole("navigation", { name: "Huvudmeny" });
        assert.deepEqual(await menu.getByRole("link").allTextContents(), ["Inkorg", "Uppslag", "Handläggningstider", "Kunduppgifter"]);
        await listSays(page, /^3 ärenden/);
        const rows = await rowsOf(page);
        assert.deepEqual(rows.map((r) => r[1]), [cases.returned, cases.approved, cases.withdrawn].map((c) => c.number), "oldest sent first; no draft");
        // News from the installer: marked in words.
        for (const r of rows) assert.match(r[2], /^För godkännande\s*Nytt$/);
        assert.match(rows[0][0], /^Servisändring – .+(Demo El AB|demo_el)/, "the firm is named");
        await check(page, "Inkorg", "inkorg");

        // Search by case number: one case, "1 ärende".
        await page.getByRole("searchbox", { name: "Sök" }).fill(cases.approved.number);
        await page.getByRole("button", { name: "Sök", exact: true }).click();
        await listSays(page, /^1 ärende,/);
        assert.deepEqual((await rowsOf(page)).map((r) => r[1]), [cases.approved.number]);
        assert.match(page.url(), /[?&]q=/, "the search is in the address");
        await check(page, "Inkorg, searched");
        // Search by address (the demo installation's street).
        const street = cases.withdrawn.fields["installation.street_address"];
        await page.getByRole("searchbox", { name: "Sök" }).fill(street);
        await page.getByRole("button", { name: "Sök", exact: true }).click();
        await listSays(page, /^1 ärende,/);
        assert.deepEqual((await rowsOf(page)).map((r) => r[1]), [cases.withdrawn.number]);
        // Nätområde.
        await page.getByRole("button", { name: "Rensa" }).click();
        await listSays(page, /^3 ärenden/);
        await page.getByLabel("Nätområde").selectOption({ label: "Ängelholm" });
        await page.getByRole("button", { name: "Sök", exact: true }).click();
        await listSays(page, /^1 ärende,/);
        assert.deepEqual((await rowsOf(page)).map((r) => r[1]), [cases.returned.number]);
        // Status, installation type and firm, together: nothing approved yet.
        await page.getByLabel("Nätområde").selectOption({ label: "Alla" });
        await page.getByLabel("Status").selectOption({ label: "Godkänd" });
        await page.getByLabel("Installationstyp").selectOption({ label: "Servisändring" });
        // The firm by its id (the API has no firm names).
        await page.getByLabel("Installationsföretag").fill("demo_el");
        await page.getByRole("button", { name: "Sök", exact: true }).click();
        await listSays(page, "Inga ärenden matchar sökningen.");
        await check(page, "Inkorg, nothing found");
        // The filters survive a reload (they are in the address).
        await page.reload();
        await listSays(page, "Inga ärenden matchar sökningen.");
        assert.equal(await page.getByLabel("Status").inputValue(), "approved");
        await page.getByLabel("Status").selectOption({ label: "För godkännande" });
        await page.getByRole("button", { name: "Sök", exact: true }).click();
        await listSays(page, /^3 ärenden/);
      });
    });

    test("Karin returns one case with a message and approves another", async () => {
      await withPage(browser, { viewport, baseURL: server.url }, async ({ page }) => {
        await signIn(page, DEMO.karin);
        const read = page.waitForResponse((r) => r.url().endsWith(`/cases/${cases.returned.id}/read`));
        await page.getByRole("link", { name: new RegExp(cases.returned.fields["installation.street_address"]) }).click();
        await page.waitForLoadState("load"); // the new page's script has run (it is async)
        await status(page).filter({ hasText: "Status: För godkännande" }).waitFor();
        // The case number in the heading area; the installer's data read-only.
        assert.equal(await page.locator("#case-number").textContent(), "Ärendenummer: " + cases.returned.number + ", Demo El AB");
        for (const name of ["Hämta anl-data", "Redigera", "Kopiera från ägare", "Spara", "Makulera"]) {
          assert.equal(await page.getByRole("button", { name, exact: true }).count(), 0, `no ${name} for the network company`);
        }
        assert.deepEqual(await editable(page), [], "every field is read-only");
        assert.equal(await page.getByRole("group", { name: "Fastighetsägare" }).getByLabel("Namn").inputValue(), cases.returned.fields["owner.name"]);
        // Having seen it, it is read: the inbox marks it no more.
        assert.equal((await read).status(), 200);
        await check(page, "case page, network company, För godkännande");

        // Åter för komplettering: the message is required, in the dialog.
        await page.getByRole("button", { name: "Åter för komplettering", exact: true }).click();
        const dialog = page.getByRole("dialog", { name: "Åter för komplettering?" });
        await dialog.waitFor();
        const text = dialog.getByRole("textbox", { name: /Vad ska installatören komplettera\?/ });
        assert.equal(await text.evaluate((e) => e === document.activeElement), true, "focus in the message");
        await check(page, "decision dialog, Åter för komplettering", "decision-dialog!");
        await dialog.getByRole("button", { name: "OK" }).click();
        await dialog.locator(".error").filter({ hasText: "Skriv ett meddelande" }).waitFor();
        assert.equal(await dialog.isVisible(), true, "the dialog stays open without a message");
        await check(page, "decision dialog, message missing");
        // Avbryt changes nothing.
        await dialog.getByRole("button", { name: "Avbryt" }).click();
        await dialog.waitFor({ state: "hidden" });
        assert.match(await status(page).textContent(), /För godkännande/);
        const message = "Önskad mätarplacering ska vara Mätarskåp i tomtgräns.\nRing oss vid frågor.";
        await confirmMove(page, "Åter för komplettering", { title: "Åter för komplettering?", message });
        await status(page).filter({ hasText: "Status: Åter för komplettering" }).waitFor();
        await page.locator("#case-message").filter({ hasText: "åter till installatören" }).waitFor();
        assert.equal(await page.locator("#decisions").isVisible(), false, "no more decisions");
        const events = await timeline(page);
        assert.match(events.at(-1), /^Åter för komplettering .* · Nätbolaget \(karin\)/);
        assert.ok(events.at(-1).includes("Önskad mätarplacering ska vara Mätarskåp i tomtgräns. Ring oss vid frågor."), events.at(-1));
        assert.match(events[0], /^Skapad .* · Installatören \(anna\)/);
        assert.match(events[1], /^Skickad .* · Installatören \(anna\)/);
        await check(page, "case page, network company, returned");

        // Godkänn the second one.
        await openCase(page, cases.approved, "För godkännande");
        await confirmMove(page, "Godkänn", { title: "Godkänn anmälan?" });
        await status(page).filter({ hasText: "Status: Godkänd" }).waitFor();
        assert.equal(await page.locator("#decisions").isVisible(), false);
        assert.equal(await page.locator("#completion-form").isVisible(), false, "no completion notice yet");
        assert.match((await timeline(page)).at(-1), /^Godkänd .* · Nätbolaget \(karin\)/);

        // Back in the Inkorg: the waiting one first, then the others, oldest sent first.
        await page.getByRole("link", { name: "Inkorg" }).first().click();
        await page.waitForLoadState("load"); // the new page's script has run (it is async)
        await listSays(page, /^3 ärenden/);
        const rows = await rowsOf(page);
        assert.deepEqual(rows.map((r) => [r[1], r[2]]), [
          [cases.withdrawn.number, "För godkännande Nytt"],
          [cases.returned.number, "Åter för komplettering"],
          [cases.approved.number, "Godkänd"],
        ]);
      });
    });

    test("Anna reads the message, fixes the case and sends it again", async () => {
      await withPage(browser, { viewport, baseURL: server.url }, async ({ page }) => {
        await signIn(page, DEMO.anna);
        const menu = page.getByRole("navigation", { name: "Huvudmeny" });
        assert.deepEqual(await menu.getByRole("link").allTextContents(), ["Mina ärenden", "Ny anmälan", "Företag"]);
        await listSays(page, /^4 ärenden/);
        const rows = await rowsOf(page);
        const row = (c) => rows.find((r) => r[1] === c.number);
        assert.equal(row(cases.returned)[2], "Åter för komplettering Nytt", "news from the network company");
        assert.equal(row(cases.approved)[2], "Godkänd Nytt");
        assert.equal(row(cases.withdrawn)[2], "För godkännande");
        await check(page, "Mina ärenden with news");

        const read = page.waitForResponse((r) => r.url().endsWith(`/cases/${cases.returned.id}/read`));
        await page.getByRole("link", { name: new RegExp(cases.returned.fields["installation.street_address"]) }).click();
        await page.waitForLoadState("load"); // the new page's script has run (it is async)
        await status(page).filter({ hasText: "Status: Åter för komplettering" }).waitFor();
        // The network company's message at the top.
        const note = page.locator("#decision-note");
        await note.waitFor();
        assert.equal(await note.getByRole("heading").textContent(), "Meddelande från Öresundskraft");
        assert.equal(await note.locator("p").textContent(), "Önskad mätarplacering ska vara Mätarskåp i tomtgräns.\nRing oss vid frågor.");
        assert.ok(await note.evaluate((n) => n.compareDocumentPosition(document.querySelector("#case-form")) & Node.DOCUMENT_POSITION_FOLLOWING), "above the form");
        assert.equal((await read).status(), 200);
        await check(page, "case page, installer, returned with a message", "returned-case!");

        // Editable again: Redigera, fix, Spara -> OK.
        await page.getByRole("button", { name: "Redigera" }).click();
        await page.getByLabel("Önskad mätarplacering").selectOption({ label: "Mätarskåp i tomtgräns" });
        await page.getByRole("button", { name: "Spara" }).click();
        const confirm = page.getByRole("dialog", { name: "Skicka anmälan?" });
        await confirm.waitFor();
        assert.match(await confirm.textContent(), /igen/);
        await check(page, "confirmation, sending again");
        await confirm.getByRole("button", { name: "OK" }).click();
        await status(page).filter({ hasText: "Status: För godkännande" }).waitFor();
        assert.equal(await note.isVisible(), false, "the message was answered");
        assert.match((await timeline(page)).at(-1), /^Skickad igen .* · Installatören \(anna\)/);
        const saved = (await apiFromPage(page, "GET", `/cases/${cases.returned.id}`)).body;
        assert.equal(saved.fields["installation.desired_meter_placement"], "meter_cabinet");
        assert.equal(saved.status, "submitted");
      });
    });

    test("Anna withdraws a case she sent", async () => {
      await withPage(browser, { viewport, baseURL: server.url }, async ({ page }) => {
        await signIn(page, DEMO.anna);
        await openCase(page, cases.withdrawn, "För godkännande");
        await page.getByRole("button", { name: "Makulera" }).click();
        const dialog = page.getByRole("dialog", { name: "Makulera anmälan?" });
        await dialog.waitFor();
        await check(page, "Makulera dialog");
        // Avbryt keeps it.
        await dialog.getByRole("button", { name: "Avbryt" }).click();
        await dialog.waitFor({ state: "hidden" });
        assert.match(await status(page).textContent(), /För godkännande/);
        await confirmMove(page, "Makulera", { title: "Makulera anmälan?" });
        await status(page).filter({ hasText: "Status: Makulerad" }).waitFor();
        assert.equal(await page.getByRole("button", { name: "Makulera" }).count(), 0, "nothing more to withdraw");
        assert.match((await timeline(page)).at(-1), /^Makulerad .* · Installatören \(anna\)/);
        await check(page, "case page, withdrawn");
      });
    });

    test("Anna files the completion notice on the approved case and writes a message", async () => {
      await withPage(browser, { viewport, baseURL: server.url }, async ({ page }) => {
        await signIn(page, DEMO.anna);
        await openCase(page, cases.approved, "Godkänd");
        const completion = page.getByRole("form", { name: "Färdiganmälan" });
        await completion.waitFor();
        assert.equal(await page.getByRole("button", { name: "Makulera" }).count(), 0, "no Makulera after approval");
        assert.equal(await page.getByRole("button", { name: "Redigera" }).count(), 0, "the notice itself is sent");
        assert.deepEqual(await editable(page), [], "the notice is read-only");
        await check(page, "case page, approved, completion notice open");

        // Sent empty: the mandatory fields are listed.
        await completion.getByRole("button", { name: "Skicka färdiganmälan" }).click();
        const summary = page.locator("#error-summary");
        await summary.waitFor();
        const problems = await summary.getByRole("link").allTextContents();
        assert.ok(problems.some((p) => /Datum/.test(p)), JSON.stringify(problems));
        await check(page, "completion notice, errors");
        await completion.getByLabel(/Datum/).fill("2026-12-10");
        await completion.getByLabel(/Mätarställning/).fill("12345");
        await completion.getByLabel(/Anteckningar/).fill("Ny mätare monterad.");
        await completion.getByRole("button", { name: "Skicka färdiganmälan" }).click();
        const dialog = page.getByRole("dialog", { name: "Skicka färdiganmälan?" });
        await dialog.waitFor();
        assert.equal(await summary.isVisible(), false);
        await dialog.getByRole("button", { name: "OK" }).click();
        await status(page).filter({ hasText: "Status: Färdiganmäld" }).waitFor();
        assert.deepEqual(await editable(page, "#completion-form"), [], "the completion notice is read-only once sent");
        assert.equal(await completion.getByRole("button", { name: "Skicka färdiganmälan" }).isVisible(), false);
        assert.equal(await completion.getByLabel(/Mätarställning/).inputValue(), "12345");
        assert.match((await timeline(page)).at(-1), /^Färdiganmäld .* · Installatören \(anna\)/);

        // Meddelanden: a message to the network company.
        const messages = page.getByRole("region", { name: "Meddelanden" });
        await messages.getByRole("button", { name: "Skicka meddelande" }).click();
        await messages.locator(".error").filter({ hasText: "Skriv ett meddelande" }).waitFor();
        await messages.getByRole("textbox", { name: "Nytt meddelande" }).fill("Mätaren är bytt, plomberingen klar.");
        await messages.getByRole("button", { name: "Skicka meddelande" }).click();
        await page.waitForFunction(() => document.querySelector("#history li:last-child")?.textContent.includes("plomberingen klar"));
        assert.match((await timeline(page)).at(-1), /^Meddelande .* · Installatören \(anna\) Mätaren är bytt, plomberingen klar\.$/);
        assert.equal(await messages.getByRole("textbox").inputValue(), "", "the box is emptied");
        await check(page, "case page, completed, with a message");
      });
    });

    test("Karin reads the completion notice and the message, and closes the case", async () => {
      await withPage(browser, { viewport, baseURL: server.url }, async ({ page }) => {
        await signIn(page, DEMO.karin);
        await listSays(page, /^3 ärenden/);
        const row = (await rowsOf(page)).find((r) => r[1] === cases.approved.number);
        assert.equal(row[2], "Färdiganmäld Nytt");
        await openCase(page, cases.approved, "Färdiganmäld");
        const completion = page.getByRole("form", { name: "Färdiganmälan" });
        assert.equal(await completion.getByLabel(/Mätarställning/).inputValue(), "12345");
        assert.deepEqual(await editable(page, "#completion-form"), []);
        const events = await timeline(page);
        assert.deepEqual(events.map((e) => e.split(" ")[0]), ["Skapad", "Skickad", "Godkänd", "Färdiganmäld", "Meddelande"]);
        await page.getByRole("region", { name: "Händelser" }).scrollIntoViewIfNeeded();
        await screenshot(page.getByRole("region", { name: "Händelser" }), `timeline-${viewport.width}`);
        await check(page, "case page, network company, completed");

        // A message back, then Avsluta.
        await page.getByRole("textbox", { name: "Nytt meddelande" }).fill("Tack, vi avslutar ärendet.");
        await page.getByRole("button", { name: "Skicka meddelande" }).click();
        await page.waitForFunction(() => document.querySelector("#history li:last-child")?.textContent.includes("Tack, vi avslutar"));
        assert.match((await timeline(page)).at(-1), /^Meddelande .* · Nätbolaget \(karin\)/);
        await confirmMove(page, "Avsluta", { title: "Avsluta ärendet?" });
        await status(page).filter({ hasText: "Status: Avslutad" }).waitFor();
        assert.equal(await page.getByRole("button", { name: "Avsluta" }).isVisible(), false);
        assert.match((await timeline(page)).at(-1), /^Avslutad .* · Nätbolaget \(karin\)/);
        // An ended case takes no more messages (issue 19: they would hold its retention open).
        assert.equal(await page.getByRole("textbox", { name: "Nytt meddelande" }).isVisible(), false);
        await check(page, "case page, closed");

        // The withdrawn case: nothing to decide.
        await openCase(page, cases.withdrawn, "Makulerad");
        assert.equal(await page.locator("#decisions").isVisible(), false);
        // The draft is not even there.
        await page.goto(caseUrl(cases.draft));
        await status(page).filter({ hasText: "finns inte" }).waitFor();
      });
    });

    test("Anna sees the case closed, with the network company's message", async () => {
      await withPage(browser, { viewport, baseURL: server.url }, async ({ page }) => {
        await signIn(page, DEMO.anna);
        await openCase(page, cases.approved, "Avslutad");
        const events = await timeline(page);
        assert.match(events.at(-2), /^Meddelande .* · Nätbolaget \(karin\) Tack, vi avslutar ärendet\.$/);
        assert.match(events.at(-1), /^Avslutad /);
        assert.deepEqual(await editable(page, "#completion-form"), []);
        await check(page, "case page, installer, closed");
      });
    });
  });
}

