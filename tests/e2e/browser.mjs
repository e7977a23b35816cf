// Shared set-up for the end-to-end tests: Debian's Chromium driven by playwright-core (never a
// downloaded browser), and the reference server's URL from `cargo xtask test`.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
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
export async function newPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (error) => page.errors.push(error.message));
  return page;
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
