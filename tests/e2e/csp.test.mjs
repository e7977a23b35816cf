// The preview pages under the strict Content Security Policy the server sends with them
// (`script-src 'self' 'wasm-unsafe-eval'; style-src 'self'`, server/src/lib.rs HOST_PAGE_CSP):
// no inline script (Trunk's loader is a plain module script), no style attribute (each post's
// reservation is in the page's stylesheet), and nothing buycard draws is refused, through a
// timeline scrolled to its end, a one-click purchase, a new buyer's form, the cart and the
// profile's banner. Other end-to-end tests open their pages with Playwright's `bypassCSP`, since
// they inject test tooling (axe-core) into the page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, newPage, artifact, cardText, signIn, nextEvent, cardReady, allReady, recordCspViolations } from "./browser.mjs";

const POLICY = "script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

// A page that enforces the policy and records its violations.
async function strictPage(viewport) {
  // Reduced motion: the screenshots show sheets at rest, not half-way through opening.
  const page = await newPage(browser, { viewport, bypassCSP: false, reducedMotion: "reduce" });
  await recordCspViolations(page);
  return page;
}

async function assertClean(page, when) {
  assert.deepEqual(await page.evaluate(() => window.__violations), [], `no CSP violation ${when}`);
  assert.deepEqual(page.consoleCsp, [], `no CSP message in the console ${when}`);
}

const state = (page, product) =>
  page.evaluate((p) => document.querySelector(`buy-card[product="${p}"]`).dataset.state, product);

test("the timeline under the host's strict CSP: every card, a one-click purchase, a new buyer's form and the cart, nothing refused", async () => {
  const page = await strictPage({ width: 390, height: 844 });
  const response = await page.goto(BASE + "/");
  assert.equal(response.headers()["content-security-policy"], POLICY, "the page is served with the policy");
  await page.evaluate(() => fetch("/wallet/demo/reset", { method: "POST" }));
  await page.evaluate(() => localStorage.removeItem("buycard.cart"));
  assert.equal(await signIn(page, "ada"), 200);
  await page.reload();

  // The reservations come from the stylesheet: a card waiting for its view holds its height.
  const reserve = await page.evaluate(() =>
    getComputedStyle(document.querySelector('buy-card[product="long-thread"]')).getPropertyValue("--reserve-words").trim(),
  );
  assert.equal(reserve, "269px");
  await allReady(page);
  await assertClean(page, "with every card drawn");

  // Into the cart, and the cart's panel.
  const print = page.locator('buy-card[product="night-market-print"]');
  await cardReady(page, 'buy-card[product="night-market-print"]');
  const added = nextEvent(page, "buycard:cart");
  await print.locator("button.add-to-cart").click();
  assert.ok((await added).count >= 1);
  await page.locator("buy-cart").locator("button.cart-badge").click();
  await page.locator("buy-cart").locator("dialog[open]").waitFor();
  await page.screenshot({ path: artifact("csp-cart-390.png") });
  await page.keyboard.press("Escape");
  await assertClean(page, "with the cart open");

  // Ada: Buy, then Confirm once armed.
  const pin = page.locator('buy-card[product="enamel-pin"]');
  await cardReady(page, 'buy-card[product="enamel-pin"]');
  const orders = nextEvent(page, "buycard:order");
  await pin.locator("button.buy-button").click();
  await pin.locator("dialog.sheet[open]").waitFor();
  await page.waitForFunction(
    () => document.querySelector('buy-card[product="enamel-pin"]').shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false",
  );
  await pin.locator("button.confirm").click();
  assert.match((await orders).order_id, /^ord_/);
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "placed");
  await page.screenshot({ path: artifact("csp-timeline-placed-390.png") });
  await assertClean(page, "through a purchase");

  // Signed out: Buy asks for a guest's details.
  await page.evaluate(async () => {
    await fetch("/wallet/sign_out", { method: "POST", credentials: "include" });
    document.dispatchEvent(new Event("buycard:wallet-changed"));
  });
  await page.reload();
  const tee = page.locator('buy-card[product="tour-tee"]');
  await cardReady(page, 'buy-card[product="tour-tee"]');
  await tee.locator("button.buy-button").click();
  await page.waitForFunction(() => document.querySelector('buy-card[product="tour-tee"]').dataset.state === "details");
  assert.equal(await cardText(tee.locator(".sheet-title")), "Your details");
  await tee.locator("#bc-email").fill("csp@example.com");
  await page.screenshot({ path: artifact("csp-details-390.png") });
  await tee.locator("button.cancel").first().click();
  await page.waitForFunction(() => document.querySelector('buy-card[product="tour-tee"]').dataset.state === "ready");
  assert.equal(await state(page, "tour-tee"), "ready");
  await assertClean(page, "through a new buyer's form");

  // The policy is in force and the listener hears it: a style attribute is refused.
  await page.evaluate(() => document.body.insertAdjacentHTML("beforeend", '<p style="color: red">inline</p>'));
  await page.waitForFunction(() => window.__violations.length > 0, null, { timeout: 5000 });
  assert.match((await page.evaluate(() => window.__violations))[0], /^style-src/);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the profile's banner under the host's strict CSP: slides, paging and its buy panel, nothing refused", async () => {
  const page = await strictPage({ width: 1280, height: 900 });
  const response = await page.goto(BASE + "/profile.html");
  assert.equal(response.headers()["content-security-policy"], POLICY);
  assert.equal(await signIn(page, "ada"), 200);
  await page.reload();
  await page.waitForFunction(() => document.querySelector("product-carousel")?.dataset.state === "ready");
  const banner = page.locator("product-carousel");
  await banner.locator('.slide[data-product="fillmore-tickets"] button.slide-main').click();
  await banner.locator(".panel dialog.sheet[open]").waitFor();
  await page.screenshot({ path: artifact("csp-profile-sheet-1280.png") });
  await banner.locator(".panel dialog.sheet button.cancel").click();
  await banner.locator(".panel button.close").click();
  await page.waitForFunction(() => document.querySelector("product-carousel").dataset.state === "ready");
  await assertClean(page, "on the profile");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
