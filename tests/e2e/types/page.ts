/// <reference path="../../../buycard.d.ts" />
const card = document.querySelector("buy-card"); // BuyCardElement | null
card?.addEventListener("buycard:ready", (event) => console.log(event.detail.variant_id));
document.addEventListener("buycard:order", (event) => console.log(event.detail.order_id));
// Defined once buycard.js has run, hence the `?.`; it rejects with a BuycardCartAddError.
void window.buycard?.cart.add({ endpoint: "/shops/harbor", feed: "harbor", product: "tidewater-lp" });

// Above: README's example, as it is there (types.test.mjs checks). Below: the rest of a plain
// host page's script, with buycard.d.ts referenced (no import): the global declarations.
// tsc --noEmit --strict must accept every line; each line after `@ts-expect-error` must be an error.

// The elements, by tag name.
const banner = document.createElement("product-carousel");
const cart: HTMLElement | null = document.querySelector("buy-cart");
banner.setAttribute("action", "buy");

// A card's own events: `buycard:ready` has the card's detail, not the banner's.
card?.addEventListener("buycard:ready", (event) => {
  const shown: string = `${event.detail.product_id}/${event.detail.variant_id}`;
  // @ts-expect-error a card's ready names one product; `product_ids` is the banner's
  console.log(shown, event.detail.product_ids);
});
card?.addEventListener("buycard:order", function (event) {
  const element: HTMLElement = this;
  const { order_id, checkout_session_id, permalink_url } = event.detail;
  console.log(element.dataset.state, order_id.length, checkout_session_id, permalink_url);
  // @ts-expect-error the order's page is `permalink_url`
  console.log(event.detail.order_url);
  const number: string | null = event.detail.order_number;
  // @ts-expect-error the order number is null when the merchant gives none
  console.log(event.detail.order_number.length, number);
});
card?.addEventListener("buycard:checkout", (event) => {
  // `total` may be null: strict mode makes the host check.
  const total: number = event.detail.total ?? 0;
  // @ts-expect-error `total` is `number | null`
  const cents: number = event.detail.total;
  console.log(total, cents, event.detail.currency.toUpperCase());
});
card?.addEventListener("buycard:cancel", (event) => {
  // @ts-expect-error canceled before a session was opened: `null`
  const id: string = event.detail.checkout_session_id;
  console.log(id);
});

// A banner's own events.
banner.addEventListener("buycard:ready", (event) => console.log(event.detail.count, event.detail.product_ids.join(" ")));
banner.addEventListener("buycard:select", (event) => {
  const index: number = event.detail.index;
  // @ts-expect-error `index` is a number
  const position: string = event.detail.index;
  console.log(index, position, event.detail.product_id);
});
banner.addEventListener("buycard:error", (event) => {
  // A banner's error is a checkout's or the skipped products'.
  if ("product_ids" in event.detail) {
    const retryable: false = event.detail.retryable;
    console.log(retryable, event.detail.product_ids);
  } else {
    console.log(event.detail.code, event.detail.message);
  }
});

// Any element, the document and the window hear the bubbling ones.
cart?.addEventListener("buycard:order", (event) => console.log(event.detail.order_id));
document.addEventListener("buycard:error", (event) => {
  const retry: boolean = event.detail.retryable;
  // Known codes complete; a merchant's own code is a string too.
  const code: BuycardErrorCodeAlias = event.detail.code;
  if (code === "payment_declined" || code === "not_charged" || code === "invalid_card") console.log(retry);
  // @ts-expect-error the code is a string
  const numeric: number = event.detail.code;
  console.log(numeric);
});
window.addEventListener("buycard:checkout", (event) => console.log(event.detail.checkout_session_id));
document.addEventListener("buycard:ready", (event) => {
  // From any element: the card's or the banner's detail.
  if ("product_id" in event.detail) console.log(event.detail.variant_id);
  else console.log(event.detail.count);
});

// The cart's events, on the document only.
document.addEventListener("buycard:cart", (event) => {
  const count: number = event.detail.count;
  for (const line of event.detail.lines) console.log(line.endpoint, line.feed, line.product, line.variant, line.quantity);
  // @ts-expect-error lines carry no price (it is an estimate the panel shows)
  console.log(count, event.detail.lines[0]?.unit_price);
});
// @ts-expect-error `buycard:cart` is dispatched on the document, not on the elements
card?.addEventListener("buycard:cart", (event) => console.log(event.detail.count));
document.addEventListener("buycard:add-to-cart", (event) => console.log(event.detail.product, event.detail.quantity ?? 1));
document.dispatchEvent(
  new CustomEvent<BuycardCartAddRequestAlias>("buycard:add-to-cart", {
    detail: { endpoint: "/shops/harbor", feed: "harbor", product: "tidewater-lp", variant: "lp-black" },
  }),
);

// window.buycard: defined once buycard.js has run.
async function addToCart(): Promise<number> {
  // @ts-expect-error `window.buycard` is undefined until buycard.js has run
  await window.buycard.cart.add({ endpoint: "/shops/harbor", feed: "harbor", product: "tidewater-lp" });
  const api = window.buycard;
  if (!api) return 0;
  try {
    const added = await api.cart.add({ endpoint: "/shops/harbor", feed: "harbor", product: "tidewater-lp", quantity: 2 });
    const line: number = added.quantity;
    return line + added.count;
  } catch (error) {
    const refused = error as BuycardCartAddErrorAlias;
    if (refused.code === "sold_out" || refused.code === "full") return -1;
    // @ts-expect-error not a code `add` rejects with
    if (refused.code === "out_of_stock") return -2;
    throw error;
  }
}
// @ts-expect-error `quantity` is a number
window.buycard?.cart.add({ endpoint: "/shops/harbor", feed: "harbor", product: "tidewater-lp", quantity: "2" });
// @ts-expect-error `feed` is required
window.buycard?.cart.add({ endpoint: "/shops/harbor", product: "tidewater-lp" });
void addToCart();

// The named types, from the referenced file's module, for a script that wants to spell them.
type BuycardErrorCodeAlias = import("../../../buycard").BuycardErrorCode;
type BuycardCartAddRequestAlias = import("../../../buycard").BuycardCartAddRequest;
type BuycardCartAddErrorAlias = import("../../../buycard").BuycardCartAddError;
