// A saved buyer buys in two taps on the timeline, against the real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  BASE,
  launch,
  newPage,
  artifact,
  cardText,
  startServer,
  signIn as walletSignIn,
  nextEvent,
  checkoutSession,
  waitForSessionStatus,
  cardReady,
} from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function signIn(page, buyer) {
  assert.equal(await walletSignIn(page, buyer), 200);
}

test("a signed-in saved buyer buys in two clicks and the order exists", async () => {
  const page = await newPage(browser, { viewport: { width: 700, height: 1400 } });
  await page.goto(BASE + "/");
  await signIn(page, "ada");
  await page.reload();
  const card = page.locator('buy-card[product="enamel-pin"]');
  await cardReady(page, 'buy-card[product="enamel-pin"]');
  const orders = nextEvent(page, "buycard:order");
  // Tap 1: Buy opens the confirmation with the merchant's totals.
  await card.locator("button.buy-button").click();
  const sheet = card.locator("dialog.sheet[open]");
  await sheet.waitFor();
  assert.equal(await card.getAttribute("data-state"), "confirming");
  assert.equal(await card.locator("button.buy-button").isVisible(), false, "no Buy beside the open sheet");
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
  // The reference the buyer reads on the card, for the host's own receipt or analytics.
  assert.match(order.order_number, /^[A-Z]{2}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  assert.equal(await cardText(card.locator(".order-number")), `Order ${order.order_number}`);
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "placed");
  assert.match(await cardText(card.locator(".placed")), /order is placed/);
  // The result has focus (its heading says it), and still no Buy beside it.
  assert.equal(await page.evaluate(() => document.querySelector('buy-card[product="enamel-pin"]').shadowRoot.activeElement?.className), "sheet-title placed");
  assert.equal(await card.locator("button.buy-button").isVisible(), false, "no Buy beside the placed order");
  const session = await checkoutSession(page, order.checkout_session_id);
  assert.equal(session.status, "completed");
  assert.equal(session.order.id, order.order_id);
  const orderPage = await page.request.get(order.permalink_url);
  assert.equal(orderPage.status(), 200);
  // The order page is a receipt a phone can read, in both themes.
  for (const colorScheme of ["light", "dark"]) {
    const receipt = await newPage(browser, { viewport: { width: 375, height: 700 }, colorScheme });
    await receipt.goto(order.permalink_url);
    assert.match(await receipt.locator("tfoot tr.total").innerText(), /Total\s+\$13\.58/);
    assert.ok(
      await receipt.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      "nothing wider than a 375 px phone",
    );
    await receipt.screenshot({ path: artifact(`order-page-375-${colorScheme}.png`), fullPage: true });
    await receipt.context().close();
  }
  await card.screenshot({ path: artifact("buy-placed.png") });
  // Close goes back to the card, with Buy shown again and focused.
  await card.locator("button.done").click();
  await cardReady(page, 'buy-card[product="enamel-pin"]');
  assert.equal(await card.locator("dialog.sheet[open]").count(), 0);
  assert.equal(await card.locator("button.buy-button").isVisible(), true);
  assert.equal(await page.evaluate(() => document.querySelector('buy-card[product="enamel-pin"]').shadowRoot.activeElement?.classList[0]), "buy-button");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

const state = (page, product) =>
  page.evaluate((product) => document.querySelector(`buy-card[product="${product}"]`).dataset.state, product);

async function openAndArm(page, product) {
  const card = page.locator(`buy-card[product="${product}"]`);
  await cardReady(page, `buy-card[product="${product}"]`);
  await card.locator("button.buy-button").click();
  await card.locator("dialog.sheet[open]").waitFor();
  await page.waitForFunction(
    (p) => document.querySelector(`buy-card[product="${p}"]`).shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false",
    product,
  );
  return card;
}

const sessionStatus = async (page, sessionId) => (await checkoutSession(page, sessionId)).status;

test("at 375 px the open confirmation fits the phone, with no Buy beside it", async () => {
  const page = await newPage(browser, { viewport: { width: 375, height: 800 } });
  await page.goto(BASE + "/");
  await signIn(page, "ada");
  await page.reload();
  const card = await openAndArm(page, "enamel-pin");
  assert.equal(await card.locator("button.buy-button").isVisible(), false);
  assert.ok(
    await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    "nothing wider than a 375 px phone",
  );
  // Every button of the sheet lies inside it (none cut off at the card's edge).
  const outside = await card.evaluate((host) => {
    const sheet = host.shadowRoot.querySelector(".sheet").getBoundingClientRect();
    return [...host.shadowRoot.querySelectorAll(".sheet button")]
      .filter((b) => {
        const r = b.getBoundingClientRect();
        return r.left < sheet.left || r.right > sheet.right;
      })
      .map((b) => b.className);
  });
  assert.deepEqual(outside, []);
  // A bottom sheet across the phone's whole width, not the card's narrow text column.
  const box = await card.evaluate((host) => host.shadowRoot.querySelector("dialog.sheet").getBoundingClientRect().toJSON());
  assert.equal(Math.round(box.width), 375);
  assert.equal(Math.round(box.bottom), await page.evaluate(() => window.innerHeight));
  await page.screenshot({ path: artifact("sheet-375.png") });
  await page.keyboard.press("Escape");
  await cardReady(page, 'buy-card[product="enamel-pin"]');
  assert.equal(await card.locator("button.buy-button").isVisible(), true);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("keyboard only: Tab to Buy, Enter, Tab to Confirm, Enter", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  await signIn(page, "ada");
  await page.reload();
  await cardReady(page, 'buy-card[product="tour-tee"]');
  // Focus the Buy button of the tee card by tabbing from the page, as a keyboard user would.
  let found = false;
  for (let i = 0; i < 60 && !found; i++) {
    await page.keyboard.press("Tab");
    found = await page.evaluate(() => {
      const card = document.querySelector('buy-card[product="tour-tee"]');
      return document.activeElement === card && card.shadowRoot.activeElement?.classList.contains("buy-button");
    });
  }
  assert.ok(found, "the Buy button is reachable with Tab");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector('buy-card[product="tour-tee"]').shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false");
  await page.keyboard.press("Tab"); // from the focused sheet title to Confirm
  assert.equal(await page.evaluate(() => document.querySelector('buy-card[product="tour-tee"]').shadowRoot.activeElement?.classList[0]), "confirm");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector('buy-card[product="tour-tee"]').dataset.state === "placed");
  await page.context().close();
});

test("a double click on Confirm places one order", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  await signIn(page, "ada");
  await page.reload();
  const sessions = [];
  page.on("request", (r) => r.url().includes("/complete") && sessions.push(r.url()));
  const card = await openAndArm(page, "night-market-print");
  await card.locator("button.confirm").dblclick();
  await page.waitForFunction(() => document.querySelector('buy-card[product="night-market-print"]').dataset.state === "placed");
  assert.equal(sessions.length, 1, "one complete request for a double click");
  await page.context().close();
});

test("Escape cancels the checkout on the server and gives focus back to Buy", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  await signIn(page, "ada");
  await page.reload();
  const canceled = nextEvent(page, "buycard:cancel");
  await openAndArm(page, "enamel-pin");
  await page.keyboard.press("Escape");
  const detail = await canceled;
  await cardReady(page, 'buy-card[product="enamel-pin"]');
  assert.equal(await page.evaluate(() => document.querySelector('buy-card[product="enamel-pin"]').shadowRoot.activeElement?.classList[0]), "buy-button");
  await waitForSessionStatus(page, detail.checkout_session_id, "canceled");
  await page.context().close();
});

test("3-D Secure: the challenge, then the order", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  await signIn(page, "grace");
  await page.reload();
  const card = await openAndArm(page, "tour-tee");
  await card.locator("button.confirm").click();
  await card.locator(".challenge button.approve").click();
  await page.waitForFunction(() => document.querySelector('buy-card[product="tour-tee"]').dataset.state === "placed");
  await page.context().close();
});

test("the same in French", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  await signIn(page, "camille");
  await page.reload();
  // The publisher's post is in French: the card is too.
  const card = page.locator('buy-card[product="long-thread"]');
  await cardReady(page, 'buy-card[product="long-thread"]');
  // A pre-order says so on its button.
  assert.equal(await cardText(card.locator("button.buy-button")), "Précommander");
  await card.locator("button.buy-button").click();
  await card.locator("dialog.sheet[open]").waitFor();
  assert.equal(await cardText(card.locator(".sheet-title")), "Confirmez votre commande");
  assert.match(await cardText(card.locator(".total")), /^Total\d/, "a total in euros, formatted for French");
  assert.match(await cardText(card.locator(".total")), /€$/);
  // A pre-order says when it ships (the merchant's fulfillable_on, in the reader's language).
  assert.equal(await cardText(card.locator(".ships")), "Précommande : expédition à partir du 15 janvier 2027");
  await page.waitForFunction(() => document.querySelector('buy-card[product="long-thread"]').shadowRoot.querySelector("button.confirm").getAttribute("aria-disabled") === "false");
  assert.match(await cardText(card.locator("button.confirm")), /^Payer \d+,\d\d €$/, "the one primary action names the amount");
  await card.locator("button.confirm").click();
  await page.waitForFunction(() => document.querySelector('buy-card[product="long-thread"]').dataset.state === "placed");
  assert.match(await cardText(card.locator(".placed")), /Merci/);
  await card.screenshot({ path: artifact("buy-placed-fr.png") });
  await page.context().close();
});

test("a lost answer after complete still ends in exactly one order", async () => {
  const server = await startServer(["--fault", "complete-answer-lost-once"]);
  try {
    const page = await newPage(browser);
    await page.goto(server.url + "/");
    await signIn(page, "ada");
    await page.reload();
    const completes = [];
    page.on("request", (r) => r.url().includes("/complete") && completes.push(r.url()));
    const order = nextEvent(page, "buycard:order");
    const card = await openAndArm(page, "enamel-pin");
    await card.locator("button.confirm").click();
    const placed = await order;
    await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "placed");
    assert.equal(completes.length, 1, "the card looked (GET) instead of paying again");
    assert.equal(await sessionStatus(page, placed.checkout_session_id), "completed");
    await page.context().close();
  } finally {
    server.stop();
  }
});

test("a session that expired under the sheet is said in words, and Try again starts afresh", async () => {
  const server = await startServer(["--session-ttl", "2"]);
  try {
    const page = await newPage(browser);
    await page.goto(server.url + "/");
    await signIn(page, "ada");
    await page.reload();
    const card = await openAndArm(page, "enamel-pin");
    // The buyer looks away for longer than the merchant keeps the session open.
    await page.waitForTimeout(2500);
    await card.locator("button.confirm").click();
    const problem = card.locator(".problem");
    await problem.waitFor();
    assert.equal(await cardText(problem), "This checkout has ended. Start again to buy.");
    assert.equal(await card.getAttribute("data-state"), "error");
    const order = nextEvent(page, "buycard:order");
    await card.locator("button.retry").click();
    await page.waitForFunction(
      () => document.querySelector('buy-card[product="enamel-pin"]').shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false",
    );
    await card.locator("button.confirm").click();
    const placed = await order;
    assert.equal(await sessionStatus(page, placed.checkout_session_id), "completed");
    await page.context().close();
  } finally {
    server.stop();
  }
});

test("a variant picker lists every variant and the purchase follows the choice", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  await signIn(page, "ada");
  await page.reload();
  const card = page.locator('buy-card[product="fillmore-tickets"]');
  await cardReady(page, 'buy-card[product="fillmore-tickets"]');
  const picker = card.locator(".variant select");
  // The picker is labelled with the feed's option name, not a generic "Option".
  assert.equal(await cardText(card.locator(".variant > span")), "Ticket");
  assert.deepEqual(await picker.locator("option").allTextContents(), ["General admission", "VIP"]);
  assert.equal(await cardText(card.locator(".now")), "Price: $45.00");
  await picker.selectOption("fillmore-vip");
  await page.waitForFunction(() =>
    document.querySelector('buy-card[product="fillmore-tickets"]').shadowRoot.querySelector(".now").textContent.includes("150"),
  );
  assert.equal(await cardText(card.locator(".now")), "Price: $150.00");
  await card.locator("button.buy-button").click();
  await card.locator("dialog.sheet[open]").waitFor();
  assert.match(await cardText(card.locator(".lines")), /VIP, with meet and greet × 1\$150\.00/);
  // A ticket sent by email is "Sent to" the buyer's address, never "Ship to" it.
  await card.locator("dl.payer .ship").waitFor();
  assert.equal(await cardText(card.locator("dl.payer .ship")), "Sent toada@example.com");
  await card.locator("button.cancel").click();
  // A sold-out variant is listed but cannot be chosen.
  const tee = page.locator('buy-card[product="tour-tee"]');
  const sizes = tee.locator(".variant select option");
  assert.deepEqual(await sizes.allTextContents(), ["M", "L (sold out)"]);
  assert.equal(await cardText(tee.locator(".variant > span")), "Size");
  assert.equal(await sizes.nth(1).isDisabled(), true);
  await page.context().close();
});

test("a quantity over the per-order limit is explained, not charged", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  await signIn(page, "ada");
  await page.reload();
  const card = page.locator('buy-card[product="night-market-print"]');
  await cardReady(page, 'buy-card[product="night-market-print"]');
  await card.evaluate((el) => el.setAttribute("quantity", "3")); // a limited edition: 2 per order
  await page.waitForTimeout(50);
  await card.locator("button.buy-button").click();
  await page.waitForFunction(() => document.querySelector('buy-card[product="night-market-print"]').dataset.state === "error");
  assert.equal(await cardText(card.locator(".problem")), "That is more than one order may contain.");
  await page.context().close();
});
