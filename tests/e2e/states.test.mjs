// Every state of both elements, at 320, 375, 414, 768 and 1280 px, light and dark, English and French:
// nothing clipped, nothing wider than its container or the viewport, axe-core finds nothing, and
// a screenshot of each in tests/e2e/artifacts/states/. Also prints how long a saved buyer waits.
//
// States the server passes through too quickly to look at (placing, checking) are held there by
// holding the browser's request with Playwright's routing; the server itself is the real one.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BASE, ARTIFACTS, launch, newPage, signIn, axeViolations } from "./browser.mjs";

const WIDTHS = [
  { width: 320, height: 640 },
  { width: 375, height: 740 },
  { width: 414, height: 820 },
  { width: 768, height: 900 },
  { width: 1280, height: 900 },
];
const THEMES = ["light", "dark"];
const LANGS = ["en", "fr"];
const OUT = join(ARTIFACTS, "states");

let browser;
before(async () => {
  browser = await launch();
  mkdirSync(OUT, { recursive: true });
});
after(async () => {
  await browser?.close();
});

const fresh = (name) => `${name}-${process.pid}-${Date.now()}`;
// The demo's longest title with a variant picker, and an emailed ticket ("Sent to").
const CARD = 'buy-card[product="fillmore-tickets"]';

// A manual gate: a held request goes on when the test opens it.
function gate() {
  let open;
  const opened = new Promise((resolve) => (open = resolve));
  return { opened, open };
}

// A card mounts when it comes near the viewport: the wait brings it there, as a reader would.
const stateIs = (page, selector, state) =>
  page.waitForFunction(
    ([s, state]) => {
      const element = document.querySelector(s);
      if (element?.dataset.state === state) return true;
      element?.scrollIntoView({ block: "nearest" });
      return false;
    },
    [selector, state],
    { polling: 100 },
  );

// The timeline with one card in `lang`, signed in as `buyer` (or signed out).
async function timeline(lang, buyer) {
  const page = await newPage(browser, { viewport: WIDTHS[1] });
  await page.goto(BASE + "/");
  if (buyer) assert.equal(await signIn(page, buyer), 200);
  await page.reload();
  await stateIs(page, CARD, "ready");
  await page.evaluate(([s, lang]) => document.querySelector(s).setAttribute("locale", lang), [CARD, lang]);
  // Seen whole, below the page's sticky top bar, as a reader scrolling to it would.
  await page.evaluate((s) => {
    const top = document.querySelector(s).getBoundingClientRect().top;
    const bar = document.querySelector("header")?.getBoundingClientRect().height ?? 0;
    scrollBy(0, top - bar - 12);
  }, CARD);
  return page;
}

async function buy(page) {
  await page.locator(CARD).locator("button.buy-button").click();
}

async function armed(page) {
  await page.waitForFunction(
    (s) => document.querySelector(s).shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false",
    CARD,
  );
}

// Each state: how to reach it, and which element it concerns.
const STATES = {
  ready: async (lang) => {
    const page = await timeline(lang, "ada");
    return { page, host: CARD };
  },
  sheet: async (lang) => {
    const page = await timeline(lang, "ada");
    await buy(page);
    await stateIs(page, CARD, "confirming");
    await armed(page);
    return { page, host: CARD };
  },
  details: async (lang) => {
    const page = await timeline(lang, fresh("states"));
    await buy(page);
    await stateIs(page, CARD, "details");
    return { page, host: CARD };
  },
  placing: async (lang) => {
    const page = await timeline(lang, "ada");
    const held = gate();
    await page.route("**/checkout_sessions/*/complete", async (route) => {
      await held.opened;
      await route.continue();
    });
    await buy(page);
    await armed(page);
    await page.locator(CARD).locator("button.confirm").click();
    await stateIs(page, CARD, "placing");
    return { page, host: CARD, release: held.open };
  },
  checking: async (lang) => {
    const page = await timeline(lang, "ada");
    const held = gate();
    // The complete never reaches the merchant (the connection drops); the check is held.
    await page.route("**/checkout_sessions/*/complete", (route) => route.abort("connectionreset"));
    await page.route("**/checkout_sessions/*", async (route) => {
      if (route.request().method() !== "GET") return route.continue();
      await held.opened;
      await route.continue();
    });
    await buy(page);
    await armed(page);
    await page.locator(CARD).locator("button.confirm").click();
    await stateIs(page, CARD, "checking");
    return { page, host: CARD, release: held.open };
  },
  failed: async (lang) => {
    // The complete is lost on its way: the check finds no order, nothing charged.
    const page = await timeline(lang, "ada");
    await page.route("**/checkout_sessions/*/complete", (route) => route.abort("connectionreset"), { times: 1 });
    await buy(page);
    await armed(page);
    await page.locator(CARD).locator("button.confirm").click();
    await stateIs(page, CARD, "error");
    return { page, host: CARD };
  },
  placed: async (lang) => {
    const page = await timeline(lang, "ada");
    await buy(page);
    await armed(page);
    await page.locator(CARD).locator("button.confirm").click();
    await stateIs(page, CARD, "placed");
    return { page, host: CARD };
  },
  soldout: async (lang) => {
    const page = await timeline(lang, "ada");
    // The merchant says it has just sold out.
    await page.route("**/checkout_sessions", (route) =>
      route.request().method() === "POST"
        ? route.fulfill({
            status: 400,
            contentType: "application/json",
            body: JSON.stringify({ type: "invalid_request", code: "out_of_stock", message: "Sold out", param: "$.line_items[0]" }),
          })
        : route.continue(),
    );
    await buy(page);
    await stateIs(page, CARD, "soldout");
    return { page, host: CARD };
  },
  bank: async (lang) => {
    const page = await timeline(lang, "grace");
    await buy(page);
    await armed(page);
    await page.locator(CARD).locator("button.confirm").click();
    await page.locator(CARD).locator(".challenge").waitFor();
    return { page, host: CARD };
  },
  banner: async (lang) => {
    const page = await newPage(browser, { viewport: WIDTHS[1] });
    await page.goto(BASE + "/profile.html");
    assert.equal(await signIn(page, "ada"), 200);
    await page.reload();
    await stateIs(page, "product-carousel", "ready");
    await page.evaluate((lang) => document.querySelector("product-carousel").setAttribute("locale", lang), lang);
    return { page, host: "product-carousel" };
  },
  "banner-panel": async (lang) => {
    const { page } = await STATES.banner(lang);
    const banner = page.locator("product-carousel");
    await banner.locator('.slide[data-product="tour-tee"] button.slide-main').click();
    await banner.locator(".panel dialog.sheet[open]").waitFor();
    await page.waitForFunction(
      () => document.querySelector("product-carousel").shadowRoot.querySelector(".panel button.confirm")?.getAttribute("aria-disabled") === "false",
    );
    return { page, host: "product-carousel" };
  },
};

// What is clipped or too wide in `host`'s shadow tree (its open sheet, if any), and on the page.
function layoutProblems(page, host) {
  return page.evaluate((host) => {
    const problems = [];
    const viewport = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > viewport + 1) {
      problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${viewport})`);
    }
    const root = document.querySelector(host).shadowRoot;
    const name = (el) => el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
    const visible = (el) => {
      if (el.closest(".sr-only")) return false;
      const style = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return style.display !== "none" && style.visibility !== "hidden" && r.width > 0 && r.height > 0;
    };
    const sheet = root.querySelector("dialog.sheet[open]");
    const containers = sheet ? [sheet] : [...root.querySelectorAll(".card, .carousel")].filter(visible);
    for (const container of containers) {
      const box = container.getBoundingClientRect();
      if (box.left < -1 || box.right > viewport + 1) problems.push(`${name(container)} is wider than the viewport`);
      // A scroll container that clips sideways hides what does not fit.
      if (getComputedStyle(container).overflowX !== "auto" && container.scrollWidth > container.clientWidth + 1) {
        problems.push(`${name(container)} clips its content (${container.scrollWidth} > ${container.clientWidth})`);
      }
      for (const el of container.querySelectorAll("*")) {
        if (!visible(el)) continue;
        // The banner's track scrolls sideways by design: its slides are judged by the track.
        if (el.closest(".track") && !el.matches(".track")) continue;
        const r = el.getBoundingClientRect();
        if (r.left < box.left - 1 || r.right > box.right + 1) {
          problems.push(`${name(el)} overflows ${name(container)} (${Math.round(r.left)}–${Math.round(r.right)} in ${Math.round(box.left)}–${Math.round(box.right)})`);
        }
        // In the sheet nothing is cut off at the bottom either: the sheet scrolls, its parts do not.
        if (sheet && getComputedStyle(el).overflowY === "hidden" && el.scrollHeight > el.clientHeight + 1) {
          problems.push(`${name(el)} cuts off its content (${el.scrollHeight} > ${el.clientHeight} px tall)`);
        }
        if (el.matches("button, a, input, select, label, h2, h3, dd, dt, li > span") && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "auto") {
          problems.push(`${name(el)} clips its text "${el.textContent.trim().slice(0, 40)}"`);
        }
      }
    }
    return problems;
  }, host);
}

async function settle(page) {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

for (const [state, reach] of Object.entries(STATES)) {
  for (const lang of LANGS) {
    test(`${state} (${lang}): fits at 320, 375, 414, 768 and 1280 px, light and dark, and axe finds nothing`, async () => {
      const { page, host, release } = await reach(lang);
      const problems = [];
      for (const size of WIDTHS) {
        await page.setViewportSize(size);
        for (const theme of THEMES) {
          await page.emulateMedia({ colorScheme: theme, reducedMotion: "reduce" });
          await settle(page);
          const where = `${state} ${lang} ${size.width}px ${theme}`;
          for (const p of await layoutProblems(page, host)) problems.push(`${where}: ${p}`);
          for (const v of await axeViolations(page, host)) problems.push(`${where}: axe ${v}`);
          const file = join(OUT, `${state}-${lang}-${size.width}-${theme}.png`);
          const sheetOpen = await page.evaluate((h) => !!document.querySelector(h).shadowRoot.querySelector("dialog.sheet[open]"), host);
          // An open sheet covers the page: the screen is the picture; otherwise the element.
          if (sheetOpen) await page.screenshot({ path: file });
          else await page.locator(host).screenshot({ path: file });
        }
      }
      release?.();
      assert.deepEqual(problems, []);
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });
  }
}

test("the bank's step: Fail is a declined payment, Approve places the order", async () => {
  const page = await timeline("en", "grace");
  const card = page.locator(CARD);
  await buy(page);
  await armed(page);
  await card.locator("button.confirm").click();
  const bank = card.locator(".challenge");
  await bank.waitFor();
  // It reads as the bank's step: who asks, for what, and the bank's two answers.
  assert.match(await bank.textContent(), /Your bank/);
  assert.match(await bank.textContent(), /Approve a payment of \$\d+\.\d\d to MusicToday Live\./);
  assert.match(await bank.textContent(), /Visa •••• \d{4}/);
  assert.equal(await page.evaluate((s) => document.querySelector(s).shadowRoot.activeElement?.id, CARD), "buycard-bank-title");
  // The sheet's own button says what it waits for, and is not a second "Confirm".
  assert.equal((await card.locator("button.confirm").textContent()).trim(), "Waiting for your bank…");
  assert.equal(await card.locator("button.confirm").getAttribute("aria-disabled"), "true");
  await bank.locator("button.fail").click();
  // The bank said no: nothing is placed, and the sheet says the card was declined.
  await page.waitForFunction((s) => ["details", "error"].includes(document.querySelector(s).dataset.state), CARD);
  assert.match(await card.locator("dialog.sheet").textContent(), /declined/);
  await page.context().close();
});

test("a lost answer says Checking your order, then not charged; Try again places one order", async () => {
  const page = await timeline("en", "ada");
  const card = page.locator(CARD);
  const held = gate();
  let completes = 0;
  await page.route("**/checkout_sessions/*/complete", async (route) => {
    completes += 1;
    // The first never arrives; the retry goes through.
    if (completes === 1) return route.abort("connectionreset");
    await route.continue();
  });
  await page.route("**/checkout_sessions/*", async (route) => {
    if (route.request().method() !== "GET") return route.continue();
    await held.opened;
    await route.continue();
  });
  const keys = [];
  page.on("request", (r) => {
    if (r.url().endsWith("/complete")) keys.push(r.headers()["idempotency-key"]);
  });
  await buy(page);
  await armed(page);
  await card.locator("button.confirm").click();
  await stateIs(page, CARD, "checking");
  assert.equal((await card.locator(".sheet-title").textContent()).trim(), "Checking your order…");
  assert.equal(await card.locator("dialog.sheet button").count(), 0, "nothing to tap while checking");
  held.open();
  await stateIs(page, CARD, "error");
  assert.match(await card.locator(".problem").textContent(), /not placed and you were not charged/);
  await card.locator("button.retry").click();
  await stateIs(page, CARD, "placed");
  assert.equal(completes, 2);
  assert.equal(keys.length, 2);
  assert.equal(keys[0], keys[1], "the retry is the same request, with the same Idempotency-Key");
  assert.match(await card.locator(".order-number").textContent(), /^Order [A-Z]{1,3}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  assert.doesNotMatch(await card.locator("dialog.sheet").textContent(), /ord_/, "never the system's id");
  // The result says what was paid, and with which card.
  assert.match((await card.locator(".paid").textContent()).replace(/\s+/g, " ").trim(), /^\$\d+\.\d\d · Visa •••• 4242$/);
  await page.context().close();
});

test("latency a saved buyer sees: Buy → sheet with the merchant's total, Confirm → placed", async () => {
  const buyToTotal = [];
  const confirmToPlaced = [];
  for (let i = 0; i < 5; i++) {
    const page = await timeline("en", "ada");
    const measured = await page.evaluate(async (s) => {
      const host = document.querySelector(s);
      const root = host.shadowRoot;
      const until = (ok) =>
        new Promise((resolve) => {
          const look = () => (ok() ? resolve(performance.now()) : requestAnimationFrame(look));
          look();
        });
      const t0 = performance.now();
      root.querySelector("button.buy-button").click();
      const t1 = await until(() => root.querySelector("dialog.sheet[open] .total"));
      await until(() => root.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false");
      const t2 = performance.now();
      root.querySelector("button.confirm").click();
      const t3 = await until(() => host.dataset.state === "placed");
      return [t1 - t0, t3 - t2];
    }, CARD);
    buyToTotal.push(measured[0]);
    confirmToPlaced.push(measured[1]);
    await page.context().close();
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const line = (name, xs) =>
    `latency ${name}: median ${median(xs).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms (${xs.length} runs, the platform's gateway on loopback)`;
  console.log(line("Buy → sheet with the merchant's total", buyToTotal));
  console.log(line("Confirm → placed", confirmToPlaced));
  assert.equal(buyToTotal.length, 5);
});

test("a sold-out card offers its product page as the next step; a pre-order says Pre-order", async () => {
  const page = await timeline("en", null);
  const vinyl = page.locator('buy-card[product="debut-vinyl"]');
  await stateIs(page, 'buy-card[product="debut-vinyl"]', "ready");
  assert.equal((await vinyl.locator(".availability").textContent()).trim(), "Sold out");
  assert.equal(await vinyl.locator("button.buy-button").count(), 0);
  const next = vinyl.locator("a.next-step");
  assert.equal(await next.getAttribute("href"), "https://shop.buycard.example/products/debut-vinyl");
  assert.match(await next.textContent(), /^See the product page/);
  const book = page.locator('buy-card[product="long-thread"]');
  await stateIs(page, 'buy-card[product="long-thread"]', "ready");
  await page.evaluate(() => document.querySelector('buy-card[product="long-thread"]').setAttribute("locale", "en"));
  await page.waitForFunction(() => document.querySelector('buy-card[product="long-thread"]').shadowRoot.querySelector("button.buy-button")?.textContent.trim() === "Pre-order");
  assert.equal((await book.locator(".availability").textContent()).trim(), "Pre-order");
  await page.context().close();
});

test("every card on the timeline fits at 320, 375, 414, 768 and 1280 px, light and dark", async () => {
  const page = await timeline("en", "ada");
  const hosts = await page.evaluate(() => [...document.querySelectorAll("buy-card")].map((c) => `buy-card[product="${c.getAttribute("product")}"]`));
  const problems = [];
  for (const size of WIDTHS) {
    await page.setViewportSize(size);
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      await settle(page);
      for (const host of hosts) {
        for (const p of await layoutProblems(page, host)) problems.push(`${host} ${size.width}px ${theme}: ${p}`);
      }
    }
  }
  assert.deepEqual(problems, []);
  await page.context().close();
});
