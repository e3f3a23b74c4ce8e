// A phone on a slow mobile connection, emulated in Debian's Chromium through the DevTools
// protocol: 400 ms latency, 400 kbit/s down and up, the CPU slowed 4 times, an empty cache and
// new connections on every run. Measures the time from navigation start until a person can
// press the button they came for:
//   - "Hämta anl-data" on the case page of an existing draft (shown once the case is loaded);
//   - "Skapa anmälan" on Ny anmälan (/ny/), once the page's script has run (the load event,
//     which waits for every script, `async` ones too).
// Prints every run and the median of each. Not a test: timing is measured, never asserted.
// With --identity the browser asks for no compression (what `handler serve` sent everyone
// before issue 12), for a comparison on the same machine in the same state.
//
//   node tests/bench/slow-phone.mjs [RUNS] [--identity]   (scripts/bench-phone builds, runs this)
import { launchBrowser, startServer } from "../browser/support.mjs";

const RUNS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) || 7);
const IDENTITY = process.argv.includes("--identity");
const SLOW = { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 };
const CPU_SLOWDOWN = 4;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The page's own clock (ms since its navigation started) at the first frame where `selector`
// is shown and enabled and the page's scripts have run (the load event is over).
const READY = (selector) => {
  const button = document.querySelector(selector);
  const [navigation] = performance.getEntriesByType("navigation");
  const usable = button && button.checkVisibility() && !button.disabled;
  return usable && navigation?.loadEventEnd > 0 ? performance.now() : false;
};

/** One load of `path` by a new phone (empty cache), signed in with `token`: ms until ready. */
async function measure(browser, url, path, selector, token) {
  const context = await browser.newContext({ baseURL: url, viewport: { width: 390, height: 844 } });
  try {
    // The sign-in is already done: the token is where the pages keep it.
    await context.addInitScript((t) => sessionStorage.setItem("token", t), token);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", SLOW);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
    if (IDENTITY) await cdp.send("Network.setExtraHTTPHeaders", { headers: { "Accept-Encoding": "identity" } });
    await page.goto(path, { waitUntil: "commit" });
    const ready = await page.waitForFunction(READY, selector, { polling: "raf", timeout: 30_000 });
    const ms = await ready.jsonValue();
    // Bytes on the wire for the record: what the page loaded, as sent.
    const sent = await page.evaluate(() =>
      [performance.getEntriesByType("navigation")[0], ...performance.getEntriesByType("resource")]
        .reduce((sum, e) => sum + e.transferSize, 0));
    return { ms, sent };
  } finally {
    await context.close();
  }
}

const server = await startServer();
const browser = await launchBrowser();
try {
  const post = async (path, body, token) => {
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch(server.url + "/api/v1" + path, { method: "POST", headers, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const { token } = await post("/local/sign-in", { user: "anna" });
  // The manual's form: Säkringsändring at Öresundskraft (with Bilagor, the heavier case page).
  const draft = await post("/cases", {
    company: "oresundskraft", installation_type: "fuse_change", job_type: "increase_main_fuse", network_area: "helsingborg",
  }, token);
  const pages = [
    ["case page, until Hämta anl-data", `/anmalan/oresundskraft/fuse_change/?id=${draft.id}`, "#open-lookup"],
    ["Ny anmälan, until Skapa anmälan", "/ny/", "#new-case button[type=submit]"],
  ];
  // One load of each page first, not counted: the server builds the site in the background at
  // its start, and compresses each file on its first request.
  for (const [, path, selector] of pages) await measure(browser, server.url, path, selector, token);
  const times = pages.map(() => []);
  for (let run = 1; run <= RUNS; run++) {
    const line = [];
    for (const [i, [, path, selector]] of pages.entries()) {
      const { ms, sent } = await measure(browser, server.url, path, selector, token);
      times[i].push(ms);
      line.push(`${Math.round(ms)} ms (${sent} bytes)`);
    }
    console.log(`run ${run}: case page ${line[0]}, Ny anmälan ${line[1]}`);
  }
  for (const [i, [label]] of pages.entries()) {
    console.log(`${label}: median ${Math.round(median(times[i]))} ms of ${RUNS} runs ` +
      `(min ${Math.round(Math.min(...times[i]))}, max ${Math.round(Math.max(...times[i]))})`);
  }
} finally {
  await browser.close();
  await server.stop();
}
