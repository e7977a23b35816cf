// A saved buyer buys in two taps on the timeline, against the real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, newPage, artifact, cardText } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

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
  assert.equal(status, 200);
}

test("a signed-in saved buyer buys in two clicks and the order exists", async () => {
  const page = await newPage(browser, { viewport: { width: 700, height: 1400 } });
  await page.goto(BASE + "/");
  await signIn(page, "ada");
  await page.reload();
  const card = page.locator('buy-card[product="enamel-pin"]');
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "ready");
  const orders = page.evaluate(
    () =>
      new Promise((resolve) =>
        document.addEventListener("buycard:order", (event) => resolve(event.detail), { once: true }),
      ),
  );
  // Tap 1: Buy opens the confirmation with the merchant's totals.
  await card.locator("button.buy-button").click();
  const sheet = card.locator("[role=dialog]");
  await sheet.waitFor();
  assert.equal(await card.getAttribute("data-state"), "confirming");
  // $8.00 + standard shipping $5.00 + 7.25% California tax on the item (58¢), all from the server.
  assert.equal(await cardText(sheet.locator(".total")), "Total$13.58");
  assert.match(await cardText(sheet.locator(".payer")), /Visa •••• 4242/);
  assert.match(await cardText(sheet.locator(".ship")), /Ada Lovelace, San Francisco/);
  // The sheet has focus; Confirm arms after a short moment.
  assert.equal(await page.evaluate(() => document.querySelector('buy-card[product="enamel-pin"]').shadowRoot.activeElement?.className), "sheet-title");
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').shadowRoot.querySelector("button.confirm").getAttribute("aria-disabled") === "false");
  // Tap 2: Confirm places the order.
  await sheet.locator("button.confirm").click();
  const order = await orders;
  assert.match(order.order_id, /^ord_/);
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "placed");
  assert.match(await cardText(card.locator(".placed")), /order is placed/);
  // The order exists on the server.
  const session = await page.evaluate(async (id) => {
    const answer = await fetch(`/api/checkout_sessions/${id}`, { headers: { "API-Version": "2026-04-17" } });
    return answer.json();
  }, order.checkout_session_id);
  assert.equal(session.status, "completed");
  assert.equal(session.order.id, order.order_id);
  const orderPage = await page.request.get(order.permalink_url);
  assert.equal(orderPage.status(), 200);
  await card.screenshot({ path: artifact("buy-placed.png") });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
