//! The pure core: plain Rust with no browser dependency, tested natively (`cargo test`).
//!
//! - [`money`]: integer minor units and ISO 4217 currencies.
//! - [`availability`]: ACP availability status → what a buyer is told.
//! - [`listing`]: a feed's products as the browser reads them (the fields shown, no more).
//! - [`catalog`]: a product feed parsed product by product.
//! - [`card`]: the card's view model and its errors.
//! - [`carousel`]: `<product-carousel>`: slide selection, paging, visibility, autoplay policy.
//! - [`i18n`]: every user-visible string in English and French; locale negotiation.
//! - [`url`]: the only way an untrusted URL becomes an `href` or `src`.
//! - [`checkout`]: the checkout client: the only module that knows ACP's checkout wire format;
//!   read models of sessions, the flow's intents as request bodies, answers and error bodies.
//! - [`checkout_error`]: any checkout backend's failures as a small typed set (retryable or not,
//!   the buyer's words, the field to point at).
//! - [`retry`]: bounded exponential backoff with jitter, honouring `Retry-After`.
//! - [`flow`]: the buy flow as a state machine: stages, events, effects.
//! - [`details`]: the new buyer's sheet: fields per country and their checks.
//! - [`cart`]: the cart across shops: lines, limits, undo, grouping by shop with estimated
//!   subtotals, the merge on sign-in, what changed since a line was added, the stored form.
//! - [`cart_checkout`]: checking a cart out across shops as a state machine: one session per
//!   shop (each a [`flow::Flow`]), one confirmation, one Pay that pays them one by one, the
//!   report of what was placed where, and what a reload resumes from.

pub mod availability;
pub mod card;
pub mod carousel;
pub mod cart;
pub mod cart_checkout;
pub mod catalog;
pub mod checkout;
pub mod checkout_error;
pub mod details;
pub mod flow;
pub mod i18n;
pub mod listing;
pub mod money;
pub mod retry;
pub mod url;
