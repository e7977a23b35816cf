//! The components' stylesheets, adopted into each shadow root.
//!
//! One constructed `CSSStyleSheet` per file is shared by every element on the page (cheap for 200
//! cards), and because they live inside the shadow roots, host-page CSS cannot restyle the
//! components and their CSS cannot leak out. Constructed sheets are not inline styles, so a
//! strict CSP allows them.

use wasm_bindgen::JsValue;
use web_sys::{CssStyleSheet, ShadowRoot};

const CARD_CSS: &str = include_str!("../../style/buycard.css");
const CAROUSEL_CSS: &str = include_str!("../../style/carousel.css");
const CART_CSS: &str = include_str!("../../style/cart.css");

/// Which sheets an element adopts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sheets {
    Card,
    /// The card's sheet (the banner's buy panel is a card) and the banner's own, after it.
    Carousel,
    /// The card's sheet (the panel is a sheet) and the cart's own, after it.
    Cart,
}

fn sheet(css: &str) -> Option<CssStyleSheet> {
    let sheet = CssStyleSheet::new().ok();
    sheet.filter(|sheet| sheet.replace_sync(css).is_ok())
}

thread_local! {
    static CARD: Option<CssStyleSheet> = sheet(CARD_CSS);
    static CAROUSEL: Option<CssStyleSheet> = sheet(CAROUSEL_CSS);
    static CART: Option<CssStyleSheet> = sheet(CART_CSS);
}

pub fn adopt(root: &ShadowRoot, sheets: Sheets) {
    let list = js_sys::Array::new();
    CARD.with(|s| s.iter().for_each(|s| _ = list.push(&JsValue::from(s))));
    let own = match sheets {
        Sheets::Card => None,
        Sheets::Carousel => Some(&CAROUSEL),
        Sheets::Cart => Some(&CART),
    };
    if let Some(own) = own {
        own.with(|s| s.iter().for_each(|s| _ = list.push(&JsValue::from(s))));
    }
    root.set_adopted_style_sheets(&list);
}
