// The built preview page (a mock timeline), served by the real reference server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, newPage, artifact, cardText, axeViolations } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const card = (page, product) => page.locator(`buy-card[product="${product}"]`);

test("every card on the timeline renders its product from the server", async () => {
  const page = await newPage(browser, { viewport: { width: 700, height: 1600 } });
  const feedRequests = [];
  page.on("request", (r) => r.url().includes("/feeds/") && feedRequests.push(r.url()));
  await page.goto(BASE + "/");
  const cards = page.locator("buy-card");
  const count = await cards.count();
  assert.ok(count >= 6, `the preview has several cards (${count})`);
  await page.waitForFunction(
    () => [...document.querySelectorAll("buy-card")].every((c) => c.dataset.state === "ready"),
    null,
    { timeout: 15000 },
  );
  assert.equal(feedRequests.length, 2, "one feed request per shop (Lantern Press, Harbor Records) for the whole timeline");

  const print = card(page, "night-market-print");
  assert.equal(await cardText(print.locator(".title")), "Night Market: signed limited-edition print");
  assert.equal(await cardText(print.locator(".now")), "Price: $120.00");
  assert.equal(await cardText(print.locator(".availability")), "Only a few left");
  assert.equal(await print.getAttribute("data-state"), "ready");

  // The publisher's post is in French (lang="fr"), so its card is too.
  const book = card(page, "long-thread");
  assert.equal(await cardText(book.locator(".now")), "Prix : 24,90 €");
  assert.equal(await cardText(book.locator(".availability")), "En précommande");

  const tee = card(page, "tour-tee");
  assert.equal(await cardText(tee.locator(".was")), "Original price: $30.00");
  assert.equal(await cardText(card(page, "debut-vinyl").locator(".availability")), "Sold out");
  assert.equal(await card(page, "debut-vinyl").locator("button.buy-button").count(), 0, "a sold-out item cannot be bought");
  assert.equal(await card(page, "enamel-pin").locator("button.buy-button").count(), 1);

  // Images arrive from the server with their box reserved.
  const img = print.locator("img");
  assert.equal(await img.getAttribute("width"), "800");
  assert.equal(await img.getAttribute("height"), "1000");
  await page.waitForFunction(
    () => [...document.querySelectorAll("buy-card")].every((c) => {
      const img = c.shadowRoot.querySelector("img");
      return !img || (img.complete && img.naturalWidth > 0);
    }),
    null,
    { timeout: 15000 },
  );
  const shot = artifact("timeline-en.png");
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot kept: ${shot}`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a card follows its locale attribute: English and French prices", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  const tee = card(page, "tour-tee");
  await page.waitForFunction(() => document.querySelector('buy-card[product="tour-tee"]').dataset.state === "ready");
  assert.equal(await cardText(tee.locator(".now")), "Price: $25.00");
  await tee.evaluate((el) => el.setAttribute("locale", "fr-FR"));
  await page.waitForFunction(() =>
    document.querySelector('buy-card[product="tour-tee"]').shadowRoot.querySelector(".now").textContent.includes("25,00"),
  );
  assert.equal(await cardText(tee.locator(".now")), "Prix : 25,00 $US");
  assert.equal(await cardText(tee.locator(".was")), "Prix d’origine : 30,00 $US");
  assert.equal(await cardText(tee.locator(".availability")), "En stock");
  assert.equal(await tee.getAttribute("data-state"), "ready");
  await tee.screenshot({ path: artifact("card-fr.png") });
  await page.context().close();
});

test("axe-core finds no accessibility violation on the timeline", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  await page.waitForFunction(
    () => [...document.querySelectorAll("buy-card")].every((c) => c.dataset.state === "ready"),
  );
  assert.deepEqual(await axeViolations(page), []);
  await page.context().close();
});
