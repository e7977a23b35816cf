// One measurement each: a page of N cards, a saved buyer's purchase, the layout shift of a page.
// Each opens a new browser context (nothing cached: a first visit) and returns plain numbers;
// bench/run.mjs repeats them and takes medians, tests/e2e/bench.test.mjs runs one as a smoke test.
import { KINDS } from "./site.mjs";

// How long any one wait may take before the measurement fails.
const TIMEOUT_MS = 90_000;

// Runs in the page before its own scripts: long tasks, layout shifts and the moment every element
// matching `selector` in the first screen turns data-state="ready" (counted once per element, by
// a MutationObserver: no polling that would add script time of its own). buycard mounts a card
// only when it comes near the viewport, so "ready" is what a reader sees first, for both kinds;
// the rest is mounted by scrolling (scrollAll). With `expected` 0, nothing is awaited.
function observe({ selector, expected }) {
  const bench = (window.__bench = { longtasks: [], shifts: [], readyCount: 0, readyAt: null, screen: null });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longtasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask", buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) bench.shifts.push([e.startTime, e.value]);
  }).observe({ type: "layout-shift", buffered: true });
  const counted = new WeakSet();
  bench.ready = new Promise((resolve) => {
    if (!expected) return;
    const done = () => {
      if (bench.readyAt === null && bench.screen && [...bench.screen].every((el) => counted.has(el))) {
        bench.readyAt = performance.now();
        resolve();
      }
    };
    new MutationObserver((records) => {
      for (const { target } of records) {
        if (target.getAttribute("data-state") !== "ready" || counted.has(target) || !target.matches(selector)) continue;
        counted.add(target);
        bench.readyCount++;
      }
      done();
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
    // The first screen's elements, once the page is parsed (its reserved heights in place).
    document.addEventListener("DOMContentLoaded", () => {
      const all = [...document.querySelectorAll(selector)];
      bench.screen = new Set(all.filter((el) => el.getBoundingClientRect().top < innerHeight).slice(0, expected));
      if (bench.screen.size === 0 && all.length) bench.screen = new Set(all.slice(0, 1));
      done();
    });
  });
}

// Runs in the page: scrolls a screen at a time (two frames each) until every `selector` element
// is ready, then back to the top; how many screens it took (bounded).
async function scrollAll(selector) {
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const allReady = () => [...document.querySelectorAll(selector)].every((el) => el.dataset.state === "ready");
  let screens = 0;
  for (; screens < 5000 && !allReady(); screens++) {
    if (scrollY + innerHeight >= document.documentElement.scrollHeight - 1) scrollTo(0, 0);
    else scrollBy(0, innerHeight);
    await frame();
    await frame();
  }
  scrollTo(0, 0);
  if (!allReady()) throw new Error("scrolled through the page and not every card is ready");
  return screens;
}

// Long tasks until `until` (ms since navigation): the longest, and the total blocking time (the
// sum of each task's time beyond 50 ms).
function blocking(longtasks, until) {
  const tasks = longtasks.filter(([start]) => start < until).map(([, d]) => d);
  return {
    longestTaskMs: tasks.length ? Math.max(...tasks) : 0,
    tbtMs: tasks.reduce((sum, d) => sum + Math.max(0, d - 50), 0),
  };
}

async function metrics(cdp) {
  const { metrics } = await cdp.send("Performance.getMetrics");
  return Object.fromEntries(metrics.map(({ name, value }) => [name, value]));
}

// The live JS heap after a full garbage collection, and the DOM's node count.
async function afterGc(cdp) {
  await cdp.send("HeapProfiler.collectGarbage");
  const m = await metrics(cdp);
  return { heapBytes: m.JSHeapUsedSize, nodes: m.Nodes };
}

// The wasm module's linear memory: buycard.js is wasm-bindgen's `web` glue, whose default export
// (the init function) returns the exports it already instantiated when called again.
function wasmMemory() {
  return import("/buycard.js")
    .then((m) => m.default())
    .then((exports) => (exports?.memory instanceof WebAssembly.Memory ? exports.memory.buffer.byteLength : null));
}

// `work` (a promise), or a failure after TIMEOUT_MS.
function bounded(work, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

// `count` cards of `kind` on `path` (a page of bench/site.mjs's cardsPage) at `base`: time from
// navigation to every card ready, long tasks, script time, then (after a GC) JS heap, DOM nodes
// and wasm memory, and the same once every card has been removed. `count` 0 measures the page
// with the script loaded (the element defined) and no card.
export async function measureCards(browser, base, { kind, count, path }) {
  const { tag } = KINDS[kind];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.addInitScript(observe, { selector: tag, expected: count });
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    await page.goto(base + path, { waitUntil: "commit", timeout: TIMEOUT_MS });
    let readyMs;
    if (count > 0) {
      await bounded(page.evaluate(() => window.__bench.ready), `${count} ${tag} ready`);
      readyMs = await page.evaluate(() => window.__bench.readyAt);
    } else {
      readyMs = await bounded(
        page.evaluate((tag) => customElements.whenDefined(tag).then(() => performance.now()), tag),
        `${tag} defined`,
      );
    }
    // Before anything else runs script in the page.
    const atReady = await metrics(cdp);
    const longtasks = await page.evaluate(() => window.__bench.longtasks);
    // The reader scrolls to the end: every card mounted (the vanilla ones already are).
    const screens = count > 0 ? await bounded(page.evaluate(scrollAll, tag), `${count} ${tag} scrolled`) : 0;
    const scrolled = await metrics(cdp);
    const ready = await afterGc(cdp);
    const wasm = kind === "buycard" ? await bounded(page.evaluate(wasmMemory), "wasm memory") : null;
    // Every card taken out of the page, as a timeline does with posts scrolled far away.
    await page.evaluate(async (tag) => {
      for (const el of document.querySelectorAll(tag)) el.remove();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }, tag);
    const removed = await afterGc(cdp);
    const wasmRemoved = kind === "buycard" ? await bounded(page.evaluate(wasmMemory), "wasm memory") : null;
    const states = await page.evaluate(() => window.__bench.readyCount);
    if (errors.length) throw new Error(`errors in the page: ${errors.join("; ")}`);
    if (states < count) throw new Error(`${states} of ${count} cards ready`);
    return {
      readyMs,
      ...blocking(longtasks, readyMs),
      scriptMs: atReady.ScriptDuration * 1000,
      screens,
      scriptAllMs: scrolled.ScriptDuration * 1000,
      heapBytes: ready.heapBytes,
      nodes: ready.nodes,
      wasmBytes: wasm,
      heapRemovedBytes: removed.heapBytes,
      nodesRemoved: removed.nodes,
      wasmRemovedBytes: wasmRemoved,
    };
  } finally {
    await context.close();
  }
}

// The paths of the files fetched before the first card was ready on `path`: what a page
// downloads before it shows a card.
export async function firstLoad(browser, base, { kind, path }) {
  const { tag } = KINDS[kind];
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.addInitScript(observe, { selector: tag, expected: 1 });
    await page.goto(base + path, { waitUntil: "commit", timeout: TIMEOUT_MS });
    await bounded(page.evaluate(() => window.__bench.ready), "the first card");
    return await page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .filter((e) => e.startTime < window.__bench.readyAt && new URL(e.name).origin === location.origin)
        // The browser's own request for the page's icon is not the page's doing.
        .filter((e) => new URL(e.name).pathname !== "/favicon.ico")
        .map((e) => new URL(e.name).pathname),
    );
  } finally {
    await context.close();
  }
}

// Signs the demo wallet in as `buyer` (the host site's own login in the preview).
async function signIn(page, buyer) {
  const status = await page.evaluate(async (buyer) => {
    const answer = await fetch("/wallet/sign_in", {
      method: "POST",
      credentials: "include",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ buyer_id: buyer }),
    });
    return answer.status;
  }, buyer);
  if (status !== 200) throw new Error(`signing in as ${buyer}: ${status}`);
}

// Runs in the page: watches one card's shadow root and notes, as performance.now(), each click
// (the event's own time stamp) and the frame that first shows the sheet, the merchant's total,
// Confirm armed and the order placed (the DOM change, then the next animation frame).
function watchPurchase(product) {
  const host = document.querySelector(`buy-card[product="${product}"]`);
  const root = host.shadowRoot;
  const t = (window.__purchase = { clicks: [] });
  window.addEventListener("click", (e) => t.clicks.push(e.timeStamp), true);
  // What one change showed, stamped by one animation frame (so that two things the same change
  // showed get the same time).
  const check = () => {
    const now = [];
    const seen = (name) => {
      if (t[name] !== undefined) return;
      t[name] = null;
      t[name + "Dom"] = performance.now();
      now.push(name);
    };
    const sheet = root.querySelector("dialog.sheet");
    if (sheet?.open && sheet.getBoundingClientRect().height > 0) seen("sheet");
    if (/\d/.test(root.querySelector("dialog.sheet[open] .total")?.textContent ?? "")) seen("total");
    if (root.querySelector("dialog.sheet[open] button.confirm")?.getAttribute("aria-disabled") === "false") seen("armed");
    if (host.dataset.state === "placed") seen("placed");
    if (now.length) {
      requestAnimationFrame(() => {
        const frame = performance.now();
        for (const name of now) t[name] = frame;
      });
    }
  };
  const options = { subtree: true, childList: true, attributes: true, characterData: true };
  new MutationObserver(check).observe(root, options);
  new MutationObserver(check).observe(host, { attributes: true });
}

// The time the page spent waiting on its requests between `from` and `to` (ms since
// navigation): from the first request's start to the last answer's end.
function network([from, to]) {
  const entries = performance
    .getEntriesByType("resource")
    .filter((e) => e.startTime >= from && e.responseEnd <= to && /\/(shops|wallet)\//.test(e.name));
  if (!entries.length) return null;
  return Math.max(...entries.map((e) => e.responseEnd)) - Math.min(...entries.map((e) => e.startTime));
}

// A saved buyer (Ada) buys `product` on the timeline (index.html) at `base`: tap Buy → sheet
// visible, tap → the merchant's total shown, the sheet → Confirm armed, tap on the armed
// Confirm → placed; and the part of each that was the network and the servers.
export async function measurePurchase(browser, base, { product = "enamel-pin" } = {}) {
  const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(base + "/", { timeout: TIMEOUT_MS });
    await signIn(page, "ada");
    await page.reload({ timeout: TIMEOUT_MS });
    const card = page.locator(`buy-card[product="${product}"]`);
    // The card mounts as it comes near the viewport: the reader scrolls to it.
    await page.waitForFunction(
      (p) => {
        const card = document.querySelector(`buy-card[product="${p}"]`);
        card?.scrollIntoView({ block: "nearest" });
        return card?.dataset.state === "ready";
      },
      product,
      { timeout: TIMEOUT_MS, polling: 100 },
    );
    await card.scrollIntoViewIfNeeded();
    await page.evaluate(watchPurchase, product);
    await card.locator("button.buy-button").click({ timeout: TIMEOUT_MS });
    await page.waitForFunction(() => window.__purchase.armed, null, { timeout: TIMEOUT_MS });
    await card.locator("dialog.sheet[open] button.confirm").click({ timeout: TIMEOUT_MS });
    await page.waitForFunction(() => window.__purchase.placed, null, { timeout: TIMEOUT_MS });
    const t = await page.evaluate(() => window.__purchase);
    if (t.clicks.length !== 2) throw new Error(`expected 2 clicks, saw ${t.clicks.length}`);
    const [buy, confirm] = t.clicks;
    const result = {
      sheetMs: t.sheet - buy,
      totalMs: t.total - buy,
      armingMs: t.armed - t.sheet,
      placedMs: t.placed - confirm,
      totalNetworkMs: await page.evaluate(network, [buy, t.totalDom]),
      placedNetworkMs: await page.evaluate(network, [confirm, t.placedDom]),
    };
    if (errors.length) throw new Error(`errors in the page: ${errors.join("; ")}`);
    return result;
  } finally {
    await context.close();
  }
}

// The layout shift of `path` (index.html, profile.html) at `viewport`, from navigation to every
// <buy-card> and <product-carousel> ready, and to one second after that: the sum of the
// layout-shift entries' values (none follows an input here).
export async function measureShift(browser, base, { path, viewport }) {
  const context = await browser.newContext({ viewport });
  try {
    const page = await context.newPage();
    await page.addInitScript(observe, { selector: "buy-card, product-carousel", expected: 0 });
    await page.goto(base + path, { timeout: TIMEOUT_MS });
    // What the reader sees: every element in the first screen ready (the others mount when
    // scrolled near).
    const readyAt = await page.waitForFunction(
      () => {
        const all = [...document.querySelectorAll("buy-card, product-carousel")].filter((el) => el.getBoundingClientRect().top < innerHeight);
        return all.length > 0 && all.every((el) => el.dataset.state === "ready") && performance.now();
      },
      null,
      { timeout: TIMEOUT_MS },
    );
    const ready = await readyAt.jsonValue();
    await page.waitForTimeout(1000);
    const shifts = await page.evaluate(() => window.__bench.shifts);
    const sum = (list) => list.reduce((s, [, v]) => s + v, 0);
    return { readyMs: ready, cls: sum(shifts.filter(([at]) => at <= ready)), clsSettled: sum(shifts) };
  } finally {
    await context.close();
  }
}
