// Shared set-up for the end-to-end tests: Debian's Chromium driven by playwright-core (never a
// downloaded browser), and the reference server's URL from `cargo xtask test`.
import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

export const BASE = process.env.BUYCARD_URL ?? "http://127.0.0.1:8787";
export const ARTIFACTS = process.env.ARTIFACTS ?? new URL("./artifacts", import.meta.url).pathname;

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-quic",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

// A page that fails the test on any uncaught error in it.
// The preview pages are served under a strict Content Security Policy, which refuses the test
// tooling some tests put into a page (axe-core as an inline script): pages bypass it unless a
// test asks for `bypassCSP: false` (tests/e2e/csp.test.mjs, the dist folder's CSP test).
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ bypassCSP: true, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (error) => page.errors.push(error.message));
  return page;
}

// Records, from the page's first script on, every Content Security Policy violation
// (`window.__violations`, one line each; shadow roots included: the event is composed) and every
// CSP message of the console (`page.consoleCsp`). Before `goto`.
export async function recordCspViolations(page) {
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener(
      "securitypolicyviolation",
      (e) => window.__violations.push(`${e.violatedDirective}: ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber}) ${e.sample}`),
      true,
    );
  });
  page.consoleCsp = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) page.consoleCsp.push(m.text());
  });
}

// Signs the demo wallet in as `buyer` (in the preview, the host site's own login); the status.
export async function signIn(page, buyer) {
  return page.evaluate(async (buyer) => {
    const answer = await fetch("/wallet/sign_in", {
      method: "POST",
      credentials: "include",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ buyer_id: buyer }),
    });
    // As a host does when its visitor signs in without a reload.
    document.dispatchEvent(new Event("buycard:wallet-changed"));
    return answer.status;
  }, buyer);
}

// axe-core's violations on the page, or only in the element `selector` names (its shadow tree
// included), one line each ("rule: selectors").
export async function axeViolations(page, selector) {
  if (!(await page.evaluate(() => !!window.axe))) {
    const require = createRequire(import.meta.url);
    await page.addScriptTag({ content: readFileSync(require.resolve("axe-core/axe.min.js"), "utf8") });
  }
  const results = await page.evaluate((s) => window.axe.run(s ? document.querySelector(s) : document), selector);
  return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

// A card mounts its view when it comes near the viewport, as a reader scrolls to it: bring the
// card `selector` names there (the least scroll that shows it), then wait until it is ready.
export async function cardReady(page, selector, timeout = 30000) {
  await page.waitForFunction(
    (s) => {
      const card = document.querySelector(s);
      if (card?.dataset.state === "ready") return true;
      card?.scrollIntoView({ block: "nearest" });
      return false;
    },
    selector,
    { timeout, polling: 100 },
  );
}

// Every element `selector` names ready, scrolling to each in turn as a reader would, then back to
// the top of the page.
export async function allReady(page, selector = "buy-card, product-carousel", timeout = 30000) {
  await page.waitForFunction(
    (s) => {
      const waiting = [...document.querySelectorAll(s)].filter((c) => c.dataset.state !== "ready");
      waiting[0]?.scrollIntoView({ block: "nearest" });
      return waiting.length === 0;
    },
    selector,
    { timeout, polling: 100 },
  );
  await page.evaluate(() => scrollTo(0, 0));
}

// The detail of the next event `name` that reaches the document (call before the action).
export function nextEvent(page, name) {
  return page.evaluate(
    (name) => new Promise((resolve) => document.addEventListener(name, (e) => resolve(e.detail), { once: true })),
    name,
  );
}

// A checkout session as the merchant has it now.
export function checkoutSession(page, id) {
  return page.evaluate(
    async (id) => (await fetch(`/api/checkout_sessions/${id}`, { headers: { "API-Version": "2026-04-17" } })).json(),
    id,
  );
}

// Waits until the merchant shows the session with `status`.
export function waitForSessionStatus(page, id, status) {
  return page.waitForFunction(
    async ([id, status]) =>
      (await (await fetch(`/api/checkout_sessions/${id}`, { headers: { "API-Version": "2026-04-17" } })).json()).status === status,
    [id, status],
  );
}

export function artifact(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

// The card's text, with the non-breaking spaces Intl puts in prices made plain.
export async function cardText(locator) {
  const text = await locator.textContent();
  return text.replace(/[\u00a0\u202f]/g, " ").trim();
}

// A reference server of the test's own (for fault injection), serving the same release build, or
// the folder `staticDir`. `cargo xtask test` passes the binary's path; it stops when the test calls
// stop(). `catalog` picks another merchant's catalog (e.g. Harbor Records for a merchant of the
// test's own).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export async function startServer(extraArgs = [], { staticDir } = {}) {
  const bin = process.env.BUYCARD_SERVER_BIN;
  if (!bin) throw new Error("BUYCARD_SERVER_BIN is not set (run through cargo xtask test)");
  const root = new URL("../../", import.meta.url).pathname;
  const child = spawn(
    bin,
    [
      "--listen", "127.0.0.1:0", "--catalog", root + "server/catalog", "--static", staticDir ?? root + "dist", "--database", ":memory:",
      // The same shops behind its gateway as the main test server (`cargo xtask test` writes the registry).
      ...(process.env.BUYCARD_MERCHANTS ? ["--merchants", process.env.BUYCARD_MERCHANTS] : []),
      ...extraArgs,
    ],
    { stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, RUST_LOG: "warn" } },
  );
  const line = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start")), 30000);
    createInterface({ input: child.stdout }).once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
  const url = line.split("listening on ")[1].trim();
  return { url, stop: () => child.kill() };
}
