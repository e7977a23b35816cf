//! The pure core: plain Rust with no browser dependency, tested natively (`cargo test`).
//!
//! - [`money`]: integer minor units and ISO 4217 currencies.
//! - [`availability`]: ACP availability status → what a buyer is told.
//! - [`catalog`]: a product feed parsed product by product.
//! - [`card`]: the card's view model and its errors.
//! - [`i18n`]: every user-visible string in English and French; locale negotiation.
//! - [`url`]: the only way an untrusted URL becomes an `href` or `src`.

pub mod availability;
pub mod card;
pub mod catalog;
pub mod i18n;
pub mod money;
pub mod url;
