// A React 18 host: the page renders <buy-card> with React.createElement, listens for
// buycard:order through a ref (React 18 gives custom elements no event props), and a saved buyer
// buys. React and ReactDOM come from their UMD files in node_modules (no bundler, no CDN); the
// test serves the page on the platform's origin with Playwright's routing, beside the release
// build, so the wallet and the gateway are the host's own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { BASE, launch, newPage, artifact, cardText, signIn } from "./browser.mjs";

// The packages' UMD builds (not in their `exports`: found beside their package.json). The
// development builds, so that React's warnings (console.error) fail the test.
const require = createRequire(import.meta.url);
const umd = (name, file) => join(dirname(require.resolve(`${name}/package.json`)), "umd", file);
const VENDOR = {
  "react.js": umd("react", "react.development.js"),
  "react-dom.js": umd("react-dom", "react-dom.development.js"),
};

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>A React host</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <script src="/react-host/react.js"></script>
    <script src="/react-host/react-dom.js"></script>
    <script type="module" src="/buycard.js"></script>
    <style>
      body { font: 16px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; }
      main { max-width: 420px; margin: 24px auto; padding: 0 12px; }
      .post { background: #fff; border-radius: 12px; padding: 12px; }
      .receipt { margin: 12px 0 0; padding: 8px 12px; border-radius: 8px; background: #e7f6ec; }
    </style>
  </head>
  <body>
    <main id="root"></main>
    <script>
      const { createElement: h, useCallback, useEffect, useRef, useState, StrictMode } = React;

      // A post with a card, as a React app renders one. React 18 sets the props as attributes.
      function Post({ onOrder }) {
        const card = useRef(null);
        useEffect(() => {
          const element = card.current;
          const listener = (event) => onOrder(event.detail);
          element.addEventListener("buycard:order", listener);
          return () => element.removeEventListener("buycard:order", listener);
        }, [onOrder]);
        return h(
          "article",
          { className: "post" },
          h("p", null, "Pins are on backorder: order now and we ship as soon as the next batch lands."),
          h("buy-card", { ref: card, endpoint: "/shops/lantern", feed: "demo", product: "enamel-pin", wallet: "/wallet", quantity: 1 }),
        );
      }

      function App() {
        const [orders, setOrders] = useState([]);
        const onOrder = useCallback((order) => setOrders((seen) => [...seen, order]), []);
        return h(
          "div",
          null,
          h(Post, { onOrder }),
          orders.map((order) =>
            h(
              "p",
              { key: order.order_id, className: "receipt", role: "status", "data-order-id": order.order_id, "data-session-id": order.checkout_session_id, "data-permalink": order.permalink_url },
              "React got the order " + order.order_id,
            ),
          ),
        );
      }

      // StrictMode runs every effect twice: the listener must still be added once.
      ReactDOM.createRoot(document.getElementById("root")).render(h(StrictMode, null, h(App)));
    </script>
  </body>
</html>`;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function reactHost(options) {
  const page = await newPage(browser, options);
  // React's development build reports misuse with console.error ("Warning: …").
  page.consoleErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) page.consoleErrors.push(message.text());
  });
  await page.route(`${BASE}/react-host.html`, (route) => route.fulfill({ contentType: "text/html; charset=utf-8", body: PAGE }));
  await page.route(`${BASE}/react-host/*.js`, (route) => {
    const file = VENDOR[new URL(route.request().url()).pathname.split("/").pop()];
    return file
      ? route.fulfill({ contentType: "text/javascript; charset=utf-8", body: readFileSync(file, "utf8") })
      : route.fulfill({ status: 404, body: "" });
  });
  return page;
}

test("a React 18 page renders a card and gets the saved buyer's order through a ref", async () => {
  const page = await reactHost({ viewport: { width: 480, height: 900 } });
  await page.goto(`${BASE}/react-host.html`);
  assert.equal(await signIn(page, "ada"), 200);
  await page.reload();
  assert.equal(await page.evaluate(() => React.version), "18.3.1");
  const card = page.locator("buy-card");
  await page.waitForFunction(() => document.querySelector("buy-card")?.dataset.state === "ready", null, { timeout: 15000 });
  // React gave the element its props as attributes.
  assert.deepEqual(
    await card.evaluate((el) => Object.fromEntries(["endpoint", "feed", "product", "wallet", "quantity"].map((a) => [a, el.getAttribute(a)]))),
    { endpoint: "/shops/lantern", feed: "demo", product: "enamel-pin", wallet: "/wallet", quantity: "1" },
  );
  // What the host page itself hears, to compare with what React got.
  const heard = page.evaluate(
    () => new Promise((resolve) => document.addEventListener("buycard:order", (e) => resolve(e.detail), { once: true })),
  );
  // Two taps: Buy, then Confirm once it is armed.
  await card.locator("button.buy-button").click();
  await card.locator("dialog.sheet[open]").waitFor();
  assert.match(await cardText(card.locator(".payer")), /Visa •••• 4242/);
  await page.waitForFunction(
    () => document.querySelector("buy-card").shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false",
  );
  await card.locator("button.confirm").click();
  const order = await heard;
  assert.match(order.order_id, /^ord_/);

  // React's state has the order, once, with the event's detail.
  const receipt = page.locator("p.receipt");
  await receipt.waitFor();
  assert.equal(await receipt.count(), 1, "one listener despite StrictMode's second effect run");
  assert.equal(await receipt.textContent(), `React got the order ${order.order_id}`);
  assert.deepEqual(
    await receipt.evaluate((p) => ({ order_id: p.dataset.orderId, checkout_session_id: p.dataset.sessionId, permalink_url: p.dataset.permalink })),
    { order_id: order.order_id, checkout_session_id: order.checkout_session_id, permalink_url: order.permalink_url },
  );
  assert.ok(order.checkout_session_id, "the order names its checkout session");
  assert.equal((await page.request.get(order.permalink_url)).status(), 200, "the order's page exists");
  await page.waitForFunction(() => document.querySelector("buy-card").dataset.state === "placed");

  // The picture: the card's placed sheet over the React page.
  await page.screenshot({ path: artifact("react-host-placed.png") });
  await card.locator("button.done").click();
  await page.waitForFunction(() => document.querySelector("buy-card").dataset.state === "ready");
  await page.screenshot({ path: artifact("react-host.png"), fullPage: true });

  assert.deepEqual(page.errors, []);
  assert.deepEqual(page.consoleErrors, [], "React warned of nothing");
  await page.context().close();
});
