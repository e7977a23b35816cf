//! Who the host's wallet says the visitor is, asked once per page and ahead of the first Buy tap.
//!
//! The answer (`GET {wallet}/buyer`: a saved buyer, nobody saved, or signed out) is the same for
//! every card of the page, so one look-up serves them all. It starts when the visitor shows an
//! intent to buy (the pointer over a card or the banner, or focus inside one), which on a phone is
//! the `pointerover` a tap fires before its click: Buy then finds the answer there, or on its way,
//! and goes straight to the merchant.
//!
//! A kept answer is dropped when it may no longer be true: the host says its visitor signed in or
//! out (`buycard:wallet-changed` on the document), a wallet call answers 401, a card was saved to
//! the wallet, or it is older than [`MAX_AGE_MS`]. A failed look-up is not kept.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::core::checkout::Visitor;
use crate::core::checkout_error::CheckoutError;

type Look = Shared<LocalBoxFuture<'static, Result<Visitor, CheckoutError>>>;

/// How long a kept answer is trusted without any sign that it changed.
pub const MAX_AGE_MS: f64 = 5.0 * 60.0 * 1000.0;

struct Kept {
    /// `Date.now()` when the look-up started.
    at: f64,
    look: Look,
}

thread_local! {
    /// By wallet base URL.
    static KEPT: RefCell<HashMap<String, Kept>> = RefCell::new(HashMap::new());
    /// Wallets named by the page's cards, looked up on the visitor's first intent.
    static KNOWN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static INSTALLED: Cell<bool> = const { Cell::new(false) };
}

/// Listens, for the page's life, for the intents that start the look-up and for the host's
/// sign-in changes (once per page).
pub fn install() {
    if INSTALLED.with(|i| i.replace(true)) {
        return;
    }
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let intent = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        // Inside a shadow root, the document sees the element itself as the target.
        let ours = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.local_name().as_str(), "buy-card" | "product-carousel"));
        if ours {
            KNOWN.with(|known| known.borrow().iter().for_each(|base| prefetch(base)));
        }
    });
    for name in ["pointerover", "focusin"] {
        _ = document.add_event_listener_with_callback(name, intent.as_ref().unchecked_ref());
    }
    intent.forget();
    // The host's visitor signed in or out without a reload.
    let changed = Closure::<dyn Fn(web_sys::Event)>::new(|_: web_sys::Event| forget());
    _ = document.add_event_listener_with_callback(
        "buycard:wallet-changed",
        changed.as_ref().unchecked_ref(),
    );
    changed.forget();
}

/// A card's wallet: looked up on the visitor's first intent over any card.
pub fn known(base: &str) {
    KNOWN.with(|known| {
        let mut known = known.borrow_mut();
        if !known.iter().any(|b| b == base) {
            known.push(base.to_owned());
        }
    });
}

/// Starts the look-up at `base` unless a fresh one is kept.
pub fn prefetch(base: &str) {
    let look = look(base);
    wasm_bindgen_futures::spawn_local(async move {
        _ = look.await;
    });
}

/// The visitor, from the kept look-up when there is a fresh one, else asked now.
pub async fn visitor(base: &str) -> Result<Visitor, CheckoutError> {
    look(base).await
}

/// Drops every kept answer: the next Buy asks again.
pub fn forget() {
    KEPT.with(|kept| kept.borrow_mut().clear());
}

fn look(base: &str) -> Look {
    let now = js_sys::Date::now();
    KEPT.with(|kept| {
        let mut kept = kept.borrow_mut();
        let usable = kept
            .get(base)
            .is_some_and(|k| now - k.at < MAX_AGE_MS && !k.look.peek().is_some_and(Result::is_err));
        if !usable {
            let look = super::checkout::ask_wallet(format!("{base}/buyer"))
                .boxed_local()
                .shared();
            kept.insert(base.to_owned(), Kept { at: now, look });
        }
        kept[base].look.clone()
    })
}
