// The cart on the Murmur timeline, against the platform with both demo shops behind its gateway:
// add from cards of two shops, reload, see the cart by shop; a visitor's cart merges into the
// account on sign-in; the host API adds a product; keyboard only; French; phone widths; axe.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, newPage, artifact, signIn, nextEvent, axeViolations, cardText, cardReady } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const PRINT = 'buy-card[product="night-market-print"]';
const LP = 'buy-card[product="tidewater-lp"]';

async function ready(page, selector) {
  await cardReady(page, selector);
}

async function resetDemo(page) {
  await page.evaluate(() => fetch("/wallet/demo/reset", { method: "POST" }));
}

async function addToCart(page, selector) {
  await ready(page, selector);
  const changed = nextEvent(page, "buycard:cart");
  await page.locator(selector).locator("button.add-to-cart").click();
  return changed;
}

// The open panel's shops and lines, as the buyer reads them.
function panel(page) {
  return page.evaluate(() => {
    const root = document.querySelector("buy-cart").shadowRoot;
    return [...root.querySelectorAll("dialog[open] .cart-group")].map((group) => ({
      shop: group.querySelector(".shop").textContent.trim(),
      lines: [...group.querySelectorAll(".cart-line")].map((line) => ({
        title: line.querySelector(".line-title").textContent.trim(),
        quantity: line.querySelector(".qty")?.textContent.trim(),
      })),
      subtotal: group.querySelector(".group-subtotal .amount")?.textContent.trim(),
    }));
  });
}

async function openPanel(page) {
  await page.locator("buy-cart").locator("button.cart-badge").click();
  await page.locator("buy-cart").locator("dialog[open]").waitFor();
  // Screenshots and axe see the panel as the buyer does: after its opening fade.
  await page.waitForFunction(() => {
    const dialog = document.querySelector("buy-cart").shadowRoot.querySelector("dialog[open]");
    return dialog && getComputedStyle(dialog).opacity === "1";
  });
}


// Each shop's completes answered 200 with an order, counted from the page's own traffic.
function countOrders(page) {
  const orders = {};
  page.on("response", async (response) => {
    const match = /\/shops\/([^/]+)\/checkout_sessions\/[^/]+\/complete$/.exec(new URL(response.url()).pathname);
    if (!match || response.status() !== 200) return;
    const body = await response.json().catch(() => null);
    if (body?.order) orders[match[1]] = (orders[match[1]] ?? 0) + 1;
  });
  return orders;
}

// Sideways overflow of the page and of the open panel's parts.
function overflow(page) {
  return page.evaluate(() => {
    const problems = [];
    const viewport = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > viewport + 1) problems.push("the page scrolls sideways");
    const dialog = document.querySelector("buy-cart").shadowRoot.querySelector("dialog[open]");
    if (!dialog) return problems;
    const box = dialog.getBoundingClientRect();
    if (box.left < -1 || box.right > viewport + 1) problems.push("the panel is wider than the viewport");
    for (const el of dialog.querySelectorAll("*")) {
      if (el.closest(".sr-only")) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1) problems.push(`${el.className || el.tagName} overflows the panel`);
      if (el.matches("button, h2, h3, p") && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "auto") {
        problems.push(`${el.className || el.tagName} clips "${el.textContent.trim().slice(0, 30)}"`);
      }
    }
    return problems;
  });
}

test("a visitor adds from two shops, reloads, and finds the cart by shop", async () => {
  const page = await newPage(browser, { viewport: { width: 375, height: 800 } });
  await page.goto(BASE + "/");
  await resetDemo(page);
  await page.evaluate(() => localStorage.removeItem("buycard.cart"));
  await page.reload();
  let detail = await addToCart(page, PRINT);
  assert.equal(detail.count, 1);
  assert.match(await page.locator(PRINT).locator(".toast").textContent(), /Added to your cart/);
  detail = await addToCart(page, LP);
  assert.equal(detail.count, 2);
  assert.deepEqual(
    detail.lines.map((l) => l.endpoint).sort(),
    ["/shops/harbor", "/shops/lantern"],
  );
  await page.reload();
  await ready(page, PRINT);
  assert.match(await page.locator(PRINT).locator(".in-cart").textContent(), /In your cart \(1\)/);
  assert.equal(
    (await page.locator("buy-cart").locator("button.cart-badge .badge-name").textContent()).trim(),
    "Cart (2 items)",
  );
  await openPanel(page);
  const shops = await panel(page);
  assert.equal(shops.length, 2, JSON.stringify(shops));
  assert.equal(
    await page.locator("buy-cart").locator("dialog[open] .notice").count(),
    0,
    "a cart that was never stored is empty, not unreadable",
  );
  assert.deepEqual(shops.map((s) => s.lines.length), [1, 1]);
  for (const shop of shops) assert.ok(shop.subtotal, `${shop.shop} shows an estimated subtotal`);
  // Two shops: what they come to together, the sum of the two subtotals.
  const cents = (text) => Number(text.replace(/[^0-9]/g, ""));
  const total = await page.locator("buy-cart").locator(".cart-total .amount").textContent();
  assert.equal(cents(total), cents(shops[0].subtotal) + cents(shops[1].subtotal), total);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: artifact("cart-panel-1280.png") });
  for (const width of [320, 375, 414, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    assert.deepEqual(await overflow(page), [], `at ${width} px`);
  }
  await page.setViewportSize({ width: 320, height: 800 });
  await page.screenshot({ path: artifact("cart-panel-320.png") });
  assert.deepEqual(await axeViolations(page, "buy-cart"), []);
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: artifact("cart-panel-320-dark.png") });
  assert.deepEqual(await axeViolations(page, "buy-cart"), []);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a visitor's cart merges into the account on sign-in, once", async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  await page.goto(BASE + "/");
  await resetDemo(page);
  await page.evaluate(() => localStorage.removeItem("buycard.cart"));
  await page.reload();
  await addToCart(page, PRINT);
  await addToCart(page, LP);
  assert.equal(await signIn(page, "ada"), 200);
  await page.reload();
  await page.waitForFunction(() => localStorage.getItem("buycard.cart") === null || JSON.parse(localStorage.getItem("buycard.cart")).lines.length === 0);
  const account = await page.evaluate(async () => (await fetch("/wallet/cart")).json());
  assert.equal(account.lines.length, 2, JSON.stringify(account));
  // Another reload merges nothing more: still one line per product.
  await page.reload();
  await ready(page, PRINT);
  const again = await page.evaluate(async () => (await fetch("/wallet/cart")).json());
  assert.deepEqual(again.lines.map((l) => l.quantity), [1, 1]);
  await resetDemo(page);
  await page.context().close();
});

test("the host API adds a product from its feed, and keyboard alone works the cart", async () => {
  const page = await newPage(browser, { viewport: { width: 414, height: 850 } });
  await page.goto(BASE + "/");
  await resetDemo(page);
  await page.evaluate(() => localStorage.removeItem("buycard.cart"));
  await page.reload();
  await ready(page, LP);
  const changed = nextEvent(page, "buycard:cart");
  await page.evaluate(() =>
    window.buycard.cart.add({ endpoint: "/shops/lantern", feed: "demo", product: "enamel-pin", quantity: 2 }),
  );
  assert.equal((await changed).count, 2);
  // The host's add is said beside the badge, with Undo, as a card's own add is.
  const toast = page.locator("buy-cart").locator(".cart-toast");
  await toast.waitFor();
  assert.match(await toast.textContent(), /Added to your cart: Lantern enamel pin/i);
  assert.deepEqual(await overflow(page), []);
  // Seen, not clipped by the element's box: the point under its middle is the toast.
  const hit = await page.evaluate(() => {
    const root = document.querySelector("buy-cart").shadowRoot;
    const box = root.querySelector(".cart-toast").getBoundingClientRect();
    const at = root.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return Boolean(at?.closest(".cart-toast"));
  });
  assert.ok(hit, "the toast is visible below the badge");
  await page.waitForTimeout(300); // its entrance (160 ms)
  await page.screenshot({ path: artifact("cart-host-toast-414.png") });
  const live = await page.evaluate(() =>
    [...document.querySelector("buy-cart").shadowRoot.querySelectorAll(".cart-root > [role=status]")].map((p) => p.textContent).join(" "),
  );
  assert.match(live, /Added to your cart: Lantern enamel pin/i, "announced to screen readers");
  // The event does the same; its Undo takes back exactly that add.
  const again = nextEvent(page, "buycard:cart");
  await page.evaluate(() =>
    document.dispatchEvent(new CustomEvent("buycard:add-to-cart", { detail: { endpoint: "/shops/lantern", feed: "demo", product: "enamel-pin" } })),
  );
  assert.equal((await again).count, 3);
  const undone = nextEvent(page, "buycard:cart");
  await toast.locator("button.undo").focus();
  await page.keyboard.press("Enter");
  assert.equal((await undone).count, 2);
  await toast.waitFor({ state: "detached" });
  const afterUndo = await page.evaluate(() => document.querySelector("buy-cart").shadowRoot.activeElement?.className);
  assert.match(afterUndo ?? "", /cart-badge/, "focus goes to the badge when Undo goes");
  // Keyboard only: the card's Add to cart, then the badge, the stepper and Escape.
  await page.locator(LP).locator("button.add-to-cart").focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector('buy-card[product="tidewater-lp"]').shadowRoot.querySelector(".in-cart"));
  await page.locator("buy-cart").locator("button.cart-badge").focus();
  await page.keyboard.press("Enter");
  await page.locator("buy-cart").locator("dialog[open]").waitFor();
  const focused = await page.evaluate(() => document.querySelector("buy-cart").shadowRoot.activeElement?.id);
  assert.equal(focused, "buycard-cart-title", "the panel's heading takes focus");
  await page.locator("buy-cart").locator(".cart-line button.inc").first().focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector("buy-cart").shadowRoot.querySelector(".count").dataset.count === "4");
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.querySelector("buy-cart").shadowRoot.querySelector("dialog[open]"));
  const back = await page.evaluate(() => document.querySelector("buy-cart").shadowRoot.activeElement?.className);
  assert.match(back ?? "", /cart-badge/, "focus goes back to the badge");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("in French", async () => {
  const page = await newPage(browser, { viewport: { width: 320, height: 740 } });
  await page.goto(BASE + "/");
  await page.evaluate(() => localStorage.removeItem("buycard.cart"));
  await page.reload();
  await page.evaluate(() => {
    document.querySelector("buy-cart").setAttribute("locale", "fr");
    document.querySelector('buy-card[product="night-market-print"]').setAttribute("locale", "fr");
  });
  await addToCart(page, PRINT);
  assert.match(await page.locator(PRINT).locator(".toast").textContent(), /panier/i);
  const badge = await page.locator("buy-cart").locator("button.cart-badge .badge-name").textContent();
  assert.match(badge, /Panier/);
  await openPanel(page);
  assert.deepEqual(await overflow(page), []);
  await page.screenshot({ path: artifact("cart-panel-320-fr.png") });
  assert.deepEqual(await axeViolations(page, "buy-cart"), []);
  await page.context().close();
});

test("a saved buyer checks out two shops in one confirmation: two orders, one per shop", async () => {
  const page = await newPage(browser, { viewport: { width: 375, height: 820 } });
  await page.goto(BASE + "/");
  await resetDemo(page);
  assert.equal(await signIn(page, "ada"), 200);
  await page.reload();
  await addToCart(page, PRINT);
  await addToCart(page, LP);
  await openPanel(page);
  const cart = page.locator("buy-cart");
  await cart.locator("button.checkout").click();
  await page.waitForFunction(() => ["confirming", "details", "error", "result"].includes(document.querySelector("buy-cart").dataset.state));
  const state = await page.evaluate(() => document.querySelector("buy-cart").dataset.state);
  const said = await page.evaluate(() => document.querySelector("buy-cart").shadowRoot.querySelector("dialog[open]")?.innerText);
  assert.equal(state, "confirming", said);
  await page.waitForFunction(
    () => document.querySelector("buy-cart").shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false",
  );
  const groups = await cart.locator(".pay-group").count();
  assert.equal(groups, 2, "one part per shop, in one sheet");
  // Harbor names the line by its variant; the sheet names the product as the panel did.
  assert.match(await cart.locator(".pay-group").nth(1).textContent(), /Tidewater: 180 g vinyl LP \(Black vinyl\)/);
  assert.equal(await cart.locator(".charges").textContent(), "Paid as 2 separate charges, one per shop.");
  // Where the orders go, from the wallet, beside the card that pays.
  assert.match(await cart.locator("dl.payer").textContent(), /Ship to\s*Ada Lovelace, San Francisco/);
  assert.match(await cart.locator("button.confirm").textContent(), /Pay \$/);
  assert.deepEqual(await overflow(page), []);
  await page.screenshot({ path: artifact("cart-review-375.png") });
  assert.deepEqual(await axeViolations(page, "buy-cart"), []);
  await cart.locator("button.confirm").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "result", null, { timeout: 20000 });
  const results = await cart.locator(".pay-result").allTextContents();
  assert.equal(results.length, 2, JSON.stringify(results));
  for (const line of results) assert.match(line, /Placed with/);
  // The cards' "Added to your cart. Undo" went with their paid lines.
  assert.equal(await page.locator(PRINT).locator(".toast").count(), 0, "no Undo for a paid line");
  assert.equal(await page.locator(LP).locator(".toast").count(), 0);
  await page.screenshot({ path: artifact("cart-report-375.png") });
  // Both orders exist at their shops, and the paid lines left the cart.
  const account = await page.evaluate(async () => (await fetch("/wallet/cart")).json());
  assert.deepEqual(account.lines, []);
  assert.deepEqual(page.errors, []);
  await resetDemo(page);
  await page.context().close();
});

// A saved buyer with the print and the LP in the cart, at the armed confirmation of both shops;
// `orders` counts each shop's placed orders from the page's traffic from then on.
async function armedCartOfTwoShops(buyer, viewport) {
  const page = await newPage(browser, { viewport });
  await page.goto(BASE + "/");
  await resetDemo(page);
  await page.evaluate(() => localStorage.removeItem("buycard.cart"));
  assert.equal(await signIn(page, buyer), 200);
  await page.reload();
  const orders = countOrders(page);
  await addToCart(page, PRINT);
  await addToCart(page, LP);
  await openPanel(page);
  const cart = page.locator("buy-cart");
  await cart.locator("button.checkout").click();
  await page.waitForFunction(
    () => document.querySelector("buy-cart").shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false",
  );
  return { page, cart, orders };
}

test("one shop's payment is declined: the other's order stands, the declined line stays, Try again pays only it", async () => {
  // Grace's saved card asks her bank each time: she approves the first shop and refuses the
  // second, as a bank that declines one of two charges.
  const { page, cart, orders } = await armedCartOfTwoShops("grace", { width: 375, height: 820 });
  await cart.locator("button.confirm").click();
  const bank = cart.locator(".challenge");
  await bank.waitFor();
  assert.match(await bank.textContent(), /MusicToday Live|Lantern/);
  await bank.locator("button.approve").click();
  // The second shop's charge: its bank step, refused.
  await page.waitForFunction(() => /Harbor Records/.test(document.querySelector("buy-cart").shadowRoot.querySelector(".challenge .bank-asks")?.textContent ?? ""));
  await cart.locator(".challenge button.fail").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "result", null, { timeout: 20000 });
  const results = await cart.locator(".pay-result").allTextContents();
  assert.equal(results.length, 2, JSON.stringify(results));
  assert.match(results[0], /^Placed with /);
  assert.match(results[1], /^Not placed with Harbor Records: .*declined/i);
  // The placed shop's block says what was charged and what was bought.

  assert.match(await cart.locator(".pay-shop.placed .bought").textContent(), /Night Market/i);
  assert.match(await cart.locator(".pay-shop.not-placed .bought").textContent(), /Tidewater/i);
  assert.equal((await cart.locator(".pay-shop.not-placed .order-line").textContent()).trim(), "Not charged");
  assert.match(await cart.locator(".pay-shop.placed .order-line").textContent(), /^Paid \$\d+\.\d\d · Order /);
  assert.deepEqual(await overflow(page), []);
  await page.screenshot({ path: artifact("cart-report-declined-375.png") });
  assert.deepEqual(await axeViolations(page, "buy-cart"), []);
  // The placed line left the cart, the declined one stayed: in the browser and at the platform.
  const account = await page.evaluate(async () => (await fetch("/wallet/cart")).json());
  assert.deepEqual(account.lines.map((l) => l.product), ["tidewater-lp"]);
  assert.deepEqual(orders, { lantern: 1 });
  // Try again pays only the declined shop, in a new session (the declined one is canceled);
  // this time the bank approves. The new session's answer is held back so that the cancel's
  // answer comes first: it must not be taken for the new session.
  await page.route("**/shops/harbor/checkout_sessions", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    await new Promise((resolve) => setTimeout(resolve, 400));
    return route.continue();
  });
  await cart.locator("button.retry").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state !== "result");
  await page
    .waitForFunction(() => {
      const root = document.querySelector("buy-cart").shadowRoot;
      return root.querySelector(".challenge") || root.querySelector("button.confirm[aria-disabled=false]");
    })
    .catch(async (error) => {
      const said = await page.evaluate(() => [document.querySelector("buy-cart").dataset.state, document.querySelector("buy-cart").shadowRoot.querySelector("dialog[open]")?.innerText]);
      await page.screenshot({ path: artifact("cart-retry-stuck.png") });
      throw new Error(`after Try again: ${JSON.stringify(said)}: ${error.message}`);
    });
  if (await cart.locator("button.confirm[aria-disabled=false]").count()) await cart.locator("button.confirm").click();
  await cart.locator(".challenge button.approve").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "result", null, { timeout: 20000 });
  const after = await cart.locator(".pay-result").allTextContents();
  assert.ok(after.every((line) => /^Placed with /.test(line)), JSON.stringify(after));
  assert.deepEqual(orders, { lantern: 1, harbor: 1 }, "one order per shop, nothing twice");
  const empty = await page.evaluate(async () => (await fetch("/wallet/cart")).json());
  assert.deepEqual(empty.lines, []);
  assert.deepEqual(page.errors, []);
  await resetDemo(page);
  await page.context().close();
});

test("a reload while the cart is being paid picks the checkout up again, with one order per shop", async () => {
  const { page, cart, orders } = await armedCartOfTwoShops("ada", { width: 1280, height: 900 });
  // The second shop's complete reaches the platform, but the tab reloads before its answer.
  let reached;
  const completeSent = new Promise((resolve) => (reached = resolve));
  await page.route("**/shops/harbor/checkout_sessions/*/complete", async (route) => {
    const response = await route.fetch();
    reached();
    await new Promise(() => {}); // never answered to this tab
    return route.fulfill({ response });
  });
  await cart.locator("button.confirm").click();
  await completeSent;
  await page.unroute("**/shops/harbor/checkout_sessions/*/complete");
  await page.reload();
  // The panel opens on the checkout: the first shop placed, the second looked at and found placed.
  await page.locator("buy-cart").locator("dialog[open]").waitFor();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "result", null, { timeout: 20000 });
  const results = await cart.locator(".pay-result").allTextContents();
  assert.equal(results.length, 2, JSON.stringify(results));
  for (const line of results) assert.match(line, /^Placed with /);
  // Each shop says what it charged, the one placed before the reload too (kept in the tab).
  const paid = await cart.locator(".pay-shop.placed .order-line").allTextContents();
  assert.equal(paid.length, 2, JSON.stringify(paid));
  for (const line of paid) assert.match(line, /^Paid \$\d+\.\d\d/);
  // Each shop's block names what was bought, from the titles kept when the checkout began.
  assert.deepEqual(
    (await cart.locator(".pay-shop .bought").allTextContents()).map((t) => t.trim()),
    ["Night Market: signed limited-edition print", "Tidewater: 180 g vinyl LP"],
  );
  await page.waitForFunction(() => getComputedStyle(document.querySelector("buy-cart").shadowRoot.querySelector("dialog[open]")).opacity === "1");
  await page.screenshot({ path: artifact("cart-resumed-1280.png") });
  // The platform placed each shop's order once: the one the reload cut off was not sent again.
  assert.deepEqual(orders, { lantern: 1 }, "the tab saw the first shop's answer only");
  const empty = await page.evaluate(async () => (await fetch("/wallet/cart")).json());
  assert.deepEqual(empty.lines, []);
  // Closing the report forgets the checkout: another reload opens nothing.
  await cart.locator("button.done").click();
  await page.reload();
  await ready(page, PRINT);
  await page.waitForTimeout(300);
  assert.equal(await cart.locator("dialog[open]").count(), 0);
  assert.equal(await cartState(page), "ready");
  await resetDemo(page);
  await page.context().close();
});

// A session as the shop has it, read through the gateway (the page cannot reach the shop).
function gatewaySession(page, shop, id) {
  return page.evaluate(
    async ([shop, id]) =>
      (await fetch(`/shops/${shop}/checkout_sessions/${id}`, { headers: { "API-Version": "2026-04-17" } })).json(),
    [shop, id],
  );
}

const cartState = (page) => page.evaluate(() => document.querySelector("buy-cart").dataset.state);
const focusedInCart = (page) => page.evaluate(() => document.querySelector("buy-cart").shadowRoot.activeElement?.id ?? null);

// The panel at each width, light and dark: nothing overflows, axe finds nothing; screenshots.
async function lookAt(page, name) {
  for (const width of [320, 375, 414, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    assert.deepEqual(await overflow(page), [], `${name} at ${width} px`);
  }
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [320, 1280]) {
      // Tall enough for the whole panel, so the screenshot shows all of it, nothing scrolled.
      await page.setViewportSize({ width, height: 1800 });
      const suffix = scheme === "dark" ? "-dark" : "";
      await page.screenshot({ path: artifact(`${name}-${width}${suffix}.png`) });
    }
    assert.deepEqual(await axeViolations(page, "buy-cart"), [], `${name}, ${scheme}`);
  }
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 375, height: 820 });
}

test("a visitor checks out both shops: details once, one card, a decline fixed, two orders", async () => {
  const page = await newPage(browser, { viewport: { width: 375, height: 820 } });
  await page.goto(BASE + "/");
  await resetDemo(page);
  await page.evaluate(() => {
    localStorage.removeItem("buycard.cart");
    sessionStorage.clear();
  });
  await page.reload();
  await page.evaluate(() => {
    window.__orders = [];
    document.addEventListener("buycard:order", (e) => window.__orders.push(e.detail));
  });
  await addToCart(page, PRINT);
  await addToCart(page, LP);
  await openPanel(page);
  const cart = page.locator("buy-cart");
  await cart.locator("button.checkout").click();
  await page.waitForFunction(() => ["details", "confirming", "error"].includes(document.querySelector("buy-cart").dataset.state));
  assert.equal(await cartState(page), "details", await cart.locator("dialog[open]").innerText());
  assert.equal(await cardText(cart.locator("h2")), "Your details");
  await page.waitForFunction(() => document.querySelector("buy-cart").shadowRoot.activeElement?.id === "bc-country");
  assert.match(await cardText(cart.locator(".pay-note")), /once for every shop: Lantern Press, Harbor Records/);
  await lookAt(page, "cart-details");

  // Keyboard: Continue with the form empty says what is missing and focuses the first field.
  await cart.locator("button.continue").focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector("buy-cart").shadowRoot.activeElement?.id === "bc-email");
  assert.equal(await cardText(cart.locator("#bc-email-error")), "Required.");
  await cart.locator("#bc-country").selectOption("US");
  await cart.locator("#bc-email").fill("vic@example.com");
  await cart.locator("#bc-name").fill("Vic Visitor");
  await cart.locator("#bc-line_one").fill("1 Market St");
  await cart.locator("#bc-city").fill("San Francisco");
  await cart.locator("#bc-state").fill("CA");
  await cart.locator("#bc-postal_code").fill("94105");
  await cart.locator("button.continue").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "confirming", null, { timeout: 20000 });
  assert.equal(await cart.locator(".pay-group").count(), 2, "each shop's own totals, in one sheet");
  assert.match(await cardText(cart.locator(".ship-to")), /Vic Visitor, 1 Market St, San Francisco CA 94105, United States/);
  const grand = (await cardText(cart.locator(".grand-total .amount"))).trim();
  assert.equal(await cardText(cart.locator("button.pay")), `Pay ${grand}`, "one Pay, naming the total for both shops");
  assert.equal(await cart.locator("input[name=save]").count(), 0, "a visitor has nowhere to save a card");
  await cart.locator("#bc-card_number").fill("4242 4242 4242 4242");
  await cart.locator("#bc-expiry").fill("12/30");
  await cart.locator("#bc-cvc").fill("123");
  await page.waitForFunction(
    () => document.querySelector("buy-cart").shadowRoot.querySelector("button.pay")?.getAttribute("aria-disabled") === null,
  );
  await lookAt(page, "cart-review-card");

  // The test payment provider's card that is always declined: nothing is placed, the card is
  // marked, and Try again comes back to the card with the address kept.
  await cart.locator("#bc-card_number").fill("4000 0000 0000 0002");
  await page.waitForFunction(
    () => document.querySelector("buy-cart").shadowRoot.querySelector("button.pay")?.getAttribute("aria-disabled") === null,
  );
  await cart.locator("button.pay").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "result", null, { timeout: 20000 });
  const first = await cart.locator(".pay-result").allTextContents();
  assert.equal(first.length, 2, JSON.stringify(first));
  assert.match(first[0], /Not placed with Lantern Press: Your card was declined/);
  assert.match(first[1], /Not yet ordered from Harbor Records/);
  await cart.locator("button.retry").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "confirming", null, { timeout: 20000 });
  await page.waitForFunction(() => document.querySelector("buy-cart").shadowRoot.activeElement?.id === "bc-card_number");
  assert.equal(await cart.locator("#bc-card_number").getAttribute("aria-invalid"), "true");
  assert.equal(await cardText(cart.locator(".pay-problem")), "Your card was declined. Try another card.");
  assert.match(await cardText(cart.locator(".ship-to")), /Vic Visitor/, "the address is kept, not asked again");
  await page.setViewportSize({ width: 320, height: 1800 });
  await page.screenshot({ path: artifact("cart-review-declined-320.png") });
  assert.deepEqual(await overflow(page), [], "the declined card, at 320 px");
  await page.setViewportSize({ width: 375, height: 820 });
  await page.keyboard.type("4242424242424242");
  assert.equal(await cart.locator("#bc-card_number").getAttribute("aria-invalid"), "false");
  await page.waitForFunction(
    () => document.querySelector("buy-cart").shadowRoot.querySelector("button.pay")?.getAttribute("aria-disabled") === null,
  );
  await cart.locator("button.pay").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "result", null, { timeout: 30000 });
  // Focus moves to the heading in an effect after the report is drawn.
  await page
    .waitForFunction(() => document.querySelector("buy-cart").shadowRoot.activeElement?.id === "buycard-cart-title", null, { timeout: 5000 })
    .catch(() => {});
  assert.equal(await focusedInCart(page), "buycard-cart-title");
  assert.equal(await cardText(cart.locator("h2")), "Thank you! Your orders are placed.");
  const results = await cart.locator(".pay-result").allTextContents();
  assert.deepEqual(results.map((r) => r.trim()), ["Placed with Lantern Press", "Placed with Harbor Records"]);
  await page.locator("buy-cart").locator("dialog[open]").screenshot({ path: artifact("cart-visitor-report-375.png") });

  // Two orders, one per shop, each in its own completed session at its shop.
  const orders = await page.evaluate(() => window.__orders);
  assert.equal(orders.length, 2, JSON.stringify(orders));
  const [lantern, harbor] = [
    await gatewaySession(page, "lantern", orders[0].checkout_session_id),
    await gatewaySession(page, "harbor", orders[1].checkout_session_id),
  ];
  assert.equal(lantern.status, "completed", JSON.stringify(lantern));
  assert.equal(harbor.status, "completed", JSON.stringify(harbor));
  assert.notEqual(orders[0].checkout_session_id, orders[1].checkout_session_id);
  for (const session of [lantern, harbor]) {
    const text = JSON.stringify(session);
    assert.ok(text.includes("vic@example.com") && text.includes("1 Market St"), `the details, once given, at each shop: ${text}`);
  }
  // The cart is empty, and nothing of the card was kept anywhere in the tab.
  await page.waitForFunction(() => document.querySelector("buy-cart").shadowRoot.querySelector(".count").dataset.count === "0");
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  assert.doesNotMatch(stored, /4242|4000 0000|12\/30/, "no card number or expiry stored");
  await cart.locator("button.done").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "ready");
  assert.match(await cardText(cart.locator(".cart-empty")), /empty/i);
  assert.deepEqual(page.errors, []);
  await resetDemo(page);
  await page.context().close();
});

test("a visitor's checkout in French, on a 320 px phone: the details and the card, nothing overflows", async () => {
  const page = await newPage(browser, { viewport: { width: 320, height: 1800 } });
  await page.goto(BASE + "/");
  await page.evaluate(() => {
    localStorage.removeItem("buycard.cart");
    sessionStorage.clear();
  });
  await page.reload();
  await page.evaluate(() => document.querySelector("buy-cart").setAttribute("locale", "fr"));
  await addToCart(page, PRINT);
  await addToCart(page, LP);
  await openPanel(page);
  const cart = page.locator("buy-cart");
  await cart.locator("button.checkout").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "details");
  assert.equal(await cardText(cart.locator("h2")), "Vos coordonnées");
  assert.match(await cardText(cart.locator(".pay-note")), /une fois pour toutes les boutiques : Lantern Press, Harbor Records/);
  assert.deepEqual(await overflow(page), []);
  await page.screenshot({ path: artifact("cart-details-320-fr.png") });
  await cart.locator("#bc-country").selectOption("FR");
  await cart.locator("#bc-email").fill("camille@example.fr");
  await cart.locator("#bc-name").fill("Camille Claudel");
  await cart.locator("#bc-line_one").fill("3 quai Bourbon");
  await cart.locator("#bc-city").fill("Paris");
  await cart.locator("#bc-postal_code").fill("75004");
  await cart.locator("button.continue").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "confirming", null, { timeout: 20000 });
  assert.match(await cardText(cart.locator(".ship-to")), /Camille Claudel, 3 quai Bourbon, 75004 Paris, France/);
  assert.equal(await cardText(cart.locator("button.change")), "Modifier les coordonnées");
  assert.match(await cardText(cart.locator("button.pay")), /^Payer /);
  assert.deepEqual(await overflow(page), []);
  await page.screenshot({ path: artifact("cart-review-card-320-fr.png") });
  assert.deepEqual(await axeViolations(page, "buy-cart"), []);
  // Change details: back to the details step, with what was typed.
  await cart.locator("button.change").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "details");
  assert.equal(await cart.locator("#bc-city").inputValue(), "Paris");
  await cart.locator("button.cancel").click();
  await page.waitForFunction(() => document.querySelector("buy-cart").dataset.state === "ready");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
