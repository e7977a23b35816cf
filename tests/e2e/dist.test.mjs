// The folder `cargo xtask dist` writes, deployed as a host would: on a CDN of another origin (a
// plain static server of the test's own on loopback, with CORS and the precompressed files), and
// embedded by a page on the platform's origin (served with Playwright's routing) whose visitor,
// the saved buyer Ada, buys through the platform's gateway and wallet. Then the same page under a
// strict Content Security Policy, which nothing of buycard may violate.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { BASE, launch, newPage, artifact, cardText, signIn, nextEvent, checkoutSession, recordCspViolations } from "./browser.mjs";

// `cargo xtask e2e` / `test` write the folder and say where; by hand, the one under target/dist.
function distFolder() {
  if (process.env.BUYCARD_DIST) return process.env.BUYCARD_DIST;
  const parent = new URL("../../target/dist/", import.meta.url).pathname;
  const found = existsSync(parent) ? readdirSync(parent).filter((n) => n.startsWith("buycard-")) : [];
  if (found.length !== 1) throw new Error(`run \`cargo xtask dist\` first (found ${JSON.stringify(found)} in ${parent})`);
  return join(parent, found[0]);
}
const DIST = distFolder();

const TYPES = {
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
};

// A CDN as far as the browser can tell: every file of the folder with `Access-Control-Allow-Origin:
// *`, its precompressed `.br` (else `.gz`) when the request accepts it. `served` records what went
// out; while `held` is set, buycard.js waits (the page as it is before the script has run).
let cdn;
let CDN;
const served = [];
let held = null;
function holdScript() {
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  held = { gate, release, arrived: false };
  return held;
}
function startCdn() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://cdn").pathname);
    const file = normalize(join(DIST, path));
    const type = TYPES[extname(file)];
    if (!file.startsWith(DIST + sep) || !type || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "access-control-allow-origin": "*" });
      res.end();
      return;
    }
    if (path === "/buycard.js" && held) {
      held.arrived = true;
      await held.gate;
    }
    const accepts = (req.headers["accept-encoding"] ?? "").split(",").map((e) => e.trim().split(";")[0]);
    const encoding = accepts.includes("br") && existsSync(file + ".br") ? "br" : accepts.includes("gzip") && existsSync(file + ".gz") ? "gzip" : null;
    const body = readFileSync(encoding === "br" ? file + ".br" : encoding === "gzip" ? file + ".gz" : file);
    served.push({ path, encoding, acceptEncoding: req.headers["accept-encoding"] ?? "" });
    res.writeHead(200, {
      "content-type": type,
      "content-length": body.length,
      "access-control-allow-origin": "*",
      "cache-control": "no-cache",
      vary: "Accept-Encoding",
      ...(encoding ? { "content-encoding": encoding } : {}),
    });
    res.end(body);
  });
  // Bounded: idle connections do not keep the test alive once it closes the server.
  server.keepAliveTimeout = 1000;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

let browser;
before(async () => {
  browser = await launch();
  cdn = await startCdn();
  CDN = `http://127.0.0.1:${cdn.address().port}`;
  assert.notEqual(CDN, new URL(BASE).origin, "the CDN is another origin");
});
after(async () => {
  await browser?.close();
  if (cdn) {
    cdn.closeAllConnections();
    await new Promise((resolve) => cdn.close(resolve));
  }
});

// The host page: nothing inline (no <style>, no style attribute, no inline script), so that it
// also stands a strict CSP. Its own stylesheet gives the card its reservation's figures (README,
// "Reserve the space": the pin has no photo and 161 px of words on a phone).
const hostPage = () => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>A host with buycard from a CDN</title>
    <link rel="stylesheet" href="${CDN}/buycard.css" />
    <link rel="stylesheet" href="/dist-host/host.css" />
    <script type="module" src="${CDN}/buycard.js"></script>
  </head>
  <body>
    <main>
      <article class="post">
        <p>Pins are on backorder: order now and we ship as soon as the next batch lands.</p>
        <buy-card endpoint="/shops/lantern" wallet="/wallet" feed="demo" product="enamel-pin"></buy-card>
        <p class="below">Replies</p>
      </article>
    </main>
  </body>
</html>`;

const HOST_CSS = `
body { font: 16px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #0f1419; }
main { max-width: 600px; margin: 0 auto; padding: 16px; }
.post p { margin: 0 0 12px; }
.post .below { margin: 12px 0 0; color: #536471; }
buy-card { --reserve-photo: 1; --reserve-words: 161px; }
`;

const CSP = () =>
  `script-src 'self' ${CDN} 'wasm-unsafe-eval'; style-src 'self' ${CDN}`;

async function openHost({ csp = false } = {}) {
  // A page Playwright serves has no address of its own, so Chromium counts it as public and asks
  // before it reaches loopback (Local Network Access); a real host and CDN are both public.
  const page = await newPage(browser, { viewport: { width: 375, height: 800 }, permissions: ["local-network-access"], bypassCSP: !csp });
  page.cdnResponses = [];
  page.on("response", (r) => {
    if (r.url().startsWith(CDN)) page.cdnResponses.push({ url: r.url(), headers: r.headers() });
  });
  if (csp) {
    await recordCspViolations(page);
  }
  await page.route(`${BASE}/dist-host.html`, (route) =>
    route.fulfill({
      contentType: "text/html; charset=utf-8",
      headers: csp ? { "content-security-policy": CSP() } : {},
      body: hostPage(),
    }),
  );
  await page.route(`${BASE}/dist-host/host.css`, (route) => route.fulfill({ contentType: "text/css; charset=utf-8", body: HOST_CSS }));
  return page;
}

const cardState = (page) => page.evaluate(() => document.querySelector("buy-card").dataset.state ?? null);
const boxes = (page) =>
  page.evaluate(() => {
    const card = document.querySelector("buy-card").getBoundingClientRect();
    const below = document.querySelector(".below").getBoundingClientRect();
    return { width: card.width, height: card.height, below: below.top };
  });

test("a host on another origin embeds the dist folder from a CDN and Ada buys through it", async () => {
  served.length = 0;
  const page = await openHost();
  // Before the script: the CDN holds buycard.js, the page shows the reserved space.
  const gate = holdScript();
  try {
    await page.goto(`${BASE}/dist-host.html`, { waitUntil: "commit" });
    await page.waitForFunction(
      () => {
        const card = document.querySelector("buy-card");
        const s = card && getComputedStyle(card);
        return s && s.display === "block" && s.getPropertyValue("--reserve-words").trim() === "161px";
      },
      null,
      { timeout: 15000 },
    );
    for (let i = 0; i < 100 && !gate.arrived; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(gate.arrived, "the page asked the CDN for buycard.js");
    assert.equal(await cardState(page), null, "the script has not run");
    assert.equal(await page.evaluate(() => customElements.get("buy-card")), undefined);
    const reserved = await boxes(page);
    await page.screenshot({ path: artifact("dist-host-reserved.png") });

    // The platform's login (the wallet is the host's own), then the script may run.
    await page.evaluate(() => fetch("/wallet/demo/reset", { method: "POST" }));
    assert.equal(await signIn(page, "ada"), 200);
    gate.release();
    held = null;
    await page.waitForFunction(() => document.querySelector("buy-card").dataset.state === "ready", null, { timeout: 20000 });
    const ready = await boxes(page);
    console.log(`dist host 375px: reserved ${reserved.width}×${reserved.height}, card ${ready.width}×${ready.height}`);
    assert.equal(ready.width, reserved.width);
    assert.ok(Math.abs(ready.height - reserved.height) <= 1, `reserved ${reserved.height} px, the card is ${ready.height} px`);
    assert.ok(Math.abs(ready.below - reserved.below) <= 1, `what follows the card stayed (${reserved.below} → ${ready.below})`);
    await page.screenshot({ path: artifact("dist-host-ready.png") });
  } finally {
    gate.release();
    held = null;
  }

  // Two taps: Buy, then Confirm once it is armed.
  const card = page.locator("buy-card");
  assert.equal(await cardText(card.locator(".title")), "Lantern enamel pin");
  const orders = nextEvent(page, "buycard:order");
  await card.locator("button.buy-button").click();
  const sheet = card.locator("dialog.sheet[open]");
  await sheet.waitFor();
  assert.match(await cardText(sheet.locator(".payer")), /Visa •••• 4242/);
  assert.equal(await cardText(sheet.locator(".total")), "Total$13.58");
  await page.waitForFunction(
    () => document.querySelector("buy-card").shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false",
  );
  await sheet.locator("button.confirm").click();
  const order = await orders;
  assert.match(order.order_id, /^ord_/);
  await page.waitForFunction(() => document.querySelector("buy-card").dataset.state === "placed");
  const session = await checkoutSession(page, order.checkout_session_id);
  assert.equal(session.status, "completed");
  assert.equal(session.order.id, order.order_id);
  assert.equal((await page.request.get(order.permalink_url)).status(), 200, "the order's page exists");
  await page.screenshot({ path: artifact("dist-host-placed.png") });

  // Everything came from the CDN's folder, precompressed with brotli, with CORS.
  const paths = served.map((s) => s.path);
  for (const path of ["/buycard.js", "/buycard_bg.wasm", "/buycard.css"]) {
    assert.equal(paths.filter((p) => p === path).length, 1, `${path} fetched once (${JSON.stringify(paths)})`);
  }
  assert.ok(paths.some((p) => p.startsWith("/snippets/")), "the snippets came from the CDN");
  assert.deepEqual(
    served.filter((s) => s.encoding !== "br"),
    [],
    "every file went out as its .br",
  );
  const seen = page.cdnResponses.filter((r) => /\.(js|wasm|css)$/.test(new URL(r.url).pathname));
  assert.ok(seen.length >= 4, JSON.stringify(seen.map((r) => r.url)));
  for (const r of seen) {
    assert.equal(r.headers["content-encoding"], "br", r.url);
    assert.equal(r.headers["access-control-allow-origin"], "*", r.url);
  }
  assert.equal(seen.find((r) => r.url.endsWith(".wasm")).headers["content-type"], "application/wasm");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("under a strict CSP (script-src and style-src: self and the CDN) the card renders and opens its sheet without a violation", async () => {
  const page = await openHost({ csp: true });
  await page.goto(`${BASE}/dist-host.html`);
  await page.evaluate(() => fetch("/wallet/demo/reset", { method: "POST" }));
  assert.equal(await signIn(page, "ada"), 200);
  await page.reload();
  await page.waitForFunction(() => document.querySelector("buy-card").dataset.state === "ready", null, { timeout: 20000 });
  const card = page.locator("buy-card");
  await card.locator("button.buy-button").click();
  const sheet = card.locator("dialog.sheet[open]");
  await sheet.waitFor();
  assert.match(await cardText(sheet.locator(".payer")), /Visa •••• 4242/);
  await page.waitForFunction(
    () => document.querySelector("buy-card").shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false",
  );
  await page.screenshot({ path: artifact("dist-host-csp-sheet.png") });
  assert.deepEqual(await page.evaluate(() => window.__violations), [], "no CSP violation");
  assert.deepEqual(page.consoleCsp, [], "no CSP message in the console");
  // Cancel: the sheet closes, still without a violation.
  await sheet.locator("button.cancel").click();
  await page.waitForFunction(() => document.querySelector("buy-card").dataset.state === "ready");
  assert.deepEqual(await page.evaluate(() => window.__violations), []);

  // The policy is in force and the listener hears it: an inline style attribute is refused.
  await page.evaluate(() => document.body.insertAdjacentHTML("beforeend", '<p style="color: red">inline</p>'));
  await page.waitForFunction(() => window.__violations.length > 0, null, { timeout: 5000 });
  assert.match((await page.evaluate(() => window.__violations))[0], /^style-src/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
