// A purchase under `cargo xtask serve`'s page server never reloads the page.
//
// `trunk serve` once watched the whole repository while the platform wrote its SQLite database
// into it: every checkout write rebuilt the page and reloaded it under the buyer, throwing away
// the sheet. `cargo xtask test` (step "trunk serve: no reload on a purchase") starts Trunk with
// the repository's Trunk.toml and the platform with its database inside the repository, then
// runs this file against Trunk's URL. Not named *.test.mjs: the release-build run skips it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { BASE, launch, newPage, signIn, cardReady } from "./browser.mjs";

const TRUNK_LOG = process.env.TRUNK_LOG;
const DATABASE = process.env.BUYCARD_DATABASE;

let browser;
before(async () => {
  assert.ok(TRUNK_LOG && DATABASE, "run through cargo xtask test (TRUNK_LOG, BUYCARD_DATABASE)");
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

// How many builds Trunk has started so far (its log says "starting build" for each).
const builds = () => readFileSync(TRUNK_LOG, "utf8").split("\n").filter((line) => line.includes("starting build")).length;

// When SQLite last wrote the database (WAL mode: the -wal file takes the writes).
const lastWrite = () =>
  Math.max(...["", "-wal"].map((suffix) => {
    try {
      return statSync(DATABASE + suffix).mtimeMs;
    } catch {
      return 0;
    }
  }));

let page;
let loads = 0;

test("a saved buyer buys through trunk serve: the database is written, the page stays", async () => {
  page = await newPage(browser, { viewport: { width: 700, height: 1200 } });
  const sockets = [];
  page.on("websocket", (socket) => sockets.push(socket.url()));
  await page.goto(BASE + "/");
  assert.equal(await signIn(page, "ada"), 200);
  await page.reload();
  await cardReady(page, 'buy-card[product="enamel-pin"]');
  // Trunk's live reload is connected: a rebuild would reload this page.
  for (let waited = 0; !sockets.some((url) => url.includes("/.well-known/trunk/ws")); waited += 100) {
    assert.ok(waited < 10000, `Trunk's reload socket is open (${sockets.join(", ") || "no socket"})`);
    await page.waitForTimeout(100);
  }
  page.on("load", () => loads++);
  await page.evaluate(() => {
    window.__marker = "the page of before the purchase";
  });
  const buildsBefore = builds();
  const writtenBefore = lastWrite();

  const card = page.locator('buy-card[product="enamel-pin"]');
  await card.locator("button.buy-button").click();
  await card.locator("dialog.sheet[open]").waitFor({ timeout: 10000 });
  await page.waitForFunction(
    () => document.querySelector('buy-card[product="enamel-pin"]').shadowRoot.querySelector("button.confirm")?.getAttribute("aria-disabled") === "false",
    null,
    { timeout: 10000 },
  );
  await card.locator("button.confirm").click();
  await page.waitForFunction(() => document.querySelector('buy-card[product="enamel-pin"]').dataset.state === "placed", null, { timeout: 10000 });
  assert.ok(lastWrite() > writtenBefore, `the purchase wrote ${DATABASE}`);

  // Trunk notices a change within a few hundred milliseconds; give it ample time to react.
  await page.waitForTimeout(3000);
  assert.equal(builds(), buildsBefore, "no rebuild after the database write (see the Trunk log)");
  assert.equal(await page.evaluate(() => window.__marker), "the page of before the purchase", "the page was not reloaded");
  assert.equal(loads, 0, "no navigation");
  assert.equal(await card.getAttribute("data-state"), "placed", "the order is still on screen");
  assert.deepEqual(page.errors, []);
});

test("a change to a watched source does rebuild and reload the page (so the test above could see one)", async () => {
  assert.ok(page, "the purchase test ran");
  const buildsBefore = builds();
  // The same bytes written again: a write Trunk sees (a new mtime alone is not one), nothing
  // for git to see.
  const source = new URL("../../preview/preview.css", import.meta.url);
  writeFileSync(source, readFileSync(source));
  await page.waitForFunction(() => window.__marker === undefined, null, { timeout: 120000 });
  assert.ok(builds() > buildsBefore, "Trunk rebuilt");
  assert.ok(loads >= 1, "and the page loaded again");
  await page.context().close();
});
