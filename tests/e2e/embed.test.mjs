// buycard as a third party sees it: one <script type="module"> on a page of another origin.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { BASE, launch, newPage, cardText } from "./browser.mjs";

// The host site: another origin (its own port on loopback) serving one post page at a time.
let browser;
let host;
let hostBody = "";
before(async () => {
  browser = await launch();
  host = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><title>A post</title></head><body>${hostBody}</body></html>`);
  });
  await new Promise((resolve) => host.listen(0, "127.0.0.1", resolve));
});
after(async () => {
  await browser?.close();
  await new Promise((resolve) => host?.close(resolve));
});

async function hostPage(body) {
  hostBody = body;
  const page = await newPage(browser);
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  const origin = `http://127.0.0.1:${host.address().port}`;
  assert.notEqual(origin, new URL(BASE).origin);
  await page.goto(`${origin}/post.html`);
  return { page, requests };
}

test("one script tag embeds the card on another origin, and loads the wasm once", async () => {
  const { page, requests } = await hostPage(`
    <script type="module" src="${BASE}/buycard.js"></script>
    <script type="module" src="${BASE}/buycard.js"></script>
    <p>Look what I found!</p>
    <buy-card endpoint="${BASE}/api" feed="demo" product="fillmore-tickets"></buy-card>
    <buy-card endpoint="${BASE}/api" feed="demo" product="night-market-print" locale="fr"></buy-card>`);
  await page.waitForFunction(
    () => [...document.querySelectorAll("buy-card")].every((c) => c.dataset.state === "ready"),
    null,
    { timeout: 15000 },
  );
  const [tickets, print] = [page.locator("buy-card").nth(0), page.locator("buy-card").nth(1)];
  assert.equal(await cardText(tickets.locator(".title")), "The Wandering Lights, live: concert ticket");
  assert.equal(await cardText(tickets.locator(".now")), "Price: $45.00");
  assert.equal(await cardText(print.locator(".now")), "Prix : 120,00 $US");
  assert.equal(requests.filter((u) => u.endsWith("/buycard_bg.wasm")).length, 1, "the wasm is fetched once");
  assert.equal(requests.filter((u) => u.includes("/feeds/")).length, 1, "the feed is fetched once");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the host page's CSS cannot restyle the card", async () => {
  const { page } = await hostPage(`
    <style>* { color: rgb(255, 0, 0) !important; font-size: 40px !important; } p { display: none !important; }</style>
    <script type="module" src="${BASE}/buycard.js"></script>
    <buy-card endpoint="${BASE}/api" feed="demo" product="tour-tee"></buy-card>`);
  await page.waitForFunction(() => document.querySelector("buy-card").dataset.state === "ready");
  const style = await page.locator("buy-card .title").evaluate((el) => {
    const s = getComputedStyle(el);
    return { display: s.display, color: s.color };
  });
  assert.notEqual(style.display, "none");
  assert.notEqual(style.color, "rgb(255, 0, 0)");
  await page.context().close();
});

test("bad input gets a clear, visible error and nothing breaks", async () => {
  const { page } = await hostPage(`
    <script type="module" src="${BASE}/buycard.js"></script>
    <buy-card id="unknown" endpoint="${BASE}/api" feed="demo" product="no-such-product"></buy-card>
    <buy-card id="nofeed" endpoint="${BASE}/api" feed="no-such-feed" product="tour-tee"></buy-card>
    <buy-card id="unreachable" endpoint="http://127.0.0.1:9/api" feed="demo" product="tour-tee"></buy-card>
    <buy-card id="missing" endpoint="${BASE}/api" feed="demo"></buy-card>
    <buy-card id="hostile" endpoint="javascript:alert(1)" feed="demo" product="tour-tee"></buy-card>
    <buy-card id="good" endpoint="${BASE}/api" feed="demo" product="enamel-pin"></buy-card>`);
  await page.waitForFunction(
    () => [...document.querySelectorAll("buy-card")].every((c) => ["ready", "error"].includes(c.dataset.state)),
    null,
    { timeout: 20000 },
  );
  const expectations = {
    unknown: ["product_not_found", "This product is not in the shop’s catalog."],
    nofeed: ["feed_not_found", "This shop’s products are not available here."],
    unreachable: ["network", "The shop could not be reached. Check your connection."],
    missing: ["missing_attribute", "This card is missing its “product” attribute."],
    hostile: ["bad_endpoint", "This card’s shop address is not a web address."],
  };
  for (const [id, [code, message]] of Object.entries(expectations)) {
    const el = page.locator(`#${id}`);
    assert.equal(await el.getAttribute("data-state"), "error", id);
    assert.equal(await el.getAttribute("data-error"), code, id);
    assert.equal(await cardText(el.locator("[role=alert] p")), message, id);
  }
  // The unreachable shop offers a retry; the rest of the page still works.
  assert.equal(await page.locator("#unreachable button.retry").count(), 1);
  assert.equal(await page.locator("#good").getAttribute("data-state"), "ready");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
