// Shared by the browser tests: the real `handler serve` on a free loopback port with a fresh data
// directory, and Debian's Chromium driven by playwright-core (docs/design.md, section 9.4).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { AxeBuilder } from "@axe-core/playwright";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
// ELANMALAN_HANDLER: another build, e.g. the release one that scripts/bench-phone measures.
export const HANDLER = process.env.ELANMALAN_HANDLER || path.join(ROOT, "target", "debug", "handler");
export const SITE = path.join(ROOT, "target", "debug", "site");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/** The demo data that `handler serve` seeds (handler/src/demo.rs). */
export const DEMO = {
  anna: "Anna Andersson (Demo El AB)",
  bertil: "Bertil Berg (Annan El AB)",
  // Demo El AB's admin of its colleagues ("Företag").
  dan: "Dan Dahl, administratör (Demo El AB)",
  // Case handlers at Öresundskraft.
  karin: "Karin Karlsson (Öresundskraft)",
  olle: /^Logga in som Olle .*\(Öresundskraft\)$/,
  // Öresundskraft's admin of its forms ("Formulär").
  admin: "Åsa Ek, formuläransvarig (Öresundskraft)",
  // Öresundskraft is company position 2, so its first installation has these numbers.
  meter: "30000001",
  ean: "735999100000000010",
  // Same digits as `ean` with the check digit changed.
  badEan: "735999100000000011",
};

export const PHONE = { width: 390, height: 844 };

export function need(file, how) {
  if (!existsSync(file)) throw new Error(`${file} is missing: ${how}`);
}

/**
 * Starts `handler serve --addr 127.0.0.1:0 --data-dir <fresh temp dir> [...args]` and waits for
 * the line "Elanmälan is running at http://127.0.0.1:PORT ...". Returns { url, stop, output }.
 */
export async function startServer({ args = [] } = {}) {
  need(HANDLER, "build it with `cargo build -p handler` (scripts/test does)");
  const dataDir = mkdtempSync(path.join(tmpdir(), "elanmalan-browser-"));
  const child = spawn(HANDLER, ["serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn" },
  });
  const output = [];
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => output.push(chunk));
  const cleanup = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.on("exit", cleanup);

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error("handler serve did not start within 30 s")), 30_000);
    const lines = createInterface({ input: child.stdout });
    function fail(error) {
      clearTimeout(timer);
      cleanup();
      reject(new Error(`${error.message}\n--- handler output ---\n${output.join("")}`));
    }
    lines.once("line", (line) => {
      clearTimeout(timer);
      const match = /^Elanmälan is running at (http:\/\/127\.0\.0\.1:\d+)\s/.exec(line);
      if (match) resolve(match[1]);
      else fail(new Error(`unexpected first line from handler serve: ${JSON.stringify(line)}`));
      // Keep reading so that the pipe never fills up.
      lines.on("line", () => {});
    });
    child.once("error", fail);
    child.once("exit", (code, signal) => fail(new Error(`handler serve exited early (${code ?? signal})`)));
  });

  async function stop() {
    process.off("exit", cleanup);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT"); // graceful shutdown (Ctrl+C)
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { url, stop, output, dataDir };
}

/** Debian's Chromium, headless. */
export async function launchBrowser() {
  need(CHROMIUM, "install it with `apt-get install -y chromium` (scripts/test does)");
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * The `handler serve` and the Chromium that a file's tests share: started before its first test
 * and stopped after its last. Read `.server` and `.browser` inside the tests.
 */
export function serverAndBrowser() {
  const running = { server: undefined, browser: undefined };
  before(async () => {
    [running.server, running.browser] = await Promise.all([startServer(), launchBrowser()]);
  });
  after(async () => {
    await running.browser?.close();
    await running.server?.stop();
  });
  return running;
}

/**
 * A page in a new context (what @axe-core/playwright needs) that records what must never happen:
 * Content-Security-Policy violations and uncaught script errors. Call `assertClean()` at the end.
 */
export async function openPage(browser, { viewport = PHONE, baseURL } = {}) {
  const context = await browser.newContext({ viewport, baseURL, locale: "sv-SE" });
  const problems = [];
  const csp = [];
  // Runs outside the page's CSP (injected by the DevTools protocol, not as an inline script).
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    const text = message.text();
    if (/Content[- ]Security[- ]Policy|CSP violation/i.test(text)) csp.push(`${page.url()}: ${text}`);
  });
  page.on("pageerror", (error) => problems.push(`${page.url()}: uncaught ${error.message}`));
  page.setDefaultTimeout(10_000);
  return {
    context,
    page,
    csp,
    problems,
    assertClean() {
      const all = [...csp, ...problems];
      if (all.length) throw new Error("The page reported problems:\n  " + all.join("\n  "));
    },
  };
}

/** The accessible name of a demo user's sign-in button (a name, or a pattern). */
const signInButton = (name) => (name instanceof RegExp ? name : `Logga in som ${name}`);

/**
 * The demo sign-in at /logga-in/, as a person does it. An installer lands on "Mina ärenden", a
 * network company's case handler on "Inkorg".
 */
export async function signIn(page, name) {
  await page.goto("/logga-in/");
  await page.getByRole("button", { name: signInButton(name) }).click();
  await page.waitForURL((u) => u.pathname === "/" || u.pathname === "/inkorg/");
  await page.getByRole("heading", { name: /^(Mina ärenden|Inkorg)$/, level: 1 }).waitFor();
}

/**
 * Opens a page (openPage), runs `body(app)` with it, checks it stayed clean (no CSP violation,
 * no uncaught error) and closes it, also when `body` fails.
 */
export async function withPage(browser, options, body) {
  const app = await openPage(browser, options);
  try {
    const result = await body(app);
    app.assertClean();
    return result;
  } finally {
    await app.context.close();
  }
}

/** Calls the API from inside the page, with the token the page signed in with. */
export const apiFromPage = (page, method, path, body) =>
  page.evaluate(
    async ({ method, path, body }) => {
      const response = await fetch("/api/v1" + path, {
        method,
        headers: { Authorization: "Bearer " + sessionStorage.getItem("token"), "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: response.status, body: json };
    },
    { method, path, body },
  );

/** Where the test runs save their screenshots: target/screenshots/. */
export const SCREENSHOTS = path.join(ROOT, "target", "screenshots");

/**
 * A screenshot of a page (the whole page, or with `fullPage: false` what is in view, e.g. an
 * open dialog) or of one element (a locator), as target/screenshots/<name>.png.
 */
export async function screenshot(target, name, { fullPage = true } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, name + ".png");
  await target.screenshot(target.url ? { path: file, fullPage } : { path: file });
  return file;
}

/** Fails if the page scrolls sideways at its current width. */
export async function assertNoHorizontalScroll(page, where = page.url()) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  if (scroll > width) {
    const wide = await page.evaluate((w) =>
      Array.from(document.querySelectorAll("body *"))
        .filter((e) => e.getBoundingClientRect().right > w && e.checkVisibility())
        .slice(-3)
        .map((e) => `<${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${e.className ? "." + e.className : ""}> ${e.textContent.trim().slice(0, 60)}`), width);
    throw new Error(`${where}: scrolls sideways (scrollWidth ${scroll} > ${width}); too wide:\n  ${wide.join("\n  ")}`);
  }
}

/** The WCAG levels that axe checks: 2.0 and 2.1, A and AA. */
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** One violation a line, with the elements it was found on and how to fix it. */
export function describeViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `      at ${n.target.join(" ")}\n        ${(n.failureSummary || "").replace(/\n/g, "\n        ")}\n        ${n.html.slice(0, 160)}`)
        .join("\n");
      return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}`;
    })
    .join("\n");
}

/**
 * Runs axe on the page as it is now and fails with a readable list of violations. On a narrow
 * screen (400 px or less), also fails if the page or an open dialog scrolls sideways.
 */
export async function axeCheck(page, state) {
  const { violations } = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  if (page.viewportSize().width <= 400) {
    await assertNoHorizontalScroll(page, state);
    const wide = await page.evaluate(() =>
      Array.from(document.querySelectorAll("dialog[open]"))
        .filter((d) => d.scrollWidth > d.clientWidth)
        .map((d) => `${d.id}: ${d.scrollWidth} > ${d.clientWidth}`),
    );
    assert.deepEqual(wide, [], `${state}: a dialog scrolls sideways`);
  }
  assert.equal(violations.length, 0, `${state} (${page.url()}): ${violations.length} accessibility violation(s)\n${describeViolations(violations)}`);
}
