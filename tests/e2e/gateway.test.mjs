// The timeline buys through the platform gateway from two shops that speak different ACP
// versions: Lantern Press (the platform's own merchant, 2026-04-17) and Harbor Records (a
// merchant of its own, 2026-01-16, with a bearer key and signed requests the browser never sees).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, newPage, artifact, cardText, signIn, nextEvent, cardReady } from "./browser.mjs";

const HARBOR = process.env.BUYCARD_HARBOR_URL;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

// A session as the shop has it, read through the gateway (the page cannot reach the shop).
function gatewaySession(page, shop, id) {
  return page.evaluate(
    async ([shop, id]) =>
      (await fetch(`/shops/${shop}/checkout_sessions/${id}`, { headers: { "API-Version": "2026-04-17" } })).json(),
    [shop, id],
  );
}

async function buyInTwoTaps(page, product) {
  const selector = `buy-card[product="${product}"]`;
  const card = page.locator(selector);
  await cardReady(page, selector);
  const order = nextEvent(page, "buycard:order");
  await card.locator("button.buy-button").click();
  await card.locator("dialog.sheet[open]").waitFor();
  await page.waitForFunction(
    (s) => document.querySelector(s).shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false",
    selector,
  );
  const total = await cardText(card.locator("dialog.sheet[open] .total"));
  await card.locator("button.confirm").click();
  const placed = await order;
  await page.waitForFunction((s) => document.querySelector(s).dataset.state === "placed", selector);
  return { card, placed, total };
}

test("one timeline buys from two shops on two ACP versions through the gateway", async () => {
  assert.ok(HARBOR, "cargo xtask test starts Harbor Records and passes BUYCARD_HARBOR_URL");
  const page = await newPage(browser, { viewport: { width: 700, height: 1400 } });
  const direct = [];
  page.on("request", (r) => {
    if (r.url().startsWith(HARBOR)) direct.push(r.url());
  });
  await page.goto(BASE + "/");
  assert.equal(await signIn(page, "ada"), 200);
  await page.reload();

  // Lantern Press, ACP 2026-04-17.
  const lantern = await buyInTwoTaps(page, "enamel-pin");
  assert.match(lantern.placed.order_id, /^ord_/);
  const lanternSession = await gatewaySession(page, "lantern", lantern.placed.checkout_session_id);
  assert.equal(lanternSession.status, "completed");
  // The sheet is modal: Close it before the next post's Buy.
  await lantern.card.locator("button.done").click();
  await cardReady(page, 'buy-card[product="enamel-pin"]');

  // Harbor Records, ACP 2026-01-16: the sheet shows its own totals, converted by the gateway.
  const harbor = await buyInTwoTaps(page, "tidewater-lp");
  assert.match(harbor.total, /^Total\$\d+\.\d\d$/);
  const harborSession = await gatewaySession(page, "harbor", harbor.placed.checkout_session_id);
  assert.equal(harborSession.status, "completed");
  assert.equal(harborSession.order.id, harbor.placed.order_id);
  assert.ok(harbor.placed.permalink_url.startsWith(HARBOR), harbor.placed.permalink_url);
  assert.match(await cardText(harbor.card.locator(".placed")), /order is placed/);

  // The page never called the merchant itself (only its product photos come from the shop).
  assert.deepEqual(direct.filter((u) => !u.includes("/media/")), []);
  // ACP 2026-01-16 has no order_number: the sheet says placed and links the order, and never
  // shows the system id instead.
  assert.equal(await harbor.card.locator(".order-number").count(), 0);
  assert.doesNotMatch(await harbor.card.locator("dialog.sheet").textContent(), /ord_/);
  await page.screenshot({ path: artifact("gateway-harbor-placed.png") });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a shop the gateway does not know is explained on the card, not a network error", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  await page.evaluate(() => {
    document.querySelector("main").insertAdjacentHTML(
      "afterbegin",
      '<buy-card id="nowhere" endpoint="/shops/nowhere" feed="demo" product="tour-tee"></buy-card>',
    );
  });
  await page.waitForFunction(() => document.querySelector("#nowhere").dataset.state === "error");
  const code = await page.evaluate(() => document.querySelector("#nowhere").dataset.error);
  assert.notEqual(code, "network");
  await page.context().close();
});
