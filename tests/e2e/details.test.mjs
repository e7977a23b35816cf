// New buyers: the details sheet, saving for one-click, declines and inline validation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, newPage, artifact, cardText, signIn as walletSignIn } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

// A buyer id of this run only: wallets persist on a long-lived server.
const fresh = (name) => `${name}-${process.pid}-${Date.now()}`;

async function signIn(page, buyer) {
  await walletSignIn(page, buyer);
  await page.reload();
}

const stateOf = (page, product) =>
  page.evaluate((p) => document.querySelector(`buy-card[product="${p}"]`).dataset.state, product);

async function openDetails(page, product) {
  const card = page.locator(`buy-card[product="${product}"]`);
  await page.waitForFunction((p) => document.querySelector(`buy-card[product="${p}"]`).dataset.state === "ready", product);
  await card.locator("button.buy-button").click();
  await page.waitForFunction((p) => document.querySelector(`buy-card[product="${p}"]`).dataset.state === "details", product);
  return card;
}

async function fillAddress(card, buyer) {
  await card.locator("#bc-email").fill(buyer);
  await card.locator("#bc-name").fill("Newt Buyer");
  await card.locator("#bc-line_one").fill("1 Market St");
  await card.locator("#bc-city").fill("San Francisco");
  await card.locator("#bc-state").fill("CA");
  await card.locator("#bc-postal_code").fill("94105");
  await card.locator("button.continue").click();
  await card.locator("button.pay").waitFor();
}

async function pay(card, number) {
  await card.locator("#bc-card_number").fill(number);
  await card.locator("#bc-expiry").fill("12/30");
  await card.locator("#bc-cvc").fill("123");
  await card.locator("button.pay").click();
}

test("a new buyer enters details once, saves them, and the next purchase is one-click", async () => {
  const page = await newPage(browser, { viewport: { width: 700, height: 1600 } });
  await page.goto(BASE + "/");
  await signIn(page, fresh("newt"));
  const card = await openDetails(page, "tour-tee");
  assert.equal(await cardText(card.locator(".sheet-title")), "Your details");
  await fillAddress(card, "newt@example.com");
  // The sheet now shows what will be charged: the merchant's total with delivery and tax.
  assert.equal(await cardText(card.locator(".total")), "Total$31.81", "$25 + $5 shipping + 7.25% CA tax ($1.81)");
  assert.equal(await card.locator("input[name=save]").isChecked(), true);
  await pay(card, "4242 4242 4242 4242");
  await page.waitForFunction(() => document.querySelector('buy-card[product="tour-tee"]').dataset.state === "placed");
  await card.screenshot({ path: artifact("details-placed.png") });
  // Next purchase: saved details, so Buy goes straight to the confirmation.
  await page.reload();
  const pin = page.locator('buy-card[product="enamel-pin"]');
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "ready");
  await pin.locator("button.buy-button").click();
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "confirming");
  assert.match(await cardText(pin.locator(".payer")), /Visa •••• 4242/);
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').shadowRoot.querySelector("button.confirm").getAttribute("aria-disabled") === "false");
  await pin.locator("button.confirm").click();
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "placed");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a declined card, then a good card, gives one order", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  await signIn(page, fresh("dora"));
  const completes = [];
  page.on("request", (r) => r.url().includes("/complete") && completes.push(r.url()));
  const card = await openDetails(page, "enamel-pin");
  await fillAddress(card, "dora@example.com");
  await pay(card, "4000 0000 0000 0002");
  await card.locator("[role=alert]").waitFor();
  assert.equal(await cardText(card.locator(".problem")), "Your card was declined. Try another card.");
  assert.equal(await stateOf(page, "enamel-pin"), "details", "the sheet stays open");
  assert.equal(await card.locator("#bc-email").inputValue(), "dora@example.com", "what was typed is kept");
  await pay(card, "4242 4242 4242 4242");
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "placed");
  const sessions = new Set(completes.map((u) => u.split("/checkout_sessions/")[1].split("/")[0]));
  assert.equal(sessions.size, 1, "one checkout session, hence at most one order");
  await page.context().close();
});

test("inline validation is specific and keeps what was typed", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  await signIn(page, fresh("vera"));
  const card = await openDetails(page, "night-market-print");
  await card.locator("#bc-email").fill("vera@");
  await card.locator("#bc-city").fill("Portland");
  await card.locator("button.continue").click();
  assert.equal(await card.locator("#bc-email").getAttribute("aria-invalid"), "true");
  assert.equal(await cardText(card.locator("#bc-email-error")), "Enter an email address like name@example.com.");
  assert.equal(await cardText(card.locator("#bc-name-error")), "Required.");
  assert.equal(await card.locator("#bc-city").getAttribute("aria-invalid"), "false");
  assert.equal(await card.locator("#bc-city").inputValue(), "Portland");
  assert.equal(await card.locator("button.pay").count(), 0, "no card fields before the address is accepted");
  // France needs no state, and the field goes away.
  await card.locator("#bc-country").selectOption("FR");
  assert.equal(await card.locator("#bc-state").count(), 0);
  await page.context().close();
});

test("a signed-out visitor buys as a guest: the card goes to the shop's payment provider", async () => {
  const page = await newPage(browser, { viewport: { width: 700, height: 1600 } });
  await page.goto(BASE + "/");
  // Nobody signed in: the wallet answers 401, and the card does not send the card number to it.
  const walletPosts = [];
  page.on("request", (r) => r.method() === "POST" && r.url().includes("/wallet/") && walletPosts.push(r.url()));
  const card = await openDetails(page, "tour-tee");
  await fillAddress(card, "guest@example.com");
  assert.equal(await card.locator("input[name=save]").count(), 0, "a guest has nothing to save to");
  await pay(card, "4242 4242 4242 4242");
  await page.waitForFunction(() => document.querySelector('buy-card[product="tour-tee"]').dataset.state === "placed");
  assert.deepEqual(walletPosts, []);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
