// New buyers: the details sheet, saving for one-click, declines and inline validation.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, newPage, artifact, axeViolations, cardText, signIn as walletSignIn, cardReady } from "./browser.mjs";

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

// The id of the element focused inside a card.
const focusedIn = (page, product) =>
  page.evaluate((p) => document.querySelector(`buy-card[product="${p}"]`).shadowRoot.activeElement?.id ?? null, product);

// Focus moves once the sheet has drawn the answer (an effect after the render): wait for it to
// land on `id`, then assert, so a miss still names where focus is.
async function focusLands(page, product, id, message) {
  await page
    .waitForFunction(
      ([p, id]) => document.querySelector(`buy-card[product="${p}"]`).shadowRoot.activeElement?.id === id,
      [product, id],
      { timeout: 5000 },
    )
    .catch(() => {});
  assert.equal(await focusedIn(page, product), id, message);
}

async function openDetails(page, product) {
  const card = page.locator(`buy-card[product="${product}"]`);
  await cardReady(page, `buy-card[product="${product}"]`);
  await card.locator("button.buy-button").click();
  await page.waitForFunction((p) => document.querySelector(`buy-card[product="${p}"]`).dataset.state === "details", product);
  return card;
}

const SAN_FRANCISCO = { line_one: "1 Market St", city: "San Francisco", state: "CA", postal_code: "94105" };

async function typeAddress(card, email, address = SAN_FRANCISCO) {
  await card.locator("#bc-email").fill(email);
  await card.locator("#bc-name").fill("Newt Buyer");
  await card.locator("#bc-line_one").fill(address.line_one);
  await card.locator("#bc-city").fill(address.city);
  if (address.state) await card.locator("#bc-state").fill(address.state);
  await card.locator("#bc-postal_code").fill(address.postal_code);
}

async function fillAddress(card, email, address) {
  await typeAddress(card, email, address);
  await card.locator("button.continue").click();
  await card.locator("button.pay").waitFor();
}

async function typeCard(card, number) {
  await card.locator("#bc-card_number").fill(number);
  await card.locator("#bc-expiry").fill("12/30");
  await card.locator("#bc-cvc").fill("123");
}

async function pay(card, number) {
  await typeCard(card, number);
  await card.locator("button.pay").click();
}

// The timeline with one card's attributes changed (the card is drawn again with them).
async function withAttribute(page, product, name, value) {
  await page.evaluate(([p, n, v]) => document.querySelector(`buy-card[product="${p}"]`).setAttribute(n, v), [product, name, value]);
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
  assert.equal(await cardText(card.locator("button.pay")), "Pay $31.81", "Pay names the amount");
  assert.equal(await card.locator("input[name=save]").isChecked(), false, "saving is the buyer's choice");
  await card.locator("input[name=save]").check();
  await pay(card, "4242 4242 4242 4242");
  await page.waitForFunction(() => document.querySelector('buy-card[product="tour-tee"]').dataset.state === "placed");
  await card.screenshot({ path: artifact("details-placed.png") });
  // Next purchase: saved details, so Buy goes straight to the confirmation.
  await page.reload();
  const pin = page.locator('buy-card[product="enamel-pin"]');
  await cardReady(page, 'buy-card[product="enamel-pin"]');
  await pin.locator("button.buy-button").click();
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "confirming");
  assert.match(await cardText(pin.locator(".payer")), /Visa •••• 4242/);
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').shadowRoot.querySelector("button.confirm").getAttribute("aria-disabled") === "false");
  await pin.locator("button.confirm").click();
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "placed");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a declined card is marked on its field and beside Pay; a good card then gives one order", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  await signIn(page, fresh("dora"));
  const completes = [];
  page.on("request", (r) => r.url().includes("/complete") && completes.push(r.url()));
  const card = await openDetails(page, "enamel-pin");
  await fillAddress(card, "dora@example.com");
  // The test payment provider's card that is always declined.
  await pay(card, "4000 0000 0000 0002");
  await card.locator("[role=alert]").waitFor();
  assert.equal(await cardText(card.locator(".problem")), "Your card was declined. Try another card.");
  assert.equal(await cardText(card.locator(".pay-problem")), "Your card was declined. Try another card.", "beside Pay");
  assert.equal(await card.locator("#bc-card_number").getAttribute("aria-invalid"), "true");
  assert.equal(await cardText(card.locator("#bc-card_number-error")), "This card was declined.");
  assert.match(await card.locator("#bc-card_number").getAttribute("aria-describedby"), /bc-card_number-error/);
  await page.waitForFunction(
    () => document.querySelector('buy-card[product="enamel-pin"]').shadowRoot.activeElement?.id === "bc-card_number",
    null,
    { timeout: 2000 },
  );
  assert.equal(await stateOf(page, "enamel-pin"), "details", "the sheet stays open");
  await card.screenshot({ path: artifact("details-declined.png") });
  assert.equal(await card.locator("#bc-email").inputValue(), "dora@example.com", "what was typed is kept");
  // Another number: the field is no longer marked.
  await card.locator("#bc-card_number").fill("4242 4242 4242 4242");
  assert.equal(await card.locator("#bc-card_number").getAttribute("aria-invalid"), "false");
  await card.locator("button.pay").click();
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "placed");
  const sessions = new Set(completes.map((u) => u.split("/checkout_sessions/")[1].split("/")[0]));
  assert.equal(sessions.size, 1, "one checkout session, hence at most one order");
  await page.context().close();
});

test("inline validation is specific, keeps what was typed and focuses the first field to fix", async () => {
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
  assert.equal(await card.locator("#bc-line_two").getAttribute("aria-invalid"), "false", "the second line is optional");
  assert.equal(await card.locator("button.pay").count(), 0, "no card fields before the address is accepted");
  await page.waitForFunction(() => document.querySelector('buy-card[product="night-market-print"]').shadowRoot.activeElement?.id === "bc-email");
  // France needs no state, and the field goes away.
  await card.locator("#bc-country").selectOption("FR");
  assert.equal(await card.locator("#bc-state").count(), 0);
  await page.context().close();
});

test("an empty field says Required, and every field names its autocomplete token", async () => {
  const page = await newPage(browser, { viewport: { width: 700, height: 1600 } });
  await page.goto(BASE + "/");
  const card = await openDetails(page, "tour-tee");
  await card.locator("#bc-country").selectOption("US");
  await card.locator("button.continue").click();
  for (const field of ["email", "name", "line_one", "city", "state", "postal_code"]) {
    assert.equal(await card.locator(`#bc-${field}`).getAttribute("aria-invalid"), "true", field);
    assert.equal(await cardText(card.locator(`#bc-${field}-error`)), "Required.", field);
  }
  await focusLands(page, "tour-tee", "bc-email", "focus on the first field to fix");
  assert.deepEqual(await axeViolations(page), [], "the open sheet, its messages showing");
  await card.screenshot({ path: artifact("details-required.png") });
  // Typing in a field takes its message away until the next check.
  await card.locator("#bc-name").fill("Newt Buyer");
  assert.equal(await card.locator("#bc-name").getAttribute("aria-invalid"), "false");
  await fillAddress(card, "tokens@example.com");
  const fields = await card.evaluate((host) =>
    [...host.shadowRoot.querySelectorAll(".new-buyer input, .new-buyer select")]
      .filter((el) => !["radio", "checkbox"].includes(el.type))
      .map((el) => [el.id, el.getAttribute("autocomplete"), el.getAttribute("inputmode"), el.type]),
  );
  assert.deepEqual(fields, [
    ["bc-country", "country", null, "select-one"],
    ["bc-email", "email", null, "email"],
    ["bc-name", "name", null, "text"],
    ["bc-line_one", "address-line1", null, "text"],
    ["bc-line_two", "address-line2", null, "text"],
    ["bc-city", "address-level2", null, "text"],
    ["bc-state", "address-level1", null, "text"],
    ["bc-postal_code", "postal-code", "numeric", "text"],
    ["bc-card_number", "cc-number", "numeric", "text"],
    ["bc-expiry", "cc-exp", "numeric", "text"],
    ["bc-cvc", "cc-csc", "numeric", "text"],
  ]);
  assert.equal(await cardText(card.locator("label[for=bc-line_two]")), "Apartment, suite (optional)");
  assert.equal(await cardText(card.locator("label[for=bc-postal_code]")), "ZIP code");
  assert.equal(await cardText(card.locator("label[for=bc-state]")), "State");
  assert.deepEqual(await axeViolations(page), [], "the payment part");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("postal codes are checked for the country: a Canadian code is no ZIP code, and the other way round", async () => {
  const page = await newPage(browser, { viewport: { width: 700, height: 1600 } });
  await page.goto(BASE + "/");
  const card = await openDetails(page, "tour-tee");
  await card.locator("#bc-country").selectOption("US");
  await typeAddress(card, "ca@example.com", { ...SAN_FRANCISCO, postal_code: "K1A 0B1" });
  await card.locator("button.continue").click();
  assert.equal(await card.locator("#bc-postal_code").getAttribute("aria-invalid"), "true");
  assert.equal(await cardText(card.locator("#bc-postal_code-error")), "Enter a ZIP code like 94103.");
  await focusLands(page, "tour-tee", "bc-postal_code");
  // Canada: a province, a postal code with letters, and a US ZIP refused.
  await card.locator("#bc-country").selectOption("CA");
  assert.equal(await card.locator("#bc-postal_code").getAttribute("aria-invalid"), "false", "the message named the last country's codes");
  assert.equal(await cardText(card.locator("label[for=bc-state]")), "Province");
  assert.equal(await card.locator("#bc-postal_code").getAttribute("inputmode"), null, "letters: not a number pad");
  await card.locator("#bc-postal_code").fill("94103");
  await card.locator("button.continue").click();
  assert.equal(await cardText(card.locator("#bc-postal_code-error")), "Enter a postal code like K1A 0B1.");
  // Any case and spacing: sent and shown as Canada Post writes it.
  await card.locator("#bc-state").fill("ON");
  await card.locator("#bc-postal_code").fill("k1a0b1");
  await card.locator("button.continue").click();
  await card.locator("button.pay").waitFor();
  assert.equal(await card.locator("#bc-postal_code").inputValue(), "K1A 0B1");
  assert.equal(await card.locator("button.continue").count(), 0, "one path: the address is in, the card is next");
  // Changing the address after that brings Continue back: the total was for the old one.
  await card.locator("#bc-city").fill("Toronto");
  await card.locator("button.continue").waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the country starts from the locale: fr-CA is Canada, a French post France", async () => {
  const page = await newPage(browser, { viewport: { width: 700, height: 1600 }, locale: "en-US" });
  await page.goto(BASE + "/");
  await withAttribute(page, "tour-tee", "locale", "fr-CA");
  await page.waitForFunction(() =>
    document.querySelector('buy-card[product="tour-tee"]').shadowRoot.querySelector(".buy-button")?.textContent === "Acheter",
  );
  let card = await openDetails(page, "tour-tee");
  assert.equal(await card.locator("#bc-country").inputValue(), "CA");
  assert.equal(await cardText(card.locator("label[for=bc-state]")), "Province");
  assert.equal(await cardText(card.locator("label[for=bc-postal_code]")), "Code postal");
  await card.locator("button.continue").click();
  assert.equal(await cardText(card.locator("#bc-email-error")), "Obligatoire.");
  await card.locator("button.cancel").click();
  // No locale attribute: the card in the French post (lang="fr") starts in France.
  card = await openDetails(page, "long-thread");
  assert.equal(await card.locator("#bc-country").inputValue(), "FR");
  assert.equal(await card.locator("#bc-state").count(), 0, "no state in France");
  await card.locator("#bc-postal_code").fill("K1A 0B1");
  await card.locator("button.continue").click();
  assert.equal(await cardText(card.locator("#bc-postal_code-error")), "Saisissez un code postal du type 75001.");
  await card.locator("button.cancel").click();
  // An English card on this en-US browser: the United States.
  card = await openDetails(page, "enamel-pin");
  assert.equal(await card.locator("#bc-country").inputValue(), "US");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the card number is grouped as typed, with its brand beside it", async () => {
  const page = await newPage(browser, { viewport: { width: 700, height: 1600 } });
  await page.goto(BASE + "/");
  const card = await openDetails(page, "tour-tee");
  await fillAddress(card, "brand@example.com");
  const number = card.locator("#bc-card_number");
  const brand = card.locator("#bc-card_number-brand");
  assert.equal(await brand.isVisible(), false, "no brand before a digit");
  await number.pressSequentially("4");
  assert.equal(await cardText(brand), "Visa");
  await number.pressSequentially("2424242424242421234");
  assert.equal(await number.inputValue(), "4242 4242 4242 4242 123", "grouped; no more than 19 digits");
  await number.fill("");
  await number.pressSequentially("378282246310005");
  assert.equal(await number.inputValue(), "3782 822463 10005");
  assert.equal(await cardText(brand), "American Express");
  await number.fill("");
  await number.pressSequentially("2223003122003222");
  assert.equal(await cardText(brand), "Mastercard", "a 2-series Mastercard");
  // A digit typed in the middle keeps the caret after it.
  await number.fill("");
  await number.pressSequentially("42424242");
  await number.press("Home");
  for (let i = 0; i < 6; i++) await number.press("ArrowRight");
  await number.pressSequentially("1");
  assert.equal(await number.inputValue(), "4242 4124 2");
  assert.equal(await number.evaluate((el) => el.selectionStart), 7);
  // Backspace just after a space removes the digit before it.
  await number.fill("");
  await number.pressSequentially("42425");
  await number.press("ArrowLeft");
  await number.press("Backspace");
  assert.equal(await number.inputValue(), "4245");
  // Expiry is written MM / YY; the security code takes the digits the brand has.
  const expiry = card.locator("#bc-expiry");
  await expiry.pressSequentially("430");
  assert.equal(await expiry.inputValue(), "04 / 30");
  await card.locator("#bc-cvc").pressSequentially("12345");
  assert.equal(await card.locator("#bc-cvc").inputValue(), "123", "three digits for Visa");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a reload mid-form keeps the address but not the card; an order clears it", async () => {
  const page = await newPage(browser, { viewport: { width: 700, height: 1600 } });
  await page.goto(BASE + "/");
  let card = await openDetails(page, "tour-tee");
  await fillAddress(card, "reload@example.com");
  await card.locator("#bc-line_two").fill("Suite 400");
  await typeCard(card, "4242 4242 4242 4242");
  // What the tab keeps: the contact and address, nothing of the card.
  const stored = await page.evaluate(() =>
    Object.entries(sessionStorage).filter(([key]) => key.startsWith("buycard:details:")).map(([, value]) => value.split("\n")),
  );
  assert.deepEqual(stored, [
    ["buycard-address-1", "reload@example.com", "Newt Buyer", "US", "1 Market St", "Suite 400", "San Francisco", "CA", "94105"],
  ]);
  const everything = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
  assert.doesNotMatch(everything, /4242|12 \/ 30/, "no card number or expiry anywhere");
  await page.reload();
  card = await openDetails(page, "tour-tee");
  assert.equal(await card.locator("#bc-email").inputValue(), "reload@example.com");
  assert.equal(await card.locator("#bc-line_two").inputValue(), "Suite 400");
  assert.equal(await card.locator("#bc-postal_code").inputValue(), "94105");
  assert.equal(await card.locator("#bc-country").inputValue(), "US");
  await card.locator("button.continue").click();
  await card.locator("button.pay").waitFor();
  assert.equal(await card.locator("#bc-card_number").inputValue(), "", "the card is typed again");
  await pay(card, "4242 4242 4242 4242");
  await page.waitForFunction(() => document.querySelector('buy-card[product="tour-tee"]').dataset.state === "placed");
  assert.deepEqual(
    await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith("buycard:"))),
    [],
    "the placed order's details are not kept",
  );
  assert.deepEqual(page.errors, []);
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

test("French: Pay names the amount as the reader writes it", async () => {
  const page = await newPage(browser, { viewport: { width: 700, height: 1600 } });
  await page.goto(BASE + "/");
  const card = await openDetails(page, "long-thread");
  await fillAddress(card, "camille@example.fr", { line_one: "3 quai Bourbon", city: "Paris", postal_code: "75004" });
  assert.match(await cardText(card.locator("button.pay")), /^Payer \d+,\d\d €$/);
  assert.equal(await cardText(card.locator("label[for=bc-line_two]")), "Complément d’adresse (facultatif)");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

// Every field lies inside the sheet and is a finger's height; `pairs` name fields that must
// share a row.
async function checkLayout(card, pairs) {
  const layout = await card.evaluate((host) => {
    const root = host.shadowRoot;
    const sheet = root.querySelector(".sheet").getBoundingClientRect();
    const box = (id) => root.getElementById(id).getBoundingClientRect();
    const fields = [...root.querySelectorAll(".new-buyer input:not([type=radio]):not([type=checkbox]), .new-buyer select")];
    return {
      outside: fields.filter((f) => {
        const r = f.getBoundingClientRect();
        return r.left < sheet.left - 0.5 || r.right > sheet.right + 0.5;
      }).map((f) => f.id),
      short: fields.filter((f) => f.getBoundingClientRect().height < 44).map((f) => f.id),
      tops: Object.fromEntries(fields.map((f) => [f.id, Math.round(box(f.id).top)])),
      scroll: document.documentElement.scrollWidth <= window.innerWidth,
    };
  });
  assert.deepEqual(layout.outside, [], "nothing past the sheet's edge");
  assert.deepEqual(layout.short, [], "44 px touch targets");
  assert.ok(layout.scroll, "nothing wider than the phone");
  for (const [a, b] of pairs) assert.equal(layout.tops[`bc-${a}`], layout.tops[`bc-${b}`], `${a} and ${b} share a row`);
  return layout;
}

// A timeline post of the test's own, served from the platform's origin.
async function postPage(page, css) {
  await page.route(BASE + "/post-under-test.html", (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width">
        <style>body { margin: 0; padding: 16px; } ${css}</style></head><body>
        <script type="module" src="/buycard.js"></script>
        <buy-card endpoint="/shops/lantern" wallet="/wallet" feed="demo" product="tour-tee"></buy-card></body></html>`,
    }),
  );
  await page.goto(BASE + "/post-under-test.html");
}

test("at 375 px the filled form fits the phone, pairs sharing a row where the sheet is wide", async () => {
  for (const colorScheme of ["light", "dark"]) {
    // The timeline as it is: the sheet sits in the card's text column, and the fields stack.
    const page = await newPage(browser, { viewport: { width: 375, height: 1400 }, colorScheme });
    await page.goto(BASE + "/");
    let card = await openDetails(page, "tour-tee");
    await fillAddress(card, "phone@example.com");
    await typeCard(card, "4242 4242 4242 4242");
    await checkLayout(card, []);
    // The sheet itself, wherever it is drawn (in the card, or as a dialog over the page).
    await card.locator(".sheet").screenshot({ path: artifact(`details-375-${colorScheme}.png`) });
    await page.context().close();
  }
  for (const [width, pairs] of [
    // A sheet as wide as the phone (a post that gives the card its own rows, as a bottom sheet
    // will): state with postal code, expiry with security code.
    [375, [["state", "postal_code"], ["expiry", "cvc"]]],
    // Wider still: city, state and postal code in one row.
    [480, [["city", "state"], ["state", "postal_code"], ["expiry", "cvc"]]],
  ]) {
    const page = await newPage(browser, { viewport: { width, height: 1400 } });
    await postPage(page, "buy-card { --buycard-max-width: none; } buy-card::part(card) { grid-template-columns: 1fr; }");
    const card = await openDetails(page, "tour-tee");
    await fillAddress(card, "wide@example.com");
    await typeCard(card, "4242 4242 4242 4242");
    await checkLayout(card, pairs);
    await card.screenshot({ path: artifact(`details-${width}-wide-sheet.png`) });
    assert.deepEqual(page.errors, []);
    await page.context().close();
  }
});
