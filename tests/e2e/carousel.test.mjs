// <product-carousel> on the preview profile page, against the real server and its demo catalog.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  BASE,
  launch,
  newPage,
  artifact,
  cardText,
  signIn,
  axeViolations,
  nextEvent,
  checkoutSession,
  waitForSessionStatus,
} from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const DEMO_IDS = ["night-market-print", "fillmore-tickets", "long-thread", "tour-tee", "debut-vinyl", "enamel-pin"];

async function profile(options = {}) {
  const page = await newPage(browser, { viewport: { width: 1280, height: 900 }, ...options });
  await page.goto(BASE + "/profile.html");
  await ready(page);
  return page;
}

const ready = (page) =>
  page.waitForFunction(() => document.querySelector("product-carousel")?.dataset.state === "ready");

// Runs `fn` with the banner's shadow root.
const inBanner = (page, fn, arg) =>
  page.evaluate(
    ([source, arg]) => new Function("root", "arg", `return (${source})(root, arg)`)(document.querySelector("product-carousel").shadowRoot, arg),
    [fn.toString(), arg],
  );

// The profile page with the demo wallet signed in as `buyer` (a saved card: one-click).
async function profileSignedIn(buyer) {
  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  await page.goto(BASE + "/profile.html");
  assert.equal(await signIn(page, buyer), 200);
  await page.reload();
  await ready(page);
  return page;
}

const focusedSlide = (page) =>
  inBanner(page, (root) => root.activeElement?.closest(".slide")?.getAttribute("data-index") ?? null);

const waitForFocusedSlide = (page, index) =>
  page.waitForFunction(
    (index) =>
      document.querySelector("product-carousel").shadowRoot.activeElement?.closest(".slide")?.getAttribute("data-index") === index,
    index,
    { timeout: 5000 },
  );

test("the profile page shows the banner: roles, labels, every demo product in feed order", async () => {
  const page = await profile();
  const banner = page.locator("product-carousel");
  const region = banner.locator("section.carousel");
  assert.equal(await region.getAttribute("aria-roledescription"), "carousel");
  assert.equal(await region.getAttribute("aria-label"), "Shop Lantern Press");
  const slides = await inBanner(page, (root) =>
    [...root.querySelectorAll(".slide")].map((s) => ({
      id: s.dataset.product,
      role: s.getAttribute("role"),
      roledescription: s.getAttribute("aria-roledescription"),
      label: s.getAttribute("aria-label"),
    })),
  );
  assert.deepEqual(
    slides.map((s) => s.id),
    DEMO_IDS,
  );
  slides.forEach((s, i) => {
    assert.equal(s.role, "group");
    assert.equal(s.roledescription, "slide");
    assert.equal(s.label, `${i + 1} of 6`);
  });
  // Badges and prices, formatted by Intl.
  assert.equal(await cardText(banner.locator('.slide[data-product="debut-vinyl"] .badge')), "Sold out");
  assert.equal(await cardText(banner.locator('.slide[data-product="long-thread"] .badge')), "Pre-order");
  assert.equal(await cardText(banner.locator('.slide[data-product="fillmore-tickets"] .slide-price')), "$45.00");
  assert.equal(await cardText(banner.locator('.slide[data-product="long-thread"] .slide-price')), "€24.90");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("next and previous move the banner a page at a time and disable at the ends", async () => {
  // Reduced motion: each move is one instant scroll, so every position can be checked.
  const page = await profile({ viewport: { width: 375, height: 800 }, reducedMotion: "reduce" });
  const banner = page.locator("product-carousel");
  const previous = banner.locator("button.previous");
  const next = banner.locator("button.next");
  assert.equal(await previous.getAttribute("aria-disabled"), "true");
  assert.equal(await next.getAttribute("aria-disabled"), "false");
  const live = banner.locator("[aria-live]");
  assert.equal(await cardText(live), "", "nothing announced before the user moves");
  const position = () => cardText(banner.locator(".position"));
  const start = await position();
  assert.match(start, /^1(–\d)? of 6$/);
  for (let i = 0; i < 6 && (await next.getAttribute("aria-disabled")) === "false"; i++) {
    const before = await position();
    await next.click();
    await page.waitForFunction(
      (before) => document.querySelector("product-carousel").shadowRoot.querySelector(".position").textContent !== before,
      before,
    );
  }
  assert.equal(await next.getAttribute("aria-disabled"), "true", "next disables at the end");
  assert.equal(await previous.getAttribute("aria-disabled"), "false");
  assert.match(await position(), /6 of 6$/);
  assert.match(await cardText(live), /6 of 6$/, "the live region says where the user moved");
  await previous.click();
  await page.waitForFunction(() => document.querySelector("product-carousel").shadowRoot.querySelector("button.next").getAttribute("aria-disabled") === "false");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("keyboard: Tab enters the slides, arrows move between them, Home and End jump", async () => {
  const page = await profile();
  const banner = page.locator("product-carousel");
  await banner.locator("button.next").focus();
  await page.keyboard.press("Tab");
  assert.equal(await focusedSlide(page), "0", "Tab lands on the slide in view");
  await page.keyboard.press("ArrowRight");
  assert.equal(await focusedSlide(page), "1");
  await page.keyboard.press("End");
  assert.equal(await focusedSlide(page), "5");
  await page.keyboard.press("ArrowRight");
  assert.equal(await focusedSlide(page), "5", "stops at the last slide");
  await page.keyboard.press("Home");
  assert.equal(await focusedSlide(page), "0");
  // One tab stop for all the slides: Tab leaves the track.
  await page.keyboard.press("Tab");
  assert.equal(await focusedSlide(page), null);
  // Right to left, the arrows swap.
  await page.evaluate(() => document.querySelector("main").setAttribute("dir", "rtl"));
  await banner.locator('.slide[data-index="0"] .slide-main').focus();
  await page.keyboard.press("ArrowLeft");
  assert.equal(await focusedSlide(page), "1");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("right to left: Next scrolls toward the left; the theme attribute turns the banner dark", async () => {
  const page = await newPage(browser, { viewport: { width: 375, height: 800 }, reducedMotion: "reduce" });
  await page.goto(BASE + "/profile.html");
  await page.evaluate(() => document.querySelector("main").setAttribute("dir", "rtl"));
  await ready(page);
  const banner = page.locator("product-carousel");
  await page.waitForFunction(() => document.querySelector("product-carousel").shadowRoot.querySelector(".position").textContent.startsWith("1–"));
  await banner.locator("button.next").click();
  await page.waitForFunction(() => document.querySelector("product-carousel").shadowRoot.querySelector(".track").scrollLeft < 0);
  assert.match(await cardText(banner.locator(".position")), /^3–4 of 6$/);
  // The controls follow the reading direction: "next" is on the left.
  const box = async (which) => (await banner.locator(`button.${which}`).boundingBox()).x;
  assert.ok((await box("next")) < (await box("previous")), "next is on the left");
  const background = () => inBanner(page, (root) => getComputedStyle(root.querySelector("section.carousel")).backgroundColor);
  assert.equal(await background(), "rgb(255, 255, 255)");
  await page.evaluate(() => document.querySelector("product-carousel").setAttribute("theme", "dark"));
  assert.equal(await background(), "rgb(22, 24, 28)");
  await banner.screenshot({ path: artifact("carousel-rtl-dark.png") });
  assert.deepEqual(page.errors, []);
  await page.context().close();
  // Without a theme attribute, the reader's dark preference.
  const dark = await profile({ colorScheme: "dark" });
  assert.equal(
    await inBanner(dark, (root) => getComputedStyle(root.querySelector("section.carousel")).backgroundColor),
    "rgb(22, 24, 28)",
  );
  await dark.context().close();
});

test('action="link" opens the product page in a new tab', async () => {
  const page = await profile();
  await page.context().route("https://shop.buycard.example/**", (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<title>Product page</title>" }),
  );
  await page.evaluate(() => document.querySelector("product-carousel").setAttribute("action", "link"));
  const banner = page.locator("product-carousel");
  const link = banner.locator('.slide[data-product="tour-tee"] a.slide-main');
  await link.waitFor();
  assert.equal(await link.getAttribute("target"), "_blank");
  assert.match(await link.getAttribute("rel"), /noopener/);
  const selected = nextEvent(page, "buycard:select");
  const [popup] = await Promise.all([page.waitForEvent("popup"), link.click()]);
  await popup.waitForLoadState();
  assert.equal(popup.url(), "https://shop.buycard.example/products/tour-tee");
  assert.deepEqual(await selected, { product_id: "tour-tee", index: 3 });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('action="buy": a saved buyer completes an order from the banner in two taps', async () => {
  const page = await profileSignedIn("ada");
  const banner = page.locator("product-carousel");
  const orders = nextEvent(page, "buycard:order");
  await page.evaluate(() => {
    window.__checkouts = 0;
    document.addEventListener("buycard:checkout", () => window.__checkouts++);
  });
  // Tap 1: the slide. The buy panel opens with the confirmation and the merchant's total.
  const slide = banner.locator('.slide[data-product="tour-tee"] button.slide-main');
  await slide.click();
  const sheet = banner.locator(".panel dialog.sheet[open]");
  await sheet.waitFor();
  // The sheet is modal: the banner behind it takes no taps. Even a click the page itself sends
  // to the slide does not start a second checkout.
  await slide.dispatchEvent("click");
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__checkouts), 1);
  assert.match(await cardText(sheet.locator(".total")), /^Total\$/);
  assert.match(await cardText(sheet.locator(".payer")), /Visa •••• 4242/);
  await page.waitForFunction(
    () => document.querySelector("product-carousel").shadowRoot.querySelector(".panel button.confirm")?.getAttribute("aria-disabled") === "false",
  );
  // Tap 2: Confirm.
  await sheet.locator("button.confirm").click();
  const order = await orders;
  assert.match(order.order_id, /^ord_/);
  await banner.locator(".panel .placed").waitFor();
  const session = await checkoutSession(page, order.checkout_session_id);
  assert.equal(session.status, "completed");
  assert.equal(session.order.id, order.order_id);
  // Close on the result, then the panel's own close, returns focus to the slide.
  await banner.locator(".panel dialog.sheet button.done").click();
  await banner.locator(".panel button.close").click();
  await waitForFocusedSlide(page, "3");
  assert.equal(await banner.locator(".panel").count(), 0);
  assert.equal(await banner.getAttribute("data-state"), "ready");
  await banner.screenshot({ path: artifact("carousel-after-buy.png") });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("Cancel in the banner's sheet cancels the session; closing the panel returns to the slide", async () => {
  const page = await profileSignedIn("ada");
  const banner = page.locator("product-carousel");
  const canceled = nextEvent(page, "buycard:cancel");
  await banner.locator('.slide[data-product="fillmore-tickets"] button.slide-main').click();
  await banner.locator(".panel dialog.sheet[open]").waitFor();
  // The sheet is modal: its Cancel is the way out; then the panel closes.
  await banner.locator(".panel dialog.sheet button.cancel").click();
  await banner.locator(".panel button.close").click();
  const { checkout_session_id } = await canceled;
  await waitForSessionStatus(page, checkout_session_id, "canceled");
  assert.equal(await banner.locator(".panel").count(), 0);
  await waitForFocusedSlide(page, "1");
  assert.equal(await banner.getAttribute("data-state"), "ready");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("no layout shift while the images load", async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  // Every image answers late, so the layout is measured before and after they arrive.
  await page.route("**/media/**", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    await route.continue();
  });
  await page.addInitScript(() => {
    window.__shift = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shift += entry.value;
    }).observe({ type: "layout-shift", buffered: true });
  });
  await page.goto(BASE + "/profile.html");
  await ready(page);
  // Layout-shift entries are delivered asynchronously: let those of the first render arrive.
  await page.waitForTimeout(100);
  const atReady = await page.evaluate(() => window.__shift);
  assert.equal(await page.evaluate(() => document.querySelector("product-carousel").shadowRoot.querySelectorAll("img[src]").length > 0), true);
  assert.equal(
    await page.evaluate(() => [...document.querySelector("product-carousel").shadowRoot.querySelectorAll("img")].some((img) => !img.complete)),
    true,
    "the images are still on their way",
  );
  // The banner sits under the profile's header, partly below a 900 px window: bring it into view
  // (a scroll is not a layout shift). Then the photos of the slides in view arrive; those of the
  // next page, hidden in the track, are left to the browser (loading="lazy" defers them).
  await page.evaluate(() => document.querySelector("product-carousel").scrollIntoView({ block: "center" }));
  await page.waitForFunction(() => {
    const root = document.querySelector("product-carousel").shadowRoot;
    const track = root.querySelector(".track").getBoundingClientRect();
    const images = [...root.querySelectorAll("img")].filter((img) => {
      const box = img.getBoundingClientRect();
      return box.right > track.left && box.left < track.right;
    });
    return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0);
  });
  await page.waitForTimeout(200);
  const shift = (await page.evaluate(() => window.__shift)) - atReady;
  console.log(`# profile page layout shift: ${atReady.toFixed(4)} until the banner is ready, ${shift} while its images load`);
  assert.equal(shift, 0);
  await page.context().close();
});

test("autoplay rotates, and prefers-reduced-motion turns it off", async () => {
  for (const reducedMotion of ["no-preference", "reduce"]) {
    const page = await newPage(browser, { viewport: { width: 375, height: 800 }, reducedMotion });
    await page.goto(BASE + "/profile.html");
    await page.evaluate(() => document.querySelector("product-carousel").setAttribute("autoplay", "2"));
    await ready(page);
    const banner = page.locator("product-carousel");
    const scrolled = () => inBanner(page, (root) => Math.abs(root.querySelector(".track").scrollLeft));
    if (reducedMotion === "reduce") {
      assert.equal(await banner.locator("button.rotation").count(), 0, "no rotation control");
      await page.waitForTimeout(3000);
      assert.equal(await scrolled(), 0, "nothing moved");
    } else {
      const control = banner.locator("button.rotation");
      assert.equal(await control.getAttribute("aria-label"), "Pause the slide show");
      assert.equal(await banner.locator("[aria-live]").getAttribute("aria-live"), "off");
      await page.waitForFunction(
        () => Math.abs(document.querySelector("product-carousel").shadowRoot.querySelector(".track").scrollLeft) > 0,
        null,
        { timeout: 10000 },
      );
      assert.equal(await cardText(banner.locator("[aria-live]")), "", "autoplay is not announced");
      await control.click();
      assert.equal(await control.getAttribute("aria-label"), "Play the slide show");
    }
    assert.deepEqual(page.errors, []);
    await page.context().close();
  }
});

test("from a 320 px phone to a desktop: no sideways overflow; screenshots at 375 px and 1280 px", async () => {
  for (const width of [320, 375, 1280]) {
    const page = await profile({ viewport: { width, height: 900 } });
    // The photos of the slides in view have arrived (the others wait for the user).
    await page.waitForFunction(() => {
      const root = document.querySelector("product-carousel").shadowRoot;
      const track = root.querySelector(".track").getBoundingClientRect();
      const inView = [...root.querySelectorAll("img")].filter((img) => {
        const box = img.getBoundingClientRect();
        return box.right > track.left && box.left < track.right;
      });
      return inView.length > 0 && inView.every((img) => img.complete && img.naturalWidth > 0);
    });
    // Nothing overflows the page sideways.
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
    await page.screenshot({ path: artifact(`profile-${width}.png`), fullPage: true });
    await page.context().close();
  }
});

test("axe-core finds no accessibility violation on the profile page", async () => {
  const page = await profile();
  assert.deepEqual(await axeViolations(page), []);
  await page.context().close();
});

test("200 products: every slide renders, only the slides near the view load images", async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  const products = Array.from({ length: 200 }, (_, i) => ({
    id: `p${i}`,
    title: `Product ${i}`,
    url: `https://shop.example/p${i}`,
    media: [{ type: "image", url: `${BASE}/media/print.svg?n=${i}`, width: 800, height: 1000 }],
    variants: [{ id: `p${i}-v`, title: "V", price: { amount: 1000 + i, currency: "USD" }, availability: { status: "in_stock" } }],
  }));
  await page.route("**/api/feeds/big/products", (route) =>
    route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ products }) }),
  );
  await page.goto(BASE + "/profile.html");
  await ready(page);
  const timing = await page.evaluate(async () => {
    const longest = { value: 0 };
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longest.value = Math.max(longest.value, entry.duration);
    }).observe({ type: "longtask" });
    const banner = document.createElement("product-carousel");
    banner.setAttribute("endpoint", "/api");
    banner.setAttribute("feed", "big");
    banner.setAttribute("label", "Big shop");
    const started = performance.now();
    document.querySelector("main").prepend(banner);
    await new Promise((resolve) => banner.addEventListener("buycard:ready", resolve, { once: true }));
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    return { ready: performance.now() - started, longest: longest.value };
  });
  console.log(`# 200-slide banner: ready in ${timing.ready.toFixed(0)} ms, longest task ${timing.longest.toFixed(0)} ms`);
  const counts = await page.evaluate(() => {
    const root = document.querySelector('product-carousel[feed="big"]').shadowRoot;
    return {
      slides: root.querySelectorAll(".slide").length,
      images: root.querySelectorAll("img").length,
      dots: root.querySelectorAll(".dot").length,
      position: root.querySelector(".position").textContent,
    };
  });
  assert.equal(counts.slides, 200);
  assert.equal(counts.dots, 0, "no dots for 200 slides: the position says where");
  assert.match(counts.position, /^1–\d+ of 200$/);
  assert.ok(counts.images > 0 && counts.images <= 20, `images requested: ${counts.images}`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
