// Shared by the browser tests: the real `handler serve` on a free loopback port with a fresh data
// directory, and Debian's Chromium driven by playwright-core (RECIPES.md, "Browsers").
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const HANDLER = path.join(ROOT, "target", "debug", "handler");
export const SITE = path.join(ROOT, "target", "debug", "site");
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/** The demo data that `handler serve` seeds (handler/src/demo.rs). */
export const DEMO = {
  anna: "Anna Andersson (Demo El AB)",
  bertil: "Bertil Berg (Annan El AB)",
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
 * Starts `handler serve --addr 127.0.0.1:0 --data-dir <fresh temp dir>` and waits for the line
 * "Elanmälan is running at http://127.0.0.1:PORT ...". Returns { url, stop, output }.
 */
export async function startServer() {
  need(HANDLER, "build it with `cargo build -p handler` (scripts/test does)");
  const dataDir = mkdtempSync(path.join(tmpdir(), "elanmalan-browser-"));
  const child = spawn(HANDLER, ["serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir], {
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

/** The demo sign-in at /logga-in/, as a person does it. */
export async function signIn(page, name) {
  await page.goto("/logga-in/");
  await page.getByRole("button", { name: `Logga in som ${name}` }).click();
  await page.waitForURL((u) => u.pathname === "/");
  await page.getByRole("heading", { name: "Mina ärenden", level: 1 }).waitFor();
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
