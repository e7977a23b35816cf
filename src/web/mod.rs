//! The browser edge: custom elements, Leptos views, fetch, `Intl`. Compiled for wasm32 only.

mod buy;
mod card;
mod carousel;
mod cart;
mod cart_pay;
pub mod cart_store;
pub mod checkout;
#[cfg(feature = "leptos-components")]
pub(crate) mod components;
mod details;
mod element;
pub mod feed;
mod intl;
mod source;
mod style;
pub mod track;
mod wallet;

pub use card::CardState;
pub use element::{BUY_CARD, BUY_CART, PRODUCT_CAROUSEL, define_elements};
pub use intl::format_money;

use wasm_bindgen::prelude::*;

/// Runs when the module is instantiated (once per page): defines the custom elements, so any
/// `<buy-card>` or `<product-carousel>` already in the page upgrades and renders.
#[wasm_bindgen(start)]
pub fn start() {
    define_elements();
}
