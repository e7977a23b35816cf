// The browser half of `cargo xtask bench` (xtask/src/bench.rs starts the servers and runs this):
// builds the bench's site, measures in Debian's Chromium through playwright-core, and writes
// the raw samples and the medians to BENCH_OUT (JSON) and the tables to BENCH_MD (Markdown).
//
// Environment: BUYCARD_URL (the platform serving BENCH_SITE with --static), BENCH_SITE,
// BENCH_BUILD (Trunk's release dist/), BENCH_RESERVE_CSS (the dist folder's buycard.css),
// BENCH_RUNS (5), CHROMIUM.
import { writeFileSync } from "node:fs";
import { launch } from "../tests/e2e/browser.mjs";
import { makeSite, cardsPage } from "./site.mjs";
import { measureCards, measurePurchase, measureShift, firstLoad } from "./measure.mjs";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through cargo xtask bench)`);
  return value;
};
const BASE = env("BUYCARD_URL");
const SITE = env("BENCH_SITE");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const COUNTS = [0, 1, 100, 1000];
const KIND_NAMES = ["buycard", "vanilla"];
const VIEWPORTS = [
  { width: 375, height: 800 },
  { width: 1280, height: 900 },
];
const SHIFT_PAGES = ["/index.html", "/profile.html"];

makeSite(SITE, { build: env("BENCH_BUILD"), reserveCss: env("BENCH_RESERVE_CSS") });
const pages = {};
for (const kind of KIND_NAMES) for (const count of COUNTS) pages[`${kind}-${count}`] = cardsPage(SITE, kind, count);

const median = (values) => {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const medians = (samples) => Object.fromEntries(Object.keys(samples[0] ?? {}).map((key) => [key, median(samples.map((s) => s[key]))]));

const started = Date.now();
// However the browser or a server misbehaves, the bench ends: every wait in measure.mjs is
// bounded, and so is the whole.
const LIMIT_MS = 15 * 60_000;
setTimeout(() => {
  console.error(`bench: the browser figures took over ${LIMIT_MS / 60_000} minutes; giving up`);
  process.exit(1);
}, LIMIT_MS).unref();
const browser = await launch();
const chromium = browser.version();
const samples = { cards: {}, purchase: [], shift: {} };
try {
  const loaded = await firstLoad(browser, BASE, { kind: "buycard", path: pages["buycard-1"] });
  // Every configuration once per round, RUNS rounds: a busy moment of the machine spreads over
  // all of them instead of spoiling one.
  for (let run = 1; run <= RUNS; run++) {
    console.log(`bench: round ${run} of ${RUNS} (${Math.round((Date.now() - started) / 1000)} s)`);
    for (const count of COUNTS) {
      for (const kind of KIND_NAMES) {
        const key = `${kind}-${count}`;
        (samples.cards[key] ??= []).push(await measureCards(browser, BASE, { kind, count, path: pages[key] }));
      }
    }
    samples.purchase.push(await measurePurchase(browser, BASE));
    for (const path of SHIFT_PAGES) {
      for (const viewport of VIEWPORTS) {
        const key = `${path} ${viewport.width}×${viewport.height}`;
        (samples.shift[key] ??= []).push(await measureShift(browser, BASE, { path, viewport }));
      }
    }
  }
  const result = {
    runs: RUNS,
    chromium,
    firstLoad: [...new Set(loaded)],
    cards: Object.fromEntries(Object.entries(samples.cards).map(([k, s]) => [k, medians(s)])),
    purchase: medians(samples.purchase),
    shift: Object.fromEntries(Object.entries(samples.shift).map(([k, s]) => [k, medians(s)])),
    samples,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  writeFileSync(env("BENCH_OUT"), JSON.stringify(result, null, 2));
  writeFileSync(env("BENCH_MD"), markdown(result));
  console.log(`bench: browser figures in ${result.seconds} s`);
} finally {
  await browser.close();
}

// ---- The tables --------------------------------------------------------------------------------

function ms(v) {
  return v == null ? "–" : v >= 100 ? `${Math.round(v)} ms` : `${v.toFixed(1)} ms`;
}
function bytes(v) {
  if (v == null) return "–";
  const kib = v / 1024;
  return kib >= 1024 ? `${(kib / 1024).toFixed(1)} MiB` : `${kib.toFixed(1)} KiB`;
}
function signedBytes(v) {
  return v == null ? "–" : v < 0 ? `−${bytes(-v)}` : bytes(v);
}

function markdown(r) {
  const out = [];
  const line = (cells) => out.push(`| ${cells.join(" | ")} |`);
  const c = (kind, count) => r.cards[`${kind}-${count}`];
  out.push(`## Cards on one page`, ``);
  out.push(
    `One page of N cards of Lantern Press's demo feed through the gateway (\`/shops/lantern\`, the six products in turn), ` +
      `served by the platform with buycard.js and the reservation CSS in its head; beside it the same page of ` +
      `\`<vanilla-card>\` (bench/vanilla-card.js: a hand-written custom element with a shadow root, the card's own ` +
      `CSS as one constructed stylesheet, the feed fetched once per page, the ready card's markup with ` +
      `Intl.NumberFormat; no checkout behind its Buy button). A new browser context per run (nothing cached), ` +
      `1280×900. Medians of ${r.runs} runs.`,
    ``,
    `- **first screen ready**: navigation start to the last card of the first screen \`data-state="ready"\` (a ` +
      `MutationObserver's time), for both kinds: buycard mounts a card's view only when it comes within a screen of ` +
      `the viewport, the vanilla element renders every card at once; with no card, to the element's definition (the ` +
      `script, and buycard's wasm, loaded and run).`,
    `- **longest task**, **TBT**: \`longtask\` entries until then; TBT sums each task's time beyond 50 ms.`,
    `- **script**: CDP \`Performance.getMetrics\` ScriptDuration at that moment (JavaScript and wasm on the main thread).`,
    `- **screens**, **script, all mounted**: the page then scrolled a screen at a time (two frames each) until every ` +
      `card is ready, and the script time at that point; the memory figures below are taken then, every card mounted.`,
    `- **heap**, **nodes**: CDP JSHeapUsedSize and Nodes after \`HeapProfiler.collectGarbage\`; **wasm**: the module's ` +
      `\`memory.buffer.byteLength\` (from wasm-bindgen's init, called again). **per card**: (N cards − no card) / N.`,
    `- **after removal**: every card removed from the page, 250 ms, a GC. Wasm memory never shrinks (WebAssembly ` +
      `cannot give pages back); what the allocator freed inside it is not visible from outside.`,
    ``,
  );
  line(["", "cards", "first screen ready", "longest task", "TBT", "script", "screens", "script, all mounted", "JS heap", "per card", "DOM nodes", "wasm memory", "per card", "heap after removal", "wasm after removal"]);
  line(Array(15).fill("---"));
  for (const count of [0, 1, 100, 1000]) {
    for (const kind of ["buycard", "vanilla"]) {
      const m = c(kind, count);
      const base = c(kind, 0);
      const perCard = (key) => (count ? signedBytes((m[key] - base[key]) / count) : "–");
      line([
        kind === "buycard" ? "buycard" : "vanilla",
        count === 0 ? "0 (script only)" : String(count),
        ms(m.readyMs),
        ms(m.longestTaskMs),
        ms(m.tbtMs),
        ms(m.scriptMs),
        String(Math.round(m.screens ?? 0)),
        ms(m.scriptAllMs),
        bytes(m.heapBytes),
        perCard("heapBytes"),
        String(Math.round(m.nodes)),
        bytes(m.wasmBytes),
        kind === "buycard" ? perCard("wasmBytes") : "–",
        bytes(m.heapRemovedBytes),
        bytes(m.wasmRemovedBytes),
      ]);
    }
  }
  out.push(``, `## A saved buyer's purchase`, ``);
  out.push(
    `Ada (signed in through \`/wallet/sign_in\`, a saved Visa and address) buys the enamel pin on the timeline ` +
      `(index.html) at 375×800, a new browser context per run. Times from the click event's time stamp to the ` +
      `animation frame after the change in the card's shadow root. ` +
      (r.samples.purchase.every((s) => s.sheetMs === s.totalMs)
        ? `In every run the sheet opened once the merchant had answered, with its total in it: the first two rows are one moment. `
        : ``) +
      `Confirm arms 600 ms after the sheet ` +
      `opens (a guard against a double tap): reported apart, and Confirm → placed starts at the tap on the armed ` +
      `button. ` +
      `"Network" is the span of the card's requests to \`/shops/…\` and \`/wallet/…\` in that interval (Resource ` +
      `Timing: loopback and the servers), the anchor for what the card itself adds. Medians of ${r.runs} runs.`,
    ``,
  );
  const p = r.purchase;
  line(["step", "time", "of which network and servers"]);
  line(["---", "---", "---"]);
  line(["tap Buy → sheet visible", ms(p.sheetMs), ms(p.totalNetworkMs)]);
  line(["tap Buy → merchant's total shown", ms(p.totalMs), ms(p.totalNetworkMs)]);
  line(["sheet visible → Confirm armed", ms(p.armingMs), "– (a timer)"]);
  line(["tap armed Confirm → placed", ms(p.placedMs), ms(p.placedNetworkMs)]);
  out.push(``, `## Layout shift`, ``);
  out.push(
    `The sum of \`layout-shift\` entries (none after an input) from navigation to every \`<buy-card>\` and ` +
      `\`<product-carousel>\` of the first screen ready (the others mount as they are scrolled near), and to one second after that (photos decoded, fonts settled). New browser ` +
      `context per run, medians of ${r.runs} runs. Anchor: web.dev calls a CLS up to 0.1 good.`,
    ``,
  );
  line(["page", "viewport", "first screen ready at", "CLS at ready", "CLS 1 s later"]);
  line(["---", "---", "---", "---", "---"]);
  for (const [key, m] of Object.entries(r.shift)) {
    const [page, viewport] = key.split(" ");
    line([page, viewport, ms(m.readyMs), m.cls.toFixed(4), m.clsSettled.toFixed(4)]);
  }
  out.push(``);
  return out.join("\n");
}
