// A timeline at scale: 1,000 posts with a <buy-card> each, on a phone, against the real platform.
// Cards far below the viewport wait as placeholders and mount as they come near; the page
// scrolls to the end and every card is ready, from one request per feed, and nothing moves the
// reader's view while it happens (layout shift).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BASE, launch, newPage, artifact } from "./browser.mjs";

// The demo shops' products and their photos' proportions (buycard-reserve.css's --reserve-photo).
const PRODUCTS = [
  ["lantern", "demo", "night-market-print", 1.25],
  ["lantern", "demo", "tour-tee", 1.25],
  ["lantern", "demo", "fillmore-tickets", 0.6667],
  ["harbor", "harbor", "tidewater-lp", 1],
  ["lantern", "demo", "long-thread", 1.5],
  ["lantern", "demo", "debut-vinyl", 1],
  ["harbor", "harbor", "pier-sessions-ticket", 0.6667],
  ["lantern", "demo", "enamel-pin", 1],
];
const POSTS = 1000;

const RESERVE_CSS = readFileSync(new URL("../../buycard-reserve.css", import.meta.url), "utf8");
const HOST_CSS = `
  body { margin: 0; font: 16px/1.4 system-ui, sans-serif; }
  main { max-width: 600px; margin: 0 auto; }
  .post { padding: 12px 16px; border-bottom: 1px solid #ddd; }
  .post p { margin: 0 0 8px; }
`;

// `posts` posts cycling through the products; `words[product]` is the height of a card's words,
// which the host measures once per product at its column's width (README, "Reserve the space").
function timelinePage(count, words = {}) {
  const posts = [];
  for (let i = 0; i < count; i++) {
    const [shop, feed, product, photo] = PRODUCTS[i % PRODUCTS.length];
    const reserve = words[product] ?? 162;
    posts.push(
      `<article class="post"><p>Post ${i + 1}: look what I found.</p>` +
        `<buy-card endpoint="/shops/${shop}" wallet="/wallet" feed="${feed}" product="${product}" ` +
        `style="--reserve-photo: ${photo}; --reserve-words: ${reserve}px"></buy-card></article>`,
    );
  }
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>A long timeline</title>
    <link rel="stylesheet" href="/timeline-1000/reserve.css" />
    <link rel="stylesheet" href="/timeline-1000/host.css" />
    <script type="module" src="/buycard.js"></script>
  </head>
  <body><main>${posts.join("\n")}</main></body>
</html>`;
}

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

// The page `body` at /timeline-1000.html, with its stylesheets.
async function routed(viewport, body) {
  const page = await newPage(browser, { viewport });
  await page.route(`${BASE}/timeline-1000.html`, (route) => route.fulfill({ contentType: "text/html; charset=utf-8", body }));
  await page.route(`${BASE}/timeline-1000/reserve.css`, (route) => route.fulfill({ contentType: "text/css; charset=utf-8", body: RESERVE_CSS }));
  await page.route(`${BASE}/timeline-1000/host.css`, (route) => route.fulfill({ contentType: "text/css; charset=utf-8", body: HOST_CSS }));
  return page;
}

const PHONE = { width: 390, height: 844 };

// What the host measures once: each product's card height in this column, less the card's 26 px
// of padding and border (the words' height, or as much when the photo is taller).
async function measureWords() {
  const page = await routed({ ...PHONE, height: 4000 }, timelinePage(PRODUCTS.length));
  await page.goto(`${BASE}/timeline-1000.html`);
  await page.waitForFunction(() => [...document.querySelectorAll("buy-card")].every((c) => c.dataset.state === "ready"), null, { timeout: 20000 });
  const words = await page.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll("buy-card")].map((c) => [c.getAttribute("product"), c.getBoundingClientRect().height - 26])),
  );
  await page.context().close();
  return words;
}

test("a timeline of 1,000 posts scrolls to the end with every card ready", async () => {
  const page = await routed(PHONE, timelinePage(POSTS, await measureWords()));
  const requests = [];
  page.on("request", (r) => requests.push(new URL(r.url()).pathname));
  // Every layout shift the reader could see, from the first paint on.
  await page.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (!entry.hadRecentInput) window.__shifts.push({ value: entry.value, at: entry.startTime, sources: entry.sources.map((s) => s.node?.nodeName ?? "?") });
      }
    }).observe({ type: "layout-shift", buffered: true });
  });

  await page.goto(`${BASE}/timeline-1000.html`);
  await page.waitForFunction(() => document.querySelector("buy-card")?.dataset.state === "ready", null, { timeout: 20000 });
  // Only what is near the viewport mounted; the rest waits.
  const first = await page.evaluate(() => {
    const cards = [...document.querySelectorAll("buy-card")];
    return { ready: cards.filter((c) => c.dataset.state === "ready").length, loading: cards.filter((c) => c.dataset.state === "loading").length };
  });
  assert.ok(first.ready > 0 && first.ready < 20, `only the cards near the first screen are mounted: ${JSON.stringify(first)}`);
  assert.equal(first.ready + first.loading, POSTS);

  // The reader scrolls a screen at a time to the end (bounded).
  const screens = await page.evaluate(async () => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
    let screens = 0;
    while (scrollY + innerHeight < document.documentElement.scrollHeight - 1 && screens < 3000) {
      scrollBy(0, innerHeight);
      await frame();
      await frame();
      screens++;
    }
    return screens;
  });
  await page.waitForFunction(() => [...document.querySelectorAll("buy-card")].every((c) => c.dataset.state === "ready"), null, { timeout: 60000 });
  await page.screenshot({ path: artifact("timeline-1000-end-390.png") });

  const states = await page.evaluate(() => {
    const counts = {};
    for (const card of document.querySelectorAll("buy-card")) counts[card.dataset.state] = (counts[card.dataset.state] ?? 0) + 1;
    return counts;
  });
  assert.deepEqual(states, { ready: POSTS });
  const feeds = requests.filter((p) => p.includes("/feeds/"));
  assert.deepEqual(feeds.sort(), ["/shops/harbor/feeds/harbor/products", "/shops/lantern/feeds/demo/products"], "one request per feed for 1,000 cards");
  assert.equal(requests.filter((p) => p.endsWith("/wallet/buyer")).length, 0, "no wallet look-up without an intent to buy");
  const shifts = await page.evaluate(() => window.__shifts);
  const cls = shifts.reduce((sum, s) => sum + s.value, 0);
  console.log(`# ${POSTS} posts, ${screens} screens scrolled, layout shift ${cls.toFixed(4)} (${shifts.length} shifts)`);
  assert.equal(cls, 0, `no layout shift from placeholder to ready: ${JSON.stringify(shifts.slice(0, 5))}`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
