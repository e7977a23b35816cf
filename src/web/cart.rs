//! The cart's views: a card's "Add to cart" (with its Undo and "In your cart (n)"). It reads and
//! changes the page-wide cart in `web::cart_store`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::cart_store;
use super::track::Timeout;
use crate::core::cart::{Estimate, LineKey, UNDO_WINDOW_MS, UndoTicket};
use crate::core::i18n::{Lang, Msg};

/// Whether `cart` (the attribute) lets a card offer "Add to cart": `off` never, any other value
/// always, absent when the page has a cart.
pub(super) fn offered(attribute: Option<String>, page_has_cart: bool) -> bool {
    match attribute.as_deref().map(str::trim) {
        Some(value) if value.eq_ignore_ascii_case("off") => false,
        Some(_) => true,
        None => page_has_cart,
    }
}

/// Focuses `el` if it is still in the page.
fn focus(el: Option<impl Into<HtmlElement>>) {
    if let Some(el) = el {
        _ = el.into().focus();
    }
}

/// Whether `el` has the focus within its shadow root.
fn has_focus(el: &web_sys::Element) -> bool {
    el.get_root_node()
        .dyn_into::<web_sys::ShadowRoot>()
        .ok()
        .and_then(|root| root.active_element())
        .is_some_and(|active| &active == el)
}

/// A card's "Add to cart": beside Buy, instant, undoable for [`UNDO_WINDOW_MS`], announced.
#[component]
pub(super) fn AddToCart(
    key: LineKey,
    estimate: Estimate,
    quantity: u32,
    lang: Lang,
) -> impl IntoView {
    let cart = cart_store::cart();
    let in_cart = {
        let key = key.clone();
        Memo::new(move |_| cart.with(|c| c.quantity_of(&key)))
    };
    let undo: RwSignal<Option<UndoTicket>> = RwSignal::new(None);
    let problem: RwSignal<Option<Msg>> = RwSignal::new(None);
    // The live region's words; each add's differ (they give the count), so each is read out.
    let said = RwSignal::new(String::new());
    let timer = StoredValue::new_local(None::<Timeout>);
    let add_button = NodeRef::<leptos::html::Button>::new();
    let undo_button = NodeRef::<leptos::html::Button>::new();

    let add_key = key.clone();
    let on_add = move |_| match cart_store::add(add_key.clone(), estimate.clone(), quantity) {
        Ok(added) => {
            let ticket = added.undo;
            problem.set(None);
            undo.set(Some(ticket));
            let count = in_cart.get_untracked().max(added.quantity).to_string();
            said.set(format!(
                "{} {}",
                Msg::AddedToCart.text(lang),
                Msg::InYourCart.fill(lang, &[&count])
            ));
            let window = i32::try_from(UNDO_WINDOW_MS).unwrap_or(i32::MAX);
            let expire = Timeout::new(window, move || {
                cart_store::expire_undo(ticket);
                if undo.get_untracked() == Some(ticket) {
                    let focused = undo_button
                        .get_untracked()
                        .is_some_and(|b| has_focus(&b));
                    undo.set(None);
                    if focused {
                        focus(add_button.get_untracked());
                    }
                }
            });
            // The previous add's timer goes (dropping it clears it).
            timer.set_value(expire);
        }
        Err(error) => {
            undo.set(None);
            problem.set(Some(error.message()));
            said.set(error.message().text(lang));
        }
    };
    let on_undo = move |_| {
        let Some(ticket) = undo.get_untracked() else {
            return;
        };
        undo.set(None);
        timer.set_value(None);
        match cart_store::undo(ticket, &key) {
            Ok(()) => said.set(Msg::Removed.text(lang)),
            Err(error) => {
                problem.set(Some(error.message()));
                said.set(error.message().text(lang));
            }
        }
        // The Undo button is gone: focus goes back to the button it undid.
        focus(add_button.get_untracked());
    };
    let toast = move || {
        let on_undo = on_undo.clone();
        undo.get().map(|_| {
            view! {
                <p class="toast">
                    <span>{Msg::AddedToCart.text(lang)}</span>
                    " "
                    <button type="button" class="undo" node_ref=undo_button on:click=on_undo>
                        {Msg::Undo.text(lang)}
                    </button>
                </p>
            }
        })
    };
    let problem_view = move || {
        problem
            .get()
            .map(|msg| view! { <p class="cart-problem">{msg.text(lang)}</p> })
    };
    let in_cart_view = move || {
        let n = in_cart.get();
        (n > 0).then(|| {
            view! { <p class="in-cart">{Msg::InYourCart.fill(lang, &[&n.to_string()])}</p> }
        })
    };
    view! {
        <div class="cart-offer">
            <button type="button" class="add-to-cart" node_ref=add_button on:click=on_add>
                {Msg::AddToCart.text(lang)}
            </button>
            {toast}
            {problem_view}
            {in_cart_view}
            <p class="sr-only" role="status" aria-live="polite">{said}</p>
        </div>
    }
}
