// The bench's web site: one folder the platform server serves with `--static`, so the bench's
// pages, buycard.js and the gateway (`/shops/…`, `/wallet/…`) share one origin, as on a timeline.
//
// It holds a copy of the release build (Trunk's dist/: buycard.js, the wasm, snippets/, the
// preview's index.html and profile.html), the reservation stylesheet as `cargo xtask dist` ships
// it (buycard.css), the vanilla element with the card's own CSS put inside it, and the pages
// written by cardsPage().
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;
export const REPO = join(here, "..");

// The demo feed's products (server/catalog/products.jsonl), in the order the pages repeat them.
export const PRODUCTS = ["night-market-print", "fillmore-tickets", "long-thread", "tour-tee", "debut-vinyl", "enamel-pin"];

// Where each kind of card comes from, and its tag.
export const KINDS = {
  buycard: { tag: "buy-card", head: `<link rel="stylesheet" href="/buycard.css" />\n<script type="module" src="/buycard.js"></script>` },
  vanilla: { tag: "vanilla-card", head: `<script type="module" src="/bench/vanilla-card.js"></script>` },
};

// The line of vanilla-card.js that the site fills with the card's CSS.
const CSS_LINE = 'const CARD_CSS = ""; // filled by bench/site.mjs';

// Writes the site into `dir` (emptied first). `build` is Trunk's release output (dist/),
// `reserveCss` the reservation stylesheet of the dist folder.
export function makeSite(dir, { build = join(REPO, "dist"), reserveCss = join(REPO, "buycard-reserve.css") } = {}) {
  rmSync(dir, { recursive: true, force: true });
  cpSync(build, dir, { recursive: true });
  cpSync(reserveCss, join(dir, "buycard.css"));
  mkdirSync(join(dir, "bench"), { recursive: true });
  const source = readFileSync(join(here, "vanilla-card.js"), "utf8");
  if (!source.includes(CSS_LINE)) throw new Error(`bench/vanilla-card.js lost its line ${CSS_LINE}`);
  const css = readFileSync(join(REPO, "style/buycard.css"), "utf8");
  // A file, not a <style> element: the server sends its pages with a strict CSP (style-src 'self').
  writeFileSync(join(dir, "bench/page.css"), "main { max-width: 36rem; margin: 0 auto; display: grid; gap: 12px; padding: 12px; }\n");
  writeFileSync(join(dir, "bench/vanilla-card.js"), source.replace(CSS_LINE, `const CARD_CSS = ${JSON.stringify(css)};`));
  return dir;
}

// A page of `count` cards of `kind`, all from Lantern Press's demo feed through the gateway (as
// the timeline's cards are), the products in turn; returns its path on the site.
export function cardsPage(dir, kind, count) {
  const { tag, head } = KINDS[kind];
  const cards = [];
  for (let i = 0; i < count; i++) {
    const product = PRODUCTS[i % PRODUCTS.length];
    cards.push(`<${tag} endpoint="/shops/lantern" wallet="/wallet" feed="demo" product="${product}"></${tag}>`);
  }
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${count} × ${tag}</title>
${head}
<link rel="stylesheet" href="/bench/page.css" />
</head>
<body>
<main>
${cards.join("\n")}
</main>
</body>
</html>
`;
  const name = `bench/cards-${kind}-${count}.html`;
  writeFileSync(join(dir, name), html);
  return "/" + name;
}
