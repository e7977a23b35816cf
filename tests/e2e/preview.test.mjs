// The built preview pages (a mock social network's timeline and a shop's profile), served by the
// real reference server: the cards on them, how the pages look from a 320 px phone to a desktop
// in both themes, the layout shift while they load, the space they reserve for the components
// (checked against the README's figures), the demo menu, and axe-core.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BASE, launch, newPage, artifact, cardText, axeViolations, signIn, cardReady, allReady } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const card = (page, product) => page.locator(`buy-card[product="${product}"]`);

const PAGES = { timeline: "/", profile: "/profile.html" };
// A phone (375 × 812, as an iPhone X to 13 mini) and a desktop.
const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 900 };

// Every card and banner on the page has shown its product(s).
const componentsReady = (page) => allReady(page);

// Every photo the components show in the viewport has arrived (the banner loads the others later).
const photosInView = (page) =>
  page.waitForFunction(
    () =>
      [...document.querySelectorAll("buy-card, product-carousel")].every((c) =>
        [...c.shadowRoot.querySelectorAll("img")].every((img) => {
          // In the window, and inside the banner's scrolled track if it is in one.
          const box = img.getBoundingClientRect();
          const track = img.closest(".track")?.getBoundingClientRect() ?? { left: 0, right: innerWidth };
          const inView =
            box.bottom > 0 && box.top < innerHeight && box.right > Math.max(0, track.left) && box.left < Math.min(innerWidth, track.right);
          return !inView || (img.complete && img.naturalWidth > 0);
        }),
      ),
    null,
    { timeout: 15000 },
  );

// Scrolls through the page so that lazy photos load, then back to the top, and waits for every
// card's photo (full-page screenshots show the whole timeline).
async function loadEveryPhoto(page) {
  await page.evaluate(async () => {
    for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight / 2) {
      scrollTo(0, y);
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    scrollTo(0, 0);
  });
  await page.waitForFunction(
    () => [...document.querySelectorAll("buy-card")].every((c) => {
      const img = c.shadowRoot.querySelector("img");
      return !img || (img.complete && img.naturalWidth > 0);
    }),
    null,
    { timeout: 15000 },
  );
}

test("every card on the timeline renders its product from the server", async () => {
  const page = await newPage(browser, { viewport: { width: 700, height: 1600 } });
  const feedRequests = [];
  page.on("request", (r) => r.url().includes("/feeds/") && feedRequests.push(r.url()));
  await page.goto(BASE + "/");
  const cards = page.locator("buy-card");
  const count = await cards.count();
  assert.ok(count >= 6, `the preview has several cards (${count})`);
  await componentsReady(page);
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
  const img = print.locator(".media img");
  assert.equal(await img.getAttribute("width"), "800");
  assert.equal(await img.getAttribute("height"), "1000");
  await loadEveryPhoto(page);
  const shot = artifact("timeline-en.png");
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot kept: ${shot}`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("the timeline is a social timeline: varied posts, a few with cards, a long scroll", async () => {
  const page = await newPage(browser, { viewport: PHONE });
  await page.goto(BASE + "/");
  const posts = await page.$$eval("main article.post", (articles) =>
    articles.map((post) => ({
      avatar: !!post.querySelector(".avatar"),
      name: post.querySelector(".name")?.textContent.trim(),
      handle: post.querySelector(".handle")?.textContent.trim(),
      time: post.querySelector("time")?.getAttribute("datetime"),
      card: !!post.querySelector("buy-card"),
      photo: !!post.querySelector(".photo"),
      actions: post.querySelectorAll(".actions button").length,
    })),
  );
  assert.ok(posts.length >= 12, `a long timeline (${posts.length} posts)`);
  for (const post of posts) {
    assert.ok(post.avatar && post.name && /^@\w+$/.test(post.handle) && post.time && post.actions === 4, JSON.stringify(post));
  }
  const withCards = posts.filter((p) => p.card).length;
  assert.ok(withCards >= 6 && withCards <= posts.length / 2 + 1, `some posts sell something (${withCards} of ${posts.length})`);
  assert.ok(posts.filter((p) => p.photo && !p.card).length >= 3, "photo posts without a card");
  assert.ok(posts.filter((p) => !p.photo && !p.card).length >= 3, "posts of words only");
  assert.ok(await page.evaluate(() => document.documentElement.scrollHeight > 5 * innerHeight), "a long scroll");
  await page.context().close();
});

test("a card follows its locale attribute: English and French prices", async () => {
  const page = await newPage(browser);
  await page.goto(BASE + "/");
  const tee = card(page, "tour-tee");
  await cardReady(page, 'buy-card[product="tour-tee"]');
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

test("both pages from a 320 px phone to a desktop, light and dark: nothing sideways; screenshots", async () => {
  for (const [name, path] of Object.entries(PAGES)) {
    for (const width of [320, 375, 1280]) {
      for (const colorScheme of ["light", "dark"]) {
        const page = await newPage(browser, { viewport: { width, height: width < 1000 ? 812 : 900 }, colorScheme });
        await page.goto(BASE + path);
        await componentsReady(page);
        await loadEveryPhoto(page);
        await photosInView(page);
        assert.ok(
          await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth),
          `${name} at ${width} px (${colorScheme}) is no wider than the screen`,
        );
        await page.screenshot({ path: artifact(`${name}-${width}-${colorScheme}.png`), fullPage: true });
        assert.deepEqual(page.errors, []);
        await page.context().close();
      }
    }
  }
});

test("the README's pictures: the timeline and the sheet on a phone, the banner", async () => {
  const page = await newPage(browser, { viewport: PHONE, deviceScaleFactor: 1 });
  await page.goto(BASE + "/");
  await componentsReady(page);
  await photosInView(page);
  await page.screenshot({ path: artifact("readme-timeline-phone.png") });
  // Ada, signed in with a saved card: Buy opens the confirmation sheet.
  assert.equal(await signIn(page, "ada"), 200);
  await page.reload();
  await componentsReady(page);
  const print = card(page, "night-market-print");
  await print.locator("button.buy-button").click();
  await print.locator("dialog.sheet[open]").waitFor();
  await page.waitForFunction(
    () => document.querySelector('buy-card[product="night-market-print"]').shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false",
  );
  await photosInView(page);
  // The post from its author's name down, under the top bar.
  await print.evaluate((el) => {
    const post = el.closest("article").getBoundingClientRect();
    scrollBy(0, post.top - document.querySelector("header.topbar").getBoundingClientRect().height);
  });
  await page.screenshot({ path: artifact("readme-sheet-phone.png") });
  await page.keyboard.press("Escape");
  await page.context().close();

  const profile = await newPage(browser, { viewport: { width: 700, height: 900 }, deviceScaleFactor: 1 });
  await profile.goto(BASE + "/profile.html");
  await componentsReady(profile);
  const shop = profile.locator("section.shop");
  await shop.evaluate((el) => el.scrollIntoView({ block: "center" }));
  await photosInView(profile);
  await shop.screenshot({ path: artifact("readme-banner.png") });
  await profile.context().close();
});

test("layout shift while the pages load: below 0.01 on a phone and a desktop", async () => {
  for (const [name, path] of Object.entries(PAGES)) {
    for (const viewport of [PHONE, DESKTOP]) {
      const page = await newPage(browser, { viewport });
      await page.addInitScript(() => {
        window.__layoutShift = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__layoutShift += entry.value;
        }).observe({ type: "layout-shift", buffered: true });
      });
      await page.goto(BASE + path);
      await componentsReady(page);
      await photosInView(page);
      // Layout-shift entries arrive asynchronously: let those of the last frames come in.
      await page.waitForTimeout(500);
      const shift = await page.evaluate(() => window.__layoutShift);
      console.log(`layout shift ${name} ${viewport.width}px: ${shift.toFixed(4)}`);
      assert.ok(shift < 0.01, `${name} at ${viewport.width} px shifts ${shift}`);
      await page.context().close();
    }
  }
});

// The README's reservation figures ("Reserve the space"): rows of a demo product (or the banner)
// with its height on a 375 px phone and in a 600 px column.
function readmeFigures() {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.split("### Reserve the space")[1]?.split("\n## ")[0] ?? "";
  const figures = {};
  for (const [, id, phone, column] of section.matchAll(/^\|[^|]*`([a-z-]+)`[^|]*\|\s*(\d+) px\s*\|\s*(\d+) px\s*\|$/gm)) {
    figures[id] = { 375: Number(phone), 1280: Number(column) };
  }
  return figures;
}

test("the space reserved for each card and the banner is the height it takes, as the README says", async () => {
  const figures = readmeFigures();
  assert.ok(Object.keys(figures).length >= 4, `the README lists reservation figures (${JSON.stringify(figures)})`);
  const checked = new Set();
  // Every mismatch is listed, not only the first: the figures are fixed from one run.
  const problems = [];
  for (const [name, path] of Object.entries(PAGES)) {
    for (const viewport of [PHONE, DESKTOP]) {
      const page = await newPage(browser, { viewport });
      // The feeds wait: the components stay in their reserved space until released.
      const held = [];
      let released = false;
      await page.route("**/feeds/**", (route) => (released ? route.continue() : held.push(route)));
      await page.goto(BASE + path);
      const expected = name === "timeline" ? 2 : 1;
      for (let waited = 0; held.length < expected; waited += 50) {
        assert.ok(waited < 15000, "the components ask for their feeds");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const sizes = () =>
        page.$$eval("buy-card, product-carousel", (elements) =>
          elements.map((el) => {
            const box = el.getBoundingClientRect();
            return { id: el.getAttribute("product") ?? el.localName, state: el.dataset.state, width: box.width, height: box.height };
          }),
        );
      const reserved = await sizes();
      assert.ok(reserved.every((r) => r.state === "loading"), JSON.stringify(reserved));
      released = true;
      for (const route of held) await route.continue();
      await componentsReady(page);
      const real = await sizes();
      const rows = real.map((r, i) => `${r.id} ${Math.round(r.width)}×${Math.round(r.height)} (reserved ${Math.round(reserved[i].height)})`);
      console.log(`# ${name} at ${viewport.width} px: ${rows.join(", ")}`);
      real.forEach((r, i) => {
        if (Math.abs(r.height - reserved[i].height) > 2) {
          problems.push(`${name} ${viewport.width} px: ${r.id} reserved ${reserved[i].height}, is ${r.height}`);
        }
        const readme = figures[r.id]?.[viewport.width];
        if (readme !== undefined) {
          if (Math.abs(readme - r.height) > 3) {
            problems.push(`README says ${r.id} is ${readme} px at ${viewport.width} px; it is ${r.height}`);
          }
          checked.add(`${r.id}@${viewport.width}`);
        }
      });
      await page.context().close();
    }
  }
  assert.deepEqual(problems, []);
  const listed = Object.keys(figures).flatMap((id) => [`${id}@375`, `${id}@1280`]);
  assert.deepEqual(listed.filter((f) => !checked.has(f)), [], "every README figure was measured");
});

test("no ragged gap: from 375 to 1280 px each card is as wide as its post", async () => {
  for (const width of [375, 600, 1280]) {
    const page = await newPage(browser, { viewport: { width, height: 900 } });
    await page.goto(BASE + "/");
    await componentsReady(page);
    const gaps = await page.$$eval("main .attachment buy-card", (cards) =>
      cards.map((c) => {
        const post = c.closest("article").querySelector(".post-head").getBoundingClientRect();
        const box = c.getBoundingClientRect();
        const article = c.closest("article").getBoundingClientRect();
        return { left: box.left - post.left, right: article.right - box.right, start: post.left - article.left };
      }),
    );
    for (const gap of gaps) {
      assert.ok(Math.abs(gap.left) < 1 && Math.abs(gap.right - gap.start) < 1, `${width} px: ${JSON.stringify(gap)}`);
    }
    await page.context().close();
  }
});

test("dark mode: names above handles, links in the page's accent, not the browser's blue", async () => {
  for (const [name, path] of Object.entries(PAGES)) {
    const page = await newPage(browser, { viewport: DESKTOP, colorScheme: "dark" });
    await page.goto(BASE + path);
    const looks = await page.evaluate(() => {
      const size = (el) => parseFloat(getComputedStyle(el).fontSize);
      return {
        background: getComputedStyle(document.body).backgroundColor,
        names: [...document.querySelectorAll(".post .who")].map((who) => [size(who.querySelector(".name")), size(who.querySelector(".handle"))]),
        links: [...document.querySelectorAll("main a, aside a")].map((a) => getComputedStyle(a).color),
      };
    });
    assert.equal(looks.background, "rgb(0, 0, 0)");
    assert.ok(looks.names.length > 0 && looks.names.every(([n, h]) => h < n), `${name}: handles smaller than names ${JSON.stringify(looks.names)}`);
    assert.ok(looks.links.length > 0);
    for (const color of looks.links) {
      assert.notEqual(color, "rgb(0, 0, 238)", `${name}: a link in the default blue`);
      assert.notEqual(color, "rgb(85, 26, 139)", `${name}: a link in the default purple`);
    }
    await page.context().close();
  }
});

test("the demo menu: compact on a phone; signed out, new buyer, Ada, Grace; reset", async () => {
  const page = await newPage(browser, { viewport: PHONE });
  await page.goto(BASE + "/");
  const menu = page.locator("details.demo");
  const bar = await page.locator("header.topbar").boundingBox();
  assert.ok(bar.height <= 56, `the top bar is one slim row (${bar.height} px)`);
  await menu.locator("summary").click();
  const panel = await menu.locator(".demo-menu").boundingBox();
  assert.ok(panel.x >= 0 && panel.x + panel.width <= PHONE.width && panel.y + panel.height <= PHONE.height, `the open menu fits the phone: ${JSON.stringify(panel)}`);
  await menu.screenshot({ path: artifact("demo-menu-375.png") });
  const wallet = () => page.evaluate(async () => {
    const answer = await fetch("/wallet/buyer", { credentials: "include" });
    return { status: answer.status, email: answer.status === 200 ? (await answer.json()).buyer.email : null };
  });
  const choose = async (value, label) => {
    await menu.locator(`input[name=visitor][value="${value}"]`).check();
    await page.waitForFunction((label) => document.querySelector("[data-demo-who]").textContent === label, label);
    await page.waitForFunction(() => document.querySelector("[data-demo-status]").textContent !== "");
  };
  await choose("newbie", "New buyer");
  assert.deepEqual(await wallet(), { status: 204, email: null }, "signed in with nothing saved");
  await choose("ada", "Ada");
  assert.deepEqual(await wallet(), { status: 200, email: "ada@example.com" });
  await choose("grace", "Grace");
  assert.deepEqual(await wallet(), { status: 200, email: "grace@example.com" });
  await choose("signed-out", "Signed out");
  assert.deepEqual(await wallet(), { status: 401, email: null }, "signed out: the card checks out as a guest");

  // The new buyer saves a card (as the details sheet does); Reset forgets it.
  await choose("newbie", "New buyer");
  const saved = await page.evaluate(async () => {
    const answer = await fetch("/wallet/payment_methods", {
      method: "POST",
      credentials: "include",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        card: { number: "4242424242424242", exp_month: "12", exp_year: "2031", cvc: "123" },
        save: true,
        buyer: { email: "newbie@example.com", first_name: "Newt" },
      }),
    });
    return answer.status;
  });
  assert.equal(saved, 201);
  assert.equal((await wallet()).status, 200, "the new buyer is one-click now");
  await page.reload();
  await page.waitForFunction(() => document.querySelector("[data-demo-who]").textContent === "New buyer");
  await menu.locator("summary").click();
  await menu.locator("button[data-demo-reset]").click();
  await page.waitForFunction(() => document.querySelector("[data-demo-status]").textContent.startsWith("Demo data reset"));
  assert.deepEqual(await wallet(), { status: 204, email: null }, "reset: nothing saved again");

  // The theme: the page and every card follow the choice, and it outlives a reload.
  await menu.locator('input[name=theme][value="dark"]').check();
  const theme = () =>
    page.evaluate(() => ({
      page: document.documentElement.dataset.theme ?? null,
      background: getComputedStyle(document.body).backgroundColor,
      cards: [...new Set([...document.querySelectorAll("buy-card")].map((c) => c.getAttribute("theme")))],
    }));
  assert.deepEqual(await theme(), { page: "dark", background: "rgb(0, 0, 0)", cards: ["dark"] });
  await page.reload();
  assert.deepEqual(await theme(), { page: "dark", background: "rgb(0, 0, 0)", cards: ["dark"] });
  await menu.locator("summary").click();
  await menu.locator('input[name=theme][value="system"]').check();
  assert.deepEqual(await theme(), { page: null, background: "rgb(255, 255, 255)", cards: [null] });
  // Escape closes the menu and gives focus back to its button.
  await page.keyboard.press("Escape");
  assert.equal(await menu.evaluate((d) => d.open), false);
  assert.equal(await page.evaluate(() => document.activeElement.tagName), "SUMMARY");
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("axe-core finds no accessibility violation on either page, light or dark", async () => {
  for (const [name, path] of Object.entries(PAGES)) {
    for (const colorScheme of ["light", "dark"]) {
      const page = await newPage(browser, { colorScheme });
      await page.goto(BASE + path);
      await componentsReady(page);
      assert.deepEqual(await axeViolations(page), [], `${name} (${colorScheme})`);
      // And with the demo menu open.
      await page.locator("details.demo summary").click();
      assert.deepEqual(await axeViolations(page), [], `${name} (${colorScheme}), demo menu open`);
      await page.context().close();
    }
  }
});
