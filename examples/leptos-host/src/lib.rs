//! A Leptos app that sells through buycard's components: a shop's profile header with the
//! `<ProductCarousel/>` banner, and two posts with a `<BuyCard/>` each, one of them with a
//! quantity the app itself keeps (its stepper feeds the card's `quantity` prop).
//!
//! The components render into the app's view like any other, each in its own shadow root: the
//! app's CSS (`index.html`) does not reach inside, and the `buycard:*` events come out of the
//! component's host element, where `on:buycard:…` listens.
#![cfg(target_arch = "wasm32")]

use buycard::leptos::{BuyCard, ProductCarousel};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::wasm_bindgen;
use web_sys::js_sys;

/// The shop on the platform's gateway (`cargo xtask serve` answers `/shops/…` and `/wallet`).
const SHOP: &str = "/shops/lantern";
const FEED: &str = "demo";
const WALLET: &str = "/wallet";

/// Mounts the app when the module is instantiated.
///
/// Not `fn main`: buycard's module has a start function of its own (it defines the custom
/// elements, so `<buy-cart>` works here too), and wasm-bindgen calls a binary's `main` only in a
/// module without one. It runs every `#[wasm_bindgen(start)]` function, so both run. Not named
/// `start` either: buycard's is, and wasm-bindgen refuses two exports of one name.
#[wasm_bindgen(start)]
fn mount_app() {
    mount_to_body(App);
}

/// The profile page: the header with the banner, then the shop's posts.
#[component]
pub fn App() -> impl IntoView {
    // The app's own state: the last order a component placed, said in the header.
    let (last_order, set_last_order) = signal(None::<String>);
    let on_order = show_order(set_last_order);
    view! {
        <header class="profile">
            <h1>"Lantern Press"</h1>
            <p class="handle">"@lanternpress"</p>
            <p class="notice" role="status">
                {move || last_order.get().map(|number| format!("Thanks! Order {number} is placed."))}
            </p>
            <ProductCarousel
                endpoint=SHOP
                feed=FEED
                wallet=WALLET
                action="buy"
                label="Shop Lantern Press"
                on:buycard:order=on_order
            />
        </header>
        <main class="posts">
            <Post text="New print, signed and numbered.">
                <BuyCard
                    endpoint=SHOP
                    feed=FEED
                    product="night-market-print"
                    wallet=WALLET
                    on:buycard:order=on_order
                />
            </Post>
            <PinPost set_last_order />
        </main>
    }
}

/// A `buycard:order` listener that keeps the order's number (its `detail.order_number`).
fn show_order(set_last_order: WriteSignal<Option<String>>) -> impl Fn(web_sys::Event) + Copy {
    move |event| {
        let number = event
            .dyn_ref::<web_sys::CustomEvent>()
            .map(web_sys::CustomEvent::detail)
            .and_then(|detail| js_sys::Reflect::get(&detail, &"order_number".into()).ok())
            .and_then(|number| number.as_string());
        set_last_order.set(Some(number.unwrap_or_else(|| "(no number)".to_owned())));
    }
}

/// A post of words above what the shop attached.
#[component]
fn Post(text: &'static str, children: Children) -> impl IntoView {
    view! {
        <article class="post">
            <p>{text}</p>
            {children()}
        </article>
    }
}

/// A post whose card buys the quantity the app's own stepper keeps.
#[component]
fn PinPost(set_last_order: WriteSignal<Option<String>>) -> impl IntoView {
    let quantity = RwSignal::new(1_u32);
    let fewer = move |_| quantity.update(|q| *q = q.saturating_sub(1).max(1));
    let more = move |_| quantity.update(|q| *q = (*q + 1).min(99));
    view! {
        <Post text="Pins for the whole crew: pick how many.">
            <div class="stepper" role="group" aria-label="How many pins">
                <button type="button" aria-label="Fewer" on:click=fewer>"−"</button>
                <output aria-live="polite">{quantity}</output>
                <button type="button" aria-label="More" on:click=more>"+"</button>
            </div>
            <BuyCard
                endpoint=SHOP
                feed=FEED
                product="enamel-pin"
                wallet=WALLET
                quantity=quantity
                attr:class="pin-card"
                on:buycard:order=show_order(set_last_order)
            />
        </Post>
    }
}
