// buycard.d.ts, the hosts' TypeScript declarations: a host's code that uses them right compiles
// with `tsc --noEmit --strict` and its misuses do not (tests/e2e/types/, `@ts-expect-error`), and
// so do README's examples; they name every attribute, event, code and state the Rust sources
// have; and the release build serves them beside buycard.js.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { BASE } from "./browser.mjs";

const root = new URL("../../", import.meta.url);
const read = (path) => readFileSync(new URL(path, root), "utf8");
const dts = read("buycard.d.ts");

// The Rust source without its `#[cfg(test)]` module, which names codes only tests use.
const source = (path) => read(path).split("#[cfg(test)]")[0];
// The text of the first `{ … }` block after `start` (matching braces).
function block(text, start) {
  const at = text.indexOf(start);
  assert.notEqual(at, -1, `${start} not found`);
  const open = text.indexOf("{", at + start.length);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced block after ${start}`);
}
const strings = (text, pattern) => [...text.matchAll(pattern)].map((m) => m[1]);
const sorted = (values) => [...new Set(values)].sort();
// The string literals of a union `type name = "a" | "b" …;` in buycard.d.ts (comments left out).
function union(name) {
  const match = dts.match(new RegExp(`export type ${name} =([^;]*);`));
  assert.ok(match, `type ${name} in buycard.d.ts`);
  return sorted(strings(match[1].replace(/\/\*\*[\s\S]*?\*\//g, ""), /"([a-z0-9_-]+)"/g));
}
// The members an interface of buycard.d.ts declares, with those of the interface it extends.
function members(name) {
  const match = dts.match(new RegExp(`export interface ${name} (?:extends (\\w+) )?\\{([\\s\\S]*?)\\n\\}`));
  assert.ok(match, `interface ${name} in buycard.d.ts`);
  const own = strings(match[2].replace(/\/\*\*[\s\S]*?\*\//g, ""), /^\s*"?([\w:-]+)"?\??:/gm);
  const inherited = match[1] && match[1] in TYPED_BASES ? members(match[1]) : [];
  return sorted([...own, ...inherited]);
}
const TYPED_BASES = { BuycardCommonAttributes: true, BuycardElementEventMap: true };

test("a host's TypeScript compiles with tsc --noEmit --strict, and its misuses do not", () => {
  const tsc = new URL("./node_modules/.bin/tsc", import.meta.url).pathname;
  const types = new URL("./types/tsconfig.json", import.meta.url).pathname;
  const run = spawnSync(tsc, ["-p", types, "--noEmit", "--strict"], { encoding: "utf8" });
  assert.equal(run.error, undefined, `tsc did not run: ${run.error}`);
  // An `@ts-expect-error` line that compiles is itself an error (TS2578), so this also checks that
  // every misuse in tests/e2e/types/ is refused.
  assert.equal(`${run.stdout}${run.stderr}`.trim(), "", "tsc reports nothing");
  assert.equal(run.status, 0);
});

test("README's TypeScript and React examples are the ones tests/e2e/types/ compiles", () => {
  const section = read("README.md").split("### TypeScript, React and other frameworks")[1].split("\n### ")[0];
  const example = (lang) => {
    const match = section.match(new RegExp("```" + lang + "\\n([\\s\\S]*?)```"));
    assert.ok(match, `a ${lang} example in README`);
    return match[1].replaceAll("./vendor/buycard", "../../../buycard");
  };
  assert.ok(read("tests/e2e/types/page.ts").includes(example("ts")), "page.ts has README's ts example");
  assert.ok(read("tests/e2e/types/react.tsx").includes(example("tsx")), "react.tsx has README's tsx example");
});

test("buycard.d.ts declares each element's attributes as src/web observes them", () => {
  const observed = {};
  for (const file of readdirSync(new URL("src/web/", root)).filter((f) => f.endsWith(".rs"))) {
    const text = read(`src/web/${file}`);
    for (const match of text.matchAll(/attributes! \{[\s\S]*?pub struct (\w+) \{([\s\S]*?)\n    \}/g)) {
      observed[match[1]] = sorted(strings(match[2], /= "([a-z-]+)",/g));
    }
  }
  const declared = { CardAttrs: "BuyCardAttributes", CarouselAttrs: "ProductCarouselAttributes", CartAttrs: "BuyCartAttributes" };
  assert.deepEqual(Object.keys(observed).sort(), Object.keys(declared).sort(), "one interface per element");
  // `theme` is no observed attribute: the stylesheets read it (`:host([theme="dark"])`).
  assert.match(read("style/buycard.css"), /:host\(\[theme="dark"\]\)/);
  for (const [rust, ts] of Object.entries(declared)) {
    assert.deepEqual(members(ts), sorted([...observed[rust], "theme"]), `${ts} and ${rust}`);
  }
});

test("buycard.d.ts declares every buycard:* event the sources dispatch or listen to", () => {
  const names = [];
  for (const file of readdirSync(new URL("src/web/", root)).filter((f) => f.endsWith(".rs"))) {
    for (const line of read(`src/web/${file}`).split("\n")) {
      // Storage keys (`const …_KEY: &str = "buycard:…"`) are no events.
      if (!/\bconst\b/.test(line)) names.push(...strings(line, /"(buycard:[a-z-]+)"/g));
    }
  }
  assert.deepEqual(members("BuycardDocumentEventMap"), sorted(names));
});

test("buycard.d.ts names every error code, refusal, data-error and data-state of the sources", () => {
  // buycard:error's codes: CheckoutError::code, and the codes the card gives CheckoutError::Invalid.
  const checkout = strings(block(source("src/core/checkout_error.rs"), "pub fn code("), /=> "([a-z0-9_]+)"/g);
  const invalid = ["src/core/flow.rs", "src/core/checkout/answer.rs", "src/web/checkout.rs", "src/web/cart_pay.rs", "src/core/cart_checkout.rs"]
    .flatMap((path) => strings(source(path), /CheckoutError::Invalid \{\s*code: "([a-z0-9_]+)"/g));
  const fallback = strings(block(source("src/core/checkout/answer.rs"), "fn classify("), /"([a-z_]+)"\.to_owned\(\)/g);
  assert.deepEqual(union("BuycardCheckoutErrorCode"), sorted([...checkout, ...invalid, ...fallback]));

  const refusals = strings(block(source("src/web/cart_store.rs"), "async fn host_add("), /(?:refusal\(|=> )"([a-z_]+)"/g);
  assert.deepEqual(union("BuycardCartAddErrorCode"), sorted(refusals));

  const cardErrors = strings(block(source("src/core/card.rs"), "pub fn code("), /=> "([a-z_]+)"/g);
  const bannerErrors = strings(source("src/web/carousel.rs"), /"data-error", "([a-z_]+)"/g);
  assert.deepEqual(union("BuycardDataError"), sorted([...cardErrors, ...bannerErrors]));

  const asStr = (path, start) => strings(block(source(path), start), /=> "([a-z]+)"/g);
  assert.deepEqual(
    union("BuyCardState"),
    sorted([...asStr("src/web/card.rs", "impl CardState"), ...asStr("src/core/flow.rs", "impl Stage")]),
  );
  assert.deepEqual(union("BuyCartState"), sorted(asStr("src/core/cart_checkout.rs", "impl Stage")));
});

test("the release build serves buycard.d.ts beside buycard.js", async () => {
  const [script, types] = await Promise.all([fetch(`${BASE}/buycard.js`), fetch(`${BASE}/buycard.d.ts`)]);
  assert.equal(script.status, 200);
  assert.equal(types.status, 200);
  assert.equal(types.headers.get("content-type"), "text/plain; charset=utf-8", "text, not an MPEG stream by its extension");
  assert.equal(await types.text(), dts, "dist/buycard.d.ts is the repository's");
});
