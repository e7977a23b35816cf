//! The card's stylesheet, adopted into each shadow root.
//!
//! One constructed `CSSStyleSheet` is shared by every card on the page (cheap for 200 cards), and
//! because it lives inside the shadow roots, host-page CSS cannot restyle the card and the card's
//! CSS cannot leak out. Constructed sheets are not inline styles, so a strict CSP allows them.

use wasm_bindgen::JsValue;
use web_sys::{CssStyleSheet, ShadowRoot};

const CSS: &str = include_str!("../../style/buycard.css");

thread_local! {
    static SHEET: Option<CssStyleSheet> = {
        let sheet = CssStyleSheet::new().ok();
        sheet.filter(|sheet| sheet.replace_sync(CSS).is_ok())
    };
}

pub fn adopt(root: &ShadowRoot) {
    SHEET.with(|sheet| {
        if let Some(sheet) = sheet {
            root.set_adopted_style_sheets(&js_sys::Array::of1(&JsValue::from(sheet)));
        }
    });
}
