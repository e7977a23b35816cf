// `cargo xtask bench`'s harness, once and small, so that it cannot rot between bench runs: a
// page of 10 cards, buycard's and the vanilla element's, a saved buyer's purchase and the layout
// shift of the timeline must give numbers. No figure is judged (timings vary with the machine);
// BENCHMARKS.md is where they are read.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, startServer } from "./browser.mjs";
import { makeSite, cardsPage } from "../../bench/site.mjs";
import { measureCards, measurePurchase, measureShift } from "../../bench/measure.mjs";

let browser;
let server;
let site;
before(async () => {
  site = mkdtempSync(join(tmpdir(), "buycard-bench-"));
  // The reservation CSS as the dist folder ships it, when `cargo xtask` made one.
  const reserveCss = process.env.BUYCARD_DIST ? join(process.env.BUYCARD_DIST, "buycard.css") : undefined;
  makeSite(site, { reserveCss });
  server = await startServer([], { staticDir: site });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
  if (site) rmSync(site, { recursive: true, force: true });
});

const number = (v) => typeof v === "number" && Number.isFinite(v) && v >= 0;

for (const kind of ["buycard", "vanilla"]) {
  test(`the bench measures a page of 10 ${kind} cards`, async () => {
    const figures = await measureCards(browser, server.url, { kind, count: 10, path: cardsPage(site, kind, 10) });
    for (const key of ["readyMs", "longestTaskMs", "tbtMs", "scriptMs", "heapBytes", "nodes", "heapRemovedBytes", "nodesRemoved"]) {
      assert.ok(number(figures[key]), `${key}: ${figures[key]}`);
    }
    if (kind === "buycard") {
      assert.ok(figures.wasmBytes > 0, `the wasm memory: ${figures.wasmBytes}`);
      assert.ok(figures.wasmRemovedBytes >= figures.wasmBytes, "wasm memory never shrinks");
    } else {
      assert.equal(figures.wasmBytes, null);
    }
    // The removed cards' nodes are gone from the page.
    assert.ok(figures.nodesRemoved < figures.nodes, `${figures.nodesRemoved} nodes after removal, ${figures.nodes} before`);
  });
}

test("the bench measures a saved buyer's purchase and the timeline's layout shift", async () => {
  const purchase = await measurePurchase(browser, server.url);
  for (const key of ["sheetMs", "totalMs", "armingMs", "placedMs", "totalNetworkMs", "placedNetworkMs"]) {
    assert.ok(number(purchase[key]), `${key}: ${purchase[key]}`);
  }
  const shift = await measureShift(browser, server.url, { path: "/index.html", viewport: { width: 375, height: 800 } });
  for (const key of ["readyMs", "cls", "clsSettled"]) assert.ok(number(shift[key]), `${key}: ${shift[key]}`);
});
