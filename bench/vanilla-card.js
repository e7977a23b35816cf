// <vanilla-card>: the bench's anchor for <buy-card> (cargo xtask bench, BENCHMARKS.md). A
// hand-written custom element with the same attributes, shadow root, CSS and ready markup as the
// real card (the markup copied from a ready <buy-card>'s shadow root in Chromium, less Leptos's
// empty comment markers), and nothing
// else: no checkout behind its Buy button, no error states, no reactivity to attribute changes,
// English only. It answers "what would the least a card can be cost?".
//
// Like the real card it fetches each feed once per page however many cards share it, adopts one
// constructed stylesheet into every shadow root, formats prices with Intl.NumberFormat (one
// formatter per locale and currency), and sets data-state="loading", then "ready".

const CARD_CSS = ""; // filled by bench/site.mjs

let sheet;
function cardSheet() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CARD_CSS);
  }
  return sheet;
}

const feeds = new Map();
function feed(endpoint, id) {
  const url = `${endpoint.replace(/\/$/, "")}/feeds/${encodeURIComponent(id)}/products`;
  if (!feeds.has(url)) {
    feeds.set(
      url,
      fetch(url).then(async (answer) => {
        if (!answer.ok) throw new Error(`feed: HTTP ${answer.status}`);
        const { products } = await answer.json();
        return new Map(products.map((p) => [p.id, p]));
      }),
    );
  }
  return feeds.get(url);
}

const formatters = new Map();
function money(locale, { amount, currency }) {
  const key = `${locale} ${currency}`;
  if (!formatters.has(key)) formatters.set(key, new Intl.NumberFormat(locale, { style: "currency", currency }));
  const format = formatters.get(key);
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(amount / 10 ** digits);
}

const AVAILABILITY = {
  in_stock: "In stock",
  limited_stock: "Only a few left",
  preorder: "Pre-order",
  backorder: "On backorder: ships when restocked",
  out_of_stock: "Sold out",
  discontinued: "No longer available",
};
const buyable = (status) => !["out_of_stock", "discontinued"].includes(status);

const escape = (text) =>
  String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

function readyMarkup(product, locale) {
  const variant = product.variants.find((v) => buyable(v.availability?.status)) ?? product.variants[0];
  const title = product.title || variant.title;
  const image = (variant.media ?? product.media ?? []).find((m) => m.type === "image");
  const status = variant.availability?.status;
  const url = variant.url ?? product.url;
  const seller = variant.seller?.name;
  const media = image
    ? `<div class="media" part="photo" data-ratio="${image.width} / ${image.height}"><img src="${escape(image.url)}" alt="${escape(image.alt_text ?? title)}" width="${image.width}" height="${image.height}" loading="lazy" decoding="async"></div>`
    : `<div class="media placeholder" part="photo" role="img" aria-label="Image unavailable"><span aria-hidden="true">${escape(title)}</span></div>`;
  const titleView = url
    ? `<a href="${escape(url)}" target="_blank" rel="noopener noreferrer">${escape(title)}</a>`
    : `<span>${escape(title)}</span>`;
  const was =
    variant.list_price && variant.list_price.amount > variant.price.amount
      ? `<s class="was"><span class="sr-only">Original price: </span>${money(locale, variant.list_price)}</s>`
      : "";
  const choices =
    product.variants.length > 1
      ? `<label class="variant"><span>${escape(product.variants[0].variant_options?.[0]?.name ?? "Choose")}</span><select>${product.variants
          .map((v) => {
            const label = (v.variant_options ?? []).map((o) => o.value).join(" / ") || v.title;
            const ok = buyable(v.availability?.status);
            return `<option value="${escape(v.id)}"${v.id === variant.id ? " selected" : ""}${ok ? "" : " disabled"}>${escape(ok ? label : `${label} (sold out)`)}</option>`;
          })
          .join("")}</select></label>`
      : "";
  // The Buy button with the (closed) sheet it opens, as the real card has them at rest.
  const buy = buyable(status)
    ? `<div class="buy"><button class="buy-button primary" type="button" part="buy" aria-busy="false">${status === "preorder" ? "Pre-order" : "Buy"}</button><dialog class="sheet" part="sheet" aria-labelledby="buycard-sheet-title"><h2 class="sheet-title" id="buycard-sheet-title" tabindex="-1">Confirm your order</h2></dialog><p class="sr-only" role="status" aria-live="polite"></p></div>`
    : "";
  const nextStep =
    !buyable(status) && url
      ? `<a class="next-step" href="${escape(url)}" target="_blank" rel="noopener noreferrer">See the product page<span class="sr-only"> (opens in a new tab)</span></a>`
      : "";
  return `<article class="card" part="card" aria-busy="false">${media}<div class="body"><p class="title" part="title">${titleView}</p><p class="price" part="price"><span class="now"><span class="sr-only">Price: </span>${money(locale, variant.price)}</span>${was}</p>${
    status ? `<p class="availability" data-availability="${status}">${AVAILABILITY[status]}</p>` : ""
  }${seller ? `<p class="seller">Sold by ${escape(seller)}</p>` : ""}${choices}<div class="purchase">${buy}</div>${nextStep}</div></article>`;
}

const LOADING = `<article class="card" part="card" aria-busy="true"><div class="skeleton" role="status"><div class="media shimmer"></div><p class="sr-only">Loading…</p><div class="line shimmer"></div><div class="line short shimmer"></div></div></article>`;

class VanillaCard extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [cardSheet()];
    root.innerHTML = LOADING;
    this.setAttribute("data-state", "loading");
    const locale = this.closest("[lang]")?.lang || navigator.language;
    feed(this.getAttribute("endpoint"), this.getAttribute("feed"))
      .then((products) => {
        const product = products.get(this.getAttribute("product"));
        if (!product) throw new Error("product not found");
        root.innerHTML = readyMarkup(product, locale);
        // Through the CSSOM, as the real card does: a style attribute is refused under the strict
        // CSP the bench's pages are served with (style-src 'self').
        const media = root.querySelector(".media[data-ratio]");
        if (media) media.style.aspectRatio = media.dataset.ratio;
        this.setAttribute("data-state", "ready");
      })
      .catch(() => {
        root.innerHTML = `<article class="card" part="card"><div class="error" role="alert"><p>This product cannot be shown.</p></div></article>`;
        this.setAttribute("data-state", "error");
      });
  }
}

customElements.define("vanilla-card", VanillaCard);
