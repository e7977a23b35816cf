// TypeScript declarations for pages that embed buycard (`<script type="module" src=".../buycard.js">`).
// Served beside buycard.js. Either reference it, which gives the global declarations below:
//
//   /// <reference path="./buycard.d.ts" />
//
// or import its types (`import type { BuycardOrderDetail } from "./buycard"`), which does the same
// and names the detail types too. It declares types only: buycard.js exports nothing a host calls.
//
// What is declared, and where it comes from in the sources:
// - the elements in `HTMLElementTagNameMap`. They expose their attributes as attributes only (no
//   properties: src/web/element.rs forwards `attributeChangedCallback` and nothing else), so the
//   attributes are typed as `BuyCardAttributes`, `ProductCarouselAttributes` and
//   `BuyCartAttributes` for JSX and `React.createElement` (see `BuycardElementAttributes`), and
//   scripts use `setAttribute`;
// - the `buycard:*` events with their `detail`: those the elements dispatch (they bubble and are
//   composed, so they also reach `document` and `window`) and those on `document` only
//   (`buycard:cart`, `buycard:add-to-cart`);
// - `window.buycard.cart.add`, defined once buycard.js has run.
//
// There is no state-change event: an element's state is its `data-state` attribute (and
// `data-error`), typed below as `BuyCardState`, `ProductCarouselState`, `BuyCartState` and
// `BuycardDataError`, e.g. for `el.dataset.state as BuyCardState`.

// ---- Attributes ----------------------------------------------------------------------------------

/** A number written as an attribute: React and other frameworks turn numbers into strings. */
type NumberAttribute = number | `${number}`;

/** The attributes `<buy-card>`, `<product-carousel>` and `<buy-cart>` share. */
export interface BuycardCommonAttributes {
  /** BCP 47 tag (`en-US`, `fr-FR`, …); by default the nearest `lang` around the element, then the browser's. */
  locale?: string;
  /** By default the reader's `prefers-color-scheme`. */
  theme?: "light" | "dark";
}

/** `<buy-card>`'s attributes (README, "Attributes"). */
export interface BuyCardAttributes extends BuycardCommonAttributes {
  /** Required. Base URL of an ACP 2026-04-17 checkout backend: `/shops/{merchant}` on the host's origin, or `/api`. */
  endpoint: string;
  /** Required. ACP feed id. */
  feed: string;
  /** Required. ACP `Product.id` in that feed. */
  product: string;
  /** ACP `Variant.id`; by default the first variant that can be bought. */
  variant?: string;
  /** How many to buy, 1 to 99 (default 1). */
  quantity?: NumberAttribute;
  /** Base URL of the host site's wallet API: a signed-in buyer with saved details buys in one click. */
  wallet?: string;
  /** `"off"` hides "Add to cart"; any other value shows it; by default shown when the page has a cart. */
  cart?: "off" | "on" | (string & {});
}

/** `<product-carousel>`'s attributes (README, "The profile banner"). */
export interface ProductCarouselAttributes extends BuycardCommonAttributes {
  /** Required. As for `<buy-card>`. */
  endpoint: string;
  /** Required. As for `<buy-card>`. */
  feed: string;
  /** Space-separated product ids: exactly those, in that order. By default every product of the feed. */
  products?: string;
  /** `"link"` (default): a slide links to the product's page; `"buy"`: it opens the checkout in the banner. */
  action?: "link" | "buy";
  /** The host's wallet API, for `action="buy"`. */
  wallet?: string;
  /** Seconds between automatic moves (2 to 60); off by default. */
  autoplay?: NumberAttribute;
  /** The banner's accessible name (default "Products" / "Produits"). */
  label?: string;
}

/** `<buy-cart>`'s attributes (README, "The cart"). */
export interface BuyCartAttributes extends BuycardCommonAttributes {
  /** The host site's wallet API: a signed-in buyer's cart is kept by the platform. */
  wallet?: string;
}

/** Each element's attributes by tag name, for typing JSX's `IntrinsicElements` (README has React's). */
export interface BuycardElementAttributes {
  "buy-card": BuyCardAttributes;
  "product-carousel": ProductCarouselAttributes;
  "buy-cart": BuyCartAttributes;
}

// ---- States (`data-state`, `data-error`) ---------------------------------------------------------

/** `<buy-card data-state>`: the card's, then its checkout's. `checking`: after a lost answer. */
export type BuyCardState =
  | "loading"
  | "ready"
  | "confirming"
  | "details"
  | "placing"
  | "checking"
  | "placed"
  | "soldout"
  | "error";

/** `<product-carousel data-state>`: `loading`, `ready` or `error`, then a buy panel's checkout's. */
export type ProductCarouselState = BuyCardState;

/** `<buy-cart data-state>`: its checkout's. */
export type BuyCartState = "ready" | "loading" | "details" | "confirming" | "placing" | "result" | "error" | "closed";

/** `data-error` when a card or banner cannot show its products (`no_products`: banner only). */
export type BuycardDataError =
  | "missing_attribute"
  | "bad_endpoint"
  | "feed_not_found"
  | "feed_unavailable"
  | "feed_http_error"
  | "network"
  | "timeout"
  | "feed_unreadable"
  | "product_not_found"
  | "variant_not_found"
  | "invalid_product"
  | "no_products";

// ---- Event details -------------------------------------------------------------------------------

/** `buycard:ready` from a `<buy-card>`: the product is shown. */
export interface BuyCardReadyDetail {
  product_id: string;
  variant_id: string;
}

/** `buycard:ready` from a `<product-carousel>`: its slides are shown. */
export interface ProductCarouselReadyDetail {
  count: number;
  product_ids: string[];
}

/** `buycard:select` from a `<product-carousel>`: a slide was tapped. */
export interface ProductCarouselSelectDetail {
  product_id: string;
  /** The slide's position, from 0. */
  index: number;
}

/** `buycard:checkout`: a checkout session is open (on a `<buy-cart>`, once per shop). */
export interface BuycardCheckoutDetail {
  checkout_session_id: string;
  /** In minor units of `currency`; `null` when the merchant's session has no total yet. */
  total: number | null;
  /** As the merchant's session gives it (ACP: lowercase ISO 4217, e.g. `"usd"`). */
  currency: string;
}

/** `buycard:order`: the order is placed (on a `<buy-cart>`, once per shop). */
export interface BuycardOrderDetail {
  /** The merchant's order id; `""` when the merchant did not give one (the order exists all the same). */
  order_id: string;
  checkout_session_id: string;
  /** The order's page; `""` when the merchant gave none. */
  permalink_url: string;
  /** The reference the buyer reads ("LP-4F7K-2Q9X"), as the card shows it; `null` when the
   * merchant gives none (ACP before 2026-01-30). */
  order_number: string | null;
}

/** `buycard:cancel`: the buyer closed the sheet and the session is canceled. */
export interface BuycardCancelDetail {
  /** `null` when the buyer closed the sheet before the session was opened. */
  checkout_session_id: string | null;
}

/**
 * The codes the card itself gives a checkout failure. A merchant's own ACP error code (e.g.
 * `invalid_card`) is passed through as is, hence `BuycardErrorCode` is open.
 */
export type BuycardCheckoutErrorCode =
  /** No answer: connection refused, dropped, timed out. */
  | "network"
  | "server_error"
  /** The first request with this Idempotency-Key is still running. */
  | "in_flight"
  | "rate_limited"
  | "idempotency_conflict"
  /** A cart's shop still asks for the buyer's details after they were sent: it does not take
   * this address or contact. */
  | "details_refused"
  /** The session is completed, canceled, expired or gone. */
  | "session_closed"
  /** The shop refuses this page: it must be reached through the site's checkout service. */
  | "unauthorized"
  /** The host's wallet refused: the buyer is no longer signed in. */
  | "wallet_unauthorized"
  | "unsupported_version"
  | "out_of_stock"
  | "quantity_exceeded"
  | "payment_declined"
  | "requires_3ds"
  | "no_payment_handler"
  /** The session cannot be made ready for payment. */
  | "not_ready"
  /** After a lost answer, the card could not yet check whether the order was made. */
  | "unconfirmed"
  /** After a lost answer: the order was not made and nothing was charged. */
  | "not_charged"
  | "invalid"
  | "missing"
  | "no_wallet"
  | "unexpected_answer"
  | "unreadable_session";

/** `buycard:error`'s `code`: the card's, a banner's `product_not_found`, or a merchant's own. */
export type BuycardErrorCode = BuycardCheckoutErrorCode | "product_not_found" | (string & {});

/** `buycard:error` from a checkout (a card, a banner's buy panel, a cart's shop). */
export interface BuycardErrorDetail {
  code: BuycardErrorCode;
  /** In English, for logs; the buyer reads the card's own words in the card's language. */
  message: string;
  /** Whether the card retries by itself (the same request, the same Idempotency-Key). */
  retryable: boolean;
}

/** `buycard:error` from a `<product-carousel>` whose `products` names ids not in the feed (once). */
export interface ProductCarouselSkippedDetail {
  code: "product_not_found";
  message: string;
  retryable: false;
  /** The ids that were skipped. */
  product_ids: string[];
}

/** One line of `buycard:cart`'s `lines`. */
export interface BuycardCartLine {
  endpoint: string;
  feed: string;
  product: string;
  variant: string;
  quantity: number;
}

/** `buycard:cart` on `document`, after every change to the cart. */
export interface BuycardCartDetail {
  /** Units in the cart, all lines together. */
  count: number;
  lines: BuycardCartLine[];
}

/** What to add: `window.buycard.cart.add`'s argument and `buycard:add-to-cart`'s `detail`. */
export interface BuycardCartAddRequest {
  /** As the card's `endpoint` attribute. */
  endpoint: string;
  feed: string;
  product: string;
  /** By default the first variant that can be bought. */
  variant?: string;
  /** A whole number from 1 to 99 (default 1). */
  quantity?: number;
}

/** What `window.buycard.cart.add` resolves to. */
export interface BuycardCartAddResult {
  /** The line's quantity now (capped at the merchant's per-order limit). */
  quantity: number;
  /** Units in the cart, all lines together. */
  count: number;
}

/** Why `window.buycard.cart.add` refused (its rejection's `code`). */
export type BuycardCartAddErrorCode = "invalid" | "feed_unavailable" | "not_found" | "sold_out" | "no_price" | "full";

/** What `window.buycard.cart.add` rejects with. */
export interface BuycardCartAddError extends Error {
  code: BuycardCartAddErrorCode;
}

/** `window.buycard`. */
export interface BuycardApi {
  cart: {
    /**
     * Adds a product to the cart; the title, price and photo come from the feed. Rejects with a
     * `BuycardCartAddError` (Promise rejections are untyped: narrow with `"code" in error`).
     */
    add(request: BuycardCartAddRequest): Promise<BuycardCartAddResult>;
  };
}

// ---- Event maps ----------------------------------------------------------------------------------

/** The events the elements dispatch. They bubble and are composed: any ancestor, `document` and `window` hear them. */
export interface BuycardElementEventMap {
  "buycard:ready": CustomEvent<BuyCardReadyDetail | ProductCarouselReadyDetail>;
  "buycard:select": CustomEvent<ProductCarouselSelectDetail>;
  "buycard:checkout": CustomEvent<BuycardCheckoutDetail>;
  "buycard:order": CustomEvent<BuycardOrderDetail>;
  "buycard:cancel": CustomEvent<BuycardCancelDetail>;
  "buycard:error": CustomEvent<BuycardErrorDetail | ProductCarouselSkippedDetail>;
}

/** The events on `document` only. */
export interface BuycardDocumentEventMap extends BuycardElementEventMap {
  "buycard:cart": CustomEvent<BuycardCartDetail>;
  /** Dispatched by the host (`document.dispatchEvent(new CustomEvent("buycard:add-to-cart", {detail}))`). */
  "buycard:add-to-cart": CustomEvent<BuycardCartAddRequest>;
  /** Dispatched by the host when its visitor signs in or out without a reload
   * (`document.dispatchEvent(new Event("buycard:wallet-changed"))`): the page looks the visitor
   * up once, ahead of the first Buy, and asks the wallet again after this. */
  "buycard:wallet-changed": Event;
}

/** A `<buy-card>`'s own events. */
export interface BuyCardElementEventMap extends HTMLElementEventMap {
  "buycard:ready": CustomEvent<BuyCardReadyDetail>;
  "buycard:error": CustomEvent<BuycardErrorDetail>;
}

/** A `<product-carousel>`'s own events (the checkout's with `action="buy"`). */
export interface ProductCarouselElementEventMap extends HTMLElementEventMap {
  "buycard:ready": CustomEvent<ProductCarouselReadyDetail>;
}

// ---- Elements ------------------------------------------------------------------------------------

type Listener<This, E> = (this: This, event: E) => unknown;

/** `<buy-card>`: attributes only (`BuyCardAttributes`), no properties of its own. */
export interface BuyCardElement extends HTMLElement {
  addEventListener<K extends keyof BuyCardElementEventMap>(
    type: K,
    listener: Listener<BuyCardElement, BuyCardElementEventMap[K]>,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof BuyCardElementEventMap>(
    type: K,
    listener: Listener<BuyCardElement, BuyCardElementEventMap[K]>,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

/** `<product-carousel>`: attributes only (`ProductCarouselAttributes`). */
export interface ProductCarouselElement extends HTMLElement {
  addEventListener<K extends keyof ProductCarouselElementEventMap>(
    type: K,
    listener: Listener<ProductCarouselElement, ProductCarouselElementEventMap[K]>,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof ProductCarouselElementEventMap>(
    type: K,
    listener: Listener<ProductCarouselElement, ProductCarouselElementEventMap[K]>,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

/** `<buy-cart>`: attributes only (`BuyCartAttributes`). Its checkout's events come once per shop. */
export interface BuyCartElement extends HTMLElement {}

// ---- Globals -------------------------------------------------------------------------------------

declare global {
  interface HTMLElementTagNameMap {
    "buy-card": BuyCardElement;
    "product-carousel": ProductCarouselElement;
    "buy-cart": BuyCartElement;
  }

  interface HTMLElementEventMap extends BuycardElementEventMap {}

  interface DocumentEventMap extends BuycardDocumentEventMap {}

  interface WindowEventMap extends BuycardElementEventMap {}

  interface Window {
    /** Defined once buycard.js has run (the module awaits its wasm): `undefined` before. */
    buycard?: BuycardApi;
  }
}
